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
 * After the pipeline, lf_anchor_materialize replaces every such call:
 * a scalar load becomes volatile (which instruction selection keeps
 * whole, as it is, while still folding it into an instruction's memory
 * operand), any other operand (a vector, or a value the optimiser made
 * of loads) gets the empty asm statement; and where the optimised code
 * itself keeps the load (float_load_consumed), nothing is needed.
 *
 * 128-bit SIMD loads are anchored with the asm statement directly: no
 * vectoriser widens them.
 */
#include <stdio.h>
#include <string.h>

#include "lower.h"
#include "lower_module.h"
#include "target.h"

#define ANCHOR_PREFIX "wasmc_anchor_"

/* Register constraint for an asm operand in a vector register. */
static const char *vector_constraint(bool aarch64) { return aarch64 ? "w" : "x"; }

static void add_anchor_attributes(LLVMContextRef ctx, LLVMValueRef fn_or_call, bool is_call);

/* Bits per lane of a vector of integers, floats or doubles. */
static unsigned element_bits(LLVMTypeRef vector) {
    LLVMTypeRef el = LLVMGetElementType(vector);
    if (LLVMGetTypeKind(el) == LLVMIntegerTypeKind)
        return LLVMGetIntTypeWidth(el);
    return LLVMGetTypeKind(el) == LLVMFloatTypeKind ? 32 : 64;
}

/* The empty asm statement reading `v` (scalar or vector of at most 128
 * bits) at the builder's position.  `with_attributes` when the optimiser
 * still runs after it (see add_anchor_attributes); after the optimiser the
 * plain asm statement is what instruction selection keeps in order with
 * the memory accesses. */
static void asm_anchor(LLVMContextRef ctx, LLVMBuilderRef b, bool aarch64, LLVMValueRef v, bool with_attributes) {
    LLVMTypeRef ty = LLVMTypeOf(v);
    LLVMTypeKind kind = LLVMGetTypeKind(ty);
    const char *constraint = "r";
    if (kind == LLVMVectorTypeKind) {
        unsigned lanes = LLVMGetVectorSize(ty);
        unsigned el_bits = element_bits(ty);
        unsigned bits = lanes * el_bits;
        if (bits <= 64) {
            /* Half vectors have no register class of their own for an asm
             * operand; the same bits as an integer do. */
            ty = LLVMIntTypeInContext(ctx, bits);
            v = LLVMBuildBitCast(b, v, ty, "");
        } else {
            constraint = vector_constraint(aarch64);
        }
    } else if (kind == LLVMFloatTypeKind || kind == LLVMDoubleTypeKind) {
        constraint = vector_constraint(aarch64);
    }
    LLVMTypeRef fnty = LLVMFunctionType(LLVMVoidTypeInContext(ctx), &ty, 1, false);
    LLVMValueRef asm_fn = LLVMGetInlineAsm(fnty, "", 0, constraint, strlen(constraint), true, false,
                                           LLVMInlineAsmDialectATT, false);
    LLVMValueRef call = LLVMBuildCall2(b, fnty, asm_fn, &v, 1, "");
    if (with_attributes)
        add_anchor_attributes(ctx, call, true);
}

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

static void set_anchor_attributes(LLVMContextRef ctx, LLVMValueRef fn) { add_anchor_attributes(ctx, fn, false); }

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
    if (lm->memory_mode != WASMC_MEMORY_GUARD_PAGES || offset + size > WASMC_GUARD_BYTES ||
        lf_access_in_bounds(f, v))
        return;
    bool aarch64 = lm->target && lm->target->arch == WASMC_ARCH_AARCH64;
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
        asm_anchor(lm->ctx, f->b, aarch64, v, true); /* SIMD values: nothing to widen */
        return;
    }
    LLVMValueRef fn = anchor_function(lm, ty, name, bits);
    LLVMBuildCall2(f->b, LLVMFunctionType(lm->t_void, &ty, 1, false), fn, &v, 1, "");
}

/* A scalar floating-point load that another instruction consumes as a
 * whole number: floating-point arithmetic, a compare or conversion, or a
 * store of it.  Nothing after the optimiser (instruction selection
 * included) narrows or drops a floating-point load whose value is used so,
 * so it needs no anchor and may fold into its user's memory operand.
 * Integer loads become volatile instead: the back end narrows ordinary
 * ones under masks, shifts and truncations (a narrower load at another
 * address would no longer straddle the end of memory). */
