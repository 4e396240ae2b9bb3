#!/usr/bin/env bash
# Benchmark: `alert-inspect triage` against jq grouping the same stream, on two corpora.
#
#   Benchmarks/bench-triage.sh       LINES=500000 (default shape), WIDE_LINES=200000 (wide shape), RUNS=3
#   REPLICATE=stream.jsonl           adds a third corpus: that JSON-lines file repeated to REPLICATE_LINES lines
#
# The corpora come from Benchmarks/generate-alerts.py with --clean (every line a JSON alert, so jq reads all
# of it): the default shape (every Falco era's JSON, falcosidekick re-posts, 19-25 fields) and the wide shape
# (30+ fields, long command lines, another rule mix). The jq baseline is the fast streaming way a user
# writes the grouping:
#   jq -c '[.rule, .output_fields["container.id"], .output_fields["proc.exepath"]]' FILE | sort | uniq -c
# Runs are interleaved (triage, jq, triage, jq, ...) so that load from other work on the machine hits both
# alike; the best of each is compared. Goal: triage >= 10x faster than jq, peak RSS < 64 MiB.
set -euo pipefail

cd "$(dirname "$0")/.."
LINES=${LINES:-500000}
WIDE_LINES=${WIDE_LINES:-200000}
RUNS=${RUNS:-3}
WORK=Benchmarks/work
mkdir -p "$WORK"

for tool in jq python3 /usr/bin/time sort uniq; do
    command -v "$tool" >/dev/null || { echo "bench-triage: $tool is missing (make deps)" >&2; exit 1; }
done

echo "bench-triage: building the release binary" >&2
swift build -c release --product alert-inspect >&2
BIN=$(swift build -c release --show-bin-path)/alert-inspect

version=$(sha256sum Benchmarks/generate-alerts.py | cut -c1-12)

# corpus NAME LINES GENERATOR-ARGS...: generates it once per size and generator version; prints its path.
corpus() {
    local name=$1 lines=$2
    shift 2
    local path="$WORK/$name-$lines-$version.jsonl"
    if [ ! -s "$path" ]; then
        echo "bench-triage: generating $lines lines into $path" >&2
        rm -f "$WORK/$name"-*.jsonl
        python3 Benchmarks/generate-alerts.py "$lines" "$path.tmp" "$@"
        mv "$path.tmp" "$path"
    fi
    echo "$path"
}

JQ_PROGRAM='[.rule, .output_fields["container.id"], .output_fields["proc.exepath"]]'
run_jq() { jq -c "$JQ_PROGRAM" "$1" | sort | uniq -c; }

# timed OUT COMMAND...: runs COMMAND once, output to OUT; prints "<seconds> <peak KiB> <CPU seconds>" (CPU:
# user + system of the command and its children, less sensitive than wall time to other load on the machine).
timed() {
    local out=$1
    shift
    /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" "$@" >"$out"
    awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$WORK/time.txt"
}

# bench NAME FILE: interleaved runs; prints one result row.
bench() {
    local name=$1 file=$2 run t tk tc j jk jc best_t="" best_j="" best_tc="" best_jc="" peak_t=0 ratios=""
    for ((run = 1; run <= RUNS; run++)); do
        read -r t tk tc < <(timed "$WORK/triage.out" "$BIN" triage --format json "$file")
        read -r j jk jc < <(timed "$WORK/jq.out" bash -c "$(declare -f run_jq); JQ_PROGRAM='$JQ_PROGRAM'; run_jq '$file'")
        ratios="$ratios $(awk -v a="$j" -v b="$t" 'BEGIN { printf "%.1f", a / b }')"
        if [ -z "$best_t" ] || awk -v a="$t" -v b="$best_t" 'BEGIN { exit !(a < b) }'; then best_t=$t; fi
        if [ -z "$best_j" ] || awk -v a="$j" -v b="$best_j" 'BEGIN { exit !(a < b) }'; then best_j=$j; fi
        if [ -z "$best_tc" ] || awk -v a="$tc" -v b="$best_tc" 'BEGIN { exit !(a < b) }'; then best_tc=$tc; fi
        if [ -z "$best_jc" ] || awk -v a="$jc" -v b="$best_jc" 'BEGIN { exit !(a < b) }'; then best_jc=$jc; fi
        [ "$tk" -gt "$peak_t" ] && peak_t=$tk
    done
    local lines bytes alerts jq_alerts groups jq_groups
    lines=$(wc -l <"$file")
    bytes=$(stat -c %s "$file")
    alerts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["alerts"])' "$WORK/triage.out")
    groups=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["groups"]))' "$WORK/triage.out")
    jq_alerts=$(awk '{ n += $1 } END { print n }' "$WORK/jq.out")
    jq_groups=$(wc -l <"$WORK/jq.out")
    awk -v n="$name" -v l="$lines" -v b="$bytes" -v t="$best_t" -v j="$best_j" -v k="$peak_t" -v r="$ratios" \
        -v a="$alerts" -v ja="$jq_alerts" -v g="$groups" -v jg="$jq_groups" -v tc="$best_tc" -v jc="$best_jc" 'BEGIN {
        printf "%-8s %8d %7.0f %8.2f %8.2f %7.1fx %7.0f %9.1f %8.2f %8.2f %6.1fx  %d/%d  %d/%d  [%s ]\n",
            n, l, b / 1048576, t, j, j / t, b / 1048576 / t, k / 1024, tc, jc, jc / tc, a, ja, g, jg, r
    }'
}

default_corpus=$(corpus alerts "$LINES" --clean)
wide_corpus=$(corpus alerts-wide "$WIDE_LINES" --shape wide --clean)
corpora=("default:$default_corpus" "wide:$wide_corpus")
if [ -n "${REPLICATE:-}" ]; then
    replicated="$WORK/replicated-${REPLICATE_LINES:-200000}.jsonl"
    if [ ! -s "$replicated" ]; then
        python3 - "$REPLICATE" "${REPLICATE_LINES:-200000}" "$replicated" <<'PY'
import sys
lines = [line for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
count, out = int(sys.argv[2]), sys.argv[3]
with open(out, "w", encoding="utf-8") as stream:
    for index in range(count):
        stream.write(lines[index % len(lines)])
PY
    fi
    corpora+=("replica:$replicated")
fi

echo "bench-triage: $RUNS interleaved runs per corpus (triage, jq, triage, jq, ...), best of each kept; $(nproc) cores" >&2
printf '%-8s %8s %7s %8s %8s %8s %7s %9s %8s %8s %7s  %s  %s  %s\n' corpus lines MiB triage_s jq_s speedup "MB/s" "RSS MiB" \
    triage_cpu jq_cpu "cpu x" \
    "alerts triage/jq" "groups triage/jq" "[jq/triage per run ]"
for entry in "${corpora[@]}"; do
    bench "${entry%%:*}" "${entry#*:}"
done
echo "goal: speed-up >= 10x on every corpus, triage peak RSS < 64 MiB" >&2
