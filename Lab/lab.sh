#!/usr/bin/env bash
# The lab: private Docker and Podman engines running the scenarios the live tests investigate.
#
#   Lab/lab.sh up ENGINE          start the engine (from a clean state if a stale one is found) and
#                                 set up its scenarios; a few seconds when everything is already up.
#                                 ENGINE: docker (the system's Docker 20.10, overlay2), docker26
#                                 (Debian 13's Docker 26.1, overlay2), docker26-containerd (the same
#                                 with containerd's image store), podman (the system's Podman 4.3)
#   Lab/lab.sh down               stop what the lab started, by pid, unmount, remove the lab folder
#   Lab/lab.sh status             say what is up
#
# Everything lives under LAB_DIR (default /tmp/alert-inspect-lab). $LAB_DIR/lab.json describes the
# engines that answer, their scenarios and the alerts written for them (Lab/labkit.py, manifest).
# The lab never touches the system's engines: own sockets, data roots, exec roots and cgroups.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=$(realpath -m "${LAB_DIR:-/tmp/alert-inspect-lab}")
export LAB_DIR
LABKIT=(python3 "$HERE/labkit.py")
# The lab's cgroups are named after its folder, so two labs never share one.
LAB_TAG=$(printf '%s' "$LAB_DIR" | sha256sum | cut -c1-8)
MARKER="$LAB_DIR/.alert-inspect-lab"

ENGINES=(docker docker26 docker26-containerd podman)
DOCKER_DIR="$LAB_DIR/docker"
DOCKER_SOCK="$DOCKER_DIR/docker.sock"
DOCKER_PIDFILE="$DOCKER_DIR/dockerd.pid"
DOCKER_CGROUP="alert-inspect-lab-docker-$LAB_TAG"
# Debian 13's Docker 26.1 and containerd 1.7, unpacked from their packages (fetch_docker26).
DIST_DIR="$LAB_DIR/dist"
PODMAN_DIR="$LAB_DIR/podman"
PODMAN_SOCK="$PODMAN_DIR/podman.sock"
PODMAN_PIDFILE="$PODMAN_DIR/service.pid"
PODMAN_CGROUP="alert-inspect-lab-podman-$LAB_TAG"

log() { echo "lab: $*" >&2; }
die() { log "$*"; exit 1; }

