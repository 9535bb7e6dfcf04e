/* Address facts: additions that cannot wrap because an access proved it.
 *
 * Wasm addresses are i32 and wrap: `i32.add p, 8` is (p + 8) mod 2^32.
 * So the address of an access is base + zext(p + 8), and LLVM may not
 * rewrite that as base + zext(p) + 8.  Without that rewrite it cannot see
 * that p and p + 8 are neighbours (no vectorising of the unrolled loops
 * clang emits for wasm32, no paired loads), cannot widen an i32 induction
 * variable to i64 (a zext on every access in every loop), and alias
 * analysis cannot tell p[0] from p[1].
 *
 * But an access that succeeded says something: its address x satisfies
 * x + offset + size <= memory size, and the runtime never lets a memory
 * reach 2^32 bytes (WASMC_MAX_MEMORY_PAGES, artifact.h), so
 * x < 2^32 - 65536.  Every later x + c with 0 < c < 65536 therefore cannot
 * wrap, and this pass marks it `nuw`; InstCombine and SCEV then push the
 * zext through it.  "Later" means dominated by the access: the same block
 * after it, or a block reached from it through single-predecessor edges
 * (bounds checks split blocks that way).  That is weaker than a dominator
 * tree but needs none, and it is where the pattern lives: the body of a
 * loop that reads p and then steps p.
 *
 * lf_memory_address marks the zext of every access address with
 * !wasmc.addr.  The pass runs after mem2reg, so a local read twice is one
 * SSA value, and before the optimiser, so the flags feed every pass.  It
 * holds for both memory modes: a checked access proves the same bound as
 * one the guard page let through.
 *
 * The other fact is static: an address whose value is bounded by its
 * expression (a byte load, x & 255, a shift of that, plus a constant: the
 * table lookups of CRCs, hashes and codecs) below the memory's minimum
 * size, which it never shrinks under, cannot be out of bounds.  Such an
 * access needs no check, no anchor and no order barrier
 * (lf_address_bound, used by lf_memory_address).
 *
 * Two loop rewrites build on the rule, each described where it is
 * defined below: address induction variables (an accessed p + X becomes
 * an i64 recurrence) and address streams (each pointer of a loop gets a
 * base of its own, so LLVM checks rows against each other at run time
 * instead of giving up on vectorising).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "loop_chain.h"
#include "lower_module.h"

#define MAX_NUW_ADDEND 65535u
/* How far up a chain of single-predecessor blocks to look for the access. */

/* Largest value the i32 `v` can take, from its expression alone (up to a
 * small depth), or false when nothing below 2^32 is known. */
static bool value_bound(LLVMValueRef v, uint64_t *max, int depth) {
    if (LLVMIsAConstantInt(v)) {
        *max = LLVMConstIntGetZExtValue(v);
        return true;
    }
    if (depth > 6 || !LLVMIsAInstruction(v))
        return false;
    uint64_t a, b;
    LLVMValueRef x = LLVMGetNumOperands(v) > 0 ? LLVMGetOperand(v, 0) : NULL;
    LLVMValueRef y = LLVMGetNumOperands(v) > 1 ? LLVMGetOperand(v, 1) : NULL;
    switch (LLVMGetInstructionOpcode(v)) {
    case LLVMZExt: /* of a narrower value: a byte or halfword load */
        if (LLVMGetIntTypeWidth(LLVMTypeOf(x)) >= 32)
            return value_bound(x, max, depth + 1);
        *max = (1ull << LLVMGetIntTypeWidth(LLVMTypeOf(x))) - 1;
        return true;
    case LLVMAnd: {
        bool ba = value_bound(x, &a, depth + 1), bb = value_bound(y, &b, depth + 1);
        *max = ba && bb ? (a < b ? a : b) : ba ? a : b;
        return ba || bb;
    }
    case LLVMOr: case LLVMAdd:
        if (!value_bound(x, &a, depth + 1) || !value_bound(y, &b, depth + 1) || a + b > UINT32_MAX)
            return false;
        *max = a + b; /* a | b <= a + b */
        return true;
    case LLVMShl:
        if (!LLVMIsAConstantInt(y) || !value_bound(x, &a, depth + 1))
            return false;
        b = LLVMConstIntGetZExtValue(y);
        if (b >= 32 || (a << b) > UINT32_MAX)
            return false;
        *max = a << b;
        return true;
    case LLVMLShr:
        if (!LLVMIsAConstantInt(y) || LLVMConstIntGetZExtValue(y) >= 32)
            return false;
        *max = (value_bound(x, &a, depth + 1) ? a : UINT32_MAX) >> LLVMConstIntGetZExtValue(y);
        return true;
    case LLVMURem:
        if (!LLVMIsAConstantInt(y) || !LLVMConstIntGetZExtValue(y))
            return false;
        *max = LLVMConstIntGetZExtValue(y) - 1;
        return true;
    default:
        return false;
    }
}

