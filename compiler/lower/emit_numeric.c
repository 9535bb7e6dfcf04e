/* Numeric instructions: constants, comparisons, integer and float
 * arithmetic, lowered so that the result is exactly what the Wasm spec
 * says, never whatever LLVM may assume about undefined behaviour.
 *
 * Integers: division and remainder trap before the divide executes, and
 * rem_s divides by a substituted 1 when the divisor is -1 so the hardware
 * never faults on INT_MIN % -1 (whose Wasm result is 0).  Shift counts are
 * masked to width-1 (LLVM shifts by >= width are poison; the backends fold
 * the mask into the instruction); rotates use funnel shifts, which already
 * take the count modulo the width.  clz/ctz use is_zero_poison = false.
 *
 * Floats: no fast-math flags are ever set, so LLVM neither reassociates nor
 * contracts into FMA.  Two places need more care than plain IR:
 *   - LLVM folds x*1, x/1, x+(-0), x-0 to x and -0-x, x*-1, x/-1 to -x even
 *     without flags, which returns a signalling NaN unquieted where Wasm
 *     requires an arithmetic (quiet) NaN.  When an operand is such an
 *     identity constant the result is guarded: a NaN input yields x+x,
 *     which every IEEE implementation quiets.  (Identities that appear only
 *     after optimisation, e.g. through a local, are not covered.)
 *   - llvm.minimum/maximum give the right ordering and zero signs, but on
 *     x86-64 they return a NaN operand unquieted, and LLVM's folder does too.
 *     min/max therefore return (a+a)+(b+b) when unordered (quiet), and
 *     on x86-64 the ordered case is built from compare/select plus a
 *     bitwise or/and for equal operands (-0 vs +0), which lowers to a short
 *     branch-free sequence; AArch64's FMIN/FMAX already match Wasm, so there
 *     only the NaN guard is added around the intrinsic.
 * abs/neg/copysign are bitwise (fabs, fneg, copysign) and so keep NaN
 * payloads as the spec demands.  nearest is llvm.roundeven (ties to even).
 */
#include "lower.h"

#include <stdint.h>

#include "target.h"

/* ---- Small helpers ---- */

static LLVMValueRef push_bool(LowerFunc *f, LLVMValueRef i1) {
    LLVMValueRef v = LLVMBuildZExt(f->b, i1, f->lm->t_i32, "");
    lf_push(f, v);
    return v;
}

static LLVMTypeRef int_type(LowerFunc *f, bool is64) { return is64 ? f->lm->t_i64 : f->lm->t_i32; }
static LLVMTypeRef float_type(LowerFunc *f, bool is64) { return is64 ? f->lm->t_f64 : f->lm->t_f32; }

static bool const_int_is(LLVMValueRef v, uint64_t bits, unsigned width) {
    if (!LLVMIsAConstantInt(v))
        return false;
    uint64_t mask = width == 64 ? UINT64_MAX : ((UINT64_C(1) << width) - 1);
    return (LLVMConstIntGetZExtValue(v) & mask) == (bits & mask);
}

/* ---- Constants ---- */

static LLVMValueRef float_const_bits(LowerFunc *f, bool is64, uint64_t bits) {
    /* Built from the bit pattern so NaN payloads (even signalling ones)
     * survive exactly; a double detour would quiet them. */
    LLVMValueRef i = is64 ? lm_const_i64(f->lm, bits) : lm_const_i32(f->lm, (uint32_t)bits);
    return LLVMConstBitCast(i, float_type(f, is64));
}

/* ---- Integer arithmetic ---- */

typedef enum DivKind { DIV_S, DIV_U, REM_S, REM_U } DivKind;

