/* The pass table (passes.def) as data, and the walk codegen.c makes over
 * it for each part. */
#include <string.h>

#include "opt.h"

#include "compile_config.h"

const OptPassInfo opt_passes[OPT_PASS_COUNT_] = {
#define PASS(ID, NAME, STAGE, MIN_O, MODES, SWITCH, FILE, SUMMARY) \
    [OPT_PASS_##ID] = {NAME, STAGE, MIN_O, MODES, SWITCH, FILE, SUMMARY},
#include "passes.def"
#undef PASS
};

_Static_assert(OPT_PASS_COUNT_ <= 32, "OptPassSet holds 32 passes");

int opt_pass_by_name(const char *name) {
    for (int i = 0; i < OPT_PASS_COUNT_; i++)
        if (strcmp(opt_passes[i].name, name) == 0)
            return i;
    return -1;
}

bool opt_disable_passes(const char *list, OptPassSet *set, char *why, size_t why_size) {
    char name[64];
    for (const char *p = list;;) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof name) {
            snprintf(why, why_size, "bad pass list '%s' (see wasmc --print-passes)", list);
            return false;
        }
        memcpy(name, p, n);
        name[n] = 0;
        int id = opt_pass_by_name(name);
        if (id < 0) {
            snprintf(why, why_size, "unknown pass '%s' (see wasmc --print-passes)", name);
            return false;
        }
        if (!opt_passes[id].switchable) {
            snprintf(why, why_size, "pass '%s' keeps generated code correct and cannot be disabled", name);
            return false;
        }
        *set |= OPT_PASS_BIT(id);
        if (!p[n])
            return true;
        p += n + 1;
    }
}

void opt_print_passes(FILE *f) {
    fputs("passes run on each part, in order (-fno-NAME or --disable-pass=NAME,... turns off\n"
          "a switchable one; 'early' runs before LLVM's pipeline, 'late' after it):\n\n"
          "  name                 stage  from  modes          switch    file\n",
          f);
    for (int i = 0; i < OPT_PASS_COUNT_; i++) {
        const OptPassInfo *p = &opt_passes[i];
        unsigned m = p->modes;
        fprintf(f, "  %-20s %-6s -O%d   %-14s %-9s %s\n", p->name, p->stage == OPT_EARLY ? "early" : "late",
                p->min_level,
                m == (OPT_GUARD | OPT_BOUNDS) ? "both" : m == OPT_GUARD ? "guard pages" : "bounds checks",
                p->switchable ? "yes" : "required", p->file);
        fprintf(f, "  %20s %s\n", "", p->summary);
    }
}

static bool guard_pages(const OptContext *c) { return c->cc->memory_mode == WASMC_MEMORY_GUARD_PAGES; }

bool opt_pass_runs(const OptContext *c, OptPassId id) {
    const OptPassInfo *p = &opt_passes[id];
    return c->cc->opt_level >= p->min_level && (p->modes & (guard_pages(c) ? OPT_GUARD : OPT_BOUNDS)) &&
           !(c->cc->disabled_passes & OPT_PASS_BIT(id));
}

static bool run_pass(const OptContext *c, OptPassId id, WasmError *err) {
    switch (id) {
    case OPT_PASS_ANCHOR_PREPARE:
        opt_anchor_prepare(c->mod);
        return true;
    case OPT_PASS_SSA: {
        LLVMErrorRef e = LLVMRunPasses(c->mod, "function(mem2reg)", c->tm, c->po);
        if (!e)
            return true;
        char *msg = LLVMGetErrorMessage(e);
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM pass pipeline: %s", msg);
        LLVMDisposeErrorMessage(msg);
        return false;
    }
    case OPT_PASS_BYTE_COMPARE_SKIP:
        opt_skip_equal_bytes(c->mod);
        return true;
    case OPT_PASS_CHECK_VERSIONING:
        opt_version_checked_loops(c->mod);
        return true;
    case OPT_PASS_ADDRESS_REASSOCIATE:
        opt_address_reassociate(c->mod, guard_pages(c));
        return true;
    case OPT_PASS_ADDRESS_IVS:
        opt_address_ivs(c->mod, guard_pages(c));
        return true;
    case OPT_PASS_ADDRESS_NUW:
        opt_address_nuw(c->mod);
        return true;
    case OPT_PASS_ADDRESS_STREAMS:
        opt_address_streams(c->mod, guard_pages(c));
        return true;
    case OPT_PASS_STREAMS_MATERIALIZE:
        opt_streams_materialize(c->mod);
        return true;
    case OPT_PASS_ANCHOR_MATERIALIZE:
        opt_anchor_materialize(c->mod, c->cc->target->vector_reg_constraint, c->cc->opt_level >= 1);
        return true;
    case OPT_PASS_ORDER_MATERIALIZE:
        opt_order_materialize(c->mod);
        return true;
    case OPT_PASS_COUNT_:
        break;
    }
    return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "pass %d has no entry point", (int)id);
}

bool opt_run_stage(const OptContext *c, OptStage stage, WasmError *err) {
    bool verify = c->cc->verify_guards && guard_pages(c);
    bool cmov_may_branch = c->cc->target->cmov_may_branch;
    for (int i = 0; i < OPT_PASS_COUNT_; i++) {
        if (opt_passes[i].stage != stage || !opt_pass_runs(c, (OptPassId)i))
            continue;
        if (!run_pass(c, (OptPassId)i, err))
            return false;
        /* In the late stage the guards are materialised one kind at a
         * time: the rules hold once all of them are. */
        if (verify && stage == OPT_EARLY && !opt_verify_guards(c->mod, false, cmov_may_branch, opt_passes[i].name, err))
            return false;
    }
    if (verify && stage == OPT_LATE && !opt_verify_guards(c->mod, true, cmov_may_branch, "the late passes", err))
        return false;
    return true;
}

