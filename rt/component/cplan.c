/* Decoding the component plan (component_plan.h) into ct_plan, with
 * every rule checked: bounds of every read, LEB128 widths, vector sizes,
 * each index against what exists at that point (types before the type,
 * core instances / lowered / lifted functions before the step), coredef
 * export numbers and kinds against the core modules' descriptors, and an
 * INSTANTIATE's argument count against its module's imports.  A plan that
 * breaks a rule is refused with "component plan: byte 0xN: what".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal_component.h"

typedef struct reader {
    const uint8_t *base, *p, *end;
    wasmrt_error *err;
    bool failed;
} reader;

static bool fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(reader *r, const char *fmt, ...) {
    if (r->failed) return false;
    r->failed = true;
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rt_err(r->err, "component plan: byte 0x%zx: %s", (size_t)(r->p - r->base), msg);
    return false;
}

static bool rd_byte(reader *r, uint8_t *out) {
    *out = 0;
    if (r->p >= r->end) return fail(r, "unexpected end of plan");
    *out = *r->p++;
    return true;
}

static bool rd_u32(reader *r, uint32_t *out) {
    uint64_t v = 0;
    *out = 0;
    for (int i = 0; i < 5; i++) {
        uint8_t b = 0;
        if (!rd_byte(r, &b)) return false;
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            if (v > UINT32_MAX) return fail(r, "u32 out of range");
            *out = (uint32_t)v;
            return true;
        }
    }
    return fail(r, "u32 longer than 5 bytes");
}

/* A vector count: bounded by the limit and by the bytes left (every
 * entry takes at least one), so a forged count cannot make us allocate. */
static bool rd_count(reader *r, uint32_t *n, const char *what) {
    if (!rd_u32(r, n)) return false;
    if (*n > WASMC_PLAN_MAX_ITEMS) return fail(r, "%u %s exceed the limit of %u", *n, what, WASMC_PLAN_MAX_ITEMS);
    if (*n > (size_t)(r->end - r->p)) return fail(r, "%u %s but only %zu bytes left", *n, what, (size_t)(r->end - r->p));
    return true;
}

static bool rd_name(reader *r, char **out) {
    uint32_t n;
    if (!rd_u32(r, &n)) return false;
    if (n > (size_t)(r->end - r->p)) return fail(r, "name of %u bytes runs past the end", n);
    if (memchr(r->p, 0, n)) return fail(r, "name contains a NUL byte");
    char *s = malloc((size_t)n + 1);
    if (!s) return fail(r, "out of memory");
    memcpy(s, r->p, n);
    s[n] = 0;
    r->p += n;
    *out = s;
    return true;
}

static bool rd_index(reader *r, uint32_t *out, uint32_t limit, const char *what) {
    if (!rd_u32(r, out)) return false;
    if (*out >= limit) return fail(r, "%s index %u out of range (%u defined)", what, *out, limit);
    return true;
}

static void *vec_alloc(reader *r, uint32_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (!p) fail(r, "out of memory");
    return p;
}

/* ---- decoding ---- */

typedef struct decoder {
    reader r;
    ct_plan *p;
    const struct wasmrt_component *comp;
    const wasmc_descriptor *const *modules;
    uint32_t num_modules;
    uint32_t *core_module;          /* core instance -> module */
} decoder;

