/* Decoding the component binary format (Binary.md, the synchronous
 * subset of WASI 0.2) into the definitions of component.h.
 *
 * Only the encoding is checked here (lengths, opcodes, LEB128s, UTF-8,
 * section sizes); typing and name rules are flatten.c's and cvalidate.c's.
 * Each embedded core module is decoded and validated by the core front
 * end, its error offsets moved to the component file.  Features beyond
 * the synchronous subset (async, streams, futures, error-context, threads,
 * fixed-length lists, maps, values, start) are refused as "unsupported:"
 * at the byte that names them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../leb128.h"
#include "../utf8.h"
#include "component.h"
#include "wasmc/component_plan.h"

#define MAX_NESTING 100u

typedef struct Reader {
    CFile *f;
    const uint8_t *b;
    size_t pos, end;
    WasmError *err;
    unsigned depth;
} Reader;

#define MALFORMED(r, off, ...) wasm_error((r)->err, WASM_ERR_MALFORMED, (off), __VA_ARGS__)
#define UNSUPPORTED(r, off, ...) wasm_error((r)->err, WASM_ERR_UNSUPPORTED, (off), "unsupported: " __VA_ARGS__)

static bool rd_byte(Reader *r, uint8_t *out) {
    *out = 0;
    if (r->pos >= r->end) return MALFORMED(r, r->pos, "unexpected end");
    *out = r->b[r->pos++];
    return true;
}

static bool rd_u32(Reader *r, uint32_t *out) {
    uint64_t v = 0;
    *out = 0;
    size_t at = r->pos;
    LebStatus st = leb_read(r->b, &r->pos, r->end, 32, false, &v);
    if (st != LEB_OK) return MALFORMED(r, at, "%s", leb_status_text(st));
    *out = (uint32_t)v;
    return true;
}

/* A count of items each at least `min_bytes` long, so a hostile count
 * cannot make us allocate more than the input could describe. */
static bool rd_count(Reader *r, uint32_t *out, size_t min_bytes) {
    size_t at = r->pos;
    if (!rd_u32(r, out)) return false;
    if (*out > WASMC_PLAN_MAX_ITEMS) return wasm_error(r->err, WASM_ERR_LIMIT, at, "too many items (%u)", *out);
    if (min_bytes && (uint64_t)*out * min_bytes > r->end - r->pos) return MALFORMED(r, at, "unexpected end");
    return true;
}

static bool rd_name(Reader *r, const char **out) {
    uint32_t len;
    size_t at = r->pos;
    if (!rd_u32(r, &len)) return false;
    if (len > r->end - r->pos) return MALFORMED(r, at, "unexpected end");
    if (!utf8_valid(r->b + r->pos, len)) return MALFORMED(r, r->pos, "malformed UTF-8 encoding");
    if (memchr(r->b + r->pos, 0, len)) return MALFORMED(r, r->pos, "name contains a NUL character");
    char *s = arena_strndup(&r->f->arena, (const char *)r->b + r->pos, len);
    if (!s) return wasm_error(r->err, WASM_ERR_LIMIT, at, "out of memory");
    r->pos += len;
    *out = s;
    return true;
}

static void *alloc_n(Reader *r, size_t n, size_t size) {
    void *p = arena_array(&r->f->arena, n ? n : 1, size);
    if (!p) wasm_error(r->err, WASM_ERR_LIMIT, r->pos, "out of memory");
    else memset(p, 0, (n ? n : 1) * size);
    return p;
}

/* ---- Sorts ---------------------------------------------------------------- */

static bool rd_core_sort(Reader *r, uint16_t *out) {
    size_t at = r->pos;
    uint8_t s;
    if (!rd_byte(r, &s)) return false;
    switch (s) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x10: case 0x11: case 0x12:
        *out = (uint16_t)(CS_CORE + s);
        return true;
    case 0x04: return UNSUPPORTED(r, at, "core tags (exception handling)");
    default: return MALFORMED(r, at, "invalid core sort 0x%02x", s);
    }
}

static bool rd_sort(Reader *r, uint16_t *out) {
    size_t at = r->pos;
    uint8_t s;
    if (!rd_byte(r, &s)) return false;
    switch (s) {
    case 0x00: return rd_core_sort(r, out);
    case 0x01: case 0x03: case 0x04: case 0x05: *out = s; return true;
    case 0x02: return UNSUPPORTED(r, at, "component values");
    default: return MALFORMED(r, at, "invalid sort 0x%02x", s);
    }
}

/* ---- Types ------------------------------------------------------------------ */

static bool is_primitive(uint8_t b) { return b >= 0x73 && b <= 0x7f; }

