/* wasm.h type objects: value, function, global, table, memory, extern,
 * import and export types.  The four extern types are one capi_type, so
 * the as_externtype conversions are casts. */
#include <stdlib.h>
#include <string.h>

#include "capi.h"

static const struct { wasm_valkind_t kind; uint8_t binary; } kinds[] = {
    {WASM_I32, RT_TYPE_I32}, {WASM_I64, RT_TYPE_I64}, {WASM_F32, RT_TYPE_F32},
    {WASM_F64, RT_TYPE_F64}, {WASM_EXTERNREF, RT_TYPE_EXTERNREF}, {WASM_FUNCREF, RT_TYPE_FUNCREF},
};

uint8_t capi_kind_to_binary(wasm_valkind_t k) {
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (kinds[i].kind == k) return kinds[i].binary;
    return 0;
}

/* false for v128, which wasm.h has no kind for. */
bool capi_binary_to_kind(uint8_t b, wasm_valkind_t *k) {
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (kinds[i].binary == b) {
            *k = kinds[i].kind;
            return true;
        }
    return false;
}

/* ---- value types ---- */
wasm_valtype_t *wasm_valtype_new(wasm_valkind_t k) {
    if (!capi_kind_to_binary(k)) return NULL;
    wasm_valtype_t *t = malloc(sizeof *t);
    if (t) t->kind = k;
    return t;
}
wasm_valkind_t wasm_valtype_kind(const wasm_valtype_t *t) { return t->kind; }
wasm_valtype_t *wasm_valtype_copy(const wasm_valtype_t *t) { return wasm_valtype_new(t->kind); }
void wasm_valtype_delete(wasm_valtype_t *t) { free(t); }

/* ---- the extern types ---- */
static capi_type *type_new(wasm_externkind_t kind) {
    capi_type *t = calloc(1, sizeof *t);
    if (t) t->kind = kind;
    return t;
}

static void type_delete(capi_type *t) {
    if (!t) return;
    wasm_valtype_vec_delete(&t->params);
    wasm_valtype_vec_delete(&t->results);
    wasm_valtype_delete(t->content);
    free(t);
}

static capi_type *type_copy(const capi_type *s) {
    capi_type *t = type_new(s->kind);
    if (!t) return NULL;
    wasm_valtype_vec_copy(&t->params, &s->params);
    wasm_valtype_vec_copy(&t->results, &s->results);
    t->content = s->content ? wasm_valtype_copy(s->content) : NULL;
    t->mut = s->mut;
    t->limits = s->limits;
    return t;
}

#define TYPE_OBJ(name)                                                                          \
    void wasm_##name##_delete(wasm_##name##_t *t) { type_delete((capi_type *)t); }             \
    wasm_##name##_t *wasm_##name##_copy(const wasm_##name##_t *t) {                             \
        return (wasm_##name##_t *)type_copy((const capi_type *)t);                              \
    }
TYPE_OBJ(functype)
TYPE_OBJ(globaltype)
TYPE_OBJ(tabletype)
TYPE_OBJ(memorytype)
TYPE_OBJ(externtype)

#define AS_EXTERNTYPE(name, KIND)                                                               \
    wasm_externtype_t *wasm_##name##_as_externtype(wasm_##name##_t *t) { return (wasm_externtype_t *)t; } \
    const wasm_externtype_t *wasm_##name##_as_externtype_const(const wasm_##name##_t *t) {     \
        return (const wasm_externtype_t *)t;                                                    \
    }                                                                                           \
    wasm_##name##_t *wasm_externtype_as_##name(wasm_externtype_t *t) {                          \
        return t && ((capi_type *)t)->kind == KIND ? (wasm_##name##_t *)t : NULL;               \
    }                                                                                           \
    const wasm_##name##_t *wasm_externtype_as_##name##_const(const wasm_externtype_t *t) {      \
        return t && ((const capi_type *)t)->kind == KIND ? (const wasm_##name##_t *)t : NULL;   \
    }
AS_EXTERNTYPE(functype, WASM_EXTERN_FUNC)
AS_EXTERNTYPE(globaltype, WASM_EXTERN_GLOBAL)
AS_EXTERNTYPE(tabletype, WASM_EXTERN_TABLE)
AS_EXTERNTYPE(memorytype, WASM_EXTERN_MEMORY)

wasm_externkind_t wasm_externtype_kind(const wasm_externtype_t *t) { return ((const capi_type *)t)->kind; }

wasm_functype_t *wasm_functype_new(wasm_valtype_vec_t *params, wasm_valtype_vec_t *results) {
    capi_type *t = type_new(WASM_EXTERN_FUNC);
    if (!t) return NULL;
    t->params = *params;
    t->results = *results;
    params->size = results->size = 0;
    params->data = results->data = NULL;
    return (wasm_functype_t *)t;
}
const wasm_valtype_vec_t *wasm_functype_params(const wasm_functype_t *t) { return &((const capi_type *)t)->params; }
const wasm_valtype_vec_t *wasm_functype_results(const wasm_functype_t *t) { return &((const capi_type *)t)->results; }

wasm_globaltype_t *wasm_globaltype_new(wasm_valtype_t *content, wasm_mutability_t mut) {
    capi_type *t = type_new(WASM_EXTERN_GLOBAL);
    if (!t) return NULL;
    t->content = content;
    t->mut = mut;
    return (wasm_globaltype_t *)t;
}
const wasm_valtype_t *wasm_globaltype_content(const wasm_globaltype_t *t) { return ((const capi_type *)t)->content; }
wasm_mutability_t wasm_globaltype_mutability(const wasm_globaltype_t *t) { return ((const capi_type *)t)->mut; }

