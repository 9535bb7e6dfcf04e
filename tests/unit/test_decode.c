/* Decoder and instruction-reader unit tests: hand-written binaries for each
 * class of malformation the spec suite names, the LEB128 edge cases, the
 * element segment encodings, the name section and hostile counts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "front_bytes.h"
#include "instr.h"
#include "leb128.h"
#include "module.h"

static WasmError err;

static bool decode(const FbMod *fm, Module *m) { return module_decode(fm->b, fm->n, m, &err); }

static void expect_malformed(const FbMod *fm, const char *msg) {
    Module m;
    bool ok = decode(fm, &m);
    if (ok) module_free(&m);
    cr_assert(!ok, "expected \"%s\", but the module decoded", msg);
    cr_assert_eq(err.kind, WASM_ERR_MALFORMED, "kind %d for \"%s\"", err.kind, err.message);
    cr_assert(strncmp(err.message, msg, strlen(msg)) == 0, "got \"%s\", want \"%s\"", err.message, msg);
}

/* A 3.0 feature wasmc does not compile: refused as unsupported, naming it. */
static void expect_unsupported(const FbMod *fm, const char *feature) {
    Module m;
    bool ok = decode(fm, &m);
    if (ok) module_free(&m);
    cr_assert(!ok, "expected unsupported feature %s, but the module decoded", feature);
    cr_assert_eq(err.kind, WASM_ERR_UNSUPPORTED, "kind %d for \"%s\"", err.kind, err.message);
    char want[64];
    snprintf(want, sizeof want, "unsupported feature %s:", feature);
    cr_assert(strncmp(err.message, want, strlen(want)) == 0, "got \"%s\", want \"%s\"", err.message, want);
}

/* The [] -> [] type, one function of it. */
static void one_void_func(FbMod *m) {
    fb_init(m);
    fb_section(m, 1, FB(0x01, 0x60, 0x00, 0x00));
    fb_section(m, 3, FB(0x01, 0x00));
}

/* ---- LEB128 -------------------------------------------------------------- */

static LebStatus leb(const uint8_t *b, size_t n, unsigned bits, bool sgn, uint64_t *v, size_t *used) {
    size_t pos = 0;
    LebStatus s = leb_read(b, &pos, n, bits, sgn, v);
    if (used) *used = pos;
    return s;
}

