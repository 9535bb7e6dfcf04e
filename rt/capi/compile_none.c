/* The runtime-only C API (libwasmrt-capi): no compiler is linked, so Wasm
 * bytes are refused; modules come from wasmc artifacts. */
#include <stdio.h>

#include "capi.h"

bool capi_compile(const uint8_t *wasm, size_t len, wasm_byte_vec_t *artifact, char *err, size_t errlen) {
    snprintf(err, errlen,
             "Wasm bytes need the compiler: precompile with wasmc and pass the artifact, or link libwasmc-capi");
    return false;
}

bool capi_validate(const uint8_t *wasm, size_t len) { return false; }
