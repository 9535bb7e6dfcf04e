/* WAVE (rt/component/wave.c): every type kind parses, prints canonically
 * and round-trips; every malformed text is refused with its offset and
 * what was expected; calls parse against a function's parameters.
 *
 * Types are built by hand (ctype_builder.h) as the runtime's own
 * structures, so the accessors wave.c uses are the real ones.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctype_builder.h"

/* ---- Helpers ------------------------------------------------------------ */

/* text parses, prints as `canonical`, and the canonical text parses back
 * to a value that prints the same. */
static void round_trip(const wasmrt_ctype *t, const char *text, const char *canonical) {
    wasmrt_cval v;
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_wave_parse(t, text, strlen(text), &v, &err), "parse '%s': %s", text, err.message);
    char *printed = wasmrt_wave_print(t, &v);
    cr_assert_not_null(printed);
    cr_expect_str_eq(printed, canonical, "'%s' printed as '%s', not '%s'", text, printed, canonical);
    wasmrt_cval again;
    cr_assert(wasmrt_wave_parse(t, printed, strlen(printed), &again, &err), "reparse '%s': %s", printed, err.message);
    char *printed2 = wasmrt_wave_print(t, &again);
    cr_expect_str_eq(printed2, printed);
    wasmrt_cval_free(&v);
    wasmrt_cval_free(&again);
    free(printed);
    free(printed2);
}

/* text is refused with a message containing `want` ("at offset N: ..."). */
static void refused(const wasmrt_ctype *t, const char *text, const char *want) {
    wasmrt_cval v;
    wasmrt_error err = {{0}};
    bool ok = wasmrt_wave_parse(t, text, strlen(text), &v, &err);
    if (ok) wasmrt_cval_free(&v);
    cr_assert(!ok, "'%s' was accepted", text);
    cr_expect(strstr(err.message, want) != NULL, "'%s': message '%s' lacks '%s'", text, err.message, want);
    cr_expect(strncmp(err.message, "WAVE: at offset ", 16) == 0, "'%s': message '%s' has no offset", text, err.message);
}

static wasmrt_cval parse_ok(const wasmrt_ctype *t, const char *text) {
    wasmrt_cval v;
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_wave_parse(t, text, strlen(text), &v, &err), "parse '%s': %s", text, err.message);
    return v;
}

/* ---- Round trips, by kind ------------------------------------------------ */

Test(wave, bools_and_integers_round_trip_at_their_limits) {
    round_trip(prim(WASMC_CVAL_BOOL), " true ", "true");
    round_trip(prim(WASMC_CVAL_BOOL), "false", "false");
    round_trip(prim(WASMC_CVAL_S8), "-128", "-128");
    round_trip(prim(WASMC_CVAL_S8), "127", "127");
    round_trip(prim(WASMC_CVAL_U8), "255", "255");
    round_trip(prim(WASMC_CVAL_S16), "-32768", "-32768");
    round_trip(prim(WASMC_CVAL_U16), "65535", "65535");
    round_trip(prim(WASMC_CVAL_S32), "-2147483648", "-2147483648");
    round_trip(prim(WASMC_CVAL_U32), "4294967295", "4294967295");
    round_trip(prim(WASMC_CVAL_S64), "-9223372036854775808", "-9223372036854775808");
    round_trip(prim(WASMC_CVAL_U64), "18446744073709551615", "18446744073709551615");
    round_trip(prim(WASMC_CVAL_U32), "0", "0");
    round_trip(prim(WASMC_CVAL_S32), "-0", "0");
    wasmrt_cval v = parse_ok(prim(WASMC_CVAL_S8), "-12");
    cr_expect_eq(v.kind, WASMC_CVAL_S8);
    cr_expect_eq(v.of.s, -12);
}

