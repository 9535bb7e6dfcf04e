/* x86-64 host facts: CPUID (plus XGETBV, since AVX/AVX-512 state must also
 * be enabled by the OS before code may use those registers) and the
 * register layout of the Linux ucontext.
 *
 * CPUID traps to the hypervisor in a VM (~2 us each, and detection needs
 * five), while glibc's loader already ran it at start-up and keeps the
 * answers, "active" meaning present and enabled by the OS (the same XCR0
 * rule as below).  So with glibc >= 2.33 we ask it; otherwise, or if
 * glibc's table was built by a loader that knows fewer leaves, CPUID.  A
 * GLIBC_TUNABLES hwcaps mask can only remove features, which makes the
 * loader refuse an artifact rather than run code the user disabled. */
#if defined(__x86_64__)
#define _GNU_SOURCE
#include <cpuid.h>
#include <elf.h>
#include <signal.h>
#include <ucontext.h>

#if defined(__GLIBC__) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define HAVE_X86_PLATFORM_H 1
#endif
#endif

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

#ifdef HAVE_X86_PLATFORM_H
/* glibc's cached view, or 0 when its table lacks leaf 7 (an old loader). */
static uint64_t detect_glibc(void) {
    /* Leaf 1 and 7 must be known to glibc, or every bit reads as absent. */
    if (!CPU_FEATURE_PRESENT(SSE2)) return 0;
    uint64_t f = 0;
    if (CPU_FEATURE_ACTIVE(SSE3)) f |= WASMC_CPU_X86_SSE3;
    if (CPU_FEATURE_ACTIVE(SSSE3)) f |= WASMC_CPU_X86_SSSE3;
    if (CPU_FEATURE_ACTIVE(SSE4_1)) f |= WASMC_CPU_X86_SSE41;
    if (CPU_FEATURE_ACTIVE(SSE4_2)) f |= WASMC_CPU_X86_SSE42;
    if (CPU_FEATURE_ACTIVE(POPCNT)) f |= WASMC_CPU_X86_POPCNT;
    if (CPU_FEATURE_ACTIVE(AVX)) f |= WASMC_CPU_X86_AVX;
    if (CPU_FEATURE_ACTIVE(FMA)) f |= WASMC_CPU_X86_FMA;
    if (CPU_FEATURE_ACTIVE(BMI1)) f |= WASMC_CPU_X86_BMI1;
    if (CPU_FEATURE_ACTIVE(BMI2)) f |= WASMC_CPU_X86_BMI2;
    if (CPU_FEATURE_ACTIVE(AVX2)) f |= WASMC_CPU_X86_AVX2;
    if (CPU_FEATURE_ACTIVE(AVX512F)) f |= WASMC_CPU_X86_AVX512F;
    if (CPU_FEATURE_ACTIVE(LZCNT)) f |= WASMC_CPU_X86_LZCNT;
    return f;
}
#endif

uint64_t host_cpu_features(void) {
    /* Racing first callers compute the same value; no lock needed. */
    static volatile uint64_t cached;
    static volatile int done;
    if (!done) {
#ifdef HAVE_X86_PLATFORM_H
        uint64_t f = detect_glibc();
        cached = f ? f : detect();
#else
        cached = detect();
#endif
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
