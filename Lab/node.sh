#!/usr/bin/env bash
# The lab node: a private containerd whose CRI plugin runs the scenarios as Kubernetes-style pods.
#
#   Lab/node.sh up       start containerd (from a clean state if a stale one is found), import the
#                        image, and set up the pods and their alerts; quick when already up
#   Lab/node.sh down     remove the pods, stop what the node started, by pid, unmount, remove the folder
#   Lab/node.sh status   say what is up
#
# Everything lives under $LAB_DIR/node (LAB_DIR as for Lab/lab.sh, default /tmp/alert-inspect-lab):
# its own root, state, socket, config, runc root, pod cgroup parent and plugin folders, so it never
# touches another containerd. Pods run on the host network (NODE namespace): no CNI is needed.
# $LAB_DIR/node.json describes the node, its scenarios and their alerts (Lab/nodekit.py). Pods and
# containers are made through CRI by Lab/nodekit.py with writing RPCs that only the lab uses.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=$(realpath -m "${LAB_DIR:-/tmp/alert-inspect-lab}")
export LAB_DIR
LAB_TAG=$(printf '%s' "$LAB_DIR" | sha256sum | cut -c1-8)
MARKER="$LAB_DIR/.alert-inspect-lab"
NODE_DIR="$LAB_DIR/node"
SOCK="$NODE_DIR/containerd.sock"
PIDFILE="$NODE_DIR/containerd.pid"
CGROUP="alert-inspect-node-$LAB_TAG"
IMAGE=alert-inspect/node:1
VENV="$LAB_DIR/node-venv"
LABKIT=(python3 "$HERE/labkit.py")
NODEKIT=("$VENV/bin/python3" "$HERE/nodekit.py")

log() { echo "node: $*" >&2; }
die() { log "$*"; exit 1; }

