/* libwasmrt: WebAssembly components (the synchronous Component Model of
 * WASI 0.2).  Built on wasmrt.h: a component artifact is loaded, checked
 * and instantiated into a store like a core module, and its functions are
 * called with typed component values through the canonical ABI.
 *
 * Objects:
 *   wasmrt_component   a loaded, checked component artifact (refcounted,
 *                      shareable across threads and stores).
 *   wasmrt_clinker     host definitions by interface name: functions and
 *                      resource types.  Names match semver-compatibly: a
 *                      definition in "wasi:io/streams@0.2.12" satisfies an
 *                      import of "wasi:io/streams@0.2.10" (same package and
 *                      interface, same major version, or for 0.x the same
 *                      minor; an exact match wins, then the highest).
 *   wasmrt_cinstance   an instantiated component, owned by its store.
 *   wasmrt_ctype       a component value type (owned by its component).
 *   wasmrt_cfunc       a function's type: named params, optional result.
 *
 * Values (wasmrt_cval) are trees; strings are UTF-8 with a length.  Values
 * the runtime returns (call results, a host function's arguments) belong
 * to the caller of wasmrt_cval_free / to the runtime respectively, as each
 * function says.
 *
 * Resources.  OWN and BORROW values carry a 32-bit `handle`:
 *   - for a resource type the host defines (wasmrt_clinker_define_resource)
 *     it is the host's own representation of the resource (its "rep"):
 *     what the host returned to the guest, or receives from it;
 *   - for a resource type the component defines, it is a handle in the
 *     component instance's host-side table; the host gives it back as an
 *     argument or drops it with wasmrt_cinstance_resource_drop (which runs
 *     the component's destructor).
 */
#ifndef WASMRT_COMPONENT_H
#define WASMRT_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmc/component_plan.h"
#include "wasmrt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmrt_component wasmrt_component;
typedef struct wasmrt_clinker wasmrt_clinker;
typedef struct wasmrt_cinstance wasmrt_cinstance;
typedef struct wasmrt_ctype wasmrt_ctype;
typedef struct wasmrt_cfunc wasmrt_cfunc;

/* ---- Values ------------------------------------------------------------- */

typedef struct wasmrt_cval {
    uint8_t kind;                   /* wasmc_cval_kind */
    union {
        bool b;                     /* BOOL */
        int64_t s;                  /* S8, S16, S32, S64 */
        uint64_t u;                 /* U8, U16, U32, U64 */
        float f32;                  /* F32 */
        double f64;                 /* F64 */
        uint32_t ch;                /* CHAR: a Unicode scalar value */
        struct { char *ptr; size_t len; } str;              /* STRING (UTF-8) */
        struct { struct wasmrt_cval *items; size_t len; } list; /* LIST, RECORD
                                       (fields in type order), TUPLE */
        struct { uint32_t case_; struct wasmrt_cval *payload; } variant;
                                    /* VARIANT (payload NULL when the case has
                                       none), ENUM (case_ only), OPTION (case_
                                       0 = none, 1 = some), RESULT (case_ 0 =
                                       ok, 1 = error) */
        uint32_t flags;             /* FLAGS: bit i = flag i is set */
        uint32_t handle;            /* OWN, BORROW: see above */
    } of;
} wasmrt_cval;

/* Frees what v points to (strings, items, payloads), not v itself. */
void wasmrt_cval_free(wasmrt_cval *v);

/* ---- Types -------------------------------------------------------------- */

wasmc_cval_kind wasmrt_ctype_kind(const wasmrt_ctype *t);
/* RECORD fields, TUPLE elements, VARIANT cases, ENUM cases, FLAGS names;
 * 1 for LIST and OPTION, 2 for RESULT; 0 otherwise. */
uint32_t wasmrt_ctype_count(const wasmrt_ctype *t);
/* Name of field / case / flag i (RECORD, VARIANT, ENUM, FLAGS), else NULL. */
const char *wasmrt_ctype_name(const wasmrt_ctype *t, uint32_t i);
/* Type of field / element / case payload i: RECORD, TUPLE, VARIANT (NULL
 * for a case without payload), LIST (i = 0: the element), OPTION (0: the
 * some type), RESULT (0: ok, 1: error; NULL when absent). */
const wasmrt_ctype *wasmrt_ctype_child(const wasmrt_ctype *t, uint32_t i);
/* OWN / BORROW: the resource type's name ("iface#name" when imported or
 * exported by name, else "resource-N"). */
const char *wasmrt_ctype_resource_name(const wasmrt_ctype *t);

uint32_t wasmrt_cfunc_num_params(const wasmrt_cfunc *f);
const char *wasmrt_cfunc_param_name(const wasmrt_cfunc *f, uint32_t i);
const wasmrt_ctype *wasmrt_cfunc_param_type(const wasmrt_cfunc *f, uint32_t i);
/* NULL when the function returns nothing. */
const wasmrt_ctype *wasmrt_cfunc_result_type(const wasmrt_cfunc *f);

/* ---- Components ---------------------------------------------------------- */

/* Loads a component artifact with the same checks as wasmrt_module_load
 * (trailer, format, architecture, CPU features, SHA-256, then the plan). */
wasmrt_component *wasmrt_component_load(const char *path, wasmrt_error *err);
/* The same, requiring a signature by a key in `trust` (wasmc --sign;
 * wasmrt_trust_load_dir), checked before anything is mapped executable,
 * as wasmrt_module_load_signed does; trust NULL accepts unsigned ones. */
wasmrt_component *wasmrt_component_load_signed(const char *path, const wasmrt_trust *trust,
                                               wasmrt_error *err);
