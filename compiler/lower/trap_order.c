/* Guard-page mode: a trapping access must see every side effect before it.
 *
 * An unchecked access traps by touching the guard region, and a trapped
 * instance stays observable (its memory and globals are exported), so
 * every store, global.set and table.set that precedes the access in Wasm
 * order must have happened when it traps, and none that follows.  LLVM
 * does not know a load can trap: it hoists a loop-invariant load out of a
 * loop above the loop's stores (LICM), moves loads into predecessors (GVN
 * PRE), interleaves iterations (the vectorisers) and lets the machine
 * scheduler swap a load with a store to another address.  Found by
 * fuzz-diff (tests/fuzz-diff/regress/trap_order_*.wat).
 *
 * So lowering puts an order barrier between a side effect and the next
 * unchecked access: a call to wasmc_order_barrier, which touches only
 * inaccessible memory (so it costs no store-to-load forwarding, and no
 * register of linear-memory values) but is not `willreturn`.  A call
 * that may never return is what every pass respects before moving code
 * across it: nothing after it is "guaranteed to execute" (LICM), load PRE
 * and the SLP scheduler stop at it, and the loop vectoriser cannot widen a
 * loop that contains it.  After the pipeline each call becomes an empty
 * asm statement with side effects (opt/order_materialize.c), which
 * instruction selection and the machine scheduler keep in order with
 * every memory access.
 *
 * Placement is lazy, so straight-line code pays once per run of side
 * effects:
 * - a side effect marks the function "pending" (lf_order_side_effect);
 * - an unchecked access while pending emits the barrier first
 *   (lf_order_flush from lf_memory_address);
 * - every branch and every call to a Wasm function emits it while pending
 *   (lf_order_flush), so each block starts clean and an inlined callee
 *   needs nothing for its caller's stores (its own returns are branches).
 * Calls into the runtime or to imports are opaque to LLVM and may write
 * anything, so nothing moves across them anyway.
 *
 * The price is in loops that store: they no longer vectorise, and loads
 * in them are no longer hoisted above their stores.  --bounds-checks
 * needs none of this (a checked access is a branch, which LLVM already
 * keeps in order) and emits no barrier.
 *
 * Nor does a WASI command, by default: the WASI application ABI says a
 * command's _start is called at most once and none of its exports is
 * accessed outside that call, so after a trap nobody may look at its
 * memory, globals or tables, and the stores the barrier protects are
 * unobservable.  The descriptor says so (inexact_trap_state) and the
 * runtime refuses to call into such an instance after it trapped.  What a
 * command does through WASI before the trap stays exact: imports are
 * opaque calls that nothing moves across.  A command that imports a
 * memory, table or mutable global shares state someone else can read, so
 * it keeps the barriers; so does every module under --trap-state=exact.
 */
#include <string.h>

#include "lower.h"

/* memory(inaccessiblemem: readwrite): MemoryEffects packs two ModRef bits
 * per location (argmem, inaccessiblemem, other). */
#define BARRIER_MEMORY_EFFECTS (3u << 2)

static bool orders_traps(const LowerFunc *f) {
    return f->lm->cc->memory_mode == WASMC_MEMORY_GUARD_PAGES && f->lm->exact_trap_state;
}

static bool exports_func(const Module *m, const char *name) {
    for (uint32_t i = 0; i < m->num_exports; i++)
        if (m->exports[i].kind == EXTERN_FUNC && strcmp(m->exports[i].name.str, name) == 0)
            return true;
    return false;
}

bool lm_exact_trap_state(const Module *m, bool exact) {
    if (exact || !exports_func(m, "_start") || exports_func(m, "_initialize"))
        return true;
    for (uint32_t i = 0; i < m->num_imports; i++) {
        const Import *im = &m->imports[i];
        if (im->kind == EXTERN_MEMORY || im->kind == EXTERN_TABLE ||
            (im->kind == EXTERN_GLOBAL && m->globals[im->index].mutable_))
            return true;
    }
    return false;
}

static LLVMValueRef barrier_function(LowerModule *lm) {
    LLVMValueRef fn = LLVMGetNamedFunction(lm->mod, BARRIER_NAME);
    if (fn)
        return fn;
    fn = LLVMAddFunction(lm->mod, BARRIER_NAME, LLVMFunctionType(lm->t_void, NULL, 0, false));
    opt_label_function(fn, BARRIER_MD);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(lm->ctx, LLVMGetEnumAttributeKindForName("memory", 6),
                                                    BARRIER_MEMORY_EFFECTS));
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(lm->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
    /* Deliberately not willreturn: see above. */
    return fn;
}

void lf_order_side_effect(LowerFunc *f) {
    if (orders_traps(f))
        f->order_pending = true;
}

void lf_order_flush(LowerFunc *f) {
    if (!f->order_pending)
        return;
    f->order_pending = false;
    LowerModule *lm = f->lm;
    LLVMBuildCall2(f->b, LLVMFunctionType(lm->t_void, NULL, 0, false), barrier_function(lm), NULL, 0, "");
}
