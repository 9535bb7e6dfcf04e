/* Address induction variables.
 *
 * The rule of address_nuw.c needs the access before the step.  Loops
 * clang emits for wasm32 often step one pointer and address through sums of it:
 *
 *     loop:  p = phi [init, pre], [p + 8, loop]
 *            load (p + 8)      ; and load (p + row), store (q)...
 *
 * No access is at p itself, so `p + 8` stays unmarked, and every address
 * is zext of an i32 sum LLVM cannot split: one zext per access, no i64
 * pointer increments, i32 wrap checks before vector loops, and in
 * bounds-check mode exit counts SCEV cannot compute.  Yet each such
 * address A_k = p_k + X (X loop-invariant) is accessed on every iteration
 * that reaches the latch, so A_k < 2^32 - 65536 and A_{k+1} = A_k + c
 * cannot wrap.  So zext(A) is itself an i64 induction variable:
 *
 *            a = phi i64 [zext(init + X), pre], [a + c (nuw), latch]
 *
 * and the accesses use `a` directly (other uses of A take trunc(a)).
 * A loop whose sums differ by constants (p + 56, p + 64, ... over a
 * struct) gets one variable, for the smallest; a sum after that one's
 * access is it plus a constant, as in address_nuw.c.  Variables cost
 * registers, so a loop gets at most MAX_NEW_IVS.
 *
 * The loop must be a chain: header, then blocks each entered only from
 * the one before (straight-line code, bounds checks, early exits), the
 * last one branching back to the header, which has no other predecessor
 * than the one outside.  Every block of the chain runs on every
 * iteration that continues, so an access anywhere in it precedes the
 * step.  `wasmc -fno-address-ivs` turns the pass off, to measure it. */
#include <stdint.h>

#include "address.h"
#include "opt.h"

static bool accessed_in_loop(LLVMValueRef x, const ChainLoop *loop, unsigned kind) {
    for (LLVMUseRef u = LLVMGetFirstUse(x); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef z = LLVMGetUser(u);
        if (addr_is_access_zext(z, kind) && in_chain(LLVMGetInstructionParent(z), loop))
            return true;
    }
    return false;
}

/* The other operand when `sum` is p + X or X + p (or p - C, as p + -C),
 * or NULL. */
static LLVMValueRef addend_of(LLVMValueRef sum, LLVMValueRef phi) {
    if (!LLVMIsAInstruction(sum))
        return NULL;
    LLVMValueRef a = LLVMGetOperand(sum, 0), b = LLVMGetOperand(sum, 1);
    switch (LLVMGetInstructionOpcode(sum)) {
    case LLVMAdd:
        return a == b ? NULL : a == phi ? b : a;
    case LLVMSub:
        return a == phi && b != phi && LLVMIsAConstantInt(b) ? LLVMConstNeg(b) : NULL;
    default:
        return NULL;
    }
}

/* Most induction variables added per loop: each costs a register, but a
 * sum left i32 costs an add and a zext per access and, in a vectorised
 * loop, a wrap check per row.  Eight covers a 3-D 7-point stencil (seven
 * sums p + X around one point): heat3d -6% instructions with guard pages,
 * -6% with bounds checks; the other benchmarks are unchanged. */
#define MAX_NEW_IVS 8
#define MAX_SUMS 64
#define MAX_PHIS 64

/* The first instruction of `bb` after its phis. */
static LLVMValueRef first_non_phi(LLVMBasicBlockRef bb) {
    LLVMValueRef i = LLVMGetFirstInstruction(bb);
    while (i && LLVMIsAPHINode(i))
        i = LLVMGetNextInstruction(i);
    return i;
}

static long first_access(LLVMValueRef v, const ChainLoop *loop, unsigned kind);

/* Replace i32 `sum` by the i64 `wide`, equal to zext(sum): its zext users
 * take `wide`; an `add sum, C` after an access at sum (which proved it
 * cannot wrap, as in address_nuw.c) becomes wide + C, recursively; the
 * rest take a trunc of `wide`, placed before `trunc_before` (NULL: after
 * the header's phis, looked up once the zexts are gone, as one of them
 * may have been the first instruction there). */
