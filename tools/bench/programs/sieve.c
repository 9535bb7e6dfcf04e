/* Sieve of Eratosthenes over odd numbers up to n, bit-packed, repeated
 * four times with a fresh bitmap.
 *
 * Strided read-modify-write of a bitmap much larger than L2: memory-bound
 * stores plus the engine's per-access guard or bounds check.  The prime count
 * pi(n) is a known number-theory value, so the answer checks itself for the
 * standard sizes (pi(10^6) = 78498, pi(10^8) = 5761455). */
#include "bench.h"

static const bench_ref_u64 refs[] = {
    { 1000000, 78498 },
    { 10000000, 664579 },
    { 100000000, 5761455 },
    { 200000000, 11078937 },
};

static uint64_t count_primes(long n, uint32_t *bits)
{
    /* bit i stands for the odd number 2i+1; set = composite */
    size_t nbits = (size_t)(n / 2 + 1), nwords = (nbits + 31) / 32;
    memset(bits, 0, nwords * sizeof *bits);
    for (size_t i = 1; (2 * i + 1) * (2 * i + 1) <= (size_t)n; i++) {
        if (bits[i >> 5] & (1u << (i & 31)))
            continue;
        size_t p = 2 * i + 1;
        for (size_t j = (p * p) / 2; j < nbits; j += p)
            bits[j >> 5] |= 1u << (j & 31);
    }
    uint64_t count = n >= 2 ? 1 : 0; /* the prime 2 */
    for (size_t i = 1; i < nbits && 2 * i + 1 <= (size_t)n; i++)
        count += !(bits[i >> 5] & (1u << (i & 31)));
    return count;
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 100000000, 2, 2000000000);
    size_t nwords = ((size_t)(n / 2 + 1) + 31) / 32;
    uint32_t *bits = malloc(nwords * sizeof *bits);
    if (!bits)
        bench_fail("sieve", "out of memory");
    uint64_t c = 0;
    for (int rep = 0; rep < 4; rep++) {
        uint64_t c2 = count_primes(n, bits);
        if (rep && c2 != c)
            bench_fail("sieve", "repetitions disagree");
        c = c2;
    }
    free(bits);
    return bench_report_u64("sieve", n, c, refs, BENCH_NREFS(refs));
}
