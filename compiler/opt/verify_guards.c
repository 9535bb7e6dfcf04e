/* The guard-page verifier: checks, after each pass of the table and after
 * LLVM's pipeline, that the IR still keeps the guard-page rules, so a pass
 * or an LLVM upgrade that breaks them fails the compile (an internal error
 * naming the function) instead of losing a trap at run time.
 *
 * The rules (lower/load_anchor.c and lower/trap_order.c say why):
 *
 * 1. The guards' contract with LLVM.  Every load anchor claims to read all
 *    memory and to write inaccessible memory (so it is never deleted and
 *    no store before the load moves after it or dies across it: fuzz-diff
 *    seed 103504) and to return; every order barrier writes inaccessible
 *    memory and is not `willreturn` (so LICM, GVN PRE and the vectorisers
 *    move no access across it).
 * 2. Every unchecked load lowering anchored (labelled GUARDED_MD, labels.h)
 *    that is still there is kept: by an anchor call before the late stage;
 *    after it, by being volatile, by an asm statement reading it, or by
 *    floating-point code consuming it whole (what anchor materialisation
 *    relies on).
 * 3. Where the back end may turn a cmov into a branch (TargetInfo.
 *    cmov_may_branch: x86-64), a kept load a select chooses (directly or through casts)
 *    must be kept by an asm statement, not by being volatile or consumed
 *    by floating-point code: x86 folds such a load into a cmov, and
 *    X86CmovConversion may then branch around it, volatile or not
 *    (fuzz-diff seed 210365); a float load converted for a select moves
 *    into the branch x86 makes of the select (seeds 5118, 5337).
 * 4. After the late stage no anchor or barrier call is left (instruction
 *    selection would make them calls to undefined functions).
 *
 * What it cannot see: a load LLVM deleted along with its label (the
 * anchors exist so that never happens), or one whose label an LLVM
 * transformation dropped; those are not checked.  On in debug builds and
 * whenever the tests compile (wasmc --verify-guards; wast-run and the
 * fuzz-diff runner pass it).
 */
#include <string.h>

#include "labels.h"
#include "opt.h"

/* MemoryEffects: two ModRef bits (1 = read, 2 = write) per location,
 * argmem at bit 0, inaccessiblemem at bit 2, other memory at bit 4. */
#define ME_READ 1u
#define ME_WRITE 2u
#define ME_LOC(effects, loc) (((effects) >> (2 * (loc))) & 3u)

typedef struct Verify {
    LLVMContextRef ctx;
    unsigned md_guarded;
    unsigned k_memory, k_willreturn;
    bool late, cmov_may_branch;
    const char *after;
    WasmError *err;
} Verify;

static bool fail(const Verify *v, LLVMValueRef fn, const char *what) {
    size_t len = 0;
    const char *name = fn ? LLVMGetValueName2(fn, &len) : "?";
    return wasm_error(v->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "guard-page verifier, after %s: %s in %.*s",
                      v->after, what, (int)(len > 100 ? 100 : len), name);
}

static uint64_t memory_effects(const Verify *v, LLVMValueRef fn, bool *known) {
    LLVMAttributeRef a = LLVMGetEnumAttributeAtIndex(fn, LLVMAttributeFunctionIndex, v->k_memory);
    *known = a != NULL;
    return a ? LLVMGetEnumAttributeValue(a) : 0;
}

/* Rule 1, on the declarations. */
static bool check_declarations(const Verify *v, LLVMModuleRef mod) {
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn)) {
        bool anchor = opt_is_anchor_fn(fn), barrier = opt_is_barrier_fn(fn);
        if (!anchor && !barrier)
            continue;
        if (v->late && LLVMGetFirstUse(fn))
            return fail(v, fn, "a guard call was left for instruction selection");
        bool known;
        uint64_t me = memory_effects(v, fn, &known);
        bool willreturn = LLVMGetEnumAttributeAtIndex(fn, LLVMAttributeFunctionIndex, v->k_willreturn) != NULL;
        if (anchor && (!known || !(ME_LOC(me, 2) & ME_READ) || !(ME_LOC(me, 1) & ME_WRITE) || !willreturn))
            return fail(v, fn, "a load anchor that does not read all memory, write inaccessible memory and return "
                               "(stores could move across the load or die across it)");
        if (barrier && (!known || !(ME_LOC(me, 1) & ME_WRITE) || willreturn))
            return fail(v, fn, "an order barrier that is willreturn or writes no inaccessible memory "
                               "(accesses could move across it)");
    }
    return true;
}

static bool is_asm_call(LLVMValueRef i) {
    return LLVMIsACallInst(i) && LLVMIsAInlineAsm(LLVMGetCalledValue(i));
}

