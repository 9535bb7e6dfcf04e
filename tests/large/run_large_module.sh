#!/bin/sh
# run_large_module.sh GEN BIN_DIR WORK CPU_SECONDS: generate a module of
# 20,000 functions with three giants (gen_large_module.c), compile it at
# -O2 under a CPU-time limit several times what it needs, and call two of
# its functions.  A superlinear blow-up or a hang is killed by the limit
# and fails the test; this is not a timing test.
set -u
gen=$1 bin=$2 work=$3 cpu=$4
[ -x "$bin/wasmc" ] && [ -x "$bin/wasmrt" ] || { echo "SKIP: wasmc/wasmrt not built"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || exit 1
"$gen" "$work/large.wasm" 20000 || { echo "FAIL: generator"; exit 1; }
(
    ulimit -t "$cpu"
    exec "$bin/wasmc" -O2 --no-cache -v "$work/large.wasm" -o "$work/large.so"
) > "$work/compile.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    tail -5 "$work/compile.log"
    echo "FAIL: wasmc -O2 exited with $rc (killed by the ${cpu}s CPU limit if 137 or 152)"
    exit 1
fi
grep -E "functions in|budget|artifact" "$work/compile.log"
# small = f_10: ((x + 10) * 3) ^ 10; x = 5 -> 45 ^ 10 = 39
out=$("$bin/wasmrt" --invoke small "$work/large.so" 5 2>&1)
[ "$out" = "39" ] || { echo "FAIL: small(5) printed '$out', expected 39"; exit 1; }
"$bin/wasmrt" --invoke giant "$work/large.so" 7 > "$work/giant.out" 2>&1 || {
    cat "$work/giant.out"; echo "FAIL: giant(7) did not run"; exit 1; }
echo "PASS large_module"
