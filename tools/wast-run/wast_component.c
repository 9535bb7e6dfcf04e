/* Calling component exports for the script runner (see wast_component.h). */
#include "wast_component.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wast_cvalue.h"

/* Set by tools/wast-run/CMakeLists.txt from the runtime's sources; a
 * build that does not say (wast-exec) runs no components. */
#ifndef WAST_COMPONENT_RT
#define WAST_COMPONENT_RT 0
#define WAST_COMPONENT_RT_MISSING "its component API in this build"
#endif

#if WAST_COMPONENT_RT

const char *wast_component_runtime_missing(void) { return NULL; }

static const char *trap_message(const wasmrt_trap *t) {
    if ((t->code == WASMC_TRAP_CANON || t->code == WASMC_TRAP_HOST) && t->host_message[0]) return t->host_message;
    const char *m = wasmrt_trap_message(t->code);
    return m ? m : "unknown trap";
}


wasmrt_component *wast_component_load(const char *path, wasmrt_error *err) {
    return wasmrt_component_load(path, err);
}

void wast_component_release(wasmrt_component *c) { wasmrt_component_release(c); }

wasmrt_cinstance *wast_component_instantiate(wasmrt_store *s, wasmrt_component *c, wasmrt_clinker **linker,
                                             wasmrt_trap *trap, wasmrt_error *err) {
    if (!*linker && !(*linker = wasmrt_clinker_new())) {
        snprintf(err->message, sizeof err->message, "wasmrt_clinker_new failed");
        return NULL;
    }
    return wasmrt_component_instantiate(s, c, *linker, trap, err);
}

void wast_component_linker_free(wasmrt_clinker *linker) {
    if (linker) wasmrt_clinker_free(linker);
}

#else /* the runtime's component API is not there yet: nothing can run */

const char *wast_component_runtime_missing(void) {
    return "component runtime not implemented yet (libwasmrt has no " WAST_COMPONENT_RT_MISSING ")";
}

wasmrt_component *wast_component_load(const char *path, wasmrt_error *err) {
    (void)path;
    snprintf(err->message, sizeof err->message, "%s", wast_component_runtime_missing());
    return NULL;
}

void wast_component_release(wasmrt_component *c) { (void)c; }

wasmrt_cinstance *wast_component_instantiate(wasmrt_store *s, wasmrt_component *c, wasmrt_clinker **linker,
                                             wasmrt_trap *trap, wasmrt_error *err) {
    (void)s, (void)c, (void)linker, (void)trap;
    snprintf(err->message, sizeof err->message, "%s", wast_component_runtime_missing());
    return NULL;
}

void wast_component_linker_free(wasmrt_clinker *linker) { (void)linker; }

#endif

void wast_call_result_free(WastCallResult *r) {
    if (r->has_result) wasmrt_cval_free(&r->result);
    r->has_result = false;
}

void wast_component_invoke(wasmrt_cinstance *ci, const char *field, const JsonValue *args, WastCallResult *res) {
    memset(res, 0, sizeof *res);
#if !WAST_COMPONENT_RT
    (void)ci, (void)field, (void)args;
    res->not_implemented = true;
    snprintf(res->why, sizeof res->why, "%s", wast_component_runtime_missing());
#else
    const wasmrt_cfunc *f = wasmrt_cinstance_func(ci, "", field);
    if (!f) {
        snprintf(res->why, sizeof res->why, "the component exports no function \"%s\"", field);
        return;
    }
    size_t nargs = args && args->type == JSON_ARRAY ? args->u.array.count : 0;
    uint32_t np = wasmrt_cfunc_num_params(f);
    if (nargs != np) {
        snprintf(res->why, sizeof res->why, "\"%s\" takes %u arguments, the script gives %zu", field, np, nargs);
        return;
    }
    wasmrt_cval *argv = calloc(np ? np : 1, sizeof *argv);
    if (!argv) {
        snprintf(res->why, sizeof res->why, "out of memory");
        return;
    }
    uint32_t made = 0;
    for (; made < np; made++) {
        char err[300];
        if (!wast_cval_from_json(args->u.array.items[made], wasmrt_cfunc_param_type(f, made), &argv[made], err,
                                 sizeof err)) {
            snprintf(res->why, sizeof res->why, "argument %u: %s", made + 1, err);
            break;
        }
    }
    if (made == np) {
        res->type = wasmrt_cfunc_result_type(f);
        wasmrt_trap trap;
        memset(&trap, 0, sizeof trap);
        wasmrt_error e = {{0}};
        if (wasmrt_cinstance_call(ci, f, argv, np, &res->result, &trap, &e)) {
            res->ran = true;
            res->has_result = res->type != NULL;
        } else if (trap.code != WASMC_TRAP_NONE) {
            res->ran = true;
            res->trapped = true;
            snprintf(res->trap_msg, sizeof res->trap_msg, "%s", trap_message(&trap));
        } else {
            res->not_implemented = strstr(e.message, "not implemented") != NULL;
            snprintf(res->why, sizeof res->why, "call of \"%.100s\" failed: %.300s", field,
                     e.message[0] ? e.message : "(no message)");
        }
    }
    for (uint32_t i = 0; i < made; i++) wasmrt_cval_free(&argv[i]);
    free(argv);
#endif
}

bool wast_component_results_match(const WastCallResult *res, const JsonValue *expected, char *msg, size_t n) {
    size_t ne = expected && expected->type == JSON_ARRAY ? expected->u.array.count : 0;
    size_t ng = res->has_result ? 1 : 0;
    char got[300] = "nothing";
    if (res->has_result) wast_cval_format(res->type, &res->result, got, sizeof got);
    if (ne != ng) {
        snprintf(msg, n, "expected %zu results, got %s", ne, got);
        return false;
    }
    if (ne == 0) return true;
    wasmrt_cval want;
    char err[300];
    if (!wast_cval_from_json(expected->u.array.items[0], res->type, &want, err, sizeof err)) {
        snprintf(msg, n, "expected value: %s (got %s)", err, got);
        return false;
    }
    bool same = wast_cval_equal(res->type, &want, &res->result);
    if (!same) {
        char w[300];
        wast_cval_format(res->type, &want, w, sizeof w);
        snprintf(msg, n, "expected %s, got %s", w, got);
    }
    wasmrt_cval_free(&want);
    return same;
}
