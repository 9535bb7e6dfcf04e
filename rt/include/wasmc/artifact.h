/* The artifact contract between wasmc (the compiler) and wasmrt (the runtime).
 *
 * This header is the one place where the two agree on anything.  A wasmc
 * artifact is an ELF shared object that
 *   1. ends with a wasmc_trailer (appended after the ELF image; the ELF
 *      loader ignores trailing bytes), which the runtime reads and checks —
 *      magic, format version, architecture, CPU features, SHA-256 of every
 *      byte before the trailer — BEFORE it maps or runs anything, and
 *   2. exports one symbol, WASMC_DESCRIPTOR_SYMBOL, a wasmc_descriptor with
 *      everything needed to instantiate the module.
 * Bump WASMC_FORMAT_VERSION on any change to a struct, an enum value, the
 * vmctx layout, the builtins table or the calling convention below; the
 * runtime refuses every other version.
 *
 * Calling convention of compiled code.  Every Wasm function is compiled to a
 * native function   RESULT f(wasmc_vmctx *vmctx, PARAMS...)   where the Wasm
 * types map to LLVM's i32/i64/float/double/<16 x i8>, references are
 * pointers, and RESULT is void, the single result, or an LLVM struct of the
 * results (multi-value; LLVM lowers it by the platform's rules, identically
 * for caller and callee since both are compiled by wasmc), in LLVM's tailcc
 * convention (format 6; C's register assignment, callee-popped stack
 * arguments, guaranteed tail calls for return_call).  A type with more than
 * 3 integer/reference or 4 float/vector results instead returns them
 * through a second pointer parameter, one wasmc_slot per result:
 *   void f(wasmc_vmctx *vmctx, wasmc_slot *out, PARAMS...).  Functions the
 * host calls go through the per-type entry trampoline (array in, array out),
 * so the runtime never needs to know native signatures.
 */
#ifndef WASMC_ARTIFACT_H
#define WASMC_ARTIFACT_H

#include <stdint.h>

/* 6: every Wasm function in tailcc (tail calls).  7: relative relocations
 * packed (DT_RELR, which the runtime checks its C library applies:
 * rt/load.c). */
#define WASMC_FORMAT_VERSION 7u
#define WASMC_DESCRIPTOR_MAGIC 0x434D5357u /* "WSMC" little-endian */
#define WASMC_DESCRIPTOR_SYMBOL "wasmc_descriptor"
#define WASMC_TRAILER_MAGIC "WASMCAF1"     /* 8 bytes, no NUL */

/* ---- Targets ------------------------------------------------------------ */

typedef enum wasmc_arch {
    WASMC_ARCH_X86_64 = 1,
    WASMC_ARCH_AARCH64 = 2,
} wasmc_arch;

/* CPU features an artifact may require (bit set = code uses it).  The
 * compiler records the features of the --cpu it generated for; the runtime
 * refuses an artifact whose features the host lacks. */
enum {
    /* x86-64 */
    WASMC_CPU_X86_SSE3 = 1u << 0,
    WASMC_CPU_X86_SSSE3 = 1u << 1,
    WASMC_CPU_X86_SSE41 = 1u << 2,
    WASMC_CPU_X86_SSE42 = 1u << 3,
    WASMC_CPU_X86_POPCNT = 1u << 4,
    WASMC_CPU_X86_LZCNT = 1u << 5,
    WASMC_CPU_X86_BMI1 = 1u << 6,
    WASMC_CPU_X86_BMI2 = 1u << 7,
    WASMC_CPU_X86_AVX = 1u << 8,
    WASMC_CPU_X86_AVX2 = 1u << 9,
    WASMC_CPU_X86_FMA = 1u << 10,
    WASMC_CPU_X86_AVX512F = 1u << 11,
    /* aarch64 (NEON/ASIMD and FP are baseline) */
    WASMC_CPU_ARM_LSE = 1u << 16,
    WASMC_CPU_ARM_CRC = 1u << 17,
    WASMC_CPU_ARM_DOTPROD = 1u << 18,
    WASMC_CPU_ARM_RCPC = 1u << 19,
    WASMC_CPU_ARM_FP16 = 1u << 20,
    WASMC_CPU_ARM_SVE = 1u << 21,
};

