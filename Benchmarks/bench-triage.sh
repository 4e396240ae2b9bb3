#!/usr/bin/env bash
# Benchmark: `alert-inspect triage` against the equivalent jq grouping on the same large stream.
#
#   Benchmarks/bench-triage.sh            500k lines (LINES=…, RUNS=… to change)
#
# Generates a realistic stream (Benchmarks/generate-alerts.py: every Falco era's shape, falcosidekick
# re-posts, plain-text lines, bad lines) under Benchmarks/work/ once per size and generator version,
# builds the release binary, then times both tools RUNS times (best run kept) and reads peak memory
# from /usr/bin/time. Goal: triage at least 4x faster than jq, peak memory under 64 MiB.
set -euo pipefail

cd "$(dirname "$0")/.."
LINES=${LINES:-500000}
RUNS=${RUNS:-3}
JQ_RUNS=${JQ_RUNS:-1}
WORK=Benchmarks/work
mkdir -p "$WORK"

for tool in jq python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-triage: $tool is missing (make deps)" >&2; exit 1; }
done

echo "bench-triage: building the release binary" >&2
swift build -c release --product alert-inspect >&2
BIN=$(swift build -c release --show-bin-path)/alert-inspect

version=$(sha256sum Benchmarks/generate-alerts.py | cut -c1-12)
STREAM="$WORK/alerts-$LINES-$version.jsonl"
if [ ! -s "$STREAM" ]; then
    echo "bench-triage: generating $LINES lines into $STREAM" >&2
    rm -f "$WORK"/alerts-*.jsonl
    python3 Benchmarks/generate-alerts.py "$LINES" "$STREAM.tmp"
    mv "$STREAM.tmp" "$STREAM"
fi

# The same grouping in jq: parse every line (skipping what is not JSON, which triage counts as bad),
# group by rule + container id + executable; count, first/last time, highest priority, exec flags.
# group_by is the fastest way found to say it in jq; it holds every alert in memory.
JQ_GROUP_BY_PROGRAM='
def rank: {"Emergency":7,"Alert":6,"Critical":5,"Error":4,"Warning":3,"Notice":2,"Informational":1,"Debug":0}[.] // -1;
[inputs | fromjson? | select(type == "object" and .rule != null)
  | (.output_fields // {}) as $f
  | {rule, containerId: $f["container.id"], containerName: $f["container.name"],
     exePath: ($f["proc.exepath"] // $f["proc.exe"]), time, priority,
     flags: ((($f["evt.arg.flags"] // "") | tostring) / "|" | map(select(startswith("EXE_"))))}]
| {alerts: length,
   groups: (group_by([.rule, .containerId, .exePath])
     | map({rule: .[0].rule, containerId: .[0].containerId, containerName: .[0].containerName,
            exePath: .[0].exePath, count: length, first: (map(.time) | min), last: (map(.time) | max),
            priority: (max_by(.priority | rank) | .priority), flags: (map(.flags[]) | unique)})
     | sort_by(-(.priority | rank), -.count))}'

# The streaming form (memory grows with groups, like triage): much slower in jq, so only on request
# (JQ_STREAMING=1).
JQ_REDUCE_PROGRAM='
def rank: {"Emergency":7,"Alert":6,"Critical":5,"Error":4,"Warning":3,"Notice":2,"Informational":1,"Debug":0}[.] // -1;
reduce (inputs | fromjson? | select(type == "object" and .rule != null)) as $a ({alerts: 0, groups: {}};
  ($a.output_fields // {}) as $f
  | [$a.rule, $f["container.id"], ($f["proc.exepath"] // $f["proc.exe"])] as $k
  | .alerts += 1
  | .groups[$k | tojson] |= (
      (. // {rule: $k[0], containerId: $k[1], containerName: $f["container.name"], exePath: $k[2],
             count: 0, first: $a.time, last: $a.time, priority: $a.priority, flags: []})
      | .count += 1
      | if $a.time < .first then .first = $a.time else . end
      | if $a.time > .last then .last = $a.time else . end
      | if ($a.priority | rank) > (.priority | rank) then .priority = $a.priority else . end
      | .flags = (.flags + ((($f["evt.arg.flags"] // "") | tostring) / "|" | map(select(startswith("EXE_")))) | unique)))
| .groups = ([.groups[]] | sort_by(-(.priority | rank), -.count))'

# best_of N COMMAND...: runs COMMAND N times; prints "<best seconds> <peak KiB>"; its output stays in out.txt.
best_of() {
    local runs=$1 best="" peak=0 run seconds kib
    shift
    for ((run = 1; run <= runs; run++)); do
        /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >"$WORK/out.txt"
        read -r seconds kib <"$WORK/time.txt"
        if [ -z "$best" ] || awk -v a="$seconds" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$seconds; fi
        [ "$kib" -gt "$peak" ] && peak=$kib
    done
    echo "$best $peak"
}

lines=$(wc -l <"$STREAM")
size=$(du -m "$STREAM" | cut -f1)
echo "bench-triage: $lines lines, $size MiB; triage best of $RUNS runs, jq best of $JQ_RUNS" >&2

row() { awk -v name="$1" -v s="$2" -v k="$3" -v g="$4" 'BEGIN { printf "%-24s %9.2f %14.1f %9d\n", name, s, k / 1024, g }'; }
groups_in_output() { grep -c '"rule"' "$WORK/out.txt" || true; }

read -r triage_s triage_kib < <(best_of "$RUNS" "$BIN" triage --format json "$STREAM")
triage_groups=$(groups_in_output)
read -r jq_s jq_kib < <(best_of "$JQ_RUNS" jq -nR "$JQ_GROUP_BY_PROGRAM" "$STREAM")
jq_groups=$(groups_in_output)

printf '%-24s %9s %14s %9s\n' "" "seconds" "peak RSS MiB" "groups"
row "alert-inspect triage" "$triage_s" "$triage_kib" "$triage_groups"
row "jq (group_by)" "$jq_s" "$jq_kib" "$jq_groups"
if [ "${JQ_STREAMING:-0}" = 1 ]; then
    read -r jqs_s jqs_kib < <(best_of "$JQ_RUNS" jq -nR "$JQ_REDUCE_PROGRAM" "$STREAM")
    row "jq (streaming reduce)" "$jqs_s" "$jqs_kib" "$(groups_in_output)"
fi
awk -v ts="$triage_s" -v tk="$triage_kib" -v js="$jq_s" -v lines="$lines" 'BEGIN {
    printf "speed-up over jq: %.1fx (goal >= 4x); triage peak memory %.1f MiB (goal < 64 MiB); %.0f lines/s\n",
        js / ts, tk / 1024, lines / ts
}'
echo "(triage also reads the plain-text lines jq cannot parse, so its group count can be a little higher)" >&2
