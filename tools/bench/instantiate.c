/* Instantiation benchmark: how long libwasmrt takes to instantiate (and
 * free) a small module — one memory with a data segment, a table with an
 * element segment, globals, an import — the per-request cost of a host that
 * instantiates per request.  Compiles the module with libwasmc, loads it
 * once, then times N instantiate+free pairs in batches and prints the
 * median and minimum per pair.  A benchmark, not a test: it never fails on
 * a slow machine.
 *   wasmrt-bench-instantiate [N]          (default 20000)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasmc.h"
#include "wasmrt.h"

/* (module
     (import "env" "f" (func $f (param i32) (result i32)))
     (memory 1 16) (data (i32.const 16) "hello, instance")
     (table 4 funcref) (elem (i32.const 0) $g $g)
     (global $c (mut i32) (i32.const 7))
     (func $g (export "g") (param i32) (result i32)
       (call $f (i32.add (local.get 0) (global.get $c))))) */
static const unsigned char small_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,
    0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x66, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x04,
    0x04, 0x01, 0x70, 0x00, 0x04, 0x05, 0x04, 0x01, 0x01, 0x01, 0x10, 0x06, 0x06, 0x01, 0x7f, 0x01,
    0x41, 0x07, 0x0b, 0x07, 0x05, 0x01, 0x01, 0x67, 0x00, 0x01, 0x09, 0x08, 0x01, 0x00, 0x41, 0x00,
    0x0b, 0x02, 0x01, 0x01, 0x0a, 0x0b, 0x01, 0x09, 0x00, 0x20, 0x00, 0x23, 0x00, 0x6a, 0x10, 0x00,
    0x0b, 0x0b, 0x15, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x0f, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20,
    0x69, 0x6e, 0x73, 0x74, 0x61, 0x6e, 0x63, 0x65,
};

static void host_f(void *env, void *caller, wasmc_slot *slots) { slots[0].i32 += 1; }

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what, const char *msg) {
    fprintf(stderr, "wasmrt-bench-instantiate: %s: %s\n", what, msg);
    exit(1);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 20000;
    if (n < 100) n = 100;
    char dir[] = "/tmp/wasmrt-bench-XXXXXX", so[64];
    if (!mkdtemp(dir)) die("mkdtemp", "failed");
    snprintf(so, sizeof so, "%s/small.so", dir);

    WasmcOptions o;
    wasmc_options_default(&o);
    WasmError werr = {0};
    if (!wasmc_compile(small_wasm, sizeof small_wasm, &o, so, NULL, &werr)) die("compile", werr.message);

    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load(so, &err);
    unlink(so);
    rmdir(dir);
    if (!m) die("load", err.message);
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    if (!s) die("store", err.message);
    wasmrt_linker *l = wasmrt_linker_new();
    const uint8_t i32 = 0x7F;
    if (!wasmrt_linker_define_host_func(l, "env", "f", &i32, 1, &i32, 1, host_f, NULL, &err)) die("link", err.message);

    /* Check it works once, then time batches of 100 pairs. */
    wasmrt_trap trap;
    wasmrt_instance *inst = wasmrt_instantiate(s, m, l, &trap, &err);
    if (!inst) die("instantiate", err.message);
    wasmrt_extern ext;
    wasmrt_val arg = {.kind = 0x7F, .of.i32 = 1}, res;
    if (!wasmrt_instance_export(inst, "g", &ext) || !wasmrt_call(s, &ext.of.func, &arg, 1, &res, 1, &trap, &err) ||
        res.of.i32 != 9)
        die("call", "g(1) != 9");
    wasmrt_instance_free(inst);

    enum { BATCH = 100 };
    long batches = n / BATCH;
    double *per = malloc(sizeof(double) * (size_t)batches);
    for (long b = 0; b < batches; b++) {
        double t0 = now_ns();
        for (int i = 0; i < BATCH; i++) {
            inst = wasmrt_instantiate(s, m, l, &trap, &err);
            if (!inst) die("instantiate", err.message);
            wasmrt_instance_free(inst);
        }
        per[b] = (now_ns() - t0) / BATCH;
    }
    qsort(per, (size_t)batches, sizeof *per, cmp_double);
    printf("instantiate+free of a small module: median %.2f us, min %.2f us (%ld pairs)\n",
           per[batches / 2] / 1e3, per[0] / 1e3, batches * BATCH);
    free(per);
    wasmrt_linker_free(l);
    wasmrt_store_free(s);
    wasmrt_module_release(m);
    return 0;
}
