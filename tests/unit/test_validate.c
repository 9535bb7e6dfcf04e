/* Validator unit tests: one small module per rule, checking both that the
 * valid form is accepted and that the broken form is rejected with the
 * spec suite's message (prefix). */
#include <criterion/criterion.h>
#include <string.h>

#include "front_bytes.h"
#include "module.h"

static WasmError err;

static void expect_valid(const FbMod *fm) {
    WasmErrorKind k = fb_check(fm, &err);
    cr_assert_eq(k, WASM_OK, "rejected: %s (kind %d, offset %zu)", err.message, k, err.offset);
}

static void expect_unsupported(const FbMod *fm, const char *msg) {
    WasmErrorKind k = fb_check(fm, &err);
    cr_assert_eq(k, WASM_ERR_UNSUPPORTED, "kind %d (\"%s\") for expected \"%s\"", k, err.message, msg);
    cr_assert(strncmp(err.message, msg, strlen(msg)) == 0, "got \"%s\", want \"%s\"", err.message, msg);
}

static void expect_invalid(const FbMod *fm, const char *msg) {
    WasmErrorKind k = fb_check(fm, &err);
    cr_assert_eq(k, WASM_ERR_INVALID, "kind %d (\"%s\") for expected \"%s\"", k, err.message, msg);
    cr_assert(strncmp(err.message, msg, strlen(msg)) == 0, "got \"%s\", want \"%s\"", err.message, msg);
}

/* A module with types from `types` (type-section contents), one function
 * of type 0, optionally one memory of 1 page and one funcref table, and the
 * given body (locals vector + instructions + end). */
enum { MEM = 1, TABLE = 2 };
static void func_module(FbMod *fm, const uint8_t *types, size_t ntypes, unsigned extra,
                        const uint8_t *body, size_t nbody) {
    fb_init(fm);
    fb_section(fm, 1, types, ntypes);
    fb_section(fm, 3, FB(0x01, 0x00));
    if (extra & TABLE) fb_section(fm, 4, FB(0x01, 0x70, 0x00, 0x01));
    if (extra & MEM) fb_section(fm, 5, FB(0x01, 0x00, 0x01));
    fb_code1(fm, body, nbody);
}

#define T_VOID FB(0x01, 0x60, 0x00, 0x00)
#define T_I32 FB(0x01, 0x60, 0x00, 0x01, 0x7F)
#define T_I32_I32 FB(0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F)

Test(validate, numeric_typing) {
    FbMod fm;
    func_module(&fm, T_I32, 0, FB(0x00, 0x41, 0x01, 0x41, 0x02, 0x6A, 0x0B));
    expect_valid(&fm);
    func_module(&fm, T_I32, 0, FB(0x00, 0x41, 0x01, 0x42, 0x02, 0x6A, 0x0B));
    expect_invalid(&fm, "type mismatch");
    /* missing result */
    func_module(&fm, T_I32, 0, FB(0x00, 0x0B));
    expect_invalid(&fm, "type mismatch");
    /* extra value left on the stack */
    func_module(&fm, T_VOID, 0, FB(0x00, 0x41, 0x01, 0x0B));
    expect_invalid(&fm, "type mismatch");
}

Test(validate, unreachable_code_is_polymorphic) {
    FbMod fm;
    /* unreachable; i32.add -> anything works, result i32 satisfied */
    func_module(&fm, T_I32, 0, FB(0x00, 0x00, 0x6A, 0x0B));
    expect_valid(&fm);
    /* after br, a wrong concrete type is still an error */
    func_module(&fm, T_I32, 0, FB(0x00, 0x0C, 0x00, 0x42, 0x00, 0x6A, 0x0B));
    expect_invalid(&fm, "type mismatch");
    /* unreachable; select with no operands: operand types unknown, fine */
    func_module(&fm, T_I32, 0, FB(0x00, 0x00, 0x1B, 0x0B));
    expect_valid(&fm);
    /* the polymorphic stack does not reach below the block's height */
    func_module(&fm, T_I32, 0, FB(0x00, 0x41, 0x00, 0x02, 0x40, 0x00, 0x1A, 0x1A, 0x0B, 0x0B));
    expect_valid(&fm);
    func_module(&fm, T_VOID, 0, FB(0x00, 0x02, 0x40, 0x00, 0x0B, 0x1A, 0x0B));
    expect_invalid(&fm, "type mismatch");
}

