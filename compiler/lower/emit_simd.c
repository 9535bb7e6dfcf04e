/* Lowering of the 0xFD prefix: every 128-bit SIMD instruction of Wasm 2.0.
 *
 * A v128 lives as <16 x i8> (lm->t_v128) on the operand stack and in
 * locals and globals; each instruction bitcasts its operands to the lane
 * shape it works on (<8 x i16>, <4 x float>, ...) and its result back, and
 * LLVM folds the casts away.  The rule throughout is: plain target-neutral
 * IR in the shape LLVM's backends already recognise (splats as
 * insert+shuffle, narrowing as clamp+truncate, averages as widen+add+shift,
 * dot products as widen+mul+pairwise add), so x86-64 gets paddd/pmaddwd/
 * packsswb/pavgb/pmovmskb and AArch64 gets the NEON equivalents, and
 * anything LLVM would treat as undefined is made defined first:
 *   - shift counts are taken modulo the lane width (LLVM: poison at >=);
 *   - out-of-range swizzle indices select 0 (LLVM: a variable lane index
 *     out of range is poison), so the index is masked and the lane zeroed;
 *   - abs is llvm.abs with int_min_poison = false;
 *   - float-to-int conversions clamp before converting (fptosi/fptoui of
 *     an out-of-range value is poison).
 * Where the generic form would be scalarised or several times longer than
 * a direct instruction, the target gets its own form (checked against the
 * disassembly at x86-64-v2 and AArch64 generic):
 *   - swizzle: AArch64 TBL (same out-of-range rule); x86 pshufb + mask;
 *   - q15mulr_sat_s: AArch64 SQRDMULH (exactly Wasm's operation); x86
 *     pmulhw/pmullw (SSE2, the x86-64 baseline) plus a rounding fix-up;
 *   - trunc_sat: AArch64 FCVTZS/FCVTZU (saturating; f64x2 via .2d and
 *     SQXTN/UQXTN); x86 NaN mask + clamp + cvttps2dq/cvttpd2dq, as LLVM
 *     scalarises the vector llvm.fpto[su]i.sat there;
 *   - narrow_u on AArch64: SQXTUN.
 * Nothing emitted for x86 needs more than SSE2 to select, so any
 * --cpu works; SSE4.1/SSSE3 just make LLVM's lowering shorter.
 *
 * Floats follow the scalar emitter (emit_numeric.c): no fast-math flags;
 * min/max give Wasm's result (a quiet NaN if either is NaN, -0 < +0) on
 * both targets; pmin/pmax are the spec's literal select, which is what
 * minps/maxps compute with swapped operands; a float binary op with a
 * constant operand that has a ±0/±1 lane, and demote, are guarded against
 * LLVM folding x*1, demote(promote(x)) and friends into an unquieted
 * signalling NaN.
 *
 * Memory accesses use lf_memory_address for the bounds check of the whole
 * access and claim alignment 1 (the memarg alignment is only a hint);
 * plain v128.load/store are forwarded to the memory emitter.
 */
#include "lower.h"

#include <stdint.h>
#include <string.h>

#include "target.h"

/* ---- Lane shapes ---- */

typedef enum Shape { I8X16, I16X8, I32X4, I64X2, F32X4, F64X2 } Shape;

static const unsigned shape_lanes[] = {16, 8, 4, 2, 4, 2};
static const unsigned shape_bits[] = {8, 16, 32, 64, 32, 64};

static LLVMTypeRef lane_type(LowerFunc *f, Shape s) {
    LowerModule *lm = f->lm;
    switch (s) {
    case I8X16: return lm->t_i8;
    case I16X8: return lm->t_i16;
    case I32X4: return lm->t_i32;
    case I64X2: return lm->t_i64;
    case F32X4: return lm->t_f32;
    default: return lm->t_f64;
    }
}

static LLVMTypeRef vec_type(LowerFunc *f, Shape s) { return LLVMVectorType(lane_type(f, s), shape_lanes[s]); }

/* The integer shape of the same lane width (comparison masks). */
static Shape int_shape(Shape s) { return s == F32X4 ? I32X4 : s == F64X2 ? I64X2 : s; }

static LLVMValueRef as(LowerFunc *f, LLVMValueRef v, Shape s) {
    LLVMTypeRef t = vec_type(f, s);
    return LLVMTypeOf(v) == t ? v : LLVMBuildBitCast(f->b, v, t, "");
}

static LLVMValueRef pop_as(LowerFunc *f, Shape s) { return as(f, lf_pop(f), s); }

static void push_v(LowerFunc *f, LLVMValueRef v) {
    LLVMTypeRef t = f->lm->t_v128;
    lf_push(f, LLVMTypeOf(v) == t ? v : LLVMBuildBitCast(f->b, v, t, ""));
}

static LLVMValueRef splat_const(LowerFunc *f, Shape s, uint64_t bits) {
    LLVMTypeRef it = lane_type(f, int_shape(s));
    LLVMValueRef lanes[16];
    for (unsigned i = 0; i < shape_lanes[s]; i++)
        lanes[i] = LLVMConstInt(it, bits, 0);
    LLVMValueRef v = LLVMConstVector(lanes, shape_lanes[s]);
    return s == int_shape(s) ? v : LLVMConstBitCast(v, vec_type(f, s));
}

/* A shufflevector mask of constant i32 lane indices. */
static LLVMValueRef mask_const(LowerFunc *f, const unsigned *idx, unsigned n) {
    LLVMValueRef m[32];
    for (unsigned i = 0; i < n; i++)
        m[i] = lm_const_i32(f->lm, idx[i]);
    return LLVMConstVector(m, n);
}

/* Lanes [first, first + n) of v (n lanes, same element type). */
static LLVMValueRef lanes_of(LowerFunc *f, LLVMValueRef v, unsigned first, unsigned n) {
    unsigned idx[16];
    for (unsigned i = 0; i < n; i++)
        idx[i] = first + i;
    return LLVMBuildShuffleVector(f->b, v, LLVMGetPoison(LLVMTypeOf(v)), mask_const(f, idx, n), "");
}

/* Every other lane of v starting at `first` (0: even lanes, 1: odd). */
static LLVMValueRef strided_lanes(LowerFunc *f, LLVMValueRef v, unsigned first, unsigned n) {
    unsigned idx[16];
    for (unsigned i = 0; i < n; i++)
        idx[i] = first + 2 * i;
    return LLVMBuildShuffleVector(f->b, v, LLVMGetPoison(LLVMTypeOf(v)), mask_const(f, idx, n), "");
}

/* a ++ b (both n lanes). */
static LLVMValueRef concat(LowerFunc *f, LLVMValueRef a, LLVMValueRef b, unsigned n) {
    unsigned idx[32];
    for (unsigned i = 0; i < 2 * n; i++)
        idx[i] = i;
    return LLVMBuildShuffleVector(f->b, a, b, mask_const(f, idx, 2 * n), "");
}

/* Scalar x in every lane of shape s. */
static LLVMValueRef splat(LowerFunc *f, Shape s, LLVMValueRef x) {
    LLVMTypeRef vt = vec_type(f, s);
    LLVMValueRef v = LLVMBuildInsertElement(f->b, LLVMGetPoison(vt), x, lm_const_i32(f->lm, 0), "");
    LLVMValueRef zeros = LLVMConstNull(LLVMVectorType(f->lm->t_i32, shape_lanes[s]));
    return LLVMBuildShuffleVector(f->b, v, LLVMGetPoison(vt), zeros, "splat");
}

/* Wasm scalar operand (i32 for the narrow integer shapes) to the lane type. */
static LLVMValueRef to_lane(LowerFunc *f, Shape s, LLVMValueRef x) {
    return s == I8X16 || s == I16X8 ? LLVMBuildTrunc(f->b, x, lane_type(f, s), "") : x;
}

static LLVMValueRef call1(LowerFunc *f, const char *name, LLVMValueRef x) {
    LLVMTypeRef t = LLVMTypeOf(x);
    return lf_call_intrinsic(f, name, &t, 1, &x, 1);
}

