/* Values of spec scripts: arguments, expected results and their patterns.
 *
 * wast2json writes every value as {"type": T, "value": V} where numbers are
 * decimal strings of their bit patterns (so NaN payloads survive), floats
 * may instead be the patterns "nan:canonical" / "nan:arithmetic", a v128 is
 * {"lane_type": L, "value": [lane...]} whose lanes may each be a pattern,
 * and references are "null" or, for externref, a host reference number N.
 * A WastValue holds one of those, already checked, so that running a script
 * never has to look at JSON again; comparison follows the spec's result
 * patterns exactly (bitwise for numbers, including the sign of NaN when no
 * pattern is given).
 */
#ifndef WAST_VALUE_H
#define WAST_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "wasmrt.h"

/* Value types by their binary encodings, as wasmrt_val.kind uses them. */
enum {
    WAST_I32 = 0x7F,
    WAST_I64 = 0x7E,
    WAST_F32 = 0x7D,
    WAST_F64 = 0x7C,
    WAST_V128 = 0x7B,
    WAST_FUNCREF = 0x70,
    WAST_EXTERNREF = 0x6F,
};

typedef enum WastPattern {
    WAST_PAT_EXACT = 0,      /* the bits must match */
    WAST_PAT_NAN_CANONICAL,  /* any canonical NaN, either sign */
    WAST_PAT_NAN_ARITHMETIC, /* any NaN with the quiet bit set */
    WAST_PAT_ANY,            /* no value given (assert_trap's result types) */
    WAST_PAT_REF_NONNULL,    /* funcref: any non-null reference */
    WAST_PAT_REF_NULL_ANY,   /* (ref.null) without a heap type: a null of any reference type */
} WastPattern;

typedef struct WastValue {
    uint8_t type;              /* WAST_I32 ... */
    uint8_t lane_type;         /* v128: WAST_I32/I64/F32/F64, or 8 / 16 for i8 / i16 lanes */
    uint8_t num_lanes;         /* v128 */
    uint8_t pattern;           /* WastPattern of a scalar (or of the whole v128) */
    uint8_t lane_pattern[16];  /* v128: per lane */
    union {
        uint32_t i32;          /* also f32 bits */
        uint64_t i64;          /* also f64 bits */
        uint8_t v128[16];      /* little-endian lanes */
        struct { bool is_null; uint64_t id; } ref;
    } of;
} WastValue;

/* Lane types of v128 values that are not value types. */
enum { WAST_LANE_I8 = 8, WAST_LANE_I16 = 16 };

/* Read one value.  allow_patterns: NaN patterns and missing values are
 * accepted (expected results), otherwise only concrete values (arguments).
 * On failure returns false with a message in err. */
bool wast_value_parse(const JsonValue *v, bool allow_patterns, WastValue *out, char *err, size_t errlen);

/* The runtime's form of a concrete value.  Host references are minted
 * from their number: externref N is the opaque pointer N+1, never NULL. */
bool wast_value_to_rt(const WastValue *v, wasmrt_val *out);
void *wast_host_ref(uint64_t id);

/* Does got (of the type the callee declared) satisfy expected? */
bool wast_value_matches(const WastValue *expected, const wasmrt_val *got);

/* Does a result of declared type `type` have expected's type?  (A typeless
 * null pattern fits every reference type.) */
bool wast_value_type_fits(const WastValue *expected, uint8_t type);

/* NaN classes of raw float bits. */
bool wast_f32_is_canonical_nan(uint32_t bits);
bool wast_f32_is_arithmetic_nan(uint32_t bits);
bool wast_f64_is_canonical_nan(uint64_t bits);
bool wast_f64_is_arithmetic_nan(uint64_t bits);

/* Human-readable forms for failure messages ("i32:-1", "f32:nan:canonical",
 * "v128:i32x4[1 2 3 4]").  A got value is shown with the expected value's
 * lane type so the two line up.  Output is always NUL-terminated. */
void wast_value_format(const WastValue *v, char *buf, size_t n);
void wast_rt_value_format(const wasmrt_val *v, uint8_t type, uint8_t lane_type, char *buf, size_t n);
const char *wast_type_name(uint8_t type);

/* Trap text matching as the reference interpreter does it: the expected
 * text is a prefix of the actual message.  Also accepted: the expected text
 * is the actual message plus " <index>" (the suite's "uninitialized element
 * 2"), a detail wasmrt's fixed messages do not carry. */
bool wast_trap_text_matches(const char *expected, const char *actual);

#endif
