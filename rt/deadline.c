/* Per-call wall-clock deadlines (wasmrt_store_config.deadline_ns).
 *
 * One watchdog thread per process, started on first use, sleeps until the
 * earliest armed deadline and then interrupts that store exactly as
 * wasmrt_store_interrupt does (interrupt.c: the flag, then SIGURG to the
 * thread running the guest, which traps "interrupted"; code built with
 * --interrupt=poll also sees the flag at loop headers).  Arming costs a
 * mutex round trip per outermost call, and only for stores that asked for
 * a deadline, so the common path pays nothing.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "internal.h"

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dl_cond;
static bool dl_started;
static rt_deadline *dl_armed;   /* unsorted: few stores run at once */

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *watchdog(void *arg) {
    (void)arg;
    pthread_mutex_lock(&dl_lock);
    for (;;) {
        uint64_t now = now_ns(), next = UINT64_MAX;
        for (rt_deadline **pp = &dl_armed; *pp;) {
            rt_deadline *d = *pp;
            if (d->at <= now) {
                d->fired = true;
                wasmrt_store_interrupt(d->store);   /* flag + signal (interrupt.c) */
                *pp = d->next;
                continue;
            }
            if (d->at < next) next = d->at;
            pp = &d->next;
        }
        if (next == UINT64_MAX) {
            pthread_cond_wait(&dl_cond, &dl_lock);
        } else {
            struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
            pthread_cond_timedwait(&dl_cond, &dl_lock, &ts);
        }
    }
    return NULL;
}

static bool start_locked(void) {
    if (dl_started) return true;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&dl_cond, &ca);
    pthread_condattr_destroy(&ca);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64u << 10);
    /* The watchdog must not take the process's fault signals' altstack
     * path or any other signal meant for the embedder's threads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t th;
    dl_started = pthread_create(&th, &a, watchdog, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&a);
    return dl_started;
}

bool rt_deadline_start(void) {
    pthread_mutex_lock(&dl_lock);
    bool ok = start_locked();
    pthread_mutex_unlock(&dl_lock);
    return ok;
}

void rt_deadline_arm(wasmrt_store *s) {
    rt_deadline *d = &s->deadline;
    d->store = s;
    d->at = now_ns() + s->config.deadline_ns;
    d->fired = false;
    pthread_mutex_lock(&dl_lock);
    if (start_locked()) {
        d->next = dl_armed;
        dl_armed = d;
        d->armed = true;
        pthread_cond_signal(&dl_cond);
    }
    pthread_mutex_unlock(&dl_lock);
}

void rt_deadline_disarm(wasmrt_store *s) {
    rt_deadline *d = &s->deadline;
    pthread_mutex_lock(&dl_lock);
    if (d->armed && !d->fired)
        for (rt_deadline **pp = &dl_armed; *pp; pp = &(*pp)->next)
            if (*pp == d) {
                *pp = d->next;
                break;
            }
    /* A deadline that fired after the guest finished must not hit the
     * store's next call. */
    if (d->fired) __atomic_store_n(&s->limits.interrupt, 0, __ATOMIC_RELEASE);
    d->armed = d->fired = false;
    pthread_mutex_unlock(&dl_lock);
}
