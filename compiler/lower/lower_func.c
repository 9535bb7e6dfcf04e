/* Per-function lowering: the dispatch loop and the helpers every emitter
 * shares (operand stack, vmctx access, traps, memory addressing,
 * intrinsics).
 *
 * A function becomes one LLVM function whose entry block holds an alloca
 * per local (params stored, declared locals zeroed; mem2reg turns them into
 * SSA), the loads of vmctx fields that never change during a call (limits,
 * memory0 and its base), and the stack-overflow check.  The body is then
 * lowered instruction by instruction: the dispatch loop hands each one to
 * the emitter of its class, and while the innermost control frame is
 * unreachable (after br, return, unreachable, br_table) it skips
 * instructions, tracking nesting, until that frame's else or end.
 *
 * Traps go to one cold block per function and trap code, which calls
 * builtins->trap and ends in `unreachable`; conditional branches to it carry
 * branch weights so the hot path stays a straight fall-through.  Emitters
 * may leave the builder in a block nothing jumps to (lf_trap); after the
 * body every block still lacking a terminator gets `unreachable`, so dead
 * code never produces invalid IR.
 */
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "target.h"

/* ---- Operand stack ---- */

void lf_push(LowerFunc *f, LLVMValueRef v) {
    if (f->sp == f->stack_cap) {
        uint32_t cap = f->stack_cap ? f->stack_cap * 2 : 64;
        LLVMValueRef *s = realloc(f->stack, sizeof *s * cap);
        if (!s) {
            wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (operand stack)");
            return;
        }
        f->stack = s;
        f->stack_cap = cap;
    }
    f->stack[f->sp++] = v;
}

LLVMValueRef lf_pop(LowerFunc *f) {
    if (f->sp == 0) {
        /* Validated input never underflows; keep going with a placeholder
         * so the caller's IR stays well-formed until the error surfaces. */
        wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "operand stack underflow in lowering");
        return LLVMGetUndef(f->lm->t_i32);
    }
    return f->stack[--f->sp];
}

LLVMValueRef lf_peek(LowerFunc *f, uint32_t depth_from_top) {
    if (depth_from_top >= f->sp) {
        wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "operand stack underflow in lowering");
        return LLVMGetUndef(f->lm->t_i32);
    }
    return f->stack[f->sp - 1 - depth_from_top];
}

/* ---- Types and constants ---- */

LLVMTypeRef lm_valtype(LowerModule *lm, uint8_t valtype) {
    switch (valtype) {
    case VT_I32: return lm->t_i32;
    case VT_I64: return lm->t_i64;
    case VT_F32: return lm->t_f32;
    case VT_F64: return lm->t_f64;
    case VT_V128: return lm->t_v128;
    default: return lm->t_ptr; /* funcref, externref */
    }
}

LLVMValueRef lm_const_i32(LowerModule *lm, uint32_t v) { return LLVMConstInt(lm->t_i32, v, false); }
LLVMValueRef lm_const_i64(LowerModule *lm, uint64_t v) { return LLVMConstInt(lm->t_i64, v, false); }

LLVMTypeRef lm_results_type(LowerModule *lm, uint32_t n, const uint8_t *types) {
    if (n == 0)
        return lm->t_void;
    if (n == 1)
        return lm_valtype(lm, types[0]);
    LLVMTypeRef stack_buf[16];
    LLVMTypeRef *elems = n <= 16 ? stack_buf : malloc(sizeof *elems * n);
    if (!elems)
        return NULL;
    for (uint32_t i = 0; i < n; i++)
        elems[i] = lm_valtype(lm, types[i]);
    LLVMTypeRef t = LLVMStructTypeInContext(lm->ctx, elems, n, false);
    if (elems != stack_buf)
        free(elems);
    return t;
}

bool lm_results_in_memory(const FuncType *t) {
    uint32_t ints = 0, vecs = 0;
    for (uint32_t i = 0; i < t->num_results; i++) {
        uint8_t r = t->results[i];
        if (r == VT_F32 || r == VT_F64 || r == VT_V128)
            vecs++;
        else
            ints++;
    }
    return ints > 3 || vecs > 4;
}

