/* Decoding components: the preamble, section framing, and what the
 * decoder refuses, each error with the byte offset in the component file.
 * Inputs are written out byte by byte so each test shows the exact
 * encoding it is about. */
#include <criterion/criterion.h>
#include <string.h>

#include "component/component.h"
#include "wasmc.h"

#define PRE 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00

static WasmError check(const uint8_t *b, size_t n) {
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(!wasmc_check(b, n, &err), "accepted");
    return err;
}

static void expect(const uint8_t *b, size_t n, WasmErrorKind kind, size_t offset, const char *text) {
    WasmError e = check(b, n);
    cr_assert_eq(e.kind, kind, "kind %d: %s", e.kind, e.message);
    cr_assert_eq(e.offset, offset, "offset 0x%zx, want 0x%zx (%s)", e.offset, offset, e.message);
    cr_assert(strstr(e.message, text), "'%s' lacks '%s'", e.message, text);
}

Test(component_decode, the_preamble_tells_a_component_from_a_module) {
    static const uint8_t comp[] = {PRE};
    static const uint8_t mod[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    cr_assert(component_is_component(comp, sizeof comp));
    cr_assert(!component_is_component(mod, sizeof mod));
    cr_assert(!component_is_component(comp, 7));
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(wasmc_check(comp, sizeof comp, &err), "the empty component is valid: %s", err.message);
}

Test(component_decode, a_truncated_section_is_malformed_at_its_header) {
    static const uint8_t b[] = {PRE, 0x07, 0x05, 0x01};
    expect(b, sizeof b, WASM_ERR_MALFORMED, 8, "unexpected end");
}

Test(component_decode, unknown_section_ids_are_malformed) {
    static const uint8_t b[] = {PRE, 0x0d, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, 8, "malformed section id");
}

Test(component_decode, a_section_with_bytes_left_over_is_malformed) {
    /* type section: 1 type, the primitive u32, then a stray byte */
    static const uint8_t b[] = {PRE, 0x07, 0x03, 0x01, 0x79, 0xff};
    expect(b, sizeof b, WASM_ERR_MALFORMED, 12, "section size mismatch");
}

Test(component_decode, an_invalid_type_opcode_is_malformed_at_that_byte) {
    static const uint8_t b[] = {PRE, 0x07, 0x02, 0x01, 0x50};
    expect(b, sizeof b, WASM_ERR_MALFORMED, 11, "invalid type 0x50");
}

Test(component_decode, empty_records_and_too_many_flags_are_malformed) {
    static const uint8_t rec[] = {PRE, 0x07, 0x03, 0x01, 0x72, 0x00};
    expect(rec, sizeof rec, WASM_ERR_MALFORMED, 11, "at least one field");
    uint8_t pre[] = {PRE};
    uint8_t big[8 + 5 + 33 * 2];
    memcpy(big, pre, 8);
    size_t m = 8;
    big[m++] = 0x07;
    big[m++] = 3 + 33 * 2;
    big[m++] = 0x01;
    big[m++] = 0x6e;
    big[m++] = 33;
    for (int i = 0; i < 33; i++) {
        big[m++] = 1;
        big[m++] = (uint8_t)('a' + i % 26);
    }
    expect(big, m, WASM_ERR_MALFORMED, 11, "more than 32 flags");
}

Test(component_decode, names_must_be_utf8) {
    /* import section: one import, name kind 0, length 1, byte 0xff */
    static const uint8_t b[] = {PRE, 0x0a, 0x06, 0x01, 0x00, 0x01, 0xff, 0x01, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, 13, "UTF-8");
}

Test(component_decode, embedded_module_errors_are_offset_into_the_component) {
    /* a core module section holding a module with a bad version */
    static const uint8_t b[] = {PRE, 0x01, 0x08, 0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00};
    WasmError e = check(b, sizeof b);
    cr_assert_eq(e.kind, WASM_ERR_MALFORMED);
    cr_assert_eq(e.offset, 10 + 4, "offset 0x%zx", e.offset);
}

Test(component_decode, nested_components_are_decoded_with_their_own_preamble) {
    /* a component section whose component has a core version */
    static const uint8_t b[] = {PRE, 0x04, 0x08, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    expect(b, sizeof b, WASM_ERR_MALFORMED, 14, "unknown binary version");
}

Test(component_decode, start_values_async_streams_are_unsupported) {
    static const uint8_t start[] = {PRE, 0x09, 0x03, 0x00, 0x00, 0x00};
    expect(start, sizeof start, WASM_ERR_UNSUPPORTED, 10, "unsupported: component start functions");
    static const uint8_t value[] = {PRE, 0x0c, 0x01, 0x00};
    expect(value, sizeof value, WASM_ERR_UNSUPPORTED, 10, "unsupported: component values");
    static const uint8_t async_fn[] = {PRE, 0x07, 0x04, 0x01, 0x43, 0x00, 0x01, 0x00};
    expect(async_fn, sizeof async_fn, WASM_ERR_UNSUPPORTED, 11, "unsupported: async functions");
    static const uint8_t stream[] = {PRE, 0x07, 0x03, 0x01, 0x66, 0x00};
    expect(stream, sizeof stream, WASM_ERR_UNSUPPORTED, 11, "unsupported: streams");
    static const uint8_t future[] = {PRE, 0x07, 0x03, 0x01, 0x65, 0x00};
    expect(future, sizeof future, WASM_ERR_UNSUPPORTED, 11, "unsupported: futures");
    /* canon section: task.return (0x09) */
    static const uint8_t task[] = {PRE, 0x08, 0x04, 0x01, 0x09, 0x01, 0x00};
    expect(task, sizeof task, WASM_ERR_UNSUPPORTED, 11, "unsupported: async canonical built-in");
    /* canon lift with the async option */
    static const uint8_t async_opt[] = {PRE, 0x08, 0x07, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00};
    expect(async_opt, sizeof async_opt, WASM_ERR_UNSUPPORTED, 15, "unsupported: async canonical option");
    static const uint8_t fixed[] = {PRE, 0x07, 0x04, 0x01, 0x67, 0x79, 0x02};
    expect(fixed, sizeof fixed, WASM_ERR_UNSUPPORTED, 11, "unsupported: fixed-length lists");
}

Test(component_decode, conflicting_canonical_options_are_invalid) {
    /* canon lower func 0 with utf8 and utf16 */
    static const uint8_t b[] = {PRE, 0x08, 0x07, 0x01, 0x01, 0x00, 0x00, 0x02, 0x00, 0x01};
    expect(b, sizeof b, WASM_ERR_INVALID, 16, "conflicts");
}
