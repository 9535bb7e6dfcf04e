/* CPU tables and LLVM feature-string parsing shared by the target files.
 *
 * Each target lists the CPUs wasmc accepts (LLVM's names) with the
 * WASMC_CPU_* bits each implies, and the LLVM feature names that map to a
 * WASMC_CPU_* bit with what each implies.  A feature string such as
 * LLVMGetHostCPUFeatures() returns ("+sse4.2,-avx512f,...") is applied on
 * top of the CPU's bits the way LLVM applies it: "+x" adds x and everything
 * x implies, "-x" removes x and everything that implies x.  Features with
 * no WASMC_CPU_* bit are ignored (the runtime cannot check them either).
 */
#ifndef WASMC_TARGET_CPU_FEATURES_H
#define WASMC_TARGET_CPU_FEATURES_H

#include <stddef.h>
#include <stdint.h>

typedef struct CpuEntry {
    const char *name;
    uint64_t bits;
} CpuEntry;

typedef struct FeatureEntry {
    const char *name;   /* LLVM feature name, without +/- */
    uint64_t bit;       /* its WASMC_CPU_* bit */
    uint64_t implies;   /* bits it transitively implies (itself excluded) */
} FeatureEntry;

/* The CPU's entry or NULL. */
const CpuEntry *cpu_lookup(const CpuEntry *cpus, size_t n, const char *name);

/* bits with the feature string applied. */
uint64_t cpu_apply_features(uint64_t bits, const char *llvm_features,
                            const FeatureEntry *feats, size_t n);

#endif
