/* aarch64 host facts: features from the kernel's AT_HWCAP bits (user space
 * cannot read the ID registers portably) and the Linux ucontext layout. */
#if defined(__aarch64__)
#define _GNU_SOURCE
#include <elf.h>
#include <signal.h>
#include <sys/auxv.h>
#include <ucontext.h>

#include "host.h"

wasmc_arch host_arch(void) { return WASMC_ARCH_AARCH64; }
uint16_t host_elf_machine(void) { return EM_AARCH64; }

/* AT_HWCAP bit numbers from the kernel's uapi asm/hwcap.h. */
enum {
    HW_CRC32 = 1u << 7, HW_ATOMICS = 1u << 8, HW_FPHP = 1u << 9, HW_ASIMDHP = 1u << 10,
    HW_LRCPC = 1u << 15, HW_ASIMDDP = 1u << 20, HW_SVE = 1u << 22,
};

uint64_t host_cpu_features(void) {
    unsigned long hw = getauxval(AT_HWCAP);
    uint64_t f = 0;
    if (hw & HW_ATOMICS) f |= WASMC_CPU_ARM_LSE;
    if (hw & HW_CRC32) f |= WASMC_CPU_ARM_CRC;
    if (hw & HW_ASIMDDP) f |= WASMC_CPU_ARM_DOTPROD;
    if (hw & HW_LRCPC) f |= WASMC_CPU_ARM_RCPC;
    if ((hw & HW_FPHP) && (hw & HW_ASIMDHP)) f |= WASMC_CPU_ARM_FP16;
    if (hw & HW_SVE) f |= WASMC_CPU_ARM_SVE;
    return f;
}

uintptr_t host_ucontext_pc(const void *uc) {
    return (uintptr_t)((const ucontext_t *)uc)->uc_mcontext.pc;
}
uintptr_t host_ucontext_sp(const void *uc) {
    return (uintptr_t)((const ucontext_t *)uc)->uc_mcontext.sp;
}
#else
typedef int host_aarch64_unused_;   /* ISO C forbids an empty file */
#endif
