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
