// Runs a wasm32-wasi command under Node's V8 with node:wasi, so the harness
// can compare against a mature JIT.  Usage: node --no-liftoff node_wasi.mjs
// prog.wasm [args...].  The exit status is the guest's proc_exit code (WASI
// returnOnExit), so checksum failures propagate like they do natively.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, exit } from 'node:process';

const [, , file, ...args] = argv;
if (!file) {
  console.error('usage: node node_wasi.mjs PROG.wasm [ARGS...]');
  exit(2);
}
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
exit(wasi.start(instance));
