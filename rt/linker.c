/* The linker: (module, name) -> extern bindings that imports resolve
 * against.  An open-addressing hash table keeps lookup O(1), since a WASI
 * command imports a dozen names from a linker holding ~50.  Defining a name
 * again replaces it (the spec's `register` may rebind a module name).
 * Host functions are kept as (signature, fn, env): each importing instance
 * gets its own record, because a host function learns its caller from it.
 * Names live in the linker's own bump-allocated chunks, and a module name
 * equal to the previous entry's is shared: defining WASI's 45 functions
 * costs a few allocations instead of 90, on every process start.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Name storage: chunks freed only with the linker (a redefinition keeps
 * the names it already has). */
typedef struct name_chunk {
    struct name_chunk *next;
    size_t used, size;
    char bytes[];
} name_chunk;
#define NAME_CHUNK_SIZE 2048u

struct wasmrt_linker {
    rt_link_entry *slots;
    size_t cap, count;
    name_chunk *names;
    const char *last_module;   /* in `names`; the usual run of one module's names */
    size_t last_module_len;
    bool trap_unknown;         /* wasmrt_linker_trap_unknown_imports */
};

void wasmrt_linker_trap_unknown_imports(wasmrt_linker *l, bool on) { l->trap_unknown = on; }
bool rt_linker_traps_unknown(const wasmrt_linker *l) { return l && l->trap_unknown; }

/* Eight bytes per multiply: FNV's byte loop was most of a WASI define,
 * since every key starts with the 22 bytes of "wasi_snapshot_preview1". */
