/* The binary decoder: bytes -> Module (spec chapter 5).
 *
 * One pass over the sections with a cursor bounded by the current section,
 * so a read past a section's declared size fails at that boundary instead of
 * wandering into the next section.  Every vector count is checked against
 * the bytes left before anything is allocated (each entry takes at least
 * one byte), and the arena has a limit proportional to the input, so a
 * hostile module can neither allocate without bound nor loop.
 *
 * Index spaces are assembled lazily: imports are held aside until the first
 * section that comes after the function/table/memory/global section (or the
 * end of the module), then the imported entries are copied to the front of
 * the combined array.  Function bodies and constant expressions are walked
 * with instr_next so malformed instruction encodings are caught here; a
 * constant expression is recorded in its ConstExpr when it is one constant
 * instruction, and otherwise left for the validator to re-walk and reject
 * (a non-constant instruction is invalid, not malformed).
 */
#include <stdlib.h>
#include <string.h>

#include "instr.h"
#include "leb128.h"
#include "module.h"
#include "names.h"
#include "utf8.h"

/* Locals per function beyond which wasmc refuses a module: far past what
 * compilers emit, and it bounds the expanded local_types array. */
#define MAX_LOCALS 50000u
/* Parameters or results per function type, as in the JS API and the major
 * engines.  It bounds the work one block or call instruction can cost the
 * validator, so validation time stays proportional to the input. */
#define MAX_TYPE_ARITY 1000u

enum { SEC_CUSTOM = 0, SEC_TYPE, SEC_IMPORT, SEC_FUNC, SEC_TABLE, SEC_MEMORY, SEC_GLOBAL,
       SEC_EXPORT, SEC_START, SEC_ELEM, SEC_CODE, SEC_DATA, SEC_DATACOUNT };

/* Position of each section id in the required order (datacount sits
 * between element and code). */
static const uint8_t sec_rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};

typedef struct ImportDesc {
    uint32_t type_index;   /* func */
    uint8_t type;          /* table elem type / global value type */
    bool mutable_;
    Limits limits;         /* table, memory */
} ImportDesc;

typedef struct Dec {
    const uint8_t *b;
    size_t size;
    size_t pos, end;       /* cursor and the end of the current region */
    Module *m;
    WasmError *err;
    ImportDesc *idesc;
    uint32_t num_defined_funcs;
    uint32_t *defined_types;
    bool funcs_built, tables_built, mems_built, globals_built;
    bool have_func_sec, have_code_sec, have_data_sec;
    uint32_t customs_cap;
    bool have_names;
    size_t names_offset, names_size;
    /* 1 + offset of the first memory.init/data.drop seen without a data
     * count section; 0 if none. */
    size_t data_count_use;
    bool in_section;       /* reading section contents, for error wording */
    size_t code_count_mismatch; /* 1 + offset of a code count that disagrees */
    bool unbounded;        /* re-reading a short section past its end */
    uint8_t *open;         /* per nesting level: an `if` awaiting `else` */
    size_t open_cap;
} Dec;

/* ---- primitive readers ------------------------------------------------ */

static bool fail(Dec *d, size_t at, const char *msg) {
    return wasm_error(d->err, WASM_ERR_MALFORMED, at, "%s", msg);
}

static bool eof(Dec *d) {
    return fail(d, d->pos, d->in_section ? "unexpected end of section or function" : "unexpected end");
}

static bool oom(Dec *d) {
    return wasm_error(d->err, WASM_ERR_LIMIT, d->pos, "module too large: out of memory while decoding");
}

static bool rd_byte(Dec *d, uint8_t *v) {
    if (d->pos >= d->end) return eof(d);
    *v = d->b[d->pos++];
    return true;
}

static bool rd_leb(Dec *d, unsigned bits, bool sgn, uint64_t *v) {
    size_t at = d->pos;
    LebStatus s = leb_read(d->b, &d->pos, d->end, bits, sgn, v);
    if (s == LEB_OK) return true;
    if (s == LEB_EOF) {
        /* An integer cut off by the section end may also be overlong; the
         * spec suite expects the encoding error then, so look past the end
         * (within the input) to classify it. */
        size_t p = at;
        uint64_t ignored;
        LebStatus beyond = leb_read(d->b, &p, d->size, bits, sgn, &ignored);
        if (beyond == LEB_TOO_LONG || beyond == LEB_TOO_LARGE) return fail(d, at, leb_status_text(beyond));
        d->pos = d->end;
        return eof(d);
    }
    return fail(d, at, leb_status_text(s));
}

