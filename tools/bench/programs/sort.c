/* Sorting n PRNG uint32 keys three ways: a hand-written quicksort
 * (median-of-three, insertion sort for small runs), a top-down mergesort
 * with a scratch buffer, and a generic heapsort that compares through a
 * function pointer.
 *
 * Unpredictable branches, indirect calls (the heapsort comparator, which in
 * Wasm is call_indirect through the table) and streaming copies.  libc's
 * qsort is deliberately not used: glibc and wasi-libc (musl) implement it
 * with different algorithms, which would measure the libcs, not the
 * engines.  All three
 * results must be identical and sorted; the checksum hashes the sorted
 * sequence. */
#include "bench.h"

static const bench_ref_u64 refs[] = {
    { 20000, 0x5baad347085947d6ull },
    { 2000000, 0x50fab1ecc29fd32full },
};

static void insertion(uint32_t *a, long n)
{
    for (long i = 1; i < n; i++) {
        uint32_t v = a[i];
        long j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(uint32_t *a, long n)
{
    while (n > 16) {
        long m = n / 2;
        /* median of three into a[m] */
        if (a[0] > a[m]) { uint32_t t = a[0]; a[0] = a[m]; a[m] = t; }
        if (a[m] > a[n - 1]) { uint32_t t = a[m]; a[m] = a[n - 1]; a[n - 1] = t; }
        if (a[0] > a[m]) { uint32_t t = a[0]; a[0] = a[m]; a[m] = t; }
        uint32_t pivot = a[m];
        long i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i >= j)
                break;
            uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
            i++; j--;
        }
        /* recurse into the smaller half so the stack stays O(log n) */
        long left = j + 1;
        if (left < n - left) {
            quicksort(a, left);
            a += left;
            n -= left;
        } else {
            quicksort(a + left, n - left);
            n = left;
        }
    }
    insertion(a, n);
}

static void mergesort_rec(uint32_t *a, uint32_t *tmp, long n)
{
    if (n <= 16) {
        insertion(a, n);
        return;
    }
    long m = n / 2;
    mergesort_rec(a, tmp, m);
    mergesort_rec(a + m, tmp, n - m);
    if (a[m - 1] <= a[m])
        return;
    memcpy(tmp, a, (size_t)m * sizeof *a);
    long i = 0, j = m, k = 0;
    while (i < m && j < n)
        a[k++] = tmp[i] <= a[j] ? tmp[i++] : a[j++];
    while (i < m)
        a[k++] = tmp[i++];
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/* qsort-shaped heapsort: element size fixed at 4 to keep it simple, the
 * comparison stays an indirect call on purpose. */
static void heapsort_cmp(uint32_t *a, size_t n, int (*cmp)(const void *, const void *))
{
    for (size_t start = n / 2; start-- > 0;) {
        for (size_t root = start;;) {
            size_t child = 2 * root + 1;
            if (child >= n) break;
            if (child + 1 < n && cmp(&a[child], &a[child + 1]) < 0) child++;
            if (cmp(&a[root], &a[child]) >= 0) break;
            uint32_t t = a[root]; a[root] = a[child]; a[child] = t;
            root = child;
        }
    }
    for (size_t end = n; end-- > 1;) {
        uint32_t t = a[0]; a[0] = a[end]; a[end] = t;
        for (size_t root = 0;;) {
            size_t child = 2 * root + 1;
            if (child >= end) break;
            if (child + 1 < end && cmp(&a[child], &a[child + 1]) < 0) child++;
            if (cmp(&a[root], &a[child]) >= 0) break;
            uint32_t u = a[root]; a[root] = a[child]; a[child] = u;
            root = child;
        }
    }
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 2000000, 1, 200000000);
    uint32_t *orig = malloc((size_t)n * 4), *q = malloc((size_t)n * 4),
             *m = malloc((size_t)n * 4), *c = malloc((size_t)n * 4),
             *tmp = malloc(((size_t)n / 2 + 1) * 4);
    if (!orig || !q || !m || !c || !tmp)
        bench_fail("sort", "out of memory");
    rng_t r = { 12345 };
    /* a quarter of the keys come from a small range so duplicates matter */
    for (long i = 0; i < n; i++)
        orig[i] = (i & 3) == 0 ? rng_below(&r, 1000) : (uint32_t)(rng_next(&r) >> 32);
    memcpy(q, orig, (size_t)n * 4);
    memcpy(m, orig, (size_t)n * 4);
    memcpy(c, orig, (size_t)n * 4);
    quicksort(q, n);
    mergesort_rec(m, tmp, n);
    heapsort_cmp(c, (size_t)n, cmp_u32);
    uint64_t h = 0, sum_in = 0, sum_out = 0;
    for (long i = 0; i < n; i++) {
        if (q[i] != m[i] || q[i] != c[i])
            bench_fail("sort", "quicksort, mergesort and heapsort disagree");
        if (i && q[i - 1] > q[i])
            bench_fail("sort", "output is not sorted");
        sum_in += orig[i];
        sum_out += q[i];
        if ((i & 1023) == 0)
            h = mix64(h, q[i]);
    }
    if (sum_in != sum_out)
        bench_fail("sort", "output is not a permutation of the input");
    h = mix64(h, sum_out);
    free(orig); free(q); free(m); free(c); free(tmp);
    return bench_report_u64("sort", n, h, refs, BENCH_NREFS(refs));
}
