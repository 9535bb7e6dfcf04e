/* The harness the end-to-end semantics tests share: a WAT module is
 * assembled with wabt's wat2wasm, compiled with wasmc_compile in the chosen
 * memory mode, loaded and instantiated with libwasmrt, and its exports are
 * called.  When wabt or a piece of the pipeline is missing ("not
 * implemented"), the case is reported as skipped with the reason, never as
 * passed.  Include it once per test file (its functions are static). */
#ifndef WASMC_TEST_WAT_HARNESS_H
#define WASMC_TEST_WAT_HARNESS_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasmc.h"
#include "wasmrt.h"

typedef struct Harness {
    char dir[64];
    char so_path[96];
    wasmrt_module *module;
    wasmrt_store *store;
    wasmrt_instance *inst;
    /* Defines the module's imports in the linker, if it has any. */
    void (*define_imports)(wasmrt_linker *l);
} Harness;

static bool read_file(const char *path, uint8_t **out, size_t *size) {
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *out = malloc(n > 0 ? (size_t)n : 1);
    *size = n > 0 && fread(*out, 1, (size_t)n, fp) == (size_t)n ? (size_t)n : 0;
    fclose(fp);
    return *size > 0;
}

/* Skip the case (cleaning up first) because part of the pipeline is not
 * there yet: reported as skipped, never as passed. */
#define SKIP(h, ...)              \
    do {                          \
        harness_close(h);         \
        cr_skip_test(__VA_ARGS__); \
    } while (0)

static void harness_close(Harness *h);

static bool not_implemented(const char *msg) {
    return strstr(msg, "not implemented") || strstr(msg, "not yet supported") || strstr(msg, "unsupported");
}

/* Instantiate the compiled module afresh (a new store each time, so every
 * scenario starts from the module's initial state). */
static void harness_instantiate(Harness *h) {
    wasmrt_error err = {{0}};
    if (h->inst) {
        wasmrt_store_free(h->store);
        h->inst = NULL;
        h->store = NULL;
    }
    h->store = wasmrt_store_new(NULL, &err);
    if (!h->store && not_implemented(err.message))
        SKIP(h, "runtime not ready: %s", err.message);
    cr_assert(h->store, "wasmrt_store_new: %s", err.message);
    wasmrt_linker *l = wasmrt_linker_new();
    cr_assert(l);
    if (h->define_imports)
        h->define_imports(l);
    wasmrt_trap trap = {0};
    h->inst = wasmrt_instantiate(h->store, h->module, l, &trap, &err);
    wasmrt_linker_free(l);
    if (!h->inst && not_implemented(err.message))
        SKIP(h, "runtime not ready: %s", err.message);
    cr_assert(h->inst, "instantiate: %s (trap %d)", err.message, trap.code);
}

/* Assemble `wat` with wat2wasm inside `dir`; false when wabt is missing. */
static bool wat_to_wasm(const char *dir, const char *wat, uint8_t **bytes, size_t *size) {
    char wat_path[96], wasm_path[96], cmd[256];
    snprintf(wat_path, sizeof wat_path, "%s/m.wat", dir);
    snprintf(wasm_path, sizeof wasm_path, "%s/m.wasm", dir);
    FILE *fp = fopen(wat_path, "w");
    cr_assert(fp);
    fputs(wat, fp);
    fclose(fp);
    if (system("wat2wasm --version >/dev/null 2>&1") != 0)
        return false;
    /* 3.0's tail calls are the one feature beyond 2.0 wabt 1.0.32 assembles
     * that wasmc compiles; enabling them changes nothing for other text. */
    snprintf(cmd, sizeof cmd, "wat2wasm --enable-tail-call '%s' -o '%s'", wat_path, wasm_path);
    cr_assert_eq(system(cmd), 0, "wat2wasm rejected the test module");
    cr_assert(read_file(wasm_path, bytes, size));
    return true;
}

/* Compile the module `bytes` (consumed) with `opts` into h->so_path and
 * load it (not instantiated). */
