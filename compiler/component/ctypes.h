/* Resolved component types: what a type index stands for once aliases,
 * outer references and imports are followed.  Value types are trees whose
 * handles point at resource types; a resource type's identity is its
 * CType object (two resources are the same type iff the same object).
 * Instance and component types stay as written (definition + the scope
 * they were defined in) and are elaborated each time an import or export
 * uses them, so every use gets fresh abstract resources, as Explainer.md
 * requires.
 */
#ifndef WASMC_COMPONENT_CTYPES_H
#define WASMC_COMPONENT_CTYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "../module.h"
#include "component.h"
#include "wasmc/component_plan.h"

enum {
    /* 0 .. WASMC_CVAL_COUNT_-1: value types, as wasmc_cval_kind */
    CT_FUNC = 100,
    CT_RESOURCE,
    CT_INSTANCE,
    CT_COMPONENT,
};

struct Scope;

typedef struct CType {
    int kind;
    uint32_t n;
    const char **names;     /* record fields, variant cases, enum / flags labels, params */
    struct CType **elems;   /* record fields, tuple elements, variant payloads (NULL: none), params */
    struct CType *a, *b;    /* list / option element; result ok / err; own / borrow: the resource;
                             * func: the result (NULL: none) */
    /* A type exported or imported by name is a new type of its own for
     * external visibility (Explainer.md): a copy whose `origin` is what it
     * was made from.  Equality follows origins; visibility does not. */
    const struct CType *origin;
    /* CT_RESOURCE */
    uint32_t plan_resource; /* index in the plan's resources */
    const void *owner;      /* the component instance that defined it, NULL if imported */
    /* CT_INSTANCE / CT_COMPONENT */
    const CTypeDef *def;
    struct Scope *scope;
    uint32_t lim[4];        /* scope's types, core types, modules, components at definition */
    uint32_t depth;         /* of value types, for WASMC_PLAN_MAX_TYPE_DEPTH */
    uint8_t ptr_memo, borrow_memo;  /* 0 unknown, 1 no, 2 yes (types are DAGs: memoised) */
    const void *memo_plan;  /* plan_valtype's: the builder this type was interned in, */
    uint32_t memo_index;    /* and its index there */
} CType;

static inline bool ctype_is_value(const CType *t) { return t->kind < WASMC_CVAL_COUNT_; }

/* Record, variant, enum, flags and resource types must be named by an
 * import or export before an import's or export's type may use them. */
static inline bool ctype_is_named_kind(int kind) {
    return kind == WASMC_CVAL_RECORD || kind == WASMC_CVAL_VARIANT || kind == WASMC_CVAL_ENUM ||
           kind == WASMC_CVAL_FLAGS || kind == CT_RESOURCE;
}

static inline const CType *ctype_root(const CType *t) {
    while (t && t->origin) t = t->origin;
    return t;
}

/* Structural equality (resources by identity).  Types are DAGs, so a
 * comparison has a budget of nodes; past it the answer is "unequal" and
 * ctype_equal_exhausted() is true until the next top-level comparison. */
bool ctype_equal(const CType *x, const CType *y);
bool ctype_equal_exhausted(void);

/* Does the value type contain a string or list / a borrow handle? */
bool ctype_has_pointers(const CType *t);
bool ctype_has_borrow(const CType *t);

/* The core function type the canonical ABI gives a component function
 * type, lifted (`lift`) or lowered; false if it cannot be represented. */
#define CTYPE_MAX_FLAT 64u
typedef struct CoreSig {
    uint32_t np, nr;
    uint8_t params[CTYPE_MAX_FLAT + 1], results[CTYPE_MAX_FLAT];
    bool params_spilled, results_spilled;   /* passed through memory */
} CoreSig;
void ctype_core_sig(const CType *func, bool lift, CoreSig *out);
bool core_sig_equal(const CoreSig *s, const FuncType *ft);

/* A printable name of a kind ("record", "func", ...). */
const char *ctype_kind_name(int kind);

#endif
