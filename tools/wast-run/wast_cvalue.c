/* Component values: JSON -> wasmrt_cval against a declared type, equality,
 * printing.  Pure (no instance, no calls), so tests/unit/test_wast_cvalue.c
 * runs it on hand-built types.  Recursion follows the declared type, whose
 * depth the plan caps (WASMC_PLAN_MAX_TYPE_DEPTH); JSON deeper than the
 * type is refused when the kinds stop matching.
 */
#include "wast_cvalue.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
#define WAST_KIND_NAME_(id, wit) wit,
    WASMC_CVAL_KINDS(WAST_KIND_NAME_)
#undef WAST_KIND_NAME_
};

const char *wast_ckind_name(unsigned kind) { return kind < WASMC_CVAL_COUNT_ ? kind_names[kind] : "?"; }

/* The path into the value, for messages: "[2].field-a.some". */
typedef struct Ctx {
    char *err;
    size_t errlen;
    char path[200];
} Ctx;

__attribute__((format(printf, 2, 3)))
static bool cerr(Ctx *c, const char *fmt, ...) {
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->path[0]) snprintf(c->err, c->errlen, "at %s: %s", c->path, msg);
    else snprintf(c->err, c->errlen, "%s", msg);
    return false;
}

/* Appends to the path for the duration of one child; returns the old length. */
__attribute__((format(printf, 2, 3)))
static size_t push(Ctx *c, const char *fmt, ...) {
    size_t len = strlen(c->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->path + len, sizeof c->path - len, fmt, ap);
    va_end(ap);
    return len;
}

static void pop(Ctx *c, size_t len) { c->path[len] = 0; }

static uint32_t find_name(const wasmrt_ctype *t, const char *s) {
    uint32_t n = wasmrt_ctype_count(t);
    for (uint32_t i = 0; i < n; i++) {
        const char *name = wasmrt_ctype_name(t, i);
        if (name && strcmp(name, s) == 0) return i;
    }
    return UINT32_MAX;
}

