#!/bin/sh
# Installs everything wasmc needs to build and test, from Debian 12 packages
# and, for the Component Model tools (jco, componentize-js), npm packages
# pinned by tools/npm/package-lock.json.  Idempotent: a second run changes
# nothing and finishes quickly.
set -eu

PKGS="cmake make pkg-config git python3
llvm-19-dev lld-19 liblld-19-dev clang-19 libclang-rt-19-dev
libcriterion-dev wabt binaryen
wasi-libc libclang-rt-19-dev-wasm32
qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
nodejs hyperfine
libssl-dev
libmicrohttpd-dev libcurl4-openssl-dev curl wrk"

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
# npm comes with NodeSource's nodejs; Debian's nodejs needs its own package.
if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "install-deps: installing: npm"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends npm
fi

# npm packages, exactly as locked, into tools/npm/node_modules.  The stamp
# records which lock file the tree was installed from, so an unchanged lock
# costs nothing and a changed one reinstalls.
NPM_DIR="$(cd "$(dirname "$0")" && pwd)/npm"
lock_sum="$(sha256sum "$NPM_DIR/package-lock.json" | cut -d' ' -f1)"
stamp="$NPM_DIR/node_modules/.wasmc-installed"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
    echo "install-deps: npm ci in $NPM_DIR"
    (cd "$NPM_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" > "$stamp"
fi
echo "install-deps: all dependencies present"
