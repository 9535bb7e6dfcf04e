/* The checksum-verdict cache (rt/verified_cache.c): a large artifact's
 * SHA-256 verdict is kept only for the exact file state it was computed
 * on, never for a file that may still be changing within its timestamp
 * tick, never in a directory others can write, never for small artifacts;
 * a file changed after its verdict was kept is still refused.  Artifacts
 * come from the real compiler ($WASMC_BIN/wasmc, set by ctest); without it
 * the tests are skipped.  Each test waits out the 2 s "racily new"
 * window once (the tests run in parallel). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../rt/internal.h"   /* rt_verified_cache_enable: the CLI's switch */
#include "wasmrt.h"

static char dir[64];   /* mkdtemp's, 26 bytes */

static void cleanup(void) {
    if (!dir[0]) return;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}
TestSuite(verified_cache, .fini = cleanup);

static void put_uleb(FILE *f, uint32_t v) {
    do {
        fputc((int)((v & 0x7f) | (v >> 7 ? 0x80 : 0)), f);
        v >>= 7;
    } while (v);
}

/* Compiles (module (memory 32 32) (data (i32.const 0) "<data_bytes>")
 * (func (export "f") (result i32) i32.const 42)) into dir/name. */
static char *compile(const char *name, uint32_t data_bytes) {
    const char *bin = getenv("WASMC_BIN");
    static char wasmc[1024];
    if (bin) snprintf(wasmc, sizeof wasmc, "%s/wasmc", bin);
    if (!bin || access(wasmc, X_OK) != 0) cr_skip_test("wasmc not available (set WASMC_BIN)");
    if (!dir[0]) {
        strcpy(dir, "/tmp/wasmrt-vcache-XXXXXX");
        cr_assert(mkdtemp(dir));
    }
    char in[256];
    static char out[256];
    snprintf(in, sizeof in, "%s/%s.wasm", dir, name);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    FILE *f = fopen(in, "wb");
    cr_assert(f);
    fwrite("\0asm\1\0\0\0", 1, 8, f);
    fwrite("\x01\x05\x01\x60\x00\x01\x7f", 1, 7, f);   /* type () -> i32 */
    fwrite("\x03\x02\x01\x00", 1, 4, f);               /* func 0: type 0 */
    fwrite("\x05\x04\x01\x01\x20\x20", 1, 6, f);       /* memory 32 32 */
    fwrite("\x07\x05\x01\x01\x66\x00\x00", 1, 7, f);   /* export "f" */
    fwrite("\x0a\x06\x01\x04\x00\x41\x2a\x0b", 1, 8, f);
    uint32_t len_bytes = data_bytes < 128 ? 1 : data_bytes < 16384 ? 2 : data_bytes < (1u << 21) ? 3 : 4;
    fputc(0x0b, f);
    put_uleb(f, 1 + 1 + 3 + len_bytes + data_bytes);
    fwrite("\x01\x00\x41\x00\x0b", 1, 5, f);
    put_uleb(f, data_bytes);
    uint32_t x = 2463534242u;
    for (uint32_t i = 0; i < data_bytes; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        fputc((int)(x & 0xff), f);
    }
    fclose(f);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s -O0 '%s' -o '%s'", wasmc, in, out);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    return out;
}

static char *cache_dir(mode_t mode) {
    static char d[128];
    snprintf(d, sizeof d, "%s/cache", dir);
    cr_assert_eq(mkdir(d, 0700), 0);
    cr_assert_eq(chmod(d, mode), 0);
    return d;
}

static int records(const char *d) {
    DIR *dd = opendir(d);
    cr_assert(dd);
    int n = 0;
    for (struct dirent *e; (e = readdir(dd));) n += e->d_name[0] != '.';
    closedir(dd);
    return n;
}

static void expect_loads(const char *so) {
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load(so, &err);
    cr_assert(m, "%s", err.message);
    wasmrt_module_release(m);
}

/* Past the 2 s window in which a file's ctime may not yet show a change. */
static void wait_racy_window(void) { usleep(2200 * 1000); }

Test(verified_cache, a_large_artifacts_verdict_is_kept_once_it_is_settled_and_a_later_change_is_still_refused) {
    char *small = strdup(compile("small.so", 1000));
    char *so = compile("big.so", 1300u << 10);
    char *d = cache_dir(0700);
    rt_verified_cache_enable(d);
    expect_loads(so);
    cr_assert_eq(records(d), 0, "a verdict was kept for a file changed within the last 2 s");
    wait_racy_window();
    expect_loads(small);
    cr_assert_eq(records(d), 0, "a verdict was kept for an artifact under 1 MiB");
    free(small);
    expect_loads(so);
    cr_assert_eq(records(d), 1, "no verdict was kept for a settled large artifact");
    expect_loads(so);   /* with the verdict */
    /* The same file (inode, size) changed in place: its ctime moved, so
     * the kept verdict does not vouch for it and the hash catches it. */
    FILE *f = fopen(so, "r+b");
    cr_assert(f);
    cr_assert_eq(fseek(f, 600 << 10, SEEK_SET), 0);
    int c = fgetc(f);
    cr_assert_eq(fseek(f, 600 << 10, SEEK_SET), 0);
    fputc(c ^ 0x01, f);
    fclose(f);
    wasmrt_error err;
    cr_assert_null(wasmrt_module_load(so, &err), "an artifact changed after its verdict was kept loaded");
    cr_assert(strstr(err.message, "artifact checksum mismatch"), "%s", err.message);
}

Test(verified_cache, a_directory_others_can_write_keeps_no_verdict) {
    char *big = compile("big.so", 1300u << 10);
    char *d = cache_dir(0777);
    rt_verified_cache_enable(d);
    wait_racy_window();
    expect_loads(big);
    cr_assert_eq(records(d), 0, "a verdict was kept in a directory others can write");
}