/* A component from a descriptor already in this process (tests). */
wasmrt_component *wasmrt_component_from_descriptor(const wasmc_component_descriptor *d,
                                                   wasmrt_error *err);
void wasmrt_component_release(wasmrt_component *c);
/* Whether the artifact at `path` is a component (false: a core module, or
 * not an artifact at all; err says which). */
bool wasmrt_artifact_is_component(const char *path, wasmrt_error *err);
/* The same for a host that requires signatures: the question is answered
 * only for an artifact signed by a key in `trust` (the check maps it), so an
 * unverified file is never mapped executable. */
bool wasmrt_artifact_is_component_signed(const char *path, const wasmrt_trust *trust, wasmrt_error *err);

/* Imports and exports, in plan order.  iface is "" for a direct item. */
typedef struct wasmrt_citem {
    const char *iface;
    const char *name;
    wasmc_plan_extern_kind kind;
    const wasmrt_cfunc *func;       /* FUNC */
} wasmrt_citem;
uint32_t wasmrt_component_num_imports(const wasmrt_component *c);
wasmrt_citem wasmrt_component_import(const wasmrt_component *c, uint32_t i);
uint32_t wasmrt_component_num_exports(const wasmrt_component *c);
wasmrt_citem wasmrt_component_export(const wasmrt_component *c, uint32_t i);
/* The component's world in WIT syntax (imports and exports), NUL-
 * terminated, malloc'ed; the caller frees it. */
char *wasmrt_component_wit(const wasmrt_component *c);

/* ---- Linking ------------------------------------------------------------ */

/* A host function.  args[nargs] are the lifted arguments (owned by the
 * runtime, valid during the call); the function fills *result (when the
 * type has one) with a value it allocated with malloc (the runtime lowers
 * then frees it).  Returning false traps the calling guest with err's
 * message (the trap names the import). */
typedef bool (*wasmrt_chost_fn)(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type,
                                const wasmrt_cval *args, uint32_t nargs, wasmrt_cval *result,
                                wasmrt_error *err);
/* Called when the guest drops its last own handle of a host resource. */
typedef void (*wasmrt_cresource_dtor)(void *env, uint32_t rep);

wasmrt_clinker *wasmrt_clinker_new(void);
void wasmrt_clinker_free(wasmrt_clinker *l);
bool wasmrt_clinker_define_func(wasmrt_clinker *l, const char *iface, const char *name,
                                wasmrt_chost_fn fn, void *env, wasmrt_error *err);
bool wasmrt_clinker_define_resource(wasmrt_clinker *l, const char *iface, const char *name,
                                    wasmrt_cresource_dtor dtor, void *env, wasmrt_error *err);
/* Imports nothing defines link to functions that trap naming the import,
 * instead of failing instantiation (wasmtime's -W unknown-imports-trap). */
void wasmrt_clinker_trap_unknown_imports(wasmrt_clinker *l, bool on);

/* ---- Instances and calls ------------------------------------------------ */

/* Resolves every import (a missing one fails with "missing imports: a, b"
 * naming all of them), runs the plan's steps (core instantiations with
 * their start functions, lowerings, liftings).  Traps as for
 * wasmrt_instantiate. */
wasmrt_cinstance *wasmrt_component_instantiate(wasmrt_store *s, wasmrt_component *c,
                                               wasmrt_clinker *l, wasmrt_trap *trap,
                                               wasmrt_error *err);
void wasmrt_cinstance_free(wasmrt_cinstance *ci);
void wasmrt_cinstance_set_user_data(wasmrt_cinstance *ci, void *data);
void *wasmrt_cinstance_user_data(wasmrt_cinstance *ci);

/* An exported function, by interface ("" or NULL for a direct export) and
 * name; NULL when there is none. */
const wasmrt_cfunc *wasmrt_cinstance_func(wasmrt_cinstance *ci, const char *iface,
                                          const char *name);
/* Calls f (from wasmrt_cinstance_func of ci) with args; on success fills
 * *result (when f has one; free it with wasmrt_cval_free) and returns true.
 * A trap returns false with *trap filled (code WASMC_TRAP_CANON for a
 * canonical-ABI violation, its message in trap->host_message); a value
 * that does not match f's type returns false with trap->code ==
 * WASMC_TRAP_NONE and err set. */
bool wasmrt_cinstance_call(wasmrt_cinstance *ci, const wasmrt_cfunc *f,
                           const wasmrt_cval *args, uint32_t nargs, wasmrt_cval *result,
                           wasmrt_trap *trap, wasmrt_error *err);
/* Drops a host-held own handle of a resource the component defines. */
bool wasmrt_cinstance_resource_drop(wasmrt_cinstance *ci, uint32_t handle,
                                    wasmrt_trap *trap, wasmrt_error *err);

/* ---- The WebAssembly Value Encoding (WAVE) -------------------------------- */

/* Parses one value of type t from text (wasmtime run --invoke syntax). */
bool wasmrt_wave_parse(const wasmrt_ctype *t, const char *text, size_t len,
                       wasmrt_cval *out, wasmrt_error *err);
/* Parses "name(arg, ...)" against f's parameters; *name and args are
 * malloc'ed (free args with wasmrt_cval_free each, then free()). */
bool wasmrt_wave_parse_call(const char *text, char **name, wasmrt_cval **args,
                            uint32_t *nargs, const wasmrt_cfunc *(*lookup)(void *env, const char *name),
                            void *env, wasmrt_error *err);
/* Prints v (of type t) in WAVE; returns a malloc'ed NUL-terminated string. */
char *wasmrt_wave_print(const wasmrt_ctype *t, const wasmrt_cval *v);

#ifdef __cplusplus
}
#endif

#endif
