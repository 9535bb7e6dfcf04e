#!/usr/bin/env bash
# wasmrt's error paths: one "wasmrt: error: ..." line and the documented
# status (1 load/link, 2 usage).  usage: run_cli_errors.sh BIN_DIR WORK_DIR
set -u
bin=$(cd "$1" && pwd) work=$2
[ -x "$bin/wasmrt" ] || { echo "SKIP: wasmrt not built"; exit 77; }
mkdir -p "$work/cli" && cd "$work/cli" || exit 1
fails=0
expect() {  # STATUS PATTERN -- ARGS...
    local want=$1 pat=$2; shift 3
    "$bin/wasmrt" "$@" >out 2>err
    local got=$?
    if [ $got != "$want" ] || ! grep -qE -- "$pat" err; then
        echo "FAIL: wasmrt $* -> status $got, stderr: $(cat err)"; fails=$((fails + 1))
    elif [ "$(grep -c . err)" != 1 ]; then
        echo "FAIL: wasmrt $*: more than one line on stderr:"; cat err; fails=$((fails + 1))
    else
        echo "ok: wasmrt $* -> $got: $(cat err)"
    fi
}
printf 'not an artifact' > junk.so
expect 2 "^wasmrt: error: no APP.so given" --
expect 2 "unknown option '--bogus'" -- --bogus x.so
expect 2 "--dir needs a value" -- --dir
expect 2 "--timeout '-1'" -- --timeout -1 x.so
expect 2 "--max-memory-pages '0'" -- --max-memory-pages 0 x.so
expect 2 "--env 'novalue'" -- --env novalue x.so
expect 2 "--allow-tcp-connect 'nohostport': expected HOST:PORT" -- --allow-tcp-connect nohostport x.so
expect 2 "--allow-udp '127.0.0.1:70000': port must be 0..65535" -- --allow-udp 127.0.0.1:70000 x.so
expect 2 "--allow-dns takes no value" -- --allow-dns=1 x.so
expect 2 "--trap-unknown-imports takes no value" -- --trap-unknown-imports=yes x.so
expect 1 "^wasmrt: error: .*missing.so" -- missing.so
expect 1 "^wasmrt: error: " -- junk.so
"$bin/wasmrt" --help | grep -q "exit status" || { echo "FAIL: --help lacks exit statuses"; fails=$((fails + 1)); }
"$bin/wasmrt" --version | grep -q "^wasmrt " || { echo "FAIL: --version"; fails=$((fails + 1)); }
[ $fails = 0 ] && echo "PASS cli_errors"
exit $((fails > 0))
