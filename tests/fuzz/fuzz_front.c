/* libFuzzer target for the front end: decode then validate arbitrary bytes.
 *
 * Any crash, sanitizer report, leak, hang or runaway allocation here is a
 * bug: the front end's contract is to turn every input into a module or an
 * error value.  On success the decoded module is also checked for the
 * invariants later phases rely on (bodies within the input, expressions
 * with an end), so a decoder that "succeeds" with nonsense is caught too.
 * Built by tools/fuzz-front.sh (or the opt-in CMake target).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "module.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Module m;
    WasmError err;
    if (!module_decode(data, size, &m, &err)) {
        if (err.kind == WASM_OK) abort();
        return 0;
    }
    for (uint32_t i = m.num_imported_funcs; i < m.num_funcs; i++) {
        const Func *f = &m.funcs[i];
        if (f->body_offset > f->code_offset || f->code_offset >= f->body_end || f->body_end > size) abort();
    }
    for (uint32_t i = 0; i < m.num_datas; i++)
        if (m.datas[i].data_offset + m.datas[i].size > size) abort();
    if (!module_validate(&m, &err) && err.kind == WASM_OK) abort();
    module_free(&m);
    return 0;
}
