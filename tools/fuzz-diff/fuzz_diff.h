/* wasmc-fuzz-diff internals: running a module like binaryen's --fuzz-exec
 * (run.c) and comparing the transcript with binaryen's (compare.c).
 *
 * The transcript is line-based and uses binaryen's wording, so a human can
 * read both side by side; the comparison is semantic (numbers by value, NaN
 * against NaN, any trap against any trap), never textual.
 */
#ifndef FUZZ_DIFF_H
#define FUZZ_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "wasmc.h"

typedef enum fd_status {
    FD_RAN = 0,            /* the transcript is complete */
    FD_COMPILE_ERROR,      /* wasmc rejected or failed on the module */
    FD_RUNTIME_ERROR,      /* load / link / instantiate failed (not a trap) */
    FD_TIMEOUT,            /* a call hit the per-call deadline */
} fd_status;

/* Compile `wasm` with `opts`, instantiate it with the fuzzing-support
 * imports, call every exported function in export order with zero
 * arguments (after hangLimitInitializer, as binaryen does) and write the
 * transcript to `out`.  On failure `why` says what went wrong. */
fd_status fd_run(const unsigned char *wasm, size_t size, const WasmcOptions *opts,
                 double call_timeout_s, FILE *out, char *why, size_t why_len);

/* Compare our transcript with binaryen's --fuzz-exec-before output.
 * Lines of `ref` that are not part of the transcript (warnings) are
 * ignored.  Returns true when they agree; otherwise describes the first
 * disagreement on `report`. */
bool fd_compare(const char *ours, const char *ref, FILE *report);

#endif
