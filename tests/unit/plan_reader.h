/* plan_reader.h: decodes a component plan (rt/include/wasmc/component_plan.h)
 * into plain arrays, so tests can check what the compiler wrote step by
 * step.  Strict: any byte left over, bad tag or out-of-range count makes
 * pr_read fail.  Test scaffolding: allocation failure aborts.
 */
#ifndef PLAN_READER_H
#define PLAN_READER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasmc/component_plan.h"

typedef struct PrCoreDef {
    uint8_t kind;        /* 0: instance export; 1: lowered */
    uint32_t a, b;
} PrCoreDef;

typedef struct PrOpts {
    uint32_t cinstance;
    uint8_t encoding;
    bool has_memory, has_realloc;
    PrCoreDef memory, realloc;
} PrOpts;

typedef struct PrValType {
    uint8_t kind;
    uint32_t n;
    char **names;
    uint32_t *types;     /* children (variant: UINT32_MAX when no payload) */
    uint32_t a, b;       /* list/option elem; result ok/err (UINT32_MAX: none); own/borrow resource */
} PrValType;

typedef struct PrFuncType {
    uint32_t n;
    char **names;
    uint32_t *types;
    bool has_result;
    uint32_t result;
} PrFuncType;

typedef struct PrResource {
    uint8_t tag;         /* 0 imported, 1 defined */
    uint32_t index;      /* import, or cinstance */
    bool has_dtor;
    PrCoreDef dtor;
} PrResource;

typedef struct PrExtern {
    char *iface, *item;
    uint8_t kind;
    uint32_t index;      /* import: functype; export: lifted or resource */
} PrExtern;

typedef struct PrStep {
    uint8_t op;
    uint32_t module;                 /* INSTANTIATE */
    uint32_t nargs;
    PrCoreDef *args;
    bool callee_lifted;              /* LOWER */
    uint32_t callee;
    PrOpts opts;                     /* LOWER, LIFT */
    uint32_t functype;               /* LOWER, LIFT */
    uint32_t resource, cinstance;    /* RESOURCE_* */
    PrCoreDef func;                  /* LIFT */
    bool has_post_return;
    PrCoreDef post_return;
} PrStep;

typedef struct PrPlan {
    uint32_t num_valtypes, num_functypes, num_cinstances, num_resources, num_imports, num_steps, num_exports;
    PrValType *valtypes;
    PrFuncType *functypes;
    uint32_t *cinstances;
    PrResource *resources;
    PrExtern *imports, *exports;
    PrStep *steps;
} PrPlan;

typedef struct PrCur {
    const uint8_t *p;
    size_t n, pos;
    bool bad;
} PrCur;

static inline uint8_t pr_byte(PrCur *c) {
    if (c->pos >= c->n) { c->bad = true; return 0; }
    return c->p[c->pos++];
}

static inline uint32_t pr_u32(PrCur *c) {
    uint32_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        uint8_t b = pr_byte(c);
        v |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    c->bad = true;
    return 0;
}

static inline uint32_t pr_count(PrCur *c) {
    uint32_t v = pr_u32(c);
    if (v > c->n - c->pos) { c->bad = true; return 0; }
    return v;
}

static inline void *pr_calloc(size_t n, size_t s) {
    void *p = calloc(n ? n : 1, s);
    if (!p) abort();
    return p;
}

static inline char *pr_name(PrCur *c) {
    uint32_t n = pr_count(c);
    char *s = (char *)pr_calloc(n + 1, 1);
    if (!c->bad) memcpy(s, c->p + c->pos, n);
    c->pos += n;
    return s;
}

static inline PrCoreDef pr_coredef(PrCur *c) {
    PrCoreDef d = {0};
    d.kind = pr_byte(c);
    if (d.kind > 1) c->bad = true;
    d.a = pr_u32(c);
    if (d.kind == 0) d.b = pr_u32(c);
    return d;
}

static inline bool pr_opt(PrCur *c) {
    uint8_t b = pr_byte(c);
    if (b > 1) c->bad = true;
    return b == 1;
}

