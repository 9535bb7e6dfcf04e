#!/bin/sh
# The main job on a fresh Debian 12 machine: install the dependencies, build
# wasmc and wasmrt, then compile the bundled example (a word counter written
# in C) to WebAssembly, precompile it to a native artifact with wasmc, and run
# it sandboxed with wasmrt over the files of a preopened directory.
set -eu
cd "$(dirname "$0")/.."
./tools/install-deps.sh
cmake -S . -B build -DWASMC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target wasmc wasmrt_cli
echo "== wordcount.c -> wasm32-wasi (clang-19) -> wordcount.so (wasmc -O2) -> wasmrt --dir examples/data::data"
exec ./examples/run.sh