static bool float_load_consumed(LLVMValueRef v, LLVMValueRef anchor) {
    if (!LLVMIsALoadInst(v))
        return false;
    LLVMTypeKind kind = LLVMGetTypeKind(LLVMTypeOf(v));
    if (kind != LLVMFloatTypeKind && kind != LLVMDoubleTypeKind)
        return false;
    bool consumed = false;
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (user == anchor)
            continue;
        if (!LLVMIsAInstruction(user))
            return false;
        switch (LLVMGetInstructionOpcode(user)) {
        case LLVMFAdd: case LLVMFSub: case LLVMFMul: case LLVMFDiv: case LLVMFRem: case LLVMFNeg:
        case LLVMFCmp: case LLVMFPExt: case LLVMFPTrunc: case LLVMFPToSI: case LLVMFPToUI:
            /* Dead arithmetic would take the load with it. */
            if (!LLVMGetFirstUse(user))
                return false;
            break;
        case LLVMStore:
            if (LLVMGetOperand(user, 0) != v)
                return false;
            break;
        default:
            return false;
        }
        consumed = true;
    }
    return consumed;
}

static bool is_anchor(LLVMValueRef fn);

bool lf_is_anchor_call(LLVMValueRef v) {
    return LLVMIsACallInst(v) && is_anchor(LLVMGetCalledValue(v));
}

/* A shufflevector the vectoriser made only to hand lanes of a load to
 * anchors (the de-interleaving of an interleaved group). */
static bool feeds_only_anchors(LLVMValueRef v) {
    if (!LLVMIsAShuffleVectorInst(v))
        return false;
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u))
        if (!lf_is_anchor_call(LLVMGetUser(u)))
            return false;
    return true;
}

/* Every lane of the floating-point vector `v` is needed: each user is
 * lane-wise floating-point arithmetic whose result is needed the same way,
 * or a store of the whole vector.  Instruction selection then keeps the
 * full-width load (it narrows only loads some lanes of which are dead). */
static bool all_lanes_consumed(LLVMValueRef v, int depth) {
    bool consumed = false;
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (lf_is_anchor_call(user) || feeds_only_anchors(user))
            continue;
        if (!LLVMIsAInstruction(user))
            return false;
        switch (LLVMGetInstructionOpcode(user)) {
        case LLVMFAdd: case LLVMFSub: case LLVMFMul: case LLVMFDiv: case LLVMFNeg:
            if (depth >= 4 || LLVMTypeOf(user) != LLVMTypeOf(v) || !all_lanes_consumed(user, depth + 1))
                return false;
            break;
        case LLVMStore:
            if (LLVMGetOperand(user, 0) != v)
                return false;
            break;
        default:
            return false;
        }
        consumed = true;
    }
    return consumed;
}

/* The vector anchor's operand is a vectorised floating-point load, or
 * lanes of one (feeds_only_anchors), that the code consumes whole. */
static bool float_vector_load_consumed(LLVMValueRef v) {
    if (LLVMIsAShuffleVectorInst(v))
        v = LLVMGetOperand(v, 0);
    if (!LLVMIsALoadInst(v) || LLVMGetTypeKind(LLVMTypeOf(v)) != LLVMVectorTypeKind)
        return false;
    LLVMTypeKind el = LLVMGetTypeKind(LLVMGetElementType(LLVMTypeOf(v)));
    return (el == LLVMFloatTypeKind || el == LLVMDoubleTypeKind) && all_lanes_consumed(v, 0);
}

/* Does v, or a cast of it, choose a select's value?  x86's back end folds
 * such a load into a cmov and may then turn the cmov into a branch around
 * the load (X86CmovConversion), volatile or not: the load no longer runs
 * when the select picks the other value, and its trap is lost. */
static bool feeds_select(LLVMValueRef v, int depth) {
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (LLVMIsASelectInst(user) || (depth < 2 && LLVMIsACastInst(user) && feeds_select(user, depth + 1)))
            return true;
    }
    return false;
}

/* Replace the call `call` to an anchor function: by nothing when the
 * code consumes the float load, by making a scalar load volatile, else by
 * asm statements on its operand, 128 bits at a time. */
