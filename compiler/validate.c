/* stub: to be written (front end) */
#include "module.h"
#include "instr.h"
bool module_validate(const Module *m, WasmError *err) {
    (void)m;
    return wasm_error(err, WASM_ERR_INTERNAL, 0, "validator not implemented");
}
