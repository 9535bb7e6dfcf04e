# Shared by the aarch64 test drivers (sourced): tool checks and the
# runtime-only aarch64 build.  Sets A64_BUILD.
a64_require() {
    for t in aarch64-linux-gnu-gcc qemu-aarch64 "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not found"; exit 77; }
    done
}

a64_build_runtime() {
    A64_BUILD=$build/aarch64
    # ctest runs the aarch64 tests in parallel and each rebuilds the tree:
    # serialise the builds, or two makes race on one fresh tree.
    mkdir -p "$build"
    if ! flock "$build/aarch64.lock" "$src/tools/build-aarch64-rt.sh" "$A64_BUILD"; then
        echo "FAIL: the aarch64 runtime does not build"; exit 1
    fi
}
