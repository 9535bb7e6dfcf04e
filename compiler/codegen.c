/* Code generation: target machines, pass pipeline, parallel object emission.
 *
 * Parallelism model.  LLVM contexts and target machines are not
 * thread-safe, so every worker thread owns one LLVMTargetMachine (created
 * once per thread, not per part: it is the expensive object) and creates a
 * fresh LLVMContext per part, which also bounds peak memory to one part's
 * IR per thread.  Workers take parts from a shared counter in index order,
 * so which thread compiles a part never affects its bytes: each part is a
 * pure function of (module, part range, target), and the objects are
 * handed to the linker in part order.
 *
 * The part split is a pure function of the module and the CompileConfig's
 * part sizes (codegen_plan_parts), and it is what the compile cache
 * (cache.h) stores: one object per part.
 * Part 0 holds only the descriptor, trampolines and data, so a change of
 * data leaves every code part's object (and cache key) alone.  Functions
 * are cut into parts of MIN_PART_BYTES..MAX_PART_BYTES of bodies at
 * content-defined points (after a function whose body hash has its low
 * bits clear), so editing a function moves no cut but perhaps its own,
 * and a redeploy that changed a few functions recompiles only the parts
 * that hold them.  Parts are kept small because a changed function costs
 * the recompile of its whole part: on ruby.wasm with 1% of its functions
 * changed at random, 16-64 KiB parts recompile 37% of the code, 2-8 KiB
 * ones 8.5% and 1-8 KiB ones 6.0% (a simulation of the cut rule on the
 * two modules, which predicted the measured 2-8 KiB run's parts exactly:
 * 2278 parts, 219 recompiled).  The price is per-part overhead (a context, the declarations
 * the part uses, one more object for the linker), which measured nothing:
 * a 6 MB ruby.wasm subset took 68.3 s of CPU at -O2 in 44 parts of 16-64
 * KiB and 68.6 s in 161 parts of 2-16 KiB; and no inlining across parts
 * (little is lost: Wasm producers have already inlined).  Functions of
 * SOLO_BYTES or more are parts of their own, and from BUDGET_BYTES on (at
 * -O2 and above) get the budget tier: ruby.wasm's 138 KB ripper_yyparse
 * alone took ~3 min of CPU at -O2, 85% of it in the greedy register
 * allocator (interference and spill placement), which the fast allocator
 * avoids.  Parts are handed out largest first, so one big part does not
 * start last and leave the other threads idle (the order changes nothing
 * in the output: objects are collected by index).
 *
 * LLVM reports some errors through the context's diagnostic handler, whose
 * default prints and calls exit(); each context gets a handler that turns
 * errors into the part's WasmError instead.
 */
#include "codegen.h"

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/Support.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "lower/lower_module.h"
#include "opt/opt.h"

/* Part planning (codegen_plan_parts): a part closes after a function
 * whose body hash has its low cut_mask bits clear, once it holds min
 * bytes of bodies, or at max (CompileConfig.part_sizes, by default
 * compile_config.c's MIN_PART_BYTES, MAX_PART_BYTES and CUT_MASK); a
 * function of SOLO_BYTES or more is a part of its own, and from
 * BUDGET_BYTES on it gets the budget tier. */
#define SOLO_BYTES (24u * 1024u)
#define BUDGET_BYTES (48u * 1024u)
#define BUDGET_PIPELINE "default<O1>"
/* The greedy register allocator's interference and spill placement
 * dominate giant functions (ruby.wasm's parsers: minutes for one 138 KB
 * function); the fast allocator is linear. */
#define BUDGET_CODEGEN_LEVEL LLVMCodeGenLevelNone
#define WORKER_STACK_BYTES (32u << 20) /* LLVM recurses on deeply nested control flow */

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Per-part costs are this thread's CPU time: on a loaded machine wall
 * time would mostly measure the other processes. */
static double thread_cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- LLVM initialisation ------------------------------------------------ */

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;
/* --llvm-args: LLVM's options are process-wide, parsed once. */
static const char *llvm_args;

static void llvm_init(void) {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    if (llvm_args) {
        static char buf[1024];
        static const char *argv[32];
        int argc = 0;
        argv[argc++] = "wasmc";
        snprintf(buf, sizeof buf, "%s", llvm_args);
        for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
            argv[argc++] = tok;
        LLVMParseCommandLineOptions(argc, argv, "wasmc");
    }
}

