/* The wasmc_descriptor: everything the runtime needs to instantiate the
 * module, emitted as LLVM constants in part 0.
 *
 * Each C struct of artifact.h is mirrored by an LLVM literal struct with the
 * same fields in the same order, explicit pad_ fields included; both
 * targets are LP64 with natural alignment, so LLVM's layout equals C's.
 * That is not taken on trust: when the data layout is known, every mirrored
 * struct's size and every descriptor field's offset is compared with the C
 * compiler's and a mismatch is an internal error rather than a runtime
 * that silently reads garbage.  Tables the descriptor points to are private
 * constant arrays (NULL when empty); strings carry a NUL terminator and an
 * explicit length, since Wasm names may contain NUL.  code_start/code_end
 * are the linker-defined bounds of section "wasmc_text", which holds all
 * compiled code; an empty anchor function guarantees the section exists.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "target.h"
#include "wasmc.h"

typedef struct DescTypes {
    LLVMTypeRef slot, const_expr, functype, limits, import, export_, table, memory, global, elem, data,
        counts, layout, desc;
} DescTypes;

static LLVMTypeRef st(LowerModule *lm, LLVMTypeRef *f, unsigned n) {
    return LLVMStructTypeInContext(lm->ctx, f, n, false);
}

static void init_desc_types(LowerModule *lm, DescTypes *d) {
    LLVMTypeRef i8 = lm->t_i8, i32 = lm->t_i32, i64 = lm->t_i64, p = lm->t_ptr;
    d->slot = LLVMArrayType2(i64, 2);
    d->const_expr = st(lm, (LLVMTypeRef[]){i32, i32, i8, LLVMArrayType2(i8, 7), d->slot}, 5);
    d->functype = st(lm, (LLVMTypeRef[]){i32, i32, p, p, p}, 5);
    d->limits = st(lm, (LLVMTypeRef[]){i64, i64, i32, i32}, 4);
    d->import = st(lm, (LLVMTypeRef[]){p, p, i32, i32, i32, i32}, 6);
    d->export_ = st(lm, (LLVMTypeRef[]){p, i32, i32, i32, i32}, 5);
    d->table = st(lm, (LLVMTypeRef[]){i8, i8, LLVMArrayType2(i8, 6), d->limits}, 4);
    d->memory = st(lm, (LLVMTypeRef[]){i8, LLVMArrayType2(i8, 7), d->limits}, 3);
    d->global = st(lm, (LLVMTypeRef[]){i8, i8, i8, LLVMArrayType2(i8, 5), d->const_expr}, 5);
    d->elem = st(lm, (LLVMTypeRef[]){i32, i32, i8, LLVMArrayType2(i8, 3), i32, d->const_expr, p}, 7);
    d->data = st(lm, (LLVMTypeRef[]){i32, i32, d->const_expr, p, i64}, 5);
    LLVMTypeRef c7[7] = {i32, i32, i32, i32, i32, i32, i32};
    d->counts = st(lm, c7, 7);
    LLVMTypeRef l8[8] = {i32, i32, i32, i32, i32, i32, i32, i32};
    d->layout = st(lm, l8, 8);
    LLVMTypeRef fields[] = {
        i32, i32, i32, i32, i64, i64, i64, LLVMArrayType2(i8, 32), p, p, d->counts, d->layout,
        i32, p,           /* types */
        i32, p,           /* imports */
        i32, i32, p, p, p, /* funcs */
        i32, p, i32, p, i32, p, i32, p, /* tables, memories, globals, exports */
        i32, i32,         /* start */
        i32, p, i32, p,   /* elems, datas */
        p, p,             /* code bounds */
        i32,              /* inexact_trap_state */
    };
    d->desc = st(lm, fields, sizeof fields / sizeof fields[0]);
}