bool lf_address_bound(LLVMValueRef addr, uint64_t *max) {
    return LLVMGetIntTypeWidth(LLVMTypeOf(addr)) == 32 && value_bound(addr, max, 0);
}

void lf_mark_address(LowerFunc *f, LLVMValueRef zext) {
    if (LLVMIsAInstruction(zext))
        LLVMSetMetadata(zext, LLVMGetMDKindIDInContext(f->lm->ctx, ADDR_MD, sizeof ADDR_MD - 1), f->lm->md_empty);
}

/* Operand of an i32 add that may be marked nuw: the non-constant side when
 * the other is a constant in (0, 65536). */
static LLVMValueRef stepped_value(LLVMValueRef add) {
    if (LLVMGetInstructionOpcode(add) != LLVMAdd || LLVMGetNUW(add) ||
        LLVMGetIntTypeWidth(LLVMTypeOf(add)) != 32)
        return NULL;
    for (int i = 0; i < 2; i++) {
        LLVMValueRef c = LLVMGetOperand(add, i), x = LLVMGetOperand(add, 1 - i);
        if (LLVMIsAConstantInt(c) && !LLVMIsAConstant(x)) {
            uint64_t v = LLVMConstIntGetZExtValue(c);
            return v > 0 && v <= MAX_NUW_ADDEND ? x : NULL;
        }
    }
    return NULL;
}

static bool is_access_zext(LLVMValueRef v, unsigned kind) {
    return LLVMIsAZExtInst(v) && LLVMGetMetadata(v, kind);
}

/* Is there an access at x anywhere in bb? */
static bool accessed_in(LLVMValueRef x, LLVMBasicBlockRef bb, unsigned kind) {
    for (LLVMUseRef u = LLVMGetFirstUse(x); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef z = LLVMGetUser(u);
        if (is_access_zext(z, kind) && LLVMGetInstructionParent(z) == bb)
            return true;
    }
    return false;
}

static bool accessed_in_chain_above(LLVMValueRef x, LLVMBasicBlockRef bb, unsigned kind) {
    for (int depth = 0; depth < MAX_CHAIN; depth++) {
        bb = single_predecessor(bb);
        if (!bb)
            return false;
        if (accessed_in(x, bb, kind))
            return true;
    }
    return false;
}

/* The addresses accessed so far in the block being walked: a small
 * open-addressing set of values, emptied per block. */
typedef struct ValueSet {
    LLVMValueRef *slot;
    size_t cap, count;
} ValueSet;

static bool set_has(const ValueSet *s, LLVMValueRef v) {
    if (!s->cap)
        return false;
    for (size_t h = lf_value_hash(v, s->cap); s->slot[h]; h = (h + 1) & (s->cap - 1))
        if (s->slot[h] == v)
            return true;
    return false;
}

