/* The loader refuses every damaged or foreign artifact before running any
 * of it, with a message naming the check that failed.  Artifacts come from
 * the real compiler ($WASMC_BIN/wasmc, set by ctest); without it the tests
 * are skipped, never passed. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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

static const char *wasmc_path(void) {
    static char path[1024];
    const char *bin = getenv("WASMC_BIN");
    if (!bin) return NULL;
    snprintf(path, sizeof path, "%s/wasmc", bin);
    return access(path, X_OK) == 0 ? path : NULL;
}

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
    uint8_t *p = malloc(*n);
    cr_assert_eq(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

/* Compiles tiny_wasm for `target` (NULL = host) into dir/name. */
static char *compile(const char *name, const char *target) {
    const char *wasmc = wasmc_path();
    if (!wasmc) cr_skip_test("wasmc not available (set WASMC_BIN)");
    if (!dir[0]) {
        strcpy(dir, "/tmp/wasmrt-load-XXXXXX");
        cr_assert(mkdtemp(dir));
    }
    static char out[256];
    char in[256], cmd[2048];
    snprintf(in, sizeof in, "%s/tiny.wasm", dir);
    write_file(in, tiny_wasm, sizeof tiny_wasm);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    snprintf(cmd, sizeof cmd, "%s %s%s '%s' -o '%s'", wasmc, target ? "--target=" : "", target ? target : "", in,
             out);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    return out;
}

static void cleanup(void) {
    if (!dir[0]) return;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

static void expect_refusal(const char *path, const char *needle) {
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load(path, &err);
    cr_assert_null(m, "loaded a bad artifact (%s expected)", needle);
    cr_assert(strstr(err.message, needle), "message \"%s\" lacks \"%s\"", err.message, needle);
}

static wasmc_trailer *trailer_of(uint8_t *p, size_t n) { return (wasmc_trailer *)(p + n - sizeof(wasmc_trailer)); }

/* Instantiates tiny_wasm's module and checks that f() returns 42. */
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

TestSuite(runtime_load, .fini = cleanup);

Test(runtime_load, good_artifact_runs) {
    char *so = compile("good.so", NULL);
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load(so, &err);
    cr_assert(m, "%s", err.message);
    expect_f_returns_42(m);
    /* the same file loaded twice is two independent modules */
    wasmrt_module *m2 = wasmrt_module_load(so, &err);
    cr_assert(m2, "%s", err.message);
    cr_assert_neq(wasmrt_module_descriptor(m2), wasmrt_module_descriptor(m));
    wasmrt_module_release(m2);
    wasmrt_module_release(m);
}

/* fcntl as libwasmrt sees it: this executable's definition comes first in
 * symbol lookup, so a test can make F_ADD_SEALS refuse with EBUSY, as the
 * kernel sometimes does while a page of the memfd holds an extra reference
 * (Criterion runs each test in its own process: the counters start at 0). */
static int busy_seals; /* F_ADD_SEALS calls still to refuse */
static int seal_calls;
int fcntl(int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long);
    va_end(ap);
    static int (*real)(int, int, ...);
    if (!real) real = (int (*)(int, int, ...))dlsym(RTLD_NEXT, "fcntl");
    if (cmd == F_ADD_SEALS) {
        seal_calls++;
        if (busy_seals > 0) {
            busy_seals--;
            errno = EBUSY;
            return -1;
        }
    }
    return real(fd, cmd, arg);
}

Test(runtime_load, busy_seal_is_retried_on_a_fresh_copy) {
    char *so = compile("seal.so", NULL);
    busy_seals = 1;
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load(so, &err);
    cr_assert(m, "%s", err.message);
    cr_expect_eq(seal_calls, 2, "sealed %d times (the refused memfd, then its copy)", seal_calls);
    expect_f_returns_42(m);
    wasmrt_module_release(m);
}

Test(runtime_load, seal_refused_twice_is_a_clear_error) {
    char *so = compile("seal2.so", NULL);
    busy_seals = 2;
    expect_refusal(so, "cannot seal staged artifact: Device or resource busy");
}

