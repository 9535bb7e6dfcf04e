/* Engines, stores and the life of every wasm.h runtime object: shares,
 * host info with finalizers, the ref conversions, foreign objects, traps
 * and frames, and values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h"

/* ---- config, engine ---- */
wasm_config_t *wasm_config_new(void) { return calloc(1, sizeof(wasm_config_t)); }
void wasm_config_delete(wasm_config_t *c) { free(c); }
wasm_engine_t *wasm_engine_new(void) { return calloc(1, sizeof(wasm_engine_t)); }
wasm_engine_t *wasm_engine_new_with_config(wasm_config_t *c) {
    free(c);
    return wasm_engine_new();
}
void wasm_engine_delete(wasm_engine_t *e) { free(e); }

/* ---- stores ---- */
wasm_store_t *wasm_store_new(wasm_engine_t *engine) {
    (void)engine;
    wasm_store_t *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    wasmrt_error err;
    st->s = wasmrt_store_new(NULL, &err);
    if (!st->s) {
        fprintf(stderr, "wasm_store_new: %s\n", err.message);
        free(st);
        return NULL;
    }
    return st;
}

static void obj_free(capi_obj *o);

void wasm_store_delete(wasm_store_t *st) {
    if (!st) return;
    /* Instances the host still holds die with the store (their handles
     * become invalid, as the API says); pinned refs lose the store's share. */
    while (st->live) {
        capi_obj *o = st->live;
        capi_store_untrack(o);
        if (o->tag == CAPI_INSTANCE) {
            if (o->finalizer) o->finalizer(o->host_info);
            o->finalizer = NULL;
            o->u.instance.inst = NULL;   /* freed with the wasmrt store below */
        } else if (o->pinned) {
            o->pinned = false;
            if (--o->refs == 0) obj_free(o);
        }
    }
    wasmrt_store_free(st->s);
    for (capi_host *h = st->hosts, *next; h; h = next) {
        next = h->next;
        if (h->env_finalizer) h->env_finalizer(h->env);
        wasm_functype_delete(h->type);
        free(h->sig);
        free(h->record);
        free(h);
    }
    free(st);
}

void capi_store_track(capi_obj *o) {
    wasm_store_t *st = o->store;
    o->prev = NULL;
    o->next = st->live;
    if (st->live) st->live->prev = o;
    st->live = o;
}

void capi_store_untrack(capi_obj *o) {
    if (o->prev) o->prev->next = o->next;
    else if (o->store->live == o) o->store->live = o->next;
    if (o->next) o->next->prev = o->prev;
    o->next = o->prev = NULL;
}

/* ---- objects ---- */
capi_obj *capi_obj_new(wasm_store_t *store, uint8_t tag) {
    capi_obj *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->tag = tag;
    o->refs = 1;
    o->store = store;
    return o;
}

static void obj_free(capi_obj *o) {
    if (o->finalizer) o->finalizer(o->host_info);
    switch (o->tag) {
    case CAPI_TRAP: free(o->u.trap.message); break;
    case CAPI_INSTANCE:
        if (o->u.instance.inst) {
            capi_store_untrack(o);
            wasmrt_instance_free(o->u.instance.inst);
        }
        if (o->u.instance.module) wasm_module_delete(o->u.instance.module);
        break;
    case CAPI_MODULE:
        wasmrt_module_release(o->u.module.m);
        wasm_byte_vec_delete(&o->u.module.artifact);
        break;
    default: break;
    }
    if (o->owner) wasm_ref_delete((wasm_ref_t *)o->owner);
    free(o);
}

void wasm_ref_delete(wasm_ref_t *r) {
    capi_obj *o = capi_of(r);
    if (o && --o->refs == 0) obj_free(o);
}
wasm_ref_t *wasm_ref_copy(const wasm_ref_t *r) {
    if (r) capi_of(r)->refs++;
    return (wasm_ref_t *)r;
}
bool wasm_ref_same(const wasm_ref_t *a, const wasm_ref_t *b) { return a == b; }
void *wasm_ref_get_host_info(const wasm_ref_t *r) { return capi_of(r)->host_info; }
void wasm_ref_set_host_info(wasm_ref_t *r, void *info) { wasm_ref_set_host_info_with_finalizer(r, info, NULL); }
void wasm_ref_set_host_info_with_finalizer(wasm_ref_t *r, void *info, void (*fin)(void *)) {
    capi_obj *o = capi_of(r);
    o->host_info = info;
    o->finalizer = fin;
}