/* A decimal integer string: optional '-', digits; magnitude in *mag. */
static bool parse_decimal(const char *s, bool *neg, uint64_t *mag) {
    *neg = *s == '-';
    if (*neg) s++;
    if (!*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *mag = v;
    return true;
}

/* UTF-8 -> one scalar value; false unless s[0..len) is exactly one. */
static bool one_scalar(const char *s, size_t len, uint32_t *cp) {
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0) return false;
    size_t k = u[0] < 0x80 ? 1 : (u[0] & 0xE0) == 0xC0 ? 2 : (u[0] & 0xF0) == 0xE0 ? 3 : (u[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (k == 0 || k != len) return false;
    uint32_t c = k == 1 ? u[0] : u[0] & (0x3Fu >> (k - 1));
    for (size_t i = 1; i < k; i++) {
        if ((u[i] & 0xC0) != 0x80) return false;
        c = (c << 6) | (u[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[k] || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000)) return false;
    *cp = c;
    return true;
}

static bool from_json(Ctx *c, const JsonValue *j, const wasmrt_ctype *t, wasmrt_cval *out);

static wasmrt_cval *payload_from_json(Ctx *c, const JsonValue *j, const wasmrt_ctype *pt, const char *label) {
    wasmrt_cval *v = calloc(1, sizeof *v);
    if (!v) return cerr(c, "out of memory"), NULL;
    size_t len = push(c, "%s%s", c->path[0] ? "." : "", label);
    bool ok = from_json(c, j, pt, v);
    pop(c, len);
    if (!ok) {
        wasmrt_cval_free(v);
        free(v);
        return NULL;
    }
    return v;
}

/* The case's payload: present exactly when the type has one. */
static bool case_payload(Ctx *c, const JsonValue *j, const wasmrt_ctype *pt, const char *label, wasmrt_cval *out) {
    const JsonValue *pv = json_get(j, "value");
    if (!pt && pv) return cerr(c, "case %s has no payload, but the script gives one", label);
    if (pt && !pv) return cerr(c, "case %s needs a payload of type %s", label, wast_ckind_name(wasmrt_ctype_kind(pt)));
    out->of.variant.payload = NULL;
    if (!pt) return true;
    out->of.variant.payload = payload_from_json(c, pv, pt, label);
    return out->of.variant.payload != NULL;
}

static bool from_json(Ctx *c, const JsonValue *j, const wasmrt_ctype *t, wasmrt_cval *out) {
    memset(out, 0, sizeof *out);
    wasmc_cval_kind k = wasmrt_ctype_kind(t);
    const char *jt = json_get_string(j, "type", NULL);
    if (!jt) return cerr(c, "value without a type");
    if (strcmp(jt, wast_ckind_name(k)) != 0)
        return cerr(c, "the script gives a %s where the function has a %s", jt, wast_ckind_name(k));
    out->kind = (uint8_t)k;
    size_t vlen = 0;
    const char *vs = json_get_string(j, "value", &vlen);
    const JsonValue *arr = json_get(j, "value");
    switch (k) {
    case WASMC_CVAL_BOOL:
        if (!vs || (strcmp(vs, "true") != 0 && strcmp(vs, "false") != 0)) return cerr(c, "bool value is not true/false");
        out->of.b = vs[0] == 't';
        return true;
    case WASMC_CVAL_S8: case WASMC_CVAL_S16: case WASMC_CVAL_S32: case WASMC_CVAL_S64:
    case WASMC_CVAL_U8: case WASMC_CVAL_U16: case WASMC_CVAL_U32: case WASMC_CVAL_U64: {
        static const unsigned bits[] = {[WASMC_CVAL_S8] = 8,   [WASMC_CVAL_U8] = 8,  [WASMC_CVAL_S16] = 16,
                                        [WASMC_CVAL_U16] = 16, [WASMC_CVAL_S32] = 32, [WASMC_CVAL_U32] = 32,
                                        [WASMC_CVAL_S64] = 64, [WASMC_CVAL_U64] = 64};
        bool neg;
        uint64_t mag;
        if (!vs || !parse_decimal(vs, &neg, &mag)) return cerr(c, "%s value '%s' is not a decimal integer", jt, vs ? vs : "");
        unsigned w = bits[k];
        bool is_signed = k == WASMC_CVAL_S8 || k == WASMC_CVAL_S16 || k == WASMC_CVAL_S32 || k == WASMC_CVAL_S64;
        if (is_signed) {
            uint64_t lim = UINT64_C(1) << (w - 1);
            if (neg ? mag > lim : mag >= lim) return cerr(c, "%s is out of range for %s", vs, jt);
            out->of.s = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        } else {
            uint64_t max = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
            if ((neg && mag) || mag > max) return cerr(c, "%s is out of range for %s", vs, jt);
            out->of.u = mag;
        }
        return true;
    }
    case WASMC_CVAL_F32: case WASMC_CVAL_F64: {
        if (!vs) return cerr(c, "%s without a value", jt);
        bool nan = strncmp(vs, "nan:", 4) == 0;
        bool neg;
        uint64_t bitsv = 0;
        if (!nan && (!parse_decimal(vs, &neg, &bitsv) || neg || (k == WASMC_CVAL_F32 && bitsv > UINT32_MAX)))
            return cerr(c, "%s value '%s' is not a bit pattern", jt, vs);
        if (k == WASMC_CVAL_F32) {
            uint32_t b = (uint32_t)bitsv;
            if (nan) out->of.f32 = NAN;
            else memcpy(&out->of.f32, &b, 4);
        } else {
            if (nan) out->of.f64 = (double)NAN;
            else memcpy(&out->of.f64, &bitsv, 8);
        }
        return true;
    }
    case WASMC_CVAL_CHAR:
        if (!vs || !one_scalar(vs, vlen, &out->of.ch)) return cerr(c, "char value is not one Unicode scalar value");
        return true;
    case WASMC_CVAL_STRING:
        if (!vs) return cerr(c, "string without a value");
        out->of.str.ptr = malloc(vlen + 1);
        if (!out->of.str.ptr) return cerr(c, "out of memory");
        memcpy(out->of.str.ptr, vs, vlen + 1);
        out->of.str.len = vlen;
        return true;
    case WASMC_CVAL_LIST: case WASMC_CVAL_TUPLE: {
        if (!arr || arr->type != JSON_ARRAY) return cerr(c, "%s without a \"value\" array", jt);
        size_t n = arr->u.array.count;
        if (k == WASMC_CVAL_TUPLE && n != wasmrt_ctype_count(t))
            return cerr(c, "the tuple has %u elements, the script gives %zu", wasmrt_ctype_count(t), n);
        out->of.list.items = calloc(n ? n : 1, sizeof *out->of.list.items);
        if (!out->of.list.items) return cerr(c, "out of memory");
        for (size_t i = 0; i < n; i++) {
            size_t len = push(c, "[%zu]", i);
            const wasmrt_ctype *et = wasmrt_ctype_child(t, k == WASMC_CVAL_LIST ? 0 : (uint32_t)i);
            bool ok = from_json(c, arr->u.array.items[i], et, &out->of.list.items[i]);
            pop(c, len);
            out->of.list.len = i + (ok ? 1 : 0);
            if (!ok) {
                wasmrt_cval_free(out);
                memset(out, 0, sizeof *out);
                return false;
            }
        }
        out->of.list.len = n;
        return true;
    }
    case WASMC_CVAL_RECORD: {
        const JsonValue *fields = json_get(j, "fields");
        uint32_t n = wasmrt_ctype_count(t);
        if (!fields || fields->type != JSON_ARRAY) return cerr(c, "record without a \"fields\" array");
        if (fields->u.array.count != n)
            return cerr(c, "the record has %u fields, the script gives %zu", n, fields->u.array.count);
        out->of.list.items = calloc(n ? n : 1, sizeof *out->of.list.items);
        bool *set = calloc(n ? n : 1, 1);
        bool ok = out->of.list.items && set;
        if (!ok) cerr(c, "out of memory");
        out->of.list.len = n;
        for (size_t i = 0; ok && i < n; i++) {
            const JsonValue *f = fields->u.array.items[i];
            const char *name = json_get_string(f, "name", NULL);
            uint32_t idx = name ? find_name(t, name) : UINT32_MAX;
            if (idx == UINT32_MAX) {
                ok = cerr(c, "the record has no field '%s'", name ? name : "(unnamed)");
            } else if (set[idx]) {
                ok = cerr(c, "field '%s' is given twice", name);
            } else {
                size_t len = push(c, "%s%s", c->path[0] ? "." : "", name);
                ok = from_json(c, json_get(f, "value"), wasmrt_ctype_child(t, idx), &out->of.list.items[idx]);
                pop(c, len);
                set[idx] = ok;
            }
        }
        free(set);
        if (!ok) {
            wasmrt_cval_free(out);
            memset(out, 0, sizeof *out);
        }
        return ok;
    }
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: {
        const char *cs = json_get_string(j, "case", NULL);
        uint32_t idx = cs ? find_name(t, cs) : UINT32_MAX;
        if (idx == UINT32_MAX) return cerr(c, "the %s has no case '%s'", jt, cs ? cs : "(none given)");
        out->of.variant.case_ = idx;
        if (k == WASMC_CVAL_ENUM) {
            if (json_get(j, "value")) return cerr(c, "enum case %s has no payload", cs);
            return true;
        }
        return case_payload(c, j, wasmrt_ctype_child(t, idx), cs, out);
    }
    case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        const char *cs = json_get_string(j, "case", NULL);
        const char *c0 = k == WASMC_CVAL_OPTION ? "none" : "ok", *c1 = k == WASMC_CVAL_OPTION ? "some" : "err";
        if (!cs || (strcmp(cs, c0) != 0 && strcmp(cs, c1) != 0))
            return cerr(c, "%s case must be %s or %s", jt, c0, c1);
        uint32_t idx = strcmp(cs, c0) == 0 ? 0 : 1;
        /* option: case 0 = none (no payload), 1 = some (child 0);
         * result: case 0 = ok (child 0), 1 = err (child 1). */
        const wasmrt_ctype *pt = k == WASMC_CVAL_OPTION ? (idx ? wasmrt_ctype_child(t, 0) : NULL)
                                                        : wasmrt_ctype_child(t, idx);
        out->of.variant.case_ = idx;
        return case_payload(c, j, pt, cs, out);
    }
    case WASMC_CVAL_FLAGS: {
        if (!arr || arr->type != JSON_ARRAY) return cerr(c, "flags without a \"value\" array");
        uint32_t bits = 0;
        for (size_t i = 0; i < arr->u.array.count; i++) {
            const JsonValue *f = arr->u.array.items[i];
            uint32_t idx = f->type == JSON_STRING ? find_name(t, f->u.string.chars) : UINT32_MAX;
            if (idx == UINT32_MAX || idx >= 32)
                return cerr(c, "unknown flag '%s'", f->type == JSON_STRING ? f->u.string.chars : "?");
            bits |= UINT32_C(1) << idx;
        }
        out->of.flags = bits;
        return true;
    }
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW:
    default:
        return cerr(c, "values of type %s cannot be written in a script", wast_ckind_name(k));
    }
}

bool wast_cval_from_json(const JsonValue *j, const wasmrt_ctype *t, wasmrt_cval *out, char *err, size_t errlen) {
    Ctx c = {err, errlen, ""};
    memset(out, 0, sizeof *out);
    if (!j || !t) return cerr(&c, j ? "no type" : "no value");
    return from_json(&c, j, t, out);
}

static bool float_eq32(float a, float b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, 4) == 0;
}

static bool float_eq64(double a, double b) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, 8) == 0;
}

