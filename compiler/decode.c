/* stub: to be written (front end) */
#include "module.h"
#include "instr.h"
bool module_decode(const uint8_t *bytes, size_t size, Module *out, WasmError *err) {
    (void)bytes; (void)size; (void)out;
    return wasm_error(err, WASM_ERR_INTERNAL, 0, "decoder not implemented");
}
void module_free(Module *m) { arena_free(&m->arena); }
