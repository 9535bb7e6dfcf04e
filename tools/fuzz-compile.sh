#!/usr/bin/env bash
# Build the whole-compiler fuzz target (decode -> validate -> lower -> LLVM
# -O0 -> codegen -> ld.lld, via wasmc_compile) with libFuzzer, ASan and
# UBSan into build-fuzz-compile/, seed it with every module of the wasm-2.0
# spec suite, and run it for SECONDS (default 300).  Only wasmc's own
# sources are instrumented; LLVM comes from the shared libLLVM.  Findings
# land in build-fuzz-compile/artifacts/; the corpus grows in
# build-fuzz-compile/corpus/.  Compiles take milliseconds, not
# microseconds, so inputs are capped at 4 KiB.  FUZZ_COMPILE_OPT=2 compiles
# at -O2 instead of -O0 (slower, but runs the passes only the optimising
# levels run, such as compiler/opt/address_nuw.c).
#   tools/fuzz-compile.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
secs=${1:-300}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build-fuzz-compile
suite=${WASMC_SPEC_DIR:-$root/../shared/spec-testsuite/wasm-2.0}
llvm=${LLVM_DIR:-/usr/lib/llvm-19}
lld=$llvm/bin/ld.lld
[ -x "$lld" ] || lld=$(command -v ld.lld-19 || command -v ld.lld)
mkdir -p "$out/corpus" "$out/artifacts"

# Every library source: compiler/ (minus the CLI), its lowering, the target
# tables and the SHA-256 shared with the runtime.
c=$root/compiler
srcs=("$root/target/"*.c "$root/rt/sha256.c" "$c/lower/"*.c)
for f in "$c"/*.c; do [ "$f" = "$c/main.c" ] || srcs+=("$f"); done
nice clang-19 -std=gnu17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -I"$c" -I"$root" -I"$root/target" -I"$root/rt/include" -I"$root/rt" \
  -isystem "$llvm/include" -DWASMC_LLD_PATH="\"$lld\"" \
  "$root/tests/fuzz/fuzz_compile.c" "${srcs[@]}" \
  -L"$llvm/lib" -Wl,-rpath,"$llvm/lib" -lLLVM -lpthread -lm -o "$out/fuzz_compile"

# Seed corpus: the spec suite's binary modules under 4097c.
if [ -z "$(ls -A "$out/corpus")" ]; then
  "$root/tools/spec-corpus.sh" "$suite" "$out/corpus" 4097c
fi
# Spec modules test one instruction each; random valid modules from
# binaryen's generator (wasm-opt -ttf, SIMD included) give the mutator
# whole programs whose small mutations often stay valid, so far more inputs
# reach lowering and codegen.  Deterministic: seed i -> the same module.
if command -v wasm-opt >/dev/null && [ -z "$(ls "$out/corpus" | grep -m1 '^ttf-')" ]; then
  tmp2=$(mktemp -d)
  for i in $(seq 1 400); do
    head -c $((64 + (i * 7919) % 1400)) < <(openssl enc -aes-128-ctr -nosalt -pass "pass:wasmc-fuzz-compile-$i" \
      -pbkdf2 </dev/zero 2>/dev/null) >"$tmp2/bytes"
    wasm-opt -ttf "$tmp2/bytes" --mvp-features --enable-mutable-globals --enable-sign-ext \
      --enable-nontrapping-float-to-int --enable-bulk-memory --enable-multivalue --enable-simd \
      -o "$tmp2/m.wasm" >/dev/null 2>&1 || continue
    if [ "$(stat -c %s "$tmp2/m.wasm")" -le 4096 ]; then cp "$tmp2/m.wasm" "$out/corpus/ttf-$i.wasm"; fi
  done
  rm -rf "$tmp2"
  echo "seed corpus: $(ls "$out/corpus" | grep -c '^ttf-') random valid modules from wasm-opt -ttf added"
fi

cd "$out"
exec nice ./fuzz_compile -max_total_time="$secs" -max_len=4096 -timeout=20 -rss_limit_mb=2048 \
  -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@" corpus