wasm_tabletype_t *wasm_tabletype_new(wasm_valtype_t *elem, const wasm_limits_t *limits) {
    capi_type *t = type_new(WASM_EXTERN_TABLE);
    if (!t) return NULL;
    t->content = elem;
    t->limits = *limits;
    return (wasm_tabletype_t *)t;
}
const wasm_valtype_t *wasm_tabletype_element(const wasm_tabletype_t *t) { return ((const capi_type *)t)->content; }
const wasm_limits_t *wasm_tabletype_limits(const wasm_tabletype_t *t) { return &((const capi_type *)t)->limits; }

wasm_memorytype_t *wasm_memorytype_new(const wasm_limits_t *limits) {
    capi_type *t = type_new(WASM_EXTERN_MEMORY);
    if (!t) return NULL;
    t->limits = *limits;
    return (wasm_memorytype_t *)t;
}
const wasm_limits_t *wasm_memorytype_limits(const wasm_memorytype_t *t) { return &((const capi_type *)t)->limits; }

/* ---- from descriptors ---- */
static void valtypes_from(const uint8_t *b, uint32_t n, wasm_valtype_vec_t *out) {
    wasm_valtype_vec_new_uninitialized(out, n);
    for (uint32_t i = 0; i < n && out->data; i++) {
        wasm_valkind_t k = WASM_I32;
        /* v128 has no wasm.h kind: such a type cannot be built, so a NULL
         * element marks it (wasm_func_call refuses those functions). */
        out->data[i] = capi_binary_to_kind(b[i], &k) ? wasm_valtype_new(k) : NULL;
    }
}

wasm_functype_t *capi_functype_from(const wasmc_functype *f) {
    capi_type *t = type_new(WASM_EXTERN_FUNC);
    if (!t) return NULL;
    valtypes_from(f->types, f->num_params, &t->params);
    valtypes_from(f->types + f->num_params, f->num_results, &t->results);
    return (wasm_functype_t *)t;
}

static wasm_limits_t limits_of(const wasmc_limits_desc *l) {
    return (wasm_limits_t){(uint32_t)l->min, l->has_max ? (uint32_t)l->max : wasm_limits_max_default};
}

static wasm_valtype_t *valtype_of(uint8_t b) {
    wasm_valkind_t k;
    return capi_binary_to_kind(b, &k) ? wasm_valtype_new(k) : NULL;
}

wasm_externtype_t *capi_externtype_of_desc(const wasmc_descriptor *d, uint32_t kind, uint32_t x) {
    switch (kind) {
    case WASMC_EXTERN_FUNC:
        return (wasm_externtype_t *)capi_functype_from(&d->types[d->func_types[x]]);
    case WASMC_EXTERN_GLOBAL:
        return (wasm_externtype_t *)wasm_globaltype_new(valtype_of(d->globals[x].type),
                                                        d->globals[x].mutable_ ? WASM_VAR : WASM_CONST);
    case WASMC_EXTERN_TABLE: {
        wasm_limits_t l = limits_of(&d->tables[x].limits);
        return (wasm_externtype_t *)wasm_tabletype_new(valtype_of(d->tables[x].elem_type), &l);
    }
    case WASMC_EXTERN_MEMORY: {
        wasm_limits_t l = limits_of(&d->memories[x].limits);
        return (wasm_externtype_t *)wasm_memorytype_new(&l);
    }
    }
    return NULL;
}

/* ---- import and export types ---- */
wasm_importtype_t *wasm_importtype_new(wasm_name_t *module, wasm_name_t *name, wasm_externtype_t *type) {
    wasm_importtype_t *t = malloc(sizeof *t);
    if (!t) return NULL;
    t->module = *module;
    t->name = *name;
    t->type = type;
    module->data = name->data = NULL;
    module->size = name->size = 0;
    return t;
}
void wasm_importtype_delete(wasm_importtype_t *t) {
    if (!t) return;
    wasm_byte_vec_delete(&t->module);
    wasm_byte_vec_delete(&t->name);
    wasm_externtype_delete(t->type);
    free(t);
}
wasm_importtype_t *wasm_importtype_copy(const wasm_importtype_t *s) {
    wasm_name_t m, n;
    wasm_byte_vec_copy(&m, &s->module);
    wasm_byte_vec_copy(&n, &s->name);
    return wasm_importtype_new(&m, &n, wasm_externtype_copy(s->type));
}
const wasm_name_t *wasm_importtype_module(const wasm_importtype_t *t) { return &t->module; }
const wasm_name_t *wasm_importtype_name(const wasm_importtype_t *t) { return &t->name; }
const wasm_externtype_t *wasm_importtype_type(const wasm_importtype_t *t) { return t->type; }

wasm_exporttype_t *wasm_exporttype_new(wasm_name_t *name, wasm_externtype_t *type) {
    wasm_exporttype_t *t = malloc(sizeof *t);
    if (!t) return NULL;
    t->name = *name;
    t->type = type;
    name->data = NULL;
    name->size = 0;
    return t;
}
void wasm_exporttype_delete(wasm_exporttype_t *t) {
    if (!t) return;
    wasm_byte_vec_delete(&t->name);
    wasm_externtype_delete(t->type);
    free(t);
}
wasm_exporttype_t *wasm_exporttype_copy(const wasm_exporttype_t *s) {
    wasm_name_t n;
    wasm_byte_vec_copy(&n, &s->name);
    return wasm_exporttype_new(&n, wasm_externtype_copy(s->type));
}
const wasm_name_t *wasm_exporttype_name(const wasm_exporttype_t *t) { return &t->name; }
const wasm_externtype_t *wasm_exporttype_type(const wasm_exporttype_t *t) { return t->type; }
