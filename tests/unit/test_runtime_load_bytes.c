/* wasmrt_module_load_bytes refuses exactly what wasmrt_module_load refuses,
 * with the same message (named "<memory>" instead of the file), and runs
 * what it accepts.  Artifacts come from the real compiler
 * ($WASMC_BIN/wasmc); without it the tests are skipped. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasmrt.h"

/* (module (func (export "f") (result i32) i32.const 42)) */
static const uint8_t tiny_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
    0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04,
    0x00, 0x41, 0x2a, 0x0b,
};

static char dir[64];

static void write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    cr_assert_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

static uint8_t *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot read %s", path);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(*n ? *n : 1);
    cr_assert_eq(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

/* tiny_wasm compiled for `target` (NULL: the host); returns its bytes. */
static uint8_t *compile(const char *target, size_t *n) {
    const char *bin = getenv("WASMC_BIN");
    char wasmc[1024];
    snprintf(wasmc, sizeof wasmc, "%s/wasmc", bin ? bin : "");
    if (!bin || access(wasmc, X_OK) != 0) cr_skip_test("wasmc not available (set WASMC_BIN)");
    if (!dir[0]) {
        strcpy(dir, "/tmp/wasmrt-bytes-XXXXXX");
        cr_assert(mkdtemp(dir));
    }
    char in[256], out[256], cmd[2048];
    snprintf(in, sizeof in, "%s/tiny.wasm", dir);
    snprintf(out, sizeof out, "%s/tiny.so", dir);
    write_file(in, tiny_wasm, sizeof tiny_wasm);
    snprintf(cmd, sizeof cmd, "%s %s%s '%s' -o '%s'", wasmc, target ? "--target=" : "", target ? target : "",
             in, out);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    return read_file(out, n);
}

static void cleanup(void) {
    if (!dir[0]) return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

/* Loads p[0..n) from a file and from memory: both refused, with `needle`
 * in the message, and the messages equal but for the name. */
static void expect_same_refusal(const uint8_t *p, size_t n, const char *needle) {
    char path[300];
    snprintf(path, sizeof path, "%s/bad.so", dir);
    write_file(path, p, n);
    wasmrt_error ef, em;
    wasmrt_module *mf = wasmrt_module_load(path, &ef);
    wasmrt_module *mm = wasmrt_module_load_bytes(p, n, &em);
    cr_assert_null(mf, "the file loaded (%s expected)", needle);
    cr_assert_null(mm, "the bytes loaded (%s expected)", needle);
    cr_assert(strstr(ef.message, needle), "file: \"%s\" lacks \"%s\"", ef.message, needle);
    size_t pl = strlen(path);
    cr_assert(!strncmp(ef.message, path, pl), "file message \"%s\" does not start with the path", ef.message);
    cr_assert(!strncmp(em.message, "<memory>", 8), "bytes message \"%s\" does not name <memory>", em.message);
    cr_assert_str_eq(em.message + 8, ef.message + pl, "bytes: \"%s\", file: \"%s\"", em.message, ef.message);
}

static void expect_f_returns_42(wasmrt_module *m) {
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    cr_assert(s, "%s", err.message);
    wasmrt_linker *l = wasmrt_linker_new();
    wasmrt_trap trap;
    wasmrt_instance *inst = wasmrt_instantiate(s, m, l, &trap, &err);
    cr_assert(inst, "%s", err.message);
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(inst, "f", &ext));
    wasmrt_val r;
    cr_assert(wasmrt_call(s, &ext.of.func, NULL, 0, &r, 1, &trap, &err), "%s", err.message);
    cr_assert_eq(r.of.i32, 42);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
}

TestSuite(runtime_load_bytes, .fini = cleanup);

Test(runtime_load_bytes, good_bytes_run_and_may_be_freed_after_loading) {
    size_t n;
    uint8_t *p = compile(NULL, &n);
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load_bytes(p, n, &err);
    cr_assert(m, "%s", err.message);
    memset(p, 0xCC, n);
    free(p);
    expect_f_returns_42(m);
    wasmrt_module_release(m);
}

Test(runtime_load_bytes, truncated_in_the_image_and_in_the_trailer) {
    size_t n;
    uint8_t *p = compile(NULL, &n);
    expect_same_refusal(p, n / 2, "artifact truncated");
    expect_same_refusal(p, n - 10, "artifact truncated (incomplete trailer)");
    expect_same_refusal(p, 0, "not a wasmc artifact");
    free(p);
}

Test(runtime_load_bytes, bad_trailer_magic) {
    size_t n;
    uint8_t *p = compile(NULL, &n);
    p[n - sizeof(wasmc_trailer)] ^= 0x20;
    expect_same_refusal(p, n, "not a wasmc artifact (no wasmc trailer)");
    free(p);
}

Test(runtime_load_bytes, flipped_byte) {
    size_t n;
    uint8_t *p = compile(NULL, &n);
    p[n / 3] ^= 0x01;
    expect_same_refusal(p, n, "artifact checksum mismatch (corrupted or tampered)");
    free(p);
}

Test(runtime_load_bytes, wrong_format_version) {
    size_t n;
    uint8_t *p = compile(NULL, &n);
    wasmc_trailer t;
    memcpy(&t, p + n - sizeof t, sizeof t);
    t.format_version = 8;
    memcpy(p + n - sizeof t, &t, sizeof t);
    expect_same_refusal(p, n, "artifact format version 8");
    free(p);
}

Test(runtime_load_bytes, wrong_architecture) {
    size_t n;
#if defined(__x86_64__)
    uint8_t *p = compile("aarch64-linux-gnu", &n);
    expect_same_refusal(p, n, "artifact built for aarch64, this host is x86-64");
#else
    uint8_t *p = compile("x86_64-linux-gnu", &n);
    expect_same_refusal(p, n, "artifact built for x86-64, this host is aarch64");
#endif
    free(p);
}

Test(runtime_load_bytes, null_bytes_with_a_length) {
    wasmrt_error err;
    cr_assert_null(wasmrt_module_load_bytes(NULL, 10, &err));
    cr_assert_str_eq(err.message, "<memory>: no bytes");
}
