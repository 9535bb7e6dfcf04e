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

/* A failed check: the message only when a path is being kept (path NULL:
 * the fast pass, which builds no path strings; ct_value_check reruns a
 * failing value with paths for the message). */
__attribute__((format(printf, 3, 4))) static bool fail_at(const char *path, wasmrt_error *err, const char *fmt, ...) {
    if (!path) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

static bool check(const wasmrt_ctype *t, const wasmrt_cval *v, const char *path, wasmrt_error *err) {
    if (v->kind != t->kind) {
        return fail_at(path, err, "%s: expected %s, got %s", path, kind_name(t->kind), kind_name(v->kind));
    }
    char sub[200];
    switch (t->kind) {
    case WASMC_CVAL_S8: case WASMC_CVAL_S16: case WASMC_CVAL_S32: {
        int bits = t->kind == WASMC_CVAL_S8 ? 8 : t->kind == WASMC_CVAL_S16 ? 16 : 32;
        int64_t lim = (int64_t)1 << (bits - 1);
        if (v->of.s < -lim || v->of.s >= lim) {
            return fail_at(path, err, "%s: %lld is out of range for %s", path, (long long)v->of.s, kind_name(t->kind));
        }
        return true;
    }
    case WASMC_CVAL_U8: case WASMC_CVAL_U16: case WASMC_CVAL_U32: {
        int bits = t->kind == WASMC_CVAL_U8 ? 8 : t->kind == WASMC_CVAL_U16 ? 16 : 32;
        if (v->of.u >> bits) {
            return fail_at(path, err, "%s: %llu is out of range for %s", path, (unsigned long long)v->of.u, kind_name(t->kind));
        }
        return true;
    }
    case WASMC_CVAL_CHAR:
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xD800 && v->of.ch <= 0xDFFF)) {
            return fail_at(path, err, "%s: U+%X is not a Unicode scalar value", path, v->of.ch);
        }
        return true;
    case WASMC_CVAL_STRING:
        if (v->of.str.len && !v->of.str.ptr) {
            return fail_at(path, err, "%s: string of length %zu without bytes", path, v->of.str.len);
        }
        if (v->of.str.len > CT_MAX_STRING_BYTES) {
            return fail_at(path, err, "%s: string of %zu bytes is longer than the canonical ABI allows", path, v->of.str.len);
        }
        if (!utf8_valid((const uint8_t *)v->of.str.ptr, v->of.str.len)) {
            return fail_at(path, err, "%s: string is not valid UTF-8", path);
        }
        return true;
    case WASMC_CVAL_LIST:
        if (v->of.list.len && !v->of.list.items) {
            return fail_at(path, err, "%s: list of length %zu without items", path, v->of.list.len);
        }
        if ((uint64_t)v->of.list.len * t->children[0]->size > CT_MAX_LIST_BYTES) {
            return fail_at(path, err, "%s: list of %zu elements is longer than the canonical ABI allows", path, v->of.list.len);
        }
        for (size_t i = 0; i < v->of.list.len; i++) {
            if (path) snprintf(sub, sizeof sub, "%.150s[%zu]", path, i);
            if (!check(t->children[0], &v->of.list.items[i], path ? sub : NULL, err)) return false;
        }
        return true;
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE:
        if (v->of.list.len != t->count || !v->of.list.items) {
            return fail_at(path, err, "%s: %s of %u fields given %zu", path, kind_name(t->kind), t->count, v->of.list.len);
        }
        for (uint32_t i = 0; i < t->count; i++) {
            if (path && t->names) snprintf(sub, sizeof sub, "%.150s.%.40s", path, t->names[i]);
            else if (path) snprintf(sub, sizeof sub, "%.150s.%u", path, i);
            if (!check(t->children[i], &v->of.list.items[i], path ? sub : NULL, err)) return false;
        }
        return true;
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        uint32_t c = v->of.variant.case_;
        if (c >= ct_num_cases(t)) {
            return fail_at(path, err, "%s: case %u of a %s with %u cases", path, c, kind_name(t->kind), ct_num_cases(t));
        }
        if (t->kind == WASMC_CVAL_ENUM) return true;
        const wasmrt_ctype *pt = ct_case_type(t, c);
        if (!pt) {
            if (v->of.variant.payload) {
                return fail_at(path, err, "%s: case %u takes no payload", path, c);
            }
            return true;
        }
        if (!v->of.variant.payload) {
            return fail_at(path, err, "%s: case %u needs a payload", path, c);
        }
        if (path) snprintf(sub, sizeof sub, "%.150s(%u)", path, c);
        return check(pt, v->of.variant.payload, path ? sub : NULL, err);
    }
    case WASMC_CVAL_FLAGS:
        if (t->count < 32 && (v->of.flags >> t->count)) {
            return fail_at(path, err, "%s: flags 0x%x set beyond the %u flags", path, v->of.flags, t->count);
        }
        return true;
    default: return true;
    }
}

bool ct_value_check(const wasmrt_ctype *t, const wasmrt_cval *v, wasmrt_error *err) {
    /* values are checked on every host call: the common, valid case builds
     * no "value.field[3]" paths */
    return check(t, v, NULL, err) || check(t, v, "value", err);
}
