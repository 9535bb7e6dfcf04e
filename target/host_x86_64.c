/* x86-64 host facts: CPUID (plus XGETBV, since AVX/AVX-512 state must also
 * be enabled by the OS before code may use those registers) and the
 * register layout of the Linux ucontext. */
#if defined(__x86_64__)
#define _GNU_SOURCE
#include <cpuid.h>
#include <elf.h>
#include <signal.h>
#include <ucontext.h>

#include "host.h"

wasmc_arch host_arch(void) { return WASMC_ARCH_X86_64; }
uint16_t host_elf_machine(void) { return EM_X86_64; }

static uint64_t xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t detect(void) {
    unsigned a, b, c, d;
    uint64_t f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (c & (1u << 0)) f |= WASMC_CPU_X86_SSE3;
    if (c & (1u << 9)) f |= WASMC_CPU_X86_SSSE3;
    if (c & (1u << 19)) f |= WASMC_CPU_X86_SSE41;
    if (c & (1u << 20)) f |= WASMC_CPU_X86_SSE42;
    if (c & (1u << 23)) f |= WASMC_CPU_X86_POPCNT;
    int os_avx = 0, os_avx512 = 0;
    if ((c & (1u << 27)) && (c & (1u << 28))) {   /* OSXSAVE + AVX */
        uint64_t xcr0 = xgetbv0();
        os_avx = (xcr0 & 0x6) == 0x6;
        os_avx512 = os_avx && (xcr0 & 0xE0) == 0xE0;
    }
    if (os_avx) {
        f |= WASMC_CPU_X86_AVX;
        if (c & (1u << 12)) f |= WASMC_CPU_X86_FMA;
    }
    unsigned max = __get_cpuid_max(0, 0);
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (b & (1u << 3)) f |= WASMC_CPU_X86_BMI1;
        if (b & (1u << 8)) f |= WASMC_CPU_X86_BMI2;
        if (os_avx && (b & (1u << 5))) f |= WASMC_CPU_X86_AVX2;
        if (os_avx512 && (b & (1u << 16))) f |= WASMC_CPU_X86_AVX512F;
    }
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 5)))
        f |= WASMC_CPU_X86_LZCNT;
    return f;
}

uint64_t host_cpu_features(void) {
    /* Racing first callers compute the same value; no lock needed. */
    static volatile uint64_t cached;
    static volatile int done;
    if (!done) {
        cached = detect();
        __atomic_store_n(&done, 1, __ATOMIC_RELEASE);
    }
    return cached;
}

uintptr_t host_ucontext_pc(const void *uc) {
    return (uintptr_t)((const ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
}
uintptr_t host_ucontext_sp(const void *uc) {
    return (uintptr_t)((const ucontext_t *)uc)->uc_mcontext.gregs[REG_RSP];
}
#else
typedef int host_x86_64_unused_;   /* ISO C forbids an empty file */
#endif