static bool rd_valtype(Reader *r, CValRef *out) {
    size_t at = r->pos;
    if (r->pos < r->end && r->b[r->pos] == 0x64) return UNSUPPORTED(r, at, "error-context");
    uint64_t v;
    LebStatus st = leb_read(r->b, &r->pos, r->end, 33, true, &v);
    if (st != LEB_OK) return MALFORMED(r, at, "%s", leb_status_text(st));
    int64_t s = (int64_t)v;
    if (s >= 0) {
        out->is_index = true;
        out->v = (uint32_t)s;
        return true;
    }
    uint8_t code = (uint8_t)(s & 0x7f);
    if (s < -64 || !is_primitive(code)) return MALFORMED(r, at, "invalid value type");
    out->is_index = false;
    out->v = code;
    return true;
}

static bool rd_opt_valtype(Reader *r, CValRef *out, bool *has) {
    size_t at = r->pos;
    uint8_t flag;
    if (!rd_byte(r, &flag)) return false;
    if (flag > 1) return MALFORMED(r, at, "invalid optional value type flag 0x%02x", flag);
    *has = flag == 1;
    return !*has || rd_valtype(r, out);
}

static bool rd_labels(Reader *r, CTypeDef *t) {
    if (!rd_count(r, &t->n, 1)) return false;
    if (!(t->names = alloc_n(r, t->n, sizeof *t->names))) return false;
    for (uint32_t i = 0; i < t->n; i++)
        if (!rd_name(r, &t->names[i])) return false;
    return true;
}

static bool rd_decls(Reader *r, CTypeDef *t, bool component);
static bool rd_core_type(Reader *r, bool *is_module, FuncType *ft);

static bool rd_core_functype(Reader *r, FuncType *ft) {
    uint32_t np, nr;
    if (!rd_count(r, &np, 1)) return false;
    ft->num_params = np;
    if (!(ft->params = alloc_n(r, np, 1))) return false;
    for (uint32_t i = 0; i < np; i++) if (!rd_byte(r, &ft->params[i])) return false;
    if (!rd_count(r, &nr, 1)) return false;
    ft->num_results = nr;
    if (!(ft->results = alloc_n(r, nr, 1))) return false;
    for (uint32_t i = 0; i < nr; i++) if (!rd_byte(r, &ft->results[i])) return false;
    for (uint32_t i = 0; i < np + nr; i++) {
        uint8_t t = i < np ? ft->params[i] : ft->results[i - np];
        if (!(t == VT_I32 || t == VT_I64 || t == VT_F32 || t == VT_F64 || t == VT_V128 || valtype_is_ref(t)))
            return MALFORMED(r, r->pos, "invalid core value type 0x%02x", t);
    }
    return true;
}

#define INVALID(r, off, ...) wasm_error((r)->err, WASM_ERR_INVALID, (off), __VA_ARGS__)

/* Core limits of a module type's table or memory. */
static bool rd_core_limits(Reader *r, bool memory, size_t at) {
    uint8_t fl;
    uint32_t min, max = 0;
    if (!rd_byte(r, &fl)) return false;
    if (fl > 1) return UNSUPPORTED(r, at, "core limits flags 0x%02x (memory64, shared)", fl);
    if (!rd_u32(r, &min)) return false;
    if ((fl & 1) && !rd_u32(r, &max)) return false;
    if ((fl & 1) && min > max) return INVALID(r, at, "size minimum must not be greater than maximum");
    if (memory && (min > 65536 || max > 65536)) return INVALID(r, at, "memory size must be at most 65536 pages (4GiB)");
    return true;
}

/* A module type (the type of an imported or exported core module, which
 * wasmc refuses to import): its declarators are decoded and validated as
 * the core spec validates a module's imports and exports. */
