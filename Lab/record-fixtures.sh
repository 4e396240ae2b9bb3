#!/usr/bin/env bash
# Re-records Fixtures/recordings from the live lab: one folder per scenario, made by the tool's own
# --record, with the scenario's alert and what the lab knows to expect. Never hand-edit a recording;
# run `make fixtures` again. Folders marked synthetic (see their recording.json) are left alone.
#
#   Lab/record-fixtures.sh            every recording
#   Lab/record-fixtures.sh NAME...    only those (e.g. docker26-containerd-dropped)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_DIR=$(realpath -m "${LAB_DIR:-/tmp/alert-inspect-lab}")
MANIFEST="$LAB_DIR/lab.json"
BIN="$ROOT/.build/debug/alert-inspect"
OUT="$ROOT/Fixtures/recordings"
[ -r "$MANIFEST" ] || { echo "fixtures: no lab at $LAB_DIR (make lab)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "fixtures: build first (swift build)" >&2; exit 1; }
mkdir -p "$OUT"

ONLY=("$@")

# record NAME ENGINE SCENARIO [CONTAINER]: the scenario's alert, checked against CONTAINER (default: the alert's own).
record() {
    local name=$1 engine=$2 scenario=$3 container=${4:-}
    if [ ${#ONLY[@]} -gt 0 ] && ! printf '%s\n' "${ONLY[@]}" | grep -qxF "$name"; then return 0; fi
    local dir="$OUT/$name" host alert
    host=$(jq -r --arg e "$engine" '.[$e].host' "$MANIFEST")
    [ "$host" != null ] || { echo "fixtures: $name: the lab has no $engine engine (make lab)" >&2; exit 1; }
    alert=$(jq -r --arg e "$engine" --arg s "$scenario" '.[$e].scenarios[$s].alert' "$MANIFEST")
    rm -rf "$dir"
    local status=0
    "$BIN" inspect ${container:+"$container"} --host "$host" --alert "$alert" --record "$dir" --format json >/dev/null || status=$?
    case $status in 0 | 3) ;; *) echo "fixtures: $name: alert-inspect exited $status" >&2; exit 1 ;; esac
    cp "$alert" "$dir/alert.json"
    # What the lab set up, so offline tests assert the same facts as live ones.
    jq --arg e "$engine" --arg s "$scenario" --arg c "$container" --argjson status "$status" '
        .[$e].scenarios[$s]
        | {scenario, engine, description, containerId, name, exePath, expectedChange, expectedVerdict,
           expectedRisks, sha256, running, tty, containerExists}
        + {container: (if $c == "" then null else $c end), exitStatus: $status}' "$MANIFEST" >"$dir/scenario.json"
    echo "fixtures: $name ($(du -sh "$dir" | cut -f1))" >&2
}

for scenario in dropped overwritten deleted false-claim memfd tty risky removed; do
    record "docker-$scenario" docker "$scenario"
done
# The dropped binary's alert checked against another container: the alert does not fit it.
record docker-mismatch docker dropped "$(jq -r '.docker.scenarios.overwritten.name' "$MANIFEST")"
if jq -e '.podman.scenarios.dropped' "$MANIFEST" >/dev/null; then
    record podman-dropped podman dropped
fi
# Docker 26 with containerd's image store: the layers come from the mount table of a container
# process (recorded as a host read), not from inspect.
if jq -e '."docker26-containerd".scenarios.dropped' "$MANIFEST" >/dev/null; then
    for scenario in dropped deleted memfd false-claim; do
        record "docker26-containerd-$scenario" docker26-containerd "$scenario"
    done
fi
if jq -e '.docker26.scenarios.dropped' "$MANIFEST" >/dev/null; then
    record docker26-dropped docker26 dropped
fi
[ ${#ONLY[@]} -gt 0 ] || python3 "$ROOT/Lab/make-synthetic.py"