LLVMTypeRef lm_wasm_fn_type(LowerModule *lm, const FuncType *t) {
    unsigned first = lm_first_param(t);
    LLVMTypeRef ret = first == 2 ? lm->t_void : lm_results_type(lm, t->num_results, t->results);
    LLVMTypeRef *params = malloc(sizeof *params * ((size_t)t->num_params + first));
    if (!ret || !params) {
        free(params);
        return NULL;
    }
    params[0] = lm->t_ptr;   /* vmctx */
    params[first - 1] = lm->t_ptr; /* out, when results are in memory */
    for (uint32_t i = 0; i < t->num_params; i++)
        params[i + first] = lm_valtype(lm, t->params[i]);
    LLVMTypeRef ft = LLVMFunctionType(ret, params, t->num_params + first, false);
    free(params);
    return ft;
}

/* ---- vmctx access ---- */

LLVMValueRef lf_load(LowerFunc *f, LLVMTypeRef type, LLVMValueRef ptr, LLVMValueRef tbaa,
                     bool invariant, const char *name) {
    LowerModule *lm = f->lm;
    LLVMValueRef v = LLVMBuildLoad2(f->b, type, ptr, name ? name : "");
    if (tbaa)
        LLVMSetMetadata(v, lm->md_tbaa, tbaa);
    if (invariant)
        LLVMSetMetadata(v, lm->md_invariant, lm->md_empty);
    return v;
}

LLVMValueRef lf_vmctx_ptr(LowerFunc *f, uint32_t offset) {
    if (offset == 0)
        return f->vmctx;
    LLVMValueRef idx = lm_const_i64(f->lm, offset);
    return LLVMBuildInBoundsGEP2(f->b, f->lm->t_i8, f->vmctx, &idx, 1, "");
}

LLVMValueRef lf_vmctx_load(LowerFunc *f, LLVMTypeRef type, uint32_t offset, bool invariant, const char *name) {
    return lf_load(f, type, lf_vmctx_ptr(f, offset), f->lm->tbaa_vmctx, invariant, name);
}

/* builtins.def as the compiler needs it: where each builtin's pointer is,
 * its LLVM signature and whether it returns. */
enum { BT_VOID, BT_I32, BT_PTR, BT_VMCTX };
enum { BT_NORETURN, BT_MAY_TRAP, BT_NO_TRAP };
#define BT_PARAMS(...) WASMC_BT_MAP(BT_, __VA_ARGS__)
static const struct {
    size_t offset;
    uint8_t result, traps, num_params;
    uint8_t params[6];
} builtin_info[WASMC_BUILTIN_COUNT_] = {
#define BUILTIN(NAME, RESULT, TRAPS, PARAMS)                                              \
    [WASMC_BUILTIN_##NAME] = {offsetof(wasmc_builtins, NAME), BT_##RESULT, BT_##TRAPS, \
                              WASMC_BT_COUNT PARAMS, {BT_PARAMS PARAMS}},
#include "wasmc/builtins.def"
#undef BUILTIN
};

static LLVMTypeRef builtin_type(LowerModule *lm, uint8_t t) {
    switch (t) {
    case BT_VOID: return lm->t_void;
    case BT_I32: return lm->t_i32;
    default: return lm->t_ptr;   /* BT_PTR, BT_VMCTX */
    }
}

LLVMValueRef lf_call_builtin(LowerFunc *f, wasmc_builtin_id id, LLVMValueRef *args, unsigned nargs) {
    LowerModule *lm = f->lm;
    LLVMTypeRef params[6];
    unsigned np = builtin_info[id].num_params;
    for (unsigned i = 0; i < np; i++) params[i] = builtin_type(lm, builtin_info[id].params[i]);
    LLVMTypeRef ty = LLVMFunctionType(builtin_type(lm, builtin_info[id].result), params, np, false);
    LLVMValueRef builtins = lf_vmctx_load(f, lm->t_ptr, offsetof(wasmc_vmctx, builtins), true, "builtins");
    LLVMValueRef idx = lm_const_i64(lm, builtin_info[id].offset);
    LLVMValueRef slot = LLVMBuildInBoundsGEP2(f->b, lm->t_i8, builtins, &idx, 1, "");
    LLVMValueRef fn = lf_load(f, lm->t_ptr, slot, lm->tbaa_vmctx, true, "builtin");
    bool is_void = builtin_info[id].result == BT_VOID;
    /* A wrong argument count would be a miscompile LLVM's verifier reports
     * far from here; the table is the contract. */
    if (nargs != np) {
        wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "builtin %u called with %u arguments, not %u",
                   (unsigned)id, nargs, np);
        nargs = np < nargs ? np : nargs;
    }
    LLVMValueRef call = LLVMBuildCall2(f->b, ty, fn, args, nargs, is_void ? "" : "r");
    if (builtin_info[id].traps == BT_NORETURN) {
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                                 LLVMCreateEnumAttribute(lm->ctx, LLVMGetEnumAttributeKindForName("noreturn", 8), 0));
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                                 LLVMCreateEnumAttribute(lm->ctx, LLVMGetEnumAttributeKindForName("cold", 4), 0));
    }
    return call;
}

