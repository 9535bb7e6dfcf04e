/* The wasmc command line, run as a user would ($WASMC_BIN/wasmc under sh).
 *
 * Errors must be exactly one "wasmc: error: ..." line on stderr (usage
 * hints may follow bad flags), exit status 1, and no output file, not even
 * a temporary one, and an existing output must survive a failed compile.
 * A successful compile must produce an ELF shared object followed by a
 * trailer whose hashes, architecture, CPU features and memory mode match
 * what was asked for.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wasmc/artifact.h"
#include "wasmc/sha256.h"

/* (module (memory 1) (func (export "add") (param i32 i32) (result i32)
 *   local.get 0 local.get 1 i32.add)) */
static const uint8_t ADD_WASM[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
    0x03, 0x02, 0x01, 0x00,
    0x05, 0x03, 0x01, 0x00, 0x01,
    0x07, 0x07, 0x01, 0x03, 'a', 'd', 'd', 0x00, 0x00,
    0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
};

static char dir[256];
static char wasmc[1024];

static void setup(void) {
    const char *bin = getenv("WASMC_BIN");
    cr_assert(bin && *bin, "WASMC_BIN must name the directory holding wasmc");
    snprintf(wasmc, sizeof wasmc, "%s/wasmc", bin);
    cr_assert(access(wasmc, X_OK) == 0, "%s is not executable", wasmc);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wasmc-cli-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert(mkdtemp(dir), "mkdtemp");
}

static void teardown(void) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0]) (void)!system(cmd);
}

TestSuite(cli, .init = setup, .fini = teardown, .timeout = 60);

static void write_bytes(const char *name, const void *data, size_t n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert(fwrite(data, 1, n, f) == n);
    fclose(f);
}

static uint8_t *read_bytes(const char *name, size_t *n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)sz + 1);
    cr_assert(p);
    cr_assert(fread(p, 1, (size_t)sz, f) == (size_t)sz);
    fclose(f);
    p[sz] = 0;
    *n = (size_t)sz;
    return p;
}

static bool exists(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Files in the directory other than the listed ones (catches temporaries). */
static int stray_files(const char *const *expected, int n) {
    DIR *d = opendir(dir);
    cr_assert(d);
    int stray = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        bool ok = false;
        for (int i = 0; i < n; i++) ok |= strcmp(e->d_name, expected[i]) == 0;
        if (!ok) {
            cr_log_error("unexpected file %s", e->d_name);
            stray++;
        }
    }
    closedir(d);
    return stray;
}

typedef struct Run {
    int status;
    char *out, *err;
    size_t out_len, err_len;
} Run;

/* Run `wasmc ARGS` in the test directory; stdout/stderr captured. */
static Run run(const char *args) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' %s >.stdout 2>.stderr", dir, wasmc, args);
    int st = system(cmd);
    Run r = {.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1};
    r.out = (char *)read_bytes(".stdout", &r.out_len);
    r.err = (char *)read_bytes(".stderr", &r.err_len);
    cr_assert(r.out && r.err);
    char path[512];
    snprintf(path, sizeof path, "%s/.stdout", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/.stderr", dir);
    unlink(path);
    return r;
}

static void run_free(Run *r) {
    free(r->out);
    free(r->err);
}

static int count_lines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Exactly one line, "wasmc: error: " + rest, ending in a newline. */
static void expect_one_error_line(const Run *r, const char *must_contain) {
    cr_expect_eq(r->status, 1, "exit status %d, stderr: %s", r->status, r->err);
    cr_expect_eq(count_lines(r->err), 1, "stderr has %d lines: %s", count_lines(r->err), r->err);
    cr_expect(strncmp(r->err, "wasmc: error: ", 14) == 0, "stderr: %s", r->err);
    if (must_contain) cr_expect(strstr(r->err, must_contain), "'%s' not in: %s", must_contain, r->err);
    cr_expect_eq(r->out_len, 0, "stdout not empty: %s", r->out);
}

