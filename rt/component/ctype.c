/* Component value types: their layout in linear memory and their
 * flattening into core values (CanonicalABI.md "Despecialization",
 * "Alignment", "Element Size", "Flattening"), computed once per type when
 * the plan is decoded, and the public wasmrt_ctype / wasmrt_cfunc
 * accessors.  Option, result and enum are laid out as the variants they
 * despecialise to, tuple as a record.
 */
#include <stdlib.h>
#include <string.h>

#include "internal_component.h"

bool ct_is_variant(const wasmrt_ctype *t) {
    return t->kind == WASMC_CVAL_VARIANT || t->kind == WASMC_CVAL_ENUM || t->kind == WASMC_CVAL_OPTION ||
           t->kind == WASMC_CVAL_RESULT;
}

bool ct_is_record(const wasmrt_ctype *t) { return t->kind == WASMC_CVAL_RECORD || t->kind == WASMC_CVAL_TUPLE; }

uint32_t ct_num_cases(const wasmrt_ctype *t) {
    return t->kind == WASMC_CVAL_OPTION || t->kind == WASMC_CVAL_RESULT ? 2 : t->count;
}

const wasmrt_ctype *ct_case_type(const wasmrt_ctype *t, uint32_t i) {
    switch (t->kind) {
    case WASMC_CVAL_VARIANT: return t->children[i];
    case WASMC_CVAL_OPTION: return i == 1 ? t->children[0] : NULL;
    case WASMC_CVAL_RESULT: return t->children[i];
    default: return NULL;   /* ENUM */
    }
}

static uint8_t join(uint8_t a, uint8_t b) {
    if (a == b) return a;
    if ((a == CT_I32 && b == CT_F32) || (a == CT_F32 && b == CT_I32)) return CT_I32;
    return CT_I64;
}

static void flat_push(struct wasmrt_ctype *t, uint8_t ty) {
    if (t->flat_count < CT_FLAT_CAP) t->flat[t->flat_count] = ty;
    if (t->flat_count <= CT_FLAT_CAP) t->flat_count++;
}

static void flat_append(struct wasmrt_ctype *t, const wasmrt_ctype *c) {
    for (uint32_t i = 0; i < c->flat_count && i < CT_FLAT_CAP; i++) flat_push(t, c->flat[i]);
    if (c->flat_count > CT_FLAT_CAP) t->flat_count = CT_FLAT_CAP + 1;
}

static void scalar(struct wasmrt_ctype *t, uint32_t size, uint8_t flat) {
    t->size = t->align = size;
    flat_push(t, flat);
}

bool ct_type_layout(struct wasmrt_ctype *t, wasmrt_error *err) {
    uint64_t size = 0;
    uint32_t align = 1, depth = 0;
    t->flat_count = 0;
    switch (t->kind) {
    case WASMC_CVAL_BOOL: case WASMC_CVAL_S8: case WASMC_CVAL_U8: scalar(t, 1, CT_I32); break;
    case WASMC_CVAL_S16: case WASMC_CVAL_U16: scalar(t, 2, CT_I32); break;
    case WASMC_CVAL_S32: case WASMC_CVAL_U32: case WASMC_CVAL_CHAR: scalar(t, 4, CT_I32); break;
    case WASMC_CVAL_S64: case WASMC_CVAL_U64: scalar(t, 8, CT_I64); break;
    case WASMC_CVAL_F32: scalar(t, 4, CT_F32); break;
    case WASMC_CVAL_F64: scalar(t, 8, CT_F64); break;
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW: scalar(t, 4, CT_I32); break;
    case WASMC_CVAL_FLAGS: scalar(t, t->count <= 8 ? 1 : t->count <= 16 ? 2 : 4, CT_I32); break;
    case WASMC_CVAL_STRING: case WASMC_CVAL_LIST:
        t->size = 8;
        t->align = 4;
        flat_push(t, CT_I32);
        flat_push(t, CT_I32);
        if (t->kind == WASMC_CVAL_LIST) depth = t->children[0]->depth;
        break;
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE:
        for (uint32_t i = 0; i < t->count; i++) {
            const wasmrt_ctype *c = t->children[i];
            size = (size + c->align - 1) & ~(uint64_t)(c->align - 1);
            size += c->size;
            if (c->align > align) align = c->align;
            if (c->depth > depth) depth = c->depth;
            flat_append(t, c);
            if (size > UINT32_MAX) break;
        }
        size = (size + align - 1) & ~(uint64_t)(align - 1);
        t->align = align;
        break;
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        uint32_t n = ct_num_cases(t);
        t->disc_size = n <= 256 ? 1 : n <= 65536 ? 2 : 4;
        uint32_t case_align = 1;
        uint64_t case_size = 0;
        uint8_t joined[CT_FLAT_CAP];
        uint32_t nj = 0;
        bool big = false;
        for (uint32_t i = 0; i < n; i++) {
            const wasmrt_ctype *c = ct_case_type(t, i);
            if (!c) continue;
            if (c->align > case_align) case_align = c->align;
            if (c->size > case_size) case_size = c->size;
            if (c->depth > depth) depth = c->depth;
            if (c->flat_count > CT_FLAT_CAP) big = true;
            for (uint32_t k = 0; k < c->flat_count && k < CT_FLAT_CAP; k++) {
                if (k < nj) joined[k] = join(joined[k], c->flat[k]);
                else joined[nj++] = c->flat[k];
            }
        }
        align = t->disc_size > case_align ? t->disc_size : case_align;
        t->payload_offset = ct_align_to(t->disc_size, case_align);
        size = t->payload_offset + case_size;
        size = (size + align - 1) & ~(uint64_t)(align - 1);
        t->align = align;
        flat_push(t, CT_I32);
        for (uint32_t k = 0; k < nj; k++) flat_push(t, joined[k]);
        if (big) t->flat_count = CT_FLAT_CAP + 1;
        break;
    }
    default:
        rt_err(err, "unknown value type kind %u", t->kind);
        return false;
    }
    if (ct_is_record(t) || ct_is_variant(t)) {
        if (size > UINT32_MAX / 2) {
            rt_err(err, "value type too large (%llu bytes)", (unsigned long long)size);
            return false;
        }
        t->size = (uint32_t)size;
    }
    t->depth = depth + 1;
    if (t->depth > WASMC_PLAN_MAX_TYPE_DEPTH) {
        rt_err(err, "value type nested deeper than %u", WASMC_PLAN_MAX_TYPE_DEPTH);
        return false;
    }
    return true;
}

