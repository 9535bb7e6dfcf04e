#!/usr/bin/env node
// wast2json.mjs: converts a .wast script (core or Component Model) into the
// JSON + .wasm files wast-run reads, the schema of WABT's wast2json,
// extended for components.
//
//   node wast2json.mjs [--enable-X ...] FILE.wast -o OUT.json
//
// The script is split into its top-level commands by our own S-expression
// reader (strings, `;;` and `(; ;)` comments, annotations).  Every module
// or component form is encoded to binary by the wasm-tools text parser that
// jco bundles (tools/npm/node_modules, `npm ci` by tools/install-deps.sh);
// `binary` forms are their bytes, `quote` forms their text.  What cannot be
// encoded becomes a command with a "skip" reason: the runner counts it as
// skipped, never as passed.  Schema additions (see tools/wast-run/README.md):
//   "component": true            on module forms that are components
//   module_definition            {name, filename}: defined, not instantiated
//   module_instance              {instance, module}: instantiate a definition
//   "skip": "reason"             on any command that could not be converted
//   component values             {"type": "u32", "value": "7"}, "string",
//                                "char", "bool", list/tuple {"value": [...]},
//                                record {"fields": [{"name", "value"}]},
//                                variant/enum/option/result {"case", "value"?},
//                                flags {"value": ["a", ...]}
// --enable-*/--disable-* options are accepted and ignored (WABT's
// wast2json takes them; the parser here knows every proposal).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { readSexprs, lineOf, SexprError } from './wast_sexpr.mjs';
import { convertScript } from './wast_convert.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function usage(msg) {
  process.stderr.write(`wast2json.mjs: error: ${msg}\nusage: wast2json.mjs [--enable-X] FILE.wast -o OUT.json\n`);
  process.exit(2);
}

async function loadParser() {
  const npmDir = process.env.WASMC_NPM_DIR || path.join(here, '..', 'npm');
  // The vendored build's synchronous API (dist/wasm-tools.js wraps each
  // call in a promise); $init instantiates it once.
  const mod = path.join(npmDir, 'node_modules', '@bytecodealliance', 'jco-transpile', 'vendor', 'wasm-tools.js');
  if (!fs.existsSync(mod)) {
    process.stderr.write(`wast2json.mjs: error: the wasm-tools parser is not installed (${mod}); run tools/install-deps.sh\n`);
    process.exit(1);
  }
  const { $init, tools } = await import(pathToFileURL(mod).href);
  await $init;
  return (text) => tools.parse(text);
}

async function main(argv) {
  let input = null;
  let output = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-o') {
      if (i + 1 >= argv.length) usage('-o needs a file name');
      output = argv[++i];
    } else if (a.startsWith('--enable-') || a.startsWith('--disable-')) {
      // accepted for WABT compatibility
    } else if (a.startsWith('-') && a !== '-') {
      usage(`unknown option '${a}'`);
    } else if (input === null) {
      input = a;
    } else {
      usage('more than one input file');
    }
  }
  if (input === null) usage('no input file');
  if (output === null) output = path.basename(input).replace(/\.wast$/, '') + '.json';

  let src;
  try {
    src = fs.readFileSync(input);
  } catch (e) {
    process.stderr.write(`wast2json.mjs: error: cannot read ${input}: ${e.message}\n`);
    process.exit(1);
  }
  let forms;
  try {
    forms = readSexprs(src);
  } catch (e) {
    if (!(e instanceof SexprError)) throw e;
    process.stderr.write(`${input}:${lineOf(src, e.offset)}: error: ${e.message}\n`);
    process.exit(1);
  }
  const parse = await loadParser();
  const base = path.basename(output).replace(/\.json$/, '');
  const outDir = path.dirname(output);
  const files = [];
  const script = convertScript(src, forms, {
    parse,
    sourceFilename: path.basename(input),
    addFile: (ext, bytes) => {
      const name = `${base}.${files.length}.${ext}`;
      files.push([name, bytes]);
      return name;
    },
  });
  for (const [name, bytes] of files) fs.writeFileSync(path.join(outDir, name), bytes);
  // Written last and whole: a reader never sees a half-converted script.
  const tmp = `${output}.tmp${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(script, null, 1) + '\n');
  fs.renameSync(tmp, output);
}

main(process.argv.slice(2)).catch((e) => {
  process.stderr.write(`wast2json.mjs: error: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
