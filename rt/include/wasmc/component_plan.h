/* The component plan: the contract between wasmc's component front end
 * (compiler/component/) and libwasmrt's component runtime (rt/component/).
 *
 * A component artifact is an ordinary wasmc artifact (trailer, SHA-256,
 * one ELF shared object) whose code holds every core module of the
 * component, each compiled by the core pipeline under its own symbol
 * prefix, and which exports WASMC_COMPONENT_SYMBOL instead of
 * WASMC_DESCRIPTOR_SYMBOL: a wasmc_component_descriptor pointing at the
 * core modules' descriptors and at the plan.
 *
 * The plan is what Wasmtime's translator calls the component's "global
 * initializers": the compiler has already resolved the component's nested
 * components, instantiations, aliases and type references, so the runtime
 * needs no compiler and no component decoder, only this flat list of
 * steps.  Index spaces in the plan are dense and defined by order:
 *   core instances  - one per INSTANTIATE step, in plan order;
 *   lowered funcs   - one per LOWER / RESOURCE_NEW / RESOURCE_DROP /
 *                     RESOURCE_REP step, in plan order (core functions the
 *                     runtime makes: trampolines into the canonical ABI);
 *   lifted funcs    - one per LIFT step, in plan order;
 *   types, functypes, resources, component instances, imports - their
 *                     vectors below.
 * A reference in a step points only backwards (to an index already
 * defined when the step runs); the runtime checks every index anyway and
 * refuses a plan that breaks a rule with a one-line error, never a fault.
 *
 * Encoding: the Wasm binary format's conventions.  u32 = unsigned LEB128
 * (at most 5 bytes); byte = one byte; name = u32 length + UTF-8 bytes;
 * vec(X) = u32 count + count X's; opt(X) = byte 0 | byte 1 X.
 *
 *   plan       := magic:"WCPL" version:u32(=WASMC_PLAN_VERSION)
 *                 vec(valtype) vec(functype) vec(cinstance) vec(resource)
 *                 vec(import) vec(step) vec(export)
 *   valtype    := kind:byte (wasmc_cval_kind) payload, payload by kind:
 *                   BOOL..STRING  -
 *                   LIST          elem:u32
 *                   RECORD        vec(name type:u32)      (>= 1 field)
 *                   TUPLE         vec(type:u32)           (>= 1)
 *                   VARIANT       vec(name opt(type:u32)) (>= 1 case)
 *                   ENUM          vec(name)               (>= 1)
 *                   OPTION        type:u32
 *                   RESULT        opt(type:u32) opt(type:u32)  (ok, err)
 *                   FLAGS         vec(name)               (1..32)
 *                   OWN, BORROW   resource:u32
 *                 a valtype refers only to valtypes before it (no cycles).
 *   functype   := vec(name type:u32) params, opt(type:u32) result
 *   cinstance  := parent:u32    one per component instance the runtime
 *                 creates (0 = none, else parent index + 1; the parent is
 *                 an earlier entry).  Each has its own handle table and
 *                 may_enter / may_leave flags (CanonicalABI.md).
 *   resource   := byte 0 import:u32          a resource type the host
 *                                            defines (an import of kind
 *                                            RESOURCE)
 *               | byte 1 cinstance:u32 opt(coredef)  defined by that
 *                                            component instance, rep i32,
 *                                            with its destructor, if any
 *   import     := iface:name item:name kind:byte, by kind:
 *                   FUNC      functype:u32
 *                   RESOURCE  -
 *                 iface is the imported instance's full name
 *                 ("wasi:cli/stdout@0.2.0", semver included) or "" for a
 *                 function or type the component imports directly.
 *   coredef    := byte 0 core_instance:u32 export:u32  export number
 *                            `export` of that core instance's module
 *                            (its descriptor's exports[] order)
 *               | byte 1 lowered:u32                  a lowered func
 *   step       := byte op (wasmc_plan_op), by op:
 *                   INSTANTIATE   module:u32 vec(coredef)  one coredef per
 *                                 import of that module, in its
 *                                 descriptor's imports[] order
 *                   LOWER         callee opts functype:u32
 *                   RESOURCE_NEW  resource:u32 cinstance:u32
 *                   RESOURCE_DROP resource:u32 cinstance:u32
 *                   RESOURCE_REP  resource:u32 cinstance:u32
 *                   LIFT          coredef(func) opts functype:u32
 *                                 opt(coredef) post-return
 *   callee     := byte 0 import:u32 | byte 1 lifted:u32
 *   opts       := cinstance:u32 encoding:byte (wasmc_string_encoding)
 *                 opt(coredef) memory  opt(coredef) realloc
 *   export     := iface:name item:name kind:byte, by kind:
 *                   FUNC      lifted:u32
 *                   RESOURCE  resource:u32
 *                 iface as for imports ("" for a direct export).
 *
 * Bump WASMC_PLAN_VERSION (and WASMC_FORMAT_VERSION) on any change.
 */