static LLVMValueRef call2(LowerFunc *f, const char *name, LLVMValueRef a, LLVMValueRef b) {
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = {a, b};
    return lf_call_intrinsic(f, name, &t, 1, args, 2);
}

/* The target's instructions for what has one (target.h). */
static const TargetInfo *target(LowerFunc *f) { return f->lm->cc->target; }

/* ---- Memory ---- */

static LLVMValueRef access(LowerFunc *f, const Instr *in, LLVMValueRef addr, uint32_t size) {
    return lf_memory_address(f, 0, addr, in->mem_offset, size);
}

static LLVMValueRef load(LowerFunc *f, const Instr *in, LLVMTypeRef t, uint32_t size) {
    LLVMValueRef addr = lf_pop(f);
    LLVMValueRef v = LLVMBuildLoad2(f->b, t, access(f, in, addr, size), "");
    lf_mark_memory_access(f, v, 0);
    lf_anchor_load(f, v, in->mem_offset, size); /* a dead value must not lose the trap */
    return v;
}

/* load8x8_s ... load32x2_u: 8 bytes, each half-width lane extended. */
static void emit_load_extend(LowerFunc *f, const Instr *in, Shape wide, bool is_signed) {
    LLVMTypeRef narrow = LLVMVectorType(LLVMIntTypeInContext(f->lm->ctx, shape_bits[wide] / 2), shape_lanes[wide]);
    LLVMValueRef v = load(f, in, narrow, 8);
    LLVMTypeRef vt = vec_type(f, wide);
    push_v(f, is_signed ? LLVMBuildSExt(f->b, v, vt, "") : LLVMBuildZExt(f->b, v, vt, ""));
}

/* A load whose lanes are placed by insertelement/shufflevector.  If the
 * result is dropped (or otherwise unused) LLVM deletes the load, and in
 * guard-page mode the load is the only bounds check, so an out-of-bounds
 * access would no longer trap.  The drop path (lf_keep_dropped) marks
 * loads volatile only through arithmetic and casts, so these loads are
 * volatile from the start in guard-page mode; it costs at most the
 * folding of the load into a broadcast or pinsr.  With explicit checks
 * the trap is a branch that stays without the load. */
static LLVMValueRef load_kept(LowerFunc *f, const Instr *in, LLVMTypeRef t, uint32_t size) {
    LLVMValueRef v = load(f, in, t, size);
    if (f->lm->cc->memory_mode == WASMC_MEMORY_GUARD_PAGES)
        LLVMSetVolatile(v, true);
    return v;
}

static void emit_load_splat(LowerFunc *f, const Instr *in, Shape s) {
    LLVMValueRef x = load_kept(f, in, lane_type(f, s), shape_bits[s] / 8);
    push_v(f, splat(f, s, x));
}

/* load32_zero / load64_zero: the scalar zero-extended to 128 bits, a
 * cast chain that lf_keep_dropped follows, so the load need not be
 * volatile; LLVM lowers it to one movd/movq (ldr s/d on AArch64). */
static void emit_load_zero(LowerFunc *f, const Instr *in, Shape s) {
    LLVMValueRef x = load(f, in, lane_type(f, s), shape_bits[s] / 8);
    LLVMValueRef wide = LLVMBuildZExt(f->b, x, LLVMIntTypeInContext(f->lm->ctx, 128), "");
    push_v(f, wide);
}

static void emit_load_lane(LowerFunc *f, const Instr *in, Shape s) {
    LLVMValueRef v = pop_as(f, s);
    LLVMValueRef x = load_kept(f, in, lane_type(f, s), shape_bits[s] / 8);
    push_v(f, LLVMBuildInsertElement(f->b, v, x, lm_const_i32(f->lm, in->lane), ""));
}

static void emit_store_lane(LowerFunc *f, const Instr *in, Shape s) {
    LLVMValueRef v = pop_as(f, s);
    LLVMValueRef addr = lf_pop(f);
    LLVMValueRef ptr = access(f, in, addr, shape_bits[s] / 8);
    LLVMValueRef x = LLVMBuildExtractElement(f->b, v, lm_const_i32(f->lm, in->lane), "");
    lf_mark_memory_access(f, LLVMBuildStore(f->b, x, ptr), 0);
    lf_order_side_effect(f);
}

/* ---- Lanes ---- */

static void emit_const(LowerFunc *f, const Instr *in) {
    LLVMValueRef bytes[16];
    for (unsigned i = 0; i < 16; i++)
        bytes[i] = LLVMConstInt(f->lm->t_i8, in->imm.v128[i], 0);
    lf_push(f, LLVMConstVector(bytes, 16));
}

static void emit_shuffle(LowerFunc *f, const Instr *in) {
    LLVMValueRef b = lf_pop(f), a = lf_pop(f);
    unsigned idx[16];
    for (unsigned i = 0; i < 16; i++)
        idx[i] = in->imm.v128[i] & 31; /* validated < 32 */
    lf_push(f, LLVMBuildShuffleVector(f->b, a, b, mask_const(f, idx, 16), "shuffle"));
}

/* result[i] = idx[i] < 16 ? a[idx[i]] : 0. */
static void emit_swizzle(LowerFunc *f) {
    LowerModule *lm = f->lm;
    LLVMValueRef idx = lf_pop(f), a = lf_pop(f);
    if (target(f)->swizzle) {
        LLVMValueRef args[2] = {a, idx};
        LLVMTypeRef t = lm->t_v128;
        lf_push(f, lf_call_intrinsic(f, target(f)->swizzle, &t, 1, args, 2));
        return;
    }
    /* Build the permute from per-lane extracts of the masked index (x86
     * matches this to pshufb), then zero the out-of-range lanes. */
    LLVMValueRef masked = LLVMBuildAnd(f->b, idx, splat_const(f, I8X16, 15), "");
    LLVMValueRef r = LLVMGetPoison(lm->t_v128);
    for (unsigned i = 0; i < 16; i++) {
        LLVMValueRef li = lm_const_i32(lm, i);
        LLVMValueRef k = LLVMBuildExtractElement(f->b, masked, li, "");
        LLVMValueRef x = LLVMBuildExtractElement(f->b, a, k, "");
        r = LLVMBuildInsertElement(f->b, r, x, li, "");
    }
    LLVMValueRef in_range = LLVMBuildICmp(f->b, LLVMIntULT, idx, splat_const(f, I8X16, 16), "");
    lf_push(f, LLVMBuildSelect(f->b, in_range, r, LLVMConstNull(lm->t_v128), "swizzle"));
}

static void emit_splat(LowerFunc *f, Shape s) { push_v(f, splat(f, s, to_lane(f, s, lf_pop(f)))); }

static void emit_extract(LowerFunc *f, const Instr *in, Shape s, bool is_signed) {
    LLVMValueRef v = pop_as(f, s);
    LLVMValueRef x = LLVMBuildExtractElement(f->b, v, lm_const_i32(f->lm, in->lane), "");
    if (s == I8X16 || s == I16X8)
        x = is_signed ? LLVMBuildSExt(f->b, x, f->lm->t_i32, "") : LLVMBuildZExt(f->b, x, f->lm->t_i32, "");
    lf_push(f, x);
}

static void emit_replace(LowerFunc *f, const Instr *in, Shape s) {
    LLVMValueRef x = to_lane(f, s, lf_pop(f));
    LLVMValueRef v = pop_as(f, s);
    push_v(f, LLVMBuildInsertElement(f->b, v, x, lm_const_i32(f->lm, in->lane), ""));
}

/* ---- Comparisons and bitwise ---- */

static void emit_icmp(LowerFunc *f, Shape s, LLVMIntPredicate p) {
    LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
    push_v(f, LLVMBuildSExt(f->b, LLVMBuildICmp(f->b, p, a, b, ""), vec_type(f, s), ""));
}

static void emit_fcmp(LowerFunc *f, Shape s, LLVMRealPredicate p) {
    LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
    push_v(f, LLVMBuildSExt(f->b, LLVMBuildFCmp(f->b, p, a, b, ""), vec_type(f, int_shape(s)), ""));
}