void codegen_llvm_init(void) {
    pthread_once(&llvm_once, llvm_init);
}

void codegen_set_llvm_args(const char *args) {
    llvm_args = args && *args ? args : NULL;
}

const char *codegen_llvm_args(void) {
    return llvm_args;
}

/* Developer aid (--dump-ir=DIR): each part's IR as lowered, after the
 * early passes and after LLVM's pipeline, as DIR/part-N.{lowered,facts,
 * optimized}.ll. */
static void dump_ir(const CompileConfig *cc, LLVMModuleRef mod, uint32_t part, const char *stage) {
    if (!cc->dump_ir_dir) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/part-%u.%s.ll", cc->dump_ir_dir, part, stage);
    char *msg = NULL;
    if (LLVMPrintModuleToFile(mod, path, &msg)) {
        fprintf(stderr, "wasmc: --dump-ir: %s\n", msg ? msg : path);
    }
    LLVMDisposeMessage(msg);
}

const char *codegen_llvm_version(void) {
    static char buf[32];
    unsigned maj, min, pat;
    LLVMGetVersion(&maj, &min, &pat);
    snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, pat);
    return buf;
}

/* ---- Target machines ---------------------------------------------------- */

static LLVMTargetMachineRef create_tm(const CompileConfig *cc, uint8_t tier, WasmError *err) {
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(cc->target->triple, &target, &msg)) {
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM has no target %s: %s",
                   cc->target->triple, msg ? msg : "");
        LLVMDisposeMessage(msg);
        return NULL;
    }
    static const LLVMCodeGenOptLevel levels[4] = {
        LLVMCodeGenLevelNone, LLVMCodeGenLevelLess, LLVMCodeGenLevelDefault, LLVMCodeGenLevelAggressive};
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, cc->target->triple, cc->cpu, cc->features,
                                                      tier == CODEGEN_TIER_BUDGET ? BUDGET_CODEGEN_LEVEL
                                                                                  : levels[cc->opt_level],
                                                      LLVMRelocPIC,
                                                      LLVMCodeModelDefault);
    if (!tm) wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "cannot create the LLVM target machine");
    return tm;
}

/* ---- Part planning ------------------------------------------------------ */

