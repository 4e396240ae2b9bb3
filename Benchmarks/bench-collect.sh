#!/usr/bin/env bash
# Benchmark: `alert-inspect collect` acquiring a large file and a large log window, beside curl
# fetching the same archive and the same logs to /dev/null.
#
#   Benchmarks/bench-collect.sh        FILE_MIB=512 LOG_MIB=256 RUNS=3 to change (the lab must be up: make lab)
#
# A container in the lab's Docker engine (label alert-inspect.bench=collect, kept between runs and
# re-made when the sizes change) writes FILE_MIB of random bytes to /tmp/big (made executable) and
# LOG_MIB of log lines. An alert in Falco's shape names /tmp/big. Each run fetches the archive and the
# log window with curl, then runs collect into a fresh bundle (removed afterwards; the first one is
# checked with sha256sum -c and verify). Reported: wall time, MB/s (10^6 bytes) and peak RSS; for
# collect also the archive and logs requests' own times from its collection.log, which include
# recording, hashing, extracting and demultiplexing as the bytes stream. Best run of RUNS kept.
# Goal: collect's archive throughput at least 70% of curl's, peak RSS under 64 MiB.
set -euo pipefail

cd "$(dirname "$0")/.."
FILE_MIB=${FILE_MIB:-512}
LOG_MIB=${LOG_MIB:-256}
RUNS=${RUNS:-3}
LAB_DIR=$(realpath -m "${LAB_DIR:-/tmp/alert-inspect-lab}")
MANIFEST="$LAB_DIR/lab.json"
WORK=Benchmarks/work/collect
mkdir -p "$WORK"
for tool in jq curl docker sha256sum /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-collect: $tool is missing (make deps)" >&2; exit 1; }
done
[ -r "$MANIFEST" ] || { echo "bench-collect: the lab is not up (make lab)" >&2; exit 1; }
read -r HOST API IMAGE < <(jq -r '.docker | "\(.host) v\(.apiVersion) \(.image)"' "$MANIFEST")
SOCK=${HOST#unix://}
export DOCKER_HOST=$HOST

echo "bench-collect: building the release binary" >&2
swift build -c release --product alert-inspect >&2
BIN=$(swift build -c release --show-bin-path)/alert-inspect
NAME=bench-collect
SIZES="$FILE_MIB-$LOG_MIB"

# --- The container: a large executable file and a large log, then idle -------------------------
if [ "$(docker inspect -f '{{index .Config.Labels "alert-inspect.bench.sizes"}}' "$NAME" 2>/dev/null)" != "$SIZES" ]; then
    docker rm -f "$NAME" >/dev/null 2>&1 || true
    echo "bench-collect: making a container with a $FILE_MIB MiB file and $LOG_MIB MiB of logs" >&2
    docker run -d --name "$NAME" --network none --label alert-inspect.bench=collect \
        --label "alert-inspect.bench.sizes=$SIZES" "$IMAGE" \
        sh -c "head -c $((FILE_MIB << 20)) /dev/urandom > /tmp/big && chmod 755 /tmp/big
               yes 'bench-collect log line: the quick brown fox jumps over the lazy dog, again and again and again' | head -c $((LOG_MIB << 20))
               touch /tmp/ready; sleep 2147483647" >/dev/null
fi
ID=$(docker inspect -f '{{.Id}}' "$NAME")
for _ in $(seq 1 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -I --unix-socket "$SOCK" "http://localhost/$API/containers/$ID/archive?path=/tmp/ready")
    [ "$code" = 200 ] && break
    sleep 1
done
[ "$code" = 200 ] || { echo "bench-collect: the container did not finish writing in 10 minutes" >&2; exit 1; }

# The alert: now, about /tmp/big; the window (1 h either side) takes in every log line.
NOW=$(date -u +%s)
jq -n --arg id "${ID:0:12}" --arg name "$NAME" --arg t "$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%S.000000000Z)" \
    '{rule: "Drop and execute new binary in container", priority: "Critical", source: "syscall", time: $t,
      output: "bench-collect", output_fields: {"container.id": $id, "container.name": $name,
      "proc.exepath": "/tmp/big", "proc.exe": "/tmp/big", "proc.cmdline": "big",
      "evt.arg.flags": "EXE_WRITABLE|EXE_UPPER_LAYER"}}' >"$WORK/alert.json"
ARCHIVE_URL="http://localhost/$API/containers/$ID/archive?path=%2Ftmp%2Fbig"
LOGS_URL="http://localhost/$API/containers/$ID/logs?stdout=1&stderr=1&timestamps=1&since=$((NOW - 3600)).000000000&until=$((NOW + 3600)).000000000"

