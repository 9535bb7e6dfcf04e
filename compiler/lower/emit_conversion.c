/* Conversion instructions: wrap, extend, trapping and saturating float to
 * integer truncation, integer to float conversion, demote/promote and
 * reinterpretation.
 *
 * LLVM's fptosi/fptoui return poison when the truncated value does not fit,
 * so the trapping forms check first: NaN traps "invalid conversion", and
 * anything else outside the open interval (lo, hi) traps "integer overflow".
 * The bounds are the nearest representable values of the source type just
 * outside the target range (e.g. i32.trunc_f32_s accepts exactly
 * -2147483904 < x < 2147483648), so the comparisons are exact at the
 * boundary and the conversion that follows is always defined.  The
 * saturating forms are llvm.fpto[su]i.sat, whose semantics (NaN -> 0, clamp
 * to the range) are the Wasm ones.  sitofp/uitofp round to nearest-even as
 * Wasm requires (LLVM lowers u64 -> f32 with the halve-and-or-sticky-bit
 * trick, which is exact), and fptrunc/fpext quiet signalling NaNs both at
 * run time and in LLVM's constant folder, giving the arithmetic NaN the spec
 * asks for; demote additionally guards against InstCombine folding a
 * promote/demote pair away (see emit_demote).  Reinterpretations are plain
 * bitcasts.
 */
#include "lower.h"

typedef struct TruncRange {
    double lo, hi; /* valid iff lo < x < hi, both exact in the source type */
} TruncRange;

/* Indexed by [to64][from64][unsigned]. */
static const TruncRange trunc_ranges[2][2][2] = {
    /* to i32 */
    {
        {{-2147483904.0, 2147483648.0}, {-1.0, 4294967296.0}},  /* from f32: s, u */
        {{-2147483649.0, 2147483648.0}, {-1.0, 4294967296.0}},  /* from f64: s, u */
    },
    /* to i64 */
    {
        {{-9223373136366403584.0, 9223372036854775808.0}, {-1.0, 18446744073709551616.0}},
        {{-9223372036854777856.0, 9223372036854775808.0}, {-1.0, 18446744073709551616.0}},
    },
};

static void emit_trunc(LowerFunc *f, bool to64, bool from64, bool is_unsigned) {
    LowerModule *lm = f->lm;
    LLVMTypeRef ft = from64 ? lm->t_f64 : lm->t_f32;
    LLVMTypeRef it = to64 ? lm->t_i64 : lm->t_i32;
    const TruncRange *range = &trunc_ranges[to64][from64][is_unsigned];
    LLVMValueRef x = lf_pop(f);

    /* One test on the hot path: the unordered compares are also true for
     * NaN.  Only the cold path tells NaN from overflow. */
    LLVMValueRef too_low = LLVMBuildFCmp(f->b, LLVMRealULE, x, LLVMConstReal(ft, range->lo), "");
    LLVMValueRef too_high = LLVMBuildFCmp(f->b, LLVMRealUGE, x, LLVMConstReal(ft, range->hi), "");
    LLVMValueRef bad = LLVMBuildOr(f->b, too_low, too_high, "trunc.bad");
    if (!(LLVMIsAConstantInt(bad) && LLVMConstIntGetZExtValue(bad) == 0)) {
        LLVMBasicBlockRef cold = LLVMAppendBasicBlockInContext(lm->ctx, f->fn, "trunc.bad");
        LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(lm->ctx, f->fn, "trunc.ok");
        lf_set_unlikely(f, LLVMBuildCondBr(f->b, bad, cold, ok));
        LLVMPositionBuilderAtEnd(f->b, cold);
        lf_trap_if(f, LLVMBuildFCmp(f->b, LLVMRealUNO, x, x, "trunc.nan"), WASMC_TRAP_INVALID_CONVERSION);
        lf_trap(f, WASMC_TRAP_INT_OVERFLOW);
        LLVMBuildUnreachable(f->b); /* the fresh block lf_trap leaves behind */
        LLVMPositionBuilderAtEnd(f->b, ok);
    }

    lf_push(f, is_unsigned ? LLVMBuildFPToUI(f->b, x, it, "") : LLVMBuildFPToSI(f->b, x, it, ""));
}

static void emit_trunc_sat(LowerFunc *f, bool to64, bool from64, bool is_unsigned) {
    LowerModule *lm = f->lm;
    LLVMTypeRef types[2] = {to64 ? lm->t_i64 : lm->t_i32, from64 ? lm->t_f64 : lm->t_f32};
    LLVMValueRef x = lf_pop(f);
    lf_push(f, lf_call_intrinsic(f, is_unsigned ? "llvm.fptoui.sat" : "llvm.fptosi.sat", types, 2, &x, 1));
}

/* InstCombine folds fptrunc(fpext x) to x, and fptrunc(fneg/fabs(fpext x))
 * to fneg/fabs x, which would hand back a signalling NaN unquieted.  The
 * result is therefore guarded: a NaN becomes r+r, which is quiet and which
 * LLVM cannot fold away (it drops the guard itself when the operand is
 * known never to be NaN, e.g. from an integer conversion). */
