/* Spec-script values: parsing from wast2json's JSON, matching, printing.
 *
 * Everything here is pure (no runtime calls), so the unit tests exercise the
 * NaN classes and the per-lane comparisons directly.  Numbers are parsed
 * from their decimal bit patterns with exact range checks for the lane or
 * value width; wast2json writes them unsigned, but a leading '-' is taken
 * as two's complement so hand-written scripts work too.
 */
#include "wast_value.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static bool verr(char *err, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
    return false;
}

const char *wast_type_name(uint8_t type) {
    switch (type) {
    case WAST_I32: return "i32";
    case WAST_I64: return "i64";
    case WAST_F32: return "f32";
    case WAST_F64: return "f64";
    case WAST_V128: return "v128";
    case WAST_FUNCREF: return "funcref";
    case WAST_EXTERNREF: return "externref";
    case WAST_LANE_I8: return "i8";
    case WAST_LANE_I16: return "i16";
    default: return "?";
    }
}

static bool type_from_name(const char *s, uint8_t *out) {
    static const struct { const char *name; uint8_t type; } names[] = {
        {"i32", WAST_I32}, {"i64", WAST_I64}, {"f32", WAST_F32}, {"f64", WAST_F64},
        {"v128", WAST_V128}, {"funcref", WAST_FUNCREF}, {"externref", WAST_EXTERNREF},
        {"i8", WAST_LANE_I8}, {"i16", WAST_LANE_I16},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].type;
            return true;
        }
    return false;
}

static unsigned width_bits(uint8_t type) {
    switch (type) {
    case WAST_LANE_I8: return 8;
    case WAST_LANE_I16: return 16;
    case WAST_I32: case WAST_F32: return 32;
    case WAST_I64: case WAST_F64: return 64;
    default: return 0;
    }
}

/* Decimal text of a `bits`-wide pattern: 0..2^bits-1, or -2^(bits-1)..-1. */
static bool parse_bits(const char *s, unsigned bits, uint64_t *out) {
    bool neg = *s == '-';
    if (neg) s++;
    if (!*s) return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
    if (neg) {
        uint64_t min_mag = UINT64_C(1) << (bits - 1);
        if (v > min_mag) return false;
        v = (0 - v) & mask;
    } else if (v > mask) {
        return false;
    }
    *out = v;
    return true;
}

static bool parse_pattern(const char *s, uint8_t *pat) {
    if (strcmp(s, "nan:canonical") == 0) *pat = WAST_PAT_NAN_CANONICAL;
    else if (strcmp(s, "nan:arithmetic") == 0) *pat = WAST_PAT_NAN_ARITHMETIC;
    else return false;
    return true;
}

static void store_lane(uint8_t *bytes, unsigned lane, unsigned bits, uint64_t v) {
    for (unsigned b = 0; b < bits / 8; b++) bytes[lane * (bits / 8) + b] = (uint8_t)(v >> (8 * b));
}

static uint64_t load_lane(const uint8_t *bytes, unsigned lane, unsigned bits) {
    uint64_t v = 0;
    for (unsigned b = 0; b < bits / 8; b++) v |= (uint64_t)bytes[lane * (bits / 8) + b] << (8 * b);
    return v;
}

static bool parse_v128(const JsonValue *v, bool allow_patterns, WastValue *out, char *err, size_t n) {
    const char *lt = json_get_string(v, "lane_type", NULL);
    const JsonValue *lanes = json_get(v, "value");
    if (!lanes) {
        if (!allow_patterns) return verr(err, n, "v128 argument without a value");
        out->pattern = WAST_PAT_ANY;
        return true;
    }
    if (!lt || !type_from_name(lt, &out->lane_type) || !width_bits(out->lane_type))
        return verr(err, n, "v128 value with a missing or unknown lane_type");
    unsigned bits = width_bits(out->lane_type);
    out->num_lanes = (uint8_t)(128 / bits);
    if (lanes->type != JSON_ARRAY || lanes->u.array.count != out->num_lanes)
        return verr(err, n, "v128 %sx%u value needs an array of %u lanes", lt, out->num_lanes, out->num_lanes);
    bool is_float = out->lane_type == WAST_F32 || out->lane_type == WAST_F64;
    for (unsigned i = 0; i < out->num_lanes; i++) {
        const JsonValue *lane = lanes->u.array.items[i];
        if (lane->type != JSON_STRING) return verr(err, n, "v128 lane %u is not a string", i);
        const char *s = lane->u.string.chars;
        uint64_t bitsv;
        if (is_float && parse_pattern(s, &out->lane_pattern[i])) {
            if (!allow_patterns) return verr(err, n, "NaN pattern '%s' in an argument", s);
            continue;
        }
        if (!parse_bits(s, bits, &bitsv)) return verr(err, n, "v128 lane %u: bad %s value '%s'", i, lt, s);
        store_lane(out->of.v128, i, bits, bitsv);
    }
    return true;
}

