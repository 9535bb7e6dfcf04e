/* The canonical ABI (rt/component/canon_abi.c, canon_flat.c, ctype.c,
 * handles.c) against a byte buffer as linear memory and a test realloc:
 * layout and flattening of every type kind, store/load and flat
 * lower/lift round trips, string transcoding with the reference's realloc
 * sequence, spilling, resource handles, and every trap rule with the
 * message the component-model tests expect.  Types come from a plan
 * hand-encoded here and decoded by cplan.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../rt/component/internal_component.h"
#include "plan_builder.h"

enum {
    T_BOOL, T_S8, T_U8, T_S16, T_U16, T_S32, T_U32, T_S64, T_U64, T_F32, T_F64, T_CHAR, T_STRING,
    T_LIST_U32, T_RECORD, T_TUPLE, T_VARIANT, T_ENUM, T_OPTION, T_RESULT, T_FLAGS, T_OWN0, T_BORROW0,
    T_OWN1, T_LIST_U8, T_VARIANT_IF, T_LIST_STRING, NUM_T
};

static ct_plan P;
static uint8_t MEM[65536] __attribute__((aligned(16)));
static wasmc_memory M = {MEM, sizeof MEM};

/* The test realloc: a bump allocator from 1024 that logs its calls; it
 * copies on growth like a guest's realloc, and can misbehave. */
typedef struct alloc_log {
    uint32_t old_ptr, old_size, align, new_size, result;
} alloc_log;
static alloc_log LOG[16];
static uint32_t NLOG, NEXT;
static enum { GOOD, MISALIGNED, OOB, FAILS } MODE;

static bool test_realloc(ct_cx *cx, uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size,
                         uint32_t *out) {
    if (MODE == FAILS) {
        cx->trap_code = WASMC_TRAP_UNREACHABLE;
        return false;
    }
    uint32_t r;
    if (MODE == MISALIGNED) r = 1025;
    else if (MODE == OOB) r = (uint32_t)sizeof MEM - 4 ;
    else if (old_ptr && new_size <= old_size) r = old_ptr;
    else {
        NEXT = (NEXT + align - 1) & ~(align - 1);
        r = NEXT;
        NEXT += new_size;
        if (old_ptr) memmove(MEM + r, MEM + old_ptr, old_size);
    }
    if (NLOG < 16) LOG[NLOG++] = (alloc_log){old_ptr, old_size, align, new_size, r};
    *out = r;
    return true;
}

static ct_inst INST[2];

static void build_types(void) {
    pb p = {0};
    pb_header(&p);
    pb_u32(&p, NUM_T);
    for (int k = WASMC_CVAL_BOOL; k <= WASMC_CVAL_STRING; k++) pb_prim(&p, (wasmc_cval_kind)k);
    pb_list(&p, T_U32);
    pb_record(&p, 3, (const char *[]){"a", "b", "c"}, (uint32_t[]){T_U8, T_U32, T_U16});
    pb_tuple(&p, 2, (uint32_t[]){T_U8, T_U64});
    pb_variant(&p, 3, (const char *[]){"a", "b", "c"}, (int64_t[]){T_F32, T_U64, -1});
    pb_names(&p, WASMC_CVAL_ENUM, 3, (const char *[]){"x", "y", "z"});
    pb_option(&p, T_U64);
    pb_result(&p, T_U32, T_STRING);
    pb_names(&p, WASMC_CVAL_FLAGS, 9, (const char *[]){"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"});
    pb_own(&p, 0);
    pb_borrow(&p, 0);
    pb_own(&p, 1);
    pb_list(&p, T_U8);
    pb_variant(&p, 2, (const char *[]){"i", "f"}, (int64_t[]){T_U32, T_F32});
    pb_list(&p, T_STRING);
    pb_u32(&p, 0);                 /* functypes */
    pb_u32(&p, 2);                 /* cinstances: 0 (root), 1 (child of 0) */
    pb_u32(&p, 0);
    pb_u32(&p, 1);
    pb_u32(&p, 2);                 /* resources, both defined by instance 0 / 1 */
    pb_byte(&p, 1); pb_u32(&p, 0); pb_byte(&p, 0);
    pb_byte(&p, 1); pb_u32(&p, 1); pb_byte(&p, 0);
    pb_u32(&p, 0);                 /* imports */
    pb_u32(&p, 0);                 /* steps */
    pb_u32(&p, 0);                 /* exports */
    wasmrt_error err;
    cr_assert(ct_plan_decode(&P, NULL, p.b, p.n, NULL, 0, &err), "%s", err.message);
    free(p.b);
}

static void setup(void) {
    build_types();
    memset(MEM, 0, sizeof MEM);
    NLOG = 0;
    NEXT = 1024;
    MODE = GOOD;
    memset(INST, 0, sizeof INST);
}

static void teardown(void) {
    ct_plan_free(&P);
    ct_table_free(&INST[0].handles);
    ct_table_free(&INST[1].handles);
}

TestSuite(canon_abi, .init = setup, .fini = teardown);

static const wasmrt_ctype *T(int i) { return &P.types[i]; }

