/* Functions: host functions (wasm_func_new, with and without env) and calls
 * in both directions.  A host function runs through capi_host_dispatch,
 * which turns slots into wasm.h values and a returned wasm_trap_t into a
 * Wasm trap (WASMC_TRAP_HOST, with the trap's message). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"

static capi_host *host_new(wasm_store_t *store, const wasm_functype_t *type) {
    const capi_type *t = (const capi_type *)type;
    capi_host *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->np = (uint32_t)t->params.size;
    h->nr = (uint32_t)t->results.size;
    h->sig = malloc(h->np + h->nr + 1);
    h->type = wasm_functype_copy(type);
    if (!h->sig || !h->type) goto fail;
    for (uint32_t i = 0; i < h->np + h->nr; i++) {
        const wasm_valtype_t *v = i < h->np ? t->params.data[i] : t->results.data[i - h->np];
        if (!v || !(h->sig[i] = capi_kind_to_binary(v->kind))) goto fail;
    }
    h->store = store;
    h->next = store->hosts;
    store->hosts = h;
    return h;
fail:
    free(h->sig);
    wasm_functype_delete(h->type);
    free(h);
    return NULL;
}

static wasm_func_t *host_func(capi_host *h) {
    if (!h) return NULL;
    capi_obj *o = capi_obj_new(h->store, CAPI_FUNC);
    if (o) o->u.func.host = h;
    return (wasm_func_t *)o;
}

wasm_func_t *wasm_func_new(wasm_store_t *store, const wasm_functype_t *type, wasm_func_callback_t cb) {
    capi_host *h = host_new(store, type);
    if (h) h->cb = cb;
    return host_func(h);
}

wasm_func_t *wasm_func_new_with_env(wasm_store_t *store, const wasm_functype_t *type,
                                    wasm_func_callback_with_env_t cb, void *env, void (*fin)(void *)) {
    capi_host *h = host_new(store, type);
    if (h) {
        h->cb_env = cb;
        h->env = env;
        h->env_finalizer = fin;
    }
    return host_func(h);
}

wasm_functype_t *wasm_func_type(const wasm_func_t *f) {
    capi_obj *o = capi_of(f);
    if (o->u.func.host) return wasm_functype_copy(o->u.func.host->type);
    return capi_functype_from(o->u.func.f.type);
}

size_t wasm_func_param_arity(const wasm_func_t *f) {
    capi_obj *o = capi_of(f);
    return o->u.func.host ? o->u.func.host->np : o->u.func.f.type->num_params;
}

size_t wasm_func_result_arity(const wasm_func_t *f) {
    capi_obj *o = capi_of(f);
    return o->u.func.host ? o->u.func.host->nr : o->u.func.f.type->num_results;
}

/* Runs h's callback on values; returns its trap (owned) or NULL. */
static wasm_trap_t *host_call(capi_host *h, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
    return h->cb ? h->cb(args, results) : h->cb_env(h->env, args, results);
}

void capi_host_dispatch(void *env, void *caller, wasmc_slot *slots) {
    capi_host *h = env;
    wasm_val_t local[2 * 16];
    uint32_t n = h->np + h->nr;
    wasm_val_t *vals = n <= 32 ? local : calloc(n, sizeof *vals);
    if (!vals) wasmrt_host_trap(WASMC_TRAP_HOST, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasmrt_val v;
        memset(&v, 0, sizeof v);
        v.kind = h->sig[i];
        if (i < h->np) memcpy(&v.of, &slots[i], sizeof slots[i]);
        capi_val_from_rt(h->store, &v, &vals[i]);
        if (i >= h->np) vals[i].of.ref = NULL;
    }
    wasm_val_vec_t args = {h->np, vals}, results = {h->nr, vals + h->np};
    wasm_trap_t *trap = host_call(h, &args, &results);
    char message[256] = "";
    bool bad = false;
    if (!trap)
        for (uint32_t i = 0; i < h->nr; i++) {
            wasmrt_val v;
            if (capi_kind_to_binary(results.data[i].kind) != h->sig[h->np + i] ||
                !capi_val_to_rt(h->store, &results.data[i], &v)) {
                bad = true;
                snprintf(message, sizeof message, "host function result %u has the wrong type", i);
                break;
            }
            memcpy(&slots[i], &v.of, sizeof slots[i]);
        }
    for (uint32_t i = 0; i < n; i++) wasm_val_delete(&vals[i]);
    if (vals != local) free(vals);
    if (trap) {
        snprintf(message, sizeof message, "%s", capi_of(trap)->u.trap.message);
        wasm_trap_delete(trap);
    }
    if (trap || bad) wasmrt_host_trap(WASMC_TRAP_HOST, message);
}

