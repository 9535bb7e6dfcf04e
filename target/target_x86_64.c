/* x86-64: Linux ELF, System V ABI.
 *
 * The default CPU is x86-64-v2 (SSE4.2, POPCNT, CX16): every x86-64 server
 * of the last decade has it, and Wasm's popcnt and SIMD lowerings get much
 * better code from it than from the 2003 baseline.  The bits recorded for a
 * CPU are the WASMC_CPU_* features LLVM may use when generating for it; the
 * runtime refuses an artifact needing one its host lacks, instead of dying
 * of SIGILL later.
 */
#include <string.h>

#include "cpu_features.h"
#include "target.h"

#define V2 (WASMC_CPU_X86_SSE3 | WASMC_CPU_X86_SSSE3 | WASMC_CPU_X86_SSE41 | \
            WASMC_CPU_X86_SSE42 | WASMC_CPU_X86_POPCNT)
#define V3 (V2 | WASMC_CPU_X86_AVX | WASMC_CPU_X86_AVX2 | WASMC_CPU_X86_BMI1 | \
            WASMC_CPU_X86_BMI2 | WASMC_CPU_X86_FMA | WASMC_CPU_X86_LZCNT)
#define V4 (V3 | WASMC_CPU_X86_AVX512F)

static const CpuEntry cpus[] = {
    {"x86-64", 0},
    {"x86-64-v2", V2},
    {"x86-64-v3", V3},
    {"x86-64-v4", V4},
    {"nehalem", V2},
    {"westmere", V2},
    {"sandybridge", V2 | WASMC_CPU_X86_AVX},
    {"ivybridge", V2 | WASMC_CPU_X86_AVX},
    {"haswell", V3},
    {"broadwell", V3},
    {"skylake", V3},
    {"alderlake", V3},
    {"skylake-avx512", V4},
    {"cascadelake", V4},
    {"cooperlake", V4},
    {"icelake-client", V4},
    {"icelake-server", V4},
    {"tigerlake", V4},
    {"sapphirerapids", V4},
    {"znver1", V3},
    {"znver2", V3},
    {"znver3", V3},
    {"znver4", V4},
};

#define SSE3 WASMC_CPU_X86_SSE3
#define SSSE3 (WASMC_CPU_X86_SSSE3 | SSE3)
#define SSE41 (WASMC_CPU_X86_SSE41 | SSSE3)
#define SSE42 (WASMC_CPU_X86_SSE42 | SSE41)
#define AVX (WASMC_CPU_X86_AVX | SSE42)
#define AVX2 (WASMC_CPU_X86_AVX2 | AVX)
#define FMA (WASMC_CPU_X86_FMA | AVX)

static const FeatureEntry feats[] = {
    {"sse3", WASMC_CPU_X86_SSE3, 0},
    {"ssse3", WASMC_CPU_X86_SSSE3, SSE3},
    {"sse4.1", WASMC_CPU_X86_SSE41, SSSE3},
    {"sse4.2", WASMC_CPU_X86_SSE42, SSE41},
    {"popcnt", WASMC_CPU_X86_POPCNT, 0},
    {"lzcnt", WASMC_CPU_X86_LZCNT, 0},
    {"bmi", WASMC_CPU_X86_BMI1, 0},
    {"bmi2", WASMC_CPU_X86_BMI2, 0},
    {"avx", WASMC_CPU_X86_AVX, SSE42},
    {"avx2", WASMC_CPU_X86_AVX2, AVX},
    {"fma", WASMC_CPU_X86_FMA, AVX},
    {"avx512f", WASMC_CPU_X86_AVX512F, AVX2 | FMA},
};

static const char *x86_features_for_cpu(const char *cpu) {
    return cpu_lookup(cpus, sizeof cpus / sizeof cpus[0], cpu) ? "" : NULL;
}

static uint64_t x86_required_features(const char *cpu, const char *llvm_features) {
    const CpuEntry *e = cpu_lookup(cpus, sizeof cpus / sizeof cpus[0], cpu);
    return cpu_apply_features(e ? e->bits : 0, llvm_features, feats, sizeof feats / sizeof feats[0]);
}

const TargetInfo target_x86_64 = {
    .name = "x86-64",
    .triple = "x86_64-unknown-linux-gnu",
    .arch = WASMC_ARCH_X86_64,
    .elf_machine = 62, /* EM_X86_64 */
    .lld_emulation = "elf_x86_64",
    .stack_pointer = "rsp",
    .default_cpu = "x86-64-v2",
    .features_for_cpu = x86_features_for_cpu,
    .required_features = x86_required_features,
    .vector_reg_constraint = "x",
    .mulhi_s16 = "llvm.x86.sse2.pmulh.w", /* SSE2 (the baseline) pmulhw */
    .cmov_may_branch = true,
};
