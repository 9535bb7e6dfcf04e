// From a .wast script's top-level forms (wast_sexpr.mjs) to wast-run's JSON
// commands: module forms encoded by the given text parser, actions and typed
// values (core and component) in the schema described in wast2json.mjs.
//
// A command that cannot be converted keeps its type and line and gets a
// "skip" reason, so the runner counts it as skipped (never as passed) and a
// later command that needs it is skipped too.
import { lineOf } from './wast_sexpr.mjs';

class ConvertError extends Error {}

const fail = (msg) => {
  throw new ConvertError(msg);
};

const isAtom = (n, text) => n && n.kind === 'atom' && (text === undefined || n.text === text);
const isId = (n) => n && n.kind === 'atom' && n.text.startsWith('$');

// An identifier as the script means it: $"abc" and $abc are the same name
// (3.0's quoted identifiers), so both spell as $abc.
export function idName(n) {
  const t = n.text;
  if (!t.startsWith('$"')) return t;
  return '$' + decodeQuoted(t.slice(1));
}

// A string token's text ("..." with escapes) decoded, as UTF-8 text.
function decodeQuoted(text) {
  const b = Buffer.from(text, 'utf8');
  const out = [];
  const simple = { t: 9, n: 10, r: 13, '"': 0x22, "'": 0x27, '\\': 0x5c };
  for (let i = 1; i < b.length - 1; i++) {
    if (b[i] !== 0x5c) {
      out.push(b[i]);
      continue;
    }
    const e = String.fromCharCode(b[i + 1]);
    if (e in simple) {
      out.push(simple[e]);
      i++;
    } else if (e === 'u') {
      const close = b.indexOf(0x7d, i);
      const cp = parseInt(b.subarray(i + 3, close).toString('latin1').replace(/_/g, ''), 16);
      out.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i = close;
    } else {
      out.push(parseInt(b.subarray(i + 1, i + 3).toString('latin1'), 16));
      i += 2;
    }
  }
  return Buffer.from(out).toString('utf8');
}
const isList = (n, head) => n && n.kind === 'list' && (head === undefined || isAtom(n.items[0], head));

function utf8(bytes, what) {
  const s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return s.decode(bytes);
  } catch {
    return fail(`${what} is not valid UTF-8`);
  }
}

// The wasm-tools parser's Rust Debug-formatted error, as "line:col: message".
export function parserMessage(e) {
  const s = String(e && e.payload !== undefined ? e.payload : e);
  const custom = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(s);
  const where = /line: (\d+), col: (\d+)/.exec(s);
  let msg = custom ? custom[1].replace(/\\(.)/g, '$1') : s.replace(/^Error: /, '');
  if (msg.length > 200) msg = msg.slice(0, 200) + '...';
  return where ? `${Number(where[1]) + 1}:${Number(where[2]) + 1}: ${msg}` : msg;
}

// ---- Integers ---------------------------------------------------------------

// A wat integer literal (sign, 0x, underscores) as a BigInt.
export function parseIntLiteral(text) {
  const m = /^([+-]?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)$/.exec(text);
  if (!m) return fail(`'${text}' is not an integer`);
  const v = BigInt(m[2].replace(/_/g, ''));
  return m[1] === '-' ? -v : v;
}

// Values of an N-bit integer type: wat accepts -2^(N-1) .. 2^N-1 for both
// signednesses; the result is the value as the type reads it.
export function intOfWidth(text, bits, signed) {
  const v = parseIntLiteral(text);
  const lo = -(1n << BigInt(bits - 1));
  const hi = (1n << BigInt(bits)) - 1n;
  if (v < lo || v > hi) fail(`${text} does not fit in ${bits} bits`);
  const unsigned = BigInt.asUintN(bits, v);
  return signed ? BigInt.asIntN(bits, unsigned) : unsigned;
}

// ---- Floats (exact bits from the real parser, in one batch per script) ----

class FloatBatch {
  constructor(parse) {
    this.parse = parse;
    this.reqs = [];
  }

  // Returns an object whose .value is filled in by resolve().
  add(type, literal, owner) {
    const slot = { value: null };
    this.reqs.push({ type, literal, slot, owner });
    return slot;
  }

  static moduleText(reqs) {
    return '(module ' + reqs.map((r) => `(global ${r.type} (${r.type}.const ${r.literal}))`).join(' ') + ')';
  }