Test(leb128, u32_edges) {
    uint64_t v;
    size_t used;
    cr_assert_eq(leb(FB(0xFF, 0xFF, 0xFF, 0xFF, 0x0F), 32, false, &v, &used), LEB_OK);
    cr_assert_eq(v, 0xFFFFFFFFu);
    cr_assert_eq(used, 5);
    /* Non-minimal but within 5 bytes is fine. */
    cr_assert_eq(leb(FB(0x80, 0x80, 0x80, 0x80, 0x00), 32, false, &v, NULL), LEB_OK);
    cr_assert_eq(v, 0);
    cr_assert_eq(leb(FB(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 32, false, &v, NULL), LEB_TOO_LONG);
    cr_assert_eq(leb(FB(0xFF, 0xFF, 0xFF, 0xFF, 0x1F), 32, false, &v, NULL), LEB_TOO_LARGE);
    cr_assert_eq(leb(FB(0x80, 0x80, 0x80, 0x80, 0x70), 32, false, &v, NULL), LEB_TOO_LARGE);
    cr_assert_eq(leb(FB(0x80, 0x80), 32, false, &v, NULL), LEB_EOF);
}

Test(leb128, s32_sign_bits) {
    uint64_t v;
    cr_assert_eq(leb(FB(0x7F), 32, true, &v, NULL), LEB_OK);
    cr_assert_eq((int32_t)v, -1);
    cr_assert_eq(leb(FB(0xFF, 0xFF, 0xFF, 0xFF, 0x7F), 32, true, &v, NULL), LEB_OK);
    cr_assert_eq((int32_t)v, -1);
    cr_assert_eq(leb(FB(0x80, 0x80, 0x80, 0x80, 0x78), 32, true, &v, NULL), LEB_OK);
    cr_assert_eq((int32_t)v, INT32_MIN);
    /* Unused bits must copy the sign bit. */
    cr_assert_eq(leb(FB(0xFF, 0xFF, 0xFF, 0xFF, 0x4F), 32, true, &v, NULL), LEB_TOO_LARGE);
    cr_assert_eq(leb(FB(0x80, 0x80, 0x80, 0x80, 0x70), 32, true, &v, NULL), LEB_TOO_LARGE);
    cr_assert_eq(leb(FB(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F), 32, true, &v, NULL), LEB_TOO_LONG);
}

Test(leb128, s64_and_s33) {
    uint64_t v;
    cr_assert_eq(leb(FB(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7F), 64, true, &v, NULL),
                 LEB_OK);
    cr_assert_eq(v, (uint64_t)INT64_MIN);
    cr_assert_eq(leb(FB(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), 64, true, &v, NULL),
                 LEB_TOO_LARGE);
    cr_assert_eq(leb(FB(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), 64, true, &v,
                     NULL),
                 LEB_TOO_LONG);
    /* s33: the largest type index a block type can hold is 2^32-1. */
    cr_assert_eq(leb(FB(0xFF, 0xFF, 0xFF, 0xFF, 0x0F), 33, true, &v, NULL), LEB_OK);
    cr_assert_eq((int64_t)v, 0xFFFFFFFFll);
    cr_assert_eq(leb(FB(0xFF, 0xFF, 0xFF, 0xFF, 0x2F), 33, true, &v, NULL), LEB_TOO_LARGE);
}

/* ---- module structure ----------------------------------------------------- */

Test(decode, empty_module) {
    FbMod fm;
    fb_init(&fm);
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_eq(m.num_funcs, 0);
    module_free(&m);
}

Test(decode, header_errors) {
    FbMod fm = {.n = 0};
    expect_malformed(&fm, "unexpected end");
    fb_raw(&fm, FB(0x00, 0x61, 0x73));
    expect_malformed(&fm, "unexpected end");
    fm.n = 0;
    fb_raw(&fm, FB(0x00, 0x41, 0x53, 0x4D, 0x01, 0x00, 0x00, 0x00));
    expect_malformed(&fm, "magic header not detected");
    fm.n = 0;
    fb_raw(&fm, FB(0x00, 0x61, 0x73, 0x6D, 0x01, 0x00));
    expect_malformed(&fm, "unexpected end");
    fm.n = 0;
    fb_raw(&fm, FB(0x00, 0x61, 0x73, 0x6D, 0x02, 0x00, 0x00, 0x00));
    expect_malformed(&fm, "unknown binary version");
}

Test(decode, section_order_and_ids) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 3, FB(0x00));
    fb_section(&fm, 1, FB(0x00));
    expect_malformed(&fm, "unexpected content after last section");

    fb_init(&fm);
    fb_section(&fm, 1, FB(0x00));
    fb_section(&fm, 1, FB(0x00));
    expect_malformed(&fm, "unexpected content after last section");

    fb_init(&fm);
    fb_section(&fm, 13, FB(0x00)); /* 3.0's tag section */
    expect_unsupported(&fm, "exceptions");

    fb_init(&fm);
    fb_section(&fm, 14, FB(0x00));
    expect_malformed(&fm, "malformed section id");

    /* Data count goes between element and code. */
    fb_init(&fm);
    fb_section(&fm, 12, FB(0x00));
    fb_section(&fm, 9, FB(0x00));
    expect_malformed(&fm, "unexpected content after last section");
}

Test(decode, section_sizes) {
    FbMod fm;
    fb_init(&fm);
    fb_raw(&fm, FB(0x01, 0x10, 0x00)); /* claims 16 bytes, has 1 */
    expect_malformed(&fm, "length out of bounds");

    fb_init(&fm);
    fb_section(&fm, 1, FB(0x01, 0x60, 0x00, 0x00, 0x60)); /* one type plus a stray byte */
    expect_malformed(&fm, "section size mismatch");

    fb_init(&fm);
    fb_section(&fm, 1, FB(0x02, 0x60, 0x00, 0x00)); /* two declared, one given */
    expect_malformed(&fm, "unexpected end of section or function");
}

Test(decode, custom_sections_anywhere) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 0, FB(0x03, 'a', 'b', 'c', 0xDE, 0xAD));
    fb_section(&fm, 1, FB(0x01, 0x60, 0x00, 0x00));
    fb_section(&fm, 0, FB(0x01, 'x'));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_eq(m.num_customs, 2);
    cr_assert_str_eq(m.customs[0].name.str, "abc");
    cr_assert_eq(m.customs[0].size, 2);
    cr_assert_eq(m.bytes[m.customs[0].offset], 0xDE);
    cr_assert_str_eq(m.customs[1].name.str, "x");
    cr_assert_eq(m.customs[1].size, 0);
    module_free(&m);

    fb_init(&fm);
    fb_section(&fm, 0, FB(0x02, 0xC0, 0x80)); /* overlong NUL */
    expect_malformed(&fm, "malformed UTF-8 encoding");
}