bool wast_cval_equal(const wasmrt_ctype *t, const wasmrt_cval *a, const wasmrt_cval *b) {
    if (a->kind != b->kind) return false;
    switch ((wasmc_cval_kind)a->kind) {
    case WASMC_CVAL_BOOL: return a->of.b == b->of.b;
    case WASMC_CVAL_S8: case WASMC_CVAL_S16: case WASMC_CVAL_S32: case WASMC_CVAL_S64: return a->of.s == b->of.s;
    case WASMC_CVAL_U8: case WASMC_CVAL_U16: case WASMC_CVAL_U32: case WASMC_CVAL_U64: return a->of.u == b->of.u;
    case WASMC_CVAL_F32: return float_eq32(a->of.f32, b->of.f32);
    case WASMC_CVAL_F64: return float_eq64(a->of.f64, b->of.f64);
    case WASMC_CVAL_CHAR: return a->of.ch == b->of.ch;
    case WASMC_CVAL_STRING:
        return a->of.str.len == b->of.str.len && memcmp(a->of.str.ptr, b->of.str.ptr, a->of.str.len) == 0;
    case WASMC_CVAL_LIST: case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE:
        if (a->of.list.len != b->of.list.len) return false;
        for (size_t i = 0; i < a->of.list.len; i++) {
            const wasmrt_ctype *et = wasmrt_ctype_child(t, a->kind == WASMC_CVAL_LIST ? 0 : (uint32_t)i);
            if (!wast_cval_equal(et, &a->of.list.items[i], &b->of.list.items[i])) return false;
        }
        return true;
    case WASMC_CVAL_ENUM: return a->of.variant.case_ == b->of.variant.case_;
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        if (a->of.variant.case_ != b->of.variant.case_) return false;
        const wasmrt_cval *pa = a->of.variant.payload, *pb = b->of.variant.payload;
        if (!pa || !pb) return pa == pb;
        uint32_t cs = a->of.variant.case_;
        const wasmrt_ctype *pt = a->kind == WASMC_CVAL_OPTION ? wasmrt_ctype_child(t, 0) : wasmrt_ctype_child(t, cs);
        return pt && wast_cval_equal(pt, pa, pb);
    }
    case WASMC_CVAL_FLAGS: return a->of.flags == b->of.flags;
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW: return a->of.handle == b->of.handle;
    default: return false;
    }
}

void wast_cval_format(const wasmrt_ctype *t, const wasmrt_cval *v, char *buf, size_t n) {
    if (!n) return;
    char *s = wasmrt_wave_print(t, v);
    if (!s) {
        snprintf(buf, n, "(out of memory)");
        return;
    }
    size_t len = strlen(s);
    if (len < n) {
        memcpy(buf, s, len + 1);
    } else if (n > 4) {
        memcpy(buf, s, n - 4);
        memcpy(buf + n - 4, "...", 4);
    } else {
        buf[0] = 0;
    }
    free(s);
}