static void replace_with_wide(LLVMBuilderRef b, LLVMValueRef sum, LLVMValueRef wide, LLVMValueRef trunc_before,
                              const ChainLoop *loop, unsigned kind, int depth) {
    LLVMTypeRef i64 = LLVMTypeOf(wide);
    long accessed = first_access(sum, loop, kind);
    LLVMValueRef users[MAX_SUMS];
    int n = 0;
    for (LLVMUseRef u = LLVMGetFirstUse(sum); u && n < MAX_SUMS; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        bool dup = false;
        for (int k = 0; k < n; k++)
            dup |= users[k] == user;
        if (!dup)
            users[n++] = user;
    }
    for (int k = 0; k < n; k++) {
        LLVMValueRef user = users[k];
        if (LLVMIsAZExtInst(user) && LLVMTypeOf(user) == i64) {
            LLVMReplaceAllUsesWith(user, wide);
            LLVMInstructionEraseFromParent(user);
            continue;
        }
        if (depth < 4 && accessed >= 0 && LLVMIsAInstruction(user) && addr_stepped_value(user) == sum &&
            chain_position(user, loop) > accessed) {
            LLVMValueRef c = LLVMGetOperand(user, LLVMGetOperand(user, 0) == sum ? 1 : 0);
            LLVMPositionBuilderBefore(b, user);
            LLVMValueRef w = LLVMBuildNUWAdd(b, wide, LLVMConstInt(i64, LLVMConstIntGetZExtValue(c), false), "");
            LLVMSetNSW(w, true);
            replace_with_wide(b, user, w, user, loop, kind, depth + 1);
        }
    }
    if (LLVMGetFirstUse(sum)) {
        LLVMPositionBuilderBefore(b, trunc_before ? trunc_before : first_non_phi(loop->block[0]));
        LLVMReplaceAllUsesWith(sum, LLVMBuildTrunc(b, wide, LLVMTypeOf(sum), ""));
    }
    LLVMInstructionEraseFromParent(sum);
}

/* An i64 induction variable equal to zext(sum) on every iteration, for
 * the accessed i32 `sum` = p + X (X loop-invariant, p stepping by `step`):
 * zext(init + X) on entry, then + step at the end of the latch, which the
 * access on the iteration before proved cannot pass 2^32 (see above). */
static LLVMValueRef wide_iv(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef init, uint64_t step,
                            LLVMBasicBlockRef header, LLVMBasicBlockRef pre, LLVMBasicBlockRef latch) {
    LLVMTypeRef i64 = LLVMInt64TypeInContext(LLVMGetTypeContext(LLVMTypeOf(init)));
    LLVMPositionBuilderBefore(b, LLVMGetBasicBlockTerminator(pre));
    LLVMValueRef start = LLVMBuildZExt(b, LLVMBuildAdd(b, init, x, ""), i64, "");
    LLVMPositionBuilder(b, header, LLVMGetFirstInstruction(header));
    LLVMValueRef iv = LLVMBuildPhi(b, i64, "");
    LLVMPositionBuilderBefore(b, LLVMGetBasicBlockTerminator(latch));
    LLVMValueRef stepped = LLVMBuildNUWAdd(b, iv, LLVMConstInt(i64, step, false), "");
    LLVMSetNSW(stepped, true);
    LLVMAddIncoming(iv, (LLVMValueRef[]){start, stepped}, (LLVMBasicBlockRef[]){pre, latch}, 2);
    return iv;
}

/* Where the first access at `v` in the loop is, in chain order, or -1. */
static long first_access(LLVMValueRef v, const ChainLoop *loop, unsigned kind) {
    long best = -1;
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef z = LLVMGetUser(u);
        long pos = addr_is_access_zext(z, kind) ? chain_position(z, loop) : -1;
        if (pos >= 0 && (best < 0 || pos < best))
            best = pos;
    }
    return best;
}

/* Widen the accessed sums p + X of a stepped header phi p (see above):
 * one variable for the smallest constant X, the constant sums after its
 * access being it plus a constant (that access proved they cannot wrap,
 * as in address_nuw.c), and one for each other X while the budget
 * lasts.
 * Returns how many variables it added. */
