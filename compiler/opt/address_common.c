/* Helpers of the address passes (address.h). */
#include "address.h"

bool addr_is_access_zext(LLVMValueRef v, unsigned kind) {
    return LLVMIsAZExtInst(v) && LLVMGetMetadata(v, kind);
}

uint64_t addr_phi_step(LLVMValueRef phi, LLVMBasicBlockRef latch) {
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

bool addr_starts_with_phi(LLVMBasicBlockRef bb) {
    return LLVMGetFirstInstruction(bb) && LLVMIsAPHINode(LLVMGetFirstInstruction(bb));
}

LLVMValueRef addr_stepped_value(LLVMValueRef add) {
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