/* offsetof of each wasmc_descriptor field, in declaration order. */
static const size_t desc_offsets[] = {
    offsetof(wasmc_descriptor, magic), offsetof(wasmc_descriptor, format_version),
    offsetof(wasmc_descriptor, arch), offsetof(wasmc_descriptor, memory_mode),
    offsetof(wasmc_descriptor, cpu_features), offsetof(wasmc_descriptor, reserve_bytes),
    offsetof(wasmc_descriptor, guard_bytes), offsetof(wasmc_descriptor, module_sha256),
    offsetof(wasmc_descriptor, compiler_version), offsetof(wasmc_descriptor, module_name),
    offsetof(wasmc_descriptor, counts), offsetof(wasmc_descriptor, layout),
    offsetof(wasmc_descriptor, num_types), offsetof(wasmc_descriptor, types),
    offsetof(wasmc_descriptor, num_imports), offsetof(wasmc_descriptor, imports),
    offsetof(wasmc_descriptor, num_funcs), offsetof(wasmc_descriptor, num_imported_funcs),
    offsetof(wasmc_descriptor, func_types), offsetof(wasmc_descriptor, func_code),
    offsetof(wasmc_descriptor, func_names), offsetof(wasmc_descriptor, num_tables),
    offsetof(wasmc_descriptor, tables), offsetof(wasmc_descriptor, num_memories),
    offsetof(wasmc_descriptor, memories), offsetof(wasmc_descriptor, num_globals),
    offsetof(wasmc_descriptor, globals), offsetof(wasmc_descriptor, num_exports),
    offsetof(wasmc_descriptor, exports), offsetof(wasmc_descriptor, has_start),
    offsetof(wasmc_descriptor, start_func), offsetof(wasmc_descriptor, num_elems),
    offsetof(wasmc_descriptor, elems), offsetof(wasmc_descriptor, num_datas),
    offsetof(wasmc_descriptor, datas), offsetof(wasmc_descriptor, code_start),
    offsetof(wasmc_descriptor, code_end), offsetof(wasmc_descriptor, inexact_trap_state),
};

static bool check_layout(LowerModule *lm, const DescTypes *d, WasmError *err) {
    LLVMTargetDataRef dl = lm->data_layout;
    if (!dl)
        return true;
    struct { LLVMTypeRef t; size_t size; const char *name; } sizes[] = {
        {d->const_expr, sizeof(wasmc_const_expr), "const_expr"}, {d->functype, sizeof(wasmc_functype), "functype"},
        {d->limits, sizeof(wasmc_limits_desc), "limits"}, {d->import, sizeof(wasmc_import_desc), "import"},
        {d->export_, sizeof(wasmc_export_desc), "export"}, {d->table, sizeof(wasmc_table_desc), "table"},
        {d->memory, sizeof(wasmc_memory_desc), "memory"}, {d->global, sizeof(wasmc_global_desc), "global"},
        {d->elem, sizeof(wasmc_elem_desc), "elem"}, {d->data, sizeof(wasmc_data_desc), "data"},
        {d->counts, sizeof(wasmc_vmctx_counts), "counts"}, {d->layout, sizeof(wasmc_vmctx_layout), "layout"},
        {d->desc, sizeof(wasmc_descriptor), "descriptor"},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (LLVMABISizeOfType(dl, sizes[i].t) != sizes[i].size)
            return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "descriptor layout mismatch: %s is %llu bytes, C says %zu",
                              sizes[i].name, (unsigned long long)LLVMABISizeOfType(dl, sizes[i].t), sizes[i].size);
    for (unsigned i = 0; i < sizeof desc_offsets / sizeof desc_offsets[0]; i++)
        if (LLVMOffsetOfElement(dl, d->desc, i) != desc_offsets[i])
            return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "descriptor layout mismatch at field %u", i);
    return true;
}

/* ---- Constant builders ---- */