/* LLVM's pipeline at -O2 and above, in place of default<O2>/<O3>.
 *
 * It is default<O2> (LLVM 19's, as `opt -passes='default<O2>'
 * -print-pipeline-passes` prints it) minus the passes that find nothing to
 * do in lowered Wasm, whose producer (clang, rustc, wasm-opt) already ran
 * its own -O2 and whose locals our ssa pass already promoted:
 *   - module passes for C/C++ front-end constructs: annotation2metadata,
 *     forceattrs, coroutines, OpenMP, lower-expect, float2int,
 *     move-auto-init, transform-warning, annotation-remarks, cg-profile,
 *     rel-lookup-table-converter, elim-avail-extern, alignment-from-
 *     assumptions;
 *   - interprocedural constant propagation (ipsccp, called-value-
 *     propagation, globalopt): a part's functions are hidden, visible to
 *     the other parts, and Wasm state is not in LLVM globals;
 *   - the instcombine + simplifycfg right after mem2reg (the inliner's
 *     function pipeline repeats them), the first jump-threading and
 *     speculative-execution of that pipeline (the second jump-threading
 *     stays), libcalls-shrinkwrap, the instcombine between the two loop
 *     pass groups, and the instcombine between loop-vectorize and SLP (the
 *     one after SLP cleans up both); loop-distribute (never fires on
 *     lowered loops: their checks and traps are in every iteration).
 * It saves little (a 1/16 sample of ruby.wasm's functions: 40.2 -> 39.0 s
 * of CPU for the whole compile, load ~13; machine code generation is
 * most of the rest), and the passes that cost most (InstCombine, SLP,
 * GVN) stay, as they are what the generated code's speed rests on; see
 * tools/bench/README.md for the benchmark run.  -O3 keeps default<O3>. */
#define SIMPLIFYCFG(OPTS) "simplifycfg<bonus-inst-threshold=1;" OPTS ">"
#define SCFG_KEEP SIMPLIFYCFG("no-forward-switch-cond;switch-range-to-icmp;no-switch-to-lookup;keep-loops;" \
                              "no-hoist-common-insts;no-sink-common-insts;speculate-blocks;simplify-cond-branch")
#define INSTCOMBINE "instcombine<max-iterations=1;no-use-loop-info;no-verify-fixpoint>"
static const char wasm_o2_pipeline[] =
    "inferattrs,"
    "function<eager-inv>(" SIMPLIFYCFG("no-forward-switch-cond;no-switch-range-to-icmp;no-switch-to-lookup;keep-loops;"
                                       "no-hoist-common-insts;no-sink-common-insts;speculate-blocks;simplify-cond-branch")
    ",sroa<modify-cfg>,early-cse<>),"
    "always-inline,require<globals-aa>,function(invalidate<aa>),"
    "cgscc(devirt<4>(inline,function-attrs<skip-non-recursive-function-attrs>,"
    "function<eager-inv;no-rerun>(sroa<modify-cfg>,early-cse<memssa>,correlated-propagation," SCFG_KEEP
    "," INSTCOMBINE ",aggressive-instcombine,tailcallelim," SCFG_KEEP ",reassociate,constraint-elimination,"
    "loop-mssa(loop-instsimplify,loop-simplifycfg,licm<no-allowspeculation>,"
    "loop-rotate<header-duplication;no-prepare-for-lto>,licm<allowspeculation>,"
    "simple-loop-unswitch<no-nontrivial;trivial>)," SCFG_KEEP ","
    "loop(loop-idiom,indvars,simple-loop-unswitch<no-nontrivial;trivial>,loop-deletion,loop-unroll-full),"
    "sroa<modify-cfg>,vector-combine,mldst-motion<no-split-footer-bb>,gvn<>,sccp,bdce," INSTCOMBINE ","
    "jump-threading,correlated-propagation,adce,memcpyopt,dse,loop-mssa(licm<allowspeculation>),"
    SIMPLIFYCFG("no-forward-switch-cond;switch-range-to-icmp;no-switch-to-lookup;keep-loops;hoist-common-insts;"
                "sink-common-insts;speculate-blocks;simplify-cond-branch")
    "," INSTCOMBINE "),function-attrs)),"
    "deadargelim,globaldce,rpo-function-attrs,recompute-globalsaa,"
    "function<eager-inv>(lower-constant-intrinsics,"
    "loop(loop-rotate<header-duplication;no-prepare-for-lto>,loop-deletion),"
    "inject-tli-mappings,loop-vectorize<no-interleave-forced-only;no-vectorize-forced-only>,infer-alignment,"
    "loop-load-elim,"
    SIMPLIFYCFG("forward-switch-cond;switch-range-to-icmp;switch-to-lookup;no-keep-loops;hoist-common-insts;"
                "sink-common-insts;speculate-blocks;simplify-cond-branch")
    ",slp-vectorizer,vector-combine," INSTCOMBINE ",loop-unroll<O2>,sroa<preserve-cfg>,infer-alignment,"
    INSTCOMBINE ",loop-mssa(licm<allowspeculation>),loop-sink,instsimplify,div-rem-pairs,tailcallelim,"
    SIMPLIFYCFG("no-forward-switch-cond;switch-range-to-icmp;no-switch-to-lookup;keep-loops;no-hoist-common-insts;"
                "no-sink-common-insts;speculate-blocks;simplify-cond-branch;speculate-unpredictables")
    "),globaldce,constmerge";

const char *opt_llvm_pipeline(int opt_level) {
    static const char *const defaults[4] = {"default<O0>", "default<O1>", wasm_o2_pipeline, "default<O3>"};
    return defaults[opt_level < 0 ? 0 : opt_level > 3 ? 3 : opt_level];
}