static ct_cx cx_for(wasmc_string_encoding enc) {
    ct_cx cx;
    memset(&cx, 0, sizeof cx);
    cx.mem = &M;
    cx.encoding = (uint8_t)enc;
    cx.realloc = test_realloc;
    cx.plan = &P;
    cx.inst = &INST[0];
    cx.inst_index = 0;
    return cx;
}

static void expect_trap(ct_cx *cx, const char *msg) {
    cr_assert_eq(cx->trap_code, WASMC_TRAP_CANON, "expected trap \"%s\", got code %d", msg, cx->trap_code);
    cr_assert_str_eq(cx->trap_msg, msg);
}

static wasmrt_cval U(wasmc_cval_kind k, uint64_t u) { return (wasmrt_cval){.kind = k, .of.u = u}; }
static wasmrt_cval S(wasmc_cval_kind k, int64_t s) { return (wasmrt_cval){.kind = k, .of.s = s}; }
static wasmrt_cval STR(const char *s) {
    return (wasmrt_cval){.kind = WASMC_CVAL_STRING, .of.str = {(char *)s, strlen(s)}};
}

/* ---- layout and flattening ---- */

Test(canon_abi, layout_follows_the_reference) {
    cr_assert_eq(T(T_RECORD)->size, 12); cr_assert_eq(T(T_RECORD)->align, 4);
    cr_assert_eq(T(T_TUPLE)->size, 16); cr_assert_eq(T(T_TUPLE)->align, 8);
    cr_assert_eq(T(T_OPTION)->size, 16); cr_assert_eq(T(T_OPTION)->payload_offset, 8);
    cr_assert_eq(T(T_RESULT)->size, 12); cr_assert_eq(T(T_RESULT)->payload_offset, 4);
    cr_assert_eq(T(T_ENUM)->size, 1);
    cr_assert_eq(T(T_FLAGS)->size, 2);
    cr_assert_eq(T(T_STRING)->size, 8); cr_assert_eq(T(T_STRING)->align, 4);
    cr_assert_eq(T(T_CHAR)->size, 4);
    /* variant {a(f32), b(u64), c}: discriminant + join(f32, i64) = i64 */
    cr_assert_eq(T(T_VARIANT)->flat_count, 2);
    cr_assert_eq(T(T_VARIANT)->flat[0], CT_I32);
    cr_assert_eq(T(T_VARIANT)->flat[1], CT_I64);
    /* variant {i(u32), f(f32)}: join(i32, f32) = i32 */
    cr_assert_eq(T(T_VARIANT_IF)->flat_count, 2);
    cr_assert_eq(T(T_VARIANT_IF)->flat[1], CT_I32);
    /* result<u32, string>: i32 disc, i32, i32 */
    cr_assert_eq(T(T_RESULT)->flat_count, 3);
    cr_assert_eq(T(T_RECORD)->flat_count, 3);
    cr_assert_eq(T(T_TUPLE)->flat[1], CT_I64);
}

Test(canon_abi, discriminant_size_grows_with_case_count) {
    ct_plan_free(&P);
    pb p = {0};
    pb_header(&p);
    pb_u32(&p, 3);
    const char **names = calloc(65537, sizeof *names);
    char (*buf)[8] = calloc(65537, 8);
    for (int i = 0; i < 65537; i++) { snprintf(buf[i], 8, "c%d", i); names[i] = buf[i]; }
    pb_names(&p, WASMC_CVAL_ENUM, 256, names);
    pb_names(&p, WASMC_CVAL_ENUM, 257, names);
    pb_names(&p, WASMC_CVAL_ENUM, 65537, names);
    for (int i = 0; i < 6; i++) pb_u32(&p, 0);
    wasmrt_error err;
    cr_assert(ct_plan_decode(&P, NULL, p.b, p.n, NULL, 0, &err), "%s", err.message);
    cr_assert_eq(P.types[0].size, 1);
    cr_assert_eq(P.types[1].size, 2);
    cr_assert_eq(P.types[2].size, 4);
    free(p.b);
    free(names);
    free(buf);
}

/* ---- round trips ---- */

static void roundtrip_store_load(const wasmrt_ctype *t, const wasmrt_cval *v, wasmrt_cval *out) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint32_t at = 64;
    cr_assert(ct_store(&cx, v, t, at), "store: %s", cx.trap_msg);
    cr_assert(ct_load(&cx, at, t, out), "load: %s", cx.trap_msg);
}

Test(canon_abi, every_scalar_kind_round_trips_through_memory) {
    wasmrt_cval vals[] = {
        {.kind = WASMC_CVAL_BOOL, .of.b = true}, S(WASMC_CVAL_S8, -5), U(WASMC_CVAL_U8, 200),
        S(WASMC_CVAL_S16, -30000), U(WASMC_CVAL_U16, 60000), S(WASMC_CVAL_S32, -2000000000),
        U(WASMC_CVAL_U32, 4000000000u), S(WASMC_CVAL_S64, INT64_MIN), U(WASMC_CVAL_U64, UINT64_MAX),
        {.kind = WASMC_CVAL_F32, .of.f32 = -1.5f}, {.kind = WASMC_CVAL_F64, .of.f64 = 3.25},
        {.kind = WASMC_CVAL_CHAR, .of.ch = 0x1F600}};
    for (int i = 0; i <= T_CHAR; i++) {
        wasmrt_cval out;
        roundtrip_store_load(T(i), &vals[i], &out);
        cr_assert_eq(out.kind, vals[i].kind);
        cr_assert_eq(memcmp(&out.of, &vals[i].of, 8), 0, "kind %d", i);
    }
}

