/* Address streams.
 *
 * Every linear-memory address is membase + offset, so to LLVM every
 * access has one underlying object.  LoopAccessAnalysis then puts all of
 * a loop's accesses in one dependence set; when two rows (c[] and b[] of
 * a matrix product) have an unknown distance it gives up on dependence
 * analysis and checks every pair of accesses at run time, including
 * c[j] against c[j + 1] of clang's unrolled wasm32 loops, a check that
 * always fails: the loop never runs vectorised.
 *
 * So each stream, the accesses of a chain loop that follow one stepped
 * pointer (an i32 header phi p, or an address induction variable), is
 * rebased on its own base, computed before the loop:
 *
 *     B = wasmc_stream_base(membase + S)     ; S = the stream's start
 *     access at B + (offset - S)             ; the very same address
 *
 * The call is opaque to LLVM (memory(none), so it moves and merges
 * freely), which makes B a distinct underlying object: dependences are
 * analysed within a stream, and streams are checked against each other
 * at run time, range against range, as in native code where c and b are
 * different arrays.  Nothing is assumed about B: alias analysis still
 * treats two bases as possibly overlapping.  After the pipeline,
 * opt_streams_materialize replaces each call by its argument.
 * `wasmc -fno-address-streams` turns the pass off. */
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "opt.h"

#define STREAM_BASE "wasmc_stream_base"

static LLVMValueRef stream_base_fn(LLVMModuleRef mod) {
    LLVMValueRef fn = LLVMGetNamedFunction(mod, STREAM_BASE);
    if (fn)
        return fn;
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    fn = LLVMAddFunction(mod, STREAM_BASE, LLVMFunctionType(ptr, &ptr, 1, false));
    static const char *const attrs[] = {"nounwind", "willreturn", "nosync", "nofree", "speculatable"};
    for (size_t i = 0; i < sizeof attrs / sizeof *attrs; i++)
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(ctx, LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i])), 0));
    /* memory(none): MemoryEffects 0 */
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(ctx, LLVMGetEnumAttributeKindForName("memory", 6), 0));
    return fn;
}

/* The header phi whose stream the i64 address `full` follows, or NULL:
 * full = ea [+ C], ea = zext(p [+ C]) of a stepped i32 phi p, or an i64
 * phi stepped by a constant [+ C]. */
static LLVMValueRef stream_of(LLVMValueRef full, LLVMBasicBlockRef header, LLVMBasicBlockRef latch) {
    for (int depth = 0; depth < 4 && LLVMIsAInstruction(full); depth++) {
        LLVMOpcode op = LLVMGetInstructionOpcode(full);
        if (op == LLVMAdd && LLVMIsAConstantInt(LLVMGetOperand(full, 1))) {
            full = LLVMGetOperand(full, 0);
            continue;
        }
        if (op == LLVMZExt) {
            LLVMValueRef v = LLVMGetOperand(full, 0);
            if (LLVMIsAInstruction(v) && LLVMGetInstructionOpcode(v) == LLVMAdd && LLVMGetNUW(v) &&
                LLVMIsAConstantInt(LLVMGetOperand(v, 1)))
                v = LLVMGetOperand(v, 0);
            return LLVMIsAPHINode(v) && LLVMGetInstructionParent(v) == header && addr_phi_step(v, latch) ? v : NULL;
        }
        if (LLVMIsAPHINode(full))
            return LLVMGetInstructionParent(full) == header && addr_phi_step(full, latch) ? full : NULL;
        return NULL;
    }
    return NULL;
}

/* The linear-memory base and i64 offset of an access's address, when it
 * is the plain gep lf_memory_address builds. */
static bool split_address(LLVMValueRef access, LLVMValueRef *base, LLVMValueRef *full, LLVMValueRef *gep) {
    LLVMValueRef ptr = LLVMIsALoadInst(access) ? LLVMGetOperand(access, 0)
                       : LLVMIsAStoreInst(access) ? LLVMGetOperand(access, 1) : NULL;
    if (!ptr || !LLVMIsAGetElementPtrInst(ptr) || LLVMGetNumOperands(ptr) != 2 ||
        LLVMGetGEPSourceElementType(ptr) != LLVMInt8TypeInContext(LLVMGetTypeContext(LLVMTypeOf(ptr))))
        return false;
    *gep = ptr;
    *base = LLVMGetOperand(ptr, 0);
    *full = LLVMGetOperand(ptr, 1);
    return LLVMGetIntTypeWidth(LLVMTypeOf(*full)) == 64;
}

#define MAX_STREAMS 16

/* Is `i` an access of linear memory (TBAA "wasm memory", lower_module.c),
 * rather than of the vmctx, a table or a global? */
static bool is_memory_access(LLVMValueRef i) {
    if (!LLVMIsALoadInst(i) && !LLVMIsAStoreInst(i))
        return false;
    LLVMValueRef tag = LLVMGetMetadata(i, LLVMGetMDKindIDInContext(LLVMGetTypeContext(LLVMTypeOf(i)), "tbaa", 4));
    if (!tag || LLVMGetMDNodeNumOperands(tag) < 1)
        return false;
    LLVMValueRef ops[3];
    LLVMGetMDNodeOperands(tag, ops);
    if (!ops[0] || LLVMGetMDNodeNumOperands(ops[0]) < 1)
        return false;
    LLVMValueRef name[3];
    LLVMGetMDNodeOperands(ops[0], name);
    unsigned len = 0;
    const char *str = name[0] ? LLVMGetMDString(name[0], &len) : NULL;
    return str && len == 11 && memcmp(str, "wasm memory", 11) == 0;
}

