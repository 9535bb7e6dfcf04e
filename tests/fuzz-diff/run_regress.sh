#!/usr/bin/env bash
# One fuzz-diff regression: assemble NAME.wat, run it through wasmc-fuzz-diff
# at -O0 and -O2 in guard-page and bounds-check mode, and compare each
# transcript with NAME.expected (binaryen 108's --fuzz-exec-before output for
# the module, checked in so the test does not depend on binaryen).
#   run_regress.sh DRIVER NAME.wat NAME.expected
# Exit 77 (skipped) when wat2wasm is not installed.
set -u
driver=$1 wat=$2 expected=$3
command -v wat2wasm >/dev/null || { echo "wat2wasm not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wat2wasm "$wat" -o "$tmp/m.wasm" || { echo "wat2wasm failed on $wat"; exit 1; }
fail=0
for cfg in "-O0" "-O2" "-O0 --bounds-checks" "-O2 --bounds-checks"; do
    # shellcheck disable=SC2086
    if "$driver" "$tmp/m.wasm" $cfg --expect "$expected" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok   $cfg"
    else
        echo "FAIL $cfg (exit $?)"
        cat "$tmp/err"
        fail=1
    fi
done
exit $fail
