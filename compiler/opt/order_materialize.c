/* Order barriers, after LLVM's pipeline: each call to the order barrier
 * (lower/trap_order.c says why lowering places them) becomes an empty asm
 * statement with side effects, which instruction selection and the
 * machine scheduler keep in order with every memory access.  A correctness
 * guard: never switched off.
 */
#include "labels.h"
#include "opt.h"

void opt_order_materialize(LLVMModuleRef mod) {
    LLVMValueRef fn = LLVMGetFirstFunction(mod);
    while (fn && !opt_is_barrier_fn(fn))
        fn = LLVMGetNextFunction(fn);
    if (!fn)
        return;
    LLVMContextRef ctx = LLVMGetModuleContext(mod);
    LLVMTypeRef fnty = LLVMFunctionType(LLVMVoidTypeInContext(ctx), NULL, 0, false);
    /* No operands, no clobbers, has side effects: deleted by nothing and
     * moved across by no memory access in instruction selection or
     * scheduling (a "global memory object" to the scheduler). */
    LLVMValueRef asm_fn = LLVMGetInlineAsm(fnty, "", 0, "", 0, true, false, LLVMInlineAsmDialectATT, false);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(ctx);
    LLVMUseRef u = LLVMGetFirstUse(fn);
    while (u) {
        LLVMUseRef next = LLVMGetNextUse(u);
        LLVMValueRef call = LLVMGetUser(u);
        if (LLVMIsACallInst(call)) {
            LLVMPositionBuilderBefore(b, call);
            LLVMBuildCall2(b, fnty, asm_fn, NULL, 0, "");
            LLVMInstructionEraseFromParent(call);
        }
        u = next;
    }
    LLVMDisposeBuilder(b);
    if (!LLVMGetFirstUse(fn))
        LLVMDeleteFunction(fn);
}
