/* Lowering of linear-memory instructions: loads, stores, memory.size,
 * memory.grow and the bulk operations (memory.fill/copy/init, data.drop).
 *
 * Every scalar access is one LLVM load or store of the access width at the
 * address lf_memory_address computes, which also performs whatever bounds
 * check the memory mode needs, so the access itself carries no check.
 * Wasm allows any alignment, so the memarg's alignment is only a hint and
 * accesses are emitted with alignment 1 (both targets handle unaligned
 * scalars at full speed; claiming more than we can prove would be UB in
 * LLVM and, for vectors, select instructions that fault).  Both targets are
 * little-endian like Wasm, so no byte swapping is needed.  Narrow loads
 * extend to the result type; narrow stores truncate.
 *
 * memory.size reads the current byte size from the wasmc_memory object and
 * is never cached: memory.grow is a call into the runtime, after which LLVM
 * must reload it (as lf_memory_address does in bounds-check mode).
 * memory.fill and memory.copy on memory 0 are inline (range checks, then
 * llvm.memset/memmove): producers built with bulk memory use them for
 * every memset/memcpy, and LLVM expands short constant ones in place;
 * memory.init and data.drop need the segments, so they are runtime
 * builtins.  Either way every range is checked before anything is written,
 * as the spec orders.
 *
 * v128 loads and stores belong to the SIMD emitter (the 0xFD prefix); the
 * plain v128.load/v128.store are handled here too because they are exactly
 * a 16-byte access, so emit_simd may forward them.
 */
#include <stddef.h>
#include <string.h>

#include "lower.h"
#include "target.h"

/* How a load or store opcode touches memory. */
typedef struct AccessShape {
    LLVMTypeRef mem_type;   /* the type of the bytes in memory */
    LLVMTypeRef value_type; /* the Wasm operand/result type */
    uint32_t size;          /* bytes */
    bool sign_extend;       /* narrow loads: sext rather than zext */
} AccessShape;

static bool access_shape(LowerFunc *f, Opcode op, AccessShape *s) {
    LowerModule *lm = f->lm;
    LLVMTypeRef i8 = lm->t_i8, i16 = lm->t_i16, i32 = lm->t_i32, i64 = lm->t_i64;
    switch (op) {
    case OP_I32_LOAD: case OP_I32_STORE:
        *s = (AccessShape){i32, i32, 4, false}; return true;
    case OP_I64_LOAD: case OP_I64_STORE:
        *s = (AccessShape){i64, i64, 8, false}; return true;
    case OP_F32_LOAD: case OP_F32_STORE:
        *s = (AccessShape){lm->t_f32, lm->t_f32, 4, false}; return true;
    case OP_F64_LOAD: case OP_F64_STORE:
        *s = (AccessShape){lm->t_f64, lm->t_f64, 8, false}; return true;
    case OP_V128_LOAD: case OP_V128_STORE:
        *s = (AccessShape){lm->t_v128, lm->t_v128, 16, false}; return true;
    case OP_I32_LOAD8_S: *s = (AccessShape){i8, i32, 1, true}; return true;
    case OP_I32_LOAD8_U: *s = (AccessShape){i8, i32, 1, false}; return true;
    case OP_I32_LOAD16_S: *s = (AccessShape){i16, i32, 2, true}; return true;
    case OP_I32_LOAD16_U: *s = (AccessShape){i16, i32, 2, false}; return true;
    case OP_I64_LOAD8_S: *s = (AccessShape){i8, i64, 1, true}; return true;
    case OP_I64_LOAD8_U: *s = (AccessShape){i8, i64, 1, false}; return true;
    case OP_I64_LOAD16_S: *s = (AccessShape){i16, i64, 2, true}; return true;
    case OP_I64_LOAD16_U: *s = (AccessShape){i16, i64, 2, false}; return true;
    case OP_I64_LOAD32_S: *s = (AccessShape){i32, i64, 4, true}; return true;
    case OP_I64_LOAD32_U: *s = (AccessShape){i32, i64, 4, false}; return true;
    case OP_I32_STORE8: *s = (AccessShape){i8, i32, 1, false}; return true;
    case OP_I32_STORE16: *s = (AccessShape){i16, i32, 2, false}; return true;
    case OP_I64_STORE8: *s = (AccessShape){i8, i64, 1, false}; return true;
    case OP_I64_STORE16: *s = (AccessShape){i16, i64, 2, false}; return true;
    case OP_I64_STORE32: *s = (AccessShape){i32, i64, 4, false}; return true;
    default:
        return false;
    }
}

