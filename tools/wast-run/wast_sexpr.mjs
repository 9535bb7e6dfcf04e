// The WebAssembly text format's S-expressions, read just far enough to split
// a .wast script into its commands and to read their values: lists, atoms
// (keywords, $ids, numbers) and strings (decoded to bytes).  Every node keeps
// its byte offsets in the source, so a module form can be handed to the real
// parser as its exact text, comments and annotations included.
//
// Nodes:  {kind: 'list',   items, start, end}   end is one past ')'
//         {kind: 'atom',   text,  start, end}   ($"quoted ids" included)
//         {kind: 'string', bytes, start, end}   bytes: a Buffer
// Annotations `(@name ...)` are dropped from the tree at every depth (the
// parser reads them from a form's text anyway).

export class SexprError extends Error {
  constructor(message, offset) {
    super(message);
    this.offset = offset;
  }
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const HEX = /^[0-9a-fA-F]$/;

// 1-based line of a byte offset.  The newline offsets of the last source
// are kept, so a script's thousands of commands cost one scan, not one each.
let lineCache = { src: null, newlines: [] };
export function lineOf(src, offset) {
  if (lineCache.src !== src) {
    const newlines = [];
    for (let i = src.indexOf(0x0a); i >= 0; i = src.indexOf(0x0a, i + 1)) newlines.push(i);
    lineCache = { src, newlines };
  }
  const nl = lineCache.newlines;
  let lo = 0;
  let hi = nl.length; // count of newlines before offset
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (nl[mid] < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

// Reads a string literal starting at src[pos] === '"'; returns [bytes, end].
function readString(src, pos) {
  const out = [];
  let i = pos + 1;
  for (;;) {
    if (i >= src.length) throw new SexprError('unterminated string', pos);
    const c = src[i];
    if (c === 0x22) return [Buffer.from(out), i + 1];
    if (c === 0x0a) throw new SexprError('newline in a string', i);
    if (c !== 0x5c) {
      out.push(c);
      i++;
      continue;
    }
    const e = String.fromCharCode(src[i + 1] ?? 0);
    const simple = { t: 9, n: 10, r: 13, '"': 0x22, "'": 0x27, '\\': 0x5c };
    if (e in simple) {
      out.push(simple[e]);
      i += 2;
    } else if (e === 'u') {
      if (src[i + 2] !== 0x7b) throw new SexprError('bad \\u escape (expected {)', i);
      const close = src.indexOf(0x7d, i + 3);
      const hex = close < 0 ? '' : src.subarray(i + 3, close).toString('latin1').replace(/_/g, '');
      if (!/^[0-9a-fA-F]+$/.test(hex)) throw new SexprError('bad \\u escape', i);
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) throw new SexprError(`\\u{${hex}} is not a Unicode scalar value`, i);
      out.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i = close + 1;
    } else if (HEX.test(e) && HEX.test(String.fromCharCode(src[i + 2] ?? 0))) {
      out.push(parseInt(src.subarray(i + 1, i + 3).toString('latin1'), 16));
      i += 3;
    } else {
      throw new SexprError(`invalid string escape '\\${e}'`, i);
    }
  }
}

// Skips whitespace and comments from pos; returns the next token's offset.
function skipSpace(src, pos) {
  for (;;) {
    if (pos >= src.length) return pos;
    const c = src[pos];
    if (SPACE.has(c)) {
      pos++;
    } else if (c === 0x3b && src[pos + 1] === 0x3b) {
      while (pos < src.length && src[pos] !== 0x0a) pos++;
    } else if (c === 0x28 && src[pos + 1] === 0x3b) {
      const start = pos;
      let depth = 0;
      while (true) {
        if (pos + 1 >= src.length) throw new SexprError('unterminated block comment', start);
        if (src[pos] === 0x28 && src[pos + 1] === 0x3b) {
          depth++;
          pos += 2;
        } else if (src[pos] === 0x3b && src[pos + 1] === 0x29) {
          depth--;
          pos += 2;
          if (depth === 0) break;
        } else {
          pos++;
        }
      }
    } else {
      return pos;
    }
  }
}

// A lone ';' is part of a token (the 3.0 lexer's `reserved` tokens, seen in
// annotations); only ';;' starts a comment.
function isAtomEnd(src, pos) {
  const c = src[pos];
  return c === undefined || SPACE.has(c) || c === 0x28 || c === 0x29 || c === 0x22 || (c === 0x3b && src[pos + 1] === 0x3b);
}

// Reads every top-level form of src (a Buffer).
export function readSexprs(src) {
  const top = [];
  const stack = [];
  let pos = 0;
  for (;;) {
    pos = skipSpace(src, pos);
    if (pos >= src.length) break;
    const c = src[pos];
    if (c === 0x28) {
      stack.push({ kind: 'list', items: [], start: pos, end: -1 });
      pos++;
    } else if (c === 0x29) {
      const node = stack.pop();
      if (!node) throw new SexprError("unexpected ')'", pos);
      node.end = pos + 1;
      pos++;
      const isAnnotation = node.items[0]?.kind === 'atom' && node.items[0].text.startsWith('@');
      // Annotations are left out of the tree, at any depth (a form's text
      // still holds them, for the parser): `((@a) module (@a) $m ...)`.
      if (isAnnotation) continue;
      if (stack.length) stack[stack.length - 1].items.push(node);
      else top.push(node);
    } else {
      let node;
      if (c === 0x22) {
        const [bytes, end] = readString(src, pos);
        node = { kind: 'string', bytes, start: pos, end };
        pos = end;
      } else {
        const start = pos;
        while (!isAtomEnd(src, pos)) pos++;
        // $"..." : an identifier written as a string
        if (src[pos] === 0x22 && pos === start + 1 && src[start] === 0x24) pos = readString(src, pos)[1];
        node = { kind: 'atom', text: src.subarray(start, pos).toString('utf8'), start, end: pos };
      }
      if (!stack.length) throw new SexprError(`'${src.subarray(node.start, Math.min(node.end, node.start + 40))}' outside a command`, node.start);
      stack[stack.length - 1].items.push(node);
    }
  }
  if (stack.length) throw new SexprError("unclosed '('", stack[stack.length - 1].start);
  return top;
}