/* One access of a loop and the stream it follows. */
typedef struct StreamAccess {
    LLVMValueRef access, gep, membase, full;
    int stream;
} StreamAccess;

static void address_streams(LLVMBuilderRef b, LLVMBasicBlockRef header, LLVMModuleRef mod, bool guard_pages) {
    ChainLoop chain, *loop = &chain;
    if (!chain_loop(header, loop) || !(guard_pages || chain_check_free(loop)))
        return;
    LLVMBasicBlockRef latch = loop->block[loop->len - 1], pre = loop->pre;
    struct { LLVMValueRef phi, membase, start, base; } streams[MAX_STREAMS];
    int n = 0;
    StreamAccess *acc = NULL;
    size_t count = 0, cap = 0;
    /* All or nothing: an access left on membase would be a separate
     * object from every stream, and LLVM would version loops around
     * pairs it could not before (a swap of p[i] and p[j] running down).
     * So every memory access must follow a stream from a loop-invariant
     * base, within MAX_STREAMS streams, before anything is rewritten. */
    for (int k = 0; k < loop->len; k++)
        for (LLVMValueRef i = LLVMGetFirstInstruction(loop->block[k]); i; i = LLVMGetNextInstruction(i)) {
            if (!is_memory_access(i))
                continue;
            StreamAccess a = {.access = i};
            LLVMValueRef phi = split_address(i, &a.membase, &a.full, &a.gep) ? stream_of(a.full, header, latch) : NULL;
            if (!phi || (LLVMIsAInstruction(a.membase) && in_chain(LLVMGetInstructionParent(a.membase), loop)))
                goto done;
            a.stream = 0;
            while (a.stream < n && !(streams[a.stream].phi == phi && streams[a.stream].membase == a.membase))
                a.stream++;
            if (a.stream == n) {
                if (n == MAX_STREAMS)
                    goto done;
                streams[n].phi = phi;
                streams[n++].membase = a.membase;
            }
            if (count == cap) {
                StreamAccess *grown = realloc(acc, (cap = cap ? 2 * cap : 32) * sizeof *acc);
                if (!grown)
                    goto done; /* out of memory only loses the rewrite */
                acc = grown;
            }
            acc[count++] = a;
        }

    LLVMTypeRef i8 = LLVMInt8TypeInContext(LLVMGetModuleContext(mod));
    LLVMTypeRef i64 = LLVMInt64TypeInContext(LLVMGetModuleContext(mod));
    LLVMValueRef fn = stream_base_fn(mod);
    LLVMPositionBuilderBefore(b, LLVMGetBasicBlockTerminator(pre));
    for (int s = 0; s < n; s++) {
        LLVMValueRef init = incoming_from(streams[s].phi, pre);
        streams[s].start = LLVMTypeOf(init) == i64 ? init : LLVMBuildZExt(b, init, i64, "");
        LLVMValueRef at = LLVMBuildGEP2(b, i8, streams[s].membase, &streams[s].start, 1, "");
        streams[s].base = LLVMBuildCall2(b, LLVMGlobalGetValueType(fn), fn, &at, 1, "");
    }
    unsigned md = LLVMGetMDKindIDInContext(LLVMGetModuleContext(mod), IN_BOUNDS_MD, sizeof IN_BOUNDS_MD - 1);
    for (size_t k = 0; k < count; k++) {
        const StreamAccess *a = &acc[k];
        LLVMPositionBuilderBefore(b, a->access);
        LLVMValueRef off = LLVMBuildSub(b, a->full, streams[a->stream].start, "");
        /* Not inbounds: B + (full - S) is membase + full, but the offset
         * from B may be negative. */
        LLVMValueRef ptr = LLVMBuildGEP2(b, i8, streams[a->stream].base, &off, 1, "");
        if (LLVMGetMetadata(a->gep, md))
            LLVMSetMetadata(ptr, md, LLVMGetMetadata(a->gep, md));
        LLVMSetOperand(a->access, LLVMIsALoadInst(a->access) ? 0 : 1, ptr);
        if (!LLVMGetFirstUse(a->gep))
            LLVMInstructionEraseFromParent(a->gep);
    }
done:
    free(acc);
}

void opt_streams_materialize(LLVMModuleRef mod) {
    LLVMValueRef fn = LLVMGetNamedFunction(mod, STREAM_BASE);
    if (!fn)
        return;
    for (LLVMUseRef u = LLVMGetFirstUse(fn); u; u = LLVMGetFirstUse(fn)) {
        LLVMValueRef call = LLVMGetUser(u);
        LLVMReplaceAllUsesWith(call, LLVMGetOperand(call, 0));
        LLVMInstructionEraseFromParent(call);
    }
    LLVMDeleteFunction(fn);
}


void opt_address_streams(LLVMModuleRef mod, bool guard_pages) {
    LLVMBuilderRef b = LLVMCreateBuilderInContext(LLVMGetModuleContext(mod));
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            if (addr_starts_with_phi(bb))
                address_streams(b, bb, mod, guard_pages);
    LLVMDisposeBuilder(b);
}