Test(cli, version) {
    Run r = run("--version");
    cr_expect_eq(r.status, 0);
    cr_expect(strstr(r.out, "wasmc 0.1.0"), "%s", r.out);
    cr_expect(strstr(r.out, "LLVM 19."), "%s", r.out);
    cr_expect(strstr(r.out, "x86_64-linux-gnu") && strstr(r.out, "aarch64-linux-gnu"), "%s", r.out);
    run_free(&r);
}

Test(cli, help) {
    Run r = run("--help");
    cr_expect_eq(r.status, 0);
    cr_expect(strstr(r.out, "usage: wasmc"), "%s", r.out);
    cr_expect_eq(r.err_len, 0);
    run_free(&r);
}

Test(cli, unknown_flag) {
    write_bytes("m.wasm", ADD_WASM, sizeof ADD_WASM);
    Run r = run("--frobnicate m.wasm -o m.so");
    cr_expect_eq(r.status, 1);
    cr_expect(strncmp(r.err, "wasmc: error: unknown argument '--frobnicate'\n", 46) == 0, "%s", r.err);
    /* At most a usage hint follows the error line. */
    cr_expect_leq(count_lines(r.err), 2);
    cr_expect(!exists("m.so"));
    run_free(&r);
}

Test(cli, bad_flag_values) {
    static const char *const cases[][2] = {
        {"-O7 m.wasm", "unknown argument '-O7'"},
        {"-j 0 m.wasm", "invalid thread count '0'"},
        {"-j x m.wasm", "invalid thread count 'x'"},
        {"m.wasm -o", "-o needs a file name"},
        {"", "no input file"},
        {"a.wasm b.wasm", "more than one input file"},
        {"--trap-state=loose m.wasm", "unknown trap-state mode 'loose' (expected auto or exact)"},
        {"--interrupt=never m.wasm", "unknown interrupt mode 'never'"},
        {"--part-bytes=5:2:1 m.wasm", "invalid part sizes '5:2:1'"},
        {"--part-bytes=0:8:1 m.wasm", "invalid part sizes '0:8:1'"},
        {"--part-bytes=2:8 m.wasm", "invalid part sizes '2:8'"},
        {"--part-bytes=2:8:1x m.wasm", "invalid part sizes '2:8:1x'"},
    };
    write_bytes("m.wasm", ADD_WASM, sizeof ADD_WASM);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Run r = run(cases[i][0]);
        cr_expect_eq(r.status, 1, "%s", cases[i][0]);
        cr_expect(strncmp(r.err, "wasmc: error: ", 14) == 0, "%s: %s", cases[i][0], r.err);
        cr_expect(strstr(r.err, cases[i][1]), "%s: %s", cases[i][0], r.err);
        run_free(&r);
    }
    const char *expected[] = {"m.wasm"};
    cr_expect_eq(stray_files(expected, 1), 0);
}

/* compiler/opt/passes.def is the one list of wasmc's passes: --print-passes
 * prints it, -fno-NAME and --disable-pass= switch off the optimisations
 * in it and refuse the correctness guards and unknown names. */