/* Does the value of `load` reach a select, directly or through up to two
 * casts (what the back end folds into a cmov)? */
static bool feeds_select(LLVMValueRef v, int depth) {
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (LLVMIsASelectInst(user) || (depth < 2 && LLVMIsACastInst(user) && feeds_select(user, depth + 1)))
            return true;
    }
    return false;
}

/* Floating-point code consumes the whole loaded vector (anchor
 * materialisation leaves such vector loads as they are; a scalar float
 * load must be volatile, or the back end may sink it into the one arm of a
 * branch that uses it). */
static bool float_consumed(LLVMValueRef load) {
    LLVMTypeRef ty = LLVMTypeOf(load);
    if (LLVMGetTypeKind(ty) != LLVMVectorTypeKind)
        return false;
    ty = LLVMGetElementType(ty);
    LLVMTypeKind k = LLVMGetTypeKind(ty);
    if (k != LLVMFloatTypeKind && k != LLVMDoubleTypeKind)
        return false;
    for (LLVMUseRef u = LLVMGetFirstUse(load); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (LLVMIsAInstruction(user) && (LLVMIsABinaryOperator(user) || LLVMIsAFCmpInst(user) ||
                                         LLVMIsAStoreInst(user) || LLVMIsAUnaryOperator(user) ||
                                         LLVMIsACastInst(user)) &&
            (LLVMIsAStoreInst(user) || LLVMGetFirstUse(user)))
            return true;
    }
    return false;
}

/* Does `v` reach a call that keeps it (an anchor, if `anchors`, or an asm
 * statement), directly or through the vectors the vectorisers build of
 * it (insertelement, shufflevector, casts), or through a freeze
 * (InstCombine freezes a load's value before simplifying arithmetic on
 * it; the freeze still needs the load, and emits no code)? */
static bool reaches_keeper(LLVMValueRef v, bool anchors, int depth) {
    for (LLVMUseRef u = LLVMGetFirstUse(v); u; u = LLVMGetNextUse(u)) {
        LLVMValueRef user = LLVMGetUser(u);
        if (is_asm_call(user) || (anchors && opt_is_anchor_call(user)))
            return true;
        /* A vector built lane by lane is a chain of up to 64
         * insertelements (512 bits of i8): those cost no depth. */
        bool lane = LLVMIsAInsertElementInst(user) != NULL;
        if ((lane || depth < 4) && (lane || LLVMIsAShuffleVectorInst(user) || LLVMIsACastInst(user) || LLVMIsAFreezeInst(user)) &&
            reaches_keeper(user, anchors, depth + !lane))
            return true;
    }
    return false;
}

/* Rules 2 and 3, on one labelled load. */
static bool check_load(const Verify *v, LLVMValueRef fn, LLVMValueRef load) {
    bool asm_kept = false;
    for (LLVMUseRef u = LLVMGetFirstUse(load); u; u = LLVMGetNextUse(u))
        asm_kept |= is_asm_call(LLVMGetUser(u));
    if (!v->late)
        return LLVMGetVolatile(load) || reaches_keeper(load, true, 0)
                   ? true : fail(v, fn, "an unchecked load that may trap lost its anchor");
    bool is_vector = LLVMGetTypeKind(LLVMTypeOf(load)) == LLVMVectorTypeKind;
    if (!LLVMGetVolatile(load) && !reaches_keeper(load, false, 0) && !float_consumed(load))
        return fail(v, fn, "an unchecked load that may trap is neither volatile nor read by an asm statement");
    if (v->cmov_may_branch && !asm_kept && !is_vector && feeds_select(load, 0))
        return fail(v, fn, "a load that may trap and that a select chooses is kept by no asm statement "
                           "(x86 may turn the select into a branch around it)");
    return true;
}

bool opt_verify_guards(LLVMModuleRef mod, bool late, bool cmov_may_branch, const char *after, WasmError *err) {
    Verify v = {.ctx = LLVMGetModuleContext(mod), .late = late, .cmov_may_branch = cmov_may_branch, .after = after, .err = err};
    v.md_guarded = LLVMGetMDKindIDInContext(v.ctx, GUARDED_MD, sizeof GUARDED_MD - 1);
    v.k_memory = LLVMGetEnumAttributeKindForName("memory", 6);
    v.k_willreturn = LLVMGetEnumAttributeKindForName("willreturn", 10);
    if (!check_declarations(&v, mod))
        return false;
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
        for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
            for (LLVMValueRef i = LLVMGetFirstInstruction(bb); i; i = LLVMGetNextInstruction(i))
                if (LLVMIsALoadInst(i) && LLVMGetMetadata(i, v.md_guarded) && !check_load(&v, fn, i))
                    return false;
    return true;
}
