/* Signed artifacts: wasmc --keygen / --sign and the runtime's trusted keys.
 * With trusted keys, every tampering is refused before anything is mapped,
 * each with its own message; without them a signed artifact loads like an
 * unsigned one.  Uses the real compiler ($WASMC_BIN); skipped without it. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmrt.h"

/* (module (func (export "f") (result i32) i32.const 42)) */
static const uint8_t tiny_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
    0x03, 0x02, 0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04,
    0x00, 0x41, 0x2a, 0x0b,
};

static char dir[64];
static char bin[1024];

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

static char *path(const char *name) {
    static char p[8][256];
    static int k;
    char *r = p[k++ % 8];
    snprintf(r, 256, "%s/%s", dir, name);
    return r;
}

/* Keys a and b, trust/ holding a.pub; tiny.wasm as signed-by-a.so,
 * signed-by-b.so and unsigned.so. */
static void setup(void) {
    const char *b = getenv("WASMC_BIN");
    if (!b) return;
    snprintf(bin, sizeof bin, "%s", b);
    strcpy(dir, "/tmp/wasmrt-sig-XXXXXX");
    cr_assert(mkdtemp(dir));
    write_file(path("tiny.wasm"), tiny_wasm, sizeof tiny_wasm);
    char cmd[4096];
    cr_assert_eq(mkdir(path("trust"), 0700), 0);
    snprintf(cmd, sizeof cmd, "%s/wasmc --keygen %s/a >/dev/null && %s/wasmc --keygen %s/b >/dev/null && "
             "cp %s/a.pub %s/trust/", bin, dir, bin, dir, dir, dir);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    snprintf(cmd, sizeof cmd, "%s/wasmc --sign %s/a.key %s/tiny.wasm -o %s/signed-by-a.so && "
             "%s/wasmc --sign %s/b.key %s/tiny.wasm -o %s/signed-by-b.so && "
             "%s/wasmc %s/tiny.wasm -o %s/unsigned.so",
             bin, dir, dir, dir, bin, dir, dir, dir, bin, dir, dir);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
}

static void teardown(void) {
    if (!dir[0]) return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

static wasmrt_trust *trust(void) {
    if (!dir[0]) cr_skip_test("wasmc not available (set WASMC_BIN)");
    wasmrt_error err;
    wasmrt_trust *t = wasmrt_trust_load_dir(path("trust"), &err);
    cr_assert(t, "%s", err.message);
    return t;
}

static int f_result(wasmrt_module *m) {
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_linker *l = wasmrt_linker_new();
    wasmrt_trap trap;
    wasmrt_instance *inst = wasmrt_instantiate(s, m, l, &trap, &err);
    cr_assert(inst, "%s", err.message);
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(inst, "f", &ext));
    wasmrt_val r;
    cr_assert(wasmrt_call(s, &ext.of.func, NULL, 0, &r, 1, &trap, &err), "%s", err.message);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    return r.of.i32;
}

/* Refused from the file and from memory, the same message each way. */
static void expect_refusal(const wasmrt_trust *t, const uint8_t *p, size_t n, const char *needle) {
    char *file = path("candidate.so");
    write_file(file, p, n);
    wasmrt_error ef, em;
    wasmrt_module *m = wasmrt_module_load_signed(file, t, &ef);
    cr_assert_null(m, "loaded (%s expected)", needle);
    cr_assert(strstr(ef.message, needle), "\"%s\" lacks \"%s\"", ef.message, needle);
    m = wasmrt_module_load_bytes_signed(p, n, t, &em);
    cr_assert_null(m, "loaded from memory (%s expected)", needle);
    cr_assert_str_eq(em.message + strlen("<memory>"), ef.message + strlen(file));
}

TestSuite(artifact_signature, .init = setup, .fini = teardown);

Test(artifact_signature, signed_by_a_trusted_key_runs) {
    wasmrt_trust *t = trust();
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load_signed(path("signed-by-a.so"), t, &err);
    cr_assert(m, "%s", err.message);
    cr_assert_eq(f_result(m), 42);
    wasmrt_module_release(m);
    size_t n;
    uint8_t *p = read_file(path("signed-by-a.so"), &n);
    m = wasmrt_module_load_bytes_signed(p, n, t, &err);
    cr_assert(m, "%s", err.message);
    wasmrt_module_release(m);
    free(p);
    wasmrt_trust_free(t);
}

Test(artifact_signature, without_trusted_keys_signed_and_unsigned_both_load) {
    wasmrt_trust_free(trust());
    wasmrt_error err;
    for (int i = 0; i < 2; i++) {
        wasmrt_module *m = wasmrt_module_load(path(i ? "signed-by-b.so" : "unsigned.so"), &err);
        cr_assert(m, "%s", err.message);
        cr_assert_eq(f_result(m), 42);
        wasmrt_module_release(m);
    }
}

Test(artifact_signature, flipped_byte_does_not_verify) {
    wasmrt_trust *t = trust();
    size_t n;
    uint8_t *p = read_file(path("signed-by-a.so"), &n);
    size_t body = n - sizeof(wasmc_signature);
    /* through the image, then in the trailer's hash and format version */
    size_t at[] = {0, body / 5, 2 * body / 5, 3 * body / 5, 4 * body / 5, body - 40,
                   body - sizeof(wasmc_trailer) + 8};
    for (size_t k = 0; k < sizeof at / sizeof *at; k++) {
        p[at[k]] ^= 0x10;
        expect_refusal(t, p, n, "artifact signature does not verify (modified after signing, or forged)");
        p[at[k]] ^= 0x10;
    }
    p[n - 20] ^= 0x01;   /* in the signature itself */
    expect_refusal(t, p, n, "artifact signature does not verify");
    free(p);
    wasmrt_trust_free(t);
}

