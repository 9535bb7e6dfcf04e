/* libwasmc: the compiler as a library (used by the wasmc CLI, wast-run and
 * the fuzz targets).
 *
 * Pipeline: decode -> validate -> lower to LLVM IR -> optimise -> emit one
 * object per target -> link a shared object with ld.lld -> append the
 * artifact trailer.  The output file is written under a temporary name and
 * renamed into place only when complete, so a failure never leaves a
 * half-written artifact behind.
 */
#ifndef WASMC_H
#define WASMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define WASMC_VERSION "0.1.0"

typedef struct WasmcOptions {
    int opt_level;              /* 0..3; default 2 */
    const char *target_triple;  /* NULL = host (x86_64-linux-gnu / aarch64-linux-gnu) */
    const char *cpu;            /* NULL = the target's portable baseline; "native" = this host */
    bool bounds_checks;         /* explicit checks instead of guard pages */
    bool verbose;               /* print phase timings to stderr */
    unsigned threads;           /* codegen threads; 0 = number of cores */
    bool interrupt_poll;        /* poll limits->interrupt at loop headers (default: the
                                 * runtime interrupts by signal; loops carry no check) */
    bool exact_traps;           /* keep side effects exact at a trap even in a WASI command
                                 * (--trap-state=exact; see compiler/lower/trap_order.c) */
    bool frame_pointers;        /* keep frame pointers in non-leaf functions, for profilers'
                                 * frame-pointer stack walks (perf --call-graph=fp) */
    const struct WasmcSigningKey *sign_key; /* non-NULL: sign the artifact (sign.h) */
    /* Developer aids (wasmc --print-passes, README "Developer aids"): */
    uint32_t disabled_passes;   /* passes.def passes switched off (bit OptPassId) */
    const char *llvm_pipeline;  /* NULL = default<On>; else replaces LLVM's pipeline (opt syntax) */
    const char *dump_ir_dir;    /* write each part's IR at each stage into this directory */
    bool verify_guards;         /* check the guard-page rules after each pass (opt/verify_guards.c);
                                 * default: on in debug builds; the tests turn it on */
    struct {                    /* where parts are cut (codegen.c; --part-bytes=MIN:MAX:MASK);
                                 * max 0 = the default rule */
        uint64_t min, max, cut_mask;
    } part_bytes;
    const char *linker;         /* the ld.lld to run; NULL = the one wasmc was built with */
    const char *cache_dir;      /* compile cache directory (cache.h); NULL = no cache */
    uint64_t cache_max_bytes;   /* its size bound; 0 = WASMC_CACHE_DEFAULT_MAX_BYTES */
    bool time_report;           /* print the costliest functions and LLVM passes to stderr */
} WasmcOptions;

void wasmc_options_default(WasmcOptions *o);

typedef struct WasmcStats {
    double t_decode, t_validate, t_lower, t_optimize, t_codegen, t_link; /* seconds */
    size_t output_size;
    uint32_t num_funcs;
    uint32_t num_parts, parts_cached;  /* parts, and how many came from the cache */
} WasmcStats;

/* Decode and validate only (a core module or, by its preamble, a
 * component). */
bool wasmc_check(const uint8_t *bytes, size_t size, WasmError *err);

/* Decode and validate a component (binary format version 0x0d, layer 1)
 * and its core modules, and flatten it as compiling would: what
 * `wasmc --validate` and wast-run's component assertions use. */
bool wasmc_component_check(const uint8_t *bytes, size_t size, WasmError *err);

/* Compile a module, or a component (one artifact holding all its core
 * modules and its plan, compiler/component/), to an artifact at out_path
 * ("-" = stdout).  stats may be NULL. */
bool wasmc_compile(const uint8_t *bytes, size_t size, const WasmcOptions *opts,
                   const char *out_path, WasmcStats *stats, WasmError *err);

#endif
