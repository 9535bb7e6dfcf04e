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
 * The part split is a pure function of the module: parts of roughly
 * PART_BODY_BYTES of function bodies each, at most MAX_PARTS.  Small
 * modules get one part (no cross-part calls, so the inliner sees
 * everything); large ones trade some cross-part inlining for compile time
 * (little is lost: Wasm producers have already inlined).  8 KiB was the
 * fastest on a 24 KB-of-code clang -O2 wasi program on 2 cores (1.0 s with
 * one part, 0.51 s with 3, 0.58 s with 6): LLVM spends ~40 us per byte of
 * Wasm at -O2, so a part is ~0.3 s of work and the per-part overhead (a
 * context, the declarations, one more object for the linker) stays small.
 * Parts are handed out largest first, so one big part does not start last
 * and leave the other threads idle (the order changes nothing in the
 * output: objects are collected by index).
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

#include "lower/lower_module.h"
#include "opt/opt.h"

#define PART_BODY_BYTES (8u * 1024u)
#define MAX_PARTS 64u   /* per module */
#define WORKER_STACK_BYTES (32u << 20) /* LLVM recurses on deeply nested control flow */

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
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

void codegen_set_llvm_args(const char *args) {
    llvm_args = args && *args ? args : NULL;
}

/* Developer aid (--dump-ir=DIR): each part's IR as lowered, after the
 * early passes and after LLVM's pipeline, as DIR/part-N.{lowered,facts,
 * optimized}.ll. */
static void dump_ir(const CodegenTarget *ct, LLVMModuleRef mod, uint32_t part, const char *stage) {
    if (!ct->dump_ir_dir) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/part-%u.%s.ll", ct->dump_ir_dir, part, stage);
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

/* ---- Target resolution -------------------------------------------------- */

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

bool codegen_resolve_target(const WasmcOptions *o, CodegenTarget *out, WasmError *err) {
    memset(out, 0, sizeof *out);
    if (o->opt_level < 0 || o->opt_level > 3)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "invalid optimisation level %d", o->opt_level);
    out->opt_level = o->opt_level;
    out->interrupt_poll = o->interrupt_poll;
    out->exact_traps = o->exact_traps;
    out->frame_pointers = o->frame_pointers;
    out->disabled_passes = o->disabled_passes;
    out->llvm_pipeline = o->llvm_pipeline;
    out->dump_ir_dir = o->dump_ir_dir;
    out->verbose = o->verbose;
    const TargetInfo *host = target_host();
    const TargetInfo *t = o->target_triple ? target_for_triple(o->target_triple) : host;
    if (!t) {
        if (o->target_triple)
            return wasm_error(err, WASM_ERR_UNSUPPORTED, WASM_NO_OFFSET,
                              "unsupported target '%s' (supported: x86_64-linux-gnu, aarch64-linux-gnu)",
                              o->target_triple);
        return wasm_error(err, WASM_ERR_UNSUPPORTED, WASM_NO_OFFSET,
                          "this host is not a supported target; pass --target");
    }
    out->target = t;
    pthread_once(&llvm_once, llvm_init);

    const char *cpu = o->cpu ? o->cpu : t->default_cpu;
    if (strcmp(cpu, "native") == 0) {
        if (t != host)
            return wasm_error(err, WASM_ERR_UNSUPPORTED, WASM_NO_OFFSET,
                              "--cpu=native needs the host target, not %s", t->name);
        char *name = LLVMGetHostCPUName();
        char *feat = LLVMGetHostCPUFeatures();
        out->cpu = dup_str(name ? name : "");
        out->features = dup_str(feat ? feat : "");
        LLVMDisposeMessage(name);
        LLVMDisposeMessage(feat);
    } else {
        const char *feat = t->features_for_cpu(cpu);
        if (!feat)
            return wasm_error(err, WASM_ERR_UNSUPPORTED, WASM_NO_OFFSET,
                              "unknown CPU '%s' for %s", cpu, t->name);
        out->cpu = dup_str(cpu);
        out->features = dup_str(feat);
    }
    if (!out->cpu || !out->features) {
        codegen_target_free(out);
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    }
    out->cpu_features = t->required_features(out->cpu, out->features);
    return true;
}

void codegen_target_free(CodegenTarget *t) {
    free(t->cpu);
    free(t->features);
    t->cpu = t->features = NULL;
}

static LLVMTargetMachineRef create_tm(const CodegenTarget *ct, WasmError *err) {
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(ct->target->triple, &target, &msg)) {
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM has no target %s: %s",
                   ct->target->triple, msg ? msg : "");
        LLVMDisposeMessage(msg);
        return NULL;
    }
    static const LLVMCodeGenOptLevel levels[4] = {
        LLVMCodeGenLevelNone, LLVMCodeGenLevelLess, LLVMCodeGenLevelDefault, LLVMCodeGenLevelAggressive};
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, ct->target->triple, ct->cpu, ct->features,
                                                      levels[ct->opt_level], LLVMRelocPIC,
                                                      LLVMCodeModelDefault);
    if (!tm) wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "cannot create the LLVM target machine");
    return tm;
}

