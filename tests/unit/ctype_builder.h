/* Component value types built by hand for unit tests (test_wave.c,
 * test_wast_cvalue.c), as the runtime's own structures
 * (rt/component/internal_component.h), so the public wasmrt_ctype_* and
 * wasmrt_cfunc_* accessors under test are the real ones.  Only the fields
 * the accessors read are filled (no layout); the types are never freed
 * (each test process is short-lived).
 */
#ifndef CTYPE_BUILDER_H
#define CTYPE_BUILDER_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../rt/component/internal_component.h"

static inline struct wasmrt_ctype *ty(wasmc_cval_kind k) {
    struct wasmrt_ctype *t = calloc(1, sizeof *t);
    t->kind = (uint8_t)k;
    return t;
}
static inline const wasmrt_ctype *prim(wasmc_cval_kind k) { return ty(k); }

/* names: NULL-terminated; children: one per name (NULL: no payload), or
 * NULL for enums and flags. */
static inline const wasmrt_ctype *named(wasmc_cval_kind k, const char *const *names,
                                        const wasmrt_ctype *const *children) {
    struct wasmrt_ctype *t = ty(k);
    while (names[t->count]) t->count++;
    t->names = calloc(t->count, sizeof *t->names);
    for (uint32_t i = 0; i < t->count; i++) t->names[i] = strdup(names[i]);
    if (children) {
        t->children = calloc(t->count, sizeof *t->children);
        for (uint32_t i = 0; i < t->count; i++) t->children[i] = children[i];
    }
    return t;
}

static inline const wasmrt_ctype *with_children(wasmc_cval_kind k, uint32_t n, ...) {
    struct wasmrt_ctype *t = ty(k);
    t->count = k == WASMC_CVAL_TUPLE ? n : 0;
    t->children = calloc(n, sizeof *t->children);
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++) t->children[i] = va_arg(ap, const wasmrt_ctype *);
    va_end(ap);
    return t;
}

static inline const wasmrt_cfunc *make_func(uint32_t n, const char *const *names, const wasmrt_ctype *const *params,
                                            const wasmrt_ctype *result) {
    struct wasmrt_cfunc *f = calloc(1, sizeof *f);
    f->num_params = n;
    f->names = calloc(n ? n : 1, sizeof *f->names);
    f->params = calloc(n ? n : 1, sizeof *f->params);
    for (uint32_t i = 0; i < n; i++) {
        f->names[i] = strdup(names[i]);
        f->params[i] = params[i];
    }
    f->result = result;
    return f;
}

#define LIST(e) with_children(WASMC_CVAL_LIST, 1, (e))
#define OPTION(e) with_children(WASMC_CVAL_OPTION, 1, (e))
#define RESULT(ok, err) with_children(WASMC_CVAL_RESULT, 2, (ok), (err))
#define TUPLE(n, ...) with_children(WASMC_CVAL_TUPLE, (n), __VA_ARGS__)
#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define TYPES(...) ((const wasmrt_ctype *const[]){__VA_ARGS__})

#endif
