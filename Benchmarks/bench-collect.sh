#!/usr/bin/env bash
# Benchmark: `alert-inspect collect` acquiring a large file, then a large log window, beside curl
# fetching the same archive and the same logs.
#
#   Benchmarks/bench-collect.sh        FILE_MIB=512 LOG_MIB=128 RUNS=5 to change (the lab must be up: make lab)
#
# Two containers in the lab's Docker engine (label alert-inspect.bench=collect, kept between runs and
# re-made when the sizes change): one holds FILE_MIB of random bytes in /tmp/big (executable), the
# other writes LOG_MIB of log lines (and drops a small /tmp/small). An alert in Falco's shape names
# each one's file. Each run fetches the archive (to /dev/null, and to a file: what one write costs
# here) and the log window with curl, then collects each container into a fresh bundle (removed
# afterwards; the first file bundle is checked: files/big against the archive's own member,
# sha256sum -c, verify). Reported: wall time, MB/s (10^6 bytes) and peak RSS; for collect also the
# archive's and the logs' request times from its collection.log, which include recording, hashing,
# extracting and demultiplexing as the bytes stream. Best run of RUNS kept.
# Goal: collect's archive throughput at least 70% of curl's to /dev/null, peak RSS under 64 MiB.
set -euo pipefail

cd "$(dirname "$0")/.."
FILE_MIB=${FILE_MIB:-512}
LOG_MIB=${LOG_MIB:-128}
RUNS=${RUNS:-5}
LAB_DIR=$(realpath -m "${LAB_DIR:-/tmp/alert-inspect-lab}")
MANIFEST="$LAB_DIR/lab.json"
WORK=Benchmarks/work/collect
mkdir -p "$WORK"
for tool in jq curl docker tar sha256sum /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench-collect: $tool is missing (make deps)" >&2; exit 1; }
done
[ -r "$MANIFEST" ] || { echo "bench-collect: the lab is not up (make lab)" >&2; exit 1; }
read -r HOST API IMAGE < <(jq -r '.docker | "\(.host) v\(.apiVersion) \(.image)"' "$MANIFEST")
SOCK=${HOST#unix://}
export DOCKER_HOST=$HOST

echo "bench-collect: building the release binary" >&2
swift build -c release --product alert-inspect >&2
BIN=$(swift build -c release --show-bin-path)/alert-inspect

# container NAME SETUP: starts NAME running SETUP (then idle) unless it already runs the same SETUP;
# waits until SETUP is done (it touches /tmp/ready); prints the container's id.
container() {
    local name=$1 setup=$2 version id code=000
    version=$(printf '%s' "$setup" | sha256sum | cut -c1-12)
    if [ "$(docker inspect -f '{{index .Config.Labels "alert-inspect.bench.setup"}}' "$name" 2>/dev/null)" != "$version" ]; then
        docker rm -f "$name" >/dev/null 2>&1 || true
        echo "bench-collect: making $name" >&2
        # The lab's engine rotates logs at 10 MB; these containers keep all of their own.
        docker run -d --name "$name" --network none --label alert-inspect.bench=collect \
            --label "alert-inspect.bench.setup=$version" --log-opt "max-size=$((LOG_MIB * 4 + 16))m" "$IMAGE" \
            sh -c "$setup; touch /tmp/ready; sleep 2147483647" >/dev/null
    fi
    id=$(docker inspect -f '{{.Id}}' "$name")
    for _ in $(seq 1 600); do
        code=$(curl -s -o /dev/null -w '%{http_code}' -I --unix-socket "$SOCK" "http://localhost/$API/containers/$id/archive?path=/tmp/ready")
        [ "$code" = 200 ] && break
        sleep 1
    done
    [ "$code" = 200 ] || { echo "bench-collect: $name did not finish its setup in 10 minutes" >&2; exit 1; }
    echo "$id"
}

# alert ID NAME PATH OUT: an alert in Falco's shape, now, about PATH in the container.
alert() {
    jq -n --arg id "${1:0:12}" --arg name "$2" --arg path "$3" --arg t "$(date -u -d "@$NOW" +%Y-%m-%dT%H:%M:%S.000000000Z)" \
        '{rule: "Drop and execute new binary in container", priority: "Critical", source: "syscall", time: $t,
          output: "bench-collect", output_fields: {"container.id": $id, "container.name": $name,
          "proc.exepath": $path, "proc.exe": $path, "evt.arg.flags": "EXE_WRITABLE|EXE_UPPER_LAYER"}}' >"$4"
}

