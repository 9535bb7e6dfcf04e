#!/usr/bin/env bash
# One hand-written WASI 0.2 component: WAT -> binary (jco parse) -> wasmc ->
# wasmrt (seccomp and Landlock on), then exit status and stderr checked.
# usage: run_wat_component.sh BIN_DIR SRC_DIR WORK_DIR NAME STATUS STDERR [WASMRT ARGS...]
#   STDERR: a fixed string stderr must contain, or "" for an empty stderr.
# Exit 77 (ctest SKIP) when jco or a binary is missing.
set -u
bin=$1 src=$2 work=$3 name=$4 want_status=$5 want_err=$6
shift 6
jco=${JCO:-$src/../../tools/npm/node_modules/.bin/jco}
[ -x "$jco" ] || { echo "SKIP: jco not installed ($jco)"; exit 77; }
[ -x "$bin/wasmc" ] && [ -x "$bin/wasmrt" ] || { echo "SKIP: wasmc/wasmrt not built"; exit 77; }
dir=$work/wat_$name
rm -rf "$dir" && mkdir -p "$dir" || exit 1
wat=$src/components/${name%%__*}.wat
"$jco" parse "$wat" -o "$dir/c.wasm" 2>"$dir/jco.err" || { echo "FAIL: jco parse:"; cat "$dir/jco.err"; exit 1; }
"$bin/wasmc" "$dir/c.wasm" -o "$dir/c.so" 2>"$dir/wasmc.err" || { echo "FAIL: wasmc:"; cat "$dir/wasmc.err"; exit 1; }
"$bin/wasmrt" "$@" "$dir/c.so" </dev/null >"$dir/stdout" 2>"$dir/stderr"
status=$?
cat "$dir/stderr" >&2
ok=1
[ "$status" = "$want_status" ] || { echo "FAIL: exit status $status, expected $want_status"; ok=0; }
if [ -z "$want_err" ]; then
    [ ! -s "$dir/stderr" ] || { echo "FAIL: stderr not empty"; ok=0; }
elif ! grep -qF -- "$want_err" "$dir/stderr"; then
    echo "FAIL: stderr lacks '$want_err'"; ok=0
fi
[ $ok = 1 ] && echo "PASS $name"
exit $((ok == 0))
