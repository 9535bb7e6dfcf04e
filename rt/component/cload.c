/* Loading a component artifact: load.c's checks of the file (trailer,
 * format, architecture, CPU features, SHA-256, sealed memfd, dlopen),
 * then the component descriptor, one wasmrt_module per core module, and
 * the plan (cplan.c).  The component owns the dl handle: its modules are
 * created without one and released before it is closed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal_component.h"

static wasmrt_component *create(const wasmc_component_descriptor *d, const wasmc_trailer *t, void *dl, int fd,
                                wasmrt_error *err) {
    wasmrt_component *c = NULL;
    if (d->magic != WASMC_COMPONENT_MAGIC) {
        rt_err(err, "not a wasmc component (bad component descriptor magic)");
        goto fail;
    }
    if (d->format_version != WASMC_FORMAT_VERSION) {
        rt_err(err, "artifact format version %u, this runtime reads %u", d->format_version, WASMC_FORMAT_VERSION);
        goto fail;
    }
    if (d->num_modules > WASMC_PLAN_MAX_ITEMS || (d->num_modules && !d->modules)) {
        rt_err(err, "component descriptor is inconsistent (%u core modules)", d->num_modules);
        goto fail;
    }
    c = calloc(1, sizeof *c);
    if (!c || !(c->modules = calloc(d->num_modules ? d->num_modules : 1, sizeof *c->modules))) {
        rt_err(err, "out of memory loading component");
        goto fail;
    }
    atomic_init(&c->refs, 1);
    c->desc = d;
    c->fd = -1;
    for (uint32_t i = 0; i < d->num_modules; i++) {
        const wasmc_descriptor *md = d->modules[i];
        if (!md) {
            rt_err(err, "component descriptor is inconsistent (core module %u missing)", i);
            goto fail;
        }
        if (t && (md->memory_mode != t->memory_mode || md->cpu_features != t->cpu_features)) {
            rt_err(err, "core module %u does not match the artifact's trailer (%s)", i,
                   md->memory_mode != t->memory_mode ? "memory mode" : "CPU features");
            goto fail;
        }
        c->modules[i] = rt_module_create(md, NULL, err);
        if (!c->modules[i]) {
            char tmp[sizeof err->message];
            memcpy(tmp, err->message, sizeof tmp);
            rt_err(err, "core module %u: %.400s", i, tmp);
            goto fail;
        }
        c->num_modules = i + 1;
    }
    if (!ct_plan_decode(&c->plan, c, d->plan, d->plan_size, d->modules, d->num_modules, err)) goto fail;
    c->dl = dl;
    c->fd = fd;
    return c;
fail:
    if (c) {
        for (uint32_t i = 0; i < c->num_modules; i++) wasmrt_module_release(c->modules[i]);
        free(c->modules);
        free(c);
    }
    if (dl) dlclose(dl);
    if (fd >= 0) close(fd);
    return NULL;
}

wasmrt_component *wasmrt_component_from_descriptor(const wasmc_component_descriptor *d, wasmrt_error *err) {
    wasmrt_error scratch;
    if (!err) err = &scratch;
    if (!d) {
        rt_err(err, "no component descriptor");
        return NULL;
    }
    return create(d, NULL, NULL, -1, err);
}

static void prefix_path(wasmrt_error *err, const char *path) {
    char tmp[sizeof err->message];
    memcpy(tmp, err->message, sizeof tmp);
    rt_err(err, "%.200s: %.300s", path, tmp);
}

wasmrt_component *wasmrt_component_load(const char *path, wasmrt_error *err) {
    return wasmrt_component_load_signed(path, NULL, err);
}

/* The same staging and checks as core modules (load.c), signature first. */
wasmrt_component *wasmrt_component_load_signed(const char *path, const wasmrt_trust *trust, wasmrt_error *err) {
    wasmrt_error scratch;
    if (!err) err = &scratch;
    rt_artifact a;
    if (!rt_artifact_open(path, trust, &a, err)) return NULL;
    const wasmc_component_descriptor *d = dlsym(a.dl, WASMC_COMPONENT_SYMBOL);
    if (!d) {
        if (dlsym(a.dl, WASMC_DESCRIPTOR_SYMBOL))
            rt_err(err, "%s: is a core module, not a component (load it with wasmrt_module_load)", path);
        else
            rt_err(err, "%s: not a wasmc artifact (no %s symbol)", path, WASMC_COMPONENT_SYMBOL);
        dlclose(a.dl);
        close(a.fd);
        return NULL;
    }
    wasmrt_component *c = create(d, &a.trailer, a.dl, a.fd, err);
    if (!c) prefix_path(err, path);
    return c;
}

bool wasmrt_artifact_is_component(const char *path, wasmrt_error *err) {
    return wasmrt_artifact_is_component_signed(path, NULL, err);
}

bool wasmrt_artifact_is_component_signed(const char *path, const wasmrt_trust *trust, wasmrt_error *err) {
    wasmrt_error scratch;
    if (!err) err = &scratch;
    rt_artifact a;
    if (!rt_artifact_open(path, trust, &a, err)) return false;
    bool is = dlsym(a.dl, WASMC_COMPONENT_SYMBOL) != NULL;
    if (!is) rt_err(err, "%s: a core module, not a component", path);
    dlclose(a.dl);
    close(a.fd);
    return is;
}

void ct_component_retain(wasmrt_component *c) { atomic_fetch_add(&c->refs, 1); }

void wasmrt_component_release(wasmrt_component *c) {
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
    for (uint32_t i = 0; i < c->num_modules; i++) wasmrt_module_release(c->modules[i]);
    free(c->modules);
    ct_plan_free(&c->plan);
    if (c->dl) dlclose(c->dl);
    if (c->fd >= 0) close(c->fd);
    free(c);
}

/* ---- imports and exports ---- */

uint32_t wasmrt_component_num_imports(const wasmrt_component *c) { return c->plan.num_imports; }

wasmrt_citem wasmrt_component_import(const wasmrt_component *c, uint32_t i) {
    wasmrt_citem it = {0};
    if (i >= c->plan.num_imports) return it;
    const ct_import *im = &c->plan.imports[i];
    it.iface = im->iface;
    it.name = im->name;
    it.kind = (wasmc_plan_extern_kind)im->kind;
    if (im->kind == WASMC_PLAN_FUNC) it.func = &c->plan.funcs[im->functype];
    return it;
}

uint32_t wasmrt_component_num_exports(const wasmrt_component *c) { return c->plan.num_exports; }

wasmrt_citem wasmrt_component_export(const wasmrt_component *c, uint32_t i) {
    wasmrt_citem it = {0};
    if (i >= c->plan.num_exports) return it;
    const ct_export *x = &c->plan.exports[i];
    it.iface = x->iface;
    it.name = x->name;
    it.kind = (wasmc_plan_extern_kind)x->kind;
    if (x->kind == WASMC_PLAN_FUNC) it.func = &c->plan.funcs[c->plan.steps[c->plan.lifted_step[x->index]].functype];
    return it;
}