FILE_ID=$(container bench-collect-file "head -c $((FILE_MIB << 20)) /dev/urandom > /tmp/big && chmod 755 /tmp/big")
LOG_ID=$(container bench-collect-logs "head -c 1048576 /dev/urandom > /tmp/small && chmod 755 /tmp/small
    yes 'bench-collect log line: the quick brown fox jumps over the lazy dog, again and again and again' | head -c $((LOG_MIB << 20))")
NOW=$(date -u +%s)
alert "$FILE_ID" bench-collect-file /tmp/big "$WORK/file-alert.json"
alert "$LOG_ID" bench-collect-logs /tmp/small "$WORK/logs-alert.json"
ARCHIVE_URL="http://localhost/$API/containers/$FILE_ID/archive?path=%2Ftmp%2Fbig"
# The window collect asks for with --window 1h around the alert.
LOGS_URL="http://localhost/$API/containers/$LOG_ID/logs?stdout=1&stderr=1&timestamps=1&since=$((NOW - 3600)).000000000&until=$((NOW + 3600)).000000000"

# --- Runs -------------------------------------------------------------------------------------
# timed OUT COMMAND...: runs COMMAND, its stdout to OUT; prints "<seconds> <peak KiB>".
timed() {
    local out=$1
    shift
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >"$out"
    cat "$WORK/time.txt"
}
# fetch URL OUT: curl's time, peak RSS and bytes for one request, the body to OUT.
fetch() {
    local s k
    read -r s k < <(timed "$WORK/size.txt" curl -sf --unix-socket "$SOCK" -o "$2" -w '%{size_download}' "$1")
    echo "$s $k $(cat "$WORK/size.txt")"
}
# collect ALERT BUNDLE WHAT: collect's time and peak RSS, then WHAT's request ms and bytes from its log.
collect() {
    local s k
    rm -rf "$2"
    read -r s k < <(timed "$WORK/collect-out.txt" "$BIN" collect --host "$HOST" --alert "$1" --window 1h \
        --max-file-bytes "$((FILE_MIB + 64))M" --max-log-bytes "$((LOG_MIB * 4 + 64))M" --out "$2")
    echo "$s $k $(awk -F'\t' -v what="$3" '$2 == "GET" && index($3, what) {print $6, $5}' "$2/collection.log")"
}
best() { sort -n | head -1; }

for file in curl-archive curl-archive-file curl-logs collect-file collect-logs; do : >"$WORK/$file.txt"; done
for run in $(seq 1 "$RUNS"); do
    echo "bench-collect: run $run of $RUNS" >&2
    fetch "$ARCHIVE_URL" /dev/null >>"$WORK/curl-archive.txt"
    fetch "$ARCHIVE_URL" "$WORK/archive.tar" >>"$WORK/curl-archive-file.txt"
    rm -f "$WORK/archive.tar"
    collect "$WORK/file-alert.json" "$WORK/bundle-file" "/archive?" >>"$WORK/collect-file.txt"
    if [ "$run" = 1 ]; then
        bundle="$WORK/bundle-file"
        expected=$(curl -sf --unix-socket "$SOCK" "$ARCHIVE_URL" | tar -xOf - big | sha256sum | cut -c1-64)
        got=$(jq -r '.files[] | select(.path == "files/big") | .sha256' "$bundle/manifest.json")
        [ "$expected" = "$got" ] || { echo "bench-collect: files/big has sha256 $got, the container's file $expected" >&2; exit 1; }
        (cd "$bundle" && sha256sum -c --quiet SHA256SUMS) || { echo "bench-collect: sha256sum -c failed" >&2; exit 1; }
        "$BIN" verify "$bundle" >/dev/null || { echo "bench-collect: verify failed" >&2; exit 1; }
        echo "bench-collect: bundle checked (files/big sha256 matches the archive's, sha256sum -c and verify pass)" >&2
    fi
    rm -rf "$WORK/bundle-file"

    fetch "$LOGS_URL" /dev/null >>"$WORK/curl-logs.txt"
    collect "$WORK/logs-alert.json" "$WORK/bundle-logs" "/logs?" >>"$WORK/collect-logs.txt"
    rm -rf "$WORK/bundle-logs"
done

# --- Report -----------------------------------------------------------------------------------
read -r ca_s ca_k ca_b < <(best <"$WORK/curl-archive.txt")
read -r cf_s cf_k cf_b < <(best <"$WORK/curl-archive-file.txt")
read -r cl_s cl_k cl_b < <(best <"$WORK/curl-logs.txt")
read -r fa_s fa_k fa_ms fa_b < <(best <"$WORK/collect-file.txt")
read -r lo_s lo_k lo_ms lo_b < <(best <"$WORK/collect-logs.txt")
peak_k=$(cat "$WORK/collect-file.txt" "$WORK/collect-logs.txt" | awk '{ if ($2 > m) m = $2 } END { print m }')

row() { awk -v n="$1" -v s="$2" -v b="$3" -v k="$4" 'BEGIN {
    rss = (k == "" ? "" : sprintf("%.1f", k / 1024))
    printf "%-44s %8.2f %9.0f %13s\n", n, s, b / s / 1e6, rss }'; }
echo "bench-collect: $FILE_MIB MiB file, $((cl_b >> 20)) MiB log window, $(docker version -f 'Docker {{.Server.Version}}'), $(nproc) cores, best of $RUNS"
printf '%-44s %8s %9s %13s\n' "" "seconds" "MB/s" "peak RSS MiB"
row "curl archive -> /dev/null" "$ca_s" "$ca_b" "$ca_k"
row "curl archive -> file" "$cf_s" "$cf_b" "$cf_k"
row "collect: the archive request" "$(awk -v m="$fa_ms" 'BEGIN { print m / 1000 }')" "$fa_b" ""
row "collect: whole run, large file" "$fa_s" "$fa_b" "$fa_k"
row "curl logs -> /dev/null" "$cl_s" "$cl_b" "$cl_k"
row "collect: the logs request" "$(awk -v m="$lo_ms" 'BEGIN { print m / 1000 }')" "$lo_b" ""
row "collect: whole run, large logs" "$lo_s" "$lo_b" "$lo_k"
awk -v a="$fa_ms" -v ab="$fa_b" -v c="$ca_s" -v cb="$ca_b" -v l="$lo_ms" -v lb="$lo_b" -v cl="$cl_s" -v clb="$cl_b" -v k="$peak_k" 'BEGIN {
    printf "collect archive throughput: %.0f%% of curl -> /dev/null (goal >= 70%%); logs: %.0f%%; peak RSS %.1f MiB (goal < 64 MiB)\n",
        (ab / (a / 1000)) / (cb / c) * 100, (lb / (l / 1000)) / (clb / cl) * 100, k / 1024
}'
