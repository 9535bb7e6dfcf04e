/* Flat lifting and lowering (CanonicalABI.md "Flat Lifting", "Flat
 * Lowering", "Lifting and Lowering Values"): component values to and from
 * sequences of core values, spilling to linear memory past
 * MAX_FLAT_PARAMS / MAX_FLAT_RESULTS.
 *
 * A core value travels as the bits of its type in a uint64_t, zero-
 * extended (an f32 is its 32 bits).  The coercions between a variant's
 * joined flat types and a case's own types then reduce to keeping the low
 * 32 bits when a 32-bit value is read from an i64 slot: exactly
 * wrap_i64_to_i32 / decode_i32_as_float of the reference, and lowering
 * needs no conversion at all.
 */
#include <stdlib.h>
#include <string.h>

#include "internal_component.h"

static bool next(ct_cx *cx, const uint64_t *flat, uint32_t n, uint32_t *pos, uint64_t *v) {
    if (*pos >= n) return ct_trap(cx, "canonical ABI: too few core values for the type");
    *v = flat[(*pos)++];
    return true;
}

static uint32_t canon_f32(uint32_t b) {
    return (b & 0x7F800000u) == 0x7F800000u && (b & 0x7FFFFF) ? 0x7fc00000u : b;
}
static uint64_t canon_f64(uint64_t b) {
    return (b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (b & 0xFFFFFFFFFFFFFull)
               ? 0x7ff8000000000000ull : b;
}

bool ct_lift_flat(ct_cx *cx, const uint64_t *flat, uint32_t n, uint32_t *pos, const wasmrt_ctype *t,
                  wasmrt_cval *out) {
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    uint64_t x = 0, y = 0;
    switch (t->kind) {
    case WASMC_CVAL_BOOL: if (!next(cx, flat, n, pos, &x)) return false; out->of.b = (uint32_t)x != 0; return true;
    case WASMC_CVAL_U8: if (!next(cx, flat, n, pos, &x)) return false; out->of.u = (uint8_t)x; return true;
    case WASMC_CVAL_U16: if (!next(cx, flat, n, pos, &x)) return false; out->of.u = (uint16_t)x; return true;
    case WASMC_CVAL_U32: if (!next(cx, flat, n, pos, &x)) return false; out->of.u = (uint32_t)x; return true;
    case WASMC_CVAL_U64: if (!next(cx, flat, n, pos, &x)) return false; out->of.u = x; return true;
    case WASMC_CVAL_S8: if (!next(cx, flat, n, pos, &x)) return false; out->of.s = (int8_t)x; return true;
    case WASMC_CVAL_S16: if (!next(cx, flat, n, pos, &x)) return false; out->of.s = (int16_t)x; return true;
    case WASMC_CVAL_S32: if (!next(cx, flat, n, pos, &x)) return false; out->of.s = (int32_t)x; return true;
    case WASMC_CVAL_S64: if (!next(cx, flat, n, pos, &x)) return false; out->of.s = (int64_t)x; return true;
    case WASMC_CVAL_F32: {
        if (!next(cx, flat, n, pos, &x)) return false;
        uint32_t b = canon_f32((uint32_t)x);
        memcpy(&out->of.f32, &b, 4);
        return true;
    }
    case WASMC_CVAL_F64: {
        if (!next(cx, flat, n, pos, &x)) return false;
        uint64_t b = canon_f64(x);
        memcpy(&out->of.f64, &b, 8);
        return true;
    }
    case WASMC_CVAL_CHAR: if (!next(cx, flat, n, pos, &x)) return false; return ct_lift_char(cx, (uint32_t)x, out);
    case WASMC_CVAL_STRING:
        if (!next(cx, flat, n, pos, &x) || !next(cx, flat, n, pos, &y)) return false;
        return ct_lift_string(cx, (uint32_t)x, (uint32_t)y, out);
    case WASMC_CVAL_LIST:
        if (!next(cx, flat, n, pos, &x) || !next(cx, flat, n, pos, &y)) return false;
        return ct_lift_list(cx, (uint32_t)x, (uint32_t)y, t->children[0], out);
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE: {
        wasmrt_cval *items = calloc(t->count, sizeof *items);
        if (!items) return ct_trap(cx, "out of memory lifting a record");
        out->of.list.items = items;
        for (uint32_t i = 0; i < t->count; i++) {
            out->of.list.len = i + 1;
            if (!ct_lift_flat(cx, flat, n, pos, t->children[i], &items[i])) {
                wasmrt_cval_free(out);
                return false;
            }
        }
        return true;
    }
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        uint32_t start = *pos;
        if (t->flat_count > CT_FLAT_CAP || start + t->flat_count > n)
            return ct_trap(cx, "canonical ABI: too few core values for the type");
        uint32_t c = (uint32_t)flat[start];
        if (c >= ct_num_cases(t)) return ct_trap(cx, "invalid variant discriminant");
        out->of.variant.case_ = c;
        *pos = start + t->flat_count;   /* the joined payload slots, used or not */
        const wasmrt_ctype *pt = ct_case_type(t, c);
        if (!pt) return true;
        /* CoerceValueIter: a 32-bit want read from a wider joined slot
         * keeps the low bits. */
        uint64_t payload[CT_FLAT_CAP];
        for (uint32_t k = 0; k < pt->flat_count; k++) {
            uint64_t v = flat[start + 1 + k];
            payload[k] = (pt->flat[k] == CT_I32 || pt->flat[k] == CT_F32) ? (uint32_t)v : v;
        }
        wasmrt_cval *p = calloc(1, sizeof *p);
        if (!p) return ct_trap(cx, "out of memory lifting a variant");
        out->of.variant.payload = p;
        uint32_t ppos = 0;
        if (!ct_lift_flat(cx, payload, pt->flat_count, &ppos, pt, p)) {
            wasmrt_cval_free(out);
            return false;
        }
        return true;
    }
    case WASMC_CVAL_FLAGS:
        if (!next(cx, flat, n, pos, &x)) return false;
        out->of.flags = (uint32_t)(t->count >= 32 ? (uint32_t)x : x & ((1ull << t->count) - 1));
        return true;
    case WASMC_CVAL_OWN:
        if (!next(cx, flat, n, pos, &x)) return false;
        return ct_lift_own(cx, (uint32_t)x, t, &out->of.handle);
    case WASMC_CVAL_BORROW:
        if (!next(cx, flat, n, pos, &x)) return false;
        return ct_lift_borrow(cx, (uint32_t)x, t, &out->of.handle);
    default: return ct_trap(cx, "canonical ABI: unknown type kind %u", t->kind);
    }
}

