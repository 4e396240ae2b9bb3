#!/usr/bin/env bash
# Benchmark: how long an investigation takes, beside what a responder types today and the floor.
#
#   Benchmarks/bench.sh        (RUNS=… and ROUNDS=… to change the runs per case; the lab must be up: make lab)
#
# For the classic drop-and-execute scenario, and a heavy one (50 changed files, 10 MB of logs in the
# window), times with hyperfine, process start included:
#   alert-inspect   `alert-inspect inspect --alert A --format json`
#   docker CLI      the reads a responder does one after another: inspect, diff, top, logs, events,
#                   image inspect, history, cp of the binary
#   curl floor      the same raw API requests at once, `curl --parallel --unix-socket`
# plus start-up (`--version`) wall time and peak RSS, and the triage/collect/watch benches when present.
# Prints one Markdown table and writes it under Benchmarks/results/ with the machine and versions.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-15}
ROUNDS=${ROUNDS:-5}
LAB_DIR=$(realpath -m "${LAB_DIR:-/tmp/alert-inspect-lab}")
MANIFEST="$LAB_DIR/lab.json"
WORK=Benchmarks/work
RESULTS=Benchmarks/results
mkdir -p "$WORK" "$RESULTS"
for tool in hyperfine jq curl docker /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done
[ -r "$MANIFEST" ] || { echo "bench: the lab is not up (make lab)" >&2; exit 1; }

# Statically linked Swift runtime: about 6 ms less start-up per run than the shared libraries.
echo "bench: building the release binary" >&2
RELEASE=(-c release --static-swift-stdlib --scratch-path .build-static)
swift build "${RELEASE[@]}" --product alert-inspect >&2
BIN=$(swift build "${RELEASE[@]}" --show-bin-path)/alert-inspect

HOST=$(jq -r '.docker.host' "$MANIFEST")
SOCK=${HOST#unix://}
export DOCKER_HOST=$HOST
API=v$(jq -r '.docker.apiVersion' "$MANIFEST")

# The heavy scenario: the dropped binary plus 50 changed files and 10 MB of logs in the window.
heavy_setup() {
    if ! docker inspect bench-heavy >/dev/null 2>&1; then
        echo "bench: creating the heavy container" >&2
        local image
        image=$(jq -r '.docker.image' "$MANIFEST")
        docker run -d --name bench-heavy --label alert-inspect.lab=1 --network none "$image" \
            sh -c 'for i in $(seq 1 50); do echo "file $i" > /tmp/changed-$i; done
                   i=0; while [ $i -lt 40000 ]; do echo "heavy log line $i padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding padding pad"; i=$((i+1)); done
                   sleep infinity' >/dev/null
        # The image's own sleeper, copied to /tmp inside the container: a dropped binary that keeps running.
        docker exec bench-heavy cp /usr/bin/lab-tool /tmp/payload
        docker exec -d bench-heavy /tmp/payload
        sleep 3
    fi
    # An alert for it in Falco's shape: the dropped scenario's alert with this container's identity.
    local id name started
    id=$(docker inspect -f '{{.Id}}' bench-heavy)
    started=$(docker inspect -f '{{.State.StartedAt}}' bench-heavy)
    jq --arg id "${id:0:12}" --arg t "$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)" \
        '.output_fields["container.id"] = $id | .output_fields["container.name"] = "bench-heavy" | .time = $t' \
        "$(jq -r '.docker.scenarios.dropped.alert' "$MANIFEST")" >"$WORK/heavy-alert.json"
    echo "$id"
}

# Writes the docker CLI sequence and the curl request list for one container and alert.
prepare() {
    local label=$1 id=$2 alert=$3 exe image since until
    exe=$(jq -r '.output_fields["proc.exepath"]' "$alert")
    image=$(docker inspect -f '{{.Image}}' "$id")
    local t
    t=$(jq -r '.time' "$alert" | cut -c1-19)
    since=$(( $(date -u -d "$t" +%s) - 120 ))
    until=$(( $(date -u -d "$t" +%s) + 120 ))
    local now
    now=$(date -u +%s)
    [ "$until" -le "$now" ] || until=$now
    cat >"$WORK/$label-cli.sh" <<EOF
docker inspect $id >/dev/null
docker diff $id >/dev/null
docker top $id >/dev/null
docker logs --timestamps --since $since --until $until $id >/dev/null 2>&1
docker events --since $since --until $until --filter container=$id >/dev/null
docker image inspect $image >/dev/null
docker history $image >/dev/null
docker cp $id:$exe - >/dev/null
EOF
    local path
    path=$(jq -rn --arg p "$exe" '$p|@uri')
    : >"$WORK/$label-curl.cfg"
    for url in "containers/$id/json" "containers/$id/changes" "containers/$id/top" \
        "containers/$id/logs?stdout=1&stderr=1&timestamps=1&since=$since&until=$until" \
        "events?since=$since&until=$until&filters=%7B%22container%22%3A%5B%22$id%22%5D%7D" \
        "images/$image/json" "images/$image/history" "containers/$id/archive?path=$path" version info; do
        printf 'url = "http://localhost/%s/%s"\noutput = "/dev/null"\n' "$API" "$url" >>"$WORK/$label-curl.cfg"
    done
}

# Each case runs in ROUNDS rounds of the three commands, so a change in the host's load during the
# bench (this VM's throughput drifts by 10% over minutes) falls on all three alike; the figures are
# the median, min and max over every round's runs.
time_case() {
    local label=$1 alert=$2 round
    rm -f "$WORK/$label"-round-*.json
    for round in $(seq 1 "$ROUNDS"); do
        hyperfine --style none --runs $(((RUNS + ROUNDS - 1) / ROUNDS)) --warmup 1 --export-json "$WORK/$label-round-$round.json" \
            -n "alert-inspect" "$BIN inspect --host $HOST --alert $alert --format json >/dev/null" \
            -n "docker CLI" "bash $WORK/$label-cli.sh" \
            -n "curl floor" "curl -s --parallel --parallel-immediate --unix-socket $SOCK -K $WORK/$label-curl.cfg" >&2
    done
    jq -s '{results: [map(.results[]) | group_by(.command)[] | {command: .[0].command, times: (map(.times[]) | sort)}
        | .median = (.times | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end)
        | .min = .times[0] | .max = .times[-1]]}' "$WORK/$label"-round-*.json >"$WORK/$label.json"
}

