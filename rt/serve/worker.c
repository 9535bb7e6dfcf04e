/* One request, one instance.  Each server thread keeps its own WASI host
 * (a wasmrt_wasi2 over a sandbox with no directories, no arguments, no
 * environment, the server's stdout and stderr) and its own component
 * linker with that host defined, made on the thread's first request.
 * A request then gets a new store (its deadline is --timeout), a new
 * instance of the route's component, one call to handle, and when the
 * response has been copied out the store (with every instance and memory)
 * is freed and the host's resource table emptied: nothing of one request
 * is visible to the next. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

typedef struct worker {
    wasmrt_wasi *sb;
    wasmrt_wasi2 *w2;
    wasmrt_clinker *linker;
} worker;

static pthread_key_t worker_key;
static pthread_once_t worker_once = PTHREAD_ONCE_INIT;

static void worker_free(void *p) {
    worker *wk = p;
    if (!wk) return;
    wasmrt_clinker_free(wk->linker);
    wasmrt_wasi2_free(wk->w2);
    wasmrt_wasi_free(wk->sb);
    free(wk);
}

static void make_key(void) { pthread_key_create(&worker_key, worker_free); }

static worker *this_worker(const serve_config *cfg, wasmrt_error *err) {
    pthread_once(&worker_once, make_key);
    worker *wk = pthread_getspecific(worker_key);
    if (wk) return wk;
    wk = calloc(1, sizeof *wk);
    if (!wk) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    wasmrt_wasi_config wc = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2};
    bool ok = (wk->sb = wasmrt_wasi_new(&wc, err)) && (wk->w2 = wasmrt_wasi2_new(wk->sb, NULL, err)) &&
              (wk->linker = wasmrt_clinker_new()) && wasmrt_wasi2_define(wk->w2, wk->linker, err);
    for (uint32_t i = 0; ok && i < cfg->num_allow_http; i++) ok = wasmrt_wasi2_allow_http(wk->w2, cfg->allow_http[i], err);
    if (!ok) {
        worker_free(wk);
        return NULL;
    }
    pthread_setspecific(worker_key, wk);
    return wk;
}

static void describe_trap(const wasmrt_trap *t, char *buf, size_t cap) {
    const char *msg = t->code == WASMC_TRAP_HOST || t->code == WASMC_TRAP_CANON ? t->host_message
                                                                               : wasmrt_trap_message(t->code);
    if (t->func_name) snprintf(buf, cap, "trap: %s (in %s)", msg, t->func_name);
    else snprintf(buf, cap, "trap: %s", msg);
}

typedef struct set_hook {
    wasmrt_wasi2 *w2;
    void (*on_set)(wasmrt_wasi2 *w2, void *env);
    void *env;
} set_hook;

static void call_set_hook(void *p) {
    set_hook *h = p;
    h->on_set(h->w2, h->env);
}

void serve_handle(const serve_config *cfg, const serve_route *route, const wasmrt_http_request *req,
                  void (*on_set)(wasmrt_wasi2 *w2, void *env), void (*done)(const serve_result *res, void *env),
                  void *env) {
    char why[600];
    serve_result res = {.status = 500, .error = why};
    wasmrt_error err = {{0}};
    worker *wk = this_worker(cfg, &err);
    if (!wk) {
        snprintf(why, sizeof why, "cannot set up the WASI host: %s", err.message);
        done(&res, env);
        return;
    }
    wasmrt_store_config sc = {
        .max_memory_pages = cfg->max_memory_pages,
        .deadline_ns = (uint64_t)(cfg->timeout_s * 1e9),
    };
    wasmrt_store *s = wasmrt_store_new(&sc, &err);
    if (!s) {
        snprintf(why, sizeof why, "cannot make a store: %s", err.message);
        done(&res, env);
        return;
    }
    wasmrt_trap trap = {0};
    wasmrt_cinstance *ci = wasmrt_component_instantiate(s, route->comp, wk->linker, &trap, &err);
    if (ci) {
        atomic_fetch_add(&serve_stats.instances_total, 1);
        atomic_fetch_add(&serve_stats.live_instances, 1);
    }
    const wasmrt_cfunc *f = ci ? wasmrt_cinstance_func(ci, route->handler_iface, "handle") : NULL;
    wasmrt_cval args[2];
    wasmrt_http_response resp;
    if (!ci) {
        if (trap.code != WASMC_TRAP_NONE) {
            describe_trap(&trap, why, sizeof why);
            res.trapped = true;
            res.timed_out = trap.code == WASMC_TRAP_INTERRUPTED;
        } else {
            snprintf(why, sizeof why, "instantiation failed: %s", err.message);
        }
    } else if (!f) {
        snprintf(why, sizeof why, "no %s#handle", route->handler_iface);
    } else if (!wasmrt_wasi2_http_begin(wk->w2, req, args, &err)) {
        snprintf(why, sizeof why, "%s", err.message);
    } else {
        set_hook hook = {wk->w2, on_set, env};
        wasmrt_wasi2_http_on_set(wk->w2, on_set ? call_set_hook : NULL, &hook);
        wasmrt_cval unused;
        memset(&unused, 0, sizeof unused);
        if (!wasmrt_cinstance_call(ci, f, args, 2, &unused, &trap, &err)) {
            if (trap.code != WASMC_TRAP_NONE) {
                describe_trap(&trap, why, sizeof why);
                res.trapped = true;
                res.timed_out = trap.code == WASMC_TRAP_INTERRUPTED;
            } else {
                snprintf(why, sizeof why, "calling handle: %s", err.message);
            }
        } else if (!wasmrt_wasi2_http_response(wk->w2, &resp, &err)) {
            snprintf(why, sizeof why, "%s", err.message);
        } else {
            res.status = resp.status;
            res.resp = &resp;
            res.error = NULL;
        }
        wasmrt_wasi2_http_on_set(wk->w2, NULL, NULL);
    }
    done(&res, env);
    if (ci) atomic_fetch_sub(&serve_stats.live_instances, 1);
    wasmrt_store_free(s);
    wasmrt_wasi2_reset(wk->w2);
}
