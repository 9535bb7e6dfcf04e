/* Embedding libwasmrt: load a precompiled artifact, give it one host
 * function, call an export with typed values, and report a trap.
 *
 *   wasmc greet.wat.wasm -o greet.so      (see README.md beside this file)
 *   cc embed.c $(pkg-config --cflags --libs wasmrt) -o embed
 *   ./embed greet.so 20
 *
 * The guest exports `fib(n)` and imports `host.report(i32)`, which it calls
 * with its result; the host prints what it receives.  Everything that can
 * fail returns an error value with a one-line message.
 */
#include <stdio.h>
#include <stdlib.h>

#include <wasmrt.h>

/* host.report(i32): args_results[0] holds the argument; no results. */
static void report(void *env, void *caller, wasmc_slot *args_results) {
    (void)caller;
    const char *who = env;
    printf("%s: guest reported %d\n", who, (int)args_results[0].i32);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s APP.so N\n", argv[0]);
        return 2;
    }
    wasmrt_error err;
    wasmrt_trap trap;
    int status = 1;
    wasmrt_module *m = wasmrt_module_load(argv[1], &err);
    if (!m) {
        fprintf(stderr, "embed: %s\n", err.message);
        return 1;
    }
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_linker *l = wasmrt_linker_new();
    wasmrt_instance *inst = NULL;
    const uint8_t params[] = {0x7F}; /* i32 */
    if (!s || !l ||
        !wasmrt_linker_define_host_func(l, "host", "report", params, 1, NULL, 0, report, "host", &err))
        goto out;
    inst = wasmrt_instantiate(s, m, l, &trap, &err);
    if (!inst) goto out;

    wasmrt_extern fib;
    if (!wasmrt_instance_export(inst, "fib", &fib) || fib.kind != WASMC_EXTERN_FUNC) {
        snprintf(err.message, sizeof err.message, "no function export \"fib\"");
        goto out;
    }
    wasmrt_val arg = {.kind = 0x7F, .of.i32 = atoi(argv[2])};
    wasmrt_val res;
    if (!wasmrt_call(s, &fib.of.func, &arg, 1, &res, 1, &trap, &err)) {
        if (trap.code != WASMC_TRAP_NONE)
            snprintf(err.message, sizeof err.message, "trap: %s", wasmrt_trap_message(trap.code));
        goto out;
    }
    printf("fib(%d) = %d\n", arg.of.i32, res.of.i32);
    status = 0;
out:
    if (status) fprintf(stderr, "embed: %s\n", err.message);
    if (l) wasmrt_linker_free(l);
    if (s) wasmrt_store_free(s);  /* frees its instances */
    wasmrt_module_release(m);
    return status;
}
