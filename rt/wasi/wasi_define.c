/* Registers every wasi_snapshot_preview1 import in a linker.
 *
 * Each host function is a thin adapter from the runtime's slot calling
 * convention (wasmc_host_fn) to the ABI layer: it takes the caller's memory
 * view, unpacks the slots, and stores the WASI errno as the i32 result.
 * The adapters, the registered signatures and the ABI prototypes all come
 * from one table, wasi_preview1.def (one line per import, to compare with
 * the witx).  This is the only WASI file that depends on the runtime core,
 * which keeps the rest unit-testable alone.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "wasi_internal.h"

static void mem_of(void *caller, wasi_mem *m) {
    wasmrt_memory *mem = caller ? wasmrt_caller_memory(caller) : NULL;
    /* No memory: every pointer is out of bounds, so calls answer FAULT. */
    m->base = mem ? wasmrt_memory_data(mem) : NULL;
    m->size = mem ? wasmrt_memory_size(mem) : 0;
}
/* The adapters and the registration table, from wasi_preview1.def: each
 * ERRNO import unpacks its slots (i32 or i64 by the table) into its ABI
 * function and stores the errno as the i32 result. */
#define W1_ARG_U32(i) , s[i].i32
#define W1_ARG_U64(i) , s[i].i64
#define W1_ARG_VOID(i)
#define W1_ARG(t, i) W1_ARG_##t(i)
#define W1_ARGS(...) W1_MAP(W1_ARG, __VA_ARGS__)
#define W1_ADAPTER_ERRNO(name, params)                                   \
    static void h_##name(void *env, void *caller, wasmc_slot *s) {      \
        wasi_mem m;                                                      \
        mem_of(caller, &m);                                              \
        s[0].i64 = wasi_abi_##name(env, &m W1_ARGS params);              \
    }
#define W1_ADAPTER_EXIT(name, params)
#define WASI1(NAME, KIND, PARAMS) W1_ADAPTER_##KIND(NAME, PARAMS)
#include "wasi_preview1.def"
#undef WASI1

/* proc_exit ends the command: the runtime core unwinds to its caller. */
static void h_proc_exit(void *env, void *caller, wasmc_slot *s) {
    wasmrt_host_exit((int)s[0].i32);
}

typedef struct wasi_import {
    const char *name;
    const char *params;  /* 'i' i32, 'I' i64; every result is one i32 errno */
    wasmc_host_fn fn;
    bool noreturn;       /* KIND EXIT: no result */
} wasi_import;

#define W1_TYPE_U32 "i"
#define W1_TYPE_U64 "I"
#define W1_TYPE_VOID ""
#define W1_TYPE(t, i) W1_TYPE_##t
#define W1_TYPES(...) W1_MAP(W1_TYPE, __VA_ARGS__)
#define W1_NORETURN_ERRNO false
#define W1_NORETURN_EXIT true
static const wasi_import imports[] = {
#define WASI1(NAME, KIND, PARAMS) {#NAME, W1_TYPES PARAMS, h_##NAME, W1_NORETURN_##KIND},
#include "wasi_preview1.def"
#undef WASI1
};

bool wasmrt_wasi_define(wasmrt_wasi *w, wasmrt_linker *l, wasmrt_error *err) {
    for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++) {
        const wasi_import *im = &imports[i];
        uint8_t params[16];
        uint32_t np = 0;
        for (const char *c = im->params; *c; c++) params[np++] = *c == 'I' ? 0x7E : 0x7F;
        const uint8_t result = 0x7F;
        if (!wasmrt_linker_define_host_func(l, "wasi_snapshot_preview1", im->name, params, np,
                                            &result, im->noreturn ? 0 : 1, im->fn, w, err))
            return false;
    }
    return true;
}
