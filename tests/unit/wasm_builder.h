/* wasm_builder.h: a tiny in-memory builder of WebAssembly binaries for
 * tests, so a test can state the exact instruction bytes it exercises
 * without going through text tools.
 *
 * Header-only and self-contained (libc only).  It writes the type,
 * function, export and code sections of a module whose functions are given
 * as raw instruction bytes (without the final `end`, which the builder
 * appends).  Types are deduplicated.  Allocation failure aborts: this is
 * test scaffolding, not a product API.
 *
 *   WasmBuilder wb; wb_init(&wb);
 *   uint8_t p[] = {WB_I32, WB_I32}, r[] = {WB_I32};
 *   uint8_t body[] = {0x20, 0, 0x20, 1, 0x6A};            // i32.add
 *   wb_func(&wb, "add", p, 2, r, 1, body, sizeof body);
 *   size_t n; uint8_t *bin = wb_finish(&wb, &n);          // free(bin)
 */
#ifndef WASM_BUILDER_H
#define WASM_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WB_I32 0x7F
#define WB_I64 0x7E
#define WB_F32 0x7D
#define WB_F64 0x7C

typedef struct WbBuf {
    uint8_t *p;
    size_t n, cap;
} WbBuf;

static inline void wb_put(WbBuf *b, const void *data, size_t n) {
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n)
            cap *= 2;
        b->p = (uint8_t *)realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static inline void wb_byte(WbBuf *b, uint8_t v) { wb_put(b, &v, 1); }

static inline void wb_uleb(WbBuf *b, uint64_t v) {
    do {
        uint8_t byte = v & 0x7F;
        v >>= 7;
        wb_byte(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

static inline void wb_sleb(WbBuf *b, int64_t v) {
    for (;;) {
        uint8_t byte = v & 0x7F;
        v >>= 7; /* arithmetic shift on every compiler we use */
        int done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
        wb_byte(b, (uint8_t)(byte | (done ? 0 : 0x80)));
        if (done)
            break;
    }
}

/* Instruction helpers for bodies. */
static inline void wb_i32_const(WbBuf *b, int32_t v) { wb_byte(b, 0x41); wb_sleb(b, v); }
static inline void wb_i64_const(WbBuf *b, int64_t v) { wb_byte(b, 0x42); wb_sleb(b, v); }
static inline void wb_f32_const(WbBuf *b, uint32_t bits) {
    uint8_t le[4] = {(uint8_t)bits, (uint8_t)(bits >> 8), (uint8_t)(bits >> 16), (uint8_t)(bits >> 24)};
    wb_byte(b, 0x43);
    wb_put(b, le, 4);
}
static inline void wb_f64_const(WbBuf *b, uint64_t bits) {
    wb_byte(b, 0x44);
    for (int i = 0; i < 8; i++)
        wb_byte(b, (uint8_t)(bits >> (8 * i)));
}
static inline void wb_local_get(WbBuf *b, uint32_t i) { wb_byte(b, 0x20); wb_uleb(b, i); }

typedef struct WasmBuilder {
    WbBuf types, funcs, exports, code;
    uint32_t num_types, num_funcs, num_exports;
    WbBuf type_keys; /* each type as (np, params, nr, results) for dedup */
} WasmBuilder;

static inline void wb_init(WasmBuilder *wb) { memset(wb, 0, sizeof *wb); }

static inline uint32_t wb_type(WasmBuilder *wb, const uint8_t *params, uint32_t np,
                               const uint8_t *results, uint32_t nr) {
    WbBuf key = {0};
    wb_byte(&key, (uint8_t)np);
    wb_put(&key, params, np);
    wb_byte(&key, (uint8_t)nr);
    wb_put(&key, results, nr);
    size_t pos = 0;
    for (uint32_t i = 0; i < wb->num_types; i++) {
        size_t len = 2 + wb->type_keys.p[pos] + wb->type_keys.p[pos + 1 + wb->type_keys.p[pos]];
        if (len == key.n && memcmp(wb->type_keys.p + pos, key.p, len) == 0) {
            free(key.p);
            return i;
        }
        pos += len;
    }
    wb_put(&wb->type_keys, key.p, key.n);
    free(key.p);
    wb_byte(&wb->types, 0x60);
    wb_uleb(&wb->types, np);
    wb_put(&wb->types, params, np);
    wb_uleb(&wb->types, nr);
    wb_put(&wb->types, results, nr);
    return wb->num_types++;
}

/* Add a function with no locals whose body is `body` followed by `end`,
 * exported as `name` (NULL = not exported).  Returns its index. */
static inline uint32_t wb_func(WasmBuilder *wb, const char *name, const uint8_t *params, uint32_t np,
                               const uint8_t *results, uint32_t nr, const uint8_t *body, size_t n) {
    uint32_t type = wb_type(wb, params, np, results, nr);
    wb_uleb(&wb->funcs, type);
    WbBuf fn = {0};
    wb_byte(&fn, 0); /* no local declarations */
    wb_put(&fn, body, n);
    wb_byte(&fn, 0x0B);
    wb_uleb(&wb->code, fn.n);
    wb_put(&wb->code, fn.p, fn.n);
    free(fn.p);
    if (name) {
        size_t len = strlen(name);
        wb_uleb(&wb->exports, len);
        wb_put(&wb->exports, name, len);
        wb_byte(&wb->exports, 0x00); /* func */
        wb_uleb(&wb->exports, wb->num_funcs);
        wb->num_exports++;
    }
    return wb->num_funcs++;
}

static inline void wb_section(WbBuf *out, uint8_t id, uint32_t count, const WbBuf *content) {
    WbBuf s = {0};
    wb_uleb(&s, count);
    if (content->n)
        wb_put(&s, content->p, content->n);
    wb_byte(out, id);
    wb_uleb(out, s.n);
    wb_put(out, s.p, s.n);
    free(s.p);
}

/* The module bytes (caller frees); the builder is reset and freed. */
static inline uint8_t *wb_finish(WasmBuilder *wb, size_t *size) {
    WbBuf out = {0};
    static const uint8_t header[8] = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};
    wb_put(&out, header, sizeof header);
    if (wb->num_types)
        wb_section(&out, 1, wb->num_types, &wb->types);
    if (wb->num_funcs)
        wb_section(&out, 3, wb->num_funcs, &wb->funcs);
    if (wb->num_exports)
        wb_section(&out, 7, wb->num_exports, &wb->exports);
    if (wb->num_funcs)
        wb_section(&out, 10, wb->num_funcs, &wb->code);
    free(wb->types.p);
    free(wb->funcs.p);
    free(wb->exports.p);
    free(wb->code.p);
    free(wb->type_keys.p);
    memset(wb, 0, sizeof *wb);
    *size = out.n;
    return out.p;
}

#endif
