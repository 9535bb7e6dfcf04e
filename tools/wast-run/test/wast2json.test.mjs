// Unit tests of the .wast converter: the S-expression reader, the value
// forms, the module forms and the skip rule.  Run: node --test tools/wast-run/test/
// (ctest: wast-run/converter).  Tests that need the wasm-tools parser skip
// when tools/npm is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { readSexprs, SexprError } from '../wast_sexpr.mjs';
import { convertScript, intOfWidth, parserMessage } from '../wast_convert.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const vendor = path.join(here, '..', '..', 'npm', 'node_modules', '@bytecodealliance', 'jco-transpile', 'vendor', 'wasm-tools.js');
const haveParser = fs.existsSync(vendor);
let parse = null;
if (haveParser) {
  const { $init, tools } = await import(pathToFileURL(vendor).href);
  await $init;
  parse = (t) => tools.parse(t);
}
const needParser = haveParser ? {} : { skip: 'tools/npm is not installed (tools/install-deps.sh)' };

function convert(text, p = parse) {
  const src = Buffer.from(text);
  const files = [];
  const script = convertScript(src, readSexprs(src), {
    parse: p ?? (() => { throw new Error('no parser'); }),
    sourceFilename: 't.wast',
    addFile: (ext, bytes) => {
      files.push(bytes);
      return `t.${files.length - 1}.${ext}`;
    },
  });
  return { commands: script.commands, files };
}

test('reader: strings decode every escape to bytes', () => {
  const [form] = readSexprs(Buffer.from('(x "a\\t\\n\\r\\"\\\'\\\\\\41\\u{1F600}\\u{41}")'));
  assert.deepEqual([...form.items[1].bytes], [0x61, 9, 10, 13, 0x22, 0x27, 0x5c, 0x41, 0xf0, 0x9f, 0x98, 0x80, 0x41]);
});

test('reader: comments (line, nested block) and top-level annotations are not commands', () => {
  const forms = readSexprs(Buffer.from(';; (a)\n(; (b) (; nested ;) ;)\n(@custom "x" (y))\n(c ";; not a comment" (; in ;) d)'));
  assert.equal(forms.length, 1);
  assert.equal(forms[0].items[0].text, 'c');
  assert.equal(forms[0].items.length, 3);
});

test('reader: $"quoted" identifiers are one atom', () => {
  const [form] = readSexprs(Buffer.from('(x $"a b" y)'));
  assert.equal(form.items[1].text, '$"a b"');
  assert.equal(form.items[2].text, 'y');
});

test('reader: unbalanced or unterminated input is an error with its offset', () => {
  for (const [text, offset] of [['(a', 0], ['(a))', 3], ['(a "b)', 3], ['(; x', 0], ['(a "\\q")', 4], ['atom', 0]]) {
    assert.throws(() => readSexprs(Buffer.from(text)), (e) => e instanceof SexprError && e.offset === offset, text);
  }
});

test('integers: both signednesses accept -2^(N-1)..2^N-1 and read it their way', () => {
  assert.equal(intOfWidth('0xff', 8, true), -1n);
  assert.equal(intOfWidth('-1', 8, false), 255n);
  assert.equal(intOfWidth('1_000', 16, false), 1000n);
  assert.equal(intOfWidth('18446744073709551615', 64, false), 18446744073709551615n);
  assert.throws(() => intOfWidth('256', 8, false));
  assert.throws(() => intOfWidth('-129', 8, true));
  assert.throws(() => intOfWidth('1.5', 32, false));
});

test('component values: every form the Component Model tests use', () => {
  const { commands } = convert(`(assert_return (invoke "f"
      (bool.const true) (u8.const 255) (s8.const -1) (u16.const 1) (s16.const -2) (u32.const 0xffffffff)
      (s32.const -3) (u64.const 18446744073709551615) (s64.const -4) (char.const "⛳") (str.const "a\\u{1F600}")
      (list.const (u32.const 1)) (tuple.const (u8.const 1) (str.const "x"))
      (record.const (field "a-b" u32.const 7) (field "c" str.const "s"))
      (variant.const "v" (u32.const 1)) (variant.const "w") (enum.const "red")
      (option.some (u32.const 5)) (option.none) (result.ok) (result.ok (u32.const 1)) (result.err (str.const "e"))
      (flags.const "a" "c") (flags.const))
    (str.const ""))`, () => new Uint8Array());
  const args = commands[0].action.args;
  assert.deepEqual(args, [
    { type: 'bool', value: 'true' }, { type: 'u8', value: '255' }, { type: 's8', value: '-1' },
    { type: 'u16', value: '1' }, { type: 's16', value: '-2' }, { type: 'u32', value: '4294967295' },
    { type: 's32', value: '-3' }, { type: 'u64', value: '18446744073709551615' }, { type: 's64', value: '-4' },
    { type: 'char', value: '⛳' }, { type: 'string', value: 'a😀' },
    { type: 'list', value: [{ type: 'u32', value: '1' }] },
    { type: 'tuple', value: [{ type: 'u8', value: '1' }, { type: 'string', value: 'x' }] },
    { type: 'record', fields: [{ name: 'a-b', value: { type: 'u32', value: '7' } }, { name: 'c', value: { type: 'string', value: 's' } }] },
    { type: 'variant', case: 'v', value: { type: 'u32', value: '1' } }, { type: 'variant', case: 'w' },
    { type: 'enum', case: 'red' },
    { type: 'option', case: 'some', value: { type: 'u32', value: '5' } }, { type: 'option', case: 'none' },
    { type: 'result', case: 'ok' }, { type: 'result', case: 'ok', value: { type: 'u32', value: '1' } },
    { type: 'result', case: 'err', value: { type: 'string', value: 'e' } },
    { type: 'flags', value: ['a', 'c'] }, { type: 'flags', value: [] },
  ]);
});

