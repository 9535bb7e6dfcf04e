/* Same input + same flags => byte-identical artifact, whatever the thread
 * count, the output path or the temporary directory.
 *
 * The module is generated: enough functions (each calling the previous one,
 * so calls cross part boundaries) that the driver splits it into several
 * parts, which is where nondeterminism would come from (thread scheduling,
 * object order, temp file names leaking into the link).
 */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen.h"
#include "module.h"
#include "wasmc.h"

#include "wasm_bytes.h"

/* n functions (i32) -> i32; f_i computes some arithmetic on its argument
 * and adds f_{i-1}(x); the last is exported as "run". */
static uint8_t *gen_module(uint32_t n, size_t *size) {
    Buf out = {0}, s = {0}, body = {0};
    put(&out, "\0asm\1\0\0\0", 8);
    byte(&s, 1); byte(&s, 0x60); byte(&s, 1); byte(&s, 0x7f); byte(&s, 1); byte(&s, 0x7f);
    section(&out, 1, &s);
    uleb(&s, n);
    for (uint32_t i = 0; i < n; i++) byte(&s, 0);
    section(&out, 3, &s);
    byte(&s, 1); byte(&s, 3); put(&s, "run", 3); byte(&s, 0); uleb(&s, n - 1);
    section(&out, 7, &s);
    uleb(&s, n);
    for (uint32_t i = 0; i < n; i++) {
        body.n = 0;
        byte(&body, 0);                            /* no locals */
        byte(&body, 0x20); byte(&body, 0);         /* local.get 0 */
        for (uint32_t k = 0; k < 6; k++) {
            byte(&body, 0x41); sleb(&body, (int32_t)(i * 31 + k * 7 + 1)); byte(&body, 0x6c); /* i32.mul */
            byte(&body, 0x41); sleb(&body, (int32_t)(i ^ (k * 977))); byte(&body, 0x73);      /* i32.xor */
            byte(&body, 0x41); sleb(&body, (int32_t)(k + 3)); byte(&body, 0x77);              /* i32.rotl */
        }
        if (i > 0) {
            byte(&body, 0x20); byte(&body, 0);     /* local.get 0 */
            byte(&body, 0x10); uleb(&body, i - 1); /* call f_{i-1} */
            byte(&body, 0x6a);                     /* i32.add */
        }
        byte(&body, 0x0b);
        uleb(&s, body.n);
        put(&s, body.p, body.n);
    }
    section(&out, 10, &s);
    free(s.p);
    free(body.p);
    *size = out.n;
    return out.p;
}

static char dir[256];

static void setup(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wasmc-det-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert(mkdtemp(dir));
}

static void teardown(void) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)!system(cmd);
}

TestSuite(determinism, .init = setup, .fini = teardown, .timeout = 300);

static uint8_t *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s missing", path);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)sz);
    cr_assert(p && fread(p, 1, (size_t)sz, f) == (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return p;
}

static uint8_t *compile(const uint8_t *wasm, size_t size, const WasmcOptions *o, const char *name,
                        size_t *out_size) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    WasmError err;
    wasm_error_clear(&err);
    WasmcStats st;
    bool ok = wasmc_compile(wasm, size, o, path, &st, &err);
    cr_assert(ok, "compile %s failed: %s (offset %zu)", name, err.message, err.offset);
    uint8_t *p = slurp(path, out_size);
    cr_expect_eq(st.output_size, *out_size);
    return p;
}

static void expect_same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, const char *what) {
    cr_expect_eq(na, nb, "%s: sizes differ (%zu vs %zu)", what, na, nb);
    if (na == nb) {
        size_t i = 0;
        while (i < na && a[i] == b[i]) i++;
        cr_expect_eq(i, na, "%s: first difference at byte 0x%zx", what, i);
    }
}