Test(cli, pass_switches_follow_the_pass_table) {
    Run r = run("--print-passes");
    cr_expect_eq(r.status, 0);
    static const char *const names[] = {"address-ivs", "address-nuw", "address-streams", "check-versioning",
                                        "byte-compare-skip", "anchor-materialize", "order-materialize"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_expect(strstr(r.out, names[i]), "%s not in: %s", names[i], r.out);
    run_free(&r);

    write_bytes("m.wasm", ADD_WASM, sizeof ADD_WASM);
    r = run("-fno-address-ivs --disable-pass=address-streams,check-versioning m.wasm -o m.so");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(exists("m.so"));
    run_free(&r);
    static const char *const refused[][2] = {
        {"-fno-anchor-materialize m.wasm -o g.so",
         "error: pass 'anchor-materialize' keeps generated code correct and cannot be disabled"},
        {"--disable-pass=address-ivs,no-such-pass m.wasm -o g.so", "error: unknown pass 'no-such-pass'"},
        {"--disable-pass= m.wasm -o g.so", "error: bad pass list"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        r = run(refused[i][0]);
        cr_expect_eq(r.status, 1, "%s", refused[i][0]);
        cr_expect(strstr(r.err, refused[i][1]), "%s: %s", refused[i][0], r.err);
        cr_expect_leq(count_lines(r.err), 2); /* the error and the usage hint */
        run_free(&r);
    }
    cr_expect(!exists("g.so"));
}

Test(cli, unknown_target_and_cpu) {
    write_bytes("m.wasm", ADD_WASM, sizeof ADD_WASM);
    Run r = run("--target=riscv64-linux-gnu m.wasm -o m.so");
    expect_one_error_line(&r, "unsupported target 'riscv64-linux-gnu'");
    run_free(&r);
    r = run("--cpu=pentium9000 m.wasm -o m.so");
    expect_one_error_line(&r, "unknown CPU 'pentium9000'");
    run_free(&r);
    r = run("--target=aarch64-linux-gnu --cpu=haswell m.wasm -o m.so");
    expect_one_error_line(&r, "unknown CPU 'haswell' for aarch64");
    run_free(&r);
#if defined(__x86_64__)
    r = run("--target=aarch64-linux-gnu --cpu=native m.wasm -o m.so");
    expect_one_error_line(&r, "--cpu=native needs the host target");
    run_free(&r);
#endif
    const char *expected[] = {"m.wasm"};
    cr_expect_eq(stray_files(expected, 1), 0);
}

Test(cli, missing_input) {
    Run r = run("nosuch.wasm -o out.so");
    expect_one_error_line(&r, "nosuch.wasm: No such file or directory");
    cr_expect(!exists("out.so"));
    run_free(&r);
}

Test(cli, malformed_module_one_line_with_offset) {
    static const uint8_t bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00};
    /* A type section claiming 0x10 bytes with only 2 present. */
    static const uint8_t truncated[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x10, 0x01, 0x60};
    write_bytes("magic.wasm", bad_magic, sizeof bad_magic);
    write_bytes("trunc.wasm", truncated, sizeof truncated);
    Run r = run("magic.wasm -o magic.so");
    expect_one_error_line(&r, "wasmc: error: magic.wasm:0x");
    run_free(&r);
    r = run("trunc.wasm");   /* default output name trunc.so */
    expect_one_error_line(&r, "wasmc: error: trunc.wasm:0x");
    run_free(&r);
    const char *expected[] = {"magic.wasm", "trunc.wasm"};
    cr_expect_eq(stray_files(expected, 2), 0);
}

Test(cli, validate_only_checks_modules_and_components_and_writes_nothing) {
    /* the empty component; then one whose section id 13 does not exist */
    static const uint8_t comp[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    static const uint8_t bad_comp[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x0d, 0x00};
    write_bytes("add.wasm", ADD_WASM, sizeof ADD_WASM);
    write_bytes("comp.wasm", comp, sizeof comp);
    write_bytes("bad.wasm", bad_comp, sizeof bad_comp);
    Run r = run("--validate add.wasm");
    cr_expect_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect_eq(r.err_len + r.out_len, 0);
    run_free(&r);
    r = run("--validate comp.wasm");
    cr_expect_eq(r.status, 0, "stderr: %s", r.err);
    run_free(&r);
    r = run("--validate bad.wasm");
    expect_one_error_line(&r, "wasmc: error: bad.wasm:0x8: malformed section id");
    run_free(&r);
    const char *expected[] = {"add.wasm", "comp.wasm", "bad.wasm"};
    cr_expect_eq(stray_files(expected, 3), 0);
}

Test(cli, failed_compile_keeps_existing_output) {
    static const uint8_t bad_magic[] = {0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00};
    write_bytes("bad.wasm", bad_magic, sizeof bad_magic);
    write_bytes("keep.so", "previous", 8);
    Run r = run("bad.wasm -o keep.so");
    expect_one_error_line(&r, "bad.wasm:0x");
    run_free(&r);
    size_t n;
    uint8_t *p = read_bytes("keep.so", &n);
    cr_assert(p);
    cr_expect(n == 8 && memcmp(p, "previous", 8) == 0, "keep.so was modified");
    free(p);
    const char *expected[] = {"bad.wasm", "keep.so"};
    cr_expect_eq(stray_files(expected, 2), 0);
}

Test(cli, unwritable_output) {
    write_bytes("m.wasm", ADD_WASM, sizeof ADD_WASM);
    Run r = run("m.wasm -o no/such/dir/m.so");
    expect_one_error_line(&r, "no/such/dir/m.so");
    run_free(&r);
    const char *expected[] = {"m.wasm"};
    cr_expect_eq(stray_files(expected, 1), 0);
}

static uint64_t get_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Check the artifact's ELF header and trailer; returns the trailer's cpu
 * features. */
static uint64_t check_artifact(const char *name, uint16_t machine, uint32_t arch, uint32_t mode) {
    size_t n;
    uint8_t *p = read_bytes(name, &n);
    cr_assert(p, "%s missing", name);
    size_t ts = sizeof(wasmc_trailer);
    cr_assert_gt(n, ts + 64);
    cr_expect(memcmp(p, "\x7f" "ELF", 4) == 0, "not ELF");
    cr_expect_eq(p[4], 2, "ELFCLASS64");
    cr_expect_eq(get_le(p + 16, 2), 3, "ET_DYN");
    cr_expect_eq(get_le(p + 18, 2), machine, "e_machine");
    const uint8_t *t = p + n - ts;
    cr_expect(memcmp(t + offsetof(wasmc_trailer, magic), WASMC_TRAILER_MAGIC, 8) == 0, "trailer magic");
    cr_expect_eq(get_le(t + offsetof(wasmc_trailer, format_version), 4), WASMC_FORMAT_VERSION);
    cr_expect_eq(get_le(t + offsetof(wasmc_trailer, arch), 4), arch);
    cr_expect_eq(get_le(t + offsetof(wasmc_trailer, memory_mode), 4), mode);
    cr_expect_eq(get_le(t + offsetof(wasmc_trailer, trailer_size), 4), ts);
    cr_expect_eq(get_le(t + offsetof(wasmc_trailer, payload_size), 8), n - ts);
    uint8_t h[32];
    wasmc_sha256(p, n - ts, h);
    cr_expect(memcmp(h, t + offsetof(wasmc_trailer, payload_sha256), 32) == 0, "payload hash");
    wasmc_sha256(ADD_WASM, sizeof ADD_WASM, h);
    cr_expect(memcmp(h, t + offsetof(wasmc_trailer, module_sha256), 32) == 0, "module hash");
    cr_expect_str_eq((const char *)t + offsetof(wasmc_trailer, compiler_version), "wasmc 0.1.0");
    uint64_t features = get_le(t + offsetof(wasmc_trailer, cpu_features), 8);
    free(p);
    return features;
}

Test(cli, compile_default_output_name) {
    write_bytes("add.wasm", ADD_WASM, sizeof ADD_WASM);
    Run r = run("add.wasm");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_expect_eq(r.err_len, 0, "stderr: %s", r.err);
    run_free(&r);
#if defined(__x86_64__)
    uint64_t f = check_artifact("add.so", 62, WASMC_ARCH_X86_64, WASMC_MEMORY_GUARD_PAGES);
    /* x86-64-v2: SSE3, SSSE3, SSE4.1, SSE4.2, POPCNT and nothing else. */
    cr_expect_eq(f, WASMC_CPU_X86_SSE3 | WASMC_CPU_X86_SSSE3 | WASMC_CPU_X86_SSE41 |
                        WASMC_CPU_X86_SSE42 | WASMC_CPU_X86_POPCNT);
#endif
    const char *expected[] = {"add.wasm", "add.so"};
    cr_expect_eq(stray_files(expected, 2), 0);
}

/* What the linker leaves out (compiler/link.c): no .symtab/.strtab, and
 * the descriptor's relative relocations packed as DT_RELR rather than one
 * 24-byte .rela.dyn entry per function pointer. */
Test(cli, artifact_has_packed_relocations_and_no_symbol_table) {
    write_bytes("add.wasm", ADD_WASM, sizeof ADD_WASM);
    Run r = run("add.wasm -o add.so");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    run_free(&r);
    size_t n;
    uint8_t *p = read_bytes("add.so", &n);
    cr_assert(p && n > sizeof(Elf64_Ehdr));
    Elf64_Ehdr eh;
    memcpy(&eh, p, sizeof eh);
    cr_assert_eq(eh.e_shentsize, sizeof(Elf64_Shdr));
    cr_assert_leq(eh.e_shoff + (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr), n);
    int relr = 0, symtab = 0, relative_in_rela = 0;
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, p + eh.e_shoff + (uint64_t)i * sizeof sh, sizeof sh);
        relr += sh.sh_type == SHT_RELR;
        symtab += sh.sh_type == SHT_SYMTAB;
        if (sh.sh_type == SHT_RELA && sh.sh_offset + sh.sh_size <= n)
            for (uint64_t k = 0; k + sizeof(Elf64_Rela) <= sh.sh_size; k += sizeof(Elf64_Rela)) {
                Elf64_Rela ra;
                memcpy(&ra, p + sh.sh_offset + k, sizeof ra);
                relative_in_rela += ELF64_R_TYPE(ra.r_info) == R_X86_64_RELATIVE ||
                                    ELF64_R_TYPE(ra.r_info) == R_AARCH64_RELATIVE;
            }
    }
    free(p);
    cr_expect_eq(relr, 1, "one SHT_RELR section");
    cr_expect_eq(symtab, 0, "no .symtab");
    cr_expect_eq(relative_in_rela, 0, "relative relocations left in .rela.dyn");
}

