/* wasmrt_component_wit: the component's world as WIT text, for people
 * (wasmrt's listing, the example).  Items of one interface are grouped
 * under it; the plan keeps no type names, so records, variants, enums
 * and flags are printed inline (`record { x: u8 }`), which WIT itself
 * would write as named types. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal_component.h"

typedef struct buf {
    char *p;
    size_t n, cap;
    bool oom;
} buf;

static void put(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf *b, const char *fmt, ...) {
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if (k < 0) { b->oom = true; return; }
        if ((size_t)k < b->cap - b->n) { b->n += (size_t)k; return; }
        size_t cap = (b->cap + (size_t)k + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) { b->oom = true; return; }
        b->p = p;
        b->cap = cap;
    }
}

static const char *prim_names[] = {
#define NAME_(id, wit) wit,
    WASMC_CVAL_KINDS(NAME_)
#undef NAME_
};

static void type(buf *b, const wasmrt_ctype *t) {
    switch (t->kind) {
    case WASMC_CVAL_LIST: put(b, "list<"); type(b, t->children[0]); put(b, ">"); return;
    case WASMC_CVAL_OPTION: put(b, "option<"); type(b, t->children[0]); put(b, ">"); return;
    case WASMC_CVAL_RESULT:
        if (!t->children[0] && !t->children[1]) { put(b, "result"); return; }
        put(b, "result<");
        if (t->children[0]) type(b, t->children[0]); else put(b, "_");
        if (t->children[1]) { put(b, ", "); type(b, t->children[1]); }
        put(b, ">");
        return;
    case WASMC_CVAL_TUPLE:
        put(b, "tuple<");
        for (uint32_t i = 0; i < t->count; i++) { if (i) put(b, ", "); type(b, t->children[i]); }
        put(b, ">");
        return;
    case WASMC_CVAL_RECORD:
        put(b, "record { ");
        for (uint32_t i = 0; i < t->count; i++) { put(b, "%s%s: ", i ? ", " : "", t->names[i]); type(b, t->children[i]); }
        put(b, " }");
        return;
    case WASMC_CVAL_VARIANT:
        put(b, "variant { ");
        for (uint32_t i = 0; i < t->count; i++) {
            put(b, "%s%s", i ? ", " : "", t->names[i]);
            if (t->children[i]) { put(b, "("); type(b, t->children[i]); put(b, ")"); }
        }
        put(b, " }");
        return;
    case WASMC_CVAL_ENUM: case WASMC_CVAL_FLAGS:
        put(b, "%s { ", t->kind == WASMC_CVAL_ENUM ? "enum" : "flags");
        for (uint32_t i = 0; i < t->count; i++) put(b, "%s%s", i ? ", " : "", t->names[i]);
        put(b, " }");
        return;
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW: {
        const char *n = t->comp->plan.resources[t->resource].name, *h = strrchr(n, '#');
        put(b, "%s<%s>", t->kind == WASMC_CVAL_OWN ? "own" : "borrow", h ? h + 1 : n);
        return;
    }
    default: put(b, "%s", prim_names[t->kind]); return;
    }
}

static void func(buf *b, const char *name, const struct wasmrt_cfunc *f) {
    put(b, "%s: func(", name);
    for (uint32_t i = 0; i < f->num_params; i++) {
        put(b, "%s%s: ", i ? ", " : "", f->names[i]);
        type(b, f->params[i]);
    }
    put(b, ")");
    if (f->result) { put(b, " -> "); type(b, f->result); }
    put(b, ";\n");
}

typedef struct item {
    const char *iface, *name;
    uint8_t kind;
    const struct wasmrt_cfunc *f;
} item;

static void items(buf *b, const char *dir, const item *it, uint32_t n) {
    bool *done = calloc(n ? n : 1, 1);
    if (!done) { b->oom = true; return; }
    for (uint32_t i = 0; i < n; i++) {
        if (done[i]) continue;
        if (!it[i].iface[0]) {
            put(b, "  %s ", dir);
            if (it[i].kind == WASMC_PLAN_FUNC) func(b, it[i].name, it[i].f);
            else put(b, "%s: resource;\n", it[i].name);
            continue;
        }
        put(b, "  %s %s {\n", dir, it[i].iface);
        for (uint32_t k = i; k < n; k++) {
            if (done[k] || strcmp(it[k].iface, it[i].iface)) continue;
            done[k] = true;
            put(b, "    ");
            if (it[k].kind == WASMC_PLAN_FUNC) func(b, it[k].name, it[k].f);
            else put(b, "resource %s;\n", it[k].name);
        }
        put(b, "  }\n");
    }
    free(done);
}

char *wasmrt_component_wit(const wasmrt_component *c) {
    const ct_plan *p = &c->plan;
    buf b = {0};
    put(&b, "world %s {\n", c->desc && c->desc->component_name ? c->desc->component_name : "root");
    uint32_t n = p->num_imports > p->num_exports ? p->num_imports : p->num_exports;
    item *it = calloc(n ? n : 1, sizeof *it);
    if (!it) { free(b.p); return NULL; }
    for (uint32_t i = 0; i < p->num_imports; i++) {
        const ct_import *im = &p->imports[i];
        it[i] = (item){im->iface, im->name, im->kind, im->kind == WASMC_PLAN_FUNC ? &p->funcs[im->functype] : NULL};
    }
    items(&b, "import", it, p->num_imports);
    for (uint32_t i = 0; i < p->num_exports; i++) {
        const ct_export *x = &p->exports[i];
        it[i] = (item){x->iface, x->name, x->kind,
                       x->kind == WASMC_PLAN_FUNC ? &p->funcs[p->steps[p->lifted_step[x->index]].functype] : NULL};
    }
    items(&b, "export", it, p->num_exports);
    free(it);
    put(&b, "}\n");
    if (b.oom) { free(b.p); return NULL; }
    return b.p;
}