static bool rd_module_type(Reader *r) {
    uint32_t n;
    if (!rd_count(r, &n, 1)) return false;
    const char **exports = alloc_n(r, n, sizeof *exports);
    const char **imports = alloc_n(r, 2 * (size_t)n, sizeof *imports);
    if (!exports || !imports) return false;
    uint32_t ntypes = 0, nexports = 0, nimports = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t dat = r->pos;
        uint8_t d, kind;
        const char *s1 = NULL, *s2 = NULL;
        uint32_t x;
        if (!rd_byte(r, &d)) return false;
        switch (d) {
        case 0x00: /* import */
            if (!rd_name(r, &s1) || !rd_name(r, &s2)) return false;
            for (uint32_t k = 0; k < nimports; k++)
                if (strcmp(imports[2 * k], s1) == 0 && strcmp(imports[2 * k + 1], s2) == 0)
                    return INVALID(r, dat, "duplicate import name `%s:%s`", s1, s2);
            imports[2 * nimports] = s1;
            imports[2 * nimports++ + 1] = s2;
            break;
        case 0x01: {
            bool m;
            FuncType inner;
            if (!rd_core_type(r, &m, &inner)) return false;
            if (m) return INVALID(r, dat, "module types may not nest in module types");
            ntypes++;
            continue;
        }
        case 0x02: {
            uint8_t a, b;
            if (!rd_byte(r, &a) || !rd_byte(r, &b) || !rd_u32(r, &x) || !rd_u32(r, &x)) return false;
            if (a != 0x10 || b != 0x01) return MALFORMED(r, dat, "invalid core alias in a module type");
            ntypes++;
            continue;
        }
        case 0x03:
            if (!rd_name(r, &s1)) return false;
            for (uint32_t k = 0; k < nexports; k++)
                if (strcmp(exports[k], s1) == 0) return INVALID(r, dat, "export name `%s` already defined", s1);
            exports[nexports++] = s1;
            break;
        default:
            return MALFORMED(r, dat, "invalid module type declarator 0x%02x", d);
        }
        size_t kat = r->pos;
        if (!rd_byte(r, &kind)) return false;
        switch (kind) {
        case 0x00:
            if (!rd_u32(r, &x)) return false;
            if (x >= ntypes) return INVALID(r, kat, "type index out of bounds");
            break;
        case 0x01: {
            uint8_t et;
            if (!rd_byte(r, &et)) return false;
            if (!(et == VT_FUNCREF || et == VT_EXTERNREF)) return MALFORMED(r, kat, "invalid table element type");
            if (!rd_core_limits(r, false, kat)) return false;
            break;
        }
        case 0x02:
            if (!rd_core_limits(r, true, kat)) return false;
            break;
        case 0x03: {
            uint8_t t, m;
            if (!rd_byte(r, &t) || !rd_byte(r, &m)) return false;
            if (m > 1) return MALFORMED(r, kat, "malformed mutability");
            break;
        }
        case 0x04: return UNSUPPORTED(r, kat, "core tags (exception handling)");
        default: return MALFORMED(r, kat, "invalid core extern kind 0x%02x", kind);
        }
    }
    return true;
}

static bool rd_core_type(Reader *r, bool *is_module, FuncType *ft) {
    size_t at = r->pos;
    uint8_t k;
    if (!rd_byte(r, &k)) return false;
    if (k == 0x60) {
        *is_module = false;
        return rd_core_functype(r, ft);
    }
    if (k == 0x50) {
        *is_module = true;
        return rd_module_type(r);
    }
    if (k == 0x00 || k == 0x4e || k == 0x4f || k == 0x5e || k == 0x5f)
        return UNSUPPORTED(r, at, "core GC types");
    return MALFORMED(r, at, "invalid core type 0x%02x", k);
}

static bool rd_externtype(Reader *r, CExternType *e) {
    size_t at = r->pos;
    uint8_t k;
    if (!rd_byte(r, &k)) return false;
    switch (k) {
    case 0x00: {
        uint8_t m;
        if (!rd_byte(r, &m)) return false;
        if (m != 0x11) return MALFORMED(r, at, "invalid core extern type 0x%02x", m);
        e->sort = CS_CORE_MODULE;
        return rd_u32(r, &e->index);
    }
    case 0x01: e->sort = CS_FUNC; return rd_u32(r, &e->index);
    case 0x02: return UNSUPPORTED(r, at, "component values");
    case 0x03: {
        uint8_t b;
        e->sort = CS_TYPE;
        size_t bat = r->pos;
        if (!rd_byte(r, &b)) return false;
        if (b == 0x00) return rd_u32(r, &e->index);
        if (b == 0x01) { e->bound_sub = true; return true; }
        return MALFORMED(r, bat, "invalid type bound 0x%02x", b);
    }
    case 0x04: e->sort = CS_COMPONENT; return rd_u32(r, &e->index);
    case 0x05: e->sort = CS_INSTANCE; return rd_u32(r, &e->index);
    default: return MALFORMED(r, at, "invalid extern type 0x%02x", k);
    }
}

/* nameattributes: 0x00/0x01 name, or 0x02 name + attributes (refused). */
static bool rd_externname(Reader *r, const char **out) {
    size_t at = r->pos;
    uint8_t k;
    if (!rd_byte(r, &k)) return false;
    if (k == 0x02) return UNSUPPORTED(r, at, "import/export name attributes");
    if (k > 0x01) return MALFORMED(r, at, "invalid extern name kind 0x%02x", k);
    return rd_name(r, out);
}

