/* Turning guest faults into traps.
 *
 * SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP run this handler on the thread's alternate
 * stack.  A fault becomes a trap only when all of these hold: the thread is
 * inside a guest call (thread-local flag, cleared while host functions
 * run), the faulting PC is inside a loaded artifact's code, and for memory
 * faults the address is inside a linear-memory reservation (-> out of
 * bounds) or at this thread's stack end (-> call stack exhausted).
 * Everything else goes to the previous handler, or back to the default
 * action, so a genuine crash in host or runtime code is never swallowed.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../target/host.h"
#include "internal.h"

static const int handled[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP};
static struct sigaction previous[NSIG];
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static bool install_ok;

static void pass_on(int sig, siginfo_t *si, void *uc) {
    struct sigaction *o = &previous[sig];
    if ((o->sa_flags & SA_SIGINFO) && o->sa_sigaction) {
        o->sa_sigaction(sig, si, uc);
        return;
    }
    if (!(o->sa_flags & SA_SIGINFO) && o->sa_handler != SIG_DFL && o->sa_handler != SIG_IGN) {
        o->sa_handler(sig);
        return;
    }
    /* Default action: reinstate it; a hardware fault recurs on return and
     * kills the process with the right signal, a sent one is re-raised. */
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    if (si->si_code <= 0) raise(sig);
}

static wasmc_trap_code classify(int sig, const siginfo_t *si, const rt_thread *ts) {
    switch (sig) {
    case SIGSEGV:
    case SIGBUS: {
        uintptr_t a = (uintptr_t)si->si_addr;
        if (rt_range_lookup(a) == RT_RANGE_MEMORY) return WASMC_TRAP_MEMORY_OOB;
        /* A frame too big for the prologue check probes into the guard
         * below the stack (probe-stack touches pages in order). */
        if (ts->stack_lo && a < ts->stack_lo + (64u << 10) && a + (1u << 20) >= ts->stack_lo)
            return WASMC_TRAP_STACK_EXHAUSTED;
        return WASMC_TRAP_NONE;
    }
    case SIGFPE:
        if (si->si_code == FPE_INTDIV) return WASMC_TRAP_INT_DIV_ZERO;
        if (si->si_code == FPE_INTOVF) return WASMC_TRAP_INT_OVERFLOW;
        return WASMC_TRAP_NONE;
    case SIGILL:
    case SIGTRAP:
        return WASMC_TRAP_UNREACHABLE;   /* llvm.trap: ud2 on x86-64, brk on aarch64 */
    default:
        return WASMC_TRAP_NONE;
    }
}

static void handler(int sig, siginfo_t *si, void *uc) {
    rt_thread *ts = &rt_tls;
    if (ts->in_guest && ts->top) {
        uintptr_t pc = host_ucontext_pc(uc);
        if (rt_range_lookup(pc) == RT_RANGE_CODE) {
            wasmc_trap_code code = classify(sig, si, ts);
            if (code != WASMC_TRAP_NONE) {
                ts->top->code = code;
                ts->top->pc = pc;
                siglongjmp(ts->top->jb, 1);
            }
        }
    }
    pass_on(sig, si, uc);
}

static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof handled / sizeof *handled; i++)
        if (sigaction(handled[i], &sa, &previous[handled[i]]) != 0) return;
    install_ok = true;
}

bool rt_signals_install(wasmrt_error *err) {
    /* Linear memories grow in 64 KiB steps with exact guard boundaries. */
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || WASMC_WASM_PAGE_SIZE % (unsigned long)page != 0) {
        rt_err(err, "host page size %ld does not divide the 64 KiB Wasm page", page);
        return false;
    }
    pthread_once(&install_once, install);
    if (!install_ok) rt_err(err, "cannot install the runtime's signal handlers");
    return install_ok;
}

bool wasmrt_init(wasmrt_error *err) { return rt_signals_install(err) && rt_interrupt_install(err); }
