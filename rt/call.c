/* The call boundary between host and guest.
 *
 * A call enters compiled code through the type's entry trampoline under a
 * sigsetjmp; a trap (a builtin, a host function's wasmrt_host_trap, or the
 * fault handler) siglongjmps back to the innermost boundary of the thread.
 * Boundaries form a per-thread stack of frames, so host -> wasm -> host ->
 * wasm nests and an inner trap only unwinds the inner call.  Compiled code
 * is nounwind and holds no resources, so skipping its frames is safe.
 *
 * The handlers are installed with SA_NODEFER and an empty mask, so no
 * signal is left blocked after jumping out of one; that lets the boundary
 * use sigsetjmp(..., 0) and avoid a sigprocmask syscall per call.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "internal.h"

/* Stack kept free below the guest for host functions and the runtime. */
#define STACK_MARGIN (128u << 10)
#define ALTSTACK_SIZE (128u << 10)

__thread rt_thread rt_tls __attribute__((tls_model("initial-exec")));

static pthread_key_t thread_key;
static pthread_once_t thread_key_once = PTHREAD_ONCE_INIT;

static void thread_exit(void *p) {
    rt_thread *ts = p;
    if (ts->altstack) {
        stack_t cur;
        if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == (char *)ts->altstack + getpagesize()) {
            stack_t off = {.ss_flags = SS_DISABLE};
            sigaltstack(&off, NULL);
        }
        munmap(ts->altstack, ts->altstack_size);
        ts->altstack = NULL;
    }
}

static void make_key(void) { pthread_key_create(&thread_key, thread_exit); }

/* ---- stack discovery ----
 *
 * For the main thread glibc's pthread_getattr_np parses all of
 * /proc/self/maps with stdio (~100 us of a ~1 ms start), because the main
 * stack has no descriptor: it grows on demand.  The kernel lets it grow down
 * to vma_end - RLIMIT_STACK, but not into another mapping, nor within
 * stack_guard_gap of an accessible one below it.  Linux 6.11's PROCMAP_QUERY
 * ioctl answers exactly that from the kernel's own VMA tree, usually in one
 * call (the first VMA at or above the lowest address the stack could reach
 * is the stack itself), else by walking the few VMAs in between.  The
 * answer may only err high (less guest stack), never low: a limit below
 * the real end would let the guest fault on memory that is not a guard
 * page the signal handler recognises.  Anything unusual (old kernel,
 * no /proc, unlimited rlimit, the caller not on the main stack) falls back
 * to pthread_getattr_np, which is cheap for other threads.  */

/* The UAPI struct from <linux/fs.h> (Linux 6.11), spelled out because
 * older installed headers lack it; the kernel checks `size`. */
