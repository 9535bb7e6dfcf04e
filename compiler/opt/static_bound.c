/* The static address bound: an address whose value is bounded by its
 * expression (a byte load, x & 255, a shift of that, plus a constant: the
 * table lookups of CRCs, hashes and codecs) below the memory's minimum
 * size, which it never shrinks under, cannot be out of bounds.  Lowering
 * emits no check, no anchor and no order barrier for such an access
 * (lf_memory_address), and check versioning needs no run-time test for
 * such a term (check_versioning.c).
 */
#include <stdint.h>

#include "opt.h"

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

bool opt_address_bound(LLVMValueRef addr, uint64_t *max) {
    return LLVMGetIntTypeWidth(LLVMTypeOf(addr)) == 32 && value_bound(addr, max, 0);
}
