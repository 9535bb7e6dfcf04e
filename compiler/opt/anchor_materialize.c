/* Load anchors, after lowering: what keeps each load that may trap once
 * LLVM's pipeline is done with it (lower/load_anchor.c says why anchors
 * exist and how lowering places them).
 *
 * Before the pipeline, opt_anchor_prepare keeps the anchors' vector
 * variants declared.  After it, opt_anchor_materialize replaces every
 * anchor call: a scalar load becomes volatile (which instruction
 * selection keeps whole, as it is, while still folding it into an
 * instruction's memory operand), any other operand (a vector, or a value
 * the optimiser made of loads) gets the empty asm statement; and where the
 * optimised code itself keeps a vector load (float_vector_load_consumed),
 * nothing is needed.  A scalar float load is made volatile like any other:
 * left plain, the back end sinks a load that only one arm of a branch
 * uses into that arm (MachineSink), and a call taking the other arm no
 * longer traps (fuzz-diff/regress/trapping_float_load_used_in_one_arm).
 * A correctness guard: never switched off.
 */
#include <string.h>

#include "labels.h"
#include "opt.h"

/* Bits per lane of a vector of integers, floats or doubles. */
static unsigned element_bits(LLVMTypeRef vector) {
    LLVMTypeRef el = LLVMGetElementType(vector);
    if (LLVMGetTypeKind(el) == LLVMIntegerTypeKind)
        return LLVMGetIntTypeWidth(el);
    return LLVMGetTypeKind(el) == LLVMFloatTypeKind ? 32 : 64;
}

LLVMValueRef opt_asm_anchor(LLVMContextRef ctx, LLVMBuilderRef b, const char *vector_constraint, LLVMValueRef v) {
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
            constraint = vector_constraint;
        }
    } else if (kind == LLVMFloatTypeKind || kind == LLVMDoubleTypeKind) {
        constraint = vector_constraint;
    }
    LLVMTypeRef fnty = LLVMFunctionType(LLVMVoidTypeInContext(ctx), &ty, 1, false);
    LLVMValueRef asm_fn = LLVMGetInlineAsm(fnty, "", 0, constraint, strlen(constraint), true, false,
                                           LLVMInlineAsmDialectATT, false);
    return LLVMBuildCall2(b, fnty, asm_fn, &v, 1, "");
}

/* A shufflevector the vectoriser made only to hand lanes of a load to
 * anchors (the de-interleaving of an interleaved group). */
static bool feeds_only_anchors(LLVMValueRef v) {
    if (!LLVMIsAShuffleVectorInst(v))
        return false;
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u))
        if (!opt_is_anchor_call(LLVMGetUser(u)))
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
        if (opt_is_anchor_call(user) || feeds_only_anchors(user))
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
 * code consumes a vector float load, by making a scalar load volatile, else
 * by asm statements on its operand, 128 bits at a time. */
static void materialize_call(LLVMContextRef ctx, LLVMBuilderRef b, const char *vector_constraint, bool optimized,
                             LLVMValueRef call) {
    LLVMValueRef v = LLVMGetOperand(call, 0);
    if (optimized && float_vector_load_consumed(v)) {
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
                opt_asm_anchor(ctx, b, vector_constraint, part);
            }
            LLVMInstructionEraseFromParent(call);
            return;
        }
    }
    opt_asm_anchor(ctx, b, vector_constraint, v);
    LLVMInstructionEraseFromParent(call);
}

void opt_anchor_prepare(LLVMModuleRef mod) {
    /* The vector variants are unused declarations until a vectoriser
     * picks them, and the pipeline deletes unused declarations early; a
     * mapping whose function is gone is ignored.  llvm.compiler.used keeps
     * them (materialize removes it again). */
    LLVMValueRef keep[256];
    unsigned n = 0;
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn && n < 256; fn = LLVMGetNextFunction(fn))
        if (opt_is_anchor_fn(fn))
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

void opt_anchor_materialize(LLVMModuleRef mod, const char *vector_constraint, bool optimized) {
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMValueRef used = LLVMGetNamedGlobal(mod, "llvm.compiler.used");
    if (used)
        LLVMDeleteGlobal(used);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    LLVMValueRef fn = LLVMGetFirstFunction(mod);
    while (fn) {
        LLVMValueRef next = LLVMGetNextFunction(fn);
        if (opt_is_anchor_fn(fn)) {
            /* Calls only: what else refers to it is the dead llvm.compiler.used
             * array, whose reference is dropped below. */
            LLVMUseRef u = LLVMGetFirstUse(fn);
            while (u) {
                LLVMUseRef next_use = LLVMGetNextUse(u);
                LLVMValueRef user = LLVMGetUser(u);
                if (LLVMIsACallInst(user))
                    materialize_call(ctx, b, vector_constraint, optimized, user);
                u = next_use;
            }
            LLVMReplaceAllUsesWith(fn, LLVMGetPoison(LLVMTypeOf(fn)));
            LLVMDeleteFunction(fn);
        }
        fn = next;
    }
    LLVMDisposeBuilder(b);
}
