/* Unit tests for wast-run's JSON reader and its spec-value handling.
 *
 * The runner's sources are compiled into this test directly (they are not
 * a library), so the parser and the NaN/lane comparisons are tested without
 * a compiler, a runtime or wast2json.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../../tools/wast-run/json.c"
#include "../../tools/wast-run/wast_value.c"

static JsonDoc parse_ok(const char *text) {
    JsonDoc doc;
    JsonError err;
    bool ok = json_parse(text, strlen(text), &doc, &err);
    cr_assert(ok, "parse of %s failed at %zu: %s", text, err.offset, err.message);
    return doc;
}

static JsonError parse_bad(const char *text, size_t len) {
    JsonDoc doc;
    JsonError err;
    cr_assert_not(json_parse(text, len, &doc, &err), "parse of %.*s should fail", (int)len, text);
    cr_assert_null(doc.root);
    return err;
}

/* ---- JSON ---------------------------------------------------------------- */

Test(json, parses_a_wast2json_command) {
    JsonDoc doc = parse_ok(
        "{\"source_filename\": \"i32.wast\",\n \"commands\": [\n"
        "  {\"type\": \"assert_return\", \"line\": 38, \"action\": {\"type\": \"invoke\", \"field\": \"add\", "
        "\"args\": [{\"type\": \"i32\", \"value\": \"1\"}]}, \"expected\": [{\"type\": \"i32\", \"value\": \"2\"}]}]}");
    const JsonValue *cmds = json_get(doc.root, "commands");
    cr_assert_not_null(cmds);
    cr_assert_eq(cmds->type, JSON_ARRAY);
    cr_assert_eq(cmds->u.array.count, 1);
    const JsonValue *c = cmds->u.array.items[0];
    cr_assert_str_eq(json_get_string(c, "type", NULL), "assert_return");
    uint64_t line = 0;
    cr_assert(json_get_u64(c, "line", &line));
    cr_assert_eq(line, 38);
    const JsonValue *act = json_get(c, "action");
    cr_assert_str_eq(json_get_string(act, "field", NULL), "add");
    cr_assert_eq(json_get(act, "args")->u.array.count, 1);
    cr_assert_null(json_get(c, "missing"));
    cr_assert_null(json_get_string(c, "line", NULL), "a number is not a string");
    json_free(&doc);
}

Test(json, literals_numbers_and_empty_containers) {
    JsonDoc doc = parse_ok(" [true, false, null, -0, 12.5e-3, 0, {}, [], 18446744073709551615] ");
    const JsonValue *a = doc.root;
    cr_assert_eq(a->u.array.count, 9);
    cr_assert_eq(a->u.array.items[0]->type, JSON_BOOL);
    cr_assert(a->u.array.items[0]->u.boolean);
    cr_assert_not(a->u.array.items[1]->u.boolean);
    cr_assert_eq(a->u.array.items[2]->type, JSON_NULL);
    uint64_t v;
    cr_assert_not(json_number_u64(a->u.array.items[3], &v), "negative is not u64");
    cr_assert_not(json_number_u64(a->u.array.items[4], &v), "fraction is not u64");
    cr_assert(json_number_u64(a->u.array.items[5], &v));
    cr_assert_eq(v, 0);
    cr_assert_eq(a->u.array.items[6]->type, JSON_OBJECT);
    cr_assert_eq(a->u.array.items[6]->u.object.count, 0);
    cr_assert_eq(a->u.array.items[7]->u.array.count, 0);
    cr_assert(json_number_u64(a->u.array.items[8], &v));
    cr_assert_eq(v, UINT64_MAX);
    json_free(&doc);

    doc = parse_ok("[18446744073709551616]");
    cr_assert_not(json_number_u64(doc.root->u.array.items[0], &v), "2^64 overflows");
    json_free(&doc);
}

