/* 2-D Jacobi relaxation (5-point stencil) on an n x n grid of doubles with
 * fixed hot/cold boundaries, 100 sweeps, ping-ponging two grids.
 *
 * Streaming loads from three rows and one store per point: vectorisable,
 * bandwidth-sensitive, and a test of whether an engine's memory checks stay
 * out of the inner loop.  The checksum is the weighted interior sum; the
 * maximum principle (every value stays within the boundary range) is
 * checked too. */
#include "bench.h"

static const bench_ref_f64 refs[] = {
    { 64, 240350.1433966042 },
    { 1500, 140289554.41899392 },
};

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 1500, 3, 20000);
    int sweeps = 100;
    size_t nn = (size_t)n * (size_t)n;
    double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
    if (!a || !b)
        bench_fail("jacobi", "out of memory");
    rng_t r = { 5 };
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            double v;
            if (i == 0) v = 100.0;                 /* hot top edge */
            else if (i == n - 1 || j == 0 || j == n - 1) v = 0.0;
            else v = 50.0 * rng_unit(&r);
            a[(size_t)i * (size_t)n + (size_t)j] = v;
        }
    memcpy(b, a, nn * sizeof *a);
    for (int s = 0; s < sweeps; s++) {
        for (long i = 1; i < n - 1; i++) {
            const double *up = a + (size_t)(i - 1) * (size_t)n, *row = a + (size_t)i * (size_t)n,
                         *dn = a + (size_t)(i + 1) * (size_t)n;
            double *out = b + (size_t)i * (size_t)n;
            for (long j = 1; j < n - 1; j++)
                out[j] = 0.25 * (up[j] + dn[j] + row[j - 1] + row[j + 1]);
        }
        double *t = a; a = b; b = t;
    }
    double sum = 0;
    for (long i = 1; i < n - 1; i++)
        for (long j = 1; j < n - 1; j++) {
            double v = a[(size_t)i * (size_t)n + (size_t)j];
            if (!(v >= 0.0 && v <= 100.0))
                bench_fail("jacobi", "value escaped the boundary range");
            sum += v * (double)(1 + ((i + j) & 3));
        }
    free(a); free(b);
    return bench_report_f64("jacobi", n, sum, refs, BENCH_NREFS(refs));
}
