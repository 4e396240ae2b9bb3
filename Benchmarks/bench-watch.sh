#!/usr/bin/env bash
# Benchmark: `alert-inspect watch --input -` on a large, duplicate-heavy stream against the lab's engine.
#
#   Benchmarks/bench-watch.sh          LINES=200000 RUNS=3 to change (the lab must be up: make lab)
#
# The stream is what a noisy host sends in a burst: the lab's alerts repeated over and over (so nearly
# every line merges into one of a few investigations), with about 1% host events and 0.1% bad lines.
# Each run starts from an empty --out, reads the whole stream from a pipe and ends when every
# investigation is done. Reported, best of RUNS: alerts/s read and accepted (the input's end), alerts/s
# decided (the last outcome line), CPU seconds (steadier than wall time on a busy machine), peak RSS;
# once without and once with --journal (an fsync per batch).
# The first run's bundles are checked with `verify`, and every line must have its outcome.
# Goals: at least 20,000 alerts/s decided, peak RSS under 64 MiB, whatever the stream's length.
set -euo pipefail

cd "$(dirname "$0")/.."
LINES=${LINES:-200000}
RUNS=${RUNS:-3}
LAB_DIR=$(realpath -m "${LAB_DIR:-/tmp/alert-inspect-lab}")
MANIFEST="$LAB_DIR/lab.json"
WORK=Benchmarks/work/watch
mkdir -p "$WORK"
for tool in jq python3 /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-watch: $tool is missing (make deps)" >&2; exit 1; }
done
[ -r "$MANIFEST" ] || { echo "bench-watch: the lab is not up (make lab)" >&2; exit 1; }

echo "bench-watch: building the release binary" >&2
swift build -c release --product alert-inspect >&2
BIN=$(swift build -c release --show-bin-path)/alert-inspect
HOST=$(jq -r '.docker.host' "$MANIFEST")
ALERTS=$(jq -r '.alerts' "$MANIFEST")

STREAM="$WORK/stream-$LINES.jsonl"
if [ ! -s "$STREAM" ] || [ "$ALERTS" -nt "$STREAM" ]; then
    echo "bench-watch: generating $LINES lines into $STREAM" >&2
    python3 - "$ALERTS" "$LINES" "$STREAM.tmp" <<'EOF'
import json, random, sys
source, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
alerts = [line.rstrip("\n") for line in open(source) if line.strip()]
host = json.loads(alerts[0])
host["output_fields"]["container.id"] = "host"
host_line = json.dumps(host, separators=(",", ":"))
rng = random.Random(7)
with open(out, "w") as stream:
    for number in range(count):
        roll = rng.random()
        if roll < 0.001:
            stream.write('{"rule": "cut short\n')
        elif roll < 0.011:
            stream.write(host_line + "\n")
        else:
            stream.write(rng.choice(alerts) + "\n")
EOF
    mv "$STREAM.tmp" "$STREAM"
fi
lines=$(wc -l <"$STREAM")
size=$(du -m "$STREAM" | cut -f1)

# run LABEL ARGS...: RUNS runs; prints "<best read/s> <best decided/s> <peak KiB> <seconds> <CPU seconds>" (the
# best run's seconds; the least CPU time of all runs, which a busy machine disturbs less than wall time).
run() {
    local label=$1 best_read=0 best_decided=0 peak=0 best_seconds="" best_cpu="" run seconds kib cpu summary
    local read decided user system
    shift
    for ((run = 1; run <= RUNS; run++)); do
        rm -rf "$WORK/out" "$WORK/journal.jsonl"
        /usr/bin/time -f "%e %M %U %S" -o "$WORK/time.txt" "$BIN" watch --input - --out "$WORK/out" --host "$HOST" "$@" \
            <"$STREAM" >"$WORK/outcomes.jsonl" 2>"$WORK/stderr.txt"
        read -r seconds kib user system <"$WORK/time.txt"
        cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { print u + s }')
        if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$cpu; fi
        summary=$(grep '^watch: ' "$WORK/stderr.txt" | tail -1)
        read=$(sed -E 's/.*input read in [0-9.]+s \(([0-9]+) alerts\/s\).*/\1/' <<<"$summary")
        decided=$(sed -E 's/.*decided in [0-9.]+s \(([0-9]+) alerts\/s\).*/\1/' <<<"$summary")
        outcomes=$(wc -l <"$WORK/outcomes.jsonl")
        if [ "$outcomes" -ne "$lines" ]; then
            echo "bench-watch: $label: $outcomes outcome lines for $lines alerts" >&2
            exit 1
        fi
        if [ "$run" = 1 ] && [ "$label" = "watch" ]; then
            for bundle in "$WORK"/out/*/; do
                "$BIN" verify "$bundle" >/dev/null || { echo "bench-watch: $bundle does not verify" >&2; exit 1; }
            done
            echo "bench-watch: $(jq -r .action "$WORK/outcomes.jsonl" | sort | uniq -c | tr '\n' ' ')" >&2
        fi
        if [ "$decided" -gt "$best_decided" ]; then best_decided=$decided; best_read=$read; best_seconds=$seconds; fi
        [ "$kib" -gt "$peak" ] && peak=$kib
    done
    echo "$best_read $best_decided $peak $best_seconds $best_cpu"
}

echo "bench-watch: $lines lines, $size MiB, best of $RUNS runs" >&2
row() {
    awk -v n="$1" -v r="$2" -v d="$3" -v k="$4" -v s="$5" -v c="$6" -v l="$lines" 'BEGIN {
        printf "%-18s %11d %11d %9.2f %9.2f %13.0f %13.1f\n", n, r, d, s, c, l / c, k / 1024 }'
}
printf '%-18s %11s %11s %9s %9s %13s %13s\n' "" "accepted/s" "decided/s" "seconds" "CPU s" "alerts/CPU s" \
    "peak RSS MiB"
read -r r d k s c < <(run watch)
row "watch" "$r" "$d" "$k" "$s" "$c"
read -r jr jd jk js jc < <(run journal --journal "$WORK/journal.jsonl")
row "watch --journal" "$jr" "$jd" "$jk" "$js" "$jc"
awk -v d="$d" -v k="$k" 'BEGIN {
    printf "decided %.0f alerts/s (goal >= 20000); peak RSS %.1f MiB (goal < 64 MiB)\n", d, k / 1024
}'
rm -rf "$WORK/out" "$WORK/journal.jsonl" "$WORK/outcomes.jsonl"