Test(canon_abi, aggregates_round_trip_through_memory_and_flat_values) {
    wasmrt_cval rec_items[3] = {U(WASMC_CVAL_U8, 7), U(WASMC_CVAL_U32, 0xdeadbeef), U(WASMC_CVAL_U16, 513)};
    wasmrt_cval rec = {.kind = WASMC_CVAL_RECORD, .of.list = {rec_items, 3}};
    wasmrt_cval err_payload = STR("bad thing");
    wasmrt_cval res = {.kind = WASMC_CVAL_RESULT, .of.variant = {1, &err_payload}};
    wasmrt_cval some = U(WASMC_CVAL_U64, 1ull << 40);
    wasmrt_cval opt = {.kind = WASMC_CVAL_OPTION, .of.variant = {1, &some}};
    wasmrt_cval flags = {.kind = WASMC_CVAL_FLAGS, .of.flags = 0x101};
    wasmrt_cval en = {.kind = WASMC_CVAL_ENUM, .of.variant = {2, NULL}};
    wasmrt_cval l_items[3] = {U(WASMC_CVAL_U32, 1), U(WASMC_CVAL_U32, 2), U(WASMC_CVAL_U32, 3)};
    wasmrt_cval list = {.kind = WASMC_CVAL_LIST, .of.list = {l_items, 3}};
    struct { int t; wasmrt_cval *v; } cases[] = {{T_RECORD, &rec}, {T_RESULT, &res}, {T_OPTION, &opt},
                                                 {T_FLAGS, &flags}, {T_ENUM, &en}, {T_LIST_U32, &list}};
    wasmrt_error err;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const wasmrt_ctype *t = T(cases[i].t);
        cr_assert(ct_value_check(t, cases[i].v, &err), "%s", err.message);
        /* memory */
        ct_cx cx = cx_for(WASMC_STRING_UTF8);
        wasmrt_cval out;
        cr_assert(ct_store(&cx, cases[i].v, t, 256));
        cr_assert(ct_load(&cx, 256, t, &out), "%s", cx.trap_msg);
        /* flat */
        uint64_t flat[CT_FLAT_CAP];
        uint32_t n = 0, pos = 0;
        wasmrt_cval out2;
        cr_assert(ct_lower_flat(&cx, cases[i].v, t, flat, &n));
        cr_assert_eq(n, t->flat_count);
        cr_assert(ct_lift_flat(&cx, flat, n, &pos, t, &out2), "%s", cx.trap_msg);
        cr_assert_eq(pos, n);
        for (int k = 0; k < 2; k++) {
            wasmrt_cval *o = k ? &out2 : &out;
            cr_assert_eq(o->kind, t->kind);
            switch (t->kind) {
            case WASMC_CVAL_RECORD:
                cr_assert_eq(o->of.list.items[1].of.u, 0xdeadbeef);
                cr_assert_eq(o->of.list.items[2].of.u, 513);
                break;
            case WASMC_CVAL_RESULT:
                cr_assert_eq(o->of.variant.case_, 1);
                cr_assert_eq(o->of.variant.payload->of.str.len, 9);
                cr_assert(!memcmp(o->of.variant.payload->of.str.ptr, "bad thing", 9));
                break;
            case WASMC_CVAL_OPTION: cr_assert_eq(o->of.variant.payload->of.u, 1ull << 40); break;
            case WASMC_CVAL_FLAGS: cr_assert_eq(o->of.flags, 0x101); break;
            case WASMC_CVAL_ENUM: cr_assert_eq(o->of.variant.case_, 2); break;
            case WASMC_CVAL_LIST:
                cr_assert_eq(o->of.list.len, 3);
                cr_assert_eq(o->of.list.items[2].of.u, 3);
                break;
            }
            wasmrt_cval_free(o);
        }
    }
}

Test(canon_abi, variant_payloads_use_the_joined_flat_types) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    wasmrt_cval f = {.kind = WASMC_CVAL_F32, .of.f32 = 1.5f};
    wasmrt_cval v = {.kind = WASMC_CVAL_VARIANT, .of.variant = {0, &f}};
    uint64_t flat[4];
    uint32_t n = 0;
    cr_assert(ct_lower_flat(&cx, &v, T(T_VARIANT), flat, &n));
    cr_assert_eq(n, 2);
    cr_assert_eq(flat[0], 0);
    cr_assert_eq(flat[1], 0x3fc00000u);   /* f32 bits, zero-extended into the i64 slot */
    /* lifting an f32 out of an i64 slot keeps the low 32 bits */
    flat[1] |= 0xffffffff00000000ull;
    uint32_t pos = 0;
    wasmrt_cval out;
    cr_assert(ct_lift_flat(&cx, flat, 2, &pos, T(T_VARIANT), &out));
    cr_assert_eq(out.of.variant.payload->of.f32, 1.5f);
    wasmrt_cval_free(&out);
    /* case c has no payload: the slot is zero */
    wasmrt_cval c = {.kind = WASMC_CVAL_VARIANT, .of.variant = {2, NULL}};
    n = 0;
    cr_assert(ct_lower_flat(&cx, &c, T(T_VARIANT), flat, &n));
    cr_assert_eq(n, 2);
    cr_assert_eq(flat[1], 0);
}

