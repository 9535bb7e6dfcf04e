#!/bin/sh
# run_install.sh BUILD_DIR SOURCE_DIR WORK_DIR
# Installs the runtime component into a scratch prefix, builds
# examples/embed/embed.c against it three ways (pkg-config, static
# pkg-config, find_package), runs it on an artifact, then builds the two
# Debian packages and runs the runtime package's wasmrt, unpacked, checking
# it depends on no LLVM library.
set -eu
build=$1 src=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
prefix=$work/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v wat2wasm >/dev/null || { echo "SKIP: wat2wasm missing"; exit 77; }

cmake --install "$build" --prefix "$prefix" --component runtime >"$work/install.log" \
    || fail "cmake --install (see $work/install.log)"
for f in include/wasmrt.h include/wasmc/artifact.h include/wasmrt_wasi.h bin/wasmrt; do
    [ -e "$prefix/$f" ] || fail "installed tree lacks $f"
done
[ -e "$prefix/bin/wasmc" ] && fail "the runtime component installed the compiler"
pcdir=$(dirname "$(find "$prefix" -name wasmrt.pc | head -1)")
[ -n "$pcdir" ] || fail "no wasmrt.pc installed"
lib=$(find "$prefix" -name 'libwasmrt.so.0' | head -1)
[ -n "$lib" ] || fail "no libwasmrt.so.0 (SONAME) installed"
readelf -d "$lib" | grep -q 'SONAME.*libwasmrt.so.0' || fail "SONAME is not libwasmrt.so.0"
readelf --dyn-syms -W "$lib" | grep -q 'wasmrt_module_load@@WASMRT_0' || fail "symbols are not versioned WASMRT_0"
readelf --dyn-syms -W "$lib" | awk '$5=="GLOBAL" && $7!="UND" && $7!="ABS" {print $8}' | grep -v '^wasmrt_' \
    && fail "libwasmrt exports symbols outside wasmrt_*"

# The wasm-c-api: header and the runtime-only library (no LLVM, wasm_* only).
capi=$(find "$prefix" -name 'libwasmrt-capi.so.0' | head -1)
if [ -e "$src/../shared/wasm-c-api/include/wasm.h" ]; then
    [ -e "$prefix/include/wasm.h" ] && [ -n "$capi" ] || fail "no wasm.h or libwasmrt-capi.so.0 installed"
    ldd "$capi" | grep -qi llvm && fail "libwasmrt-capi links LLVM"
    readelf --dyn-syms -W "$capi" | awk '$5=="GLOBAL" && $7!="UND" && $7!="ABS" {print $8}' | grep -v '^wasm_' \
        && fail "libwasmrt-capi exports symbols outside wasm_*"
fi

# The guest: an artifact made by the build tree's compiler.
wat2wasm "$src/examples/embed/greet.wat" -o "$work/greet.wasm"
"$build/bin/wasmc" "$work/greet.wasm" -o "$work/greet.so"

check_run() { # BINARY LABEL
    out=$(LD_LIBRARY_PATH="$(dirname "$lib")" "$1" "$work/greet.so" 20) || fail "$2: exit $?"
    [ "$out" = "host: guest reported 6765
fib(20) = 6765" ] || fail "$2: unexpected output: $out"
    if err=$(LD_LIBRARY_PATH="$(dirname "$lib")" "$1" "$work/greet.so" 50 2>&1); then
        fail "$2: fib(50) did not trap"
    fi
    [ "$err" = "embed: trap: unreachable" ] || fail "$2: trap reported as: $err"
}

export PKG_CONFIG_PATH="$pcdir"
cc -std=c17 -Wall -Werror "$src/examples/embed/embed.c" $(pkg-config --cflags --libs wasmrt) \
    -o "$work/embed_shared" || fail "build against pkg-config --libs wasmrt"
check_run "$work/embed_shared" pkg-config
cc -std=c17 -Wall -Werror "$src/examples/embed/embed.c" $(pkg-config --cflags wasmrt) \
    "$(dirname "$lib")/libwasmrt.a" $(pkg-config --libs --static wasmrt | sed 's/-lwasmrt / /') \
    -o "$work/embed_static" || fail "static build"
check_run "$work/embed_static" static

mkdir -p "$work/fp"
cat >"$work/fp/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(embed C)
find_package(wasmrt REQUIRED)
add_executable(embed $src/examples/embed/embed.c)
target_link_libraries(embed PRIVATE wasmrt::wasmrt)
CM
cmake -S "$work/fp" -B "$work/fp/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/fp.log" 2>&1 \
    && cmake --build "$work/fp/build" >>"$work/fp.log" 2>&1 || fail "find_package build (see $work/fp.log)"
check_run "$work/fp/build/embed" find_package

# The Debian packages.
command -v cpack >/dev/null && command -v dpkg-deb >/dev/null || { echo "PASS (no cpack: packages not built)"; exit 0; }
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work/deb" >"$work/cpack.log" 2>&1) \
    || fail "cpack (see $work/cpack.log)"
rt_deb=$(ls "$work"/deb/wasmrt_*.deb 2>/dev/null | head -1)
c_deb=$(ls "$work"/deb/wasmc_*.deb 2>/dev/null | head -1)
[ -n "$rt_deb" ] && [ -n "$c_deb" ] || fail "cpack made no wasmrt_*.deb and wasmc_*.deb"
dpkg-deb -f "$rt_deb" Depends | grep -qi llvm && fail "the runtime package depends on LLVM"
# the optional libraries are dlopen'd by feature (rt/dynlib.h): recommended only
dpkg-deb -f "$rt_deb" Depends | grep -Eq 'libssl|libcurl|libmicrohttpd' &&
    fail "the runtime package requires a library it only loads on demand"
dpkg-deb -f "$rt_deb" Recommends | grep -q libmicrohttpd12 || fail "the runtime package does not recommend libmicrohttpd12"
dpkg-deb -f "$c_deb" Depends | grep -q libllvm19 || fail "the compiler package does not depend on libllvm19"
dpkg-deb -x "$rt_deb" "$work/rootfs"
rtbin=$(find "$work/rootfs" -path '*/bin/wasmrt' | head -1)
[ -n "$rtbin" ] || fail "the runtime package has no bin/wasmrt"
ldd "$rtbin" | grep -qi llvm && fail "the packaged wasmrt links LLVM"
out=$("$rtbin" --invoke fib "$work/greet.so" 10 2>&1) && fail "fib without its host import ran: $out"
echo "$out" | grep -q "host.report" || fail "packaged wasmrt: unexpected link error: $out"
echo "PASS install: pkg-config, static, find_package, packages $(basename "$rt_deb") $(basename "$c_deb")"
