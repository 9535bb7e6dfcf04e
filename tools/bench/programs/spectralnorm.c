/* Spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2 + i + 1),
 * truncated to n x n, by 10 rounds of the power method on A^T A.
 *
 * The inner loops are an integer index computation plus a double division
 * per element, so they exercise int->float conversion and divide throughput.
 * The result converges to 1.2742241523... as n grows; each size has its own
 * reference. */
#include "bench.h"

static const bench_ref_f64 refs[] = {
    { 100, 1.2742199912349306 },
    { 2500, 1.2742241525171145 },
};

static inline double eval_a(long i, long j)
{
    return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

static void mul_av(long n, const double *v, double *av)
{
    for (long i = 0; i < n; i++) {
        double s = 0;
        for (long j = 0; j < n; j++)
            s += eval_a(i, j) * v[j];
        av[i] = s;
    }
}

static void mul_atv(long n, const double *v, double *atv)
{
    for (long i = 0; i < n; i++) {
        double s = 0;
        for (long j = 0; j < n; j++)
            s += eval_a(j, i) * v[j];
        atv[i] = s;
    }
}

static void mul_atav(long n, const double *v, double *out, double *tmp)
{
    mul_av(n, v, tmp);
    mul_atv(n, tmp, out);
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 2500, 1, 100000);
    double *u = malloc((size_t)n * sizeof *u), *v = malloc((size_t)n * sizeof *v),
           *tmp = malloc((size_t)n * sizeof *tmp);
    if (!u || !v || !tmp)
        bench_fail("spectralnorm", "out of memory");
    for (long i = 0; i < n; i++)
        u[i] = 1;
    for (int i = 0; i < 10; i++) {
        mul_atav(n, u, v, tmp);
        mul_atav(n, v, u, tmp);
    }
    double vbv = 0, vv = 0;
    for (long i = 0; i < n; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    double norm = sqrt(vbv / vv);
    if (n >= 100 && fabs(norm - 1.2742241523) > 1e-3)
        bench_fail("spectralnorm", "norm is not near 1.27422415");
    free(u); free(v); free(tmp);
    return bench_report_f64("spectralnorm", n, norm, refs, BENCH_NREFS(refs));
}
