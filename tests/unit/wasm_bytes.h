/* A growable byte buffer with the Wasm binary encoders (LEB128, sections),
 * for tests and generators that build modules byte by byte instead of from
 * text: they need sizes and shapes (thousands of functions, giant bodies,
 * one changed constant) that are tedious or slow to write as WAT.
 * Allocation failure aborts: these are test programs. */
#ifndef WASMC_TESTS_WASM_BYTES_H
#define WASMC_TESTS_WASM_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct Buf {
    uint8_t *p;
    size_t n, cap;
} Buf;

static inline void put(Buf *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}
static inline void byte(Buf *b, uint8_t v) { put(b, &v, 1); }
static inline void uleb(Buf *b, uint64_t v) {
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        byte(b, (uint8_t)(x | (v ? 0x80 : 0)));
    } while (v);
}
static inline void sleb(Buf *b, int64_t v) {
    for (;;) {
        uint8_t x = v & 0x7f;
        v >>= 7;
        bool done = (v == 0 && !(x & 0x40)) || (v == -1 && (x & 0x40));
        byte(b, (uint8_t)(x | (done ? 0 : 0x80)));
        if (done) return;
    }
}
/* Appends section `id` holding `content`'s bytes, and empties `content`
 * for the next section. */
static inline void section(Buf *out, uint8_t id, Buf *content) {
    byte(out, id);
    uleb(out, content->n);
    put(out, content->p, content->n);
    content->n = 0;
}

#endif