# --- Runs -------------------------------------------------------------------------------------
# timed OUT COMMAND...: runs COMMAND, its stdout to OUT; prints "<seconds> <peak KiB>".
timed() {
    local out=$1
    shift
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >"$out"
    cat "$WORK/time.txt"
}
best() { sort -n | head -1; }

: >"$WORK/curl-archive.txt"; : >"$WORK/curl-logs.txt"; : >"$WORK/collect.txt"
for run in $(seq 1 "$RUNS"); do
    echo "bench-collect: run $run of $RUNS" >&2
    read -r s k < <(timed /dev/null curl -sf --unix-socket "$SOCK" -o /dev/null -w '' "$ARCHIVE_URL")
    echo "$s $k" >>"$WORK/curl-archive.txt"
    read -r s k < <(timed /dev/null curl -sf --unix-socket "$SOCK" -o /dev/null -w '' "$LOGS_URL")
    echo "$s $k" >>"$WORK/curl-logs.txt"

    bundle="$WORK/bundle-$run"
    rm -rf "$bundle"
    read -r s k < <(timed "$WORK/collect-out.txt" "$BIN" collect --host "$HOST" --alert "$WORK/alert.json" \
        --window 1h --max-file-bytes "$((FILE_MIB + 64))M" --max-log-bytes "$((LOG_MIB * 2 + 64))M" --out "$bundle")
    # The archive and logs requests' own times (ms) and sizes, from the bundle's collection.log.
    archive=$(awk -F'\t' '$2 == "GET" && $3 ~ /\/archive\?/ {print $6, $5}' "$bundle/collection.log")
    logs=$(awk -F'\t' '$2 == "GET" && $3 ~ /\/logs\?/ {print $6, $5}' "$bundle/collection.log")
    echo "$s $k $archive $logs" >>"$WORK/collect.txt"
    if [ "$run" = 1 ]; then
        expected=$(docker exec "$NAME" sha256sum /tmp/big | cut -c1-64)
        got=$(jq -r '.files[] | select(.path == "files/big") | .sha256' "$bundle/manifest.json")
        [ "$expected" = "$got" ] || { echo "bench-collect: files/big has sha256 $got, the container's file $expected" >&2; exit 1; }
        (cd "$bundle" && sha256sum -c --quiet SHA256SUMS) || { echo "bench-collect: sha256sum -c failed" >&2; exit 1; }
        "$BIN" verify "$bundle" >/dev/null || { echo "bench-collect: verify failed" >&2; exit 1; }
        echo "bench-collect: bundle checked (files/big sha256 matches the container's, sha256sum -c and verify pass)" >&2
    fi
    rm -rf "$bundle"
done

# --- Report -----------------------------------------------------------------------------------
file_bytes=$((FILE_MIB << 20))
log_bytes=$((LOG_MIB << 20))
read -r ca_s ca_k < <(best <"$WORK/curl-archive.txt")
read -r cl_s cl_k < <(best <"$WORK/curl-logs.txt")
read -r co_s co_k co_a_ms co_a_bytes co_l_ms co_l_bytes < <(best <"$WORK/collect.txt")
peak_k=$(awk '{ if ($2 > m) m = $2 } END { print m }' "$WORK/collect.txt")

row() { awk -v n="$1" -v s="$2" -v b="$3" -v k="$4" 'BEGIN {
    rss = (k == "" ? "" : sprintf("%.1f", k / 1024))
    printf "%-44s %8.2f %9.0f %13s\n", n, s, b / s / 1e6, rss }'; }
echo "bench-collect: $FILE_MIB MiB file, $LOG_MIB MiB of logs, $(docker version -f 'Docker {{.Server.Version}}'), best of $RUNS"
printf '%-44s %8s %9s %13s\n' "" "seconds" "MB/s" "peak RSS MiB"
row "curl archive -> /dev/null" "$ca_s" "$file_bytes" "$ca_k"
row "collect: GET archive (record+hash+extract)" "$(awk -v m="$co_a_ms" 'BEGIN { print m / 1000 }')" "$co_a_bytes" ""
row "curl logs -> /dev/null" "$cl_s" "$log_bytes" "$cl_k"
row "collect: GET logs (record+hash+demux)" "$(awk -v m="$co_l_ms" 'BEGIN { print m / 1000 }')" "$co_l_bytes" ""
row "collect: whole run (file + logs)" "$co_s" "$((file_bytes + log_bytes))" "$peak_k"
awk -v a="$co_a_ms" -v ab="$co_a_bytes" -v c="$ca_s" -v fb="$file_bytes" -v k="$peak_k" 'BEGIN {
    ratio = (ab / (a / 1000)) / (fb / c) * 100
    printf "collect archive throughput: %.0f%% of curl (goal >= 70%%); collect peak RSS %.1f MiB (goal < 64 MiB)\n", ratio, k / 1024
}'
