/* Byte-compare loops: skip equal bytes 16 at a time.
 *
 * memcmp, string comparison and the match-length loop of a compressor
 * compile to a loop that reads a byte from each of two pointers, leaves
 * at the first pair that differs or when a count runs out, and otherwise
 * steps both pointers by one:
 *
 *     loop: a = p[0]; b = q[0]; if (a != b) break; p++; q++; if (--n == 0) break;
 *
 * LLVM 19 does not vectorise a loop whose exit depends on loaded data.
 * wasi-libc's memcmp is this loop, where glibc's compares 32 bytes per
 * instruction: crc32b64 spent an eighth of its time in it.
 *
 * What qualifies: a loop whose header phis are all i32 and step by +1 or
 * -1; which reads exactly two bytes, each at memory[zext(p + x) + off]
 * (p a phi stepping by +1, x loop-invariant or absent); whose only other
 * instructions compute without side effects; and whose exits are one that
 * leaves when the two bytes differ, count tests "phi + c pred n" (n
 * loop-invariant; != or an ordered compare, signed or unsigned) and,
 * with --bounds-checks, the checks of the two loads.
 *
 * The rewrite keeps the loop and puts a skip loop in front of it.  Each
 * round of the skip loop proves that the next 16 iterations of the byte
 * loop would all go on:
 *  - no count exit fires: a != test is at least 16 steps from the value
 *    that ends it; an ordered test holds on the first and the last of
 *    the 16, which stay inside i32's range (so nothing wraps between);
 *  - no access traps: the 16 bytes read through each pointer lie inside
 *    the memory's current size;
 *  - the data exit does not fire: the 16 bytes at p equal those at q (one
 *    vector compare).
 * The loop body has no side effects, and every header phi steps by a
 * constant +1 or -1, so running those 16 iterations is the same as adding
 * 16 steps to every phi, which is all the skip loop does.  When a round
 * cannot prove it, the byte loop starts where the skip loop got to and
 * finds the exit exactly as before: results, traps and the values used
 * after the loop are the original loop's.
 *
 * With --bounds-checks the byte loop checks each load; the round's own
 * test (every byte of both 16-byte reads below the memory's size) covers
 * those checks for all 16 iterations, so they may be among its exits.
 * The pass runs before check_versioning.c, which may then still give the
 * byte loop a copy without checks.  `wasmc -fno-byte-compare-skip` turns
 * it off.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "loop_chain.h"
#include "opt.h"
#include "wasmc/artifact.h"

/* Bytes compared per round: one SSE2 or NEON register. */
#define WIDTH 16
#define MAX_IVS 8
#define MAX_COUNTS 4
/* A byte loop is short; anything longer does more than compare. */
#define MAX_LOOP_INSTRS 80

typedef struct Scan {
    LLVMValueRef phi[MAX_IVS];  /* every header phi */
    int64_t step[MAX_IVS];      /* +1 or -1 */
    int n_ivs;
    LLVMValueRef load[2];       /* the two byte loads */
    int load_iv[2];             /* each reads memory0[zext(phi[load_iv] + load_x) + load_off] */
    LLVMValueRef load_x[2];     /* loop-invariant, or NULL for none */
    LLVMValueRef load_ea[2];    /* the zext, which a bounds check shares */
    uint64_t load_off[2];
    LLVMValueRef base;          /* memory 0's base */
    bool data_exit;             /* a branch leaves when the two bytes differ */
    struct {
        int iv;
        int64_t c;
        LLVMValueRef bound;     /* goes on while (phi[iv] + c) pred bound */
        LLVMIntPredicate pred;
    } count[MAX_COUNTS];
    int n_counts;
} Scan;

static int iv_index(const Scan *s, LLVMValueRef v) {
    for (int i = 0; i < s->n_ivs; i++)
        if (s->phi[i] == v)
            return i;
    return -1;
}