Test(json, string_escapes_and_embedded_nul) {
    /* The names.wast export names: control characters, escapes, NUL, and a
     * character outside the BMP as a surrogate pair. */
    const char *text = "{\"f\": \"a\\u0000b\\n\\t\\\"\\\\\\/\\u00e9\\ud83d\\ude00\"}";
    JsonDoc doc = parse_ok(text);
    size_t len;
    const char *s = json_get_string(doc.root, "f", &len);
    const char want[] = "a\0b\n\t\"\\/\xc3\xa9\xf0\x9f\x98\x80";
    cr_assert_eq(len, sizeof want - 1);
    cr_assert(memcmp(s, want, len) == 0);
    cr_assert_eq(s[len], 0, "strings are NUL-terminated too");
    json_free(&doc);
}

Test(json, keys_with_escapes_are_decoded) {
    JsonDoc doc = parse_ok("{\"k\\u0065y\": 1}");
    cr_assert_not_null(json_get(doc.root, "key"));
    json_free(&doc);
}

Test(json, rejects_malformed_documents_with_offsets) {
    struct { const char *text; size_t offset; const char *msg; } cases[] = {
        {"", 0, "unexpected end"},
        {"[1,]", 3, "expected a value"},
        {"[1 2]", 3, "expected ',' or ']'"},
        {"{\"a\" 1}", 5, "expected ':'"},
        {"{1: 2}", 1, "expected a string key"},
        {"\"abc", 0, "unterminated string"},
        {"\"a\\x\"", 2, "invalid escape"},
        {"\"\\u12\"", 1, "four hex digits"},
        {"\"\\ud800\"", 1, "unpaired high surrogate"},
        {"\"\\udc00\"", 1, "unpaired low surrogate"},
        {"01", 1, "trailing characters"},
        {"1.", 2, "digit after '.'"},
        {"1e+", 3, "exponent"},
        {"tru", 0, "expected 'true'"},
        {"{} x", 3, "trailing characters"},
        {"\"a\tb\"", 2, "control character"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        JsonError e = parse_bad(cases[i].text, strlen(cases[i].text));
        cr_expect_eq(e.offset, cases[i].offset, "%s: offset %zu, want %zu (%s)", cases[i].text, e.offset,
                     cases[i].offset, e.message);
        cr_expect_not_null(strstr(e.message, cases[i].msg), "%s: message '%s' lacks '%s'", cases[i].text,
                           e.message, cases[i].msg);
    }
}

Test(json, truncated_input_is_never_read_past_its_length) {
    /* The length, not a NUL, ends the input. */
    const char text[] = "[\"abc\", 1]";
    for (size_t n = 0; n < sizeof text - 1; n++) parse_bad(text, n);
}

Test(json, nesting_is_bounded) {
    size_t depth = JSON_MAX_DEPTH + 10;
    char *text = malloc(2 * depth);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    JsonError e = parse_bad(text, 2 * depth);
    cr_assert_not_null(strstr(e.message, "nesting"));
    free(text);

    depth = JSON_MAX_DEPTH;
    text = malloc(2 * depth);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    JsonDoc doc;
    cr_assert(json_parse(text, 2 * depth, &doc, &e), "exactly the limit parses: %s", e.message);
    json_free(&doc);
    free(text);
}

Test(json, mutated_documents_parse_or_fail_cleanly) {
    /* Deterministic mutations of a real command: every outcome must be a
     * clean success or a clean error with an offset inside the input (run
     * under ASan/UBSan this also checks for overreads). */
    const char base[] =
        "{\"commands\": [{\"type\": \"assert_return\", \"line\": 7, \"action\": {\"type\": \"invoke\", "
        "\"field\": \"f\\u0000\\ud83d\\ude00\", \"args\": [{\"type\": \"v128\", \"lane_type\": \"i8\", "
        "\"value\": [\"1\"]}]}, \"expected\": [{\"type\": \"f32\", \"value\": \"nan:canonical\"}, -1.5e+3, true, null]}]}";
    const char alphabet[] = "{}[],:\"\\u0123456789abcdefxtrunl-+.eE \t\n";
    char buf[sizeof base];
    uint64_t seed = 0x9E3779B97F4A7C15u;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, base, sizeof base);
        size_t len = sizeof base - 1;
        int edits = 1 + iter % 4;
        for (int e = 0; e < edits && len > 0; e++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            size_t pos = (size_t)(seed >> 33) % len;
            switch ((seed >> 20) % 3) {
            case 0: buf[pos] = alphabet[(seed >> 8) % (sizeof alphabet - 1)]; break;
            case 1: len = pos; break;                       /* truncate */
            default: buf[pos] = (char)(seed >> 12); break;  /* any byte */
            }
        }
        JsonDoc doc;
        JsonError err;
        if (json_parse(buf, len, &doc, &err)) {
            cr_assert_not_null(doc.root);
            json_free(&doc);
        } else {
            cr_assert_leq(err.offset, len, "error offset %zu past the input (%zu)", err.offset, len);
            cr_assert_neq(err.message[0], 0);
        }
    }
}

