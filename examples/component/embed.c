/* An embedder of libwasmrt's component API: loads a component artifact,
 * prints its world, gives it a host function, and calls its export with
 * typed values.
 *
 *   component-example GREETER.so NAME...
 *
 * prints "Hello, NAME!" per name and how often the component logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmrt_component.h"

/* example:host/log@0.1.0#log: the component reports each greeting. */
static bool host_log(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type, const wasmrt_cval *args,
                     uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)caller, (void)type, (void)nargs, (void)result, (void)err;
    unsigned *count = env;
    fprintf(stderr, "log: %.*s\n", (int)args[0].of.str.len, args[0].of.str.ptr);
    ++*count;
    return true;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s GREETER.so NAME...\n", argv[0]);
        return 2;
    }
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_component *c = wasmrt_component_load(argv[1], &err);
    if (!c) {
        fprintf(stderr, "component-example: %s\n", err.message);
        return 1;
    }
    char *wit = wasmrt_component_wit(c);
    if (wit) fputs(wit, stdout);
    free(wit);

    unsigned logged = 0;
    wasmrt_clinker *linker = wasmrt_clinker_new();
    wasmrt_store *store = wasmrt_store_new(NULL, &err);
    wasmrt_cinstance *inst = NULL;
    int status = 1;
    /* Any 0.1.x of the interface satisfies the component's 0.1.0 import. */
    if (!store || !wasmrt_clinker_define_func(linker, "example:host/log@0.1.2", "log", host_log, &logged, &err) ||
        !(inst = wasmrt_component_instantiate(store, c, linker, &trap, &err))) {
        fprintf(stderr, "component-example: %s\n", err.message);
        goto out;
    }
    const wasmrt_cfunc *greet = wasmrt_cinstance_func(inst, NULL, "greet");
    if (!greet) {
        fprintf(stderr, "component-example: the component exports no greet\n");
        goto out;
    }
    for (int i = 2; i < argc; i++) {
        wasmrt_cval name = {.kind = WASMC_CVAL_STRING, .of.str = {argv[i], strlen(argv[i])}}, hello;
        if (!wasmrt_cinstance_call(inst, greet, &name, 1, &hello, &trap, &err)) {
            fprintf(stderr, "component-example: %s\n", err.message);
            goto out;
        }
        printf("%.*s\n", (int)hello.of.str.len, hello.of.str.ptr);
        wasmrt_cval_free(&hello);
    }
    printf("the component logged %u times\n", logged);
    status = 0;
out:
    wasmrt_store_free(store);   /* frees the instance too */
    wasmrt_clinker_free(linker);
    wasmrt_component_release(c);
    return status;
}
