#!/usr/bin/env bash
# The lab's scenarios: real containers, each with the Falco alert a sensor would have written.
#
#   Lab/scenarios.sh list ENGINE                         the scenario names, comma-separated
#   Lab/scenarios.sh setup ENGINE DIR SOCKET CGROUP_PARENT
#                                                        (re)create them; lab.sh calls this with
#                                                        the engine's CLI environment set
#
# Every container runs a busybox loop that writes a numbered line to stdout and to stderr every two
# seconds, has no network, and carries the label alert-inspect.lab=1. Then something happens in it
# (a binary dropped and run, a file overwritten, a fileless run...) and Lab/labkit.py writes the
# alert for it, with the real container id, name, image, start time, process and inode times, plus
# a record of what the live tests should find (DIR/scenarios/NAME.json, gathered into lab.json).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LABKIT=(python3 "$HERE/labkit.py")
DOCKER_SCENARIOS=(dropped overwritten deleted false-claim memfd tty risky removed)
PODMAN_SCENARIOS=(dropped)

log() { echo "lab: $*" >&2; }
die() { log "$*"; exit 1; }

if [ "${1:-}" = list ]; then
    case "${2:-}" in
        docker | docker26 | docker26-containerd) (IFS=,; echo "${DOCKER_SCENARIOS[*]}") ;;
        podman) (IFS=,; echo "${PODMAN_SCENARIOS[*]}") ;;
        *) die "usage: $0 list docker|docker26|docker26-containerd|podman" ;;
    esac
    exit 0
fi
[ "${1:-}" = setup ] && [ $# -eq 5 ] || die "usage: $0 setup ENGINE DIR SOCKET CGROUP_PARENT"
ENGINE=$2 DIR=$3 SOCK=$4 CGROUP_PARENT=$5
: "${LAB_DIR:?}"
BIN="$LAB_DIR/bin"

case "$ENGINE" in
    docker | docker26 | docker26-containerd)
        ctl() { docker "$@"; }
        IMAGE=alert-inspect/lab:1
        RUN_EXTRA=(--log-opt max-size=10m)
        SCENARIOS=("${DOCKER_SCENARIOS[@]}")
        ;;
    podman)
        ctl() { podman "$@"; }
        IMAGE=localhost/alert-inspect/lab:1
        # runc refuses Podman's default rlimits on this kind of machine; the cgroup keeps the
        # lab's processes findable (and killable) as the lab's.
        RUN_EXTRA=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --cgroup-parent "$CGROUP_PARENT")
        SCENARIOS=("${PODMAN_SCENARIOS[@]}")
        ;;
    *) die "unknown engine $ENGINE" ;;
esac

# Runs the engine's CLI quietly; shows its output only when it fails.
quiet() {
    local out
    out=$("$@" 2>&1) || { printf '%s\n' "$out" >&2; die "failed: $*"; }
}

# --- Start from nothing: no old lab containers, records or alerts for this engine -------------

old=$(ctl ps -aq --filter label=alert-inspect.lab=1)
[ -z "$old" ] || quiet ctl rm -f $old
rm -rf "$DIR/scenarios"
for name in "${SCENARIOS[@]}"; do rm -f "$LAB_DIR/alerts/$ENGINE-$name.json"; done

# The image: imported again whenever the root filesystem changed.
rootfs="$LAB_DIR/image/rootfs.tar"
rootfs_sha=$(sha256sum "$rootfs" | cut -c1-64)
if [ "$(ctl image inspect -f '{{index .Config.Labels "alert-inspect.lab.rootfs"}}' "$IMAGE" 2>/dev/null)" != "$rootfs_sha" ]; then
    log "$ENGINE: importing $IMAGE"
    quiet ctl import -c 'ENV PATH=/bin:/usr/bin' -c 'CMD ["/bin/sh"]' \
        -c "LABEL alert-inspect.lab=1 alert-inspect.lab.rootfs=$rootfs_sha" "$rootfs" "$IMAGE"
fi

