/* The Component Model front end: a WebAssembly component (binary format,
 * version 0x0d, layer 1; the synchronous subset released with WASI 0.2)
 * decoded into definitions (cdecode.c), its types resolved and compared
 * (ctypes.c), evaluated into the flat plan of component_plan.h
 * (flatten.c, with the checks of cvalidate.c along the way) and encoded
 * (plan_write.c).  cdriver.c compiles the core modules and the plan into
 * one artifact.
 *
 * Definitions keep the order of the binary: a component is a list of
 * CDefs, each appending to one index space, so evaluation is one walk in
 * order (as validation is).  Everything lives in the component's arena;
 * core modules are decoded by the core decoder in place (their bytes stay
 * the caller's) and listed in order of appearance, depth first, which is
 * the order of the artifact's modules array.
 */
#ifndef WASMC_COMPONENT_H
#define WASMC_COMPONENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../arena.h"
#include "../error.h"
#include "../module.h"

/* Sorts (sortidx): component-level sort codes, with core sorts folded in
 * as 0x100 + core:sort. */
enum {
    CS_FUNC = 0x01, CS_VALUE = 0x02, CS_TYPE = 0x03, CS_COMPONENT = 0x04, CS_INSTANCE = 0x05,
    CS_CORE = 0x100,
    CS_CORE_FUNC = 0x100, CS_CORE_TABLE = 0x101, CS_CORE_MEMORY = 0x102, CS_CORE_GLOBAL = 0x103,
    CS_CORE_TAG = 0x104, CS_CORE_TYPE = 0x110, CS_CORE_MODULE = 0x111, CS_CORE_INSTANCE = 0x112,
};

/* A value type as written: a primitive (code 0x73..0x7f) or a type index. */
typedef struct CValRef {
    bool is_index;
    uint32_t v;       /* the primitive's code, or the type index */
} CValRef;

typedef enum CTypeDefKind {
    TD_PRIM, TD_RECORD, TD_VARIANT, TD_LIST, TD_TUPLE, TD_FLAGS, TD_ENUM, TD_OPTION, TD_RESULT,
    TD_OWN, TD_BORROW, TD_FUNC, TD_COMPONENT, TD_INSTANCE, TD_RESOURCE,
} CTypeDefKind;

struct CDecl;

/* A type definition as written (type section, or a declarator). */
typedef struct CTypeDef {
    CTypeDefKind kind;
    size_t offset;
    uint32_t n;           /* fields, cases, elements, labels, params, decls */
    const char **names;   /* record fields, variant cases, flags/enum labels, params */
    CValRef *types;       /* record fields, tuple elements, params; variant: per case */
    bool *has_type;       /* variant: case has a payload */
    CValRef a, b;         /* list / option element, result ok / err, func result */
    bool has_a, has_b;
    uint32_t index;       /* own / borrow: the resource type index */
    uint8_t prim;         /* TD_PRIM: its code */
    struct CDecl *decls;  /* component / instance type: the declarators */
    bool has_dtor;        /* resource */
    uint32_t dtor;        /* resource: core func index */
} CTypeDef;

/* An extern type (imports, exports, declarators). */
typedef struct CExternType {
    uint16_t sort;        /* CS_FUNC, CS_TYPE, CS_COMPONENT, CS_INSTANCE, CS_CORE_MODULE, CS_VALUE */
    uint32_t index;       /* the type index (func/component/instance/core module) */
    bool bound_sub;       /* type: (sub resource); else (eq index) */
} CExternType;

typedef struct CAlias {
    uint16_t sort;
    uint8_t tag;          /* 0 export, 1 core export, 2 outer */
    uint32_t instance;    /* export: the (core) instance; outer: the count */
    uint32_t index;       /* outer: the index */
    const char *name;
} CAlias;

