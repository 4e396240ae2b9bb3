#!/usr/bin/env bash
# make-deb.sh BINARY GENERATED OUT_DIR: a Debian package of the release build, with dpkg-deb.
# Its Depends are exactly the packages of the shared libraries the binary loads (dpkg-shlibdeps reads the
# binary's NEEDED entries and maps each library to its package and minimum version), so it installs on a
# Debian 12 host without Swift: the Swift runtime is linked in.
set -euo pipefail
binary=$1
generated=$2
out=$3
here=$(cd "$(dirname "$0")/.." && pwd)
version=$("$binary" --version | sed -n 's/^\([0-9][0-9.]*\).*/\1/p')
[ -n "$version" ] || { echo "make-deb: cannot read the version from $binary --version" >&2; exit 1; }
arch=$(dpkg --print-architecture)
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$out/work
rm -rf "$work"
mkdir -p "$work/root/DEBIAN" "$work/shlibs/debian"
"$here/scripts/install-files.sh" "$work/root/usr" "$binary" "$generated" 2>/dev/null
install -D -m 0644 "$here/README.md" "$work/root/usr/share/doc/alert-inspect/README.md"

# Every library the binary loads must come from a Debian package (a Swift runtime library would not: the
# package would install and then fail to start). dpkg-shlibdeps only warns about such a library.
bin=$work/root/usr/bin/alert-inspect
for lib in $(objdump -p "$bin" | awk '$1 == "NEEDED" {print $2}'); do
    path=$(ldd "$bin" | awk -v lib="$lib" '$1 == lib && $2 == "=>" {print $3}')
    [ -n "$path" ] || continue  # the dynamic loader itself (libc6)
    [ "$path" != not ] || { echo "make-deb: $lib is not found on this machine" >&2; exit 1; }
    dpkg -S "$path" >/dev/null 2>&1 || dpkg -S "/usr$path" >/dev/null 2>&1 || dpkg -S "$(readlink -f "$path")" >/dev/null 2>&1 || {
        echo "make-deb: $binary loads $lib ($path), which no Debian package provides: build it with make release" >&2
        exit 1
    }
done

# dpkg-shlibdeps wants a source package layout; a minimal control file is enough.
printf 'Source: alert-inspect\n\nPackage: alert-inspect\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$work/root/usr/bin/alert-inspect" 2>/dev/null \
    | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "make-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk "$work/root/usr" | cut -f1)
cat >"$work/root/DEBIAN/control" <<CONTROL
Package: alert-inspect
Version: $version
Architecture: $arch
Maintainer: alert-inspect maintainers <alert-inspect@localhost>
Installed-Size: $size
Depends: $depends
Section: admin
Priority: optional
Description: check a Falco alert against the Docker engine, and keep the evidence
 alert-inspect checks every claim of a Falco alert against what the Docker (or Podman)
 engine shows, answers confirmed, disputed or inconclusive with the evidence, and keeps
 hashed evidence bundles. It only ever sends GET and HEAD to the engine.
CONTROL
deb=$out/alert-inspect_${version}_${arch}.deb
rm -f "$out"/alert-inspect_*.deb
dpkg-deb --root-owner-group -Zxz --build "$work/root" "$deb" >/dev/null
rm -rf "$work"
echo "deb: $deb ($(du -h "$deb" | cut -f1)); Depends: $depends" >&2