bool wast_value_parse(const JsonValue *v, bool allow_patterns, WastValue *out, char *err, size_t n) {
    memset(out, 0, sizeof *out);
    const char *ts = json_get_string(v, "type", NULL);
    if (!ts) return verr(err, n, "value without a type");
    /* 3.0's typeless null, and the bottom types' nulls of the two reference
     * types wasmc has (their only value is null). */
    if (strcmp(ts, "refnull") == 0) {
        if (!allow_patterns) return verr(err, n, "a null of no type cannot be an argument");
        out->type = WAST_FUNCREF;
        out->pattern = WAST_PAT_REF_NULL_ANY;
        out->of.ref.is_null = true;
        return true;
    }
    if (strcmp(ts, "nullfuncref") == 0 || strcmp(ts, "nullexternref") == 0) {
        out->type = ts[4] == 'f' ? WAST_FUNCREF : WAST_EXTERNREF;
        out->of.ref.is_null = true;
        return true;
    }
    if (!type_from_name(ts, &out->type) || out->type == WAST_LANE_I8 || out->type == WAST_LANE_I16)
        return verr(err, n, "unknown value type '%s'", ts);
    if (out->type == WAST_V128) return parse_v128(v, allow_patterns, out, err, n);

    const JsonValue *val = json_get(v, "value");
    if (!val) {
        if (!allow_patterns) return verr(err, n, "%s argument without a value", ts);
        out->pattern = WAST_PAT_ANY;
        return true;
    }
    if (val->type != JSON_STRING) return verr(err, n, "%s value is not a string", ts);
    const char *s = val->u.string.chars;

    if (out->type == WAST_FUNCREF || out->type == WAST_EXTERNREF) {
        if (strcmp(s, "null") == 0) {
            out->of.ref.is_null = true;
            return true;
        }
        if (out->type == WAST_FUNCREF) {
            /* The suite has no concrete function references; an expected
             * non-null one can only mean "some function". */
            if (!allow_patterns) return verr(err, n, "funcref argument '%s' cannot be made by the host", s);
            out->pattern = WAST_PAT_REF_NONNULL;
            return true;
        }
        if (!parse_bits(s, 64, &out->of.ref.id) || s[0] == '-')
            return verr(err, n, "bad externref value '%s'", s);
        return true;
    }

    bool is_float = out->type == WAST_F32 || out->type == WAST_F64;
    if (is_float && parse_pattern(s, &out->pattern)) {
        if (!allow_patterns) return verr(err, n, "NaN pattern '%s' in an argument", s);
        return true;
    }
    uint64_t bitsv;
    if (!parse_bits(s, width_bits(out->type), &bitsv)) return verr(err, n, "bad %s value '%s'", ts, s);
    if (width_bits(out->type) == 32) out->of.i32 = (uint32_t)bitsv;
    else out->of.i64 = bitsv;
    return true;
}

void *wast_host_ref(uint64_t id) { return (void *)(uintptr_t)(id + 1); }

bool wast_value_to_rt(const WastValue *v, wasmrt_val *out) {
    memset(out, 0, sizeof *out);
    out->kind = v->type;
    if (v->pattern != WAST_PAT_EXACT) return false;
    switch (v->type) {
    case WAST_I32: out->of.i32 = (int32_t)v->of.i32; return true;
    case WAST_F32: memcpy(&out->of.f32, &v->of.i32, 4); return true;
    case WAST_I64: out->of.i64 = (int64_t)v->of.i64; return true;
    case WAST_F64: memcpy(&out->of.f64, &v->of.i64, 8); return true;
    case WAST_V128:
        for (unsigned i = 0; i < v->num_lanes; i++)
            if (v->lane_pattern[i] != WAST_PAT_EXACT) return false;
        memcpy(out->of.v128, v->of.v128, 16);
        return true;
    case WAST_EXTERNREF:
        out->of.ref = v->of.ref.is_null ? NULL : wast_host_ref(v->of.ref.id);
        return true;
    case WAST_FUNCREF:
        if (!v->of.ref.is_null) return false;
        out->of.ref = NULL;
        return true;
    default:
        return false;
    }
}

