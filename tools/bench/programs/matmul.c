/* Dense double-precision matrix multiply, C = A * B, n x n.
 *
 * The i-k-j loop order streams rows of B and C so the inner loop is a
 * unit-stride multiply-add the compiler can vectorise: this measures how well
 * an engine keeps SIMD-able float loops and hoisted bounds/guard checks.  The
 * checksum is a position-weighted sum of C, so a transposed or partially
 * computed result cannot match. */
#include "bench.h"

static const bench_ref_f64 refs[] = {
    { 64, -77.198698576327317 },
    { 1000, 236.09259611873327 },
};

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 1000, 1, 4096);
    size_t nn = (size_t)n * (size_t)n;
    double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b),
           *c = calloc(nn, sizeof *c);
    if (!a || !b || !c)
        bench_fail("matmul", "out of memory");
    rng_t r = { 42 };
    for (size_t i = 0; i < nn; i++) {
        a[i] = rng_unit(&r) - 0.5;
        b[i] = rng_unit(&r) - 0.5;
    }
    for (long i = 0; i < n; i++) {
        double *ci = c + (size_t)i * (size_t)n;
        for (long k = 0; k < n; k++) {
            double aik = a[(size_t)i * (size_t)n + (size_t)k];
            const double *bk = b + (size_t)k * (size_t)n;
            for (long j = 0; j < n; j++)
                ci[j] += aik * bk[j];
        }
    }
    /* Spot-check one entry by a direct dot product so a broken kernel fails
     * even at sizes without a reference. */
    long si = n / 3, sj = (2 * n) / 3;
    double dot = 0;
    for (long k = 0; k < n; k++)
        dot += a[(size_t)si * (size_t)n + (size_t)k] * b[(size_t)k * (size_t)n + (size_t)sj];
    if (fabs(dot - c[(size_t)si * (size_t)n + (size_t)sj]) > 1e-9 * (1 + fabs(dot)))
        bench_fail("matmul", "spot check of C[n/3][2n/3] disagrees");
    double sum = 0;
    for (size_t i = 0; i < nn; i++)
        sum += c[i] * (double)(1 + (i % 7));
    free(a); free(b); free(c);
    return bench_report_f64("matmul", n, sum, refs, BENCH_NREFS(refs));
}
