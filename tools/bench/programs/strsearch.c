/* Boyer-Moore-Horspool string search over generated text.
 *
 * The text is n bytes of words over a small alphabet (so partial matches are
 * common); 24 patterns of lengths 3..40, some cut from the text and some
 * random, are each counted over the whole text.  Byte loads with a skip
 * table lookup per step: load-heavy and branchy.  Every count is
 * cross-checked against a naive scan on a prefix of the text. */
#include "bench.h"

static const bench_ref_u64 refs[] = {
    { 100000, 0x135f9f4bd4dc8ba1ull },
    { 16000000, 0x46ca0365907e9858ull },
};

/* A plain loop rather than libc memcmp, so native (glibc's SIMD memcmp) and
 * Wasm (wasi-libc's byte loop) run the same code. */
static inline int same(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static uint64_t bmh_count(const uint8_t *t, size_t n, const uint8_t *p, size_t m)
{
    size_t skip[256];
    for (int i = 0; i < 256; i++)
        skip[i] = m;
    for (size_t i = 0; i + 1 < m; i++)
        skip[p[i]] = m - 1 - i;
    uint64_t count = 0;
    uint8_t last = p[m - 1];
    for (size_t i = 0; i + m <= n; ) {
        uint8_t c = t[i + m - 1];
        if (c == last && same(t + i, p, m - 1))
            count++;
        i += skip[c];
    }
    return count;
}

static uint64_t naive_count(const uint8_t *t, size_t n, const uint8_t *p, size_t m)
{
    uint64_t count = 0;
    for (size_t i = 0; i + m <= n; i++)
        count += same(t + i, p, m);
    return count;
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 16000000, 64, 1000000000);
    uint8_t *text = malloc((size_t)n);
    if (!text)
        bench_fail("strsearch", "out of memory");
    rng_t r = { 31337 };
    static const char alpha[] = "abcdeeeilnorst";
    for (long i = 0; i < n; i++) {
        uint64_t v = rng_next(&r);
        text[i] = (v & 7) == 0 ? ' ' : (uint8_t)alpha[(v >> 8) % (sizeof alpha - 1)];
    }
    enum { NPAT = 24 };
    uint8_t pats[NPAT][40];
    size_t lens[NPAT];
    for (int k = 0; k < NPAT; k++) {
        /* mostly short patterns (many hits, short skips), some long ones */
        size_t m = 3 + (size_t)rng_below(&r, k % 2 ? 5 : 38);
        if (m > (size_t)n) m = (size_t)n;
        lens[k] = m;
        if (k % 3 != 2) {
            size_t at = rng_below(&r, (uint32_t)((size_t)n - m + 1));
            memcpy(pats[k], text + at, m);
        } else {
            for (size_t i = 0; i < m; i++)
                pats[k][i] = (uint8_t)alpha[rng_below(&r, sizeof alpha - 1)];
        }
    }
    uint64_t h = 0, total = 0;
    size_t check_n = (size_t)n < 200000 ? (size_t)n : 200000;
    for (int rep = 0; rep < 2; rep++) {
        for (int k = 0; k < NPAT; k++) {
            uint64_t c = bmh_count(text, (size_t)n, pats[k], lens[k]);
            if (rep == 0) {
                total += c;
                h = mix64(h, c);
                if (bmh_count(text, check_n, pats[k], lens[k]) != naive_count(text, check_n, pats[k], lens[k]))
                    bench_fail("strsearch", "Horspool and naive counts disagree");
            }
        }
    }
    printf("strsearch: %llu matches of %d patterns\n", (unsigned long long)total, NPAT);
    free(text);
    return bench_report_u64("strsearch", n, h, refs, BENCH_NREFS(refs));
}