static LLVMValueRef c32(LowerModule *lm, uint32_t v) { return lm_const_i32(lm, v); }
static LLVMValueRef c64(LowerModule *lm, uint64_t v) { return lm_const_i64(lm, v); }
static LLVMValueRef c8(LowerModule *lm, uint8_t v) { return LLVMConstInt(lm->t_i8, v, false); }
static LLVMValueRef zeros(LowerModule *lm, unsigned n) { return LLVMConstNull(LLVMArrayType2(lm->t_i8, n)); }
static LLVMValueRef null_ptr(LowerModule *lm) { return LLVMConstNull(lm->t_ptr); }

static LLVMValueRef private_global(LowerModule *lm, LLVMValueRef init, const char *name) {
    LLVMValueRef g = LLVMAddGlobal(lm->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, true);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
    return g;
}

/* A NUL-terminated copy of `len` bytes (which may contain NUL), or NULL. */
static LLVMValueRef cstring(LowerModule *lm, const char *s, size_t len) {
    if (!s)
        return null_ptr(lm);
    LLVMValueRef init = LLVMConstStringInContext2(lm->ctx, s, len, false);
    LLVMValueRef g = private_global(lm, init, "str");
    LLVMSetAlignment(g, 1);
    return g;
}

/* A private constant array of `n` elements of `t`, or NULL when empty. */
static LLVMValueRef const_array(LowerModule *lm, LLVMTypeRef t, LLVMValueRef *elems, size_t n, const char *name) {
    if (n == 0)
        return null_ptr(lm);
    return private_global(lm, LLVMConstArray2(t, elems, n), name);
}

static LLVMValueRef cstruct(LowerModule *lm, LLVMTypeRef t, LLVMValueRef *f, unsigned n) {
    (void)lm;
    return LLVMConstNamedStruct(t, f, n);
}

static LLVMValueRef const_expr(LowerModule *lm, const DescTypes *d, const ConstExpr *e);

_Static_assert((int)CONST_EXTENDED == (int)WASMC_CONST_PROGRAM, "ConstExprKind mirrors wasmc_const_kind");

static LLVMValueRef const_op(LowerModule *lm, const DescTypes *d, uint32_t kind, uint8_t type) {
    LLVMValueRef words[2] = {c64(lm, 0), c64(lm, 0)};
    LLVMValueRef f[5] = {c32(lm, kind), c32(lm, 0), c8(lm, type), zeros(lm, 7), LLVMConstArray2(lm->t_i64, words, 2)};
    return cstruct(lm, d->const_expr, f, 5);
}

/* An extended constant expression (validated: i32/i64 arithmetic over
 * constants and imported immutable globals).  Folded here when it reads no
 * global; otherwise a program (WASMC_CONST_PROGRAM) the runtime runs when
 * it instantiates the module, since imported globals are known only then. */