static void emit_bitselect(LowerFunc *f) {
    LLVMValueRef c = pop_as(f, I64X2), b = pop_as(f, I64X2), a = pop_as(f, I64X2);
    LLVMValueRef t = LLVMBuildAnd(f->b, a, c, "");
    LLVMValueRef e = LLVMBuildAnd(f->b, b, LLVMBuildNot(f->b, c, ""), "");
    push_v(f, LLVMBuildOr(f->b, t, e, "bitselect"));
}

static void emit_any_true(LowerFunc *f) {
    LLVMTypeRef i128 = LLVMIntTypeInContext(f->lm->ctx, 128);
    LLVMValueRef x = LLVMBuildBitCast(f->b, lf_pop(f), i128, "");
    LLVMValueRef nz = LLVMBuildICmp(f->b, LLVMIntNE, x, LLVMConstNull(i128), "");
    lf_push(f, LLVMBuildZExt(f->b, nz, f->lm->t_i32, ""));
}

/* The per-lane i1 mask as an integer of one bit per lane (lane 0 lowest). */
static LLVMValueRef mask_bits(LowerFunc *f, LLVMValueRef m, Shape s) {
    return LLVMBuildBitCast(f->b, m, LLVMIntTypeInContext(f->lm->ctx, shape_lanes[s]), "");
}

static void emit_all_true(LowerFunc *f, Shape s) {
    LLVMValueRef v = pop_as(f, s);
    LLVMValueRef zero = LLVMBuildICmp(f->b, LLVMIntEQ, v, LLVMConstNull(vec_type(f, s)), "");
    LLVMValueRef bits = mask_bits(f, zero, s);
    LLVMValueRef none = LLVMBuildICmp(f->b, LLVMIntEQ, bits, LLVMConstNull(LLVMTypeOf(bits)), "");
    lf_push(f, LLVMBuildZExt(f->b, none, f->lm->t_i32, "all_true"));
}

static void emit_bitmask(LowerFunc *f, Shape s) {
    LLVMValueRef v = pop_as(f, s);
    LLVMValueRef neg = LLVMBuildICmp(f->b, LLVMIntSLT, v, LLVMConstNull(vec_type(f, s)), "");
    lf_push(f, LLVMBuildZExt(f->b, mask_bits(f, neg, s), f->lm->t_i32, "bitmask"));
}

/* ---- Integer arithmetic ---- */

typedef LLVMValueRef (*BinBuilder)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *);

static void emit_ibin(LowerFunc *f, Shape s, BinBuilder build) {
    LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
    push_v(f, build(f->b, a, b, ""));
}

static void emit_ibin_intrinsic(LowerFunc *f, Shape s, const char *name) {
    LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
    push_v(f, call2(f, name, a, b));
}

static void emit_abs(LowerFunc *f, Shape s) {
    LLVMValueRef v = pop_as(f, s);
    LLVMTypeRef t = LLVMTypeOf(v);
    LLVMValueRef args[2] = {v, LLVMConstInt(f->lm->t_i1, 0, 0)};
    push_v(f, lf_call_intrinsic(f, "llvm.abs", &t, 1, args, 2));
}

typedef enum ShiftKind { SH_SHL, SH_SHR_S, SH_SHR_U } ShiftKind;

static void emit_shift(LowerFunc *f, Shape s, ShiftKind kind) {
    LLVMValueRef n = lf_pop(f);
    LLVMValueRef v = pop_as(f, s);
    n = LLVMBuildAnd(f->b, n, lm_const_i32(f->lm, shape_bits[s] - 1), "");
    LLVMTypeRef lt = lane_type(f, s);
    if (s == I64X2)
        n = LLVMBuildZExt(f->b, n, lt, "");
    else if (s != I32X4)
        n = LLVMBuildTrunc(f->b, n, lt, "");
    LLVMValueRef ns = splat(f, s, n);
    LLVMValueRef r = kind == SH_SHL ? LLVMBuildShl(f->b, v, ns, "")
                   : kind == SH_SHR_S ? LLVMBuildAShr(f->b, v, ns, "")
                                      : LLVMBuildLShr(f->b, v, ns, "");
    push_v(f, r);
}

/* The wider shape with the same number of lanes as half of s. */
static Shape wider(Shape s) { return s == I8X16 ? I16X8 : s == I16X8 ? I32X4 : I64X2; }

static LLVMValueRef extend(LowerFunc *f, LLVMValueRef v, LLVMTypeRef t, bool is_signed) {
    return is_signed ? LLVMBuildSExt(f->b, v, t, "") : LLVMBuildZExt(f->b, v, t, "");
}

/* Half of the lanes of narrow vector v (low or high), extended. */
static LLVMValueRef extend_half(LowerFunc *f, LLVMValueRef v, Shape narrow, bool high, bool is_signed) {
    unsigned n = shape_lanes[narrow] / 2;
    return extend(f, lanes_of(f, v, high ? n : 0, n), vec_type(f, wider(narrow)), is_signed);
}

static void emit_extend(LowerFunc *f, Shape narrow, bool high, bool is_signed) {
    LLVMValueRef v = pop_as(f, narrow);
    push_v(f, extend_half(f, v, narrow, high, is_signed));
}

static void emit_extmul(LowerFunc *f, Shape narrow, bool high, bool is_signed) {
    LLVMValueRef b = pop_as(f, narrow), a = pop_as(f, narrow);
    LLVMValueRef wa = extend_half(f, a, narrow, high, is_signed);
    LLVMValueRef wb = extend_half(f, b, narrow, high, is_signed);
    push_v(f, LLVMBuildMul(f->b, wa, wb, "extmul"));
}

static void emit_extadd_pairwise(LowerFunc *f, Shape narrow, bool is_signed) {
    LLVMValueRef v = pop_as(f, narrow);
    unsigned n = shape_lanes[narrow] / 2;
    LLVMTypeRef wt = vec_type(f, wider(narrow));
    LLVMValueRef even = extend(f, strided_lanes(f, v, 0, n), wt, is_signed);
    LLVMValueRef odd = extend(f, strided_lanes(f, v, 1, n), wt, is_signed);
    push_v(f, LLVMBuildAdd(f->b, even, odd, "extadd"));
}

/* Saturating narrow of a ++ b (signed lanes of `from`) into half-width
 * lanes, signed or unsigned: clamp then truncate, which x86 matches to
 * packss/packus and AArch64 to sqxtn/sqxtun. */
static void emit_narrow(LowerFunc *f, Shape from, bool is_signed) {
    LLVMValueRef b = pop_as(f, from), a = pop_as(f, from);
    unsigned bits = shape_bits[from] / 2;
    unsigned n = shape_lanes[from];
    const char *name = is_signed ? target(f)->narrow_ss : target(f)->narrow_su;
    if (name) {
        /* AArch64's SQXTN / SQXTUN, one per half (LLVM matches only the
         * signed clamp pattern by itself). */
        LLVMTypeRef half = LLVMVectorType(LLVMIntTypeInContext(f->lm->ctx, bits), n);
        LLVMValueRef lo = lf_call_intrinsic(f, name, &half, 1, &a, 1);
        LLVMValueRef hi = lf_call_intrinsic(f, name, &half, 1, &b, 1);
        push_v(f, concat(f, lo, hi, n));
        return;
    }
    LLVMValueRef v = concat(f, a, b, n);
    int64_t lo = is_signed ? -(INT64_C(1) << (bits - 1)) : 0;
    int64_t hi = is_signed ? (INT64_C(1) << (bits - 1)) - 1 : (INT64_C(1) << bits) - 1;
    LLVMValueRef los[16], his[16];
    for (unsigned i = 0; i < 2 * n; i++) {
        los[i] = LLVMConstInt(lane_type(f, from), (uint64_t)lo, 1);
        his[i] = LLVMConstInt(lane_type(f, from), (uint64_t)hi, 1);
    }
    v = call2(f, "llvm.smax", v, LLVMConstVector(los, 2 * n));
    v = call2(f, "llvm.smin", v, LLVMConstVector(his, 2 * n));
    LLVMTypeRef nt = LLVMVectorType(LLVMIntTypeInContext(f->lm->ctx, bits), 2 * n);
    push_v(f, LLVMBuildTrunc(f->b, v, nt, "narrow"));
}

