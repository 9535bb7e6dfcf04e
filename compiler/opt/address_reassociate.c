/* Address reassociation: (p + X) + C becomes p + (X + C).
 *
 * clang addresses a row of a 2-D array through a stepped pointer p and
 * the row's invariant offset X, and the neighbours of a point as constants
 * past that sum:
 *
 *     loop:  p = phi [init, pre], [p + 16, latch]
 *            t = p + X                 ; never accessed itself
 *            load (t + 8), store (t + 8), load (t + 16)...
 *
 * address_ivs.c turns an accessed sum p + X into an i64 induction
 * variable (the access on each iteration proves the next step cannot
 * wrap), but here the sum is not what is accessed: t + 8 is, and it stays
 * zext(i32), which SCEV cannot follow.  The FDTD update's ex[i][j] row was
 * left scalar that way ("cannot identify array bounds"), and a 3-D
 * stencil's k - 1 and k + 1 points cost a wrap check per row.
 *
 * Wasm's i32 addition is addition mod 2^32, which is associative, so
 * (p + X) + C and p + (X + C) are the same address on every iteration,
 * wrapped or not: nothing is assumed.  So when a sum t = p + X (X
 * loop-invariant, not a constant) is never accessed itself but t + C_i
 * are, the pass computes X' = X + C_min before the loop (C_min the least
 * C_i) and rewrites t + C_i as s + (C_i - C_min), s = p + X': s is an
 * accessed sum address_ivs.c widens, and the others, at non-negative
 * constants past it, follow it as one stream (giving each t + C_i a
 * variable of its own would make c[j] and c[j + 1] separate streams,
 * which LoopAccessAnalysis then checks against each other at run time,
 * a check that always fails).  Only sums in chain loops (loop_chain.h)
 * of a stepped header phi are rewritten, the loops address_ivs.c works
 * on, and with bounds checks only the copies check versioning left free
 * of checks; the pass makes no loop bigger.
 * `wasmc -fno-address-reassociate` turns it off. */
#include "address.h"
#include "opt.h"

static bool stepped_phi(LLVMValueRef v, const ChainLoop *loop) {
    return LLVMIsAPHINode(v) && LLVMGetInstructionParent(v) == loop->block[0] &&
           addr_phi_step(v, loop->block[loop->len - 1]) != 0;
}

/* p and X when `t` is p + X or X + p in the chain, p a stepped header
 * phi and X invariant, not a constant (p + C is address_nuw.c's). */
static bool phi_plus_invariant(LLVMValueRef t, const ChainLoop *loop, LLVMValueRef *p, LLVMValueRef *x) {
    if (!LLVMIsAInstruction(t) || LLVMGetInstructionOpcode(t) != LLVMAdd ||
        !in_chain(LLVMGetInstructionParent(t), loop))
        return false;
    for (int k = 0; k < 2; k++) {
        *p = LLVMGetOperand(t, k);
        *x = LLVMGetOperand(t, 1 - k);
        if (stepped_phi(*p, loop) && chain_invariant(*x, loop) && !LLVMIsAConstant(*x))
            return true;
    }
    return false;
}

static bool accessed(LLVMValueRef v, unsigned kind) {
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u))
        if (addr_is_access_zext(LLVMGetUser(u), kind))
            return true;
    return false;
}

/* The constant C when `u` is an accessed t + C, else false. */
static bool accessed_offset(LLVMValueRef u, LLVMValueRef t, unsigned kind, int64_t *c) {
    if (!LLVMIsAInstruction(u) || LLVMGetInstructionOpcode(u) != LLVMAdd || !accessed(u, kind))
        return false;
    for (int k = 0; k < 2; k++)
        if (LLVMGetOperand(u, k) == t && LLVMIsAConstantInt(LLVMGetOperand(u, 1 - k))) {
            *c = LLVMConstIntGetSExtValue(LLVMGetOperand(u, 1 - k));
            return LLVMGetOperand(u, 0) != LLVMGetOperand(u, 1);
        }
    return false;
}

#define MAX_OFFSETS 32

/* Where the first access at `v` is in chain order (-1: none), and
 * whether one of its accesses is a store. */
static long first_access(LLVMValueRef v, const ChainLoop *loop, unsigned kind, bool *stored) {
    long best = -1;
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef z = LLVMGetUser(u);
        if (!addr_is_access_zext(z, kind))
            continue;
        long pos = chain_position(z, loop);
        if (pos >= 0 && (best < 0 || pos < best))
            best = pos;
        for (LLVMUseRef g = LLVMGetFirstUse(z); g; g = LLVMGetNextUse(g))
            for (LLVMUseRef a = LLVMGetFirstUse(LLVMGetUser(g)); a; a = LLVMGetNextUse(a))
                *stored |= LLVMIsAStoreInst(LLVMGetUser(a)) != NULL;
    }
    return best;
}

