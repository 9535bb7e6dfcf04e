/* Stores: the limits a group of instances shares and ownership of what the
 * host created for them.  Freeing a store frees its instances newest first
 * (importers before the instances they import from), then its host-created
 * memories, tables and globals. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "internal.h"

wasmrt_store *wasmrt_store_new(const wasmrt_store_config *config, wasmrt_error *err) {
    if (!wasmrt_init(err)) return NULL;
    /* Learn this thread's stack bounds and set up its signal stack now, while
     * /proc and mmap are still reachable (an embedder may install seccomp or
     * Landlock between creating the store and the first call). */
    if (!rt_thread_get()) {
        rt_err(err, "cannot set up the signal stack for this thread");
        return NULL;
    }
    wasmrt_store *s = calloc(1, sizeof *s);
    if (!s) {
        rt_err(err, "out of memory");
        return NULL;
    }
    if (config) s->config = *config;
    if (!s->config.max_memory_pages || s->config.max_memory_pages > WASMC_MAX_MEMORY_PAGES)
        s->config.max_memory_pages = WASMC_MAX_MEMORY_PAGES;
    if (!s->config.max_table_elements) s->config.max_table_elements = 10000000u;
    if (!s->config.max_stack_bytes) s->config.max_stack_bytes = 1u << 20;
    rt_heap_object_new();
    return s;
}

void wasmrt_store_free(wasmrt_store *s) {
    if (!s) return;
    if (s->deadline.armed) rt_deadline_disarm(s);   /* freed from inside a call: never */
    while (s->instances) rt_instance_destroy(s->instances);
    rt_cinstances_free(s);   /* after the core instances: they use their component's code */
    for (rt_owned *o = s->owned, *next; o; o = next) {
        next = o->next;
        switch (o->kind) {
        case WASMC_EXTERN_MEMORY: rt_memory_destroy(o->obj); break;
        case WASMC_EXTERN_TABLE: rt_table_destroy(o->obj); break;
        default: free(o->obj); break;
        }
        free(o);
    }
    free(s);
    rt_heap_object_freed();
}

/* wasmrt_store_interrupt: interrupt.c */

static bool own(wasmrt_store *s, int kind, void *obj, wasmrt_error *err) {
    rt_owned *o = malloc(sizeof *o);
    if (!o) {
        rt_err(err, "out of memory");
        return false;
    }
    *o = (rt_owned){s->owned, kind, obj};
    s->owned = o;
    return true;
}

wasmrt_memory *wasmrt_memory_new(wasmrt_store *s, uint32_t min_pages, uint32_t max_pages,
                                 bool has_max, wasmrt_error *err) {
    if (has_max && max_pages < min_pages) {
        rt_err(err, "size minimum must not be greater than maximum");
        return NULL;
    }
    wasmrt_memory *m = rt_memory_create(s, min_pages, max_pages, has_max, true, NULL, err);
    if (m && !own(s, WASMC_EXTERN_MEMORY, m, err)) {
        rt_memory_destroy(m);
        return NULL;
    }
    return m;
}

wasmrt_table *wasmrt_table_new(wasmrt_store *s, uint8_t elem_type, uint32_t min, uint32_t max,
                               bool has_max, void *init, wasmrt_error *err) {
    if (elem_type != RT_TYPE_FUNCREF && elem_type != RT_TYPE_EXTERNREF) {
        rt_err(err, "table element type 0x%02x is not a reference type", elem_type);
        return NULL;
    }
    if (has_max && max < min) {
        rt_err(err, "size minimum must not be greater than maximum");
        return NULL;
    }
    wasmrt_table *t = rt_table_create(s, elem_type, min, max, has_max, init, err);
    if (t && !own(s, WASMC_EXTERN_TABLE, t, err)) {
        rt_table_destroy(t);
        return NULL;
    }
    return t;
}

wasmrt_global *wasmrt_global_new(wasmrt_store *s, const wasmrt_val *v, bool mutable_,
                                 wasmrt_error *err) {
    switch (v->kind) {
    case RT_TYPE_I32: case RT_TYPE_I64: case RT_TYPE_F32: case RT_TYPE_F64: case RT_TYPE_V128:
    case RT_TYPE_FUNCREF: case RT_TYPE_EXTERNREF: break;
    default:
        rt_err(err, "unknown value type 0x%02x", v->kind);
        return NULL;
    }
    wasmrt_global *g = calloc(1, sizeof *g);
    if (!g) {
        rt_err(err, "out of memory");
        return NULL;
    }
    g->cell = &g->own;
    g->type = v->kind;
    g->mutable_ = true;
    wasmrt_global_set(g, v);
    g->mutable_ = mutable_;
    if (!own(s, WASMC_EXTERN_GLOBAL, g, err)) {
        free(g);
        return NULL;
    }
    return g;
}