struct rt_procmap_query {
    uint64_t size, query_flags, query_addr;
    uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
    uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define RT_PROCMAP_QUERY _IOWR('f', 17, struct rt_procmap_query)
#define RT_PROCMAP_VMA_ACCESS 0x07u          /* readable | writable | executable */
#define RT_PROCMAP_COVERING_OR_NEXT 0x10u
/* The kernel's default stack_guard_gap (256 pages of 4 KiB); a larger boot
 * setting only matters with a mapping right below the stack, where glibc
 * ignores the gap entirely. */
#define STACK_GUARD_GAP (1u << 20)
/* VMAs looked at between the rlimit bottom and the stack before giving up. */
#define MAX_VMAS_BELOW 8

extern void *__libc_stack_end;

static bool procmap_query(int fd, uintptr_t addr, unsigned flags, struct rt_procmap_query *q) {
    memset(q, 0, sizeof *q);
    q->size = sizeof *q;
    q->query_flags = flags;
    q->query_addr = addr;
    return ioctl(fd, RT_PROCMAP_QUERY, q) == 0;
}

/* Exact bounds of the main thread's stack, or false to ask glibc. */
static bool main_stack_bounds(uintptr_t *lo, uintptr_t *hi) {
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    uintptr_t end = (uintptr_t)__libc_stack_end;
    struct rlimit rl;
    if (!end || here >= end || getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return false;
    uintptr_t page = (uintptr_t)getpagesize();
    uintptr_t rlim = (uintptr_t)rl.rlim_cur & ~(page - 1);
    /* A thread or coroutine stack is an mmap far below the main one. */
    if (end - here >= rlim) return false;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = false;
    struct rt_procmap_query q;
    /* Usually one query settles it: the stack's top is at least the page
     * above __libc_stack_end, so if the first VMA at or above that top less
     * the rlimit and the gap is the stack itself, nothing is in the way. */
    uintptr_t top_min = (end | (page - 1)) + 1;
    uintptr_t from = top_min > rlim + STACK_GUARD_GAP ? top_min - rlim - STACK_GUARD_GAP : 0;
    if (!procmap_query(fd, from, RT_PROCMAP_COVERING_OR_NEXT, &q)) goto out;
    bool clear = q.vma_start <= end && end < q.vma_end;
    if (!clear && !procmap_query(fd, end, 0, &q)) goto out;
    if (here < q.vma_start || here >= q.vma_end) goto out;
    uintptr_t vs = q.vma_start, ve = q.vma_end;
    /* Grown past the limit means it was lowered late; an rlimit past the
     * address space's start is as good as unlimited. */
    if (ve - vs > rlim || ve <= rlim) goto out;
    /* The kernel checks size = vma_end - new_start <= rlimit. */
    uintptr_t bottom = ve - rlim;
    /* Otherwise walk what lies between (rarely anything). */
    uintptr_t at = bottom > STACK_GUARD_GAP ? bottom - STACK_GUARD_GAP : 0;
    for (int i = 0; !clear; i++) {
        if (i == MAX_VMAS_BELOW || !procmap_query(fd, at, RT_PROCMAP_COVERING_OR_NEXT, &q)) goto out;
        if (q.vma_start == vs) break;   /* nothing else in the way */
        if (q.vma_start > vs || q.vma_end > vs) goto out;   /* the tree changed under us */
        /* A mapping the stack may not grow into (nor near, if accessible). */
        uintptr_t stop = q.vma_end + ((q.vma_flags & RT_PROCMAP_VMA_ACCESS) ? STACK_GUARD_GAP : 0);
        if (stop > bottom) bottom = stop;
        at = q.vma_end;
    }
    *lo = bottom < vs ? bottom : vs;
    *hi = ve;
    ok = true;
out:
    close(fd);
    return ok;
}

static void stack_bounds(rt_thread *ts) {
    uintptr_t lo, hi;
    if (main_stack_bounds(&lo, &hi)) {
        ts->stack_lo = lo;
        ts->stack_hi = hi;
        return;
    }
    pthread_attr_t attr;
    void *addr;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
            ts->stack_lo = (uintptr_t)addr;
            ts->stack_hi = (uintptr_t)addr + size;
        }
        pthread_attr_destroy(&attr);
    }
}

