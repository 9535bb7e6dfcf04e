#!/usr/bin/env bash
# aarch64/spec: every wasm-2.0 .wast file, compiled here for aarch64 and run
# under qemu-aarch64 by wast-exec (wast-run --target=aarch64-linux-gnu).
# Passes iff wast-run reports 0 failed; prints wast-run's lines and the time.
#   run_spec.sh SRC_DIR BUILD_DIR [--WAST-RUN-OPTION...] [FILES...]
#   (default files: WASMC_SPEC_DIR/*.wast)
set -u
src=$1 build=$2
shift 2
. "$src/tests/aarch64/common.sh"
a64_require wast2json
[ -x "$build/bin/wast-run" ] || { echo "SKIP: $build/bin/wast-run not built"; exit 77; }
a64_build_runtime
opts=()
while [ $# -gt 0 ] && [ "${1#--}" != "$1" ]; do
    opts+=("$1")
    shift
done
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    dir=${WASMC_SPEC_DIR:-/work/shared/spec-testsuite/wasm-2.0}
    files=("$dir"/*.wast)
    [ -e "${files[0]}" ] || { echo "SKIP: no spec tests in $dir"; exit 77; }
fi
start=$(date +%s)
WAST_EXEC=$A64_BUILD/bin/wast-exec "$build/bin/wast-run" --target=aarch64-linux-gnu -j"${WASMC_JOBS:-2}" "${opts[@]}" "${files[@]}"
status=$?
echo "aarch64/spec: ${#files[@]} files in $(( $(date +%s) - start )) s"
exit $status
