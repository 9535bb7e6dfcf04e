/* stub: to be written */
#include "lower.h"

bool emit_conversion(LowerFunc *f, const Instr *in) {
    return wasm_error(f->err, WASM_ERR_UNSUPPORTED, in->offset, "%s not yet supported", op_info[in->op].text);
}
