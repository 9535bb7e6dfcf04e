/* Chain loops (loop_chain.h). */
#include <stddef.h>

#include "loop_chain.h"

LLVMBasicBlockRef single_predecessor(LLVMBasicBlockRef bb) {
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

long chain_position(LLVMValueRef inst, const ChainLoop *loop) {
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

bool is_trap_block(LLVMBasicBlockRef bb) {
    LLVMValueRef term = LLVMGetBasicBlockTerminator(bb);
    return term && LLVMGetInstructionOpcode(term) == LLVMUnreachable;
}

static LLVMBasicBlockRef successor_in_chain(LLVMBasicBlockRef bb, LLVMBasicBlockRef header, bool *latch) {
    LLVMValueRef term = LLVMGetBasicBlockTerminator(bb);
    if (!term || !LLVMIsABranchInst(term))
        return NULL;
    unsigned n = LLVMGetNumSuccessors(term);
    LLVMBasicBlockRef next = NULL;
    *latch = false;
    for (unsigned i = 0; i < n; i++) {
        LLVMBasicBlockRef s = LLVMGetSuccessor(term, i);
        if (s == header)
            *latch = true;
        else if (is_trap_block(s))
            continue; /* leaves the loop */
        else if (single_predecessor(s) == bb) {
            if (next)
                return NULL; /* a fork: not a chain */
            next = s;
        }
    }
    return *latch ? NULL : next;
}

bool chain_loop(LLVMBasicBlockRef header, ChainLoop *loop) {
    LLVMBasicBlockRef bb = header;
    bool latch = false;
    loop->len = 0;
    while (loop->len < MAX_CHAIN) {
        loop->block[loop->len++] = bb;
        LLVMBasicBlockRef next = successor_in_chain(bb, header, &latch);
        if (latch || !next)
            break;
        bb = next;
    }
    return latch && chain_find_preheader(loop);
}

bool chain_find_preheader(ChainLoop *loop) {
    LLVMBasicBlockRef header = loop->block[0], l = loop->block[loop->len - 1];
    loop->pre = NULL;
    unsigned from_latch = 0;
    for (LLVMUseRef u = LLVMGetFirstUse(LLVMBasicBlockAsValue(header)); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef term = LLVMGetUser(u);
        if (!LLVMIsATerminatorInst(term))
            return false;
        LLVMBasicBlockRef p = LLVMGetInstructionParent(term);
        if (p == l)
            from_latch++;
        else if (loop->pre && loop->pre != p)
            return false;
        else
            loop->pre = p;
    }
    return loop->pre && from_latch == 1 && loop->pre != l;
}

bool in_chain(LLVMBasicBlockRef bb, const ChainLoop *loop) {
    for (int i = 0; i < loop->len; i++)
        if (loop->block[i] == bb)
            return true;
    return false;
}

bool chain_invariant(LLVMValueRef v, const ChainLoop *loop) {
    return !LLVMIsAInstruction(v) || !in_chain(LLVMGetInstructionParent(v), loop);
}

LLVMValueRef incoming_from(LLVMValueRef phi, LLVMBasicBlockRef bb) {
    for (unsigned i = 0; i < LLVMCountIncoming(phi); i++)
        if (LLVMGetIncomingBlock(phi, i) == bb)
            return LLVMGetIncomingValue(phi, i);
    return NULL;
}

bool chain_check_free(const ChainLoop *loop) {
    LLVMValueRef term = LLVMGetBasicBlockTerminator(loop->block[loop->len - 1]);
    return term && LLVMGetMetadata(term, LLVMGetMDKindIDInContext(LLVMGetTypeContext(LLVMTypeOf(term)), CHECK_FREE_MD,
                                                                  sizeof CHECK_FREE_MD - 1));
}

LLVMValueRef chain_plus_const(LLVMValueRef v, int64_t *c) {
    *c = 0;
    if (!LLVMIsAInstruction(v))
        return NULL;
    LLVMOpcode op = LLVMGetInstructionOpcode(v);
    if (op != LLVMAdd && op != LLVMSub)
        return NULL;
    LLVMValueRef a = LLVMGetOperand(v, 0), b = LLVMGetOperand(v, 1);
    if (op == LLVMAdd && LLVMIsAConstantInt(a) && !LLVMIsAConstantInt(b)) {
        LLVMValueRef t = a;
        a = b;
        b = t;
    }
    if (!LLVMIsAConstantInt(b))
        return NULL;
    *c = op == LLVMAdd ? LLVMConstIntGetSExtValue(b) : -LLVMConstIntGetSExtValue(b);
    return a;
}

bool chain_iv_step(LLVMValueRef phi, const ChainLoop *loop, int64_t *step) {
    LLVMValueRef next = incoming_from(phi, loop->block[loop->len - 1]);
    *step = 0;
    return next && (next == phi || chain_plus_const(next, step) == phi);
}

LLVMIntPredicate chain_swapped(LLVMIntPredicate p) {
    switch (p) {
    case LLVMIntULT: return LLVMIntUGT;
    case LLVMIntUGT: return LLVMIntULT;
    case LLVMIntULE: return LLVMIntUGE;
    case LLVMIntUGE: return LLVMIntULE;
    case LLVMIntSLT: return LLVMIntSGT;
    case LLVMIntSGT: return LLVMIntSLT;
    case LLVMIntSLE: return LLVMIntSGE;
    case LLVMIntSGE: return LLVMIntSLE;
    default: return p;
    }
}

static LLVMIntPredicate inverse(LLVMIntPredicate p) {
    switch (p) {
    case LLVMIntEQ: return LLVMIntNE;
    case LLVMIntNE: return LLVMIntEQ;
    case LLVMIntULT: return LLVMIntUGE;
    case LLVMIntUGE: return LLVMIntULT;
    case LLVMIntULE: return LLVMIntUGT;
    case LLVMIntUGT: return LLVMIntULE;
    case LLVMIntSLT: return LLVMIntSGE;
    case LLVMIntSGE: return LLVMIntSLT;
    case LLVMIntSLE: return LLVMIntSGT;
    default: return LLVMIntSLE;
    }
}

bool chain_branch_test(LLVMValueRef br, LLVMBasicBlockRef cont, LLVMValueRef *v, LLVMValueRef *n,
                       LLVMIntPredicate *pred) {
    if (!br || !LLVMIsABranchInst(br) || !LLVMIsConditional(br))
        return false;
    bool continue_on_true = LLVMGetSuccessor(br, 0) == cont;
    if (!continue_on_true && LLVMGetSuccessor(br, 1) != cont)
        return false;
    LLVMValueRef cond = LLVMGetCondition(br);
    for (int depth = 0; depth < 4 && LLVMIsAICmpInst(cond); depth++) {
        LLVMValueRef x = LLVMGetOperand(cond, 0), zero = LLVMGetOperand(cond, 1);
        LLVMIntPredicate p = LLVMGetICmpPredicate(cond);
        if (!LLVMIsAZExtInst(x) || !LLVMIsAConstantInt(zero) || LLVMConstIntGetZExtValue(zero) ||
            LLVMGetIntTypeWidth(LLVMTypeOf(LLVMGetOperand(x, 0))) != 1 || (p != LLVMIntNE && p != LLVMIntEQ))
            break;
        cond = LLVMGetOperand(x, 0);
        if (p == LLVMIntEQ)
            continue_on_true = !continue_on_true;
    }
    if (!LLVMIsAICmpInst(cond))
        return false;
    *pred = continue_on_true ? LLVMGetICmpPredicate(cond) : inverse(LLVMGetICmpPredicate(cond));
    *v = LLVMGetOperand(cond, 0);
    *n = LLVMGetOperand(cond, 1);
    return true;
}
