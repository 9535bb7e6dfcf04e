/* 2-D finite-difference time-domain update (TE mode): the electric
 * fields ex and ey and the magnetic field hz on an nx x ny grid of 2-D
 * double arrays, a source row driven each time step.
 *
 * Three loop nests per step, each reading two or three of the arrays and
 * writing one, at offsets of one row or one column: vectorising them
 * takes run-time checks that the written row overlaps none of the rows
 * read (and on Wasm that they are in bounds).  The checksum is a
 * position-weighted sum of the three fields; that they stay finite and
 * bounded is checked. */
#include "bench.h"

static const bench_ref_f64 refs[] = {
    { 64, 30529958.758752301 },
    { 450, 891949974.3326447 },
};

static void kernel(long tmax, long nx, long ny, double (*ex)[ny], double (*ey)[ny], double (*hz)[ny],
                   const double *fict)
{
    for (long t = 0; t < tmax; t++) {
        for (long j = 0; j < ny; j++)
            ey[0][j] = fict[t];
        for (long i = 1; i < nx; i++)
            for (long j = 0; j < ny; j++)
                ey[i][j] = ey[i][j] - 0.5 * (hz[i][j] - hz[i - 1][j]);
        for (long i = 0; i < nx; i++)
            for (long j = 1; j < ny; j++)
                ex[i][j] = ex[i][j] - 0.5 * (hz[i][j] - hz[i][j - 1]);
        for (long i = 0; i < nx - 1; i++)
            for (long j = 0; j < ny - 1; j++)
                hz[i][j] = hz[i][j] - 0.7 * (ex[i][j + 1] - ex[i][j] + ey[i + 1][j] - ey[i][j]);
    }
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 450, 2, 20000);
    long nx = n, ny = n + n / 5, tmax = 1000;
    double (*ex)[ny] = malloc(sizeof(double[nx][ny])), (*ey)[ny] = malloc(sizeof(double[nx][ny])),
           (*hz)[ny] = malloc(sizeof(double[nx][ny])), *fict = malloc(sizeof(double[tmax]));
    if (!ex || !ey || !hz || !fict)
        bench_fail("fdtd2d", "out of memory");
    rng_t r = { 31 };
    for (long t = 0; t < tmax; t++)
        fict[t] = (double)t;
    for (long i = 0; i < nx; i++)
        for (long j = 0; j < ny; j++) {
            ex[i][j] = rng_unit(&r);
            ey[i][j] = rng_unit(&r);
            hz[i][j] = rng_unit(&r);
        }
    kernel(tmax, nx, ny, ex, ey, hz, fict);
    double sum = 0;
    for (long i = 0; i < nx; i++)
        for (long j = 0; j < ny; j++) {
            double w = (double)(1 + ((i + 3 * j) & 7));
            if (!(fabs(ex[i][j]) < 1e6 && fabs(ey[i][j]) < 1e6 && fabs(hz[i][j]) < 1e6))
                bench_fail("fdtd2d", "a field grew without bound");
            sum += w * (ex[i][j] + 2.0 * ey[i][j] - hz[i][j]);
        }
    free(ex); free(ey); free(hz); free(fict);
    return bench_report_f64("fdtd2d", n, sum, refs, BENCH_NREFS(refs));
}