/* ---- Values --------------------------------------------------------------- */

static WastValue value_ok(const char *json, bool patterns) {
    JsonDoc doc = parse_ok(json);
    WastValue v;
    char err[200];
    bool ok = wast_value_parse(doc.root, patterns, &v, err, sizeof err);
    cr_assert(ok, "%s: %s", json, err);
    json_free(&doc);
    return v;
}

static void value_bad(const char *json, bool patterns) {
    JsonDoc doc = parse_ok(json);
    WastValue v;
    char err[200];
    cr_assert_not(wast_value_parse(doc.root, patterns, &v, err, sizeof err), "%s should be rejected", json);
    json_free(&doc);
}

static wasmrt_val f32_bits(uint32_t b) {
    wasmrt_val v = {.kind = WAST_F32};
    memcpy(&v.of.f32, &b, 4);
    return v;
}

static wasmrt_val f64_bits(uint64_t b) {
    wasmrt_val v = {.kind = WAST_F64};
    memcpy(&v.of.f64, &b, 8);
    return v;
}

Test(values, integers_are_bit_patterns_with_range_checks) {
    WastValue v = value_ok("{\"type\": \"i32\", \"value\": \"4294967295\"}", false);
    cr_assert_eq(v.of.i32, 0xFFFFFFFFu);
    wasmrt_val rv;
    cr_assert(wast_value_to_rt(&v, &rv));
    cr_assert_eq(rv.of.i32, -1);
    cr_assert_eq(rv.kind, 0x7F);
    v = value_ok("{\"type\": \"i32\", \"value\": \"-2147483648\"}", false);
    cr_assert_eq(v.of.i32, 0x80000000u);
    v = value_ok("{\"type\": \"i64\", \"value\": \"18446744073709551615\"}", false);
    cr_assert_eq(v.of.i64, UINT64_MAX);
    value_bad("{\"type\": \"i32\", \"value\": \"4294967296\"}", false);
    value_bad("{\"type\": \"i32\", \"value\": \"-2147483649\"}", false);
    value_bad("{\"type\": \"i32\", \"value\": \"12x\"}", false);
    value_bad("{\"type\": \"i32\", \"value\": 12}", false);
    value_bad("{\"type\": \"i31\", \"value\": \"1\"}", false);
    value_bad("{\"type\": \"i32\"}", false);
}

Test(values, float_bits_compare_exactly_including_nan_payload_and_zero_sign) {
    WastValue v = value_ok("{\"type\": \"f32\", \"value\": \"2143289345\"}", true); /* 0x7fc00001 */
    wasmrt_val same = f32_bits(0x7FC00001u), other = f32_bits(0x7FC00000u);
    cr_assert(wast_value_matches(&v, &same));
    cr_assert_not(wast_value_matches(&v, &other), "a NaN payload is part of the value");
    v = value_ok("{\"type\": \"f64\", \"value\": \"0\"}", true);
    wasmrt_val pz = f64_bits(0), nz = f64_bits(UINT64_C(0x8000000000000000));
    cr_assert(wast_value_matches(&v, &pz));
    cr_assert_not(wast_value_matches(&v, &nz), "-0 is not +0");
}

