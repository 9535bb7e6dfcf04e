// A JavaScript WASI 0.2 command (componentize-js): exercises stdout,
// arguments and environment, both clocks, random, a preopened directory
// and an exit code.  Its stdout is the same under wasmrt and `jco run`;
// what legitimately differs between hosts (timings, random values, the
// host's answer to an escape) is checked here and reported as ok/FAIL, or
// goes to stderr.
//
// usage: command DIR [ARGS...] exit=N
//   DIR is the guest path of a preopened directory holding input.txt;
//   the program writes DIR/out.txt and ends with exit-with-code(N).
import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { exitWithCode } from 'wasi:cli/exit@0.2.12';
import { getStdout } from 'wasi:cli/stdout@0.2.12';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import { getRandomBytes, getRandomU64 } from 'wasi:random/random@0.2.12';
import { now as monoNow, subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.12';
import { now as wallNow } from 'wasi:clocks/wall-clock@0.2.12';

const enc = new TextEncoder();
const dec = new TextDecoder();
let failures = 0;
function check(what, ok, detail) {
  console.log(`${what}: ${ok ? 'ok' : 'FAIL'}`);
  if (!ok) {
    failures++;
    console.error(`FAIL ${what}: ${detail}`);
  }
}
function code(e) {
  return e && e.payload !== undefined ? String(e.payload) : String(e);
}

// The preopen that DIR lies in, and DIR's path relative to it.
function locate(dir) {
  let best;
  for (const [desc, name] of getDirectories()) {
    const base = name.endsWith('/') ? name : name + '/';
    if (dir === name || dir.startsWith(base)) {
      if (!best || name.length > best[1].length) best = [desc, name];
    }
  }
  if (!best) throw new Error(`no preopen holds ${dir}`);
  const rel = dir === best[1] ? '.' : dir.slice(best[1].length).replace(/^\/+/, '');
  return [best[0], rel];
}

function readAll(desc) {
  const chunks = [];
  let off = 0n;
  for (;;) {
    const [bytes, end] = desc.read(7n, off);  // small reads: several calls
    chunks.push(dec.decode(bytes));
    off += BigInt(bytes.length);
    if (end || bytes.length === 0) break;
  }
  return chunks.join('');
}

function filesystem(dirPath) {
  const [root, rel] = locate(dirPath);
  const dir = rel === '.' ? root
    : root.openAt({ symlinkFollow: true }, rel, { directory: true }, { read: true, mutateDirectory: true });
  console.log(`dir type: ${dir.getType()}`);

  const input = dir.openAt({}, 'input.txt', {}, { read: true });
  const text = readAll(input);
  console.log(`input.txt: ${JSON.stringify(text)} (${input.stat().size} bytes)`);

  const out = dir.openAt({}, 'out.txt', { create: true, truncate: true }, { write: true });
  const s = out.writeViaStream(0n);
  s.blockingWriteAndFlush(enc.encode('written by '));
  s.blockingWriteAndFlush(enc.encode('javascript\n'));
  s[Symbol.dispose]?.();
  console.log(`out.txt size: ${out.stat().size}`);

  dir.createDirectoryAt('made');
  const names = [];
  // through a descriptor opened with read: jco's shim cannot list a preopen itself
  const entries = dir.openAt({}, '.', { directory: true }, { read: true }).readDirectory();
  for (let e; (e = entries.readDirectoryEntry()) != null;) names.push(`${e.name}:${e.type}`);
  names.sort();
  console.log(`entries: ${names.join(' ')}`);

  try {
    dir.openAt({}, 'missing.txt', {}, { read: true });
    console.log('missing.txt: opened');
  } catch (e) {
    console.log(`missing.txt: ${code(e)}`);
  }
  // leaving the preopen (the test puts outside/secret next to it)
  try {
    const f = root.openAt({}, rel === '.' ? '../outside/secret' : `${rel}/../../outside/secret`, {}, { read: true });
    console.log(`escape: READ ${JSON.stringify(readAll(f))}`);
  } catch (e) {
    console.log(`escape: ${code(e)}`);
  }
}

export const run = {
  run() {
    try {
      main();
    } catch (e) {
      // exceptions cross the component boundary as a bare err: say what it was
      console.error(`uncaught: ${e} ${code(e)}\n${e && e.stack}`);
      exitWithCode(101);
    }
  },
};

function main() {
  const args = getArguments().slice(1);  // argv[0] is the host's name for the program
  const exitArg = args.find((a) => a.startsWith('exit='));
  const dirPath = args[0];
  console.log(`args: ${JSON.stringify(args.slice(1))}`);
  const env = getEnvironment().filter(([k]) => k.startsWith('JSTEST_')).sort();
  console.log(`env: ${JSON.stringify(env)}`);

  getStdout().blockingWriteAndFlush(enc.encode('stdout stream: direct write\n'));

  const wall = wallNow();
  check('wall clock', wall.seconds > 1600000000n && wall.nanoseconds < 1000000000,
        `${wall.seconds}.${wall.nanoseconds}`);
  check('Date.now', Math.abs(Date.now() - Number(wall.seconds) * 1000) < 60000, Date.now());
  const t0 = monoNow();
  subscribeDuration(20000000n).block();
  const t1 = monoNow();
  check('monotonic sleep 20ms', t1 - t0 >= 20000000n, `${t1 - t0} ns`);

  const bytes = getRandomBytes(32n);
  check('random bytes', bytes.length === 32 && bytes.some((b) => b !== 0), bytes.length);
  const u = [getRandomU64(), getRandomU64()];
  check('random u64', u[0] !== u[1], u);
  const buf = crypto.getRandomValues(new Uint8Array(16));
  check('crypto.getRandomValues', buf.some((b) => b !== 0), buf);
  const m = Math.random();
  check('Math.random', m >= 0 && m < 1, m);

  filesystem(dirPath);

  // more than a pipe holds (64 KiB), through console.log: the host must
  // keep what the reader has not taken yet, in order
  let total = 0;
  for (let i = 0; i < 2500; i++) {
    const line = `bulk ${i} ${'.'.repeat(i % 50)}`;
    total += line.length + 1;
    console.log(line);
  }
  console.log(`bulk bytes: ${total}`);
  console.error('stderr: console.error');

  const status = exitArg ? Number(exitArg.slice(5)) : 0;
  console.log(`failures: ${failures}`);
  console.log(`exit: ${status}`);
  if (failures) exitWithCode(100);
  exitWithCode(status);
}
