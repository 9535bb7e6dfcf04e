/* The compiler library's entry points (wasmc.h): the pipeline driver.
 *
 * decode -> validate -> plan parts -> parallel lower/optimise/emit
 * (codegen.c) -> link (link.c) -> trailer + atomic write.  Everything that
 * can fail returns a WasmError; every resource is released on every path.
 * The target and CPU are resolved before the module is even decoded, so a
 * bad flag is reported as such whatever the input.
 */
#include "wasmc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cache_key.h"
#include "codegen.h"
#include "compile_config.h"
#include "component/component.h"
#include "link.h"
#include "module.h"
#include "time_report.h"
#include "wasmc/sha256.h"

/* compiler/component/cdriver.c */
bool wasmc_component_compile(const uint8_t *bytes, size_t size, const CompileConfig *cc,
                             const char *out_path, WasmcStats *stats, WasmError *err);

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void wasmc_options_default(WasmcOptions *o) {
    memset(o, 0, sizeof *o);
    o->opt_level = 2;
#ifndef NDEBUG
    o->verify_guards = true;
#endif
}

bool wasmc_check(const uint8_t *bytes, size_t size, WasmError *err) {
    if (component_is_component(bytes, size)) return wasmc_component_check(bytes, size, err);
    Module m;
    if (!module_decode(bytes, size, &m, err)) return false;
    bool ok = module_validate(&m, err);
    module_free(&m);
    return ok;
}

