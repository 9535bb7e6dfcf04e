/* Registers the WASI 0.2 host on a component linker: every resource and
 * function of wasi2_funcs.def, at WASMRT_WASI2_VERSION.  The only WASI 0.2
 * file that needs the component runtime; the rest is tested without it. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "wasi2_internal.h"

static const struct {
    const char *iface, *name;
} resources[] = {
#define W2_RESOURCE(kind, iface, name) {iface, name},
#define W2_FUNC(iface, name, fn, args)
#include "wasi2_funcs.def"
#undef W2_RESOURCE
#undef W2_FUNC
};

/* The runtime hands us the import's type too: a parameter count that
 * differs from the table's means the guest was built against another WIT. */
static bool host_fn(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type,
                    const wasmrt_cval *args, uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)caller;
    const w2_binding *b = env;
    if (type && wasmrt_cfunc_num_params(type) != strlen(b->e->args))
        return w2_trap(err, "%s#%s: imported with %u parameters, WASI 0.2 has %zu", b->e->iface,
                       b->e->name, wasmrt_cfunc_num_params(type), strlen(b->e->args));
    return w2_dispatch(b, args, nargs, result, err);
}

static bool versioned(char *buf, size_t cap, const char *iface, wasmrt_error *err) {
    int n = snprintf(buf, cap, "%s@%s", iface, WASMRT_WASI2_VERSION);
    if (n < 0 || (size_t)n >= cap) return w2_trap(err, "interface name too long: %s", iface);
    return true;
}

bool wasmrt_wasi2_define(wasmrt_wasi2 *w, wasmrt_clinker *l, wasmrt_error *err) {
    char iface[128];
    for (size_t i = 0; i < sizeof resources / sizeof resources[0]; i++)
        if (!versioned(iface, sizeof iface, resources[i].iface, err) ||
            !wasmrt_clinker_define_resource(l, iface, resources[i].name, w2_dtor, w, err))
            return false;
    for (uint32_t i = 0; i < w2_num_entries; i++)
        if (!versioned(iface, sizeof iface, w2_entries[i].iface, err) ||
            !wasmrt_clinker_define_func(l, iface, w2_entries[i].name, host_fn, &w->bindings[i], err))
            return false;
    return true;
}
