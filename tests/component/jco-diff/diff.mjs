#!/usr/bin/env node
// Differential test of wasmc + wasmrt against jco, the JavaScript reference
// implementation of the canonical ABI:
//
//   node diff.mjs WASMC WASMRT
//
// echo-core.wat (a core module) and echo.wit are made into a component by
// jco's component embed + new; wasmc compiles it and jco transpiles it to
// JavaScript.  Every case calls one echo function (every WIT value kind,
// at its edges) both ways: `wasmrt --invoke 'echo-x(ARG)'` with ARG in WAVE,
// and the transpiled function in node with ARG as jco's JS value.  Both
// results are printed in WAVE (wasmrt by wave.c, node by the printer
// below, which knows jco's JS conventions) and must equal each other and
// the argument (the functions echo).  Last line: "N passed, M failed";
// exit 0 iff none failed, 77 (skipped) when tools/npm is not installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [wasmc, wasmrt] = process.argv.slice(2);
if (!wasmc || !wasmrt) {
  console.error('usage: diff.mjs WASMC WASMRT');
  process.exit(2);
}
const npm = process.env.WASMC_NPM_DIR || path.join(here, '..', '..', '..', 'tools', 'npm');
const jcoApi = path.join(npm, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'api.js');
if (!fs.existsSync(jcoApi)) {
  console.log(`jco is not installed (${jcoApi}); run tools/install-deps.sh`);
  console.log('0 passed, 0 failed, 1 skipped');
  process.exit(77);
}
const jco = await import(pathToFileURL(jcoApi).href);

// ---- WAVE from jco's JS values ----------------------------------------------

const KEYWORDS = new Set(['true', 'false', 'inf', 'nan', 'some', 'none', 'ok', 'err']);
const label = (name) => (KEYWORDS.has(name) ? '%' + name : name);
const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());

function escapeChar(cp, quote) {
  const c = String.fromCodePoint(cp);
  if (c === '\\') return '\\\\';
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  if (c === quote) return '\\' + quote;
  if (cp < 0x20 || cp === 0x7f) return `\\u{${cp.toString(16)}}`;
  return c;
}

// printf's %.{p}g.
function gFormat(v, p) {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, exp] = v.toExponential(p - 1).split('e');
  const x = parseInt(exp, 10);
  const strip = (s) => (s.includes('.') ? s.replace(/\.?0+$/, '') : s);
  if (x < -4 || x >= p) return strip(mant) + 'e' + (x < 0 ? '-' : '+') + String(Math.abs(x)).padStart(2, '0');
  return strip(v.toFixed(Math.max(0, p - 1 - x)));
}

// The shortest %g form that reads back to the same value (wave.c's rule).
function float(v, f32) {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  for (let p = 1; p <= 17; p++) {
    const s = gFormat(v, p);
    const back = parseFloat(s);
    if (f32 ? Math.fround(back) === v : back === v) return s;
  }
  return gFormat(v, 17);
}

// Types: 'u8' ... 'string', or {list}, {tuple}, {record: [[name, T]]},
// {variant: [[name, T|null]]}, {enum: [...]}, {flags: [...]}, {option},
// {result: [ok|null, err|null]}.
function wave(t, v) {
  if (typeof t === 'string') {
    switch (t) {
      case 'bool': return v ? 'true' : 'false';
      case 'f32': return float(v, true);
      case 'f64': return float(v, false);
      case 'char': return "'" + escapeChar(v.codePointAt(0), "'") + "'";
      case 'string': return '"' + [...v].map((c) => escapeChar(c.codePointAt(0), '"')).join('') + '"';
      default: return String(v); // integers (bigint for 64-bit)
    }
  }
  if (t.list) return '[' + Array.from(v, (x) => wave(t.list, x)).join(', ') + ']';
  if (t.tuple) return '(' + t.tuple.map((et, i) => wave(et, v[i])).join(', ') + ')';
  if (t.record) return '{' + t.record.map(([n, ft]) => `${n}: ${wave(ft, v[camel(n)])}`).join(', ') + '}';
  if (t.variant) {
    const [, pt] = t.variant.find(([n]) => n === v.tag);
    return label(v.tag) + (pt ? `(${wave(pt, v.val)})` : '');
  }
  if (t.enum) return label(v);
  if (t.flags) return '{' + t.flags.filter((n) => v[camel(n)]).join(', ') + '}';
  if (t.option !== undefined) {
    // jco: option<T> is T or undefined, unless T is itself an option
    // (then {tag: 'some', val} / {tag: 'none'}).
    const tagged = typeof t.option === 'object' && t.option.option !== undefined;
    if (tagged) return v.tag === 'none' ? 'none' : `some(${wave(t.option, v.val)})`;
    return v === undefined || v === null ? 'none' : `some(${wave(t.option, v)})`;
  }
  if (t.result) {
    const [okT, errT] = t.result;
    const pt = v.tag === 'ok' ? okT : errT;
    return v.tag + (pt ? `(${wave(pt, v.val)})` : '');
  }
  throw new Error('unknown type ' + JSON.stringify(t));
}

// ---- The cases ------------------------------------------------------------------

const PAD_T = { tuple: Array(16).fill('u64') };
const PAD = Array(16).fill(0n);
const entry = { record: [['name', 'string'], ['score', 'u32'], ['tag', { option: 'u8' }]] };
const shape = { variant: [['none-case', null], ['num', 'u32'], ['text', 'string'], ['pair', { tuple: ['u8', 'u16'] }]] };
const f32 = (x) => Math.fround(x);