/* (a + b + 1) >> 1 without overflow, in the wider lane type. */
static void emit_avgr(LowerFunc *f, Shape s) {
    LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
    LLVMTypeRef wt = LLVMVectorType(LLVMIntTypeInContext(f->lm->ctx, 2 * shape_bits[s]), shape_lanes[s]);
    LLVMValueRef wa = LLVMBuildZExt(f->b, a, wt, ""), wb = LLVMBuildZExt(f->b, b, wt, "");
    LLVMValueRef ones[16];
    for (unsigned i = 0; i < shape_lanes[s]; i++)
        ones[i] = LLVMConstInt(LLVMGetElementType(wt), 1, 0);
    LLVMValueRef c1 = LLVMConstVector(ones, shape_lanes[s]);
    LLVMValueRef sum = LLVMBuildAdd(f->b, LLVMBuildAdd(f->b, wa, wb, ""), c1, "");
    push_v(f, LLVMBuildTrunc(f->b, LLVMBuildLShr(f->b, sum, c1, ""), vec_type(f, s), "avgr"));
}

static void emit_dot(LowerFunc *f) {
    LLVMValueRef b = pop_as(f, I16X8), a = pop_as(f, I16X8);
    LLVMTypeRef wt = LLVMVectorType(f->lm->t_i32, 8);
    LLVMValueRef p = LLVMBuildMul(f->b, LLVMBuildSExt(f->b, a, wt, ""), LLVMBuildSExt(f->b, b, wt, ""), "");
    LLVMValueRef even = strided_lanes(f, p, 0, 4), odd = strided_lanes(f, p, 1, 4);
    push_v(f, LLVMBuildAdd(f->b, even, odd, "dot"));
}

/* sat((a*b + 0x4000) >> 15).  AArch64's SQRDMULH is exactly this.  On
 * x86 the 32-bit product is assembled from its high half (pmulhw) and low
 * half (pmullw):
 *   p >> 15 = (hi << 1) | (lo >>u 15),  rounding bit = bit 14 of lo.
 * The one overflow is -32768 * -32768, which yields 0x8000; no in-range
 * product rounds to -32768 (the most negative is -32768 * 32767 ->
 * -32767), so every 0x8000 lane is that overflow, and xor with the
 * all-ones compare mask turns it into 0x7fff. */
static void emit_q15mulr(LowerFunc *f) {
    LLVMValueRef b = pop_as(f, I16X8), a = pop_as(f, I16X8);
    if (target(f)->q15mulr) {
        push_v(f, call2(f, target(f)->q15mulr, a, b));
        return;
    }
    LLVMTypeRef vt = vec_type(f, I16X8);
    /* The target's high-half multiply (x86's pmulhw) rather than the
     * generic trunc(mul(sext, sext) >> 16): LLVM folds the generic form,
     * shifted, back into one widened multiply and lowers that to unpack/
     * pmaddwd/pack, twice the instructions. */
    LLVMValueRef hi;
    if (target(f)->mulhi_s16) {
        LLVMValueRef args[2] = {a, b};
        hi = lf_call_intrinsic(f, target(f)->mulhi_s16, NULL, 0, args, 2);
    } else {
        LLVMTypeRef wt = LLVMVectorType(f->lm->t_i32, 8);
        LLVMValueRef p = LLVMBuildMul(f->b, LLVMBuildSExt(f->b, a, wt, ""), LLVMBuildSExt(f->b, b, wt, ""), "");
        LLVMValueRef c16[8];
        for (unsigned i = 0; i < 8; i++)
            c16[i] = lm_const_i32(f->lm, 16);
        hi = LLVMBuildTrunc(f->b, LLVMBuildAShr(f->b, p, LLVMConstVector(c16, 8), ""), vt, "");
    }
    LLVMValueRef lo = LLVMBuildMul(f->b, a, b, "");
    LLVMValueRef r = LLVMBuildOr(f->b, LLVMBuildShl(f->b, hi, splat_const(f, I16X8, 1), ""),
                                 LLVMBuildLShr(f->b, lo, splat_const(f, I16X8, 15), ""), "");
    LLVMValueRef round = LLVMBuildAnd(f->b, LLVMBuildLShr(f->b, lo, splat_const(f, I16X8, 14), ""),
                                      splat_const(f, I16X8, 1), "");
    r = LLVMBuildAdd(f->b, r, round, "");
    LLVMValueRef ovf = LLVMBuildICmp(f->b, LLVMIntEQ, r, splat_const(f, I16X8, 0x8000), "");
    push_v(f, LLVMBuildXor(f->b, r, LLVMBuildSExt(f->b, ovf, vt, ""), "q15mulr"));
}

/* ---- Float arithmetic ---- */

static LLVMValueRef quiet_nan_guard(LowerFunc *f, LLVMValueRef x, LLVMValueRef r) {
    LLVMValueRef is_nan = LLVMBuildFCmp(f->b, LLVMRealUNO, x, x, "");
    LLVMValueRef quiet = LLVMBuildFAdd(f->b, x, x, "");
    return LLVMBuildSelect(f->b, is_nan, quiet, r, "");
}

/* The 16 bytes of constant vector c, when they are known (a constant
 * vector of any lane type, zero, or a bitcast of one). */
static bool const_bytes(LLVMValueRef c, uint8_t out[16]) {
    if (LLVMIsAConstantExpr(c) && LLVMGetConstOpcode(c) == LLVMBitCast)
        return const_bytes(LLVMGetOperand(c, 0), out);
    if (LLVMIsAConstantAggregateZero(c)) {
        memset(out, 0, 16);
        return true;
    }
    if (!LLVMIsAConstantDataVector(c) && !LLVMIsAConstantVector(c))
        return false;
    unsigned n = LLVMGetVectorSize(LLVMTypeOf(c));
    if (n == 0 || 16 % n != 0)
        return false;
    unsigned width = 16 / n;
    for (unsigned i = 0; i < n; i++) {
        LLVMValueRef e = LLVMGetAggregateElement(c, i);
        uint64_t bits;
        if (e && LLVMIsAConstantInt(e)) {
            bits = LLVMConstIntGetZExtValue(e);
        } else if (e && LLVMIsAConstantFP(e)) {
            LLVMBool loses = 0;
            double d = LLVMConstRealGetDouble(e, &loses);
            if (width == 4) {
                float fl = (float)d;
                uint32_t b32;
                memcpy(&b32, &fl, 4);
                bits = b32;
            } else if (width == 8) {
                memcpy(&bits, &d, 8);
            } else {
                return false;
            }
        } else {
            return false; /* undef, poison or an expression */
        }
        memcpy(out + i * width, &bits, width); /* little-endian host and lanes */
    }
    return true;
}

/* Whether constant c may have a lane LLVM folds x op C with: ±0, ±1 (or
 * lanes we cannot read). */
static bool may_have_identity_lane(LLVMValueRef c, Shape s) {
    uint8_t bytes[16];
    if (!const_bytes(c, bytes))
        return true;
    for (unsigned i = 0; i < shape_lanes[s]; i++) {
        double d;
        if (s == F32X4) {
            float fl;
            memcpy(&fl, bytes + 4 * i, 4);
            d = fl;
        } else {
            memcpy(&d, bytes + 8 * i, 8);
        }
        if (d == 0.0 || d == 1.0 || d == -1.0)
            return true;
    }
    return false;
}

/* LLVM folds x op C to x (or -x) for identity constants C even without
 * fast-math, passing a signalling NaN x through; guard when one operand
 * is a constant with such a lane (a guard costs three instructions, so
 * saxpy-style constants like 1.0001 go without). */
static void emit_fbin(LowerFunc *f, Shape s, BinBuilder build) {
    LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
    LLVMValueRef r = build(f->b, a, b, "");
    if (LLVMIsConstant(b) && !LLVMIsConstant(a) && may_have_identity_lane(b, s))
        r = quiet_nan_guard(f, a, r);
    if (LLVMIsConstant(a) && !LLVMIsConstant(b) && may_have_identity_lane(a, s))
        r = quiet_nan_guard(f, b, r);
    push_v(f, r);
}

