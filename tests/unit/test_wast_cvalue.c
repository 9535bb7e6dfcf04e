/* wast-run's component values (tools/wast-run/wast_cvalue.c): the
 * converter's JSON becomes values of the declared type, every mismatch
 * between script and type is an error naming where, and comparison is
 * structural with NaN equal to NaN.  The runner's sources are compiled in
 * directly, as in test_wast_json.c.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../../tools/wast-run/json.c"
#include "../../tools/wast-run/wast_cvalue.c"
#include "ctype_builder.h"

static JsonDoc doc;

static void fini(void) { json_free(&doc); }

TestSuite(cvalue, .fini = fini);

static const JsonValue *js(const char *text) {
    JsonError e;
    json_free(&doc);
    cr_assert(json_parse(text, strlen(text), &doc, &e), "bad test JSON %s: %s", text, e.message);
    return doc.root;
}

static wasmrt_cval ok(const wasmrt_ctype *t, const char *json) {
    wasmrt_cval v;
    char err[300];
    cr_assert(wast_cval_from_json(js(json), t, &v, err, sizeof err), "%s: %s", json, err);
    return v;
}

static void bad(const wasmrt_ctype *t, const char *json, const char *want) {
    wasmrt_cval v;
    char err[300] = "";
    bool accepted = wast_cval_from_json(js(json), t, &v, err, sizeof err);
    if (accepted) wasmrt_cval_free(&v);
    cr_assert(!accepted, "%s accepted", json);
    cr_expect(strstr(err, want) != NULL, "%s: '%s' lacks '%s'", json, err, want);
}

/* json reads as a value that prints as `wave`. */
static void reads_as(const wasmrt_ctype *t, const char *json, const char *wave) {
    wasmrt_cval v = ok(t, json);
    char buf[300];
    wast_cval_format(t, &v, buf, sizeof buf);
    cr_expect_str_eq(buf, wave, "%s read as %s, not %s", json, buf, wave);
    wasmrt_cval_free(&v);
}

Test(cvalue, scalars_read_at_their_limits) {
    reads_as(prim(WASMC_CVAL_BOOL), "{\"type\":\"bool\",\"value\":\"true\"}", "true");
    reads_as(prim(WASMC_CVAL_S8), "{\"type\":\"s8\",\"value\":\"-128\"}", "-128");
    reads_as(prim(WASMC_CVAL_U8), "{\"type\":\"u8\",\"value\":\"255\"}", "255");
    reads_as(prim(WASMC_CVAL_U64), "{\"type\":\"u64\",\"value\":\"18446744073709551615\"}", "18446744073709551615");
    reads_as(prim(WASMC_CVAL_S64), "{\"type\":\"s64\",\"value\":\"-9223372036854775808\"}", "-9223372036854775808");
    reads_as(prim(WASMC_CVAL_F32), "{\"type\":\"f32\",\"value\":\"1084227584\"}", "5");
    reads_as(prim(WASMC_CVAL_F64), "{\"type\":\"f64\",\"value\":\"4621256167635550208\"}", "9");
    reads_as(prim(WASMC_CVAL_F32), "{\"type\":\"f32\",\"value\":\"nan:canonical\"}", "nan");
    reads_as(prim(WASMC_CVAL_CHAR), "{\"type\":\"char\",\"value\":\"\\u26f3\"}", "'\xE2\x9B\xB3'");
    reads_as(prim(WASMC_CVAL_STRING), "{\"type\":\"string\",\"value\":\"a\\u0000b\"}", "\"a\\u{0}b\"");
}

