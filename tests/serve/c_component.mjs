// node c_component.mjs NODE_MODULES CORE.wasm OUT.wasm: a core module with
// wasi:http/proxy@0.2.12 imports and export (hello_handler.c) made a
// component: the world's WIT (jco's copy of WASI 0.2.12) embedded, then
// wasm-tools component new, both through jco's wasm-tools build.  The WIT
// goes in as one source, its packages nested, because that build reads
// no directories.
import { readFile, readdir, writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

const [npm, core, out] = process.argv.slice(2);
const { componentEmbed, componentNew } = await import(
  pathToFileURL(`${npm}/@bytecodealliance/jco-transpile/dist/wasm-tools.js`).href);
const deps = `${npm}/@bytecodealliance/jco/lib/wit/builtin/0.2.12`;
let wit = "package local:hello;\nworld hello { include wasi:http/proxy@0.2.12; }\n";
for (const dir of (await readdir(deps)).sort()) {
  let name = null, body = "";
  for (const f of (await readdir(`${deps}/${dir}`)).filter((f) => f.endsWith(".wit")).sort()) {
    const text = await readFile(`${deps}/${dir}/${f}`, "utf8");
    const m = text.match(/^\s*package\s+([^;]+);/m);
    if (m) name = m[1];
    body += text.replace(/^\s*package\s+[^;]+;/m, "") + "\n";
  }
  wit += `package ${name} {\n${body}\n}\n`;
}
const embedded = await componentEmbed({ binary: await readFile(core), witSource: wit, world: "local:hello/hello" });
await writeFile(out, await componentNew(embedded, []));
