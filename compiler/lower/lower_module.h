/* Entry point of lowering, used by the code generation driver.
 *
 * Functions are compiled in parallel: the driver splits the defined
 * functions into parts, and each part is lowered into its own LLVM module
 * in its own LLVMContext (contexts are not thread-safe), optimised and
 * emitted to an object on its own thread.  Part 0 additionally holds the
 * descriptor, the per-type trampolines and the data segment bytes.
 * Functions of other parts are declared (hidden visibility) and resolved
 * by the linker, so the parts link into one shared object.
 */
#ifndef WASMC_LOWER_MODULE_H
#define WASMC_LOWER_MODULE_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "../compile_config.h"
#include "../module.h"
#include "target.h"
#include "wasmc/artifact.h"

typedef struct LowerConfig {
    const CompileConfig *cc;       /* the compile's: target, memory mode, flags */
    const Module *m;
    LLVMTargetMachineRef tm;       /* for the data layout and triple */
    const uint8_t *module_sha256;  /* 32 bytes, recorded in the descriptor */
    /* Core modules of a component share one shared object: each gets its
     * own prefix for every global symbol (functions, trampolines, its
     * descriptor) and its own code section (a C identifier, so the linker
     * defines __start_/__stop_ bounds for it).  NULL: "" and "wasmc_text",
     * the names of a plain module's artifact. */
    const char *symbol_prefix;
    const char *text_section;
    char **func_symbols;           /* optional: lower_func_symbols_create's (with the same
                                    * prefix), shared by a module's parts */
} LowerConfig;

/* Every function's symbol (lower_func_symbol's names, after `prefix`,
 * NULL = ""), computed once for all parts; NULL with err set when out of
 * memory. */
char **lower_func_symbols_create(const Module *m, const char *prefix, WasmError *err);
void lower_func_symbols_free(const Module *m, char **syms);

/* Lower the defined functions whose index i (0-based among DEFINED
 * functions) satisfies  first <= i < last  into a new module in ctx.  When
 * `with_metadata`, also emit the descriptor, trampolines and segments.
 * Returns false with err set (WASM_ERR_UNSUPPORTED for instructions not yet
 * lowered, WASM_ERR_INTERNAL if LLVM's verifier rejects the IR). */
bool lower_module_part(const LowerConfig *cfg, LLVMContextRef ctx,
                       uint32_t first, uint32_t last, bool with_metadata,
                       LLVMModuleRef *out, WasmError *err);

/* The passes that run on the lowered module, and the labels they find
 * their work by, are compiler/opt/'s (opt.h, passes.def, labels.h). */

/* The symbol name of function `func_index` (deterministic; the name
 * section's name, made unique and prefixed so it can never clash with libc
 * symbols, e.g. "wasm$fib" or "wasm$func12").  Writes into buf. */
void lower_func_symbol(const Module *m, uint32_t func_index, char *buf, size_t size);

#endif