/* An accessed t = p + X: address_ivs.c widens it, and t + C after its
 * access follows it, but t + C read before it stays i32 (a 3-D stencil's
 * k + 1 point, read before k).  When no access of t or of its offsets is
 * a store, each such t + C becomes its own sum p + (X + C): a stream of
 * its own, which costs a register, and is harmless among loads (the
 * run-time checks LoopAccessAnalysis emits pair stores with loads). */
static bool split_early_offsets(LLVMBuilderRef b, LLVMValueRef t, LLVMValueRef p, LLVMValueRef x, const ChainLoop *loop,
                                unsigned kind) {
    bool stored = false;
    long first = first_access(t, loop, kind, &stored);
    LLVMValueRef early[MAX_OFFSETS];
    int64_t c[MAX_OFFSETS];
    int n = 0;
    for (LLVMUseRef u = LLVMGetFirstUse(t); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        int64_t off;
        if (!accessed_offset(user, t, kind, &off))
            continue;
        long at = first_access(user, loop, kind, &stored);
        if (at >= 0 && at < first && n < MAX_OFFSETS) {
            bool dup = false;
            for (int k = 0; k < n; k++)
                dup |= early[k] == user;
            if (!dup) {
                c[n] = off;
                early[n++] = user;
            }
        }
    }
    if (stored || !n)
        return false;
    for (int k = 0; k < n; k++) {
        LLVMPositionBuilderBefore(b, LLVMGetBasicBlockTerminator(loop->pre));
        LLVMValueRef x2 = LLVMBuildAdd(b, x, LLVMConstInt(LLVMTypeOf(t), (uint64_t)c[k], true), "");
        LLVMPositionBuilderBefore(b, early[k]);
        LLVMValueRef s = LLVMBuildAdd(b, p, x2, "");
        LLVMReplaceAllUsesWith(early[k], s);
        LLVMInstructionEraseFromParent(early[k]);
    }
    return true;
}

/* Rebase the accessed t + C_i of one sum t = p + X on s = p + (X + C_min),
 * C_min the least C_i: t + C_i becomes s + (C_i - C_min). */
static bool rebase_sum(LLVMBuilderRef b, LLVMValueRef t, const ChainLoop *loop, unsigned kind) {
    LLVMValueRef p, x, users[MAX_OFFSETS];
    int64_t c[MAX_OFFSETS], least = 0;
    int n = 0;
    if (!phi_plus_invariant(t, loop, &p, &x))
        return false;
    if (accessed(t, kind))
        return split_early_offsets(b, t, p, x, loop, kind);
    for (LLVMUseRef u = LLVMGetFirstUse(t); u && n < MAX_OFFSETS; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        bool dup = false;
        for (int k = 0; k < n; k++)
            dup |= users[k] == user;
        if (dup || !accessed_offset(user, t, kind, &c[n]))
            continue;
        if (!n || c[n] < least)
            least = c[n];
        users[n++] = user;
    }
    if (!n)
        return false;
    LLVMTypeRef i32 = LLVMTypeOf(t);
    LLVMPositionBuilderBefore(b, LLVMGetBasicBlockTerminator(loop->pre));
    LLVMValueRef x2 = LLVMBuildAdd(b, x, LLVMConstInt(i32, (uint64_t)least, true), "");
    LLVMPositionBuilderBefore(b, t);
    LLVMValueRef s = LLVMBuildAdd(b, p, x2, "");
    /* t + C_i and s + (C_i - C_min) are the same i32 value: every use */
    for (int k = 0; k < n; k++) {
        LLVMValueRef v = s;
        if (c[k] != least) {
            LLVMPositionBuilderBefore(b, users[k]);
            v = LLVMBuildAdd(b, s, LLVMConstInt(i32, (uint64_t)(c[k] - least), false), "");
        }
        LLVMReplaceAllUsesWith(users[k], v);
        LLVMInstructionEraseFromParent(users[k]);
    }
    return true;
}

static void reassociate_loop(LLVMBuilderRef b, LLVMBasicBlockRef header, unsigned kind, bool guard_pages) {
    ChainLoop loop;
    /* A loop that keeps bounds checks stays scalar, and there a variable
     * per sum costs more registers than the zexts it saves (fannkuch
     * +0.45% instructions with bounds checks when every loop was
     * rewritten); check versioning's check-free copies are the loops
     * that vectorise. */
    if (!chain_loop(header, &loop) || (!guard_pages && !chain_check_free(&loop)))
        return;
    for (int k = 0; k < loop.len; k++)
        for (LLVMValueRef i = LLVMGetFirstInstruction(loop.block[k]); i; i = LLVMGetNextInstruction(i))
            rebase_sum(b, i, &loop, kind);
}

void opt_address_reassociate(LLVMModuleRef mod, bool guard_pages) {
    unsigned kind = LLVMGetMDKindIDInContext(LLVMGetModuleContext(mod), ADDR_MD, sizeof ADDR_MD - 1);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(LLVMGetModuleContext(mod));
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            if (addr_starts_with_phi(bb))
                reassociate_loop(b, bb, kind, guard_pages);
    LLVMDisposeBuilder(b);
}
