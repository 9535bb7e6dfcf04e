#!/bin/sh
# Installs everything wasmc needs to build and test, from Debian 12 packages
# only. Idempotent: a second run changes nothing and finishes quickly.
set -eu

PKGS="cmake make pkg-config git python3
llvm-19-dev lld-19 liblld-19-dev clang-19 libclang-rt-19-dev
libcriterion-dev wabt binaryen
wasi-libc libclang-rt-19-dev-wasm32
qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
nodejs hyperfine
libssl-dev"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "install-deps: installing:$missing"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi
echo "install-deps: all dependencies present"
