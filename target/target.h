/* What differs between the targets wasmc generates code for.
 *
 * Each target is a const TargetInfo of data and a few hooks (QBE style),
 * picked by triple.  The rest of the compiler asks the TargetInfo instead of
 * testing the architecture, so adding a target means adding one file here.
 */
#ifndef WASMC_TARGET_H
#define WASMC_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "wasmc/artifact.h"

typedef struct TargetInfo {
    const char *name;            /* "x86-64", "aarch64" */
    const char *triple;          /* canonical LLVM triple */
    wasmc_arch arch;
    uint16_t elf_machine;        /* EM_X86_64, EM_AARCH64 */
    const char *lld_emulation;   /* ld.lld -m value: "elf_x86_64", "aarch64linux" */
    const char *stack_pointer;   /* register name for llvm.read_register */
    const char *default_cpu;     /* portable baseline: "x86-64-v2", "generic" */
    /* LLVM feature string for `cpu` ("" = the cpu's own; NULL = cpu unknown
     * for this target) */
    const char *(*features_for_cpu)(const char *cpu);
    /* WASMC_CPU_* bits the code for (cpu, LLVM feature string) requires */
    uint64_t (*required_features)(const char *cpu, const char *llvm_features);

    /* How lowering (compiler/lower/) and the passes (compiler/opt/) use
     * this target's instructions.  An intrinsic name is LLVM's, used when
     * the target has one instruction for the Wasm operation; NULL / false
     * means the portable IR sequence, which every target compiles right. */
    const char *vector_reg_constraint; /* asm constraint of a 128-bit vector register */
    bool native_fminmax;          /* FMIN/FMAX follow Wasm's NaN and signed-zero rules, so
                                   * llvm.minimum/maximum is one instruction (scalar and SIMD) */
    bool native_trunc_sat;        /* vector llvm.fpto[su]i.sat is one instruction (f64x2 -> i32
                                   * lanes: to i64 lanes, then narrow_ss / narrow_uu) */
    const char *swizzle;          /* i8x16 table lookup, out-of-range lanes 0 */
    const char *narrow_ss;        /* saturating narrow to half-width lanes: signed to signed */
    const char *narrow_su;        /* ... signed to unsigned */
    const char *narrow_uu;        /* ... unsigned to unsigned */
    const char *q15mulr;          /* i16x8.q15mulr_sat_s whole */
    const char *mulhi_s16;        /* the high halves of i16x8 signed products */
    bool cmov_may_branch;         /* the back end may turn a cmov into a branch around a load
                                   * it folded (X86CmovConversion): compiler/opt/verify_guards.c */
} TargetInfo;

extern const TargetInfo target_x86_64;
extern const TargetInfo target_aarch64;

/* Target for an LLVM-style triple ("x86_64-linux-gnu", "aarch64-linux-gnu",
 * "aarch64-unknown-linux-gnu", ...) or NULL if unsupported. */
const TargetInfo *target_for_triple(const char *triple);
/* The target of the machine wasmc runs on. */
const TargetInfo *target_host(void);


#endif