typedef enum wasmc_memory_mode {
    /* A fixed reservation of reserve_bytes (4 GiB + guard) behind the
     * linear memory base, inaccessible beyond the current size: accesses
     * whose static offset fits in the guard carry no check. */
    WASMC_MEMORY_GUARD_PAGES = 1,
    /* Every access compares against the current size. */
    WASMC_MEMORY_BOUNDS_CHECKS = 2,
} wasmc_memory_mode;

#define WASMC_WASM_PAGE_SIZE 65536u
/* The runtime never lets a 32-bit linear memory reach 65536 pages (the
 * spec allows an implementation limit below the type's maximum).  Compiled
 * code relies on it: once an access at i32 address x has succeeded,
 * x < 2^32 - 65536, so x + c cannot wrap for any c < 65536 and the
 * compiler marks such additions `nuw` (compiler/opt/address_nuw.c),
 * which is what lets LLVM see consecutive accesses and widen induction
 * variables.  Part of the contract: changing it needs a format bump. */
#define WASMC_MAX_MEMORY_PAGES 65535u
#define WASMC_GUARD_BYTES (32ull << 20)                 /* past 4 GiB */
#define WASMC_RESERVE_BYTES ((4ull << 30) + WASMC_GUARD_BYTES)

/* ---- The trailer (checked before dlopen) -------------------------------- */

typedef struct wasmc_trailer {
    char magic[8];                 /* WASMC_TRAILER_MAGIC */
    uint32_t format_version;       /* WASMC_FORMAT_VERSION */
    uint32_t arch;                 /* wasmc_arch */
    uint64_t cpu_features;         /* WASMC_CPU_* the code requires */
    uint32_t memory_mode;          /* wasmc_memory_mode */
    uint32_t trailer_size;         /* sizeof(wasmc_trailer) */
    uint64_t payload_size;         /* bytes before the trailer */
    uint8_t payload_sha256[32];    /* SHA-256 of those bytes */
    uint8_t module_sha256[32];     /* SHA-256 of the input .wasm */
    char compiler_version[32];     /* NUL-padded, e.g. "wasmc 0.1.0" */
} wasmc_trailer;                   /* all fields little-endian */

/* ---- The signature block (optional, after the trailer) ------------------ */

/* `wasmc --sign KEY` appends one wasmc_signature after the trailer:
 *     payload | wasmc_trailer | wasmc_signature
 * An artifact is signed exactly when it ends with WASMC_SIGNATURE_MAGIC;
 * the trailer then sits just before the block (payload_size and the
 * SHA-256 are unchanged by signing).  `signature` is Ed25519 (RFC 8032)
 * over every byte before it: the payload, the trailer and the block's
 * algorithm, block_size and public_key.  The runtime checks the block's
 * shape on every load, and with trusted keys (wasmrt --trusted-keys DIR,
 * wasmrt_module_load_signed) verifies the signature before any byte is
 * mapped executable.  Unsigned artifacts are unchanged, so this needs no
 * new format version. */
#define WASMC_SIGNATURE_MAGIC "WASMCSG1"   /* 8 bytes, no NUL, last in the file */
#define WASMC_SIG_ED25519 1u

typedef struct wasmc_signature {
    uint32_t algorithm;            /* WASMC_SIG_ED25519 */
    uint32_t block_size;           /* sizeof(wasmc_signature) */
    uint8_t public_key[32];        /* the signer's Ed25519 public key */
    uint8_t signature[64];         /* over every byte before this field */
    char magic[8];                 /* WASMC_SIGNATURE_MAGIC */
} wasmc_signature;                 /* all fields little-endian */

/* Key files (`wasmc --keygen PREFIX` writes PREFIX.key, mode 0600, and
 * PREFIX.pub): one line, the prefix below then 64 lowercase hex digits —
 * the 32-byte Ed25519 seed or public key — then a newline. */
#define WASMC_SECRET_KEY_PREFIX "wasmc-ed25519-secret-key "
#define WASMC_PUBLIC_KEY_PREFIX "wasmc-ed25519-public-key "

