#!/usr/bin/env bash
# A clean Debian 12 root (debootstrap, minbase) with no Swift in it, kept under ROOT_CACHE so that
# repeat runs reuse it. Prints the root's path. Needs root.
#   scripts/debian-root.sh [CACHE_DIR]     (default .build-debian12)
# The mirror is debootstrap's default unless DEBIAN_MIRROR is set.
set -euo pipefail
cache=${1:-.build-debian12}
root=$cache/bookworm
if [ -f "$root/.complete" ]; then
    echo "$root"
    exit 0
fi
command -v debootstrap >/dev/null || {  # make deps installs it; this is for a lone run
    echo "debian-root: installing debootstrap" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >&2
}
rm -rf "$root"
mkdir -p "$cache"
start=$(date +%s)
debootstrap --variant=minbase bookworm "$root" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >"$cache/debootstrap.log" 2>&1 || {
    tail -20 "$cache/debootstrap.log" >&2
    echo "debian-root: debootstrap failed (log: $cache/debootstrap.log)" >&2
    exit 1
}
# Package lists, so that `apt install ./x.deb` can fetch its dependencies.
chroot "$root" apt-get update -qq >&2
touch "$root/.complete"
echo "debian-root: made $root in $(( $(date +%s) - start )) s" >&2
echo "$root"