/* v = phi, phi + C or phi - C for a header phi: its index, and C. */
static int iv_plus(const Scan *s, LLVMValueRef v, int64_t *c) {
    *c = 0;
    int i = iv_index(s, v);
    if (i >= 0)
        return i;
    LLVMValueRef x = chain_plus_const(v, c);
    return x ? iv_index(s, x) : -1;
}

/* Is `v` a load from `from` + `offset` (a constant gep)? */
static bool is_load_at(LLVMValueRef v, LLVMValueRef from, uint64_t offset) {
    if (!LLVMIsALoadInst(v))
        return false;
    LLVMValueRef gep = LLVMGetOperand(v, 0);
    return LLVMIsAGetElementPtrInst(gep) && LLVMGetNumOperands(gep) == 2 && LLVMGetOperand(gep, 0) == from &&
           LLVMIsAConstantInt(LLVMGetOperand(gep, 1)) && LLVMConstIntGetZExtValue(LLVMGetOperand(gep, 1)) == offset;
}

/* Is `base` the load of memory 0's base from the function's vmctx? */
static bool is_memory0_base(LLVMValueRef base, LLVMValueRef fn) {
    return is_load_at(base, LLVMGetParam(fn, 0), offsetof(wasmc_vmctx, memory0_base));
}

/* Is `size` a read of memory 0's current size (a bounds check's)? */
static bool is_memory0_size(LLVMValueRef size, LLVMValueRef fn) {
    if (!LLVMIsALoadInst(size) || !LLVMIsAGetElementPtrInst(LLVMGetOperand(size, 0)))
        return false;
    LLVMValueRef memory = LLVMGetOperand(LLVMGetOperand(size, 0), 0);
    return is_load_at(size, memory, offsetof(wasmc_memory, size)) &&
           is_load_at(memory, LLVMGetParam(fn, 0), offsetof(wasmc_vmctx, memory0));
}

/* A non-volatile byte load from memory0[zext(phi + x) + off], x
 * loop-invariant or absent, phi stepping by +1: records it as load `k`. */
static bool match_load(Scan *s, LLVMValueRef load, int k, LLVMValueRef fn, const ChainLoop *loop) {
    if (LLVMGetVolatile(load) || LLVMTypeOf(load) != LLVMInt8TypeInContext(LLVMGetTypeContext(LLVMTypeOf(load))))
        return false;
    LLVMValueRef gep = LLVMGetOperand(load, 0);
    if (!LLVMIsAGetElementPtrInst(gep) || LLVMGetNumOperands(gep) != 2)
        return false;
    LLVMValueRef base = LLVMGetOperand(gep, 0), idx = LLVMGetOperand(gep, 1);
    if (!chain_invariant(base, loop) || !is_memory0_base(base, fn) || (s->base && s->base != base))
        return false;
    uint64_t off = 0;
    if (LLVMIsAInstruction(idx) && LLVMGetInstructionOpcode(idx) == LLVMAdd &&
        LLVMIsAConstantInt(LLVMGetOperand(idx, 1))) {
        off = LLVMConstIntGetZExtValue(LLVMGetOperand(idx, 1));
        idx = LLVMGetOperand(idx, 0);
    }
    if (!LLVMIsAZExtInst(idx) || off > UINT32_MAX)
        return false;
    LLVMValueRef a = LLVMGetOperand(idx, 0), x = NULL;
    int iv = iv_index(s, a);
    if (iv < 0 && LLVMIsAInstruction(a) && LLVMGetInstructionOpcode(a) == LLVMAdd) {
        for (int side = 0; side < 2 && iv < 0; side++) {
            x = LLVMGetOperand(a, 1 - side);
            iv = chain_invariant(x, loop) ? iv_index(s, LLVMGetOperand(a, side)) : -1;
        }
    }
    if (iv < 0 || s->step[iv] != 1)
        return false;
    s->load_x[k] = x;
    s->load_ea[k] = idx;
    s->base = base;
    s->load[k] = load;
    s->load_iv[k] = iv;
    s->load_off[k] = off;
    return true;
}