static wasm_trap_t *trap_of(wasm_store_t *store, const wasmrt_trap *t, const wasmrt_error *err) {
    if (t->code == WASMC_TRAP_HOST && t->host_message[0]) return capi_trap_new(store, t->host_message);
    if (t->code == WASMC_TRAP_NONE) return capi_trap_new(store, err->message);
    return capi_trap_new(store, wasmrt_trap_message(t->code));
}

wasm_trap_t *wasm_func_call(const wasm_func_t *func, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
    capi_obj *o = capi_of(func);
    wasm_store_t *store = o->store;
    if (o->u.func.host) {
        capi_host *h = o->u.func.host;
        if (args->size != h->np || results->size < h->nr) return capi_trap_new(store, "wrong number of values");
        return host_call(h, args, results);
    }
    const wasmc_functype *t = o->u.func.f.type;
    /* Fewer result slots than results is tolerated (the extra results are
     * dropped), as upstream's trap.c calls i32 functions with no room. */
    if (args->size != t->num_params) return capi_trap_new(store, "wrong number of arguments");
    uint32_t n = t->num_params + t->num_results;
    wasmrt_val local[32];
    wasmrt_val *vals = n <= 32 ? local : calloc(n, sizeof *vals);
    if (!vals) return capi_trap_new(store, "out of memory");
    wasm_trap_t *trap = NULL;
    for (uint32_t i = 0; i < t->num_params && !trap; i++)
        if (!capi_val_to_rt(store, &args->data[i], &vals[i]))
            trap = capi_trap_new(store, "argument cannot be passed to Wasm");
    if (!trap) {
        wasmrt_trap rt;
        wasmrt_error err;
        if (wasmrt_call(store->s, &o->u.func.f, vals, t->num_params, vals + t->num_params, t->num_results, &rt,
                        &err)) {
            for (uint32_t i = 0; i < t->num_results; i++) {
                wasm_val_t v;
                capi_val_from_rt(store, &vals[t->num_params + i], &v);
                if (i < results->size) results->data[i] = v;
                else wasm_val_delete(&v);
            }
        } else {
            trap = trap_of(store, &rt, &err);
        }
    }
    if (vals != local) free(vals);
    return trap;
}

const wasmc_functype *capi_find_functype(wasm_store_t *store, uint32_t id) {
    for (wasmrt_instance *i = store->s->instances; i; i = i->next) {
        const wasmc_descriptor *d = i->module->desc;
        for (uint32_t k = 0; k < d->num_types; k++)
            if (i->module->type_ids[k] == id) return &d->types[k];
    }
    return NULL;
}

wasm_func_t *capi_func_from_funcref(wasm_store_t *store, wasmc_funcref *ref) {
    /* One of our own host functions made into a funcref? */
    for (capi_host *h = store->hosts; h; h = h->next)
        if (h->record && ref == &h->funcref) return host_func(h);
    const wasmc_functype *t = capi_find_functype(store, ref->type_id);
    if (!t) return NULL;
    capi_obj *o = capi_obj_new(store, CAPI_FUNC);
    if (!o) return NULL;
    o->u.func.f = (wasmrt_func){ref, t, NULL};
    return (wasm_func_t *)o;
}