static void emit_funary(LowerFunc *f, Shape s, const char *name) { push_v(f, call1(f, name, pop_as(f, s))); }

/* Wasm min/max: NaN if either operand is NaN (quiet), and -0 < +0.
 * x86: minps/maxps return their second operand on NaN and on equal
 * operands, so compute both operand orders (the selects below are exactly
 * minps(a, b) and minps(b, a)); where a and b are ordered they agree except
 * for ±0, where or (min) / and (max) of the two picks the right zero.
 * Unordered lanes become the canonical NaN, which is a valid result for
 * every NaN input.  Five instructions, as V8 and Cranelift do it.
 * AArch64: FMIN/FMAX already implement Wasm's rule; the NaN select stays
 * (a quiet (a+a)+(b+b)) because LLVM folds llvm.minimum(x, x) and constant
 * operands without quieting a signalling NaN. */
static void emit_fminmax(LowerFunc *f, Shape s, bool is_max) {
    LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
    LLVMValueRef uno = LLVMBuildFCmp(f->b, LLVMRealUNO, a, b, "");
    if (target(f)->native_fminmax) {
        LLVMValueRef ordered = call2(f, is_max ? "llvm.maximum" : "llvm.minimum", a, b);
        LLVMValueRef nan = LLVMBuildFAdd(f->b, LLVMBuildFAdd(f->b, a, a, ""), LLVMBuildFAdd(f->b, b, b, ""), "");
        push_v(f, LLVMBuildSelect(f->b, uno, nan, ordered, is_max ? "fmax" : "fmin"));
        return;
    }
    LLVMRealPredicate pick = is_max ? LLVMRealOGT : LLVMRealOLT;
    LLVMValueRef ab = LLVMBuildSelect(f->b, LLVMBuildFCmp(f->b, pick, a, b, ""), a, b, "");
    LLVMValueRef ba = LLVMBuildSelect(f->b, LLVMBuildFCmp(f->b, pick, b, a, ""), b, a, "");
    Shape is = int_shape(s);
    LLVMValueRef abi = as(f, ab, is), bai = as(f, ba, is);
    LLVMValueRef merged = is_max ? LLVMBuildAnd(f->b, abi, bai, "") : LLVMBuildOr(f->b, abi, bai, "");
    LLVMValueRef canonical = splat_const(f, is, s == F32X4 ? 0x7fc00000u : UINT64_C(0x7ff8000000000000));
    push_v(f, LLVMBuildSelect(f->b, uno, canonical, merged, is_max ? "fmax" : "fmin"));
}

/* pmin: b < a ? b : a;  pmax: a < b ? b : a (the spec's definitions). */
static void emit_pminmax(LowerFunc *f, Shape s, bool is_max) {
    LLVMValueRef b = pop_as(f, s), a = pop_as(f, s);
    LLVMValueRef c = is_max ? LLVMBuildFCmp(f->b, LLVMRealOLT, a, b, "") : LLVMBuildFCmp(f->b, LLVMRealOLT, b, a, "");
    push_v(f, LLVMBuildSelect(f->b, c, b, a, is_max ? "pmax" : "pmin"));
}

/* ---- Conversions ---- */

/* Float constant vector of shape s with every lane `value`. */
static LLVMValueRef fsplat_const(LowerFunc *f, Shape s, double value) {
    LLVMValueRef lanes[4];
    for (unsigned i = 0; i < shape_lanes[s]; i++)
        lanes[i] = LLVMConstReal(lane_type(f, s), value);
    return LLVMConstVector(lanes, shape_lanes[s]);
}

/* Saturating float -> 32-bit integer lanes.  AArch64's FCVTZS/FCVTZU
 * saturate and map NaN to 0 exactly as Wasm does, so llvm.fpto[su]i.sat
 * is one instruction there; on x86 LLVM scalarises the vector .sat
 * intrinsics, so the operation is spelled out: NaN lanes become 0, the
 * value is clamped into the range where the plain conversion is defined
 * (cvttps2dq / cvttpd2dq), and lanes at or above 2^31 (2^32) are patched
 * to the maximum afterwards, because INT32_MAX is not a float.
 * `v` has 4 (f32) or 2 (f64) lanes; the result has as many i32 lanes. */
static LLVMValueRef trunc_sat(LowerFunc *f, LLVMValueRef v, Shape s, bool is_signed) {
    unsigned n = shape_lanes[s];
    LLVMTypeRef it = LLVMVectorType(f->lm->t_i32, n);
    if (target(f)->native_trunc_sat) {
        const char *sat = is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat";
        if (s == F32X4) {
            LLVMTypeRef types[2] = {it, vec_type(f, s)};
            return lf_call_intrinsic(f, sat, types, 2, &v, 1);
        }
        /* f64x2: FCVTZ[SU] to saturated 64-bit lanes, then the saturating
         * narrow SQXTN/UQXTN; the direct .sat to 32 bits goes scalar. */
        LLVMTypeRef types[2] = {vec_type(f, I64X2), vec_type(f, s)};
        LLVMValueRef wide = lf_call_intrinsic(f, sat, types, 2, &v, 1);
        return lf_call_intrinsic(f, is_signed ? target(f)->narrow_ss : target(f)->narrow_uu, &it, 1, &wide, 1);
    }
    bool is_f32 = s == F32X4;
    double lo = is_signed ? -2147483648.0 : 0.0;
    /* The largest value below the overflow bound, in the lane type. */
    double hi = is_signed ? (is_f32 ? 2147483520.0 : 2147483647.0) : (is_f32 ? 4294967040.0 : 4294967295.0);
    double limit = is_signed ? 2147483648.0 : 4294967296.0;
    LLVMValueRef ord = LLVMBuildFCmp(f->b, LLVMRealORD, v, v, "");
    LLVMValueRef x = LLVMBuildSelect(f->b, ord, v, LLVMConstNull(LLVMTypeOf(v)), "");
    LLVMValueRef clo = fsplat_const(f, s, lo), chi = fsplat_const(f, s, hi);
    x = LLVMBuildSelect(f->b, LLVMBuildFCmp(f->b, LLVMRealOGT, x, clo, ""), x, clo, "");
    x = LLVMBuildSelect(f->b, LLVMBuildFCmp(f->b, LLVMRealOLT, x, chi, ""), x, chi, "");
    LLVMValueRef r = is_signed ? LLVMBuildFPToSI(f->b, x, it, "") : LLVMBuildFPToUI(f->b, x, it, "");
    if (is_f32) {
        LLVMValueRef over = LLVMBuildFCmp(f->b, LLVMRealOGE, v, fsplat_const(f, s, limit), "");
        LLVMValueRef max = splat_const(f, I32X4, is_signed ? 0x7fffffff : 0xffffffff);
        r = LLVMBuildSelect(f->b, over, max, r, "");
    }
    return r;
}

static void emit_trunc_sat_f32(LowerFunc *f, bool is_signed) {
    push_v(f, trunc_sat(f, pop_as(f, F32X4), F32X4, is_signed));
}

static void emit_trunc_sat_f64_zero(LowerFunc *f, bool is_signed) {
    LLVMValueRef r = trunc_sat(f, pop_as(f, F64X2), F64X2, is_signed);
    push_v(f, concat(f, r, LLVMConstNull(LLVMTypeOf(r)), 2));
}

static void emit_convert_f32(LowerFunc *f, bool is_signed) {
    LLVMValueRef v = pop_as(f, I32X4);
    LLVMTypeRef t = vec_type(f, F32X4);
    push_v(f, is_signed ? LLVMBuildSIToFP(f->b, v, t, "") : LLVMBuildUIToFP(f->b, v, t, ""));
}

static void emit_convert_low_f64(LowerFunc *f, bool is_signed) {
    LLVMValueRef v = lanes_of(f, pop_as(f, I32X4), 0, 2);
    LLVMTypeRef t = vec_type(f, F64X2);
    push_v(f, is_signed ? LLVMBuildSIToFP(f->b, v, t, "") : LLVMBuildUIToFP(f->b, v, t, ""));
}

