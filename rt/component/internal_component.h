/* Private structures of libwasmrt's component runtime (rt/component/).
 *
 * The plan (component_plan.h) is decoded once per component into the
 * structures below (cplan.c), with every index checked, so the canonical
 * ABI (canon_abi.c: memory; canon_flat.c: flat core values) and
 * instantiation (cinstance.c) index them without further checks.
 *
 * Canonical-ABI code never longjmps: a violation sets the context's trap
 * (code + message) and returns false all the way up, so the caller frees
 * what it allocated and then either raises the trap into the guest (a
 * lowered function's thunk) or returns it (wasmrt_cinstance_call).  The
 * same code runs against a plain byte buffer in the unit tests.
 */
#ifndef WASMRT_INTERNAL_COMPONENT_H
#define WASMRT_INTERNAL_COMPONENT_H

#include <stdarg.h>

#include "../internal.h"
#include "wasmrt_component.h"

/* CanonicalABI.md's limits. */
#define CT_MAX_FLAT_PARAMS 16u
#define CT_MAX_FLAT_RESULTS 1u
#define CT_MAX_STRING_BYTES ((1u << 28) - 1)
#define CT_MAX_LIST_BYTES ((1u << 28) - 1)
/* A type's flattening is kept up to this many core values; more means
 * "spills" wherever it appears (every use site's limit is at most 16). */
#define CT_FLAT_CAP (CT_MAX_FLAT_PARAMS + 1)
/* Lifted values the host receives in one call: a list<u8> of 256 MiB
 * would otherwise become 6 GiB of wasmrt_cval. */
#define CT_MAX_LIFTED_VALUES (1u << 24)

/* Core value types of flattened signatures (binary encodings). */
enum { CT_I32 = 0x7F, CT_I64 = 0x7E, CT_F32 = 0x7D, CT_F64 = 0x7C };

struct wasmrt_ctype {
    uint8_t kind;                   /* wasmc_cval_kind */
    uint32_t count;                 /* fields / elements / cases / flags */
    char **names;                   /* RECORD, VARIANT, ENUM, FLAGS */
    const struct wasmrt_ctype **children; /* RECORD, TUPLE, VARIANT (NULL =
                                       no payload), LIST [0], OPTION [0],
                                       RESULT [0] ok [1] err */
    uint32_t resource;              /* OWN, BORROW */
    const struct wasmrt_component *comp;
    /* Layout, computed at decode time (despecialised, 32-bit memory). */
    uint32_t size, align;
    uint32_t depth;
    uint32_t flat_count;            /* > CT_MAX_FLAT_PARAMS: spills */
    uint8_t flat[CT_FLAT_CAP];      /* the first min(flat_count, CAP) */
    uint32_t payload_offset;        /* variant-likes: after the discriminant */
    uint32_t disc_size;             /* variant-likes: 1, 2 or 4 */
};

struct wasmrt_cfunc {
    uint32_t num_params;
    char **names;
    const wasmrt_ctype **params;
    const wasmrt_ctype *result;     /* NULL: none */
    /* the parameters as one tuple (spilled argument area) */
    uint32_t params_size, params_align, params_flat;   /* flat saturates at CAP */
    uint8_t params_flat_types[CT_FLAT_CAP];
};

typedef struct ct_coredef {
    uint8_t kind;                   /* 0: core instance export, 1: lowered func */
    uint32_t a, b;                  /* (instance, export) or (lowered, -) */
} ct_coredef;

typedef struct ct_opts {
    uint32_t cinstance;
    uint8_t encoding;               /* wasmc_string_encoding */
    bool has_memory, has_realloc;
    ct_coredef memory, realloc;
} ct_opts;

typedef struct ct_resource {
    bool host;                      /* imported: the host defines it */
    uint32_t import;                /* host */
    uint32_t cinstance;             /* !host: the defining instance */
    bool has_dtor;
    ct_coredef dtor;
    char *name;                     /* "iface#name" or "resource-N" */
} ct_resource;