/* ---- Traps ---- */

void lf_set_unlikely(LowerFunc *f, LLVMValueRef br) {
    LLVMSetMetadata(br, f->lm->md_prof, f->lm->prof_unlikely);
}

static LLVMBasicBlockRef trap_block(LowerFunc *f, wasmc_trap_code code) {
    if ((unsigned)code >= WASMC_TRAP_COUNT_)
        code = WASMC_TRAP_UNREACHABLE;
    if (f->trap_blocks[code])
        return f->trap_blocks[code];
    LowerModule *lm = f->lm;
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(f->b);
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(lm->ctx, f->fn, "trap");
    LLVMPositionBuilderAtEnd(f->b, bb);
    LLVMValueRef args[2] = {f->vmctx, lm_const_i32(lm, code)};
    lf_call_builtin(f, WASMC_BUILTIN_trap, args, 2);
    LLVMBuildUnreachable(f->b);
    if (saved)
        LLVMPositionBuilderAtEnd(f->b, saved);
    f->trap_blocks[code] = bb;
    return bb;
}

void lf_trap_if(LowerFunc *f, LLVMValueRef cond, wasmc_trap_code code) {
    if (LLVMIsAConstantInt(cond) && LLVMConstIntGetZExtValue(cond) == 0)
        return; /* statically never traps */
    LLVMBasicBlockRef trap = trap_block(f, code);
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(f->lm->ctx, f->fn, "ok");
    LLVMValueRef br = LLVMBuildCondBr(f->b, cond, trap, cont);
    lf_set_unlikely(f, br);
    LLVMPositionBuilderAtEnd(f->b, cont);
}

void lf_trap(LowerFunc *f, wasmc_trap_code code) {
    LLVMBuildBr(f->b, trap_block(f, code));
    LLVMPositionBuilderAtEnd(f->b, LLVMAppendBasicBlockInContext(f->lm->ctx, f->fn, "dead"));
}

/* ---- Memory ---- */

/* The wasmc_memory object of memory `mem` (invariant for the instance). */
static LLVMValueRef memory_object(LowerFunc *f, uint32_t mem) {
    if (mem == 0 && f->memory0)
        return f->memory0;
    LowerModule *lm = f->lm;
    return lf_vmctx_load(f, lm->t_ptr, lm->layout.memories + 8u * mem, true, "memory");
}

/* Label `zext` as the address of an access (ADDR_MD), for the passes. */
static void mark_address(LowerFunc *f, LLVMValueRef zext) {
    if (LLVMIsAInstruction(zext))
        LLVMSetMetadata(zext, LLVMGetMDKindIDInContext(f->lm->ctx, ADDR_MD, sizeof ADDR_MD - 1), f->lm->md_empty);
}