Test(wave, floats_print_shortest_and_keep_their_bits) {
    round_trip(prim(WASMC_CVAL_F32), "1.5", "1.5");
    round_trip(prim(WASMC_CVAL_F32), "0.1", "0.1");
    round_trip(prim(WASMC_CVAL_F64), "0.1", "0.1");
    round_trip(prim(WASMC_CVAL_F64), "6.022e+23", "6.022e+23");
    round_trip(prim(WASMC_CVAL_F64), "1E300", "1e+300");
    round_trip(prim(WASMC_CVAL_F32), "-0", "-0");
    round_trip(prim(WASMC_CVAL_F32), "7", "7");
    round_trip(prim(WASMC_CVAL_F32), "nan", "nan");
    round_trip(prim(WASMC_CVAL_F64), "inf", "inf");
    round_trip(prim(WASMC_CVAL_F64), "-inf", "-inf");
    round_trip(prim(WASMC_CVAL_F64), "4.9406564584124654e-324", "5e-324");
    wasmrt_cval v = parse_ok(prim(WASMC_CVAL_F32), "16777217"); /* rounds to even, once */
    cr_expect_eq(v.of.f32, 16777216.0f);
    v = parse_ok(prim(WASMC_CVAL_F64), "-0.0");
    cr_expect(v.of.f64 == 0 && signbit(v.of.f64));
}

Test(wave, chars_and_strings_with_every_escape) {
    const wasmrt_ctype *c = prim(WASMC_CVAL_CHAR), *s = prim(WASMC_CVAL_STRING);
    round_trip(c, "'x'", "'x'");
    round_trip(c, "'\\''", "'\\''");
    round_trip(c, "'\"'", "'\"'");
    round_trip(c, "'\\u{1F600}'", "'\xF0\x9F\x98\x80'");
    round_trip(c, "'\xE2\x9B\xB3'", "'\xE2\x9B\xB3'");
    round_trip(c, "'\\u{0}'", "'\\u{0}'");
    round_trip(s, "\"a\\n\\t\\r\\\\\\\"\\'b\"", "\"a\\n\\t\\r\\\\\\\"'b\"");
    round_trip(s, "\"\"", "\"\"");
    round_trip(s, "\"\\u{48}i \\u{1f600}\"", "\"Hi \xF0\x9F\x98\x80\"");
    round_trip(s, "\"\x01\"", "\"\\u{1}\"");
    wasmrt_cval v = parse_ok(c, "'\\u{10FFFF}'");
    cr_expect_eq(v.of.ch, 0x10FFFFu);
}

Test(wave, multi_line_strings_drop_the_closing_indentation) {
    const wasmrt_ctype *s = prim(WASMC_CVAL_STRING);
    round_trip(s, "\"\"\"\n    one\n      two \"quoted\"\n    \"\"\"", "\"one\\n  two \\\"quoted\\\"\"");
    round_trip(s, "\"\"\"\n\"\"\"", "\"\"");
}

Test(wave, lists_tuples_and_trailing_commas) {
    const wasmrt_ctype *l = LIST(prim(WASMC_CVAL_U32));
    round_trip(l, "[1, 2, 3]", "[1, 2, 3]");
    round_trip(l, "[ 1 ,2, ]", "[1, 2]");
    round_trip(l, "[]", "[]");
    round_trip(LIST(LIST(prim(WASMC_CVAL_STRING))), "[[\"a\"], [], [\"b\", \"c\"]]", "[[\"a\"], [], [\"b\", \"c\"]]");
    const wasmrt_ctype *t = TUPLE(3, prim(WASMC_CVAL_STRING), prim(WASMC_CVAL_U32), prim(WASMC_CVAL_BOOL));
    round_trip(t, "(\"x=\", 42, true,)", "(\"x=\", 42, true)");
}

Test(wave, records_in_any_order_with_option_fields_left_out) {
    const wasmrt_ctype *r = named(WASMC_CVAL_RECORD, NAMES("required", "field-b", "opt"),
                                  TYPES(prim(WASMC_CVAL_U8), prim(WASMC_CVAL_STRING), OPTION(prim(WASMC_CVAL_U8))));
    round_trip(r, "{required: 1, field-b: \"two\", opt: some(3)}", "{required: 1, field-b: \"two\", opt: some(3)}");
    round_trip(r, "{ field-b: \"x\" , required: 1, }", "{required: 1, field-b: \"x\", opt: none}");
    const wasmrt_ctype *all_opt = named(WASMC_CVAL_RECORD, NAMES("a", "b"),
                                        TYPES(OPTION(prim(WASMC_CVAL_U8)), OPTION(prim(WASMC_CVAL_U8))));
    round_trip(all_opt, "{:}", "{a: none, b: none}");
    round_trip(all_opt, "{ : }", "{a: none, b: none}");
    round_trip(all_opt, "{b: 2}", "{a: none, b: some(2)}");
    /* keywords are fine as field names */
    const wasmrt_ctype *kw = named(WASMC_CVAL_RECORD, NAMES("true", "none"),
                                   TYPES(prim(WASMC_CVAL_BOOL), OPTION(prim(WASMC_CVAL_U8))));
    round_trip(kw, "{true: true, none: none}", "{true: true, none: none}");
}

