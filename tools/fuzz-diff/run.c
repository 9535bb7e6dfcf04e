/* Running a module the way binaryen 108's --fuzz-exec does.
 *
 * binaryen's ExecutionResults::get instantiates once with a logging host
 * for the "fuzzing-support" imports, then for every function export in
 * export-section order prints "[fuzz-exec] calling NAME", calls the
 * hangLimitInitializer export (when there is one) and then the function
 * with zero arguments, and prints "[fuzz-exec] note result: NAME => V" for
 * a function with results that did not trap.  A trap prints "[trap WHY]"
 * and moves on to the next export with the same instance (memory and
 * globals as the trap left them); a trap while instantiating ends the run.
 * We reproduce that sequence through the public wasmrt API only, so the
 * comparison also exercises the runtime's call path, host trampolines and
 * trap unwinding.
 *
 * Values are printed so that they compare exactly by value with binaryen's
 * text: integers in signed decimal, floats as %.17g of the double (the f32
 * promoted exactly), NaNs as [-]nan:0xPAYLOAD, log-i64 as two signed 32-bit
 * halves (low, high) because that is how binaryen 108 logs it, v128 as
 * "i32x4" and four hex lanes as binaryen does.
 */
#include "fuzz_diff.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wasmrt.h"

enum { T_I32 = 0x7F, T_I64 = 0x7E, T_F32 = 0x7D, T_F64 = 0x7C, T_V128 = 0x7B,
       T_FUNCREF = 0x70, T_EXTERNREF = 0x6F };

static void print_f32(FILE *out, float f) {
    if (isnan(f)) {
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        fprintf(out, "%snan:0x%" PRIx32, (bits >> 31) ? "-" : "", bits & 0x7FFFFFu);
    } else {
        fprintf(out, "%.17g", (double)f);
    }
}

static void print_f64(FILE *out, double d) {
    if (isnan(d)) {
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        fprintf(out, "%snan:0x%" PRIx64, (bits >> 63) ? "-" : "", bits & UINT64_C(0xFFFFFFFFFFFFF));
    } else {
        fprintf(out, "%.17g", d);
    }
}

/* binaryen prints every v128 as four 32-bit lanes in hex. */
static void print_v128(FILE *out, const uint8_t *bytes) {
    fputs("i32x4", out);
    for (int i = 0; i < 16; i += 4) {
        uint32_t w;
        memcpy(&w, bytes + i, 4);
        fprintf(out, " 0x%08" PRIx32, w);
    }
}

static void print_val(FILE *out, const wasmrt_val *v) {
    switch (v->kind) {
    case T_I32: fprintf(out, "%" PRId32, v->of.i32); break;
    case T_I64: fprintf(out, "%" PRId64, v->of.i64); break;
    case T_F32: print_f32(out, v->of.f32); break;
    case T_F64: print_f64(out, v->of.f64); break;
    /* Function identities are names in binaryen and addresses here; only
     * null versus non-null is comparable. */
    case T_FUNCREF: fputs(v->of.ref ? "funcref(nonnull)" : "funcref", out); break;
    case T_EXTERNREF: fputs(v->of.ref ? "externref(nonnull)" : "anyref", out); break;
    case T_V128: print_v128(out, v->of.v128); break;
    default: fprintf(out, "<type 0x%02x>", v->kind); break;
    }
}

/* ---- The fuzzing-support host ------------------------------------------ */

static void log_i32(void *env, void *caller, wasmc_slot *s) {
    (void)caller;
    fprintf((FILE *)env, "[LoggingExternalInterface logging %" PRId32 "]\n", (int32_t)s[0].i32);
}
static void log_i64(void *env, void *caller, wasmc_slot *s) {
    (void)caller;
    fprintf((FILE *)env, "[LoggingExternalInterface logging %" PRId32 " %" PRId32 "]\n",
            (int32_t)(uint32_t)s[0].i64, (int32_t)(uint32_t)(s[0].i64 >> 32));
}
static void log_f32(void *env, void *caller, wasmc_slot *s) {
    (void)caller;
    FILE *out = env;
    fputs("[LoggingExternalInterface logging ", out);
    print_f32(out, s[0].f32);
    fputs("]\n", out);
}
static void log_f64(void *env, void *caller, wasmc_slot *s) {
    (void)caller;
    FILE *out = env;
    fputs("[LoggingExternalInterface logging ", out);
    print_f64(out, s[0].f64);
    fputs("]\n", out);
}

