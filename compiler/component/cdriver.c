/* Compiling a component into one artifact: decode and validate it with its
 * core modules, flatten it into the plan, compile every core module with
 * the core pipeline (all modules' parts sharing the threads, each module
 * under the symbol prefix "wasmc$m<N>." and in section "wasmc_text_<N>",
 * so each descriptor's code bounds cover its own code only), add the
 * component descriptor object and link them into one shared object that
 * exports WASMC_COMPONENT_SYMBOL.  The trailer's module hash is the
 * SHA-256 of the component file; each module's descriptor has its own
 * module's.  The core modules' parts go through the compile cache like a
 * plain module's, their keys also covering the prefix and section (the
 * same engine module in two components, at the same position, is
 * compiled once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../cache.h"
#include "../cache_key.h"
#include "../link.h"
#include "../wasmc.h"
#include "cobject.h"
#include "component.h"
#include "wasmc/component_plan.h"
#include "wasmc/sha256.h"

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool wasmc_component_check(const uint8_t *bytes, size_t size, WasmError *err) {
    CFile f;
    if (!component_decode(bytes, size, &f, err)) return false;
    CPlan plan;
    bool ok = component_flatten(&f, &plan, err);
    free(plan.bytes);
    component_free(&f);
    return ok;
}

bool wasmc_component_compile(const uint8_t *bytes, size_t size, const CompileConfig *cc,
                             const char *out_path, WasmcStats *stats, WasmError *err) {
    WasmcStats st;
    memset(&st, 0, sizeof st);
    double t0 = now_seconds();
    uint8_t sha[32];
    wasmc_sha256(bytes, size, sha);
    CFile f;
    bool decoded = component_decode(bytes, size, &f, err);
    double t1 = now_seconds();
    CPlan plan = {0};
    bool ok = decoded && component_flatten(&f, &plan, err);
    double t2 = now_seconds();
    st.t_decode = t1 - t0;
    st.t_validate = t2 - t1;

    uint32_t nm = decoded ? f.num_modules : 0;
    CodegenUnit *units = calloc(nm ? nm : 1, sizeof *units);
    uint8_t (*shas)[32] = calloc(nm ? nm : 1, 32);
    char (*prefixes)[32] = calloc(nm ? nm : 1, 32);
    char (*sections)[32] = calloc(nm ? nm : 1, 32);
    char (*descs)[64] = calloc(nm ? nm : 1, 64);
    const char **desc_ptrs = calloc(nm ? nm : 1, sizeof *desc_ptrs);
    if (ok && (!units || !shas || !prefixes || !sections || !descs || !desc_ptrs))
        ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    uint32_t total_parts = 0;
    for (uint32_t i = 0; ok && i < nm; i++) {
        const CModule *cm = &f.modules[i];
        wasmc_sha256(bytes + cm->offset, cm->size, shas[i]);
        snprintf(prefixes[i], 32, "wasmc$m%u.", i);
        snprintf(sections[i], 32, "wasmc_text_%u", i);
        snprintf(descs[i], 64, "%s%s", prefixes[i], WASMC_DESCRIPTOR_SYMBOL);
        desc_ptrs[i] = descs[i];
        CodegenPart *parts = NULL;
        uint32_t np = codegen_plan_parts(&cm->m, cc, &parts);
        if (np == 0) {
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
            break;
        }
        units[i] = (CodegenUnit){.m = &cm->m, .module_sha256 = shas[i], .parts = parts, .num_parts = np,
                                 .symbol_prefix = prefixes[i], .text_section = sections[i]};
        total_parts += np;
        st.num_funcs += cm->m.num_funcs - cm->m.num_imported_funcs;
    }
    /* As for a plain module: the cache is an optimisation, skipped when it
     * cannot be opened, and IR dumps bypass it. */
    WasmcCache *cache = NULL;
    uint8_t (**keys)[32] = calloc(nm ? nm : 1, sizeof *keys);
    if (ok && nm && keys && cc->cache_dir && !cc->dump_ir_dir) {
        WasmError cerr;
        wasm_error_clear(&cerr);
        cache = cache_open(cc->cache_dir, cc->cache_max_bytes, &cerr);
        if (!cache && cc->verbose) fprintf(stderr, "wasmc: compile cache off: %s\n", cerr.message);
        for (uint32_t i = 0; cache && i < nm; i++) {
            keys[i] = cache_keys_for_parts(units[i].m, cc, prefixes[i], sections[i], shas[i], units[i].parts,
                                           units[i].num_parts);
            if (keys[i]) units[i].cache = (CodegenCacheUse){.cache = cache, .keys = (const uint8_t(*)[32])keys[i]};
        }
    }
    CodegenObject *objs = NULL;
    uint32_t nobjs = 0;
    if (ok && nm) {
        CodegenTimes times = {0};
        ok = codegen_compile_units(units, nm, cc, &objs, &times, err);
        st.t_lower = times.lower;
        st.t_optimize = times.optimize;
        st.t_codegen = times.codegen;
        if (ok) nobjs = total_parts;
    }
    double t3 = now_seconds();
    /* The component object goes last: one more slot in the array. */
    CodegenObject *all = NULL;
    if (ok) {
        all = calloc(nobjs + 1, sizeof *all);
        if (!all) ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
        else {
            if (nobjs) memcpy(all, objs, nobjs * sizeof *all);
            free(objs);
            objs = NULL;
            ok = cobject_emit(cc, nm, desc_ptrs, plan.bytes, plan.size, f.name, &all[nobjs], err);
        }
    }
    uint8_t *so = NULL;
    size_t so_size = 0;
    if (ok) {
        char soname[32] = "wasmc-";
        for (int i = 0; i < 8; i++) snprintf(soname + 6 + 2 * i, 3, "%02x", sha[i]);
        ok = link_objects(cc, all, nobjs + 1, soname, WASMC_COMPONENT_SYMBOL, &so, &so_size, err);
    }
    if (ok) {
        ArtifactInfo info = {.arch = cc->target->arch, .cpu_features = cc->cpu_features,
                             .memory_mode = cc->memory_mode, .module_sha256 = sha, .sign_key = cc->sign_key};
        ok = link_write_artifact(out_path, &info, so, so_size, &st.output_size, err);
    }
    double t4 = now_seconds();
    st.t_link = t4 - t3;
    st.num_parts = total_parts;
    if (cache) {
        CacheStats cs = cache_stats(cache);
        st.parts_cached = cs.hits;
        if (ok && cs.stores) cache_evict(cache);
        if (cc->verbose)
            fprintf(stderr, "wasmc: cache %s: %u hits, %u misses, %u stored, %u bad entries removed, %u evicted\n",
                    cache_dir(cache), cs.hits, cs.misses, cs.stores, cs.bad_entries, cache_stats(cache).evicted);
    }
    if (ok && cc->verbose)
        fprintf(stderr,
                "wasmc: component: %u core modules, %u functions in %u parts, plan %zu bytes\n"
                "wasmc:   decode+validate %8.2f ms, flatten %8.2f ms, compile wall %8.2f ms, link+write %8.2f ms\n"
                "wasmc: wrote %zu bytes to %s\n",
                nm, st.num_funcs, total_parts, plan.size, st.t_decode * 1e3, st.t_validate * 1e3,
                (t3 - t2) * 1e3, st.t_link * 1e3, st.output_size, strcmp(out_path, "-") == 0 ? "<stdout>" : out_path);

    if (all) codegen_objects_free(all, nobjs + 1);
    codegen_objects_free(objs, nobjs);
    free(so);
    for (uint32_t i = 0; units && i < nm; i++) free((void *)units[i].parts);
    free(units);
    free(shas);
    free(prefixes);
    free(sections);
    free(descs);
    free(desc_ptrs);
    for (uint32_t i = 0; keys && i < nm; i++) free(keys[i]);
    free(keys);
    cache_close(cache);
    free(plan.bytes);
    if (decoded) component_free(&f);
    if (stats) *stats = st;
    return ok;
}