Test(canon_abi, variant_joins_widen_mixed_payloads_to_i64) {
    ct_plan_free(&P);
    pb p = {0};
    pb_header(&p);
    pb_u32(&p, 5);
    pb_prim(&p, WASMC_CVAL_F64);   /* 0 */
    pb_prim(&p, WASMC_CVAL_U32);   /* 1 */
    pb_prim(&p, WASMC_CVAL_F32);   /* 2 */
    pb_tuple(&p, 2, (uint32_t[]){2, 2});   /* 3: (f32, f32) */
    pb_variant(&p, 3, (const char *[]){"a", "b", "c"}, (int64_t[]){0, 1, 3});
    for (int i = 0; i < 6; i++) pb_u32(&p, 0);
    wasmrt_error err;
    cr_assert(ct_plan_decode(&P, NULL, p.b, p.n, NULL, 0, &err), "%s", err.message);
    free(p.b);
    const wasmrt_ctype *v = &P.types[4];
    /* disc, join(f64, i32, f32) = i64, join(f32) = f32 */
    cr_assert_eq(v->flat_count, 3);
    cr_assert_eq(v->flat[1], CT_I64);
    cr_assert_eq(v->flat[2], CT_F32);
    cr_assert_eq(v->size, 16);
    cr_assert_eq(v->payload_offset, 8);
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    wasmrt_cval d = {.kind = WASMC_CVAL_F64, .of.f64 = -2.5};
    wasmrt_cval val = {.kind = WASMC_CVAL_VARIANT, .of.variant = {0, &d}}, out;
    uint64_t flat[3];
    uint32_t n = 0, pos = 0;
    cr_assert(ct_lower_flat(&cx, &val, v, flat, &n));
    cr_assert_eq(n, 3);
    cr_assert_eq(flat[2], 0);
    cr_assert(ct_lift_flat(&cx, flat, 3, &pos, v, &out));
    cr_assert_eq(out.of.variant.payload->of.f64, -2.5);
    wasmrt_cval_free(&out);
    wasmrt_cval fs[2] = {{.kind = WASMC_CVAL_F32, .of.f32 = 1.0f}, {.kind = WASMC_CVAL_F32, .of.f32 = 2.0f}};
    wasmrt_cval tup = {.kind = WASMC_CVAL_TUPLE, .of.list = {fs, 2}};
    val = (wasmrt_cval){.kind = WASMC_CVAL_VARIANT, .of.variant = {2, &tup}};
    n = pos = 0;
    cr_assert(ct_lower_flat(&cx, &val, v, flat, &n));
    cr_assert_eq(flat[1], 0x3f800000u);   /* f32 bits in the i64 slot */
    cr_assert(ct_lift_flat(&cx, flat, 3, &pos, v, &out));
    cr_assert_eq(out.of.variant.payload->of.list.items[1].of.f32, 2.0f);
    wasmrt_cval_free(&out);
}

Test(canon_abi, signed_values_lower_as_32_bit_twos_complement_and_lift_wrapped) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    wasmrt_cval v = S(WASMC_CVAL_S8, -1);
    uint64_t flat[1];
    uint32_t n = 0, pos = 0;
    cr_assert(ct_lower_flat(&cx, &v, T(T_S8), flat, &n));
    cr_assert_eq(flat[0], 0xffffffffu);
    /* lift_flat_signed: only the low 8 bits count */
    flat[0] = 0x17f;
    wasmrt_cval out;
    cr_assert(ct_lift_flat(&cx, flat, 1, &pos, T(T_S8), &out));
    cr_assert_eq(out.of.s, 127);
    pos = 0;
    flat[0] = 0x12345680;
    cr_assert(ct_lift_flat(&cx, flat, 1, &pos, T(T_U8), &out));
    cr_assert_eq(out.of.u, 0x80);
    pos = 0;
    flat[0] = 2;   /* any non-zero i32 is true */
    cr_assert(ct_lift_flat(&cx, flat, 1, &pos, T(T_BOOL), &out));
    cr_assert(out.of.b);
}

Test(canon_abi, nan_is_canonicalised_on_lift) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint64_t flat[1] = {0x7f800001u};
    uint32_t pos = 0;
    wasmrt_cval out;
    cr_assert(ct_lift_flat(&cx, flat, 1, &pos, T(T_F32), &out));
    uint32_t bits;
    memcpy(&bits, &out.of.f32, 4);
    cr_assert_eq(bits, 0x7fc00000u);
}

/* ---- strings ---- */

static void lift_string_expect(wasmc_string_encoding enc, const void *bytes, uint32_t nbytes, uint32_t at,
                               uint32_t units, const char *want_utf8, const char *want_trap) {
    memcpy(MEM + at, bytes, nbytes);
    ct_cx cx = cx_for(enc);
    wasmrt_cval out;
    bool ok = ct_lift_string(&cx, at, units, &out);
    if (want_trap) {
        cr_assert_not(ok, "expected trap %s", want_trap);
        expect_trap(&cx, want_trap);
        return;
    }
    cr_assert(ok, "%s", cx.trap_msg);
    cr_assert_eq(out.of.str.len, strlen(want_utf8));
    cr_assert(!memcmp(out.of.str.ptr, want_utf8, out.of.str.len));
    wasmrt_cval_free(&out);
}