check_lab_dir() {
    case "$LAB_DIR" in
        / | /tmp | /root | /home | /var | /usr | /etc) die "refusing LAB_DIR=$LAB_DIR" ;;
    esac
    if [ -e "$LAB_DIR" ] && [ ! -e "$MARKER" ] && [ -n "$(ls -A "$LAB_DIR" 2>/dev/null)" ]; then
        die "$LAB_DIR exists and is not a lab folder (no $(basename "$MARKER")); choose another LAB_DIR"
    fi
    local longest="$NODE_DIR/state/io.containerd.runtime.v2.task/k8s.io/$(printf '%064d' 0)/rootfs"
    [ ${#longest} -lt 200 ] || die "LAB_DIR is too long: $longest"
}

# containerd's pid when it is alive, is containerd, and names the node's config on its command line.
node_pid() {
    local pid
    [ -r "$PIDFILE" ] || return 1
    pid=$(tr -dc '0-9' <"$PIDFILE")
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = containerd ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$NODE_DIR/" || return 1
    echo "$pid"
}

wait_gone() {
    local pid=$1 tenths=$(($2 * 10))
    while [ -d "/proc/$pid" ] && [ "$tenths" -gt 0 ]; do
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
        sleep 0.1
        tenths=$((tenths - 1))
    done
    [ ! -d "/proc/$pid" ]
}

# Ends what the node left behind (pods' processes, shims, containerd), unmounts, removes the folder.
clean_node() {
    local pid point root
    for signal in TERM KILL; do
        for pid in $("${LABKIT[@]}" leftovers --path "$NODE_DIR" --cgroup "$CGROUP"); do
            kill "-$signal" "$pid" 2>/dev/null || true
        done
        for pid in $("${LABKIT[@]}" leftovers --path "$NODE_DIR" --cgroup "$CGROUP"); do
            wait_gone "$pid" 3 || true
        done
    done
    for point in $("${LABKIT[@]}" mounts --under "$NODE_DIR"); do
        umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || log "cannot unmount $point"
    done
    [ -z "$("${LABKIT[@]}" mounts --under "$NODE_DIR")" ] || die "mounts remain under $NODE_DIR; not removing it"
    for root in /sys/fs/cgroup/*/"$CGROUP"; do
        [ -d "$root" ] && find "$root" -depth -type d -exec rmdir {} + 2>/dev/null || true
    done
    rm -rf --one-file-system "$NODE_DIR" "$LAB_DIR/node.json"
    rm -f "$LAB_DIR/alerts/node-"*.json
}

# --- Programs, image, config ----------------------------------------------------------------

fingerprint() {
    cat "$HERE/node.sh" "$HERE/nodekit.py" "$HERE/cri-lab.proto" "$HERE/../Sources/CRIRuntime/Proto/cri.proto" \
        "$HERE/sleeper.c" "$HERE/memfd-launch.c" | sha256sum | cut -c1-64
}

# The payload programs (as Lab/lab.sh builds them) and a docker-archive image: manifest.json, the
# config JSON and one layer with static busybox, the lab's programs and a passwd file. The same
# image is the pods' sandbox ("pause") image: its command sleeps until stopped.
build_image() {
    local bin="$NODE_DIR/bin" root="$NODE_DIR/image/rootfs" out="$NODE_DIR/image" applet
    mkdir -p "$bin" "$out"
    gcc -static -O2 -Wall -Wextra -o "$bin/lab-tool" "$HERE/sleeper.c"
    gcc -static -O2 -Wall -Wextra -DLAB_TOOL_NAME='"payload"' -DLAB_TOOL_PADDING=8192 -o "$bin/payload" "$HERE/sleeper.c"
    gcc -static -O2 -Wall -Wextra -o "$bin/lab-memfd" "$HERE/memfd-launch.c"
    [ -x /bin/busybox ] || die "/bin/busybox missing: install busybox-static (make deps)"
    rm -rf "$root" && mkdir -p "$root"/{bin,usr/bin,etc,tmp,root,proc,sys,dev}
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
    done
    cp "$bin/lab-tool" "$bin/lab-memfd" "$root/usr/bin/"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar -C "$root" --numeric-owner --owner=0 --group=0 --mtime=@0 --sort=name -cf "$out/layer.tar" .
    local layer_sha config config_sha
    layer_sha=$(sha256sum "$out/layer.tar" | cut -c1-64)
    config=$(printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin:/usr/bin"],"Cmd":["/bin/sh","-c","trap \\"exit 0\\" TERM; while :; do sleep 3600 & wait $!; done"],"Labels":{"alert-inspect.lab":"1"}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$layer_sha")
    config_sha=$(printf '%s' "$config" | sha256sum | cut -c1-64)
    printf '%s' "$config" >"$out/$config_sha.json"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer.tar"]}]' "$config_sha" "$IMAGE" >"$out/manifest.json"
    tar -C "$out" -cf "$out/image.tar" manifest.json "$config_sha.json" layer.tar
}

write_config() {
    cat >"$NODE_DIR/config.toml" <<TOML
version = 2
root = "$NODE_DIR/root"
state = "$NODE_DIR/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "$SOCK"
[ttrpc]
  address = ""
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/$IMAGE"
  # containerd would set the sandbox's oom_score_adj to -998, which needs CAP_SYS_RESOURCE.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$NODE_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$NODE_DIR/cni/bin"
    conf_dir = "$NODE_DIR/cni/conf"
TOML
}

# The lab's Python client: grpcio in the node's own venv (kept across a stale restart, removed by down), stubs compiled from the two .proto files.
prepare_client() {
    if [ ! -x "$VENV/bin/python3" ] || ! "$VENV/bin/python3" -c 'import grpc, grpc_tools' 2>/dev/null; then
        log "installing grpcio and grpcio-tools into $VENV"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check grpcio grpcio-tools >&2
    fi
    mkdir -p "$NODE_DIR/stubs"
    "$VENV/bin/python3" -m grpc_tools.protoc -I "$HERE/../Sources/CRIRuntime/Proto" -I "$HERE" \
        --python_out="$NODE_DIR/stubs" --grpc_python_out="$NODE_DIR/stubs" cri.proto cri-lab.proto
}

start_containerd() {
    mkdir -p "$NODE_DIR"/{root,state,runc,opt,cni/bin,cni/conf}
    write_config
    log "starting containerd (unix://$SOCK)"
    # setsid: the daemon outlives this script and is not in its process group. http2debug=2 makes
    # containerd log every request's headers (its :path and user-agent): the read-only audit reads them.
    GODEBUG=http2debug=2 setsid containerd --config "$NODE_DIR/config.toml" >"$NODE_DIR/containerd.log" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    local tenths=150
    until [ -S "$SOCK" ] && ctr --address "$SOCK" version >/dev/null 2>&1; do
        node_pid >/dev/null || { tail -5 "$NODE_DIR/containerd.log" >&2; die "containerd exited"; }
        tenths=$((tenths - 1))
        [ "$tenths" -gt 0 ] || die "containerd did not answer in 15 s (see $NODE_DIR/containerd.log)"
        sleep 0.1
    done
}

up() {
    check_lab_dir
    mkdir -p "$LAB_DIR" "$LAB_DIR/alerts"
    touch "$MARKER"
    local print
    print=$(fingerprint)
    if node_pid >/dev/null && [ "$(cat "$NODE_DIR/.fingerprint" 2>/dev/null)" = "$print" ] &&
        "${NODEKIT[@]}" check --lab-dir "$LAB_DIR" --socket "$SOCK" 2>"$NODE_DIR/check.log"; then
        log "up (pid $(node_pid), unix://$SOCK), scenarios in place"
        return 0
    fi
    [ -d "$NODE_DIR" ] && { log "cleaning a stale node"; clean_node; }
    mkdir -p "$NODE_DIR"
    build_image
    prepare_client
    start_containerd
    ctr --address "$SOCK" -n k8s.io images import "$NODE_DIR/image/image.tar" >/dev/null
    "${NODEKIT[@]}" setup --lab-dir "$LAB_DIR" --socket "$SOCK" --cgroup-parent "/$CGROUP" \
        --image "docker.io/$IMAGE" --bin "$NODE_DIR/bin" --pid "$(node_pid)"
    echo "$print" >"$NODE_DIR/.fingerprint"
    log "up (pid $(node_pid), unix://$SOCK)"
}

down() {
    check_lab_dir
    [ -d "$NODE_DIR" ] || { log "not up"; return 0; }
    if node_pid >/dev/null && [ -x "$VENV/bin/python3" ]; then
        "${NODEKIT[@]}" teardown --socket "$SOCK" || log "could not remove the pods through CRI"
    fi
    local pid
    if pid=$(node_pid); then
        kill -TERM "$pid" 2>/dev/null || true
        wait_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null || true
    fi
    clean_node
    rm -rf "$VENV"
    log "down"
}

status() {
    if node_pid >/dev/null; then
        echo "node: up (pid $(node_pid), unix://$SOCK)"
        "${NODEKIT[@]}" check --lab-dir "$LAB_DIR" --socket "$SOCK" && echo "node: scenarios in place"
    else
        echo "node: down"
        return 1
    fi
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) die "usage: $0 up|down|status" ;;
esac
