/* The compile cache (compiler/cache.c, cache_key.c): parts compiled before
 * are reused, bad entries are recompiled, concurrent compiles share a
 * store, eviction bounds it, and the artifact is the same bytes with or
 * without the cache.
 *
 * The module is generated: many small functions (so it splits into
 * several parts), a memory and an active data segment.  Variants change
 * only the data bytes, or only one function's constants.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "cache_key.h"
#include "codegen.h"
#include "compile_config.h"
#include "module.h"
#include "wasmc.h"

#define NFUNCS 1500u

#include "wasm_bytes.h"

/* Function i computes a hash of its argument (its constants depend on i,
 * and on `salt` for function `salted`), adds a load from memory and calls
 * function i-1.  `data_byte` is the first byte of the data segment. */
static uint8_t *gen_module(uint32_t salted, int32_t salt, uint8_t data_byte, size_t *size) {
    Buf out = {0}, s = {0}, body = {0};
    put(&out, "\0asm\1\0\0\0", 8);
    byte(&s, 1); byte(&s, 0x60); byte(&s, 1); byte(&s, 0x7f); byte(&s, 1); byte(&s, 0x7f);
    section(&out, 1, &s);
    uleb(&s, NFUNCS);
    for (uint32_t i = 0; i < NFUNCS; i++) byte(&s, 0);
    section(&out, 3, &s);
    byte(&s, 1); byte(&s, 0); byte(&s, 1);                       /* memory: 1 page */
    section(&out, 5, &s);
    byte(&s, 1); byte(&s, 3); put(&s, "run", 3); byte(&s, 0); uleb(&s, NFUNCS - 1);
    section(&out, 7, &s);
    uleb(&s, NFUNCS);
    for (uint32_t i = 0; i < NFUNCS; i++) {
        body.n = 0;
        byte(&body, 0);
        byte(&body, 0x20); byte(&body, 0);
        int32_t extra = i == salted ? salt : 0;
        for (uint32_t k = 0; k < 6; k++) {
            byte(&body, 0x41); sleb(&body, (int32_t)(i * 31 + k * 7 + 1) + extra); byte(&body, 0x6c);
            byte(&body, 0x41); sleb(&body, (int32_t)(i ^ (k * 977))); byte(&body, 0x73);
            byte(&body, 0x41); sleb(&body, (int32_t)(k + 3)); byte(&body, 0x77);
        }
        byte(&body, 0x41); sleb(&body, (int32_t)(i % 64));        /* i32.load8_u offset=0 */
        byte(&body, 0x2d); byte(&body, 0); byte(&body, 0);
        byte(&body, 0x6a);
        if (i > 0) {
            byte(&body, 0x20); byte(&body, 0);
            byte(&body, 0x10); uleb(&body, i - 1);
            byte(&body, 0x6a);
        }
        byte(&body, 0x0b);
        uleb(&s, body.n);
        put(&s, body.p, body.n);
    }
    section(&out, 10, &s);
    uint8_t data[64];
    for (int i = 0; i < 64; i++) data[i] = (uint8_t)(i * 7 + 1);
    data[0] = data_byte;
    byte(&s, 1); byte(&s, 0); byte(&s, 0x41); byte(&s, 0); byte(&s, 0x0b);
    uleb(&s, sizeof data); put(&s, data, sizeof data);
    section(&out, 11, &s);
    free(s.p);
    free(body.p);
    *size = out.n;
    return out.p;
}

static char dir[256];
static char cache_path[300];

static void setup(void) {
    snprintf(dir, sizeof dir, "/tmp/wasmc-test-cache-XXXXXX");
    cr_assert(mkdtemp(dir));
    snprintf(cache_path, sizeof cache_path, "%s/cache", dir);
}

static void teardown(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {}
}

TestSuite(compile_cache, .init = setup, .fini = teardown, .timeout = 600);