static bool rd_u32(Dec *d, uint32_t *v) {
    uint64_t x = 0;
    if (!rd_leb(d, 32, false, &x)) return false;
    *v = (uint32_t)x;
    return true;
}

/* A vector length; each entry needs at least min_bytes, so a count the
 * remaining bytes cannot hold is rejected before anything is allocated. */
static bool rd_count(Dec *d, uint32_t *n, size_t min_bytes) {
    if (!rd_u32(d, n)) return false;
    if ((uint64_t)*n * min_bytes > d->end - d->pos) {
        d->pos = d->end;
        return eof(d);
    }
    return true;
}

static bool rd_name(Dec *d, Name *name) {
    uint32_t len = 0;
    if (!rd_u32(d, &len)) return false;
    if (len > d->end - d->pos) return fail(d, d->pos, "length out of bounds");
    if (!utf8_valid(d->b + d->pos, len)) return fail(d, d->pos, "malformed UTF-8 encoding");
    name->str = arena_strndup(&d->m->arena, (const char *)d->b + d->pos, len);
    if (!name->str) return oom(d);
    name->len = len;
    d->pos += len;
    return true;
}

static bool is_valtype(uint8_t t) {
    return (t >= VT_V128 && t <= VT_I32) || t == VT_FUNCREF || t == VT_EXTERNREF;
}

static bool rd_valtype(Dec *d, uint8_t *t) {
    size_t at = d->pos;
    if (!rd_byte(d, t)) return false;
    if (valtype_feature(*t)) return wasm_unsupported(d->err, at, valtype_feature(*t), "reference type");
    if (!is_valtype(*t)) return fail(d, at, "malformed value type");
    return true;
}

static bool rd_reftype(Dec *d, uint8_t *t) {
    size_t at = d->pos;
    if (!rd_byte(d, t)) return false;
    if (valtype_feature(*t)) return wasm_unsupported(d->err, at, valtype_feature(*t), "reference type");
    if (!valtype_is_ref(*t)) return fail(d, at, "malformed reference type");
    return true;
}

static bool rd_limits(Dec *d, Limits *l) {
    size_t at = d->pos;
    uint8_t flags = 0;
    if (!rd_byte(d, &flags)) return false;
    if (flags & 0x80) return fail(d, at, "integer representation too long");
    /* 0x04/0x05: 64-bit addresses (memory64); 0x02/0x03 (shared) and 0x08
     * (page size) belong to proposals beyond 3.0 and stay malformed. */
    if (flags == 4 || flags == 5) return wasm_unsupported(d->err, at, WASM_FEATURE_MEMORY64, "64-bit limits");
    if (flags > 1) return fail(d, at, "integer too large");
    uint32_t v = 0;
    if (!rd_u32(d, &v)) return false;
    l->min = v;
    l->has_max = flags == 1;
    if (l->has_max) {
        if (!rd_u32(d, &v)) return false;
        l->max = v;
    }
    return true;
}

static bool rd_globaltype(Dec *d, uint8_t *t, bool *mut) {
    if (!rd_valtype(d, t)) return false;
    size_t at = d->pos;
    uint8_t m = 0;
    if (!rd_byte(d, &m)) return false;
    if (m > 1) return fail(d, at, "malformed mutability");
    *mut = m == 1;
    return true;
}

/* Runs the instruction reader over the current region from d->pos. */
static bool rd_instr(Dec *d, Instr *in) {
    InstrReader r;
    instr_reader_init(&r, d->b, d->pos, d->end);
    bool ok = instr_next(&r, in, d->err);
    d->pos = r.pos;
    return ok;
}

static void declare_func(Dec *d, uint32_t idx) {
    if (d->m->func_declared && idx < d->m->num_funcs) d->m->func_declared[idx] = true;
}

/* A constant expression: instructions up to the `end` that closes it.
 * Blocks are tracked only so the right `end` is found in expressions the
 * validator will reject anyway. */
