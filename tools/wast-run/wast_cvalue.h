/* Component values of spec scripts: from the converter's JSON
 * (tools/wast-run/wast2json.mjs) to wasmrt_cval, against the type the
 * callee declares, and structural comparison of results.
 *
 * The JSON names its own type ({"type": "u32", "value": "7"}, "record"
 * with "fields", "variant" with "case", ...); it must agree with the
 * declared type's kind, so a script that passes a string where a u32 is
 * expected is an error of the script, reported, never coerced.  Names
 * (record fields, cases, flags) are looked up in the declared type, which
 * fixes their order and indices.
 *
 * Comparison is exact, except that any NaN equals any NaN: the Component
 * Model does not preserve NaN payloads (CanonicalABI.md lifts and lowers
 * floats by value), so a script's nan means "a NaN".
 */
#ifndef WAST_CVALUE_H
#define WAST_CVALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "wasmrt_component.h"

/* One value of type t from its JSON.  On failure returns false with err
 * saying where (the path into the value) and what; *out is then empty. */
bool wast_cval_from_json(const JsonValue *j, const wasmrt_ctype *t, wasmrt_cval *out, char *err, size_t errlen);

/* Structural equality of two values of type t (NaN equals NaN). */
bool wast_cval_equal(const wasmrt_ctype *t, const wasmrt_cval *a, const wasmrt_cval *b);

/* WAVE text of v for messages, cut to fit buf (always NUL-terminated). */
void wast_cval_format(const wasmrt_ctype *t, const wasmrt_cval *v, char *buf, size_t n);

/* The WIT name of a kind ("u32", "record", ...). */
const char *wast_ckind_name(unsigned kind);

#endif
