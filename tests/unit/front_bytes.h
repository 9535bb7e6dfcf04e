/* front_bytes.h: helpers for the front-end unit tests (test_decode.c,
 * test_validate.c) to assemble modules from raw section bytes, so each test
 * states exactly the encoding it exercises while section sizes are computed
 * for it.
 *
 *   FbMod m; fb_init(&m);
 *   fb_section(&m, 1, FB(0x01, 0x60, 0x00, 0x00));   // one type [] -> []
 *   ... fb_bytes(&m) / m.n
 */
#ifndef FRONT_BYTES_H
#define FRONT_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "module.h"

#define FB(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

typedef struct FbMod {
    uint8_t b[1 << 16];
    size_t n;
} FbMod;

static inline void fb_raw(FbMod *m, const uint8_t *p, size_t n) {
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

static inline void fb_uleb(FbMod *m, uint64_t v) {
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        m->b[m->n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
}

static inline void fb_init(FbMod *m) {
    m->n = 0;
    fb_raw(m, FB(0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00));
}

static inline void fb_section(FbMod *m, uint8_t id, const uint8_t *p, size_t n) {
    m->b[m->n++] = id;
    fb_uleb(m, n);
    fb_raw(m, p, n);
}

/* A code section holding one body: locals vector bytes then instructions
 * (which must include the final `end`). */
static inline void fb_code1(FbMod *m, const uint8_t *body, size_t n) {
    uint8_t tmp[1 << 12];
    size_t k = 0;
    tmp[k++] = 1; /* one body */
    size_t len = n;
    do {
        uint8_t byte = len & 0x7F;
        len >>= 7;
        tmp[k++] = (uint8_t)(byte | (len ? 0x80 : 0));
    } while (len);
    memcpy(tmp + k, body, n);
    fb_section(m, 10, tmp, k + n);
}

/* Decode and validate; returns the error kind (WASM_OK on success). */
static inline WasmErrorKind fb_check(const FbMod *m, WasmError *err) {
    Module mod;
    if (!module_decode(m->b, m->n, &mod, err)) return err->kind;
    bool ok = module_validate(&mod, err);
    module_free(&mod);
    return ok ? WASM_OK : err->kind;
}

#endif