/* Finds the file range of an ELF section by name. */
static bool section_range(const uint8_t *p, size_t n, const char *name, size_t *off, size_t *size) {
    Elf64_Ehdr eh;
    memcpy(&eh, p, sizeof eh);
    if (eh.e_shoff + (size_t)eh.e_shnum * sizeof(Elf64_Shdr) > n || eh.e_shstrndx >= eh.e_shnum) return false;
    Elf64_Shdr strs;
    memcpy(&strs, p + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr), sizeof strs);
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, p + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof sh);
        if (strs.sh_offset + sh.sh_name < n && !strcmp((const char *)p + strs.sh_offset + sh.sh_name, name)) {
            *off = sh.sh_offset;
            *size = sh.sh_size;
            return sh.sh_type != SHT_NOBITS && *off + *size <= n;
        }
    }
    return false;
}

Test(runtime_load, flipped_code_byte_is_checksum_mismatch) {
    char *so = compile("flip.so", NULL);
    size_t n, off, size;
    uint8_t *p = read_file(so, &n);
    if (!section_range(p, n, "wasmc_text", &off, &size) && !section_range(p, n, ".text", &off, &size))
        cr_assert_fail("no code section in the artifact");
    cr_assert_gt(size, 0);
    p[off + size / 2] ^= 0x01;
    write_file(so, p, n);
    free(p);
    expect_refusal(so, "artifact checksum mismatch (corrupted or tampered)");
}

/* What runs is the bytes that were verified: the module is staged in a
 * sealed in-memory copy, so changing the file afterwards affects neither
 * the loaded module nor hides the tampering from the next load. */
Test(runtime_load, loaded_module_is_independent_of_the_file) {
    char *so = compile("toctou.so", NULL);
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load(so, &err);
    cr_assert(m, "%s", err.message);
    size_t n;
    uint8_t *p = read_file(so, &n);
    memset(p, 0xCC, n / 2);
    write_file(so, p, n);
    free(p);
    expect_refusal(so, "checksum mismatch");
    expect_f_returns_42(m);
    wasmrt_module_release(m);
}

static bool maps_mention(const char *what) {
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) found = strstr(line, what) != NULL;
    fclose(f);
    return found;
}

/* Sets or clears the immutable attribute; false when not permitted. */
static bool set_immutable(const char *path, bool on) {
    int fd = open(path, O_RDONLY);
    cr_assert(fd >= 0);
    int flags = 0;
    bool ok = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    ok = ok && ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    close(fd);
    return ok;
}

/* A file the kernel keeps from changing (chattr +i) is not copied: it is
 * checked and mapped in place, and still every check runs. */
Test(runtime_load, immutable_artifact_is_loaded_in_place_and_still_checked) {
    char *so = strdup(compile("pinned.so", NULL));   /* compile's result is overwritten by the next */
    char *bad = strdup(compile("pinned_bad.so", NULL));
    size_t n, off, size;
    uint8_t *p = read_file(bad, &n);
    cr_assert(section_range(p, n, "wasmc_text", &off, &size) || section_range(p, n, ".text", &off, &size));
    p[off + size / 2] ^= 0x01;
    write_file(bad, p, n);
    free(p);
    if (!set_immutable(so, true)) cr_skip_test("cannot set the immutable attribute (needs CAP_LINUX_IMMUTABLE)");
    cr_assert(set_immutable(bad, true));
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_load(so, &err);
    bool in_place = maps_mention(so);
    wasmrt_module *mb = wasmrt_module_load(bad, &err);
    char msg[sizeof err.message];
    memcpy(msg, err.message, sizeof msg);
    set_immutable(so, false);   /* before any assertion, so cleanup can remove them */
    set_immutable(bad, false);
    cr_assert(m, "%s", msg);
    cr_assert(in_place, "the immutable artifact was copied, not mapped from its file");
    expect_f_returns_42(m);
    wasmrt_module_release(m);
    cr_assert_null(mb, "an immutable artifact with a flipped byte loaded");
    cr_assert(strstr(msg, "artifact checksum mismatch"), "%s", msg);
    free(bad);
    free(so);
}

