/* The compiler-linked C API (libwasmc-capi): wasm_module_new compiles Wasm
 * bytes with libwasmc into an artifact in a private temporary directory,
 * reads it back and removes it (the compiler links with ld.lld, which
 * writes files). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capi.h"
#include "wasmc.h"

bool capi_validate(const uint8_t *wasm, size_t len) {
    WasmError e;
    wasm_error_clear(&e);
    return wasmc_check(wasm, len, &e);
}

bool capi_compile(const uint8_t *wasm, size_t len, wasm_byte_vec_t *artifact, char *err, size_t errlen) {
    const char *tmp = getenv("TMPDIR");
    char dir[512], out[600];
    snprintf(dir, sizeof dir, "%s/wasmc-capi-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot make a temporary directory in %s", tmp && *tmp ? tmp : "/tmp");
        return false;
    }
    snprintf(out, sizeof out, "%s/module.so", dir);
    WasmcOptions o;
    wasmc_options_default(&o);
    o.threads = 1;
    WasmError e;
    wasm_error_clear(&e);
    bool ok = wasmc_compile(wasm, len, &o, out, NULL, &e);
    if (!ok) {
        if (e.offset != WASM_NO_OFFSET) snprintf(err, errlen, "0x%zx: %s", e.offset, e.message);
        else snprintf(err, errlen, "%s", e.message);
    } else {
        FILE *f = fopen(out, "rb");
        long n = -1;
        if (f && fseek(f, 0, SEEK_END) == 0) n = ftell(f);
        ok = f && n >= 0 && fseek(f, 0, SEEK_SET) == 0;
        if (ok) {
            wasm_byte_vec_new_uninitialized(artifact, (size_t)n);
            ok = (size_t)n == artifact->size && fread(artifact->data, 1, (size_t)n, f) == (size_t)n;
            if (!ok) wasm_byte_vec_delete(artifact);
        }
        if (f) fclose(f);
        if (!ok) snprintf(err, errlen, "cannot read back the compiled artifact %s", out);
    }
    unlink(out);
    rmdir(dir);
    return ok;
}
