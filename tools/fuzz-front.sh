#!/usr/bin/env bash
# Build the front-end fuzz target (decode + validate) with libFuzzer, ASan
# and UBSan into build-fuzz/, seed it with every module of the wasm-2.0 spec
# suite, and run it for SECONDS (default 300).  Crashes land in
# build-fuzz/artifacts/; the corpus grows in build-fuzz/corpus/.
#   tools/fuzz-front.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
secs=${1:-300}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build-fuzz
suite=${WASMC_SPEC_DIR:-$root/../shared/spec-testsuite/wasm-2.0}
mkdir -p "$out/corpus" "$out/artifacts"

c=$root/compiler
srcs=("$c/arena.c" "$c/error.c" "$c/decode.c" "$c/instr.c" "$c/instr_table.c" "$c/names.c"
      "$c/utf8.c" "$c/validate.c" "$c/validate_func.c")
clang-19 -std=gnu17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$c" "$root/tests/fuzz/fuzz_front.c" "${srcs[@]}" \
  -o "$out/fuzz_front"

# Seed corpus: the spec suite's binary modules under 64k.
if [ -z "$(ls -A "$out/corpus")" ]; then
  "$root/tools/spec-corpus.sh" "$suite" "$out/corpus" 64k
fi

cd "$out"
exec nice ./fuzz_front -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@" corpus