  // Global initialisers f32.const / f64.const: [type, bits as BigInt] each.
  static globals(bytes) {
    const b = Buffer.from(bytes);
    let p = 8;
    const leb = () => {
      let v = 0;
      let shift = 0;
      for (;;) {
        const byte = b[p++];
        v += (byte & 0x7f) * 2 ** shift;
        shift += 7;
        if (!(byte & 0x80)) return v;
      }
    };
    while (p < b.length) {
      const id = b[p++];
      const size = leb();
      if (id !== 6) {
        p += size;
        continue;
      }
      const n = leb();
      const out = [];
      for (let i = 0; i < n; i++) {
        p += 2; // valtype, mutability
        const op = b[p++];
        const width = op === 0x43 ? 4 : 8;
        out.push(width === 4 ? BigInt(b.readUInt32LE(p)) : b.readBigUInt64LE(p));
        p += width + 1; // value, end
      }
      return out;
    }
    return [];
  }

  // Fills every slot; a literal the parser rejects marks its owner failed.
  resolve() {
    const tryBatch = (reqs) => {
      if (!reqs.length) return true;
      let bits;
      try {
        bits = FloatBatch.globals(this.parse(FloatBatch.moduleText(reqs)));
      } catch (e) {
        if (reqs.length === 1) {
          reqs[0].owner.error ??= `bad ${reqs[0].type} literal '${reqs[0].literal}': ${parserMessage(e)}`;
          return false;
        }
        return false;
      }
      reqs.forEach((r, i) => {
        r.slot.value = bits[i].toString();
      });
      return true;
    };
    if (!tryBatch(this.reqs)) for (const r of this.reqs) tryBatch([r]);
  }
}

// ---- Values -----------------------------------------------------------------

const INT_TYPES = {
  'u8.const': ['u8', 8, false], 's8.const': ['s8', 8, true],
  'u16.const': ['u16', 16, false], 's16.const': ['s16', 16, true],
  'u32.const': ['u32', 32, false], 's32.const': ['s32', 32, true],
  'u64.const': ['u64', 64, false], 's64.const': ['s64', 64, true],
};
// Heap types of (ref.null HT): the JSON type of the null each one is.
const NULL_TYPES = {
  func: 'funcref', extern: 'externref', any: 'anyref', eq: 'eqref', i31: 'i31ref', struct: 'structref',
  array: 'arrayref', none: 'nullref', nofunc: 'nullfuncref', noextern: 'nullexternref', exn: 'exnref',
  noexn: 'nullexnref',
};
const LANES = { i8x16: ['i8', 16], i16x8: ['i16', 8], i32x4: ['i32', 4], i64x2: ['i64', 2], f32x4: ['f32', 4], f64x2: ['f64', 2] };

class ValueReader {
  constructor(floats, owner, allowPatterns) {
    this.floats = floats;
    this.owner = owner;
    this.allowPatterns = allowPatterns;
  }

  string(n, what) {
    if (!n || n.kind !== 'string') fail(`${what} needs a string`);
    return utf8(n.bytes, what);
  }

  float(type, lit) {
    if (lit === undefined) fail(`${type}.const needs a value`);
    if (lit.kind !== 'atom') fail(`${type}.const needs a number`);
    if (lit.text === 'nan:canonical' || lit.text === 'nan:arithmetic') {
      if (!this.allowPatterns) fail(`${lit.text} is only allowed in expected results`);
      return { text: lit.text };
    }
    return this.floats.add(type, lit.text, this.owner);
  }

  // One parenthesised value: (KW args...).
  value(n) {
    if (!isList(n) || !isAtom(n.items[0])) fail('expected a value like (u32.const 1)');
    return this.inline(n.items);
  }

