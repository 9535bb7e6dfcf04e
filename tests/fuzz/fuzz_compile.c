/* libFuzzer target for the whole compiler: wasmc_compile() on arbitrary bytes.
 *
 * Every input goes through decode -> validate -> lower -> LLVM -> codegen ->
 * ld.lld -> artifact write, into a private temporary directory.  The
 * contract under test: every input ends as an artifact or a clean error.
 * Besides crashes, sanitizer reports, leaks and hangs (which libFuzzer
 * catches itself), the harness aborts on the failures only it can see:
 *   - an error value of kind WASM_OK, or a failure without any message;
 *   - a module that decodes and validates (wasmc_check) but then fails to
 *     compile with WASM_ERR_INTERNAL (a lowering/LLVM/linker bug), or with
 *     MALFORMED/INVALID (the two paths disagree about the front end);
 *   - a module that wasmc_check rejects but wasmc_compile accepts;
 *   - a "successful" compile whose artifact is missing or has a size other
 *     than the one reported.
 * LIMIT and UNSUPPORTED after validation are legitimate answers and are
 * only counted.
 *
 * Throughput matters more than the optimiser here, so compiles run at -O0
 * on one thread.  To cover more of the back end without a custom mutator,
 * the input's length picks the variant deterministically (so a saved crash
 * reproduces): bit 0 selects explicit bounds checks instead of guard pages,
 * bit 1 the aarch64 target instead of the host, bit 2 loop interrupt polls.
 * Counters are printed at exit so a run reports how much reached codegen.
 * Built by tools/fuzz-compile.sh.
 *
 * Byte-level mutations of a valid module are almost always invalid (97% of
 * a 30-minute run never got past validation), so half of the mutations are
 * structure-aware (LLVMFuzzerCustomMutator): on an input that validates,
 * rewrite one instruction in place into another of the same type
 * signature and length (i32.add -> i32.rotl, f64.lt -> f64.ge,
 * i64.load -> i64.load8_s, ...) or flip bits of a constant without
 * changing its LEB128 length.  The result usually still validates, so the
 * back end sees new combinations of instructions instead of the decoder
 * seeing new garbage.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instr.h"
#include "module.h"
#include "wasmc.h"

static char tmpdir[64];
static char out_path[96];
static unsigned long n_inputs, n_valid, n_compiled, n_limit, n_unsupported, n_aarch64;

static void report(void) {
    fprintf(stderr,
            "fuzz_compile: %lu inputs, %lu validated (reached lowering/codegen), %lu compiled+linked "
            "(%lu for aarch64), %lu LIMIT, %lu UNSUPPORTED\n",
            n_inputs, n_valid, n_compiled, n_aarch64, n_limit, n_unsupported);
    unlink(out_path);
    rmdir(tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/wasmc-fuzz-XXXXXX", base && strlen(base) < 32 ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("fuzz_compile: mkdtemp");
        exit(1);
    }
    snprintf(out_path, sizeof out_path, "%s/out.so", tmpdir);
    atexit(report);
    return 0;
}

static void finding(const char *what, const WasmError *err) {
    fprintf(stderr, "fuzz_compile FINDING: %s (kind %d, offset %zu): %s\n", what, (int)err->kind,
            err->offset, err->message);
    abort();
}

static int opt_level = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (opt_level < 0) {
        const char *e = getenv("FUZZ_COMPILE_OPT");
        opt_level = e && e[0] >= '0' && e[0] <= '3' && !e[1] ? e[0] - '0' : 0;
    }
    n_inputs++;
    WasmError check_err;
    wasm_error_clear(&check_err);
    bool valid = wasmc_check(data, size, &check_err);
    if (!valid && check_err.kind == WASM_OK) finding("wasmc_check failed with kind WASM_OK", &check_err);
    if (valid) n_valid++;

    WasmcOptions o;
    wasmc_options_default(&o);
    /* -O0 by default (fast); FUZZ_COMPILE_OPT=1..3 also runs what only the
     * optimising levels do, such as the address facts. */
    o.opt_level = opt_level;
    o.threads = 1;
    o.bounds_checks = size & 1;
    o.target_triple = (size & 2) ? "aarch64-linux-gnu" : NULL;
    o.interrupt_poll = (size & 4) != 0;

    WasmError err;
    wasm_error_clear(&err);
    WasmcStats st;
    bool ok = wasmc_compile(data, size, &o, out_path, &st, &err);
    if (ok) {
        if (!valid) finding("wasmc_compile accepted a module wasmc_check rejects", &check_err);
        struct stat sb;
        if (stat(out_path, &sb) != 0 || st.output_size == 0 || (size_t)sb.st_size != st.output_size)
            finding("compile succeeded but the artifact is missing or its size is wrong", &err);
        unlink(out_path);
        n_compiled++;
        if (o.target_triple) n_aarch64++;
        return 0;
    }
    if (access(out_path, F_OK) == 0) finding("a failed compile left an artifact behind", &err);
    if (err.kind == WASM_OK) finding("wasmc_compile failed with kind WASM_OK", &err);
    if (!err.message[0]) finding("wasmc_compile failed without a message", &err);
    if (valid) {
        switch (err.kind) {
        case WASM_ERR_LIMIT: n_limit++; break;
        case WASM_ERR_UNSUPPORTED: n_unsupported++; break;
        case WASM_ERR_INTERNAL: finding("a valid module failed in lowering/codegen/link", &err); break;
        default: finding("a valid module failed compile with a front-end error", &err); break;
        }
    } else if (err.kind != check_err.kind || err.offset != check_err.offset) {
        finding("wasmc_check and wasmc_compile reject the module differently", &err);
    }
    return 0;
}