static uint64_t mix(uint64_t h, uint64_t w) {
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static uint64_t hash_bytes(uint64_t h, const char *p, size_t n) {
    h = mix(h, n);   /* the length keeps ("ab","c") apart from ("a","bc") */
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix(h, w);
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    return mix(h, w);
}

static uint64_t key_hash(const char *m, size_t ml, const char *n, size_t nl) {
    return hash_bytes(hash_bytes(0x243f6a8885a308d3ull, m, ml), n, nl) | 1;   /* 0 marks an empty slot */
}

wasmrt_linker *wasmrt_linker_new(void) { return calloc(1, sizeof(wasmrt_linker)); }

void wasmrt_linker_free(wasmrt_linker *l) {
    if (!l) return;
    for (name_chunk *c = l->names, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(l->slots);
    free(l);
}

static rt_link_entry *find_slot(rt_link_entry *slots, size_t cap, uint64_t h, const char *m, size_t ml,
                                const char *n, size_t nl) {
    size_t j = h & (cap - 1);
    for (;;) {
        rt_link_entry *e = &slots[j];
        if (!e->hash) return e;
        if (e->hash == h && e->module_len == ml && e->name_len == nl && !memcmp(e->module, m, ml) &&
            !memcmp(e->name, n, nl))
            return e;
        j = (j + 1) & (cap - 1);
    }
}

const rt_link_entry *rt_linker_find(const wasmrt_linker *l, const char *m, size_t ml, const char *n,
                                    size_t nl) {
    if (!l || !l->cap) return NULL;
    rt_link_entry *e = find_slot(l->slots, l->cap, key_hash(m, ml, n, nl), m, ml, n, nl);
    return e->hash ? e : NULL;
}

/* A NUL-terminated copy of n bytes (names may also hold NULs), or NULL. */
static char *dup_bytes(wasmrt_linker *l, const char *p, size_t n) {
    if (n >= SIZE_MAX / 2) return NULL;
    name_chunk *c = l->names;
    if (!c || c->size - c->used < n + 1) {
        size_t size = n + 1 > NAME_CHUNK_SIZE ? n + 1 : NAME_CHUNK_SIZE;
        c = malloc(sizeof *c + size);
        if (!c) return NULL;
        c->used = 0;
        c->size = size;
        /* A big name gets a chunk of its own behind the current one, so the
         * current one keeps filling. */
        if (l->names && size > NAME_CHUNK_SIZE) {
            c->next = l->names->next;
            l->names->next = c;
        } else {
            c->next = l->names;
            l->names = c;
        }
    }
    char *d = c->bytes + c->used;
    c->used += n + 1;
    memcpy(d, p, n);
    d[n] = 0;
    return d;
}

static char *module_name(wasmrt_linker *l, const char *m, size_t ml) {
    if (l->last_module && l->last_module_len == ml && !memcmp(l->last_module, m, ml))
        return (char *)l->last_module;
    char *d = dup_bytes(l, m, ml);
    if (d) {
        l->last_module = d;
        l->last_module_len = ml;
    }
    return d;
}

static rt_link_entry *insert(wasmrt_linker *l, const char *m, size_t ml, const char *n, size_t nl,
                             wasmrt_error *err) {
    /* Up to 3/4 full: WASI's 45 names then fit the first 64 slots, which
     * are two fresh pages to fault in instead of four. */
    if ((l->count + 1) * 4 > l->cap * 3) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        rt_link_entry *s = calloc(cap, sizeof *s);
        if (!s) goto oom;
        for (size_t i = 0; i < l->cap; i++)
            if (l->slots[i].hash) {
                rt_link_entry *e = &l->slots[i];
                *find_slot(s, cap, e->hash, e->module, e->module_len, e->name, e->name_len) = *e;
            }
        free(l->slots);
        l->slots = s;
        l->cap = cap;
    }
    uint64_t h = key_hash(m, ml, n, nl);
    rt_link_entry *e = find_slot(l->slots, l->cap, h, m, ml, n, nl);
    if (e->hash) {   /* redefinition: keep the names, replace the binding */
        char *mm = e->module, *nn = e->name;
        memset(e, 0, sizeof *e);
        e->module = mm, e->name = nn;
    } else {
        /* Names first: an entry is live once its hash is set below. */
        char *mm = module_name(l, m, ml);
        char *nn = mm ? dup_bytes(l, n, nl) : NULL;
        if (!nn) goto oom;
        e->module = mm;
        e->name = nn;
        l->count++;
    }
    e->module_len = ml;
    e->name_len = nl;
    e->hash = h;
    return e;
oom:
    rt_err(err, "out of memory");
    return NULL;
}

static bool define(wasmrt_linker *l, const char *module, size_t ml, const char *name, size_t nl,
                   const wasmrt_extern *ext, wasmrt_error *err) {
    bool ok = false;
    switch (ext->kind) {
    case WASMC_EXTERN_FUNC: ok = ext->of.func.ref && ext->of.func.type; break;
    case WASMC_EXTERN_TABLE: ok = ext->of.table; break;
    case WASMC_EXTERN_MEMORY: ok = ext->of.memory; break;
    case WASMC_EXTERN_GLOBAL: ok = ext->of.global; break;
    }
    if (!ok) {
        rt_err(err, "cannot define %.*s.%.*s: empty or unknown extern", (int)ml, module, (int)nl, name);
        return false;
    }
    rt_link_entry *e = insert(l, module, ml, name, nl, err);
    if (!e) return false;
    e->ext = *ext;
    return true;
}

bool wasmrt_linker_define(wasmrt_linker *l, const char *module, const char *name,
                          const wasmrt_extern *ext, wasmrt_error *err) {
    return define(l, module, strlen(module), name, strlen(name), ext, err);
}

bool wasmrt_linker_define_instance(wasmrt_linker *l, const char *module, wasmrt_instance *inst,
                                   wasmrt_error *err) {
    const wasmc_descriptor *d = inst->module->desc;
    for (uint32_t i = 0; i < d->num_exports; i++) {
        const wasmc_export_desc *x = &d->exports[i];
        wasmrt_extern ext;
        if (!rt_instance_export_index(inst, i, &ext)) {
            rt_err(err, "cannot export %.*s from instance", (int)x->name_len, x->name);
            return false;
        }
        /* By length: Wasm names may hold NUL bytes. */
        if (!define(l, module, strlen(module), x->name, x->name_len, &ext, err)) return false;
    }
    return true;
}

bool wasmrt_linker_define_host_func(wasmrt_linker *l, const char *module, const char *name,
                                    const uint8_t *params, uint32_t num_params,
                                    const uint8_t *results, uint32_t num_results,
                                    wasmc_host_fn fn, void *env, wasmrt_error *err) {
    if (!fn) {
        rt_err(err, "cannot define %s.%s: no function", module, name);
        return false;
    }
    uint32_t id = rt_type_intern(params, num_params, results, num_results);
    if (!id) {
        rt_err(err, "out of memory");
        return false;
    }
    rt_link_entry *e = insert(l, module, strlen(module), name, strlen(name), err);
    if (!e) return false;
    e->is_host = true;
    e->host_type_id = id;
    e->host_fn = fn;
    e->host_env = env;
    return true;
}
