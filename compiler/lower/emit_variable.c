/* Lowering of local and global variable access.
 *
 * Locals are allocas created in the entry block (mem2reg makes them SSA),
 * so local.get/set/tee are plain loads and stores.  A defined global lives
 * in its own 16-byte cell inside the vmctx (layout.global_cells); an
 * imported one is reached through its pointer in layout.globals, which is
 * fixed at instantiation (an invariant load).  Immutable globals never
 * change after instantiation, so their value loads are invariant too and
 * LLVM may hoist or CSE them freely; mutable ones are tagged tbaa_global so
 * they never alias linear memory.
 */
#include "lower.h"

static LLVMValueRef global_cell(LowerFunc *f, uint32_t index) {
    LowerModule *lm = f->lm;
    const Module *m = lm->m;
    if (m->globals[index].imported)
        return lf_vmctx_load(f, lm->t_ptr, lm->layout.globals + 8u * index, true, "global.ptr");
    uint32_t defined = index - m->num_imported_globals;
    return lf_vmctx_ptr(f, lm->layout.global_cells + (uint32_t)sizeof(wasmc_slot) * defined);
}

bool emit_variable(LowerFunc *f, const Instr *in) {
    LowerModule *lm = f->lm;
    uint32_t i = in->index;
    switch (in->op) {
    case OP_LOCAL_GET:
    case OP_LOCAL_SET:
    case OP_LOCAL_TEE: {
        if (i >= f->num_locals)
            return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "local %u out of range", i);
        if (in->op == OP_LOCAL_GET) {
            lf_push(f, LLVMBuildLoad2(f->b, lm_valtype(lm, f->local_types[i]), f->locals[i], ""));
        } else {
            LLVMValueRef v = in->op == OP_LOCAL_SET ? lf_pop(f) : lf_peek(f, 0);
            LLVMBuildStore(f->b, v, f->locals[i]);
        }
        return !wasm_error_is_set(f->err);
    }
    case OP_GLOBAL_GET:
    case OP_GLOBAL_SET: {
        if (i >= lm->m->num_globals)
            return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "global %u out of range", i);
        const Global *g = &lm->m->globals[i];
        LLVMValueRef cell = global_cell(f, i);
        if (in->op == OP_GLOBAL_GET) {
            LLVMValueRef v = lf_load(f, lm_valtype(lm, g->type), cell, lm->tbaa_global, !g->mutable_, "global");
            LLVMSetAlignment(v, 8); /* wasmc_slot is only 8-aligned in C */
            lf_push(f, v);
        } else {
            LLVMValueRef st = LLVMBuildStore(f->b, lf_pop(f), cell);
            LLVMSetMetadata(st, lm->md_tbaa, lm->tbaa_global);
            LLVMSetAlignment(st, 8);
            lf_order_side_effect(f);
        }
        return !wasm_error_is_set(f->err);
    }
    default:
        return wasm_error(f->err, WASM_ERR_UNSUPPORTED, in->offset, "%s not supported", op_info[in->op].text);
    }
}