  // A value from its keyword and arguments (also used inline in `field`).
  inline(items) {
    const kw = items[0].text;
    const args = items.slice(1);
    const noMore = (k) => {
      if (args.length > k) fail(`${kw}: unexpected extra arguments`);
    };
    if (kw in INT_TYPES) {
      const [type, bits, signed] = INT_TYPES[kw];
      noMore(1);
      if (!isAtom(args[0])) fail(`${kw} needs a number`);
      return { type, value: intOfWidth(args[0].text, bits, signed).toString() };
    }
    switch (kw) {
      case 'i32.const':
      case 'i64.const': {
        noMore(1);
        const bits = kw === 'i32.const' ? 32 : 64;
        if (!isAtom(args[0])) fail(`${kw} needs a number`);
        return { type: kw.slice(0, 3), value: intOfWidth(args[0].text, bits, false).toString() };
      }
      case 'f32.const':
      case 'f64.const': {
        noMore(1);
        const type = kw.slice(0, 3);
        const f = this.float(type, args[0]);
        return f.text ? { type, value: f.text } : { type, get value() { return f.value; }, toJSON() { return { type, value: f.value }; } };
      }
      case 'v128.const': {
        if (!isAtom(args[0]) || !(args[0].text in LANES)) fail('v128.const needs a lane shape like i32x4');
        const [lane, count] = LANES[args[0].text];
        if (args.length !== count + 1) fail(`v128.const ${args[0].text} needs ${count} lanes`);
        const lanes = args.slice(1).map((a) => {
          if (!isAtom(a)) fail('v128 lanes are numbers');
          if (lane[0] === 'f') {
            const f = this.float(lane, a);
            return f.text ? { toJSON: () => f.text } : { toJSON: () => f.value };
          }
          return intOfWidth(a.text, Number(lane.slice(1)), false).toString();
        });
        return { type: 'v128', lane_type: lane, value: lanes };
      }
      case 'ref.null': {
        noMore(1);
        // (ref.null) alone: a null of any type (3.0 results)
        if (args.length === 0) {
          if (!this.allowPatterns) fail('ref.null needs a heap type in an argument');
          return { type: 'refnull' };
        }
        if (!isAtom(args[0])) fail('ref.null needs a heap type');
        const ht = args[0].text.replace(/ref$/, '');
        if (!(ht in NULL_TYPES)) fail(`ref.null: unknown heap type '${args[0].text}'`);
        return { type: NULL_TYPES[ht], value: 'null' };
      }
      case 'ref.host':
        noMore(1);
        if (!isAtom(args[0])) fail('ref.host needs a number');
        return { type: 'anyref', value: intOfWidth(args[0].text, 64, false).toString() };
      case 'ref.any': case 'ref.eq': case 'ref.i31': case 'ref.struct': case 'ref.array': case 'ref.exn':
        if (!this.allowPatterns) fail(`${kw} cannot be an argument`);
        if (args.length > 1) fail(`${kw}: unexpected extra arguments`);
        return { type: kw.slice(4) + 'ref' };
      case 'either':
        if (!this.allowPatterns) fail('either is only allowed in expected results');
        if (!args.length) fail('either needs alternatives');
        return { type: 'either', values: args.map((a) => this.value(a)) };
      case 'ref.extern':
        noMore(1);
        if (args.length === 0) {
          if (!this.allowPatterns) fail('ref.extern needs a number in an argument');
          return { type: 'externref' };
        }
        return { type: 'externref', value: intOfWidth(args[0].text, 64, false).toString() };
      case 'ref.func':
        if (!this.allowPatterns) fail('ref.func cannot be an argument');
        return { type: 'funcref' };
      case 'bool.const':
        noMore(1);
        if (!isAtom(args[0]) || (args[0].text !== 'true' && args[0].text !== 'false')) fail('bool.const needs true or false');
        return { type: 'bool', value: args[0].text };
      case 'char.const': {
        noMore(1);
        const s = this.string(args[0], 'char.const');
        if ([...s].length !== 1) fail(`char.const needs exactly one character, not "${s}"`);
        return { type: 'char', value: s };
      }
      case 'str.const':
        noMore(1);
        return { type: 'string', value: this.string(args[0], 'str.const') };
      case 'list.const':
        return { type: 'list', value: args.map((a) => this.value(a)) };
      case 'tuple.const':
        return { type: 'tuple', value: args.map((a) => this.value(a)) };
      case 'record.const':
        return {
          type: 'record',
          fields: args.map((f) => {
            if (!isList(f, 'field') || f.items.length < 3 || !isAtom(f.items[2])) fail('record.const fields are (field "name" KW args...)');
            return { name: this.string(f.items[1], 'a field name'), value: this.inline(f.items.slice(2)) };
          }),
        };
      case 'variant.const': {
        noMore(2);
        const v = { type: 'variant', case: this.string(args[0], 'variant.const') };
        if (args[1]) v.value = this.value(args[1]);
        return v;
      }
      case 'enum.const':
        noMore(1);
        return { type: 'enum', case: this.string(args[0], 'enum.const') };
      case 'option.none':
        noMore(0);
        return { type: 'option', case: 'none' };
      case 'option.some':
        noMore(1);
        if (!args[0]) fail('option.some needs a value');
        return { type: 'option', case: 'some', value: this.value(args[0]) };
      case 'result.ok':
      case 'result.err': {
        noMore(1);
        const v = { type: 'result', case: kw.slice(7) };
        if (args[0]) v.value = this.value(args[0]);
        return v;
      }
      case 'flags.const':
        return { type: 'flags', value: args.map((a) => this.string(a, 'a flag name')) };
      default:
        return fail(`unknown value form '${kw}'`);
    }
  }
}