Test(decode, name_section) {
    FbMod fm;
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x0B));
    /* module name "mod", function 0 named "main" */
    fb_section(&fm, 0, FB(0x04, 'n', 'a', 'm', 'e', 0x00, 0x04, 0x03, 'm', 'o', 'd', 0x01, 0x07, 0x01, 0x00,
                          0x04, 'm', 'a', 'i', 'n'));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_str_eq(m.module_name.str, "mod");
    cr_assert_str_eq(m.funcs[0].name.str, "main");
    module_free(&m);
}

Test(decode, malformed_name_section_is_ignored) {
    FbMod fm;
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x0B));
    /* function-names subsection whose count runs past its size */
    fb_section(&fm, 0, FB(0x04, 'n', 'a', 'm', 'e', 0x01, 0x02, 0x05, 0x00, 0xFF, 0xFF));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_null(m.funcs[0].name.str);
    cr_assert_eq(module_validate(&m, &err), true, "%s", err.message);
    module_free(&m);
}

Test(decode, import_errors) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x00, 0x00, 0x04)); /* 3.0: a tag */
    expect_unsupported(&fm, "exceptions");
    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x00, 0x00, 0x05));
    expect_malformed(&fm, "malformed import kind");

    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x01, 0xFF, 0x00, 0x00, 0x00));
    expect_malformed(&fm, "malformed UTF-8 encoding");

    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x00, 0x00, 0x03, 0x7F, 0x02));
    expect_malformed(&fm, "malformed mutability");

    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x00, 0x00, 0x01, 0x7F, 0x00, 0x00));
    expect_malformed(&fm, "malformed reference type");
    fb_init(&fm);
    fb_section(&fm, 2, FB(0x01, 0x00, 0x00, 0x01, 0x6E, 0x00, 0x00)); /* anyref table */
    expect_unsupported(&fm, "gc");
}

Test(decode, imports_come_first_in_index_spaces) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 1, FB(0x01, 0x60, 0x00, 0x00));
    fb_section(&fm, 2, FB(0x02, 0x01, 'm', 0x01, 'f', 0x00, 0x00, /* func */
                          0x01, 'm', 0x01, 'g', 0x03, 0x7E, 0x01 /* mut i64 global */));
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 6, FB(0x01, 0x7F, 0x00, 0x41, 0x05, 0x0B));
    fb_code1(&fm, FB(0x00, 0x0B));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_eq(m.num_funcs, 2);
    cr_assert_eq(m.num_imported_funcs, 1);
    cr_assert(m.funcs[0].imported);
    cr_assert(!m.funcs[1].imported);
    cr_assert_eq(m.num_globals, 2);
    cr_assert(m.globals[0].imported && m.globals[0].mutable_ && m.globals[0].type == VT_I64);
    cr_assert_eq(m.globals[1].init.kind, CONST_I32);
    cr_assert_eq(m.globals[1].init.value.i32, 5);
    module_free(&m);
}

Test(decode, limits_flags) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x02, 0x00));
    expect_malformed(&fm, "integer too large");
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x81, 0x00, 0x00));
    expect_malformed(&fm, "integer representation too long");
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x01, 0x01, 0x02));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert(m.memories[0].limits.has_max);
    cr_assert_eq(m.memories[0].limits.max, 2);
    module_free(&m);
}

Test(decode, function_code_count_mismatch) {
    FbMod fm;
    one_void_func(&fm);
    expect_malformed(&fm, "function and code section have inconsistent lengths");
    fb_init(&fm);
    fb_section(&fm, 10, FB(0x01, 0x02, 0x00, 0x0B));
    expect_malformed(&fm, "function and code section have inconsistent lengths");
}