static void emit_demote(LowerFunc *f) {
    LLVMValueRef r = LLVMBuildFPTrunc(f->b, lf_pop(f), f->lm->t_f32, "");
    LLVMValueRef is_nan = LLVMBuildFCmp(f->b, LLVMRealUNO, r, r, "");
    LLVMValueRef quiet = LLVMBuildFAdd(f->b, r, r, "");
    lf_push(f, LLVMBuildSelect(f->b, is_nan, quiet, r, "demote"));
}

/* extend8_s and friends: keep the low `bits`, sign-extend back. */
static void emit_sign_extend_low(LowerFunc *f, LLVMTypeRef narrow, LLVMTypeRef wide) {
    LLVMValueRef x = lf_pop(f);
    lf_push(f, LLVMBuildSExt(f->b, LLVMBuildTrunc(f->b, x, narrow, ""), wide, ""));
}

bool emit_conversion(LowerFunc *f, const Instr *in) {
    LowerModule *lm = f->lm;
    LLVMBuilderRef b = f->b;
    switch (in->op) {
    case OP_I32_WRAP_I64: lf_push(f, LLVMBuildTrunc(b, lf_pop(f), lm->t_i32, "")); break;
    case OP_I64_EXTEND_I32_S: lf_push(f, LLVMBuildSExt(b, lf_pop(f), lm->t_i64, "")); break;
    case OP_I64_EXTEND_I32_U: lf_push(f, LLVMBuildZExt(b, lf_pop(f), lm->t_i64, "")); break;
    case OP_I32_EXTEND8_S: emit_sign_extend_low(f, lm->t_i8, lm->t_i32); break;
    case OP_I32_EXTEND16_S: emit_sign_extend_low(f, lm->t_i16, lm->t_i32); break;
    case OP_I64_EXTEND8_S: emit_sign_extend_low(f, lm->t_i8, lm->t_i64); break;
    case OP_I64_EXTEND16_S: emit_sign_extend_low(f, lm->t_i16, lm->t_i64); break;
    case OP_I64_EXTEND32_S: emit_sign_extend_low(f, lm->t_i32, lm->t_i64); break;

    case OP_I32_TRUNC_F32_S: emit_trunc(f, false, false, false); break;
    case OP_I32_TRUNC_F32_U: emit_trunc(f, false, false, true); break;
    case OP_I32_TRUNC_F64_S: emit_trunc(f, false, true, false); break;
    case OP_I32_TRUNC_F64_U: emit_trunc(f, false, true, true); break;
    case OP_I64_TRUNC_F32_S: emit_trunc(f, true, false, false); break;
    case OP_I64_TRUNC_F32_U: emit_trunc(f, true, false, true); break;
    case OP_I64_TRUNC_F64_S: emit_trunc(f, true, true, false); break;
    case OP_I64_TRUNC_F64_U: emit_trunc(f, true, true, true); break;

    case OP_I32_TRUNC_SAT_F32_S: emit_trunc_sat(f, false, false, false); break;
    case OP_I32_TRUNC_SAT_F32_U: emit_trunc_sat(f, false, false, true); break;
    case OP_I32_TRUNC_SAT_F64_S: emit_trunc_sat(f, false, true, false); break;
    case OP_I32_TRUNC_SAT_F64_U: emit_trunc_sat(f, false, true, true); break;
    case OP_I64_TRUNC_SAT_F32_S: emit_trunc_sat(f, true, false, false); break;
    case OP_I64_TRUNC_SAT_F32_U: emit_trunc_sat(f, true, false, true); break;
    case OP_I64_TRUNC_SAT_F64_S: emit_trunc_sat(f, true, true, false); break;
    case OP_I64_TRUNC_SAT_F64_U: emit_trunc_sat(f, true, true, true); break;

    case OP_F32_CONVERT_I32_S: case OP_F32_CONVERT_I64_S:
        lf_push(f, LLVMBuildSIToFP(b, lf_pop(f), lm->t_f32, "")); break;
    case OP_F32_CONVERT_I32_U: case OP_F32_CONVERT_I64_U:
        lf_push(f, LLVMBuildUIToFP(b, lf_pop(f), lm->t_f32, "")); break;
    case OP_F64_CONVERT_I32_S: case OP_F64_CONVERT_I64_S:
        lf_push(f, LLVMBuildSIToFP(b, lf_pop(f), lm->t_f64, "")); break;
    case OP_F64_CONVERT_I32_U: case OP_F64_CONVERT_I64_U:
        lf_push(f, LLVMBuildUIToFP(b, lf_pop(f), lm->t_f64, "")); break;
    case OP_F32_DEMOTE_F64: emit_demote(f); break;
    case OP_F64_PROMOTE_F32: lf_push(f, LLVMBuildFPExt(b, lf_pop(f), lm->t_f64, "")); break;

    case OP_I32_REINTERPRET_F32: lf_push(f, LLVMBuildBitCast(b, lf_pop(f), lm->t_i32, "")); break;
    case OP_I64_REINTERPRET_F64: lf_push(f, LLVMBuildBitCast(b, lf_pop(f), lm->t_i64, "")); break;
    case OP_F32_REINTERPRET_I32: lf_push(f, LLVMBuildBitCast(b, lf_pop(f), lm->t_f32, "")); break;
    case OP_F64_REINTERPRET_I64: lf_push(f, LLVMBuildBitCast(b, lf_pop(f), lm->t_f64, "")); break;

    default:
        return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "%s is not a conversion instruction",
                          op_info[in->op].text);
    }
    return true;
}