/* FNV-1a of a function body: where content-defined cuts fall. */
static uint64_t body_hash(const Module *m, const Func *f) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = f->body_offset; i < f->body_end; i++) h = (h ^ m->bytes[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t body_bytes(const Func *f) { return f->body_end - f->body_offset; }

uint32_t codegen_plan_parts(const Module *m, const CompileConfig *cc, CodegenPart **parts) {
    uint64_t min_bytes = cc->part_sizes.min, max_bytes = cc->part_sizes.max, cut_mask = cc->part_sizes.cut_mask;
    int opt_level = cc->opt_level;
    uint32_t first_def = m->num_imported_funcs;
    uint32_t ndef = m->num_funcs - first_def;
    /* At most one part per function, plus the metadata part. */
    CodegenPart *p = calloc((size_t)ndef + 1, sizeof *p);
    if (!p) return 0;
    /* A module with less code than a full part is one part, metadata
     * and all (as before the cache): a second object costs more (a
     * context, an object to emit and link: 18% more CPU for a 3 KB
     * program) than a cache hit on either half would save. */
    uint64_t total = 0;
    for (uint32_t i = 0; i < ndef; i++) total += body_bytes(&m->funcs[first_def + i]);
    if (total < max_bytes) {
        p[0] = (CodegenPart){.first = 0, .last = ndef, .metadata = true};
        *parts = p;
        return 1;
    }
    uint32_t n = 0;
    p[n++] = (CodegenPart){.first = 0, .last = 0, .metadata = true};
    uint32_t start = 0;
    uint64_t acc = 0;
    for (uint32_t i = 0; i < ndef; i++) {
        const Func *f = &m->funcs[first_def + i];
        uint64_t sz = body_bytes(f);
        if (sz >= SOLO_BYTES) {
            if (i > start) p[n++] = (CodegenPart){.first = start, .last = i};
            p[n++] = (CodegenPart){.first = i, .last = i + 1,
                                   .tier = opt_level >= 2 && sz >= BUDGET_BYTES ? CODEGEN_TIER_BUDGET
                                                                              : CODEGEN_TIER_FULL};
            start = i + 1;
            acc = 0;
            continue;
        }
        acc += sz;
        if ((acc >= min_bytes && (body_hash(m, f) & cut_mask) == 0) || acc >= max_bytes) {
            p[n++] = (CodegenPart){.first = start, .last = i + 1};
            start = i + 1;
            acc = 0;
        }
    }
    if (start < ndef) p[n++] = (CodegenPart){.first = start, .last = ndef};
    *parts = p;
    return n;
}

/* ---- Parallel compilation ----------------------------------------------- */

typedef struct PartResult {
    CodegenObject obj;
    WasmError err;
    bool done;
} PartResult;

typedef struct Job {
    const CodegenUnit *unit;
    uint32_t part;            /* index within the unit */
    char **func_symbols;      /* the unit's, built once for all its parts */
} Job;

typedef struct Shared {
    const CompileConfig *cc;
    Job *jobs;                /* every part of every unit, unit by unit */
    uint32_t num_parts;       /* of all units */
    uint32_t *order;          /* job indices, largest first */
    PartResult *results;
    CodegenPartStats *stats;  /* per job */
    atomic_uint next;
    atomic_uint min_failed;   /* lowest failing job index, or UINT32_MAX */
    pthread_mutex_t times_lock;
    CodegenTimes times;
} Shared;

static uint64_t part_bytes(const Module *m, const CodegenPart *p) {
    uint64_t n = p->metadata ? m->num_funcs * 16ull + m->size / 64 : 0; /* descriptor, trampolines, data */
    for (uint32_t i = p->first; i < p->last; i++) n += body_bytes(&m->funcs[m->num_imported_funcs + i]);
    return n;
}

typedef struct OrderKey {
    uint64_t size;
    uint32_t index;
} OrderKey;

static int by_size_desc(const void *a, const void *b) {
    const OrderKey *x = a, *y = b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Largest part first (ties in job order); false when out of memory. */
static bool plan_order(const Job *jobs, uint32_t n, uint32_t *order) {
    OrderKey *k = malloc((size_t)(n ? n : 1) * sizeof *k);
    if (!k) return false;
    for (uint32_t i = 0; i < n; i++) k[i] = (OrderKey){part_bytes(jobs[i].unit->m, &jobs[i].unit->parts[jobs[i].part]), i};
    qsort(k, n, sizeof *k, by_size_desc);
    for (uint32_t i = 0; i < n; i++) order[i] = k[i].index;
    free(k);
    return true;
}

static void diag_handler(LLVMDiagnosticInfoRef di, void *opaque) {
    if (LLVMGetDiagInfoSeverity(di) != LLVMDSError) {
        /* Remarks asked for through --llvm-args go to stderr. */
        if (LLVMGetDiagInfoSeverity(di) == LLVMDSRemark && llvm_args) {
            char *d = LLVMGetDiagInfoDescription(di);
            fprintf(stderr, "wasmc: LLVM remark: %s\n", d ? d : "");
            LLVMDisposeMessage(d);
        }
        return;
    }
    char *desc = LLVMGetDiagInfoDescription(di);
    wasm_error((WasmError *)opaque, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM: %s", desc ? desc : "error");
    LLVMDisposeMessage(desc);
}

static uint64_t count_insts(LLVMValueRef fn) {
    uint64_t n = 0;
    for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb))
        for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in)) n++;
    return n;
}

/* IR size after lowering, for the report: the part's and its largest
 * function's. */
static void measure_ir(const Job *job, LLVMModuleRef mod, CodegenPartStats *ps) {
    const CodegenPart *p = &job->unit->parts[job->part];
    const Module *m = job->unit->m;
    ps->biggest_func = p->first;
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn)) {
        if (LLVMIsDeclaration(fn)) continue;
        uint64_t n = count_insts(fn);
        ps->ir_insts += n;
        if (n <= ps->biggest_ir_insts) continue;
        size_t len;
        const char *name = LLVMGetValueName2(fn, &len);
        for (uint32_t d = p->first; d < p->last; d++) {
            const char *sym = job->func_symbols[m->num_imported_funcs + d];
            if (strlen(sym) == len && memcmp(sym, name, len) == 0) {
                ps->biggest_ir_insts = n;
                ps->biggest_func = d;
                break;
            }
        }
    }
}