static void emit_divrem(LowerFunc *f, bool is64, DivKind kind) {
    unsigned width = is64 ? 64 : 32;
    LLVMTypeRef t = int_type(f, is64);
    LLVMValueRef rhs = lf_pop(f);
    LLVMValueRef lhs = lf_pop(f);
    uint64_t int_min = UINT64_C(1) << (width - 1);
    uint64_t minus1 = UINT64_MAX;

    /* A constant nonzero divisor needs no check; skipping it keeps the IR
     * small (LLVM would fold it too, but later). */
    bool rhs_const = LLVMIsAConstantInt(rhs) != NULL;
    if (!rhs_const || const_int_is(rhs, 0, width)) {
        LLVMValueRef is_zero = LLVMBuildICmp(f->b, LLVMIntEQ, rhs, LLVMConstNull(t), "div.zero");
        lf_trap_if(f, is_zero, WASMC_TRAP_INT_DIV_ZERO);
    }

    LLVMValueRef r;
    switch (kind) {
    case DIV_S:
        if (!rhs_const || const_int_is(rhs, minus1, width)) {
            LLVMValueRef lmin = LLVMBuildICmp(f->b, LLVMIntEQ, lhs, LLVMConstInt(t, int_min, 0), "");
            LLVMValueRef rm1 = LLVMBuildICmp(f->b, LLVMIntEQ, rhs, LLVMConstInt(t, minus1, 0), "");
            lf_trap_if(f, LLVMBuildAnd(f->b, lmin, rm1, "div.ovf"), WASMC_TRAP_INT_OVERFLOW);
        }
        r = LLVMBuildSDiv(f->b, lhs, rhs, "");
        break;
    case DIV_U:
        r = LLVMBuildUDiv(f->b, lhs, rhs, "");
        break;
    case REM_S:
        /* x % -1 == 0 for every x; dividing by 1 instead gives that result
         * without the INT_MIN / -1 overflow (UB in LLVM, #DE on x86). */
        if (!rhs_const || const_int_is(rhs, minus1, width)) {
            LLVMValueRef rm1 = LLVMBuildICmp(f->b, LLVMIntEQ, rhs, LLVMConstInt(t, minus1, 0), "");
            rhs = LLVMBuildSelect(f->b, rm1, LLVMConstInt(t, 1, 0), rhs, "rem.divisor");
        }
        r = LLVMBuildSRem(f->b, lhs, rhs, "");
        break;
    case REM_U:
    default:
        r = LLVMBuildURem(f->b, lhs, rhs, "");
        break;
    }
    lf_push(f, r);
}

typedef enum ShiftKind { SH_SHL, SH_SHR_S, SH_SHR_U, SH_ROTL, SH_ROTR } ShiftKind;

static void emit_shift(LowerFunc *f, bool is64, ShiftKind kind) {
    LLVMTypeRef t = int_type(f, is64);
    LLVMValueRef rhs = lf_pop(f);
    LLVMValueRef lhs = lf_pop(f);
    LLVMValueRef r;
    if (kind == SH_ROTL || kind == SH_ROTR) {
        LLVMValueRef args[3] = {lhs, lhs, rhs};
        r = lf_call_intrinsic(f, kind == SH_ROTL ? "llvm.fshl" : "llvm.fshr", &t, 1, args, 3);
    } else {
        LLVMValueRef n = LLVMBuildAnd(f->b, rhs, LLVMConstInt(t, is64 ? 63 : 31, 0), "");
        if (kind == SH_SHL)
            r = LLVMBuildShl(f->b, lhs, n, "");
        else if (kind == SH_SHR_S)
            r = LLVMBuildAShr(f->b, lhs, n, "");
        else
            r = LLVMBuildLShr(f->b, lhs, n, "");
    }
    lf_push(f, r);
}

/* ctlz/cttz take an is_zero_poison flag (false: Wasm defines clz(0) and
 * ctz(0) as the width); ctpop has none. */
static void emit_bitcount(LowerFunc *f, bool is64, const char *intrinsic, bool has_zero_flag) {
    LLVMTypeRef t = int_type(f, is64);
    LLVMValueRef x = lf_pop(f);
    LLVMValueRef args[2] = {x, LLVMConstInt(f->lm->t_i1, 0, 0)};
    lf_push(f, lf_call_intrinsic(f, intrinsic, &t, 1, args, has_zero_flag ? 2 : 1));
}

static void emit_icmp(LowerFunc *f, LLVMIntPredicate pred) {
    LLVMValueRef rhs = lf_pop(f);
    LLVMValueRef lhs = lf_pop(f);
    push_bool(f, LLVMBuildICmp(f->b, pred, lhs, rhs, ""));
}

static void emit_eqz(LowerFunc *f, bool is64) {
    LLVMValueRef x = lf_pop(f);
    push_bool(f, LLVMBuildICmp(f->b, LLVMIntEQ, x, LLVMConstNull(int_type(f, is64)), ""));
}

