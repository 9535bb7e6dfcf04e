/* Guard-page mode: keeping loads whose value dies.
 *
 * An access without an explicit check traps only by touching the guard
 * region, so the load itself must survive even when its value is dead.
 * Values die in many ways LLVM exploits (a local overwritten before it is
 * read, operands a br or return discards, x & 0, a store DSE removes...)
 * and instruction selection drops unused loads even at -O0 (found by
 * fuzz-diff: tests/fuzz-diff/regress/dead_load_*.wat).  Like wasm2c's
 * FORCE_READ, each load is forced: made volatile once the optimiser is
 * done, or its value handed to an empty asm statement that cannot be
 * deleted.
 *
 * An asm statement in a loop stops the loop vectoriser, though (it cannot
 * widen it), which cost up to 2.3x on loops LLVM otherwise vectorises.
 * So the optimiser never sees the asm: a scalar load is anchored by a call
 * to an external function wasmc_anchor_<type> (memory effects: see
 * add_anchor_attributes) that has vector variants (the
 * "vector-function-abi-variant" attribute, as vector math libraries
 * declare theirs), which lets the vectorisers widen it with the loads.
 * After the pipeline, opt/anchor_materialize.c replaces every such call
 * by what keeps the load.
 *
 * 128-bit SIMD loads are anchored with the asm statement directly: no
 * vectoriser widens them.
 */
#include <stdio.h>

#include "lower.h"
#include "target.h"

/* What an anchor claims to do: nounwind willreturn memory(read,
 * inaccessiblemem: readwrite).  Writing inaccessible memory keeps it from
 * being deleted without stopping LLVM from forwarding, hoisting or
 * combining linear-memory accesses around it.  Reading all memory keeps
 * the stores before the load: the load may trap, and a trapped instance's
 * memory must show every store made before it, but without the read
 * dead-store elimination merged `store A; trapping load; store A` into one
 * store after the load (fuzz-diff seed 103504,
 * tests/fuzz-diff/regress/store_before_trapping_load.wat).  MemoryEffects
 * packs two ModRef bits per location (argmem, inaccessiblemem, other). */
#define ANCHOR_MEMORY_EFFECTS (1u | 3u << 2 | 1u << 4)

static void add_anchor_attributes(LLVMContextRef ctx, LLVMValueRef fn_or_call, bool is_call) {
    LLVMAttributeRef attrs[3];
    attrs[0] = LLVMCreateEnumAttribute(ctx, LLVMGetEnumAttributeKindForName("memory", 6), ANCHOR_MEMORY_EFFECTS);
    attrs[1] = LLVMCreateEnumAttribute(ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0);
    attrs[2] = LLVMCreateEnumAttribute(ctx, LLVMGetEnumAttributeKindForName("willreturn", 10), 0);
    for (int i = 0; i < 3; i++) {
        if (is_call)
            LLVMAddCallSiteAttribute(fn_or_call, LLVMAttributeFunctionIndex, attrs[i]);
        else
            LLVMAddAttributeAtIndex(fn_or_call, LLVMAttributeFunctionIndex, attrs[i]);
    }
}

static void set_anchor_attributes(LLVMContextRef ctx, LLVMValueRef fn) {
    add_anchor_attributes(ctx, fn, false);
    opt_label_function(fn, ANCHOR_MD);
}

/* wasmc_anchor_<name>(ty), declared once per module with its vector
 * variants: every power-of-two width up to 512 bits (the widest vectors
 * of either target's extensions). */
static LLVMValueRef anchor_function(LowerModule *lm, LLVMTypeRef ty, const char *name, unsigned bits) {
    char scalar_name[64];
    snprintf(scalar_name, sizeof scalar_name, ANCHOR_PREFIX "%s", name);
    LLVMValueRef fn = LLVMGetNamedFunction(lm->mod, scalar_name);
    if (fn)
        return fn;
    LLVMTypeRef fnty = LLVMFunctionType(lm->t_void, &ty, 1, false);
    fn = LLVMAddFunction(lm->mod, scalar_name, fnty);
    set_anchor_attributes(lm->ctx, fn);
    char variants[1024] = "";
    size_t len = 0;
    for (unsigned vf = 2; vf * bits <= 512; vf *= 2) {
        char vector_name[80];
        snprintf(vector_name, sizeof vector_name, "%s_v%u", scalar_name, vf);
        LLVMTypeRef vty = LLVMVectorType(ty, vf);
        LLVMValueRef vfn = LLVMAddFunction(lm->mod, vector_name, LLVMFunctionType(lm->t_void, &vty, 1, false));
        set_anchor_attributes(lm->ctx, vfn);
        len += (size_t)snprintf(variants + len, sizeof variants - len, "%s_ZGV_LLVM_N%uv_%s(%s)", len ? "," : "",
                                vf, scalar_name, vector_name);
    }
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateStringAttribute(lm->ctx, "vector-function-abi-variant", 27, variants,
                                                      (unsigned)len));
    return fn;
}

void lf_anchor_load(LowerFunc *f, LLVMValueRef v, uint64_t offset, uint32_t size) {
    LowerModule *lm = f->lm;
    /* Mirrors lf_memory_address: only unchecked accesses rely on the guard. */
    if (lm->cc->memory_mode != WASMC_MEMORY_GUARD_PAGES || offset + size > WASMC_GUARD_BYTES ||
        lf_access_in_bounds(f, v))
        return;
    if (LLVMIsALoadInst(v)) /* for the guard-page verifier */
        LLVMSetMetadata(v, LLVMGetMDKindIDInContext(lm->ctx, GUARDED_MD, sizeof GUARDED_MD - 1), lm->md_empty);
    LLVMTypeRef ty = LLVMTypeOf(v);
    const char *name = NULL;
    unsigned bits = 0;
    switch (LLVMGetTypeKind(ty)) {
    case LLVMIntegerTypeKind:
        bits = LLVMGetIntTypeWidth(ty);
        name = bits == 8 ? "i8" : bits == 16 ? "i16" : bits == 32 ? "i32" : bits == 64 ? "i64" : NULL;
        break;
    case LLVMFloatTypeKind: name = "f32"; bits = 32; break;
    case LLVMDoubleTypeKind: name = "f64"; bits = 64; break;
    default: break;
    }
    if (!name) {
        /* SIMD values: nothing to widen.  The optimiser still runs after it. */
        add_anchor_attributes(lm->ctx, opt_asm_anchor(lm->ctx, f->b, lm->cc->target->vector_reg_constraint, v), true);
        return;
    }
    LLVMValueRef fn = anchor_function(lm, ty, name, bits);
    LLVMBuildCall2(f->b, LLVMFunctionType(lm->t_void, &ty, 1, false), fn, &v, 1, "");
}
