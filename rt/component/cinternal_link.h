/* The component linker's entries (clinker.c) as instantiation
 * (cinstance.c) reads them. */
#ifndef WASMRT_CINTERNAL_LINK_H
#define WASMRT_CINTERNAL_LINK_H

#include "internal_component.h"

typedef struct ct_def {
    char *iface, *name;
    uint8_t kind;                   /* wasmc_plan_extern_kind */
    wasmrt_chost_fn fn;             /* FUNC */
    wasmrt_cresource_dtor dtor;     /* RESOURCE (may be NULL) */
    void *env;
} ct_def;

struct wasmrt_clinker {
    ct_def *defs;
    uint32_t num, cap;
    bool trap_unknown;
};

/* The definition an import of (iface, name, kind) links to, or NULL. */
const ct_def *ct_clinker_find(const wasmrt_clinker *l, const char *iface, const char *name, uint8_t kind);

#endif
