/* The per-type trampolines between the host's array calling convention
 * and compiled code's native one.
 *
 * entry_T(code, vmctx, slots) is how the runtime calls any Wasm function
 * of type T without knowing native signatures: it loads the params from
 * 16-byte wasmc_slots, calls code(vmctx, params...) and stores the results
 * back into the same slots.  host_T(rec, params...) is the reverse: compiled
 * code calls an imported host function through it exactly as it calls any
 * import (rec takes the callee-vmctx position), and it packs the params
 * into a stack array of max(params, results) slots, calls
 * rec->fn(rec->env, rec->caller, slots) and returns the results from it.
 * Slots are only 8-aligned in C, so every slot access says align 8.
 * Compiled code's convention is lower.h's LM_WASM_CALL_CONV (tailcc), so
 * entry_T calls with it and host_T is defined with it.  A type whose
 * results are returned in memory (lm_results_in_memory) gets the slots
 * themselves as its `out` pointer in entry_T.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lower.h"

static LLVMValueRef slot_ptr(LowerModule *lm, LLVMBuilderRef b, LLVMValueRef slots, uint32_t i) {
    LLVMValueRef off = lm_const_i64(lm, (uint64_t)i * sizeof(wasmc_slot));
    return LLVMBuildInBoundsGEP2(b, lm->t_i8, slots, &off, 1, "");
}

LLVMValueRef lm_load_slot(LowerModule *lm, LLVMBuilderRef b, LLVMValueRef slots, uint32_t i, uint8_t type) {
    LLVMValueRef v = LLVMBuildLoad2(b, lm_valtype(lm, type), slot_ptr(lm, b, slots, i), "");
    LLVMSetAlignment(v, 8);
    return v;
}

void lm_store_slot(LowerModule *lm, LLVMBuilderRef b, LLVMValueRef slots, uint32_t i, LLVMValueRef v) {
    LLVMValueRef st = LLVMBuildStore(b, v, slot_ptr(lm, b, slots, i));
    LLVMSetAlignment(st, 8);
}

static LLVMValueRef build_entry(LowerModule *lm, LLVMBuilderRef b, uint32_t ti) {
    const FuncType *t = &lm->m->types[ti];
    LLVMTypeRef params[3] = {lm->t_ptr, lm->t_ptr, lm->t_ptr};
    char name[48 + LOWER_PREFIX_MAX];
    snprintf(name, sizeof name, "%swasmc$entry.%u", lm->symbol_prefix, ti);
    LLVMValueRef fn = LLVMAddFunction(lm->mod, name, LLVMFunctionType(lm->t_void, params, 3, false));
    lm_set_code_attributes(lm, fn);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(lm->ctx, fn, "entry"));
    LLVMValueRef code = LLVMGetParam(fn, 0), slots = LLVMGetParam(fn, 2);
    LLVMValueRef *args = malloc(sizeof *args * ((size_t)t->num_params + 2));
    if (!args)
        return NULL;
    unsigned first = lm_first_param(t);
    args[0] = LLVMGetParam(fn, 1);
    if (first == 2)
        args[1] = slots; /* results in memory: straight into the slots */
    for (uint32_t i = 0; i < t->num_params; i++)
        args[i + first] = lm_load_slot(lm, b, slots, i, t->params[i]);
    LLVMValueRef r = LLVMBuildCall2(b, lm->wasm_fn_types[ti], code, args, t->num_params + first,
                                    t->num_results && first == 1 ? "r" : "");
    lm_set_wasm_call_conv(r);
    free(args);
    if (first == 2) {
        /* the callee stored them */
    } else if (t->num_results == 1) {
        lm_store_slot(lm, b, slots, 0, r);
    } else {
        for (uint32_t i = 0; i < t->num_results; i++)
            lm_store_slot(lm, b, slots, i, LLVMBuildExtractValue(b, r, i, ""));
    }
    LLVMBuildRetVoid(b);
    return fn;
}

static LLVMValueRef build_host(LowerModule *lm, LLVMBuilderRef b, uint32_t ti) {
    const FuncType *t = &lm->m->types[ti];
    char name[48 + LOWER_PREFIX_MAX];
    snprintf(name, sizeof name, "%swasmc$host.%u", lm->symbol_prefix, ti);
    LLVMValueRef fn = LLVMAddFunction(lm->mod, name, lm->wasm_fn_types[ti]);
    lm_set_code_attributes(lm, fn);
    lm_set_wasm_call_conv(fn); /* called exactly as any Wasm function, return_call included */
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(lm->ctx, fn, "entry"));
    uint32_t n = t->num_params > t->num_results ? t->num_params : t->num_results;
    if (n == 0)
        n = 1;
    LLVMValueRef slots = LLVMBuildArrayAlloca(b, LLVMArrayType2(lm->t_i8, sizeof(wasmc_slot)), lm_const_i32(lm, n), "slots");
    LLVMSetAlignment(slots, 16);
    unsigned first = lm_first_param(t);
    for (uint32_t i = 0; i < t->num_params; i++)
        lm_store_slot(lm, b, slots, i, LLVMGetParam(fn, i + first));
    LLVMValueRef rec = LLVMGetParam(fn, 0);
    LLVMValueRef fields[3];
    for (uint32_t k = 0; k < 3; k++) {
        LLVMValueRef off = lm_const_i64(lm, 8u * k);
        fields[k] = LLVMBuildLoad2(b, lm->t_ptr, LLVMBuildInBoundsGEP2(b, lm->t_i8, rec, &off, 1, ""), "");
    }
    LLVMTypeRef hp[3] = {lm->t_ptr, lm->t_ptr, lm->t_ptr};
    LLVMValueRef args[3] = {fields[1], fields[2], slots};
    LLVMBuildCall2(b, LLVMFunctionType(lm->t_void, hp, 3, false), fields[0], args, 3, "");
    if (first == 2) {
        LLVMValueRef out = LLVMGetParam(fn, 1);
        for (uint32_t i = 0; i < t->num_results; i++)
            lm_store_slot(lm, b, out, i, lm_load_slot(lm, b, slots, i, t->results[i]));
        LLVMBuildRetVoid(b);
    } else if (t->num_results == 0) {
        LLVMBuildRetVoid(b);
    } else if (t->num_results == 1) {
        LLVMBuildRet(b, lm_load_slot(lm, b, slots, 0, t->results[0]));
    } else {
        LLVMValueRef agg = LLVMGetUndef(lm_results_type(lm, t->num_results, t->results));
        for (uint32_t i = 0; i < t->num_results; i++)
            agg = LLVMBuildInsertValue(b, agg, lm_load_slot(lm, b, slots, i, t->results[i]), i, "");
        LLVMBuildRet(b, agg);
    }
    return fn;
}

bool lower_trampolines(LowerModule *lm, LLVMValueRef *entry, LLVMValueRef *host, WasmError *err) {
    LLVMBuilderRef b = LLVMCreateBuilderInContext(lm->ctx);
    bool ok = true;
    for (uint32_t t = 0; t < lm->m->num_types && ok; t++) {
        entry[t] = build_entry(lm, b, t);
        host[t] = build_host(lm, b, t);
        if (!entry[t] || !host[t])
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (trampolines)");
    }
    LLVMDisposeBuilder(b);
    return ok;
}
