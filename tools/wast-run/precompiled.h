/* Artifacts compiled ahead by the host for a script run elsewhere.
 *
 * When a script runs under emulation (remote.c), the host compiles every
 * module file of the script once, before the run, into DIR/pre/, and the
 * executor (wast-exec, built without LLVM) looks results up by the module's
 * bytes: exec_compiler.c stands in for wasmc_check/wasmc_compile.  The key
 * is the module's FNV-1a hash plus its size; each key has either KEY.so
 * (compiled), or KEY.check / KEY.compile holding the WasmError that
 * wasmc_check / wasmc_compile returned, as three lines: kind, offset ("-"
 * for none), message.  Errors therefore reach the script interpreter
 * exactly as they would in-process, so the counts do not depend on where
 * the script runs.
 */
#ifndef WAST_PRECOMPILED_H
#define WAST_PRECOMPILED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WAST_PRECOMPILED_DIR "pre"

/* DIR/pre/KEY.SUFFIX for these module bytes. */
static inline void wast_precompiled_path(const char *dir, const uint8_t *bytes, size_t size, const char *suffix,
                                         char *out, size_t n) {
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < size; i++) h = (h ^ bytes[i]) * UINT64_C(0x100000001b3);
    snprintf(out, n, "%s/" WAST_PRECOMPILED_DIR "/%016llx-%zu.%s", dir, (unsigned long long)h, size, suffix);
}

#endif