LLVMValueRef lf_memory_address(LowerFunc *f, uint32_t mem, LLVMValueRef addr, uint64_t offset, uint32_t size) {
    LowerModule *lm = f->lm;
    LLVMValueRef base;
    if (mem == 0 && f->memory_base) {
        base = f->memory_base;
    } else {
        /* The base never moves for a memory's life (artifact.h). */
        LLVMValueRef base_ptr = memory_object(f, mem);
        base = lf_load(f, lm->t_ptr, base_ptr, lm->tbaa_vmctx, true, "membase");
    }
    LLVMValueRef ea = LLVMBuildZExt(f->b, addr, lm->t_i64, "ea");
    mark_address(f, ea);
    /* 2.0 offsets are u32; anything past 2^40 is out of bounds of any
     * 32-bit memory, so trap instead of risking overflow in the sums. */
    if (offset > (1ull << 40)) {
        lf_trap(f, WASMC_TRAP_MEMORY_OOB);
        return LLVMConstNull(lm->t_ptr);
    }
    /* Below the minimum size the memory never shrinks under: cannot trap. */
    uint64_t bound;
    bool in_bounds = opt_address_bound(addr, &bound) &&
                     bound + offset + size <= lm->m->memories[mem].limits.min * WASMC_WASM_PAGE_SIZE;
    bool need_check = !in_bounds && (lm->cc->memory_mode != WASMC_MEMORY_GUARD_PAGES || mem != 0 ||
                                     offset + size > WASMC_GUARD_BYTES);
    if (in_bounds) {
        /* Nothing to check, nothing to keep in order with. */
    } else if (need_check) {
        LLVMValueRef memsize = lf_load(f, lm->t_i64,
                                       LLVMBuildInBoundsGEP2(f->b, lm->t_i8, memory_object(f, mem),
                                                             (LLVMValueRef[]){lm_const_i64(lm, offsetof(wasmc_memory, size))}, 1, ""),
                                       lm->tbaa_vmctx, false, "memsize");
        /* ea + offset + size > memsize, rearranged so the right-hand side
         * (memsize - offset - size, signed: it may be negative) depends
         * only on the memory size, which LLVM hoists out of loops that
         * neither call nor grow: each access then costs one compare.
         * No overflow: ea < 2^32, offset + size <= 2^40 + 16, memsize
         * <= 2^48. */
        LLVMValueRef limit = LLVMBuildNSWSub(f->b, memsize, lm_const_i64(lm, offset + size), "limit");
        LLVMValueRef oob = LLVMBuildICmp(f->b, LLVMIntSGT, ea, limit, "oob");
        if (LLVMIsAInstruction(oob)) { /* the check's label (CHECK_MD, opt/labels.h) */
            LLVMMetadataRef md[2] = {LLVMValueAsMetadata(lm_const_i64(lm, offset + size)),
                                     LLVMValueAsMetadata(lm_const_i32(lm, mem))};
            LLVMSetMetadata(oob, LLVMGetMDKindIDInContext(lm->ctx, CHECK_MD, sizeof CHECK_MD - 1),
                            LLVMMetadataAsValue(lm->ctx, LLVMMDNodeInContext2(lm->ctx, md, 2)));
        }
        lf_trap_if(f, oob, WASMC_TRAP_MEMORY_OOB);
    } else {
        lf_order_flush(f); /* the guard page traps: keep it after earlier side effects */
    }
    LLVMValueRef full = offset ? LLVMBuildAdd(f->b, ea, lm_const_i64(lm, offset), "") : ea;
    LLVMValueRef ptr = LLVMBuildInBoundsGEP2(f->b, lm->t_i8, base, &full, 1, "addr");
    if (in_bounds && LLVMIsAInstruction(ptr))
        LLVMSetMetadata(ptr, LLVMGetMDKindIDInContext(lm->ctx, IN_BOUNDS_MD, sizeof IN_BOUNDS_MD - 1), lm->md_empty);
    return ptr;
}

bool lf_access_in_bounds(LowerFunc *f, LLVMValueRef access) {
    LLVMValueRef ptr = LLVMIsALoadInst(access) || LLVMIsAStoreInst(access)
                           ? LLVMGetOperand(access, LLVMIsALoadInst(access) ? 0 : 1) : NULL;
    return ptr && LLVMIsAInstruction(ptr) &&
           LLVMGetMetadata(ptr, LLVMGetMDKindIDInContext(f->lm->ctx, IN_BOUNDS_MD, sizeof IN_BOUNDS_MD - 1));
}

void lf_mark_memory_access(LowerFunc *f, LLVMValueRef inst, uint32_t align_log2) {
    /* Wasm's alignment immediate is only a hint, so only a proven
     * alignment may be claimed; callers pass 0 unless they have a proof. */
    LLVMSetAlignment(inst, align_log2 < 5 ? 1u << align_log2 : 1u);
    LLVMSetMetadata(inst, f->lm->md_tbaa, f->lm->tbaa_memory);
}

/* Follows pure value computations (arithmetic, casts, compares, selects)
 * back to the linear-memory loads that feed them, to a small depth, and
 * makes those loads volatile: LLVM may delete a non-volatile load whose
 * result is unused, which in guard-page mode would lose its trap. */
