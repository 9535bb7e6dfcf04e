/* Loop versioning for bounds checks (--bounds-checks mode).
 *
 * With explicit checks every access in a loop is a compare and a branch
 * to a trap.  Such a loop never vectorises (the vectoriser cannot widen a
 * loop with an exit at every access, and SCEV cannot count the iterations
 * of a loop whose exits are checks), and each check costs a compare on
 * every iteration.  Yet in the loops that matter the addresses are affine
 * in the iteration number and the latch counts the iterations, so whether
 * any access of any iteration will be out of bounds can be decided before
 * the loop starts.  That is what this pass does, for the chain loops of
 * loop_chain.h:
 *
 *     pre:   ok = the trip count is known, and every checked address of
 *                 every iteration is in bounds of the current memory size
 *            br ok, fast, slow
 *     fast:  a copy of the loop whose covered checks are gone
 *     slow:  the loop as it was
 *
 * The slow copy keeps the exact semantics when an access would trap: the
 * trap happens at that access, after the iterations before it.  The fast
 * copy runs only when none of its removed checks could fire.  Memories
 * never shrink, so a size read before the loop bounds every size the loop
 * sees, even across a memory.grow in a call.
 *
 * An address is covered when, as an i32 expression, it is
 *
 *     S + k*c + r        (mod 2^32)
 *
 * with S loop-invariant, k the iteration number (0 on entry), c a
 * constant and r a non-negative term with a known bound R (a masked or
 * byte-sized index: opt_address_bound).  With s0 = zext(S), if the i64
 * values s0 + k*c + r stay within [0, 2^32) for every k < T and r <= R,
 * they are the addresses themselves, not just equal mod 2^32, so two
 * comparisons at the extremes cover every access:
 *
 *     s0 + max(0, (T-1)c) + R + offset + size <= memory size
 *     s0 + min(0, (T-1)c) >= 0
 *
 * The trip count T comes from the latch: the loop continues while v != N,
 * v < N, v > N and the like (v = V0 + k*s affine, N invariant), so T - 1
 * is (N - V0) / s, or rounded up, when the latch does end the loop before
 * v wraps (emit_trip); when it may not, the slow copy runs.  Early exits
 * only shorten a loop, so T bounds the iterations that run.
 *
 * Values of the loop used after it must reach their uses through phis in
 * the exit blocks, so that both copies can feed them; the pass adds such
 * phis when the loop has a single exit, and leaves other loops alone.
 * When every check of the fast copy is gone, its latch carries
 * CHECK_FREE_MD, and the address passes treat it like a loop with guard
 * pages (address streams, which let it vectorise).
 * `wasmc -fno-check-versioning` turns the pass off, to measure it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "loop_chain.h"
#include "opt.h"

/* Limits: code size grows by the size of each loop versioned. */
#define MAX_LOOP_INSTRS 400
#define MAX_VERSIONED_PER_FUNCTION 16
#define MAX_CHECKS 64
#define MAX_TERMS 4
/* Largest step per iteration: (T - 1) * step, with T - 1 < 2^32, plus
 * a start and a bound below 2^33, stays below 2^63. */
#define MAX_STEP (1 << 30)

/* S + k*coef + r: see above.  The invariant part S is sum term[i] *
 * scale[i] + d, all mod 2^32. */
typedef struct Affine {
    LLVMValueRef term[MAX_TERMS];
    uint32_t scale[MAX_TERMS];
    int n;
    uint32_t d;
    int64_t coef;
    uint64_t r;
} Affine;

/* chain_iv_step, limited to the steps the sums below are sized for. */
static bool iv_step(LLVMValueRef phi, const ChainLoop *loop, int64_t *step) {
    return chain_iv_step(phi, loop, step) && *step >= -MAX_STEP && *step <= MAX_STEP;
}

static bool add_affine(Affine *a, const Affine *x, const Affine *y, bool negate_y) {
    if (x->n + y->n > MAX_TERMS || (negate_y && y->r))
        return false;
    *a = *x;
    for (int i = 0; i < y->n; i++) {
        a->term[a->n] = y->term[i];
        a->scale[a->n++] = negate_y ? 0u - y->scale[i] : y->scale[i];
    }
    a->d = negate_y ? x->d - y->d : x->d + y->d;
    a->coef = negate_y ? x->coef - y->coef : x->coef + y->coef;
    a->r = x->r + y->r;
    return a->coef >= -MAX_STEP && a->coef <= MAX_STEP && a->r <= UINT32_MAX;
}