/* x is one of the loaded bytes, or its zero extension: which, or -1. */
static int loaded_byte(const Scan *s, LLVMValueRef x) {
    if (LLVMIsAZExtInst(x))
        x = LLVMGetOperand(x, 0);
    return x == s->load[0] ? 0 : x == s->load[1] ? 1 : -1;
}

/* Instructions that neither write, call nor trap (the two loads and the
 * anchors that keep them are dealt with apart). */
static bool is_pure(LLVMValueRef i) {
    switch (LLVMGetInstructionOpcode(i)) {
    case LLVMAdd: case LLVMSub: case LLVMMul: case LLVMAnd: case LLVMOr: case LLVMXor:
    case LLVMShl: case LLVMLShr: case LLVMAShr:
    case LLVMZExt: case LLVMSExt: case LLVMTrunc:
    case LLVMICmp: case LLVMSelect: case LLVMGetElementPtr:
        return true;
    default:
        return false;
    }
}

/* With --bounds-checks: is the branch `br` to a trap the bounds check
 * (CHECK_MD, labels.h) of one of the loads in memory 0, or of fewer bytes
 * at the same pointer?  The round's own test covers it then. */
static bool is_load_check(const Scan *s, LLVMValueRef br) {
    uint64_t k;
    uint32_t mem;
    LLVMValueRef cond = LLVMGetCondition(br);
    if (!opt_check_label(cond, &k, &mem) || mem != 0)
        return false;
    LLVMValueRef v = LLVMGetOperand(cond, 0);
    for (int j = 0; j < 2; j++)
        if (v == s->load_ea[j] && k <= s->load_off[j] + 1)
            return true;
    return false;
}

/* One exit branch of the chain: a data exit, a count exit or a load's
 * bounds check, or false. */
static bool match_exit(Scan *s, LLVMValueRef br, LLVMBasicBlockRef cont, const ChainLoop *loop, LLVMValueRef fn) {
    LLVMValueRef v, n;
    LLVMIntPredicate pred;
    if (!chain_branch_test(br, cont, &v, &n, &pred))
        return false;
    LLVMBasicBlockRef exit = LLVMGetSuccessor(br, LLVMGetSuccessor(br, 0) == cont ? 1 : 0);
    if (is_trap_block(exit))
        return is_load_check(s, br);
    int a = loaded_byte(s, v), b = loaded_byte(s, n);
    if (pred == LLVMIntEQ && a >= 0 && b >= 0 && a != b) {
        s->data_exit = true;
        return true;
    }
    if (pred == LLVMIntEQ || s->n_counts == MAX_COUNTS || LLVMGetIntTypeWidth(LLVMTypeOf(v)) != 32)
        return false;
    int64_t c;
    int iv = iv_plus(s, v, &c);
    if (iv < 0) {
        LLVMValueRef t = v;
        v = n;
        n = t;
        iv = iv_plus(s, v, &c);
        pred = chain_swapped(pred);
    }
    if (iv < 0 || !chain_invariant(n, loop))
        return false;
    s->count[s->n_counts].iv = iv;
    s->count[s->n_counts].c = c;
    s->count[s->n_counts].bound = n;
    s->count[s->n_counts].pred = pred;
    s->n_counts++;
    return true;
}

/* Does a path of blocks each entered only from the one before lead from
 * `bb` back to `header`? */
static bool leads_back(LLVMBasicBlockRef bb, LLVMBasicBlockRef header, int depth) {
    LLVMValueRef term = LLVMGetBasicBlockTerminator(bb);
    if (!term || !LLVMIsABranchInst(term) || depth >= MAX_CHAIN)
        return false;
    for (unsigned i = 0; i < LLVMGetNumSuccessors(term); i++) {
        LLVMBasicBlockRef s = LLVMGetSuccessor(term, i);
        if (s == header || (single_predecessor(s) == bb && leads_back(s, header, depth + 1)))
            return true;
    }
    return false;
}

