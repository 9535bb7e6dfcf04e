/* The optimisation layer: the IR passes wasmc runs on each part after
 * lowering, and the table that schedules them (passes.def).
 *
 * Lowering (compiler/lower/) emits plain IR plus labels: !wasmc.addr on the
 * zext of every access address, load anchors, order barriers.  The passes
 * here find what they work on by those labels; codegen.c runs them as a
 * walk over the table (opt_run_stage), before and after LLVM's pipeline.
 */
#ifndef WASMC_OPT_H
#define WASMC_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "error.h"

typedef enum OptStage { OPT_EARLY, OPT_LATE } OptStage;
enum { OPT_GUARD = 1u, OPT_BOUNDS = 2u };
enum { OPT_REQUIRED = 0, OPT_SWITCHABLE = 1 };

typedef enum OptPassId {
#define PASS(ID, ...) OPT_PASS_##ID,
#include "passes.def"
#undef PASS
    OPT_PASS_COUNT_
} OptPassId;

typedef struct OptPassInfo {
    const char *name;
    OptStage stage;
    int min_level;
    unsigned modes;           /* OPT_GUARD | OPT_BOUNDS */
    bool switchable;
    const char *file;
    const char *summary;
} OptPassInfo;

extern const OptPassInfo opt_passes[OPT_PASS_COUNT_];

/* A set of passes, bit OptPassId. */
typedef uint32_t OptPassSet;
#define OPT_PASS_BIT(id) ((OptPassSet)1u << (id))

/* The pass called `name`, or -1. */
int opt_pass_by_name(const char *name);
/* Add the passes of a comma-separated list to *set; false with a one-line
 * reason in why (an unknown name, or a pass that may not be switched off). */
bool opt_disable_passes(const char *list, OptPassSet *set, char *why, size_t why_size);
/* The table, one pass a line (wasmc --print-passes). */
void opt_print_passes(FILE *f);

/* The LLVM pipeline (opt syntax) that runs between the early and late
 * stages at opt_level. */
const char *opt_llvm_pipeline(int opt_level);

/* One part's module on its way through the table. */
typedef struct OptContext {
    const struct CompileConfig *cc; /* -O level, memory mode, target, disabled passes, verify_guards */
    LLVMModuleRef mod;
    LLVMTargetMachineRef tm;
    LLVMPassBuilderOptionsRef po;  /* for the LLVM passes the table runs (ssa) */
} OptContext;

/* Does pass `id` run for c (its level, its memory modes, not disabled)? */
bool opt_pass_runs(const OptContext *c, OptPassId id);
/* Run the passes of `stage` in table order; false with err set if one
 * fails. */
bool opt_run_stage(const OptContext *c, OptStage stage, WasmError *err);

/* static_bound.c: the largest value the i32 address `addr` can take,
 * judged from its expression alone; false when unknown.  Used by lowering
 * (no check for such an access) and check versioning. */
bool opt_address_bound(LLVMValueRef addr, uint64_t *max);

/* verify_guards.c: check the guard-page rules on a guard-page module;
 * `late`: after the late stage (guards materialised); `cmov_may_branch`:
 * the target's back end may turn a cmov into a branch (TargetInfo).  False
 * with an internal error naming the function. */
bool opt_verify_guards(LLVMModuleRef mod, bool late, bool cmov_may_branch, const char *after, WasmError *err);

/* ---- The passes (one file each; see passes.def) ----------------------- */

/* anchor_materialize.c: before the pipeline, keep the anchors' vector
 * variants declared; after it, turn each anchor call into what keeps the
 * load (`optimized`: the pipeline ran at -O1 or above, so no dead
 * instruction is left that could take a load with it). */
void opt_anchor_prepare(LLVMModuleRef mod);
void opt_anchor_materialize(LLVMModuleRef mod, const char *vector_constraint, bool optimized);
/* order_materialize.c: order barriers become asm statements. */
void opt_order_materialize(LLVMModuleRef mod);
/* byte_compare_skip.c */
void opt_skip_equal_bytes(LLVMModuleRef mod);
/* check_versioning.c (--bounds-checks only) */
void opt_version_checked_loops(LLVMModuleRef mod);
/* address_reassociate.c: before address_ivs (it makes the sums that pass
 * widens). */
void opt_address_reassociate(LLVMModuleRef mod, bool guard_pages);
/* address_ivs.c: `guard_pages` also widens accessed stepped pointers
 * themselves (as in loops check versioning left free of checks). */
void opt_address_ivs(LLVMModuleRef mod, bool guard_pages);
/* address_nuw.c */
void opt_address_nuw(LLVMModuleRef mod);
/* address_streams.c: after address_nuw (it reads the flags); guard pages or
 * check-free loop copies only. */
void opt_address_streams(LLVMModuleRef mod, bool guard_pages);
void opt_streams_materialize(LLVMModuleRef mod);

#endif
