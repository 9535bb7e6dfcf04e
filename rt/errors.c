/* Error and trap texts.  Trap messages are the spec suite's exact strings,
 * because the suite's runner compares them. */
#include <stdio.h>

#include "internal.h"

void rt_err(wasmrt_error *err, const char *fmt, ...) {
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

const char *wasmrt_trap_message(wasmrt_trap_code code) {
    switch (code) {
    case WASMC_TRAP_NONE: return "no trap";
    case WASMC_TRAP_UNREACHABLE: return "unreachable";
    case WASMC_TRAP_INT_DIV_ZERO: return "integer divide by zero";
    case WASMC_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASMC_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASMC_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WASMC_TRAP_TABLE_OOB: return "out of bounds table access";
    case WASMC_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case WASMC_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case WASMC_TRAP_INDIRECT_CALL_TYPE: return "indirect call type mismatch";
    case WASMC_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WASMC_TRAP_INTERRUPTED: return "interrupted";
    case WASMC_TRAP_HOST: return "host function trapped";
    case WASMC_TRAP_EXIT: return "exit";
    case WASMC_TRAP_CANON: return "canonical ABI violation";
    default: return "unknown trap";
    }
}
