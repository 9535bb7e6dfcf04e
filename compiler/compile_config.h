/* One compile's resolved configuration (in the spirit of Wasmtime's
 * Tunables): made once by the driver from the options (wasmc.h), then
 * passed down by const pointer to code generation, lowering, the pass
 * table, the compile cache's key and the linker.  Nothing below the
 * driver keeps a copy of a flag or reads the environment.
 *
 * The fields are split by what they may change: "code" fields change the
 * objects, and every one of them is in the compile cache's key
 * (cache_key.c); "run" fields change how wasmc works or what it reports,
 * never an object's bytes.
 */
#ifndef WASMC_COMPILE_CONFIG_H
#define WASMC_COMPILE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "target.h"
#include "wasmc.h"
#include "wasmc/artifact.h"

/* The part cut rule (codegen_plan_parts): a part closes after a function
 * whose body hash has its low cut_mask bits clear once it holds min bytes
 * of bodies, or at max. */
typedef struct PartSizes {
    uint64_t min, max, cut_mask;
} PartSizes;

typedef struct CompileConfig {
    /* ---- code: in the compile cache's key ---- */
    const TargetInfo *target;
    char *cpu;                  /* LLVM CPU name (resolved: never "native") */
    char *features;             /* LLVM feature string */
    uint64_t cpu_features;      /* WASMC_CPU_* the code may use (recorded in the artifact) */
    int opt_level;              /* 0..3 */
    wasmc_memory_mode memory_mode;
    bool interrupt_poll;        /* loop headers poll limits->interrupt */
    bool exact_traps;           /* order barriers even in a WASI command (lower/trap_order.c) */
    bool frame_pointers;        /* keep frame pointers in non-leaf functions */
    uint32_t disabled_passes;   /* opt/passes.def passes switched off (bit OptPassId) */
    const char *llvm_pipeline;  /* NULL = the tier's default<On> */
    PartSizes part_sizes;       /* where parts are cut (changes which functions share an object) */
    bool verify_guards;         /* check the guard-page rules (opt/verify_guards.c): no output
                                 * byte depends on it, but a cached object would skip the check */
    /* ---- run: never changes an object ---- */
    unsigned threads;           /* >= 1 */
    bool verbose;
    bool time_report;
    const char *dump_ir_dir;    /* write each part's IR at each stage here (bypasses the cache) */
    const char *cache_dir;      /* NULL = no compile cache */
    uint64_t cache_max_bytes;   /* resolved: never 0 */
    const char *linker;         /* the ld.lld to run */
    const struct WasmcSigningKey *sign_key;
} CompileConfig;

/* The cut rule's constants (codegen.c explains them). */
PartSizes compile_config_default_part_sizes(void);

/* Resolve the options: the target and CPU ("native" = this host's CPU and
 * features, host target only), the memory mode, the thread count and every
 * default.  Unknown triples and CPUs and out-of-range values are errors.
 * The strings the options point to must outlive the config. */
bool compile_config_resolve(const WasmcOptions *o, CompileConfig *out, WasmError *err);
void compile_config_free(CompileConfig *c);

#endif