void ct_tuple_layout(const wasmrt_ctype *const *types, uint32_t n, uint32_t *size, uint32_t *align) {
    uint64_t s = 0;
    uint32_t a = 1;
    for (uint32_t i = 0; i < n; i++) {
        s = (s + types[i]->align - 1) & ~(uint64_t)(types[i]->align - 1);
        s += types[i]->size;
        if (types[i]->align > a) a = types[i]->align;
    }
    s = (s + a - 1) & ~(uint64_t)(a - 1);
    /* Each type is below 2 GiB and a function has at most a million
     * parameters: saturate rather than wrap, the bounds check then fails. */
    *size = s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
    *align = a;
}

uint32_t ct_flatten(const wasmrt_ctype *const *types, uint32_t n, uint8_t *out) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++) {
        const wasmrt_ctype *t = types[i];
        if (t->flat_count > CT_FLAT_CAP) return CT_FLAT_CAP + 1;
        for (uint32_t k = 0; k < t->flat_count; k++) {
            if (count == CT_FLAT_CAP) return CT_FLAT_CAP + 1;
            out[count++] = t->flat[k];
        }
    }
    return count;
}

void ct_func_layout(struct wasmrt_cfunc *f) {
    ct_tuple_layout(f->params, f->num_params, &f->params_size, &f->params_align);
    f->params_flat = ct_flatten(f->params, f->num_params, f->params_flat_types);
}

/* flatten_functype: params beyond 16 become one pointer; a result beyond
 * one value becomes a returned pointer (lift) or a pointer parameter the
 * caller provides (lower). */
void ct_core_sig(const struct wasmrt_cfunc *f, bool lower, uint8_t *sig, uint32_t *np, uint32_t *nr) {
    uint32_t p = 0, r = 0;
    if (f->params_flat > CT_MAX_FLAT_PARAMS) sig[p++] = CT_I32;
    else for (uint32_t i = 0; i < f->params_flat; i++) sig[p++] = f->params_flat_types[i];
    uint8_t res[CT_FLAT_CAP];
    uint32_t nres = f->result ? ct_flatten(&f->result, 1, res) : 0;
    if (nres > CT_MAX_FLAT_RESULTS) {
        if (lower) sig[p++] = CT_I32;
        else sig[p + r++] = CT_I32;
    } else {
        for (uint32_t i = 0; i < nres; i++) sig[p + r++] = res[i];
    }
    *np = p;
    *nr = r;
}

/* ---- public accessors ---- */

wasmc_cval_kind wasmrt_ctype_kind(const wasmrt_ctype *t) { return (wasmc_cval_kind)t->kind; }

uint32_t wasmrt_ctype_count(const wasmrt_ctype *t) {
    switch (t->kind) {
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE: case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM:
    case WASMC_CVAL_FLAGS:
        return t->count;
    case WASMC_CVAL_LIST: case WASMC_CVAL_OPTION: return 1;
    case WASMC_CVAL_RESULT: return 2;
    default: return 0;
    }
}

const char *wasmrt_ctype_name(const wasmrt_ctype *t, uint32_t i) {
    if (!t->names || i >= t->count) return NULL;
    return t->names[i];
}

const wasmrt_ctype *wasmrt_ctype_child(const wasmrt_ctype *t, uint32_t i) {
    switch (t->kind) {
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE: case WASMC_CVAL_VARIANT:
        return i < t->count ? t->children[i] : NULL;
    case WASMC_CVAL_LIST: case WASMC_CVAL_OPTION: return i == 0 ? t->children[0] : NULL;
    case WASMC_CVAL_RESULT: return i < 2 ? t->children[i] : NULL;
    default: return NULL;
    }
}

const char *wasmrt_ctype_resource_name(const wasmrt_ctype *t) {
    if ((t->kind != WASMC_CVAL_OWN && t->kind != WASMC_CVAL_BORROW) || !t->comp) return NULL;
    return t->comp->plan.resources[t->resource].name;
}

uint32_t wasmrt_cfunc_num_params(const wasmrt_cfunc *f) { return f->num_params; }
const char *wasmrt_cfunc_param_name(const wasmrt_cfunc *f, uint32_t i) {
    return i < f->num_params ? f->names[i] : NULL;
}
const wasmrt_ctype *wasmrt_cfunc_param_type(const wasmrt_cfunc *f, uint32_t i) {
    return i < f->num_params ? f->params[i] : NULL;
}
const wasmrt_ctype *wasmrt_cfunc_result_type(const wasmrt_cfunc *f) { return f->result; }
