#!/bin/sh
# Runs every test of wasmc on a fresh Debian 12 machine: installs the
# dependencies (Debian packages only), builds with warnings as errors, and
# runs the whole ctest suite (unit tests, spec suite, WASI programs).
set -eu
cd "$(dirname "$0")/.."
./tools/install-deps.sh
cmake -S . -B build -DWASMC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