static void log_v128(void *env, void *caller, wasmc_slot *s) {
    (void)caller;
    FILE *out = env;
    fputs("[LoggingExternalInterface logging ", out);
    print_v128(out, s[0].v128);
    fputs("]\n", out);
}

static bool define_host(wasmrt_linker *l, FILE *out, wasmrt_error *e) {
    static const uint8_t ti32 = T_I32, ti64 = T_I64, tf32 = T_F32, tf64 = T_F64, tv128 = T_V128;
    return wasmrt_linker_define_host_func(l, "fuzzing-support", "log-i32", &ti32, 1, NULL, 0, log_i32, out, e) &&
           wasmrt_linker_define_host_func(l, "fuzzing-support", "log-i64", &ti64, 1, NULL, 0, log_i64, out, e) &&
           wasmrt_linker_define_host_func(l, "fuzzing-support", "log-f32", &tf32, 1, NULL, 0, log_f32, out, e) &&
           wasmrt_linker_define_host_func(l, "fuzzing-support", "log-f64", &tf64, 1, NULL, 0, log_f64, out, e) &&
           wasmrt_linker_define_host_func(l, "fuzzing-support", "log-v128", &tv128, 1, NULL, 0, log_v128, out, e);
}

/* ---- The run ------------------------------------------------------------ */

static void print_trap(FILE *out, const wasmrt_trap *t) {
    fprintf(out, "[trap %s]\n", wasmrt_trap_message(t->code));
}

/* Returns false when the call ran into the deadline (a hang). */
static bool call_export(wasmrt_store *s, wasmrt_instance *inst, const char *name,
                        const wasmrt_func *hang_init, FILE *out, char *why, size_t why_len) {
    wasmrt_extern ext;
    fprintf(out, "[fuzz-exec] calling %s\n", name);
    if (!wasmrt_instance_export(inst, name, &ext) || ext.kind != WASMC_EXTERN_FUNC) {
        fprintf(out, "[fuzz-diff] export %s not found\n", name);
        return true;
    }
    wasmrt_trap trap;
    wasmrt_error e;
    if (hang_init) {
        memset(&trap, 0, sizeof trap);
        if (!wasmrt_call(s, hang_init, NULL, 0, NULL, 0, &trap, &e)) {
            if (trap.code == WASMC_TRAP_INTERRUPTED) goto timeout;
            print_trap(out, &trap);
            return true;
        }
    }
    const wasmc_functype *ft = ext.of.func.type;
    uint32_t np = ft->num_params, nr = ft->num_results;
    wasmrt_val *args = calloc(np ? np : 1, sizeof *args);
    wasmrt_val *res = calloc(nr ? nr : 1, sizeof *res);
    if (!args || !res) {
        free(args);
        free(res);
        fprintf(out, "[fuzz-diff] out of memory\n");
        return true;
    }
    for (uint32_t i = 0; i < np; i++) args[i].kind = ft->types[i];
    for (uint32_t i = 0; i < nr; i++) res[i].kind = ft->types[np + i];
    memset(&trap, 0, sizeof trap);
    bool ok = wasmrt_call(s, &ext.of.func, args, np, res, nr, &trap, &e);
    bool hung = false;
    if (!ok) {
        if (trap.code == WASMC_TRAP_INTERRUPTED) hung = true;
        else if (trap.code == WASMC_TRAP_NONE) fprintf(out, "[fuzz-diff] call failed: %s\n", e.message);
        else print_trap(out, &trap);
    } else if (nr > 0) {
        fprintf(out, "[fuzz-exec] note result: %s => ", name);
        if (nr > 1) fputc('(', out);
        for (uint32_t i = 0; i < nr; i++) {
            if (i) fputs(", ", out);
            res[i].kind = ft->types[np + i];
            print_val(out, &res[i]);
        }
        if (nr > 1) fputc(')', out);
        fputc('\n', out);
    }
    free(args);
    free(res);
    if (!hung) return true;
timeout:
    snprintf(why, why_len, "call to %s exceeded the per-call deadline", name);
    fprintf(out, "[fuzz-diff] timeout in %s\n", name);
    return false;
}