// ---- Module forms -------------------------------------------------------------

// What a (component ...) / (module ...) form says, before encoding.
function readModuleForm(src, n) {
  const kind = n.items[0].text; // 'component' | 'module'
  let i = 1;
  const form = { component: kind === 'component', definition: false, name: null, encoding: 'text' };
  if (isAtom(n.items[i], 'definition')) {
    form.definition = true;
    i++;
  }
  let nameText = null;
  if (isId(n.items[i])) {
    nameText = n.items[i].text;
    form.name = idName(n.items[i++]);
  }
  if (isAtom(n.items[i], 'binary') || isAtom(n.items[i], 'quote')) {
    form.encoding = n.items[i++].text;
    const parts = n.items.slice(i);
    if (parts.some((p) => p.kind !== 'string')) fail(`(${kind} ${form.encoding} ...) takes only strings`);
    const bytes = Buffer.concat(parts.map((p) => p.bytes));
    if (form.encoding === 'binary') form.bytes = bytes;
    else form.text = `(${kind} ${bytes.toString('utf8')})`;
  } else {
    // The form's own text, without `definition` (not wat syntax).
    const whole = asciiText(src, n);
    const restStart = i < n.items.length ? n.items[i].start : n.end - 1;
    // (the part before restStart holds no string, so it is the same in both)
    const rest = whole.slice(src.subarray(n.start, restStart).toString('utf8').length);
    form.text = `(${kind}${nameText ? ' ' + nameText : ''} ${rest}`;
  }
  return form;
}

// The form's source text with every string holding non-ASCII bytes written
// as \hh escapes: the wasm-tools lexer refuses some characters raw (e.g.
// invisible or bidirectional ones in names.wast's export names) that the
// spec allows in strings, and accepts them escaped.
function asciiText(src, n) {
  const strings = [];
  const walk = (x) => {
    if (x.kind === 'string') {
      if (x.bytes.some((b) => b >= 0x80)) strings.push(x);
    } else if (x.kind === 'list') {
      x.items.forEach(walk);
    }
  };
  walk(n);
  if (!strings.length) return src.subarray(n.start, n.end).toString('utf8');
  let out = '';
  let pos = n.start;
  for (const x of strings) {
    out += src.subarray(pos, x.start).toString('utf8');
    out += '"' + [...x.bytes].map((b) => '\\' + b.toString(16).padStart(2, '0')).join('') + '"';
    pos = x.end;
  }
  return out + src.subarray(pos, n.end).toString('utf8');
}

// Module fields written at the top of a script: together, one module.
const MODULE_FIELDS = new Set(['type', 'rec', 'import', 'func', 'table', 'memory', 'global', 'tag', 'export',
  'start', 'elem', 'data']);

function isModuleForm(n) {
  return isList(n) && (isAtom(n.items[0], 'component') || isAtom(n.items[0], 'module')) && !isAtom(n.items[1], 'instance');
}

// ---- Commands ---------------------------------------------------------------