#define REF_KIND(name, TAG)                                                                   \
    void wasm_##name##_delete(wasm_##name##_t *x) { wasm_ref_delete((wasm_ref_t *)x); }      \
    wasm_##name##_t *wasm_##name##_copy(const wasm_##name##_t *x) {                           \
        return (wasm_##name##_t *)wasm_ref_copy((const wasm_ref_t *)x);                       \
    }                                                                                         \
    bool wasm_##name##_same(const wasm_##name##_t *a, const wasm_##name##_t *b) { return a == b; } \
    void *wasm_##name##_get_host_info(const wasm_##name##_t *x) {                             \
        return wasm_ref_get_host_info((const wasm_ref_t *)x);                                 \
    }                                                                                         \
    void wasm_##name##_set_host_info(wasm_##name##_t *x, void *i) {                           \
        wasm_ref_set_host_info((wasm_ref_t *)x, i);                                           \
    }                                                                                         \
    void wasm_##name##_set_host_info_with_finalizer(wasm_##name##_t *x, void *i, void (*f)(void *)) { \
        wasm_ref_set_host_info_with_finalizer((wasm_ref_t *)x, i, f);                         \
    }                                                                                         \
    wasm_ref_t *wasm_##name##_as_ref(wasm_##name##_t *x) { return (wasm_ref_t *)x; }          \
    const wasm_ref_t *wasm_##name##_as_ref_const(const wasm_##name##_t *x) {                  \
        return (const wasm_ref_t *)x;                                                         \
    }                                                                                         \
    wasm_##name##_t *wasm_ref_as_##name(wasm_ref_t *r) {                                      \
        return r && capi_of(r)->tag == TAG ? (wasm_##name##_t *)r : NULL;                     \
    }                                                                                         \
    const wasm_##name##_t *wasm_ref_as_##name##_const(const wasm_ref_t *r) {                  \
        return r && capi_of(r)->tag == TAG ? (const wasm_##name##_t *)r : NULL;               \
    }
REF_KIND(func, CAPI_FUNC)
REF_KIND(global, CAPI_GLOBAL)
REF_KIND(table, CAPI_TABLE)
REF_KIND(memory, CAPI_MEMORY)
REF_KIND(foreign, CAPI_FOREIGN)
REF_KIND(trap, CAPI_TRAP)
REF_KIND(instance, CAPI_INSTANCE)
REF_KIND(module, CAPI_MODULE)

/* Externs are funcs, globals, tables and memories themselves. */
void wasm_extern_delete(wasm_extern_t *x) { wasm_ref_delete((wasm_ref_t *)x); }
wasm_extern_t *wasm_extern_copy(const wasm_extern_t *x) { return (wasm_extern_t *)wasm_ref_copy((const wasm_ref_t *)x); }
bool wasm_extern_same(const wasm_extern_t *a, const wasm_extern_t *b) { return a == b; }
void *wasm_extern_get_host_info(const wasm_extern_t *x) { return wasm_ref_get_host_info((const wasm_ref_t *)x); }
void wasm_extern_set_host_info(wasm_extern_t *x, void *i) { wasm_ref_set_host_info((wasm_ref_t *)x, i); }
void wasm_extern_set_host_info_with_finalizer(wasm_extern_t *x, void *i, void (*f)(void *)) {
    wasm_ref_set_host_info_with_finalizer((wasm_ref_t *)x, i, f);
}
static bool is_extern(const wasm_ref_t *r) {
    uint8_t t = capi_of(r)->tag;
    return t == CAPI_FUNC || t == CAPI_GLOBAL || t == CAPI_TABLE || t == CAPI_MEMORY;
}
wasm_ref_t *wasm_extern_as_ref(wasm_extern_t *x) { return (wasm_ref_t *)x; }
const wasm_ref_t *wasm_extern_as_ref_const(const wasm_extern_t *x) { return (const wasm_ref_t *)x; }
wasm_extern_t *wasm_ref_as_extern(wasm_ref_t *r) { return r && is_extern(r) ? (wasm_extern_t *)r : NULL; }
const wasm_extern_t *wasm_ref_as_extern_const(const wasm_ref_t *r) {
    return r && is_extern(r) ? (const wasm_extern_t *)r : NULL;
}

/* ---- foreign objects ---- */
wasm_foreign_t *wasm_foreign_new(wasm_store_t *store) { return (wasm_foreign_t *)capi_obj_new(store, CAPI_FOREIGN); }

/* ---- traps ---- */
wasm_trap_t *capi_trap_new(wasm_store_t *store, const char *message) {
    capi_obj *o = capi_obj_new(store, CAPI_TRAP);
    if (!o) return NULL;
    o->u.trap.message = strdup(message ? message : "");
    return (wasm_trap_t *)o;
}

wasm_trap_t *wasm_trap_new(wasm_store_t *store, const wasm_message_t *msg) {
    /* The message is NUL-terminated by convention; do not rely on it. */
    char *s = malloc(msg->size + 1);
    if (!s) return NULL;
    if (msg->size) memcpy(s, msg->data, msg->size);
    s[msg->size] = 0;
    wasm_trap_t *t = capi_trap_new(store, s);
    free(s);
    return t;
}

void wasm_trap_message(const wasm_trap_t *t, wasm_message_t *out) {
    const char *m = capi_of(t)->u.trap.message;
    wasm_byte_vec_new(out, strlen(m) + 1, m);
}

