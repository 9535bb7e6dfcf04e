#!/bin/sh
# Regenerates the binary fixtures from their .wat sources with jco's
# wasm-tools parse (npm @bytecodealliance/jco; Debian's wabt does not know
# components).  The .wasm files are committed, so tests need no jco.
#   JCO=path/to/jco tests/unit/components/gen.sh
set -eu
cd "$(dirname "$0")"
JCO=${JCO:-../../../tools/npm/node_modules/.bin/jco}
for w in *.wat invalid/*.wat unsupported/*.wat; do
  "$JCO" parse "$w" -o "${w%.wat}.wasm"
done
