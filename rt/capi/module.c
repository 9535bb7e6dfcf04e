/* Modules.  A wasmc artifact is this runtime's compiled module, so
 * wasm_module_new takes artifact bytes (wasmc's output) and, in the
 * compiler-linked library (libwasmc-capi), Wasm bytes, which it compiles to
 * an artifact first.  serialize gives the artifact back; deserialize loads
 * one, through libwasmrt's checks (wasmrt_module_load_bytes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"

static bool is_wasm(const wasm_byte_vec_t *b) { return b->size >= 4 && !memcmp(b->data, "\0asm", 4); }

/* Takes ownership of *artifact. */
static wasm_module_t *module_from_artifact(wasm_store_t *store, wasm_byte_vec_t *artifact) {
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load_bytes((const uint8_t *)artifact->data, artifact->size, &err);
    if (!m) {
        /* wasm.h has no error channel: say why where an operator looks. */
        fprintf(stderr, "wasm_module_new: %s\n", err.message);
        wasm_byte_vec_delete(artifact);
        return NULL;
    }
    capi_obj *o = capi_obj_new(store, CAPI_MODULE);
    if (!o) {
        wasmrt_module_release(m);
        wasm_byte_vec_delete(artifact);
        return NULL;
    }
    o->u.module.m = m;
    o->u.module.artifact = *artifact;
    return (wasm_module_t *)o;
}

wasm_module_t *wasm_module_new(wasm_store_t *store, const wasm_byte_vec_t *binary) {
    wasm_byte_vec_t artifact;
    if (is_wasm(binary)) {
        char err[512];
        if (!capi_compile((const uint8_t *)binary->data, binary->size, &artifact, err, sizeof err)) {
            fprintf(stderr, "wasm_module_new: %s\n", err);
            return NULL;
        }
    } else {
        wasm_byte_vec_copy(&artifact, binary);
    }
    return module_from_artifact(store, &artifact);
}

bool wasm_module_validate(wasm_store_t *store, const wasm_byte_vec_t *binary) {
    if (is_wasm(binary)) return capi_validate((const uint8_t *)binary->data, binary->size);
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load_bytes((const uint8_t *)binary->data, binary->size, &err);
    wasmrt_module_release(m);
    return m != NULL;
}

static const wasmc_descriptor *desc_of(const wasm_module_t *m) {
    return wasmrt_module_descriptor(capi_of(m)->u.module.m);
}

void wasm_module_imports(const wasm_module_t *module, wasm_importtype_vec_t *out) {
    const wasmc_descriptor *d = desc_of(module);
    wasm_importtype_vec_new_uninitialized(out, d->num_imports);
    for (size_t i = 0; i < out->size; i++) {
        const wasmc_import_desc *im = &d->imports[i];
        wasm_name_t mod, name;
        wasm_byte_vec_new(&mod, im->module_len, im->module);
        wasm_byte_vec_new(&name, im->name_len, im->name);
        out->data[i] = wasm_importtype_new(&mod, &name, capi_externtype_of_desc(d, im->kind, im->index));
    }
}

void wasm_module_exports(const wasm_module_t *module, wasm_exporttype_vec_t *out) {
    const wasmc_descriptor *d = desc_of(module);
    wasm_exporttype_vec_new_uninitialized(out, d->num_exports);
    for (size_t i = 0; i < out->size; i++) {
        const wasmc_export_desc *x = &d->exports[i];
        wasm_name_t name;
        wasm_byte_vec_new(&name, x->name_len, x->name);
        out->data[i] = wasm_exporttype_new(&name, capi_externtype_of_desc(d, x->kind, x->index));
    }
}

void wasm_module_serialize(const wasm_module_t *m, wasm_byte_vec_t *out) {
    wasm_byte_vec_copy(out, &capi_of(m)->u.module.artifact);
}

wasm_module_t *wasm_module_deserialize(wasm_store_t *store, const wasm_byte_vec_t *b) {
    if (is_wasm(b)) {
        fprintf(stderr, "wasm_module_deserialize: Wasm bytes, not a serialized (wasmc) module\n");
        return NULL;
    }
    wasm_byte_vec_t artifact;
    wasm_byte_vec_copy(&artifact, b);
    return module_from_artifact(store, &artifact);
}

/* ---- sharing across threads: the loaded module itself, refcounted ---- */
struct wasm_shared_module_t {
    wasmrt_module *m;
    wasm_byte_vec_t artifact;
};

wasm_shared_module_t *wasm_module_share(const wasm_module_t *module) {
    wasm_shared_module_t *s = malloc(sizeof *s);
    if (!s) return NULL;
    s->m = capi_of(module)->u.module.m;
    rt_module_retain(s->m);
    wasm_byte_vec_copy(&s->artifact, &capi_of(module)->u.module.artifact);
    return s;
}

void wasm_shared_module_delete(wasm_shared_module_t *s) {
    if (!s) return;
    wasmrt_module_release(s->m);
    wasm_byte_vec_delete(&s->artifact);
    free(s);
}

wasm_module_t *wasm_module_obtain(wasm_store_t *store, const wasm_shared_module_t *s) {
    capi_obj *o = capi_obj_new(store, CAPI_MODULE);
    if (!o) return NULL;
    rt_module_retain(s->m);
    o->u.module.m = s->m;
    wasm_byte_vec_copy(&o->u.module.artifact, &s->artifact);
    return (wasm_module_t *)o;
}