static bool scale_affine(Affine *a, int64_t m) {
    if ((m < 0 && a->r) || m < -MAX_STEP || m > MAX_STEP)
        return false;
    for (int i = 0; i < a->n; i++)
        a->scale[i] *= (uint32_t)m;
    a->d *= (uint32_t)m;
    a->coef *= m;
    a->r *= (uint64_t)(m < 0 ? 0 : m);
    return a->coef >= -MAX_STEP && a->coef <= MAX_STEP && a->r <= UINT32_MAX;
}

/* The affine form of the i32 `v` in `loop`, or false. */
static bool affine_of(LLVMValueRef v, const ChainLoop *loop, Affine *a, int depth) {
    memset(a, 0, sizeof *a);
    if (LLVMIsAConstantInt(v)) {
        a->d = (uint32_t)LLVMConstIntGetZExtValue(v);
        return true;
    }
    if (chain_invariant(v, loop)) {
        a->term[0] = v;
        a->scale[0] = 1;
        a->n = 1;
        return true;
    }
    if (depth < 8 && LLVMIsAPHINode(v) && LLVMGetInstructionParent(v) == loop->block[0]) {
        int64_t step;
        LLVMValueRef init = incoming_from(v, loop->pre);
        if (init && iv_step(v, loop, &step) && affine_of(init, loop, a, depth + 1)) {
            a->coef = step;
            return true;
        }
    } else if (depth < 8 && LLVMIsABinaryOperator(v)) {
        LLVMValueRef x = LLVMGetOperand(v, 0), y = LLVMGetOperand(v, 1);
        Affine ax, ay;
        switch (LLVMGetInstructionOpcode(v)) {
        case LLVMAdd:
        case LLVMSub:
            if (affine_of(x, loop, &ax, depth + 1) && affine_of(y, loop, &ay, depth + 1) &&
                add_affine(a, &ax, &ay, LLVMGetInstructionOpcode(v) == LLVMSub))
                return true;
            break;
        case LLVMShl:
            if (LLVMIsAConstantInt(y) && LLVMConstIntGetZExtValue(y) < 25 && affine_of(x, loop, a, depth + 1) &&
                scale_affine(a, (int64_t)1 << LLVMConstIntGetZExtValue(y)))
                return true;
            break;
        case LLVMMul:
            if (LLVMIsAConstantInt(y) && affine_of(x, loop, a, depth + 1) &&
                scale_affine(a, LLVMConstIntGetSExtValue(y)))
                return true;
            break;
        default:
            break;
        }
    }
    /* Not affine: a bounded non-negative term, or nothing. */
    memset(a, 0, sizeof *a);
    uint64_t max;
    if (!opt_address_bound(v, &max))
        return false;
    a->r = max;
    return true;
}

/* One bounds check of the loop, found by its label (CHECK_MD, labels.h,
 * which also gives its layout):
 *     br (icmp sgt (zext addr), (sub nsw (load size), K)), trap, ok */
typedef struct Check {
    int block;             /* its index in the chain */
    LLVMValueRef size;     /* the load of the memory's byte size */
    uint64_t k;            /* offset + access size */
    Affine form;
} Check;

static bool match_check(LLVMBasicBlockRef bb, const ChainLoop *loop, unsigned addr_md, Check *c) {
    LLVMValueRef br = LLVMGetBasicBlockTerminator(bb);
    if (!br || !LLVMIsABranchInst(br) || !LLVMIsConditional(br) || !is_trap_block(LLVMGetSuccessor(br, 0)))
        return false;
    LLVMValueRef cond = LLVMGetCondition(br);
    uint64_t k;
    uint32_t mem;
    if (!opt_check_label(cond, &k, &mem))
        return false;
    LLVMValueRef ea = LLVMGetOperand(cond, 0), limit = LLVMGetOperand(cond, 1);
    (void)addr_md; /* the label vouches for ea being the access's address */
    c->size = LLVMGetOperand(limit, 0);
    LLVMValueRef p = LLVMGetOperand(c->size, 0);
    /* The size must be readable before the loop: its pointer invariant,
     * or a gep of invariant operands (the wasmc_memory's size field). */
    if (!chain_invariant(p, loop)) {
        if (!LLVMIsAGetElementPtrInst(p))
            return false;
        for (int i = 0; i < LLVMGetNumOperands(p); i++)
            if (!chain_invariant(LLVMGetOperand(p, i), loop))
                return false;
    }
    c->k = k;
    return c->k <= UINT32_MAX && affine_of(LLVMGetOperand(ea, 0), loop, &c->form, 0);
}