/* ---- Traps -------------------------------------------------------------- */

/* Trap codes; messages are the spec suite's texts (wasmrt_trap_message). */
typedef enum wasmc_trap_code {
    WASMC_TRAP_NONE = 0,
    WASMC_TRAP_UNREACHABLE = 1,          /* "unreachable" */
    WASMC_TRAP_INT_DIV_ZERO = 2,         /* "integer divide by zero" */
    WASMC_TRAP_INT_OVERFLOW = 3,         /* "integer overflow" */
    WASMC_TRAP_INVALID_CONVERSION = 4,   /* "invalid conversion to integer" */
    WASMC_TRAP_MEMORY_OOB = 5,           /* "out of bounds memory access" */
    WASMC_TRAP_TABLE_OOB = 6,            /* "out of bounds table access" */
    WASMC_TRAP_UNDEFINED_ELEMENT = 7,    /* "undefined element" */
    WASMC_TRAP_UNINITIALIZED_ELEMENT = 8,/* "uninitialized element" */
    WASMC_TRAP_INDIRECT_CALL_TYPE = 9,   /* "indirect call type mismatch" */
    WASMC_TRAP_STACK_EXHAUSTED = 10,     /* "call stack exhausted" */
    WASMC_TRAP_INTERRUPTED = 11,         /* "interrupted" (deadline/epoch) */
    WASMC_TRAP_HOST = 12,                /* a host function failed */
    WASMC_TRAP_EXIT = 13,                /* WASI proc_exit: not an error */
    WASMC_TRAP_CANON = 14,               /* a component broke a canonical-ABI
                                            rule; wasmrt_trap.host_message says
                                            which ("invalid utf-8", ...) */
    WASMC_TRAP_COUNT_
} wasmc_trap_code;

/* ---- Shared runtime objects compiled code reads ------------------------- */

/* Values crossing the host boundary: 16 bytes, any Wasm type. */
typedef union wasmc_slot {
    uint32_t i32;
    uint64_t i64;
    float f32;
    double f64;
    uint8_t v128[16];
    void *ref;
} wasmc_slot;

/* Per-store limits shared by every instance of a store. */
typedef struct wasmc_limits {
    uintptr_t stack_limit;         /* prologues trap when sp < stack_limit */
    volatile uint32_t interrupt;   /* non-zero: interrupt requested. Code built with
                                      --interrupt=poll tests it at loop headers and calls
                                      builtins->interrupted; by default the runtime
                                      signals the running thread (SIGURG) instead */
    uint32_t pad_;
} wasmc_limits;

typedef struct wasmc_memory {
    uint8_t *base;                 /* never moves for the memory's life */
    uint64_t size;                 /* current size in bytes */
    /* runtime-private fields follow in the runtime's own struct */
} wasmc_memory;

/* A function reference: what a funcref value points to (NULL is ref.null). */
typedef struct wasmc_funcref {
    void *code;                    /* native-signature entry */
    void *vmctx;                   /* first argument to pass to code */
    uint32_t type_id;              /* canonical signature id (runtime-wide) */
    uint32_t pad_;
} wasmc_funcref;

typedef struct wasmc_table {
    void **elems;                  /* funcref: wasmc_funcref*; externref: opaque */
    uint32_t size;                 /* current number of elements */
    uint32_t pad_;
    /* runtime-private fields follow */
} wasmc_table;

/* An imported function as the importer calls it. */
typedef struct wasmc_import_func {
    void *code;
    void *vmctx;
} wasmc_import_func;

/* A host function, reached from compiled code through the per-type host
 * trampoline:  RESULT tramp(wasmc_host_record *rec, PARAMS...)  packs the
 * params into slots, calls rec->fn(rec->env, rec->caller, slots) and returns
 * the results from the same slots (as many slots as max(params, results)). */
typedef void (*wasmc_host_fn)(void *env, void *caller_instance, wasmc_slot *args_results);
typedef struct wasmc_host_record {
    wasmc_host_fn fn;
    void *env;
    void *caller;                  /* the runtime's instance that imported it */
} wasmc_host_record;

