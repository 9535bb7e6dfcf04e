/* host_cpu_features (target/host_x86_64.c) takes glibc's cached CPUID
 * answers when it can; they must equal what CPUID and XGETBV say directly,
 * checked here with an independent reading of the same bits. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdint.h>

#include "../../target/host.h"

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t raw_features(void) {
    unsigned a = 0, b = 0, c = 0, d = 0, c1 = 0;
    uint64_t f = 0;
    __get_cpuid(1, &a, &b, &c1, &d);
    const struct { unsigned bit; uint64_t flag; } leaf1[] = {
        {0, WASMC_CPU_X86_SSE3},    {9, WASMC_CPU_X86_SSSE3},   {19, WASMC_CPU_X86_SSE41},
        {20, WASMC_CPU_X86_SSE42},  {23, WASMC_CPU_X86_POPCNT},
    };
    for (size_t i = 0; i < sizeof leaf1 / sizeof *leaf1; i++)
        if (c1 >> leaf1[i].bit & 1) f |= leaf1[i].flag;
    uint64_t xcr0 = 0;
    if ((c1 >> 27 & 1) && (c1 >> 28 & 1)) {
        uint32_t lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = (uint64_t)hi << 32 | lo;
    }
    int ymm = (xcr0 & 6) == 6, zmm = ymm && (xcr0 & 0xE0) == 0xE0;
    if (ymm) f |= WASMC_CPU_X86_AVX;
    if (ymm && (c1 >> 12 & 1)) f |= WASMC_CPU_X86_FMA;
    if (__get_cpuid_max(0, 0) >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (b >> 3 & 1) f |= WASMC_CPU_X86_BMI1;
        if (b >> 8 & 1) f |= WASMC_CPU_X86_BMI2;
        if (ymm && (b >> 5 & 1)) f |= WASMC_CPU_X86_AVX2;
        if (zmm && (b >> 16 & 1)) f |= WASMC_CPU_X86_AVX512F;
    }
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (c >> 5 & 1)) f |= WASMC_CPU_X86_LZCNT;
    return f;
}

Test(host_cpu, features_match_cpuid) {
    /* GLIBC_TUNABLES may mask features out of glibc's view on purpose. */
    if (getenv("GLIBC_TUNABLES")) cr_skip_test("GLIBC_TUNABLES set");
    cr_assert_eq(host_cpu_features(), raw_features(), "host %#llx, cpuid %#llx",
                 (unsigned long long)host_cpu_features(), (unsigned long long)raw_features());
    cr_assert_eq(host_cpu_features(), host_cpu_features());
}
#else
Test(host_cpu, features_are_stable) { cr_assert_eq(host_cpu_features(), host_cpu_features()); }
#endif