static int address_ivs_of(LLVMBuilderRef b, LLVMValueRef phi, const ChainLoop *loop,
                          unsigned kind, int budget, bool check_free) {
    LLVMBasicBlockRef header = loop->block[0], latch = loop->block[loop->len - 1], pre = loop->pre;
    uint64_t step = addr_phi_step(phi, latch);
    if (!step || budget <= 0)
        return 0;
    LLVMValueRef sums[MAX_SUMS], xs[MAX_SUMS]; /* sums[k] = p + xs[k] */
    long access_at[MAX_SUMS];
    int n = 0, base = -1;
    bool phi_accessed = accessed_in_loop(phi, loop, kind);
    for (LLVMUseRef u = LLVMGetFirstUse(phi); u && n < MAX_SUMS; u = LLVMGetNextUse(u)) {
        LLVMValueRef sum = LLVMGetUser(u), x = addend_of(sum, phi);
        if (!x || !in_chain(LLVMGetInstructionParent(sum), loop) || !accessed_in_loop(sum, loop, kind))
            continue;
        bool constant = LLVMIsAConstantInt(x);
        /* p + C is marked by address_nuw.c when p itself is accessed */
        if (constant && phi_accessed)
            continue;
        if (!constant && !LLVMIsAArgument(x) &&
            !(LLVMIsAInstruction(x) && !in_chain(LLVMGetInstructionParent(x), loop)))
            continue; /* not loop-invariant */
        bool dup = false;
        for (int k = 0; k < n; k++)
            dup |= sums[k] == sum; /* a use list may name an instruction twice */
        if (dup)
            continue;
        access_at[n] = first_access(sum, loop, kind);
        if (constant && (base < 0 || LLVMConstIntGetZExtValue(x) < LLVMConstIntGetZExtValue(xs[base])))
            base = n;
        xs[n] = x;
        sums[n++] = sum;
    }
    LLVMValueRef init = incoming_from(phi, pre), base_iv = NULL;
    uint64_t base_c = 0;
    int added = 0;
    /* Constant sums first: the base's access must be found before it is
     * replaced. */
    if (base >= 0) {
        base_c = LLVMConstIntGetZExtValue(xs[base]);
        base_iv = wide_iv(b, xs[base], init, step, header, pre, latch);
        added++;
        for (int k = 0; k < n; k++) {
            if (k == base || !LLVMIsAConstantInt(xs[k]))
                continue;
            uint64_t d = LLVMConstIntGetZExtValue(xs[k]) - base_c;
            if (d > MAX_NUW_ADDEND || chain_position(sums[k], loop) <= access_at[base])
                continue;
            LLVMPositionBuilderBefore(b, sums[k]);
            LLVMValueRef wide = LLVMBuildNUWAdd(b, base_iv, LLVMConstInt(LLVMTypeOf(base_iv), d, false), "");
            LLVMSetNSW(wide, true);
            replace_with_wide(b, sums[k], wide, sums[k], loop, kind, 0);
            sums[k] = NULL;
        }
        replace_with_wide(b, sums[base], base_iv, NULL, loop, kind, 0);
        sums[base] = NULL;
    }
    for (int k = 0; k < n && added < budget; k++) {
        if (!sums[k])
            continue;
        LLVMValueRef iv = wide_iv(b, xs[k], init, step, header, pre, latch);
        replace_with_wide(b, sums[k], iv, NULL, loop, kind, 0);
        added++;
    }
    /* With guard pages (or in a loop versioned free of checks), an
     * accessed p becomes its own i64 variable too,
     * p + C after its access that plus C: what address_nuw.c and SCEV
     * would make of it, but decided here, before LLVM's heuristics, which
     * then keep the loop's pointers in fewer registers (fannkuch -2%
     * instructions).  With bounds checks it costs a little more than it
     * saves. */
    if (phi_accessed && check_free) {
        LLVMValueRef iv = wide_iv(b, LLVMConstNull(LLVMTypeOf(phi)), init, step, header, pre, latch);
        replace_with_wide(b, phi, iv, NULL, loop, kind, 0);
    }
    return added;
}

static void address_ivs(LLVMBuilderRef b, LLVMBasicBlockRef header, unsigned kind, bool guard_pages) {
    ChainLoop chain, *loop = &chain;
    if (!chain_loop(header, loop))
        return;
    /* Only the phis the loop had: new ones are added at the top. */
    LLVMValueRef phis[MAX_PHIS];
    int n = 0;
    for (LLVMValueRef i = LLVMGetFirstInstruction(header); i && LLVMIsAPHINode(i) && n < MAX_PHIS;
         i = LLVMGetNextInstruction(i))
        if (LLVMGetTypeKind(LLVMTypeOf(i)) == LLVMIntegerTypeKind && LLVMGetIntTypeWidth(LLVMTypeOf(i)) == 32)
            phis[n++] = i;
    int budget = MAX_NEW_IVS;
    bool check_free = guard_pages || chain_check_free(loop);
    for (int k = 0; k < n; k++)
        budget -= address_ivs_of(b, phis[k], loop, kind, budget, check_free);
}

void opt_address_ivs(LLVMModuleRef mod, bool guard_pages) {
    unsigned kind = LLVMGetMDKindIDInContext(LLVMGetModuleContext(mod), ADDR_MD, sizeof ADDR_MD - 1);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(LLVMGetModuleContext(mod));
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            if (addr_starts_with_phi(bb))
                address_ivs(b, bb, kind, guard_pages);
    LLVMDisposeBuilder(b);
}