test('values that are wrong make the command skipped, with the reason', () => {
  const bad = ['(u8.const 256)', '(char.const "ab")', '(str.const "\\ff")', '(bool.const 1)', '(nope.const 1)', '(f32.const nan:canonical)'];
  for (const v of bad) {
    const { commands } = convert(`(invoke "f" ${v})`, () => new Uint8Array());
    assert.equal(commands.length, 1);
    assert.match(commands[0].skip, /./, v);
    assert.equal(commands[0].action, undefined, v);
  }
});

test('floats: exact bits from the parser, NaN patterns in expected results only', needParser, () => {
  const { commands } = convert(`(assert_return (invoke "f" (f32.const 5) (f64.const -0x1p-1074) (f32.const nan:0x200000))
      (f32.const nan:canonical) (f64.const nan:arithmetic) (f32.const inf))`);
  assert.deepEqual(commands[0].action.args, [
    { type: 'f32', value: String(0x40a00000) }, { type: 'f64', value: (0x8000000000000001n).toString() },
    { type: 'f32', value: String(0x7fa00000) },
  ]);
  assert.deepEqual(commands[0].expected, [
    { type: 'f32', value: 'nan:canonical' }, { type: 'f64', value: 'nan:arithmetic' }, { type: 'f32', value: String(0x7f800000) },
  ]);
});

test('floats: a literal the parser rejects skips only its command', needParser, () => {
  const { commands } = convert('(invoke "f" (f32.const 1x))\n(invoke "g" (f32.const 1))');
  assert.match(commands[0].skip, /bad f32 literal '1x'/);
  assert.deepEqual(commands[1].action.args, [{ type: 'f32', value: String(0x3f800000) }]);
});

test('module forms: component, definition, instance, binary, quote', needParser, () => {
  const { commands, files } = convert(`
(component $A (core module $m))
(component definition $D (core module))
(component instance $i $D)
(component $B binary "\\00asm" "\\0d\\00\\01\\00")
(module quote "(func (export \\"f\\"))")
(register "r" $A)`);
  assert.deepEqual(commands.map((c) => c.type), ['module', 'module_definition', 'module_instance', 'module', 'module', 'register']);
  assert.equal(commands[0].name, '$A');
  assert.equal(commands[0].component, true);
  assert.equal(commands[1].name, '$D');
  assert.deepEqual([commands[2].instance, commands[2].module], ['$i', '$D']);
  assert.equal(commands[4].component, undefined);
  assert.deepEqual([...files[2]], [0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]);
  // encoded components carry the component preamble, modules the core one
  assert.deepEqual([...files[0].subarray(4, 8)], [0x0d, 0, 1, 0]);
  assert.deepEqual([...files[1].subarray(4, 8)], [0x0d, 0, 1, 0]);
  assert.deepEqual([...files[3].subarray(4, 8)], [1, 0, 0, 0]);
  assert.deepEqual([commands[5].as, commands[5].name], ['r', '$A']);
});

test('assertions on modules: binary, and malformed quote text kept as text', needParser, () => {
  const { commands } = convert(`
(assert_invalid (component (core module (func (result i32)))) "bad")
(assert_malformed (component quote "(import") "unexpected")
(assert_trap (component (core module)) "boom")
(assert_unlinkable (module (import "a" "b" (func))) "unknown import")`);
  assert.deepEqual(commands.map((c) => [c.type, c.module_type, c.component, c.text]), [
    ['assert_invalid', 'binary', true, 'bad'],
    ['assert_malformed', 'text', true, 'unexpected'],
    ['assert_uninstantiable', 'binary', true, 'boom'],
    ['assert_unlinkable', 'binary', undefined, 'unknown import'],
  ]);
});