static void emit_demote(LowerFunc *f) {
    LLVMValueRef v = pop_as(f, F64X2);
    LLVMTypeRef t2 = LLVMVectorType(f->lm->t_f32, 2);
    LLVMValueRef r = LLVMBuildFPTrunc(f->b, v, t2, "");
    /* InstCombine folds demote(promote(x)) to x, which would return a
     * signalling NaN x unquieted; as in the scalar demote, a NaN result
     * becomes r + r (LLVM drops the guard when r cannot be NaN). */
    r = quiet_nan_guard(f, r, r);
    push_v(f, concat(f, r, LLVMConstNull(t2), 2));
}

static void emit_promote(LowerFunc *f) {
    LLVMValueRef v = lanes_of(f, pop_as(f, F32X4), 0, 2);
    push_v(f, LLVMBuildFPExt(f->b, v, vec_type(f, F64X2), ""));
}

/* ---- Dispatch ---- */

static LLVMValueRef build_andnot(LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y, const char *name) {
    return LLVMBuildAnd(b, x, LLVMBuildNot(b, y, ""), name);
}

static bool emit_simd_memory(LowerFunc *f, const Instr *in) {
    switch (in->op) {
    case OP_V128_LOAD: case OP_V128_STORE: return emit_memory(f, in);
    case OP_V128_LOAD8X8_S: emit_load_extend(f, in, I16X8, true); return true;
    case OP_V128_LOAD8X8_U: emit_load_extend(f, in, I16X8, false); return true;
    case OP_V128_LOAD16X4_S: emit_load_extend(f, in, I32X4, true); return true;
    case OP_V128_LOAD16X4_U: emit_load_extend(f, in, I32X4, false); return true;
    case OP_V128_LOAD32X2_S: emit_load_extend(f, in, I64X2, true); return true;
    case OP_V128_LOAD32X2_U: emit_load_extend(f, in, I64X2, false); return true;
    case OP_V128_LOAD8_SPLAT: emit_load_splat(f, in, I8X16); return true;
    case OP_V128_LOAD16_SPLAT: emit_load_splat(f, in, I16X8); return true;
    case OP_V128_LOAD32_SPLAT: emit_load_splat(f, in, I32X4); return true;
    case OP_V128_LOAD64_SPLAT: emit_load_splat(f, in, I64X2); return true;
    case OP_V128_LOAD32_ZERO: emit_load_zero(f, in, I32X4); return true;
    case OP_V128_LOAD64_ZERO: emit_load_zero(f, in, I64X2); return true;
    case OP_V128_LOAD8_LANE: emit_load_lane(f, in, I8X16); return true;
    case OP_V128_LOAD16_LANE: emit_load_lane(f, in, I16X8); return true;
    case OP_V128_LOAD32_LANE: emit_load_lane(f, in, I32X4); return true;
    case OP_V128_LOAD64_LANE: emit_load_lane(f, in, I64X2); return true;
    case OP_V128_STORE8_LANE: emit_store_lane(f, in, I8X16); return true;
    case OP_V128_STORE16_LANE: emit_store_lane(f, in, I16X8); return true;
    case OP_V128_STORE32_LANE: emit_store_lane(f, in, I32X4); return true;
    case OP_V128_STORE64_LANE: emit_store_lane(f, in, I64X2); return true;
    default: return false;
    }
}

static bool emit_simd_lanes(LowerFunc *f, const Instr *in) {
    switch (in->op) {
    case OP_V128_CONST: emit_const(f, in); return true;
    case OP_I8X16_SHUFFLE: emit_shuffle(f, in); return true;
    case OP_I8X16_SWIZZLE: emit_swizzle(f); return true;
    case OP_I8X16_SPLAT: emit_splat(f, I8X16); return true;
    case OP_I16X8_SPLAT: emit_splat(f, I16X8); return true;
    case OP_I32X4_SPLAT: emit_splat(f, I32X4); return true;
    case OP_I64X2_SPLAT: emit_splat(f, I64X2); return true;
    case OP_F32X4_SPLAT: emit_splat(f, F32X4); return true;
    case OP_F64X2_SPLAT: emit_splat(f, F64X2); return true;
    case OP_I8X16_EXTRACT_LANE_S: emit_extract(f, in, I8X16, true); return true;
    case OP_I8X16_EXTRACT_LANE_U: emit_extract(f, in, I8X16, false); return true;
    case OP_I16X8_EXTRACT_LANE_S: emit_extract(f, in, I16X8, true); return true;
    case OP_I16X8_EXTRACT_LANE_U: emit_extract(f, in, I16X8, false); return true;
    case OP_I32X4_EXTRACT_LANE: emit_extract(f, in, I32X4, false); return true;
    case OP_I64X2_EXTRACT_LANE: emit_extract(f, in, I64X2, false); return true;
    case OP_F32X4_EXTRACT_LANE: emit_extract(f, in, F32X4, false); return true;
    case OP_F64X2_EXTRACT_LANE: emit_extract(f, in, F64X2, false); return true;
    case OP_I8X16_REPLACE_LANE: emit_replace(f, in, I8X16); return true;
    case OP_I16X8_REPLACE_LANE: emit_replace(f, in, I16X8); return true;
    case OP_I32X4_REPLACE_LANE: emit_replace(f, in, I32X4); return true;
    case OP_I64X2_REPLACE_LANE: emit_replace(f, in, I64X2); return true;
    case OP_F32X4_REPLACE_LANE: emit_replace(f, in, F32X4); return true;
    case OP_F64X2_REPLACE_LANE: emit_replace(f, in, F64X2); return true;
    default: return false;
    }
}

static bool emit_simd_compare_bitwise(LowerFunc *f, const Instr *in) {
    /* Integer comparisons come in runs of ten per shape, in the same order. */
    static const LLVMIntPredicate ipreds[] = {LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntULT, LLVMIntSGT,
                                              LLVMIntUGT, LLVMIntSLE, LLVMIntULE, LLVMIntSGE, LLVMIntUGE};
    /* Float comparisons: eq ne lt gt le ge; ne is the one unordered one. */
    static const LLVMRealPredicate fpreds[] = {LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT,
                                               LLVMRealOGT, LLVMRealOLE, LLVMRealOGE};
    if (in->op >= OP_I8X16_EQ && in->op <= OP_I8X16_GE_U) {
        emit_icmp(f, I8X16, ipreds[in->op - OP_I8X16_EQ]);
        return true;
    }
    if (in->op >= OP_I16X8_EQ && in->op <= OP_I16X8_GE_U) {
        emit_icmp(f, I16X8, ipreds[in->op - OP_I16X8_EQ]);
        return true;
    }
    if (in->op >= OP_I32X4_EQ && in->op <= OP_I32X4_GE_U) {
        emit_icmp(f, I32X4, ipreds[in->op - OP_I32X4_EQ]);
        return true;
    }
    if (in->op >= OP_F32X4_EQ && in->op <= OP_F32X4_GE) {
        emit_fcmp(f, F32X4, fpreds[in->op - OP_F32X4_EQ]);
        return true;
    }
    if (in->op >= OP_F64X2_EQ && in->op <= OP_F64X2_GE) {
        emit_fcmp(f, F64X2, fpreds[in->op - OP_F64X2_EQ]);
        return true;
    }
    switch (in->op) {
    case OP_I64X2_EQ: emit_icmp(f, I64X2, LLVMIntEQ); return true;
    case OP_I64X2_NE: emit_icmp(f, I64X2, LLVMIntNE); return true;
    case OP_I64X2_LT_S: emit_icmp(f, I64X2, LLVMIntSLT); return true;
    case OP_I64X2_GT_S: emit_icmp(f, I64X2, LLVMIntSGT); return true;
    case OP_I64X2_LE_S: emit_icmp(f, I64X2, LLVMIntSLE); return true;
    case OP_I64X2_GE_S: emit_icmp(f, I64X2, LLVMIntSGE); return true;
    case OP_V128_NOT: push_v(f, LLVMBuildNot(f->b, pop_as(f, I64X2), "")); return true;
    case OP_V128_AND: emit_ibin(f, I64X2, LLVMBuildAnd); return true;
    case OP_V128_ANDNOT: emit_ibin(f, I64X2, build_andnot); return true;
    case OP_V128_OR: emit_ibin(f, I64X2, LLVMBuildOr); return true;
    case OP_V128_XOR: emit_ibin(f, I64X2, LLVMBuildXor); return true;
    case OP_V128_BITSELECT: emit_bitselect(f); return true;
    case OP_V128_ANY_TRUE: emit_any_true(f); return true;
    default: return false;
    }
}