Test(decode, body_errors) {
    FbMod fm;
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x41, 0x00, 0x1A)); /* no end */
    expect_malformed(&fm, "unexpected end of section or function");

    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x17, 0x0B));
    expect_malformed(&fm, "illegal opcode");

    /* 3.0 instructions wasmc does not compile yet, by feature */
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x06, 0x0B)); /* legacy try */
    expect_unsupported(&fm, "exceptions");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x15, 0x00, 0x0B)); /* return_call_ref 0: a typed reference operand */
    expect_unsupported(&fm, "function-references");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0xD4, 0x0B)); /* ref.as_non_null */
    expect_unsupported(&fm, "function-references");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0xFB, 0x00, 0x0B));
    expect_unsupported(&fm, "gc");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0xFD, 0x80, 0x02, 0x0B)); /* i8x16.relaxed_swizzle */
    expect_unsupported(&fm, "relaxed-simd");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x01, 0x01, 0x69, 0x0B)); /* a local of type exnref */
    expect_unsupported(&fm, "exceptions");

    /* memory indices: 2.0's zero byte and memarg flags are 3.0's index */
    fb_init(&fm);
    fb_section(&fm, 1, FB(0x01, 0x60, 0x00, 0x00));
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_code1(&fm, FB(0x00, 0x3F, 0x01, 0x1A, 0x0B)); /* memory.size 1 */
    expect_unsupported(&fm, "multi-memory");
    fb_init(&fm);
    fb_section(&fm, 1, FB(0x01, 0x60, 0x00, 0x00));
    fb_section(&fm, 3, FB(0x01, 0x00));
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_code1(&fm, FB(0x00, 0x41, 0x00, 0x28, 0x42, 0x00, 0x00, 0x1A, 0x0B)); /* i32.load, memidx 0 */
    expect_unsupported(&fm, "multi-memory");
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x04, 0x01)); /* i64 limits */
    expect_unsupported(&fm, "memory64");

    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0xFC, 0x12, 0x0B));
    expect_malformed(&fm, "illegal opcode");

    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x0B, 0x01)); /* bytes after the final end */
    expect_malformed(&fm, "section size mismatch");

    one_void_func(&fm);
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_code1(&fm, FB(0x00, 0x3F, 0x01, 0x1A, 0x0B));
    expect_unsupported(&fm, "multi-memory"); /* 2.0: "zero byte expected" */

    one_void_func(&fm);
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_code1(&fm, FB(0x00, 0x41, 0x00, 0x28, 0x20, 0x00, 0x1A, 0x0B));
    expect_malformed(&fm, "malformed memop flags");

    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x1A, 0x0B));
    expect_malformed(&fm, "integer representation too long");

    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0xD0, 0x7F, 0x1A, 0x0B));
    expect_malformed(&fm, "malformed reference type");

    /* `else` only belongs to an `if`, once */
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x02, 0x40, 0x05, 0x0B, 0x0B));
    expect_malformed(&fm, "END opcode expected");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x05, 0x0B));
    expect_malformed(&fm, "END opcode expected");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x41, 0x00, 0x04, 0x40, 0x05, 0x05, 0x0B, 0x0B));
    expect_malformed(&fm, "END opcode expected");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x41, 0x00, 0x04, 0x40, 0x02, 0x40, 0x0B, 0x05, 0x0B, 0x0B));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    module_free(&m);
}

Test(decode, locals) {
    FbMod fm;
    one_void_func(&fm);
    fb_code1(&fm, FB(0x02, 0x02, 0x7F, 0x01, 0x7C, 0x0B));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_eq(m.funcs[0].num_locals, 3);
    cr_assert_eq(m.funcs[0].local_types[0], VT_I32);
    cr_assert_eq(m.funcs[0].local_types[1], VT_I32);
    cr_assert_eq(m.funcs[0].local_types[2], VT_F64);
    cr_assert_eq(m.bytes[m.funcs[0].code_offset], 0x0B);
    cr_assert_eq(m.funcs[0].body_end, fm.n);
    module_free(&m);

    /* 2^32 locals in total: malformed per the spec. */
    one_void_func(&fm);
    fb_code1(&fm, FB(0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x7F, 0x01, 0x7F, 0x0B));
    expect_malformed(&fm, "too many locals");

    /* Past wasmc's own limit: refused, as an implementation limit. */
    one_void_func(&fm);
    fb_code1(&fm, FB(0x01, 0xD1, 0x86, 0x03, 0x7F, 0x0B)); /* 50001 */
    cr_assert(!decode(&fm, &m));
    cr_assert_eq(err.kind, WASM_ERR_LIMIT);
    cr_assert(strstr(err.message, "too many locals"));
}

