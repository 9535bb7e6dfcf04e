/* Module validation (spec 3.4): the module-level rules, constant
 * expressions, then every function body through validate_func.
 *
 * Module-level checks run first and in section order, so by the time a
 * body is checked every index it can name has been checked to resolve to
 * something well-formed (a function's type index, a table's limits, ...).
 * Constant expressions are re-walked from their bytes rather than trusted
 * from the decoder's summary, because the decoder accepts any instruction
 * sequence there (a non-constant instruction is invalid, not malformed).
 * `global.get` in a constant expression may name only imported, immutable
 * globals (see check_const).
 */
#include <stdlib.h>
#include <string.h>

#include "instr.h"
#include "leb128.h"
#include "module.h"
#include "validate_func.h"

#define MAX_PAGES 65536u

enum { SEC_IMPORT = 2, SEC_FUNC = 3, SEC_TABLE = 4, SEC_MEMORY = 5, SEC_EXPORT = 7, SEC_START = 8 };

/* Where section `id` starts, so errors about entries the Module keeps no
 * offset for (limits, exports, the start function) still point into the
 * right section.  The module decoded, so the headers are well-formed. */
static size_t section_offset(const Module *m, uint8_t id) {
    size_t pos = 8;
    while (pos < m->size) {
        size_t at = pos;
        uint8_t sid = m->bytes[pos++];
        uint64_t len = 0;
        if (leb_read(m->bytes, &pos, m->size, 32, false, &len) != LEB_OK) break;
        if (sid == id) return at;
        pos += len;
    }
    return WASM_NO_OFFSET;
}

static bool invalid(WasmError *err, size_t at, const char *msg) {
    return wasm_error(err, WASM_ERR_INVALID, at, "%s", msg);
}

static bool check_limits(const Limits *l, uint64_t bound, const char *too_big, size_t at, WasmError *err) {
    if (bound && (l->min > bound || (l->has_max && l->max > bound))) return invalid(err, at, too_big);
    if (l->has_max && l->min > l->max) return invalid(err, at, "size minimum must not be greater than maximum");
    return true;
}

static bool check_memory(const Module *m, const Memory *mem, WasmError *err) {
    return check_limits(&mem->limits, MAX_PAGES, "memory size must be at most 65536 pages (4GiB)",
                        section_offset(m, mem->imported ? SEC_IMPORT : SEC_MEMORY), err);
}

static bool check_table(const Module *m, const Table *t, WasmError *err) {
    return check_limits(&t->limits, 0, NULL, section_offset(m, t->imported ? SEC_IMPORT : SEC_TABLE), err);
}

/* The operand stack of a constant expression is bounded by the runtime's
 * evaluator (WASMC_CONST_STACK in the artifact format). */
#define MAX_CONST_STACK 64u

/* A constant expression must produce exactly one value of type `want`;
 * it sees globals below `known_globals` (a global's initialiser only the
 * ones before it).
 * Since 3.0 (extended constant expressions) it may also compute with
 * i32/i64 add, sub and mul.  `global.get` may name only imported immutable
 * globals: 3.0 also allows earlier module-defined ones (from the GC
 * proposal), which 2.0 calls invalid; wasmc refuses those as unsupported,
 * which keeps the 2.0 suite's verdicts. */
static bool check_const(const Module *m, const ConstExpr *ce, uint8_t want, uint32_t known_globals, WasmError *err) {
    if (ce->end == 0) { /* a bare function index in an element segment */
        if (ce->index >= m->num_funcs)
            return wasm_error(err, WASM_ERR_INVALID, ce->offset, "unknown function %u", ce->index);
        if (want != VT_FUNCREF) return invalid(err, ce->offset, "type mismatch");
        return true;
    }
    InstrReader r;
    instr_reader_init(&r, m->bytes, ce->offset, ce->end);
    Instr in;
    uint8_t stack[MAX_CONST_STACK];
    uint32_t depth = 0;
    /* Constness is reported before typing (as the reference interpreter
     * does), so a typing error is only noted while the scan goes on. */
    bool mistyped = false;
    for (;;) {
        if (!instr_next(&r, &in, err)) return false;
        uint8_t t = 0;
        switch (in.op) {
        case OP_END:
            if (mistyped || depth != 1 || stack[0] != want || r.pos != ce->end)
                return invalid(err, in.offset, "type mismatch");
            return true;
        case OP_I32_CONST: t = VT_I32; break;
        case OP_I64_CONST: t = VT_I64; break;
        case OP_F32_CONST: t = VT_F32; break;
        case OP_F64_CONST: t = VT_F64; break;
        case OP_V128_CONST: t = VT_V128; break;
        case OP_REF_NULL: t = in.reftype; break;
        case OP_REF_FUNC:
            if (in.index >= m->num_funcs)
                return wasm_error(err, WASM_ERR_INVALID, in.offset, "unknown function %u", in.index);
            t = VT_FUNCREF;
            break;
        case OP_GLOBAL_GET:
            if (in.index >= known_globals)
                return wasm_error(err, WASM_ERR_INVALID, in.offset, "unknown global %u", in.index);
            if (in.index >= m->num_imported_globals)
                return wasm_unsupported(err, in.offset, WASM_FEATURE_GC,
                                        "global.get of a module-defined global in a constant expression");
            if (m->globals[in.index].mutable_)
                return invalid(err, in.offset, "constant expression required");
            t = m->globals[in.index].type;
            break;
        case OP_I32_ADD: case OP_I32_SUB: case OP_I32_MUL:
        case OP_I64_ADD: case OP_I64_SUB: case OP_I64_MUL: {
            uint8_t vt = in.op == OP_I32_ADD || in.op == OP_I32_SUB || in.op == OP_I32_MUL ? VT_I32 : VT_I64;
            if (depth < 2 || stack[depth - 1] != vt || stack[depth - 2] != vt) mistyped = true;
            depth = depth >= 2 ? depth - 2 : 0;
            t = vt;
            break;
        }
        default:
            return invalid(err, in.offset, "constant expression required");
        }
        if (depth == MAX_CONST_STACK)
            return wasm_error(err, WASM_ERR_LIMIT, in.offset,
                              "constant expression holds more than %u values at once; wasmc allows %u",
                              MAX_CONST_STACK, MAX_CONST_STACK);
        stack[depth++] = t;
    }
}