/* The chain loop at `header`, as chain_loop finds it but also with exits
 * to ordinary blocks (where a byte-compare loop leaves to): of the two
 * ways out of a block, the chain goes on along the one that leads back. */
static bool scan_chain(LLVMBasicBlockRef header, ChainLoop *loop) {
    loop->len = 0;
    loop->pre = NULL;
    LLVMBasicBlockRef bb = header;
    while (loop->len < MAX_CHAIN) {
        loop->block[loop->len++] = bb;
        LLVMValueRef term = LLVMGetBasicBlockTerminator(bb);
        if (!term || !LLVMIsABranchInst(term))
            return false;
        LLVMBasicBlockRef next = NULL;
        bool back = false;
        for (unsigned i = 0; i < LLVMGetNumSuccessors(term); i++) {
            LLVMBasicBlockRef s = LLVMGetSuccessor(term, i);
            if (s == header)
                back = true;
            else if (single_predecessor(s) == bb && leads_back(s, header, loop->len)) {
                if (next)
                    return false; /* two ways round: not a chain */
                next = s;
            }
        }
        if (back && next)
            return false;
        if (back)
            break;
        if (!next)
            return false;
        bb = next;
    }
    return chain_find_preheader(loop);
}

/* Is the chain loop at `header` a byte-compare loop (see the top)? */
static bool match_scan(LLVMValueRef fn, const ChainLoop *loop, Scan *s) {
    memset(s, 0, sizeof *s);
    LLVMBasicBlockRef header = loop->block[0];
    for (LLVMValueRef i = LLVMGetFirstInstruction(header); i && LLVMIsAPHINode(i); i = LLVMGetNextInstruction(i)) {
        if (s->n_ivs == MAX_IVS || LLVMTypeOf(i) != LLVMInt32TypeInContext(LLVMGetTypeContext(LLVMTypeOf(i))) ||
            !chain_iv_step(i, loop, &s->step[s->n_ivs]) || (s->step[s->n_ivs] != 1 && s->step[s->n_ivs] != -1))
            return false;
        s->phi[s->n_ivs++] = i;
    }
    int loads = 0, count = 0;
    for (int k = 0; k < loop->len; k++)
        for (LLVMValueRef i = LLVMGetFirstInstruction(loop->block[k]); i; i = LLVMGetNextInstruction(i)) {
            if (++count > MAX_LOOP_INSTRS)
                return false;
            if (LLVMIsAPHINode(i)) {
                if (k != 0)
                    return false;
            } else if (LLVMIsALoadInst(i) && is_memory0_size(i, fn)) {
                /* a bounds check's: matched with its branch below */
            } else if (LLVMIsALoadInst(i)) {
                if (loads == 2 || !match_load(s, i, loads++, fn, loop))
                    return false;
            } else if (!is_pure(i) && !opt_is_anchor_call(i) && !LLVMIsABranchInst(i)) {
                return false;
            }
        }
    if (loads != 2)
        return false;
    for (int k = 0; k < loop->len; k++) {
        LLVMValueRef br = LLVMGetBasicBlockTerminator(loop->block[k]);
        LLVMBasicBlockRef next = k + 1 < loop->len ? loop->block[k + 1] : header;
        if (!LLVMIsABranchInst(br))
            return false;
        if (!LLVMIsConditional(br)) {
            if (LLVMGetSuccessor(br, 0) != next)
                return false;
        } else if (!match_exit(s, br, next, loop, fn)) {
            return false;
        }
    }
    return s->data_exit;
}

/* ---- The skip loop ---- */

static LLVMValueRef const_i32(LLVMContextRef ctx, int64_t v) {
    return LLVMConstInt(LLVMInt32TypeInContext(ctx), (uint64_t)v, true);
}