/* The optimisation pipeline of a tier.  The budget tier is for functions
 * so large that the full pipeline's superlinear passes dominate the whole
 * module's compile (see codegen_plan_parts). */
static const char *tier_pipeline(int opt_level, uint8_t tier) {
    if (tier == CODEGEN_TIER_BUDGET) return BUDGET_PIPELINE;
    return opt_llvm_pipeline(opt_level);
}

/* A part's object from the compile cache, if there (and intact). */
static bool from_cache(const Job *job, PartResult *r) {
    const CodegenCacheUse *cu = &job->unit->cache;
    uint8_t *data;
    size_t size;
    if (!cu->cache || !cache_get(cu->cache, cu->keys[job->part], &data, &size)) return false;
    LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRangeCopy((const char *)data, size, "cached");
    free(data);
    if (!buf) return false;
    r->obj.mem = buf;
    r->obj.data = (const uint8_t *)LLVMGetBufferStart(buf);
    r->obj.size = LLVMGetBufferSize(buf);
    return true;
}

static bool compile_part(Shared *s, LLVMTargetMachineRef tm, uint32_t idx, CodegenTimes *t) {
    PartResult *r = &s->results[idx];
    CodegenPartStats *ps = &s->stats[idx];
    WasmError *err = &r->err;
    const Job *job = &s->jobs[idx];
    const CodegenUnit *u = job->unit;
    const CodegenPart *part = &u->parts[job->part];
    double t0 = now_seconds(), c0 = thread_cpu_seconds();
    if (from_cache(job, r)) {
        ps->cached = true;
        ps->biggest_func = part->first;
        r->done = true;
        t->lower += now_seconds() - t0;
        ps->lower = thread_cpu_seconds() - c0;
        return true;
    }

    LLVMContextRef ctx = LLVMContextCreate();
    LLVMContextSetDiagnosticHandler(ctx, diag_handler, err);
    /* Local value names only cost time and memory; symbols keep theirs. */
    LLVMContextSetDiscardValueNames(ctx, 1);

    const CompileConfig *cc = s->cc;
    LowerConfig cfg = {
        .cc = cc, .m = u->m, .tm = tm, .module_sha256 = u->module_sha256,
        .symbol_prefix = u->symbol_prefix, .text_section = u->text_section,
        .func_symbols = job->func_symbols,
    };
    LLVMModuleRef mod = NULL;
    bool ok = lower_module_part(&cfg, ctx, part->first, part->last, part->metadata, &mod, err);
    double t1 = now_seconds(), c1 = thread_cpu_seconds();
    t->lower += t1 - t0;
    ps->lower = c1 - c0;
    if (ok && !mod) ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "lowering produced no module");

    if (ok) {
        measure_ir(job, mod, ps);
        LLVMSetTarget(mod, cc->target->triple);
        LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
        LLVMSetModuleDataLayout(mod, td);
        LLVMDisposeTargetData(td);
        OptContext oc = {.cc = cc, .mod = mod, .tm = tm};
        dump_ir(cc, mod, idx, "lowered");
        LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
        /* As clang does from -O2: the C API's defaults leave the SLP
         * vectoriser off (straight-line code such as unrolled hash rounds
         * and struct copies then stays scalar). */
        if (cc->opt_level >= 2 && part->tier == CODEGEN_TIER_FULL) {
            LLVMPassBuilderOptionsSetLoopVectorization(po, 1);
            LLVMPassBuilderOptionsSetSLPVectorization(po, 1);
        }
        LLVMPassBuilderOptionsSetLoopUnrolling(po, cc->opt_level >= 1 && part->tier == CODEGEN_TIER_FULL);
        oc.po = po;
        /* compiler/opt/passes.def: early passes, LLVM's pipeline (the
         * part's tier's, or the one --llvm-passes gives), late passes. */
        ok = opt_run_stage(&oc, OPT_EARLY, err);
        if (ok) {
            dump_ir(cc, mod, idx, "facts");
            const char *passes = cc->llvm_pipeline ? cc->llvm_pipeline : tier_pipeline(cc->opt_level, part->tier);
            LLVMErrorRef e = LLVMRunPasses(mod, passes, tm, po);
            if (e) {
                char *msg = LLVMGetErrorMessage(e);
                ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM pass pipeline: %s", msg);
                LLVMDisposeErrorMessage(msg);
            }
        }
        if (ok && cc->verify_guards && cc->memory_mode == WASMC_MEMORY_GUARD_PAGES)
            ok = opt_verify_guards(mod, false, cc->target->cmov_may_branch, "LLVM's pipeline", err);
        LLVMDisposePassBuilderOptions(po);
        ok = ok && !wasm_error_is_set(err);
        if (ok) {
            dump_ir(cc, mod, idx, "optimized");
            ok = opt_run_stage(&oc, OPT_LATE, err);
        }
    }
    double t2 = now_seconds(), c2 = thread_cpu_seconds();
    t->optimize += t2 - t1;
    ps->optimize = c2 - c1;

    if (ok) {
        char *msg = NULL;
        LLVMMemoryBufferRef buf = NULL;
        if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, &buf)) {
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM code generation: %s",
                            msg ? msg : "failed");
        } else if (wasm_error_is_set(err)) {
            ok = false;
            LLVMDisposeMemoryBuffer(buf);
        } else {
            r->obj.mem = buf;
            r->obj.data = (const uint8_t *)LLVMGetBufferStart(buf);
            r->obj.size = LLVMGetBufferSize(buf);
            if (u->cache.cache) cache_put(u->cache.cache, u->cache.keys[job->part], r->obj.data, r->obj.size);
        }
        LLVMDisposeMessage(msg);
    }
    t->codegen += now_seconds() - t2;
    ps->codegen = thread_cpu_seconds() - c2;

    if (mod) LLVMDisposeModule(mod);
    LLVMContextDispose(ctx);
    if (!ok && !wasm_error_is_set(err))
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "part %u failed", idx);
    r->done = true;
    return ok;
}