test('a form the parser cannot encode is skipped with the parser message, never dropped', needParser, () => {
  const { commands } = convert('(component (func $f) bogus)\n(assert_return (invoke "x"))');
  assert.equal(commands[0].type, 'module');
  assert.match(commands[0].skip, /cannot encode this component: 1:\d+: /);
  assert.equal(commands[1].type, 'assert_return');
});

test('unknown commands are skipped with the reason', () => {
  const { commands } = convert('(thread $t (invoke "x"))');
  assert.equal(commands[0].skip, "command 'thread' is not supported by the converter");
});

test('parser messages: the Debug-formatted error becomes line:col: message', () => {
  const e = 'Error { kind: Wast(Error { inner: ErrorInner { text: Some(Text { line: 0, col: 35, snippet: "x" }), file: None, span: Span { offset: 35 }, kind: Custom("expected `(`") } }) }';
  assert.equal(parserMessage(e), '1:36: expected `(`');
});

test('the CLI writes the JSON and one .wasm per module form', needParser, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'w2j-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.wast'), '(component)\n(module)\n(assert_return (invoke "f"))\n');
    execFileSync(process.execPath, [path.join(here, '..', 'wast2json.mjs'), '--enable-all', path.join(dir, 'x.wast'), '-o', path.join(dir, 'x.json')]);
    const script = JSON.parse(fs.readFileSync(path.join(dir, 'x.json'), 'utf8'));
    assert.equal(script.source_filename, 'x.wast');
    assert.deepEqual(script.commands.map((c) => c.filename ?? null), ['x.0.wasm', 'x.1.wasm', null]);
    assert.ok(fs.existsSync(path.join(dir, 'x.1.wasm')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---- WebAssembly 3.0 script syntax ------------------------------------------

test('reader: a lone ";" is part of a token and annotations leave the tree at any depth', () => {
  const forms = readSexprs(Buffer.from('(@a , ; ] [ }} ;)\n((@a) module (@b x) $m (x ;y))'));
  assert.equal(forms.length, 1);
  assert.deepEqual(forms[0].items.map((n) => n.text ?? 'list'), ['module', '$m', 'list']);
  assert.deepEqual(forms[0].items[2].items.map((n) => n.text), ['x', ';y']);
});

test('3.0: quoted identifiers name the same module as plain ones', { ...needParser }, () => {
  const { commands } = convert('(module $"m\\41" (func (export "f")))\n(invoke $mA "f")\n(register "r" $"mA")');
  assert.equal(commands[0].name, '$mA');
  assert.equal(commands[1].action.module, '$mA');
  assert.equal(commands[2].name, '$mA');
});

test('3.0: module definition and instance, bare module fields as one module', { ...needParser }, () => {
  const { commands } = convert('(module definition $D (func))\n(module instance $I $D)\n(func) (memory 0) (func (export "f"))');
  assert.deepEqual(commands.map((c) => c.type), ['module_definition', 'module_instance', 'module']);
  assert.equal(commands[1].instance, '$I');
  assert.equal(commands[1].module, '$D');
  assert.equal(commands[2].line, 3);
  assert.ok(!commands[2].skip);
});

test('3.0: either, typeless and typed nulls, new reference results, assert_exception', { ...needParser }, () => {
  const { commands } = convert(
    '(module (func (export "f")))\n' +
    '(assert_return (invoke "f") (either (i32.const 1) (i32.const 2)) (ref.null) (ref.null nofunc) (ref.i31) (ref.host 3))\n' +
    '(assert_exception (invoke "f"))');
  assert.deepEqual(commands[1].expected, [
    { type: 'either', values: [{ type: 'i32', value: '1' }, { type: 'i32', value: '2' }] },
    { type: 'refnull' },
    { type: 'nullfuncref', value: 'null' },
    { type: 'i31ref' },
    { type: 'anyref', value: '3' },
  ]);
  assert.equal(commands[2].type, 'assert_exception');
  assert.equal(commands[2].action.field, 'f');
});

test('3.0: either and typeless nulls are not arguments', { ...needParser }, () => {
  const { commands } = convert('(module (func (export "f") (param i32)))\n(invoke "f" (either (i32.const 1)))\n(invoke "f" (ref.null))');
  assert.match(commands[1].skip, /either is only allowed in expected results/);
  assert.match(commands[2].skip, /needs a heap type in an argument/);
});

test('3.0: strings with characters the parser refuses raw are passed escaped', { ...needParser }, () => {
  const { commands } = convert('(module (func (export "\u200b\u2060") (result i32) (i32.const 1)))');
  assert.ok(!commands[0].skip, commands[0].skip);
});