static bool rd_alias_target(Reader *r, CAlias *a) {
    size_t at = r->pos;
    uint8_t tag;
    if (!rd_sort(r, &a->sort) || !rd_byte(r, &tag)) return false;
    a->tag = tag;
    switch (tag) {
    case 0x00:
    case 0x01:
        if (tag == 0x01 && !(a->sort & CS_CORE)) return MALFORMED(r, at, "core export alias of a component sort");
        return rd_u32(r, &a->instance) && rd_name(r, &a->name);
    case 0x02:
        return rd_u32(r, &a->instance) && rd_u32(r, &a->index);
    default: return MALFORMED(r, at, "invalid alias target 0x%02x", tag);
    }
}

static bool rd_functype(Reader *r, CTypeDef *t) {
    t->kind = TD_FUNC;
    if (!rd_count(r, &t->n, 2)) return false;
    if (!(t->names = alloc_n(r, t->n, sizeof *t->names)) || !(t->types = alloc_n(r, t->n, sizeof *t->types)))
        return false;
    for (uint32_t i = 0; i < t->n; i++)
        if (!rd_name(r, &t->names[i]) || !rd_valtype(r, &t->types[i])) return false;
    size_t at = r->pos;
    uint8_t k;
    if (!rd_byte(r, &k)) return false;
    if (k == 0x00) {
        t->has_a = true;
        return rd_valtype(r, &t->a);
    }
    if (k == 0x01) {
        uint8_t z;
        if (!rd_byte(r, &z)) return false;
        if (z != 0x00) return MALFORMED(r, at, "invalid result list");
        return true;
    }
    return MALFORMED(r, at, "invalid result list 0x%02x", k);
}

static bool rd_typedef(Reader *r, CTypeDef **out, bool in_decl) {
    CTypeDef *t = alloc_n(r, 1, sizeof *t);
    if (!t) return false;
    t->offset = r->pos;
    *out = t;
    size_t at = r->pos;
    uint8_t k;
    if (!rd_byte(r, &k)) return false;
    if (is_primitive(k)) {
        t->kind = TD_PRIM;
        t->prim = k;
        return true;
    }
    switch (k) {
    case 0x72: /* record */
        t->kind = TD_RECORD;
        if (!rd_count(r, &t->n, 2)) return false;
        if (!(t->names = alloc_n(r, t->n, sizeof *t->names)) || !(t->types = alloc_n(r, t->n, sizeof *t->types)))
            return false;
        for (uint32_t i = 0; i < t->n; i++)
            if (!rd_name(r, &t->names[i]) || !rd_valtype(r, &t->types[i])) return false;
        if (t->n == 0) return MALFORMED(r, at, "record type must have at least one field");
        return true;
    case 0x71: /* variant */
        t->kind = TD_VARIANT;
        if (!rd_count(r, &t->n, 3)) return false;
        if (!(t->names = alloc_n(r, t->n, sizeof *t->names)) || !(t->types = alloc_n(r, t->n, sizeof *t->types)) ||
            !(t->has_type = alloc_n(r, t->n, sizeof *t->has_type)))
            return false;
        for (uint32_t i = 0; i < t->n; i++) {
            if (!rd_name(r, &t->names[i]) || !rd_opt_valtype(r, &t->types[i], &t->has_type[i])) return false;
            size_t zat = r->pos;
            uint8_t z;
            if (!rd_byte(r, &z)) return false;
            if (z != 0x00) return MALFORMED(r, zat, "variant case refinement is not supported by this version");
        }
        if (t->n == 0) return MALFORMED(r, at, "variant type must have at least one case");
        return true;
    case 0x70:
        t->kind = TD_LIST;
        t->has_a = true;
        return rd_valtype(r, &t->a);
    case 0x67: return UNSUPPORTED(r, at, "fixed-length lists");
    case 0x6f:
        t->kind = TD_TUPLE;
        if (!rd_count(r, &t->n, 1)) return false;
        if (!(t->types = alloc_n(r, t->n, sizeof *t->types))) return false;
        for (uint32_t i = 0; i < t->n; i++)
            if (!rd_valtype(r, &t->types[i])) return false;
        if (t->n == 0) return MALFORMED(r, at, "tuple type must have at least one type");
        return true;
    case 0x6e:
        t->kind = TD_FLAGS;
        if (!rd_labels(r, t)) return false;
        if (t->n == 0) return MALFORMED(r, at, "flags must have at least one entry");
        if (t->n > WASMC_PLAN_MAX_FLAGS) return MALFORMED(r, at, "cannot have more than 32 flags");
        return true;
    case 0x6d:
        t->kind = TD_ENUM;
        if (!rd_labels(r, t)) return false;
        if (t->n == 0) return MALFORMED(r, at, "enum type must have at least one variant");
        return true;
    case 0x6b:
        t->kind = TD_OPTION;
        t->has_a = true;
        return rd_valtype(r, &t->a);
    case 0x6a:
        t->kind = TD_RESULT;
        return rd_opt_valtype(r, &t->a, &t->has_a) && rd_opt_valtype(r, &t->b, &t->has_b);
    case 0x69:
    case 0x68:
        t->kind = k == 0x69 ? TD_OWN : TD_BORROW;
        return rd_u32(r, &t->index);
    case 0x66: return UNSUPPORTED(r, at, "streams");
    case 0x65: return UNSUPPORTED(r, at, "futures");
    case 0x64: return UNSUPPORTED(r, at, "error-context");
    case 0x63: return UNSUPPORTED(r, at, "maps");
    case 0x40: return rd_functype(r, t);
    case 0x43: return UNSUPPORTED(r, at, "async functions");
    case 0x41:
        t->kind = TD_COMPONENT;
        return rd_decls(r, t, true);
    case 0x42:
        t->kind = TD_INSTANCE;
        return rd_decls(r, t, false);
    case 0x3f: {
        t->kind = TD_RESOURCE;
        size_t rat = r->pos;
        uint8_t rep;
        if (!rd_byte(r, &rep)) return false;
        if (rep != VT_I32) return MALFORMED(r, rat, "resource representation must be i32");
        size_t fat = r->pos;
        uint8_t has;
        if (!rd_byte(r, &has)) return false;
        if (has > 1) return MALFORMED(r, fat, "invalid optional destructor flag 0x%02x", has);
        t->has_dtor = has == 1;
        if (t->has_dtor && !rd_u32(r, &t->dtor)) return false;
        (void)in_decl;
        return true;
    }
    default:
        return MALFORMED(r, at, "invalid type 0x%02x", k);
    }
}