static void keep_loads(LowerFunc *f, LLVMValueRef v, int depth) {
    if (depth > 8 || !LLVMIsAInstruction(v))
        return;
    if (LLVMIsALoadInst(v)) {
        if (LLVMGetMetadata(v, f->lm->md_tbaa) == f->lm->tbaa_memory)
            LLVMSetVolatile(v, true);
        return;
    }
    if (LLVMIsABinaryOperator(v) || LLVMIsACastInst(v) || LLVMIsACmpInst(v) || LLVMIsASelectInst(v) ||
        LLVMIsAExtractValueInst(v) || LLVMIsAUnaryOperator(v)) {
        int n = LLVMGetNumOperands(v);
        for (int i = 0; i < n; i++)
            keep_loads(f, LLVMGetOperand(v, (unsigned)i), depth + 1);
    }
}

void lf_keep_dropped(LowerFunc *f, LLVMValueRef v) {
    keep_loads(f, v, 0);
}

/* ---- Intrinsics ---- */

LLVMValueRef lf_call_intrinsic(LowerFunc *f, const char *name, LLVMTypeRef *overload_types,
                               unsigned num_overloads, LLVMValueRef *args, unsigned nargs) {
    LowerModule *lm = f->lm;
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    if (id == 0) {
        wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "unknown LLVM intrinsic %s", name);
        return LLVMGetUndef(num_overloads ? overload_types[0] : lm->t_i32);
    }
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(lm->mod, id, overload_types, num_overloads);
    LLVMTypeRef ty = LLVMIntrinsicGetType(lm->ctx, id, overload_types, num_overloads);
    bool is_void = LLVMGetReturnType(ty) == lm->t_void;
    return LLVMBuildCall2(f->b, ty, fn, args, nargs, is_void ? "" : "");
}

/* ---- Prologue ---- */

/* The current stack pointer as an integer: llvm.read_register of the
 * target's stack register when known, else llvm.stacksave. */
static LLVMValueRef read_stack_pointer(LowerFunc *f) {
    LowerModule *lm = f->lm;
    const char *sp = lm->cc->target ? lm->cc->target->stack_pointer : NULL;
    if (sp && *sp) {
        LLVMMetadataRef name = LLVMMDStringInContext2(lm->ctx, sp, strlen(sp));
        LLVMValueRef md = LLVMMetadataAsValue(lm->ctx, LLVMMDNodeInContext2(lm->ctx, &name, 1));
        LLVMTypeRef ov = lm->t_i64;
        return lf_call_intrinsic(f, "llvm.read_register", &ov, 1, &md, 1);
    }
    LLVMTypeRef ov = lm->t_ptr;
    LLVMValueRef p = lf_call_intrinsic(f, "llvm.stacksave", &ov, 1, NULL, 0);
    return LLVMBuildPtrToInt(f->b, p, lm->t_i64, "sp");
}

static bool emit_prologue(LowerFunc *f, const Func *fn) {
    LowerModule *lm = f->lm;
    const FuncType *t = f->type;
    f->num_locals = t->num_params + fn->num_locals;
    f->local_types = malloc((size_t)f->num_locals + 1);
    f->locals = malloc(sizeof *f->locals * ((size_t)f->num_locals + 1));
    if (!f->local_types || !f->locals)
        return wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (locals)");
    memcpy(f->local_types, t->params, t->num_params);
    if (fn->num_locals)
        memcpy(f->local_types + t->num_params, fn->local_types, fn->num_locals);

    LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(lm->ctx, f->fn, "entry");
    LLVMPositionBuilderAtEnd(f->b, entry);
    for (uint32_t i = 0; i < f->num_locals; i++) {
        LLVMTypeRef ty = lm_valtype(lm, f->local_types[i]);
        f->locals[i] = LLVMBuildAlloca(f->b, ty, "");
        LLVMValueRef init = i < t->num_params ? LLVMGetParam(f->fn, i + lm_first_param(t)) : LLVMConstNull(ty);
        LLVMBuildStore(f->b, init, f->locals[i]);
    }

    f->limits = lf_vmctx_load(f, lm->t_ptr, offsetof(wasmc_vmctx, limits), true, "limits");
    LLVMValueRef limit = lf_load(f, lm->t_i64, f->limits, lm->tbaa_vmctx, false, "stack_limit");
    LLVMValueRef sp = read_stack_pointer(f);
    lf_trap_if(f, LLVMBuildICmp(f->b, LLVMIntULT, sp, limit, "overflow"), WASMC_TRAP_STACK_EXHAUSTED);

    if (lm->m->num_memories > 0) {
        f->memory0 = lf_vmctx_load(f, lm->t_ptr, offsetof(wasmc_vmctx, memory0), true, "memory0");
        f->memory_base = lf_vmctx_load(f, lm->t_ptr, offsetof(wasmc_vmctx, memory0_base), true, "membase");
    }
    return true;
}

