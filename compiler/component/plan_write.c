/* Encoding the plan (component_plan.h).  Every entry is encoded as soon
 * as it is added; value and function types are interned by their encoding
 * (a hash of the bytes), so a type used by many functions is written once
 * and equal types get equal indices. */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static bool buf_put(PlanBuilder *pb, PlanBuf *b, const void *data, size_t n) {
    if (pb->failed) return false;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            pb->failed = true;
            return false;
        }
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, data, n);
    b->n += n;
    return true;
}

static void put_byte(PlanBuilder *pb, PlanBuf *b, uint8_t v) { buf_put(pb, b, &v, 1); }

static void put_u32(PlanBuilder *pb, PlanBuf *b, uint32_t v) {
    uint8_t tmp[5];
    int n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        tmp[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    buf_put(pb, b, tmp, (size_t)n);
}

static void put_name(PlanBuilder *pb, PlanBuf *b, const char *s) {
    size_t n = s ? strlen(s) : 0;
    put_u32(pb, b, (uint32_t)n);
    buf_put(pb, b, s, n);
}

static void put_coredef(PlanBuilder *pb, PlanBuf *b, const PCoreDef *d) {
    put_byte(pb, b, d->kind);
    put_u32(pb, b, d->a);
    if (d->kind == 0) put_u32(pb, b, d->b);
}

static void put_opt_coredef(PlanBuilder *pb, PlanBuf *b, bool has, const PCoreDef *d) {
    put_byte(pb, b, has);
    if (has) put_coredef(pb, b, d);
}

static uint32_t next(PlanBuilder *pb, PlanVec *v) {
    if (v->count >= WASMC_PLAN_MAX_ITEMS) pb->failed = true;
    return v->count++;
}

void plan_init(PlanBuilder *pb) { memset(pb, 0, sizeof *pb); }

void plan_free(PlanBuilder *pb) {
    PlanVec *vs[] = {&pb->valtypes, &pb->functypes, &pb->cinstances, &pb->resources,
                     &pb->imports, &pb->steps, &pb->exports};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) free(vs[i]->b.p);
    free(pb->vt_intern.slots);
    free(pb->vt_intern.spans.p);
    free(pb->ft_intern.slots);
    free(pb->ft_intern.spans.p);
    memset(pb, 0, sizeof *pb);
}

/* ---- Interning -------------------------------------------------------------- */

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static void span_of(const PlanIntern *in, uint32_t idx, uint64_t *off, uint64_t *len) {
    memcpy(off, in->spans.p + (size_t)idx * 16, 8);
    memcpy(len, in->spans.p + (size_t)idx * 16 + 8, 8);
}

static bool intern_grow(PlanBuilder *pb, PlanVec *v, PlanIntern *in) {
    uint32_t ncap = in->cap ? in->cap * 2 : 256;
    uint32_t *slots = calloc(ncap, sizeof *slots);
    if (!slots) {
        pb->failed = true;
        return false;
    }
    for (uint32_t i = 0; i < v->count; i++) {
        uint64_t off, len;
        span_of(in, i, &off, &len);
        uint64_t h = hash_bytes(v->b.p + off, (size_t)len);
        uint32_t s = (uint32_t)(h & (ncap - 1));
        while (slots[s]) s = (s + 1) & (ncap - 1);
        slots[s] = i + 1;
    }
    free(in->slots);
    in->slots = slots;
    in->cap = ncap;
    return true;
}

/* The entry encoded in `tmp`: an existing equal one, or appended. */
static uint32_t intern(PlanBuilder *pb, PlanVec *v, PlanIntern *in, const PlanBuf *tmp) {
    if (pb->failed) return 0;
    if ((uint64_t)(v->count + 1) * 2 > in->cap && !intern_grow(pb, v, in)) return 0;
    uint64_t h = hash_bytes(tmp->p, tmp->n);
    uint32_t s = (uint32_t)(h & (in->cap - 1));
    while (in->slots[s]) {
        uint32_t idx = in->slots[s] - 1;
        uint64_t off, len;
        span_of(in, idx, &off, &len);
        if (len == tmp->n && memcmp(v->b.p + off, tmp->p, tmp->n) == 0) return idx;
        s = (s + 1) & (in->cap - 1);
    }
    uint64_t span[2] = {v->b.n, tmp->n};
    if (!buf_put(pb, &in->spans, span, sizeof span)) return 0;
    if (!buf_put(pb, &v->b, tmp->p, tmp->n)) return 0;
    uint32_t idx = next(pb, v);
    in->slots[s] = idx + 1;
    return idx;
}