/* Compiled code keeps no frame records (no unwind tables, and frame
 * pointers only with wasmc --frame-pointers), so traps carry no frames:
 * the origin is NULL and the trace empty, as the API allows. */
wasm_frame_t *wasm_trap_origin(const wasm_trap_t *t) { return NULL; }
void wasm_trap_trace(const wasm_trap_t *t, wasm_frame_vec_t *out) { wasm_frame_vec_new_empty(out); }

/* No frame is ever made (see above); these exist for the vector macros. */
struct wasm_frame_t { wasm_instance_t *instance; uint32_t func; size_t func_offset, module_offset; };
void wasm_frame_delete(wasm_frame_t *f) { free(f); }
wasm_frame_t *wasm_frame_copy(const wasm_frame_t *f) {
    wasm_frame_t *c = malloc(sizeof *c);
    if (c) *c = *f;
    return c;
}
wasm_instance_t *wasm_frame_instance(const wasm_frame_t *f) { return f->instance; }
uint32_t wasm_frame_func_index(const wasm_frame_t *f) { return f->func; }
size_t wasm_frame_func_offset(const wasm_frame_t *f) { return f->func_offset; }
size_t wasm_frame_module_offset(const wasm_frame_t *f) { return f->module_offset; }

/* ---- values ---- */
void wasm_val_delete(wasm_val_t *v) {
    if (wasm_valkind_is_ref(v->kind) && v->of.ref) wasm_ref_delete(v->of.ref);
    v->of.ref = NULL;
}

void wasm_val_copy(wasm_val_t *out, const wasm_val_t *v) {
    *out = *v;
    if (wasm_valkind_is_ref(v->kind) && v->of.ref) wasm_ref_copy(v->of.ref);
}

void *capi_ref_to_raw(wasm_store_t *store, wasm_ref_t *r, uint8_t kind) {
    if (!r) return NULL;
    capi_obj *o = capi_of(r);
    if (kind == RT_TYPE_FUNCREF) {
        if (o->tag != CAPI_FUNC) return NULL;
        capi_host *h = o->u.func.host;
        if (!h) return o->u.func.f.ref;
        /* A host function as a funcref needs its signature's host
         * trampoline, which only compiled code has: borrow it from a module
         * in the store with that signature. */
        if (!h->record) {
            uint32_t id = rt_type_intern(h->sig, h->np, h->sig + h->np, h->nr);
            const wasmc_functype *ft = capi_find_functype(store, id);
            if (!ft) return NULL;
            h->record = calloc(1, sizeof *h->record);
            if (!h->record) return NULL;
            h->record->rec = (wasmc_host_record){rt_host_thunk, h->record, NULL};
            h->record->user_fn = capi_host_dispatch;
            h->record->user_env = h;
            h->funcref = (wasmc_funcref){ft->host_trampoline, &h->record->rec, id, 0};
        }
        return &h->funcref;
    }
    /* externref: the object itself, kept alive by the store as long as
     * Wasm may hold it (there is no collector to tell when it stops). */
    if (!o->pinned) {
        o->pinned = true;
        o->refs++;
        if (o->tag != CAPI_INSTANCE) capi_store_track(o);
    }
    return o;
}

wasm_ref_t *capi_ref_from_raw(wasm_store_t *store, void *raw, uint8_t kind) {
    if (!raw) return NULL;
    if (kind == RT_TYPE_FUNCREF) return (wasm_ref_t *)capi_func_from_funcref(store, raw);
    return wasm_ref_copy(raw);
}

bool capi_val_to_rt(wasm_store_t *store, const wasm_val_t *v, wasmrt_val *out) {
    memset(out, 0, sizeof *out);
    out->kind = capi_kind_to_binary(v->kind);
    switch (v->kind) {
    case WASM_I32: out->of.i32 = v->of.i32; break;
    case WASM_I64: out->of.i64 = v->of.i64; break;
    case WASM_F32: out->of.f32 = v->of.f32; break;
    case WASM_F64: out->of.f64 = v->of.f64; break;
    case WASM_EXTERNREF:
    case WASM_FUNCREF:
        out->of.ref = capi_ref_to_raw(store, v->of.ref, out->kind);
        if (v->of.ref && !out->of.ref) return false;
        break;
    default: return false;
    }
    return true;
}

void capi_val_from_rt(wasm_store_t *store, const wasmrt_val *v, wasm_val_t *out) {
    memset(out, 0, sizeof *out);
    capi_binary_to_kind(v->kind, &out->kind);
    switch (v->kind) {
    case RT_TYPE_I32: out->of.i32 = v->of.i32; break;
    case RT_TYPE_I64: out->of.i64 = v->of.i64; break;
    case RT_TYPE_F32: out->of.f32 = v->of.f32; break;
    case RT_TYPE_F64: out->of.f64 = v->of.f64; break;
    case RT_TYPE_EXTERNREF:
    case RT_TYPE_FUNCREF: out->of.ref = capi_ref_from_raw(store, v->of.ref, v->kind); break;
    default: break;
    }
}