static inline PrOpts pr_opts(PrCur *c) {
    PrOpts o = {0};
    o.cinstance = pr_u32(c);
    o.encoding = pr_byte(c);
    if ((o.has_memory = pr_opt(c))) o.memory = pr_coredef(c);
    if ((o.has_realloc = pr_opt(c))) o.realloc = pr_coredef(c);
    return o;
}

/* Decode; false if the bytes are not a well-formed plan. */
static inline bool pr_read(const uint8_t *bytes, size_t size, PrPlan *out) {
    memset(out, 0, sizeof *out);
    PrCur c = {bytes, size, 0, false};
    if (size < 4 || memcmp(bytes, WASMC_PLAN_MAGIC, 4) != 0) return false;
    c.pos = 4;
    if (pr_u32(&c) != WASMC_PLAN_VERSION) return false;

    out->num_valtypes = pr_count(&c);
    out->valtypes = (PrValType *)pr_calloc(out->num_valtypes, sizeof *out->valtypes);
    for (uint32_t i = 0; i < out->num_valtypes && !c.bad; i++) {
        PrValType *v = &out->valtypes[i];
        v->kind = pr_byte(&c);
        v->a = v->b = UINT32_MAX;
        switch (v->kind) {
        case WASMC_CVAL_LIST: case WASMC_CVAL_OPTION: v->a = pr_u32(&c); break;
        case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE: case WASMC_CVAL_VARIANT:
        case WASMC_CVAL_ENUM: case WASMC_CVAL_FLAGS:
            v->n = pr_count(&c);
            v->names = (char **)pr_calloc(v->n, sizeof *v->names);
            v->types = (uint32_t *)pr_calloc(v->n, sizeof *v->types);
            for (uint32_t k = 0; k < v->n && !c.bad; k++) {
                if (v->kind != WASMC_CVAL_TUPLE) v->names[k] = pr_name(&c);
                if (v->kind == WASMC_CVAL_RECORD || v->kind == WASMC_CVAL_TUPLE) v->types[k] = pr_u32(&c);
                if (v->kind == WASMC_CVAL_VARIANT) v->types[k] = pr_opt(&c) ? pr_u32(&c) : UINT32_MAX;
            }
            break;
        case WASMC_CVAL_RESULT:
            if (pr_opt(&c)) v->a = pr_u32(&c);
            if (pr_opt(&c)) v->b = pr_u32(&c);
            break;
        case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW: v->a = pr_u32(&c); break;
        default:
            if (v->kind >= WASMC_CVAL_COUNT_) c.bad = true;
        }
    }
    out->num_functypes = pr_count(&c);
    out->functypes = (PrFuncType *)pr_calloc(out->num_functypes, sizeof *out->functypes);
    for (uint32_t i = 0; i < out->num_functypes && !c.bad; i++) {
        PrFuncType *f = &out->functypes[i];
        f->n = pr_count(&c);
        f->names = (char **)pr_calloc(f->n, sizeof *f->names);
        f->types = (uint32_t *)pr_calloc(f->n, sizeof *f->types);
        for (uint32_t k = 0; k < f->n && !c.bad; k++) {
            f->names[k] = pr_name(&c);
            f->types[k] = pr_u32(&c);
        }
        if ((f->has_result = pr_opt(&c))) f->result = pr_u32(&c);
    }
    out->num_cinstances = pr_count(&c);
    out->cinstances = (uint32_t *)pr_calloc(out->num_cinstances, sizeof *out->cinstances);
    for (uint32_t i = 0; i < out->num_cinstances && !c.bad; i++) out->cinstances[i] = pr_u32(&c);
    out->num_resources = pr_count(&c);
    out->resources = (PrResource *)pr_calloc(out->num_resources, sizeof *out->resources);
    for (uint32_t i = 0; i < out->num_resources && !c.bad; i++) {
        PrResource *r = &out->resources[i];
        r->tag = pr_byte(&c);
        r->index = pr_u32(&c);
        if (r->tag == 1 && (r->has_dtor = pr_opt(&c))) r->dtor = pr_coredef(&c);
        if (r->tag > 1) c.bad = true;
    }
    out->num_imports = pr_count(&c);
    out->imports = (PrExtern *)pr_calloc(out->num_imports, sizeof *out->imports);
    for (uint32_t i = 0; i < out->num_imports && !c.bad; i++) {
        PrExtern *e = &out->imports[i];
        e->iface = pr_name(&c);
        e->item = pr_name(&c);
        e->kind = pr_byte(&c);
        if (e->kind == WASMC_PLAN_FUNC) e->index = pr_u32(&c);
        else if (e->kind != WASMC_PLAN_RESOURCE) c.bad = true;
    }
    out->num_steps = pr_count(&c);
    out->steps = (PrStep *)pr_calloc(out->num_steps, sizeof *out->steps);
    for (uint32_t i = 0; i < out->num_steps && !c.bad; i++) {
        PrStep *s = &out->steps[i];
        s->op = pr_byte(&c);
        switch (s->op) {
        case WASMC_PLAN_INSTANTIATE:
            s->module = pr_u32(&c);
            s->nargs = pr_count(&c);
            s->args = (PrCoreDef *)pr_calloc(s->nargs, sizeof *s->args);
            for (uint32_t k = 0; k < s->nargs && !c.bad; k++) s->args[k] = pr_coredef(&c);
            break;
        case WASMC_PLAN_LOWER: {
            uint8_t t = pr_byte(&c);
            if (t > 1) c.bad = true;
            s->callee_lifted = t == 1;
            s->callee = pr_u32(&c);
            s->opts = pr_opts(&c);
            s->functype = pr_u32(&c);
            break;
        }
        case WASMC_PLAN_RESOURCE_NEW: case WASMC_PLAN_RESOURCE_DROP: case WASMC_PLAN_RESOURCE_REP:
            s->resource = pr_u32(&c);
            s->cinstance = pr_u32(&c);
            break;
        case WASMC_PLAN_LIFT:
            s->func = pr_coredef(&c);
            s->opts = pr_opts(&c);
            s->functype = pr_u32(&c);
            if ((s->has_post_return = pr_opt(&c))) s->post_return = pr_coredef(&c);
            break;
        default:
            c.bad = true;
        }
    }
    out->num_exports = pr_count(&c);
    out->exports = (PrExtern *)pr_calloc(out->num_exports, sizeof *out->exports);
    for (uint32_t i = 0; i < out->num_exports && !c.bad; i++) {
        PrExtern *e = &out->exports[i];
        e->iface = pr_name(&c);
        e->item = pr_name(&c);
        e->kind = pr_byte(&c);
        e->index = pr_u32(&c);
        if (e->kind > WASMC_PLAN_RESOURCE) c.bad = true;
    }
    return !c.bad && c.pos == c.n;
}

static inline void pr_free(PrPlan *p) {
    for (uint32_t i = 0; i < p->num_valtypes; i++) {
        for (uint32_t k = 0; k < p->valtypes[i].n; k++) free(p->valtypes[i].names ? p->valtypes[i].names[k] : NULL);
        free(p->valtypes[i].names);
        free(p->valtypes[i].types);
    }
    for (uint32_t i = 0; i < p->num_functypes; i++) {
        for (uint32_t k = 0; k < p->functypes[i].n; k++) free(p->functypes[i].names[k]);
        free(p->functypes[i].names);
        free(p->functypes[i].types);
    }
    for (uint32_t i = 0; i < p->num_imports; i++) { free(p->imports[i].iface); free(p->imports[i].item); }
    for (uint32_t i = 0; i < p->num_exports; i++) { free(p->exports[i].iface); free(p->exports[i].item); }
    for (uint32_t i = 0; i < p->num_steps; i++) free(p->steps[i].args);
    free(p->valtypes); free(p->functypes); free(p->cinstances); free(p->resources);
    free(p->imports); free(p->exports); free(p->steps);
    memset(p, 0, sizeof *p);
}

#endif
