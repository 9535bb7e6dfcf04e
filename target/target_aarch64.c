/* AArch64: Linux ELF, AAPCS64.
 *
 * The default CPU is "generic" with NEON and FP, which the architecture
 * guarantees on every Linux AArch64 machine, so the default artifact runs
 * anywhere (Graviton, Ampere, Apple silicon under Linux, Raspberry Pi 4).
 * Named CPUs record the optional extensions (LSE atomics, CRC, dot product,
 * RCpc, FP16, SVE) that LLVM may then use.
 */
#include <string.h>

#include "cpu_features.h"
#include "target.h"

#define V81 (WASMC_CPU_ARM_LSE | WASMC_CPU_ARM_CRC)
#define V82 (V81 | WASMC_CPU_ARM_DOTPROD | WASMC_CPU_ARM_RCPC | WASMC_CPU_ARM_FP16)

static const CpuEntry cpus[] = {
    {"generic", 0},
    {"cortex-a53", WASMC_CPU_ARM_CRC},
    {"cortex-a57", WASMC_CPU_ARM_CRC},
    {"cortex-a72", WASMC_CPU_ARM_CRC},
    {"cortex-a73", WASMC_CPU_ARM_CRC},
    {"thunderx2t99", V81},
    {"cortex-a55", V82},
    {"cortex-a75", V82},
    {"cortex-a76", V82},
    {"cortex-a78", V82},
    {"neoverse-e1", V82},
    {"neoverse-n1", V82},
    {"ampere1", V82},
    {"apple-m1", V82},
    {"neoverse-v1", V82 | WASMC_CPU_ARM_SVE},
    {"neoverse-n2", V82 | WASMC_CPU_ARM_SVE},
    {"neoverse-v2", V82 | WASMC_CPU_ARM_SVE},
};

static const FeatureEntry feats[] = {
    {"lse", WASMC_CPU_ARM_LSE, 0},
    {"crc", WASMC_CPU_ARM_CRC, 0},
    {"dotprod", WASMC_CPU_ARM_DOTPROD, 0},
    {"rcpc", WASMC_CPU_ARM_RCPC, 0},
    {"fullfp16", WASMC_CPU_ARM_FP16, 0},
    {"sve", WASMC_CPU_ARM_SVE, WASMC_CPU_ARM_FP16},
    {"sve2", 0, WASMC_CPU_ARM_SVE | WASMC_CPU_ARM_FP16},
};

static const char *arm_features_for_cpu(const char *cpu) {
    if (!cpu_lookup(cpus, sizeof cpus / sizeof cpus[0], cpu)) return NULL;
    return strcmp(cpu, "generic") == 0 ? "+neon,+fp-armv8" : "";
}

static uint64_t arm_required_features(const char *cpu, const char *llvm_features) {
    const CpuEntry *e = cpu_lookup(cpus, sizeof cpus / sizeof cpus[0], cpu);
    return cpu_apply_features(e ? e->bits : 0, llvm_features, feats, sizeof feats / sizeof feats[0]);
}

const TargetInfo target_aarch64 = {
    .name = "aarch64",
    .triple = "aarch64-unknown-linux-gnu",
    .arch = WASMC_ARCH_AARCH64,
    .elf_machine = 183, /* EM_AARCH64 */
    .lld_emulation = "aarch64linux",
    .stack_pointer = "sp",
    .default_cpu = "generic",
    .features_for_cpu = arm_features_for_cpu,
    .required_features = arm_required_features,
    .vector_reg_constraint = "w",
    .native_fminmax = true,
    .native_trunc_sat = true,
    .swizzle = "llvm.aarch64.neon.tbl1",
    .narrow_ss = "llvm.aarch64.neon.sqxtn",
    .narrow_su = "llvm.aarch64.neon.sqxtun",
    .narrow_uu = "llvm.aarch64.neon.uqxtn",
    .q15mulr = "llvm.aarch64.neon.sqrdmulh",
};