static bool set_add(ValueSet *s, LLVMValueRef v) {
    if (set_has(s, v))
        return true;
    if (2 * (s->count + 1) > s->cap) {
        ValueSet g = {calloc(s->cap ? 2 * s->cap : 64, sizeof *g.slot), s->cap ? 2 * s->cap : 64, 0};
        if (!g.slot)
            return false;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i])
                set_add(&g, s->slot[i]);
        free(s->slot);
        *s = g;
    }
    size_t h = lf_value_hash(v, s->cap);
    while (s->slot[h])
        h = (h + 1) & (s->cap - 1);
    s->slot[h] = v;
    s->count++;
    return true;
}

static void set_clear(ValueSet *s) {
    for (size_t i = 0; s->count && i < s->cap; i++)
        s->slot[i] = NULL;
    s->count = 0;
}

/* ---- Address induction variables ----------------------------------
 *
 * The rule above needs the access before the step.  Loops clang emits for
 * wasm32 often step one pointer and address through sums of it:
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
 * access is it plus a constant, as in the rule above.  Variables cost
 * registers, so a loop gets at most MAX_NEW_IVS.
 *
 * The loop must be a chain: header, then blocks each entered only from
 * the one before (straight-line code, bounds checks, early exits), the
 * last one branching back to the header, which has no other predecessor
 * than the one outside.  Every block of the chain runs on every
 * iteration that continues, so an access anywhere in it precedes the
 * step.  WASMC_NO_ADDRESS_IVS=1 turns this part off, to measure it. */

/* The step c of a header phi (an i32 pointer, or an i64 address variable)
 * whose value from the latch is p + c, 0 < c <= 65535, or 0. */
static uint64_t phi_step(LLVMValueRef phi, LLVMBasicBlockRef latch) {
    for (unsigned i = 0; i < LLVMCountIncoming(phi); i++) {
        if (LLVMGetIncomingBlock(phi, i) != latch)
            continue;
        LLVMValueRef next = LLVMGetIncomingValue(phi, i);
        if (!LLVMIsAInstruction(next) || LLVMGetInstructionOpcode(next) != LLVMAdd)
            return 0;
        for (int k = 0; k < 2; k++) {
            LLVMValueRef c = LLVMGetOperand(next, k);
            if (LLVMGetOperand(next, 1 - k) == phi && LLVMIsAConstantInt(c)) {
                uint64_t v = LLVMConstIntGetZExtValue(c);
                return v > 0 && v <= MAX_NUW_ADDEND ? v : 0;
            }
        }
        return 0;
    }
    return 0;
}

static bool accessed_in_loop(LLVMValueRef x, const ChainLoop *loop, unsigned kind) {
    for (LLVMUseRef u = LLVMGetFirstUse(x); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef z = LLVMGetUser(u);
        if (is_access_zext(z, kind) && in_chain(LLVMGetInstructionParent(z), loop))
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

/* Most induction variables added per loop: each costs a register. */
#define MAX_NEW_IVS 4
#define MAX_SUMS 64
#define MAX_PHIS 64

/* The first instruction of `bb` after its phis. */
static LLVMValueRef first_non_phi(LLVMBasicBlockRef bb) {
    LLVMValueRef i = LLVMGetFirstInstruction(bb);
    while (i && LLVMIsAPHINode(i))
        i = LLVMGetNextInstruction(i);
    return i;
}

static long chain_position(LLVMValueRef inst, const ChainLoop *loop);
static long first_access(LLVMValueRef v, const ChainLoop *loop, unsigned kind);

/* Replace i32 `sum` by the i64 `wide`, equal to zext(sum): its zext users
 * take `wide`; an `add sum, C` after an access at sum (which proved it
 * cannot wrap, as in the rule above) becomes wide + C, recursively; the
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
        if (depth < 4 && accessed >= 0 && LLVMIsAInstruction(user) && stepped_value(user) == sum &&
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

/* Position of `inst` in chain order, or -1 outside the chain. */
static long chain_position(LLVMValueRef inst, const ChainLoop *loop) {
    LLVMBasicBlockRef bb = LLVMGetInstructionParent(inst);
    for (int k = 0; k < loop->len; k++) {
        if (loop->block[k] != bb)
            continue;
        long pos = (long)k << 20;
        for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i && i != inst; i = LLVMGetNextInstruction(i))
            pos++;
        return pos;
    }
    return -1;
}

/* Where the first access at `v` in the loop is, in chain order, or -1. */
static long first_access(LLVMValueRef v, const ChainLoop *loop, unsigned kind) {
    long best = -1;
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef z = LLVMGetUser(u);
        long pos = is_access_zext(z, kind) ? chain_position(z, loop) : -1;
        if (pos >= 0 && (best < 0 || pos < best))
            best = pos;
    }
    return best;
}