/* The latch's exit test as "continue while v pred n", or false. */
static bool latch_test(const ChainLoop *loop, LLVMValueRef *v, LLVMValueRef *n, LLVMIntPredicate *pred) {
    return chain_branch_test(LLVMGetBasicBlockTerminator(loop->block[loop->len - 1]), loop->block[0], v, n, pred) &&
           LLVMGetIntTypeWidth(LLVMTypeOf(*v)) == 32;
}

/* ---- Building the preheader's test ---- */

static LLVMValueRef emit_start(LLVMBuilderRef b, LLVMTypeRef i32, const Affine *a) {
    LLVMValueRef s = LLVMConstInt(i32, a->d, false);
    for (int i = 0; i < a->n; i++) {
        LLVMValueRef t = a->term[i];
        if (a->scale[i] != 1)
            t = LLVMBuildMul(b, t, LLVMConstInt(i32, a->scale[i], false), "");
        s = LLVMBuildAdd(b, s, t, "");
    }
    return s;
}

/* The latch's test, "continue while v pred n", as affine forms: v =
 * V0 + k*s, n invariant.  A signed test is an unsigned one of both sides
 * plus 2^31. */
typedef struct Trip {
    Affine v, n;
    LLVMIntPredicate pred; /* NE, or ULT, ULE, UGT, UGE after the shift */
} Trip;

static bool trip_of(const ChainLoop *loop, Trip *t) {
    LLVMValueRef v, n;
    if (!latch_test(loop, &v, &n, &t->pred) || !affine_of(v, loop, &t->v, 0) || !affine_of(n, loop, &t->n, 0))
        return false;
    if (t->n.coef || t->n.r) { /* the test may name them in either order */
        Affine x = t->v;
        t->v = t->n;
        t->n = x;
        t->pred = chain_swapped(t->pred);
    }
    if (!t->v.coef || t->v.r || t->n.coef || t->n.r)
        return false;
    switch (t->pred) {
    case LLVMIntSLT: case LLVMIntSLE: case LLVMIntSGT: case LLVMIntSGE:
        t->v.d += 0x80000000u;
        t->n.d += 0x80000000u;
        t->pred = t->pred == LLVMIntSLT ? LLVMIntULT : t->pred == LLVMIntSLE ? LLVMIntULE
                : t->pred == LLVMIntSGT ? LLVMIntUGT : LLVMIntUGE;
        break;
    default:
        break;
    }
    switch (t->pred) {
    case LLVMIntNE: return true;
    case LLVMIntULT: case LLVMIntULE: return t->v.coef > 0; /* counting up to n */
    case LLVMIntUGT: case LLVMIntUGE: return t->v.coef < 0; /* counting down to n */
    default: return false;
    }
}

/* (T - 1) as an i64, and whether the latch ends the loop before v wraps
 * (otherwise the count is unknown, and the slow copy runs):
 * - v != n: T - 1 = (n - V0) / s, in 32 bits, when s divides it;
 * - v < L, counting up: 0 when V0 >= L, else ceil((L - V0) / s), known
 *   when L + s <= 2^32 (the first v >= L cannot have wrapped);
 * - v > L, counting down: the mirror image, known when L + 1 >= |s|.
 * Here v <= n is v < n + 1 and v >= n is v > n - 1, in i64. */
