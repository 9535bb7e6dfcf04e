#!/bin/sh
# Runs every test of wasmc on a fresh Debian 12 machine: installs the
# dependencies (Debian packages, and the pinned npm tools in tools/npm),
# builds with warnings as errors, and runs the whole ctest suite (unit
# tests, spec suite, Component Model tests (label "component"), WASI
# programs).
set -eu
cd "$(dirname "$0")/.."
./tools/install-deps.sh
cmake -S . -B build -DWASMC_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
