/* Address nuw: additions that cannot wrap because an access proved it.
 *
 * By the rule in address.h, an access at x proves x < 2^32 - 65536, so
 * every later x + c with 0 < c < 65536 cannot wrap, and this pass marks
 * it `nuw`; InstCombine and SCEV then push the zext through it.  "Later"
 * means dominated by the access: the same block after it, or a block
 * reached from it through single-predecessor edges (bounds checks split
 * blocks that way).  That is weaker than a dominator tree but needs none,
 * and it is where the pattern lives: the body of a loop that reads p and
 * then steps p.
 */
#include <stdlib.h>

#include "address.h"
#include "opt.h"

/* Is there an access at x anywhere in bb? */
static bool accessed_in(LLVMValueRef x, LLVMBasicBlockRef bb, unsigned kind) {
    for (LLVMUseRef u = LLVMGetFirstUse(x); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef z = LLVMGetUser(u);
        if (addr_is_access_zext(z, kind) && LLVMGetInstructionParent(z) == bb)
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
    for (size_t h = opt_value_hash(v, s->cap); s->slot[h]; h = (h + 1) & (s->cap - 1))
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
    size_t h = opt_value_hash(v, s->cap);
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

void opt_address_nuw(LLVMModuleRef mod) {
    unsigned kind = LLVMGetMDKindIDInContext(LLVMGetModuleContext(mod), ADDR_MD, sizeof ADDR_MD - 1);
    ValueSet seen = {0};
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb)) {
            set_clear(&seen);
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i)) {
                if (addr_is_access_zext(i, kind)) {
                    /* Out of memory only loses facts, never invents one. */
                    set_add(&seen, LLVMGetOperand(i, 0));
                    continue;
                }
                LLVMValueRef x = LLVMIsABinaryOperator(i) ? addr_stepped_value(i) : NULL;
                if (x && (set_has(&seen, x) || accessed_in_chain_above(x, bb, kind)))
                    LLVMSetNUW(i, true);
            }
        }
    free(seen.slot);
}
