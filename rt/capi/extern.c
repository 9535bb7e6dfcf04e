/* Globals, tables and memories (host-made or exported), and externs, which
 * are those and functions seen through one type. */
#include <stdlib.h>
#include <string.h>

#include "capi.h"

#define AS_EXTERN(name, TAG)                                                                   \
    wasm_extern_t *wasm_##name##_as_extern(wasm_##name##_t *x) { return (wasm_extern_t *)x; }  \
    const wasm_extern_t *wasm_##name##_as_extern_const(const wasm_##name##_t *x) {             \
        return (const wasm_extern_t *)x;                                                       \
    }                                                                                          \
    wasm_##name##_t *wasm_extern_as_##name(wasm_extern_t *x) {                                 \
        return x && capi_of(x)->tag == TAG ? (wasm_##name##_t *)x : NULL;                      \
    }                                                                                          \
    const wasm_##name##_t *wasm_extern_as_##name##_const(const wasm_extern_t *x) {             \
        return x && capi_of(x)->tag == TAG ? (const wasm_##name##_t *)x : NULL;                \
    }
AS_EXTERN(func, CAPI_FUNC)
AS_EXTERN(global, CAPI_GLOBAL)
AS_EXTERN(table, CAPI_TABLE)
AS_EXTERN(memory, CAPI_MEMORY)

wasm_externkind_t wasm_extern_kind(const wasm_extern_t *x) {
    switch (capi_of(x)->tag) {
    case CAPI_GLOBAL: return WASM_EXTERN_GLOBAL;
    case CAPI_TABLE: return WASM_EXTERN_TABLE;
    case CAPI_MEMORY: return WASM_EXTERN_MEMORY;
    default: return WASM_EXTERN_FUNC;
    }
}

wasm_externtype_t *wasm_extern_type(const wasm_extern_t *x) {
    switch (capi_of(x)->tag) {
    case CAPI_FUNC: return (wasm_externtype_t *)wasm_func_type((const wasm_func_t *)x);
    case CAPI_GLOBAL: return (wasm_externtype_t *)wasm_global_type((const wasm_global_t *)x);
    case CAPI_TABLE: return (wasm_externtype_t *)wasm_table_type((const wasm_table_t *)x);
    case CAPI_MEMORY: return (wasm_externtype_t *)wasm_memory_type((const wasm_memory_t *)x);
    }
    return NULL;
}

static wasm_valtype_t *valtype_of(uint8_t b) {
    wasm_valkind_t k;
    return capi_binary_to_kind(b, &k) ? wasm_valtype_new(k) : NULL;
}

/* ---- globals ---- */
wasm_global_t *wasm_global_new(wasm_store_t *store, const wasm_globaltype_t *type, const wasm_val_t *val) {
    const capi_type *t = (const capi_type *)type;
    wasmrt_val v;
    if (!t->content || val->kind != t->content->kind || !capi_val_to_rt(store, val, &v)) return NULL;
    wasmrt_error err;
    wasmrt_global *g = wasmrt_global_new(store->s, &v, t->mut == WASM_VAR, &err);
    if (!g) return NULL;
    capi_obj *o = capi_obj_new(store, CAPI_GLOBAL);
    if (o) o->u.global = g;
    return (wasm_global_t *)o;
}

wasm_globaltype_t *wasm_global_type(const wasm_global_t *x) {
    wasmrt_global *g = capi_of(x)->u.global;
    return wasm_globaltype_new(valtype_of(wasmrt_global_type(g)), wasmrt_global_mutable(g) ? WASM_VAR : WASM_CONST);
}

void wasm_global_get(const wasm_global_t *x, wasm_val_t *out) {
    wasmrt_val v;
    wasmrt_global_get(capi_of(x)->u.global, &v);
    capi_val_from_rt(capi_of(x)->store, &v, out);
}

/* Setting a constant global or one of another type does nothing (the API
 * has no way to report it). */
void wasm_global_set(wasm_global_t *x, const wasm_val_t *val) {
    wasmrt_global *g = capi_of(x)->u.global;
    wasmrt_val v;
    if (capi_kind_to_binary(val->kind) != wasmrt_global_type(g) || !capi_val_to_rt(capi_of(x)->store, val, &v))
        return;
    wasmrt_global_set(g, &v);
}

