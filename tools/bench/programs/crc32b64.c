/* CRC-32 (IEEE, slicing-by-4 tables) and base64 encode/decode round trips
 * over a generated buffer, n rounds.
 *
 * Table lookups indexed by data bytes, shifts and byte stores: the kind of
 * code in every network and storage path.  The CRC is checked against the
 * standard "123456789" -> cbf43926 vector, and each base64 round trip must
 * reproduce its input. */
#include "bench.h"

static const bench_ref_u64 refs[] = {
    { 2, 0x37f26ea3111988c6ull },
    { 120, 0xd9f48e92208a3121ull },
};

static uint32_t tab[4][256];

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
        tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 4; t++)
            tab[t][i] = (tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xff];
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    while (n >= 4) {
        crc ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        crc = tab[3][crc & 0xff] ^ tab[2][(crc >> 8) & 0xff] ^ tab[1][(crc >> 16) & 0xff] ^ tab[0][crc >> 24];
        p += 4;
        n -= 4;
    }
    while (n--)
        crc = (crc >> 8) ^ tab[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        out[o++] = b64[v >> 18];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    return o;
}

/* Returns the decoded length, or (size_t)-1 on a malformed input. */
static size_t b64_decode(const char *in, size_t n, uint8_t *out, const int8_t *rev)
{
    if (n % 4)
        return (size_t)-1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        int pad = (in[i + 3] == '=') + (in[i + 2] == '=');
        if (pad && i + 4 != n)
            return (size_t)-1;
        int a = rev[(uint8_t)in[i]], b = rev[(uint8_t)in[i + 1]];
        int c = pad >= 2 ? 0 : rev[(uint8_t)in[i + 2]], d = pad >= 1 ? 0 : rev[(uint8_t)in[i + 3]];
        if ((a | b | c | d) < 0)
            return (size_t)-1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(v >> 16);
        if (pad < 2) out[o++] = (uint8_t)(v >> 8);
        if (pad < 1) out[o++] = (uint8_t)v;
    }
    return o;
}

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 120, 1, 1000000);
    crc_init();
    if (crc32(0, (const uint8_t *)"123456789", 9) != 0xcbf43926u)
        bench_fail("crc32b64", "CRC-32 check value of '123456789'");
    int8_t rev[256];
    memset(rev, -1, sizeof rev);
    for (int i = 0; i < 64; i++)
        rev[(uint8_t)b64[i]] = (int8_t)i;
    size_t len = (1u << 20) + 1;   /* odd length exercises the padding path */
    uint8_t *buf = malloc(len), *back = malloc(len);
    char *enc = malloc(len / 3 * 4 + 8);
    if (!buf || !back || !enc)
        bench_fail("crc32b64", "out of memory");
    rng_t r = { 77 };
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(rng_next(&r) >> 56);
    uint32_t crc = 0;
    uint64_t h = 0;
    for (long round = 0; round < n; round++) {
        size_t m = len - (size_t)(round % 3);
        crc = crc32(crc, buf, m);
        size_t el = b64_encode(buf, m, enc);
        size_t dl = b64_decode(enc, el, back, rev);
        if (dl != m || memcmp(back, buf, m) != 0)
            bench_fail("crc32b64", "base64 round trip changed the data");
        h = mix64(h, crc32(0, (const uint8_t *)enc, el));
        /* perturb the buffer so each round's input differs */
        buf[(size_t)round * 7919 % len] ^= (uint8_t)crc;
    }
    h = mix64(h, crc);
    free(buf); free(back); free(enc);
    return bench_report_u64("crc32b64", n, h, refs, BENCH_NREFS(refs));
}