typedef LLVMValueRef (*BinBuilder)(LLVMBuilderRef, LLVMValueRef, LLVMValueRef, const char *);

static void emit_ibin(LowerFunc *f, BinBuilder build) {
    LLVMValueRef rhs = lf_pop(f);
    LLVMValueRef lhs = lf_pop(f);
    lf_push(f, build(f->b, lhs, rhs, ""));
}

/* ---- Float arithmetic ---- */

static void emit_fcmp(LowerFunc *f, LLVMRealPredicate pred) {
    LLVMValueRef rhs = lf_pop(f);
    LLVMValueRef lhs = lf_pop(f);
    push_bool(f, LLVMBuildFCmp(f->b, pred, lhs, rhs, ""));
}

static void emit_funary(LowerFunc *f, bool is64, const char *intrinsic) {
    LLVMTypeRef t = float_type(f, is64);
    LLVMValueRef x = lf_pop(f);
    lf_push(f, lf_call_intrinsic(f, intrinsic, &t, 1, &x, 1));
}

/* ±0.0 and ±1.0: the constants LLVM folds x op C into x or -x with. */
static bool is_identity_const(LLVMValueRef v) {
    if (!LLVMIsAConstantFP(v))
        return false;
    LLVMBool loses = 0;
    double d = LLVMConstRealGetDouble(v, &loses);
    return d == 0.0 || d == 1.0 || d == -1.0;
}

/* r = x op C may be folded into x or -x, passing a signalling NaN through;
 * return r with a NaN x replaced by x+x, a quiet NaN. */
static LLVMValueRef quiet_nan_guard(LowerFunc *f, LLVMValueRef x, LLVMValueRef r) {
    LLVMValueRef is_nan = LLVMBuildFCmp(f->b, LLVMRealUNO, x, x, "");
    LLVMValueRef quiet = LLVMBuildFAdd(f->b, x, x, "");
    return LLVMBuildSelect(f->b, is_nan, quiet, r, "");
}

static void emit_fbin(LowerFunc *f, BinBuilder build) {
    LLVMValueRef rhs = lf_pop(f);
    LLVMValueRef lhs = lf_pop(f);
    LLVMValueRef r = build(f->b, lhs, rhs, "");
    if (is_identity_const(rhs))
        r = quiet_nan_guard(f, lhs, r);
    if (is_identity_const(lhs))
        r = quiet_nan_guard(f, rhs, r);
    lf_push(f, r);
}

static void emit_fminmax(LowerFunc *f, bool is64, bool is_max) {
    LLVMTypeRef ft = float_type(f, is64);
    LLVMTypeRef it = int_type(f, is64);
    LLVMValueRef b = lf_pop(f);
    LLVMValueRef a = lf_pop(f);
    LLVMValueRef ordered;
    if (f->lm->cc->target->native_fminmax) {
        LLVMValueRef args[2] = {a, b};
        ordered = lf_call_intrinsic(f, is_max ? "llvm.maximum" : "llvm.minimum", &ft, 1, args, 2);
    } else {
        LLVMValueRef pick_a = LLVMBuildFCmp(f->b, is_max ? LLVMRealOGT : LLVMRealOLT, a, b, "");
        LLVMValueRef sel = LLVMBuildSelect(f->b, pick_a, a, b, "");
        /* Equal operands differ at most in the sign of zero: min takes the
         * negative one (or of the bits), max the positive one (and). */
        LLVMValueRef ai = LLVMBuildBitCast(f->b, a, it, "");
        LLVMValueRef bi = LLVMBuildBitCast(f->b, b, it, "");
        LLVMValueRef zi = is_max ? LLVMBuildAnd(f->b, ai, bi, "") : LLVMBuildOr(f->b, ai, bi, "");
        LLVMValueRef z = LLVMBuildBitCast(f->b, zi, ft, "");
        LLVMValueRef eq = LLVMBuildFCmp(f->b, LLVMRealOEQ, a, b, "");
        ordered = LLVMBuildSelect(f->b, eq, z, sel, "");
    }
    /* Not a+b: with b == -0.0 LLVM folds that to a, unquieted.  Doubling
     * each operand first cannot be folded into an identity. */
    LLVMValueRef uno = LLVMBuildFCmp(f->b, LLVMRealUNO, a, b, "");
    LLVMValueRef nan = LLVMBuildFAdd(f->b, LLVMBuildFAdd(f->b, a, a, ""), LLVMBuildFAdd(f->b, b, b, ""), "");
    lf_push(f, LLVMBuildSelect(f->b, uno, nan, ordered, is_max ? "fmax" : "fmin"));
}