static void push(uint64_t *flat, uint32_t *pos, uint64_t v) { flat[(*pos)++] = v; }

bool ct_lower_flat(ct_cx *cx, const wasmrt_cval *v, const wasmrt_ctype *t, uint64_t *flat, uint32_t *pos) {
    switch (t->kind) {
    case WASMC_CVAL_BOOL: push(flat, pos, v->of.b ? 1 : 0); return true;
    case WASMC_CVAL_U8: case WASMC_CVAL_U16: case WASMC_CVAL_U32: push(flat, pos, (uint32_t)v->of.u); return true;
    case WASMC_CVAL_S8: case WASMC_CVAL_S16: case WASMC_CVAL_S32:
        push(flat, pos, (uint32_t)(int32_t)v->of.s);   /* lower_flat_signed: two's complement in 32 bits */
        return true;
    case WASMC_CVAL_U64: push(flat, pos, v->of.u); return true;
    case WASMC_CVAL_S64: push(flat, pos, (uint64_t)v->of.s); return true;
    case WASMC_CVAL_F32: {
        uint32_t b;
        memcpy(&b, &v->of.f32, 4);
        push(flat, pos, b);
        return true;
    }
    case WASMC_CVAL_F64: {
        uint64_t b;
        memcpy(&b, &v->of.f64, 8);
        push(flat, pos, b);
        return true;
    }
    case WASMC_CVAL_CHAR: push(flat, pos, v->of.ch); return true;
    case WASMC_CVAL_STRING: {
        uint32_t p, u;
        if (!ct_lower_string(cx, v->of.str.ptr, v->of.str.len, &p, &u)) return false;
        push(flat, pos, p);
        push(flat, pos, u);
        return true;
    }
    case WASMC_CVAL_LIST: {
        uint32_t p;
        if (!ct_lower_list(cx, v, t->children[0], &p)) return false;
        push(flat, pos, p);
        push(flat, pos, (uint32_t)v->of.list.len);
        return true;
    }
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE:
        for (uint32_t i = 0; i < t->count; i++)
            if (!ct_lower_flat(cx, &v->of.list.items[i], t->children[i], flat, pos)) return false;
        return true;
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        uint32_t start = *pos;
        push(flat, pos, v->of.variant.case_);
        const wasmrt_ctype *pt = ct_case_type(t, v->of.variant.case_);
        if (pt && !ct_lower_flat(cx, v->of.variant.payload, pt, flat, pos)) return false;
        while (*pos < start + t->flat_count) push(flat, pos, 0);   /* unused joined slots */
        return true;
    }
    case WASMC_CVAL_FLAGS: push(flat, pos, v->of.flags); return true;
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW: {
        uint32_t i;
        bool ok = t->kind == WASMC_CVAL_OWN ? ct_lower_own(cx, v->of.handle, t, &i)
                                            : ct_lower_borrow(cx, v->of.handle, t, &i);
        if (ok) push(flat, pos, i);
        return ok;
    }
    default: return ct_trap(cx, "canonical ABI: unknown type kind %u", t->kind);
    }
}

