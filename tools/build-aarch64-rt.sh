#!/bin/sh
# Builds the runtime-only aarch64 tree (libwasmrt, the wasmrt CLI and the
# spec-script executor wast-exec) into build/aarch64 with the Debian cross
# toolchain, for running aarch64 artifacts under qemu-aarch64.
#
#   tools/build-aarch64-rt.sh [BUILD_DIR]      (default: <repo>/build/aarch64)
#
# Idempotent and cheap when nothing changed (cmake configures once, make
# rebuilds only what is stale), so tests call it before every run.
#
# Seccomp is compiled out of this tree: the filter (rt/wasi/seccomp.c, raw
# classic BPF, no library) works on aarch64, but these binaries run under
# qemu-user, which cannot install a filter, so the aarch64 wasmrt runs with
# --no-seccomp.  A native aarch64 build enables it as on x86-64.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/aarch64}
jobs=${WASMC_JOBS:-2}

for tool in aarch64-linux-gnu-gcc qemu-aarch64; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "build-aarch64-rt: $tool not found (run tools/install-deps.sh)" >&2
        exit 1
    }
done

seccomp=OFF

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" \
        -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.toolchain.cmake" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DWASMC_BUILD_COMPILER=OFF -DWASMC_BUILD_TESTS=OFF -DWASMC_WERROR=ON \
        -DWASMRT_SECCOMP=$seccomp >/dev/null
else
    cmake -S "$root" -B "$build" -DWASMRT_SECCOMP=$seccomp >/dev/null
fi
cmake --build "$build" -j"$jobs" >/dev/null
