/* Opcodes and the instruction reader shared by validator and lowering.
 *
 * Bodies stay in the input bytes; the validator and each lowering pass walk
 * them with instr_next(), which decodes one instruction and its immediates.
 * The decoder has already checked that every body decodes, so after
 * module_decode succeeds instr_next cannot fail on a body it accepted; it
 * still reports errors so the decoder itself can be built on it.
 */
#ifndef WASMC_INSTR_H
#define WASMC_INSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum Imm {
    IMM_NONE,
    IMM_BLOCKTYPE,     /* block_type */
    IMM_LABEL,         /* index = label depth */
    IMM_BR_TABLE,      /* br_table_count targets + default, read via instr_br_table_targets */
    IMM_FUNC,          /* index = funcidx */
    IMM_CALL_INDIRECT, /* index = typeidx, index2 = tableidx */
    IMM_LOCAL,         /* index */
    IMM_GLOBAL,        /* index */
    IMM_TABLE,         /* index = tableidx */
    IMM_MEMARG,        /* align (log2), offset */
    IMM_MEM,           /* index = memidx (must be 0 in 2.0) */
    IMM_I32,           /* imm.i32 */
    IMM_I64,           /* imm.i64 */
    IMM_F32,           /* imm.i32 holds the bits */
    IMM_F64,           /* imm.i64 holds the bits */
    IMM_SELECT_T,      /* select_count types at select_types */
    IMM_REFTYPE,       /* reftype */
    IMM_ELEM_TABLE,    /* index = elemidx, index2 = tableidx */
    IMM_TABLE_TABLE,   /* index = dst tableidx, index2 = src tableidx */
    IMM_ELEM,          /* index = elemidx */
    IMM_DATA_MEM,      /* index = dataidx, index2 = memidx */
    IMM_DATA,          /* index = dataidx */
    IMM_MEM_MEM,       /* index = dst memidx, index2 = src memidx */
    IMM_V128,          /* imm.v128 */
    IMM_SHUFFLE,       /* imm.v128 = 16 lane indices */
    IMM_LANE,          /* lane */
    IMM_MEMARG_LANE,   /* align, offset, lane */
} Imm;

typedef enum Opcode {
#define OP(code, name, text, imm, sig) OP_##name,
#define OP_FC(code, name, text, imm, sig) OP_##name,
#define OP_FD(code, name, text, imm, sig) OP_##name,
#include "opcodes.def"
#undef OP
#undef OP_FC
#undef OP_FD
    OP_COUNT_
} Opcode;

typedef struct OpInfo {
    const char *text;   /* "i32.add" */
    Imm imm;
    const char *sig;    /* see opcodes.def */
    uint8_t prefix;     /* 0, 0xFC or 0xFD */
    uint32_t code;      /* byte or sub-opcode */
} OpInfo;

extern const OpInfo op_info[OP_COUNT_];

/* Block types: empty, one value type, or a type index (multi-value). */
typedef enum BlockTypeKind { BT_EMPTY, BT_VALUE, BT_INDEX } BlockTypeKind;
typedef struct BlockType {
    BlockTypeKind kind;
    uint8_t valtype;    /* BT_VALUE */
    uint32_t index;     /* BT_INDEX: type index */
} BlockType;

typedef struct Instr {
    Opcode op;
    size_t offset;            /* byte offset of the opcode in the module */
    BlockType block_type;
    uint32_t index, index2;
    uint32_t align, lane;
    uint64_t mem_offset;      /* memarg offset (u32 in 2.0, kept wide for 64-bit memories) */
    uint8_t reftype;
    uint32_t select_count;
    uint8_t select_types[1];  /* 2.0: at most one type (validator rejects more) */
    uint32_t br_table_count;  /* targets excluding the default */
    size_t br_table_pos;      /* where the targets start, for instr_br_table_target */
    union {
        uint32_t i32;
        uint64_t i64;
        uint8_t v128[16];
    } imm;
} Instr;

typedef struct InstrReader {
    const uint8_t *bytes;   /* the whole module */
    size_t pos, end;        /* current offset and end of the body */
} InstrReader;

static inline void instr_reader_init(InstrReader *r, const uint8_t *bytes, size_t pos, size_t end) {
    r->bytes = bytes;
    r->pos = pos;
    r->end = end;
}

static inline bool instr_reader_done(const InstrReader *r) { return r->pos >= r->end; }

/* WebAssembly 3.0 features wasmc does not compile yet.  A module using one
 * is refused with WASM_ERR_UNSUPPORTED and the message
 * "unsupported feature NAME: what", NAME from this list, so a test runner
 * can count it as skipped by feature rather than failed. */
#define WASM_FEATURE_EXCEPTIONS "exceptions"
#define WASM_FEATURE_FUNC_REFS "function-references"
#define WASM_FEATURE_GC "gc"
#define WASM_FEATURE_MULTI_MEMORY "multi-memory"
#define WASM_FEATURE_MEMORY64 "memory64"
#define WASM_FEATURE_RELAXED_SIMD "relaxed-simd"
#define WASM_FEATURE_THREADS "threads"

bool wasm_unsupported(WasmError *err, size_t offset, const char *feature, const char *what);

/* The 3.0 feature a value-type byte belongs to (reference types beyond
 * funcref/externref), or NULL when it is no such byte. */
const char *valtype_feature(uint8_t b);

/* Decode the next instruction; false with a MALFORMED error on bad bytes
 * (UNSUPPORTED, see above, for a 3.0 instruction wasmc does not compile). */
bool instr_next(InstrReader *r, Instr *out, WasmError *err);

/* Fill out[0..br_table_count] with the br_table targets, the default last.
 * Only valid for an instruction returned by instr_next on the same bytes;
 * `out` must hold br_table_count + 1 entries. */
void instr_br_table_targets(const uint8_t *bytes, const Instr *in, uint32_t *out);

#endif