/* The per-type entry trampoline, for host -> Wasm calls. */
typedef void (*wasmc_entry_fn)(void *code, void *vmctx, wasmc_slot *args_results);

/* ---- Builtins: runtime functions compiled code calls -------------------- */

struct wasmc_vmctx;

/* builtins.def's type names, for the C side. */
#define WASMC_BT_VOID void
#define WASMC_BT_I32 uint32_t
#define WASMC_BT_PTR void *
#define WASMC_BT_VMCTX struct wasmc_vmctx *
/* WASMC_BT_MAP(P, VMCTX, I32, ...) -> P##VMCTX, P##I32, ... (up to 6): a
 * builtin's type names under the prefix P (the compiler maps them to LLVM
 * types with its own); WASMC_BT_LIST: to the C types above. */
#define WASMC_BT_CAT_(a, b) a##b
#define WASMC_BT_CAT(a, b) WASMC_BT_CAT_(a, b)
#define WASMC_BT_COUNT_(_1, _2, _3, _4, _5, _6, n, ...) n
#define WASMC_BT_COUNT(...) WASMC_BT_COUNT_(__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define WASMC_BT_MAP(P, ...) WASMC_BT_CAT(WASMC_BT_MAP, WASMC_BT_COUNT(__VA_ARGS__))(P, __VA_ARGS__)
#define WASMC_BT_MAP1(P, a) P##a
#define WASMC_BT_MAP2(P, a, b) P##a, P##b
#define WASMC_BT_MAP3(P, a, b, c) P##a, WASMC_BT_MAP2(P, b, c)
#define WASMC_BT_MAP4(P, a, b, c, d) P##a, WASMC_BT_MAP3(P, b, c, d)
#define WASMC_BT_MAP5(P, a, b, c, d, e) P##a, WASMC_BT_MAP4(P, b, c, d, e)
#define WASMC_BT_MAP6(P, a, b, c, d, e, f) P##a, WASMC_BT_MAP5(P, b, c, d, e, f)
#define WASMC_BT_LIST(...) WASMC_BT_MAP(WASMC_BT_, __VA_ARGS__)

/* One function pointer per builtins.def entry, in its order (see there
 * for each one's arguments, result and traps). */
typedef struct wasmc_builtins {
#define BUILTIN(NAME, RESULT, TRAPS, PARAMS) WASMC_BT_##RESULT (*NAME)(WASMC_BT_LIST PARAMS);
#include "builtins.def"
#undef BUILTIN
} wasmc_builtins;

/* Builtin ids (builtins.def order), for the compiler's table. */
typedef enum wasmc_builtin_id {
#define BUILTIN(NAME, RESULT, TRAPS, PARAMS) WASMC_BUILTIN_##NAME,
#include "builtins.def"
#undef BUILTIN
    WASMC_BUILTIN_COUNT_
} wasmc_builtin_id;

/* ---- The instance context (vmctx) --------------------------------------- */

/* Fixed header; the variable part follows at offsets wasmc_vmctx_layout
 * computes from the module's counts, so compiler and runtime cannot
 * disagree on where anything is. */
typedef struct wasmc_vmctx {
    wasmc_limits *limits;              /* the store's limits */
    const wasmc_builtins *builtins;
    wasmc_memory *memory0;             /* NULL when the module has no memory */
    uint8_t *memory0_base;             /* == memory0->base (never moves) */
    void *instance;                    /* the runtime's instance object */
    uint64_t reserved_[3];
} wasmc_vmctx;

typedef struct wasmc_vmctx_counts {
    uint32_t num_types;
    uint32_t num_imported_funcs;
    uint32_t num_funcs;                /* imported + defined */
    uint32_t num_tables;
    uint32_t num_memories;
    uint32_t num_globals;
    uint32_t num_imported_globals;
} wasmc_vmctx_counts;