typedef struct ct_import {
    char *iface, *name;
    uint8_t kind;                   /* wasmc_plan_extern_kind */
    uint32_t functype;
    char *full;                     /* "iface#name" or "name", for messages */
} ct_import;

typedef struct ct_export {
    char *iface, *name;
    uint8_t kind;
    uint32_t index;                 /* lifted func or resource */
} ct_export;

typedef struct ct_step {
    uint8_t op;                     /* wasmc_plan_op */
    uint32_t index;                 /* INSTANTIATE: module; RESOURCE_*: resource */
    uint32_t cinstance;             /* RESOURCE_* */
    uint32_t num_args;              /* INSTANTIATE */
    ct_coredef *args;
    uint8_t callee_kind;            /* LOWER: 0 import, 1 lifted */
    uint32_t callee;
    ct_opts opts;                   /* LOWER, LIFT */
    uint32_t functype;              /* LOWER, LIFT */
    ct_coredef func;                /* LIFT */
    bool has_post_return;
    ct_coredef post_return;
    /* LOWER, RESOURCE_*: the core signature's interned type id, found by
     * the first instantiation (0: not yet): interning takes a global lock
     * and a hash, which every later instantiation would repeat. */
    _Atomic uint32_t host_type_id;
} ct_step;

typedef struct ct_plan {
    uint32_t num_types, num_funcs, num_cinstances, num_resources, num_imports, num_steps, num_exports;
    struct wasmrt_ctype *types;
    struct wasmrt_cfunc *funcs;
    uint32_t *cinstance_parent;     /* UINT32_MAX: none */
    ct_resource *resources;
    ct_import *imports;
    ct_step *steps;
    ct_export *exports;
    /* derived: counts of the dense index spaces the steps define */
    uint32_t num_core_instances, num_lowered, num_lifted;
    uint32_t *lifted_step;          /* lifted func -> its LIFT step */
} ct_plan;

/* cplan.c: decodes and checks a plan against the component's modules. */
bool ct_plan_decode(ct_plan *p, const struct wasmrt_component *comp, const uint8_t *bytes,
                    uint64_t size, const wasmc_descriptor *const *modules, uint32_t num_modules,
                    wasmrt_error *err);
void ct_plan_free(ct_plan *p);

void ct_component_retain(struct wasmrt_component *c);

struct wasmrt_component {
    atomic_uint refs;
    const wasmc_component_descriptor *desc;
    void *dl;                       /* owned; closed after the modules go */
    int fd;
    uint32_t num_modules;
    wasmrt_module **modules;
    ct_plan plan;
};

/* ctype.c: layout of one type from its (already laid out) children. */
bool ct_type_layout(struct wasmrt_ctype *t, wasmrt_error *err);
void ct_func_layout(struct wasmrt_cfunc *f);
/* Variant-likes (VARIANT, ENUM, OPTION, RESULT) as cases: their number,
 * and case i's payload type (NULL: none). */
bool ct_is_variant(const wasmrt_ctype *t);
uint32_t ct_num_cases(const wasmrt_ctype *t);
const wasmrt_ctype *ct_case_type(const wasmrt_ctype *t, uint32_t i);
/* Record-likes (RECORD, TUPLE): fields are children. */
bool ct_is_record(const wasmrt_ctype *t);
static inline uint32_t ct_align_to(uint32_t x, uint32_t a) { return (x + a - 1) & ~(a - 1); }

/* cval.c */
/* Whether v is a value of type t (kinds, ranges, case numbers, flags,
 * valid chars and UTF-8); err says where it is not. */
bool ct_value_check(const wasmrt_ctype *t, const wasmrt_cval *v, wasmrt_error *err);