static int cmp_names(const void *a, const void *b) {
    const Name *x = *(const Name *const *)a, *y = *(const Name *const *)b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return memcmp(x->str, y->str, x->len);
}

static bool check_exports(const Module *m, WasmError *err) {
    for (uint32_t i = 0; i < m->num_exports; i++) {
        const Export *e = &m->exports[i];
        uint32_t n = 0;
        const char *what = "";
        switch (e->kind) {
        case EXTERN_FUNC: n = m->num_funcs; what = "function"; break;
        case EXTERN_TABLE: n = m->num_tables; what = "table"; break;
        case EXTERN_MEMORY: n = m->num_memories; what = "memory"; break;
        case EXTERN_GLOBAL: n = m->num_globals; what = "global"; break;
        }
        if (e->index >= n)
            return wasm_error(err, WASM_ERR_INVALID, section_offset(m, SEC_EXPORT), "unknown %s %u", what,
                              e->index);
    }
    if (m->num_exports < 2) return true;
    /* Sorting makes the uniqueness check O(n log n) for modules with many
     * exports. */
    const Name **names = malloc(m->num_exports * sizeof *names);
    if (!names) return wasm_error(err, WASM_ERR_LIMIT, WASM_NO_OFFSET, "out of memory");
    for (uint32_t i = 0; i < m->num_exports; i++) names[i] = &m->exports[i].name;
    qsort(names, m->num_exports, sizeof *names, cmp_names);
    bool ok = true;
    for (uint32_t i = 1; i < m->num_exports && ok; i++)
        if (cmp_names(&names[i - 1], &names[i]) == 0)
            ok = wasm_error(err, WASM_ERR_INVALID, section_offset(m, SEC_EXPORT), "duplicate export name \"%s\"",
                            names[i]->str);
    free(names);
    return ok;
}

bool module_validate(const Module *m, WasmError *err) {
    wasm_error_clear(err);
    for (uint32_t i = 0; i < m->num_funcs; i++) {
        if (m->funcs[i].type_index >= m->num_types)
            return wasm_error(err, WASM_ERR_INVALID, section_offset(m, m->funcs[i].imported ? SEC_IMPORT : SEC_FUNC),
                              "unknown type %u", m->funcs[i].type_index);
    }
    for (uint32_t i = 0; i < m->num_tables; i++)
        if (!check_table(m, &m->tables[i], err)) return false;
    if (m->num_memories > 1) {
        size_t at = section_offset(m, m->num_imported_memories > 1 ? SEC_IMPORT : SEC_MEMORY);
        /* Valid since 3.0 (multiple memories); not compiled yet. */
        return wasm_unsupported(err, at, WASM_FEATURE_MULTI_MEMORY, "more than one memory");
    }
    for (uint32_t i = 0; i < m->num_memories; i++)
        if (!check_memory(m, &m->memories[i], err)) return false;
    for (uint32_t i = m->num_imported_globals; i < m->num_globals; i++)
        if (!check_const(m, &m->globals[i].init, m->globals[i].type, i, err)) return false;
    if (!check_exports(m, err)) return false;
    if (m->has_start) {
        if (m->start_func >= m->num_funcs)
            return wasm_error(err, WASM_ERR_INVALID, section_offset(m, SEC_START), "unknown function %u",
                              m->start_func);
        const FuncType *ft = module_func_type(m, m->start_func);
        if (ft->num_params || ft->num_results) return invalid(err, section_offset(m, SEC_START), "start function");
    }
    for (uint32_t i = 0; i < m->num_elems; i++) {
        const ElemSegment *e = &m->elems[i];
        if (e->mode == SEG_ACTIVE) {
            if (e->table_index >= m->num_tables)
                return wasm_error(err, WASM_ERR_INVALID, e->offset.offset, "unknown table %u", e->table_index);
            if (!check_const(m, &e->offset, VT_I32, m->num_globals, err)) return false;
            if (m->tables[e->table_index].elem_type != e->elem_type)
                return invalid(err, e->offset.offset, "type mismatch");
        }
        for (uint32_t k = 0; k < e->num_items; k++)
            if (!check_const(m, &e->items[k], e->elem_type, m->num_globals, err)) return false;
    }
    for (uint32_t i = 0; i < m->num_datas; i++) {
        const DataSegment *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE) continue;
        if (d->memory_index >= m->num_memories)
            return wasm_error(err, WASM_ERR_INVALID, d->offset.offset, "unknown memory %u", d->memory_index);
        if (!check_const(m, &d->offset, VT_I32, m->num_globals, err)) return false;
    }
    ValidateScratch s = {0};
    bool ok = true;
    for (uint32_t i = m->num_imported_funcs; i < m->num_funcs && ok; i++)
        ok = validate_func(m, i, &s, err);
    validate_scratch_free(&s);
    return ok;
}