Test(values, nan_classes) {
    cr_assert(wast_f32_is_canonical_nan(0x7FC00000u));
    cr_assert(wast_f32_is_canonical_nan(0xFFC00000u));
    cr_assert_not(wast_f32_is_canonical_nan(0x7FC00001u));
    cr_assert_not(wast_f32_is_canonical_nan(0x7F800000u), "infinity");
    cr_assert(wast_f32_is_arithmetic_nan(0x7FC00001u));
    cr_assert(wast_f32_is_arithmetic_nan(0xFFFFFFFFu));
    cr_assert_not(wast_f32_is_arithmetic_nan(0x7FA00000u), "signalling NaN");
    cr_assert(wast_f64_is_canonical_nan(UINT64_C(0x7FF8000000000000)));
    cr_assert(wast_f64_is_canonical_nan(UINT64_C(0xFFF8000000000000)));
    cr_assert_not(wast_f64_is_canonical_nan(UINT64_C(0x7FF8000000000001)));
    cr_assert(wast_f64_is_arithmetic_nan(UINT64_C(0x7FFC000000000000)));
    cr_assert_not(wast_f64_is_arithmetic_nan(UINT64_C(0x7FF4000000000000)));
    cr_assert_not(wast_f64_is_arithmetic_nan(UINT64_C(0x7FF0000000000000)), "infinity");
}

Test(values, nan_patterns_match_by_class) {
    WastValue can = value_ok("{\"type\": \"f32\", \"value\": \"nan:canonical\"}", true);
    WastValue ari = value_ok("{\"type\": \"f64\", \"value\": \"nan:arithmetic\"}", true);
    wasmrt_val a = f32_bits(0xFFC00000u), b = f32_bits(0x7FC00001u), c = f32_bits(0x3F800000u);
    cr_assert(wast_value_matches(&can, &a));
    cr_assert_not(wast_value_matches(&can, &b));
    cr_assert_not(wast_value_matches(&can, &c));
    wasmrt_val d = f64_bits(UINT64_C(0x7FF8000000000123)), e = f64_bits(UINT64_C(0x7FF0000000000001));
    cr_assert(wast_value_matches(&ari, &d));
    cr_assert_not(wast_value_matches(&ari, &e));
    value_bad("{\"type\": \"f32\", \"value\": \"nan:canonical\"}", false);
    value_bad("{\"type\": \"i32\", \"value\": \"nan:canonical\"}", true);
}

Test(values, v128_lanes_with_per_lane_patterns) {
    WastValue v = value_ok("{\"type\": \"v128\", \"lane_type\": \"f32\", \"value\": "
                           "[\"nan:canonical\", \"1065353216\", \"nan:arithmetic\", \"0\"]}", true);
    cr_assert_eq(v.num_lanes, 4);
    wasmrt_val got = {.kind = WAST_V128};
    uint32_t lanes[4] = {0xFFC00000u, 0x3F800000u, 0x7FE00000u, 0};
    memcpy(got.of.v128, lanes, 16);
    cr_assert(wast_value_matches(&v, &got));
    lanes[3] = 0x80000000u; /* -0 in the exact lane */
    memcpy(got.of.v128, lanes, 16);
    cr_assert_not(wast_value_matches(&v, &got));
    lanes[3] = 0;
    lanes[0] = 0x7FC00001u; /* not canonical */
    memcpy(got.of.v128, lanes, 16);
    cr_assert_not(wast_value_matches(&v, &got));

    WastValue i8 = value_ok("{\"type\": \"v128\", \"lane_type\": \"i8\", \"value\": "
                            "[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\","
                            "\"13\",\"14\",\"255\"]}", false);
    wasmrt_val rv;
    cr_assert(wast_value_to_rt(&i8, &rv));
    cr_assert_eq(rv.of.v128[15], 255);
    cr_assert_eq(rv.of.v128[1], 1);
    WastValue i64 = value_ok("{\"type\": \"v128\", \"lane_type\": \"i64\", \"value\": "
                             "[\"1\", \"18446744073709551615\"]}", false);
    cr_assert(wast_value_to_rt(&i64, &rv));
    cr_assert_eq(rv.of.v128[0], 1);
    cr_assert_eq(rv.of.v128[8], 0xFF);
    cr_assert_eq(rv.of.v128[15], 0xFF);

    value_bad("{\"type\": \"v128\", \"lane_type\": \"i8\", \"value\": [\"256\",\"0\",\"0\",\"0\",\"0\",\"0\","
              "\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\",\"0\"]}", false);
    value_bad("{\"type\": \"v128\", \"lane_type\": \"i32\", \"value\": [\"1\", \"2\", \"3\"]}", false);
    value_bad("{\"type\": \"v128\", \"lane_type\": \"i32\", \"value\": [\"nan:canonical\",\"0\",\"0\",\"0\"]}",
              true);
}

