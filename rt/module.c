/* Module objects: a checked descriptor plus what every instance of it shares
 * (canonical type ids, the function address map for naming traps, the
 * code-range registration), computed once at load so instantiation does no
 * locking or hashing.
 *
 * The descriptor comes from compiled code the loader has already verified
 * by checksum, so these checks are not a security boundary; they catch a
 * compiler/runtime mismatch early with a clear message instead of a crash.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../target/host.h"
#include "internal.h"

static int cmp_addr(const void *a, const void *b) {
    const rt_func_addr *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static bool check_descriptor(const wasmc_descriptor *d, wasmrt_error *err) {
    if (d->magic != WASMC_DESCRIPTOR_MAGIC) {
        rt_err(err, "not a wasmc artifact (bad descriptor magic)");
        return false;
    }
    if (d->format_version != WASMC_FORMAT_VERSION) {
        rt_err(err, "artifact format version %u, this runtime reads %u", d->format_version,
               WASMC_FORMAT_VERSION);
        return false;
    }
    if (d->arch != (uint32_t)host_arch()) {
        const char *a = host_arch_name(d->arch);
        rt_err(err, "artifact built for %s, this host is %s", a ? a : "an unknown architecture",
               host_arch_name(host_arch()));
        return false;
    }
    if (d->memory_mode != WASMC_MEMORY_GUARD_PAGES && d->memory_mode != WASMC_MEMORY_BOUNDS_CHECKS) {
        rt_err(err, "artifact has unknown memory mode %u", d->memory_mode);
        return false;
    }
    if (d->inexact_trap_state > 1) {
        rt_err(err, "artifact descriptor is inconsistent (trap state %u)", d->inexact_trap_state);
        return false;
    }
    if (d->memory_mode == WASMC_MEMORY_GUARD_PAGES &&
        (d->reserve_bytes > WASMC_RESERVE_BYTES || d->guard_bytes > WASMC_GUARD_BYTES)) {
        rt_err(err, "artifact assumes a %llu-byte memory reservation, this runtime provides %llu",
               (unsigned long long)d->reserve_bytes, (unsigned long long)WASMC_RESERVE_BYTES);
        return false;
    }
    const wasmc_vmctx_counts *c = &d->counts;
    if (c->num_types != d->num_types || c->num_funcs != d->num_funcs ||
        c->num_imported_funcs != d->num_imported_funcs || c->num_tables != d->num_tables ||
        c->num_memories != d->num_memories || c->num_globals != d->num_globals ||
        c->num_imported_globals > c->num_globals || d->num_imported_funcs > d->num_funcs) {
        rt_err(err, "artifact descriptor is inconsistent (counts)");
        return false;
    }
    wasmc_vmctx_layout l;
    wasmc_vmctx_layout_compute(c, &l);
    if (memcmp(&l, &d->layout, sizeof l) != 0) {
        rt_err(err, "artifact descriptor is inconsistent (vmctx layout)");
        return false;
    }
    for (uint32_t i = 0; i < d->num_funcs; i++)
        if (d->func_types[i] >= d->num_types || (i >= d->num_imported_funcs && !d->func_code[i])) {
            rt_err(err, "artifact descriptor is inconsistent (function %u)", i);
            return false;
        }
    for (uint32_t i = 0; i < d->num_types; i++)
        if (!d->types[i].entry || !d->types[i].host_trampoline) {
            rt_err(err, "artifact descriptor is inconsistent (type %u has no trampolines)", i);
            return false;
        }
    if (d->has_start && d->start_func >= d->num_funcs) {
        rt_err(err, "artifact descriptor is inconsistent (start function)");
        return false;
    }
    return true;
}

wasmrt_module *rt_module_create(const wasmc_descriptor *d, void *dl, wasmrt_error *err) {
    if (!check_descriptor(d, err)) {
        if (dl) dlclose(dl);
        return NULL;
    }
    wasmrt_module *m = calloc(1, sizeof *m);
    uint32_t ndef = d->num_funcs - d->num_imported_funcs;
    if (m) {
        m->type_ids = calloc(d->num_types ? d->num_types : 1, sizeof *m->type_ids);
        m->addrs = calloc(ndef ? ndef : 1, sizeof *m->addrs);
    }
    if (!m || !m->type_ids || !m->addrs) goto oom;
    atomic_init(&m->refs, 1);
    m->fd = -1;
    m->desc = d;
    m->dl = dl;
    for (uint32_t i = 0; i < d->num_types; i++) {
        const wasmc_functype *t = &d->types[i];
        m->type_ids[i] = rt_type_intern(t->types, t->num_params, t->types + t->num_params, t->num_results);
        if (!m->type_ids[i]) goto oom;
        uint32_t n = t->num_params > t->num_results ? t->num_params : t->num_results;
        if (n > m->max_slots) m->max_slots = n;
    }
    for (uint32_t i = 0; i < ndef; i++)
        m->addrs[i] = (rt_func_addr){(uintptr_t)d->func_code[d->num_imported_funcs + i],
                                     d->num_imported_funcs + i};
    /* The compiler lays functions out in index order, so the map is
     * usually sorted already: checking costs n compares, glibc's merge
     * sort n log n even then (7 % of a 30,000-function component's start). */
    bool sorted = true;
    for (uint32_t i = 1; sorted && i < ndef; i++) sorted = m->addrs[i - 1].addr <= m->addrs[i].addr;
    if (!sorted) qsort(m->addrs, ndef, sizeof *m->addrs, cmp_addr);
    m->num_addrs = ndef;
    if (d->code_start && d->code_end > d->code_start) {
        m->code_range = rt_range_add(RT_RANGE_CODE, (uintptr_t)d->code_start, (uintptr_t)d->code_end, m);
        if (!m->code_range) goto oom;
    }
    /* Optional: without an image, instantiation copies the data. */
    m->image = rt_image_build(d);
    m->table_images = rt_table_images_build(d);
    /* Every active segment in the image (all on memory 0, checked in
     * bounds by rt_image_build): instantiation then only marks them
     * dropped, without walking the segments (thousands in a snapshotted
     * JavaScript engine).  Optional like the image. */
    bool all_imaged = m->image && d->num_datas;
    for (uint32_t i = 0; all_imaged && i < d->num_datas; i++)
        all_imaged = d->datas[i].mode != WASMC_SEG_ACTIVE || d->datas[i].memory_index == 0;
    if (all_imaged && (m->datas_imaged = malloc(d->num_datas)))
        for (uint32_t i = 0; i < d->num_datas; i++) m->datas_imaged[i] = d->datas[i].mode == WASMC_SEG_ACTIVE;
    return m;
