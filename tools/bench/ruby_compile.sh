#!/bin/sh
# ruby_compile.sh [WORKDIR]: compile times of a big real module, ruby.wasm
# from npm @ruby/3.4-wasm-wasi (pinned below; 16.6 MB, 17,839 functions),
# with build/bin/wasmc -O2: cold (empty cache), warm (same module again),
# a data-only change, 3 functions changed and 1% (178) changed.  Prints
# CPU seconds, wall seconds and peak RSS of each (GNU time), and the
# artifact size.  WORKDIR (default /tmp/wasmc-ruby) is outside the
# repository; the cache lives in WORKDIR/cache.  Takes ~15 min of CPU.
set -eu
RUBY_PKG=@ruby/3.4-wasm-wasi@2.8.1
here="$(cd "$(dirname "$0")" && pwd)"
wasmc="$here/../../build/bin/wasmc"
work="${1:-/tmp/wasmc-ruby}"
mkdir -p "$work"
cd "$work"
[ -f ruby.wasm ] || {
    npm install --no-save --prefix "$work" "$RUBY_PKG" >/dev/null
    cp node_modules/@ruby/3.4-wasm-wasi/dist/ruby.wasm ruby.wasm
}
python3 "$here/module_variants.py" ruby.wasm ruby-data.wasm data >/dev/null
python3 "$here/module_variants.py" ruby.wasm ruby-3f.wasm funcs 3 1 >/dev/null
python3 "$here/module_variants.py" ruby.wasm ruby-1pct.wasm funcs 178 2 >/dev/null
rm -rf cache
run() { # label input
    /usr/bin/time -f "$1: %U+%S s CPU, %e s wall, %M KB peak RSS" \
        nice -n "${BENCH_NICE:-10}" "$wasmc" -O2 --cache-dir "$work/cache" -v "$2" -o "$work/out.so" 2>"$work/$1.log" ||
        { tail -3 "$work/$1.log"; exit 1; }
    tail -1 "$work/$1.log"
    grep -E "parts,|artifact:" "$work/$1.log" | sed "s/^/  /"
}
run cold ruby.wasm
run warm ruby.wasm
run data-only ruby-data.wasm
run three-functions ruby-3f.wasm
run one-percent ruby-1pct.wasm