Test(cli, cross_compile_aarch64_bounds_checks) {
    write_bytes("add.wasm", ADD_WASM, sizeof ADD_WASM);
    Run r = run("--target=aarch64-unknown-linux-gnu --bounds-checks -O1 add.wasm -o arm.so");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    run_free(&r);
    cr_expect_eq(check_artifact("arm.so", 183, WASMC_ARCH_AARCH64, WASMC_MEMORY_BOUNDS_CHECKS), 0,
                 "generic aarch64 needs no optional feature");
    r = run("--target=aarch64-linux-gnu --cpu=neoverse-n1 --frame-pointers add.wasm -o n1.so");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    run_free(&r);
    uint64_t f = check_artifact("n1.so", 183, WASMC_ARCH_AARCH64, WASMC_MEMORY_GUARD_PAGES);
    cr_expect(f & WASMC_CPU_ARM_LSE);
    cr_expect(f & WASMC_CPU_ARM_DOTPROD);
    cr_expect(!(f & WASMC_CPU_ARM_SVE));
}

Test(cli, x86_cpu_levels) {
    write_bytes("add.wasm", ADD_WASM, sizeof ADD_WASM);
    Run r = run("--target=x86_64-linux-gnu --cpu=x86-64-v3 -O0 add.wasm -o v3.so");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    run_free(&r);
    uint64_t f = check_artifact("v3.so", 62, WASMC_ARCH_X86_64, WASMC_MEMORY_GUARD_PAGES);
    cr_expect(f & WASMC_CPU_X86_AVX2);
    cr_expect(f & WASMC_CPU_X86_BMI2);
    cr_expect(!(f & WASMC_CPU_X86_AVX512F));
    r = run("--target=x86_64-linux-gnu --cpu=x86-64 add.wasm -o v1.so");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    run_free(&r);
    cr_expect_eq(check_artifact("v1.so", 62, WASMC_ARCH_X86_64, WASMC_MEMORY_GUARD_PAGES), 0);
}

