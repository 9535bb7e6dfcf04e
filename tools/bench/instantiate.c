/* Instantiation benchmark: what libwasmrt costs a host that instantiates
 * per request, and how that cost holds up with many live instances.
 * A benchmark, not a test: it never fails on a slow machine.
 *
 *   wasmrt-bench-instantiate [N]
 *       median/min time of N instantiate+free pairs of a small module (one
 *       memory with a data segment, a table with an element segment, a
 *       global, an import), one store; the line tools/bench/harness.py reads.
 *   wasmrt-bench-instantiate --scale [--module plain|wasi|data|all]
 *                            [--mode guard|bounds|all] [--max N] [--pool N] [--cpu]
 *       one store per instance, instantiate until the first failure or N
 *       live instances (default 40000 guard, 250000 bounds; 500 for the
 *       data module, whose instances hold 8 MiB each before copy-on-write).
 *       Prints a markdown row per module and memory mode: instantiate time
 *       (median and p99) while ramping up, over the first 1000, the 1000
 *       before 10k and the last 1000; then at 1k, 10k and the maximum live,
 *       1000 rounds of freeing a random instance and instantiating a new
 *       one (instantiate and free, median and p99); resident memory and
 *       address space per live instance; resident memory after freeing all,
 *       against before the first instance, and after wasmrt_trim too.
 *       --write-pages N: each data-module instance writes one byte into
 *       each of the first N 4 KiB pages of its data (up to 2048, all of
 *       it) before it is freed, so "free" includes resetting them.  --pool N sets
 *       wasmrt_config.pool_slots (the up-front pooling allocator); --cpu
 *       times thread CPU time instead of wall time (a loaded machine).
 *       The WASI module's "instantiate" includes its WASI context and
 *       linker (wasmrt_wasi_new, wasmrt_wasi_define), its free includes
 *       freeing them.
 *   wasmrt-bench-instantiate --table N [--cpu]
 *       median/min time of instantiate+free pairs of a module with N
 *       functions and a table of N funcrefs filled by one element segment
 *       (what a big guest such as StarlingMonkey's JavaScript engine pays
 *       to fill its function table per instance).
 *   wasmrt-bench-instantiate --touch MIB [--no-thp]
 *       time to write every page of a fresh MIB MiB memory, with or without
 *       transparent huge pages (wasmrt_config.huge_page_pages).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "wasmc.h"
#include "wasmrt.h"
#include "wasmrt_wasi.h"

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

/* ---- a few bytes of module building for the WASI and data modules ---- */
typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;
static void put(buf *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void byte(buf *b, unsigned v) { unsigned char c = (unsigned char)v; put(b, &c, 1); }
static void uleb(buf *b, uint64_t v) {
    do {
        byte(b, (v & 0x7f) | (v >> 7 ? 0x80 : 0));
        v >>= 7;
    } while (v);
}
static void name(buf *b, const char *s) { uleb(b, strlen(s)); put(b, s, strlen(s)); }
static void section(buf *out, unsigned id, buf *content) {
    byte(out, id);
    uleb(out, content->n);
    put(out, content->p, content->n);
    content->n = 0;
}

/* (module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
           (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
           (memory (export "memory") 1 16) (data (i32.const 8) "hello\n")
           (func (export "_start") (drop (call 0 (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32))))) */
static buf wasi_module(void) {
    buf out = {0}, s = {0};
    put(&out, "\0asm\1\0\0\0", 8);
    uleb(&s, 3);
    put(&s, "\x60\x04\x7f\x7f\x7f\x7f\x01\x7f", 8);
    put(&s, "\x60\x01\x7f\x00", 4);
    put(&s, "\x60\x00\x00", 3);
    section(&out, 1, &s);
    uleb(&s, 2);
    name(&s, "wasi_snapshot_preview1"); name(&s, "fd_write"); byte(&s, 0); uleb(&s, 0);
    name(&s, "wasi_snapshot_preview1"); name(&s, "proc_exit"); byte(&s, 0); uleb(&s, 1);
    section(&out, 2, &s);
    uleb(&s, 1); uleb(&s, 2);
    section(&out, 3, &s);
    uleb(&s, 1); put(&s, "\x01\x01\x10", 3);
    section(&out, 5, &s);
    uleb(&s, 2);
    name(&s, "memory"); byte(&s, 2); uleb(&s, 0);
    name(&s, "_start"); byte(&s, 0); uleb(&s, 2);
    section(&out, 7, &s);
    static const unsigned char body[] = {0x00, 0x41, 0x01, 0x41, 0x00, 0x41, 0x01, 0x41, 0x20,
                                         0x10, 0x00, 0x1a, 0x0b};
    uleb(&s, 1); uleb(&s, sizeof body); put(&s, body, sizeof body);
    section(&out, 10, &s);
    uleb(&s, 1); put(&s, "\x00\x41\x08\x0b", 4); name(&s, "hello\n");
    section(&out, 11, &s);
    free(s.p);
    return out;
}

/* (module (memory (export "memory") 130 256) (data (i32.const 4096) "<8 MiB>")
           (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
           (func (export "scribble") (param $n i32) (local $i i32)   ;; one byte into each of
             (block (loop (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))   ;; the data's first n pages
               (i32.store8 offset=4096 (i32.shl (local.get $i) (i32.const 12)) (i32.const 1))
               (local.set $i (i32.add (local.get $i) (i32.const 1))) (br 0))))) */
#define DATA_BYTES (8u << 20)
static buf data_module(void) {
    buf out = {0}, s = {0};
    put(&out, "\0asm\1\0\0\0", 8);
    uleb(&s, 2); put(&s, "\x60\x01\x7f\x01\x7f", 5); put(&s, "\x60\x01\x7f\x00", 4);
    section(&out, 1, &s);
    uleb(&s, 2); uleb(&s, 0); uleb(&s, 1);
    section(&out, 3, &s);
    uleb(&s, 1); byte(&s, 1); uleb(&s, 130); uleb(&s, 256);
    section(&out, 5, &s);
    uleb(&s, 3);
    name(&s, "memory"); byte(&s, 2); uleb(&s, 0);
    name(&s, "peek"); byte(&s, 0); uleb(&s, 0);
    name(&s, "scribble"); byte(&s, 0); uleb(&s, 1);
    section(&out, 7, &s);
    static const unsigned char body[] = {0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b};
    static const unsigned char scribble[] = {
        0x01, 0x01, 0x7f,                                     /* (local i32) */
        0x02, 0x40, 0x03, 0x40,                               /* block loop */
        0x20, 0x01, 0x20, 0x00, 0x4f, 0x0d, 0x01,             /* br_if 1 (i >= n) */
        0x20, 0x01, 0x41, 0x0c, 0x74, 0x41, 0x01,             /* i << 12, 1 */
        0x3a, 0x00, 0x80, 0x20,                               /* i32.store8 offset=4096 */
        0x20, 0x01, 0x41, 0x01, 0x6a, 0x21, 0x01,             /* i += 1 */
        0x0c, 0x00, 0x0b, 0x0b, 0x0b};                        /* br 0, end, end, end */
    uleb(&s, 2);
    uleb(&s, sizeof body); put(&s, body, sizeof body);
    uleb(&s, sizeof scribble); put(&s, scribble, sizeof scribble);
    section(&out, 10, &s);
    unsigned char *d = malloc(DATA_BYTES);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < DATA_BYTES; i++) {   /* no zero pages to dedupe */
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        d[i] = (unsigned char)(x | 1);
    }
    uleb(&s, 1); put(&s, "\x00\x41\x80\x20\x0b", 5); uleb(&s, DATA_BYTES); put(&s, d, DATA_BYTES);
    free(d);
    section(&out, 11, &s);
    free(s.p);
    return out;
}

