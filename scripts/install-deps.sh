#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages needed; skips what is there.
#   scripts/install-deps.sh build   what building alert-inspect needs (the demo needs no more)
#   scripts/install-deps.sh         that, plus the lab engines and the tools tests and benchmarks use
set -euo pipefail
packages=(libcurl4-openssl-dev pkg-config)
if [ "${1:-all}" != build ]; then
    packages+=(docker.io busybox-static podman jq hyperfine gcc libc6-dev time python3 curl procps dpkg-dev debootstrap)
    # The lab node: containerd with its CRI plugin (runc comes with it), a venv for its grpcio client.
    packages+=(containerd python3-venv)
fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing ${missing[*]}; run as root (apt-get)" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