static bool rd_decls(Reader *r, CTypeDef *t, bool component) {
    if (++r->depth > MAX_NESTING) return wasm_error(r->err, WASM_ERR_LIMIT, r->pos, "types nested too deeply");
    if (!rd_count(r, &t->n, 2)) return false;
    if (!(t->decls = alloc_n(r, t->n, sizeof *t->decls))) return false;
    for (uint32_t i = 0; i < t->n; i++) {
        CDecl *d = &t->decls[i];
        d->offset = r->pos;
        uint8_t k;
        if (!rd_byte(r, &k)) return false;
        switch (k) {
        case 0x00: {
            bool m;
            FuncType ft;
            d->kind = DECL_CORE_TYPE;
            if (!rd_core_type(r, &m, &ft)) return false;
            break;
        }
        case 0x01:
            d->kind = DECL_TYPE;
            if (!rd_typedef(r, &d->type, true)) return false;
            break;
        case 0x02:
            d->kind = DECL_ALIAS;
            if (!rd_alias_target(r, &d->alias)) return false;
            break;
        case 0x03:
            if (!component) return MALFORMED(r, d->offset, "import declarator in an instance type");
            d->kind = DECL_IMPORT;
            if (!rd_externname(r, &d->name) || !rd_externtype(r, &d->ext)) return false;
            break;
        case 0x04:
            d->kind = DECL_EXPORT;
            if (!rd_externname(r, &d->name) || !rd_externtype(r, &d->ext)) return false;
            break;
        default:
            return MALFORMED(r, d->offset, "invalid %s type declarator 0x%02x", component ? "component" : "instance", k);
        }
    }
    r->depth--;
    return true;
}

/* ---- Canonical definitions ------------------------------------------------- */

static bool rd_canon_opts(Reader *r, CCanonOpts *o) {
    uint32_t n;
    if (!rd_count(r, &n, 1)) return false;
    for (uint32_t i = 0; i < n; i++) {
        size_t at = r->pos;
        uint8_t k;
        if (!rd_byte(r, &k)) return false;
        switch (k) {
        case 0x00: case 0x01: case 0x02:
            if (o->has_encoding) return wasm_error(r->err, WASM_ERR_INVALID, at, "canonical encoding option `%s` conflicts with option `%s`",
                                                   k == 0 ? "utf8" : k == 1 ? "utf16" : "latin1-utf16",
                                                   o->encoding == 0 ? "utf8" : o->encoding == 1 ? "utf16" : "latin1-utf16");
            o->has_encoding = true;
            o->encoding = k;
            break;
        case 0x03:
            if (o->has_memory) return wasm_error(r->err, WASM_ERR_INVALID, at, "`memory` is specified more than once");
            o->has_memory = true;
            if (!rd_u32(r, &o->memory)) return false;
            break;
        case 0x04:
            if (o->has_realloc) return wasm_error(r->err, WASM_ERR_INVALID, at, "`realloc` is specified more than once");
            o->has_realloc = true;
            if (!rd_u32(r, &o->realloc)) return false;
            break;
        case 0x05:
            if (o->has_post_return) return wasm_error(r->err, WASM_ERR_INVALID, at, "`post-return` is specified more than once");
            o->has_post_return = true;
            if (!rd_u32(r, &o->post_return)) return false;
            break;
        case 0x06: return UNSUPPORTED(r, at, "async canonical option");
        case 0x07: return UNSUPPORTED(r, at, "callback canonical option");
        default: return MALFORMED(r, at, "invalid canonical option 0x%02x", k);
        }
    }
    return true;
}

