/* Private structures of the wasm-c-api (wasm.h) layer over libwasmrt.
 *
 * Every runtime object wasm.h hands out (func, global, table, memory,
 * extern, foreign, trap, instance, module, and the generic ref) is one
 * refcounted capi_obj: wasm_X_copy shares it, wasm_X_delete drops a share,
 * and the as_ref/as_extern conversions are casts of the same pointer, so
 * host info set through any of them is the object's.  Type objects
 * (functype, globaltype, tabletype, memorytype, externtype) are one
 * capi_type for the same reason.
 *
 * Objects belong to a store, which is used by one thread at a time (the
 * API's rule), so counts are plain integers; only modules cross threads,
 * through wasm_module_share, and the wasmrt_module they hold is refcounted
 * atomically by libwasmrt.
 */
#ifndef WASMRT_CAPI_H
#define WASMRT_CAPI_H

#include <wasm.h>

#include "../internal.h"

enum capi_tag {
    CAPI_FUNC = 1, CAPI_GLOBAL, CAPI_TABLE, CAPI_MEMORY, CAPI_FOREIGN, CAPI_TRAP, CAPI_INSTANCE, CAPI_MODULE,
};

typedef struct capi_type {
    wasm_externkind_t kind;
    wasm_valtype_vec_t params, results;  /* func */
    wasm_valtype_t *content;             /* global: value type; table: element type */
    wasm_mutability_t mut;
    wasm_limits_t limits;                /* table, memory */
} capi_type;

struct wasm_valtype_t { wasm_valkind_t kind; };
struct wasm_importtype_t { wasm_name_t module, name; wasm_externtype_t *type; };
struct wasm_exporttype_t { wasm_name_t name; wasm_externtype_t *type; };
struct wasm_config_t { int unused; };
struct wasm_engine_t { int unused; };

/* A host function: what wasm_func_new was given, kept by the store until
 * it goes (instances that imported it call through it). */
typedef struct capi_host {
    struct capi_host *next;
    wasm_store_t *store;
    wasm_func_callback_t cb;
    wasm_func_callback_with_env_t cb_env;
    void *env;
    void (*env_finalizer)(void *);
    wasm_functype_t *type;
    uint8_t *sig;                        /* params then results, binary encodings */
    uint32_t np, nr;
    rt_host_record *record;              /* when made into a funcref (tables, globals) */
    wasmc_funcref funcref;
} capi_host;

typedef struct capi_obj {
    uint8_t tag;
    bool pinned;                         /* passed into Wasm as an externref */
    uint32_t refs;
    wasm_store_t *store;
    void *host_info;
    void (*finalizer)(void *);
    struct capi_obj *owner;              /* exports: the instance, kept alive */
    struct capi_obj *next, *prev;        /* store list: instances and pinned objects */
    union {
        struct { wasmrt_func f; capi_host *host; } func;
        wasmrt_global *global;
        wasmrt_table *table;
        wasmrt_memory *memory;
        struct { char *message; } trap;
        struct { wasmrt_instance *inst; wasm_module_t *module; } instance;
        struct { wasmrt_module *m; wasm_byte_vec_t artifact; } module;
    } u;
} capi_obj;

struct wasm_store_t {
    wasmrt_store *s;
    capi_host *hosts;
    capi_obj *live;                      /* instances and pinned externrefs */
};

static inline capi_obj *capi_of(const void *p) { return (capi_obj *)p; }
capi_obj *capi_obj_new(wasm_store_t *store, uint8_t tag);
/* Links o into its store's list (instances, pinned refs). */
void capi_store_track(capi_obj *o);
void capi_store_untrack(capi_obj *o);

/* Values and types: wasm.h kinds <-> binary encodings. */
uint8_t capi_kind_to_binary(wasm_valkind_t k);
bool capi_binary_to_kind(uint8_t b, wasm_valkind_t *k);
wasm_functype_t *capi_functype_from(const wasmc_functype *t);
wasm_externtype_t *capi_externtype_of_desc(const wasmc_descriptor *d, uint32_t kind, uint32_t index);
/* A Wasm value from a wasm.h value; refs passed into Wasm are pinned. */
bool capi_val_to_rt(wasm_store_t *store, const wasm_val_t *v, wasmrt_val *out);
/* The other way; refs come back as new owned handles. */
void capi_val_from_rt(wasm_store_t *store, const wasmrt_val *v, wasm_val_t *out);
/* The raw reference stored in a Wasm slot for a wasm.h ref of kind k. */
void *capi_ref_to_raw(wasm_store_t *store, wasm_ref_t *r, uint8_t binary_kind);
wasm_ref_t *capi_ref_from_raw(wasm_store_t *store, void *raw, uint8_t binary_kind);
/* A wasm_func_t for a funcref found in a table, global or result. */
wasm_func_t *capi_func_from_funcref(wasm_store_t *store, wasmc_funcref *ref);
/* The entry point for a canonical signature, from any module in the store. */
const wasmc_functype *capi_find_functype(wasm_store_t *store, uint32_t type_id);

wasm_trap_t *capi_trap_new(wasm_store_t *store, const char *message);
/* The native host function behind every wasm_func_new. */
void capi_host_dispatch(void *env, void *caller, wasmc_slot *slots);

/* Wasm bytes -> artifact bytes: the compiler-linked library compiles; the
 * runtime-only one refuses (compile_none.c / compile_wasmc.c). */
bool capi_compile(const uint8_t *wasm, size_t len, wasm_byte_vec_t *artifact, char *err, size_t errlen);
bool capi_validate(const uint8_t *wasm, size_t len);

#endif