/* ---- Dispatch ---- */

static bool dispatch(LowerFunc *f, const Instr *in) {
    const OpInfo *oi = &op_info[in->op];
    if (oi->prefix == 0xFD)
        return emit_simd(f, in);
    if (oi->prefix == 0xFC) {
        if (oi->code <= 7)
            return emit_conversion(f, in);
        if (oi->code <= 11)
            return emit_memory(f, in);
        return emit_table(f, in);
    }
    uint32_t c = oi->code;
    if (c <= 0x13)
        return emit_control(f, in);
    if (c == 0x1A || c == 0x1B || c == 0x1C)
        return emit_parametric(f, in);
    if (c >= 0x20 && c <= 0x24)
        return emit_variable(f, in);
    if (c == 0x25 || c == 0x26 || (c >= 0xD0 && c <= 0xD2))
        return emit_table(f, in);
    if (c >= 0x28 && c <= 0x40)
        return emit_memory(f, in);
    if (c >= 0x41 && c <= 0xA6)
        return emit_numeric(f, in);
    if (c >= 0xA7 && c <= 0xC4)
        return emit_conversion(f, in);
    return wasm_error(f->err, WASM_ERR_UNSUPPORTED, in->offset, "%s not supported", oi->text);
}

/* Every block without a terminator is dead code left behind by lf_trap or
 * a skipped region; end it so the function verifies. */
static void terminate_dead_blocks(LowerFunc *f) {
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(f->fn); bb; bb = LLVMGetNextBasicBlock(bb)) {
        if (!LLVMGetBasicBlockTerminator(bb)) {
            LLVMPositionBuilderAtEnd(f->b, bb);
            LLVMBuildUnreachable(f->b);
        }
    }
}

/* Begin the function's outermost control frame (see emit_control.c). */
bool lf_begin_function_frame(LowerFunc *f);

bool lower_function(LowerModule *lm, uint32_t func_index, WasmError *err) {
    const Module *m = lm->m;
    const Func *fn = &m->funcs[func_index];
    LowerFunc fs;
    memset(&fs, 0, sizeof fs);
    LowerFunc *f = &fs;
    f->lm = lm;
    f->func_index = func_index;
    f->type = &m->types[fn->type_index];
    f->fn = lm_func(lm, func_index);
    f->vmctx = LLVMGetParam(f->fn, 0);
    f->err = err;
    f->b = LLVMCreateBuilderInContext(lm->ctx);

    bool ok = emit_prologue(f, fn) && lf_begin_function_frame(f);
    if (ok) {
        InstrReader r;
        instr_reader_init(&r, m->bytes, fn->code_offset, fn->body_end);
        uint32_t skip_depth = 0;
        Instr in;
        while (ok && !instr_reader_done(&r)) {
            if (!instr_next(&r, &in, err)) {
                ok = false;
                break;
            }
            if (f->ctrl_depth == 0) {
                ok = wasm_error(err, WASM_ERR_INTERNAL, in.offset, "instruction after the function's end");
                break;
            }
            if (f->ctrl[f->ctrl_depth - 1].unreachable) {
                if (in.op == OP_BLOCK || in.op == OP_LOOP || in.op == OP_IF) {
                    skip_depth++;
                    continue;
                }
                if (in.op == OP_END && skip_depth > 0) {
                    skip_depth--;
                    continue;
                }
                if (!(in.op == OP_END || (in.op == OP_ELSE && skip_depth == 0)))
                    continue;
            }
            ok = dispatch(f, &in) && !wasm_error_is_set(err);
        }
        if (ok && f->ctrl_depth != 0)
            ok = wasm_error(err, WASM_ERR_INTERNAL, fn->body_end, "function body ends inside a block");
    }
    if (ok)
        terminate_dead_blocks(f);
    else if (!wasm_error_is_set(err))
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "lowering function %u failed", func_index);

    for (uint32_t i = 0; i < f->ctrl_cap; i++) {
        free(f->ctrl[i].end_phis);
        free(f->ctrl[i].loop_phis);
        free(f->ctrl[i].if_params);
    }
    free(f->ctrl);
    free(f->stack);
    free(f->locals);
    free(f->local_types);
    LLVMDisposeBuilder(f->b);
    return ok;
}
