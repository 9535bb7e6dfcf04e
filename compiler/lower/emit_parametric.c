/* Lowering of the parametric instructions: drop and select.
 *
 * drop just forgets the value, except that a linear-memory load feeding
 * it must still run (and trap when out of bounds), which lf_keep_dropped
 * ensures.  select, typed or not, is an LLVM select on `cond != 0`; both
 * operands are already evaluated, exactly as Wasm requires.
 */
#include "lower.h"

bool emit_parametric(LowerFunc *f, const Instr *in) {
    switch (in->op) {
    case OP_DROP:
        lf_keep_dropped(f, lf_pop(f));
        return !wasm_error_is_set(f->err);
    case OP_SELECT:
    case OP_SELECT_T: {
        LLVMValueRef cond = lf_pop(f);
        LLVMValueRef v2 = lf_pop(f);
        LLVMValueRef v1 = lf_pop(f);
        LLVMValueRef c = LLVMBuildICmp(f->b, LLVMIntNE, cond, lm_const_i32(f->lm, 0), "");
        lf_push(f, LLVMBuildSelect(f->b, c, v1, v2, "select"));
        return !wasm_error_is_set(f->err);
    }
    default:
        return wasm_error(f->err, WASM_ERR_UNSUPPORTED, in->offset, "%s not supported", op_info[in->op].text);
    }
}