/* ---- Part planning ------------------------------------------------------ */

uint32_t codegen_plan_parts(const Module *m, CodegenPart **parts) {
    uint32_t first_def = m->num_imported_funcs;
    uint32_t ndef = m->num_funcs - first_def;
    uint64_t total = 0;
    for (uint32_t i = first_def; i < m->num_funcs; i++)
        total += m->funcs[i].body_end - m->funcs[i].body_offset;
    uint64_t want = (total + PART_BODY_BYTES - 1) / PART_BODY_BYTES;
    if (want > MAX_PARTS) want = MAX_PARTS;
    if (want > ndef) want = ndef;
    if (want == 0) want = 1;
    uint32_t n = (uint32_t)want;
    CodegenPart *p = calloc(n, sizeof *p);
    if (!p) return 0;
    /* Cut when the running total passes the next multiple of total/n, so
     * parts are balanced by body size, not by function count. */
    uint32_t k = 0;
    uint64_t acc = 0;
    p[0].first = 0;
    for (uint32_t i = 0; i < ndef && k + 1 < n; i++) {
        acc += m->funcs[first_def + i].body_end - m->funcs[first_def + i].body_offset;
        if (acc * n >= total * (k + 1) && i + 1 < ndef) {
            p[k].last = i + 1;
            p[++k].first = i + 1;
        }
    }
    p[k].last = ndef;
    *parts = p;
    return k + 1;
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
} Job;

typedef struct Shared {
    const CodegenTarget *ct;
    wasmc_memory_mode mode;
    Job *jobs;                /* every part of every unit, unit by unit */
    uint32_t num_parts;       /* of all units */
    uint32_t *order;          /* job indices, largest first */
    PartResult *results;
    atomic_uint next;
    atomic_uint min_failed;   /* lowest failing job index, or UINT32_MAX */
    pthread_mutex_t times_lock;
    CodegenTimes times;
} Shared;

static uint64_t part_bytes(const Module *m, const CodegenPart *p) {
    uint64_t n = 0;
    for (uint32_t i = p->first; i < p->last; i++) {
        const Func *f = &m->funcs[m->num_imported_funcs + i];
        n += f->body_end - f->body_offset;
    }
    return n;
}

/* Largest part first (insertion sort; stable, so equal sizes keep job
 * order). */
