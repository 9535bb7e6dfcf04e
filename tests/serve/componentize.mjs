// node componentize.mjs SRC.js WIT_DIR WORLD OUT.wasm: componentize-js, as
// pinned in tools/npm (run from a folder whose node_modules has it).
import { componentize } from "@bytecodealliance/componentize-js";
import { writeFile } from "node:fs/promises";
const [src, wit, world, out] = process.argv.slice(2);
const { component } = await componentize({ sourcePath: src, witPath: wit, worldName: world });
await writeFile(out, component);
