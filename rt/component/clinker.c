/* The component linker: host functions and resource types by interface
 * and name, matched semver-compatibly (wasmrt_component.h): a definition
 * in "wasi:io/streams@0.2.12" satisfies an import of
 * "wasi:io/streams@0.2.10" (same package path, and the same major
 * version, or for 0.x the same minor, or for 0.0.x the same patch:
 * wasmtime's rule, older patch releases included);
 * an exact match wins, then the highest compatible version.  Pre-release
 * versions match only exactly.  A linker holds tens of names, so lookup
 * is a scan.
 */
#include <stdlib.h>
#include <string.h>

#include "internal_component.h"
#include "cinternal_link.h"

wasmrt_clinker *wasmrt_clinker_new(void) {
    wasmrt_clinker *l = calloc(1, sizeof(wasmrt_clinker));
    if (l) pthread_mutex_init(&l->cache_lock, NULL);
    return l;
}

/* Under cache_lock. */
static void cache_clear(wasmrt_clinker *l) {
    for (uint32_t i = 0; i < l->ncache; i++) {
        free(l->cache[i].defs);
        wasmrt_component_release(l->cache[i].comp);
    }
    l->ncache = 0;
}

bool ct_clinker_cached(const wasmrt_clinker *cl, const wasmrt_component *c, const ct_def **defs, uint32_t n) {
    wasmrt_clinker *l = (wasmrt_clinker *)cl;
    bool hit = false;
    pthread_mutex_lock(&l->cache_lock);
    for (uint32_t i = 0; i < l->ncache && !hit; i++)
        if (l->cache[i].comp == c) {
            if (n) memcpy(defs, l->cache[i].defs, n * sizeof *defs);
            hit = true;
        }
    pthread_mutex_unlock(&l->cache_lock);
    return hit;
}

void ct_clinker_remember(const wasmrt_clinker *cl, wasmrt_component *c, const ct_def *const *defs, uint32_t n) {
    wasmrt_clinker *l = (wasmrt_clinker *)cl;
    pthread_mutex_lock(&l->cache_lock);
    bool known = false;
    for (uint32_t i = 0; i < l->ncache; i++) known |= l->cache[i].comp == c;
    if (!known && l->ncache < CT_RESOLVED_MAX) {
        const ct_def **copy = malloc((n ? n : 1) * sizeof *copy);
        if (copy) {
            if (n) memcpy(copy, defs, n * sizeof *copy);
            ct_component_retain(c);
            l->cache[l->ncache++] = (ct_resolved){c, copy};
        }
    }
    pthread_mutex_unlock(&l->cache_lock);
}

void wasmrt_clinker_free(wasmrt_clinker *l) {
    if (!l) return;
    cache_clear(l);
    pthread_mutex_destroy(&l->cache_lock);
    for (uint32_t i = 0; i < l->num; i++) {
        free(l->defs[i].iface);
        free(l->defs[i].name);
    }
    free(l->defs);
    free(l);
}

void wasmrt_clinker_trap_unknown_imports(wasmrt_clinker *l, bool on) {
    pthread_mutex_lock(&l->cache_lock);
    cache_clear(l);
    l->trap_unknown = on;
    pthread_mutex_unlock(&l->cache_lock);
}

static ct_def *insert(wasmrt_clinker *l, const char *iface, const char *name, wasmrt_error *err) {
    pthread_mutex_lock(&l->cache_lock);
    cache_clear(l);
    pthread_mutex_unlock(&l->cache_lock);
    if (!iface) iface = "";
    if (!name || !*name) {
        rt_err(err, "cannot define an item without a name");
        return NULL;
    }
    for (uint32_t i = 0; i < l->num; i++)
        if (!strcmp(l->defs[i].iface, iface) && !strcmp(l->defs[i].name, name)) return &l->defs[i];
    if (l->num == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 16;
        ct_def *d = realloc(l->defs, cap * sizeof *d);
        if (!d) goto oom;
        l->defs = d;
        l->cap = cap;
    }
    ct_def *d = &l->defs[l->num];
    memset(d, 0, sizeof *d);
    d->iface = strdup(iface);
    d->name = strdup(name);
    if (!d->iface || !d->name) {
        free(d->iface);
        free(d->name);
        goto oom;
    }
    l->num++;
    return d;
oom:
    rt_err(err, "out of memory");
    return NULL;
}

bool wasmrt_clinker_define_func(wasmrt_clinker *l, const char *iface, const char *name, wasmrt_chost_fn fn,
                                void *env, wasmrt_error *err) {
    if (!fn) {
        rt_err(err, "cannot define %s#%s: no function", iface ? iface : "", name ? name : "");
        return false;
    }
    ct_def *d = insert(l, iface, name, err);
    if (!d) return false;
    d->kind = WASMC_PLAN_FUNC;
    d->fn = fn;
    d->env = env;
    return true;
}

bool wasmrt_clinker_define_resource(wasmrt_clinker *l, const char *iface, const char *name,
                                    wasmrt_cresource_dtor dtor, void *env, wasmrt_error *err) {
    ct_def *d = insert(l, iface, name, err);
    if (!d) return false;
    d->kind = WASMC_PLAN_RESOURCE;
    d->dtor = dtor;
    d->env = env;
    return true;
}

/* "pkg:ns/iface@1.2.3": the part before '@' and the version, when the
 * version is plain major.minor.patch (no pre-release or build). */
typedef struct version {
    size_t base_len;
    bool has, plain;
    unsigned long long v[3];
} version;

static version parse(const char *s) {
    version r = {strlen(s), false, false, {0, 0, 0}};
    const char *at = strrchr(s, '@');
    if (!at) return r;
    r.base_len = (size_t)(at - s);
    r.has = true;
    const char *p = at + 1;
    for (int i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9') return r;
        char *end;
        r.v[i] = strtoull(p, &end, 10);
        p = end;
        if (i < 2) {
            if (*p != '.') return r;
            p++;
        }
    }
    r.plain = *p == 0;
    return r;
}

static bool compatible(const version *imp, const version *def) {
    if (!imp->plain || !def->plain) return false;
    if (imp->v[0] != def->v[0]) return false;
    if (imp->v[0] > 0) return true;
    if (imp->v[1] != def->v[1]) return false;
    return imp->v[1] > 0 || def->v[2] == imp->v[2];
}

static bool higher(const version *a, const version *b) {
    for (int i = 0; i < 3; i++)
        if (a->v[i] != b->v[i]) return a->v[i] > b->v[i];
    return false;
}

const ct_def *ct_clinker_find(const wasmrt_clinker *l, const char *iface, const char *name, uint8_t kind) {
    if (!l) return NULL;
    const ct_def *best = NULL;
    version want = parse(iface), best_v = {0};
    for (uint32_t i = 0; i < l->num; i++) {
        const ct_def *d = &l->defs[i];
        if (d->kind != kind || strcmp(d->name, name)) continue;
        if (!strcmp(d->iface, iface)) return d;   /* exact wins */
        version v = parse(d->iface);
        if (!want.has || !v.has || v.base_len != want.base_len || memcmp(d->iface, iface, v.base_len)) continue;
        if (!compatible(&want, &v)) continue;
        if (!best || higher(&v, &best_v)) {
            best = d;
            best_v = v;
        }
    }
    return best;
}