static uint8_t *read_all(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)len + 1);
    cr_assert(fread(p, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* -O level of the compiles: the cache does the same at every level, and
 * -O0 keeps the suite quick; the first test also runs at -O2. */
static int opt_level = 0;

/* Compile with (cache_dir non-NULL) or without the cache; returns the
 * artifact and the stats. */
static uint8_t *compile(const uint8_t *wasm, size_t size, const char *cache, const char *name, size_t *n,
                        WasmcStats *st) {
    WasmcOptions o;
    wasmc_options_default(&o);
    o.opt_level = opt_level;
    o.target_triple = "x86_64-linux-gnu";
    o.threads = 2;
    o.cache_dir = cache;
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(wasmc_compile(wasm, size, &o, path, st, &err), "%s", err.message);
    return read_all(path, n);
}

static void expect_same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, const char *what) {
    cr_expect_eq(na, nb, "%s: sizes differ (%zu vs %zu)", what, na, nb);
    cr_expect(na == nb && memcmp(a, b, na) == 0, "%s: bytes differ", what);
}

/* Every entry file of the store, sorted. */
static size_t list_entries(char paths[][1200], size_t max) {
    size_t n = 0;
    DIR *top = opendir(cache_path);
    cr_assert(top);
    struct dirent *d;
    while ((d = readdir(top))) {
        if (d->d_name[0] == '.') continue;
        char sub[600];
        snprintf(sub, sizeof sub, "%s/%s", cache_path, d->d_name);
        DIR *sd = opendir(sub);
        if (!sd) continue;
        struct dirent *f;
        while ((f = readdir(sd)))
            if (f->d_name[0] != '.' && n < max) snprintf(paths[n++], 1200, "%s/%s", sub, f->d_name);
        closedir(sd);
    }
    closedir(top);
    qsort(paths, n, 1200, (int (*)(const void *, const void *))strcmp);
    return n;
}

Test(compile_cache, second_compile_takes_every_part_from_the_cache_and_writes_the_same_bytes) {
    opt_level = 2;
    size_t size, n0, n1, n2;
    uint8_t *wasm = gen_module(0, 0, 1, &size);
    WasmcStats s0, s1, s2;
    uint8_t *plain = compile(wasm, size, NULL, "plain.so", &n0, &s0);
    uint8_t *cold = compile(wasm, size, cache_path, "cold.so", &n1, &s1);
    uint8_t *warm = compile(wasm, size, cache_path, "warm.so", &n2, &s2);
    cr_expect_gt(s1.num_parts, 3, "the module should have several parts, got %u", s1.num_parts);
    cr_expect_eq(s0.parts_cached, 0);
    cr_expect_eq(s1.parts_cached, 0);
    cr_expect_eq(s2.parts_cached, s2.num_parts);
    expect_same(plain, n0, cold, n1, "without cache vs cold cache");
    expect_same(plain, n0, warm, n2, "without cache vs warm cache");
    free(plain); free(cold); free(warm); free(wasm);
}

Test(compile_cache, a_data_only_change_reuses_every_code_part) {
    size_t size, size2, n1, n2, n3;
    uint8_t *wasm = gen_module(0, 0, 1, &size);
    uint8_t *wasm2 = gen_module(0, 0, 2, &size2);
    WasmcStats s1, s2, s3;
    free(compile(wasm, size, cache_path, "a.so", &n1, &s1));
    uint8_t *b = compile(wasm2, size2, cache_path, "b.so", &n2, &s2);
    /* Only part 0 (descriptor and data) is compiled again. */
    cr_expect_eq(s2.parts_cached, s2.num_parts - 1, "%u of %u parts cached", s2.parts_cached, s2.num_parts);
    uint8_t *ref = compile(wasm2, size2, NULL, "ref.so", &n3, &s3);
    expect_same(ref, n3, b, n2, "data-only change: cached vs uncached");
    free(b); free(ref); free(wasm); free(wasm2);
}

Test(compile_cache, changing_one_function_recompiles_only_its_part_and_the_descriptor) {
    size_t size, size2, n1, n2, n3;
    uint8_t *wasm = gen_module(UINT32_MAX, 0, 1, &size);
    uint8_t *wasm2 = gen_module(NFUNCS / 2, 12345, 1, &size2);
    WasmcStats s1, s2, s3;
    free(compile(wasm, size, cache_path, "a.so", &n1, &s1));
    uint8_t *b = compile(wasm2, size2, cache_path, "b.so", &n2, &s2);
    /* The descriptor, the function's part and (when the edit moves a
     * content-defined cut) one neighbour at most; nothing else shifts. */
    cr_expect_gt(s2.num_parts, 5);
    cr_expect_geq(s2.parts_cached + 3, s2.num_parts, "%u of %u parts cached", s2.parts_cached, s2.num_parts);
    cr_expect_lt(s2.parts_cached, s2.num_parts);
    uint8_t *ref = compile(wasm2, size2, NULL, "ref.so", &n3, &s3);
    expect_same(ref, n3, b, n2, "one function changed: cached vs uncached");
    free(b); free(ref); free(wasm); free(wasm2);
}

Test(compile_cache, other_flags_do_not_reuse_objects) {
    size_t size, n1;
    uint8_t *wasm = gen_module(0, 0, 1, &size);
    WasmcStats s1;
    free(compile(wasm, size, cache_path, "a.so", &n1, &s1));
    WasmcOptions o;
    wasmc_options_default(&o);
    o.target_triple = "x86_64-linux-gnu";
    o.opt_level = 0;
    o.cache_dir = cache_path;
    o.bounds_checks = true;
    WasmcStats st;
    WasmError err;
    wasm_error_clear(&err);
    char path[400];
    snprintf(path, sizeof path, "%s/bc.so", dir);
    cr_assert(wasmc_compile(wasm, size, &o, path, &st, &err), "%s", err.message);
    cr_expect_eq(st.parts_cached, 0);
    o.bounds_checks = false;
    o.opt_level = 1;   /* the other compiles are -O0 */
    cr_assert(wasmc_compile(wasm, size, &o, path, &st, &err), "%s", err.message);
    cr_expect_eq(st.parts_cached, 0);
    free(wasm);
}

/* The key covers every "code" field of the CompileConfig (one changed at a
 * time changes it) and no "run" field (compile_config.h): a missing field
 * would hand a compile objects made with another value of it. */
Test(compile_cache, every_config_field_that_changes_code_is_in_the_key_and_no_other) {
    size_t size;
    uint8_t *wasm = gen_module(0, 0, 1, &size);
    Module m;
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(module_decode(wasm, size, &m, &err), "%s", err.message);
    WasmcOptions o;
    wasmc_options_default(&o);
    o.target_triple = "x86_64-linux-gnu";
    CompileConfig base;
    cr_assert(compile_config_resolve(&o, &base, &err), "%s", err.message);
    uint8_t k0[32], k[32];
    cache_key_env(&m, &base, NULL, NULL, k0);
    static char cpu2[] = "x86-64-v3", feat2[] = "+avx2";
#define CODE_FIELD(what, change)                                          \
    do {                                                                  \
        CompileConfig c = base;                                           \
        change;                                                           \
        cache_key_env(&m, &c, NULL, NULL, k);                             \
        cr_expect(memcmp(k, k0, 32) != 0, "%s is not in the key", what); \
    } while (0)
#define RUN_FIELD(what, change)                                           \
    do {                                                                  \
        CompileConfig c = base;                                           \
        change;                                                           \
        cache_key_env(&m, &c, NULL, NULL, k);                             \
        cr_expect(memcmp(k, k0, 32) == 0, "%s changes the key", what);    \
    } while (0)
    CODE_FIELD("target", c.target = &target_aarch64);
    CODE_FIELD("cpu", c.cpu = cpu2);
    CODE_FIELD("features", c.features = feat2);
    CODE_FIELD("cpu_features", c.cpu_features ^= 1);
    CODE_FIELD("opt_level", c.opt_level = 3);
    CODE_FIELD("memory_mode", c.memory_mode = WASMC_MEMORY_BOUNDS_CHECKS);
    CODE_FIELD("interrupt_poll", c.interrupt_poll = !c.interrupt_poll);
    /* The generated module is no WASI command: its trap state is exact
     * either way, so exact_traps is tested through lm_exact_trap_state
     * (test_memory_table_semantics pins what it changes). */
    CODE_FIELD("frame_pointers", c.frame_pointers = !c.frame_pointers);
    CODE_FIELD("disabled_passes", c.disabled_passes ^= 2);
    CODE_FIELD("llvm_pipeline", c.llvm_pipeline = "default<O1>");
    CODE_FIELD("part_sizes.min", c.part_sizes.min += 1);
    CODE_FIELD("part_sizes.max", c.part_sizes.max += 1);
    CODE_FIELD("part_sizes.cut_mask", c.part_sizes.cut_mask += 1);
    CODE_FIELD("verify_guards", c.verify_guards = !c.verify_guards);
    RUN_FIELD("threads", c.threads += 1);
    RUN_FIELD("verbose", c.verbose = !c.verbose);
    RUN_FIELD("time_report", c.time_report = !c.time_report);
    RUN_FIELD("dump_ir_dir", c.dump_ir_dir = "/nonexistent");
    RUN_FIELD("cache_dir", c.cache_dir = "/nonexistent");
    RUN_FIELD("cache_max_bytes", c.cache_max_bytes += 1);
    RUN_FIELD("linker", c.linker = "/nonexistent/ld.lld");
#undef CODE_FIELD
#undef RUN_FIELD
    compile_config_free(&base);
    module_free(&m);
    free(wasm);
}

static void damage_and_recompile(bool truncate_it) {
    size_t size, n1, n2, n3;
    uint8_t *wasm = gen_module(0, 0, 1, &size);
    WasmcStats s1, s2, s3;
    uint8_t *a = compile(wasm, size, cache_path, "a.so", &n1, &s1);
    static char paths[4096][1200];
    size_t ne = list_entries(paths, 4096);
    cr_assert_eq(ne, s1.num_parts, "one entry per part: %zu entries, %u parts", ne, s1.num_parts);
    /* Damage one entry: the biggest, so the byte lands in the object. */
    size_t victim = 0;
    off_t biggest = 0;
    for (size_t i = 0; i < ne; i++) {
        struct stat st;
        cr_assert(stat(paths[i], &st) == 0);
        if (st.st_size > biggest) biggest = st.st_size, victim = i;
    }
    if (truncate_it) {
        cr_assert(truncate(paths[victim], biggest - 100) == 0);
    } else {
        int fd = open(paths[victim], O_RDWR);
        cr_assert(fd >= 0);
        uint8_t b;
        cr_assert(pread(fd, &b, 1, biggest / 2) == 1);
        b ^= 0x20;
        cr_assert(pwrite(fd, &b, 1, biggest / 2) == 1);
        close(fd);
    }
    uint8_t *b = compile(wasm, size, cache_path, "b.so", &n2, &s2);
    cr_expect_eq(s2.parts_cached, s2.num_parts - 1, "the damaged entry is a miss: %u of %u cached",
                 s2.parts_cached, s2.num_parts);
    expect_same(a, n1, b, n2, "after recompiling the damaged entry");
    /* It was replaced by a good one. */
    uint8_t *c = compile(wasm, size, cache_path, "c.so", &n3, &s3);
    cr_expect_eq(s3.parts_cached, s3.num_parts);
    expect_same(a, n1, c, n3, "from the repaired cache");
    free(a); free(b); free(c); free(wasm);
}

Test(compile_cache, a_corrupted_entry_is_recompiled_not_linked) { damage_and_recompile(false); }

Test(compile_cache, a_truncated_entry_is_recompiled_not_linked) { damage_and_recompile(true); }

Test(compile_cache, concurrent_compiles_share_one_store) {
    size_t size, n0;
    uint8_t *wasm = gen_module(0, 0, 1, &size);
    WasmcStats s0;
    uint8_t *ref = compile(wasm, size, NULL, "ref.so", &n0, &s0);
    enum { WRITERS = 4 };
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        cr_assert(pids[w] >= 0);
        if (pids[w] == 0) {
            WasmcOptions o;
            wasmc_options_default(&o);
            o.target_triple = "x86_64-linux-gnu";
            o.opt_level = opt_level;
            o.threads = 1;
            o.cache_dir = cache_path;
            char path[400];
            snprintf(path, sizeof path, "%s/w%d.so", dir, w);
            WasmError err;
            _exit(wasmc_compile(wasm, size, &o, path, NULL, &err) ? 0 : 1);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        cr_assert(waitpid(pids[w], &status, 0) == pids[w]);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed", w);
        char name[32];
        snprintf(name, sizeof name, "w%d.so", w);
        char path[400];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        size_t n;
        uint8_t *got = read_all(path, &n);
        expect_same(ref, n0, got, n, name);
        free(got);
    }
    /* No temporaries left, one good entry per part. */
    static char paths[4096][1200];
    size_t ne = list_entries(paths, 4096);
    cr_expect_eq(ne, s0.num_parts);
    size_t n1;
    WasmcStats s1;
    uint8_t *again = compile(wasm, size, cache_path, "again.so", &n1, &s1);
    cr_expect_eq(s1.parts_cached, s1.num_parts);
    expect_same(ref, n0, again, n1, "after concurrent writers");
    free(again); free(ref); free(wasm);
}

static void key_of(uint32_t i, uint8_t key[32]) {
    memset(key, 0, 32);
    memcpy(key, &i, sizeof i);
    key[31] = 0x5a;
}

Test(compile_cache, eviction_removes_least_recently_used_entries_first) {
    WasmError err;
    wasm_error_clear(&err);
    WasmcCache *c = cache_open(cache_path, 1u << 20, &err);
    cr_assert(c, "%s", err.message);
    static uint8_t blob[64 * 1024];
    for (size_t i = 0; i < sizeof blob; i++) blob[i] = (uint8_t)(i * 13);
    enum { N = 40 };  /* 40 x 64 KiB: 2.5 MiB in a 1 MiB store */
    for (uint32_t i = 0; i < N; i++) {
        uint8_t key[32];
        key_of(i, key);
        blob[0] = (uint8_t)i;
        cache_put(c, key, blob, sizeof blob);
    }
    cr_assert_eq(cache_stats(c).stores, N);
    /* Age them: entry i was last used at time 1000 + i ... */
    static char paths[4096][1200];
    size_t ne = list_entries(paths, 4096);
    cr_assert_eq(ne, N);
    for (uint32_t i = 0; i < N; i++) {
        uint8_t key[32];
        key_of(i, key);
        uint8_t *data;
        size_t size;
        cr_assert(cache_get(c, key, &data, &size));
        cr_expect_eq(size, sizeof blob);
        cr_expect_eq(data[0], (uint8_t)i);
        free(data);
        char hex[65];
        for (int k = 0; k < 32; k++) snprintf(hex + 2 * k, 3, "%02x", key[k]);
        char path[700];
        snprintf(path, sizeof path, "%s/%.2s/%s", cache_path, hex, hex + 2);
        struct timespec t[2] = {{1000 + i, 0}, {1000 + i, 0}};
        cr_assert(utimensat(AT_FDCWD, path, t, 0) == 0);
    }
    /* ... except entry 0, which a lookup now makes the most recent. */
    uint8_t key0[32], *data;
    size_t size;
    key_of(0, key0);
    cr_assert(cache_get(c, key0, &data, &size));
    free(data);
    cache_evict(c);
    ne = list_entries(paths, 4096);
    uint64_t total = 0;
    for (size_t i = 0; i < ne; i++) {
        struct stat st;
        cr_assert(stat(paths[i], &st) == 0);
        total += (uint64_t)st.st_size;
    }
    cr_expect_leq(total, 1u << 20, "store is %llu bytes after eviction", (unsigned long long)total);
    cr_expect_gt(ne, 5);
    /* The survivors are the most recently used: entry 0 and the newest. */
    cr_expect(cache_get(c, key0, &data, &size), "the entry just used was evicted");
    free(data);
    uint8_t key[32];
    key_of(N - 1, key);
    cr_expect(cache_get(c, key, &data, &size), "the newest entry was evicted");
    free(data);
    key_of(1, key);
    cr_expect(!cache_get(c, key, &data, &size), "the oldest entry survived");
    cache_close(c);
}