static bool rd_valtype(decoder *d, uint32_t i) {
    reader *r = &d->r;
    struct wasmrt_ctype *t = &d->p->types[i];
    t->comp = d->comp;
    if (!rd_byte(r, &t->kind)) return false;
    if (t->kind >= WASMC_CVAL_COUNT_) return fail(r, "unknown value type kind %u", t->kind);
    uint32_t n = 0;
    bool named = false, typed = false, opt_typed = false;
    switch (t->kind) {
    case WASMC_CVAL_LIST: case WASMC_CVAL_OPTION:
        t->count = 1;
        t->children = vec_alloc(r, 1, sizeof *t->children);
        if (!t->children || !rd_index(r, &n, i, "value type")) return false;
        t->children[0] = &d->p->types[n];
        break;
    case WASMC_CVAL_RESULT:
        t->count = 2;
        t->children = vec_alloc(r, 2, sizeof *t->children);
        if (!t->children) return false;
        for (int k = 0; k < 2; k++) {
            uint8_t has = 0;
            if (!rd_byte(r, &has)) return false;
            if (has > 1) return fail(r, "bad option byte %u", has);
            if (has) {
                if (!rd_index(r, &n, i, "value type")) return false;
                t->children[k] = &d->p->types[n];
            }
        }
        break;
    case WASMC_CVAL_RECORD: named = typed = true; break;
    case WASMC_CVAL_TUPLE: typed = true; break;
    case WASMC_CVAL_VARIANT: named = opt_typed = true; break;
    case WASMC_CVAL_ENUM: case WASMC_CVAL_FLAGS: named = true; break;
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW:
        /* resources are decoded later: checked in check_resources */
        if (!rd_u32(r, &t->resource)) return false;
        break;
    default: break;
    }
    if (named || typed || opt_typed) {
        if (!rd_count(r, &t->count, "fields")) return false;
        if (t->count == 0) return fail(r, "a %s needs at least one field or case",
                                       t->kind == WASMC_CVAL_TUPLE ? "tuple" : "record, variant, enum or flags");
        if (t->kind == WASMC_CVAL_FLAGS && t->count > WASMC_PLAN_MAX_FLAGS)
            return fail(r, "flags with %u names (at most %u)", t->count, WASMC_PLAN_MAX_FLAGS);
        if (named && !(t->names = vec_alloc(r, t->count, sizeof *t->names))) return false;
        if ((typed || opt_typed) && !(t->children = vec_alloc(r, t->count, sizeof *t->children))) return false;
        for (uint32_t k = 0; k < t->count; k++) {
            if (named && !rd_name(r, &t->names[k])) return false;
            if (typed) {
                if (!rd_index(r, &n, i, "value type")) return false;
                t->children[k] = &d->p->types[n];
            } else if (opt_typed) {
                uint8_t has = 0;
                if (!rd_byte(r, &has)) return false;
                if (has > 1) return fail(r, "bad option byte %u", has);
                if (has) {
                    if (!rd_index(r, &n, i, "value type")) return false;
                    t->children[k] = &d->p->types[n];
                }
            }
        }
    }
    wasmrt_error e;
    if (!ct_type_layout(t, &e)) return fail(r, "value type %u: %s", i, e.message);
    return true;
}

static bool rd_functype(decoder *d, uint32_t i) {
    reader *r = &d->r;
    struct wasmrt_cfunc *f = &d->p->funcs[i];
    if (!rd_count(r, &f->num_params, "parameters")) return false;
    if (!(f->names = vec_alloc(r, f->num_params, sizeof *f->names)) ||
        !(f->params = vec_alloc(r, f->num_params, sizeof *f->params)))
        return false;
    for (uint32_t k = 0; k < f->num_params; k++) {
        uint32_t t;
        if (!rd_name(r, &f->names[k]) || !rd_index(r, &t, d->p->num_types, "value type")) return false;
        f->params[k] = &d->p->types[t];
    }
    uint8_t has = 0;
    if (!rd_byte(r, &has)) return false;
    if (has > 1) return fail(r, "bad option byte %u", has);
    if (has) {
        uint32_t t;
        if (!rd_index(r, &t, d->p->num_types, "value type")) return false;
        f->result = &d->p->types[t];
    }
    ct_func_layout(f);
    return true;
}

/* A coredef; want is the extern kind it must be (func or memory).
 * num_core / num_lowered: what exists so far. */
static bool rd_coredef(decoder *d, ct_coredef *c, int want, uint32_t num_core, uint32_t num_lowered,
                       bool lowered_ok) {
    reader *r = &d->r;
    if (!rd_byte(r, &c->kind)) return false;
    if (c->kind == 0) {
        if (!rd_index(r, &c->a, num_core, "core instance") || !rd_u32(r, &c->b)) return false;
        const wasmc_descriptor *m = d->modules[d->core_module[c->a]];
        if (c->b >= m->num_exports)
            return fail(r, "export %u of core instance %u out of range (%u exports)", c->b, c->a, m->num_exports);
        if (want >= 0 && m->exports[c->b].kind != (uint32_t)want)
            return fail(r, "export %u of core instance %u is not a %s", c->b, c->a,
                        want == WASMC_EXTERN_FUNC ? "function" : want == WASMC_EXTERN_MEMORY ? "memory" : "table or global");
        return true;
    }
    if (c->kind == 1) {
        if (!lowered_ok || (want >= 0 && want != WASMC_EXTERN_FUNC))
            return fail(r, "a lowered function cannot stand here");
        return rd_index(r, &c->a, num_lowered, "lowered function");
    }
    return fail(r, "unknown coredef kind %u", c->kind);
}