bool wasmc_compile(const uint8_t *bytes, size_t size, const WasmcOptions *opts,
                   const char *out_path, WasmcStats *stats, WasmError *err) {
    WasmcOptions defaults;
    if (!opts) {
        wasmc_options_default(&defaults);
        opts = &defaults;
    }
    WasmcStats st;
    memset(&st, 0, sizeof st);
    if (!out_path || !*out_path)
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "no output file");

    CompileConfig cc;
    if (!compile_config_resolve(opts, &cc, err)) return false;
    if (component_is_component(bytes, size)) {
        bool ok = wasmc_component_compile(bytes, size, &cc, out_path, stats, err);
        compile_config_free(&cc);
        return ok;
    }

    double t0 = now_seconds();
    uint8_t module_sha[32];
    wasmc_sha256(bytes, size, module_sha);
    Module m;
    bool decoded = module_decode(bytes, size, &m, err);
    double t1 = now_seconds();
    st.t_decode = t1 - t0;
    bool ok = decoded && module_validate(&m, err);
    double t2 = now_seconds();
    st.t_validate = t2 - t1;

    CodegenPart *parts = NULL;
    uint32_t num_parts = 0;
    CodegenObject *objs = NULL;
    CodegenPartStats *part_stats = NULL;
    WasmcCache *cache = NULL;
    uint8_t (*keys)[32] = NULL;
    char passes_file[4096];
    bool passes = cc.time_report && time_report_begin(passes_file, sizeof passes_file);
    unsigned threads = cc.threads;
    if (ok) {
        st.num_funcs = m.num_funcs - m.num_imported_funcs;
        num_parts = codegen_plan_parts(&m, &cc, &parts);
        part_stats = num_parts ? calloc(num_parts, sizeof *part_stats) : NULL;
        if (!part_stats) ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    }
    /* The cache is an optimisation: if it cannot be used, compile without.
     * IR dumps need the parts compiled, so they bypass it. */
    if (ok && cc.cache_dir && !cc.dump_ir_dir) {
        WasmError cerr;
        wasm_error_clear(&cerr);
        cache = cache_open(cc.cache_dir, cc.cache_max_bytes, &cerr);
        if (cache) keys = cache_keys_for_parts(&m, &cc, NULL, NULL, module_sha, parts, num_parts);
        if (!cache && cc.verbose) fprintf(stderr, "wasmc: compile cache off: %s\n", cerr.message);
    }
    if (ok) {
        CodegenTimes times = {.parts = part_stats};
        CodegenCacheUse cu = {.cache = keys ? cache : NULL, .keys = (const uint8_t(*)[32])keys};
        ok = codegen_compile_parts(&m, &cc, module_sha, parts, num_parts, &cu, &objs, &times, err);
        st.t_lower = times.lower;
        st.t_optimize = times.optimize;
        st.t_codegen = times.codegen;
    }
    double t3 = now_seconds();

    uint8_t *so = NULL;
    size_t so_size = 0;
    if (ok) {
        char soname[32] = "wasmc-";
        for (int i = 0; i < 8; i++) snprintf(soname + 6 + 2 * i, 3, "%02x", module_sha[i]);
        ok = link_objects(&cc, objs, num_parts, soname, NULL, &so, &so_size, err);
        codegen_objects_free(objs, num_parts);
        objs = NULL;
    }
    if (ok) {
        ArtifactInfo info = {.arch = cc.target->arch, .cpu_features = cc.cpu_features,
                             .memory_mode = cc.memory_mode, .module_sha256 = module_sha,
                             .sign_key = cc.sign_key};
        ok = link_write_artifact(out_path, &info, so, so_size, &st.output_size, err);
    }
    double t4 = now_seconds();
    st.t_link = t4 - t3;
    st.num_parts = num_parts;
    for (uint32_t i = 0; part_stats && i < num_parts; i++) st.parts_cached += part_stats[i].cached;
    if (cache) {
        if (ok && cache_stats(cache).stores) cache_evict(cache);
        if (cc.verbose) {
            CacheStats cs = cache_stats(cache);
            fprintf(stderr, "wasmc: cache %s: %u hits, %u misses, %u stored, %u bad entries removed, %u evicted\n",
                    cache_dir(cache), cs.hits, cs.misses, cs.stores, cs.bad_entries, cs.evicted);
        }
    }

    if (ok && cc.verbose) {
        fprintf(stderr,
                "wasmc: target %s, cpu %s, -O%d, %s\n"
                "wasmc: %u functions in %u part%s on %u thread%s\n"
                "wasmc:   decode     %8.2f ms\n"
                "wasmc:   validate   %8.2f ms\n"
                "wasmc:   lower IR   %8.2f ms (summed over threads)\n"
                "wasmc:   optimise   %8.2f ms (summed over threads)\n"
                "wasmc:   codegen    %8.2f ms (summed over threads)\n"
                "wasmc:   lower+opt+codegen wall %8.2f ms\n"
                "wasmc:   link+write %8.2f ms\n"
                "wasmc:   total      %8.2f ms\n"
                "wasmc: wrote %zu bytes to %s\n",
                cc.target->triple, cc.cpu, cc.opt_level,
                cc.memory_mode == WASMC_MEMORY_GUARD_PAGES ? "guard pages" : "bounds checks",
                st.num_funcs, num_parts, num_parts == 1 ? "" : "s",
                threads < num_parts ? threads : num_parts, (threads < num_parts ? threads : num_parts) == 1 ? "" : "s",
                st.t_decode * 1e3, st.t_validate * 1e3, st.t_lower * 1e3, st.t_optimize * 1e3,
                st.t_codegen * 1e3, (t3 - t2) * 1e3, st.t_link * 1e3, (t4 - t0) * 1e3, st.output_size,
                strcmp(out_path, "-") == 0 ? "<stdout>" : out_path);
        time_report_summary(stderr, &m, parts, part_stats, num_parts, so, so_size);
    }
    if (ok && cc.time_report)
        time_report_print(stderr, &m, parts, part_stats, num_parts, passes ? passes_file : NULL);
    else if (passes)
        unlink(passes_file);

    codegen_objects_free(objs, num_parts);
    free(so);
    free(parts);
    free(part_stats);
    free(keys);
    cache_close(cache);
    if (decoded) module_free(&m);
    compile_config_free(&cc);
    if (stats) *stats = st;
    return ok;
}