static void emit_copysign(LowerFunc *f, bool is64) {
    LLVMTypeRef t = float_type(f, is64);
    LLVMValueRef sign = lf_pop(f);
    LLVMValueRef mag = lf_pop(f);
    LLVMValueRef args[2] = {mag, sign};
    lf_push(f, lf_call_intrinsic(f, "llvm.copysign", &t, 1, args, 2));
}

/* ---- Dispatch ---- */

bool emit_numeric(LowerFunc *f, const Instr *in) {
    switch (in->op) {
    case OP_I32_CONST: lf_push(f, lm_const_i32(f->lm, in->imm.i32)); break;
    case OP_I64_CONST: lf_push(f, lm_const_i64(f->lm, in->imm.i64)); break;
    case OP_F32_CONST: lf_push(f, float_const_bits(f, false, in->imm.i32)); break;
    case OP_F64_CONST: lf_push(f, float_const_bits(f, true, in->imm.i64)); break;

    case OP_I32_EQZ: emit_eqz(f, false); break;
    case OP_I64_EQZ: emit_eqz(f, true); break;
    case OP_I32_EQ: case OP_I64_EQ: emit_icmp(f, LLVMIntEQ); break;
    case OP_I32_NE: case OP_I64_NE: emit_icmp(f, LLVMIntNE); break;
    case OP_I32_LT_S: case OP_I64_LT_S: emit_icmp(f, LLVMIntSLT); break;
    case OP_I32_LT_U: case OP_I64_LT_U: emit_icmp(f, LLVMIntULT); break;
    case OP_I32_GT_S: case OP_I64_GT_S: emit_icmp(f, LLVMIntSGT); break;
    case OP_I32_GT_U: case OP_I64_GT_U: emit_icmp(f, LLVMIntUGT); break;
    case OP_I32_LE_S: case OP_I64_LE_S: emit_icmp(f, LLVMIntSLE); break;
    case OP_I32_LE_U: case OP_I64_LE_U: emit_icmp(f, LLVMIntULE); break;
    case OP_I32_GE_S: case OP_I64_GE_S: emit_icmp(f, LLVMIntSGE); break;
    case OP_I32_GE_U: case OP_I64_GE_U: emit_icmp(f, LLVMIntUGE); break;

    /* Ordered compares are false on NaN; ne is the one unordered compare. */
    case OP_F32_EQ: case OP_F64_EQ: emit_fcmp(f, LLVMRealOEQ); break;
    case OP_F32_NE: case OP_F64_NE: emit_fcmp(f, LLVMRealUNE); break;
    case OP_F32_LT: case OP_F64_LT: emit_fcmp(f, LLVMRealOLT); break;
    case OP_F32_GT: case OP_F64_GT: emit_fcmp(f, LLVMRealOGT); break;
    case OP_F32_LE: case OP_F64_LE: emit_fcmp(f, LLVMRealOLE); break;
    case OP_F32_GE: case OP_F64_GE: emit_fcmp(f, LLVMRealOGE); break;

    case OP_I32_CLZ: emit_bitcount(f, false, "llvm.ctlz", true); break;
    case OP_I64_CLZ: emit_bitcount(f, true, "llvm.ctlz", true); break;
    case OP_I32_CTZ: emit_bitcount(f, false, "llvm.cttz", true); break;
    case OP_I64_CTZ: emit_bitcount(f, true, "llvm.cttz", true); break;
    case OP_I32_POPCNT: emit_bitcount(f, false, "llvm.ctpop", false); break;
    case OP_I64_POPCNT: emit_bitcount(f, true, "llvm.ctpop", false); break;

    case OP_I32_ADD: case OP_I64_ADD: emit_ibin(f, LLVMBuildAdd); break;
    case OP_I32_SUB: case OP_I64_SUB: emit_ibin(f, LLVMBuildSub); break;
    case OP_I32_MUL: case OP_I64_MUL: emit_ibin(f, LLVMBuildMul); break;
    case OP_I32_AND: case OP_I64_AND: emit_ibin(f, LLVMBuildAnd); break;
    case OP_I32_OR: case OP_I64_OR: emit_ibin(f, LLVMBuildOr); break;
    case OP_I32_XOR: case OP_I64_XOR: emit_ibin(f, LLVMBuildXor); break;

    case OP_I32_DIV_S: emit_divrem(f, false, DIV_S); break;
    case OP_I32_DIV_U: emit_divrem(f, false, DIV_U); break;
    case OP_I32_REM_S: emit_divrem(f, false, REM_S); break;
    case OP_I32_REM_U: emit_divrem(f, false, REM_U); break;
    case OP_I64_DIV_S: emit_divrem(f, true, DIV_S); break;
    case OP_I64_DIV_U: emit_divrem(f, true, DIV_U); break;
    case OP_I64_REM_S: emit_divrem(f, true, REM_S); break;
    case OP_I64_REM_U: emit_divrem(f, true, REM_U); break;

    case OP_I32_SHL: emit_shift(f, false, SH_SHL); break;
    case OP_I32_SHR_S: emit_shift(f, false, SH_SHR_S); break;
    case OP_I32_SHR_U: emit_shift(f, false, SH_SHR_U); break;
    case OP_I32_ROTL: emit_shift(f, false, SH_ROTL); break;
    case OP_I32_ROTR: emit_shift(f, false, SH_ROTR); break;
    case OP_I64_SHL: emit_shift(f, true, SH_SHL); break;
    case OP_I64_SHR_S: emit_shift(f, true, SH_SHR_S); break;
    case OP_I64_SHR_U: emit_shift(f, true, SH_SHR_U); break;
    case OP_I64_ROTL: emit_shift(f, true, SH_ROTL); break;
    case OP_I64_ROTR: emit_shift(f, true, SH_ROTR); break;

    case OP_F32_ABS: emit_funary(f, false, "llvm.fabs"); break;
    case OP_F64_ABS: emit_funary(f, true, "llvm.fabs"); break;
    case OP_F32_NEG: case OP_F64_NEG: lf_push(f, LLVMBuildFNeg(f->b, lf_pop(f), "")); break;
    case OP_F32_CEIL: emit_funary(f, false, "llvm.ceil"); break;
    case OP_F64_CEIL: emit_funary(f, true, "llvm.ceil"); break;
    case OP_F32_FLOOR: emit_funary(f, false, "llvm.floor"); break;
    case OP_F64_FLOOR: emit_funary(f, true, "llvm.floor"); break;
    case OP_F32_TRUNC: emit_funary(f, false, "llvm.trunc"); break;
    case OP_F64_TRUNC: emit_funary(f, true, "llvm.trunc"); break;
    case OP_F32_NEAREST: emit_funary(f, false, "llvm.roundeven"); break;
    case OP_F64_NEAREST: emit_funary(f, true, "llvm.roundeven"); break;
    case OP_F32_SQRT: emit_funary(f, false, "llvm.sqrt"); break;
    case OP_F64_SQRT: emit_funary(f, true, "llvm.sqrt"); break;

    case OP_F32_ADD: case OP_F64_ADD: emit_fbin(f, LLVMBuildFAdd); break;
    case OP_F32_SUB: case OP_F64_SUB: emit_fbin(f, LLVMBuildFSub); break;
    case OP_F32_MUL: case OP_F64_MUL: emit_fbin(f, LLVMBuildFMul); break;
    case OP_F32_DIV: case OP_F64_DIV: emit_fbin(f, LLVMBuildFDiv); break;
    case OP_F32_MIN: emit_fminmax(f, false, false); break;
    case OP_F32_MAX: emit_fminmax(f, false, true); break;
    case OP_F64_MIN: emit_fminmax(f, true, false); break;
    case OP_F64_MAX: emit_fminmax(f, true, true); break;
    case OP_F32_COPYSIGN: emit_copysign(f, false); break;
    case OP_F64_COPYSIGN: emit_copysign(f, true); break;

    default:
        return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "%s is not a numeric instruction",
                          op_info[in->op].text);
    }
    return true;
}
