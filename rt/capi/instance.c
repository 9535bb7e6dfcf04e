/* Instances.  wasm.h passes imports by position; libwasmrt resolves them by
 * name, so each instantiation binds the module's import names to the given
 * externs in a private linker.  A module that imports one name twice with
 * different externs cannot be expressed that way and is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"

static bool bind(wasmrt_linker *l, const wasmc_import_desc *im, capi_obj *x, wasmrt_error *err) {
    /* Names go in as C strings: an import name holding a NUL is refused. */
    if (strlen(im->module) != im->module_len || strlen(im->name) != im->name_len) {
        rt_err(err, "import name with a NUL byte is not supported");
        return false;
    }
    wasmrt_extern ext;
    memset(&ext, 0, sizeof ext);
    switch (x->tag) {
    case CAPI_FUNC:
        if (x->u.func.host) {
            capi_host *h = x->u.func.host;
            return wasmrt_linker_define_host_func(l, im->module, im->name, h->sig, h->np, h->sig + h->np, h->nr,
                                                  capi_host_dispatch, h, err);
        }
        ext.kind = WASMC_EXTERN_FUNC;
        ext.of.func = x->u.func.f;
        break;
    case CAPI_GLOBAL: ext.kind = WASMC_EXTERN_GLOBAL, ext.of.global = x->u.global; break;
    case CAPI_TABLE: ext.kind = WASMC_EXTERN_TABLE, ext.of.table = x->u.table; break;
    case CAPI_MEMORY: ext.kind = WASMC_EXTERN_MEMORY, ext.of.memory = x->u.memory; break;
    default: rt_err(err, "import %s.%s: not an extern", im->module, im->name); return false;
    }
    return wasmrt_linker_define(l, im->module, im->name, &ext, err);
}

wasm_instance_t *wasm_instance_new(wasm_store_t *store, const wasm_module_t *module,
                                   const wasm_extern_vec_t *imports, wasm_trap_t **trap_out) {
    if (trap_out) *trap_out = NULL;
    wasmrt_module *m = capi_of(module)->u.module.m;
    const wasmc_descriptor *d = wasmrt_module_descriptor(m);
    wasmrt_error err = {""};
    wasmrt_trap trap = {0};
    wasmrt_instance *inst = NULL;
    wasmrt_linker *l = wasmrt_linker_new();
    bool ok = l != NULL;
    if (!ok) rt_err(&err, "out of memory");
    if (ok && (!imports || imports->size < d->num_imports)) {
        rt_err(&err, "module needs %u imports, %zu given", d->num_imports, imports ? imports->size : 0);
        ok = false;
    }
    for (uint32_t i = 0; ok && i < d->num_imports; i++) {
        const wasmc_import_desc *im = &d->imports[i];
        if (!imports->data[i]) {
            rt_err(&err, "import %u (%s.%s) is null", i, im->module, im->name);
            ok = false;
            break;
        }
        for (uint32_t k = 0; k < i; k++)
            if (imports->data[k] != imports->data[i] && d->imports[k].module_len == im->module_len &&
                d->imports[k].name_len == im->name_len && !memcmp(d->imports[k].module, im->module, im->module_len) &&
                !memcmp(d->imports[k].name, im->name, im->name_len)) {
                rt_err(&err, "%s.%s is imported twice with different externs (not supported)", im->module, im->name);
                ok = false;
            }
        if (ok) ok = bind(l, im, capi_of(imports->data[i]), &err);
    }
    if (ok) inst = wasmrt_instantiate(store->s, m, l, &trap, &err);
    wasmrt_linker_free(l);
    if (!inst) {
        if (trap_out) {
            const char *msg = trap.code == WASMC_TRAP_HOST && trap.host_message[0] ? trap.host_message
                              : trap.code != WASMC_TRAP_NONE ? wasmrt_trap_message(trap.code)
                                                             : err.message;
            *trap_out = capi_trap_new(store, msg);
        } else if (trap.code == WASMC_TRAP_NONE) {
            fprintf(stderr, "wasm_instance_new: %s\n", err.message);
        }
        return NULL;
    }
    capi_obj *o = capi_obj_new(store, CAPI_INSTANCE);
    if (!o) {
        wasmrt_instance_free(inst);
        return NULL;
    }
    o->u.instance.inst = inst;
    o->u.instance.module = wasm_module_copy(module);
    capi_store_track(o);
    return (wasm_instance_t *)o;
}

void wasm_instance_exports(const wasm_instance_t *instance, wasm_extern_vec_t *out) {
    capi_obj *io = capi_of(instance);
    wasmrt_instance *inst = io->u.instance.inst;
    const wasmc_descriptor *d = wasmrt_module_descriptor(inst->module);
    wasm_extern_vec_new_uninitialized(out, d->num_exports);
    for (size_t i = 0; i < out->size; i++) {
        wasmrt_extern ext;
        capi_obj *o = NULL;
        if (rt_instance_export_index(inst, (uint32_t)i, &ext)) {
            static const uint8_t tags[] = {[WASMC_EXTERN_FUNC] = CAPI_FUNC, [WASMC_EXTERN_TABLE] = CAPI_TABLE,
                                           [WASMC_EXTERN_MEMORY] = CAPI_MEMORY, [WASMC_EXTERN_GLOBAL] = CAPI_GLOBAL};
            o = capi_obj_new(io->store, tags[ext.kind]);
        }
        if (o) {
            switch (ext.kind) {
            case WASMC_EXTERN_FUNC: o->u.func.f = ext.of.func; break;
            case WASMC_EXTERN_TABLE: o->u.table = ext.of.table; break;
            case WASMC_EXTERN_MEMORY: o->u.memory = ext.of.memory; break;
            case WASMC_EXTERN_GLOBAL: o->u.global = ext.of.global; break;
            }
            /* The export keeps its instance alive. */
            o->owner = capi_of(wasm_instance_copy(instance));
        }
        out->data[i] = (wasm_extern_t *)o;
    }
}
