/* Instantiation, following the spec's order: resolve and type-check imports,
 * allocate tables, memories and globals, apply element then data segments
 * (each bounds-checked before it writes, earlier segments stay written),
 * then run the start function.
 *
 * An instance is one allocation: the runtime struct, the vmctx compiled code
 * reads, and the small per-instance arrays, so instantiating a small module
 * costs one calloc plus its memory (recycled from the reservation pool).
 * Lifetime: an instance whose functions, tables, memories or globals were
 * imported by another, or that imported from another instance (it may have
 * handed its funcrefs to it), is "linked" and lives until its store is
 * freed, since compiled code holds raw pointers into its vmctx.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define AL16(x) (((x) + 15) & ~(size_t)15)

static inline uint8_t *vmb(wasmrt_instance *inst) { return (uint8_t *)inst->vmctx; }
static inline wasmc_funcref *vm_funcrefs(wasmrt_instance *inst) {
    return (wasmc_funcref *)(vmb(inst) + inst->module->desc->layout.funcrefs);
}
static inline wasmc_slot **vm_globals(wasmrt_instance *inst) {
    return (wasmc_slot **)(vmb(inst) + inst->module->desc->layout.globals);
}

/* An extended constant expression's program (artifact.h).  The stack is
 * bounded and underflow ends the run, so a damaged program gives a wrong
 * value, never a fault. */
static wasmc_slot const_program(wasmrt_instance *inst, const wasmc_const_expr *e) {
    const wasmc_const_expr *ops = (const wasmc_const_expr *)(uintptr_t)e->value.i64;
    wasmc_slot stack[WASMC_CONST_STACK];
    memset(stack, 0, sizeof stack[0]);
    uint32_t depth = 0;
    for (uint32_t i = 0; ops && i < e->index; i++) {
        const wasmc_const_expr *op = &ops[i];
        if (op->kind >= WASMC_CONST_I32_ADD && op->kind <= WASMC_CONST_I64_MUL) {
            if (depth < 2) break;
            wasmc_slot b = stack[--depth], a = stack[depth - 1], r;
            memset(&r, 0, sizeof r);
            switch (op->kind) {
            case WASMC_CONST_I32_ADD: r.i32 = a.i32 + b.i32; break;
            case WASMC_CONST_I32_SUB: r.i32 = a.i32 - b.i32; break;
            case WASMC_CONST_I32_MUL: r.i32 = a.i32 * b.i32; break;
            case WASMC_CONST_I64_ADD: r.i64 = a.i64 + b.i64; break;
            case WASMC_CONST_I64_SUB: r.i64 = a.i64 - b.i64; break;
            default: r.i64 = a.i64 * b.i64; break;
            }
            stack[depth - 1] = r;
        } else {
            if (depth == WASMC_CONST_STACK || op->kind == WASMC_CONST_PROGRAM) break;
            stack[depth++] = rt_const_eval(inst, op);
        }
    }
    return stack[0];
}

wasmc_slot rt_const_eval(wasmrt_instance *inst, const wasmc_const_expr *e) {
    wasmc_slot v;
    memset(&v, 0, sizeof v);
    switch (e->kind) {
    case WASMC_CONST_PROGRAM: v = const_program(inst, e); break;
    case WASMC_CONST_REF_NULL: break;
    case WASMC_CONST_REF_FUNC: v.ref = &vm_funcrefs(inst)[e->index]; break;
    case WASMC_CONST_GLOBAL_GET: v = *vm_globals(inst)[e->index]; break;
    default: v = e->value; break;
    }
    return v;
}

static void link_owner(wasmrt_instance *importer, wasmrt_instance *owner) {
    if (!owner || owner == importer) return;
    owner->linked = true;
    importer->linked = true;
}

static bool limits_match(uint64_t cur, bool has_max, uint64_t max, const wasmc_limits_desc *want) {
    if (cur < want->min) return false;
    if (want->has_max && (!has_max || max > want->max)) return false;
    return true;
}

/* What an unknown function import does under wasmrt_linker_trap_unknown_imports. */
static void trap_unknown_import(void *env, void *caller, wasmc_slot *slots) {
    (void)caller, (void)slots;
    const wasmc_import_desc *im = env;
    char msg[200];
    snprintf(msg, sizeof msg, "unknown import %.*s.%.*s was called", (int)im->module_len, im->module,
             (int)im->name_len, im->name);
    wasmrt_host_trap(WASMC_TRAP_HOST, msg);
}