check_lab_dir() {
    case "$LAB_DIR" in
        / | /tmp | /root | /home | /var | /usr | /etc) die "refusing LAB_DIR=$LAB_DIR" ;;
    esac
    if [ -e "$LAB_DIR" ] && [ ! -e "$MARKER" ] && [ -n "$(ls -A "$LAB_DIR" 2>/dev/null)" ]; then
        die "$LAB_DIR exists and is not a lab folder (no $(basename "$MARKER")); choose another LAB_DIR"
    fi
    # Unix socket paths are limited to 108 bytes; containerd's ttrpc socket is the longest the lab makes.
    local longest="$LAB_DIR/docker26-containerd/exec/containerd/containerd.sock.ttrpc"
    [ ${#longest} -lt 104 ] || die "LAB_DIR is too long for Unix socket paths: $longest"
}

# The pid in FILE when it is alive, is NAME, and names the lab's folder on its command line.
lab_pid() {
    local file=$1 name=$2 pid
    [ -r "$file" ] || return 1
    pid=$(tr -dc '0-9' <"$file")
    [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$LAB_DIR/" || return 1
    echo "$pid"
}

# Waits up to $2 seconds for pid $1 to exit.
wait_gone() {
    local pid=$1 tenths=$(($2 * 10))
    while [ -d "/proc/$pid" ] && [ "$tenths" -gt 0 ]; do
        # A zombie has exited; its parent (init) reaps it.
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
        sleep 0.1
        tenths=$((tenths - 1))
    done
    [ ! -d "/proc/$pid" ]
}

stop_pid() {
    local pid=$1 what=$2
    kill -TERM "$pid" 2>/dev/null || return 0
    if ! wait_gone "$pid" 20; then
        log "$what (pid $pid) ignored SIGTERM for 20 s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 5 || log "$what (pid $pid) is still there"
    fi
}

# Ends whatever the lab left behind under folder $1 and cgroup $2 (processes, mounts, cgroups),
# then removes the folder. Only the lab's own processes are listed (Lab/labkit.py leftovers).
clean_engine() {
    local dir=$1 cgroup=$2 pid point
    for signal in TERM KILL; do
        for pid in $("${LABKIT[@]}" leftovers --path "$dir" --cgroup "$cgroup"); do
            kill "-$signal" "$pid" 2>/dev/null || true
        done
        for pid in $("${LABKIT[@]}" leftovers --path "$dir" --cgroup "$cgroup"); do
            wait_gone "$pid" 3 || true
        done
    done
    for point in $("${LABKIT[@]}" mounts --under "$dir"); do
        umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || log "cannot unmount $point"
    done
    [ -z "$("${LABKIT[@]}" mounts --under "$dir")" ] || die "mounts remain under $dir; not removing it"
    local root
    for root in /sys/fs/cgroup/*/"$cgroup" /sys/fs/cgroup/"$cgroup"; do
        [ -d "$root" ] && find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    rm -rf --one-file-system "$dir"
}

# --- Payload programs and the image --------------------------------------------------------

# What the lab's programs, image and scenarios are made from: when it changes, `up` rebuilds them
# and sets the scenarios up again (the engines keep running).
fingerprint() {
    cat "$HERE/lab.sh" "$HERE/scenarios.sh" "$HERE/labkit.py" "$HERE/sleeper.c" "$HERE/memfd-launch.c" |
        sha256sum | cut -c1-64
}

build_programs() {
    local bin="$LAB_DIR/bin"
    [ "$(cat "$bin/.fingerprint" 2>/dev/null)" = "$FINGERPRINT" ] && return 0
    rm -rf "$bin" "$LAB_DIR/image/rootfs.tar"
    mkdir -p "$bin"
    build() {
        local out=$1 source=$2; shift 2
        gcc -static -O2 -Wall -Wextra "$@" -o "$out" "$source"
    }
    build "$bin/lab-tool" "$HERE/sleeper.c"
    build "$bin/payload" "$HERE/sleeper.c" -DLAB_TOOL_NAME='"payload"' -DLAB_TOOL_PADDING=8192
    build "$bin/lab-memfd" "$HERE/memfd-launch.c"
    echo "$FINGERPRINT" >"$bin/.fingerprint"
}

# A root filesystem: static busybox with its applets, the lab's programs, a passwd file.
build_rootfs_tar() {
    local tar="$LAB_DIR/image/rootfs.tar" root="$LAB_DIR/image/rootfs" busybox applet
    [ -s "$tar" ] && return 0
    busybox=/bin/busybox
    [ -x "$busybox" ] || die "$busybox missing: install busybox-static (make deps)"
    rm -rf "$root" && mkdir -p "$root"/{bin,usr/bin,etc,tmp,root,proc,sys,dev}
    chmod 1777 "$root/tmp"
    cp "$busybox" "$root/bin/busybox"
    for applet in $("$busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
    done
    cp "$LAB_DIR/bin/lab-tool" "$LAB_DIR/bin/lab-memfd" "$root/usr/bin/"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" --numeric-owner --owner=0 --group=0 -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
}

prepare() {
    mkdir -p "$LAB_DIR/image" "$LAB_DIR/alerts"
    build_programs
    build_rootfs_tar
}

# --- Engines -------------------------------------------------------------------------------

# Sets E_* for ENGINE (its folder, socket, pid file, process name, cgroup, image, log) and the
# environment its CLI needs to reach the lab's engine and nothing else.
select_engine() {
    case "$1" in
        docker)
            E_DIR=$DOCKER_DIR E_SOCK=$DOCKER_SOCK E_PIDFILE=$DOCKER_PIDFILE E_CGROUP=$DOCKER_CGROUP
            E_PROCESS=dockerd E_IMAGE=alert-inspect/lab:1 E_LOG=$DOCKER_DIR/dockerd.log
            export DOCKER_HOST="unix://$DOCKER_SOCK" DOCKER_CONFIG="$DOCKER_DIR/cli"
            unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
            ;;
        docker26 | docker26-containerd)
            E_DIR="$LAB_DIR/$1" E_CGROUP="alert-inspect-lab-$1-$LAB_TAG"
            E_SOCK="$E_DIR/docker.sock" E_PIDFILE="$E_DIR/dockerd.pid"
            E_PROCESS=dockerd E_IMAGE=alert-inspect/lab:1 E_LOG=$E_DIR/dockerd.log
            # The system's docker CLI (API 1.41) drives the newer daemon too.
            export DOCKER_HOST="unix://$E_SOCK" DOCKER_CONFIG="$E_DIR/cli"
            unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
            ;;
        podman)
            E_DIR=$PODMAN_DIR E_SOCK=$PODMAN_SOCK E_PIDFILE=$PODMAN_PIDFILE E_CGROUP=$PODMAN_CGROUP
            E_PROCESS=podman E_IMAGE=localhost/alert-inspect/lab:1 E_LOG=$PODMAN_DIR/service.log
            export CONTAINERS_CONF="$PODMAN_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PODMAN_DIR/storage.conf"
            export CONTAINERS_REGISTRIES_CONF="$PODMAN_DIR/registries.conf"
            ;;
        *) die "unknown engine ${1:-} (${ENGINES[*]})" ;;
    esac
}

# Starts dockerd in the background; prints its pid.
start_docker() {
    # setsid: its own session, so it outlives make and never gets our terminal's signals.
    # 9>&-: it must not inherit the lab's lock.
    setsid dockerd \
        --host "unix://$DOCKER_SOCK" \
        --data-root "$DOCKER_DIR/root" \
        --exec-root "$DOCKER_DIR/exec" \
        --pidfile "$DOCKER_PIDFILE" \
        --containerd-namespace alert-inspect-lab \
        --containerd-plugins-namespace alert-inspect-lab-plugins \
        --cgroup-parent "/$DOCKER_CGROUP" \
        --storage-driver overlay2 \
        --iptables=false --ip-masq=false --bridge=none --userland-proxy=false \
        --log-opt max-size=10m \
        --shutdown-timeout 2 \
        >"$E_LOG" 2>&1 </dev/null 9>&- &
    echo $!
}

# Fetches Debian 13's docker.io and containerd packages through a private apt configuration (its
# own source list, package lists and cache under the lab folder; the system's apt state is never
# read for packages nor changed) and unpacks them into $DIST_DIR/root. Kept across `up`s.
fetch_docker26() {
    local apt="$DIST_DIR/apt" root="$DIST_DIR/root" debs="$DIST_DIR/debs"
    [ -x "$root/usr/sbin/dockerd" ] && [ -x "$root/usr/bin/containerd" ] && return 0
    log "fetching Debian 13's docker.io and containerd (once; kept in $DIST_DIR)"
    rm -rf "$root" && mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$debs"
    # The same Debian mirror the system's own apt sources name, suite trixie.
    "${LABKIT[@]}" debian-source --suite trixie >"$apt/sources.list"
    local options=(-q -o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Dir::State::status=/dev/null
        -o APT::Sandbox::User=root)
    apt-get "${options[@]}" update >"$apt/update.log" 2>&1 || { tail -5 "$apt/update.log" >&2; die "apt-get update (trixie) failed"; }
    (cd "$debs" && apt-get "${options[@]}" download docker.io containerd) >"$apt/download.log" 2>&1 ||
        { tail -5 "$apt/download.log" >&2; die "apt-get download docker.io containerd failed"; }
    mkdir -p "$root.tmp"
    local deb
    for deb in "$debs"/*.deb; do dpkg -x "$deb" "$root.tmp"; done
    [ -x "$root.tmp/usr/sbin/dockerd" ] || die "no usr/sbin/dockerd in $debs"
    # Debian 13's runc needs a newer glibc: Debian 12's runc comes first on the engine's PATH.
    mkdir -p "$root.tmp/runc"
    ln -s "$(command -v runc || die "runc missing (make deps)")" "$root.tmp/runc/runc"
    mv "$root.tmp" "$root"
    rm -rf "$apt/lists" "$apt/cache"
}

# Starts Debian 13's dockerd (overlay2, or containerd's image store for docker26-containerd) in the
# background, with its own containerd namespace and default ulimits capped as Podman's are; prints
# its pid.
start_docker26() {
    local engine=$1 root="$DIST_DIR/root" config="$E_DIR/daemon.json"
    fetch_docker26
    if [ "$engine" = docker26-containerd ]; then
        printf '{"features": {"containerd-snapshotter": true}}\n' >"$config"
    else
        printf '{"storage-driver": "overlay2"}\n' >"$config"
    fi
    PATH="$root/runc:$root/usr/bin:$root/usr/sbin:/usr/sbin:/usr/bin:/sbin:/bin" setsid "$root/usr/sbin/dockerd" \
        --config-file "$config" \
        --host "unix://$E_SOCK" \
        --data-root "$E_DIR/root" \
        --exec-root "$E_DIR/exec" \
        --pidfile "$E_PIDFILE" \
        --containerd-namespace "alert-inspect-lab-$engine" \
        --containerd-plugins-namespace "alert-inspect-lab-$engine-plugins" \
        --cgroup-parent "/$E_CGROUP" \
        --default-ulimit nofile=1024:1024 --default-ulimit nproc=1024:1024 \
        --iptables=false --ip6tables=false --ip-masq=false --bridge=none --userland-proxy=false \
        --log-opt max-size=10m \
        --shutdown-timeout 2 \
        >"$E_LOG" 2>&1 </dev/null 9>&- &
    echo $!
}

# Starts Podman's API service in the background, with everything under the lab folder (storage,
# run state, locks, events, logs, networks); prints its pid.
start_podman() {
    mkdir -p "$PODMAN_DIR/tmp" "$PODMAN_DIR/net"
    cat >"$PODMAN_DIR/containers.conf" <<EOF
[containers]
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PODMAN_DIR/events.log"
image_copy_tmp_dir = "$PODMAN_DIR/tmp"
lock_type = "file"
tmp_dir = "$PODMAN_DIR/tmp"
static_dir = "$PODMAN_DIR/root/libpod"
volume_path = "$PODMAN_DIR/root/volumes"
runtime = "runc"

[network]
network_config_dir = "$PODMAN_DIR/net"
EOF
    cat >"$PODMAN_DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PODMAN_DIR/root"
runroot = "$PODMAN_DIR/run"
EOF
    printf 'unqualified-search-registries = []\n' >"$PODMAN_DIR/registries.conf"
    setsid podman system service --time=0 "unix://$PODMAN_SOCK" >"$E_LOG" 2>&1 </dev/null 9>&- &
    # Not a process group leader, so setsid ran podman in place: $! is the service's own pid.
    echo $! >"$PODMAN_PIDFILE"
    echo $!
}

# Idempotent: returns at once when the engine answers and its scenarios still hold; sets the
# scenarios up again when they do not; starts from a clean folder when the engine is stale.
engine_up() {
    local engine=$1 pid="" launched tries=300
    select_engine "$engine"
    if pid=$(lab_pid "$E_PIDFILE" "$E_PROCESS") && "${LABKIT[@]}" ping "$E_SOCK"; then
        if [ "$(cat "$E_DIR/fingerprint" 2>/dev/null)" != "$FINGERPRINT" ]; then
            echo "the lab's sources changed" >"$LAB_DIR/check.log"
        elif "${LABKIT[@]}" check --dir "$E_DIR" --socket "$E_SOCK" \
            --expect "$("$HERE/scenarios.sh" list "$engine")" 2>"$LAB_DIR/check.log"; then
            log "$engine: up (pid $pid, unix://$E_SOCK), scenarios in place"
            return 0
        fi
        log "$engine: engine up but scenarios changed ($(head -1 "$LAB_DIR/check.log")); setting them up again"
    else
        if [ -e "$E_DIR" ]; then
            log "$engine: stale lab state in $E_DIR (engine not answering); starting clean"
            [ -z "$pid" ] || stop_pid "$pid" "$E_PROCESS"
            clean_engine "$E_DIR" "$E_CGROUP"
        fi
        mkdir -p "$E_DIR"
        log "$engine: starting the engine on unix://$E_SOCK"
        case "$engine" in
            docker26*) launched=$(start_docker26 "$engine") ;;
            *) launched=$("start_$engine") ;;
        esac
        until "${LABKIT[@]}" ping "$E_SOCK"; do
            if ! kill -0 "$launched" 2>/dev/null || [ $tries -le 0 ]; then
                tail -20 "$E_LOG" >&2
                die "$engine: the engine did not come up (log: $E_LOG)"
            fi
            tries=$((tries - 1))
            sleep 0.1
        done
        pid=$(lab_pid "$E_PIDFILE" "$E_PROCESS") || die "$engine: the engine answers but its pid file does not name it"
    fi
    prepare
    "$HERE/scenarios.sh" setup "$engine" "$E_DIR" "$E_SOCK" "/$E_CGROUP" 9>&-
    "${LABKIT[@]}" engine --engine "$engine" --dir "$E_DIR" --socket "$E_SOCK" --pid "$pid" \
        --image "$E_IMAGE" --cgroup-parent "/$E_CGROUP"
    echo "$FINGERPRINT" >"$E_DIR/fingerprint"
    log "$engine: up (pid $pid, unix://$E_SOCK)"
}

# Stops the engine by its pid file after removing its containers (killed at once rather than
# dockerd stopping each gracefully; Podman's containers are not the service's children at all),
# then removes whatever is left of it.
engine_down() {
    local engine=$1 pid ids
    select_engine "$engine"
    if [ "$engine" = podman ] && [ -f "$PODMAN_DIR/storage.conf" ]; then
        podman rm -af -t 0 >/dev/null 2>&1 || true
    fi
    if pid=$(lab_pid "$E_PIDFILE" "$E_PROCESS"); then
        if [ "$E_PROCESS" = dockerd ] && "${LABKIT[@]}" ping "$E_SOCK"; then
            ids=$(docker ps -aq) || true
            [ -z "$ids" ] || docker rm -f $ids >/dev/null || true
        fi
        log "$engine: stopping the engine (pid $pid)"
        stop_pid "$pid" "$E_PROCESS"
    fi
    [ ! -e "$E_DIR" ] || clean_engine "$E_DIR" "$E_CGROUP"
}

engine_status() {
    local engine=$1 pid
    select_engine "$engine"
    if pid=$(lab_pid "$E_PIDFILE" "$E_PROCESS") && "${LABKIT[@]}" ping "$E_SOCK"; then
        echo "$engine: up, pid $pid, unix://$E_SOCK"
        "${LABKIT[@]}" check --dir "$E_DIR" --socket "$E_SOCK" --expect "$("$HERE/scenarios.sh" list "$engine")" &&
            echo "$engine: scenarios in place"
    elif [ -e "$E_DIR" ]; then
        echo "$engine: stale (state in $E_DIR, nothing answering)"
    else
        echo "$engine: down"
    fi
}

# --- Commands ------------------------------------------------------------------------------

# One lab command at a time per folder (two `make lab` at once would race on the engines).
with_lock() {
    mkdir -p "$LAB_DIR"
    touch "$MARKER"
    exec 9>"$LAB_DIR/.lock"
    flock 9
}

manifest() {
    "${LABKIT[@]}" manifest --lab-dir "$LAB_DIR"
}

case "${1:-}" in
    up)
        FINGERPRINT=$(fingerprint)
        [ "$(id -u)" = 0 ] || die "the lab runs engines as root; run as root"
        check_lab_dir
        with_lock
        case "${2:-}" in
            docker | docker26 | docker26-containerd | podman) engine_up "$2" ;;
            *) die "usage: $0 up docker|docker26|docker26-containerd|podman" ;;
        esac
        manifest
        ;;
    down)
        check_lab_dir
        [ -e "$LAB_DIR" ] || exit 0
        with_lock
        for engine in "${ENGINES[@]}"; do engine_down "$engine"; done
        rm -rf "$LAB_DIR/dist" "$LAB_DIR/bin" "$LAB_DIR/image" "$LAB_DIR/alerts" "$LAB_DIR/lab.json" "$LAB_DIR/check.log"
        rm -f "$MARKER" "$LAB_DIR/.lock"
        rmdir "$LAB_DIR" 2>/dev/null || log "left $LAB_DIR (not empty)"
        log "down"
        ;;
    status)
        for engine in "${ENGINES[@]}"; do engine_status "$engine"; done
        [ ! -f "$LAB_DIR/lab.json" ] || echo "manifest: $LAB_DIR/lab.json"
        ;;
    *) echo "usage: $0 up docker|docker26|docker26-containerd|podman | down | status" >&2; exit 64 ;;
esac