static bool emit_simd_integer(LowerFunc *f, const Instr *in) {
    switch (in->op) {
    case OP_I8X16_ABS: emit_abs(f, I8X16); return true;
    case OP_I16X8_ABS: emit_abs(f, I16X8); return true;
    case OP_I32X4_ABS: emit_abs(f, I32X4); return true;
    case OP_I64X2_ABS: emit_abs(f, I64X2); return true;
    case OP_I8X16_NEG: case OP_I16X8_NEG: case OP_I32X4_NEG: case OP_I64X2_NEG: {
        Shape s = in->op == OP_I8X16_NEG   ? I8X16
                : in->op == OP_I16X8_NEG ? I16X8
                : in->op == OP_I32X4_NEG ? I32X4
                                         : I64X2;
        push_v(f, LLVMBuildNeg(f->b, pop_as(f, s), ""));
        return true;
    }
    case OP_I8X16_POPCNT: push_v(f, call1(f, "llvm.ctpop", pop_as(f, I8X16))); return true;
    case OP_I8X16_ALL_TRUE: emit_all_true(f, I8X16); return true;
    case OP_I16X8_ALL_TRUE: emit_all_true(f, I16X8); return true;
    case OP_I32X4_ALL_TRUE: emit_all_true(f, I32X4); return true;
    case OP_I64X2_ALL_TRUE: emit_all_true(f, I64X2); return true;
    case OP_I8X16_BITMASK: emit_bitmask(f, I8X16); return true;
    case OP_I16X8_BITMASK: emit_bitmask(f, I16X8); return true;
    case OP_I32X4_BITMASK: emit_bitmask(f, I32X4); return true;
    case OP_I64X2_BITMASK: emit_bitmask(f, I64X2); return true;
    case OP_I8X16_NARROW_I16X8_S: emit_narrow(f, I16X8, true); return true;
    case OP_I8X16_NARROW_I16X8_U: emit_narrow(f, I16X8, false); return true;
    case OP_I16X8_NARROW_I32X4_S: emit_narrow(f, I32X4, true); return true;
    case OP_I16X8_NARROW_I32X4_U: emit_narrow(f, I32X4, false); return true;

    case OP_I8X16_SHL: emit_shift(f, I8X16, SH_SHL); return true;
    case OP_I8X16_SHR_S: emit_shift(f, I8X16, SH_SHR_S); return true;
    case OP_I8X16_SHR_U: emit_shift(f, I8X16, SH_SHR_U); return true;
    case OP_I16X8_SHL: emit_shift(f, I16X8, SH_SHL); return true;
    case OP_I16X8_SHR_S: emit_shift(f, I16X8, SH_SHR_S); return true;
    case OP_I16X8_SHR_U: emit_shift(f, I16X8, SH_SHR_U); return true;
    case OP_I32X4_SHL: emit_shift(f, I32X4, SH_SHL); return true;
    case OP_I32X4_SHR_S: emit_shift(f, I32X4, SH_SHR_S); return true;
    case OP_I32X4_SHR_U: emit_shift(f, I32X4, SH_SHR_U); return true;
    case OP_I64X2_SHL: emit_shift(f, I64X2, SH_SHL); return true;
    case OP_I64X2_SHR_S: emit_shift(f, I64X2, SH_SHR_S); return true;
    case OP_I64X2_SHR_U: emit_shift(f, I64X2, SH_SHR_U); return true;

    case OP_I8X16_ADD: emit_ibin(f, I8X16, LLVMBuildAdd); return true;
    case OP_I16X8_ADD: emit_ibin(f, I16X8, LLVMBuildAdd); return true;
    case OP_I32X4_ADD: emit_ibin(f, I32X4, LLVMBuildAdd); return true;
    case OP_I64X2_ADD: emit_ibin(f, I64X2, LLVMBuildAdd); return true;
    case OP_I8X16_SUB: emit_ibin(f, I8X16, LLVMBuildSub); return true;
    case OP_I16X8_SUB: emit_ibin(f, I16X8, LLVMBuildSub); return true;
    case OP_I32X4_SUB: emit_ibin(f, I32X4, LLVMBuildSub); return true;
    case OP_I64X2_SUB: emit_ibin(f, I64X2, LLVMBuildSub); return true;
    case OP_I16X8_MUL: emit_ibin(f, I16X8, LLVMBuildMul); return true;
    case OP_I32X4_MUL: emit_ibin(f, I32X4, LLVMBuildMul); return true;
    case OP_I64X2_MUL: emit_ibin(f, I64X2, LLVMBuildMul); return true;
    case OP_I8X16_ADD_SAT_S: emit_ibin_intrinsic(f, I8X16, "llvm.sadd.sat"); return true;
    case OP_I8X16_ADD_SAT_U: emit_ibin_intrinsic(f, I8X16, "llvm.uadd.sat"); return true;
    case OP_I8X16_SUB_SAT_S: emit_ibin_intrinsic(f, I8X16, "llvm.ssub.sat"); return true;
    case OP_I8X16_SUB_SAT_U: emit_ibin_intrinsic(f, I8X16, "llvm.usub.sat"); return true;
    case OP_I16X8_ADD_SAT_S: emit_ibin_intrinsic(f, I16X8, "llvm.sadd.sat"); return true;
    case OP_I16X8_ADD_SAT_U: emit_ibin_intrinsic(f, I16X8, "llvm.uadd.sat"); return true;
    case OP_I16X8_SUB_SAT_S: emit_ibin_intrinsic(f, I16X8, "llvm.ssub.sat"); return true;
    case OP_I16X8_SUB_SAT_U: emit_ibin_intrinsic(f, I16X8, "llvm.usub.sat"); return true;
    case OP_I8X16_MIN_S: emit_ibin_intrinsic(f, I8X16, "llvm.smin"); return true;
    case OP_I8X16_MIN_U: emit_ibin_intrinsic(f, I8X16, "llvm.umin"); return true;
    case OP_I8X16_MAX_S: emit_ibin_intrinsic(f, I8X16, "llvm.smax"); return true;
    case OP_I8X16_MAX_U: emit_ibin_intrinsic(f, I8X16, "llvm.umax"); return true;
    case OP_I16X8_MIN_S: emit_ibin_intrinsic(f, I16X8, "llvm.smin"); return true;
    case OP_I16X8_MIN_U: emit_ibin_intrinsic(f, I16X8, "llvm.umin"); return true;
    case OP_I16X8_MAX_S: emit_ibin_intrinsic(f, I16X8, "llvm.smax"); return true;
    case OP_I16X8_MAX_U: emit_ibin_intrinsic(f, I16X8, "llvm.umax"); return true;
    case OP_I32X4_MIN_S: emit_ibin_intrinsic(f, I32X4, "llvm.smin"); return true;
    case OP_I32X4_MIN_U: emit_ibin_intrinsic(f, I32X4, "llvm.umin"); return true;
    case OP_I32X4_MAX_S: emit_ibin_intrinsic(f, I32X4, "llvm.smax"); return true;
    case OP_I32X4_MAX_U: emit_ibin_intrinsic(f, I32X4, "llvm.umax"); return true;
    case OP_I8X16_AVGR_U: emit_avgr(f, I8X16); return true;
    case OP_I16X8_AVGR_U: emit_avgr(f, I16X8); return true;

    case OP_I16X8_EXTADD_PAIRWISE_I8X16_S: emit_extadd_pairwise(f, I8X16, true); return true;
    case OP_I16X8_EXTADD_PAIRWISE_I8X16_U: emit_extadd_pairwise(f, I8X16, false); return true;
    case OP_I32X4_EXTADD_PAIRWISE_I16X8_S: emit_extadd_pairwise(f, I16X8, true); return true;
    case OP_I32X4_EXTADD_PAIRWISE_I16X8_U: emit_extadd_pairwise(f, I16X8, false); return true;
    case OP_I16X8_Q15MULR_SAT_S: emit_q15mulr(f); return true;
    case OP_I32X4_DOT_I16X8_S: emit_dot(f); return true;

    case OP_I16X8_EXTEND_LOW_I8X16_S: emit_extend(f, I8X16, false, true); return true;
    case OP_I16X8_EXTEND_HIGH_I8X16_S: emit_extend(f, I8X16, true, true); return true;
    case OP_I16X8_EXTEND_LOW_I8X16_U: emit_extend(f, I8X16, false, false); return true;
    case OP_I16X8_EXTEND_HIGH_I8X16_U: emit_extend(f, I8X16, true, false); return true;
    case OP_I32X4_EXTEND_LOW_I16X8_S: emit_extend(f, I16X8, false, true); return true;
    case OP_I32X4_EXTEND_HIGH_I16X8_S: emit_extend(f, I16X8, true, true); return true;
    case OP_I32X4_EXTEND_LOW_I16X8_U: emit_extend(f, I16X8, false, false); return true;
    case OP_I32X4_EXTEND_HIGH_I16X8_U: emit_extend(f, I16X8, true, false); return true;
    case OP_I64X2_EXTEND_LOW_I32X4_S: emit_extend(f, I32X4, false, true); return true;
    case OP_I64X2_EXTEND_HIGH_I32X4_S: emit_extend(f, I32X4, true, true); return true;
    case OP_I64X2_EXTEND_LOW_I32X4_U: emit_extend(f, I32X4, false, false); return true;
    case OP_I64X2_EXTEND_HIGH_I32X4_U: emit_extend(f, I32X4, true, false); return true;

    case OP_I16X8_EXTMUL_LOW_I8X16_S: emit_extmul(f, I8X16, false, true); return true;
    case OP_I16X8_EXTMUL_HIGH_I8X16_S: emit_extmul(f, I8X16, true, true); return true;
    case OP_I16X8_EXTMUL_LOW_I8X16_U: emit_extmul(f, I8X16, false, false); return true;
    case OP_I16X8_EXTMUL_HIGH_I8X16_U: emit_extmul(f, I8X16, true, false); return true;
    case OP_I32X4_EXTMUL_LOW_I16X8_S: emit_extmul(f, I16X8, false, true); return true;
    case OP_I32X4_EXTMUL_HIGH_I16X8_S: emit_extmul(f, I16X8, true, true); return true;
    case OP_I32X4_EXTMUL_LOW_I16X8_U: emit_extmul(f, I16X8, false, false); return true;
    case OP_I32X4_EXTMUL_HIGH_I16X8_U: emit_extmul(f, I16X8, true, false); return true;
    case OP_I64X2_EXTMUL_LOW_I32X4_S: emit_extmul(f, I32X4, false, true); return true;
    case OP_I64X2_EXTMUL_HIGH_I32X4_S: emit_extmul(f, I32X4, true, true); return true;
    case OP_I64X2_EXTMUL_LOW_I32X4_U: emit_extmul(f, I32X4, false, false); return true;
    case OP_I64X2_EXTMUL_HIGH_I32X4_U: emit_extmul(f, I32X4, true, false); return true;
    default: return false;
    }
}