static bool is_store(Opcode op) {
    switch (op) {
    case OP_I32_STORE: case OP_I64_STORE: case OP_F32_STORE: case OP_F64_STORE:
    case OP_I32_STORE8: case OP_I32_STORE16:
    case OP_I64_STORE8: case OP_I64_STORE16: case OP_I64_STORE32:
    case OP_V128_STORE:
        return true;
    default:
        return false;
    }
}

static void emit_load(LowerFunc *f, const Instr *in, const AccessShape *s) {
    LLVMValueRef addr = lf_pop(f);
    LLVMValueRef ptr = lf_memory_address(f, 0, addr, in->mem_offset, s->size);
    LLVMValueRef v = LLVMBuildLoad2(f->b, s->mem_type, ptr, "");
    /* The memarg alignment is a hint the producer may get wrong; pass 0 so
     * the access is emitted with alignment 1. */
    lf_mark_memory_access(f, v, 0);
    lf_anchor_load(f, v, in->mem_offset, s->size);
    if (s->mem_type != s->value_type)
        v = s->sign_extend ? LLVMBuildSExt(f->b, v, s->value_type, "")
                           : LLVMBuildZExt(f->b, v, s->value_type, "");
    lf_push(f, v);
}

static void emit_store(LowerFunc *f, const Instr *in, const AccessShape *s) {
    LLVMValueRef value = lf_pop(f);
    LLVMValueRef addr = lf_pop(f);
    LLVMValueRef ptr = lf_memory_address(f, 0, addr, in->mem_offset, s->size);
    if (s->mem_type != s->value_type)
        value = LLVMBuildTrunc(f->b, value, s->mem_type, "");
    LLVMValueRef st = LLVMBuildStore(f->b, value, ptr);
    lf_mark_memory_access(f, st, 0);
    lf_order_side_effect(f);
}

/* The wasmc_memory of memory 0: its pointer is fixed at instantiation
 * (the prologue loads it once when the module has a memory). */
static LLVMValueRef memory0_object(LowerFunc *f) {
    if (f->memory0)
        return f->memory0;
    return lf_vmctx_load(f, f->lm->t_ptr, offsetof(wasmc_vmctx, memory0), true, "memory0");
}

/* The current byte size of memory 0.  Not invariant: memory.grow (a call)
 * changes it.  Tagged like the vmctx because the wasmc_memory object is
 * runtime data, never linear memory, so stores to linear memory do not
 * force a reload. */
static LLVMValueRef memory0_bytes(LowerFunc *f) {
    LowerModule *lm = f->lm;
    LLVMValueRef idx = lm_const_i64(lm, offsetof(wasmc_memory, size));
    LLVMValueRef p = LLVMBuildInBoundsGEP2(f->b, lm->t_i8, memory0_object(f), &idx, 1, "");
    return lf_load(f, lm->t_i64, p, lm->tbaa_vmctx, false, "memory.bytes");
}

/* The base of memory 0, which never moves for the memory's life. */
static LLVMValueRef memory0_base(LowerFunc *f) {
    if (f->memory_base)
        return f->memory_base;
    return lf_vmctx_load(f, f->lm->t_ptr, offsetof(wasmc_vmctx, memory0_base), true, "membase");
}

static void emit_memory_size(LowerFunc *f) {
    LowerModule *lm = f->lm;
    LLVMValueRef pages = LLVMBuildLShr(f->b, memory0_bytes(f), lm_const_i64(lm, 16), "");
    lf_push(f, LLVMBuildTrunc(f->b, pages, lm->t_i32, "memory.size"));
}

/* Traps "out of bounds memory access" unless [at, at + n) lies inside
 * memory 0, computed in 64 bits so no sum of two u32 can wrap.  Returns
 * the i8* of `at`. */
static LLVMValueRef checked_range(LowerFunc *f, LLVMValueRef at, LLVMValueRef n64, LLVMValueRef bytes) {
    LowerModule *lm = f->lm;
    LLVMValueRef at64 = LLVMBuildZExt(f->b, at, lm->t_i64, "");
    LLVMValueRef end = LLVMBuildAdd(f->b, at64, n64, "");
    lf_trap_if(f, LLVMBuildICmp(f->b, LLVMIntUGT, end, bytes, ""), WASMC_TRAP_MEMORY_OOB);
    return LLVMBuildInBoundsGEP2(f->b, lm->t_i8, memory0_base(f), &at64, 1, "");
}