static void materialize_call(LLVMContextRef ctx, LLVMBuilderRef b, bool aarch64, bool optimized,
                             LLVMValueRef call) {
    LLVMValueRef v = LLVMGetOperand(call, 0);
    if (optimized && (float_load_consumed(v, call) || float_vector_load_consumed(v))) {
        LLVMInstructionEraseFromParent(call);
        if (LLVMIsAShuffleVectorInst(v) && !LLVMGetFirstUse(v))
            LLVMInstructionEraseFromParent(v);
        return;
    }
    /* A scalar load becomes volatile instead: instruction selection never
     * deletes, narrows, widens or merges a volatile load, but it may still
     * fold it into its user's memory operand, which an asm statement
     * needing the value in a register forbids (strsearch -9%, lzss -3%
     * instructions).  Not when a select chooses it (feeds_select). */
    if (LLVMIsALoadInst(v) && LLVMGetTypeKind(LLVMTypeOf(v)) != LLVMVectorTypeKind && !feeds_select(v, 0)) {
        LLVMSetVolatile(v, 1);
        LLVMInstructionEraseFromParent(call);
        return;
    }
    LLVMPositionBuilderBefore(b, call);
    LLVMTypeRef ty = LLVMTypeOf(v);
    if (LLVMGetTypeKind(ty) == LLVMVectorTypeKind) {
        unsigned lanes = LLVMGetVectorSize(ty);
        unsigned el_bits = element_bits(ty);
        unsigned chunk = 128 / el_bits;
        if (lanes > chunk) {
            for (unsigned first = 0; first < lanes; first += chunk) {
                LLVMValueRef idx[64];
                for (unsigned i = 0; i < chunk; i++)
                    idx[i] = LLVMConstInt(LLVMInt32TypeInContext(ctx), first + i, false);
                LLVMValueRef part = LLVMBuildShuffleVector(b, v, LLVMGetPoison(ty), LLVMConstVector(idx, chunk), "");
                asm_anchor(ctx, b, aarch64, part, false);
            }
            LLVMInstructionEraseFromParent(call);
            return;
        }
    }
    asm_anchor(ctx, b, aarch64, v, false);
    LLVMInstructionEraseFromParent(call);
}

static bool is_anchor(LLVMValueRef fn) {
    size_t len = 0;
    const char *name = LLVMGetValueName2(fn, &len);
    return len > strlen(ANCHOR_PREFIX) && !strncmp(name, ANCHOR_PREFIX, strlen(ANCHOR_PREFIX));
}

void lf_anchor_prepare(LLVMModuleRef mod) {
    /* The vector variants are unused declarations until a vectoriser
     * picks them, and the pipeline deletes unused declarations early; a
     * mapping whose function is gone is ignored.  llvm.compiler.used keeps
     * them (materialize removes it again). */
    LLVMValueRef keep[256];
    unsigned n = 0;
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn && n < 256; fn = LLVMGetNextFunction(fn))
        if (is_anchor(fn))
            keep[n++] = fn;
    if (!n || LLVMGetNamedGlobal(mod, "llvm.compiler.used"))
        return;
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMValueRef g = LLVMAddGlobal(mod, LLVMArrayType2(ptr, n), "llvm.compiler.used");
    LLVMSetLinkage(g, LLVMAppendingLinkage);
    LLVMSetSection(g, "llvm.metadata");
    LLVMSetInitializer(g, LLVMConstArray2(ptr, keep, n));
}

void lf_anchor_materialize(LLVMModuleRef mod, bool aarch64, bool optimized) {
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMValueRef used = LLVMGetNamedGlobal(mod, "llvm.compiler.used");
    if (used)
        LLVMDeleteGlobal(used);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    LLVMValueRef fn = LLVMGetFirstFunction(mod);
    while (fn) {
        LLVMValueRef next = LLVMGetNextFunction(fn);
        if (is_anchor(fn)) {
            /* Calls only: what else refers to it is the dead llvm.compiler.used
             * array, whose reference is dropped below. */
            LLVMUseRef u = LLVMGetFirstUse(fn);
            while (u) {
                LLVMUseRef next_use = LLVMGetNextUse(u);
                LLVMValueRef user = LLVMGetUser(u);
                if (LLVMIsACallInst(user))
                    materialize_call(ctx, b, aarch64, optimized, user);
                u = next_use;
            }
            LLVMReplaceAllUsesWith(fn, LLVMGetPoison(LLVMTypeOf(fn)));
            LLVMDeleteFunction(fn);
        }
        fn = next;
    }
    LLVMDisposeBuilder(b);
}