Test(validate, multi_value_blocks) {
    FbMod fm;
    /* types: 0 = [] -> [i32], 1 = [i32] -> [i32 i32] */
    const uint8_t types[] = {0x02, 0x60, 0x00, 0x01, 0x7F, 0x60, 0x01, 0x7F, 0x02, 0x7F, 0x7F};
    /* i32.const 1; block (type 1) dup-ish: local? just push another; end; i32.add */
    func_module(&fm, types, sizeof types, 0, FB(0x00, 0x41, 0x01, 0x02, 0x01, 0x41, 0x02, 0x0B, 0x6A, 0x0B));
    expect_valid(&fm);
    /* block params are visible inside; loop label takes the params */
    func_module(&fm, types, sizeof types, 0,
                FB(0x00, 0x41, 0x01, 0x03, 0x01, 0x41, 0x02, 0x0B, 0x6A, 0x0B));
    expect_valid(&fm);
    /* br to a loop label needs the loop's params (i32), not its results */
    func_module(&fm, types, sizeof types, 0,
                FB(0x00, 0x41, 0x01, 0x03, 0x01, 0x41, 0x02, 0x0C, 0x00, 0x0B, 0x6A, 0x0B));
    expect_valid(&fm);
    /* unknown type index in a block type */
    func_module(&fm, types, sizeof types, 0, FB(0x00, 0x02, 0x09, 0x0B, 0x41, 0x00, 0x0B));
    expect_invalid(&fm, "unknown type");
    /* if without else must have params == results */
    func_module(&fm, types, sizeof types, 0, FB(0x00, 0x41, 0x01, 0x41, 0x01, 0x04, 0x01, 0x41, 0x02, 0x0B,
                                               0x6A, 0x0B));
    expect_invalid(&fm, "type mismatch");
}

Test(validate, branches) {
    FbMod fm;
    func_module(&fm, T_VOID, 0, FB(0x00, 0x0C, 0x01, 0x0B));
    expect_invalid(&fm, "unknown label");
    /* br_table targets must agree in arity */
    func_module(&fm, T_I32, 0,
                FB(0x00, 0x02, 0x40, 0x41, 0x00, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x41, 0x00, 0x0B));
    expect_invalid(&fm, "type mismatch");
    func_module(&fm, T_I32, 0,
                FB(0x00, 0x02, 0x7F, 0x41, 0x07, 0x41, 0x00, 0x0E, 0x01, 0x00, 0x01, 0x0B, 0x0B));
    expect_valid(&fm);
    func_module(&fm, T_I32_I32, 0, FB(0x00, 0x20, 0x00, 0x0F, 0x0B));
    expect_valid(&fm);
    func_module(&fm, T_I32_I32, 0, FB(0x00, 0x0F, 0x0B));
    expect_invalid(&fm, "type mismatch");
}

Test(validate, select) {
    FbMod fm;
    const uint8_t t_ref[] = {0x01, 0x60, 0x00, 0x01, 0x70};
    /* untyped select on funcref is invalid, typed is fine */
    func_module(&fm, t_ref, sizeof t_ref, 0, FB(0x00, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0x00, 0x1B, 0x0B));
    expect_invalid(&fm, "type mismatch");
    func_module(&fm, t_ref, sizeof t_ref, 0,
                FB(0x00, 0xD0, 0x70, 0xD0, 0x70, 0x41, 0x00, 0x1C, 0x01, 0x70, 0x0B));
    expect_valid(&fm);
    func_module(&fm, T_I32, 0, FB(0x00, 0x41, 0x00, 0x42, 0x00, 0x41, 0x00, 0x1B, 0x0B));
    expect_invalid(&fm, "type mismatch");
    func_module(&fm, T_I32, 0, FB(0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0x1C, 0x02, 0x7F, 0x7F, 0x0B));
    expect_invalid(&fm, "invalid result arity");
}