/* ---- handles.c: a component instance's resource handle table ---- */
typedef struct ct_handle {
    bool used;
    bool own;
    uint32_t rep;
    uint32_t resource;
    uint32_t num_lends;
    uint64_t borrow_scope;          /* borrow: the call (task id) it was lent
                                       to, 0 none; an id, not a pointer, so a
                                       borrow that outlives its call (the call
                                       trapped) can reach nothing */
    uint32_t next_free;
} ct_handle;

typedef struct ct_table {
    ct_handle *h;                   /* h[0] is never used */
    uint32_t len, cap;
    uint32_t free_head;             /* 0: none */
} ct_table;

void ct_table_free(ct_table *t);
/* 0 when full (the reference's 2^28 entries) or out of memory. */
uint32_t ct_table_add(ct_table *t, ct_handle h);
ct_handle *ct_table_get(ct_table *t, uint32_t i);
void ct_table_remove(ct_table *t, uint32_t i);

/* ---- the canonical ABI ---- */
typedef struct ct_inst {            /* one plan cinstance in a wasmrt_cinstance */
    uint32_t parent;                /* UINT32_MAX: none */
    ct_table handles;
    bool may_enter, may_leave;
    /* A trap unwound through it: never entered again (Explainer.md,
     * component invariants: the lockdown state set upon trap). */
    bool poisoned;
} ct_inst;

typedef struct ct_cx ct_cx;
/* realloc(old_ptr, old_size, align, new_size) -> *out; false: it trapped
 * (cx->trap filled). */
typedef bool (*ct_realloc_fn)(ct_cx *cx, uint32_t old_ptr, uint32_t old_size, uint32_t align,
                              uint32_t new_size, uint32_t *out);

/* Strings crossing from one component to another keep their source's
 * encoding and code units (definitions.py's String is (src, encoding,
 * tagged code units)): the callee's realloc sequence depends on them.
 * Lifting appends, in value order; lowering the same values takes them in
 * the same order (matched by the lifted buffer's address). */
typedef struct ct_strsrc {
    const char *ptr;                /* the lifted (UTF-8) buffer */
    uint8_t encoding;               /* wasmc_string_encoding of the source */
    uint32_t tagged_units;          /* as the source stored them */
} ct_strsrc;
typedef struct ct_strq {
    ct_strsrc *v;
    size_t n, cap, next;
} ct_strq;
void ct_strq_free(ct_strq *q);

struct ct_cx {
    wasmc_memory *mem;              /* NULL: the options have none */
    uint8_t encoding;
    ct_realloc_fn realloc;          /* NULL: none */
    void *realloc_env;
    const ct_plan *plan;
    ct_inst *inst;                  /* the guest side of this lift/lower */
    uint32_t inst_index;
    uint32_t *borrow_scope;         /* lowering borrows into a callee: the
                                       call's count of live borrows */
    uint64_t scope_id;              /* and its task id */
    uint32_t *lenders;              /* lifting borrows: handles to release */
    uint32_t num_lenders, cap_lenders;
    ct_table *host_table;           /* the other side is the host: own/borrow
                                       of resources the component defines
                                       travel as handles in this table */
    uint32_t *host_borrows;         /* host-table entries lent for one call */
    uint32_t num_host_borrows, cap_host_borrows;
    uint64_t lifted;                /* values lifted so far (budget) */
    int exit_code;                  /* trap_code WASMC_TRAP_EXIT: the status */
    ct_strq *strq;                  /* component to component: strings'
                                       sources (NULL: the host's, UTF-8) */
    bool adapter;                   /* the other side is a component: a fused
                                       adapter's trap messages (wasmtime's
                                       wording the reference tests expect) */
    wasmrt_trap_code trap_code;     /* WASMC_TRAP_NONE until a trap */
    char trap_msg[256];
};

/* "handle index N used with the wrong type, expected ... but found ..."
 * (host: the handle is in the host's table). */