/* Each import from the linker by name, or from `given` by position. */
static bool resolve_imports(wasmrt_instance *inst, wasmrt_linker *l, const rt_link_entry *const *given,
                            wasmrt_error *err) {
    const wasmc_descriptor *d = inst->module->desc;
    uint8_t *vm = vmb(inst);
    wasmc_import_func *ifs = (wasmc_import_func *)(vm + d->layout.imported_funcs);
    wasmc_table **tabs = (wasmc_table **)(vm + d->layout.tables);
    wasmc_memory **mems = (wasmc_memory **)(vm + d->layout.memories);
    wasmc_slot **globs = vm_globals(inst);
    wasmc_funcref *frs = vm_funcrefs(inst);
    for (uint32_t i = 0; i < d->num_imports; i++) {
        const wasmc_import_desc *im = &d->imports[i];
        const rt_link_entry *e = given ? given[i] : rt_linker_find(l, im->module, im->module_len, im->name, im->name_len);
        if (!e && !given && im->kind == WASMC_EXTERN_FUNC && rt_linker_traps_unknown(l) &&
            im->index < d->num_imported_funcs) {
            uint32_t x = im->index, t = d->func_types[x];
            rt_host_record *r = &inst->host_records[x];
            r->rec = (wasmc_host_record){rt_host_thunk, r, inst};
            r->user_fn = trap_unknown_import;
            r->user_env = (void *)im;
            ifs[x] = (wasmc_import_func){d->types[t].host_trampoline, &r->rec};
            frs[x] = (wasmc_funcref){d->types[t].host_trampoline, &r->rec, inst->module->type_ids[t], 0};
            continue;
        }
        if (!e) {
            rt_err(err, "unknown import: %.*s.%.*s", (int)im->module_len, im->module, (int)im->name_len,
                   im->name);
            return false;
        }
        bool ok = false;
        uint32_t x = im->index;
        switch (im->kind) {
        case WASMC_EXTERN_FUNC: {
            if (x >= d->num_imported_funcs) break;
            uint32_t t = d->func_types[x];
            uint32_t want = inst->module->type_ids[t];
            if (e->is_host) {
                if (e->host_type_id != want) break;
                rt_host_record *r = &inst->host_records[x];
                r->rec = (wasmc_host_record){rt_host_thunk, r, inst};
                r->user_fn = e->host_fn;
                r->user_env = e->host_env;
                ifs[x] = (wasmc_import_func){d->types[t].host_trampoline, &r->rec};
                frs[x] = (wasmc_funcref){d->types[t].host_trampoline, &r->rec, want, 0};
                ok = true;
            } else if (e->ext.kind == WASMC_EXTERN_FUNC) {
                const wasmc_funcref *ref = e->ext.of.func.ref;
                if (ref->type_id != want) break;
                ifs[x] = (wasmc_import_func){ref->code, ref->vmctx};
                frs[x] = *ref;
                link_owner(inst, e->ext.of.func.instance);
                ok = true;
            }
            break;
        }
        case WASMC_EXTERN_TABLE: {
            if (e->is_host || e->ext.kind != WASMC_EXTERN_TABLE || x >= d->num_tables) break;
            wasmrt_table *tb = e->ext.of.table;
            const wasmc_table_desc *td = &d->tables[x];
            if (tb->elem_type != td->elem_type ||
                !limits_match(tb->pub.size, tb->has_max, tb->type_max, &td->limits))
                break;
            inst->tables[x] = tb;
            tabs[x] = &tb->pub;
            /* It may store our funcrefs: keep us as long as the table's users. */
            inst->linked = true;
            link_owner(inst, tb->owner);
            ok = true;
            break;
        }
        case WASMC_EXTERN_MEMORY: {
            if (e->is_host || e->ext.kind != WASMC_EXTERN_MEMORY || x >= d->num_memories) break;
            wasmrt_memory *mm = e->ext.of.memory;
            /* Guard-page code has no checks: it needs the whole guard area. */
            if (d->memory_mode == WASMC_MEMORY_GUARD_PAGES && mm->reserve < WASMC_RESERVE_BYTES) {
                rt_err(err, "incompatible import type for %.*s.%.*s: a memory from bounds-checked code "
                       "cannot be imported by guard-page code", (int)im->module_len, im->module,
                       (int)im->name_len, im->name);
                return false;
            }
            if (!limits_match(mm->pub.size / WASMC_WASM_PAGE_SIZE, mm->has_max, mm->type_max,
                              &d->memories[x].limits))
                break;
            inst->memories[x] = mm;
            mems[x] = &mm->pub;
            link_owner(inst, mm->owner);
            ok = true;
            break;
        }
        case WASMC_EXTERN_GLOBAL: {
            if (e->is_host || e->ext.kind != WASMC_EXTERN_GLOBAL || x >= d->counts.num_imported_globals)
                break;
            wasmrt_global *g = e->ext.of.global;
            const wasmc_global_desc *gd = &d->globals[x];
            if (g->type != gd->type || g->mutable_ != (gd->mutable_ != 0)) break;
            globs[x] = g->cell;
            inst->global_objs[x] = g;
            if (g->type == RT_TYPE_FUNCREF && g->mutable_) inst->linked = true;
            link_owner(inst, g->owner);
            ok = true;
            break;
        }
        }
        if (!ok) {
            rt_err(err, "incompatible import type for %.*s.%.*s", (int)im->module_len, im->module,
                   (int)im->name_len, im->name);
            return false;
        }
    }
    return true;
}

