#!/usr/bin/env bash
# The JavaScript command component (tests/wasi/js/command.js, built with
# componentize-js) run by wasmrt and by `jco run`: the same stdout, the
# same exit status (exit-with-code 7), the same file written in the
# preopened directory, and nothing changed outside it.
#
# usage: run_js_component.sh BIN_DIR SRC_DIR WORK_DIR
#   WASMC_JS_OPT: wasmc's optimisation level for the component (default -O0:
#   a 12 MB component; -O0 keeps CI's compile time down).
# The component and its artifact are cached in WORK_DIR/js-cache, keyed by
# their inputs (the JS, the world, componentize-js's version; the component,
# wasmc itself and the level), so a rerun compiles nothing.
# Exit 77 (ctest SKIP) when node, componentize-js or jco is missing.
set -u
bin=$1 src=$2 work=$3
npm=$src/../../tools/npm/node_modules
cjs=$npm/.bin/componentize-js
jco=$npm/.bin/jco
wit_deps=$npm/@bytecodealliance/jco/lib/wit/builtin/0.2.12
# the preview2-shim `jco run` binds the component to (jco_setup.mjs preopens in it)
shim=$npm/@bytecodealliance/jco/node_modules/@bytecodealliance/preview2-shim
opt=${WASMC_JS_OPT:--O0}

skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null || skip "node not found"
[ -x "$cjs" ] || skip "componentize-js not installed ($cjs; tools/install-deps.sh)"
[ -x "$jco" ] || skip "jco not installed ($jco; tools/install-deps.sh)"
[ -d "$wit_deps" ] || skip "jco's WASI 0.2.12 WIT not found ($wit_deps)"
[ -f "$shim/dist/nodejs/filesystem.js" ] || skip "jco's preview2-shim not found ($shim)"
[ -x "$bin/wasmc" ] || skip "$bin/wasmc not built"
[ -x "$bin/wasmrt" ] || skip "$bin/wasmrt not built"

cache=$work/js-cache
mkdir -p "$cache" || exit 1
cache=$(cd "$cache" && pwd)

# 1. The component (componentize-js: ~40 s of CPU), when its inputs changed.
key=$(cat "$src/js/command.js" "$src/js/world.wit" "$npm/@bytecodealliance/componentize-js/package.json" |
      sha256sum | cut -c1-16)
wasm=$cache/command-$key.wasm
if [ ! -f "$wasm" ]; then
    rm -f "$cache"/command-*.wasm
    b=$cache/build
    rm -rf "$b" && mkdir -p "$b/wit/deps" || exit 1
    cp "$src/js/world.wit" "$b/wit/" || exit 1
    for p in cli clocks filesystem io random sockets; do
        cp -r "$wit_deps/wasi-$p" "$b/wit/deps/$p" || exit 1
    done
    echo "building the component (componentize-js)"
    if ! (cd "$b" && nice -n 10 "$cjs" --wit wit -n command -o "$wasm.tmp" "$src/js/command.js") >"$b/log" 2>&1; then
        echo "FAIL: componentize-js:"; cat "$b/log"; exit 1
    fi
    mv "$wasm.tmp" "$wasm" || exit 1
fi

# 2. Its artifact, when the component, wasmc or the level changed.
skey=$( (sha256sum <"$wasm"; sha256sum <"$bin/wasmc"; echo "$opt") | sha256sum | cut -c1-16)
so=$cache/command-$skey.so
if [ ! -f "$so" ]; then
    rm -f "$cache"/command-*.so
    echo "compiling the component (wasmc $opt)"
    if ! nice -n 10 "$bin/wasmc" $opt "$wasm" -o "$so.tmp" 2>"$cache/wasmc.err"; then
        echo "FAIL: wasmc:"; cat "$cache/wasmc.err"; rm -f "$so.tmp"; exit 1
    fi
    mv "$so.tmp" "$so" || exit 1
fi

# 3. Both hosts, each in a fresh sandbox; stdout through a pipe.
fresh() {
    rm -rf "$1" && mkdir -p "$1/sandbox" "$1/outside" || exit 1
    printf 'hello from the host\nline two\n' >"$1/sandbox/input.txt"
    printf secret >"$1/outside/secret"
}
run=$work/js-run
fresh "$run/wasmrt"
fresh "$run/jco"
# wasi:http/types and outgoing-handler are imported by every componentize-js
# component and never called by this one: linked as trapping stubs.
(cd "$run/wasmrt" && "$bin/wasmrt" --trap-unknown-imports --env JSTEST_A=1 --env "JSTEST_B=two words" \
    --dir "$run/wasmrt/sandbox::/sandbox" "$so" /sandbox one "two words" exit=7 2>stderr | cat >stdout
    exit "${PIPESTATUS[0]}")
st_wasmrt=$?
(cd "$run/jco" && JSTEST_A=1 JSTEST_B="two words" JSRUN_P2SHIM=$shim JSRUN_PREOPEN="$run/jco/sandbox::/sandbox" \
    nice -n 10 "$jco" run --jco-import "$src/js/jco_setup.mjs" "$wasm" /sandbox one "two words" exit=7 2>stderr | cat >stdout
    exit "${PIPESTATUS[0]}")
st_jco=$?

ok=1
fail() { echo "FAIL: $*"; ok=0; }
head -n 20 "$run/wasmrt/stdout"
echo "... ($(wc -l <"$run/wasmrt/stdout") lines)"
tail -n 3 "$run/wasmrt/stdout"
cat "$run/wasmrt/stderr" >&2
[ "$st_wasmrt" = 7 ] || fail "wasmrt: exit status $st_wasmrt, expected 7"
[ "$st_jco" = 7 ] || { fail "jco run: exit status $st_jco, expected 7"; cat "$run/jco/stderr"; }
grep -qx "failures: 0" "$run/wasmrt/stdout" || fail "the program's own checks failed under wasmrt"
grep -qx "bulk bytes: 87640" "$run/wasmrt/stdout" || fail "the bulk output is incomplete under wasmrt"
if ! cmp -s "$run/wasmrt/stdout" "$run/jco/stdout"; then
    fail "stdout differs from jco run's (< wasmrt, > jco):"
    diff "$run/wasmrt/stdout" "$run/jco/stdout" | head -n 20
fi
for h in wasmrt jco; do
    grep -q "stderr: console.error" "$run/$h/stderr" || fail "$h: stderr lacks the program's line"
    [ "$(cat "$run/$h/sandbox/out.txt" 2>/dev/null)" = "written by javascript" ] ||
        fail "$h: sandbox/out.txt is not what the program wrote"
    if [ "$(cd "$run/$h/outside" && ls -A)" != secret ] || [ "$(cat "$run/$h/outside/secret")" != secret ]; then
        fail "$h: the directory outside the sandbox changed"
    fi
done
[ $ok = 1 ] && { echo "PASS js_command: wasmrt and jco run agree ($(wc -l <"$run/wasmrt/stdout") lines, exit 7)"; exit 0; }
exit 1
