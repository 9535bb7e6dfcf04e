/* wasi:random — random (the kernel's CSPRNG), insecure (xorshift128+,
 * seeded from it once per context) and insecure-seed (fixed per context). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "wasi2_internal.h"

/* A list<u8> is one host value per byte (16x its size), so requests past
 * this trap instead of exhausting the host. */
#define MAX_RANDOM_BYTES (64u << 20)

static bool fill(uint8_t *p, size_t n, wasmrt_error *err) {
    while (n) {
        ssize_t k = getrandom(p, n, 0);
        if (k < 0) {
            if (errno == EINTR) continue;
            return w2_trap(err, "getrandom failed");
        }
        p += k;
        n -= (size_t)k;
    }
    return true;
}

bool random_get_bytes(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)w;
    uint64_t n = a[0].of.u;
    if (n > MAX_RANDOM_BYTES) return w2_trap(err, "get-random-bytes: %llu bytes is too many",
                                             (unsigned long long)n);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) return w2_trap(err, "out of memory");
    bool ok = fill(buf, n, err);
    if (ok) *r = w2_bytes(buf, n);
    free(buf);
    return ok;
}

bool random_get_u64(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)w, (void)a;
    uint64_t x;
    if (!fill((uint8_t *)&x, sizeof x, err)) return false;
    *r = w2_u64(x);
    return true;
}

static uint64_t xorshift(wasmrt_wasi2 *w) {
    uint64_t s1 = w->insecure_state[0];
    const uint64_t s0 = w->insecure_state[1];
    w->insecure_state[0] = s0;
    s1 ^= s1 << 23;
    w->insecure_state[1] = s1 ^ s0 ^ (s1 >> 18) ^ (s0 >> 5);
    return w->insecure_state[1] + s0;
}

bool random_insecure_bytes(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    uint64_t n = a[0].of.u;
    if (n > MAX_RANDOM_BYTES) return w2_trap(err, "get-insecure-random-bytes: %llu bytes is too many",
                                             (unsigned long long)n);
    cval *items = w2_alloc(n * sizeof *items);
    uint64_t x = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i % 8 == 0) x = xorshift(w);
        items[i] = w2_u8((uint8_t)(x >> (8 * (i % 8))));
    }
    *r = w2_list(items, n);
    return true;
}

bool random_insecure_u64(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a, (void)err;
    *r = w2_u64(xorshift(w));
    return true;
}

bool random_insecure_seed(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a, (void)err;
    *r = w2_tuple(2, w2_u64(w->insecure_seed[0]), w2_u64(w->insecure_seed[1]));
    return true;
}