static bool rd_canon(Reader *r, CDef *d) {
    size_t at = r->pos;
    uint8_t op, z;
    if (!rd_byte(r, &op)) return false;
    d->kind = DEF_CANON;
    switch (op) {
    case 0x00:
    case 0x01:
        if (!rd_byte(r, &z)) return false;
        if (z != 0x00) return MALFORMED(r, at + 1, "invalid canonical function sort 0x%02x", z);
        d->u.canon.op = op == 0 ? CANON_LIFT : CANON_LOWER;
        if (!rd_u32(r, &d->u.canon.func) || !rd_canon_opts(r, &d->u.canon.opts)) return false;
        return op == 0x01 || rd_u32(r, &d->u.canon.type);
    case 0x02: case 0x03: case 0x04:
        d->u.canon.op = op == 0x02 ? CANON_RESOURCE_NEW : op == 0x03 ? CANON_RESOURCE_DROP : CANON_RESOURCE_REP;
        return rd_u32(r, &d->u.canon.type);
    /* 0x07 (once resource.drop async) and 0x08 are unallocated (Binary.md):
     * malformed below */
    case 0x05: case 0x06: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d:
    case 0x0e: case 0x0f: case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15:
    case 0x16: case 0x17: case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1f: case 0x20:
    case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
        return UNSUPPORTED(r, at, "async canonical built-in 0x%02x", op);
    case 0x1c: case 0x1d: case 0x1e:
        return UNSUPPORTED(r, at, "error-context built-in 0x%02x", op);
    case 0x26: case 0x27: case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d:
    case 0x40: case 0x41: case 0x42:
        return UNSUPPORTED(r, at, "thread built-in 0x%02x", op);
    default:
        return MALFORMED(r, at, "invalid canonical definition 0x%02x", op);
    }
}

/* ---- Sections ------------------------------------------------------------- */

static bool push_def(Reader *r, Component *c, uint32_t *cap, CDef **out) {
    if (c->num_defs == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 16;
        CDef *nd = alloc_n(r, ncap, sizeof *nd);
        if (!nd) return false;
        if (c->num_defs) memcpy(nd, c->defs, c->num_defs * sizeof *nd);
        c->defs = nd;
        *cap = ncap;
    }
    *out = &c->defs[c->num_defs++];
    memset(*out, 0, sizeof **out);
    (*out)->offset = r->pos;
    return true;
}

static int cmp_import_names(const void *a, const void *b) {
    const Import *x = *(const Import *const *)a, *y = *(const Import *const *)b;
    int c = strcmp(x->module.str, y->module.str);
    return c ? c : strcmp(x->field.str, y->field.str);
}

/* Core wasm allows two imports of one module:field; a component does not,
 * since the two-level names mangle into one single-level name (Binary.md). */
static bool core_imports_unique(Reader *r, const Module *m, size_t at) {
    if (m->num_imports < 2) return true;
    const Import **v = malloc(m->num_imports * sizeof *v);
    if (!v) return wasm_error(r->err, WASM_ERR_LIMIT, at, "out of memory");
    for (uint32_t i = 0; i < m->num_imports; i++) v[i] = &m->imports[i];
    qsort(v, m->num_imports, sizeof *v, cmp_import_names);
    bool ok = true;
    for (uint32_t i = 1; i < m->num_imports && ok; i++)
        if (cmp_import_names(&v[i - 1], &v[i]) == 0)
            ok = INVALID(r, at, "duplicate import name `%s:%s`", v[i]->module.str, v[i]->field.str);
    free(v);
    return ok;
}

static bool rd_core_module(Reader *r, size_t size) {
    CFile *f = r->f;
    size_t start = r->pos;
    CModule *nm = realloc(f->modules, (f->num_modules + 1) * sizeof *nm);
    if (!nm) return wasm_error(r->err, WASM_ERR_LIMIT, start, "out of memory");
    f->modules = nm;
    CModule *cm = &f->modules[f->num_modules];
    memset(cm, 0, sizeof *cm);
    WasmError e;
    wasm_error_clear(&e);
    if (!module_decode(r->b + start, size, &cm->m, &e) ||
        (f->num_modules++, cm->offset = start, cm->size = size, !module_validate(&cm->m, &e))) {
        *r->err = e;
        if (e.offset != WASM_NO_OFFSET) r->err->offset = e.offset + start;
        return false;
    }
    if (!core_imports_unique(r, &cm->m, start)) return false;
    r->pos = start + size;
    return true;
}