LOOP='i=0; while :; do i=$((i+1)); now=$(date -u +%Y-%m-%dT%H:%M:%SZ); echo "$LAB_SCENARIO tick $i at $now on stdout"; echo "$LAB_SCENARIO tick $i at $now on stderr" >&2; sleep 2; done'
# On a terminal both streams are one; the colour codes are there for the report's escaping.
TTY_LOOP='i=0; while :; do i=$((i+1)); now=$(date -u +%Y-%m-%dT%H:%M:%SZ); printf "\033[1;33m%s\033[0m tick %s at %s on the terminal\n" "$LAB_SCENARIO" "$i" "$now"; echo "$LAB_SCENARIO tick $i at $now from stderr on the terminal" >&2; sleep 2; done'

declare -A ID
start() {
    local scenario=$1 loop=$2
    shift 2
    ID[$scenario]=$(ctl run -d --name "lab-$scenario" --network none \
        --label alert-inspect.lab=1 --label "alert-inspect.lab.scenario=$scenario" \
        -e "LAB_SCENARIO=$scenario" "${RUN_EXTRA[@]}" "$@" "$IMAGE" sh -c "$loop")
}

# Copies a host file to PATH in the container (through the engine, as `docker cp` does).
drop() {
    local scenario=$1 file=$2 path=$3
    quiet ctl cp "$file" "${ID[$scenario]}:$path"
}

# Runs PATH in the container from a shell, as an intruder's shell would; its output goes to the
# container's own stdout and stderr (PID LOGPID inside the container), so it shows in the logs.
run_detached() {
    local scenario=$1 path=$2 logpid=$3
    shift 3
    quiet ctl exec -d "$@" "${ID[$scenario]}" sh -c "$path >/proc/$logpid/fd/1 2>/proc/$logpid/fd/2; echo \"exit \$?\""
}

host_pid() {
    local scenario=$1
    shift
    "${LABKIT[@]}" findpid --container "${ID[$scenario]}" "$@"
}

alert() {
    local scenario=$1
    shift
    "${LABKIT[@]}" alert --lab-dir "$LAB_DIR" --dir "$DIR" --engine "$ENGINE" --socket "$SOCK" \
        --scenario "$scenario" --container "${ID[$scenario]}" "$@" >&2
}

wanted() {
    local name
    for name in "${SCENARIOS[@]}"; do [ "$name" = "$1" ] && return 0; done
    return 1
}

# --- The containers, all started first so each has a few log lines before its alert ---------

log "$ENGINE: starting ${#SCENARIOS[@]} scenario containers"
SECRET_VALUE="lab-secret-value-never-printed"
wanted dropped && start dropped "$LOOP" -e "LAB_API_TOKEN=$SECRET_VALUE"
wanted overwritten && start overwritten "$LOOP"
wanted deleted && start deleted "$LOOP"
wanted false-claim && start false-claim "$LOOP"
wanted memfd && start memfd "$LOOP"
wanted tty && start tty "$TTY_LOOP" -t
wanted risky && start risky "$LOOP" \
    --cap-add SYS_ADMIN --pid host \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    -v "$SOCK:/var/run/docker.sock" -v /etc:/host/etc:ro
wanted removed && start removed "$LOOP"
sleep 3

# --- What happens in each --------------------------------------------------------------------

UPPER="EXE_WRITABLE|EXE_UPPER_LAYER"

if wanted dropped; then
    drop dropped "$BIN/payload" /tmp/payload
    run_detached dropped /tmp/payload 1
    alert dropped --pid "$(host_pid dropped --exe /tmp/payload)" --flags "$UPPER" --exe /tmp/payload \
        --sha-of "$BIN/payload" --change added --verdict confirmed \
        --set "secretEnv={\"name\": \"LAB_API_TOKEN\", \"value\": \"$SECRET_VALUE\"}" \
        --description "a static binary dropped into /tmp of a running container and executed; still running"
fi

if wanted overwritten; then
    # Written over in place, as `cp` or a shell redirection would (new content, new mtime).
    quiet ctl exec -i "${ID[overwritten]}" sh -c 'cat >/usr/bin/lab-tool' <"$BIN/payload"
    run_detached overwritten /usr/bin/lab-tool 1
    alert overwritten --pid "$(host_pid overwritten --exe /usr/bin/lab-tool)" --flags "$UPPER" \
        --exe /usr/bin/lab-tool --sha-of "$BIN/payload" --image-file "$BIN/lab-tool" \
        --change modified --verdict confirmed \
        --description "the image's own /usr/bin/lab-tool overwritten with a different binary and executed; still running"
fi