static bool rd_const_expr(Dec *d, ConstExpr *ce) {
    memset(ce, 0, sizeof *ce);
    ce->offset = d->pos;
    ce->kind = CONST_I32;
    ce->type = 0; /* no type unless it is a single constant instruction */
    uint32_t depth = 0, count = 0;
    Instr in;
    for (;;) {
        if (d->pos >= d->end) return eof(d);
        if (!rd_instr(d, &in)) return false;
        if (in.op == OP_REF_FUNC) declare_func(d, in.index);
        if (in.op == OP_BLOCK || in.op == OP_LOOP || in.op == OP_IF) depth++;
        if (in.op == OP_END) {
            if (depth == 0) break;
            depth--;
        }
        if (++count > 1) continue;
        switch (in.op) {
        case OP_I32_CONST: ce->kind = CONST_I32; ce->type = VT_I32; ce->value.i32 = in.imm.i32; break;
        case OP_I64_CONST: ce->kind = CONST_I64; ce->type = VT_I64; ce->value.i64 = in.imm.i64; break;
        case OP_F32_CONST: ce->kind = CONST_F32; ce->type = VT_F32; ce->value.i32 = in.imm.i32; break;
        case OP_F64_CONST: ce->kind = CONST_F64; ce->type = VT_F64; ce->value.i64 = in.imm.i64; break;
        case OP_V128_CONST:
            ce->kind = CONST_V128;
            ce->type = VT_V128;
            memcpy(ce->value.v128, in.imm.v128, 16);
            break;
        case OP_REF_NULL: ce->kind = CONST_REF_NULL; ce->type = in.reftype; break;
        case OP_REF_FUNC: ce->kind = CONST_REF_FUNC; ce->type = VT_FUNCREF; ce->index = in.index; break;
        case OP_GLOBAL_GET:
            ce->kind = CONST_GLOBAL_GET;
            ce->index = in.index;
            if (d->m->globals && in.index < d->m->num_globals) ce->type = d->m->globals[in.index].type;
            break;
        default: break;
        }
    }
    if (count != 1) {
        ce->type = 0;
        ce->kind = CONST_EXTENDED;
    }
    ce->end = d->pos;
    return true;
}

/* ---- index spaces ----------------------------------------------------- */

static bool build_funcs(Dec *d) {
    Module *m = d->m;
    if (d->funcs_built) return true;
    d->funcs_built = true;
    uint64_t n = (uint64_t)m->num_imported_funcs + d->num_defined_funcs;
    if (n > UINT32_MAX) return fail(d, d->pos, "too many functions");
    m->num_funcs = (uint32_t)n;
    m->funcs = arena_array(&m->arena, n ? n : 1, sizeof(Func));
    m->func_declared = arena_array(&m->arena, n ? n : 1, sizeof(bool));
    if (!m->funcs || !m->func_declared) return oom(d);
    for (uint32_t i = 0; i < m->num_imports; i++) {
        const Import *im = &m->imports[i];
        if (im->kind != EXTERN_FUNC) continue;
        Func *f = &m->funcs[im->index];
        f->imported = true;
        f->import_index = i;
        f->type_index = d->idesc[i].type_index;
    }
    for (uint32_t i = 0; i < d->num_defined_funcs; i++)
        m->funcs[m->num_imported_funcs + i].type_index = d->defined_types[i];
    return true;
}

static bool build_tables(Dec *d, uint32_t ndefined) {
    Module *m = d->m;
    d->tables_built = true;
    uint64_t n = (uint64_t)m->num_imported_tables + ndefined;
    m->num_tables = (uint32_t)n;
    m->tables = arena_array(&m->arena, n ? n : 1, sizeof(Table));
    if (!m->tables) return oom(d);
    for (uint32_t i = 0; i < m->num_imports; i++) {
        const Import *im = &m->imports[i];
        if (im->kind != EXTERN_TABLE) continue;
        Table *t = &m->tables[im->index];
        t->imported = true;
        t->import_index = i;
        t->elem_type = d->idesc[i].type;
        t->limits = d->idesc[i].limits;
    }
    return true;
}

static bool build_mems(Dec *d, uint32_t ndefined) {
    Module *m = d->m;
    d->mems_built = true;
    uint64_t n = (uint64_t)m->num_imported_memories + ndefined;
    m->num_memories = (uint32_t)n;
    m->memories = arena_array(&m->arena, n ? n : 1, sizeof(Memory));
    if (!m->memories) return oom(d);
    for (uint32_t i = 0; i < m->num_imports; i++) {
        const Import *im = &m->imports[i];
        if (im->kind != EXTERN_MEMORY) continue;
        Memory *mem = &m->memories[im->index];
        mem->imported = true;
        mem->import_index = i;
        mem->limits = d->idesc[i].limits;
    }
    return true;
}