Test(decode, data_count) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 12, FB(0x01));
    expect_malformed(&fm, "data count and data section have inconsistent lengths");

    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_section(&fm, 12, FB(0x02));
    fb_section(&fm, 11, FB(0x01, 0x01, 0x00));
    expect_malformed(&fm, "data count and data section have inconsistent lengths");

    /* data.drop with data segments but no data count section */
    one_void_func(&fm);
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_code1(&fm, FB(0x00, 0xFC, 0x09, 0x00, 0x0B));
    fb_section(&fm, 11, FB(0x01, 0x01, 0x00));
    expect_malformed(&fm, "data count section required");

    /* passive and active segments */
    fb_init(&fm);
    fb_section(&fm, 5, FB(0x01, 0x00, 0x01));
    fb_section(&fm, 12, FB(0x02));
    fb_section(&fm, 11, FB(0x02, 0x01, 0x02, 'h', 'i', 0x00, 0x41, 0x08, 0x0B, 0x01, 'z'));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_eq(m.num_datas, 2);
    cr_assert_eq(m.datas[0].mode, SEG_PASSIVE);
    cr_assert_eq(m.datas[0].size, 2);
    cr_assert_eq(m.bytes[m.datas[0].data_offset], 'h');
    cr_assert_eq(m.datas[1].mode, SEG_ACTIVE);
    cr_assert_eq(m.datas[1].offset.value.i32, 8);
    module_free(&m);
}

Test(decode, element_encodings) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 1, FB(0x01, 0x60, 0x00, 0x00));
    fb_section(&fm, 3, FB(0x04, 0x00, 0x00, 0x00, 0x00));
    fb_section(&fm, 4, FB(0x01, 0x70, 0x00, 0x0A));
    fb_section(&fm, 9,
               FB(0x08,
                  0x00, 0x41, 0x00, 0x0B, 0x01, 0x00,                     /* 0: active, funcs */
                  0x01, 0x00, 0x01, 0x01,                                 /* 1: passive, funcs */
                  0x02, 0x00, 0x41, 0x01, 0x0B, 0x00, 0x01, 0x00,         /* 2: active table, funcs */
                  0x03, 0x00, 0x01, 0x02,                                 /* 3: declarative, funcs */
                  0x04, 0x41, 0x02, 0x0B, 0x01, 0xD2, 0x00, 0x0B,         /* 4: active, exprs */
                  0x05, 0x6F, 0x01, 0xD0, 0x6F, 0x0B,                     /* 5: passive externref */
                  0x06, 0x00, 0x41, 0x03, 0x0B, 0x70, 0x01, 0xD0, 0x70, 0x0B, /* 6 */
                  0x07, 0x70, 0x01, 0xD2, 0x03, 0x0B));                   /* 7: declarative */
    fb_section(&fm, 10, FB(0x04, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B));
    Module m;
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_eq(m.num_elems, 8);
    static const SegmentMode modes[8] = {SEG_ACTIVE, SEG_PASSIVE, SEG_ACTIVE, SEG_DECLARATIVE,
                                         SEG_ACTIVE, SEG_PASSIVE, SEG_ACTIVE, SEG_DECLARATIVE};
    for (int i = 0; i < 8; i++) cr_assert_eq(m.elems[i].mode, modes[i], "segment %d", i);
    cr_assert_eq(m.elems[5].elem_type, VT_EXTERNREF);
    cr_assert_eq(m.elems[5].items[0].kind, CONST_REF_NULL);
    cr_assert_eq(m.elems[2].offset.value.i32, 1);
    cr_assert_eq(m.elems[1].items[0].kind, CONST_REF_FUNC);
    cr_assert_eq(m.elems[1].items[0].index, 1);
    /* functions 0..3 are all referenced by some segment */
    for (int i = 0; i < 4; i++) cr_assert(m.func_declared[i], "func %d", i);
    cr_assert(module_validate(&m, &err), "%s", err.message);
    module_free(&m);

    fb_init(&fm);
    fb_section(&fm, 9, FB(0x01, 0x08));
    expect_malformed(&fm, "malformed elements segment kind");
}

Test(decode, hostile_counts_fail_fast) {
    FbMod fm;
    fb_init(&fm);
    fb_section(&fm, 1, FB(0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x60));
    expect_malformed(&fm, "unexpected end");
    one_void_func(&fm);
    fb_code1(&fm, FB(0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01, 0x7F, 0x0B));
    expect_malformed(&fm, "unexpected end");
    one_void_func(&fm);
    fb_code1(&fm, FB(0x00, 0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x0B));
    expect_malformed(&fm, "unexpected end");
}

/* ---- instruction reader -------------------------------------------------- */