#ifndef WASMC_COMPONENT_PLAN_H
#define WASMC_COMPONENT_PLAN_H

#include <stdint.h>

#include "artifact.h"

#define WASMC_COMPONENT_SYMBOL "wasmc_component"
#define WASMC_COMPONENT_MAGIC 0x504D4357u /* "WCMP" little-endian */
#define WASMC_PLAN_MAGIC "WCPL"           /* 4 bytes, no NUL */
#define WASMC_PLAN_VERSION 1u

/* Exported by a component artifact in place of wasmc_descriptor. */
typedef struct wasmc_component_descriptor {
    uint32_t magic;                /* WASMC_COMPONENT_MAGIC */
    uint32_t format_version;       /* WASMC_FORMAT_VERSION */
    uint32_t num_modules;
    uint32_t pad_;
    const wasmc_descriptor *const *modules; /* [num_modules]: the core modules */
    const uint8_t *plan;           /* the encoding above */
    uint64_t plan_size;
    const char *component_name;    /* from the component's name section, or NULL */
} wasmc_component_descriptor;

/* Component value kinds, in the order of their binary type codes
 * (bool = 0x7f ... string = 0x73, then the defined types).  The same enum
 * names values in libwasmrt's API (wasmrt_component.h). */
#define WASMC_CVAL_KINDS(X)                                                    \
    X(BOOL, "bool") X(S8, "s8") X(U8, "u8") X(S16, "s16") X(U16, "u16")        \
    X(S32, "s32") X(U32, "u32") X(S64, "s64") X(U64, "u64") X(F32, "f32")      \
    X(F64, "f64") X(CHAR, "char") X(STRING, "string") X(LIST, "list")          \
    X(RECORD, "record") X(TUPLE, "tuple") X(VARIANT, "variant")                \
    X(ENUM, "enum") X(OPTION, "option") X(RESULT, "result")                    \
    X(FLAGS, "flags") X(OWN, "own") X(BORROW, "borrow")

typedef enum wasmc_cval_kind {
#define WASMC_CVAL_ENUM_(id, wit) WASMC_CVAL_##id,
    WASMC_CVAL_KINDS(WASMC_CVAL_ENUM_)
#undef WASMC_CVAL_ENUM_
    WASMC_CVAL_COUNT_
} wasmc_cval_kind;

typedef enum wasmc_string_encoding {
    WASMC_STRING_UTF8 = 0,
    WASMC_STRING_UTF16 = 1,
    WASMC_STRING_LATIN1_UTF16 = 2,
} wasmc_string_encoding;

typedef enum wasmc_plan_extern_kind {
    WASMC_PLAN_FUNC = 0,
    WASMC_PLAN_RESOURCE = 1,
} wasmc_plan_extern_kind;

#define WASMC_PLAN_OPS(X)                                                      \
    X(INSTANTIATE, 0) X(LOWER, 1) X(RESOURCE_NEW, 2) X(RESOURCE_DROP, 3)       \
    X(RESOURCE_REP, 4) X(LIFT, 5)

typedef enum wasmc_plan_op {
#define WASMC_PLAN_OP_ENUM_(id, code) WASMC_PLAN_##id = code,
    WASMC_PLAN_OPS(WASMC_PLAN_OP_ENUM_)
#undef WASMC_PLAN_OP_ENUM_
    WASMC_PLAN_OP_COUNT_
} wasmc_plan_op;

/* Limits both sides enforce (the compiler refuses a component beyond
 * them; the runtime refuses a plan beyond them). */
#define WASMC_PLAN_MAX_ITEMS 1000000u   /* entries of any one vector */
#define WASMC_PLAN_MAX_FLAGS 32u
#define WASMC_PLAN_MAX_TYPE_DEPTH 100u  /* nesting of valtypes */

#endif
