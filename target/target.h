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
} TargetInfo;

extern const TargetInfo target_x86_64;
extern const TargetInfo target_aarch64;

/* Target for an LLVM-style triple ("x86_64-linux-gnu", "aarch64-linux-gnu",
 * "aarch64-unknown-linux-gnu", ...) or NULL if unsupported. */
const TargetInfo *target_for_triple(const char *triple);
/* The target of the machine wasmc runs on. */
const TargetInfo *target_host(void);


#endif