static bool check_area(ct_cx *cx, uint32_t ptr, uint32_t size, uint32_t align) {
    if (!cx->mem) return ct_trap(cx, "canonical ABI: spilled values need linear memory, but the function has no memory option");
    if (ptr & (align - 1)) return ct_trap(cx, "unaligned pointer");
    if ((uint64_t)ptr + size > cx->mem->size) return ct_trap(cx, "pointer out of bounds of memory");
    return true;
}

bool ct_lift_values(ct_cx *cx, uint32_t max_flat, const uint64_t *flat, uint32_t nflat,
                    const wasmrt_ctype *const *types, uint32_t n, wasmrt_cval *out) {
    uint8_t ft[CT_FLAT_CAP];
    uint32_t count = ct_flatten(types, n, ft);
    memset(out, 0, sizeof *out * n);
    if (count > max_flat) {
        uint32_t size, align;
        ct_tuple_layout(types, n, &size, &align);
        if (nflat < 1) return ct_trap(cx, "canonical ABI: missing pointer to spilled values");
        uint32_t ptr = (uint32_t)flat[0];
        if (!check_area(cx, ptr, size, align)) return false;
        uint32_t off = 0;
        for (uint32_t i = 0; i < n; i++) {
            off = ct_align_to(off, types[i]->align);
            if (!ct_load(cx, ptr + off, types[i], &out[i])) goto fail;
            off += types[i]->size;
        }
        return true;
    }
    uint32_t pos = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!ct_lift_flat(cx, flat, nflat, &pos, types[i], &out[i])) goto fail;
    return true;
fail:
    for (uint32_t i = 0; i < n; i++) wasmrt_cval_free(&out[i]);
    return false;
}

bool ct_lower_values(ct_cx *cx, uint32_t max_flat, const wasmrt_cval *vals,
                     const wasmrt_ctype *const *types, uint32_t n, uint64_t *flat, uint32_t *nflat,
                     const uint32_t *out_ptr) {
    uint8_t ft[CT_FLAT_CAP];
    uint32_t count = ct_flatten(types, n, ft);
    *nflat = 0;
    if (count > max_flat) {
        uint32_t size, align, ptr;
        ct_tuple_layout(types, n, &size, &align);
        if (out_ptr) {
            ptr = *out_ptr;
            if (!check_area(cx, ptr, size, align)) return false;
        } else if (!ct_allocate(cx, align, size, "spilled values", &ptr)) {
            return false;
        }
        uint32_t off = 0;
        for (uint32_t i = 0; i < n; i++) {
            off = ct_align_to(off, types[i]->align);
            if (!ct_store(cx, &vals[i], types[i], ptr + off)) return false;
            off += types[i]->size;
        }
        if (!out_ptr) flat[(*nflat)++] = ptr;
        return true;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!ct_lower_flat(cx, &vals[i], types[i], flat, nflat)) return false;
    return true;
}