Test(wave, variants_and_enums_with_keyword_cases_escaped) {
    const wasmrt_ctype *v = named(WASMC_CVAL_VARIANT, NAMES("days", "forever", "none"),
                                  TYPES(prim(WASMC_CVAL_U32), NULL, prim(WASMC_CVAL_STRING)));
    round_trip(v, "days(30)", "days(30)");
    round_trip(v, "forever", "forever");
    round_trip(v, "days ( 7 )", "days(7)");
    round_trip(v, "%none(\"x\")", "%none(\"x\")");
    round_trip(v, "%days(1)", "days(1)");
    const wasmrt_ctype *e = named(WASMC_CVAL_ENUM, NAMES("south", "west", "ok"), NULL);
    round_trip(e, "west", "west");
    /* later words of a label may start with a digit (WIT's run-1) */
    const wasmrt_ctype *d = named(WASMC_CVAL_ENUM, NAMES("run-1", "x-2y"), NULL);
    round_trip(d, "run-1", "run-1");
    round_trip(d, "x-2y", "x-2y");
    refused(d, "1-run", "expected a label");
    round_trip(e, "%ok", "%ok");
    wasmrt_cval x = parse_ok(e, "west");
    cr_expect_eq(x.kind, WASMC_CVAL_ENUM);
    cr_expect_eq(x.of.variant.case_, 1u);
}

Test(wave, options_explicit_and_flat) {
    const wasmrt_ctype *o = OPTION(prim(WASMC_CVAL_STRING));
    round_trip(o, "some(\"explicit\")", "some(\"explicit\")");
    round_trip(o, "\"flat some\"", "some(\"flat some\")");
    round_trip(o, "none", "none");
    const wasmrt_ctype *oo = OPTION(OPTION(prim(WASMC_CVAL_S8)));
    round_trip(oo, "some(none)", "some(none)");
    round_trip(oo, "-1", "some(some(-1))");
    round_trip(oo, "none", "none");
}

Test(wave, results_explicit_flat_and_without_payloads) {
    const wasmrt_ctype *r = RESULT(prim(WASMC_CVAL_STRING), prim(WASMC_CVAL_U32));
    round_trip(r, "ok(\"yes\")", "ok(\"yes\")");
    round_trip(r, "\"flat ok\"", "ok(\"flat ok\")");
    round_trip(r, "err(404)", "err(404)");
    const wasmrt_ctype *bare = RESULT(NULL, NULL);
    round_trip(bare, "ok", "ok");
    round_trip(bare, "err", "err");
    const wasmrt_ctype *err_only = RESULT(NULL, prim(WASMC_CVAL_S8));
    round_trip(err_only, "err(-3)", "err(-3)");
    round_trip(err_only, "ok", "ok");
}

Test(wave, flags_as_sets) {
    const wasmrt_ctype *f = named(WASMC_CVAL_FLAGS, NAMES("read", "write", "exec"), NULL);
    round_trip(f, "{read, write}", "{read, write}");
    round_trip(f, "{exec, read,}", "{read, exec}");
    round_trip(f, "{}", "{}");
    wasmrt_cval v = parse_ok(f, "{write}");
    cr_expect_eq(v.of.flags, 2u);
}

Test(wave, comments_between_tokens) {
    const wasmrt_ctype *l = LIST(prim(WASMC_CVAL_U8));
    round_trip(l, "[ // the list\n 1, // one\n 2 // two\n ] // done", "[1, 2]");
}

/* ---- Errors --------------------------------------------------------------- */