static void *worker(void *arg) {
    Shared *s = arg;
    CodegenTimes t = {0};
    WasmError tm_err;
    wasm_error_clear(&tm_err);
    LLVMTargetMachineRef tms[2] = {NULL, NULL};   /* per CodegenTier */
    for (;;) {
        uint32_t slot = atomic_fetch_add(&s->next, 1);
        if (slot >= s->num_parts) break;
        uint32_t idx = s->order[slot];
        /* Once part k failed, parts above k are skipped but those below
         * still run: the lowest-numbered failing part is then found
         * whatever the timing, so the reported error is deterministic. */
        if (idx > atomic_load(&s->min_failed)) continue;
        bool ok;
        uint8_t tier = s->jobs[idx].unit->parts[s->jobs[idx].part].tier;
        LLVMTargetMachineRef tm = tms[tier] ? tms[tier] : (tms[tier] = create_tm(s->cc, tier, &tm_err));
        if (!tm) {
            s->results[idx].err = tm_err;
            s->results[idx].done = true;
            ok = false;
        } else {
            ok = compile_part(s, tm, idx, &t);
        }
        if (!ok) {
            uint32_t cur = atomic_load(&s->min_failed);
            while (idx < cur && !atomic_compare_exchange_weak(&s->min_failed, &cur, idx)) {}
        }
    }
    for (int i = 0; i < 2; i++)
        if (tms[i]) LLVMDisposeTargetMachine(tms[i]);
    pthread_mutex_lock(&s->times_lock);
    s->times.lower += t.lower;
    s->times.optimize += t.optimize;
    s->times.codegen += t.codegen;
    pthread_mutex_unlock(&s->times_lock);
    return NULL;
}

bool codegen_compile_parts(const Module *m, const CompileConfig *cc,
                           const uint8_t module_sha256[32], const CodegenPart *parts,
                           uint32_t num_parts, const CodegenCacheUse *cache,
                           CodegenObject **objs, CodegenTimes *times, WasmError *err) {
    CodegenUnit unit = {.m = m, .module_sha256 = module_sha256, .parts = parts, .num_parts = num_parts};
    if (cache) unit.cache = *cache;
    return codegen_compile_units(&unit, 1, cc, objs, times, err);
}

