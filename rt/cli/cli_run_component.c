/* wasmrt running a WASI 0.2 command component: the same sandbox and
 * flags as a preview1 command, wasi:cli/run#run instead of _start.
 *
 * Order of events as in main.c: load, define the host (wasi2 over the
 * preview1 sandbox), then Landlock and the seccomp filter (with what the
 * network policy needs), then instantiate and call.  Exit status: the
 * guest's wasi:cli/exit (ok 0, err 1), else run's result (ok 0, err 1);
 * load and link errors 1; traps 3 (main's trap_status).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_run_component.h"

#define EXIT_LOAD 1

static int fail(const char *fmt, const char *a, const char *b) {
    fputs("wasmrt: error: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    return EXIT_LOAD;
}

/* The export wasi:cli/run@0.2.x#run, any 0.2 patch version. */
static const wasmrt_cfunc *find_run(wasmrt_component *c, wasmrt_cinstance *ci) {
    static const char prefix[] = "wasi:cli/run@0.2.";
    for (uint32_t i = 0; i < wasmrt_component_num_exports(c); i++) {
        wasmrt_citem it = wasmrt_component_export(c, i);
        if (it.kind == WASMC_PLAN_FUNC && it.iface && !strncmp(it.iface, prefix, sizeof prefix - 1) &&
            !strcmp(it.name, "run"))
            return wasmrt_cinstance_func(ci, it.iface, it.name);
    }
    return NULL;
}

int cli_run_component(const cli_component_run *r) {
    wasmrt_error err = {{0}};
    wasmrt_component *c = wasmrt_component_load_signed(r->app, r->trust, &err);
    if (!c) return fail("%s%s", err.message, "");
    wasmrt_wasi2 *w2 = wasmrt_wasi2_new(r->wasi, &r->net, &err);
    if (!w2) return fail("%s%s", err.message, "");
    wasmrt_clinker *l = wasmrt_clinker_new();
    if (!l) return fail("%s%s", "out of memory", "");
    if (!wasmrt_wasi2_define(w2, l, &err)) return fail("%s%s", err.message, "");
    wasmrt_clinker_trap_unknown_imports(l, r->trap_unknown);

    fflush(NULL);
    bool applied;
    if (r->landlock && !wasmrt_wasi2_landlock(w2, &applied, &err))
        return fail("%s%s", err.message, " (use --no-landlock to run without it)");
    if (r->start_timer) r->start_timer(r->store);
    if (r->seccomp && !wasmrt_wasi2_seccomp_install(w2, &err))
        return fail("%s%s", err.message, " (use --no-seccomp to run without the filter)");

    wasmrt_trap trap = {0};
    int status;
    wasmrt_cinstance *ci = wasmrt_component_instantiate(r->store, c, l, &trap, &err);
    if (!ci) {
        if (trap.code == WASMC_TRAP_NONE) return fail("%s%s", err.message, "");
        status = r->trap_status(&trap);
    } else {
        const wasmrt_cfunc *run = find_run(c, ci);
        if (!run)
            return fail("'%s' exports no wasi:cli/run@0.2.x#run (not a WASI 0.2 command); call an export with "
                        "--invoke 'NAME(ARGS)'%s", r->app, "");
        wasmrt_cval result;
        memset(&result, 0, sizeof result);
        if (wasmrt_cinstance_call(ci, run, NULL, 0, &result, &trap, &err)) {
            status = result.kind == WASMC_CVAL_RESULT && result.of.variant.case_ == 0 ? 0 : 1;
            wasmrt_cval_free(&result);
        } else if (trap.code == WASMC_TRAP_NONE) {
            return fail("calling run: %s%s", err.message, "");
        } else {
            status = r->trap_status(&trap);
        }
    }
    if (r->stop_timer) r->stop_timer();
    /* As for core commands: no teardown, the kernel frees it all. */
    return status;
}