Test(canon_abi, strings_lift_from_each_encoding) {
    lift_string_expect(WASMC_STRING_UTF8, "h\xc3\xa9llo", 6, 100, 6, "h\xc3\xa9llo", NULL);
    /* utf16 "h€😀" */
    static const uint8_t u16[] = {'h', 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE};
    lift_string_expect(WASMC_STRING_UTF16, u16, 8, 200, 4, "h\xe2\x82\xac\xf0\x9f\x98\x80", NULL);
    /* latin1 "é" and the utf16 tag */
    lift_string_expect(WASMC_STRING_LATIN1_UTF16, "\xe9", 1, 300, 1, "\xc3\xa9", NULL);
    lift_string_expect(WASMC_STRING_LATIN1_UTF16, u16, 8, 400, 4u | (1u << 31),
                       "h\xe2\x82\xac\xf0\x9f\x98\x80", NULL);
}

Test(canon_abi, string_traps_match_the_component_model_tests) {
    lift_string_expect(WASMC_STRING_UTF8, "", 0, 0, 0, "", NULL);
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    wasmrt_cval out;
    cr_assert_not(ct_lift_string(&cx, 65535, 2, &out));
    expect_trap(&cx, "string pointer/length out of bounds of memory");
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lift_string(&cx, 0x80000000u, 1, &out));
    expect_trap(&cx, "string pointer/length out of bounds of memory");
    /* a pointer near 4 GiB plus a length must not wrap past the check */
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lift_string(&cx, 0xFFFFFFF0u, 0x20, &out));
    expect_trap(&cx, "string pointer/length out of bounds of memory");
    lift_string_expect(WASMC_STRING_UTF8, "a\xff", 2, 100, 2, NULL, "invalid utf-8");
    lift_string_expect(WASMC_STRING_UTF8, "\xc0\x80", 2, 100, 2, NULL, "invalid utf-8");       /* overlong */
    lift_string_expect(WASMC_STRING_UTF8, "\xed\xa0\x80", 3, 100, 3, NULL, "invalid utf-8");   /* surrogate */
    lift_string_expect(WASMC_STRING_UTF8, "ab\xe2\x82", 4, 100, 4, NULL, "incomplete utf-8 byte sequence");
    lift_string_expect(WASMC_STRING_UTF16, "a\0", 2, 101, 1, NULL, "unaligned pointer");
    lift_string_expect(WASMC_STRING_UTF16, "\x00\xd8" "a\0", 4, 100, 2, NULL, "invalid utf-16");
    lift_string_expect(WASMC_STRING_UTF16, "\x00\xdc", 2, 100, 1, NULL, "invalid utf-16");
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lift_string(&cx, 0, 1u << 28, &out));
    cr_assert_eq(cx.trap_code, WASMC_TRAP_CANON);
}

Test(canon_abi, utf8_lowers_by_one_copy) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint32_t ptr, units;
    cr_assert(ct_lower_string(&cx, "h\xc3\xa9", 3, &ptr, &units));
    cr_assert_eq(NLOG, 1);
    cr_assert_eq(LOG[0].align, 1);
    cr_assert_eq(LOG[0].new_size, 3);
    cr_assert_eq(units, 3);
    cr_assert(!memcmp(MEM + ptr, "h\xc3\xa9", 3));
}

Test(canon_abi, utf8_to_utf16_allocates_the_worst_case_then_shrinks) {
    ct_cx cx = cx_for(WASMC_STRING_UTF16);
    uint32_t ptr, units;
    cr_assert(ct_lower_string(&cx, "h\xe2\x82\xac", 4, &ptr, &units), "%s", cx.trap_msg);
    cr_assert_eq(units, 2);
    cr_assert_eq(NLOG, 2);
    cr_assert_eq(LOG[0].new_size, 8);
    cr_assert_eq(LOG[0].align, 2);
    cr_assert_eq(LOG[1].old_size, 8);
    cr_assert_eq(LOG[1].new_size, 4);
    static const uint8_t want[] = {'h', 0, 0xAC, 0x20};
    cr_assert(!memcmp(MEM + ptr, want, 4));
}

Test(canon_abi, latin1_utf16_stays_latin1_when_it_can) {
    ct_cx cx = cx_for(WASMC_STRING_LATIN1_UTF16);
    uint32_t ptr, units;
    cr_assert(ct_lower_string(&cx, "caf\xc3\xa9", 5, &ptr, &units), "%s", cx.trap_msg);
    cr_assert_eq(units, 4);   /* no tag: latin1 */
    cr_assert(!memcmp(MEM + ptr, "caf\xe9", 4));
    cr_assert_eq(NLOG, 2);   /* allocate 5, shrink to 4 */
    cr_assert_eq(LOG[0].new_size, 5);
    cr_assert_eq(LOG[1].new_size, 4);
}

