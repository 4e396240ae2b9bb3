#!/usr/bin/env bash
# test-deb.sh DEB_DIR ROOT_CACHE: installs the package from DEB_DIR with `apt install ./alert-inspect_*.deb`
# into a clean Debian 12 root (scripts/debian-root.sh, kept in ROOT_CACHE) that has no Swift, and runs it
# there: --version, the demo's replay, and an investigation of the lab's Docker engine when the lab is up
# (its socket bind-mounted in). The root itself is never changed: each run works on an overlay of it,
# in a private mount namespace that ends with the run.
#   test-deb.sh --wanted    exit 0 when the test must run: always with CI=true, else only as root.
set -euo pipefail
if [ "${1:-}" = --wanted ]; then
    [ "${CI:-}" = true ] && exit 0
    if [ "$(id -u)" = 0 ]; then exit 0; fi
    echo "test-deb: skipped (not root; CI=true makes it required)" >&2
    exit 1
fi
deb_dir=$1
cache=$2
here=$(cd "$(dirname "$0")/.." && pwd)
lab_dir=${LAB_DIR:-/tmp/alert-inspect-lab}
fail() { echo "test-deb: FAILED: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot, mounts)"
deb=$(ls "$deb_dir"/alert-inspect_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no package in $deb_dir: run make deb"
start=$(date +%s)
root=$("$here/scripts/debian-root.sh" "$cache")
root=$(cd "$root" && pwd)
[ ! -e "$root/opt/swift" ] && [ -z "$(ls "$root"/usr/lib/swift 2>/dev/null)" ] || fail "the clean root has Swift in it"

run=$(mktemp -d /tmp/alert-inspect-deb.XXXXXX)
trap 'rm -rf "$run"' EXIT
mkdir -p "$run/upper" "$run/work" "$run/merged" "$cache/archives/partial"
cp "$deb" "$run/upper.deb"
cp -r "$here/Fixtures/recordings/docker-dropped" "$run/demo"
lab_socket=
lab_alert=
if [ -f "$lab_dir/lab.json" ]; then
    host=$(jq -r '.docker.host // empty' "$lab_dir/lab.json")
    lab_socket=${host#unix://}
    lab_alert=$(jq -r '.docker.scenarios.dropped.alert // empty' "$lab_dir/lab.json")
    [ -S "$lab_socket" ] && [ -f "$lab_alert" ] || { lab_socket=; lab_alert=; }
fi
if [ -z "$lab_socket" ] && [ "${CI:-}" = true ]; then fail "the lab's Docker engine is not up (make lab)"; fi

# Everything below runs in a private mount namespace: the overlay and bind mounts vanish with it.
unshare --mount --propagation private bash -euo pipefail -s "$root" "$run" "$cache" "$(basename "$deb")" \
    "$lab_socket" "$lab_alert" <<'INSIDE'
root=$1 run=$2 cache=$3 deb=$4 lab_socket=$5 lab_alert=$6
m=$run/merged
mount -t overlay overlay -o "lowerdir=$root,upperdir=$run/upper,workdir=$run/work" "$m"
mount -t proc proc "$m/proc"
mount --bind "$(cd "$cache/archives" && pwd)" "$m/var/cache/apt/archives"
cp "$run/upper.deb" "$m/tmp/$deb"
cp -r "$run/demo" "$m/tmp/demo"
echo "test-deb: apt install ./$deb in a clean Debian 12 root" >&2
chroot "$m" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./tmp/$deb" \
    -o Dir::Cache::archives=/var/cache/apt/archives >"$run/apt.log" 2>&1 \
    || { cat "$run/apt.log" >&2; echo "test-deb: FAILED: apt install" >&2; exit 1; }
cd /
in_root() { chroot "$m" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root "$@"; }
if in_root sh -c 'ldd /usr/bin/alert-inspect | grep -i swift'; then
    echo "test-deb: FAILED: the installed binary loads a Swift library" >&2; exit 1
fi
version=$(in_root alert-inspect --version) || { echo "test-deb: FAILED: --version" >&2; exit 1; }
echo "test-deb: alert-inspect --version: $version" >&2
case $version in *commit*built*) ;; *) echo "test-deb: FAILED: --version lacks commit and date" >&2; exit 1 ;; esac
in_root man -w alert-inspect >/dev/null 2>&1 || [ -f "$m/usr/share/man/man1/alert-inspect.1.gz" ] \
    || { echo "test-deb: FAILED: no man page" >&2; exit 1; }
for f in usr/share/bash-completion/completions/alert-inspect usr/share/zsh/vendor-completions/_alert-inspect \
    usr/share/fish/vendor_completions.d/alert-inspect.fish; do
    [ -s "$m/$f" ] || { echo "test-deb: FAILED: no $f" >&2; exit 1; }
done
# The demo's replay, as `make demo` runs it.
report=$(in_root alert-inspect inspect --replay /tmp/demo --alert /tmp/demo/alert.json --max-log-lines 12 --color never) \
    || { echo "test-deb: FAILED: the demo's replay exited $?" >&2; exit 1; }
case $report in CONFIRMED*) ;; *) echo "test-deb: FAILED: the demo's replay did not confirm: $report" >&2; exit 1 ;; esac
echo "test-deb: the demo's replay: $(echo "$report" | head -1)" >&2
if [ -n "$lab_socket" ]; then
    mkdir -p "$m/run/lab" "$m/tmp/lab"
    touch "$m/run/lab/docker.sock"
    mount --bind "$lab_socket" "$m/run/lab/docker.sock"
    cp "$lab_alert" "$m/tmp/lab/alert.json"
    verdict=$(in_root alert-inspect --host unix:///run/lab/docker.sock --alert /tmp/lab/alert.json --format json \
        | grep -m1 '^  "verdict" : ' | sed 's/.*"verdict" : "\([a-z]*\)".*/\1/') \
        || { echo "test-deb: FAILED: investigating the lab engine" >&2; exit 1; }
    [ "$verdict" = confirmed ] || { echo "test-deb: FAILED: the lab's dropped binary was not confirmed ($verdict)" >&2; exit 1; }
    echo "test-deb: the lab engine, investigated from the clean root: $verdict" >&2
fi
INSIDE
echo "test-deb: passed in $(( $(date +%s) - start )) s" >&2
