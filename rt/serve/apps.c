/* The routes' components: each loaded (and signature-checked under
 * --trusted-keys) once, its wasi:http/incoming-handler export found, and
 * its imports checked against the host by one trial instantiation, so a
 * component the server cannot run is refused at start, not per request. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

static bool handler_iface(serve_route *r, wasmrt_error *err) {
    static const char prefix[] = "wasi:http/incoming-handler@0.2.";
    for (uint32_t i = 0; i < wasmrt_component_num_exports(r->comp); i++) {
        wasmrt_citem it = wasmrt_component_export(r->comp, i);
        if (it.kind == WASMC_PLAN_FUNC && it.iface && !strncmp(it.iface, prefix, sizeof prefix - 1) &&
            !strcmp(it.name, "handle")) {
            r->handler_iface = strdup(it.iface);
            return r->handler_iface != NULL;
        }
    }
    snprintf(err->message, sizeof err->message,
             "%s exports no wasi:http/incoming-handler@0.2.x#handle (not a wasi:http/proxy component)", r->path);
    return false;
}

static bool trial(serve_route *r, wasmrt_error *err) {
    wasmrt_wasi_config wc = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2};
    wasmrt_wasi *sb = wasmrt_wasi_new(&wc, err);
    wasmrt_wasi2 *w2 = sb ? wasmrt_wasi2_new(sb, NULL, err) : NULL;
    wasmrt_clinker *l = w2 ? wasmrt_clinker_new() : NULL;
    wasmrt_store *s = l && wasmrt_wasi2_define(w2, l, err) ? wasmrt_store_new(NULL, err) : NULL;
    bool ok = false;
    if (s) {
        wasmrt_trap trap = {0};
        wasmrt_cinstance *ci = wasmrt_component_instantiate(s, r->comp, l, &trap, err);
        if (ci) ok = wasmrt_cinstance_func(ci, r->handler_iface, "handle") != NULL;
        else if (trap.code != WASMC_TRAP_NONE)
            snprintf(err->message, sizeof err->message, "instantiating traps: %s", wasmrt_trap_message(trap.code));
        if (ci && !ok) snprintf(err->message, sizeof err->message, "handle export not found");
    }
    wasmrt_store_free(s);
    wasmrt_clinker_free(l);
    wasmrt_wasi2_free(w2);
    wasmrt_wasi_free(sb);
    return ok;
}

bool serve_apps_load(serve_config *cfg, wasmrt_error *err) {
    for (uint32_t i = 0; i < cfg->num_routes; i++) {
        serve_route *r = &cfg->routes[i];
        wasmrt_error e = {{0}};
        r->comp = wasmrt_component_load_signed(r->path, cfg->trust, &e);
        if (!r->comp) {   /* the loader's message names the file */
            snprintf(err->message, sizeof err->message, "%s", e.message);
            return false;
        }
        if (!handler_iface(r, &e) || !trial(r, &e)) {
            snprintf(err->message, sizeof err->message, "%.200s: %.300s", r->path, e.message);
            return false;
        }
    }
    return true;
}

const serve_route *serve_route_for(const serve_config *cfg, const char *path, size_t len) {
    const serve_route *best = NULL;
    size_t best_len = 0;
    for (uint32_t i = 0; i < cfg->num_routes; i++) {
        const serve_route *r = &cfg->routes[i];
        size_t n = strlen(r->prefix);
        while (n > 0 && r->prefix[n - 1] == '/') n--;   /* "/" and "/a/" match as "" and "/a" */
        if (n > len || memcmp(path, r->prefix, n) || (n < len && path[n] != '/')) continue;
        if (!best || n > best_len) {
            best = r;
            best_len = n;
        }
    }
    return best;
}