static uint32_t valtype_at(PlanBuilder *pb, const CType *t, uint32_t depth) {
    /* Types are DAGs: each is encoded once per plan. */
    if (t->memo_plan == pb) return t->memo_index;
    if (depth > WASMC_PLAN_MAX_TYPE_DEPTH) {
        pb->too_deep = true;
        pb->failed = true;
        return 0;
    }
    /* Children first (they must come before), into locals. */
    uint32_t n = t->n;
    uint32_t *child = NULL;
    uint32_t ca = 0, cb = 0;
    if (t->elems && n) {
        child = malloc(n * sizeof *child);
        if (!child) {
            pb->failed = true;
            return 0;
        }
        for (uint32_t i = 0; i < n; i++) child[i] = t->elems[i] ? valtype_at(pb, t->elems[i], depth + 1) : 0;
    }
    if (ctype_is_value(t) && t->kind != WASMC_CVAL_OWN && t->kind != WASMC_CVAL_BORROW) {
        if (t->a) ca = valtype_at(pb, t->a, depth + 1);
        if (t->b) cb = valtype_at(pb, t->b, depth + 1);
    }
    PlanBuf tmp = {0};
    put_byte(pb, &tmp, (uint8_t)t->kind);
    switch (t->kind) {
    case WASMC_CVAL_LIST: case WASMC_CVAL_OPTION: put_u32(pb, &tmp, ca); break;
    case WASMC_CVAL_RECORD:
        put_u32(pb, &tmp, n);
        for (uint32_t i = 0; i < n; i++) { put_name(pb, &tmp, t->names[i]); put_u32(pb, &tmp, child[i]); }
        break;
    case WASMC_CVAL_TUPLE:
        put_u32(pb, &tmp, n);
        for (uint32_t i = 0; i < n; i++) put_u32(pb, &tmp, child[i]);
        break;
    case WASMC_CVAL_VARIANT:
        put_u32(pb, &tmp, n);
        for (uint32_t i = 0; i < n; i++) {
            put_name(pb, &tmp, t->names[i]);
            put_byte(pb, &tmp, t->elems[i] != NULL);
            if (t->elems[i]) put_u32(pb, &tmp, child[i]);
        }
        break;
    case WASMC_CVAL_ENUM: case WASMC_CVAL_FLAGS:
        put_u32(pb, &tmp, n);
        for (uint32_t i = 0; i < n; i++) put_name(pb, &tmp, t->names[i]);
        break;
    case WASMC_CVAL_RESULT:
        put_byte(pb, &tmp, t->a != NULL);
        if (t->a) put_u32(pb, &tmp, ca);
        put_byte(pb, &tmp, t->b != NULL);
        if (t->b) put_u32(pb, &tmp, cb);
        break;
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW: put_u32(pb, &tmp, t->a->plan_resource); break;
    default: break;
    }
    free(child);
    uint32_t idx = intern(pb, &pb->valtypes, &pb->vt_intern, &tmp);
    free(tmp.p);
    if (!pb->failed) {
        ((CType *)t)->memo_plan = pb;
        ((CType *)t)->memo_index = idx;
    }
    return idx;
}

uint32_t plan_valtype(PlanBuilder *pb, const CType *t) { return valtype_at(pb, t, 0); }

uint32_t plan_functype(PlanBuilder *pb, const CType *func) {
    uint32_t *p = malloc((func->n ? func->n : 1) * sizeof *p);
    if (!p) {
        pb->failed = true;
        return 0;
    }
    for (uint32_t i = 0; i < func->n; i++) p[i] = plan_valtype(pb, func->elems[i]);
    uint32_t r = func->a ? plan_valtype(pb, func->a) : 0;
    PlanBuf tmp = {0};
    put_u32(pb, &tmp, func->n);
    for (uint32_t i = 0; i < func->n; i++) {
        put_name(pb, &tmp, func->names[i]);
        put_u32(pb, &tmp, p[i]);
    }
    put_byte(pb, &tmp, func->a != NULL);
    if (func->a) put_u32(pb, &tmp, r);
    free(p);
    uint32_t idx = intern(pb, &pb->functypes, &pb->ft_intern, &tmp);
    free(tmp.p);
    return idx;
}

uint32_t plan_cinstance(PlanBuilder *pb, uint32_t parent_plus1) {
    put_u32(pb, &pb->cinstances.b, parent_plus1);
    return next(pb, &pb->cinstances);
}

uint32_t plan_resource_imported(PlanBuilder *pb, uint32_t import) {
    put_byte(pb, &pb->resources.b, 0);
    put_u32(pb, &pb->resources.b, import);
    return next(pb, &pb->resources);
}

