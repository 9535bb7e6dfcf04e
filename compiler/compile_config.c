/* From the options (wasmc.h) to one resolved CompileConfig: every default
 * and every "native" is settled here, once, so what the code below sees
 * is what the cache key hashes. */
#include "compile_config.h"

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "codegen.h"

/* Part planning: see codegen.c's header for why these sizes. */
#define MIN_PART_BYTES (1u * 1024u)
#define MAX_PART_BYTES (8u * 1024u)
#define CUT_MASK 3u
#define MAX_THREADS 256u
/* The ld.lld found at configure time (CMake passes it). */
#ifndef WASMC_LLD_PATH
#define WASMC_LLD_PATH "ld.lld"
#endif

PartSizes compile_config_default_part_sizes(void) {
    return (PartSizes){MIN_PART_BYTES, MAX_PART_BYTES, CUT_MASK};
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static unsigned default_threads(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) return 1;
    return n > (long)MAX_THREADS ? MAX_THREADS : (unsigned)n;
}

static bool resolve_cpu(const WasmcOptions *o, CompileConfig *out, WasmError *err) {
    const TargetInfo *host = target_host();
    const TargetInfo *t = o->target_triple ? target_for_triple(o->target_triple) : host;
    if (!t) {
        if (o->target_triple)
            return wasm_error(err, WASM_ERR_UNSUPPORTED, WASM_NO_OFFSET,
                              "unsupported target '%s' (supported: x86_64-linux-gnu, aarch64-linux-gnu)",
                              o->target_triple);
        return wasm_error(err, WASM_ERR_UNSUPPORTED, WASM_NO_OFFSET,
                          "this host is not a supported target; pass --target");
    }
    out->target = t;
    const char *cpu = o->cpu ? o->cpu : t->default_cpu;
    if (strcmp(cpu, "native") == 0) {
        if (t != host)
            return wasm_error(err, WASM_ERR_UNSUPPORTED, WASM_NO_OFFSET,
                              "--cpu=native needs the host target, not %s", t->name);
        char *name = LLVMGetHostCPUName();
        char *feat = LLVMGetHostCPUFeatures();
        out->cpu = dup_str(name ? name : "");
        out->features = dup_str(feat ? feat : "");
        LLVMDisposeMessage(name);
        LLVMDisposeMessage(feat);
    } else {
        const char *feat = t->features_for_cpu(cpu);
        if (!feat)
            return wasm_error(err, WASM_ERR_UNSUPPORTED, WASM_NO_OFFSET,
                              "unknown CPU '%s' for %s", cpu, t->name);
        out->cpu = dup_str(cpu);
        out->features = dup_str(feat);
    }
    if (!out->cpu || !out->features)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    out->cpu_features = t->required_features(out->cpu, out->features);
    return true;
}

bool compile_config_resolve(const WasmcOptions *o, CompileConfig *out, WasmError *err) {
    memset(out, 0, sizeof *out);
    if (o->opt_level < 0 || o->opt_level > 3)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "invalid optimisation level %d", o->opt_level);
    if (o->part_bytes.max && o->part_bytes.min > o->part_bytes.max)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "part size minimum %llu above its maximum %llu",
                          (unsigned long long)o->part_bytes.min, (unsigned long long)o->part_bytes.max);
    out->opt_level = o->opt_level;
    out->memory_mode = o->bounds_checks ? WASMC_MEMORY_BOUNDS_CHECKS : WASMC_MEMORY_GUARD_PAGES;
    out->interrupt_poll = o->interrupt_poll;
    out->exact_traps = o->exact_traps;
    out->frame_pointers = o->frame_pointers;
    out->disabled_passes = o->disabled_passes;
    out->llvm_pipeline = o->llvm_pipeline;
    out->part_sizes = o->part_bytes.max
                          ? (PartSizes){o->part_bytes.min, o->part_bytes.max, o->part_bytes.cut_mask}
                          : compile_config_default_part_sizes();
    out->verify_guards = o->verify_guards;
    out->threads = o->threads ? o->threads : default_threads();
    if (out->threads > MAX_THREADS) out->threads = MAX_THREADS;
    out->verbose = o->verbose;
    out->time_report = o->time_report;
    out->dump_ir_dir = o->dump_ir_dir;
    out->cache_dir = o->cache_dir;
    out->cache_max_bytes = o->cache_max_bytes ? o->cache_max_bytes : WASMC_CACHE_DEFAULT_MAX_BYTES;
    out->linker = o->linker && *o->linker ? o->linker : WASMC_LLD_PATH;
    out->sign_key = o->sign_key;
    /* LLVM's own options (--llvm-args) are parsed before the first use. */
    codegen_llvm_init();
    if (!resolve_cpu(o, out, err)) {
        compile_config_free(out);
        return false;
    }
    return true;
}

void compile_config_free(CompileConfig *c) {
    free(c->cpu);
    free(c->features);
    c->cpu = c->features = NULL;
}