static LLVMValueRef const_i64(LLVMContextRef ctx, uint64_t v) {
    return LLVMConstInt(LLVMInt64TypeInContext(ctx), v, false);
}

/* The current size of memory 0, read in the preheader (the loop neither
 * calls nor grows memory, so it holds for the whole loop). */
static LLVMValueRef emit_memory_size(LLVMBuilderRef b, LLVMValueRef fn, LLVMValueRef base) {
    LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(base));
    LLVMTypeRef i8 = LLVMInt8TypeInContext(ctx), ptr = LLVMTypeOf(base);
    LLVMValueRef at = const_i64(ctx, offsetof(wasmc_vmctx, memory0));
    LLVMValueRef memory = LLVMBuildLoad2(b, ptr, LLVMBuildInBoundsGEP2(b, i8, LLVMGetParam(fn, 0), &at, 1, ""), "memory0");
    LLVMValueRef tbaa = LLVMGetMetadata(base, LLVMGetMDKindIDInContext(ctx, "tbaa", 4));
    if (tbaa)
        LLVMSetMetadata(memory, LLVMGetMDKindIDInContext(ctx, "tbaa", 4), tbaa);
    at = const_i64(ctx, offsetof(wasmc_memory, size));
    LLVMValueRef size = LLVMBuildLoad2(b, LLVMInt64TypeInContext(ctx), LLVMBuildInBoundsGEP2(b, i8, memory, &at, 1, ""),
                                       "memsize");
    if (tbaa)
        LLVMSetMetadata(size, LLVMGetMDKindIDInContext(ctx, "tbaa", 4), tbaa);
    return size;
}

/* Any lane of `ne` set (llvm.vector.reduce.or). */
static LLVMValueRef emit_any(LLVMBuilderRef b, LLVMModuleRef mod, LLVMValueRef ne) {
    static const char name[] = "llvm.vector.reduce.or";
    unsigned id = LLVMLookupIntrinsicID(name, sizeof name - 1);
    LLVMTypeRef vt = LLVMTypeOf(ne);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(mod, id, &vt, 1);
    return LLVMBuildCall2(b, LLVMIntrinsicGetType(LLVMGetTypeContext(vt), id, &vt, 1), fn, &ne, 1, "");
}

/* Does count test i hold on all of iterations k .. k + 15?  `cur` holds
 * the phis' values at iteration k. */