static bool rd_component(Reader *r, size_t end, Component *c);

static bool rd_component_name(Reader *r, size_t end) {
    /* component-name subsection 0: the name; anything malformed in a name
     * section is ignored (Binary.md: engines must not reject it). */
    size_t p = r->pos;
    while (p < end) {
        uint8_t id = r->b[p++];
        uint64_t len;
        if (leb_read(r->b, &p, end, 32, false, &len) != LEB_OK || len > end - p) return true;
        if (id == 0) {
            size_t q = p;
            uint64_t n;
            if (leb_read(r->b, &q, p + len, 32, false, &n) != LEB_OK || n > p + len - q) return true;
            if (!utf8_valid(r->b + q, (size_t)n)) return true;
            r->f->name = arena_strndup(&r->f->arena, (const char *)r->b + q, (size_t)n);
            return true;
        }
        p += len;
    }
    return true;
}

static bool rd_section(Reader *r, Component *c, uint32_t *cap, uint8_t id, size_t end) {
    CDef *d;
    uint32_t n;
    size_t at = r->pos;
    switch (id) {
    case 0: {
        const char *name;
        if (!rd_name(r, &name)) return false;
        if (r->pos > end) return MALFORMED(r, at, "unexpected end");
        if (strcmp(name, "component-name") == 0 && r->depth == 1) rd_component_name(r, end);
        r->pos = end;
        return true;
    }
    case 1:
        if (!push_def(r, c, cap, &d)) return false;
        d->kind = DEF_CORE_MODULE;
        d->u.module = r->f->num_modules;
        return rd_core_module(r, end - r->pos);
    case 2:
        if (!rd_count(r, &n, 2)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (!push_def(r, c, cap, &d)) return false;
            d->kind = DEF_CORE_INSTANCE;
            uint8_t k;
            if (!rd_byte(r, &k)) return false;
            if (k > 1) return MALFORMED(r, d->offset, "invalid core instance kind 0x%02x", k);
            d->u.inst.instantiate = k == 0;
            if (k == 0 && !rd_u32(r, &d->u.inst.of)) return false;
            if (!rd_count(r, &d->u.inst.n, 2)) return false;
            if (!(d->u.inst.args = alloc_n(r, d->u.inst.n, sizeof *d->u.inst.args))) return false;
            for (uint32_t j = 0; j < d->u.inst.n; j++) {
                CArg *a = &d->u.inst.args[j];
                if (!rd_name(r, &a->name)) return false;
                if (k == 0) {
                    size_t sat = r->pos;
                    uint8_t s;
                    if (!rd_byte(r, &s)) return false;
                    if (s != 0x12) return MALFORMED(r, sat, "invalid core instantiation argument kind 0x%02x", s);
                    a->item.sort = CS_CORE_INSTANCE;
                } else if (!rd_core_sort(r, &a->item.sort)) {
                    return false;
                }
                if (!rd_u32(r, &a->item.index)) return false;
            }
        }
        return true;
    case 3:
        if (!rd_count(r, &n, 1)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (!push_def(r, c, cap, &d)) return false;
            d->kind = DEF_CORE_TYPE;
            if (!rd_core_type(r, &d->u.core_type.is_module, &d->u.core_type.func)) return false;
        }
        return true;
    case 4: {
        if (!push_def(r, c, cap, &d)) return false;
        d->kind = DEF_COMPONENT;
        Component *child = alloc_n(r, 1, sizeof *child);
        if (!child) return false;
        d->u.component = child;
        return rd_component(r, end, child);
    }
    case 5:
        if (!rd_count(r, &n, 2)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (!push_def(r, c, cap, &d)) return false;
            d->kind = DEF_INSTANCE;
            uint8_t k;
            if (!rd_byte(r, &k)) return false;
            if (k > 1) return MALFORMED(r, d->offset, "invalid instance kind 0x%02x", k);
            d->u.inst.instantiate = k == 0;
            if (k == 0 && !rd_u32(r, &d->u.inst.of)) return false;
            if (!rd_count(r, &d->u.inst.n, 3)) return false;
            if (!(d->u.inst.args = alloc_n(r, d->u.inst.n, sizeof *d->u.inst.args))) return false;
            for (uint32_t j = 0; j < d->u.inst.n; j++) {
                CArg *a = &d->u.inst.args[j];
                if (k == 0 ? !rd_name(r, &a->name) : !rd_externname(r, &a->name)) return false;
                if (!rd_sort(r, &a->item.sort) || !rd_u32(r, &a->item.index)) return false;
            }
        }
        return true;
    case 6:
        if (!rd_count(r, &n, 3)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (!push_def(r, c, cap, &d)) return false;
            d->kind = DEF_ALIAS;
            if (!rd_alias_target(r, &d->u.alias)) return false;
        }
        return true;
    case 7:
        if (!rd_count(r, &n, 1)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (!push_def(r, c, cap, &d)) return false;
            d->kind = DEF_TYPE;
            if (!rd_typedef(r, &d->u.type, false)) return false;
        }
        return true;
    case 8:
        /* one byte at least: backpressure.inc/dec and others have no operands */
        if (!rd_count(r, &n, 1)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (!push_def(r, c, cap, &d)) return false;
            if (!rd_canon(r, d)) return false;
        }
        return true;
    case 9: return UNSUPPORTED(r, at, "component start functions");
    case 10:
        if (!rd_count(r, &n, 3)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (!push_def(r, c, cap, &d)) return false;
            d->kind = DEF_IMPORT;
            if (!rd_externname(r, &d->u.ie.name) || !rd_externtype(r, &d->u.ie.ext)) return false;
        }
        return true;
    case 11:
        if (!rd_count(r, &n, 3)) return false;
        for (uint32_t i = 0; i < n; i++) {
            if (!push_def(r, c, cap, &d)) return false;
            d->kind = DEF_EXPORT;
            if (!rd_externname(r, &d->u.ie.name) || !rd_sort(r, &d->u.ie.item.sort) ||
                !rd_u32(r, &d->u.ie.item.index))
                return false;
            size_t oat = r->pos;
            uint8_t has;
            if (!rd_byte(r, &has)) return false;
            if (has > 1) return MALFORMED(r, oat, "invalid optional extern type flag 0x%02x", has);
            d->u.ie.has_ext = has == 1;
            if (has && !rd_externtype(r, &d->u.ie.ext)) return false;
        }
        return true;
    case 12: return UNSUPPORTED(r, at, "component values");
    default: return MALFORMED(r, at, "malformed section id: %u", id);
    }
}