oom:
    rt_err(err, "out of memory loading module");
    if (m) {
        free(m->type_ids);
        free(m->addrs);
        free(m);
    }
    if (dl) dlclose(dl);
    return NULL;
}

wasmrt_module *wasmrt_module_from_descriptor(const wasmc_descriptor *d, wasmrt_error *err) {
    if (!d) {
        rt_err(err, "no descriptor");
        return NULL;
    }
    return rt_module_create(d, NULL, err);
}

void rt_module_retain(wasmrt_module *m) { atomic_fetch_add(&m->refs, 1); }

void wasmrt_module_release(wasmrt_module *m) {
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1) return;
    rt_range_remove(m->code_range);
    rt_image_release(m->image);
    rt_table_images_free(m->table_images);
    free(m->datas_imaged);
    if (m->dl) dlclose(m->dl);
    if (m->fd >= 0) close(m->fd);
    free(m->type_ids);
    free(m->addrs);
    free(m);
}

const wasmc_descriptor *wasmrt_module_descriptor(const wasmrt_module *m) { return m->desc; }

const char *rt_module_func_name(const wasmrt_module *m, uintptr_t pc) {
    uint32_t lo = 0, hi = m->num_addrs;
    while (lo < hi) {     /* first entry with addr > pc */
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->addrs[mid].addr <= pc) lo = mid + 1; else hi = mid;
    }
    if (lo == 0) return NULL;
    const wasmc_descriptor *d = m->desc;
    uint32_t f = m->addrs[lo - 1].func;
    if (d->func_names && d->func_names[f]) return d->func_names[f];
    /* No name section entry: an export name still tells the user where. */
    for (uint32_t i = 0; i < d->num_exports; i++)
        if (d->exports[i].kind == WASMC_EXTERN_FUNC && d->exports[i].index == f) return d->exports[i].name;
    return NULL;
}