/* (module (type $r (func (result i32)))
           (func $f0 (result i32) (i32.const 0)) ... (func $fN-1 (i32.const N-1))
           (table N N funcref) (elem (i32.const 0) $f0 ... $fN-1)
           (func (export "call") (param i32) (result i32) (call_indirect (type $r) (local.get 0)))) */
static buf table_module(uint32_t n) {
    buf out = {0}, s = {0}, body = {0};
    put(&out, "\0asm\1\0\0\0", 8);
    uleb(&s, 2);
    put(&s, "\x60\x00\x01\x7f", 4);
    put(&s, "\x60\x01\x7f\x01\x7f", 5);
    section(&out, 1, &s);
    uleb(&s, n + 1);
    for (uint32_t i = 0; i < n; i++) uleb(&s, 0);
    uleb(&s, 1);
    section(&out, 3, &s);
    uleb(&s, 1); byte(&s, 0x70); byte(&s, 1); uleb(&s, n); uleb(&s, n);
    section(&out, 4, &s);
    uleb(&s, 1); name(&s, "call"); byte(&s, 0); uleb(&s, n);
    section(&out, 7, &s);
    uleb(&s, 1); put(&s, "\x00\x41\x00\x0b", 4); uleb(&s, n);
    for (uint32_t i = 0; i < n; i++) uleb(&s, i);
    section(&out, 9, &s);
    uleb(&s, n + 1);
    for (uint32_t i = 0; i < n; i++) {
        byte(&body, 0); byte(&body, 0x41);
        for (int64_t v = i;; v >>= 7) {   /* signed LEB128 of a non-negative value */
            bool last = v < 64;
            byte(&body, (v & 0x7f) | (last ? 0 : 0x80));
            if (last) break;
        }
        byte(&body, 0x0b);
        uleb(&s, body.n); put(&s, body.p, body.n); body.n = 0;
    }
    put(&body, "\x00\x20\x00\x11\x00\x00\x0b", 7);
    uleb(&s, body.n); put(&s, body.p, body.n);
    section(&out, 10, &s);
    free(s.p);
    free(body.p);
    return out;
}