static bool emit_simd_float(LowerFunc *f, const Instr *in) {
    switch (in->op) {
    case OP_F32X4_ABS: emit_funary(f, F32X4, "llvm.fabs"); return true;
    case OP_F64X2_ABS: emit_funary(f, F64X2, "llvm.fabs"); return true;
    case OP_F32X4_NEG: push_v(f, LLVMBuildFNeg(f->b, pop_as(f, F32X4), "")); return true;
    case OP_F64X2_NEG: push_v(f, LLVMBuildFNeg(f->b, pop_as(f, F64X2), "")); return true;
    case OP_F32X4_SQRT: emit_funary(f, F32X4, "llvm.sqrt"); return true;
    case OP_F64X2_SQRT: emit_funary(f, F64X2, "llvm.sqrt"); return true;
    case OP_F32X4_CEIL: emit_funary(f, F32X4, "llvm.ceil"); return true;
    case OP_F64X2_CEIL: emit_funary(f, F64X2, "llvm.ceil"); return true;
    case OP_F32X4_FLOOR: emit_funary(f, F32X4, "llvm.floor"); return true;
    case OP_F64X2_FLOOR: emit_funary(f, F64X2, "llvm.floor"); return true;
    case OP_F32X4_TRUNC: emit_funary(f, F32X4, "llvm.trunc"); return true;
    case OP_F64X2_TRUNC: emit_funary(f, F64X2, "llvm.trunc"); return true;
    case OP_F32X4_NEAREST: emit_funary(f, F32X4, "llvm.roundeven"); return true;
    case OP_F64X2_NEAREST: emit_funary(f, F64X2, "llvm.roundeven"); return true;
    case OP_F32X4_ADD: emit_fbin(f, F32X4, LLVMBuildFAdd); return true;
    case OP_F64X2_ADD: emit_fbin(f, F64X2, LLVMBuildFAdd); return true;
    case OP_F32X4_SUB: emit_fbin(f, F32X4, LLVMBuildFSub); return true;
    case OP_F64X2_SUB: emit_fbin(f, F64X2, LLVMBuildFSub); return true;
    case OP_F32X4_MUL: emit_fbin(f, F32X4, LLVMBuildFMul); return true;
    case OP_F64X2_MUL: emit_fbin(f, F64X2, LLVMBuildFMul); return true;
    case OP_F32X4_DIV: emit_fbin(f, F32X4, LLVMBuildFDiv); return true;
    case OP_F64X2_DIV: emit_fbin(f, F64X2, LLVMBuildFDiv); return true;
    case OP_F32X4_MIN: emit_fminmax(f, F32X4, false); return true;
    case OP_F64X2_MIN: emit_fminmax(f, F64X2, false); return true;
    case OP_F32X4_MAX: emit_fminmax(f, F32X4, true); return true;
    case OP_F64X2_MAX: emit_fminmax(f, F64X2, true); return true;
    case OP_F32X4_PMIN: emit_pminmax(f, F32X4, false); return true;
    case OP_F64X2_PMIN: emit_pminmax(f, F64X2, false); return true;
    case OP_F32X4_PMAX: emit_pminmax(f, F32X4, true); return true;
    case OP_F64X2_PMAX: emit_pminmax(f, F64X2, true); return true;

    case OP_I32X4_TRUNC_SAT_F32X4_S: emit_trunc_sat_f32(f, true); return true;
    case OP_I32X4_TRUNC_SAT_F32X4_U: emit_trunc_sat_f32(f, false); return true;
    case OP_I32X4_TRUNC_SAT_F64X2_S_ZERO: emit_trunc_sat_f64_zero(f, true); return true;
    case OP_I32X4_TRUNC_SAT_F64X2_U_ZERO: emit_trunc_sat_f64_zero(f, false); return true;
    case OP_F32X4_CONVERT_I32X4_S: emit_convert_f32(f, true); return true;
    case OP_F32X4_CONVERT_I32X4_U: emit_convert_f32(f, false); return true;
    case OP_F64X2_CONVERT_LOW_I32X4_S: emit_convert_low_f64(f, true); return true;
    case OP_F64X2_CONVERT_LOW_I32X4_U: emit_convert_low_f64(f, false); return true;
    case OP_F32X4_DEMOTE_F64X2_ZERO: emit_demote(f); return true;
    case OP_F64X2_PROMOTE_LOW_F32X4: emit_promote(f); return true;
    default: return false;
    }
}

bool emit_simd(LowerFunc *f, const Instr *in) {
    if (emit_simd_memory(f, in) || emit_simd_lanes(f, in) || emit_simd_compare_bitwise(f, in) ||
        emit_simd_integer(f, in) || emit_simd_float(f, in))
        return true;
    return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "%s is not a SIMD instruction", op_info[in->op].text);
}