Test(artifact_signature, signature_from_another_key) {
    wasmrt_trust *t = trust();
    size_t n;
    uint8_t *p = read_file(path("signed-by-b.so"), &n);
    expect_refusal(t, p, n, "artifact signed by an untrusted key (");
    /* b's signature with a's (trusted) public key put in the block */
    size_t an;
    uint8_t *a = read_file(path("signed-by-a.so"), &an);
    memcpy(p + n - sizeof(wasmc_signature) + 8, a + an - sizeof(wasmc_signature) + 8, 32);
    expect_refusal(t, p, n, "artifact signature does not verify");
    free(a);
    free(p);
    wasmrt_trust_free(t);
}

Test(artifact_signature, stripped_signature) {
    wasmrt_trust *t = trust();
    size_t n;
    uint8_t *p = read_file(path("signed-by-a.so"), &n);
    expect_refusal(t, p, n - sizeof(wasmc_signature),
                   "artifact is not signed (only artifacts signed by a trusted key may load)");
    free(p);
    p = read_file(path("unsigned.so"), &n);
    expect_refusal(t, p, n, "artifact is not signed");
    free(p);
    wasmrt_trust_free(t);
}

Test(artifact_signature, truncated) {
    wasmrt_trust *t = trust();
    size_t n;
    uint8_t *p = read_file(path("signed-by-a.so"), &n);
    expect_refusal(t, p, n - 1, "artifact truncated (incomplete signature block)");
    expect_refusal(t, p, n - 50, "artifact truncated (incomplete signature block)");
    expect_refusal(t, p, n - sizeof(wasmc_signature) - 10, "artifact truncated (incomplete trailer)");
    expect_refusal(t, p, n / 2, "artifact truncated (");
    /* the same cuts without trusted keys */
    expect_refusal(NULL, p, n - 1, "artifact truncated (incomplete signature block)");
    free(p);
    wasmrt_trust_free(t);
}

Test(artifact_signature, malformed_block) {
    wasmrt_trust *t = trust();
    size_t n;
    uint8_t *p = read_file(path("signed-by-a.so"), &n);
    wasmc_signature s;
    memcpy(&s, p + n - sizeof s, sizeof s);
    s.algorithm = 9;
    memcpy(p + n - sizeof s, &s, sizeof s);
    expect_refusal(NULL, p, n, "artifact signed with unknown algorithm 9");
    s.algorithm = WASMC_SIG_ED25519;
    s.block_size = 7;
    memcpy(p + n - sizeof s, &s, sizeof s);
    expect_refusal(t, p, n, "artifact signature block is 7 bytes, expected 112");
    free(p);
    wasmrt_trust_free(t);
}

Test(artifact_signature, trusted_keys_directory_errors) {
    wasmrt_trust_free(trust());
    wasmrt_error err;
    cr_assert_null(wasmrt_trust_load_dir(path("nonexistent"), &err));
    cr_assert(strstr(err.message, "cannot open trusted-keys directory"), "%s", err.message);
    cr_assert_eq(mkdir(path("empty"), 0700), 0);
    cr_assert_null(wasmrt_trust_load_dir(path("empty"), &err));
    cr_assert(strstr(err.message, "no public keys (*.pub)"), "%s", err.message);
    cr_assert_eq(mkdir(path("bad"), 0700), 0);
    write_file(path("bad/x.pub"), "wasmc-ed25519-public-key 00\n", 28);
    cr_assert_null(wasmrt_trust_load_dir(path("bad"), &err));
    cr_assert(strstr(err.message, "not a wasmc public key"), "%s", err.message);
}

/* The CLI: --trusted-keys runs the good one and refuses the others. */
Test(artifact_signature, cli_trusted_keys) {
    wasmrt_trust_free(trust());
    char cmd[2048];
    const char *names[] = {"signed-by-a.so", "signed-by-b.so", "unsigned.so"};
    const char *want[] = {"42\n", "artifact signed by an untrusted key", "artifact is not signed"};
    for (int i = 0; i < 3; i++) {
        snprintf(cmd, sizeof cmd, "%s/wasmrt --trusted-keys %s --invoke f %s 2>&1", bin, path("trust"),
                 path(names[i]));
        FILE *f = popen(cmd, "r");
        char out[512] = "";
        size_t got = fread(out, 1, sizeof out - 1, f);
        out[got] = 0;
        int status = pclose(f);
        cr_assert(strstr(out, want[i]), "%s: \"%s\" lacks \"%s\"", cmd, out, want[i]);
        cr_assert_eq(status == 0, i == 0, "%s: status %d", cmd, status);
    }
}

Test(artifact_signature, keygen_never_overwrites_and_keeps_the_secret_private) {
    wasmrt_trust_free(trust());
    struct stat st;
    cr_assert_eq(stat(path("a.key"), &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s/wasmc --keygen %s 2>/dev/null", bin, path("a"));
    cr_assert_neq(system(cmd), 0, "--keygen overwrote an existing key");
    snprintf(cmd, sizeof cmd, "%s/wasmc --sign %s %s -o %s 2>/dev/null", bin, path("a.pub"), path("tiny.wasm"),
             path("x.so"));
    cr_assert_neq(system(cmd), 0, "--sign accepted a public key as the secret key");
    cr_assert_neq(access(path("x.so"), F_OK), 0, "a failed --sign left an output file");
}
