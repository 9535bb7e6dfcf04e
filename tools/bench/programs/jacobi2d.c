/* 2-D Jacobi-style 5-point stencil over n x n double arrays addressed as
 * 2-D arrays (A[i][j]), two arrays and time steps: each step computes B
 * from A, then A from B.
 *
 * Unlike jacobi.c, which walks row pointers it computed itself, the
 * kernel indexes two 2-D arrays the compiler cannot prove apart, so a
 * vectorised loop needs a run-time check that B's row does not overlap
 * A's rows (what native compilers emit), and on Wasm that the rows are
 * in bounds.  The checksum is a position-weighted sum of A; the maximum
 * principle (every value stays within the initial range) is checked. */
#include "bench.h"

static const bench_ref_f64 refs[] = {
    { 64, 908126.37539545505 },
    { 500, 56190031.226272278 },
};

static void step(long n, const double (*a)[n], double (*b)[n])
{
    for (long i = 1; i < n - 1; i++)
        for (long j = 1; j < n - 1; j++)
            b[i][j] = 0.2 * (a[i][j] + a[i][j - 1] + a[i][j + 1] + a[i + 1][j] + a[i - 1][j]);
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 500, 3, 20000);
    int steps = 1500;
    double (*a)[n] = malloc(sizeof(double[n][n])), (*b)[n] = malloc(sizeof(double[n][n]));
    if (!a || !b)
        bench_fail("jacobi2d", "out of memory");
    rng_t r = { 11 };
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            a[i][j] = 100.0 * rng_unit(&r);
            b[i][j] = a[i][j];
        }
    for (int t = 0; t < steps; t++) {
        step(n, (const double (*)[n])a, b);
        step(n, (const double (*)[n])b, a);
    }
    double sum = 0;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            double v = a[i][j];
            if (!(v >= 0.0 && v <= 100.0))
                bench_fail("jacobi2d", "value escaped the initial range");
            sum += v * (double)(1 + ((i * 3 + j) & 7));
        }
    free(a); free(b);
    return bench_report_f64("jacobi2d", n, sum, refs, BENCH_NREFS(refs));
}
