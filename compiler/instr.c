/* The instruction reader: decodes one instruction and its immediates.
 *
 * Opcode lookup uses three dense tables (plain, 0xFC-prefixed, 0xFD-
 * prefixed) built at compile time from opcodes.def, storing enum+1 so a
 * zero entry means "illegal opcode".  The immediate shape comes from
 * op_info[op].imm, so adding an opcode to the table is all it takes for the
 * reader to handle it.  Nothing here allocates: br_table targets and select
 * type vectors are only checked in place, and br_table targets are re-read
 * on demand by instr_br_table_targets.  Every loop consumes at least one
 * byte per iteration, so hostile counts cannot make it spin.
 */
#include "instr.h"

#include <stdio.h>
#include <string.h>

#include "leb128.h"

static const uint16_t op_plain[256] = {
#define OP(code, name, text, imm, sig) [code] = OP_##name + 1,
#define OP_FC(code, name, text, imm, sig)
#define OP_FD(code, name, text, imm, sig)
#include "opcodes.def"
#undef OP
#undef OP_FC
#undef OP_FD
};

static const uint16_t op_fc[32] = {
#define OP(code, name, text, imm, sig)
#define OP_FC(code, name, text, imm, sig) [code] = OP_##name + 1,
#define OP_FD(code, name, text, imm, sig)
#include "opcodes.def"
#undef OP
#undef OP_FC
#undef OP_FD
};

static const uint16_t op_fd[256] = {
#define OP(code, name, text, imm, sig)
#define OP_FC(code, name, text, imm, sig)
#define OP_FD(code, name, text, imm, sig) [code] = OP_##name + 1,
#include "opcodes.def"
#undef OP
#undef OP_FC
#undef OP_FD
};

bool wasm_unsupported(WasmError *err, size_t offset, const char *feature, const char *what) {
    return wasm_error(err, WASM_ERR_UNSUPPORTED, offset, "unsupported feature %s: %s", feature, what);
}

const char *valtype_feature(uint8_t b) {
    switch (b) {
    case 0x63: case 0x64: return WASM_FEATURE_FUNC_REFS;  /* (ref null ht), (ref ht) */
    case 0x69: case 0x74: return WASM_FEATURE_EXCEPTIONS; /* exnref, nullexnref */
    case 0x6A: case 0x6B: case 0x6C: case 0x6D: case 0x6E: /* array struct i31 eq any */
    case 0x71: case 0x72: case 0x73:                       /* none noextern nofunc */
        return WASM_FEATURE_GC;
    }
    return NULL;
}

/* One-byte opcodes of 3.0 instructions wasmc does not compile, by feature. */
static const char *plain_feature(uint8_t b) {
    switch (b) {
    case 0x06: case 0x07: case 0x08: case 0x09: case 0x0A: case 0x18: case 0x19: case 0x1F:
        return WASM_FEATURE_EXCEPTIONS;
    /* return_call_ref (0x15) is a tail call, but its operand is a typed
     * function reference: it needs that feature first. */
    case 0x14: case 0x15: case 0xD4: case 0xD5: case 0xD6: return WASM_FEATURE_FUNC_REFS;
    case 0xD3: case 0xFB: return WASM_FEATURE_GC;
    case 0xFE: return WASM_FEATURE_THREADS;
    }
    return NULL;
}

static bool eof(InstrReader *r, WasmError *err) {
    return wasm_error(err, WASM_ERR_MALFORMED, r->pos, "unexpected end of section or function");
}

static bool rd_leb(InstrReader *r, unsigned bits, bool sgn, uint64_t *v, WasmError *err) {
    size_t at = r->pos;
    LebStatus s = leb_read(r->bytes, &r->pos, r->end, bits, sgn, v);
    if (s == LEB_OK) return true;
    if (s == LEB_EOF) return eof(r, err);
    return wasm_error(err, WASM_ERR_MALFORMED, at, "%s", leb_status_text(s));
}

static bool rd_u32(InstrReader *r, uint32_t *v, WasmError *err) {
    uint64_t x = 0;
    if (!rd_leb(r, 32, false, &x, err)) return false;
    *v = (uint32_t)x;
    return true;
}

static bool rd_byte(InstrReader *r, uint8_t *v, WasmError *err) {
    if (r->pos >= r->end) return eof(r, err);
    *v = r->bytes[r->pos++];
    return true;
}

static bool rd_bytes(InstrReader *r, void *dst, size_t n, WasmError *err) {
    if (r->end - r->pos < n) {
        r->pos = r->end;
        return eof(r, err);
    }
    memcpy(dst, r->bytes + r->pos, n);
    r->pos += n;
    return true;
}