static bool allocate(wasmrt_instance *inst, wasmrt_error *err) {
    const wasmc_descriptor *d = inst->module->desc;
    wasmrt_store *s = inst->store;
    uint8_t *vm = vmb(inst);
    wasmc_funcref *frs = vm_funcrefs(inst);
    for (uint32_t i = d->num_imported_funcs; i < d->num_funcs; i++)
        frs[i] = (wasmc_funcref){d->func_code[i], inst->vmctx, inst->module->type_ids[d->func_types[i]], 0};
    wasmc_table **tabs = (wasmc_table **)(vm + d->layout.tables);
    for (uint32_t i = 0; i < d->num_tables; i++) {
        const wasmc_table_desc *td = &d->tables[i];
        if (td->imported) {
            if (!inst->tables[i]) goto unresolved;
            continue;
        }
        wasmrt_table *t = rt_table_create(s, td->elem_type, td->limits.min, td->limits.max,
                                          td->limits.has_max, NULL, err);
        if (!t) return false;
        t->owner = inst;
        inst->tables[i] = t;
        tabs[i] = &t->pub;
    }
    wasmc_memory **mems = (wasmc_memory **)(vm + d->layout.memories);
    for (uint32_t i = 0; i < d->num_memories; i++) {
        const wasmc_memory_desc *md = &d->memories[i];
        if (md->imported) {
            if (!inst->memories[i]) goto unresolved;
            continue;
        }
        wasmrt_memory *m = rt_memory_create(s, md->limits.min, md->limits.max, md->limits.has_max,
                                            d->memory_mode == WASMC_MEMORY_GUARD_PAGES,
                                            i == 0 ? inst->module->image : NULL, err);
        if (!m) return false;
        m->owner = inst;
        inst->memories[i] = m;
        mems[i] = &m->pub;
    }
    if (d->num_memories) {
        inst->vmctx->memory0 = mems[0];
        inst->vmctx->memory0_base = mems[0]->base;
    }
    wasmc_slot **globs = vm_globals(inst);
    wasmc_slot *cells = (wasmc_slot *)(vm + d->layout.global_cells);
    uint32_t nig = d->counts.num_imported_globals;
    for (uint32_t i = 0; i < d->num_globals; i++) {
        if (i < nig) {
            if (!globs[i]) goto unresolved;
            continue;
        }
        cells[i - nig] = rt_const_eval(inst, &d->globals[i].init);
        globs[i] = &cells[i - nig];
    }
    return true;
unresolved:
    rt_err(err, "artifact descriptor is inconsistent (an import is missing from the import list)");
    return false;
}

