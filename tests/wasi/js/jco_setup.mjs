// Loaded by `jco run --jco-import`: jco 1.35's shim preopens nothing, so
// this preopens JSRUN_PREOPEN (HOST::GUEST) in the very shim module the
// component is bound to (JSRUN_P2SHIM, the preview2-shim jco resolves;
// node maps the symlink jco makes to the same real file, so one instance).
import { pathToFileURL } from 'node:url';

const shim = process.env.JSRUN_P2SHIM;
const spec = process.env.JSRUN_PREOPEN;
if (!shim || !spec || !spec.includes('::')) {
  console.error('jco_setup: JSRUN_P2SHIM and JSRUN_PREOPEN=HOST::GUEST are required');
  process.exit(2);
}
const fs = await import(pathToFileURL(`${shim}/dist/nodejs/filesystem.js`).href);
const [host, guest] = spec.split('::');
fs._setPreopens({});
fs._addPreopen(guest, host);
