/* Reading the labels of labels.h. */
#include "labels.h"

#include <string.h>

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

void opt_label_function(LLVMValueRef fn, const char *name) {
    LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(fn));
    LLVMGlobalSetMetadata(fn, LLVMGetMDKindIDInContext(ctx, name, (unsigned)strlen(name)),
                          LLVMMDNodeInContext2(ctx, NULL, 0));
}

bool opt_function_has_label(LLVMValueRef fn, const char *name) {
    /* Only declarations carry these labels; intrinsics never do (and are
     * most of the declarations calls name). */
    if (!fn || !LLVMIsAFunction(fn) || !LLVMIsDeclaration(fn) || LLVMGetIntrinsicID(fn))
        return false;
    LLVMContextRef ctx = LLVMGetTypeContext(LLVMTypeOf(fn));
    unsigned kind = LLVMGetMDKindIDInContext(ctx, name, (unsigned)strlen(name));
    size_t n = 0;
    LLVMValueMetadataEntry *md = LLVMGlobalCopyAllMetadata(fn, &n);
    bool found = false;
    for (size_t i = 0; i < n && !found; i++)
        found = LLVMValueMetadataEntriesGetKind(md, (unsigned)i) == kind;
    if (md)
        LLVMDisposeValueMetadataEntries(md);
    return found;
}

bool opt_is_anchor_fn(LLVMValueRef fn) { return opt_function_has_label(fn, ANCHOR_MD); }

bool opt_is_anchor_call(LLVMValueRef v) {
    return LLVMIsACallInst(v) && opt_is_anchor_fn(LLVMGetCalledValue(v));
}

bool opt_is_barrier_fn(LLVMValueRef fn) { return opt_function_has_label(fn, BARRIER_MD); }
