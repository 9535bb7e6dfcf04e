/* The Component Model half of the script runner: loading component
 * artifacts, instantiating them and calling their exports with the
 * script's typed values (wast_cvalue.h).  wast_script.c keeps the script's
 * state (module records, definitions, the store) and dispatches here for
 * records that are components.
 *
 * Until libwasmrt's component runtime is complete (branch crt), some of
 * its entry points may not exist yet.  The build checks the runtime's
 * sources for them (tools/wast-run/CMakeLists.txt: WAST_COMPONENT_RT) and
 * wast_script.c calls the runtime only through the functions below, so
 * without them wast-run still builds, and
 * wast_component_runtime_missing() says why execution is skipped
 * (compiling and validating components still run and count).
 */
#ifndef WAST_COMPONENT_H
#define WAST_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "wasmrt_component.h"

/* NULL when the runtime's component API is there; else the reason. */
const char *wast_component_runtime_missing(void);

/* wasmrt_component_load / _release. */
wasmrt_component *wast_component_load(const char *path, wasmrt_error *err);
void wast_component_release(wasmrt_component *c);

/* wasmrt_component_instantiate against *linker, made on first use (no
 * host definitions: the tests' components import nothing from the host). */
wasmrt_cinstance *wast_component_instantiate(wasmrt_store *s, wasmrt_component *c, wasmrt_clinker **linker,
                                             wasmrt_trap *trap, wasmrt_error *err);
void wast_component_linker_free(wasmrt_clinker *linker);

/* What invoking a component export produced. */
typedef struct WastCallResult {
    bool ran;                    /* returned or trapped (else: why) */
    char why[480];
    bool not_implemented;        /* why says the runtime cannot do it yet */
    bool trapped;
    char trap_msg[300];
    const wasmrt_ctype *type;    /* the result's type; NULL: none */
    bool has_result;
    wasmrt_cval result;          /* free with wast_call_result_free */
} WastCallResult;

void wast_call_result_free(WastCallResult *r);

/* Calls export `field` of ci with args (the converter's JSON array). */
void wast_component_invoke(wasmrt_cinstance *ci, const char *field, const JsonValue *args, WastCallResult *res);

/* Compares the expected JSON values with what the call returned; on a
 * mismatch returns false with a message "expected X, got Y" (WAVE). */
bool wast_component_results_match(const WastCallResult *res, const JsonValue *expected, char *msg, size_t n);

#endif
