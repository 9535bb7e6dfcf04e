/* Asynchronous interruption of running guest code (wasmrt_store_interrupt).
 *
 * Compiled loops carry no interrupt check by default (wasmc
 * --interrupt=signal), so they stay as tight as native code and can
 * vectorise.  Instead, interrupting a store sets limits->interrupt and then
 * sends RT_INTERRUPT_SIGNAL (SIGURG: its default action is to ignore, so a
 * stray one is harmless) to the thread currently running that store's
 * guest code.  The handler, on the thread's alternate stack, traps
 * "interrupted" through the same siglongjmp path as guest faults, but only
 * when the thread is inside a guest call, the interrupted PC is inside a
 * loaded artifact's code, and the flag of the store this thread is running
 * is set (it consumes the flag).  Anywhere else (the runtime, a builtin, a
 * host function) it just returns and the flag stays set: the runtime checks
 * it when a host function returns to the guest and when a call enters the
 * guest, so a guest that was not in its own code when the signal came is
 * stopped at its next boundary.  Artifacts compiled with --interrupt=poll
 * also notice the flag at every loop header.
 *
 * Knowing which thread to signal: the outermost call of a store on a thread
 * records pthread_self() in the store and marks it running; leaving clears
 * the mark.  The interrupter may run on any thread (or in a signal handler:
 * it takes no lock), so it must never pthread_kill a thread that already
 * left and may have exited.  A Dekker-style pair of sequentially consistent
 * flags prevents that: the interrupter raises irq_busy before it reads
 * irq_running, the leaving thread clears irq_running before it reads
 * irq_busy and waits for it to drop, so either the interrupter sees the
 * thread gone or the thread outlives the pthread_kill.  The wait is a few
 * instructions long and only ever overlaps one pthread_kill.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>

#include "../target/host.h"
#include "internal.h"

/* The store whose guest code this thread runs (innermost call). */
static __thread wasmrt_store *running_store __attribute__((tls_model("initial-exec")));

static struct sigaction previous;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static bool install_ok;

static bool take_flag(wasmrt_store *s) {
    return __atomic_load_n(&s->limits.interrupt, __ATOMIC_RELAXED) &&
           __atomic_exchange_n(&s->limits.interrupt, 0, __ATOMIC_ACQ_REL);
}

static void handler(int sig, siginfo_t *si, void *uc) {
    int saved_errno = errno;
    rt_thread *ts = &rt_tls;
    wasmrt_store *s = running_store;
    if (s && ts->in_guest && ts->top) {
        uintptr_t pc = host_ucontext_pc(uc);
        if (rt_range_lookup(pc) == RT_RANGE_CODE && take_flag(s)) {
            ts->top->code = WASMC_TRAP_INTERRUPTED;
            ts->top->pc = pc;
            siglongjmp(ts->top->jb, 1);
        }
    }
    /* Not ours to act on: an embedder's own SIGURG handler still runs. */
    if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction)
        previous.sa_sigaction(sig, si, uc);
    else if (!(previous.sa_flags & SA_SIGINFO) && previous.sa_handler != SIG_DFL &&
             previous.sa_handler != SIG_IGN)
        previous.sa_handler(sig);
    errno = saved_errno;
}

static void install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    /* SA_NODEFER + empty mask: nothing stays blocked after the siglongjmp
     * (the boundary's sigsetjmp does not save the mask).  SA_RESTART: a
     * host function's system call is not failed by an interrupt it cannot
     * act on. */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    install_ok = sigaction(RT_INTERRUPT_SIGNAL, &sa, &previous) == 0;
}

bool rt_interrupt_install(wasmrt_error *err) {
    pthread_once(&install_once, install);
    if (!install_ok) rt_err(err, "cannot install the runtime's interrupt signal handler");
    return install_ok;
}

void wasmrt_store_interrupt(wasmrt_store *s) {
    __atomic_store_n(&s->limits.interrupt, 1, __ATOMIC_SEQ_CST);
    __atomic_add_fetch(&s->irq_busy, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&s->irq_running, __ATOMIC_SEQ_CST))
        pthread_kill(s->irq_thread, RT_INTERRUPT_SIGNAL);
    __atomic_sub_fetch(&s->irq_busy, 1, __ATOMIC_SEQ_CST);
}

wasmrt_store *rt_interrupt_enter(wasmrt_store *s) {
    wasmrt_store *prev = running_store;
    if (s->active_calls == 0) {
        s->irq_thread = pthread_self();
        __atomic_store_n(&s->irq_running, 1, __ATOMIC_SEQ_CST);
    }
    running_store = s;
    return prev;
}

void rt_interrupt_leave(wasmrt_store *s, wasmrt_store *prev) {
    running_store = prev;
    if (s->active_calls == 0) {
        __atomic_store_n(&s->irq_running, 0, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&s->irq_busy, __ATOMIC_SEQ_CST)) sched_yield();
    }
}

void rt_interrupt_check(void) {
    wasmrt_store *s = running_store;
    if (s && take_flag(s)) rt_trap_raise(WASMC_TRAP_INTERRUPTED, 0);
}
