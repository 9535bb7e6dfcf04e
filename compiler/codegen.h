/* Code generation: target machines, the optimisation pipeline, and the
 * parallel lower -> optimise -> emit of a module's parts into ELF objects.
 *
 * The split into parts depends only on the module and the configuration's
 * part sizes (never on the thread count or timing), so the objects, and therefore the artifact, are the
 * same bytes whatever -j is and on whatever machine wasmc runs.
 */
#ifndef WASMC_CODEGEN_H
#define WASMC_CODEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "module.h"
#include "compile_config.h"
#include "target.h"
#include "wasmc.h"

/* Initialise LLVM's targets and parse --llvm-args (once per process). */
void codegen_llvm_init(void);

/* How much optimisation a part gets (codegen_plan_parts decides, by the
 * size of its one function; see codegen.c). */
typedef enum CodegenTier {
    CODEGEN_TIER_FULL,    /* the -O level's pipeline */
    CODEGEN_TIER_BUDGET,  /* a giant function: a pipeline without the superlinear passes */
} CodegenTier;

/* A range of defined functions [first, last) compiled as one object;
 * the metadata part (part 0: descriptor, trampolines, data) has none,
 * except in a module smaller than one part, which is all part 0. */
typedef struct CodegenPart {
    uint32_t first, last;
    bool metadata;
    uint8_t tier;         /* CodegenTier */
} CodegenPart;

/* Split the module into parts: part 0 the metadata, then the defined
 * functions cut at content-defined boundaries (cc->part_sizes; so an edit
 * moves no cut but its neighbours'), giant functions alone.  Returns the
 * count (>= 1); *parts is malloc'd; 0 when out of memory. */
uint32_t codegen_plan_parts(const Module *m, const CompileConfig *cc, CodegenPart **parts);

typedef struct CodegenObject {
    void *mem;              /* LLVMMemoryBufferRef owning the bytes */
    const uint8_t *data;
    size_t size;
} CodegenObject;

/* What one part cost (for -v and --time-report). */
typedef struct CodegenPartStats {
    double lower, optimize, codegen;  /* CPU seconds of the thread that compiled it */
    uint64_t ir_insts;                /* instructions after lowering */
    uint32_t biggest_func;            /* its largest function (defined index), if any */
    uint64_t biggest_ir_insts;        /* that function's instructions after lowering */
    bool cached;                      /* taken from the compile cache */
} CodegenPartStats;

typedef struct CodegenTimes {
    double lower, optimize, codegen;  /* summed over parts (thread-seconds) */
    CodegenPartStats *parts;          /* optional: one per part of every unit, unit by unit;
                                       * filled in */
} CodegenTimes;

struct WasmcCache;
/* Optional compile cache: part i is looked up and stored under keys[i]. */
typedef struct CodegenCacheUse {
    struct WasmcCache *cache;
    const uint8_t (*keys)[32];
} CodegenCacheUse;

/* Lower, optimise and emit every part on up to cc->threads threads.  On
 * success *objs holds one object per part in part order (free with
 * codegen_objects_free).  On failure the error of the lowest-numbered
 * failing part is reported, so errors are deterministic too. */
bool codegen_compile_parts(const Module *m, const CompileConfig *cc,
                           const uint8_t module_sha256[32], const CodegenPart *parts,
                           uint32_t num_parts, const CodegenCacheUse *cache,
                           CodegenObject **objs, CodegenTimes *times, WasmError *err);

/* One module's share of a multi-module compile (the core modules of a
 * component): its parts and the names its code is emitted under. */
typedef struct CodegenUnit {
    const Module *m;
    const uint8_t *module_sha256;   /* 32 bytes */
    const CodegenPart *parts;
    uint32_t num_parts;
    const char *symbol_prefix;      /* LowerConfig.symbol_prefix; NULL for a plain module */
    const char *text_section;       /* LowerConfig.text_section; NULL = "wasmc_text" */
    CodegenCacheUse cache;          /* .cache NULL: no compile cache */
} CodegenUnit;

/* codegen_compile_parts for several modules at once, all their parts
 * sharing the threads; *objs holds the objects unit by unit, each unit's
 * in part order. */
bool codegen_compile_units(const CodegenUnit *units, uint32_t num_units, const CompileConfig *cc,
                           CodegenObject **objs, CodegenTimes *times, WasmError *err);
void codegen_objects_free(CodegenObject *objs, uint32_t n);

/* An LLVMTargetMachineRef for cc (NULL with err set), for objects made
 * outside the part pipeline (a component's descriptor). */
void *codegen_target_machine(const CompileConfig *cc, WasmError *err);
void codegen_target_machine_free(void *tm);

/* --llvm-args: options for LLVM itself (process-wide), e.g.
 * "-pass-remarks-missed=loop-vectorize" (remarks then go to stderr).  Call
 * before compiling anything; the string must outlive the process's use of
 * LLVM. */
void codegen_set_llvm_args(const char *args);
/* What codegen_set_llvm_args was given, or NULL (the compile cache's key
 * includes it). */
const char *codegen_llvm_args(void);

/* "19.1.7" etc. and the registered targets, for --version. */
const char *codegen_llvm_version(void);

#endif
