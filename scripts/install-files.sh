#!/usr/bin/env bash
# install-files.sh PREFIX BINARY GENERATED: the binary, its man page(s) and bash/zsh/fish completions under PREFIX,
# laid out as Debian and most distributions look for them. Shared by `make install` and `make deb`.
set -euo pipefail
prefix=$1
binary=$2
generated=$3
install -D -m 0755 "$binary" "$prefix/bin/alert-inspect"
for page in "$generated"/man/*.1; do
    install -D -m 0644 "$page" "$prefix/share/man/man1/$(basename "$page")"
    gzip -9nf "$prefix/share/man/man1/$(basename "$page")"
done
install -D -m 0644 "$generated/completions/alert-inspect" "$prefix/share/bash-completion/completions/alert-inspect"
install -D -m 0644 "$generated/completions/_alert-inspect" "$prefix/share/zsh/vendor-completions/_alert-inspect"
install -D -m 0644 "$generated/completions/alert-inspect.fish" \
    "$prefix/share/fish/vendor_completions.d/alert-inspect.fish"
echo "installed alert-inspect under $prefix (bin, share/man/man1, bash, zsh and fish completions)" >&2
