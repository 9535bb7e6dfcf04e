#!/usr/bin/env bash
# The README's example, end to end: C -> wasm32-wasi (clang-19) -> native
# shared object (wasmc) -> run sandboxed (wasmrt) with one directory
# preopened read/write as "data".  Run from anywhere; BUILD_DIR defaults
# to the repository's build/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${BUILD_DIR:-$here/../build}" && pwd)
out=${OUT_DIR:-$(mktemp -d)}

clang-19 --target=wasm32-wasi -O2 "$here/wordcount.c" -o "$out/wordcount.wasm"
"$build/bin/wasmc" "$out/wordcount.wasm" -o "$out/wordcount.so"
cd "$here/.."
exec "$build/bin/wasmrt" --dir examples/data::data "$out/wordcount.so" -- data