static wasmc_trap_code init_segments(wasmrt_instance *inst) {
    const wasmc_descriptor *d = inst->module->desc;
    const rt_table_images *ti = inst->module->table_images;
    /* Segments on different tables commute, and an imaged table's never
     * trap, so imaged tables are filled first and their segments skipped. */
    for (uint32_t x = 0; ti && x < d->num_tables; x++)
        if (rt_table_imaged(ti, x)) rt_table_image_apply(ti, x, inst->tables[x]->pub.elems, vm_funcrefs(inst));
    for (uint32_t i = 0; i < d->num_elems; i++) {
        const wasmc_elem_desc *e = &d->elems[i];
        if (e->mode == WASMC_SEG_ACTIVE && !rt_table_imaged(ti, e->table_index)) {
            wasmrt_table *t = inst->tables[e->table_index];
            uint64_t off = rt_const_eval(inst, &e->offset).i32;
            if (off + e->num_items > t->pub.size) return WASMC_TRAP_TABLE_OOB;
            for (uint32_t k = 0; k < e->num_items; k++)
                t->pub.elems[off + k] = rt_const_eval(inst, &e->items[k]).ref;
        }
        if (e->mode != WASMC_SEG_PASSIVE) inst->elem_dropped[i] = 1;
    }
    const uint8_t *imaged_all = inst->module->datas_imaged;
    if (imaged_all && inst->memories[0]->image == inst->module->image) {
        memcpy(inst->data_dropped, imaged_all, d->num_datas);
        return WASMC_TRAP_NONE;
    }
    for (uint32_t i = 0; i < d->num_datas; i++) {
        const wasmc_data_desc *s = &d->datas[i];
        if (s->mode != WASMC_SEG_ACTIVE) continue;
        wasmrt_memory *m = inst->memories[s->memory_index];
        uint64_t off = rt_const_eval(inst, &s->offset).i32;
        if (off + s->size > m->pub.size) return WASMC_TRAP_MEMORY_OOB;
        /* The copy-on-write image holds every such segment already. */
        bool imaged = s->memory_index == 0 && m->image && m->image == inst->module->image;
        if (s->size && !imaged) memcpy(m->pub.base + off, s->bytes, s->size);
        inst->data_dropped[i] = 1;
    }
    return WASMC_TRAP_NONE;
}

static wasmrt_instance *alloc_instance(wasmrt_store *s, wasmrt_module *m) {
    const wasmc_descriptor *d = m->desc;
    size_t o_vm = AL16(sizeof(wasmrt_instance));
    size_t o_mem = AL16(o_vm + d->layout.size);
    size_t o_tab = o_mem + sizeof(void *) * d->num_memories;
    size_t o_glob = o_tab + sizeof(void *) * d->num_tables;
    size_t o_host = AL16(o_glob + sizeof(void *) * d->num_globals);
    size_t o_edrop = o_host + sizeof(rt_host_record) * d->num_imported_funcs;
    size_t o_ddrop = o_edrop + d->num_elems;
    size_t total = o_ddrop + d->num_datas;
    uint8_t *p = rt_pool_take_instance(total);
    if (!p && !(p = calloc(1, total))) return NULL;
    wasmrt_instance *inst = (wasmrt_instance *)p;
    inst->alloc_bytes = total;
    inst->vmctx = (wasmc_vmctx *)(p + o_vm);
    inst->memories = (wasmrt_memory **)(p + o_mem);
    inst->tables = (wasmrt_table **)(p + o_tab);
    inst->global_objs = (wasmrt_global **)(p + o_glob);
    inst->host_records = (rt_host_record *)(p + o_host);
    inst->elem_dropped = p + o_edrop;
    inst->data_dropped = p + o_ddrop;
    inst->store = s;
    inst->module = m;
    inst->vmctx->limits = &s->limits;
    inst->vmctx->builtins = &rt_builtins;
    inst->vmctx->instance = inst;
    if (d->num_types)
        memcpy(p + o_vm + d->layout.type_ids, m->type_ids, sizeof(uint32_t) * d->num_types);
    rt_module_retain(m);
    /* In the store from the start so a failed instance is freed with it. */
    inst->next = s->instances;
    if (s->instances) s->instances->prev = inst;
    s->instances = inst;
    return inst;
}

static wasmrt_instance *instantiate(wasmrt_store *s, wasmrt_module *m, wasmrt_linker *l,
                                    const rt_link_entry *const *given, wasmrt_trap *trap,
                                    wasmrt_error *err) {
    wasmrt_trap scratch_trap;
    wasmrt_error scratch_err;
    if (!trap) trap = &scratch_trap;
    if (!err) err = &scratch_err;
    memset(trap, 0, sizeof *trap);
    err->message[0] = 0;
    wasmrt_instance *inst = alloc_instance(s, m);
    if (!inst) {
        rt_err(err, "out of memory instantiating module");
        return NULL;
    }
    const wasmc_descriptor *d = m->desc;
    if (!resolve_imports(inst, l, given, err) || !allocate(inst, err)) goto fail;
    wasmc_trap_code code = init_segments(inst);
    if (code != WASMC_TRAP_NONE) {
        trap->code = code;
        rt_err(err, "%s", wasmrt_trap_message(code));
        goto fail;
    }
    if (d->has_start) {
        wasmc_funcref *f = &vm_funcrefs(inst)[d->start_func];
        const wasmc_functype *ft = &d->types[d->func_types[d->start_func]];
        wasmc_slot slot;
        if (!rt_enter(s, ft->entry, f->code, f->vmctx, &slot, trap)) {
            if (trap->code == WASMC_TRAP_HOST && trap->host_message[0])
                rt_err(err, "%s", trap->host_message);
            else
                rt_err(err, "%s", wasmrt_trap_message(trap->code));
            goto fail;
        }
    }
    return inst;
fail:
    wasmrt_instance_free(inst);
    return NULL;
}

