/* Running one converted spec script (the JSON wast2json wrote) in-process.
 *
 * The script runner owns one wasmrt store and linker for the whole script,
 * as the reference interpreter does: the spectest module, every module
 * command's instance and every `register`ed name live until the script
 * ends.  Results go to a WastReporter one command at a time, so the caller
 * (the per-file child process) can stream them to its parent and a crash in
 * the middle still leaves every earlier result reported.
 */
#ifndef WAST_SCRIPT_H
#define WAST_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"
#include "wasmc.h"

/* Command kinds, for --only and for reporting. */
enum {
    WAST_KIND_MALFORMED = 1u << 0,
    WAST_KIND_INVALID = 1u << 1,
    WAST_KIND_RETURN = 1u << 2,
    WAST_KIND_TRAP = 1u << 3,
    WAST_KIND_EXHAUSTION = 1u << 4,
    WAST_KIND_UNLINKABLE = 1u << 5,
    WAST_KIND_UNINSTANTIABLE = 1u << 6,
    WAST_KIND_ACTION = 1u << 7,
    WAST_KIND_MODULE = 1u << 8, /* module and register commands */
    WAST_KIND_ALL = (1u << 9) - 1,
    /* Kinds that need modules compiled and instantiated. */
    WAST_KIND_EXEC = WAST_KIND_RETURN | WAST_KIND_TRAP | WAST_KIND_EXHAUSTION | WAST_KIND_UNLINKABLE |
                     WAST_KIND_UNINSTANTIABLE | WAST_KIND_ACTION | WAST_KIND_MODULE,
};

/* "malformed" -> WAST_KIND_MALFORMED, ...; 0 when unknown. */
unsigned wast_kind_from_name(const char *name, size_t len);

typedef enum WastOutcome { WAST_PASS, WAST_FAIL, WAST_SKIP } WastOutcome;

typedef struct WastReporter {
    /* A command is about to run (so a crash can be located). */
    void (*begin)(void *ctx, uint64_t line, const char *command);
    /* One counted result; detail says what went wrong or why it was skipped. */
    void (*result)(void *ctx, WastOutcome outcome, uint64_t line, const char *command, const char *detail);
    void *ctx;
} WastReporter;

typedef struct WastScriptOptions {
    unsigned kinds;            /* WAST_KIND_* counted; see wast_script_run */
    WasmcOptions compile;      /* how each module is compiled */
    bool execute;              /* false: the target cannot run here; execution is skipped */
    const char *no_exec_reason;
    bool strict;               /* also match error kinds' messages (malformed, invalid, unlinkable) */
    const char *dir;           /* where the script's .wasm files are; artifacts go here too */
    uint64_t call_deadline_ns; /* wall-clock limit per call (store config); 0 = none */
} WastScriptOptions;

/* Run every command of the script in order.  Only kinds in opts->kinds are
 * counted, but when any execution kind is selected every stateful command
 * (module, register, action, and the assertions, which may change state)
 * still runs, so later results mean what the script says.  Returns false
 * only when the script itself is unusable (err says why); individual
 * failures are results, not errors. */
bool wast_script_run(const JsonValue *script, const WastScriptOptions *opts, const WastReporter *rep,
                     char *err, size_t errlen);

#endif