/* ---- Structure-aware mutation ------------------------------------------ */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

/* One-byte opcodes that are interchangeable: same operand and result
 * types, same immediates.  Memory groups also need the alignment byte
 * lowered (see below). */
typedef struct OpGroup {
    uint8_t first, last;
    bool memarg;
} OpGroup;

static const OpGroup groups[] = {
    {0x46, 0x4F, false}, /* i32 compares */
    {0x51, 0x5A, false}, /* i64 compares */
    {0x5B, 0x60, false}, /* f32 compares */
    {0x61, 0x66, false}, /* f64 compares */
    {0x67, 0x69, false}, /* i32 clz ctz popcnt */
    {0x6A, 0x78, false}, /* i32 binary */
    {0x79, 0x7B, false}, /* i64 clz ctz popcnt */
    {0x7C, 0x8A, false}, /* i64 binary */
    {0x8B, 0x91, false}, /* f32 unary */
    {0x92, 0x98, false}, /* f32 binary */
    {0x99, 0x9F, false}, /* f64 unary */
    {0xA0, 0xA6, false}, /* f64 binary */
    {0xC0, 0xC1, false}, /* i32.extend8_s / extend16_s */
    {0xC2, 0xC4, false}, /* i64.extend8/16/32_s */
};
/* Loads/stores of one value type: the opcode bytes of each family. */
static const uint8_t i32_loads[] = {0x28, 0x2C, 0x2D, 0x2E, 0x2F};
static const uint8_t i64_loads[] = {0x29, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35};
static const uint8_t i32_stores[] = {0x36, 0x3A, 0x3B};
static const uint8_t i64_stores[] = {0x37, 0x3C, 0x3D, 0x3E};

static bool in_family(uint8_t op, const uint8_t *fam, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (fam[i] == op) return true;
    return false;
}

/* Rewrite the instruction at `at` (opcode byte) ending at `end`; returns
 * whether anything changed. */
static bool mutate_instr(uint8_t *d, size_t at, size_t end, unsigned rnd) {
    uint8_t op = d[at];
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        if (op >= groups[g].first && op <= groups[g].last) {
            unsigned n = groups[g].last - groups[g].first + 1u;
            d[at] = (uint8_t)(groups[g].first + rnd % n);
            return d[at] != op;
        }
    }
    static const struct { const uint8_t *ops; size_t n; } fams[] = {
        {i32_loads, sizeof i32_loads}, {i64_loads, sizeof i64_loads},
        {i32_stores, sizeof i32_stores}, {i64_stores, sizeof i64_stores},
    };
    for (size_t k = 0; k < sizeof fams / sizeof fams[0]; k++) {
        if (!in_family(op, fams[k].ops, fams[k].n))
            continue;
        /* The alignment immediate must not exceed the new width: 0 is
         * always valid (a one-byte LEB128 keeps the length). */
        if (at + 1 >= end || (d[at + 1] & 0x80)) return false;
        d[at] = fams[k].ops[rnd % fams[k].n];
        d[at + 1] = 0;
        return d[at] != op;
    }
    if ((op == 0x41 || op == 0x42) && end > at + 1) {
        /* i32/i64.const: flip payload bits of one LEB128 byte, keeping
         * the continuation bit (and so the length). */
        size_t b = at + 1 + (rnd >> 8) % (end - at - 1);
        uint8_t mask = (uint8_t)(1u << ((rnd >> 4) % 7));
        d[b] ^= mask;
        return true;
    }
    return false;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    srand(seed);
    if (rand() % 2) return LLVMFuzzerMutate(data, size, max_size);
    Module m;
    WasmError err;
    wasm_error_clear(&err);
    if (!module_decode(data, size, &m, &err)) return LLVMFuzzerMutate(data, size, max_size);
    bool valid = module_validate(&m, &err);
    size_t result = 0;
    uint32_t ndef = m.num_funcs - m.num_imported_funcs;
    if (valid && ndef > 0) {
        for (int attempt = 0; attempt < 8 && !result; attempt++) {
            const Func *fn = &m.funcs[m.num_imported_funcs + (uint32_t)rand() % ndef];
            /* Count the instructions, then rewrite a random one of them. */
            InstrReader r;
            Instr in;
            size_t count = 0;
            instr_reader_init(&r, m.bytes, fn->code_offset, fn->body_end);
            while (!instr_reader_done(&r) && instr_next(&r, &in, &err)) count++;
            if (!count) continue;
            size_t pick = (size_t)rand() % count, i = 0;
            instr_reader_init(&r, m.bytes, fn->code_offset, fn->body_end);
            while (!instr_reader_done(&r) && instr_next(&r, &in, &err)) {
                if (i++ != pick) continue;
                if (mutate_instr(data, in.offset, r.pos, (unsigned)rand())) result = size;
                break;
            }
        }
    }
    module_free(&m);
    return result ? result : LLVMFuzzerMutate(data, size, max_size);
}
