#!/usr/bin/env bash
# Each switchable pass of compiler/opt/passes.def off in turn, against -O0:
# for every module given, the transcript of -O2 with one pass disabled must
# equal the -O0 transcript (results, logged values, traps), in both memory
# modes, and so must plain -O2.  A pass whose absence changes behaviour was
# covering for a bug elsewhere (or another pass depends on it silently).
#   run_passes_off.sh DRIVER WASMC MODULE.wat...
# Exit 77 (skipped) when wat2wasm is not installed.
set -u
driver=$1 wasmc=$2
shift 2
command -v wat2wasm >/dev/null || { echo "wat2wasm not installed: skipped"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The switchable passes, from the table itself.
passes=$("$wasmc" --print-passes | awk '$1 ~ /^[a-z]/ && / yes +opt\// {print $1}')
[ -n "$passes" ] || { echo "no switchable passes listed by $wasmc --print-passes"; exit 1; }
fail=0 runs=0
for wat in "$@"; do
    name=$(basename "$wat" .wat)
    wat2wasm "$wat" -o "$tmp/$name.wasm" || { echo "wat2wasm failed on $wat"; fail=1; continue; }
    for mode in "" "--bounds-checks"; do
        # shellcheck disable=SC2086
        "$driver" "$tmp/$name.wasm" -O0 $mode >"$tmp/ref" 2>"$tmp/err" || {
            echo "FAIL $name -O0 $mode: $(head -1 "$tmp/err")"; fail=1; continue; }
        for off in "" $passes; do
            flags="-O2 $mode${off:+ --disable-pass=$off}"
            # shellcheck disable=SC2086
            "$driver" "$tmp/$name.wasm" $flags >"$tmp/out" 2>"$tmp/err"
            st=$?
            runs=$((runs + 1))
            if [ $st -ne 0 ] || ! cmp -s "$tmp/ref" "$tmp/out"; then
                echo "FAIL $name $flags (exit $st) differs from -O0:"
                diff "$tmp/ref" "$tmp/out" | head -10
                head -3 "$tmp/err"
                fail=1
            fi
        done
    done
done
echo "passes off: $runs runs ($(echo $passes | wc -w) switchable passes, $# modules), $([ $fail = 0 ] && echo all agree with -O0 || echo FAILURES)"
exit $fail