/* Declarators of component and instance types. */
typedef enum CDeclKind { DECL_CORE_TYPE, DECL_TYPE, DECL_ALIAS, DECL_IMPORT, DECL_EXPORT } CDeclKind;
typedef struct CDecl {
    CDeclKind kind;
    size_t offset;
    CTypeDef *type;       /* DECL_TYPE */
    CAlias alias;         /* DECL_ALIAS */
    const char *name;     /* DECL_IMPORT / DECL_EXPORT */
    CExternType ext;
} CDecl;

typedef struct CSortIdx {
    uint16_t sort;
    uint32_t index;
} CSortIdx;

typedef struct CArg {
    const char *name;
    CSortIdx item;        /* core instantiation: always CS_CORE_INSTANCE */
} CArg;

/* Canonical options. */
typedef struct CCanonOpts {
    bool has_encoding, has_memory, has_realloc, has_post_return;
    uint8_t encoding;     /* wasmc_string_encoding */
    uint32_t memory, realloc, post_return;  /* core memory / func indices */
} CCanonOpts;

typedef enum CDefKind {
    DEF_CORE_MODULE, DEF_CORE_INSTANCE, DEF_CORE_TYPE, DEF_COMPONENT, DEF_INSTANCE, DEF_ALIAS,
    DEF_TYPE, DEF_CANON, DEF_IMPORT, DEF_EXPORT,
} CDefKind;

enum { CANON_LIFT, CANON_LOWER, CANON_RESOURCE_NEW, CANON_RESOURCE_DROP, CANON_RESOURCE_REP };

struct Component;

typedef struct CDef {
    CDefKind kind;
    size_t offset;
    union {
        uint32_t module;                  /* DEF_CORE_MODULE: into CFile.modules */
        struct {                          /* DEF_CORE_INSTANCE, DEF_INSTANCE */
            bool instantiate;
            uint32_t of;                  /* the module / component index */
            uint32_t n;
            CArg *args;                   /* instantiate args, or inline exports */
        } inst;
        struct Component *component;      /* DEF_COMPONENT */
        CAlias alias;                     /* DEF_ALIAS */
        CTypeDef *type;                   /* DEF_TYPE */
        struct {                          /* DEF_CORE_TYPE */
            bool is_module;
            FuncType func;
        } core_type;
        struct {                          /* DEF_CANON */
            uint8_t op;
            uint32_t func;                /* lift: core func; lower: func */
            uint32_t type;                /* lift: func type; resource.*: resource type */
            CCanonOpts opts;
        } canon;
        struct {                          /* DEF_IMPORT, DEF_EXPORT */
            const char *name;
            CExternType ext;              /* import; export: when has_ext */
            bool has_ext;
            CSortIdx item;                /* export */
        } ie;
    } u;
} CDef;

typedef struct Component {
    uint32_t num_defs;
    CDef *defs;
    size_t offset;        /* of its preamble */
} Component;

typedef struct CModule {
    Module m;
    size_t offset;        /* of the module's first byte in the file */
    size_t size;
} CModule;

/* A decoded component file. */
typedef struct CFile {
    Arena arena;
    const uint8_t *bytes;
    size_t size;
    Component *root;
    uint32_t num_modules;
    CModule *modules;     /* all core modules, depth first */
    const char *name;     /* the component-name subsection, or NULL */
} CFile;

/* Is this the preamble of a component (magic, version 0x0d, layer 1)? */
bool component_is_component(const uint8_t *bytes, size_t size);

/* Decode (including each core module's decoding and validation, offsets
 * relative to the component file).  On failure *out needs no release. */
bool component_decode(const uint8_t *bytes, size_t size, CFile *out, WasmError *err);
void component_free(CFile *f);

/* The plan and what it needs from the modules, built by flatten.c. */
typedef struct CPlan {
    uint8_t *bytes;
    size_t size;
} CPlan;

/* Validate and flatten the root component into *plan (malloc'd bytes). */
bool component_flatten(const CFile *f, CPlan *plan, WasmError *err);

#endif