bool wast_f32_is_canonical_nan(uint32_t b) { return (b & 0x7FFFFFFFu) == 0x7FC00000u; }
bool wast_f32_is_arithmetic_nan(uint32_t b) { return (b & 0x7FC00000u) == 0x7FC00000u; }
bool wast_f64_is_canonical_nan(uint64_t b) {
    return (b & UINT64_C(0x7FFFFFFFFFFFFFFF)) == UINT64_C(0x7FF8000000000000);
}
bool wast_f64_is_arithmetic_nan(uint64_t b) {
    return (b & UINT64_C(0x7FF8000000000000)) == UINT64_C(0x7FF8000000000000);
}

/* One float (or integer) of `bits` width against a pattern. */
static bool bits_match(uint8_t pattern, bool is_float, unsigned bits, uint64_t want, uint64_t got) {
    switch (pattern) {
    case WAST_PAT_ANY: return true;
    case WAST_PAT_NAN_CANONICAL:
        if (!is_float) return false;
        return bits == 32 ? wast_f32_is_canonical_nan((uint32_t)got) : wast_f64_is_canonical_nan(got);
    case WAST_PAT_NAN_ARITHMETIC:
        if (!is_float) return false;
        return bits == 32 ? wast_f32_is_arithmetic_nan((uint32_t)got) : wast_f64_is_arithmetic_nan(got);
    default: return want == got;
    }
}

bool wast_value_type_fits(const WastValue *e, uint8_t type) {
    if (e->pattern == WAST_PAT_REF_NULL_ANY) return type == WAST_FUNCREF || type == WAST_EXTERNREF;
    return e->type == type;
}

bool wast_value_matches(const WastValue *e, const wasmrt_val *got) {
    if (e->pattern == WAST_PAT_ANY) return true;
    switch (e->type) {
    case WAST_I32: return (uint32_t)got->of.i32 == e->of.i32;
    case WAST_I64: return (uint64_t)got->of.i64 == e->of.i64;
    case WAST_F32: {
        uint32_t b;
        memcpy(&b, &got->of.f32, 4);
        return bits_match(e->pattern, true, 32, e->of.i32, b);
    }
    case WAST_F64: {
        uint64_t b;
        memcpy(&b, &got->of.f64, 8);
        return bits_match(e->pattern, true, 64, e->of.i64, b);
    }
    case WAST_V128: {
        unsigned bits = width_bits(e->lane_type);
        bool is_float = e->lane_type == WAST_F32 || e->lane_type == WAST_F64;
        for (unsigned i = 0; i < e->num_lanes; i++)
            if (!bits_match(e->lane_pattern[i], is_float, bits, load_lane(e->of.v128, i, bits),
                            load_lane(got->of.v128, i, bits)))
                return false;
        return true;
    }
    case WAST_FUNCREF:
        if (e->pattern == WAST_PAT_REF_NULL_ANY) return got->of.ref == NULL;
        if (e->pattern == WAST_PAT_REF_NONNULL) return got->of.ref != NULL;
        return got->of.ref == NULL; /* only null can be written in a script */
    case WAST_EXTERNREF:
        if (e->of.ref.is_null) return got->of.ref == NULL;
        return got->of.ref == wast_host_ref(e->of.ref.id);
    default:
        return false;
    }
}

/* ---- Printing ----------------------------------------------------------- */

typedef struct Out {
    char *buf;
    size_t n, len;
} Out;

__attribute__((format(printf, 2, 3)))
static void put(Out *o, const char *fmt, ...) {
    if (o->len >= o->n) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(o->buf + o->len, o->n - o->len, fmt, ap);
    va_end(ap);
    if (k > 0) o->len = o->len + (size_t)k < o->n ? o->len + (size_t)k : o->n - 1;
}

static void put_pattern(Out *o, uint8_t p) {
    put(o, "%s", p == WAST_PAT_NAN_CANONICAL ? "nan:canonical" : p == WAST_PAT_NAN_ARITHMETIC ? "nan:arithmetic" : "*");
}