static void host_f(void *env, void *caller, wasmc_slot *slots) {
    (void)env, (void)caller;
    slots[0].i32 += 1;
}

/* --cpu: time this thread's CPU time instead of wall time, so a loaded
 * machine's preemptions do not land in the per-operation figures. */
static clockid_t clock_used = CLOCK_MONOTONIC;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(clock_used, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static _Noreturn void die(const char *what, const char *msg) {
    fprintf(stderr, "wasmrt-bench-instantiate: %s: %s\n", what, msg);
    exit(1);
}

static wasmrt_module *compile_load(const unsigned char *wasm, size_t size, bool bounds) {
    char dir[] = "/tmp/wasmrt-bench-XXXXXX", so[64];
    if (!mkdtemp(dir)) die("mkdtemp", strerror(errno));
    snprintf(so, sizeof so, "%s/m.so", dir);
    WasmcOptions o;
    wasmc_options_default(&o);
    o.bounds_checks = bounds;
    WasmError werr = {0};
    if (!wasmc_compile(wasm, size, &o, so, NULL, &werr)) die("compile", werr.message);
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load(so, &err);
    unlink(so);
    rmdir(dir);
    if (!m) die("load", err.message);
    return m;
}

/* ---- the classic line: N instantiate+free pairs in one store ---- */
static int pairs(long n) {
    if (n < 100) n = 100;
    wasmrt_module *m = compile_load(small_wasm, sizeof small_wasm, false);
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    if (!s) die("store", err.message);
    wasmrt_linker *l = wasmrt_linker_new();
    const uint8_t i32 = 0x7F;
    if (!wasmrt_linker_define_host_func(l, "env", "f", &i32, 1, &i32, 1, host_f, NULL, &err))
        die("link", err.message);
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

/* ---- --table N: instantiate+free pairs of a module with a big table ---- */
static int table_pairs(uint32_t n) {
    buf wasm = table_module(n);
    wasmrt_module *m = compile_load(wasm.p, wasm.n, false);
    free(wasm.p);
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    if (!s) die("store", err.message);
    wasmrt_trap trap;
    enum { ROUNDS = 2000 };
    double *per = malloc(sizeof(double) * ROUNDS);
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_ns();
        wasmrt_instance *inst = wasmrt_instantiate(s, m, NULL, &trap, &err);
        if (!inst) die("instantiate", err.message);
        double t1 = now_ns();
        if (r == 0) {   /* every entry once, so a wrong table cannot pass for a fast one */
            wasmrt_extern ext;
            if (!wasmrt_instance_export(inst, "call", &ext)) die("export", "call");
            for (uint32_t i = 0; i < n; i++) {
                wasmrt_val arg = {.kind = 0x7F, .of.i32 = (int32_t)i}, res;
                if (!wasmrt_call(s, &ext.of.func, &arg, 1, &res, 1, &trap, &err) || res.of.i32 != (int32_t)i)
                    die("call", "call_indirect through the table gave a wrong result");
            }
        }
        wasmrt_instance_free(inst);
        per[r] = t1 - t0;
    }
    qsort(per, ROUNDS, sizeof *per, cmp_double);
    printf("instantiate of a module with a %u-entry table (%s time): median %.2f us, min %.2f us (%d rounds)\n",
           n, clock_used == CLOCK_MONOTONIC ? "wall" : "thread CPU", per[ROUNDS / 2] / 1e3, per[0] / 1e3, ROUNDS);
    free(per);
    wasmrt_store_free(s);
    wasmrt_module_release(m);
    return 0;
}

/* ---- --scale ---- */
enum { PLAIN, WASI, DATA };
static const char *const kind_names[] = {"plain", "wasi", "data"};

typedef struct live {
    wasmrt_store *store;
    wasmrt_instance *inst;
    wasmrt_wasi *wasi;
    wasmrt_linker *linker;
} live;

typedef struct bench {
    int kind;
    wasmrt_module *m;
    wasmrt_linker *shared_linker;   /* plain and data: one for all */
    uint32_t write_pages;           /* data: pages each instance writes (--write-pages) */
    wasmrt_error err;
} bench;

static bool make(bench *b, live *out) {
    memset(out, 0, sizeof *out);
    out->store = wasmrt_store_new(NULL, &b->err);
    if (!out->store) return false;
    wasmrt_linker *l = b->shared_linker;
    if (b->kind == WASI) {
        static const char *const argv[] = {"bench"};
        wasmrt_wasi_config c = {.argv = argv, .argc = 1, .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2};
        out->wasi = wasmrt_wasi_new(&c, &b->err);
        if (!out->wasi) goto fail;
        out->linker = l = wasmrt_linker_new();
        if (!l) {
            snprintf(b->err.message, sizeof b->err.message, "linker: out of memory");
            goto fail;
        }
        if (!wasmrt_wasi_define(out->wasi, l, &b->err)) goto fail;
    }
    wasmrt_trap trap;
    out->inst = wasmrt_instantiate(out->store, b->m, l, &trap, &b->err);
    if (out->inst) return true;
fail:
    if (out->linker) wasmrt_linker_free(out->linker);
    if (out->wasi) wasmrt_wasi_free(out->wasi);
    wasmrt_store_free(out->store);
    return false;
}

/* What an instance does between being made and freed (untimed): the data
 * module's instances write --write-pages pages of their data, which the
 * free then has to find and reset. */
static void use(bench *b, live *x) {
    if (b->kind != DATA || !b->write_pages) return;
    wasmrt_extern ext;
    wasmrt_val arg = {.kind = 0x7F, .of.i32 = (int32_t)b->write_pages};
    wasmrt_trap trap;
    if (!wasmrt_instance_export(x->inst, "scribble", &ext) ||
        !wasmrt_call(x->store, &ext.of.func, &arg, 1, NULL, 0, &trap, &b->err))
        die("scribble", b->err.message);
}

static void unmake(live *x) {
    wasmrt_instance_free(x->inst);
    wasmrt_store_free(x->store);
    if (x->linker) wasmrt_linker_free(x->linker);
    if (x->wasi) wasmrt_wasi_free(x->wasi);
}

static void statm(double *vsz_kib, double *rss_kib) {
    unsigned long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &res) != 2) size = res = 0;
        fclose(f);
    }
    double page = (double)sysconf(_SC_PAGESIZE) / 1024;
    *vsz_kib = (double)size * page;
    *rss_kib = (double)res * page;
}