static void emit_trip(LLVMBuilderRef b, const Trip *t, LLVMValueRef *last, LLVMValueRef *known) {
    LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(LLVMGetBasicBlockParent(LLVMGetInsertBlock(b))));
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx), i64 = LLVMInt64TypeInContext(ctx);
    LLVMValueRef v0 = emit_start(b, i32, &t->v), n = emit_start(b, i32, &t->n);
    uint64_t step = (uint64_t)(t->v.coef < 0 ? -t->v.coef : t->v.coef);
    LLVMValueRef s = LLVMConstInt(i64, step, false), zero = LLVMConstInt(i64, 0, false);
    if (t->pred == LLVMIntNE) {
        LLVMValueRef dist = LLVMBuildZExt(b, t->v.coef > 0 ? LLVMBuildSub(b, n, v0, "") : LLVMBuildSub(b, v0, n, ""), i64, "");
        *known = LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildURem(b, dist, s, ""), zero, "");
        *last = LLVMBuildUDiv(b, dist, s, "");
        return;
    }
    v0 = LLVMBuildZExt(b, v0, i64, "");
    LLVMValueRef limit = LLVMBuildZExt(b, n, i64, ""), dist, done;
    if (t->pred == LLVMIntULE)
        limit = LLVMBuildAdd(b, limit, LLVMConstInt(i64, 1, false), "");
    if (t->pred == LLVMIntUGE)
        limit = LLVMBuildSub(b, limit, LLVMConstInt(i64, 1, false), "");
    if (t->v.coef > 0) {
        done = LLVMBuildICmp(b, LLVMIntSGE, v0, limit, "");
        *known = LLVMBuildICmp(b, LLVMIntSLE, LLVMBuildAdd(b, limit, s, ""), LLVMConstInt(i64, 1ull << 32, false), "");
        dist = LLVMBuildSub(b, limit, v0, "");
    } else {
        done = LLVMBuildICmp(b, LLVMIntSLE, v0, limit, "");
        *known = LLVMBuildICmp(b, LLVMIntSGE, LLVMBuildAdd(b, limit, LLVMConstInt(i64, 1, false), ""), s, "");
        dist = LLVMBuildSub(b, v0, limit, "");
    }
    *known = LLVMBuildOr(b, *known, done, "");
    LLVMValueRef steps = LLVMBuildUDiv(b, LLVMBuildAdd(b, dist, LLVMConstInt(i64, step - 1, false), ""), s, "");
    *last = LLVMBuildSelect(b, done, zero, steps, "");
}

/* The memory size the check reads, read again before the loop. */
static LLVMValueRef emit_size(LLVMBuilderRef b, LLVMValueRef size, const ChainLoop *loop) {
    LLVMValueRef p = LLVMGetOperand(size, 0);
    if (!chain_invariant(p, loop)) {
        p = LLVMInstructionClone(p);
        LLVMInsertIntoBuilder(b, p);
    }
    LLVMValueRef load = LLVMInstructionClone(size);
    LLVMInsertIntoBuilder(b, load);
    LLVMSetOperand(load, 0, p);
    return load;
}

/* Checks of one memory whose addresses differ by small constants (the
 * fields of a struct, p[i] and p[i + 1]) share one test: the lowest
 * address's start, and the largest reach past it. */
typedef struct Group {
    const Check *first;
    int64_t low;    /* least constant, relative to first's */
    int64_t reach;  /* greatest constant + bound + offset + size, relative to first's */
} Group;

#define MAX_DELTA (1 << 20)

static bool same_size(LLVMValueRef a, LLVMValueRef b) {
    LLVMValueRef pa = LLVMGetOperand(a, 0), pb = LLVMGetOperand(b, 0);
    if (pa == pb)
        return true;
    if (!LLVMIsAGetElementPtrInst(pa) || !LLVMIsAGetElementPtrInst(pb) ||
        LLVMGetNumOperands(pa) != LLVMGetNumOperands(pb))
        return false;
    for (int i = 0; i < LLVMGetNumOperands(pa); i++)
        if (LLVMGetOperand(pa, i) != LLVMGetOperand(pb, i))
            return false;
    return true;
}

/* Does c join group g, and at which constant relative to g's first? */
static bool joins(const Group *g, const Check *c, int64_t *delta) {
    const Affine *a = &g->first->form, *x = &c->form;
    if (a->n != x->n || a->coef != x->coef || !same_size(g->first->size, c->size))
        return false;
    for (int i = 0; i < a->n; i++) {
        bool found = false;
        for (int j = 0; j < x->n && !found; j++)
            found = a->term[i] == x->term[j] && a->scale[i] == x->scale[j];
        if (!found)
            return false;
    }
    *delta = (int32_t)(x->d - a->d);
    return *delta > -MAX_DELTA && *delta < MAX_DELTA;
}

