/* Errors as values.
 *
 * A WasmError carries what went wrong and where: the byte offset in the
 * input module (or WASM_NO_OFFSET) and a one-line message in the spirit of
 * the spec suite's expected texts ("unexpected end", "type mismatch", ...).
 * Functions that can fail return bool (true = ok) and fill a caller-owned
 * WasmError; the first error wins and later ones are ignored, so deep code
 * can report and unwind without checking whether someone already did.
 */
#ifndef WASMC_ERROR_H
#define WASMC_ERROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WASM_NO_OFFSET ((size_t)-1)

typedef enum WasmErrorKind {
    WASM_OK = 0,
    WASM_ERR_MALFORMED,   /* the binary cannot be decoded (assert_malformed) */
    WASM_ERR_INVALID,     /* decodes, but fails validation (assert_invalid) */
    WASM_ERR_LIMIT,       /* exceeds an implementation limit of wasmc */
    WASM_ERR_UNSUPPORTED, /* valid, but uses something wasmc does not compile */
    WASM_ERR_IO,          /* reading or writing a file */
    WASM_ERR_INTERNAL,    /* LLVM, the linker, or a bug in wasmc */
} WasmErrorKind;

typedef struct WasmError {
    WasmErrorKind kind;
    size_t offset;
    char message[256];
} WasmError;

/* Record an error unless one is already recorded; always returns false so
 * callers can write `return wasm_error(err, ...)`. */
bool wasm_error(WasmError *err, WasmErrorKind kind, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static inline bool wasm_error_is_set(const WasmError *err) { return err->kind != WASM_OK; }
static inline void wasm_error_clear(WasmError *err) {
    err->kind = WASM_OK;
    err->offset = WASM_NO_OFFSET;
    err->message[0] = 0;
}

#endif