static bool rd_opts(decoder *d, ct_opts *o, uint32_t num_core, uint32_t num_lowered) {
    reader *r = &d->r;
    uint8_t has = 0;
    if (!rd_index(r, &o->cinstance, d->p->num_cinstances, "component instance") || !rd_byte(r, &o->encoding))
        return false;
    if (o->encoding > WASMC_STRING_LATIN1_UTF16) return fail(r, "unknown string encoding %u", o->encoding);
    if (!rd_byte(r, &has)) return false;
    if (has > 1) return fail(r, "bad option byte %u", has);
    o->has_memory = has;
    if (has && !rd_coredef(d, &o->memory, WASMC_EXTERN_MEMORY, num_core, num_lowered, false)) return false;
    if (!rd_byte(r, &has)) return false;
    if (has > 1) return fail(r, "bad option byte %u", has);
    o->has_realloc = has;
    if (has && !rd_coredef(d, &o->realloc, WASMC_EXTERN_FUNC, num_core, num_lowered, true)) return false;
    return true;
}

static bool rd_step(decoder *d, ct_step *s) {
    reader *r = &d->r;
    ct_plan *p = d->p;
    if (!rd_byte(r, &s->op)) return false;
    switch (s->op) {
    case WASMC_PLAN_INSTANTIATE: {
        if (!rd_index(r, &s->index, d->num_modules, "core module") || !rd_count(r, &s->num_args, "arguments"))
            return false;
        const wasmc_descriptor *m = d->modules[s->index];
        if (s->num_args != m->num_imports)
            return fail(r, "core module %u has %u imports, the step gives %u", s->index, m->num_imports, s->num_args);
        if (!(s->args = vec_alloc(r, s->num_args, sizeof *s->args))) return false;
        for (uint32_t k = 0; k < s->num_args; k++)
            if (!rd_coredef(d, &s->args[k], (int)m->imports[k].kind, p->num_core_instances, p->num_lowered, true))
                return false;
        d->core_module[p->num_core_instances++] = s->index;
        return true;
    }
    case WASMC_PLAN_LOWER:
        if (!rd_byte(r, &s->callee_kind)) return false;
        if (s->callee_kind == 0) {
            if (!rd_index(r, &s->callee, p->num_imports, "import")) return false;
            if (p->imports[s->callee].kind != WASMC_PLAN_FUNC) return fail(r, "import %u is not a function", s->callee);
        } else if (s->callee_kind == 1) {
            if (!rd_index(r, &s->callee, p->num_lifted, "lifted function")) return false;
        } else {
            return fail(r, "unknown callee kind %u", s->callee_kind);
        }
        if (!rd_opts(d, &s->opts, p->num_core_instances, p->num_lowered) ||
            !rd_index(r, &s->functype, p->num_funcs, "function type"))
            return false;
        p->num_lowered++;
        return true;
    case WASMC_PLAN_RESOURCE_NEW: case WASMC_PLAN_RESOURCE_DROP: case WASMC_PLAN_RESOURCE_REP:
        if (!rd_index(r, &s->index, p->num_resources, "resource") ||
            !rd_index(r, &s->cinstance, p->num_cinstances, "component instance"))
            return false;
        if (s->op != WASMC_PLAN_RESOURCE_DROP && p->resources[s->index].host)
            return fail(r, "resource.new/rep of a resource the host defines");
        p->num_lowered++;
        return true;
    case WASMC_PLAN_LIFT: {
        if (!rd_coredef(d, &s->func, WASMC_EXTERN_FUNC, p->num_core_instances, p->num_lowered, true) ||
            !rd_opts(d, &s->opts, p->num_core_instances, p->num_lowered) ||
            !rd_index(r, &s->functype, p->num_funcs, "function type"))
            return false;
        uint8_t has = 0;
        if (!rd_byte(r, &has)) return false;
        if (has > 1) return fail(r, "bad option byte %u", has);
        s->has_post_return = has;
        if (has && !rd_coredef(d, &s->post_return, WASMC_EXTERN_FUNC, p->num_core_instances, p->num_lowered, true))
            return false;
        p->num_lifted++;
        return true;
    }
    default: return fail(r, "unknown step op %u", s->op);
    }
}

static char *join_name(const char *iface, const char *name) {
    size_t a = strlen(iface), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (!s) return NULL;
    if (a) {
        memcpy(s, iface, a);
        s[a] = '#';
        memcpy(s + a + 1, name, b + 1);
    } else {
        memcpy(s, name, b + 1);
    }
    return s;
}

