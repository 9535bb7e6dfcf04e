/* Component values (wasmrt_cval trees): freeing, and checking a host's
 * value against its type before it is lowered, so the canonical ABI's
 * lowering code may assume well-typed values (as the reference asserts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../compiler/utf8.h"
#include "internal_component.h"

void wasmrt_cval_free(wasmrt_cval *v) {
    if (!v) return;
    switch (v->kind) {
    case WASMC_CVAL_STRING:
        free(v->of.str.ptr);
        v->of.str.ptr = NULL;
        v->of.str.len = 0;
        break;
    case WASMC_CVAL_LIST: case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE:
        for (size_t i = 0; i < v->of.list.len; i++) wasmrt_cval_free(&v->of.list.items[i]);
        free(v->of.list.items);
        v->of.list.items = NULL;
        v->of.list.len = 0;
        break;
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT:
        if (v->of.variant.payload) {
            wasmrt_cval_free(v->of.variant.payload);
            free(v->of.variant.payload);
            v->of.variant.payload = NULL;
        }
        break;
    default: break;
    }
}

static const char *const kind_names[] = {
#define KIND_NAME_(id, wit) wit,
    WASMC_CVAL_KINDS(KIND_NAME_)
#undef KIND_NAME_
};

static const char *kind_name(uint8_t k) { return k < WASMC_CVAL_COUNT_ ? kind_names[k] : "unknown"; }

static bool check(const wasmrt_ctype *t, const wasmrt_cval *v, const char *path, wasmrt_error *err) {
    if (v->kind != t->kind) {
        rt_err(err, "%s: expected %s, got %s", path, kind_name(t->kind), kind_name(v->kind));
        return false;
    }
    char sub[200];
    switch (t->kind) {
    case WASMC_CVAL_S8: case WASMC_CVAL_S16: case WASMC_CVAL_S32: {
        int bits = t->kind == WASMC_CVAL_S8 ? 8 : t->kind == WASMC_CVAL_S16 ? 16 : 32;
        int64_t lim = (int64_t)1 << (bits - 1);
        if (v->of.s < -lim || v->of.s >= lim) {
            rt_err(err, "%s: %lld is out of range for %s", path, (long long)v->of.s, kind_name(t->kind));
            return false;
        }
        return true;
    }
    case WASMC_CVAL_U8: case WASMC_CVAL_U16: case WASMC_CVAL_U32: {
        int bits = t->kind == WASMC_CVAL_U8 ? 8 : t->kind == WASMC_CVAL_U16 ? 16 : 32;
        if (v->of.u >> bits) {
            rt_err(err, "%s: %llu is out of range for %s", path, (unsigned long long)v->of.u, kind_name(t->kind));
            return false;
        }
        return true;
    }
    case WASMC_CVAL_CHAR:
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF)) {
            rt_err(err, "%s: U+%X is not a Unicode scalar value", path, v->of.ch);
            return false;
        }
        return true;
    case WASMC_CVAL_STRING:
        if (v->of.str.len && !v->of.str.ptr) {
            rt_err(err, "%s: string of length %zu without bytes", path, v->of.str.len);
            return false;
        }
        if (v->of.str.len > CT_MAX_STRING_BYTES) {
            rt_err(err, "%s: string of %zu bytes is longer than the canonical ABI allows", path, v->of.str.len);
            return false;
        }
        if (!utf8_valid((const uint8_t *)v->of.str.ptr, v->of.str.len)) {
            rt_err(err, "%s: string is not valid UTF-8", path);
            return false;
        }
        return true;
    case WASMC_CVAL_LIST:
        if (v->of.list.len && !v->of.list.items) {
            rt_err(err, "%s: list of length %zu without items", path, v->of.list.len);
            return false;
        }
        if ((uint64_t)v->of.list.len * t->children[0]->size > CT_MAX_LIST_BYTES) {
            rt_err(err, "%s: list of %zu elements is longer than the canonical ABI allows", path, v->of.list.len);
            return false;
        }
        for (size_t i = 0; i < v->of.list.len; i++) {
            snprintf(sub, sizeof sub, "%.150s[%zu]", path, i);
            if (!check(t->children[0], &v->of.list.items[i], sub, err)) return false;
        }
        return true;
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE:
        if (v->of.list.len != t->count || !v->of.list.items) {
            rt_err(err, "%s: %s of %u fields given %zu", path, kind_name(t->kind), t->count, v->of.list.len);
            return false;
        }
        for (uint32_t i = 0; i < t->count; i++) {
            if (t->names) snprintf(sub, sizeof sub, "%.150s.%.40s", path, t->names[i]);
            else snprintf(sub, sizeof sub, "%.150s.%u", path, i);
            if (!check(t->children[i], &v->of.list.items[i], sub, err)) return false;
        }
        return true;
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        uint32_t c = v->of.variant.case_;
        if (c >= ct_num_cases(t)) {
            rt_err(err, "%s: case %u of a %s with %u cases", path, c, kind_name(t->kind), ct_num_cases(t));
            return false;
        }
        if (t->kind == WASMC_CVAL_ENUM) return true;
        const wasmrt_ctype *pt = ct_case_type(t, c);
        if (!pt) {
            if (v->of.variant.payload) {
                rt_err(err, "%s: case %u takes no payload", path, c);
                return false;
            }
            return true;
        }
        if (!v->of.variant.payload) {
            rt_err(err, "%s: case %u needs a payload", path, c);
            return false;
        }
        snprintf(sub, sizeof sub, "%.150s(%u)", path, c);
        return check(pt, v->of.variant.payload, sub, err);
    }
    case WASMC_CVAL_FLAGS:
        if (t->count < 32 && (v->of.flags >> t->count)) {
            rt_err(err, "%s: flags 0x%x set beyond the %u flags", path, v->of.flags, t->count);
            return false;
        }
        return true;
    default: return true;
    }
}

bool ct_value_check(const wasmrt_ctype *t, const wasmrt_cval *v, wasmrt_error *err) {
    return check(t, v, "value", err);
}
