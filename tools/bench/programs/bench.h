/* Shared scaffolding for the benchmark programs: a deterministic PRNG, a
 * checksum mixer, argv[1] size parsing and result verification.
 *
 * Every program is plain C17 over libc (stdio/stdlib/string/math) so the same
 * source builds natively and for wasm32-wasi; the only WASI calls it needs are
 * args_*, fd_write and proc_exit.  Inputs come from splitmix64 so a run is
 * reproducible on every engine, and each program carries hard-coded reference
 * results for its standard sizes (the harness's --quick size and the full
 * default), measured natively and cross-checked under a Wasm engine.  A size
 * with no reference still runs its internal invariant checks but reports the
 * checksum as unverified rather than pretending it was checked. */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

/* splitmix64: tiny, full-period, and identical on every target, which is all
 * a benchmark input generator needs. */
typedef struct { uint64_t s; } rng_t;

static inline uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) for n well below 2^32; the modulo bias is irrelevant for
 * generating workloads and keeps the sequence easy to reproduce elsewhere. */
static inline uint32_t rng_below(rng_t *r, uint32_t n)
{
    return (uint32_t)((rng_next(r) >> 32) % n);
}

/* Uniform double in [0, 1) from the top 53 bits, exact on every target. */
static inline double rng_unit(rng_t *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline uint64_t mix64(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

/* argv[1] is the problem size; absent means the full benchmark size.  A
 * malformed size is a usage error (exit 2), never silently the default. */
static inline long bench_size(int argc, char **argv, long full, long min, long max)
{
    if (argc < 2)
        return full;
    char *end = NULL;
    long n = strtol(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || n < min || n > max) {
        fprintf(stderr, "%s: size must be an integer in [%ld, %ld], got '%s'\n",
                argv[0], min, max, argv[1]);
        exit(2);
    }
    return n;
}

typedef struct { long size; uint64_t sum; } bench_ref_u64;
typedef struct { long size; double value; } bench_ref_f64;

/* Exit status: 0 verified or unverified-but-consistent, 1 wrong answer. */
static inline int bench_report_u64(const char *name, long size, uint64_t got,
                            const bench_ref_u64 *refs, size_t nrefs)
{
    for (size_t i = 0; i < nrefs; i++) {
        if (refs[i].size != size)
            continue;
        if (refs[i].sum == got) {
            printf("%s n=%ld checksum=%016llx ok\n", name, size,
                   (unsigned long long)got);
            return 0;
        }
        printf("%s n=%ld checksum=%016llx WRONG (expected %016llx)\n", name,
               size, (unsigned long long)got,
               (unsigned long long)refs[i].sum);
        return 1;
    }
    printf("%s n=%ld checksum=%016llx unverified (no reference for this size)\n",
           name, size, (unsigned long long)got);
    return 0;
}

/* Floating-point results are compared with a relative tolerance: the code
 * avoids libm transcendentals and FMA contraction, so engines agree bit for
 * bit in practice, but the check should not depend on that. */
static inline int bench_report_f64(const char *name, long size, double got,
                            const bench_ref_f64 *refs, size_t nrefs)
{
    for (size_t i = 0; i < nrefs; i++) {
        if (refs[i].size != size)
            continue;
        double tol = 1e-9 * fabs(refs[i].value) + 1e-12;
        if (fabs(got - refs[i].value) <= tol) {
            printf("%s n=%ld result=%.17g ok\n", name, size, got);
            return 0;
        }
        printf("%s n=%ld result=%.17g WRONG (expected %.17g)\n", name, size,
               got, refs[i].value);
        return 1;
    }
    printf("%s n=%ld result=%.17g unverified (no reference for this size)\n",
           name, size, got);
    return 0;
}

/* An internal invariant failed (unsorted output, round trip mismatch...):
 * that is a wrong answer regardless of any reference checksum. */
static inline void bench_fail(const char *name, const char *what)
{
    printf("%s: FAILED: %s\n", name, what);
    exit(1);
}

#define BENCH_NREFS(a) (sizeof(a) / sizeof((a)[0]))

#endif