static void put_bits(Out *o, uint8_t type, uint64_t b) {
    switch (type) {
    case WAST_LANE_I8: put(o, "%d", (int8_t)b); break;
    case WAST_LANE_I16: put(o, "%d", (int16_t)b); break;
    case WAST_I32: put(o, "%" PRId32, (int32_t)b); break;
    case WAST_I64: put(o, "%" PRId64, (int64_t)b); break;
    case WAST_F32: {
        float f;
        uint32_t u = (uint32_t)b;
        memcpy(&f, &u, 4);
        if (f != f) put(o, "%snan(0x%08" PRIx32 ")", (u >> 31) ? "-" : "", u);
        else put(o, "%.9g", (double)f);
        break;
    }
    case WAST_F64: {
        double d;
        memcpy(&d, &b, 8);
        if (d != d) put(o, "%snan(0x%016" PRIx64 ")", (b >> 63) ? "-" : "", b);
        else put(o, "%.17g", d);
        break;
    }
    }
}

static void put_v128(Out *o, const uint8_t *bytes, uint8_t lane_type, const uint8_t *patterns) {
    if (!width_bits(lane_type)) lane_type = WAST_I32;
    unsigned bits = width_bits(lane_type), lanes = 128 / bits;
    put(o, "v128:%sx%u[", wast_type_name(lane_type), lanes);
    for (unsigned i = 0; i < lanes; i++) {
        if (i) put(o, " ");
        if (patterns && patterns[i] != WAST_PAT_EXACT) put_pattern(o, patterns[i]);
        else put_bits(o, lane_type, load_lane(bytes, i, bits));
    }
    put(o, "]");
}

void wast_value_format(const WastValue *v, char *buf, size_t n) {
    Out o = {buf, n, 0};
    if (n) buf[0] = 0;
    if (v->pattern == WAST_PAT_ANY) {
        put(&o, "%s:*", wast_type_name(v->type));
        return;
    }
    switch (v->type) {
    case WAST_V128: put_v128(&o, v->of.v128, v->lane_type, v->lane_pattern); return;
    case WAST_FUNCREF:
    case WAST_EXTERNREF:
        put(&o, "%s:", wast_type_name(v->type));
        if (v->of.ref.is_null) put(&o, "null");
        else if (v->pattern == WAST_PAT_REF_NONNULL) put(&o, "non-null");
        else put(&o, "%" PRIu64, v->of.ref.id);
        return;
    default:
        put(&o, "%s:", wast_type_name(v->type));
        if (v->pattern != WAST_PAT_EXACT) put_pattern(&o, v->pattern);
        else put_bits(&o, v->type, width_bits(v->type) == 32 ? v->of.i32 : v->of.i64);
    }
}

void wast_rt_value_format(const wasmrt_val *v, uint8_t type, uint8_t lane_type, char *buf, size_t n) {
    Out o = {buf, n, 0};
    if (n) buf[0] = 0;
    switch (type) {
    case WAST_I32: put(&o, "i32:"); put_bits(&o, type, (uint32_t)v->of.i32); return;
    case WAST_I64: put(&o, "i64:"); put_bits(&o, type, (uint64_t)v->of.i64); return;
    case WAST_F32: {
        uint32_t b;
        memcpy(&b, &v->of.f32, 4);
        put(&o, "f32:");
        put_bits(&o, type, b);
        return;
    }
    case WAST_F64: {
        uint64_t b;
        memcpy(&b, &v->of.f64, 8);
        put(&o, "f64:");
        put_bits(&o, type, b);
        return;
    }
    case WAST_V128: put_v128(&o, v->of.v128, lane_type, NULL); return;
    case WAST_EXTERNREF:
        if (!v->of.ref) put(&o, "externref:null");
        else put(&o, "externref:%" PRIu64 "", (uint64_t)(uintptr_t)v->of.ref - 1);
        return;
    case WAST_FUNCREF:
        if (!v->of.ref) put(&o, "funcref:null");
        else put(&o, "funcref:%p", v->of.ref);
        return;
    default:
        put(&o, "<type 0x%02x>", type);
    }
}

bool wast_trap_text_matches(const char *expected, const char *actual) {
    size_t el = strlen(expected), al = strlen(actual);
    if (al >= el) return memcmp(actual, expected, el) == 0;
    if (memcmp(expected, actual, al) != 0 || al == 0) return false;
    const char *rest = expected + al;
    if (*rest++ != ' ' || !*rest) return false;
    for (; *rest; rest++)
        if (*rest < '0' || *rest > '9') return false;
    return true;
}