Test(cli, stdin_to_stdout) {
    write_bytes("add.wasm", ADD_WASM, sizeof ADD_WASM);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' --target=x86_64-linux-gnu - -o - <add.wasm >piped.so 2>err.txt",
             dir, wasmc);
    cr_assert_eq(system(cmd), 0);
    size_t n;
    uint8_t *e = read_bytes("err.txt", &n);
    cr_expect_eq(n, 0, "%s", (char *)e);
    free(e);
    check_artifact("piped.so", 62, WASMC_ARCH_X86_64, WASMC_MEMORY_GUARD_PAGES);
}

Test(cli, verbose_prints_phases_and_size) {
    write_bytes("add.wasm", ADD_WASM, sizeof ADD_WASM);
    Run r = run("-v -j 2 add.wasm -o add.so");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    static const char *const phases[] = {"decode", "validate", "lower IR", "optimise", "codegen", "link"};
    for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
        cr_expect(strstr(r.err, phases[i]), "no '%s' in: %s", phases[i], r.err);
    struct stat st;
    char path[512];
    snprintf(path, sizeof path, "%s/add.so", dir);
    cr_assert_eq(stat(path, &st), 0);
    char want[64];
    snprintf(want, sizeof want, "wrote %lld bytes", (long long)st.st_size);
    cr_expect(strstr(r.err, want), "no '%s' in: %s", want, r.err);
    run_free(&r);
}