static LLVMValueRef emit_count_holds(LLVMBuilderRef b, const Scan *s, int i, LLVMValueRef *cur) {
    LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(cur[0]));
    LLVMTypeRef i64 = LLVMInt64TypeInContext(ctx);
    int64_t step = s->step[s->count[i].iv];
    LLVMValueRef v = LLVMBuildAdd(b, cur[s->count[i].iv], const_i32(ctx, s->count[i].c), "");
    LLVMValueRef n = s->count[i].bound;
    LLVMIntPredicate p = s->count[i].pred;
    if (p == LLVMIntNE) {
        /* steps until v == n, mod 2^32: at least 16 */
        LLVMValueRef left = step > 0 ? LLVMBuildSub(b, n, v, "") : LLVMBuildSub(b, v, n, "");
        return LLVMBuildICmp(b, LLVMIntUGE, left, const_i32(ctx, WIDTH), "");
    }
    /* An ordered test: in i64, v on iteration k + 15 must stay inside
     * i32's range (unsigned or signed, as the test reads it), so v does
     * not wrap on the way and runs monotonically from first to last; the
     * values satisfying "v p n" form an interval, so the test holds all
     * the way when it holds at both ends. */
    bool sign = p == LLVMIntSLT || p == LLVMIntSLE || p == LLVMIntSGT || p == LLVMIntSGE;
    LLVMValueRef first = sign ? LLVMBuildSExt(b, v, i64, "") : LLVMBuildZExt(b, v, i64, "");
    LLVMValueRef last = LLVMBuildAdd(b, first, LLVMConstInt(i64, (uint64_t)(step * (WIDTH - 1)), true), "");
    LLVMValueRef n64 = sign ? LLVMBuildSExt(b, n, i64, "") : LLVMBuildZExt(b, n, i64, "");
    int64_t lo = sign ? INT32_MIN : 0, hi = sign ? INT32_MAX : UINT32_MAX;
    LLVMIntPredicate p64;
    switch (p) {
    case LLVMIntULT: case LLVMIntSLT: p64 = LLVMIntSLT; break;
    case LLVMIntULE: case LLVMIntSLE: p64 = LLVMIntSLE; break;
    case LLVMIntUGT: case LLVMIntSGT: p64 = LLVMIntSGT; break;
    default: p64 = LLVMIntSGE; break;
    }
    /* Counting towards n (up while below it, down while above it), the
     * last end holding implies the rest: last is then between first and
     * n, so in range too. */
    if ((step > 0 && (p64 == LLVMIntSLT || p64 == LLVMIntSLE)) || (step < 0 && (p64 == LLVMIntSGT || p64 == LLVMIntSGE)))
        return LLVMBuildICmp(b, p64, last, n64, "");
    LLVMValueRef ok = LLVMBuildICmp(b, LLVMIntSGE, last, LLVMConstInt(i64, (uint64_t)lo, true), "");
    ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntSLE, last, LLVMConstInt(i64, (uint64_t)hi, true), ""), "");
    ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, p64, first, n64, ""), "");
    return LLVMBuildAnd(b, ok, LLVMBuildICmp(b, p64, last, n64, ""), "");
}

