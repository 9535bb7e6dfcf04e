/* SHA-256 (FIPS 180-4), shared by the compiler and the runtime.
 *
 * A plain, portable implementation, plus the x86 SHA extensions where the
 * CPU has them (chosen at run time, never by the build host, so every
 * build computes the same function).  The runtime hashes the whole
 * artifact before every load, which the portable code did at ~250 MB/s:
 * ~45 us of a ~1 ms cold start for a hello-world, milliseconds for large
 * modules; SHA-NI is several times faster.  Words are read and written byte
 * by byte in the portable path, so it is endian-independent and never
 * makes unaligned accesses.  The context buffers at most 63 bytes; update()
 * hashes whole blocks straight from the caller's data without copying.
 */
#include "wasmc/sha256.h"

#include <stdbool.h>
#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t s[8], const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    s[0] += a; s[1] += b; s[2] += c; s[3] += d;
    s[4] += e; s[5] += f; s[6] += g; s[7] += h;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

/* Four rounds per step: the two SHA256RNDS2 take the state as ABEF/CDGH
 * and the message-plus-constant words two at a time.  The schedule lives in
 * four registers, msg[i % 4] holding W[4i..4i+3] when step i runs, and is
 * extended in place (MSG1/ALIGNR/MSG2) for the step four later. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_shani(uint32_t s[8], const uint8_t *p,
                                                                      size_t n) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&s[0]), 0xB1); /* CDAB */
    __m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&s[4]), 0x1B); /* EFGH */
    __m128i st0 = _mm_alignr_epi8(t, st1, 8);                                        /* ABEF */
    st1 = _mm_blend_epi16(st1, t, 0xF0);                                             /* CDGH */
    for (; n; n--, p += 64) {
        __m128i save0 = st0, save1 = st1, msg[4];
        for (int j = 0; j < 4; j++)
            msg[j] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * j)), bswap);
        for (int i = 0; i < 16; i++) {
            __m128i wk = _mm_add_epi32(msg[i & 3], _mm_loadu_si128((const __m128i *)&K[4 * i]));
            st1 = _mm_sha256rnds2_epu32(st1, st0, wk);
            st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(wk, 0x0E));
            if (i < 12) {
                __m128i w = _mm_sha256msg1_epu32(msg[i & 3], msg[(i + 1) & 3]);
                w = _mm_add_epi32(w, _mm_alignr_epi8(msg[(i + 3) & 3], msg[(i + 2) & 3], 4));
                msg[i & 3] = _mm_sha256msg2_epu32(w, msg[(i + 3) & 3]);
            }
        }
        st0 = _mm_add_epi32(st0, save0);
        st1 = _mm_add_epi32(st1, save1);
    }
    t = _mm_shuffle_epi32(st0, 0x1B);   /* FEBA */
    st1 = _mm_shuffle_epi32(st1, 0xB1); /* DCHG */
    _mm_storeu_si128((__m128i *)&s[0], _mm_blend_epi16(t, st1, 0xF0)); /* DCBA */
    _mm_storeu_si128((__m128i *)&s[4], _mm_alignr_epi8(st1, t, 8));    /* HGFE */
}

/* glibc's loader already ran CPUID and keeps the answers; CPUID itself
 * traps to the hypervisor in a VM (~2 us each, and this needs four), so ask
 * glibc where it can tell, else CPUID once per process. */
#if defined(__GLIBC__) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define HAVE_X86_PLATFORM_H 1
#endif
#endif
static bool have_shani(void) {
#ifdef HAVE_X86_PLATFORM_H
    return CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSSE3) && CPU_FEATURE_ACTIVE(SSE4_1);
#else
    static atomic_int known; /* 0 unknown, 1 no, 2 yes */
    int k = atomic_load_explicit(&known, memory_order_relaxed);
    if (!k) {
        unsigned a, b, c, d;
        bool yes = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSSE3) && (c & bit_SSE4_1) &&
                   __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
        k = yes ? 2 : 1;
        atomic_store_explicit(&known, k, memory_order_relaxed);
    }
    return k == 2;
#endif
}
#endif

static void blocks(uint32_t s[8], const uint8_t *p, size_t n) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (have_shani()) {
        blocks_shani(s, p, n);
        return;
    }
#endif
    for (; n; n--, p += 64) compress(s, p);
}

void wasmc_sha256_init(wasmc_sha256_ctx *c) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->state, iv, sizeof iv);
    c->length = 0;
    c->buffered = 0;
}

void wasmc_sha256_update(wasmc_sha256_ctx *c, const void *data, size_t n) {
    const uint8_t *p = data;
    c->length += n;
    if (c->buffered) {
        size_t take = 64 - c->buffered;
        if (take > n) take = n;
        memcpy(c->buffer + c->buffered, p, take);
        c->buffered += (uint32_t)take;
        p += take;
        n -= take;
        if (c->buffered < 64) return;
        blocks(c->state, c->buffer, 1);
        c->buffered = 0;
    }
    blocks(c->state, p, n / 64);
    p += n & ~(size_t)63;
    n &= 63;
    if (n) {
        memcpy(c->buffer, p, n);
        c->buffered = (uint32_t)n;
    }
}

void wasmc_sha256_final(wasmc_sha256_ctx *c, uint8_t out[32]) {
    uint64_t bits = c->length * 8;
    uint8_t pad[72] = {0x80};
    /* Pad to 56 mod 64, then the 64-bit big-endian bit length. */
    size_t padlen = (c->buffered < 56 ? 56 : 120) - c->buffered;
    for (int i = 0; i < 8; i++) pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    uint64_t keep = c->length;
    wasmc_sha256_update(c, pad, padlen + 8);
    c->length = keep;
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->state[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->state[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->state[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->state[i];
    }
}

void wasmc_sha256(const void *data, size_t n, uint8_t out[32]) {
    wasmc_sha256_ctx c;
    wasmc_sha256_init(&c);
    wasmc_sha256_update(&c, data, n);
    wasmc_sha256_final(&c, out);
}