typedef struct stat2 {
    double med, p99;
    bool ok;
} stat2;

static stat2 stats(double *v, long n) {
    stat2 s = {0};
    if (n <= 0) return s;
    double *c = malloc(sizeof *c * (size_t)n);
    memcpy(c, v, sizeof *c * (size_t)n);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    s.med = c[n / 2] / 1e3;
    s.p99 = c[(long)((double)(n - 1) * 0.99)] / 1e3;
    s.ok = true;
    free(c);
    return s;
}

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t next_rand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* 1000 rounds of free-a-random-one then instantiate-a-new-one at n live. */
static bool churn(bench *b, live *lv, long n, stat2 *inst, stat2 *fr) {
    enum { ROUNDS = 1000 };
    static double ti[ROUNDS], tf[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        long k = (long)(next_rand() % (uint64_t)n);
        double t0 = now_ns();
        unmake(&lv[k]);
        double t1 = now_ns();
        if (!make(b, &lv[k])) {
            /* Keep the array dense for the caller: move the last one here. */
            lv[k] = lv[n - 1];
            return false;
        }
        double t2 = now_ns();
        tf[r] = t1 - t0;
        ti[r] = t2 - t1;
        use(b, &lv[k]);
    }
    *inst = stats(ti, ROUNDS);
    *fr = stats(tf, ROUNDS);
    return true;
}