static LLVMValueRef emit_group(LLVMBuilderRef b, const Group *g, const ChainLoop *loop, LLVMValueRef last) {
    LLVMTypeRef i32 = LLVMInt32TypeInContext(LLVMGetTypeContext(LLVMTypeOf(last)));
    LLVMTypeRef i64 = LLVMTypeOf(last);
    Affine a = g->first->form;
    a.d += (uint32_t)g->low;
    LLVMValueRef s0 = LLVMBuildZExt(b, emit_start(b, i32, &a), i64, "");
    LLVMValueRef size = emit_size(b, g->first->size, loop);
    LLVMValueRef span = LLVMBuildMul(b, last, LLVMConstInt(i64, (uint64_t)(a.coef < 0 ? -a.coef : a.coef), false), "");
    LLVMValueRef hi = LLVMBuildAdd(b, s0, LLVMConstInt(i64, (uint64_t)(g->reach - g->low), false), "");
    if (a.coef > 0)
        hi = LLVMBuildAdd(b, hi, span, "");
    /* Signed: the sum cannot overflow an i64 (MAX_STEP). */
    LLVMValueRef ok = LLVMBuildICmp(b, LLVMIntSLE, hi, size, "");
    if (a.coef < 0)
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSGE, LLVMBuildSub(b, s0, span, ""), LLVMConstInt(i64, 0, false), ""), "");
    return ok;
}

/* The preheader's test that every covered check passes on every
 * iteration. */
static LLVMValueRef emit_covered(LLVMBuilderRef b, const Check *checks, int n, const ChainLoop *loop,
                                 LLVMValueRef last, LLVMValueRef ok) {
    Group groups[MAX_CHECKS];
    int ng = 0;
    for (int i = 0; i < n; i++) {
        const Check *c = &checks[i];
        int64_t delta = 0;
        int g = 0;
        while (g < ng && !joins(&groups[g], c, &delta))
            g++;
        if (g == ng) {
            delta = 0;
            groups[ng++] = (Group){c, 0, 0};
        }
        int64_t reach = delta + (int64_t)c->form.r + (int64_t)c->k;
        if (delta < groups[g].low)
            groups[g].low = delta;
        if (reach > groups[g].reach)
            groups[g].reach = reach;
    }
    for (int g = 0; g < ng; g++)
        ok = LLVMBuildAnd(b, ok, emit_group(b, &groups[g], loop, last), "");
    return ok;
}

/* ---- Copying the loop ---- */

/* Original value -> copy, for the few hundred values of one loop. */
typedef struct ValueMap {
    LLVMValueRef key[2048], val[2048];
} ValueMap;

static size_t map_slot(const ValueMap *m, LLVMValueRef k) {
    size_t h = opt_value_hash(k, 2048);
    while (m->key[h] && m->key[h] != k)
        h = (h + 1) & 2047;
    return h;
}

static void map_put(ValueMap *m, LLVMValueRef k, LLVMValueRef v) {
    size_t h = map_slot(m, k);
    m->key[h] = k;
    m->val[h] = v;
}

static LLVMValueRef map_get(const ValueMap *m, LLVMValueRef k) {
    size_t h = map_slot(m, k);
    return m->key[h] ? m->val[h] : k;
}

static bool is_exit_entry(LLVMValueRef user, LLVMValueRef v, const ChainLoop *loop) {
    if (!LLVMIsAPHINode(user))
        return false;
    for (unsigned j = 0; j < LLVMCountIncoming(user); j++)
        if (LLVMGetIncomingValue(user, j) == v && !in_chain(LLVMGetIncomingBlock(user, j), loop))
            return false;
    return true;
}

/* Small enough to copy, entered by an unconditional branch, and every
 * use of its values after it can be fed by both copies: make it so by
 * giving each value used after the loop a phi in the exit block, when
 * the loop has one exit (traps aside) entered only from the loop (the
 * exit then dominates every such use).  Values already used only
 * through phi entries for edges leaving the loop need nothing. */