static LLVMValueRef extended_const(LowerModule *lm, const DescTypes *d, const ConstExpr *e) {
    InstrReader r;
    instr_reader_init(&r, lm->m->bytes, e->offset, e->end);
    WasmError err;
    wasm_error_clear(&err);
    size_t cap = e->end - e->offset, n = 0, depth = 0;
    LLVMValueRef *ops = malloc(sizeof *ops * (cap ? cap : 1));
    uint64_t *vals = malloc(sizeof *vals * (cap ? cap : 1));
    bool reads_global = false;
    uint8_t type = VT_I32;
    Instr in;
    while (ops && vals && instr_next(&r, &in, &err) && in.op != OP_END) {
        ConstExpr leaf;
        memset(&leaf, 0, sizeof leaf);
        uint32_t kind = 0;
        switch (in.op) {
        case OP_I32_CONST: leaf.kind = CONST_I32; leaf.type = VT_I32; leaf.value.i32 = in.imm.i32; break;
        case OP_I64_CONST: leaf.kind = CONST_I64; leaf.type = VT_I64; leaf.value.i64 = in.imm.i64; break;
        case OP_GLOBAL_GET:
            leaf.kind = CONST_GLOBAL_GET;
            leaf.index = in.index;
            leaf.type = lm->m->globals[in.index].type;
            reads_global = true;
            break;
        case OP_I32_ADD: kind = WASMC_CONST_I32_ADD; break;
        case OP_I32_SUB: kind = WASMC_CONST_I32_SUB; break;
        case OP_I32_MUL: kind = WASMC_CONST_I32_MUL; break;
        case OP_I64_ADD: kind = WASMC_CONST_I64_ADD; break;
        case OP_I64_SUB: kind = WASMC_CONST_I64_SUB; break;
        case OP_I64_MUL: kind = WASMC_CONST_I64_MUL; break;
        default: break; /* the validator admits nothing else */
        }
        if (kind) {
            bool is32 = kind <= WASMC_CONST_I32_MUL;
            type = is32 ? VT_I32 : VT_I64;
            uint64_t b = vals[--depth], a = vals[--depth];
            uint64_t x = kind == WASMC_CONST_I32_ADD || kind == WASMC_CONST_I64_ADD   ? a + b
                         : kind == WASMC_CONST_I32_SUB || kind == WASMC_CONST_I64_SUB ? a - b
                                                                                      : a * b;
            vals[depth++] = is32 ? (uint32_t)x : x;
            ops[n++] = const_op(lm, d, kind, type);
        } else {
            vals[depth++] = leaf.kind == CONST_I32 ? leaf.value.i32 : leaf.value.i64;
            ops[n++] = const_expr(lm, d, &leaf);
        }
    }
    LLVMValueRef result;
    if (!reads_global && ops && vals && depth == 1) {
        ConstExpr folded;
        memset(&folded, 0, sizeof folded);
        folded.kind = type == VT_I32 ? CONST_I32 : CONST_I64;
        folded.type = type;
        if (type == VT_I32) folded.value.i32 = (uint32_t)vals[0];
        else folded.value.i64 = vals[0];
        result = const_expr(lm, d, &folded);
    } else {
        LLVMValueRef prog = const_array(lm, d->const_expr, ops, ops ? n : 0, "const_program");
        LLVMValueRef words[2] = {LLVMConstPtrToInt(prog, lm->t_i64), c64(lm, 0)};
        LLVMValueRef f[5] = {c32(lm, WASMC_CONST_PROGRAM), c32(lm, ops ? (uint32_t)n : 0), c8(lm, type), zeros(lm, 7),
                             LLVMConstArray2(lm->t_i64, words, 2)};
        result = cstruct(lm, d->const_expr, f, 5);
    }
    free(ops);
    free(vals);
    return result;
}

static LLVMValueRef const_expr(LowerModule *lm, const DescTypes *d, const ConstExpr *e) {
    if (e->kind == CONST_EXTENDED) return extended_const(lm, d, e);
    uint64_t lo = 0, hi = 0;
    switch (e->kind) {
    case CONST_I32: case CONST_F32: lo = e->value.i32; break;
    case CONST_I64: case CONST_F64: lo = e->value.i64; break;
    case CONST_V128:
        for (int k = 7; k >= 0; k--) {
            lo = (lo << 8) | e->value.v128[k];
            hi = (hi << 8) | e->value.v128[k + 8];
        }
        break;
    default: break;
    }
    LLVMValueRef words[2] = {c64(lm, lo), c64(lm, hi)};
    LLVMValueRef f[5] = {c32(lm, (uint32_t)e->kind), c32(lm, e->index), c8(lm, e->type), zeros(lm, 7),
                         LLVMConstArray2(lm->t_i64, words, 2)};
    return cstruct(lm, d->const_expr, f, 5);
}

static LLVMValueRef limits(LowerModule *lm, const DescTypes *d, const Limits *l) {
    LLVMValueRef f[4] = {c64(lm, l->min), c64(lm, l->max), c32(lm, l->has_max), c32(lm, 0)};
    return cstruct(lm, d->limits, f, 4);
}

