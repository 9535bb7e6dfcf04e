#!/usr/bin/env bash
# aarch64/determinism: compiling the same module twice for aarch64 (at -O2
# and at -O0, guard pages and bounds checks) must give identical artifacts,
# byte for byte: caches and reproducible builds depend on it.  The module is
# a real C program (tests/wasi/files.c via clang-19) so codegen has work.
set -u
src=$1 build=$2
wasmc=$build/bin/wasmc
[ -x "$wasmc" ] || { echo "SKIP: $wasmc not built"; exit 77; }
command -v clang-19 >/dev/null || { echo "SKIP: clang-19 not found"; exit 77; }
work=$build/tests/aarch64-determinism
rm -rf "$work" && mkdir -p "$work" || exit 1
if ! clang-19 --target=wasm32-wasi -O2 -I"$src/tests/wasi" "$src/tests/wasi/files.c" -o "$work/m.wasm" \
        2>"$work/clang.err"; then
    echo "SKIP: wasm32-wasi toolchain unusable:"; cat "$work/clang.err"; exit 77
fi
fail=0
for flags in "-O2" "-O0" "-O2 --bounds-checks"; do
    for i in 1 2; do
        # shellcheck disable=SC2086
        if ! "$wasmc" --target=aarch64-linux-gnu $flags "$work/m.wasm" -o "$work/m$i.so"; then
            echo "FAIL: wasmc $flags failed"; exit 1
        fi
    done
    if cmp -s "$work/m1.so" "$work/m2.so"; then
        echo "PASS: $flags: identical ($(stat -c %s "$work/m1.so") bytes)"
    else
        echo "FAIL: $flags: two compiles differ: $(cmp "$work/m1.so" "$work/m2.so" | head -1)"; fail=1
    fi
done
if ! readelf -h "$work/m1.so" | grep -q "AArch64"; then
    echo "FAIL: the artifact is not an AArch64 ELF"; fail=1
fi
exit $fail
