/* The component linker's entries (clinker.c) as instantiation
 * (cinstance.c) reads them. */
#ifndef WASMRT_CINTERNAL_LINK_H
#define WASMRT_CINTERNAL_LINK_H

#include <pthread.h>

#include "internal_component.h"

typedef struct ct_def {
    char *iface, *name;
    uint8_t kind;                   /* wasmc_plan_extern_kind */
    wasmrt_chost_fn fn;             /* FUNC */
    wasmrt_cresource_dtor dtor;     /* RESOURCE (may be NULL) */
    void *env;
} ct_def;

/* A component's imports as this linker resolved them (defs[i] for import
 * i), kept so that instantiating it again (a server: once per request)
 * skips the by-name, semver-aware search.  Holds a reference to the
 * component, so its address cannot be reused by another while cached. */
typedef struct ct_resolved {
    wasmrt_component *comp;
    const ct_def **defs;
} ct_resolved;

#define CT_RESOLVED_MAX 16

struct wasmrt_clinker {
    ct_def *defs;
    uint32_t num, cap;
    bool trap_unknown;
    /* Linkers may be shared by threads that instantiate at once, so the
     * cache (the only state instantiation changes) has a lock; a define
     * or a flag change empties it (defs may move, answers change). */
    pthread_mutex_t cache_lock;
    ct_resolved cache[CT_RESOLVED_MAX];
    uint32_t ncache;
};

/* The definition an import of (iface, name, kind) links to, or NULL. */
const ct_def *ct_clinker_find(const wasmrt_clinker *l, const char *iface, const char *name, uint8_t kind);
/* Copies c's cached resolution into defs (n = its imports); false when
 * none is cached. */
bool ct_clinker_cached(const wasmrt_clinker *l, const wasmrt_component *c, const ct_def **defs, uint32_t n);
/* Caches a complete resolution of c's n imports (when there is room). */
void ct_clinker_remember(const wasmrt_clinker *l, wasmrt_component *c, const ct_def *const *defs, uint32_t n);

#endif