/* Widen the accessed sums p + X of a stepped header phi p (see above):
 * one variable for the smallest constant X, the constant sums after its
 * access being it plus a constant (that access proved they cannot wrap,
 * as in the rule above), and one for each other X while the budget
 * lasts.
 * Returns how many variables it added. */
static int address_ivs_of(LLVMBuilderRef b, LLVMValueRef phi, const ChainLoop *loop,
                          unsigned kind, int budget, bool check_free) {
    LLVMBasicBlockRef header = loop->block[0], latch = loop->block[loop->len - 1], pre = loop->pre;
    uint64_t step = phi_step(phi, latch);
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
        /* p + C is marked by the rule above when p itself is accessed */
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
     * p + C after its access that plus C: what the rule above and SCEV
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

/* ---- Address streams ---------------------------------------------
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
 * lf_streams_materialize replaces each call by its argument.
 * WASMC_NO_ADDRESS_STREAMS=1 turns this part off. */

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
            return LLVMIsAPHINode(v) && LLVMGetInstructionParent(v) == header && phi_step(v, latch) ? v : NULL;
        }
        if (LLVMIsAPHINode(full))
            return LLVMGetInstructionParent(full) == header && phi_step(full, latch) ? full : NULL;
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
    unsigned md = LLVMGetMDKindIDInContext(LLVMGetModuleContext(mod), "wasmc.in_bounds", 15);
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

void lf_streams_materialize(LLVMModuleRef mod) {
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

/* A block that starts with a phi: where a chain loop may be headed. */
static bool starts_with_phi(LLVMBasicBlockRef bb) {
    return LLVMGetFirstInstruction(bb) && LLVMIsAPHINode(LLVMGetFirstInstruction(bb));
}

void lf_address_facts(LLVMModuleRef mod, bool guard_pages) {
    unsigned kind = LLVMGetMDKindIDInContext(LLVMGetModuleContext(mod), ADDR_MD, sizeof ADDR_MD - 1);
    bool ivs = !getenv("WASMC_NO_ADDRESS_IVS");
    bool streams = !getenv("WASMC_NO_ADDRESS_STREAMS");
    LLVMBuilderRef b = LLVMCreateBuilderInContext(LLVMGetModuleContext(mod));
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn && ivs; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            if (starts_with_phi(bb))
                address_ivs(b, bb, kind, guard_pages);
    ValueSet seen = {0};
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb)) {
            set_clear(&seen);
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
                if (is_access_zext(i, kind)) {
                    /* Out of memory only loses facts, never invents one. */
                    set_add(&seen, LLVMGetOperand(i, 0));
                    continue;
                }
                LLVMValueRef x = LLVMIsABinaryOperator(i) ? stepped_value(i) : NULL;
                if (x && (set_has(&seen, x) || accessed_in_chain_above(x, bb, kind)))
                    LLVMSetNUW(i, true);
            }
        }
    free(seen.slot);
    /* After the marking: stream_of reads the nuw flags it sets. */
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn && streams; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            if (starts_with_phi(bb))
                address_streams(b, bb, mod, guard_pages);
    LLVMDisposeBuilder(b);
}