bool ct_plan_decode(ct_plan *p, const struct wasmrt_component *comp, const uint8_t *bytes, uint64_t size,
                    const wasmc_descriptor *const *modules, uint32_t num_modules, wasmrt_error *err) {
    memset(p, 0, sizeof *p);
    decoder d = {.r = {bytes, bytes, bytes + size, err, false}, .p = p, .comp = comp, .modules = modules,
                 .num_modules = num_modules};
    reader *r = &d.r;
    if (!bytes || size < 4 || memcmp(bytes, WASMC_PLAN_MAGIC, 4) != 0) {
        rt_err(err, "component plan: bad magic (not a wasmc component plan)");
        return false;
    }
    r->p += 4;
    uint32_t version;
    if (!rd_u32(r, &version)) goto fail;
    if (version != WASMC_PLAN_VERSION) {
        fail(r, "plan version %u, this runtime reads %u", version, WASMC_PLAN_VERSION);
        goto fail;
    }
    if (!rd_count(r, &p->num_types, "value types") ||
        !(p->types = vec_alloc(r, p->num_types, sizeof *p->types)))
        goto fail;
    for (uint32_t i = 0; i < p->num_types; i++)
        if (!rd_valtype(&d, i)) goto fail;
    if (!rd_count(r, &p->num_funcs, "function types") || !(p->funcs = vec_alloc(r, p->num_funcs, sizeof *p->funcs)))
        goto fail;
    for (uint32_t i = 0; i < p->num_funcs; i++)
        if (!rd_functype(&d, i)) goto fail;
    if (!rd_count(r, &p->num_cinstances, "component instances") ||
        !(p->cinstance_parent = vec_alloc(r, p->num_cinstances, sizeof *p->cinstance_parent)))
        goto fail;
    for (uint32_t i = 0; i < p->num_cinstances; i++) {
        uint32_t parent;
        if (!rd_index(r, &parent, i + 1, "parent component instance")) goto fail;
        p->cinstance_parent[i] = parent ? parent - 1 : UINT32_MAX;
    }
    if (!rd_count(r, &p->num_resources, "resources") ||
        !(p->resources = vec_alloc(r, p->num_resources, sizeof *p->resources)))
        goto fail;
    const uint8_t *res_start = r->p;
    /* Resource dtors name core instances: decode after the steps define
     * them, so remember where the resources start and skip them now. */
    for (uint32_t i = 0; i < p->num_resources; i++) {
        ct_resource *res = &p->resources[i];
        uint8_t k = 0;
        uint32_t skip;
        if (!rd_byte(r, &k)) goto fail;
        if (k == 0) {
            res->host = true;
            if (!rd_u32(r, &res->import)) goto fail;
        } else if (k == 1) {
            uint8_t has = 0, ck = 0;
            if (!rd_index(r, &res->cinstance, p->num_cinstances, "component instance") || !rd_byte(r, &has)) goto fail;
            if (has > 1) { fail(r, "bad option byte %u", has); goto fail; }
            res->has_dtor = has;
            if (has && (!rd_byte(r, &ck) || !rd_u32(r, &skip) || (ck == 0 && !rd_u32(r, &skip)))) goto fail;
        } else {
            fail(r, "unknown resource kind %u", k);
            goto fail;
        }
    }
    for (uint32_t i = 0; i < p->num_types; i++) {
        const wasmrt_ctype *t = &p->types[i];
        if ((t->kind == WASMC_CVAL_OWN || t->kind == WASMC_CVAL_BORROW) && t->resource >= p->num_resources) {
            fail(r, "value type %u names resource %u (%u defined)", i, t->resource, p->num_resources);
            goto fail;
        }
    }
    if (!rd_count(r, &p->num_imports, "imports") || !(p->imports = vec_alloc(r, p->num_imports, sizeof *p->imports)))
        goto fail;
    for (uint32_t i = 0; i < p->num_imports; i++) {
        ct_import *im = &p->imports[i];
        if (!rd_name(r, &im->iface) || !rd_name(r, &im->name) || !rd_byte(r, &im->kind)) goto fail;
        if (im->kind == WASMC_PLAN_FUNC) {
            if (!rd_index(r, &im->functype, p->num_funcs, "function type")) goto fail;
        } else if (im->kind != WASMC_PLAN_RESOURCE) {
            fail(r, "unknown import kind %u", im->kind);
            goto fail;
        }
        if (!(im->full = join_name(im->iface, im->name))) { fail(r, "out of memory"); goto fail; }
    }
    for (uint32_t i = 0; i < p->num_resources; i++)
        if (p->resources[i].host &&
            (p->resources[i].import >= p->num_imports || p->imports[p->resources[i].import].kind != WASMC_PLAN_RESOURCE)) {
            fail(r, "resource %u names import %u, which is not a resource import", i, p->resources[i].import);
            goto fail;
        }
    uint32_t nsteps;
    if (!rd_count(r, &nsteps, "steps") || !(p->steps = vec_alloc(r, nsteps, sizeof *p->steps)) ||
        !(d.core_module = vec_alloc(r, nsteps, sizeof *d.core_module)))
        goto fail;
    for (uint32_t i = 0; i < nsteps; i++) {
        p->num_steps = i + 1;   /* so a failed step's arguments are freed */
        if (!rd_step(&d, &p->steps[i])) goto fail;
    }
    if (!(p->lifted_step = vec_alloc(r, p->num_lifted, sizeof *p->lifted_step))) goto fail;
    for (uint32_t i = 0, k = 0; i < p->num_steps; i++)
        if (p->steps[i].op == WASMC_PLAN_LIFT) p->lifted_step[k++] = i;
    if (!rd_count(r, &p->num_exports, "exports") || !(p->exports = vec_alloc(r, p->num_exports, sizeof *p->exports)))
        goto fail;
    for (uint32_t i = 0; i < p->num_exports; i++) {
        ct_export *x = &p->exports[i];
        if (!rd_name(r, &x->iface) || !rd_name(r, &x->name) || !rd_byte(r, &x->kind)) goto fail;
        if (x->kind == WASMC_PLAN_FUNC) {
            if (!rd_index(r, &x->index, p->num_lifted, "lifted function")) goto fail;
        } else if (x->kind == WASMC_PLAN_RESOURCE) {
            if (!rd_index(r, &x->index, p->num_resources, "resource")) goto fail;
        } else {
            fail(r, "unknown export kind %u", x->kind);
            goto fail;
        }
    }
    if (r->p != r->end) {
        fail(r, "%zu bytes after the exports", (size_t)(r->end - r->p));
        goto fail;
    }
    /* Now the resources' destructors, against all core instances. */
    const uint8_t *end_pos = r->p;
    r->p = res_start;
    for (uint32_t i = 0; i < p->num_resources; i++) {
        ct_resource *res = &p->resources[i];
        uint8_t k = 0, has = 0;
        uint32_t x;
        if (!rd_byte(r, &k) || !rd_u32(r, &x)) goto fail;
        if (k == 1) {
            if (!rd_byte(r, &has)) goto fail;
            if (has && !rd_coredef(&d, &res->dtor, WASMC_EXTERN_FUNC, p->num_core_instances, p->num_lowered, true))
                goto fail;
        }
    }
    r->p = end_pos;
    for (uint32_t i = 0; i < p->num_resources; i++) {
        ct_resource *res = &p->resources[i];
        if (res->host) {
            res->name = strdup(p->imports[res->import].full);
        } else {
            for (uint32_t k = 0; k < p->num_exports && !res->name; k++)
                if (p->exports[k].kind == WASMC_PLAN_RESOURCE && p->exports[k].index == i)
                    res->name = join_name(p->exports[k].iface, p->exports[k].name);
            if (!res->name) {
                char buf[32];
                snprintf(buf, sizeof buf, "resource-%u", i);
                res->name = strdup(buf);
            }
        }
        if (!res->name) { fail(r, "out of memory"); goto fail; }
    }
    free(d.core_module);
    return true;
fail:
    free(d.core_module);
    ct_plan_free(p);
    return false;
}