Test(canon_abi, latin1_utf16_inflates_to_utf16_at_the_first_wide_char) {
    ct_cx cx = cx_for(WASMC_STRING_LATIN1_UTF16);
    uint32_t ptr, units;
    cr_assert(ct_lower_string(&cx, "\xc3\xa9\xe2\x82\xac", 5, &ptr, &units), "%s", cx.trap_msg);
    cr_assert_eq(units, 2u | (1u << 31));
    static const uint8_t want[] = {0xE9, 0, 0xAC, 0x20};
    cr_assert(!memcmp(MEM + ptr, want, 4));
    cr_assert_eq(NLOG, 3);   /* 5 bytes, grow to 10, shrink to 4 */
    cr_assert_eq(LOG[1].new_size, 10);
    cr_assert_eq(LOG[2].new_size, 4);
    /* and it lifts back */
    wasmrt_cval out;
    cr_assert(ct_lift_string(&cx, ptr, units, &out));
    cr_assert_eq(out.of.str.len, 5);
    cr_assert(!memcmp(out.of.str.ptr, "\xc3\xa9\xe2\x82\xac", 5));
    wasmrt_cval_free(&out);
}

/* ---- realloc results ---- */

Test(canon_abi, realloc_returning_a_misaligned_pointer_traps) {
    MODE = MISALIGNED;
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    wasmrt_cval items[2] = {U(WASMC_CVAL_U32, 1), U(WASMC_CVAL_U32, 2)};
    wasmrt_cval l = {.kind = WASMC_CVAL_LIST, .of.list = {items, 2}};
    uint32_t ptr;
    cr_assert_not(ct_lower_list(&cx, &l, T(T_U32), &ptr));
    expect_trap(&cx, "realloc return: result not aligned");
}

Test(canon_abi, realloc_returning_out_of_bounds_traps_even_for_zero_bytes) {
    MODE = OOB;
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    wasmrt_cval items[2] = {U(WASMC_CVAL_U32, 1), U(WASMC_CVAL_U32, 2)};
    wasmrt_cval l = {.kind = WASMC_CVAL_LIST, .of.list = {items, 2}};
    uint32_t ptr, units;
    cr_assert_not(ct_lower_list(&cx, &l, T(T_U32), &ptr));
    expect_trap(&cx, "realloc return: beyond end of memory");
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lower_string(&cx, "hello", 5, &ptr, &units));
    expect_trap(&cx, "realloc return: beyond end of memory");
    /* the reference checks ptr + 0 <= len too: an in-bounds zero-size
     * allocation is fine, one past the end is not */
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert(ct_lower_string(&cx, "", 0, &ptr, &units));
}

/* Between components (an adapter), the reference tests expect wasmtime's
 * fused-adapter wording instead. */
Test(canon_abi, adapters_word_allocation_and_bounds_traps_as_the_tests_expect) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    cx.adapter = true;
    wasmrt_cval out;
    cr_assert_not(ct_lift_string(&cx, 65535, 2, &out));
    expect_trap(&cx, "string content out-of-bounds");
    cx = cx_for(WASMC_STRING_UTF8);
    cx.adapter = true;
    cr_assert_not(ct_lift_list(&cx, 65532, 2, T(T_U32), &out));
    expect_trap(&cx, "list content out-of-bounds");
    wasmrt_cval items[2] = {U(WASMC_CVAL_U32, 1), U(WASMC_CVAL_U32, 2)};
    wasmrt_cval l = {.kind = WASMC_CVAL_LIST, .of.list = {items, 2}};
    uint32_t ptr;
    MODE = MISALIGNED;
    cx = cx_for(WASMC_STRING_UTF8);
    cx.adapter = true;
    cr_assert_not(ct_lower_list(&cx, &l, T(T_U32), &ptr));
    expect_trap(&cx, "unaligned pointer");
    MODE = OOB;
    cx = cx_for(WASMC_STRING_UTF8);
    cx.adapter = true;
    cr_assert_not(ct_lower_list(&cx, &l, T(T_U32), &ptr));
    expect_trap(&cx, "list content out-of-bounds");
}

Test(canon_abi, a_trap_inside_realloc_propagates_its_code) {
    MODE = FAILS;
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint32_t ptr, units;
    cr_assert_not(ct_lower_string(&cx, "x", 1, &ptr, &units));
    cr_assert_eq(cx.trap_code, WASMC_TRAP_UNREACHABLE);
}

Test(canon_abi, lowering_without_realloc_traps_with_a_reason) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    cx.realloc = NULL;
    uint32_t ptr, units;
    cr_assert_not(ct_lower_string(&cx, "x", 1, &ptr, &units));
    cr_assert_eq(cx.trap_code, WASMC_TRAP_CANON);
    cr_assert(strstr(cx.trap_msg, "realloc"));
}

/* ---- chars, discriminants, lists ---- */

Test(canon_abi, invalid_chars_trap) {
    uint32_t bad[] = {0xD800, 0xDFFF, 0x110000, 0xFFFFFFFF};
    for (int i = 0; i < 4; i++) {
        ct_cx cx = cx_for(WASMC_STRING_UTF8);
        wasmrt_cval out;
        uint64_t flat[1] = {bad[i]};
        uint32_t pos = 0;
        cr_assert_not(ct_lift_flat(&cx, flat, 1, &pos, T(T_CHAR), &out));
        expect_trap(&cx, "invalid `char` bit pattern");
    }
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    wasmrt_cval out;
    cr_assert(ct_lift_char(&cx, 0x10FFFF, &out));
}