typedef struct wasmc_vmctx_layout {
    uint32_t type_ids;        /* uint32_t[num_types]: canonical signature ids */
    uint32_t imported_funcs;  /* wasmc_import_func[num_imported_funcs] */
    uint32_t tables;          /* wasmc_table *[num_tables] */
    uint32_t memories;        /* wasmc_memory *[num_memories] */
    uint32_t globals;         /* wasmc_slot *[num_globals]: every global's cell */
    uint32_t global_cells;    /* wasmc_slot[num_globals - num_imported_globals]:
                                 the defined globals' own cells */
    uint32_t funcrefs;        /* wasmc_funcref[num_funcs]: ref.func targets */
    uint32_t size;            /* total bytes */
} wasmc_vmctx_layout;

static inline uint32_t wasmc_align_up_(uint64_t x, uint32_t a) {
    return (uint32_t)((x + a - 1) & ~(uint64_t)(a - 1));
}

/* The one definition of the vmctx layout.  Sizes are bounded by the
 * compiler's module limits, so 32-bit offsets cannot overflow. */
static inline void wasmc_vmctx_layout_compute(const wasmc_vmctx_counts *c, wasmc_vmctx_layout *l) {
    uint64_t off = sizeof(wasmc_vmctx);
    l->type_ids = (uint32_t)off;
    off = wasmc_align_up_(off + 4ull * c->num_types, 16);
    l->imported_funcs = (uint32_t)off;
    off += sizeof(wasmc_import_func) * (uint64_t)c->num_imported_funcs;
    l->tables = (uint32_t)off;
    off += sizeof(void *) * (uint64_t)c->num_tables;
    l->memories = (uint32_t)off;
    off += sizeof(void *) * (uint64_t)c->num_memories;
    l->globals = (uint32_t)off;
    off = wasmc_align_up_(off + sizeof(void *) * (uint64_t)c->num_globals, 16);
    l->global_cells = (uint32_t)off;
    off += sizeof(wasmc_slot) * (uint64_t)(c->num_globals - c->num_imported_globals);
    l->funcrefs = (uint32_t)off;
    off += sizeof(wasmc_funcref) * (uint64_t)c->num_funcs;
    l->size = wasmc_align_up_(off, 16);
}

/* ---- The descriptor ----------------------------------------------------- */

typedef enum wasmc_extern_kind {
    WASMC_EXTERN_FUNC = 0,
    WASMC_EXTERN_TABLE = 1,
    WASMC_EXTERN_MEMORY = 2,
    WASMC_EXTERN_GLOBAL = 3,
} wasmc_extern_kind;

typedef enum wasmc_const_kind {
    WASMC_CONST_I32, WASMC_CONST_I64, WASMC_CONST_F32, WASMC_CONST_F64,
    WASMC_CONST_V128, WASMC_CONST_REF_NULL, WASMC_CONST_REF_FUNC,
    WASMC_CONST_GLOBAL_GET,
    /* An extended constant expression (3.0): `index` operations at the
     * address held in value.i64 (an array of wasmc_const_expr), run in
     * order on a stack: a kind above pushes its value, an arithmetic kind
     * below pops two and pushes the result.  The compiler keeps the stack
     * within WASMC_CONST_STACK values and the operations' types straight. */
    WASMC_CONST_PROGRAM,
    WASMC_CONST_I32_ADD, WASMC_CONST_I32_SUB, WASMC_CONST_I32_MUL,
    WASMC_CONST_I64_ADD, WASMC_CONST_I64_SUB, WASMC_CONST_I64_MUL,
} wasmc_const_kind;
#define WASMC_CONST_STACK 64u

typedef struct wasmc_const_expr {
    uint32_t kind;                 /* wasmc_const_kind */
    uint32_t index;                /* REF_FUNC: func index; GLOBAL_GET: global index */
    uint8_t type;                  /* value type (binary encoding) */
    uint8_t pad_[7];
    wasmc_slot value;              /* I32..V128 */
} wasmc_const_expr;

typedef struct wasmc_functype {
    uint32_t num_params, num_results;
    const uint8_t *types;          /* params then results, binary encodings */
    wasmc_entry_fn entry;          /* host -> Wasm */
    void *host_trampoline;         /* Wasm -> host (see wasmc_host_record) */
} wasmc_functype;

