#!/usr/bin/env node
// Component (or module) text to binary with the wasm-tools parser that jco
// bundles (tools/npm, installed by tools/install-deps.sh); used by the
// component tests to build their components from WAT.  No validation:
// wasmc validates what it compiles.
//
//   node tools/wat2component.mjs IN.wat OUT.wasm
//
// Exit 0, or 1 with one line "wat2component.mjs: error: ..." (the parser
// missing, or the text malformed), and no output file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: wat2component.mjs IN.wat OUT.wasm\n');
  process.exit(2);
}
const npmDir = process.env.WASMC_NPM_DIR || path.join(here, 'npm');
const mod = path.join(npmDir, 'node_modules', '@bytecodealliance', 'jco-transpile', 'vendor', 'wasm-tools.js');
if (!fs.existsSync(mod)) {
  process.stderr.write(`wat2component.mjs: error: the wasm-tools parser is not installed (${mod}); run tools/install-deps.sh\n`);
  process.exit(1);
}
const { $init, tools } = await import(pathToFileURL(mod).href);
await $init;
try {
  fs.writeFileSync(output, tools.parse(fs.readFileSync(input, 'utf8')));
} catch (e) {
  process.stderr.write(`wat2component.mjs: error: ${input}: ${String(e.message || e).split('\n')[0]}\n`);
  process.exit(1);
}
