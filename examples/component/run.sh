#!/usr/bin/env bash
# The component example end to end: WAT text -> component binary (jco's
# wasm-tools parser, tools/npm) -> native artifact (wasmc) -> the embedder
# in embed.c (built by CMake as build/bin/component-example).
# Exit 77 (skipped) when node or tools/npm are not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${BUILD_DIR:-$root/build}" && pwd)
out=${OUT_DIR:-$(mktemp -d)}

if ! command -v node >/dev/null ||
   [ ! -e "$root/tools/npm/node_modules/@bytecodealliance/jco-transpile/vendor/wasm-tools.js" ]; then
    echo "component example: skipped (needs node and tools/install-deps.sh's npm tools)"
    exit 77
fi
node "$root/tools/wat2component.mjs" "$here/greeter.wat" "$out/greeter.wasm"
"$build/bin/wasmc" "$out/greeter.wasm" -o "$out/greeter.so"
exec "$build/bin/component-example" "$out/greeter.so" "${@:-world}"