fd_status fd_run(const unsigned char *wasm, size_t size, const WasmcOptions *opts,
                 double call_timeout_s, FILE *out, char *why, size_t why_len) {
    const char *tmpdir = getenv("TMPDIR");
    char so_path[4096];
    snprintf(so_path, sizeof so_path, "%s/wasmc-fuzz-diff-XXXXXX.so", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(so_path, 3);
    if (fd < 0) {
        snprintf(why, why_len, "cannot create a temporary artifact in %s", so_path);
        return FD_RUNTIME_ERROR;
    }
    close(fd);

    WasmError werr;
    wasm_error_clear(&werr);
    if (!wasmc_compile(wasm, size, opts, so_path, NULL, &werr)) {
        unlink(so_path);
        if (werr.offset != WASM_NO_OFFSET)
            snprintf(why, why_len, "compile error (kind %d) at byte %zu: %s", (int)werr.kind, werr.offset, werr.message);
        else
            snprintf(why, why_len, "compile error (kind %d): %s", (int)werr.kind, werr.message);
        return FD_COMPILE_ERROR;
    }

    fd_status st = FD_RAN;
    wasmrt_error e = {{0}};
    wasmrt_module *m = wasmrt_module_load(so_path, &e);
    unlink(so_path);
    if (!m) {
        snprintf(why, why_len, "load: %s", e.message);
        return FD_RUNTIME_ERROR;
    }
    wasmrt_store_config cfg = {0};
    cfg.deadline_ns = (uint64_t)(call_timeout_s * 1e9);
    wasmrt_store *s = wasmrt_store_new(&cfg, &e);
    wasmrt_linker *l = wasmrt_linker_new();
    if (!s || !l || !define_host(l, out, &e)) {
        snprintf(why, why_len, "setup: %s", e.message);
        st = FD_RUNTIME_ERROR;
        goto done;
    }
    wasmrt_trap trap;
    memset(&trap, 0, sizeof trap);
    wasmrt_instance *inst = wasmrt_instantiate(s, m, l, &trap, &e);
    if (!inst) {
        if (trap.code == WASMC_TRAP_NONE) {
            snprintf(why, why_len, "instantiate: %s", e.message);
            st = FD_RUNTIME_ERROR;
        } else if (trap.code == WASMC_TRAP_INTERRUPTED) {
            snprintf(why, why_len, "start function exceeded the deadline");
            st = FD_TIMEOUT;
        } else {
            print_trap(out, &trap);
        }
        goto done;
    }

    const wasmc_descriptor *d = wasmrt_module_descriptor(m);
    wasmrt_extern hl;
    wasmrt_func *hang_init = NULL;
    if (wasmrt_instance_export(inst, "hangLimitInitializer", &hl) && hl.kind == WASMC_EXTERN_FUNC)
        hang_init = &hl.of.func;
    for (uint32_t i = 0; i < d->num_exports; i++) {
        const wasmc_export_desc *x = &d->exports[i];
        if (x->kind != WASMC_EXTERN_FUNC) continue;
        if (strlen(x->name) != x->name_len) continue; /* NUL in name: not reachable by name */
        if (!call_export(s, inst, x->name, hang_init, out, why, why_len)) {
            st = FD_TIMEOUT;
            break;
        }
    }
done:
    fflush(out);
    if (l) wasmrt_linker_free(l);
    if (s) wasmrt_store_free(s);
    wasmrt_module_release(m);
    return st;
}