/* The bulk intrinsics touch only linear memory: say so, so that vmctx and
 * table fields stay in registers across them. */
static void tag_linear_memory(LowerFunc *f, LLVMValueRef call) {
    LLVMSetMetadata(call, f->lm->md_tbaa, f->lm->tbaa_memory);
}

/* memory.fill and memory.copy are inline: every range is checked before
 * anything is written (the spec's order), then one llvm.memset/memmove,
 * which LLVM expands in place for small constant lengths instead of a
 * call into the runtime. */
static void emit_memory_fill(LowerFunc *f) {
    LowerModule *lm = f->lm;
    LLVMValueRef n = lf_pop(f), val = lf_pop(f), d = lf_pop(f);
    LLVMValueRef n64 = LLVMBuildZExt(f->b, n, lm->t_i64, "");
    LLVMValueRef dst = checked_range(f, d, n64, memory0_bytes(f));
    LLVMValueRef byte = LLVMBuildTrunc(f->b, val, lm->t_i8, "");
    tag_linear_memory(f, LLVMBuildMemSet(f->b, dst, byte, n64, 1));
    lf_order_side_effect(f);
}

static void emit_memory_copy(LowerFunc *f) {
    LowerModule *lm = f->lm;
    LLVMValueRef n = lf_pop(f), s = lf_pop(f), d = lf_pop(f);
    LLVMValueRef n64 = LLVMBuildZExt(f->b, n, lm->t_i64, "");
    LLVMValueRef bytes = memory0_bytes(f);
    LLVMValueRef src = checked_range(f, s, n64, bytes);
    LLVMValueRef dst = checked_range(f, d, n64, bytes);
    tag_linear_memory(f, LLVMBuildMemMove(f->b, dst, 1, src, 1, n64));
    lf_order_side_effect(f);
}

static void emit_memory_grow(LowerFunc *f, const Instr *in) {
    LowerModule *lm = f->lm;
    LLVMValueRef delta = lf_pop(f);
    LLVMValueRef args[] = {f->vmctx, lm_const_i32(lm, in->index), delta};
    LLVMValueRef old = lf_call_builtin(f, WASMC_BUILTIN_memory_grow, args, 3);
    lf_push(f, old);
}

/* Calls a void builtin with vmctx, the immediates, then the top `npop`
 * operands in push order. */
static void emit_bulk_call(LowerFunc *f, wasmc_builtin_id builtin, const uint32_t *imms, unsigned nimm,
                           unsigned npop) {
    LowerModule *lm = f->lm;
    LLVMValueRef args[8];
    unsigned n = 0;
    args[n++] = f->vmctx;
    for (unsigned i = 0; i < nimm; i++)
        args[n++] = lm_const_i32(lm, imms[i]);
    for (unsigned i = 0; i < npop; i++)
        args[n + npop - 1 - i] = lf_pop(f);
    n += npop;
    lf_call_builtin(f, builtin, args, n);
}

bool emit_memory(LowerFunc *f, const Instr *in) {
    AccessShape shape;
    if (access_shape(f, in->op, &shape)) {
        if (is_store(in->op))
            emit_store(f, in, &shape);
        else
            emit_load(f, in, &shape);
        return true;
    }
    switch (in->op) {
    case OP_MEMORY_SIZE:
        emit_memory_size(f);
        return true;
    case OP_MEMORY_GROW:
        emit_memory_grow(f, in);
        return true;
    case OP_MEMORY_FILL: /* d val n */
        if (in->index == 0)
            emit_memory_fill(f);
        else
            emit_bulk_call(f, WASMC_BUILTIN_memory_fill, (uint32_t[]){in->index}, 1, 3);
        return true;
    case OP_MEMORY_COPY: /* d s n; immediates: dst mem, src mem */
        if (in->index == 0 && in->index2 == 0)
            emit_memory_copy(f);
        else
            emit_bulk_call(f, WASMC_BUILTIN_memory_copy, (uint32_t[]){in->index, in->index2}, 2, 3);
        return true;
    case OP_MEMORY_INIT: /* d s n; immediates: data segment, memory */
        emit_bulk_call(f, WASMC_BUILTIN_memory_init, (uint32_t[]){in->index2, in->index}, 2, 3);
        return true;
    case OP_DATA_DROP:
        emit_bulk_call(f, WASMC_BUILTIN_data_drop, (uint32_t[]){in->index}, 1, 0);
        return true;
    default:
        return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset,
                          "%s is not a memory instruction", op_info[in->op].text);
    }
}
