/* Dense matrix product C = alpha*A*B + beta*C over 2-D double arrays
 * (ni x nk times nk x nj), i-k-j loop order.
 *
 * Unlike matmul.c, which walks row pointers, the kernel indexes three 2-D
 * arrays the compiler cannot prove apart: the inner j loop (C's row +=
 * a scalar times B's row) vectorises only behind a run-time check that
 * C's row does not overlap B's, and on Wasm that both are in bounds,
 * which pays only if it is hoisted out of the k loop.  The checksum is a
 * position-weighted sum of C, and one entry is recomputed directly. */
#include "bench.h"

static const bench_ref_f64 refs[] = {
    { 64, -224.55768228510485 },
    { 1000, -13053.151619750053 },
};

static void kernel(long ni, long nj, long nk, double alpha, double beta, double (*c)[nj],
                   const double (*a)[nk], const double (*b)[nj])
{
    for (long i = 0; i < ni; i++) {
        for (long j = 0; j < nj; j++)
            c[i][j] *= beta;
        for (long k = 0; k < nk; k++)
            for (long j = 0; j < nj; j++)
                c[i][j] += alpha * a[i][k] * b[k][j];
    }
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 1000, 1, 4096);
    long ni = n, nj = n + n / 10, nk = n - n / 10;
    double alpha = 1.5, beta = 1.2;
    double (*a)[nk] = malloc(sizeof(double[ni][nk])), (*b)[nj] = malloc(sizeof(double[nk][nj])),
           (*c)[nj] = malloc(sizeof(double[ni][nj]));
    if (!a || !b || !c)
        bench_fail("gemm", "out of memory");
    rng_t r = { 7 };
    for (long i = 0; i < ni; i++)
        for (long k = 0; k < nk; k++)
            a[i][k] = rng_unit(&r) - 0.5;
    for (long k = 0; k < nk; k++)
        for (long j = 0; j < nj; j++)
            b[k][j] = rng_unit(&r) - 0.5;
    for (long i = 0; i < ni; i++)
        for (long j = 0; j < nj; j++)
            c[i][j] = rng_unit(&r) - 0.5;
    long si = ni / 3, sj = (2 * nj) / 3;
    double expect = c[si][sj] * beta;
    for (long k = 0; k < nk; k++)
        expect += alpha * a[si][k] * b[k][sj];
    kernel(ni, nj, nk, alpha, beta, c, (const double (*)[nk])a, (const double (*)[nj])b);
    if (fabs(expect - c[si][sj]) > 1e-9 * (1 + fabs(expect)))
        bench_fail("gemm", "spot check of C[ni/3][2nj/3] disagrees");
    double sum = 0;
    for (long i = 0; i < ni; i++)
        for (long j = 0; j < nj; j++)
            sum += c[i][j] * (double)(1 + ((i + j) % 7));
    free(a); free(b); free(c);
    return bench_report_f64("gemm", n, sum, refs, BENCH_NREFS(refs));
}
