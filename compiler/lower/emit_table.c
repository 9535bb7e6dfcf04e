/* Lowering of table and reference instructions: table.get/set/size inline,
 * table.grow/fill/copy/init and elem.drop through runtime builtins, and
 * ref.null/ref.is_null/ref.func.
 *
 * A reference is a pointer: NULL is ref.null, a funcref points at a
 * wasmc_funcref, an externref is opaque host data.  Each table is a
 * wasmc_table owned by the runtime, reached through the vmctx's table
 * pointer array (fixed at instantiation, so those loads are invariant).
 * The table's elems and size are reloaded at every access because the
 * table.grow builtin (or another instance sharing the table) may change
 * them; they are tagged as table data so linear-memory stores do not force
 * the reload.  ref.func needs no runtime call: the runtime fills one
 * wasmc_funcref per function in the vmctx, so the reference is an address
 * computed from the vmctx.
 */
#include <stddef.h>

#include "lower.h"

static void tag_table_access(LowerFunc *f, LLVMValueRef inst) {
    LowerModule *lm = f->lm;
    if (lm->tbaa_table)
        LLVMSetMetadata(inst, LLVMGetMDKindIDInContext(lm->ctx, "tbaa", 4), lm->tbaa_table);
}

/* The wasmc_table of table `index`. */
static LLVMValueRef table_object(LowerFunc *f, uint32_t index) {
    return lf_vmctx_load(f, f->lm->t_ptr, f->lm->layout.tables + index * (uint32_t)sizeof(void *), true, "table");
}

static LLVMValueRef load_table_field(LowerFunc *f, LLVMValueRef table, LLVMTypeRef type, size_t offset,
                                     const char *name) {
    LowerModule *lm = f->lm;
    LLVMValueRef p = LLVMBuildInBoundsGEP2(f->b, lm->t_i8, table, (LLVMValueRef[]){lm_const_i64(lm, offset)}, 1, "");
    LLVMValueRef v = LLVMBuildLoad2(f->b, type, p, name);
    tag_table_access(f, v);
    return v;
}

/* Address of element `idx` (i32) of table `index`, trapping "out of bounds
 * table access" when idx >= size. */
static LLVMValueRef table_elem_address(LowerFunc *f, uint32_t index, LLVMValueRef idx) {
    LowerModule *lm = f->lm;
    LLVMValueRef table = table_object(f, index);
    LLVMValueRef size = load_table_field(f, table, lm->t_i32, offsetof(wasmc_table, size), "table.size");
    lf_trap_if(f, LLVMBuildICmp(f->b, LLVMIntUGE, idx, size, ""), WASMC_TRAP_TABLE_OOB);
    LLVMValueRef elems = load_table_field(f, table, lm->t_ptr, offsetof(wasmc_table, elems), "table.elems");
    LLVMValueRef i64idx = LLVMBuildZExt(f->b, idx, lm->t_i64, "");
    return LLVMBuildInBoundsGEP2(f->b, lm->t_ptr, elems, &i64idx, 1, "");
}

static void emit_table_get(LowerFunc *f, const Instr *in) {
    LLVMValueRef idx = lf_pop(f);
    LLVMValueRef p = table_elem_address(f, in->index, idx);
    LLVMValueRef v = LLVMBuildLoad2(f->b, f->lm->t_ptr, p, "");
    tag_table_access(f, v);
    lf_push(f, v);
}

static void emit_table_set(LowerFunc *f, const Instr *in) {
    LLVMValueRef value = lf_pop(f);
    LLVMValueRef idx = lf_pop(f);
    LLVMValueRef p = table_elem_address(f, in->index, idx);
    tag_table_access(f, LLVMBuildStore(f->b, value, p));
    lf_order_side_effect(f);
}

static void emit_table_size(LowerFunc *f, const Instr *in) {
    LLVMValueRef table = table_object(f, in->index);
    lf_push(f, load_table_field(f, table, f->lm->t_i32, offsetof(wasmc_table, size), "table.size"));
}

/* Builtin arguments: vmctx, then `nimm` immediates (i32), then the top
 * operands in push order; `types` gives the operands' LLVM types. */
/* Calls builtin `id` with vmctx, the immediates, then the top `npop`
 * operands in push order. */
static LLVMValueRef call_builtin(LowerFunc *f, wasmc_builtin_id id, const uint32_t *imms, unsigned nimm,
                                 unsigned npop) {
    LowerModule *lm = f->lm;
    LLVMValueRef args[8];
    unsigned n = 0;
    args[n++] = f->vmctx;
    for (unsigned i = 0; i < nimm; i++) args[n++] = lm_const_i32(lm, imms[i]);
    for (unsigned i = 0; i < npop; i++) args[n + npop - 1 - i] = lf_pop(f);
    n += npop;
    return lf_call_builtin(f, id, args, n);
}

bool emit_table(LowerFunc *f, const Instr *in) {
    LowerModule *lm = f->lm;
    LLVMTypeRef i32 = lm->t_i32, ptr = lm->t_ptr;
    switch (in->op) {
    case OP_TABLE_GET:
        emit_table_get(f, in);
        return true;
    case OP_TABLE_SET:
        emit_table_set(f, in);
        return true;
    case OP_TABLE_SIZE:
        emit_table_size(f, in);
        return true;
    case OP_TABLE_GROW: /* init n -> old size or -1 */
        lf_push(f, call_builtin(f, WASMC_BUILTIN_table_grow, (uint32_t[]){in->index}, 1, 2));
        return true;
    case OP_TABLE_FILL: /* i val n */
        call_builtin(f, WASMC_BUILTIN_table_fill, (uint32_t[]){in->index}, 1, 3);
        return true;
    case OP_TABLE_COPY: /* d s n; immediates: dst table, src table */
        call_builtin(f, WASMC_BUILTIN_table_copy, (uint32_t[]){in->index, in->index2}, 2, 3);
        return true;
    case OP_TABLE_INIT: /* d s n; immediates: elem segment, table */
        call_builtin(f, WASMC_BUILTIN_table_init, (uint32_t[]){in->index2, in->index}, 2, 3);
        return true;
    case OP_ELEM_DROP:
        call_builtin(f, WASMC_BUILTIN_elem_drop, (uint32_t[]){in->index}, 1, 0);
        return true;
    case OP_REF_NULL:
        lf_push(f, LLVMConstPointerNull(ptr));
        return true;
    case OP_REF_IS_NULL: {
        LLVMValueRef is_null = LLVMBuildIsNull(f->b, lf_pop(f), "");
        lf_push(f, LLVMBuildZExt(f->b, is_null, i32, "ref.is_null"));
        return true;
    }
    case OP_REF_FUNC:
        lf_push(f, lf_vmctx_ptr(f, lm->layout.funcrefs + in->index * (uint32_t)sizeof(wasmc_funcref)));
        return true;
    default:
        return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "%s is not a table or reference instruction",
                          op_info[in->op].text);
    }
}
