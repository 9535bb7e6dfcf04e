#!/usr/bin/env bash
# Driver for one WASI test: compile tests/wasi/NAME.c with clang-19 to
# wasm32-wasi, compile that with wasmc, run it with wasmrt in a fresh
# sandbox directory, and check exit status and output.
#
# usage: run_wasi_test.sh BIN_DIR SRC_DIR WORK_DIR NAME[:PROGRAM] EXPECT_STATUS EXPECT_OUT EXPECT_ERR \
#                         [CLANG_FLAGS...] -- [WASMRT_ARGS...]
#   EXPECT_OUT / EXPECT_ERR: fixed strings that must appear in stdout / stderr
#   ("-" = no check).  In WASMRT_ARGS, @SANDBOX@ is the sandbox directory.
#   With WASI_STDOUT_HEAD set, stdout goes through `head -n 1`; stdin is a
#   pipe carrying WASI_STDIN_TEXT plus a newline (or nothing).  With
#   WASI_COMPONENT set, the module is wrapped into a WASI 0.2 command
#   component (jco new --wasi-command) before wasmc compiles it.
# Exit 77 (ctest SKIP) when a tool is missing; a compile failure is a FAIL.
set -u
bin=$1 src=$2 work=$3 name=${4%%:*} prog=${4#*:} want_status=$5 want_out=$6 want_err=$7
shift 7
cflags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do cflags+=("$1"); shift; done
[ $# -gt 0 ] && shift
clang=${CLANG:-clang-19}
command -v "$clang" >/dev/null || { echo "SKIP: $clang not found"; exit 77; }
[ -x "$bin/wasmc" ] || { echo "SKIP: $bin/wasmc not built"; exit 77; }
[ -x "$bin/wasmrt" ] || { echo "SKIP: $bin/wasmrt not built"; exit 77; }

dir=$work/$name
rm -rf "$dir" && mkdir -p "$dir/sandbox/sub" "$dir/outside" || exit 1
dir=$(cd "$dir" && pwd)
printf secret > "$dir/outside/secret"
ln -s ../outside/secret "$dir/sandbox/link_out"
ln -s "$dir/outside/secret" "$dir/sandbox/abs_link"
ln -s ../outside "$dir/sandbox/dir_out"
ln -s loop_b "$dir/sandbox/loop_a"
ln -s loop_a "$dir/sandbox/loop_b"
ln -s /proc/self/root "$dir/sandbox/proc_link"

if ! "$clang" --target=wasm32-wasi -O2 "${cflags[@]}" -I"$src" "$src/$prog.c" -o "$dir/$name.wasm" 2>"$dir/clang.err"; then
    # a missing wasi sysroot is an environment problem, not a failure
    if grep -q "cannot find\|not found\|No such file" "$dir/clang.err"; then
        echo "SKIP: wasm32-wasi toolchain incomplete:"; cat "$dir/clang.err"; exit 77
    fi
    echo "FAIL: clang could not compile $prog.c:"; cat "$dir/clang.err"; exit 1
fi
if [ -n "${WASI_COMPONENT:-}" ]; then
    # The same program as a WASI 0.2 command: jco wraps it with the
    # preview1 adapter (pinned in tools/npm by tools/install-deps.sh).
    jco=${JCO:-$src/../../tools/npm/node_modules/.bin/jco}
    [ -x "$jco" ] || { echo "SKIP: jco not installed ($jco)"; exit 77; }
    if ! "$jco" new "$dir/$name.wasm" --wasi-command -o "$dir/$name.component.wasm" 2>"$dir/jco.err"; then
        echo "FAIL: jco new --wasi-command:"; cat "$dir/jco.err"; exit 1
    fi
    mv "$dir/$name.component.wasm" "$dir/$name.wasm"
fi
if ! "$bin/wasmc" "$dir/$name.wasm" -o "$dir/$name.so" 2>"$dir/wasmc.err"; then
    echo "FAIL: wasmc could not compile $name.wasm:"; cat "$dir/wasmc.err"; exit 1
fi

args=()
for a in "$@"; do args+=("${a//@SANDBOX@/$dir/sandbox}"); done
# wasmrt's arguments up to the app come first; the app path is inserted
# where @APP@ appears (default: at the end).
final=()
placed=0
for a in "${args[@]}"; do
    if [ "$a" = "@APP@" ]; then final+=("$dir/$name.so"); placed=1; else final+=("$a"); fi
done
[ $placed = 1 ] || final+=("$dir/$name.so")

stdin_file=/dev/null
if [ -n "${WASI_STDIN_TEXT:-}" ]; then
    printf '%s\n' "$WASI_STDIN_TEXT" > "$dir/stdin"
    stdin_file=$dir/stdin
fi
if [ -n "${WASI_STDOUT_HEAD:-}" ]; then
    # stdout into a pipe that closes after one line
    (cd "$dir" && "$bin/wasmrt" "${final[@]}" <"$stdin_file" 2>"$dir/stderr" | head -n 1 >"$dir/stdout"; exit "${PIPESTATUS[0]}")
else
    # stdin through a pipe, as a service's would be
    (cd "$dir" && cat "$stdin_file" | "$bin/wasmrt" "${final[@]}" >"$dir/stdout" 2>"$dir/stderr")
fi
status=$?
cat "$dir/stdout"
cat "$dir/stderr" >&2
ok=1
if [ "$status" != "$want_status" ]; then
    echo "FAIL: exit status $status, expected $want_status"; ok=0
fi
if [ "$want_out" != "-" ] && ! grep -qF -- "$want_out" "$dir/stdout"; then
    echo "FAIL: stdout lacks '$want_out'"; ok=0
fi
if [ "$want_err" != "-" ] && ! grep -qF -- "$want_err" "$dir/stderr"; then
    echo "FAIL: stderr lacks '$want_err'"; ok=0
fi
if grep -q "^FAIL" "$dir/stdout"; then ok=0; fi
# Nothing may have changed outside the sandbox.
if [ "$(cd "$dir/outside" && ls -A)" != "secret" ] || [ "$(cat "$dir/outside/secret")" != secret ]; then
    echo "FAIL: the directory outside the sandbox changed:"; ls -la "$dir/outside"; ok=0
fi
[ $ok = 1 ] && { echo "ok: $name"; exit 0; }
exit 1