bool ct_wrong_type(ct_cx *cx, uint32_t i, bool host, uint32_t want, uint32_t got);
/* Whether resource r is one the component defines (not the host). */
bool ct_resource_defined(const ct_cx *cx, uint32_t r);
bool ct_trap(ct_cx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* canon_abi.c: values in linear memory. */
bool ct_load(ct_cx *cx, uint32_t ptr, const wasmrt_ctype *t, wasmrt_cval *out);
bool ct_store(ct_cx *cx, const wasmrt_cval *v, const wasmrt_ctype *t, uint32_t ptr);
bool ct_lift_string(ct_cx *cx, uint32_t ptr, uint32_t tagged_code_units, wasmrt_cval *out);
bool ct_lower_string(ct_cx *cx, const char *s, size_t len, uint32_t *ptr, uint32_t *code_units);
bool ct_lift_list(ct_cx *cx, uint32_t ptr, uint32_t length, const wasmrt_ctype *elem, wasmrt_cval *out);
bool ct_lower_list(ct_cx *cx, const wasmrt_cval *v, const wasmrt_ctype *elem, uint32_t *ptr);
bool ct_lift_char(ct_cx *cx, uint32_t i, wasmrt_cval *out);
bool ct_lift_own(ct_cx *cx, uint32_t i, const wasmrt_ctype *t, uint32_t *rep);
bool ct_lift_borrow(ct_cx *cx, uint32_t i, const wasmrt_ctype *t, uint32_t *rep);
bool ct_lower_own(ct_cx *cx, uint32_t rep, const wasmrt_ctype *t, uint32_t *i);
bool ct_lower_borrow(ct_cx *cx, uint32_t rep, const wasmrt_ctype *t, uint32_t *i);
/* After the call the borrows were lent for: the lenders' counts drop. */
void ct_release_lenders(ct_cx *cx);
/* Fresh memory from realloc(0, 0, align, size), checked for alignment
 * and bounds as the reference does at each call site. */
bool ct_allocate(ct_cx *cx, uint32_t align, uint64_t size, const char *what, uint32_t *ptr);

/* canon_flat.c: flat core values (bits of i32/i64/f32/f64 in uint64_t). */
bool ct_lift_flat(ct_cx *cx, const uint64_t *flat, uint32_t n, uint32_t *pos,
                  const wasmrt_ctype *t, wasmrt_cval *out);
bool ct_lower_flat(ct_cx *cx, const wasmrt_cval *v, const wasmrt_ctype *t, uint64_t *flat,
                   uint32_t *pos);
/* Parameters (max_flat 16) and results (max_flat 1), spilled through
 * memory when their flattening is longer:
 *   lift_values: from flat (a pointer when spilled); out[n] values;
 *   lower_values: into flat; spilled into memory from realloc when
 *   out_ptr is NULL (lift context), else at *out_ptr (the caller's
 *   return pointer, lower context).  Returns the flat count via *nflat. */
bool ct_lift_values(ct_cx *cx, uint32_t max_flat, const uint64_t *flat, uint32_t nflat,
                    const wasmrt_ctype *const *types, uint32_t n, wasmrt_cval *out);
bool ct_lower_values(ct_cx *cx, uint32_t max_flat, const wasmrt_cval *vals,
                     const wasmrt_ctype *const *types, uint32_t n, uint64_t *flat, uint32_t *nflat,
                     const uint32_t *out_ptr);
/* Flattening of a type sequence (saturating at CT_FLAT_CAP). */
uint32_t ct_flatten(const wasmrt_ctype *const *types, uint32_t n, uint8_t *out);
/* Size and alignment of a type sequence laid out as a tuple. */
void ct_tuple_layout(const wasmrt_ctype *const *types, uint32_t n, uint32_t *size, uint32_t *align);
/* The core signature of a lifted / lowered function (binary type codes):
 * params then results in sig; counts returned. */
void ct_core_sig(const struct wasmrt_cfunc *f, bool lower, uint8_t *sig, uint32_t *np, uint32_t *nr);

#endif