if wanted deleted; then
    drop deleted "$BIN/payload" /tmp/payload
    run_detached deleted /tmp/payload 1
    pid=$(host_pid deleted --exe /tmp/payload)
    alert deleted --pid "$pid" --flags "$UPPER" --exe /tmp/payload --sha-of "$BIN/payload" \
        --change deleted \
        --description "dropped into /tmp and executed, then deleted from inside the container; the process keeps running (its /proc/PID/exe still reads the binary)"
    quiet ctl exec "${ID[deleted]}" rm /tmp/payload
    case "$(readlink "/proc/$pid/exe")" in *" (deleted)") ;; *) die "deleted: /proc/$pid/exe is not marked deleted" ;; esac
fi

if wanted false-claim; then
    # lab-tool runs untouched from the image; the alert claims it lives in the upper layer.
    run_detached false-claim lab-tool 1
    alert false-claim --pid "$(host_pid false-claim --exe /usr/bin/lab-tool)" --flags "$UPPER" \
        --exe /usr/bin/lab-tool --stat lower --sha-of "$BIN/lab-tool" --image-file "$BIN/lab-tool" \
        --change unchanged --verdict disputed \
        --description "the alert claims EXE_UPPER_LAYER for /usr/bin/lab-tool, which really runs unchanged from the image; the claim must be disputed"
fi

if wanted memfd; then
    # The payload never touches the container's disk: it goes through stdin into a memfd.
    quiet ctl exec -i "${ID[memfd]}" sh -c 'exec lab-memfd lab-payload >/proc/1/fd/1 2>/proc/1/fd/2' <"$BIN/payload"
    alert memfd --pid "$(host_pid memfd --memfd lab-payload)" --rule memfd --flags "EXE_WRITABLE|EXE_FROM_MEMFD" \
        --parent-was lab-memfd --sha-of "$BIN/payload" --image-file "$BIN/lab-memfd" \
        --change memfd --verdict confirmed \
        --set 'launcher="/usr/bin/lab-memfd"' \
        --description "a program run from a memfd (memfd_create, then fexecve) by the image's /usr/bin/lab-memfd; nothing on disk; still running"
fi

if wanted tty; then
    drop tty "$BIN/payload" /tmp/payload
    run_detached tty /tmp/payload 1 -t
    alert tty --pid "$(host_pid tty --exe /tmp/payload)" --flags "$UPPER" --exe /tmp/payload \
        --sha-of "$BIN/payload" --change added --verdict confirmed \
        --description "a container started with -t (its logs are one raw stream with colour codes) and a binary dropped and run from a terminal session"
fi

if wanted risky; then
    # The container shares the host's PID namespace: its own shell is not PID 1 in there.
    logpid=$(ctl inspect -f '{{.State.Pid}}' "${ID[risky]}")
    drop risky "$BIN/payload" /tmp/payload
    run_detached risky /tmp/payload "$logpid"
    alert risky --pid "$(host_pid risky --exe /tmp/payload)" --flags "$UPPER" --exe /tmp/payload \
        --sha-of "$BIN/payload" --change added --verdict confirmed \
        --risk cap-sys-admin --risk host-pid --risk seccomp-unconfined --risk apparmor-unconfined \
        --risk engine-socket --risk sensitive-mount --risk root-user --risk writable-rootfs \
        --risk no-new-privileges-off \
        --description "a container with risky settings that start here (SYS_ADMIN, host PID namespace, seccomp and AppArmor unconfined, the engine socket and host /etc mounted, root, writable rootfs) and a dropped binary running"
fi

if wanted removed; then
    drop removed "$BIN/payload" /tmp/payload
    run_detached removed /tmp/payload 1
    alert removed --pid "$(host_pid removed --exe /tmp/payload)" --flags "$UPPER" --exe /tmp/payload \
        --sha-of "$BIN/payload" --change unknown --verdict inconclusive \
        --set containerExists=false --set containerRunning=false --set running=false --set hostPid=null \
        --description "the container existed when the alert was written, then was removed (rm -f): the alert refers to a container that is gone"
    quiet ctl rm -f "${ID[removed]}"
fi

"${LABKIT[@]}" check --setup --dir "$DIR" --socket "$SOCK" --expect "$(IFS=,; echo "${SCENARIOS[*]}")" ||
    die "$ENGINE: the scenarios do not hold right after setting them up"