Test(runtime_load, truncated) {
    char *so = compile("trunc.so", NULL);
    size_t n;
    uint8_t *p = read_file(so, &n);
    write_file(so, p, n / 2);                 /* cut inside the ELF image */
    expect_refusal(so, "artifact truncated");
    write_file(so, p, n - 10);                /* cut inside the trailer */
    expect_refusal(so, "artifact truncated");
    free(p);
}

Test(runtime_load, format_version_arch_and_cpu_features) {
    char *so = compile("hdr.so", NULL);
    size_t n;
    uint8_t *p = read_file(so, &n);
    wasmc_trailer saved = *trailer_of(p, n);
    trailer_of(p, n)->format_version = 8;
    write_file(so, p, n);
    char want[64];
    snprintf(want, sizeof want, "artifact format version 8, this runtime reads %u", WASMC_FORMAT_VERSION);
    expect_refusal(so, want);
    *trailer_of(p, n) = saved;
#if defined(__x86_64__)
    trailer_of(p, n)->cpu_features |= WASMC_CPU_X86_AVX512F | WASMC_CPU_X86_AVX2;
    /* only meaningful when this host lacks one of them */
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx2")) {
        write_file(so, p, n);
        expect_refusal(so, "artifact needs CPU features");
        expect_refusal(so, "this host lacks");
    }
#endif
    free(p);
}

Test(runtime_load, other_architecture) {
#if defined(__x86_64__)
    char *so = compile("arm.so", "aarch64-linux-gnu");
    expect_refusal(so, "artifact built for aarch64, this host is x86-64");
#else
    char *so = compile("x86.so", "x86_64-linux-gnu");
    expect_refusal(so, "artifact built for x86-64, this host is aarch64");
#endif
}

Test(runtime_load, not_an_artifact) {
    Dl_info info;
    cr_assert(dladdr((void *)printf, &info) && info.dli_fname);
    expect_refusal(info.dli_fname, "not a wasmc artifact");   /* libc: an ELF .so, no trailer */
    char path[] = "/tmp/wasmrt-junk-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "hello, not an ELF file at all\n", 30), 30);
    close(fd);
    expect_refusal(path, "not a wasmc artifact");
    unlink(path);
    expect_refusal("/nonexistent/x.so", "cannot open");
}

/* (module (func (export "f") (param f32) (result f32) local.get 0 f32.ceil)) */
static const uint8_t ceil_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7d, 0x01, 0x7d, 0x03, 0x02,
    0x01, 0x00, 0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x20, 0x00, 0x8d, 0x0b,
};

/* Without SSE4.1 LLVM calls libm's ceilf; the artifact has no DT_NEEDED
 * and the wasmrt CLI does not link libm (this test binary does, so the run
 * goes through the CLI), so the loader must make libm available. */
Test(runtime_load, artifact_calling_libm_loads_and_runs) {
#if !defined(__x86_64__)
    cr_skip_test("x86-64 only (the baseline CPU without SSE4.1)");
#endif
    const char *wasmc = wasmc_path();
    if (!wasmc) cr_skip_test("wasmc not available (set WASMC_BIN)");
    if (!dir[0]) {
        strcpy(dir, "/tmp/wasmrt-load-XXXXXX");
        cr_assert(mkdtemp(dir));
    }
    char in[256], out[256], cmd[2048];
    snprintf(in, sizeof in, "%s/ceil.wasm", dir);
    snprintf(out, sizeof out, "%s/ceil.so", dir);
    write_file(in, ceil_wasm, sizeof ceil_wasm);
    snprintf(cmd, sizeof cmd, "%s --cpu=x86-64 '%s' -o '%s'", wasmc, in, out);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    snprintf(cmd, sizeof cmd, "%s/wasmrt --invoke f '%s' 1.25 2>&1", getenv("WASMC_BIN"), out);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    char line[256] = "";
    char *got = fgets(line, sizeof line, p);
    int status = pclose(p);
    cr_assert(got, "no output from %s", cmd);
    cr_assert_eq(status, 0, "%s: %s", cmd, line);
    cr_assert_str_eq(line, "2\n");
}