static bool build_globals(Dec *d, uint32_t ndefined) {
    Module *m = d->m;
    d->globals_built = true;
    uint64_t n = (uint64_t)m->num_imported_globals + ndefined;
    m->num_globals = (uint32_t)n;
    m->globals = arena_array(&m->arena, n ? n : 1, sizeof(Global));
    if (!m->globals) return oom(d);
    for (uint32_t i = 0; i < m->num_imports; i++) {
        const Import *im = &m->imports[i];
        if (im->kind != EXTERN_GLOBAL) continue;
        Global *g = &m->globals[im->index];
        g->imported = true;
        g->import_index = i;
        g->type = d->idesc[i].type;
        g->mutable_ = d->idesc[i].mutable_;
    }
    return true;
}

/* Before a section of rank `rank`, every index space defined by an earlier
 * section is final. */
static bool build_before(Dec *d, unsigned rank) {
    if (rank > sec_rank[SEC_FUNC] && !d->funcs_built && !build_funcs(d)) return false;
    if (rank > sec_rank[SEC_TABLE] && !d->tables_built && !build_tables(d, 0)) return false;
    if (rank > sec_rank[SEC_MEMORY] && !d->mems_built && !build_mems(d, 0)) return false;
    if (rank > sec_rank[SEC_GLOBAL] && !d->globals_built && !build_globals(d, 0)) return false;
    return true;
}

/* ---- sections ----------------------------------------------------------- */

static bool sec_type(Dec *d) {
    Module *m = d->m;
    if (!rd_count(d, &m->num_types, 1)) return false;
    m->types = arena_array(&m->arena, m->num_types ? m->num_types : 1, sizeof(FuncType));
    if (!m->types) return oom(d);
    for (uint32_t i = 0; i < m->num_types; i++) {
        FuncType *ft = &m->types[i];
        size_t at = d->pos;
        uint8_t form = 0;
        if (!rd_byte(d, &form)) return false;
        if (form == 0x4E || form == 0x4F || form == 0x50 || form == 0x5E || form == 0x5F)
            return wasm_unsupported(d->err, at, WASM_FEATURE_GC, "recursive, sub, struct or array type");
        if (form != 0x60)
            return fail(d, at, form & 0x80 ? "integer representation too long" : "malformed function type");
        if (!rd_count(d, &ft->num_params, 1)) return false;
        ft->params = arena_alloc(&m->arena, ft->num_params);
        if (!ft->params) return oom(d);
        for (uint32_t k = 0; k < ft->num_params; k++)
            if (!rd_valtype(d, &ft->params[k])) return false;
        if (!rd_count(d, &ft->num_results, 1)) return false;
        if (ft->num_params > MAX_TYPE_ARITY || ft->num_results > MAX_TYPE_ARITY)
            return wasm_error(d->err, WASM_ERR_LIMIT, at,
                              "function type has %u params and %u results; wasmc allows at most %u each",
                              ft->num_params, ft->num_results, MAX_TYPE_ARITY);
        ft->results = arena_alloc(&m->arena, ft->num_results);
        if (!ft->results) return oom(d);
        for (uint32_t k = 0; k < ft->num_results; k++)
            if (!rd_valtype(d, &ft->results[k])) return false;
    }
    return true;
}

static bool sec_import(Dec *d) {
    Module *m = d->m;
    if (!rd_count(d, &m->num_imports, 1)) return false;
    uint32_t n = m->num_imports ? m->num_imports : 1;
    m->imports = arena_array(&m->arena, n, sizeof(Import));
    d->idesc = arena_array(&m->arena, n, sizeof(ImportDesc));
    if (!m->imports || !d->idesc) return oom(d);
    for (uint32_t i = 0; i < m->num_imports; i++) {
        Import *im = &m->imports[i];
        ImportDesc *id = &d->idesc[i];
        if (!rd_name(d, &im->module) || !rd_name(d, &im->field)) return false;
        size_t at = d->pos;
        uint8_t kind = 0;
        if (!rd_byte(d, &kind)) return false;
        switch (kind) {
        case EXTERN_FUNC:
            if (!rd_u32(d, &id->type_index)) return false;
            im->index = m->num_imported_funcs++;
            break;
        case EXTERN_TABLE:
            if (!rd_reftype(d, &id->type) || !rd_limits(d, &id->limits)) return false;
            im->index = m->num_imported_tables++;
            break;
        case EXTERN_MEMORY:
            if (!rd_limits(d, &id->limits)) return false;
            im->index = m->num_imported_memories++;
            break;
        case EXTERN_GLOBAL:
            if (!rd_globaltype(d, &id->type, &id->mutable_)) return false;
            im->index = m->num_imported_globals++;
            break;
        case 4:
            return wasm_unsupported(d->err, at, WASM_FEATURE_EXCEPTIONS, "tag import");
        default:
            return fail(d, at, "malformed import kind");
        }
        im->kind = (ExternKind)kind;
    }
    return true;
}