// [function, type, wide (takes the pad), values...]
const CASES = [
  ['echo-bool', 'bool', false, true, false],
  ['echo-s8', 's8', false, -128, 127, 0],
  ['echo-u8', 'u8', false, 0, 255],
  ['echo-s16', 's16', false, -32768, 32767],
  ['echo-u16', 'u16', false, 65535],
  ['echo-s32', 's32', false, -2147483648, 2147483647, -1],
  ['echo-u32', 'u32', false, 0, 4294967295],
  ['echo-s64', 's64', false, -9223372036854775808n, 9223372036854775807n],
  ['echo-u64', 'u64', false, 18446744073709551615n, 0n],
  ['echo-f32', 'f32', false, f32(0.1), f32(-2.5), f32(3e38), f32(1e-7), -0, NaN, -Infinity, f32(1.1754943508222875e-38)],
  ['echo-f64', 'f64', false, 0.1, 1e300, -0, 5e-324, NaN, Infinity, 123456.789, 2 ** 53 + 2],
  ['echo-char', 'char', false, 'a', '😀', "'", '"', '\n', '\u{7f}', '\u{10ffff}'],
  ['echo-color', { enum: ['red', 'green', 'blue'] }, false, 'red', 'blue'],
  ['echo-perms', { flags: ['read', 'write', 'exec'] }, false, { read: true, exec: true }, {}, { read: true, write: true, exec: true }],
  ['echo-string', 'string', true, '', 'héllo', 'tab\there "q" \\ 😀', '\u{1}\u{1f}', 'x'.repeat(5000)],
  ['echo-list', { list: 'u32' }, true, [], [1, 2, 4294967295]],
  ['echo-strings', { list: 'string' }, true, [], ['a', '', 'ß']],
  ['echo-point', { record: [['x', 's32'], ['y', 's32']] }, true, { x: -1, y: 2 }],
  ['echo-entries', { list: entry }, true, [], [{ name: 'a', score: 1, tag: 3 }, { name: 'b', score: 2, tag: undefined }]],
  ['echo-tuple', { tuple: ['u8', 'string', 'f64'] }, true, [255, 's', 2.5]],
  ['echo-shape', shape, true, { tag: 'none-case' }, { tag: 'num', val: 7 }, { tag: 'text', val: 't' }, { tag: 'pair', val: [1, 65535] }],
  ['echo-option', { option: 'string' }, true, undefined, 'x'],
  ['echo-option2', { option: { option: 'u32' } }, true, { tag: 'none' }, { tag: 'some', val: undefined }, { tag: 'some', val: 5 }],
  ['echo-result', { result: ['string', 'u32'] }, true, { tag: 'ok', val: 'fine' }, { tag: 'err', val: 404 }],
  ['echo-results', { list: { result: [null, 'string'] } }, true, [{ tag: 'ok' }, { tag: 'err', val: 'no' }, { tag: 'ok' }]],
];

// ---- Build both ------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'jco-diff-'));
let passed = 0;
let failed = 0;
try {
  const core = await jco.parse(fs.readFileSync(path.join(here, 'echo-core.wat'), 'utf8'));
  const embedded = await jco.componentEmbed({
    binary: core,
    witSource: fs.readFileSync(path.join(here, 'echo.wit'), 'utf8'),
    stringEncoding: 'utf8',
  });
  const component = await jco.componentNew(embedded);
  fs.writeFileSync(path.join(tmp, 'echo.wasm'), component);
  const cc = spawnSync(wasmc, [path.join(tmp, 'echo.wasm'), '-o', path.join(tmp, 'echo.so')], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`wasmc failed: ${cc.stderr}`);
  const { files } = await jco.transpile(component, { name: 'echo' });
  for (const [name, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tmp, 'js', name)), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'js', name), bytes);
  }
  const js = await import(pathToFileURL(path.join(tmp, 'js', 'echo.js')).href);

  for (const [fn, type, wide, ...values] of CASES) {
    for (const value of values) {
      const want = wave(type, value);
      const call = `${fn}(${want}${wide ? ', ' + wave(PAD_T, PAD) : ''})`;
      const shown = call.length > 90 ? call.slice(0, 87) + '...' : call;
      const run = spawnSync(wasmrt, ['--invoke', call, path.join(tmp, 'echo.so')], { encoding: 'utf8' });
      const got = run.status === 0 ? run.stdout.replace(/\n$/, '') : `exit ${run.status}: ${run.stderr.trim()}`;
      let ref;
      try {
        const f = js[camel(fn)];
        const args = wide ? [value, PAD] : [value];
        if (type.result) {
          // a top-level result: jco returns the ok payload, throws the err one
          try {
            ref = wave(type, { tag: 'ok', val: f(...args) });
          } catch (e) {
            if (!e || e.payload === undefined) throw e;
            ref = wave(type, { tag: 'err', val: e.payload });
          }
        } else {
          ref = wave(type, f(...args));
        }
      } catch (e) {
        ref = `jco threw ${e && e.message}`;
      }
      if (got === ref && ref === want) {
        passed++;
      } else {
        failed++;
        console.log(`FAIL ${shown}\n  wasmrt: ${got}\n  jco:    ${ref}\n  sent:   ${want}`);
      }
    }
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