Test(validate, locals_and_globals) {
    FbMod fm;
    func_module(&fm, T_I32_I32, 0, FB(0x01, 0x01, 0x7E, 0x20, 0x02, 0x0B));
    expect_invalid(&fm, "unknown local");
    func_module(&fm, T_I32_I32, 0, FB(0x01, 0x01, 0x7E, 0x20, 0x01, 0x1A, 0x20, 0x00, 0x0B));
    expect_valid(&fm);
    func_module(&fm, T_I32_I32, 0, FB(0x01, 0x01, 0x7E, 0x20, 0x00, 0x21, 0x01, 0x20, 0x00, 0x0B));
    expect_invalid(&fm, "type mismatch");
    func_module(&fm, T_VOID, 0, FB(0x00, 0x23, 0x00, 0x1A, 0x0B));
    expect_invalid(&fm, "unknown global");

    fb_init(&fm);
    fb_section(&fm, 1, T_VOID);
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x41, 0x00, 0x0B));
    fb_code1(&fm, FB(0x00, 0x41, 0x01, 0x24, 0x00, 0x0B));
    expect_invalid(&fm, "global is immutable");
}

Test(validate, constant_expressions) {
    FbMod fm;
    /* global.get of an earlier defined global: invalid in 2.0, valid in
     * 3.0 (GC proposal), not taken by wasmc yet */
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x02, 0x7F, 0x00, 0x41, 0x00, 0x0B, 0x7F, 0x00, 0x23, 0x00, 0x0B));
    expect_unsupported(&fm, "unsupported feature gc:");
    /* of itself or a later one: unknown in both */
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x02, 0x7F, 0x00, 0x23, 0x01, 0x0B, 0x7F, 0x00, 0x41, 0x00, 0x0B));
    expect_invalid(&fm, "unknown global");
    /* of an imported mutable global: not constant */
    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x01));
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B));
    expect_invalid(&fm, "constant expression required");
    /* of an imported immutable global: fine */
    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7F, 0x00));
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x23, 0x00, 0x0B));
    expect_valid(&fm);
    /* non-constant instruction */
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x41, 0x00, 0x41, 0x01, 0x6D, 0x0B)); /* i32.div_s */
    expect_invalid(&fm, "constant expression required");
    /* extended constant expressions (3.0): i32/i64 add, sub, mul */
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x41, 0x02, 0x41, 0x03, 0x6C, 0x41, 0x01, 0x6B, 0x0B));
    expect_valid(&fm);
    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x01, 'm', 0x01, 'g', 0x03, 0x7E, 0x00));
    fb_section(&fm, 6, FB(0x01, 0x7E, 0x00, 0x23, 0x00, 0x42, 0x08, 0x7C, 0x0B)); /* g + 8 */
    expect_valid(&fm);
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x41, 0x00, 0x42, 0x00, 0x6A, 0x0B)); /* i32 + i64 */
    expect_invalid(&fm, "type mismatch");
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x01, 0x7E, 0x00, 0x41, 0x00, 0x41, 0x00, 0x6A, 0x0B)); /* i32 result, i64 global */
    expect_invalid(&fm, "type mismatch");
    /* two values */
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x41, 0x00, 0x41, 0x00, 0x0B));
    expect_invalid(&fm, "type mismatch");
    /* empty */
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x0B));
    expect_invalid(&fm, "type mismatch");
    /* wrong type */
    fb_init(&fm);
    fb_section(&fm, 6, FB(0x01, 0x7E, 0x00, 0x41, 0x00, 0x0B));
    expect_invalid(&fm, "type mismatch");
    /* data offset must be i32 */
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_section(&fm, 11, FB(0x01, 0x00, 0x42, 0x00, 0x0B, 0x00));
    expect_invalid(&fm, "type mismatch");
    fb_init(&fm);
    fb_section(&fm, 11, FB(0x01, 0x00, 0x41, 0x00, 0x0B, 0x00));
    expect_invalid(&fm, "unknown memory");
}

Test(validate, function_references) {
    FbMod fm;
    const uint8_t t_ref[] = {0x01, 0x60, 0x00, 0x01, 0x70};
    func_module(&fm, t_ref, sizeof t_ref, 0, FB(0x00, 0xD2, 0x00, 0x0B));
    expect_invalid(&fm, "undeclared function reference");
    /* declared by an export */
    fb_init(&fm);
    fb_section(&fm, 1, t_ref, sizeof t_ref);
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 7, FB(0x01, 0x01, 'f', 0x00, 0x00));
    fb_code1(&fm, FB(0x00, 0xD2, 0x00, 0x0B));
    expect_valid(&fm);
    /* declared by a declarative element segment */
    fb_init(&fm);
    fb_section(&fm, 1, t_ref, sizeof t_ref);
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 9, FB(0x01, 0x03, 0x00, 0x01, 0x00));
    fb_code1(&fm, FB(0x00, 0xD2, 0x00, 0x0B));
    expect_valid(&fm);
    func_module(&fm, t_ref, sizeof t_ref, 0, FB(0x00, 0xD2, 0x05, 0x0B));
    expect_invalid(&fm, "unknown function");
}

