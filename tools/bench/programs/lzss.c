/* LZSS compressor and decompressor round trip over generated text.
 *
 * The input is word-salad from a fixed vocabulary with random numbers mixed
 * in, so it has realistic repetition.  The compressor finds matches in a
 * 64 KiB window through hash chains (bounded depth), emitting a flag byte per
 * 8 tokens, literals as bytes and matches as (offset16, length8).  Byte
 * loads, hashing, and data-dependent loops; the decompressed output must
 * equal the input, and the checksum covers the compressed size and bytes. */
#include "bench.h"

static const bench_ref_u64 refs[] = {
    { 100000, 0xccf85630c60f8f12ull },
    { 12000000, 0x8f18707a3110d7daull },
};

#define WINDOW 65535
#define MIN_MATCH 4
#define MAX_MATCH (255 + MIN_MATCH)
#define HASH_BITS 15
#define CHAIN_DEPTH 32

static inline uint32_t hash4(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Worst case output: 9 bytes per 8 literals, plus slack. */
static size_t compress(const uint8_t *in, size_t n, uint8_t *out, int32_t *head, int32_t *prev)
{
    for (size_t i = 0; i < (1u << HASH_BITS); i++)
        head[i] = -1;
    size_t o = 0, flagpos = 0, i = 0;
    int nflags = 8;
    while (i < n) {
        if (nflags == 8) {
            flagpos = o++;
            out[flagpos] = 0;
            nflags = 0;
        }
        size_t best_len = 0, best_off = 0;
        if (i + MIN_MATCH <= n) {
            uint32_t h = hash4(in + i);
            int32_t cand = head[h];
            size_t maxlen = n - i < MAX_MATCH ? n - i : MAX_MATCH;
            for (int d = 0; d < CHAIN_DEPTH && cand >= 0 && i - (size_t)cand <= WINDOW; d++) {
                const uint8_t *a = in + cand, *b = in + i;
                if (a[best_len] == b[best_len]) {
                    size_t l = 0;
                    while (l < maxlen && a[l] == b[l])
                        l++;
                    if (l > best_len) {
                        best_len = l;
                        best_off = i - (size_t)cand;
                        if (l == maxlen)
                            break;
                    }
                }
                cand = prev[cand];
            }
            prev[i] = head[h];
            head[h] = (int32_t)i;
        }
        if (best_len >= MIN_MATCH) {
            out[flagpos] |= (uint8_t)(1u << nflags);
            out[o++] = (uint8_t)best_off;
            out[o++] = (uint8_t)(best_off >> 8);
            out[o++] = (uint8_t)(best_len - MIN_MATCH);
            /* index the skipped positions so later matches can find them */
            for (size_t k = 1; k < best_len && i + k + MIN_MATCH <= n; k++) {
                uint32_t h = hash4(in + i + k);
                prev[i + k] = head[h];
                head[h] = (int32_t)(i + k);
            }
            i += best_len;
        } else {
            out[o++] = in[i++];
        }
        nflags++;
    }
    return o;
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint8_t flags = in[i++];
        for (int b = 0; b < 8 && i < n; b++) {
            if (flags & (1u << b)) {
                if (i + 3 > n)
                    return (size_t)-1;
                size_t off = in[i] | (size_t)in[i + 1] << 8, len = (size_t)in[i + 2] + MIN_MATCH;
                i += 3;
                if (off == 0 || off > o || o + len > cap)
                    return (size_t)-1;
                for (size_t k = 0; k < len; k++, o++)
                    out[o] = out[o - off];
            } else {
                if (o >= cap)
                    return (size_t)-1;
                out[o++] = in[i++];
            }
        }
    }
    return o;
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 12000000, 1, 500000000);
    static const char *words[] = {
        "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "wasm",
        "module", "function", "memory", "table", "export", "import", "value",
        "stack", "compile", "native", "runtime", "sandbox", "guard", "page",
        "trap", "signal", "edge", "server", "request", "response", "latency",
    };
    size_t nw = sizeof words / sizeof words[0];
    uint8_t *in = malloc((size_t)n + 16), *cmp = malloc((size_t)n + (size_t)n / 8 + 16),
            *dec = malloc((size_t)n + 16);
    int32_t *head = malloc(sizeof(int32_t) << HASH_BITS), *prev = malloc((size_t)n * sizeof(int32_t));
    if (!in || !cmp || !dec || !head || !prev)
        bench_fail("lzss", "out of memory");
    rng_t r = { 99 };
    size_t len = 0;
    while (len < (size_t)n) {
        char tok[32];
        int tl;
        uint32_t k = rng_below(&r, 100);
        if (k < 8)
            tl = snprintf(tok, sizeof tok, "%u ", rng_below(&r, 100000));
        else if (k < 10)
            tl = snprintf(tok, sizeof tok, ".\n");
        else
            tl = snprintf(tok, sizeof tok, "%s ", words[rng_below(&r, (uint32_t)nw)]);
        for (int t = 0; t < tl && len < (size_t)n; t++)
            in[len++] = (uint8_t)tok[t];
    }
    size_t clen = compress(in, len, cmp, head, prev);
    size_t dlen = decompress(cmp, clen, dec, len);
    if (dlen != len || memcmp(in, dec, len) != 0)
        bench_fail("lzss", "decompressed output differs from the input");
    uint64_t h = mix64(0, clen);
    for (size_t i = 0; i < clen; i += 8) {
        uint64_t v = 0;
        memcpy(&v, cmp + i, clen - i < 8 ? clen - i : 8);
        h = mix64(h, v);
    }
    printf("lzss: %zu -> %zu bytes (%.1f%%)\n", len, clen, 100.0 * (double)clen / (double)len);
    free(in); free(cmp); free(dec); free(head); free(prev);
    return bench_report_u64("lzss", n, h, refs, BENCH_NREFS(refs));
}