row() { # label json-file
    jq -r --arg casename "$1" '
        (.results | map({key: .command, value: .}) | from_entries) as $r
        | def ms(x): (x * 1000 | . * 10 | round / 10);
        ["alert-inspect", "docker CLI", "curl floor"] as $names
        | ($r["alert-inspect"].median) as $ai
        | $names[] as $n
        | "| \($casename) | \($n) | \(ms($r[$n].median)) | \(ms($r[$n].min)) | \(ms($r[$n].max)) | \(if $n == "alert-inspect" then "1.00" else ($ai / $r[$n].median * 100 | round / 100 | tostring) + "x of it" end) |"' "$2"
}

classic_alert=$(jq -r '.docker.scenarios.dropped.alert' "$MANIFEST")
classic_id=$(jq -r '.docker.scenarios.dropped.containerId' "$MANIFEST")
prepare classic "$classic_id" "$classic_alert"
time_case classic "$classic_alert"
heavy_id=$(heavy_setup)
prepare heavy "$heavy_id" "$WORK/heavy-alert.json"
time_case heavy "$WORK/heavy-alert.json"

hyperfine --style none --runs 30 --warmup 3 --export-json "$WORK/startup.json" -n "version" "$BIN --version" >&2
startup_rss=$(/usr/bin/time -f %M "$BIN" --version 2>&1 >/dev/null | tail -1)
inspect_rss=$(/usr/bin/time -f %M "$BIN" inspect --host "$HOST" --alert "$classic_alert" --format json 2>&1 >/dev/null | tail -1)

out="$RESULTS/bench-$(date -u +%Y%m%d-%H%M%S).md"
{
    echo "# alert-inspect benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)."
    echo "Engine: $(docker version -f 'Docker {{.Server.Version}} (API {{.Server.APIVersion}})'), client $(docker version -f '{{.Client.Version}}')."
    echo "Tool: $($BIN --version), $(swift --version 2>&1 | head -1). Runs: $RUNS per case in $ROUNDS interleaved rounds, times in ms, process start included."
    echo
    echo "| case | tool | median | min | max | alert-inspect's median / this |"
    echo "|---|---|---|---|---|---|"
    row "classic drop-and-execute" "$WORK/classic.json"
    row "50 changed files, 10 MB logs" "$WORK/heavy.json"
    jq -r '.results[0] | "| start-up | --version | \(.median*1000|.*10|round/10) | \(.min*1000|.*10|round/10) | \(.max*1000|.*10|round/10) | |"' "$WORK/startup.json"
    echo
    echo "Peak RSS: \`--version\` ${startup_rss} KiB; classic \`inspect\` ${inspect_rss} KiB."
    for other in bench-triage bench-collect bench-watch; do
        if [ -x "Benchmarks/$other.sh" ] && [ "${WITH_OTHERS:-1}" = 1 ]; then
            echo
            echo "## $other"
            echo
            echo '```'
            "Benchmarks/$other.sh" 2>/dev/null | tail -20 || echo "($other failed)"
            echo '```'
        fi
    done
} | tee "$out"
echo "bench: written to $out" >&2
