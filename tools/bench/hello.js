// Cold-start probe, JavaScript: the smallest WASI 0.2 command componentize-js
// makes (a StarlingMonkey snapshot, ~12 MB).  cold_start.py times
// `wasmrt hello_js.so` against the C hello as a component, as a preview1
// module and natively.
export const run = {
  run() {
    console.log('hello');
  },
};
