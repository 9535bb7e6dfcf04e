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
 */
#include <stdint.h>
#include <stdlib.h>

#include "lower.h"
#include "lower_module.h"

#define ADDR_MD "wasmc.addr"
#define MAX_NUW_ADDEND 65535u
/* How far up a chain of single-predecessor blocks to look for the access. */
#define MAX_CHAIN 32

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

static LLVMBasicBlockRef single_predecessor(LLVMBasicBlockRef bb) {
    LLVMBasicBlockRef pred = NULL;
    for (LLVMUseRef u = LLVMGetFirstUse(LLVMBasicBlockAsValue(bb)); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef term = LLVMGetUser(u);
        if (!LLVMIsATerminatorInst(term))
            return NULL; /* blockaddress and the like: be conservative */
        LLVMBasicBlockRef p = LLVMGetInstructionParent(term);
        if (pred && pred != p)
            return NULL;
        pred = p;
    }
    return pred;
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

static size_t value_hash(LLVMValueRef v, size_t cap) {
    return (size_t)(((uintptr_t)v >> 4) * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

static bool set_has(const ValueSet *s, LLVMValueRef v) {
    if (!s->cap)
        return false;
    for (size_t h = value_hash(v, s->cap); s->slot[h]; h = (h + 1) & (s->cap - 1))
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
    size_t h = value_hash(v, s->cap);
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

void lf_address_facts(LLVMModuleRef mod) {
    unsigned kind = LLVMGetMDKindIDInContext(LLVMGetModuleContext(mod), ADDR_MD, sizeof ADDR_MD - 1);
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
}