/* Interrupted while the linker runs: the temporary directory holding the
 * objects must be gone afterwards.  The "linker" is a script that records
 * its pid and sleeps, so the test knows when wasmc is mid-link and can end
 * that process by pid afterwards. */
Test(cli, sigterm_removes_temporaries, .timeout = 120) {
    write_bytes("add.wasm", ADD_WASM, sizeof ADD_WASM);
    char script[1024];
    snprintf(script, sizeof script, "#!/bin/sh\necho $$ > '%s/ld.pid'\nexec sleep 60\n", dir);
    write_bytes("slowld.sh", script, strlen(script));
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && chmod +x slowld.sh && mkdir tmp && "
             "(TMPDIR='%s/tmp' WASMC_LD='%s/slowld.sh' '%s' add.wasm -o add.so >/dev/null 2>&1 & echo $! > wasmc.pid)",
             dir, dir, dir, wasmc);
    cr_assert_eq(system(cmd), 0);
    size_t n;
    char *ld_pid = NULL;
    for (int i = 0; i < 600 && !ld_pid; i++) {
        usleep(100000);
        ld_pid = (char *)read_bytes("ld.pid", &n);
        if (ld_pid && !strchr(ld_pid, '\n')) { free(ld_pid); ld_pid = NULL; }
    }
    char *wasmc_pid = (char *)read_bytes("wasmc.pid", &n);
    cr_assert(wasmc_pid);
    pid_t wp = (pid_t)atol(wasmc_pid);
    if (!ld_pid) {
        kill(wp, SIGKILL);
        cr_assert_fail("wasmc never reached the link step");
    }
    pid_t lp = (pid_t)atol(ld_pid);
    cr_assert_gt(wp, 0);
    cr_assert_gt(lp, 0);
    kill(wp, SIGTERM);
    for (int i = 0; i < 100 && kill(wp, 0) == 0; i++) usleep(100000);
    kill(lp, SIGKILL);
    cr_expect_neq(kill(wp, 0), 0, "wasmc survived SIGTERM");
    free(ld_pid);
    free(wasmc_pid);
    char tmpdir[512];
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", dir);
    DIR *d = opendir(tmpdir);
    cr_assert(d);
    struct dirent *e;
    int left = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            cr_log_error("left behind: tmp/%s", e->d_name);
            left++;
        }
    closedir(d);
    cr_expect_eq(left, 0);
    cr_expect(!exists("add.so"));
}