/* Scratch array of n values, freed by the caller. */
static LLVMValueRef *scratch(size_t n) { return malloc(sizeof(LLVMValueRef) * (n ? n : 1)); }

#define OOM() wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (descriptor)")

bool lower_descriptor(LowerModule *lm, const uint8_t *module_sha256,
                      const LLVMValueRef *entry, const LLVMValueRef *host, WasmError *err) {
    const Module *m = lm->m;
    DescTypes d;
    init_desc_types(lm, &d);
    if (!check_layout(lm, &d, err))
        return false;

    /* Keep "wasmc_text" non-empty so the linker defines its bounds. */
    char anchor_name[32 + LOWER_PREFIX_MAX];
    snprintf(anchor_name, sizeof anchor_name, "%swasmc$text_anchor", lm->symbol_prefix);
    LLVMValueRef anchor = LLVMAddFunction(lm->mod, anchor_name, LLVMFunctionType(lm->t_void, NULL, 0, false));
    lm_set_code_attributes(lm, anchor);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(lm->ctx);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(lm->ctx, anchor, "entry"));
    LLVMBuildRetVoid(b);
    LLVMDisposeBuilder(b);

    size_t nmax = m->num_types;
    if (m->num_funcs > nmax) nmax = m->num_funcs;
    if (m->num_imports > nmax) nmax = m->num_imports;
    if (m->num_exports > nmax) nmax = m->num_exports;
    if (m->num_tables > nmax) nmax = m->num_tables;
    if (m->num_memories > nmax) nmax = m->num_memories;
    if (m->num_globals > nmax) nmax = m->num_globals;
    if (m->num_elems > nmax) nmax = m->num_elems;
    if (m->num_datas > nmax) nmax = m->num_datas;
    LLVMValueRef *a = scratch(nmax), *a2 = scratch(nmax), *a3 = scratch(nmax);
    if (!a || !a2 || !a3) {
        free(a); free(a2); free(a3);
        return OOM();
    }

    /* Types. */
    for (uint32_t t = 0; t < m->num_types; t++) {
        const FuncType *ft = &m->types[t];
        size_t n = (size_t)ft->num_params + ft->num_results;
        LLVMValueRef types = null_ptr(lm);
        if (n) {
            char *buf = malloc(n);
            if (!buf) { free(a); free(a2); free(a3); return OOM(); }
            memcpy(buf, ft->params, ft->num_params);
            memcpy(buf + ft->num_params, ft->results, ft->num_results);
            types = private_global(lm, LLVMConstStringInContext2(lm->ctx, buf, n, true), "functype");
            free(buf);
        }
        LLVMValueRef f[5] = {c32(lm, ft->num_params), c32(lm, ft->num_results), types,
                             entry ? entry[t] : null_ptr(lm), host ? host[t] : null_ptr(lm)};
        a[t] = cstruct(lm, d.functype, f, 5);
    }
    LLVMValueRef types = const_array(lm, d.functype, a, m->num_types, "types");

    /* Imports. */
    for (uint32_t i = 0; i < m->num_imports; i++) {
        const Import *im = &m->imports[i];
        LLVMValueRef f[6] = {cstring(lm, im->module.str, im->module.len), cstring(lm, im->field.str, im->field.len),
                             c32(lm, im->module.len), c32(lm, im->field.len), c32(lm, im->kind), c32(lm, im->index)};
        a[i] = cstruct(lm, d.import, f, 6);
    }
    LLVMValueRef imports = const_array(lm, d.import, a, m->num_imports, "imports");

    /* Functions: types, code, names. */
    for (uint32_t i = 0; i < m->num_funcs; i++) {
        const Func *fn = &m->funcs[i];
        a[i] = c32(lm, fn->type_index);
        a2[i] = fn->imported ? null_ptr(lm) : lm_func(lm, i);
        a3[i] = cstring(lm, fn->name.str, fn->name.len);
    }
    LLVMValueRef func_types = const_array(lm, lm->t_i32, a, m->num_funcs, "func_types");
    LLVMValueRef func_code = const_array(lm, lm->t_ptr, a2, m->num_funcs, "func_code");
    LLVMValueRef func_names = const_array(lm, lm->t_ptr, a3, m->num_funcs, "func_names");

    for (uint32_t i = 0; i < m->num_tables; i++) {
        const Table *t = &m->tables[i];
        LLVMValueRef f[4] = {c8(lm, t->elem_type), c8(lm, t->imported), zeros(lm, 6), limits(lm, &d, &t->limits)};
        a[i] = cstruct(lm, d.table, f, 4);
    }
    LLVMValueRef tables = const_array(lm, d.table, a, m->num_tables, "tables");

    for (uint32_t i = 0; i < m->num_memories; i++) {
        const Memory *mem = &m->memories[i];
        LLVMValueRef f[3] = {c8(lm, mem->imported), zeros(lm, 7), limits(lm, &d, &mem->limits)};
        a[i] = cstruct(lm, d.memory, f, 3);
    }
    LLVMValueRef memories = const_array(lm, d.memory, a, m->num_memories, "memories");

    for (uint32_t i = 0; i < m->num_globals; i++) {
        const Global *g = &m->globals[i];
        ConstExpr none;
        memset(&none, 0, sizeof none);
        LLVMValueRef f[5] = {c8(lm, g->type), c8(lm, g->mutable_), c8(lm, g->imported), zeros(lm, 5),
                             const_expr(lm, &d, g->imported ? &none : &g->init)};
        a[i] = cstruct(lm, d.global, f, 5);
    }
    LLVMValueRef globals = const_array(lm, d.global, a, m->num_globals, "globals");

    for (uint32_t i = 0; i < m->num_exports; i++) {
        const Export *e = &m->exports[i];
        LLVMValueRef f[5] = {cstring(lm, e->name.str, e->name.len), c32(lm, e->name.len), c32(lm, e->kind),
                             c32(lm, e->index), c32(lm, 0)};
        a[i] = cstruct(lm, d.export_, f, 5);
    }
    LLVMValueRef exports = const_array(lm, d.export_, a, m->num_exports, "exports");

    bool ok = true;
    for (uint32_t i = 0; i < m->num_elems && ok; i++) {
        const ElemSegment *es = &m->elems[i];
        LLVMValueRef *items = scratch(es->num_items);
        if (!items) {
            ok = OOM();
            break;
        }
        for (uint32_t k = 0; k < es->num_items; k++)
            items[k] = const_expr(lm, &d, &es->items[k]);
        LLVMValueRef f[7] = {c32(lm, es->mode), c32(lm, es->table_index), c8(lm, es->elem_type), zeros(lm, 3),
                             c32(lm, es->num_items), const_expr(lm, &d, &es->offset),
                             const_array(lm, d.const_expr, items, es->num_items, "elem_items")};
        free(items);
        a[i] = cstruct(lm, d.elem, f, 7);
    }
    LLVMValueRef elems = ok ? const_array(lm, d.elem, a, m->num_elems, "elems") : NULL;

    for (uint32_t i = 0; i < m->num_datas && ok; i++) {
        const DataSegment *ds = &m->datas[i];
        LLVMValueRef bytes = null_ptr(lm);
        if (ds->size) {
            if (ds->data_offset > m->size || ds->size > m->size - ds->data_offset) {
                ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "data segment %u outside the module", i);
                break;
            }
            bytes = private_global(lm, LLVMConstStringInContext2(lm->ctx, (const char *)m->bytes + ds->data_offset,
                                                                 ds->size, true), "data");
            LLVMSetAlignment(bytes, 1);
        }
        LLVMValueRef f[5] = {c32(lm, ds->mode), c32(lm, ds->memory_index), const_expr(lm, &d, &ds->offset), bytes,
                             c64(lm, ds->size)};
        a[i] = cstruct(lm, d.data, f, 5);
    }
    LLVMValueRef datas = ok ? const_array(lm, d.data, a, m->num_datas, "datas") : NULL;
    free(a);
    free(a2);
    free(a3);
    if (!ok)
        return false;

    /* Linker-defined bounds of the code section. */
    LLVMValueRef bounds[2];
    for (int k = 0; k < 2; k++) {
        char bound_name[16 + LOWER_PREFIX_MAX];
        snprintf(bound_name, sizeof bound_name, "%s%s", k ? "__stop_" : "__start_", lm->text_section);
        bounds[k] = LLVMAddGlobal(lm->mod, lm->t_i8, bound_name);
        LLVMSetLinkage(bounds[k], LLVMExternalLinkage);
        LLVMSetVisibility(bounds[k], LLVMHiddenVisibility);
    }

    const wasmc_vmctx_layout *L = &lm->layout;
    LLVMValueRef counts_f[7] = {c32(lm, m->num_types), c32(lm, m->num_imported_funcs), c32(lm, m->num_funcs),
                                c32(lm, m->num_tables), c32(lm, m->num_memories), c32(lm, m->num_globals),
                                c32(lm, m->num_imported_globals)};
    LLVMValueRef layout_f[8] = {c32(lm, L->type_ids), c32(lm, L->imported_funcs), c32(lm, L->tables),
                                c32(lm, L->memories), c32(lm, L->globals), c32(lm, L->global_cells),
                                c32(lm, L->funcrefs), c32(lm, L->size)};
    uint8_t zero_hash[32] = {0};
    const uint8_t *hash = module_sha256 ? module_sha256 : zero_hash;
    bool guard = lm->cc->memory_mode == WASMC_MEMORY_GUARD_PAGES;
    static const char version[] = "wasmc " WASMC_VERSION;
    LLVMValueRef f[] = {
        c32(lm, WASMC_DESCRIPTOR_MAGIC), c32(lm, WASMC_FORMAT_VERSION),
        c32(lm, lm->cc->target ? (uint32_t)lm->cc->target->arch : 0), c32(lm, lm->cc->memory_mode),
        c64(lm, lm->cc->cpu_features), c64(lm, guard ? WASMC_RESERVE_BYTES : 0), c64(lm, guard ? WASMC_GUARD_BYTES : 0),
        LLVMConstStringInContext2(lm->ctx, (const char *)hash, 32, true),
        cstring(lm, version, sizeof version - 1), cstring(lm, m->module_name.str, m->module_name.len),
        cstruct(lm, d.counts, counts_f, 7), cstruct(lm, d.layout, layout_f, 8),
        c32(lm, m->num_types), types,
        c32(lm, m->num_imports), imports,
        c32(lm, m->num_funcs), c32(lm, m->num_imported_funcs), func_types, func_code, func_names,
        c32(lm, m->num_tables), tables, c32(lm, m->num_memories), memories,
        c32(lm, m->num_globals), globals, c32(lm, m->num_exports), exports,
        c32(lm, m->has_start), c32(lm, m->has_start ? m->start_func : 0),
        c32(lm, m->num_elems), elems, c32(lm, m->num_datas), datas,
        bounds[0], bounds[1],
        c32(lm, !lm->exact_trap_state && guard),
    };
    char desc_name[32 + LOWER_PREFIX_MAX];
    snprintf(desc_name, sizeof desc_name, "%s%s", lm->symbol_prefix, WASMC_DESCRIPTOR_SYMBOL);
    LLVMValueRef desc = LLVMAddGlobal(lm->mod, d.desc, desc_name);
    LLVMSetInitializer(desc, cstruct(lm, d.desc, f, sizeof f / sizeof f[0]));
    LLVMSetGlobalConstant(desc, true);
    LLVMSetLinkage(desc, LLVMExternalLinkage);
    LLVMSetVisibility(desc, LLVMDefaultVisibility);
    LLVMSetAlignment(desc, 16);
    return true;
}