void ct_plan_free(ct_plan *p) {
    for (uint32_t i = 0; p->types && i < p->num_types; i++) {
        struct wasmrt_ctype *t = &p->types[i];
        if (t->names)
            for (uint32_t k = 0; k < t->count; k++) free(t->names[k]);
        free(t->names);
        free((void *)t->children);
    }
    free(p->types);
    for (uint32_t i = 0; p->funcs && i < p->num_funcs; i++) {
        struct wasmrt_cfunc *f = &p->funcs[i];
        if (f->names)
            for (uint32_t k = 0; k < f->num_params; k++) free(f->names[k]);
        free(f->names);
        free((void *)f->params);
    }
    free(p->funcs);
    free(p->cinstance_parent);
    for (uint32_t i = 0; p->resources && i < p->num_resources; i++) free(p->resources[i].name);
    free(p->resources);
    for (uint32_t i = 0; p->imports && i < p->num_imports; i++) {
        free(p->imports[i].iface);
        free(p->imports[i].name);
        free(p->imports[i].full);
    }
    free(p->imports);
    for (uint32_t i = 0; p->steps && i < p->num_steps; i++) free(p->steps[i].args);
    free(p->steps);
    for (uint32_t i = 0; p->exports && i < p->num_exports; i++) {
        free(p->exports[i].iface);
        free(p->exports[i].name);
    }
    free(p->exports);
    free(p->lifted_step);
    memset(p, 0, sizeof *p);
}
