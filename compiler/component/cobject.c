/* The object that makes a set of compiled core modules a component
 * artifact: the wasmc_component_descriptor (component_plan.h) exported as
 * WASMC_COMPONENT_SYMBOL, pointing at each module's descriptor (defined
 * in that module's part 0 under its symbol prefix) and at the plan bytes.
 * Like descriptor.c, the LLVM struct mirrors the C struct field by field
 * and its layout is checked against the C compiler's. */
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cobject.h"
#include "wasmc/component_plan.h"

static LLVMValueRef private_const(LLVMModuleRef mod, LLVMValueRef init, const char *name) {
    LLVMValueRef g = LLVMAddGlobal(mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, true);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    return g;
}

bool cobject_emit(const CompileConfig *cc, uint32_t num_modules, const char *const *descriptor_symbols,
                  const uint8_t *plan, size_t plan_size, const char *name, CodegenObject *out, WasmError *err) {
    memset(out, 0, sizeof *out);
    LLVMTargetMachineRef tm = codegen_target_machine(cc, err);
    if (!tm) return false;
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("wasmc.component", ctx);
    LLVMSetTarget(mod, cc->target->triple);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(mod, td);
    LLVMTypeRef i8 = LLVMInt8TypeInContext(ctx), i32 = LLVMInt32TypeInContext(ctx),
                i64 = LLVMInt64TypeInContext(ctx), ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef fields[] = {i32, i32, i32, i32, ptr, ptr, i64, ptr};
    LLVMTypeRef desc_t = LLVMStructTypeInContext(ctx, fields, 8, false);
    bool ok = true;
    static const size_t offsets[] = {
        offsetof(wasmc_component_descriptor, magic), offsetof(wasmc_component_descriptor, format_version),
        offsetof(wasmc_component_descriptor, num_modules), offsetof(wasmc_component_descriptor, pad_),
        offsetof(wasmc_component_descriptor, modules), offsetof(wasmc_component_descriptor, plan),
        offsetof(wasmc_component_descriptor, plan_size), offsetof(wasmc_component_descriptor, component_name)};
    if (LLVMABISizeOfType(td, desc_t) != sizeof(wasmc_component_descriptor))
        ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "component descriptor layout mismatch");
    for (unsigned i = 0; ok && i < 8; i++)
        if (LLVMOffsetOfElement(td, desc_t, i) != offsets[i])
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "component descriptor layout mismatch at field %u", i);

    LLVMValueRef *mods = calloc(num_modules ? num_modules : 1, sizeof *mods);
    if (!mods) ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    for (uint32_t i = 0; ok && i < num_modules; i++) {
        LLVMValueRef g = LLVMAddGlobal(mod, i8, descriptor_symbols[i]);
        LLVMSetLinkage(g, LLVMExternalLinkage);
        LLVMSetVisibility(g, LLVMHiddenVisibility);
        mods[i] = g;
    }
    if (ok) {
        LLVMValueRef modules = num_modules ? private_const(mod, LLVMConstArray2(ptr, mods, num_modules), "modules")
                                           : LLVMConstNull(ptr);
        LLVMValueRef plan_g = private_const(mod, LLVMConstStringInContext2(ctx, (const char *)plan, plan_size, true), "plan");
        LLVMSetAlignment(plan_g, 1);
        LLVMValueRef name_g = LLVMConstNull(ptr);
        if (name) {
            name_g = private_const(mod, LLVMConstStringInContext2(ctx, name, strlen(name), false), "name");
            LLVMSetAlignment(name_g, 1);
        }
        LLVMValueRef f[8] = {LLVMConstInt(i32, WASMC_COMPONENT_MAGIC, false), LLVMConstInt(i32, WASMC_FORMAT_VERSION, false),
                             LLVMConstInt(i32, num_modules, false), LLVMConstInt(i32, 0, false), modules, plan_g,
                             LLVMConstInt(i64, plan_size, false), name_g};
        LLVMValueRef desc = LLVMAddGlobal(mod, desc_t, WASMC_COMPONENT_SYMBOL);
        LLVMSetInitializer(desc, LLVMConstNamedStruct(desc_t, f, 8));
        LLVMSetGlobalConstant(desc, true);
        LLVMSetLinkage(desc, LLVMExternalLinkage);
        LLVMSetAlignment(desc, 16);
        char *msg = NULL;
        LLVMMemoryBufferRef buf = NULL;
        if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, &buf)) {
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM code generation: %s", msg ? msg : "failed");
        } else {
            out->mem = buf;
            out->data = (const uint8_t *)LLVMGetBufferStart(buf);
            out->size = LLVMGetBufferSize(buf);
        }
        LLVMDisposeMessage(msg);
    }
    free(mods);
    LLVMDisposeTargetData(td);
    LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    codegen_target_machine_free(tm);
    return ok;
}