wasmrt_instance *wasmrt_instantiate(wasmrt_store *s, wasmrt_module *m, wasmrt_linker *l,
                                    wasmrt_trap *trap, wasmrt_error *err) {
    return instantiate(s, m, l, NULL, trap, err);
}

wasmrt_instance *rt_instantiate_with(wasmrt_store *s, wasmrt_module *m, const rt_link_entry *const *imports,
                                     wasmrt_trap *trap, wasmrt_error *err) {
    return instantiate(s, m, NULL, imports, trap, err);
}

void rt_instance_destroy(wasmrt_instance *inst) {
    wasmrt_store *s = inst->store;
    if (inst->prev) inst->prev->next = inst->next; else s->instances = inst->next;
    if (inst->next) inst->next->prev = inst->prev;
    const wasmc_descriptor *d = inst->module->desc;
    for (uint32_t i = 0; i < d->num_tables; i++)
        if (!d->tables[i].imported) rt_table_destroy(inst->tables[i]);
    for (uint32_t i = 0; i < d->num_memories; i++)
        if (!d->memories[i].imported) rt_memory_destroy(inst->memories[i]);
    for (uint32_t i = d->counts.num_imported_globals; i < d->num_globals; i++) free(inst->global_objs[i]);
    wasmrt_module_release(inst->module);
    if (!rt_pool_give_instance(inst, inst->alloc_bytes)) free(inst);
}

void wasmrt_instance_free(wasmrt_instance *inst) {
    if (!inst) return;
    if (inst->linked) {
        inst->dead = true;   /* others hold pointers into it: the store frees it */
        return;
    }
    rt_instance_destroy(inst);
}

bool rt_instance_export_index(wasmrt_instance *inst, uint32_t i, wasmrt_extern *out) {
    const wasmc_descriptor *d = inst->module->desc;
    const wasmc_export_desc *x = &d->exports[i];
    memset(out, 0, sizeof *out);
    out->kind = x->kind;
    switch (x->kind) {
    case WASMC_EXTERN_FUNC:
        out->of.func.ref = &vm_funcrefs(inst)[x->index];
        out->of.func.type = &d->types[d->func_types[x->index]];
        out->of.func.instance = inst;
        return true;
    case WASMC_EXTERN_TABLE: out->of.table = inst->tables[x->index]; return true;
    case WASMC_EXTERN_MEMORY: out->of.memory = inst->memories[x->index]; return true;
    case WASMC_EXTERN_GLOBAL: {
        wasmrt_global *g = inst->global_objs[x->index];
        if (!g) {
            g = calloc(1, sizeof *g);
            if (!g) return false;
            g->cell = vm_globals(inst)[x->index];
            g->type = d->globals[x->index].type;
            g->mutable_ = d->globals[x->index].mutable_ != 0;
            g->owner = inst;
            inst->global_objs[x->index] = g;
        }
        out->of.global = g;
        return true;
    }
    default: return false;
    }
}

bool wasmrt_instance_export(wasmrt_instance *inst, const char *name, wasmrt_extern *out) {
    const wasmc_descriptor *d = inst->module->desc;
    size_t n = strlen(name);
    for (uint32_t i = 0; i < d->num_exports; i++)
        if (d->exports[i].name_len == n && memcmp(d->exports[i].name, name, n) == 0)
            return rt_instance_export_index(inst, i, out);
    return false;
}

wasmrt_memory *wasmrt_instance_memory(wasmrt_instance *inst) {
    const wasmc_descriptor *d = inst->module->desc;
    for (uint32_t i = 0; i < d->num_exports; i++)
        if (d->exports[i].kind == WASMC_EXTERN_MEMORY && d->exports[i].index == 0) return inst->memories[0];
    return NULL;
}

wasmrt_memory *wasmrt_caller_memory(void *caller_instance) {
    wasmrt_instance *inst = caller_instance;
    if (!inst || !inst->module->desc->num_memories) return NULL;
    return inst->memories[0];
}

void wasmrt_instance_set_user_data(wasmrt_instance *inst, void *data) { inst->user_data = data; }
void *wasmrt_instance_user_data(wasmrt_instance *inst) { return inst->user_data; }