static void cell(char *out, size_t cap, stat2 s) {
    if (s.ok) snprintf(out, cap, "%.1f / %.1f", s.med, s.p99);
    else snprintf(out, cap, "-");
}

static void run_scale(int kind, bool bounds, long max, uint32_t write_pages) {
    bench b = {.kind = kind, .write_pages = write_pages};
    if (kind == WASI) {
        buf w = wasi_module();
        b.m = compile_load(w.p, w.n, bounds);
        free(w.p);
    } else if (kind == DATA) {
        buf w = data_module();
        b.m = compile_load(w.p, w.n, bounds);
        free(w.p);
    } else {
        b.m = compile_load(small_wasm, sizeof small_wasm, bounds);
        b.shared_linker = wasmrt_linker_new();
        const uint8_t i32 = 0x7F;
        if (!wasmrt_linker_define_host_func(b.shared_linker, "env", "f", &i32, 1, &i32, 1, host_f, NULL, &b.err))
            die("link", b.err.message);
    }
    if (kind == DATA) b.shared_linker = wasmrt_linker_new();

    live *lv = calloc((size_t)max + 1, sizeof *lv);
    double *ramp = malloc(sizeof *ramp * (size_t)(max + 1));
    if (!lv || !ramp) die("bench", "out of memory");
    /* The bench's own arrays are resident before the baseline. */
    memset(lv, 0, sizeof *lv * (size_t)(max + 1));
    memset(ramp, 0, sizeof *ramp * (size_t)(max + 1));
    double vsz0, rss0;
    statm(&vsz0, &rss0);
    stat2 ci[3] = {{0}}, cf[3] = {{0}};
    long at[3] = {1000, 10000, -1};
    long n = 0;
    char stop[600] = "";
    while (n < max) {
        double t0 = now_ns();
        if (!make(&b, &lv[n])) {
            snprintf(stop, sizeof stop, "%s", b.err.message);
            break;
        }
        ramp[n] = now_ns() - t0;
        use(&b, &lv[n]);
        n++;
        for (int c = 0; c < 2; c++)
            if (n == at[c] && n < max && !churn(&b, lv, n, &ci[c], &cf[c])) {
                snprintf(stop, sizeof stop, "(churn at %ld) %s", n, b.err.message);
                n--;
                goto done;
            }
    }
done:;
    double vsz1, rss1;
    statm(&vsz1, &rss1);
    at[2] = n;
    /* Churn at the maximum: free some first when we stopped at a failure,
     * so instantiation has room; same count as the ramp reached otherwise. */
    long cn = n;
    if (stop[0] && cn > 16) {
        for (int k = 0; k < 16; k++) unmake(&lv[--cn]);
    }
    if (cn > 0 && !churn(&b, lv, cn, &ci[2], &cf[2])) cn--;
    for (long k = 0; k < cn; k++) unmake(&lv[k]);
    double vsz2, rss2, vsz3, rss3;
    statm(&vsz2, &rss2);
#ifndef BENCH_OLD_RUNTIME
    wasmrt_trim();
#endif
    statm(&vsz3, &rss3);

    stat2 r1 = stats(ramp, n < 1000 ? n : 1000);
    stat2 r10 = n >= 10000 ? stats(ramp + 9000, 1000) : (stat2){0};
    stat2 rl = stats(ramp + (n > 1000 ? n - 1000 : 0), n > 1000 ? 1000 : n);
    char c[8][40];
    cell(c[0], 40, r1); cell(c[1], 40, r10); cell(c[2], 40, rl);
    cell(c[3], 40, ci[0]); cell(c[4], 40, ci[1]); cell(c[5], 40, ci[2]);
    char f[3][40];
    cell(f[0], 40, cf[0]); cell(f[1], 40, cf[1]); cell(f[2], 40, cf[2]);
    char label[32];
    snprintf(label, sizeof label, write_pages && kind == DATA ? "%s, writes %u pages" : "%s", kind_names[kind],
             write_pages);
    printf("| %s | %s | %ld | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f | %.1f | %+.1f | %+.1f |\n",
           label, bounds ? "bounds" : "guard", n, c[0], c[1], c[2], c[3], f[0], c[4], f[1],
           c[5], f[2], n ? (rss1 - rss0) / (double)n : 0, n ? (vsz1 - vsz0) / (double)n / 1024 : 0,
           (rss2 - rss0) / 1024, (rss3 - rss0) / 1024);
    if (stop[0]) printf("|  | stopped at %ld live: %s |\n", n, stop);
    fflush(stdout);
    free(lv);
    free(ramp);
    if (b.shared_linker) wasmrt_linker_free(b.shared_linker);
    wasmrt_module_release(b.m);
}