static bool sec_func(Dec *d) {
    d->have_func_sec = true;
    if (!rd_count(d, &d->num_defined_funcs, 1)) return false;
    d->defined_types = arena_array(&d->m->arena, d->num_defined_funcs ? d->num_defined_funcs : 1,
                                   sizeof(uint32_t));
    if (!d->defined_types) return oom(d);
    for (uint32_t i = 0; i < d->num_defined_funcs; i++)
        if (!rd_u32(d, &d->defined_types[i])) return false;
    return build_funcs(d);
}

static bool sec_table(Dec *d) {
    uint32_t n = 0;
    if (!rd_count(d, &n, 1) || !build_tables(d, n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        Table *t = &d->m->tables[d->m->num_imported_tables + i];
        if (d->pos < d->end && d->b[d->pos] == 0x40)
            return wasm_unsupported(d->err, d->pos, WASM_FEATURE_FUNC_REFS, "table with an initialiser");
        if (!rd_reftype(d, &t->elem_type) || !rd_limits(d, &t->limits)) return false;
    }
    return true;
}

static bool sec_memory(Dec *d) {
    uint32_t n = 0;
    if (!rd_count(d, &n, 1) || !build_mems(d, n)) return false;
    for (uint32_t i = 0; i < n; i++)
        if (!rd_limits(d, &d->m->memories[d->m->num_imported_memories + i].limits)) return false;
    return true;
}

static bool sec_global(Dec *d) {
    uint32_t n = 0;
    if (!rd_count(d, &n, 1) || !build_globals(d, n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        Global *g = &d->m->globals[d->m->num_imported_globals + i];
        if (!rd_globaltype(d, &g->type, &g->mutable_) || !rd_const_expr(d, &g->init)) return false;
    }
    return true;
}

static bool sec_export(Dec *d) {
    Module *m = d->m;
    if (!rd_count(d, &m->num_exports, 1)) return false;
    m->exports = arena_array(&m->arena, m->num_exports ? m->num_exports : 1, sizeof(Export));
    if (!m->exports) return oom(d);
    for (uint32_t i = 0; i < m->num_exports; i++) {
        Export *e = &m->exports[i];
        if (!rd_name(d, &e->name)) return false;
        size_t at = d->pos;
        uint8_t kind = 0;
        if (!rd_byte(d, &kind)) return false;
        if (kind == 4) return wasm_unsupported(d->err, at, WASM_FEATURE_EXCEPTIONS, "tag export");
        if (kind > EXTERN_GLOBAL) return fail(d, at, "malformed export kind");
        e->kind = (ExternKind)kind;
        if (!rd_u32(d, &e->index)) return false;
        if (e->kind == EXTERN_FUNC) declare_func(d, e->index);
    }
    return true;
}

static bool sec_start(Dec *d) {
    d->m->has_start = true;
    return rd_u32(d, &d->m->start_func);
}

static bool rd_elemkind(Dec *d) {
    size_t at = d->pos;
    uint8_t k = 0;
    if (!rd_byte(d, &k)) return false;
    if (k != 0x00) return fail(d, at, "malformed element kind");
    return true;
}

static bool sec_elem(Dec *d) {
    Module *m = d->m;
    if (!rd_count(d, &m->num_elems, 1)) return false;
    m->elems = arena_array(&m->arena, m->num_elems ? m->num_elems : 1, sizeof(ElemSegment));
    if (!m->elems) return oom(d);
    for (uint32_t i = 0; i < m->num_elems; i++) {
        ElemSegment *e = &m->elems[i];
        size_t at = d->pos;
        uint32_t flags = 0;
        if (!rd_u32(d, &flags)) return false;
        if (flags > 7) return fail(d, at, "malformed elements segment kind");
        /* bit 0: passive/declarative, bit 1: explicit table (active) or
         * declarative (otherwise), bit 2: items are expressions. */
        bool passive_or_decl = flags & 1, bit1 = flags & 2, exprs = flags & 4;
        e->mode = !passive_or_decl ? SEG_ACTIVE : bit1 ? SEG_DECLARATIVE : SEG_PASSIVE;
        e->elem_type = VT_FUNCREF;
        if (e->mode == SEG_ACTIVE) {
            if (bit1 && !rd_u32(d, &e->table_index)) return false;
            if (!rd_const_expr(d, &e->offset)) return false;
        }
        if (passive_or_decl || bit1) {
            if (exprs ? !rd_reftype(d, &e->elem_type) : !rd_elemkind(d)) return false;
        }
        if (!rd_count(d, &e->num_items, 1)) return false;
        e->items = arena_array(&m->arena, e->num_items ? e->num_items : 1, sizeof(ConstExpr));
        if (!e->items) return oom(d);
        for (uint32_t k = 0; k < e->num_items; k++) {
            ConstExpr *ce = &e->items[k];
            if (exprs) {
                if (!rd_const_expr(d, ce)) return false;
            } else {
                ce->offset = d->pos;
                ce->kind = CONST_REF_FUNC;
                ce->type = VT_FUNCREF;
                ce->end = 0;
                if (!rd_u32(d, &ce->index)) return false;
                declare_func(d, ce->index);
            }
        }
    }
    return true;
}

static bool sec_datacount(Dec *d) {
    d->m->has_data_count = true;
    return rd_u32(d, &d->m->data_count);
}

static bool rd_body(Dec *d, Func *f, size_t body_end) {
    Module *m = d->m;
    size_t section_end = d->end;
    d->end = body_end;
    f->body_offset = d->pos;
    f->body_end = body_end;
    uint32_t nentries;
    if (!rd_count(d, &nentries, 1)) return false;
    /* First pass: count, so the expansion is allocated once. */
    size_t locals_pos = d->pos;
    uint64_t total = 0;
    for (uint32_t i = 0; i < nentries; i++) {
        uint32_t n = 0;
        uint8_t t = 0;
        if (!rd_u32(d, &n) || !rd_valtype(d, &t)) return false;
        total += n;
        if (total > UINT32_MAX) return fail(d, locals_pos, "too many locals");
    }
    if (total > MAX_LOCALS)
        return wasm_error(d->err, WASM_ERR_LIMIT, locals_pos, "too many locals (%llu, wasmc allows %u)",
                          (unsigned long long)total, MAX_LOCALS);
    f->num_locals = (uint32_t)total;
    f->local_types = arena_alloc(&m->arena, total ? total : 1);
    if (!f->local_types) return oom(d);
    d->pos = locals_pos;
    uint32_t k = 0;
    for (uint32_t i = 0; i < nentries; i++) {
        uint32_t n = 0;
        uint8_t t = 0;
        if (!rd_u32(d, &n) || !rd_valtype(d, &t)) return false;
        memset(f->local_types + k, t, n);
        k += n;
    }
    f->code_offset = d->pos;

    /* open[k] says whether the k-th enclosing construct is an `if` still
     * waiting for its `else`: the binary grammar allows `else` nowhere
     * else, so a stray one is malformed (as the spec interpreter reports,
     * the block ends without its END). */
    uint32_t depth = 0;
    Instr in;
    for (;;) {
        if (d->pos >= body_end) {
            return fail(d, d->pos, body_end == section_end ? "unexpected end of section or function"
                                                           : "END opcode expected");
        }
        if (!rd_instr(d, &in)) return false;
        switch (in.op) {
        case OP_BLOCK: case OP_LOOP: case OP_IF:
            if (depth == d->open_cap) {
                size_t cap = d->open_cap ? d->open_cap * 2 : 64;
                uint8_t *p = realloc(d->open, cap);
                if (!p) return oom(d);
                d->open = p;
                d->open_cap = cap;
            }
            d->open[depth++] = in.op == OP_IF;
            break;
        case OP_ELSE:
            if (depth == 0 || !d->open[depth - 1]) return fail(d, in.offset, "END opcode expected");
            d->open[depth - 1] = 0;
            break;
        case OP_END:
            if (depth == 0) {
                if (d->pos != body_end && !d->unbounded) return fail(d, d->pos, "section size mismatch");
                d->end = section_end;
                return true;
            }
            depth--;
            break;
        case OP_MEMORY_INIT: case OP_DATA_DROP:
            if (!m->has_data_count && !d->data_count_use) d->data_count_use = in.offset + 1;
            break;
        default:
            break;
        }
    }
}

static bool sec_code(Dec *d) {
    Module *m = d->m;
    d->have_code_sec = true;
    size_t at = d->pos;
    uint32_t n = 0;
    if (!rd_count(d, &n, 1)) return false;
    if (n != d->num_defined_funcs) {
        /* Reported after the remaining sections, which the spec suite
         * expects to be checked first (e.g. a repeated code section). */
        d->code_count_mismatch = at + 1;
        d->pos = d->end;
        return true;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size = 0;
        if (!rd_u32(d, &size)) return false;
        if (size > d->end - d->pos) return fail(d, d->pos, "length out of bounds");
        size_t body_end = d->unbounded ? d->size : d->pos + size;
        if (!rd_body(d, &m->funcs[m->num_imported_funcs + i], body_end)) return false;
    }
    return true;
}

static bool sec_data(Dec *d) {
    Module *m = d->m;
    d->have_data_sec = true;
    size_t at = d->pos;
    if (!rd_count(d, &m->num_datas, 1)) return false;
    if (m->has_data_count && m->num_datas != m->data_count)
        return fail(d, at, "data count and data section have inconsistent lengths");
    m->datas = arena_array(&m->arena, m->num_datas ? m->num_datas : 1, sizeof(DataSegment));
    if (!m->datas) return oom(d);
    for (uint32_t i = 0; i < m->num_datas; i++) {
        DataSegment *s = &m->datas[i];
        size_t fat = d->pos;
        uint32_t flags = 0;
        if (!rd_u32(d, &flags)) return false;
        if (flags > 2) return fail(d, fat, "malformed data segment kind");
        s->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
        if (flags == 2 && !rd_u32(d, &s->memory_index)) return false;
        if (flags != 1 && !rd_const_expr(d, &s->offset)) return false;
        if (!rd_u32(d, &s->size)) return false;
        if (s->size > d->end - d->pos) return fail(d, d->pos, "unexpected end of section or function");
        s->data_offset = d->pos;
        d->pos += s->size;
    }
    return true;
}

static bool sec_custom(Dec *d) {
    Module *m = d->m;
    Name name;
    if (!rd_name(d, &name)) return false;
    if (m->num_customs == d->customs_cap) {
        uint32_t cap = d->customs_cap ? d->customs_cap * 2 : 4;
        CustomSection *c = arena_array(&m->arena, cap, sizeof(CustomSection));
        if (!c) return oom(d);
        if (m->num_customs) memcpy(c, m->customs, m->num_customs * sizeof(CustomSection));
        m->customs = c;
        d->customs_cap = cap;
    }
    CustomSection *c = &m->customs[m->num_customs++];
    c->name = name;
    c->offset = d->pos;
    c->size = d->end - d->pos;
    if (name.len == 4 && memcmp(name.str, "name", 4) == 0 && !d->have_names) {
        d->have_names = true;
        d->names_offset = c->offset;
        d->names_size = c->size;
    }
    d->pos = d->end;
    return true;
}

/* ---- module ------------------------------------------------------------- */

static bool parse_section(Dec *d, uint8_t id) {
    switch (id) {
    case SEC_CUSTOM: return sec_custom(d);
    case SEC_TYPE: return sec_type(d);
    case SEC_IMPORT: return sec_import(d);
    case SEC_FUNC: return sec_func(d);
    case SEC_TABLE: return sec_table(d);
    case SEC_MEMORY: return sec_memory(d);
    case SEC_GLOBAL: return sec_global(d);
    case SEC_EXPORT: return sec_export(d);
    case SEC_START: return sec_start(d);
    case SEC_ELEM: return sec_elem(d);
    case SEC_CODE: return sec_code(d);
    case SEC_DATA: return sec_data(d);
    case SEC_DATACOUNT: return sec_datacount(d);
    }
    return fail(d, d->pos, "malformed section id");
}

/* A section cut short before the end of the input.  The spec's reference
 * decoder does not stop at a section's declared end: it reads on into the
 * following bytes and compares positions afterwards, so its error describes
 * what those bytes look like ("illegal opcode", "length out of bounds"), or
 * is "section size mismatch" when they happen to complete the section.
 * Re-reading the section that way gives the message the spec suite
 * expects; the module is rejected either way, and the re-read is bounded
 * by the input. */
static void reparse_unbounded(Dec *d, uint8_t id, size_t start, size_t sec_end) {
    WasmError *outer = d->err, second;
    wasm_error_clear(&second);
    d->err = &second;
    d->pos = start;
    d->end = d->size;
    d->unbounded = true;
    bool ok = parse_section(d, id);
    d->err = outer;
    if (ok) {
        wasm_error_clear(outer);
        fail(d, sec_end, "section size mismatch");
    } else if (strncmp(second.message, "unexpected end", 14) != 0) {
        *outer = second;
    }
}

static bool decode(Dec *d) {
    static const uint8_t magic[4] = {0x00, 0x61, 0x73, 0x6D};
    static const uint8_t version[4] = {0x01, 0x00, 0x00, 0x00};
    Module *m = d->m;
    if (d->size < 4) return fail(d, d->size, "unexpected end");
    if (memcmp(d->b, magic, 4) != 0) return fail(d, 0, "magic header not detected");
    if (d->size < 8) return fail(d, d->size, "unexpected end");
    if (memcmp(d->b + 4, version, 4) != 0) return fail(d, 4, "unknown binary version");
    d->pos = 8;
    unsigned last_rank = 0;
    while (d->pos < d->size) {
        size_t sec_at = d->pos;
        d->end = d->size;
        uint8_t id = d->b[d->pos++];
        if (id == 13) return wasm_unsupported(d->err, sec_at, WASM_FEATURE_EXCEPTIONS, "tag section");
        if (id > SEC_DATACOUNT) return fail(d, sec_at, "malformed section id");
        uint32_t size = 0;
        if (!rd_u32(d, &size)) return false;
        if (size > d->size - d->pos) return fail(d, d->pos, "length out of bounds");
        d->end = d->pos + size;
        d->in_section = true;
        if (id != SEC_CUSTOM) {
            unsigned rank = sec_rank[id];
            if (rank <= last_rank) return fail(d, sec_at, "unexpected content after last section");
            last_rank = rank;
            if (!build_before(d, rank)) return false;
        }
        size_t start = d->pos, sec_end = d->end;
        if (!parse_section(d, id)) {
            /* (Custom sections are read within their bounds there too.) */
            if (id != SEC_CUSTOM && sec_end < d->size && strncmp(d->err->message, "unexpected end", 14) == 0)
                reparse_unbounded(d, id, start, sec_end);
            return false;
        }
        if (d->pos != d->end) return fail(d, d->pos, "section size mismatch");
        d->in_section = false;
    }
    d->end = d->size;
    if (!build_before(d, 0xFF)) return false;
    if (d->code_count_mismatch)
        return fail(d, d->code_count_mismatch - 1, "function and code section have inconsistent lengths");
    if (!d->have_code_sec && d->num_defined_funcs != 0)
        return fail(d, d->size, "function and code section have inconsistent lengths");
    if (!d->have_data_sec && m->has_data_count && m->data_count != 0)
        return fail(d, d->size, "data count and data section have inconsistent lengths");
    /* Without a data count section, a body naming data segments is
     * malformed only if there are data segments to name; with none, the
     * index is simply unknown, which the validator reports. */
    if (d->data_count_use && d->have_data_sec)
        return fail(d, d->data_count_use - 1, "data count section required");
    if (d->have_names) names_parse(m, d->names_offset, d->names_size);
    return true;
}

bool module_decode(const uint8_t *bytes, size_t size, Module *out, WasmError *err) {
    wasm_error_clear(err);
    memset(out, 0, sizeof *out);
    /* Generous for real modules (element items are the densest case, about
     * 56 bytes of ConstExpr per 1-3 input bytes) yet finite for hostile
     * ones, e.g. tiny bodies declaring thousands of locals each. */
    size_t limit = (size_t)32 << 20;
    limit += size > SIZE_MAX / 128 - limit ? SIZE_MAX / 2 : size * 64;
    arena_init(&out->arena, limit);
    out->bytes = bytes;
    out->size = size;
    Dec d = {.b = bytes, .size = size, .pos = 0, .end = size, .m = out, .err = err};
    if (!bytes && size) {
        arena_free(&out->arena);
        return wasm_error(err, WASM_ERR_INTERNAL, 0, "no input");
    }
    bool ok = decode(&d);
    free(d.open);
    if (!ok) {
        if (!wasm_error_is_set(err)) wasm_error(err, WASM_ERR_INTERNAL, d.pos, "decoder failed without an error");
        arena_free(&out->arena);
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}

void module_free(Module *m) {
    arena_free(&m->arena);
    memset(m, 0, sizeof *m);
}
