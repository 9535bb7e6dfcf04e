/* wasmc_check / wasmc_compile for wast-exec: answers precompiled by the host.
 *
 * wast-exec is the script interpreter built without LLVM for a target the
 * host can only emulate.  It links this file in place of the compiler
 * library, so wast_script.c runs unchanged: "checking" a module reads back
 * the host's wasmc_check result and "compiling" it hard-links (or copies)
 * the host-built artifact to where the interpreter wants it.  A module the
 * host did not precompile is an internal error, never a silent pass.  The
 * directory comes from wast_exec_set_precompiled (exec_main.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_compiler.h"
#include "precompiled.h"
#include "wasmc.h"

static const char *pre_dir = ".";

void wast_exec_set_precompiled(const char *dir) { pre_dir = dir; }

void wasmc_options_default(WasmcOptions *o) {
    memset(o, 0, sizeof *o);
    o->opt_level = 2;
}

/* The recorded error in path, if there is one; false = no such record. */
static bool read_error(const char *path, WasmError *err) {
    FILE *f = fopen(path, "r");
    if (!f) return false;
    char kind[32] = "", off[64] = "", msg[sizeof err->message] = "";
    bool ok = fgets(kind, sizeof kind, f) && fgets(off, sizeof off, f);
    if (ok && !fgets(msg, sizeof msg, f)) msg[0] = 0;
    fclose(f);
    msg[strcspn(msg, "\n")] = 0;
    long k = ok ? strtol(kind, NULL, 10) : 0;
    if (k <= WASM_OK || k > WASM_ERR_INTERNAL) {
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "unreadable precompiled error record %s", path);
        return true;
    }
    size_t offset = off[0] == '-' ? WASM_NO_OFFSET : (size_t)strtoull(off, NULL, 10);
    wasm_error(err, (WasmErrorKind)k, offset, "%s", msg);
    return true;
}

bool wasmc_check(const uint8_t *bytes, size_t size, WasmError *err) {
    char path[4096];
    wast_precompiled_path(pre_dir, bytes, size, "check", path, sizeof path);
    return !read_error(path, err);
}

/* The host checked every module file with wasmc_check, which tells
 * components by their preamble; its record answers for both. */
bool wasmc_component_check(const uint8_t *bytes, size_t size, WasmError *err) {
    return wasmc_check(bytes, size, err);
}

static bool copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return false;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
    bool ok = out >= 0;
    char buf[65536];
    while (ok) {
        ssize_t k = read(in, buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            ok = k == 0;
            break;
        }
        ok = write(out, buf, (size_t)k) == k;
    }
    close(in);
    if (out >= 0 && close(out) != 0) ok = false;
    return ok;
}

bool wasmc_compile(const uint8_t *bytes, size_t size, const WasmcOptions *opts, const char *out_path,
                   WasmcStats *stats, WasmError *err) {
    (void)opts;
    if (stats) memset(stats, 0, sizeof *stats);
    char path[4096];
    wast_precompiled_path(pre_dir, bytes, size, "compile", path, sizeof path);
    if (read_error(path, err)) return false;
    wast_precompiled_path(pre_dir, bytes, size, "so", path, sizeof path);
    if (access(path, R_OK) != 0)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "module was not precompiled on the host (%s)",
                          strrchr(path, '/') + 1);
    unlink(out_path);
    if (link(path, out_path) == 0 || copy_file(path, out_path)) return true;
    return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot place the precompiled artifact at %s: %s", out_path,
                      strerror(errno));
}