export function convertScript(src, forms, { parse, addFile, sourceFilename }) {
  const floats = new FloatBatch(parse);
  const commands = [];

  // Encodes a form into a file; returns [filename, module_type] or throws.
  const encode = (form) => {
    if (form.encoding === 'binary') return addFile('wasm', form.bytes);
    let bytes;
    try {
      bytes = parse(form.text);
    } catch (e) {
      return fail(`the text parser cannot encode this ${form.component ? 'component' : 'module'}: ${parserMessage(e)}`);
    }
    return addFile('wasm', Buffer.from(bytes));
  };

  const action = (n, cmd, allowPatterns) => {
    if (!isList(n, 'invoke') && !isList(n, 'get')) fail('expected (invoke ...) or (get ...)');
    const items = n.items.slice(1);
    const a = { type: n.items[0].text };
    if (isId(items[0])) a.module = idName(items.shift());
    if (!items[0] || items[0].kind !== 'string') fail(`${a.type} needs an export name`);
    a.field = items.shift().bytes.toString('utf8');
    if (a.type === 'invoke') {
      const r = new ValueReader(floats, cmd, allowPatterns);
      a.args = items.map((v) => r.value(v));
    } else if (items.length) {
      fail('get takes only a name');
    }
    return a;
  };

  const message = (n, what) => {
    if (!n || n.kind !== 'string') fail(`${what} needs a message string`);
    return n.bytes.toString('utf8');
  };

  // assert_invalid / assert_malformed / assert_unlinkable / a module trap.
  const moduleAssertion = (cmd, n, type) => {
    const target = n.items[1];
    if (!isModuleForm(target)) fail(`${type} needs a module or component`);
    const form = readModuleForm(src, target);
    cmd.text = message(n.items[2], type);
    if (form.component) cmd.component = true;
    if (type === 'assert_malformed' && form.encoding === 'quote') {
      // Malformed text is the text parser's business, not the compiler's:
      // written as text, as WABT's wast2json does, and skipped by the runner.
      cmd.filename = addFile('wat', Buffer.from(form.text));
      cmd.module_type = 'text';
      return;
    }
    cmd.filename = encode(form);
    cmd.module_type = 'binary';
  };

  for (let f = 0; f < forms.length; f++) {
    const n = forms[f];
    const line = lineOf(src, n.start);
    const head = isAtom(n.items[0]) ? n.items[0].text : '?';
    if (MODULE_FIELDS.has(head)) {
      // An inline module: this field and the ones right after it.
      let last = f;
      while (last + 1 < forms.length && isAtom(forms[last + 1].items[0]) && MODULE_FIELDS.has(forms[last + 1].items[0].text))
        last++;
      const cmd = { type: 'module', line };
      try {
        const text = '(module ' + forms.slice(f, last + 1).map((x) => asciiText(src, x)).join(' ') + ')';
        cmd.filename = encode({ component: false, encoding: 'text', text });
        cmd.module_type = 'binary';
      } catch (e) {
        if (!(e instanceof ConvertError)) throw e;
        cmd.skip = e.message;
      }
      commands.push(cmd);
      f = last;
      continue;
    }
    const cmd = { type: head, line };
    try {
      if (isList(n, 'component') || isList(n, 'module')) {
        if (isAtom(n.items[1], 'instance')) {
          // (component instance $i $Def)
          if (!isId(n.items[2]) || !isId(n.items[3])) fail(`(${head} instance $name $definition)`);
          cmd.type = 'module_instance';
          cmd.instance = idName(n.items[2]);
          cmd.module = idName(n.items[3]);
          if (head === 'component') cmd.component = true;
        } else {
          const form = readModuleForm(src, n);
          cmd.type = form.definition ? 'module_definition' : 'module';
          if (form.name) cmd.name = form.name;
          if (form.component) cmd.component = true;
          cmd.filename = encode(form);
          cmd.module_type = 'binary';
        }
      } else if (head === 'register') {
        cmd.as = message(n.items[1], 'register');
        if (isId(n.items[2])) cmd.name = idName(n.items[2]);
      } else if (head === 'invoke' || head === 'get') {
        cmd.type = 'action';
        cmd.action = action(n, cmd, false);
      } else if (head === 'assert_return') {
        cmd.action = action(n.items[1], cmd, false);
        const r = new ValueReader(floats, cmd, true);
        cmd.expected = n.items.slice(2).map((v) => r.value(v));
      } else if (head === 'assert_exception') {
        cmd.action = action(n.items[1], cmd, false);
      } else if (head === 'assert_trap' || head === 'assert_exhaustion') {
        if (isModuleForm(n.items[1])) {
          cmd.type = 'assert_uninstantiable';
          moduleAssertion(cmd, n, head);
        } else {
          cmd.action = action(n.items[1], cmd, false);
          cmd.text = message(n.items[2], head);
        }
      } else if (head === 'assert_invalid' || head === 'assert_malformed' || head === 'assert_unlinkable' ||
                 head === 'assert_uninstantiable') {
        moduleAssertion(cmd, n, head);
      } else {
        cmd.skip = `command '${head}' is not supported by the converter`;
      }
    } catch (e) {
      if (!(e instanceof ConvertError)) throw e;
      cmd.skip = e.message;
    }
    commands.push(cmd);
  }
  floats.resolve();
  // A command whose float literal the parser rejected is skipped whole.
  const out = commands.map((c) => (c.error ? { type: c.type, line: c.line, skip: c.error } : c));
  return { source_filename: sourceFilename, commands: JSON.parse(JSON.stringify(out)) };
}
