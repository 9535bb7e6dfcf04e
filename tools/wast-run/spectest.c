/* The spectest module: host print functions plus an embedded Wasm module
 * for the globals, table and memory.
 *
 * The module is kept as bytes rather than built at run time so what the
 * scripts import is visible here in one place; it is the binary of
 *
 *   (module
 *     (global (export "global_i32") i32 (i32.const 666))
 *     (global (export "global_i64") i64 (i64.const 666))
 *     (global (export "global_f32") f32 (f32.const 666.6))
 *     (global (export "global_f64") f64 (f64.const 666.6))
 *     (table (export "table") 10 20 funcref)
 *     (memory (export "memory") 1 2))
 */
#include "spectest.h"

const uint8_t spectest_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,       /* magic, version 1 */
    0x04, 0x05, 0x01, 0x70, 0x01, 0x0a, 0x14,             /* table: funcref 10..20 */
    0x05, 0x04, 0x01, 0x01, 0x01, 0x02,                   /* memory: 1..2 pages */
    0x06, 0x21, 0x04,                                     /* global section, 4 globals */
    0x7f, 0x00, 0x41, 0x9a, 0x05, 0x0b,                   /*   i32 const 666 */
    0x7e, 0x00, 0x42, 0x9a, 0x05, 0x0b,                   /*   i64 const 666 */
    0x7d, 0x00, 0x43, 0x66, 0xa6, 0x26, 0x44, 0x0b,       /*   f32 const 666.6 */
    0x7c, 0x00, 0x44, 0xcd, 0xcc, 0xcc, 0xcc, 0xcc, 0xd4, 0x84, 0x40, 0x0b, /* f64 const 666.6 */
    0x07, 0x46, 0x06,                                     /* export section, 6 exports */
    0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'i', '3', '2', 0x03, 0x00,
    0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'i', '6', '4', 0x03, 0x01,
    0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'f', '3', '2', 0x03, 0x02,
    0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'f', '6', '4', 0x03, 0x03,
    0x05, 't', 'a', 'b', 'l', 'e', 0x01, 0x00,
    0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
};
const size_t spectest_wasm_size = sizeof spectest_wasm;

static void print_nothing(void *env, void *caller, wasmc_slot *args_results) {
    (void)env;
    (void)caller;
    (void)args_results;
}

bool spectest_define_prints(wasmrt_linker *l, wasmrt_error *err) {
    static const struct {
        const char *name;
        uint8_t params[2];
        uint32_t num_params;
    } prints[] = {
        {"print", {0}, 0},
        {"print_i32", {0x7F}, 1},
        {"print_i64", {0x7E}, 1},
        {"print_f32", {0x7D}, 1},
        {"print_f64", {0x7C}, 1},
        {"print_i32_f32", {0x7F, 0x7D}, 2},
        {"print_f64_f64", {0x7C, 0x7C}, 2},
    };
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++)
        if (!wasmrt_linker_define_host_func(l, "spectest", prints[i].name, prints[i].params, prints[i].num_params,
                                            NULL, 0, print_nothing, NULL, err))
            return false;
    return true;
}