static bool rd_zero(InstrReader *r, WasmError *err) {
    uint8_t b = 0;
    size_t at = r->pos;
    if (!rd_byte(r, &b, err)) return false;
    /* 2.0's reserved byte is 3.0's memory index (a LEB128 u32): anything
     * but the one-byte 0 needs the multi-memory feature there. */
    if (b != 0) return wasm_unsupported(err, at, WASM_FEATURE_MULTI_MEMORY, "memory index in a memory instruction");
    return true;
}

static bool is_valtype(uint8_t b) {
    return (b >= 0x7B && b <= 0x7F) || b == 0x70 || b == 0x6F;
}

static bool rd_memarg(InstrReader *r, Instr *in, WasmError *err) {
    uint32_t off = 0;
    size_t at = r->pos;
    if (!rd_u32(r, &in->align, err)) return false;
    /* Alignment is a log2 below 32; the higher flag bits belong to the
     * multi-memory proposal and are malformed in 2.0. */
    /* 3.0: bit 6 says a memory index follows, which the multi-memory
     * feature brought; even an explicit index 0 is refused as that feature
     * (2.0 calls these flags malformed, so no 2.0 module has them). */
    if (in->align >= 64 && in->align < 128)
        return wasm_unsupported(err, at, WASM_FEATURE_MULTI_MEMORY, "memory index in a memarg");
    if (in->align >= 32) return wasm_error(err, WASM_ERR_MALFORMED, at, "malformed memop flags");
    if (!rd_u32(r, &off, err)) return false;
    in->mem_offset = off;
    return true;
}

static bool rd_blocktype(InstrReader *r, BlockType *bt, WasmError *err) {
    if (r->pos >= r->end) return eof(r, err);
    uint8_t b = r->bytes[r->pos];
    if (b == 0x40) {
        r->pos++;
        bt->kind = BT_EMPTY;
        return true;
    }
    if (valtype_feature(b)) return wasm_unsupported(err, r->pos, valtype_feature(b), "reference type in a block type");
    if (is_valtype(b)) {
        r->pos++;
        bt->kind = BT_VALUE;
        bt->valtype = b;
        return true;
    }
    size_t at = r->pos;
    uint64_t v = 0;
    if (!rd_leb(r, 33, true, &v, err)) return false;
    if ((int64_t)v < 0) return wasm_error(err, WASM_ERR_MALFORMED, at, "malformed value type");
    bt->kind = BT_INDEX;
    bt->index = (uint32_t)v;
    return true;
}