Test(wave, integers_out_of_range_or_not_integers_are_refused) {
    refused(prim(WASMC_CVAL_U8), "256", "256 is out of range for u8");
    refused(prim(WASMC_CVAL_U8), "-1", "-1 is out of range for u8");
    refused(prim(WASMC_CVAL_S8), "-129", "out of range for s8");
    refused(prim(WASMC_CVAL_S8), "128", "out of range for s8");
    refused(prim(WASMC_CVAL_U64), "18446744073709551616", "out of range");
    refused(prim(WASMC_CVAL_U32), "1.5", "expected an integer");
    refused(prim(WASMC_CVAL_U32), "0x10", "expected an integer");
    refused(prim(WASMC_CVAL_U32), "007", "expected an integer");
    refused(prim(WASMC_CVAL_U32), "12abc", "expected an integer");
    refused(prim(WASMC_CVAL_U32), "", "the end of the text");
    refused(prim(WASMC_CVAL_F64), "1.", "expected a number");
    refused(prim(WASMC_CVAL_F64), "-nan", "expected a number");
    refused(prim(WASMC_CVAL_BOOL), "yes", "expected true or false");
}

Test(wave, bad_chars_and_strings_are_refused_where_they_go_wrong) {
    refused(prim(WASMC_CVAL_CHAR), "'ab'", "exactly one character");
    refused(prim(WASMC_CVAL_CHAR), "''", "exactly one character");
    refused(prim(WASMC_CVAL_CHAR), "'\\u{D800}'", "not a Unicode scalar value");
    refused(prim(WASMC_CVAL_CHAR), "'\\u{110000}'", "not a Unicode scalar value");
    refused(prim(WASMC_CVAL_STRING), "\"abc", "at offset 0: unterminated string");
    refused(prim(WASMC_CVAL_STRING), "\"a\\qb\"", "at offset 2: unknown escape '\\q'");
    refused(prim(WASMC_CVAL_STRING), "\"a\\u{zz}\"", "expected hex digits");
    refused(prim(WASMC_CVAL_STRING), "\"\xFF\"", "at offset 1: invalid UTF-8");
    refused(prim(WASMC_CVAL_STRING), "\"a\" x", "at offset 4: unexpected 'x' after the value");
    refused(prim(WASMC_CVAL_STRING), "\"\"\"x\"\"\"", "multi-line string starts with");
}

Test(wave, compound_values_name_what_is_wrong) {
    const wasmrt_ctype *r = named(WASMC_CVAL_RECORD, NAMES("a", "b"), TYPES(prim(WASMC_CVAL_U8), OPTION(prim(WASMC_CVAL_U8))));
    refused(r, "{b: 1}", "field 'a' is missing");
    refused(r, "{a: 1, c: 2}", "at offset 7: the record has no field 'c'");
    refused(r, "{a: 1, a: 2}", "field 'a' is given twice");
    refused(r, "{a 1}", "expected ':' after a field name");
    refused(r, "{a: 1 b: 2}", "expected ',' or '}' in a record");
    const wasmrt_ctype *v = named(WASMC_CVAL_VARIANT, NAMES("a", "b", "none"), TYPES(prim(WASMC_CVAL_U8), NULL, NULL));
    refused(v, "c", "unknown case 'c'");
    refused(v, "a", "case 'a' needs a payload");
    refused(v, "b(1)", "case 'b' has no payload");
    refused(v, "none", "'none' is a keyword; a case of that name is written %none");
    refused(v, "a(1", "expected ')' after a payload");
    const wasmrt_ctype *f = named(WASMC_CVAL_FLAGS, NAMES("read", "write"), NULL);
    refused(f, "{exec}", "unknown flag 'exec'");
    refused(f, "{read, read}", "flag 'read' is given twice");
    refused(TUPLE(2, prim(WASMC_CVAL_U8), prim(WASMC_CVAL_U8)), "(1)", "the tuple has 2 elements, not 1");
    refused(TUPLE(2, prim(WASMC_CVAL_U8), prim(WASMC_CVAL_U8)), "(1, 2, 3)", "too many elements");
    refused(LIST(prim(WASMC_CVAL_U8)), "[1, 2", "expected ',' or ']' in a list");
    refused(LIST(prim(WASMC_CVAL_U8)), "[1, 300]", "at offset 4: 300 is out of range for u8");
    refused(OPTION(prim(WASMC_CVAL_U8)), "none(1)", "none has no payload");
    refused(RESULT(NULL, NULL), "5", "expected ok or err");
    refused(RESULT(prim(WASMC_CVAL_U8), NULL), "err(1)", "case 'err' has no payload");
    refused(ty(WASMC_CVAL_OWN), "1", "cannot be written in WAVE");
}