typedef struct wasmc_limits_desc {
    uint64_t min, max;             /* pages (memory) or elements (table) */
    uint32_t has_max;
    uint32_t pad_;
} wasmc_limits_desc;

typedef struct wasmc_import_desc {
    const char *module, *name;     /* UTF-8, NUL-terminated */
    uint32_t module_len, name_len; /* byte lengths (names may hold NUL) */
    uint32_t kind;                 /* wasmc_extern_kind */
    uint32_t index;                /* in the kind's index space */
} wasmc_import_desc;

typedef struct wasmc_export_desc {
    const char *name;
    uint32_t name_len;
    uint32_t kind;
    uint32_t index;
    uint32_t pad_;
} wasmc_export_desc;

typedef struct wasmc_table_desc {
    uint8_t elem_type;
    uint8_t imported;
    uint8_t pad_[6];
    wasmc_limits_desc limits;
} wasmc_table_desc;

typedef struct wasmc_memory_desc {
    uint8_t imported;
    uint8_t pad_[7];
    wasmc_limits_desc limits;      /* pages */
} wasmc_memory_desc;

typedef struct wasmc_global_desc {
    uint8_t type;
    uint8_t mutable_;
    uint8_t imported;
    uint8_t pad_[5];
    wasmc_const_expr init;         /* defined globals */
} wasmc_global_desc;

typedef enum wasmc_segment_mode {
    WASMC_SEG_ACTIVE = 0,
    WASMC_SEG_PASSIVE = 1,
    WASMC_SEG_DECLARATIVE = 2,
} wasmc_segment_mode;

typedef struct wasmc_elem_desc {
    uint32_t mode;
    uint32_t table_index;
    uint8_t elem_type;
    uint8_t pad_[3];
    uint32_t num_items;
    wasmc_const_expr offset;
    const wasmc_const_expr *items;
} wasmc_elem_desc;

typedef struct wasmc_data_desc {
    uint32_t mode;
    uint32_t memory_index;
    wasmc_const_expr offset;
    const uint8_t *bytes;
    uint64_t size;
} wasmc_data_desc;

typedef struct wasmc_descriptor {
    uint32_t magic;                /* WASMC_DESCRIPTOR_MAGIC */
    uint32_t format_version;       /* WASMC_FORMAT_VERSION */
    uint32_t arch;
    uint32_t memory_mode;
    uint64_t cpu_features;
    uint64_t reserve_bytes;        /* guard mode: reservation the code assumes */
    uint64_t guard_bytes;          /* guard mode: offsets below this are unchecked */
    uint8_t module_sha256[32];
    const char *compiler_version;
    const char *module_name;       /* from the name section, or NULL */

    wasmc_vmctx_counts counts;
    wasmc_vmctx_layout layout;

    uint32_t num_types;
    const wasmc_functype *types;

    uint32_t num_imports;
    const wasmc_import_desc *imports;

    uint32_t num_funcs, num_imported_funcs;
    const uint32_t *func_types;    /* [num_funcs] type index */
    void *const *func_code;        /* [num_funcs]; NULL for imported */
    const char *const *func_names; /* [num_funcs]; NULL entries when unnamed */

    uint32_t num_tables;
    const wasmc_table_desc *tables;
    uint32_t num_memories;
    const wasmc_memory_desc *memories;
    uint32_t num_globals;
    const wasmc_global_desc *globals;
    uint32_t num_exports;
    const wasmc_export_desc *exports;

    uint32_t has_start;
    uint32_t start_func;

    uint32_t num_elems;
    const wasmc_elem_desc *elems;
    uint32_t num_datas;
    const wasmc_data_desc *datas;

    /* [code_start, code_end): the artifact's compiled code, so the runtime
     * can tell a fault in guest code from one elsewhere. */
    const void *code_start, *code_end;

    /* 1: built without order barriers (a WASI command under
     * --trap-state=auto; compiler/lower/trap_order.c): stores, global.set
     * and table.set just before a trap may be missing, so the runtime
     * refuses to call into an instance that trapped. */
    uint32_t inexact_trap_state;
} wasmc_descriptor;

#endif