Test(values, references) {
    WastValue n = value_ok("{\"type\": \"externref\", \"value\": \"null\"}", false);
    WastValue e = value_ok("{\"type\": \"externref\", \"value\": \"7\"}", false);
    wasmrt_val rv;
    cr_assert(wast_value_to_rt(&e, &rv));
    cr_assert_eq(rv.of.ref, wast_host_ref(7));
    cr_assert_not_null(wast_host_ref(0), "host reference 0 is not null");
    cr_assert(wast_value_matches(&e, &rv));
    wasmrt_val other = {.kind = WAST_EXTERNREF, .of.ref = wast_host_ref(8)}, null = {.kind = WAST_EXTERNREF};
    cr_assert_not(wast_value_matches(&e, &other));
    cr_assert_not(wast_value_matches(&e, &null));
    cr_assert(wast_value_matches(&n, &null));
    cr_assert_not(wast_value_matches(&n, &rv));
    WastValue fnull = value_ok("{\"type\": \"funcref\", \"value\": \"null\"}", false);
    wasmrt_val some = {.kind = WAST_FUNCREF, .of.ref = &some};
    cr_assert_not(wast_value_matches(&fnull, &some));
    value_bad("{\"type\": \"funcref\", \"value\": \"3\"}", false);
}

Test(values, formatting) {
    char buf[200];
    WastValue v = value_ok("{\"type\": \"i32\", \"value\": \"4294967295\"}", false);
    wast_value_format(&v, buf, sizeof buf);
    cr_assert_str_eq(buf, "i32:-1");
    v = value_ok("{\"type\": \"f32\", \"value\": \"nan:canonical\"}", true);
    wast_value_format(&v, buf, sizeof buf);
    cr_assert_str_eq(buf, "f32:nan:canonical");
    v = value_ok("{\"type\": \"v128\", \"lane_type\": \"i16\", \"value\": "
                 "[\"65535\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\"]}", false);
    wast_value_format(&v, buf, sizeof buf);
    cr_assert_str_eq(buf, "v128:i16x8[-1 1 2 3 4 5 6 7]");
    wasmrt_val f = f64_bits(UINT64_C(0x3FF8000000000000));
    wast_rt_value_format(&f, WAST_F64, 0, buf, sizeof buf);
    cr_assert_str_eq(buf, "f64:1.5");
    wasmrt_val x = {.kind = WAST_EXTERNREF, .of.ref = wast_host_ref(3)};
    wast_rt_value_format(&x, WAST_EXTERNREF, 0, buf, sizeof buf);
    cr_assert_str_eq(buf, "externref:3");
    char small[8];
    wast_value_format(&v, small, sizeof small);
    cr_assert_eq(strlen(small), 7, "output is cut, never overflowed");
}

Test(values, trap_text_matching) {
    cr_assert(wast_trap_text_matches("out of bounds memory access", "out of bounds memory access"));
    cr_assert(wast_trap_text_matches("integer", "integer overflow"), "expected text is a prefix");
    cr_assert(wast_trap_text_matches("uninitialized element 2", "uninitialized element"),
              "index detail the runtime does not carry");
    cr_assert_not(wast_trap_text_matches("uninitialized element x", "uninitialized element"));
    cr_assert_not(wast_trap_text_matches("undefined element", "uninitialized element"));
    cr_assert_not(wast_trap_text_matches("integer overflow", "integer divide by zero"));
    cr_assert_not(wast_trap_text_matches("unreachable", ""));
}