rt_thread *rt_thread_get(void) {
    rt_thread *ts = &rt_tls;
    if (ts->ready) return ts;
    stack_bounds(ts);
    /* The handler must run on its own stack to survive a guest that ran
     * this one into its guard page.  Keep a sufficient existing one (e.g.
     * a sanitizer's). */
    stack_t cur;
    if (sigaltstack(NULL, &cur) != 0 || (cur.ss_flags & SS_DISABLE) || cur.ss_size < ALTSTACK_SIZE / 2) {
        size_t page = (size_t)getpagesize();
        size_t total = ALTSTACK_SIZE + page;
        void *p = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (p == MAP_FAILED) return NULL;
        mprotect(p, page, PROT_NONE);   /* overflow of the handler faults, not corrupts */
        stack_t ss = {.ss_sp = (char *)p + page, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
        if (sigaltstack(&ss, NULL) != 0) {
            munmap(p, total);
            return NULL;
        }
        ts->altstack = p;
        ts->altstack_size = total;
    }
    pthread_once(&thread_key_once, make_key);
    pthread_setspecific(thread_key, ts);
    ts->ready = true;
    return ts;
}

bool rt_enter(wasmrt_store *s, wasmc_entry_fn entry, void *code, void *vmctx, wasmc_slot *slots,
              wasmrt_trap *trap) {
    rt_thread *ts = rt_thread_get();
    if (!ts) {
        trap->code = WASMC_TRAP_HOST;
        snprintf(trap->host_message, sizeof trap->host_message, "cannot set up a signal stack");
        return false;
    }
    rt_frame fr;
    fr.prev = ts->top;
    fr.code = WASMC_TRAP_NONE;
    fr.pc = 0;
    fr.trap = trap;
    fr.saved_in_guest = ts->in_guest;
    fr.func_name = NULL;
    fr.saved_host = ts->host;
    if (s->active_calls == 0) {
        /* The guest may use max_stack_bytes below here, never the margin
         * above this thread's real stack end. */
        uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
        uintptr_t lim = sp > s->config.max_stack_bytes ? sp - s->config.max_stack_bytes : 0;
        uintptr_t floor = ts->stack_lo ? ts->stack_lo + STACK_MARGIN : 0;
        s->limits.stack_limit = lim > floor ? lim : floor;
        if (s->config.deadline_ns) rt_deadline_arm(s);
    }
    wasmrt_store *prev_store = rt_interrupt_enter(s);
    s->active_calls++;
    ts->top = &fr;
    if (sigsetjmp(fr.jb, 0) == 0) {
        ts->in_guest = 1;
        rt_interrupt_check();
        entry(code, vmctx, slots);
        ts->in_guest = fr.saved_in_guest;
        ts->top = fr.prev;
        if (--s->active_calls == 0 && s->config.deadline_ns) rt_deadline_disarm(s);
        rt_interrupt_leave(s, prev_store);
        return true;
    }
    volatile rt_frame *vf = &fr;
    ts->in_guest = vf->saved_in_guest;
    ts->host = vf->saved_host;   /* a host function it unwound through */
    ts->top = vf->prev;
    if (--s->active_calls == 0 && s->config.deadline_ns) rt_deadline_disarm(s);
    rt_interrupt_leave(s, prev_store);
    trap->code = vf->code;
    trap->func_name = vf->pc ? rt_range_func_name(vf->pc) : vf->func_name;
    return false;
}

_Noreturn void rt_trap_raise(wasmc_trap_code code, uintptr_t pc) {
    rt_frame *f = rt_tls.top;
    if (!f) {
        fprintf(stderr, "wasmrt: trap \"%s\" raised outside any guest call\n", wasmrt_trap_message(code));
        abort();
    }
    f->code = code;
    f->pc = pc;
    siglongjmp(f->jb, 1);
}

/* A host function running on this thread (innermost first), as recorded
 * by rt_host_thunk: which import, and where its frame starts, to find the
 * guest function that called it if it traps. */
typedef struct rt_host_call {
    struct rt_host_call *prev;
    rt_host_record *record;
    const uintptr_t *frame;         /* rt_host_thunk's frame: the trampoline's is above */
    const wasmc_slot *slots;        /* the trampoline's argument slots (skipped) */
} rt_host_call;

/* Does a call instruction end right before `ret`?  (Guest code calls
 * imports through the vmctx: call *disp(%reg) or call *%reg on x86-64,
 * blr on aarch64; direct calls for completeness.) */
static bool after_call(uintptr_t ret, uintptr_t lo) {
#if defined(__x86_64__)
    const uint8_t *p = (const uint8_t *)ret;
    if (ret >= lo + 5 && p[-5] == 0xE8) return true;   /* call rel32 */
    /* call r/m64: FF /2, its length fixed by ModRM (and SIB) */
    for (unsigned len = 2; len <= 7; len++) {
        if (ret < lo + len || p[-(int)len] != 0xFF) continue;
        uint8_t modrm = p[-(int)len + 1];
        unsigned mod = modrm >> 6, rm = modrm & 7, want = 2;
        if (((modrm >> 3) & 7) != 2) continue;
        if (mod != 3 && rm == 4) {   /* SIB */
            want++;
            if (mod == 0 && (p[-(int)len + 2] & 7) == 5) want += 4;
        }
        if (mod == 0 && rm == 5) want += 4;   /* RIP-relative */
        if (mod == 1) want += 1;
        if (mod == 2) want += 4;
        if (want == len) return true;
    }
    return false;
#elif defined(__aarch64__)
    if (ret < lo + 4 || ret % 4) return false;
    uint32_t insn = *(const uint32_t *)(ret - 4);
    return (insn & 0xFFFFFC1Fu) == 0xD63F0000u || (insn & 0xFC000000u) == 0x94000000u;   /* blr, bl */
#else
    (void)ret, (void)lo;
    return false;
#endif
}

/* The guest function that called the host function `c`: the first word
 * above the trampoline's frame that is a return address (right after a
 * call) into a defined function of the caller's module.  The trampoline's
 * argument slots are skipped, so a guest cannot steer this with its
 * arguments.  Best effort: NULL when nothing qualifies. */
static const char *host_caller(const rt_host_call *c) {
    wasmrt_instance *inst = c->record->rec.caller;
    const wasmc_descriptor *d = inst->module->desc;
    uintptr_t lo = (uintptr_t)d->code_start, hi = (uintptr_t)d->code_end;
    const uintptr_t *w = c->frame + 2;   /* past the saved frame pointer and return address */
    /* Never past the stack's end; unknown, only a few words (a guest frame
     * lies above us, so those are readable). */
    uintptr_t stack_hi = rt_tls.stack_hi ? rt_tls.stack_hi : (uintptr_t)(w + 64);
    const uintptr_t *skip_lo = (const uintptr_t *)c->slots;
    const wasmc_functype *t = &d->types[d->func_types[c->record - inst->host_records]];
    const uintptr_t *skip_hi =
        (const uintptr_t *)(c->slots + (t->num_params > t->num_results ? t->num_params : t->num_results));
    for (int i = 0; i < 512 && (uintptr_t)(w + 1) <= stack_hi; i++, w++) {
        if (w >= skip_lo && w < skip_hi) continue;
        uintptr_t v = *w;
        if (v > lo && v < hi && after_call(v, lo)) {
            const char *name = rt_module_func_name(inst->module, v);
            if (name) return name;
        }
    }
    return NULL;
}

static void describe_import(char *out, size_t cap, const rt_host_record *r) {
    wasmrt_instance *inst = r->rec.caller;
    const wasmc_descriptor *d = inst->module->desc;
    uint32_t x = (uint32_t)(r - inst->host_records);
    out[0] = 0;
    for (uint32_t i = 0; i < d->num_imports; i++) {
        const wasmc_import_desc *im = &d->imports[i];
        if (im->kind != WASMC_EXTERN_FUNC || im->index != x) continue;
        snprintf(out, cap, "%.*s.%.*s", (int)im->module_len, im->module, (int)im->name_len, im->name);
        for (char *p = out; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7F) *p = '?';
        return;
    }
}

_Noreturn void wasmrt_host_trap(wasmrt_trap_code code, const char *message) {
    rt_frame *f = rt_tls.top;
    if (f) {
        snprintf(f->trap->host_message, sizeof f->trap->host_message, "%s", message ? message : "");
        rt_host_call *c = rt_tls.host;
        f->trap->host_import[0] = 0;
        if (c) {
            describe_import(f->trap->host_import, sizeof f->trap->host_import, c->record);
            f->func_name = host_caller(c);
        }
    }
    rt_trap_raise(code == WASMC_TRAP_NONE ? WASMC_TRAP_HOST : code, 0);
}

_Noreturn void wasmrt_host_exit(int status) {
    rt_frame *f = rt_tls.top;
    if (f) f->trap->exit_code = status;
    rt_trap_raise(WASMC_TRAP_EXIT, 0);
}

void rt_host_thunk(void *env, void *caller, wasmc_slot *slots) {
    rt_host_record *r = env;
    int saved = rt_tls.in_guest;
    rt_host_call call = {rt_tls.host, r, __builtin_frame_address(0), slots};
    rt_tls.host = &call;
    rt_tls.in_guest = 0;   /* a fault in host code is the host's, never a trap */
    r->user_fn(r->user_env, caller, slots);
    rt_tls.in_guest = saved;
    rt_tls.host = call.prev;
    rt_interrupt_check();   /* an interrupt that came while the host ran */
}

static const char *type_name(uint8_t t) {
    switch (t) {
    case RT_TYPE_I32: return "i32";
    case RT_TYPE_I64: return "i64";
    case RT_TYPE_F32: return "f32";
    case RT_TYPE_F64: return "f64";
    case RT_TYPE_V128: return "v128";
    case RT_TYPE_FUNCREF: return "funcref";
    case RT_TYPE_EXTERNREF: return "externref";
    default: return "unknown";
    }
}

bool wasmrt_call(wasmrt_store *s, const wasmrt_func *f, const wasmrt_val *args, uint32_t num_args,
                 wasmrt_val *results, uint32_t num_results, wasmrt_trap *trap, wasmrt_error *err) {
    wasmrt_trap scratch;
    if (!trap) trap = &scratch;
    trap->code = WASMC_TRAP_NONE;
    trap->func_name = NULL;
    trap->exit_code = 0;
    trap->host_message[0] = 0;
    trap->host_import[0] = 0;
    if (!f || !f->ref || !f->type) {
        rt_err(err, "call of a null function reference");
        return false;
    }
    const wasmc_functype *t = f->type;
    if (num_args != t->num_params || num_results < t->num_results) {
        rt_err(err, "function takes %u arguments and returns %u results, called with %u and room for %u",
               t->num_params, t->num_results, num_args, num_results);
        return false;
    }
    for (uint32_t i = 0; i < num_args; i++)
        if (args[i].kind != t->types[i]) {
            rt_err(err, "argument %u: expected %s, got %s", i, type_name(t->types[i]), type_name(args[i].kind));
            return false;
        }
    /* Such code may have lost the side effects just before its trap
     * (trap_order.c); running it again would compute on that state. */
    wasmrt_instance *owner = f->instance;
    if (owner && owner->trapped && owner->module->desc->inexact_trap_state) {
        rt_err(err, "this instance trapped earlier and, as a WASI command built with --trap-state=auto, "
                    "cannot be called again (its last stores before the trap may be missing)");
        return false;
    }
    uint32_t n = t->num_params > t->num_results ? t->num_params : t->num_results;
    wasmc_slot local[16];
    wasmc_slot *slots = n <= 16 ? local : calloc(n, sizeof *slots);
    if (!slots) {
        rt_err(err, "out of memory");
        return false;
    }
    for (uint32_t i = 0; i < num_args; i++) {
        memset(&slots[i], 0, sizeof slots[i]);
        switch (args[i].kind) {
        case RT_TYPE_I32: slots[i].i32 = (uint32_t)args[i].of.i32; break;
        case RT_TYPE_I64: slots[i].i64 = (uint64_t)args[i].of.i64; break;
        case RT_TYPE_F32: slots[i].f32 = args[i].of.f32; break;
        case RT_TYPE_F64: slots[i].f64 = args[i].of.f64; break;
        case RT_TYPE_V128: memcpy(slots[i].v128, args[i].of.v128, 16); break;
        default: slots[i].ref = args[i].of.ref; break;
        }
    }
    bool ok = rt_enter(s, t->entry, f->ref->code, f->ref->vmctx, slots, trap);
    if (!ok && owner && trap->code != WASMC_TRAP_EXIT)
        owner->trapped = true;
    if (ok) {
        const uint8_t *rt = t->types + t->num_params;
        for (uint32_t i = 0; i < t->num_results; i++) {
            wasmrt_val *r = &results[i];
            memset(r, 0, sizeof *r);
            r->kind = rt[i];
            switch (rt[i]) {
            case RT_TYPE_I32: r->of.i32 = (int32_t)slots[i].i32; break;
            case RT_TYPE_I64: r->of.i64 = (int64_t)slots[i].i64; break;
            case RT_TYPE_F32: r->of.f32 = slots[i].f32; break;
            case RT_TYPE_F64: r->of.f64 = slots[i].f64; break;
            case RT_TYPE_V128: memcpy(r->of.v128, slots[i].v128, 16); break;
            default: r->of.ref = slots[i].ref; break;
            }
        }
    } else if (trap->code == WASMC_TRAP_HOST && trap->host_message[0]) {
        rt_err(err, "%s", trap->host_message);
    } else {
        rt_err(err, "%s", wasmrt_trap_message(trap->code));
    }
    if (slots != local) free(slots);
    return ok;
}
