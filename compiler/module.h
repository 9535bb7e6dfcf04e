/* The decoded module: what the decoder produces, the validator checks, and
 * the lowering reads.
 *
 * The module keeps a pointer to the input bytes (owned by the caller, which
 * must keep them alive as long as the module) and refers into them by offset
 * for function bodies, data segment contents and names, so decoding copies
 * nothing large.  Everything else lives in the module's arena.
 *
 * Index spaces follow the spec: imported functions/tables/memories/globals
 * come first, then the defined ones, so `funcs[i]` for i < num_imported_funcs
 * describes an import.
 */
#ifndef WASMC_MODULE_H
#define WASMC_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "error.h"

/* Value types use their binary encodings. */
typedef enum ValType {
    VT_I32 = 0x7F,
    VT_I64 = 0x7E,
    VT_F32 = 0x7D,
    VT_F64 = 0x7C,
    VT_V128 = 0x7B,
    VT_FUNCREF = 0x70,
    VT_EXTERNREF = 0x6F,
} ValType;

static inline bool valtype_is_ref(uint8_t t) { return t == VT_FUNCREF || t == VT_EXTERNREF; }
const char *valtype_name(uint8_t t);

typedef struct FuncType {
    uint32_t num_params, num_results;
    uint8_t *params;   /* ValType each */
    uint8_t *results;
} FuncType;

typedef struct Limits {
    uint64_t min;
    uint64_t max;
    bool has_max;
} Limits;

typedef enum ExternKind {
    EXTERN_FUNC = 0,
    EXTERN_TABLE = 1,
    EXTERN_MEMORY = 2,
    EXTERN_GLOBAL = 3,
} ExternKind;

typedef struct Name {
    const char *str;   /* NUL-terminated copy in the arena (valid UTF-8) */
    uint32_t len;
} Name;

/* A constant expression (global initialisers, segment offsets, element
 * items).  Wasm 2.0 allows exactly one instruction before `end`; 3.0 also
 * i32/i64 add, sub and mul (CONST_EXTENDED).  The kinds' values are the
 * artifact's wasmc_const_kind. */
typedef enum ConstExprKind {
    CONST_I32, CONST_I64, CONST_F32, CONST_F64, CONST_V128,
    CONST_REF_NULL,   /* value.type = VT_FUNCREF or VT_EXTERNREF */
    CONST_REF_FUNC,   /* index = function index */
    CONST_GLOBAL_GET, /* index = global index */
    CONST_EXTENDED,   /* several instructions (3.0 extended constant
                       * expressions): re-read from offset..end */
} ConstExprKind;

typedef struct ConstExpr {
    ConstExprKind kind;
    uint8_t type;        /* the ValType the expression produces */
    uint32_t index;      /* REF_FUNC, GLOBAL_GET */
    union {
        uint32_t i32;    /* also f32 bits */
        uint64_t i64;    /* also f64 bits */
        uint8_t v128[16];
    } value;
    size_t offset;       /* byte offset of the expression, for errors */
    size_t end;          /* one past its `end` opcode; 0 when the item was a
                          * bare function index (element kinds 0-3), which
                          * has no expression for the validator to re-walk */
} ConstExpr;

typedef struct Import {
    Name module, field;
    ExternKind kind;
    uint32_t index;     /* index in the kind's index space it occupies */
} Import;

typedef struct Export {
    Name name;
    ExternKind kind;
    uint32_t index;
} Export;

typedef struct Func {
    uint32_t type_index;
    bool imported;
    uint32_t import_index;      /* into Module.imports, when imported */
    /* defined functions only: */
    size_t body_offset;         /* first byte of the locals vector */
    size_t body_end;            /* one past the final `end` */
    size_t code_offset;         /* first instruction (after locals) */
    uint32_t num_locals;        /* declared locals, params excluded */
    uint8_t *local_types;       /* num_locals entries, expanded */
    Name name;                  /* from the name section; str NULL if none */
} Func;

typedef struct Table {
    uint8_t elem_type;   /* VT_FUNCREF or VT_EXTERNREF */
    Limits limits;       /* 32-bit in Wasm 2.0 */
    bool imported;
    uint32_t import_index;
} Table;

typedef struct Memory {
    Limits limits;       /* in 64 KiB pages */
    bool imported;
    uint32_t import_index;
} Memory;

typedef struct Global {
    uint8_t type;
    bool mutable_;
    bool imported;
    uint32_t import_index;
    ConstExpr init;      /* defined globals only */
} Global;

typedef enum SegmentMode {
    SEG_ACTIVE,
    SEG_PASSIVE,
    SEG_DECLARATIVE,     /* element segments only */
} SegmentMode;

typedef struct ElemSegment {
    SegmentMode mode;
    uint8_t elem_type;       /* VT_FUNCREF or VT_EXTERNREF */
    uint32_t table_index;    /* active only */
    ConstExpr offset;        /* active only */
    uint32_t num_items;
    ConstExpr *items;        /* each REF_FUNC, REF_NULL or GLOBAL_GET */
} ElemSegment;

typedef struct DataSegment {
    SegmentMode mode;
    uint32_t memory_index;   /* active only */
    ConstExpr offset;        /* active only */
    size_t data_offset;      /* into Module.bytes */
    uint32_t size;
} DataSegment;

typedef struct CustomSection {
    Name name;
    size_t offset;           /* contents, into Module.bytes */
    size_t size;
} CustomSection;

typedef struct Module {
    Arena arena;
    const uint8_t *bytes;    /* the input, owned by the caller */
    size_t size;

    uint32_t num_types;
    FuncType *types;

    uint32_t num_imports;
    Import *imports;

    uint32_t num_funcs, num_imported_funcs;
    Func *funcs;

    uint32_t num_tables, num_imported_tables;
    Table *tables;

    uint32_t num_memories, num_imported_memories;
    Memory *memories;

    uint32_t num_globals, num_imported_globals;
    Global *globals;

    uint32_t num_exports;
    Export *exports;

    bool has_start;
    uint32_t start_func;

    uint32_t num_elems;
    ElemSegment *elems;

    bool has_data_count;
    uint32_t data_count;
    uint32_t num_datas;
    DataSegment *datas;

    uint32_t num_customs;
    CustomSection *customs;

    Name module_name;        /* from the name section, str NULL if none */

    /* Functions referenced outside function bodies (exports, element
     * segments, global initialisers): the only ones `ref.func` may name
     * (the spec's C.refs).  Indexed by function index; set by the decoder. */
    bool *func_declared;
} Module;

/* Decode a binary module.  On success fills *out (release with
 * module_free).  On failure returns false with a WASM_ERR_MALFORMED (or
 * LIMIT) error whose offset points at the offending byte; *out needs no
 * release then.  The decoder checks everything the binary format requires,
 * including function bodies' instruction encodings, but no typing. */
bool module_decode(const uint8_t *bytes, size_t size, Module *out, WasmError *err);

/* Validate a decoded module per the spec; WASM_ERR_INVALID on failure. */
bool module_validate(const Module *m, WasmError *err);

void module_free(Module *m);

/* The type of function `func_index`. */
static inline const FuncType *module_func_type(const Module *m, uint32_t func_index) {
    return &m->types[m->funcs[func_index].type_index];
}

#endif