Test(determinism, module_splits_into_several_parts) {
    size_t size;
    uint8_t *wasm = gen_module(1200, &size);
    Module m;
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(module_decode(wasm, size, &m, &err), "%s", err.message);
    CompileConfig cc = {.opt_level = 2, .part_sizes = compile_config_default_part_sizes()};
    CodegenPart *parts;
    uint32_t n = codegen_plan_parts(&m, &cc, &parts);
    cr_expect_gt(n, 2, "the test module should exercise several parts, got %u", n);
    /* Part 0 is the descriptor's alone; the others cover every defined
     * function exactly once, in order. */
    cr_expect(parts[0].metadata);
    cr_expect_eq(parts[0].last, parts[0].first);
    uint32_t next = 0;
    for (uint32_t i = 1; i < n; i++) {
        cr_expect(!parts[i].metadata);
        cr_expect_eq(parts[i].first, next);
        cr_expect_gt(parts[i].last, parts[i].first);
        next = parts[i].last;
    }
    cr_expect_eq(next, 1200);
    /* And the split is a function of the module alone. */
    CodegenPart *again;
    cr_expect_eq(codegen_plan_parts(&m, &cc, &again), n);
    cr_expect(memcmp(parts, again, n * sizeof *parts) == 0);
    free(parts);
    free(again);
    module_free(&m);
    free(wasm);
}

Test(determinism, same_bytes_across_runs_threads_and_paths) {
    size_t size;
    uint8_t *wasm = gen_module(1200, &size);
    WasmcOptions o;
    wasmc_options_default(&o);
    o.target_triple = "x86_64-linux-gnu";

    o.threads = 1;
    size_t n1, n2, n3, n4;
    uint8_t *a = compile(wasm, size, &o, "one.so", &n1);
    o.threads = 2;
    uint8_t *b = compile(wasm, size, &o, "two.so", &n2);
    o.threads = 4;
    uint8_t *c = compile(wasm, size, &o, "four-threads-and-a-longer-name.so", &n3);
    /* A different temporary directory must not leak into the output. */
    char tmp2[300];
    snprintf(tmp2, sizeof tmp2, "%s/other-tmp", dir);
    cr_assert(mkdir(tmp2, 0700) == 0);
    const char *old = getenv("TMPDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TMPDIR", tmp2, 1);
    o.threads = 3;
    uint8_t *d = compile(wasm, size, &o, "other-tmp.so", &n4);
    if (saved) setenv("TMPDIR", saved, 1);
    else unsetenv("TMPDIR");
    free(saved);

    expect_same(a, n1, b, n2, "-j1 vs -j2");
    expect_same(a, n1, c, n3, "-j1 vs -j4");
    expect_same(a, n1, d, n4, "-j1 vs -j3 with another TMPDIR");
    /* Neither path appears in the artifact. */
    cr_expect(!memmem(a, n1, dir, strlen(dir)), "the output directory leaked into the artifact");
    cr_expect(!memmem(a, n1, "/wasmc-", 7) && !memmem(a, n1, "p0.o", 4), "a temporary path leaked");
    free(a);
    free(b);
    free(c);
    free(d);
    free(wasm);
}

Test(determinism, same_bytes_per_target_and_level) {
    size_t size;
    uint8_t *wasm = gen_module(40, &size);
    static const char *const triples[] = {"x86_64-linux-gnu", "aarch64-linux-gnu"};
    for (int t = 0; t < 2; t++) {
        for (int lvl = 0; lvl <= 3; lvl += 3) {
            WasmcOptions o;
            wasmc_options_default(&o);
            o.target_triple = triples[t];
            o.opt_level = lvl;
            size_t n1, n2;
            uint8_t *a = compile(wasm, size, &o, "a.so", &n1);
            uint8_t *b = compile(wasm, size, &o, "b.so", &n2);
            char what[64];
            snprintf(what, sizeof what, "%s -O%d", triples[t], lvl);
            expect_same(a, n1, b, n2, what);
            free(a);
            free(b);
        }
    }
    free(wasm);
}