Test(cvalue, compound_values_follow_the_declared_type) {
    const wasmrt_ctype *rec = named(WASMC_CVAL_RECORD, NAMES("s", "n"), TYPES(prim(WASMC_CVAL_STRING), prim(WASMC_CVAL_U32)));
    /* fields in the script's order land in the type's order */
    reads_as(rec, "{\"type\":\"record\",\"fields\":[{\"name\":\"n\",\"value\":{\"type\":\"u32\",\"value\":\"7\"}},"
                  "{\"name\":\"s\",\"value\":{\"type\":\"string\",\"value\":\"v=\"}}]}",
             "{s: \"v=\", n: 7}");
    reads_as(LIST(prim(WASMC_CVAL_U32)), "{\"type\":\"list\",\"value\":[{\"type\":\"u32\",\"value\":\"1\"},"
                                         "{\"type\":\"u32\",\"value\":\"2\"}]}", "[1, 2]");
    reads_as(LIST(prim(WASMC_CVAL_U32)), "{\"type\":\"list\",\"value\":[]}", "[]");
    reads_as(TUPLE(2, prim(WASMC_CVAL_STRING), prim(WASMC_CVAL_BOOL)),
             "{\"type\":\"tuple\",\"value\":[{\"type\":\"string\",\"value\":\"x\"},{\"type\":\"bool\",\"value\":\"false\"}]}",
             "(\"x\", false)");
    const wasmrt_ctype *var = named(WASMC_CVAL_VARIANT, NAMES("s", "none-case"), TYPES(prim(WASMC_CVAL_STRING), NULL));
    reads_as(var, "{\"type\":\"variant\",\"case\":\"s\",\"value\":{\"type\":\"string\",\"value\":\"hi\"}}", "s(\"hi\")");
    reads_as(var, "{\"type\":\"variant\",\"case\":\"none-case\"}", "none-case");
    reads_as(named(WASMC_CVAL_ENUM, NAMES("red", "green"), NULL), "{\"type\":\"enum\",\"case\":\"green\"}", "green");
    const wasmrt_ctype *opt = OPTION(prim(WASMC_CVAL_U32));
    reads_as(opt, "{\"type\":\"option\",\"case\":\"some\",\"value\":{\"type\":\"u32\",\"value\":\"5\"}}", "some(5)");
    reads_as(opt, "{\"type\":\"option\",\"case\":\"none\"}", "none");
    const wasmrt_ctype *res = RESULT(prim(WASMC_CVAL_STRING), prim(WASMC_CVAL_U32));
    reads_as(res, "{\"type\":\"result\",\"case\":\"err\",\"value\":{\"type\":\"u32\",\"value\":\"404\"}}", "err(404)");
    reads_as(RESULT(NULL, NULL), "{\"type\":\"result\",\"case\":\"ok\"}", "ok");
    reads_as(named(WASMC_CVAL_FLAGS, NAMES("a", "b", "c"), NULL), "{\"type\":\"flags\",\"value\":[\"c\",\"a\"]}", "{a, c}");
}

Test(cvalue, mismatches_between_script_and_type_are_errors_naming_where) {
    bad(prim(WASMC_CVAL_U32), "{\"type\":\"string\",\"value\":\"x\"}", "gives a string where the function has a u32");
    bad(prim(WASMC_CVAL_U8), "{\"type\":\"u8\",\"value\":\"256\"}", "256 is out of range for u8");
    bad(prim(WASMC_CVAL_S8), "{\"type\":\"s8\",\"value\":\"-129\"}", "out of range for s8");
    bad(prim(WASMC_CVAL_U32), "{\"type\":\"u32\",\"value\":\"-1\"}", "out of range for u32");
    bad(prim(WASMC_CVAL_U32), "{\"type\":\"u32\",\"value\":\"0x1\"}", "not a decimal integer");
    bad(prim(WASMC_CVAL_CHAR), "{\"type\":\"char\",\"value\":\"ab\"}", "not one Unicode scalar value");
    bad(prim(WASMC_CVAL_F32), "{\"type\":\"f32\",\"value\":\"4294967296\"}", "not a bit pattern");
    bad(LIST(prim(WASMC_CVAL_U8)), "{\"type\":\"list\",\"value\":[{\"type\":\"u8\",\"value\":\"1\"},{\"type\":\"u16\",\"value\":\"1\"}]}",
        "at [1]: the script gives a u16 where the function has a u8");
    const wasmrt_ctype *rec = named(WASMC_CVAL_RECORD, NAMES("a"), TYPES(LIST(prim(WASMC_CVAL_U8))));
    bad(rec, "{\"type\":\"record\",\"fields\":[{\"name\":\"b\",\"value\":{\"type\":\"u8\",\"value\":\"1\"}}]}", "no field 'b'");
    bad(rec, "{\"type\":\"record\",\"fields\":[{\"name\":\"a\",\"value\":{\"type\":\"list\",\"value\":[{\"type\":\"u8\",\"value\":\"300\"}]}}]}",
        "at a[0]: 300 is out of range for u8");
    bad(rec, "{\"type\":\"record\",\"fields\":[]}", "the record has 1 fields, the script gives 0");
    bad(TUPLE(2, prim(WASMC_CVAL_U8), prim(WASMC_CVAL_U8)), "{\"type\":\"tuple\",\"value\":[]}", "the tuple has 2 elements");
    const wasmrt_ctype *var = named(WASMC_CVAL_VARIANT, NAMES("a", "b"), TYPES(prim(WASMC_CVAL_U8), NULL));
    bad(var, "{\"type\":\"variant\",\"case\":\"c\"}", "no case 'c'");
    bad(var, "{\"type\":\"variant\",\"case\":\"a\"}", "case a needs a payload of type u8");
    bad(var, "{\"type\":\"variant\",\"case\":\"b\",\"value\":{\"type\":\"u8\",\"value\":\"1\"}}", "case b has no payload");
    bad(OPTION(prim(WASMC_CVAL_U8)), "{\"type\":\"option\",\"case\":\"ok\"}", "option case must be none or some");
    bad(named(WASMC_CVAL_FLAGS, NAMES("a"), NULL), "{\"type\":\"flags\",\"value\":[\"z\"]}", "unknown flag 'z'");
    bad(ty(WASMC_CVAL_OWN), "{\"type\":\"own\",\"value\":\"1\"}", "cannot be written in a script");
}