bool instr_next(InstrReader *r, Instr *in, WasmError *err) {
    memset(in, 0, offsetof(Instr, imm));
    in->imm.i64 = 0;
    in->offset = r->pos;
    uint8_t b = 0;
    if (!rd_byte(r, &b, err)) return false;
    uint16_t code = 0;
    if (b == 0xFC || b == 0xFD) {
        uint32_t sub = 0;
        if (!rd_u32(r, &sub, err)) return false;
        if (b == 0xFC && sub < sizeof op_fc / sizeof op_fc[0]) code = op_fc[sub];
        if (b == 0xFD && sub < 256) code = op_fd[sub];
    } else {
        code = op_plain[b];
    }
    if (!code) {
        char what[48];
        const char *feature = NULL;
        if (b == 0xFD && r->pos > in->offset + 1) {
            uint64_t sub = 0;
            size_t p = in->offset + 1;
            (void)leb_read(r->bytes, &p, r->end, 32, false, &sub);
            if (sub >= 0x100 && sub <= 0x113) feature = WASM_FEATURE_RELAXED_SIMD;
            snprintf(what, sizeof what, "opcode 0xfd %llu", (unsigned long long)sub);
        } else if (b != 0xFC && b != 0xFD) {
            feature = plain_feature(b);
            snprintf(what, sizeof what, "opcode 0x%02x", b);
        }
        if (feature) return wasm_unsupported(err, in->offset, feature, what);
        return wasm_error(err, WASM_ERR_MALFORMED, in->offset, "illegal opcode");
    }
    in->op = (Opcode)(code - 1);

    uint64_t v = 0;
    switch (op_info[in->op].imm) {
    case IMM_NONE:
        return true;
    case IMM_BLOCKTYPE:
        return rd_blocktype(r, &in->block_type, err);
    case IMM_LABEL: case IMM_FUNC: case IMM_LOCAL: case IMM_GLOBAL: case IMM_TABLE:
    case IMM_ELEM: case IMM_DATA:
        return rd_u32(r, &in->index, err);
    case IMM_CALL_INDIRECT: case IMM_ELEM_TABLE: case IMM_TABLE_TABLE:
        return rd_u32(r, &in->index, err) && rd_u32(r, &in->index2, err);
    case IMM_BR_TABLE: {
        if (!rd_u32(r, &in->br_table_count, err)) return false;
        in->br_table_pos = r->pos;
        /* Each target takes at least one byte: a count beyond the body
         * cannot be satisfied, and checking first keeps the loop short. */
        if ((uint64_t)in->br_table_count + 1 > r->end - r->pos) {
            r->pos = r->end;
            return eof(r, err);
        }
        uint32_t t = 0;
        for (uint64_t i = 0; i <= in->br_table_count; i++)
            if (!rd_u32(r, &t, err)) return false;
        in->index = t; /* the default target, handy for consumers */
        return true;
    }
    case IMM_MEMARG:
        return rd_memarg(r, in, err);
    case IMM_MEM:
        return rd_zero(r, err);
    case IMM_DATA_MEM:
        return rd_u32(r, &in->index, err) && rd_zero(r, err);
    case IMM_MEM_MEM:
        return rd_zero(r, err) && rd_zero(r, err);
    case IMM_I32:
        if (!rd_leb(r, 32, true, &v, err)) return false;
        in->imm.i32 = (uint32_t)v;
        return true;
    case IMM_I64:
        if (!rd_leb(r, 64, true, &v, err)) return false;
        in->imm.i64 = v;
        return true;
    case IMM_F32: {
        uint8_t raw[4] = {0};
        if (!rd_bytes(r, raw, 4, err)) return false;
        in->imm.i32 = (uint32_t)raw[0] | (uint32_t)raw[1] << 8 | (uint32_t)raw[2] << 16 |
                      (uint32_t)raw[3] << 24;
        return true;
    }
    case IMM_F64: {
        uint8_t raw[8] = {0};
        if (!rd_bytes(r, raw, 8, err)) return false;
        uint64_t x = 0;
        for (int i = 7; i >= 0; i--) x = x << 8 | raw[i];
        in->imm.i64 = x;
        return true;
    }
    case IMM_V128: case IMM_SHUFFLE:
        return rd_bytes(r, in->imm.v128, 16, err);
    case IMM_LANE: {
        uint8_t l = 0;
        if (!rd_byte(r, &l, err)) return false;
        in->lane = l;
        return true;
    }
    case IMM_MEMARG_LANE: {
        uint8_t l = 0;
        if (!rd_memarg(r, in, err) || !rd_byte(r, &l, err)) return false;
        in->lane = l;
        return true;
    }
    case IMM_SELECT_T: {
        if (!rd_u32(r, &in->select_count, err)) return false;
        for (uint64_t i = 0; i < in->select_count; i++) {
            size_t at = r->pos;
            uint8_t t = 0;
            if (!rd_byte(r, &t, err)) return false;
            if (valtype_feature(t)) return wasm_unsupported(err, at, valtype_feature(t), "reference type in select");
            if (!is_valtype(t)) return wasm_error(err, WASM_ERR_MALFORMED, at, "malformed value type");
            if (i == 0) in->select_types[0] = t;
        }
        return true;
    }
    case IMM_REFTYPE: {
        size_t at = r->pos;
        uint8_t t = 0;
        if (!rd_byte(r, &t, err)) return false;
        if (valtype_feature(t)) return wasm_unsupported(err, at, valtype_feature(t), "heap type of ref.null");
        /* A type index (s33, non-negative): typed function references. */
        if (t < 0x40) return wasm_unsupported(err, at, WASM_FEATURE_FUNC_REFS, "ref.null of a type index");
        if (t != 0x70 && t != 0x6F)
            return wasm_error(err, WASM_ERR_MALFORMED, at, "malformed reference type");
        in->reftype = t;
        return true;
    }
    }
    return wasm_error(err, WASM_ERR_INTERNAL, in->offset, "unhandled immediate kind");
}

void instr_br_table_targets(const uint8_t *bytes, const Instr *in, uint32_t *out) {
    size_t pos = in->br_table_pos;
    for (uint64_t i = 0; i <= in->br_table_count; i++) {
        uint64_t v = 0;
        /* Already checked by instr_next; the bound only needs to be past
         * the longest possible encoding. */
        (void)leb_read(bytes, &pos, pos + 5, 32, false, &v);
        out[i] = (uint32_t)v;
    }
}