/* --touch MIB [--no-thp]: time writing every 4 KiB page of a fresh MIB MiB
 * guard-page memory (transparent huge pages unless --no-thp). */
static int touch(long mib, bool thp) {
#ifndef BENCH_OLD_RUNTIME
    wasmrt_error err;
    wasmrt_config c = {.huge_page_pages = thp ? 0 : UINT32_MAX};
    if (!wasmrt_configure(&c, &err)) die("configure", err.message);
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    if (!s) die("store", err.message);
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        wasmrt_memory *m = wasmrt_memory_new(s, (uint32_t)(mib * 16), (uint32_t)(mib * 16), true, &err);
        if (!m) die("memory", err.message);
        uint8_t *p = wasmrt_memory_data(m);
        double t0 = now_ns();
        for (uint64_t i = 0; i < (uint64_t)mib << 20; i += 4096) p[i] = 1;
        double t = now_ns() - t0;
        if (t < best) best = t;
        /* the store owns it; a new store per rep would also do */
    }
    printf("touching %ld MiB of a fresh memory, THP %s: %.2f ms (best of 5)\n", mib, thp ? "on" : "off", best / 1e6);
    wasmrt_store_free(s);
    return 0;
#else
    (void)mib, (void)thp;
    return 1;
#endif
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "--touch") == 0)
        return touch(atol(argv[2]), !(argc >= 4 && strcmp(argv[3], "--no-thp") == 0));
    if (argc >= 3 && strcmp(argv[1], "--table") == 0) {
        if (argc >= 4 && strcmp(argv[3], "--cpu") == 0) clock_used = CLOCK_THREAD_CPUTIME_ID;
        long n = atol(argv[2]);
        if (n < 1 || n > 1000000) die("usage", "--table N [--cpu], N from 1 to 1000000");
        return table_pairs((uint32_t)n);
    }
    if (argc < 2 || strcmp(argv[1], "--scale") != 0) return pairs(argc > 1 ? atol(argv[1]) : 20000);
    /* Compiling with LLVM in this process frees large blocks, which makes
     * glibc raise its trim threshold to tens of MiB; fix the defaults a
     * host without LLVM has, so "RSS after freeing all" is the runtime's. */
    mallopt(M_MMAP_THRESHOLD, 128 << 10);
    mallopt(M_TRIM_THRESHOLD, 128 << 10);
    int kinds = 7, modes = 3;
    long max = 0, pool = 0, write_pages = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(a, "--module") == 0) {
            kinds = !strcmp(v, "plain") ? 1 : !strcmp(v, "wasi") ? 2 : !strcmp(v, "data") ? 4 : 7;
            i++;
        } else if (strcmp(a, "--mode") == 0) {
            modes = !strcmp(v, "guard") ? 1 : !strcmp(v, "bounds") ? 2 : 3;
            i++;
        } else if (strcmp(a, "--cpu") == 0) {
            clock_used = CLOCK_THREAD_CPUTIME_ID;
        } else if (strcmp(a, "--pool") == 0) {
            pool = atol(v);
            i++;
        } else if (strcmp(a, "--write-pages") == 0) {
            write_pages = atol(v);
            if (write_pages < 0 || write_pages > DATA_BYTES / 4096) die("usage", "--write-pages: 0 to 2048");
            i++;
        } else if (strcmp(a, "--max") == 0) {
            max = atol(v);
            i++;
        } else {
            die("usage", "--scale [--module plain|wasi|data|all] [--mode guard|bounds|all] [--max N] "
                         "[--pool N] [--write-pages N] [--cpu]");
        }
    }
#ifndef BENCH_OLD_RUNTIME   /* the "before" column: built against a runtime without it */
    if (pool) {
        wasmrt_config c = {.pool_slots = (uint32_t)pool};
        wasmrt_error err;
        if (!wasmrt_configure(&c, &err)) die("configure", err.message);
    }
#endif
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("(ulimit -n %llu; %s time; pool %ld slots)\n\n", (unsigned long long)rl.rlim_cur,
           clock_used == CLOCK_MONOTONIC ? "wall" : "thread CPU", pool);
    printf("| module | memory | max live | inst 0-1k (med / p99 us) | inst 9k-10k | inst last 1k "
           "| inst @1k | free @1k | inst @10k | free @10k | inst @max | free @max "
           "| RSS KiB/inst | VA MiB/inst | RSS after free-all (MiB vs before) | and after wasmrt_trim |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < 3; k++)
        for (int mo = 0; mo < 2; mo++)
            if ((kinds >> k & 1) && (modes >> mo & 1)) {
                long cap = max ? max : k == DATA ? 500 : mo ? 250000 : 40000;
                run_scale(k, mo == 1, cap, (uint32_t)write_pages);
            }
    return 0;
}
