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
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    n_inputs++;
    WasmError check_err;
    wasm_error_clear(&check_err);
    bool valid = wasmc_check(data, size, &check_err);
    if (!valid && check_err.kind == WASM_OK) finding("wasmc_check failed with kind WASM_OK", &check_err);
    if (valid) n_valid++;

    WasmcOptions o;
    wasmc_options_default(&o);
    o.opt_level = 0;
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
