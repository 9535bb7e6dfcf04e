/* wasmrt for components: --list-exports prints the world in WIT,
 * --invoke 'name(args)' calls an export with arguments written in WAVE
 * (the syntax of `wasmtime run --invoke`) and prints the result in WAVE.
 *
 * The component gets no host definitions here: running WASI 0.2 commands
 * (wasi:cli/run) needs the WASI 0.2 host, which this build does not have,
 * so a component importing anything fails to instantiate with the
 * runtime's "missing imports: ..." naming every one.  The seccomp filter
 * goes on after loading and before instantiation, as for core modules.
 */
#include "cli_component.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmrt_component.h"
#include "wasmrt_wasi.h"

enum { EXIT_OK = 0, EXIT_LOAD = 1, EXIT_USAGE = 2, EXIT_TRAP = 3 };

__attribute__((format(printf, 2, 3)))
static int fail(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("wasmrt: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return status;
}

bool cli_is_component(const char *path, const wasmrt_trust *trust) {
    wasmrt_error err = {{0}};
    return wasmrt_artifact_is_component_signed(path, trust, &err);
}

/* An export by its name: "name" for a direct export, "iface#name" for one
 * in an exported interface ("wasi:cli/run@0.2.0#run"). */
static const wasmrt_cfunc *lookup(void *env, const char *name) {
    wasmrt_cinstance *ci = env;
    const char *hash = strrchr(name, '#');
    if (!hash) return wasmrt_cinstance_func(ci, "", name);
    char *iface = strndup(name, (size_t)(hash - name));
    if (!iface) return NULL;
    const wasmrt_cfunc *f = wasmrt_cinstance_func(ci, iface, hash + 1);
    free(iface);
    return f;
}

static bool exports_cli_run(const wasmrt_component *c) {
    for (uint32_t i = 0; i < wasmrt_component_num_exports(c); i++) {
        wasmrt_citem e = wasmrt_component_export(c, i);
        if (strncmp(e.iface, "wasi:cli/run@", 13) == 0 && strcmp(e.name, "run") == 0) return true;
    }
    return false;
}

static const char *trap_text(const wasmrt_trap *t) {
    if ((t->code == WASMC_TRAP_CANON || t->code == WASMC_TRAP_HOST) && t->host_message[0]) return t->host_message;
    const char *m = wasmrt_trap_message(t->code);
    return m ? m : "unknown trap";
}

static int invoke(wasmrt_cinstance *ci, const char *call) {
    char *name;
    wasmrt_cval *args;
    uint32_t nargs;
    wasmrt_error err = {{0}};
    if (!wasmrt_wave_parse_call(call, &name, &args, &nargs, lookup, ci, &err))
        return fail(EXIT_USAGE, "--invoke '%s': %s", call, err.message);
    const wasmrt_cfunc *f = lookup(ci, name);
    const wasmrt_ctype *rt = wasmrt_cfunc_result_type(f);
    wasmrt_cval result;
    memset(&result, 0, sizeof result);
    wasmrt_trap trap;
    memset(&trap, 0, sizeof trap);
    bool ok = wasmrt_cinstance_call(ci, f, args, nargs, &result, &trap, &err);
    for (uint32_t i = 0; i < nargs; i++) wasmrt_cval_free(&args[i]);
    free(args);
    int status = EXIT_OK;
    if (!ok && trap.code != WASMC_TRAP_NONE) {
        fprintf(stderr, "wasmrt: trap: %s (in %s)\n", trap_text(&trap), name);
        status = EXIT_TRAP;
    } else if (!ok) {
        status = fail(EXIT_LOAD, "calling %s: %s", name, err.message);
    } else if (rt) {
        char *text = wasmrt_wave_print(rt, &result);
        wasmrt_cval_free(&result);
        if (!text) {
            status = fail(EXIT_LOAD, "out of memory printing the result");
        } else {
            printf("%s\n", text);
            free(text);
        }
    }
    free(name);
    return status;
}

int cli_component_main(const cli_component_opts *o) {
    wasmrt_error err = {{0}};
    wasmrt_component *c = wasmrt_component_load_signed(o->app, o->trust, &err);
    if (!c) return fail(EXIT_LOAD, "%s", err.message);
    if (o->list_exports) {
        char *wit = wasmrt_component_wit(c);
        if (!wit) return fail(EXIT_LOAD, "out of memory");
        fputs(wit, stdout);
        if (wit[0] && wit[strlen(wit) - 1] != '\n') putchar('\n');
        free(wit);
        return EXIT_OK;
    }
    if (o->nrest > 0)
        return fail(EXIT_USAGE, "a component takes its arguments inside the call: --invoke 'name(arg, ...)'");
    if (!o->invoke) {
        if (exports_cli_run(c))
            return fail(EXIT_LOAD, "'%s' is a wasi:cli/run command; running it needs the WASI 0.2 host, "
                        "which this build lacks (use --invoke to call an export)", o->app);
        return fail(EXIT_USAGE, "'%s' is a component: call an export with --invoke 'name(args)', "
                    "or see them with --list-exports", o->app);
    }
    wasmrt_store_config cfg = {.max_memory_pages = o->max_memory_pages};
    wasmrt_store *store = wasmrt_store_new(&cfg, &err);
    if (!store) return fail(EXIT_LOAD, "%s", err.message);
    wasmrt_clinker *linker = wasmrt_clinker_new();
    if (!linker) return fail(EXIT_LOAD, "out of memory");
    if (o->on_store) o->on_store(store);
    fflush(NULL);
    if (o->seccomp && !wasmrt_seccomp_install(&err))
        return fail(EXIT_LOAD, "%s (use --no-seccomp to run without the filter)", err.message);
    wasmrt_trap trap;
    memset(&trap, 0, sizeof trap);
    wasmrt_cinstance *ci = wasmrt_component_instantiate(store, c, linker, &trap, &err);
    if (!ci) {
        if (trap.code == WASMC_TRAP_NONE) return fail(EXIT_LOAD, "%s", err.message);
        fprintf(stderr, "wasmrt: trap: %s (instantiating %s)\n", trap_text(&trap), o->app);
        return EXIT_TRAP;
    }
    int status = invoke(ci, o->invoke);
    fflush(stdout);
    return status;
}