Test(instr, immediates) {
    const uint8_t body[] = {
        0x0E, 0x02, 0x00, 0x01, 0x02,                 /* br_table 0 1 2 */
        0x11, 0x03, 0x01,                             /* call_indirect type 3 table 1 */
        0x12, 0x81, 0x01,                             /* return_call 129 */
        0x13, 0x04, 0x02,                             /* return_call_indirect type 4 table 2 */
        0x28, 0x02, 0x90, 0x4E,                       /* i32.load align=2 offset=10000 */
        0x42, 0x7F,                                   /* i64.const -1 */
        0x1C, 0x01, 0x7D,                             /* select (result f32) */
        0xFD, 0x15, 0x0F,                             /* i8x16.extract_lane_s 15 */
        0xFC, 0x0E, 0x01, 0x02,                       /* table.copy 1 2 */
        0x02, 0x05,                                   /* block (type 5) */
    };
    InstrReader r;
    instr_reader_init(&r, body, 0, sizeof body);
    Instr in;
    cr_assert(instr_next(&r, &in, &err));
    cr_assert_eq(in.op, OP_BR_TABLE);
    cr_assert_eq(in.br_table_count, 2);
    uint32_t t[3];
    instr_br_table_targets(body, &in, t);
    cr_assert(t[0] == 0 && t[1] == 1 && t[2] == 2);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_CALL_INDIRECT && in.index == 3 && in.index2 == 1);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_RETURN_CALL && in.index == 129);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_RETURN_CALL_INDIRECT && in.index == 4 && in.index2 == 2);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_I32_LOAD && in.align == 2 && in.mem_offset == 10000);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_I64_CONST && in.imm.i64 == UINT64_MAX);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_SELECT_T && in.select_count == 1 && in.select_types[0] == VT_F32);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_I8X16_EXTRACT_LANE_S && in.lane == 15);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_TABLE_COPY && in.index == 1 && in.index2 == 2);
    cr_assert(instr_next(&r, &in, &err));
    cr_assert(in.op == OP_BLOCK && in.block_type.kind == BT_INDEX && in.block_type.index == 5);
    cr_assert(instr_reader_done(&r));
}

Test(instr, every_table_opcode_round_trips) {
    /* Each opcode in opcodes.def, encoded with zero-filled immediates,
     * decodes back to itself. */
    for (int op = 0; op < OP_COUNT_; op++) {
        uint8_t buf[64] = {0};
        size_t n = 0;
        const OpInfo *info = &op_info[op];
        if (info->prefix) {
            buf[n++] = info->prefix;
            uint32_t c = info->code;
            do {
                uint8_t b = c & 0x7F;
                c >>= 7;
                buf[n++] = (uint8_t)(b | (c ? 0x80 : 0));
            } while (c);
        } else {
            buf[n++] = (uint8_t)info->code;
        }
        if (info->imm == IMM_BLOCKTYPE) buf[n] = 0x40;
        if (info->imm == IMM_REFTYPE) buf[n] = 0x70;
        if (info->imm == IMM_SELECT_T) {
            buf[n] = 1;
            buf[n + 1] = 0x7F;
        }
        InstrReader r;
        instr_reader_init(&r, buf, 0, sizeof buf);
        Instr in;
        cr_assert(instr_next(&r, &in, &err), "%s: %s", info->text, err.message);
        cr_assert_eq((int)in.op, op, "%s decoded as %s", info->text, op_info[in.op].text);
    }
}

Test(decode, type_arity_limit) {
    static FbMod fm;
    static uint8_t types[1100];
    size_t n = 0;
    types[n++] = 0x01;
    types[n++] = 0x60;
    types[n++] = 0xE9; /* 1001 params */
    types[n++] = 0x07;
    for (int i = 0; i < 1001; i++) types[n++] = 0x7F;
    types[n++] = 0x00;
    fb_init(&fm);
    fb_section(&fm, 1, types, n);
    Module m;
    cr_assert(!decode(&fm, &m));
    cr_assert_eq(err.kind, WASM_ERR_LIMIT, "%s", err.message);
    /* exactly 1000 is accepted */
    uint8_t t2[1100];
    memcpy(t2, types, 4);
    t2[2] = 0xE8;
    memset(t2 + 4, 0x7F, 1000);
    t2[1004] = 0x00;
    fb_init(&fm);
    fb_section(&fm, 1, t2, 1005);
    cr_assert(decode(&fm, &m), "%s", err.message);
    cr_assert_eq(m.types[0].num_params, 1000);
    module_free(&m);
}