static bool rd_component(Reader *r, size_t end, Component *c) {
    if (++r->depth > MAX_NESTING) return wasm_error(r->err, WASM_ERR_LIMIT, r->pos, "components nested too deeply");
    c->offset = r->pos;
    if (end - r->pos < 8 || memcmp(r->b + r->pos, "\0asm", 4) != 0)
        return MALFORMED(r, r->pos, end - r->pos < 4 ? "unexpected end" : "magic header not detected");
    const uint8_t *v = r->b + r->pos + 4;
    if (v[0] != 0x0d || v[1] != 0x00 || v[2] != 0x01 || v[3] != 0x00)
        return MALFORMED(r, r->pos + 4, "unknown binary version and encoding");
    r->pos += 8;
    uint32_t cap = 0;
    while (r->pos < end) {
        size_t at = r->pos;
        uint8_t id;
        uint32_t size;
        if (!rd_byte(r, &id)) return false;
        if (!rd_u32(r, &size)) return false;
        if (size > end - r->pos) return MALFORMED(r, at, "section size mismatch: unexpected end");
        if (id > 12) return MALFORMED(r, at, "malformed section id: %u", id);
        size_t send = r->pos + size;
        size_t saved_end = r->end;
        r->end = send;
        bool ok = rd_section(r, c, &cap, id, send);
        r->end = saved_end;
        if (!ok) return false;
        if (r->pos != send) return MALFORMED(r, r->pos, "section size mismatch");
    }
    r->depth--;
    return true;
}

bool component_is_component(const uint8_t *bytes, size_t size) {
    return size >= 8 && memcmp(bytes, "\0asm\x0d\x00\x01\x00", 8) == 0;
}

bool component_decode(const uint8_t *bytes, size_t size, CFile *out, WasmError *err) {
    memset(out, 0, sizeof *out);
    arena_init(&out->arena, 0);
    out->bytes = bytes;
    out->size = size;
    Reader r = {.f = out, .b = bytes, .pos = 0, .end = size, .err = err};
    Component *root = alloc_n(&r, 1, sizeof *root);
    bool ok = root && rd_component(&r, size, root);
    if (!ok) {
        component_free(out);
        return false;
    }
    out->root = root;
    return true;
}

void component_free(CFile *f) {
    for (uint32_t i = 0; i < f->num_modules; i++) module_free(&f->modules[i].m);
    free(f->modules);
    arena_free(&f->arena);
    memset(f, 0, sizeof *f);
}