static bool copyable(LLVMBuilderRef b, const ChainLoop *loop) {
    LLVMValueRef pre_term = LLVMGetBasicBlockTerminator(loop->pre);
    if (!pre_term || !LLVMIsABranchInst(pre_term) || LLVMIsConditional(pre_term))
        return false;
    int count = 0;
    LLVMBasicBlockRef exit = NULL;
    bool one_exit = true;
    for (int k = 0; k < loop->len; k++) {
        LLVMValueRef term = LLVMGetBasicBlockTerminator(loop->block[k]);
        for (unsigned s = 0; s < LLVMGetNumSuccessors(term); s++) {
            LLVMBasicBlockRef to = LLVMGetSuccessor(term, s);
            if (in_chain(to, loop) || is_trap_block(to) || to == exit)
                continue;
            one_exit = !exit;
            exit = to;
        }
        for (LLVMValueRef i = LLVMGetFirstInstruction(loop->block[k]); i; i = LLVMGetNextInstruction(i))
            count++;
    }
    if (count > MAX_LOOP_INSTRS)
        return false;
    if (exit && one_exit)
        for (LLVMUseRef u = LLVMGetFirstUse(LLVMBasicBlockAsValue(exit)); u; u = LLVMGetNextUse(u))
            if (!LLVMIsATerminatorInst(LLVMGetUser(u)) || !in_chain(LLVMGetInstructionParent(LLVMGetUser(u)), loop))
                one_exit = false;
    /* Check every value first, so a loop left alone is left unchanged. */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < loop->len; k++)
            for (LLVMValueRef i = LLVMGetFirstInstruction(loop->block[k]); i; i = LLVMGetNextInstruction(i)) {
                LLVMValueRef users[64], phi = NULL;
                int n = 0;
                for (LLVMUseRef u = LLVMGetFirstUse(i); u; u = LLVMGetNextUse(u)) {
                    LLVMValueRef user = LLVMGetUser(u);
                    if (in_chain(LLVMGetInstructionParent(user), loop) || is_exit_entry(user, i, loop))
                        continue;
                    if (!exit || !one_exit || n == 64)
                        return false;
                    bool dup = false;
                    for (int j = 0; j < n; j++)
                        dup |= users[j] == user;
                    if (!dup)
                        users[n++] = user;
                }
                if (pass == 0 || !n)
                    continue;
                LLVMPositionBuilder(b, exit, LLVMGetFirstInstruction(exit));
                phi = LLVMBuildPhi(b, LLVMTypeOf(i), "");
                for (LLVMUseRef u = LLVMGetFirstUse(LLVMBasicBlockAsValue(exit)); u; u = LLVMGetNextUse(u)) {
                    LLVMBasicBlockRef from = LLVMGetInstructionParent(LLVMGetUser(u));
                    LLVMAddIncoming(phi, &i, &from, 1);
                }
                for (int j = 0; j < n; j++)
                    for (int op = 0; op < LLVMGetNumOperands(users[j]); op++)
                        if (LLVMGetOperand(users[j], op) == i && users[j] != phi)
                            LLVMSetOperand(users[j], op, phi);
            }
    return true;
}

/* Copy the loop's blocks; the copy's header has no predecessor yet.
 * Returns the map from the original's values and blocks to the copy's. */
static void copy_loop(LLVMBuilderRef b, const ChainLoop *loop, ValueMap *m, LLVMBasicBlockRef *copy) {
    LLVMValueRef fn = LLVMGetBasicBlockParent(loop->block[0]);
    LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(fn));
    for (int k = 0; k < loop->len; k++) {
        copy[k] = LLVMAppendBasicBlockInContext(ctx, fn, "fast");
        map_put(m, LLVMBasicBlockAsValue(loop->block[k]), LLVMBasicBlockAsValue(copy[k]));
    }
    /* Chain order is dominance order, so every operand but a phi's is
     * copied before its user. */
    for (int k = 0; k < loop->len; k++) {
        LLVMPositionBuilderAtEnd(b, copy[k]);
        for (LLVMValueRef i = LLVMGetFirstInstruction(loop->block[k]); i; i = LLVMGetNextInstruction(i)) {
            LLVMValueRef c;
            if (LLVMIsAPHINode(i)) {
                c = LLVMBuildPhi(b, LLVMTypeOf(i), "");
            } else {
                c = LLVMInstructionClone(i);
                LLVMInsertIntoBuilder(b, c);
                for (int j = 0; j < LLVMGetNumOperands(c); j++)
                    LLVMSetOperand(c, j, map_get(m, LLVMGetOperand(c, j)));
            }
            map_put(m, i, c);
        }
    }
    for (int k = 0; k < loop->len; k++)
        for (LLVMValueRef i = LLVMGetFirstInstruction(loop->block[k]); i && LLVMIsAPHINode(i);
             i = LLVMGetNextInstruction(i))
            for (unsigned j = 0; j < LLVMCountIncoming(i); j++) {
                LLVMValueRef v = map_get(m, LLVMGetIncomingValue(i, j));
                LLVMBasicBlockRef from = LLVMValueAsBasicBlock(map_get(m, LLVMBasicBlockAsValue(LLVMGetIncomingBlock(i, j))));
                LLVMAddIncoming(map_get(m, i), &v, &from, 1);
            }
    /* The exits' phis get an entry for each edge from the copy. */
    for (int k = 0; k < loop->len; k++) {
        LLVMValueRef term = LLVMGetBasicBlockTerminator(loop->block[k]);
        for (unsigned s = 0; s < LLVMGetNumSuccessors(term); s++) {
            LLVMBasicBlockRef exit = LLVMGetSuccessor(term, s);
            bool seen = in_chain(exit, loop);
            for (unsigned t = 0; t < s; t++)
                seen |= LLVMGetSuccessor(term, t) == exit;
            if (seen)
                continue;
            for (LLVMValueRef phi = LLVMGetFirstInstruction(exit); phi && LLVMIsAPHINode(phi);
                 phi = LLVMGetNextInstruction(phi)) {
                unsigned n = LLVMCountIncoming(phi);
                for (unsigned j = 0; j < n; j++)
                    if (LLVMGetIncomingBlock(phi, j) == loop->block[k]) {
                        LLVMValueRef v = map_get(m, LLVMGetIncomingValue(phi, j));
                        LLVMAddIncoming(phi, &v, &copy[k], 1);
                    }
            }
        }
    }
}

