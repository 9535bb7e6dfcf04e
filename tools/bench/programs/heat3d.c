/* 3-D heat equation, 7-point stencil over an n x n x n double array
 * (A[i][j][k]), two arrays and time steps: each step computes B from A,
 * then A from B.
 *
 * The inner loop reads seven points of three planes of A and writes one
 * row of B; the two arrays are separate allocations the compiler cannot
 * prove apart, so vectorising it takes run-time overlap checks (and on
 * Wasm bounds checks), hoisted out of the row loop to pay.  The checksum
 * is a position-weighted sum of A; the maximum principle is checked. */
#include "bench.h"

static const bench_ref_f64 refs[] = {
    { 12, 37113.550619544898 },
    { 60, 4846059.319135692 },
};

static void step(long n, const double (*a)[n][n], double (*b)[n][n])
{
    for (long i = 1; i < n - 1; i++)
        for (long j = 1; j < n - 1; j++)
            for (long k = 1; k < n - 1; k++)
                b[i][j][k] = 0.125 * (a[i + 1][j][k] - 2.0 * a[i][j][k] + a[i - 1][j][k])
                           + 0.125 * (a[i][j + 1][k] - 2.0 * a[i][j][k] + a[i][j - 1][k])
                           + 0.125 * (a[i][j][k + 1] - 2.0 * a[i][j][k] + a[i][j][k - 1])
                           + a[i][j][k];
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 60, 3, 1000);
    int steps = 1000;
    double (*a)[n][n] = malloc(sizeof(double[n][n][n])), (*b)[n][n] = malloc(sizeof(double[n][n][n]));
    if (!a || !b)
        bench_fail("heat3d", "out of memory");
    rng_t r = { 23 };
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++)
            for (long k = 0; k < n; k++) {
                a[i][j][k] = 10.0 * rng_unit(&r);
                b[i][j][k] = a[i][j][k];
            }
    for (int t = 0; t < steps; t++) {
        step(n, (const double (*)[n][n])a, b);
        step(n, (const double (*)[n][n])b, a);
    }
    double sum = 0;
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++)
            for (long k = 0; k < n; k++) {
                double v = a[i][j][k];
                if (!(v >= 0.0 && v <= 10.0))
                    bench_fail("heat3d", "value escaped the initial range");
                sum += v * (double)(1 + ((i + 2 * j + 3 * k) & 7));
            }
    free(a); free(b);
    return bench_report_f64("heat3d", n, sum, refs, BENCH_NREFS(refs));
}