static void harness_load_bytes_with(Harness *h, uint8_t *bytes, size_t size, const WasmcOptions *opts) {
    WasmError err;
    wasm_error_clear(&err);
    bool ok = wasmc_compile(bytes, size, opts, h->so_path, NULL, &err);
    free(bytes);
    if (!ok && (err.kind == WASM_ERR_UNSUPPORTED || not_implemented(err.message)))
        SKIP(h, "compiler not ready: %s", err.message);
    cr_assert(ok, "wasmc_compile: %s (offset %zu)", err.message, err.offset);

    wasmrt_error rerr = {{0}};
    h->module = wasmrt_module_load(h->so_path, &rerr);
    if (!h->module && not_implemented(rerr.message))
        SKIP(h, "runtime not ready: %s", rerr.message);
    cr_assert(h->module, "wasmrt_module_load: %s", rerr.message);
}

/* The same with the default options in the given memory mode. */
static inline void harness_load_bytes(Harness *h, uint8_t *bytes, size_t size, bool bounds_checks) {
    WasmcOptions opts;
    wasmc_options_default(&opts);
    opts.bounds_checks = bounds_checks;
    opts.threads = 1;
    opts.verify_guards = true;
    harness_load_bytes_with(h, bytes, size, &opts);
}

/* Assemble `wat`, compile it with `opts`, load and instantiate it. */
static void harness_open_with(Harness *h, const char *wat, const WasmcOptions *opts,
                              void (*define_imports)(wasmrt_linker *l)) {
    memset(h, 0, sizeof *h);
    h->define_imports = define_imports;
    strcpy(h->dir, "/tmp/wasmc-wattest-XXXXXX");
    cr_assert(mkdtemp(h->dir), "mkdtemp");
    snprintf(h->so_path, sizeof h->so_path, "%s/m.so", h->dir);
    uint8_t *bytes;
    size_t size;
    if (!wat_to_wasm(h->dir, wat, &bytes, &size))
        SKIP(h, "wat2wasm (wabt) is not installed");
    harness_load_bytes_with(h, bytes, size, opts);
    harness_instantiate(h);
}

/* Assemble, compile in the given mode, load and instantiate `wat`. */
static void harness_open_linked(Harness *h, const char *wat, bool bounds_checks,
                                void (*define_imports)(wasmrt_linker *l)) {
    WasmcOptions opts;
    wasmc_options_default(&opts);
    opts.bounds_checks = bounds_checks;
    opts.threads = 1;
    harness_open_with(h, wat, &opts, define_imports);
}

static inline void harness_open(Harness *h, const char *wat, bool bounds_checks) {
    harness_open_linked(h, wat, bounds_checks, NULL);
}

static void harness_close(Harness *h) {
    if (h->store)
        wasmrt_store_free(h->store);
    if (h->module)
        wasmrt_module_release(h->module);
    h->store = NULL;
    h->inst = NULL;
    h->module = NULL;
    const char *files[] = {"m.wat", "m.wasm", "m.so"};
    char path[128];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s/%s", h->dir, files[i]);
        unlink(path);
    }
    rmdir(h->dir);
}

/* Call export `name`; returns the trap code (WASMC_TRAP_NONE on success). */
static wasmc_trap_code invoke(Harness *h, const char *name, const wasmrt_val *args, uint32_t nargs,
                              wasmrt_val *results, uint32_t nresults) {
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(h->inst, name, &ext), "no export %s", name);
    cr_assert_eq(ext.kind, WASMC_EXTERN_FUNC);
    wasmrt_trap trap = {0};
    wasmrt_error err = {{0}};
    bool ok = wasmrt_call(h->store, &ext.of.func, args, nargs, results, nresults, &trap, &err);
    if (ok)
        return WASMC_TRAP_NONE;
    cr_assert_neq(trap.code, WASMC_TRAP_NONE, "%s: call failed without a trap: %s", name, err.message);
    return trap.code;
}

/* A thread that interrupts `store` 50 ms after harness_interrupt_later:
 * long enough for the call the test makes next to be running. Join it
 * with harness_interrupt_join once the call has trapped. */
static inline void *harness_interrupt_thread(void *store) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    wasmrt_store_interrupt(store);
    return NULL;
}
static inline pthread_t harness_interrupt_later(wasmrt_store *store) {
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, harness_interrupt_thread, store), 0);
    return th;
}
static inline void harness_interrupt_join(pthread_t th) { pthread_join(th, NULL); }

#endif
