/* stub: to be written (front end) */
#include "module.h"
#include "instr.h"
bool instr_next(InstrReader *r, Instr *out, WasmError *err) {
    (void)r; (void)out;
    return wasm_error(err, WASM_ERR_INTERNAL, 0, "instruction reader not implemented");
}
void instr_br_table_targets(const uint8_t *bytes, const Instr *in, uint32_t *out) { (void)bytes; (void)in; (void)out; }