uint32_t plan_resource_defined(PlanBuilder *pb, uint32_t cinstance, const PCoreDef *dtor) {
    put_byte(pb, &pb->resources.b, 1);
    put_u32(pb, &pb->resources.b, cinstance);
    put_opt_coredef(pb, &pb->resources.b, dtor != NULL, dtor);
    return next(pb, &pb->resources);
}

uint32_t plan_import(PlanBuilder *pb, const char *iface, const char *item, uint8_t kind, uint32_t functype) {
    PlanBuf *b = &pb->imports.b;
    put_name(pb, b, iface);
    put_name(pb, b, item);
    put_byte(pb, b, kind);
    if (kind == WASMC_PLAN_FUNC) put_u32(pb, b, functype);
    return next(pb, &pb->imports);
}

uint32_t plan_instantiate(PlanBuilder *pb, uint32_t module, uint32_t n, const PCoreDef *args) {
    PlanBuf *b = &pb->steps.b;
    put_byte(pb, b, WASMC_PLAN_INSTANTIATE);
    put_u32(pb, b, module);
    put_u32(pb, b, n);
    for (uint32_t i = 0; i < n; i++) put_coredef(pb, b, &args[i]);
    next(pb, &pb->steps);
    if (pb->num_core_instances >= WASMC_PLAN_MAX_ITEMS) pb->failed = true;
    return pb->num_core_instances++;
}

static void put_opts(PlanBuilder *pb, PlanBuf *b, const POpts *o) {
    put_u32(pb, b, o->cinstance);
    put_byte(pb, b, o->encoding);
    put_opt_coredef(pb, b, o->has_memory, &o->memory);
    put_opt_coredef(pb, b, o->has_realloc, &o->realloc);
}

static uint32_t next_lowered(PlanBuilder *pb) {
    next(pb, &pb->steps);
    if (pb->num_lowered >= WASMC_PLAN_MAX_ITEMS) pb->failed = true;
    return pb->num_lowered++;
}

uint32_t plan_lower(PlanBuilder *pb, bool callee_lifted, uint32_t callee, const POpts *o, uint32_t functype) {
    PlanBuf *b = &pb->steps.b;
    put_byte(pb, b, WASMC_PLAN_LOWER);
    put_byte(pb, b, callee_lifted);
    put_u32(pb, b, callee);
    put_opts(pb, b, o);
    put_u32(pb, b, functype);
    return next_lowered(pb);
}

uint32_t plan_resource_op(PlanBuilder *pb, uint8_t op, uint32_t resource, uint32_t cinstance) {
    PlanBuf *b = &pb->steps.b;
    put_byte(pb, b, op);
    put_u32(pb, b, resource);
    put_u32(pb, b, cinstance);
    return next_lowered(pb);
}

uint32_t plan_lift(PlanBuilder *pb, const PCoreDef *func, const POpts *o, uint32_t functype,
                   const PCoreDef *post_return) {
    PlanBuf *b = &pb->steps.b;
    put_byte(pb, b, WASMC_PLAN_LIFT);
    put_coredef(pb, b, func);
    put_opts(pb, b, o);
    put_u32(pb, b, functype);
    put_opt_coredef(pb, b, post_return != NULL, post_return);
    next(pb, &pb->steps);
    if (pb->num_lifted >= WASMC_PLAN_MAX_ITEMS) pb->failed = true;
    return pb->num_lifted++;
}

void plan_export(PlanBuilder *pb, const char *iface, const char *item, uint8_t kind, uint32_t index) {
    PlanBuf *b = &pb->exports.b;
    put_name(pb, b, iface);
    put_name(pb, b, item);
    put_byte(pb, b, kind);
    put_u32(pb, b, index);
    next(pb, &pb->exports);
}

bool plan_finish(PlanBuilder *pb, CPlan *out, WasmError *err) {
    memset(out, 0, sizeof *out);
    PlanBuf o = {0};
    buf_put(pb, &o, WASMC_PLAN_MAGIC, 4);
    put_u32(pb, &o, WASMC_PLAN_VERSION);
    PlanVec *vs[] = {&pb->valtypes, &pb->functypes, &pb->cinstances, &pb->resources,
                     &pb->imports, &pb->steps, &pb->exports};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        put_u32(pb, &o, vs[i]->count);
        buf_put(pb, &o, vs[i]->b.p, vs[i]->b.n);
    }
    if (pb->failed) {
        free(o.p);
        if (pb->too_deep)
            return wasm_error(err, WASM_ERR_LIMIT, WASM_NO_OFFSET, "value types nested deeper than %u",
                              WASMC_PLAN_MAX_TYPE_DEPTH);
        return wasm_error(err, WASM_ERR_LIMIT, WASM_NO_OFFSET, "the component's plan is too large");
    }
    out->bytes = o.p;
    out->size = o.n;
    return true;
}