Test(validate, memories) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x00, 0x81, 0x80, 0x04)); /* 65537 pages */
    expect_invalid(&fm, "memory size must be at most 65536 pages (4GiB)");
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x00, 0x80, 0x80, 0x04)); /* 65536 pages */
    expect_valid(&fm);
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x01, 0x02, 0x01));
    expect_invalid(&fm, "size minimum must not be greater than maximum");
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x02, 0x00, 0x00, 0x00, 0x00));
    expect_unsupported(&fm, "unsupported feature multi-memory:");
    fb_init(&fm);
    fb_section(&fm, 4, FB(0x01, 0x70, 0x01, 0x03, 0x02));
    expect_invalid(&fm, "size minimum must not be greater than maximum");
}

Test(validate, memory_instructions) {
    FbMod fm;
    func_module(&fm, T_I32, MEM, FB(0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0B));
    expect_valid(&fm);
    func_module(&fm, T_I32, MEM, FB(0x00, 0x41, 0x00, 0x28, 0x03, 0x00, 0x0B));
    expect_invalid(&fm, "alignment must not be larger than natural");
    func_module(&fm, T_I32, MEM, FB(0x00, 0x41, 0x00, 0x2D, 0x01, 0x00, 0x0B));
    expect_invalid(&fm, "alignment must not be larger than natural");
    func_module(&fm, T_I32, 0, FB(0x00, 0x41, 0x00, 0x28, 0x02, 0x00, 0x0B));
    expect_invalid(&fm, "unknown memory");
    func_module(&fm, T_I32, 0, FB(0x00, 0x3F, 0x00, 0x0B));
    expect_invalid(&fm, "unknown memory");
    /* data.drop needs the segment to exist (data count 0 here) */
    fb_init(&fm);
    fb_section(&fm, 1, T_VOID);
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_section(&fm, 12, FB(0x00));
    fb_code1(&fm, FB(0x00, 0xFC, 0x09, 0x00, 0x0B));
    expect_invalid(&fm, "unknown data segment");
}

Test(validate, simd_lanes) {
    FbMod fm;
    const uint8_t t_v[] = {0x01, 0x60, 0x01, 0x7B, 0x01, 0x7F};
    func_module(&fm, t_v, sizeof t_v, 0, FB(0x00, 0x20, 0x00, 0xFD, 0x15, 0x0F, 0x0B));
    expect_valid(&fm);
    func_module(&fm, t_v, sizeof t_v, 0, FB(0x00, 0x20, 0x00, 0xFD, 0x15, 0x10, 0x0B));
    expect_invalid(&fm, "invalid lane index");
    func_module(&fm, t_v, sizeof t_v, 0, FB(0x00, 0x20, 0x00, 0xFD, 0x1B, 0x04, 0x0B));
    expect_invalid(&fm, "invalid lane index");
    const uint8_t t_vv[] = {0x01, 0x60, 0x01, 0x7B, 0x01, 0x7B};
    func_module(&fm, t_vv, sizeof t_vv, 0,
                FB(0x00, 0x20, 0x00, 0x20, 0x00, 0xFD, 0x0D, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                   31, 0x0B));
    expect_valid(&fm);
    func_module(&fm, t_vv, sizeof t_vv, 0,
                FB(0x00, 0x20, 0x00, 0x20, 0x00, 0xFD, 0x0D, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                   32, 0x0B));
    expect_invalid(&fm, "invalid lane index");
}

Test(validate, tables) {
    FbMod fm;
    const uint8_t t_ci[] = {0x01, 0x60, 0x00, 0x00};
    func_module(&fm, t_ci, sizeof t_ci, TABLE, FB(0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0B));
    expect_valid(&fm);
    func_module(&fm, t_ci, sizeof t_ci, 0, FB(0x00, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0B));
    expect_invalid(&fm, "unknown table");
    func_module(&fm, t_ci, sizeof t_ci, TABLE, FB(0x00, 0x41, 0x00, 0x11, 0x04, 0x00, 0x0B));
    expect_invalid(&fm, "unknown type");
    func_module(&fm, T_I32, TABLE, FB(0x00, 0xFC, 0x10, 0x00, 0x0B));
    expect_valid(&fm);
    func_module(&fm, T_I32, TABLE, FB(0x00, 0xD0, 0x6F, 0x41, 0x01, 0xFC, 0x0F, 0x00, 0x0B));
    expect_invalid(&fm, "type mismatch");
    func_module(&fm, T_VOID, TABLE, FB(0x00, 0xFC, 0x0D, 0x00, 0x0B));
    expect_invalid(&fm, "unknown elem segment");
}

