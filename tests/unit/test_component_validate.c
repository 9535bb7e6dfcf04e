/* Validation and unsupported-feature errors of the component front end,
 * one representative component per rule (tests/unit/components/invalid/
 * and unsupported/): each is rejected with its kind, a message naming the
 * rule, and an offset inside the file. */
#include <string.h>

#include "component_fixture.h"
#include "wasmc.h"

static void expect_error(const char *name, WasmErrorKind kind, const char *text) {
    size_t n;
    uint8_t *bytes = fixture_read(name, &n);
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(!wasmc_component_check(bytes, n, &err), "%s: accepted", name);
    cr_assert_eq(err.kind, kind, "%s: kind %d: %s", name, err.kind, err.message);
    cr_assert(strstr(err.message, text), "%s: message '%s' lacks '%s'", name, err.message, text);
    cr_assert(err.offset != WASM_NO_OFFSET && err.offset < n, "%s: offset 0x%zx", name, err.offset);
    free(bytes);
}

Test(component_validate, lifting_a_string_needs_memory) {
    expect_error("invalid/missing_memory.wasm", WASM_ERR_INVALID, "`memory` is required");
}

Test(component_validate, lift_core_signature_must_match_the_flattened_type) {
    expect_error("invalid/lift_type_mismatch.wasm", WASM_ERR_INVALID, "do not match");
}

Test(component_validate, export_names_must_be_strongly_unique) {
    expect_error("invalid/duplicate_export.wasm", WASM_ERR_INVALID, "conflicts");
}

Test(component_validate, export_names_must_be_kebab_case) {
    expect_error("invalid/not_kebab.wasm", WASM_ERR_INVALID, "not a valid export name");
}

Test(component_validate, instantiation_arguments_must_match_import_types) {
    expect_error("invalid/arg_type_mismatch.wasm", WASM_ERR_INVALID, "type mismatch for import `f`");
}

Test(component_validate, resource_new_only_for_local_resources) {
    expect_error("invalid/resource_new_imported.wasm", WASM_ERR_INVALID, "not a local resource");
}

Test(component_validate, core_instantiation_needs_every_import_module) {
    expect_error("invalid/missing_core_arg.wasm", WASM_ERR_INVALID, "missing module instantiation argument named `env`");
}

Test(component_validate, function_results_may_not_borrow) {
    expect_error("invalid/borrow_result.wasm", WASM_ERR_INVALID, "cannot contain a `borrow`");
}

Test(component_validate, embedded_core_module_errors_have_component_offsets) {
    size_t n;
    uint8_t *bytes = fixture_read("invalid/bad_core_module.wasm", &n);
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(!wasmc_check(bytes, n, &err));
    cr_assert_eq(err.kind, WASM_ERR_INVALID);
    cr_assert_str_eq(err.message, "type mismatch");
    /* the module starts after the preamble and its section header (id,
     * size); the i32.add is past the module's own first bytes */
    cr_assert_gt(err.offset, 10);
    cr_assert_lt(err.offset, n);
    cr_assert_eq(bytes[err.offset], 0x6a, "offset 0x%zx is not the i32.add", err.offset);
    free(bytes);
}

Test(component_validate, unsupported_features_say_so) {
    expect_error("unsupported/import_module.wasm", WASM_ERR_UNSUPPORTED, "unsupported: importing core modules");
    expect_error("unsupported/async_lift.wasm", WASM_ERR_UNSUPPORTED, "unsupported: async functions");
    expect_error("unsupported/export_imported_func.wasm", WASM_ERR_UNSUPPORTED, "unsupported: exporting an imported function");
}

Test(component_validate, the_valid_fixtures_validate) {
    const char *names[] = {"import_lower_lift.wasm", "nested.wasm", "resources.wasm"};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        uint8_t *bytes = fixture_read(names[i], &n);
        WasmError err;
        wasm_error_clear(&err);
        cr_assert(wasmc_check(bytes, n, &err), "%s: 0x%zx: %s", names[i], err.offset, err.message);
        free(bytes);
    }
}

/* A value type whose tree is 2^59 nodes but whose DAG is 60: type k is
 * (tuple k-1 k-1) (indices below 64: one signed-LEB byte each).  Importing a function of it must neither hang nor run
 * out of memory: the plan writes each type once. */
Test(component_validate, type_dags_are_walked_once, .timeout = 60) {
    uint8_t b[2048];
    size_t n = 0;
    static const uint8_t pre[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    memcpy(b, pre, 8);
    n = 8;
    uint8_t sec[1024];
    size_t m = 0;
    sec[m++] = 61;                  /* 61 types */
    sec[m++] = 0x79;                /* 0: u32 */
    for (int k = 1; k < 60; k++) {  /* k: (tuple k-1 k-1) */
        sec[m++] = 0x6f;
        sec[m++] = 2;
        sec[m++] = (uint8_t)(k - 1);
        sec[m++] = (uint8_t)(k - 1);
    }
    sec[m++] = 0x40;                /* 60: (func (param "x" 59)) */
    sec[m++] = 1;
    sec[m++] = 1;
    sec[m++] = 'x';
    sec[m++] = 59;
    sec[m++] = 0x01;
    sec[m++] = 0x00;
    b[n++] = 0x07;
    b[n++] = (uint8_t)(0x80 | (m & 0x7f));
    b[n++] = (uint8_t)(m >> 7);
    memcpy(b + n, sec, m);
    n += m;
    /* import "f" (func (type 60)) */
    static const uint8_t imp[] = {0x0a, 0x06, 0x01, 0x00, 0x01, 'f', 0x01, 60};
    memcpy(b + n, imp, sizeof imp);
    n += sizeof imp;
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(wasmc_component_check(b, n, &err), "0x%zx: %s", err.offset, err.message);
}

/* Canonical built-ins without operands are one byte each: a section of
 * two of them (async backpressure.inc / .dec) is unsupported, not cut
 * short. */
Test(component_validate, operand_free_async_builtins_are_unsupported_not_malformed) {
    static const uint8_t b[] = {0x00, 'a', 's', 'm', 0x0d, 0x00, 0x01, 0x00, 0x08, 0x03, 0x02, 0x24, 0x25};
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(!wasmc_component_check(b, sizeof b, &err));
    cr_assert_eq(err.kind, WASM_ERR_UNSUPPORTED, "%s", err.message);
    cr_assert(strstr(err.message, "async canonical built-in 0x24"), "%s", err.message);
}
