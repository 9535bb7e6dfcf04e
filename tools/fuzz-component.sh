#!/usr/bin/env bash
# Build the component front-end fuzz target (decode + validate + flatten,
# core modules included) with libFuzzer, ASan and UBSan into
# build-fuzz-component/, seed it with the component fixtures of
# tests/unit/components and, when jco is installed, the components of the
# Component Model .wast tests, and run it for SECONDS (default 300).
# Crashes land in build-fuzz-component/artifacts/.
#   tools/fuzz-component.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
secs=${1:-300}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build-fuzz-component
mkdir -p "$out/corpus" "$out/artifacts"

c=$root/compiler
srcs=("$c/arena.c" "$c/error.c" "$c/decode.c" "$c/instr.c" "$c/instr_table.c" "$c/names.c"
      "$c/utf8.c" "$c/validate.c" "$c/validate_func.c" "$c/component/cdecode.c" "$c/component/ctypes.c"
      "$c/component/cvalidate.c" "$c/component/flatten.c" "$c/component/plan_write.c")
clang-19 -std=gnu17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$c" -I"$root/rt/include" -I"$root/tests/unit" \
  "$root/tests/fuzz/fuzz_component.c" "${srcs[@]}" -o "$out/fuzz_component"

if [ -z "$(ls -A "$out/corpus")" ]; then
  find "$root/tests/unit/components" -name '*.wasm' -exec cp {} "$out/corpus/" \;
  jco_dir=${JCO_DIR:-$root/tools/npm/node_modules}
  if [ -d "$jco_dir/@bytecodealliance/jco-transpile" ]; then
    COMPONENT_WAST_KEEP="$out/corpus" JCO_DIR="$jco_dir" node "$root/tools/component-wast.mjs" \
      /bin/true "$root"/../shared/component-model/test/*/*.wast > /dev/null || true
  fi
fi

cd "$out"
exec nice ./fuzz_component -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@" corpus