Test(cvalue, equality_is_structural_and_nan_equals_nan) {
    const wasmrt_ctype *f = prim(WASMC_CVAL_F32);
    wasmrt_cval nan1 = ok(f, "{\"type\":\"f32\",\"value\":\"2143289344\"}");   /* 0x7fc00000 */
    wasmrt_cval nan2 = ok(f, "{\"type\":\"f32\",\"value\":\"4290772992\"}");   /* 0xffc00000 */
    wasmrt_cval zero = ok(f, "{\"type\":\"f32\",\"value\":\"0\"}");
    wasmrt_cval negzero = ok(f, "{\"type\":\"f32\",\"value\":\"2147483648\"}");
    cr_expect(wast_cval_equal(f, &nan1, &nan2));
    cr_expect(!wast_cval_equal(f, &nan1, &zero));
    cr_expect(!wast_cval_equal(f, &zero, &negzero));
    const wasmrt_ctype *l = LIST(OPTION(prim(WASMC_CVAL_STRING)));
    wasmrt_cval a = ok(l, "{\"type\":\"list\",\"value\":[{\"type\":\"option\",\"case\":\"some\",\"value\":{\"type\":\"string\",\"value\":\"x\"}},{\"type\":\"option\",\"case\":\"none\"}]}");
    wasmrt_cval b = ok(l, "{\"type\":\"list\",\"value\":[{\"type\":\"option\",\"case\":\"some\",\"value\":{\"type\":\"string\",\"value\":\"x\"}},{\"type\":\"option\",\"case\":\"none\"}]}");
    wasmrt_cval c = ok(l, "{\"type\":\"list\",\"value\":[{\"type\":\"option\",\"case\":\"some\",\"value\":{\"type\":\"string\",\"value\":\"y\"}},{\"type\":\"option\",\"case\":\"none\"}]}");
    wasmrt_cval d = ok(l, "{\"type\":\"list\",\"value\":[{\"type\":\"option\",\"case\":\"none\"}]}");
    cr_expect(wast_cval_equal(l, &a, &b));
    cr_expect(!wast_cval_equal(l, &a, &c));
    cr_expect(!wast_cval_equal(l, &a, &d));
    wasmrt_cval_free(&a);
    wasmrt_cval_free(&b);
    wasmrt_cval_free(&c);
    wasmrt_cval_free(&d);
}

Test(cvalue, long_values_are_cut_in_messages) {
    const wasmrt_ctype *s = prim(WASMC_CVAL_STRING);
    wasmrt_cval v = ok(s, "{\"type\":\"string\",\"value\":\"abcdefghijklmnopqrstuvwxyz\"}");
    char buf[10];
    wast_cval_format(s, &v, buf, sizeof buf);
    cr_expect_str_eq(buf, "\"abcde...");
    wasmrt_cval_free(&v);
}
