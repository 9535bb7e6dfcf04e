/* Reading the labels of labels.h. */
#include "labels.h"

bool opt_check_label(LLVMValueRef cond, uint64_t *k, uint32_t *mem) {
    if (!LLVMIsAICmpInst(cond))
        return false;
    LLVMValueRef md = LLVMGetMetadata(cond, OPT_MD_KIND(cond, CHECK_MD));
    if (!md || LLVMGetMDNodeNumOperands(md) != 2)
        return false;
    LLVMValueRef ops[2];
    LLVMGetMDNodeOperands(md, ops);
    if (!ops[0] || !ops[1] || !LLVMIsAConstantInt(ops[0]) || !LLVMIsAConstantInt(ops[1]))
        return false;
    *k = LLVMConstIntGetZExtValue(ops[0]);
    *mem = (uint32_t)LLVMConstIntGetZExtValue(ops[1]);
    return true;
}
