#!/usr/bin/env bash
# Seed a fuzz corpus with the binary modules wast2json extracts from the
# spec suite, shared by tools/fuzz-front.sh and tools/fuzz-compile.sh.
# Scripts wast2json cannot convert are skipped; modules of SIZE or more
# (a find -size argument, e.g. 64k or 4097c) are left out, since libFuzzer
# would truncate them into mostly-malformed inputs.
#   tools/spec-corpus.sh SUITE_DIR CORPUS_DIR SIZE
set -euo pipefail
suite=$1 corpus=$2 size=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for w in "$suite"/*.wast; do
  name=$(basename "$w" .wast)
  mkdir -p "$tmp/$name"
  wast2json "$w" -o "$tmp/$name/$name.json" >/dev/null 2>&1 || continue
done 2>/dev/null  # also bash's report when wast2json 1.0.32 aborts
find "$tmp" -name '*.wasm' -size "-$size" -exec cp -t "$corpus" {} + 2>/dev/null || true
echo "seed corpus: $(ls "$corpus" | wc -l) modules"