Test(canon_abi, out_of_range_discriminants_trap) {
    int types[] = {T_OPTION, T_RESULT, T_ENUM, T_VARIANT};
    uint32_t bad[] = {2, 2, 3, 3};
    for (int i = 0; i < 4; i++) {
        ct_cx cx = cx_for(WASMC_STRING_UTF8);
        wasmrt_cval out;
        MEM[512] = (uint8_t)bad[i];
        cr_assert_not(ct_load(&cx, 512, T(types[i]), &out));
        expect_trap(&cx, "invalid variant discriminant");
        cx = cx_for(WASMC_STRING_UTF8);
        uint64_t flat[4] = {bad[i], 0, 0, 0};
        uint32_t pos = 0;
        cr_assert_not(ct_lift_flat(&cx, flat, T(types[i])->flat_count, &pos, T(types[i]), &out));
        expect_trap(&cx, "invalid variant discriminant");
    }
}

Test(canon_abi, flags_ignore_bits_beyond_the_names) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    MEM[600] = 0xFF;
    MEM[601] = 0xFF;
    wasmrt_cval out;
    cr_assert(ct_load(&cx, 600, T(T_FLAGS), &out));
    cr_assert_eq(out.of.flags, 0x1FF);
}

Test(canon_abi, list_length_overflow_traps_instead_of_wrapping) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    wasmrt_cval out;
    /* 2^30 u32s = 4 GiB: exceeds the reference's 2^28-1 byte limit */
    cr_assert_not(ct_lift_list(&cx, 0, 1u << 30, T(T_U32), &out));
    cr_assert_eq(cx.trap_code, WASMC_TRAP_CANON);
    cr_assert(strstr(cx.trap_msg, "list length overflow"), "%s", cx.trap_msg);
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lift_list(&cx, 0, 0xFFFFFFFFu, T(T_U32), &out));
    cr_assert(strstr(cx.trap_msg, "list length overflow"), "%s", cx.trap_msg);
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lift_list(&cx, 65532, 2, T(T_U32), &out));
    expect_trap(&cx, "list pointer/length out of bounds of memory");
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lift_list(&cx, 2, 1, T(T_U32), &out));
    expect_trap(&cx, "unaligned pointer");
    /* an error inside an element frees the elements before it */
    cx = cx_for(WASMC_STRING_UTF8);
    uint32_t strs[4] = {100, 1, 65535, 5};
    memcpy(MEM + 64, strs, sizeof strs);
    MEM[100] = 'a';
    cr_assert_not(ct_lift_list(&cx, 64, 2, T(T_STRING), &out));
    expect_trap(&cx, "string pointer/length out of bounds of memory");
}

/* ---- spilling ---- */

Test(canon_abi, more_than_16_flat_params_spill_through_realloc_and_lift_back) {
    const wasmrt_ctype *ts[17];
    wasmrt_cval vals[17];
    for (int i = 0; i < 17; i++) {
        ts[i] = i == 3 ? T(T_U64) : T(T_U8);
        vals[i] = i == 3 ? U(WASMC_CVAL_U64, 0x1122334455667788ull) : U(WASMC_CVAL_U8, (uint64_t)i);
    }
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint64_t flat[CT_FLAT_CAP];
    uint32_t n;
    cr_assert(ct_lower_values(&cx, CT_MAX_FLAT_PARAMS, vals, ts, 17, flat, &n, NULL), "%s", cx.trap_msg);
    cr_assert_eq(n, 1);
    cr_assert_eq(NLOG, 1);
    cr_assert_eq(LOG[0].align, 8);
    cr_assert_eq(LOG[0].new_size, 32);   /* 3 bytes, pad to 8, u64, 13 bytes, pad to 8 */
    wasmrt_cval out[17];
    cr_assert(ct_lift_values(&cx, CT_MAX_FLAT_PARAMS, flat, n, ts, 17, out), "%s", cx.trap_msg);
    cr_assert_eq(out[3].of.u, 0x1122334455667788ull);
    cr_assert_eq(out[16].of.u, 16);
    /* 16 flat values do not spill */
    n = 0;
    cr_assert(ct_lower_values(&cx, CT_MAX_FLAT_PARAMS, vals, ts, 16, flat, &n, NULL));
    cr_assert_eq(n, 16);
}

Test(canon_abi, results_spill_to_the_callers_pointer_which_is_checked) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    const wasmrt_ctype *ts[1] = {T(T_STRING)};
    wasmrt_cval v = STR("hi");
    uint64_t flat[2];
    uint32_t n, at = 2000;
    cr_assert(ct_lower_values(&cx, CT_MAX_FLAT_RESULTS, &v, ts, 1, flat, &n, &at), "%s", cx.trap_msg);
    cr_assert_eq(n, 0);
    uint32_t p, len;
    memcpy(&p, MEM + 2000, 4);
    memcpy(&len, MEM + 2004, 4);
    cr_assert_eq(len, 2);
    cr_assert(!memcmp(MEM + p, "hi", 2));
    at = 2002;
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lower_values(&cx, CT_MAX_FLAT_RESULTS, &v, ts, 1, flat, &n, &at));
    expect_trap(&cx, "unaligned pointer");
    at = 65532;
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lower_values(&cx, CT_MAX_FLAT_RESULTS, &v, ts, 1, flat, &n, &at));
    expect_trap(&cx, "pointer out of bounds of memory");
    /* a returned pointer (lift context) is checked the same way */
    uint64_t rp = 3;
    wasmrt_cval out;
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lift_values(&cx, CT_MAX_FLAT_RESULTS, &rp, 1, ts, 1, &out));
    expect_trap(&cx, "unaligned pointer");
}

