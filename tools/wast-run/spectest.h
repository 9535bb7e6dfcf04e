/* The `spectest` host module every spec script may import from.
 *
 * The print functions are host functions (they exercise the runtime's
 * Wasm -> host path, and print nothing: the runner's output format is
 * fixed).  The globals (666 / 666.6), the table (10..20 funcref) and the
 * memory (1..2 pages) come from a tiny embedded Wasm module that the script
 * runner compiles and instantiates like any test module, because the
 * runtime API creates those objects only by instantiating a module.
 */
#ifndef WAST_SPECTEST_H
#define WAST_SPECTEST_H

#include <stddef.h>
#include <stdint.h>

#include "wasmrt.h"

extern const uint8_t spectest_wasm[];
extern const size_t spectest_wasm_size;

/* print, print_i32, print_i64, print_f32, print_f64, print_i32_f32,
 * print_f64_f64 under module name "spectest". */
bool spectest_define_prints(wasmrt_linker *l, wasmrt_error *err);

#endif