bool codegen_compile_units(const CodegenUnit *units, uint32_t num_units, const CompileConfig *cc,
                           CodegenObject **objs, CodegenTimes *times, WasmError *err) {
    *objs = NULL;
    pthread_once(&llvm_once, llvm_init);
    uint64_t total = 0;
    for (uint32_t u = 0; u < num_units; u++) total += units[u].num_parts;
    if (total == 0 || total > UINT32_MAX / 2)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "bad part count");
    uint32_t num_parts = (uint32_t)total;
    Shared s = {.cc = cc, .num_parts = num_parts};
    s.jobs = malloc(num_parts * sizeof *s.jobs);
    s.results = calloc(num_parts, sizeof *s.results);
    s.order = malloc(num_parts * sizeof *s.order);
    s.stats = times && times->parts ? times->parts : calloc(num_parts, sizeof *s.stats);
    /* Every part names functions by symbol: build each unit's once. */
    char ***symbols = calloc(num_units ? num_units : 1, sizeof *symbols);
    bool ok = s.results && s.order && s.jobs && s.stats && symbols;
    for (uint32_t u = 0; ok && u < num_units; u++)
        ok = (symbols[u] = lower_func_symbols_create(units[u].m, units[u].symbol_prefix, err)) != NULL;
    if (ok) {
        for (uint32_t u = 0, k = 0; u < num_units; u++)
            for (uint32_t p = 0; p < units[u].num_parts; p++) s.jobs[k++] = (Job){&units[u], p, symbols[u]};
        ok = plan_order(s.jobs, num_parts, s.order);
    }
    if (!ok) {
        free(s.results);
        free(s.order);
        free(s.jobs);
        if (!(times && times->parts)) free(s.stats);
        for (uint32_t u = 0; symbols && u < num_units; u++) lower_func_symbols_free(units[u].m, symbols[u]);
        free(symbols);
        if (!wasm_error_is_set(err)) wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
        return false;
    }
    memset(s.stats, 0, num_parts * sizeof *s.stats);
    for (uint32_t i = 0; i < num_parts; i++) wasm_error_clear(&s.results[i].err);
    atomic_init(&s.next, 0);
    atomic_init(&s.min_failed, UINT32_MAX);
    pthread_mutex_init(&s.times_lock, NULL);

    unsigned threads = cc->threads ? cc->threads : 1;
    if (threads > num_parts) threads = num_parts;
    pthread_t *tids = calloc(threads, sizeof *tids);
    unsigned started = 0;
    if (tids) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, WORKER_STACK_BYTES);
        for (; started < threads; started++)
            if (pthread_create(&tids[started], &attr, worker, &s) != 0) break;
        pthread_attr_destroy(&attr);
    }
    /* If no thread could start, compile on this one (with its own stack). */
    if (started == 0) worker(&s);
    for (unsigned i = 0; i < started; i++) pthread_join(tids[i], NULL);
    free(tids);
    pthread_mutex_destroy(&s.times_lock);
    if (times) {
        times->lower = s.times.lower;
        times->optimize = s.times.optimize;
        times->codegen = s.times.codegen;
    }
    if (!(times && times->parts)) free(s.stats);
    for (uint32_t u = 0; u < num_units; u++) lower_func_symbols_free(units[u].m, symbols[u]);
    free(symbols);

    for (uint32_t i = 0; i < num_parts; i++) {
        if (wasm_error_is_set(&s.results[i].err)) {
            if (ok) *err = s.results[i].err;
            ok = false;
        } else if (!s.results[i].done && ok) {
            ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "part %u was not compiled", i);
        }
    }

    CodegenObject *out = ok ? calloc(num_parts, sizeof *out) : NULL;
    if (ok && !out) ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    for (uint32_t i = 0; i < num_parts; i++) {
        if (out) out[i] = s.results[i].obj;
        else if (s.results[i].obj.mem) LLVMDisposeMemoryBuffer(s.results[i].obj.mem);
    }
    free(s.results);
    free(s.order);
    free(s.jobs);
    *objs = out;
    return ok;
}

void *codegen_target_machine(const CompileConfig *cc, WasmError *err) {
    pthread_once(&llvm_once, llvm_init);
    return create_tm(cc, CODEGEN_TIER_FULL, err);
}

void codegen_target_machine_free(void *tm) {
    if (tm) LLVMDisposeTargetMachine((LLVMTargetMachineRef)tm);
}

void codegen_objects_free(CodegenObject *objs, uint32_t n) {
    if (!objs) return;
    for (uint32_t i = 0; i < n; i++)
        if (objs[i].mem) LLVMDisposeMemoryBuffer(objs[i].mem);
    free(objs);
}