static void plan_order(const Job *jobs, uint32_t n, uint32_t *order) {
    uint64_t *size = malloc((n ? n : 1) * sizeof *size);
    if (!size) {
        for (uint32_t i = 0; i < n; i++) order[i] = i;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t sz = part_bytes(jobs[i].unit->m, &jobs[i].unit->parts[jobs[i].part]);
        uint32_t j = i;
        for (; j > 0 && size[j - 1] < sz; j--) {
            size[j] = size[j - 1];
            order[j] = order[j - 1];
        }
        size[j] = sz;
        order[j] = i;
    }
    free(size);
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

static bool compile_part(Shared *s, LLVMTargetMachineRef tm, uint32_t idx, CodegenTimes *t) {
    PartResult *r = &s->results[idx];
    WasmError *err = &r->err;
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMContextSetDiagnosticHandler(ctx, diag_handler, err);
    /* Local value names only cost time and memory; symbols keep theirs. */
    LLVMContextSetDiscardValueNames(ctx, 1);

    const Job *job = &s->jobs[idx];
    const CodegenUnit *u = job->unit;
    LowerConfig cfg = {
        .m = u->m, .target = s->ct->target, .tm = tm, .memory_mode = s->mode,
        .cpu_features = s->ct->cpu_features, .module_sha256 = u->module_sha256,
        .interrupt_poll = s->ct->interrupt_poll, .exact_traps = s->ct->exact_traps,
        .frame_pointers = s->ct->frame_pointers, .verbose = s->ct->verbose,
        .symbol_prefix = u->symbol_prefix, .text_section = u->text_section,
    };
    LLVMModuleRef mod = NULL;
    double t0 = now_seconds();
    bool ok = lower_module_part(&cfg, ctx, u->parts[job->part].first, u->parts[job->part].last,
                                job->part == 0, &mod, err);
    double t1 = now_seconds();
    t->lower += t1 - t0;
    if (ok && !mod) ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "lowering produced no module");

    if (ok) {
        LLVMSetTarget(mod, s->ct->target->triple);
        LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
        LLVMSetModuleDataLayout(mod, td);
        LLVMDisposeTargetData(td);
        OptContext oc = {
            .mod = mod, .tm = tm, .opt_level = s->ct->opt_level,
            .guard_pages = s->mode == WASMC_MEMORY_GUARD_PAGES,
            .aarch64 = s->ct->target->arch == WASMC_ARCH_AARCH64, .disabled = s->ct->disabled_passes,
        };
        dump_ir(s->ct, mod, idx, "lowered");
        static const char *pipelines[4] = {"default<O0>", "default<O1>", "default<O2>", "default<O3>"};
        LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
        /* As clang does from -O2: the C API's defaults leave the SLP
         * vectoriser off (straight-line code such as unrolled hash rounds
         * and struct copies then stays scalar). */
        if (s->ct->opt_level >= 2) {
            LLVMPassBuilderOptionsSetLoopVectorization(po, 1);
            LLVMPassBuilderOptionsSetSLPVectorization(po, 1);
        }
        LLVMPassBuilderOptionsSetLoopUnrolling(po, s->ct->opt_level >= 1);
        oc.po = po;
        /* compiler/opt/passes.def: early passes, LLVM's pipeline (or the
         * one --llvm-passes gives), late passes. */
        ok = opt_run_stage(&oc, OPT_EARLY, err);
        if (ok) {
            dump_ir(s->ct, mod, idx, "facts");
            const char *passes = s->ct->llvm_pipeline ? s->ct->llvm_pipeline : pipelines[s->ct->opt_level];
            LLVMErrorRef e = LLVMRunPasses(mod, passes, tm, po);
            if (e) {
                char *msg = LLVMGetErrorMessage(e);
                ok = wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "LLVM pass pipeline: %s", msg);
                LLVMDisposeErrorMessage(msg);
            }
        }
        LLVMDisposePassBuilderOptions(po);
        ok = ok && !wasm_error_is_set(err);
        if (ok) {
            dump_ir(s->ct, mod, idx, "optimized");
            ok = opt_run_stage(&oc, OPT_LATE, err);
        }
    }
    double t2 = now_seconds();
    t->optimize += t2 - t1;

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
        }
        LLVMDisposeMessage(msg);
    }
    t->codegen += now_seconds() - t2;

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
    LLVMTargetMachineRef tm = NULL;
    for (;;) {
        uint32_t slot = atomic_fetch_add(&s->next, 1);
        if (slot >= s->num_parts) break;
        uint32_t idx = s->order[slot];
        /* Once part k failed, parts above k are skipped but those below
         * still run: the lowest-numbered failing part is then found
         * whatever the timing, so the reported error is deterministic. */
        if (idx > atomic_load(&s->min_failed)) continue;
        bool ok;
        if (!tm && !(tm = create_tm(s->ct, &tm_err))) {
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
    if (tm) LLVMDisposeTargetMachine(tm);
    pthread_mutex_lock(&s->times_lock);
    s->times.lower += t.lower;
    s->times.optimize += t.optimize;
    s->times.codegen += t.codegen;
    pthread_mutex_unlock(&s->times_lock);
    return NULL;
}

bool codegen_compile_parts(const Module *m, const CodegenTarget *ct, wasmc_memory_mode mode,
                           const uint8_t module_sha256[32], const CodegenPart *parts,
                           uint32_t num_parts, unsigned threads, CodegenObject **objs,
                           CodegenTimes *times, WasmError *err) {
    CodegenUnit unit = {.m = m, .module_sha256 = module_sha256, .parts = parts, .num_parts = num_parts};
    return codegen_compile_units(&unit, 1, ct, mode, threads, objs, times, err);
}

bool codegen_compile_units(const CodegenUnit *units, uint32_t num_units, const CodegenTarget *ct,
                           wasmc_memory_mode mode, unsigned threads, CodegenObject **objs,
                           CodegenTimes *times, WasmError *err) {
    *objs = NULL;
    pthread_once(&llvm_once, llvm_init);
    uint64_t total = 0;
    for (uint32_t u = 0; u < num_units; u++) total += units[u].num_parts;
    if (total == 0 || total > UINT32_MAX / 2)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "bad part count");
    uint32_t num_parts = (uint32_t)total;
    Shared s = {.ct = ct, .mode = mode, .num_parts = num_parts};
    s.jobs = malloc(num_parts * sizeof *s.jobs);
    s.results = calloc(num_parts, sizeof *s.results);
    s.order = malloc(num_parts * sizeof *s.order);
    if (!s.results || !s.order || !s.jobs) {
        free(s.results);
        free(s.order);
        free(s.jobs);
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    }
    for (uint32_t u = 0, k = 0; u < num_units; u++)
        for (uint32_t p = 0; p < units[u].num_parts; p++) s.jobs[k++] = (Job){&units[u], p};
    plan_order(s.jobs, num_parts, s.order);
    for (uint32_t i = 0; i < num_parts; i++) wasm_error_clear(&s.results[i].err);
    atomic_init(&s.next, 0);
    atomic_init(&s.min_failed, UINT32_MAX);
    pthread_mutex_init(&s.times_lock, NULL);

    if (threads == 0) threads = 1;
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
    if (times) *times = s.times;

    bool ok = true;
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

void *codegen_target_machine(const CodegenTarget *ct, WasmError *err) {
    pthread_once(&llvm_once, llvm_init);
    return create_tm(ct, err);
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