Test(validate, exports_and_start) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 1, T_VOID);
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 7, FB(0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'a', 0x00, 0x00));
    fb_code1(&fm, FB(0x00, 0x0B));
    expect_invalid(&fm, "duplicate export name");

    fb_init(&fm);
    fb_section(&fm, 1, T_VOID);
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 7, FB(0x02, 0x01, 'a', 0x00, 0x00, 0x01, 'b', 0x00, 0x00));
    fb_section(&fm, 8, FB(0x00));
    fb_code1(&fm, FB(0x00, 0x0B));
    expect_valid(&fm);

    fb_init(&fm);
    fb_section(&fm, 1, T_VOID);
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 7, FB(0x01, 0x01, 'a', 0x03, 0x00));
    fb_code1(&fm, FB(0x00, 0x0B));
    expect_invalid(&fm, "unknown global");

    fb_init(&fm);
    fb_section(&fm, 1, T_I32);
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 8, FB(0x00));
    fb_code1(&fm, FB(0x00, 0x41, 0x00, 0x0B));
    expect_invalid(&fm, "start function");

    fb_init(&fm);
    fb_section(&fm, 8, FB(0x00));
    expect_invalid(&fm, "unknown function");
}

Test(validate, function_type_index) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 1, T_VOID);
    fb_section(&fm, 3, FB(0x01, 0x01));
    fb_code1(&fm, FB(0x00, 0x0B));
    expect_invalid(&fm, "unknown type");
}

Test(validate, deep_nesting_is_linear) {
    /* 20000 nested blocks: must validate without recursion trouble. */
    static FbMod fm;
    static uint8_t body[3 * 20000 + 8];
    size_t n = 0;
    body[n++] = 0x00;
    for (int i = 0; i < 20000; i++) {
        body[n++] = 0x02;
        body[n++] = 0x40;
    }
    for (int i = 0; i < 20000; i++) body[n++] = 0x0B;
    body[n++] = 0x0B;
    fb_init(&fm);
    fb_section(&fm, 1, T_VOID);
    fb_section(&fm, 3, FB(0x01, 0x00));
    /* the body is too big for fb_code1's scratch; write the section here */
    uint8_t hdr[8];
    size_t k = 0, len = n;
    hdr[k++] = 1;
    do {
        uint8_t b = len & 0x7F;
        len >>= 7;
        hdr[k++] = (uint8_t)(b | (len ? 0x80 : 0));
    } while (len);
    fm.b[fm.n++] = 10;
    fb_uleb(&fm, k + n);
    fb_raw(&fm, hdr, k);
    fb_raw(&fm, body, n);
    expect_valid(&fm);
}

Test(validate, error_offsets) {
    FbMod fm;
    /* the i32.add (second to last byte) is the offending instruction */
    func_module(&fm, T_I32, 0, FB(0x00, 0x41, 0x01, 0x42, 0x02, 0x6A, 0x0B));
    expect_invalid(&fm, "type mismatch");
    cr_assert_eq(err.offset, fm.n - 2);
    cr_assert_eq(fm.b[err.offset], 0x6A);

    /* module-level errors point at their section */
    fb_init(&fm);
    fb_section(&fm, 1, T_I32);
    fb_section(&fm, 3, FB(0x01, 0x00));
    size_t start_at = fm.n;
    fb_section(&fm, 8, FB(0x00));
    fb_code1(&fm, FB(0x00, 0x41, 0x00, 0x0B));
    expect_invalid(&fm, "start function");
    cr_assert_eq(err.offset, start_at);

    fb_init(&fm);
    size_t mem_at = fm.n;
    fb_section(&fm, 5, FB(0x01, 0x01, 0x02, 0x01));
    expect_invalid(&fm, "size minimum must not be greater than maximum");
    cr_assert_eq(err.offset, mem_at);
}