static void add_skip_loop(LLVMBuilderRef b, LLVMValueRef fn, const ChainLoop *loop, const Scan *s) {
    LLVMBasicBlockRef header = loop->block[0], latch = loop->block[loop->len - 1], pre = loop->pre;
    LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(s->base));
    LLVMTypeRef i8 = LLVMInt8TypeInContext(ctx), i32 = LLVMInt32TypeInContext(ctx), i64 = LLVMInt64TypeInContext(ctx);
    LLVMTypeRef v16 = LLVMVectorType(i8, WIDTH);
    LLVMModuleRef mod = LLVMGetGlobalParent(fn);
    LLVMBasicBlockRef head = LLVMInsertBasicBlockInContext(ctx, header, "skip");
    LLVMBasicBlockRef body = LLVMInsertBasicBlockInContext(ctx, header, "skip.cmp");
    LLVMBasicBlockRef next = LLVMInsertBasicBlockInContext(ctx, header, "skip.next");
    LLVMBasicBlockRef out = LLVMInsertBasicBlockInContext(ctx, header, "skip.out");

    LLVMValueRef pre_term = LLVMGetBasicBlockTerminator(pre);
    LLVMPositionBuilderBefore(b, pre_term);
    LLVMValueRef size = emit_memory_size(b, fn, s->base);
    for (unsigned i = 0; i < LLVMGetNumSuccessors(pre_term); i++)
        if (LLVMGetSuccessor(pre_term, i) == header)
            LLVMSetSuccessor(pre_term, i, head);

    /* head: where iteration k of the byte loop would start, and whether
     * iterations k .. k + 15 provably go on but for the data */
    LLVMPositionBuilderAtEnd(b, head);
    LLVMValueRef k = LLVMBuildPhi(b, i32, "skipped");
    LLVMValueRef cur[MAX_IVS];
    for (int i = 0; i < s->n_ivs; i++) {
        LLVMValueRef init = incoming_from(s->phi[i], pre);
        cur[i] = s->step[i] > 0 ? LLVMBuildAdd(b, init, k, "") : LLVMBuildSub(b, init, k, "");
    }
    LLVMValueRef ok = LLVMConstInt(LLVMInt1TypeInContext(ctx), 1, false), at[2];
    for (int j = 0; j < 2; j++) {
        /* zext(p) + off + 16 <= size: below 2^32, so p + 15 does not wrap */
        LLVMValueRef a = s->load_x[j] ? LLVMBuildAdd(b, cur[s->load_iv[j]], s->load_x[j], "") : cur[s->load_iv[j]];
        at[j] = LLVMBuildAdd(b, LLVMBuildZExt(b, a, i64, ""), const_i64(ctx, s->load_off[j]), "");
        LLVMValueRef end = LLVMBuildAdd(b, at[j], const_i64(ctx, WIDTH), "");
        ok = LLVMBuildAnd(b, ok, LLVMBuildICmp(b, LLVMIntULE, end, size, ""), "");
    }
    for (int i = 0; i < s->n_counts; i++)
        ok = LLVMBuildAnd(b, ok, emit_count_holds(b, s, i, cur), "");
    LLVMBuildCondBr(b, ok, body, out);

    /* body: the 16 bytes through each pointer, compared */
    LLVMPositionBuilderAtEnd(b, body);
    LLVMValueRef bytes[2];
    for (int j = 0; j < 2; j++) {
        LLVMValueRef ptr = LLVMBuildInBoundsGEP2(b, i8, s->base, &at[j], 1, "");
        bytes[j] = LLVMBuildLoad2(b, v16, ptr, "");
        LLVMSetAlignment(bytes[j], 1);
        unsigned tbaa = LLVMGetMDKindIDInContext(ctx, "tbaa", 4);
        if (LLVMGetMetadata(s->load[j], tbaa))
            LLVMSetMetadata(bytes[j], tbaa, LLVMGetMetadata(s->load[j], tbaa));
    }
    LLVMValueRef differ = emit_any(b, mod, LLVMBuildICmp(b, LLVMIntNE, bytes[0], bytes[1], ""));
    LLVMBuildCondBr(b, differ, out, next);

    LLVMPositionBuilderAtEnd(b, next);
    LLVMValueRef k16 = LLVMBuildAdd(b, k, const_i32(ctx, WIDTH), "");
    LLVMBuildBr(b, head);
    LLVMAddIncoming(k, (LLVMValueRef[]){const_i32(ctx, 0), k16}, (LLVMBasicBlockRef[]){pre, next}, 2);

    LLVMPositionBuilderAtEnd(b, out);
    LLVMBuildBr(b, header);

    /* The byte loop now starts where the skip loop stopped.  The C API
     * cannot re-point a phi's incoming block, so each phi is rebuilt. */
    for (int i = 0; i < s->n_ivs; i++) {
        LLVMValueRef old = s->phi[i], from_latch = incoming_from(old, latch);
        LLVMPositionBuilderBefore(b, old);
        LLVMValueRef phi = LLVMBuildPhi(b, LLVMTypeOf(old), "");
        LLVMReplaceAllUsesWith(old, phi);
        if (from_latch == old)
            from_latch = phi;
        LLVMAddIncoming(phi, (LLVMValueRef[]){cur[i], from_latch}, (LLVMBasicBlockRef[]){out, latch}, 2);
        LLVMInstructionEraseFromParent(old);
    }
}

void opt_skip_equal_bytes(LLVMModuleRef mod) {
    LLVMBuilderRef b = LLVMCreateBuilderInContext(LLVMGetModuleContext(mod));
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn)) {
        if (LLVMCountParams(fn) == 0)
            continue;
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb)) {
            ChainLoop loop;
            Scan s;
            if (LLVMGetFirstInstruction(bb) && LLVMIsAPHINode(LLVMGetFirstInstruction(bb)) &&
                scan_chain(bb, &loop) && match_scan(fn, &loop, &s))
                add_skip_loop(b, fn, &loop, &s);
        }
    }
    LLVMDisposeBuilder(b);
}