/* ---- Calls ------------------------------------------------------------------ */

static const wasmrt_cfunc *greet, *pair, *none_fn;

static const wasmrt_cfunc *lookup(void *env, const char *name) {
    (void)env;
    if (strcmp(name, "greet") == 0) return greet;
    if (strcmp(name, "pair") == 0) return pair;
    if (strcmp(name, "ns:pkg/iface#nothing") == 0) return none_fn;
    return NULL;
}

static void init_funcs(void) {
    greet = make_func(2, NAMES("who", "times"), TYPES(prim(WASMC_CVAL_STRING), OPTION(prim(WASMC_CVAL_U32))), NULL);
    pair = make_func(2, NAMES("a", "b"), TYPES(prim(WASMC_CVAL_U8), prim(WASMC_CVAL_BOOL)), NULL);
    none_fn = make_func(0, NULL, NULL, NULL);
}

static void free_args(char *name, wasmrt_cval *args, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) wasmrt_cval_free(&args[i]);
    free(args);
    free(name);
}

Test(wave, calls_parse_against_the_parameters, .init = init_funcs) {
    char *name;
    wasmrt_cval *args;
    uint32_t n;
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_wave_parse_call(" greet(\"world\", 3) ", &name, &args, &n, lookup, NULL, &err), "%s", err.message);
    cr_expect_str_eq(name, "greet");
    cr_assert_eq(n, 2u);
    cr_expect_eq(args[0].of.str.len, 5u);
    cr_expect_eq(memcmp(args[0].of.str.ptr, "world", 5), 0);
    cr_expect_eq(args[1].of.variant.case_, 1u);
    cr_expect_eq(args[1].of.variant.payload->of.u, 3u);
    free_args(name, args, n);

    /* a trailing option parameter may be left out: none */
    cr_assert(wasmrt_wave_parse_call("greet(\"x\",)", &name, &args, &n, lookup, NULL, &err), "%s", err.message);
    cr_expect_eq(args[1].kind, WASMC_CVAL_OPTION);
    cr_expect_eq(args[1].of.variant.case_, 0u);
    free_args(name, args, n);

    cr_assert(wasmrt_wave_parse_call("ns:pkg/iface#nothing()", &name, &args, &n, lookup, NULL, &err), "%s", err.message);
    cr_expect_eq(n, 0u);
    free_args(name, args, n);
    cr_assert(wasmrt_wave_parse_call("%greet(\"k\")", &name, &args, &n, lookup, NULL, &err), "%s", err.message);
    cr_expect_str_eq(name, "greet");
    free_args(name, args, n);
}

Test(wave, bad_calls_say_what_is_wrong, .init = init_funcs) {
    static const struct { const char *text, *want; } cases[] = {
        {"pair(1)", "missing argument 2 (b) of pair: it takes 2"},
        {"pair(1, true, 3)", "too many arguments: the function takes 2"},
        {"pair(1, yes)", "at offset 8: expected true or false"},
        {"nope()", "at offset 0: no exported function 'nope'"},
        {"pair", "expected '(' after the function name"},
        {"", "expected a function name"},
        {"pair(1, true) x", "unexpected 'x' after the call"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *name = (char *)1;
        wasmrt_cval *args = (wasmrt_cval *)1;
        uint32_t n = 7;
        wasmrt_error err = {{0}};
        cr_expect(!wasmrt_wave_parse_call(cases[i].text, &name, &args, &n, lookup, NULL, &err), "'%s' accepted",
                  cases[i].text);
        cr_expect(strstr(err.message, cases[i].want) != NULL, "'%s': '%s' lacks '%s'", cases[i].text, err.message,
                  cases[i].want);
        cr_expect(name == NULL && args == NULL && n == 0, "'%s': outputs not cleared", cases[i].text);
    }
}
