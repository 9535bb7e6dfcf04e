#!/usr/bin/env bash
# Socket test: echo_server.c under `wasmrt --tcplisten 127.0.0.1:PORT`; a
# bash /dev/tcp client sends one line and expects it back in upper case.
# usage: run_socket_test.sh BIN_DIR SRC_DIR WORK_DIR     (77 = skipped)
set -u
bin=$1 src=$2 work=$3
command -v clang-19 >/dev/null || { echo "SKIP: clang-19 not found"; exit 77; }
[ -x "$bin/wasmc" ] && [ -x "$bin/wasmrt" ] || { echo "SKIP: wasmc/wasmrt not built"; exit 77; }
dir=$work/echo_server
rm -rf "$dir" && mkdir -p "$dir" || exit 1
clang-19 --target=wasm32-wasi -O2 -I"$src" "$src/echo_server.c" -o "$dir/echo.wasm" || exit 1
"$bin/wasmc" "$dir/echo.wasm" -o "$dir/echo.so" || { echo "FAIL: wasmc"; exit 1; }

for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    "$bin/wasmrt" --timeout 20 --tcplisten "127.0.0.1:$port" "$dir/echo.so" >"$dir/out" 2>"$dir/err" &
    pid=$!
    for _ in $(seq 400); do
        grep -q listening "$dir/out" 2>/dev/null && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.05
    done
    if grep -q listening "$dir/out"; then
        exec 3<>"/dev/tcp/127.0.0.1/$port" || { kill $pid; echo "FAIL: connect"; exit 1; }
        echo "hello, sandbox" >&3
        reply=$(head -n1 <&3)
        exec 3>&-
        wait $pid
        status=$?
        cat "$dir/out" "$dir/err"
        [ "$reply" = "HELLO, SANDBOX" ] || { echo "FAIL: reply '$reply'"; exit 1; }
        [ $status = 0 ] && grep -q "PASS echo_server" "$dir/out" || { echo "FAIL: status $status"; exit 1; }
        echo "ok: echo_server"
        exit 0
    fi
    wait $pid 2>/dev/null
    grep -q "in use" "$dir/err" || { cat "$dir/out" "$dir/err"; echo "FAIL: server did not start"; exit 1; }
done
echo "FAIL: no free port"
exit 1
