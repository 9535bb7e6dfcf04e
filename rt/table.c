/* Tables: a growable array of element pointers (wasmc_funcref* or opaque
 * externrefs) behind a wasmc_table header.  Compiled code reloads
 * table->elems on every access, so growing may move the array. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_MAX_ELEMS 10000000u

wasmrt_table *rt_table_create(wasmrt_store *s, uint8_t elem_type, uint64_t min, uint64_t max,
                              bool has_max, void *init, wasmrt_error *err) {
    uint64_t cap = s && s->config.max_table_elements ? s->config.max_table_elements : DEFAULT_MAX_ELEMS;
    if (cap > UINT32_MAX) cap = UINT32_MAX;
    uint64_t limit = has_max && max < cap ? max : cap;
    if (min > limit) {
        rt_err(err, "table minimum of %llu elements exceeds the limit of %llu",
               (unsigned long long)min, (unsigned long long)limit);
        return NULL;
    }
    wasmrt_table *t = calloc(1, sizeof *t);
    uint32_t capacity = min ? (uint32_t)min : 1;
    void **elems = t ? rt_pool_take_elems(capacity, &capacity) : NULL;
    if (elems) t->pooled = true;
    else if (t) elems = calloc(capacity, sizeof(void *));
    if (!t || !elems) {
        if (t && t->pooled) rt_pool_give_elems(elems, 0);
        else free(elems);
        free(t);
        rt_err(err, "out of memory allocating a table of %llu elements", (unsigned long long)min);
        return NULL;
    }
    if (init)
        for (uint64_t i = 0; i < min; i++) elems[i] = init;
    t->pub.elems = elems;
    t->pub.size = (uint32_t)min;
    t->capacity = capacity;
    t->max = (uint32_t)limit;
    t->type_max = has_max ? (uint32_t)(max > UINT32_MAX ? UINT32_MAX : max) : UINT32_MAX;
    t->has_max = has_max;
    t->elem_type = elem_type;
    return t;
}

void rt_table_destroy(wasmrt_table *t) {
    if (!t) return;
    if (!t->pooled || !rt_pool_give_elems(t->pub.elems, t->pub.size)) free(t->pub.elems);
    free(t);
}

uint32_t rt_table_grow(wasmrt_table *t, void *init, uint32_t delta) {
    uint32_t old = t->pub.size;
    uint64_t want = (uint64_t)old + delta;
    if (want > t->max) return UINT32_MAX;
    if (want > t->capacity) {
        uint64_t cap = (uint64_t)t->capacity * 2;
        if (cap < want) cap = want;
        if (cap > t->max) cap = t->max;
        void **e;
        if (t->pooled) {   /* outgrew its slot: move to the heap */
            if ((e = malloc(cap * sizeof(void *)))) {
                memcpy(e, t->pub.elems, old * sizeof(void *));
                rt_pool_give_elems(t->pub.elems, old);
                t->pooled = false;
            }
        } else {
            e = realloc(t->pub.elems, cap * sizeof(void *));
        }
        if (!e) return UINT32_MAX;
        t->pub.elems = e;
        t->capacity = (uint32_t)cap;
    }
    for (uint64_t i = old; i < want; i++) t->pub.elems[i] = init;
    t->pub.size = (uint32_t)want;
    return old;
}

uint32_t wasmrt_table_size(wasmrt_table *t) { return t->pub.size; }
uint8_t wasmrt_table_elem_type(wasmrt_table *t) { return t->elem_type; }

bool wasmrt_table_get(wasmrt_table *t, uint32_t index, wasmrt_val *out) {
    if (index >= t->pub.size) return false;
    out->kind = t->elem_type;
    out->of.ref = t->pub.elems[index];
    return true;
}

bool wasmrt_table_set(wasmrt_table *t, uint32_t index, const wasmrt_val *v) {
    if (index >= t->pub.size || v->kind != t->elem_type) return false;
    t->pub.elems[index] = v->of.ref;
    return true;
}
