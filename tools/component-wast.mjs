#!/usr/bin/env node
// Runs the validation assertions of Component Model .wast scripts
// (../shared/component-model/test/) against `wasmc --validate`:
//   (component ...)                  must validate (exit 0)
//   (assert_invalid (component ...)) must be rejected (exit 1)
//   (assert_malformed (component binary ...)) must be rejected
// Text-only forms (component quote ...) and execution commands
// (assert_return, invoke, ...) are skipped.  Components are turned into
// binaries by jco's wasm-tools parse (npm @bytecodealliance/jco), which
// does not validate.  A form jco cannot parse is counted as skipped; one
// wasmc refuses as "unsupported: ..." is counted as unsupported.
//
//   node tools/component-wast.mjs [-v] WASMC FILE.wast...
//
// JCO_DIR names the node_modules directory holding @bytecodealliance
// (default: tools/npm/node_modules beside this script).  Last line:
// "N passed, M failed, K skipped, U unsupported".
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const verbose = args[0] === '-v';
if (verbose) args.shift();
if (args.length < 2) {
  console.error('usage: component-wast.mjs [-v] WASMC FILE.wast...');
  process.exit(2);
}
const wasmc = args.shift();
const jcoDir = process.env.JCO_DIR || join(here, 'npm', 'node_modules');
const { parse } = await import(
  pathToFileURL(join(jcoDir, '@bytecodealliance', 'jco-transpile', 'dist', 'wasm-tools.js')).href);

// Top-level s-expressions of a .wast, as source text.
function forms(src) {
  const out = [];
  let i = 0, depth = 0, start = -1;
  while (i < src.length) {
    const c = src[i];
    if (c === ';' && src[i + 1] === ';') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (c === '(' && src[i + 1] === ';') {
      let d = 1; i += 2;
      while (i < src.length && d) {
        if (src[i] === '(' && src[i + 1] === ';') { d++; i += 2; }
        else if (src[i] === ';' && src[i + 1] === ')') { d--; i += 2; }
        else i++;
      }
      continue;
    }
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '(') { if (depth === 0) start = i; depth++; }
    else if (c === ')') { depth--; if (depth === 0) out.push(src.slice(start, i + 1)); }
    i++;
  }
  return out;
}

// The first inner form of an assertion, and its expected message.
function inner(form) {
  const body = form.slice(form.indexOf('(', 1));
  const sub = forms(body)[0];
  const rest = body.slice(sub.length);
  const m = rest.match(/"((?:[^"\\]|\\.)*)"/);
  return { sub, msg: m ? m[1] : '' };
}

const work = mkdtempSync(join(tmpdir(), 'component-wast-'));
let passed = 0, failed = 0, skipped = 0, unsupported = 0;
for (const file of args) {
  const src = readFileSync(file, 'utf8');
  let n = 0;
  for (const form of forms(src)) {
    const head = form.slice(1).match(/^[a-z_]+/)?.[0];
    let expectValid, text, msg = '';
    if (head === 'component') { expectValid = true; text = form; }
    else if (head === 'assert_invalid' || head === 'assert_malformed') {
      ({ sub: text, msg } = inner(form));
      expectValid = false;
      if (!text.startsWith('(component')) { skipped++; continue; }
    } else continue;
    if (/^\(component\s+(\$\S+\s+)?quote/.test(text)) { skipped++; continue; }
    // wast-only prefixes: (component definition $x ...), (component instance ...)
    if (/^\(component\s+instance\b/.test(text)) { skipped++; continue; }
    text = text.replace(/^\(component\s+definition\b/, '(component');
    n++;
    const where = `${file}:${n}`;
    let bytes;
    try { bytes = await parse(text); } catch (e) { skipped++; if (verbose) console.log(`skip ${where}: jco cannot parse`); continue; }
    const path = join(work, `c${n}.wasm`);
    writeFileSync(path, bytes);
    // COMPONENT_WAST_KEEP=DIR keeps every binary (a fuzzing seed corpus).
    if (process.env.COMPONENT_WAST_KEEP)
      writeFileSync(join(process.env.COMPONENT_WAST_KEEP, `${file.replace(/\W+/g, '_')}-${n}.wasm`), bytes);
    const r = spawnSync(wasmc, ['--validate', path], { encoding: 'utf8' });
    const got = r.status === 0;
    const line = (r.stderr || '').trim().split('\n')[0];
    if (!got && line.includes('unsupported:')) {
      // wasmc refuses what it does not compile; neither a pass nor a failure.
      unsupported++;
      if (verbose) console.log(`unsupported ${where}: ${line}`);
    } else if (got === expectValid) {
      passed++;
      if (verbose) console.log(`ok   ${where}: ${expectValid ? 'valid' : `rejected (want "${msg}"): ${line}`}`);
    } else {
      failed++;
      console.log(`FAIL ${where}: ${expectValid ? `should be valid: ${line}` : `should be rejected ("${msg}")`}`);
      if (verbose) console.log(text.slice(0, 400));
    }
  }
}
rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped, ${unsupported} unsupported`);
process.exit(failed ? 1 : 0);