/* ---- handles ---- */

Test(canon_abi, own_handles_move_and_index_zero_is_never_used) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint32_t h1, h2, rep;
    cr_assert(ct_lower_own(&cx, 42, T(T_OWN0), &h1));
    cr_assert(ct_lower_own(&cx, 43, T(T_OWN0), &h2));
    cr_assert_eq(h1, 1);
    cr_assert_eq(h2, 2);
    cr_assert(ct_lift_own(&cx, h1, T(T_OWN0), &rep));
    cr_assert_eq(rep, 42);
    /* used after it moved out */
    cr_assert_not(ct_lift_own(&cx, h1, T(T_OWN0), &rep));
    expect_trap(&cx, "unknown handle index 1");
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert_not(ct_lift_own(&cx, 0, T(T_OWN0), &rep));
    expect_trap(&cx, "unknown handle index 0");
    /* the freed slot is reused */
    cx = cx_for(WASMC_STRING_UTF8);
    cr_assert(ct_lower_own(&cx, 44, T(T_OWN0), &h1));
    cr_assert_eq(h1, 1);
}

Test(canon_abi, a_handle_of_another_resource_type_traps) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint32_t h, rep;
    cr_assert(ct_lower_own(&cx, 7, T(T_OWN1), &h));
    cr_assert_not(ct_lift_own(&cx, h, T(T_OWN0), &rep));
    expect_trap(&cx, "handle index 1 used with the wrong type, expected guest-defined resource but found a "
                     "different guest-defined resource (resource-1, not resource-0)");
}

Test(canon_abi, an_own_handle_cannot_move_while_lent) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint32_t h, rep;
    cr_assert(ct_lower_own(&cx, 9, T(T_OWN0), &h));
    cr_assert(ct_lift_borrow(&cx, h, T(T_BORROW0), &rep));
    cr_assert_eq(rep, 9);
    cr_assert_not(ct_lift_own(&cx, h, T(T_OWN0), &rep));
    expect_trap(&cx, "cannot remove owned resource while borrowed");
    ct_release_lenders(&cx);
    cx.trap_code = WASMC_TRAP_NONE;
    cr_assert(ct_lift_own(&cx, h, T(T_OWN0), &rep));
}

Test(canon_abi, borrows_count_in_their_scope_except_into_the_defining_instance) {
    ct_cx cx = cx_for(WASMC_STRING_UTF8);
    uint32_t scope = 0, h;
    cx.borrow_scope = &scope;
    /* resource 0 is defined by instance 0: a borrow into it is the rep */
    cr_assert(ct_lower_borrow(&cx, 77, T(T_BORROW0), &h));
    cr_assert_eq(h, 77);
    cr_assert_eq(scope, 0);
    cx.inst = &INST[1];
    cx.inst_index = 1;
    cr_assert(ct_lower_borrow(&cx, 77, T(T_BORROW0), &h));
    cr_assert_eq(h, 1);
    cr_assert_eq(scope, 1);
    uint32_t rep;
    cr_assert_not(ct_lift_own(&cx, h, T(T_OWN0), &rep));
    cr_assert(strstr(cx.trap_msg, "is a borrow"), "%s", cx.trap_msg);
}

/* ---- host values ---- */

Test(canon_abi, host_values_are_checked_against_their_type) {
    wasmrt_error err;
    wasmrt_cval v = S(WASMC_CVAL_S8, 128);
    cr_assert_not(ct_value_check(T(T_S8), &v, &err));
    cr_assert(strstr(err.message, "out of range"));
    v = U(WASMC_CVAL_U32, 1);
    cr_assert_not(ct_value_check(T(T_S32), &v, &err));
    cr_assert_str_eq(err.message, "value: expected s32, got u32");
    v = STR("\xff");
    cr_assert_not(ct_value_check(T(T_STRING), &v, &err));
    v = (wasmrt_cval){.kind = WASMC_CVAL_CHAR, .of.ch = 0xD800};
    cr_assert_not(ct_value_check(T(T_CHAR), &v, &err));
    v = (wasmrt_cval){.kind = WASMC_CVAL_OPTION, .of.variant = {1, NULL}};
    cr_assert_not(ct_value_check(T(T_OPTION), &v, &err));
    v = (wasmrt_cval){.kind = WASMC_CVAL_FLAGS, .of.flags = 1u << 9};
    cr_assert_not(ct_value_check(T(T_FLAGS), &v, &err));
    v = (wasmrt_cval){.kind = WASMC_CVAL_ENUM, .of.variant = {3, NULL}};
    cr_assert_not(ct_value_check(T(T_ENUM), &v, &err));
}