static bool version_loop(LLVMBuilderRef b, LLVMBasicBlockRef header, unsigned addr_md, unsigned free_md,
                         LLVMValueRef md_empty, ValueMap *m) {
    ChainLoop loop;
    if (!chain_loop(header, &loop))
        return false;
    Check checks[MAX_CHECKS];
    int covered = 0, uncovered = 0;
    for (int k = 0; k < loop.len; k++) {
        LLVMValueRef term = LLVMGetBasicBlockTerminator(loop.block[k]);
        if (!term || !LLVMIsABranchInst(term))
            return false;
        if (covered < MAX_CHECKS && match_check(loop.block[k], &loop, addr_md, &checks[covered]))
            checks[covered++].block = k;
        else if (LLVMIsConditional(term) && is_trap_block(LLVMGetSuccessor(term, 0)))
            uncovered++;
    }
    Trip trip;
    if (!covered || !trip_of(&loop, &trip) || !copyable(b, &loop))
        return false;
    LLVMValueRef pre_term = LLVMGetBasicBlockTerminator(loop.pre);
    LLVMPositionBuilderBefore(b, pre_term);
    LLVMValueRef last, ok;
    emit_trip(b, &trip, &last, &ok);
    ok = emit_covered(b, checks, covered, &loop, last, ok);

    memset(m, 0, sizeof *m);
    LLVMBasicBlockRef copy[MAX_CHAIN];
    copy_loop(b, &loop, m, copy);
    LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(ok));
    for (int i = 0; i < covered; i++)
        LLVMSetCondition(LLVMGetBasicBlockTerminator(copy[checks[i].block]), LLVMConstInt(LLVMInt1TypeInContext(ctx), 0, false));
    if (!uncovered)
        LLVMSetMetadata(LLVMGetBasicBlockTerminator(copy[loop.len - 1]), free_md, md_empty);
    LLVMInstructionEraseFromParent(pre_term);
    LLVMPositionBuilderAtEnd(b, loop.pre);
    LLVMBuildCondBr(b, ok, copy[0], header);
    return true;
}

void opt_version_checked_loops(LLVMModuleRef mod) {
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    unsigned addr_md = LLVMGetMDKindIDInContext(ctx, ADDR_MD, sizeof ADDR_MD - 1);
    unsigned free_md = LLVMGetMDKindIDInContext(ctx, CHECK_FREE_MD, sizeof CHECK_FREE_MD - 1);
    LLVMValueRef md_empty = LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, NULL, 0));
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    ValueMap *m = malloc(sizeof *m);
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn && m; fn = LLVMGetNextFunction(fn)) {
        /* Only the loops the function had: copies are appended at its end. */
        LLVMBasicBlockRef end = LLVMGetLastBasicBlock(fn);
        int versioned = 0;
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb && versioned < MAX_VERSIONED_PER_FUNCTION;
             bb = bb == end ? NULL : LLVMGetNextBasicBlock(bb))
            if (LLVMGetFirstInstruction(bb) && LLVMIsAPHINode(LLVMGetFirstInstruction(bb)))
                versioned += version_loop(b, bb, addr_md, free_md, md_empty, m);
    }
    free(m);
    LLVMDisposeBuilder(b);
}
