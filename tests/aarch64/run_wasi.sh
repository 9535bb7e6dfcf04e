#!/usr/bin/env bash
# aarch64/wasi: tests/wasi's programs, compiled by the host wasmc with
# --target=aarch64-linux-gnu and run by the aarch64 wasmrt under
# qemu-aarch64, through tests/wasi/run_wasi_test.sh unchanged: it is given a
# bin directory of two wrappers named wasmc and wasmrt.  The cases and their
# expectations are tests/wasi/CMakeLists.txt's.
#
# The aarch64 wasmrt runs with --no-seccomp: qemu-user cannot install a
# seccomp filter for its guest (and a filter written for aarch64 syscall
# numbers would not describe what the emulator itself calls on the host).
# Landlock is likewise unavailable under qemu-user (ENOSYS); wasmrt then
# runs without it, as on an old kernel.  Path confinement itself is the
# runtime's own resolver and is tested by the escape case.
set -u
src=$1 build=$2
. "$src/tests/aarch64/common.sh"
a64_require clang-19
[ -x "$build/bin/wasmc" ] || { echo "SKIP: $build/bin/wasmc not built"; exit 77; }
a64_build_runtime
work=$build/tests/aarch64-wasi
bin=$work/bin
mkdir -p "$bin" || exit 1
cat > "$bin/wasmc" <<EOW
#!/bin/sh
exec "$build/bin/wasmc" --target=aarch64-linux-gnu "\$@"
EOW
cat > "$bin/wasmrt" <<EOW
#!/bin/sh
exec qemu-aarch64 -L /usr/aarch64-linux-gnu "$A64_BUILD/bin/wasmrt" --no-seccomp "\$@"
EOW
chmod +x "$bin/wasmc" "$bin/wasmrt"

drv=$src/tests/wasi/run_wasi_test.sh
wsrc=$src/tests/wasi
SB=(--dir @SANDBOX@::/sandbox)
pass=0 fail=0 skip=0 failed=""
run() { # NAME[:PROG] STATUS OUT ERR [CFLAGS...] -- [ARGS...]
    local name=${1%%:*}
    "$drv" "$bin" "$wsrc" "$work" "$@" >"$work/$name.log" 2>&1
    case $? in
    0) pass=$((pass + 1)); echo "PASS $name" ;;
    77) skip=$((skip + 1)); echo "SKIP $name: $(head -1 "$work/$name.log")" ;;
    *) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name"; sed 's/^/  /' "$work/$name.log" | tail -15 ;;
    esac
}
start=$(date +%s)
run args_env:args_env 0 "PASS args_env" - -- --env A=1 --env B=hello --env B=world @APP@ -- one "two words"
WASMRT_TEST_INHERIT=host WASMRT_TEST_OTHER=kept \
    run inherit_env:inherit_env 0 "PASS inherit_env" - -- --inherit-env --env WASMRT_TEST_INHERIT=cli
run clocks:clocks 0 "PASS clocks" - --
run random:random 0 "PASS random" - --
run files:files 0 "PASS files" - -- "${SB[@]}"
run dirs:dirs 0 "PASS dirs" - -- "${SB[@]}"
run poll:poll 0 "PASS poll" - -- "${SB[@]}"
run exit_status:exit_status 42 "PASS exit_status" - --
run escape:escape 0 "0 escapes" - -- "${SB[@]}"
run memlimit:memlimit 0 "PASS memlimit" - -- --max-memory-pages 160
WASI_STDIN_TEXT="hello stdin" run stdin:stdin 0 "PASS stdin" - --
WASI_STDOUT_HEAD=1 run sigpipe:sigpipe 0 "line" "PASS sigpipe" --
run trap:trap 3 "before trap" "wasmrt: trap: unreachable" --
run timeout:timeout 3 "spinning" "wasmrt: trap: interrupted" -- --timeout 1
run sleep_forever:sleep_forever 3 "sleeping" "wasmrt: trap: interrupted" -- --timeout 1
run invoke:invoke 0 "5" - -mexec-model=reactor -- --invoke add @APP@ 2 3
run invoke_i64:invoke 0 "-600000000000" - -mexec-model=reactor -- --invoke mul64 @APP@ -- 300000 -2000000
run invoke_f64:invoke 0 "1.25" - -mexec-model=reactor -- --invoke half @APP@ 2.5
run invoke_badarg:invoke 2 - "is not a valid i32" -mexec-model=reactor -- --invoke add @APP@ 2 x
run invoke_nostart:invoke 1 - "no _start export" -mexec-model=reactor -- @APP@
echo "aarch64/wasi: $pass passed, $fail failed, $skip skipped in $(( $(date +%s) - start )) s${failed:+ (failed:$failed)}"
[ $fail -eq 0 ] || exit 1
[ $pass -gt 0 ] || exit 77
exit 0