/* ---- tables ---- */
wasm_table_t *wasm_table_new(wasm_store_t *store, const wasm_tabletype_t *type, wasm_ref_t *init) {
    const capi_type *t = (const capi_type *)type;
    uint8_t elem = t->content ? capi_kind_to_binary(t->content->kind) : 0;
    if (elem != RT_TYPE_FUNCREF && elem != RT_TYPE_EXTERNREF) return NULL;
    void *raw = capi_ref_to_raw(store, init, elem);
    if (init && !raw) return NULL;
    bool has_max = t->limits.max != wasm_limits_max_default;
    wasmrt_error err;
    wasmrt_table *tb = wasmrt_table_new(store->s, elem, t->limits.min, has_max ? t->limits.max : 0, has_max, raw, &err);
    if (!tb) return NULL;
    capi_obj *o = capi_obj_new(store, CAPI_TABLE);
    if (o) o->u.table = tb;
    return (wasm_table_t *)o;
}

wasm_tabletype_t *wasm_table_type(const wasm_table_t *x) {
    wasmrt_table *t = capi_of(x)->u.table;
    wasm_limits_t l = {wasmrt_table_size(t), t->has_max ? t->type_max : wasm_limits_max_default};
    return wasm_tabletype_new(valtype_of(t->elem_type), &l);
}

wasm_ref_t *wasm_table_get(const wasm_table_t *x, wasm_table_size_t index) {
    wasmrt_table *t = capi_of(x)->u.table;
    wasmrt_val v;
    if (!wasmrt_table_get(t, index, &v)) return NULL;
    return capi_ref_from_raw(capi_of(x)->store, v.of.ref, t->elem_type);
}

bool wasm_table_set(wasm_table_t *x, wasm_table_size_t index, wasm_ref_t *r) {
    wasmrt_table *t = capi_of(x)->u.table;
    if (index >= wasmrt_table_size(t)) return false;
    void *raw = capi_ref_to_raw(capi_of(x)->store, r, t->elem_type);
    if (r && !raw) return false;
    wasmrt_val v = {.kind = t->elem_type, .of.ref = raw};
    return wasmrt_table_set(t, index, &v);
}

wasm_table_size_t wasm_table_size(const wasm_table_t *x) { return wasmrt_table_size(capi_of(x)->u.table); }

bool wasm_table_grow(wasm_table_t *x, wasm_table_size_t delta, wasm_ref_t *init) {
    wasmrt_table *t = capi_of(x)->u.table;
    void *raw = capi_ref_to_raw(capi_of(x)->store, init, t->elem_type);
    if (init && !raw) return false;
    return rt_table_grow(t, raw, delta) != UINT32_MAX;
}

/* ---- memories ---- */
wasm_memory_t *wasm_memory_new(wasm_store_t *store, const wasm_memorytype_t *type) {
    const wasm_limits_t *l = &((const capi_type *)type)->limits;
    bool has_max = l->max != wasm_limits_max_default;
    wasmrt_error err;
    wasmrt_memory *m = wasmrt_memory_new(store->s, l->min, has_max ? l->max : 0, has_max, &err);
    if (!m) return NULL;
    capi_obj *o = capi_obj_new(store, CAPI_MEMORY);
    if (o) o->u.memory = m;
    return (wasm_memory_t *)o;
}

wasm_memorytype_t *wasm_memory_type(const wasm_memory_t *x) {
    wasmrt_memory *m = capi_of(x)->u.memory;
    wasm_limits_t l = {(uint32_t)(wasmrt_memory_size(m) / WASMC_WASM_PAGE_SIZE),
                       m->has_max ? m->type_max : wasm_limits_max_default};
    return wasm_memorytype_new(&l);
}

byte_t *wasm_memory_data(wasm_memory_t *x) { return (byte_t *)wasmrt_memory_data(capi_of(x)->u.memory); }
size_t wasm_memory_data_size(const wasm_memory_t *x) { return wasmrt_memory_size(capi_of(x)->u.memory); }
wasm_memory_pages_t wasm_memory_size(const wasm_memory_t *x) {
    return (wasm_memory_pages_t)(wasmrt_memory_size(capi_of(x)->u.memory) / WASMC_WASM_PAGE_SIZE);
}
bool wasm_memory_grow(wasm_memory_t *x, wasm_memory_pages_t delta) {
    return wasmrt_memory_grow(capi_of(x)->u.memory, delta) != UINT32_MAX;
}
