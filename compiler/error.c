#include "error.h"

#include <stdarg.h>
#include <stdio.h>

bool wasm_error(WasmError *err, WasmErrorKind kind, size_t offset, const char *fmt, ...) {
    if (!err || err->kind != WASM_OK) return false;
    err->kind = kind;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}
