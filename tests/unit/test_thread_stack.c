/* Stack discovery (rt/call.c): the bounds the store's prologue limit and
 * the fault classifier rely on.  The main thread's are read from the
 * kernel's VMA tree instead of glibc's /proc/self/maps parse; they must
 * never lie below what glibc reports (a limit under the real stack end
 * would let guest recursion fault instead of trapping), and must stop short
 * of a mapping placed between the stack and its rlimit bottom, by the guard
 * gap when that mapping is accessible.  Each case runs in a forked child,
 * since a thread learns its bounds once.  Last, guest recursion with no
 * store limit of its own runs down to the discovered end and must trap
 * "call stack exhausted" there, on the main thread and on another one. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../rt/internal.h"
#include "test_runtime_mock.h"

static wasmc_descriptor D;

static void glibc_bounds(uintptr_t *lo, uintptr_t *hi) {
    pthread_attr_t a;
    void *addr;
    size_t size;
    *lo = *hi = 0;
    if (pthread_getattr_np(pthread_self(), &a) != 0) return;
    if (pthread_attr_getstack(&a, &addr, &size) == 0) {
        *lo = (uintptr_t)addr;
        *hi = (uintptr_t)addr + size;
    }
    pthread_attr_destroy(&a);
}

/* Runs fn in a forked child (main thread of a fresh rt_tls); fn returns a
 * nonzero code naming the first failed check. */
static int in_child(int (*fn)(void)) {
    pid_t pid = fork();
    if (pid == 0) _exit(fn());
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return 100;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 200 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int main_plain(void) {
    uintptr_t glo, ghi;
    glibc_bounds(&glo, &ghi);
    if (!glo) return 1;
    rt_thread *ts = rt_thread_get();
    if (!ts) return 2;
    uintptr_t here = (uintptr_t)__builtin_frame_address(0);
    if (ts->stack_lo < glo) return 3;                 /* never below glibc's end */
    if (!(ts->stack_lo < here && here < ts->stack_hi)) return 4;
    /* Nothing is mapped near a fresh stack: the whole rlimit is usable. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) != 0) return 5;
    if (rl.rlim_cur != RLIM_INFINITY && ts->stack_hi - ts->stack_lo + 2 * (size_t)getpagesize() < rl.rlim_cur)
        return 6;
    return 0;
}

Test(thread_stack, main_thread_gets_the_rlimit_extent_and_never_less_than_glibc) {
    cr_assert_eq(in_child(main_plain), 0);
}

/* A mapping 2 MiB above glibc's rlimit bottom, i.e. inside the range the
 * stack could otherwise grow into. */
static int main_blocked(int prot) {
    uintptr_t glo, ghi;
    glibc_bounds(&glo, &ghi);
    if (!glo) return 1;
    size_t page = (size_t)getpagesize();
    uintptr_t at = glo + (2u << 20);
    if (at + page >= (uintptr_t)__builtin_frame_address(0) - (1u << 20)) return 0;   /* tiny rlimit: nothing to test */
    void *p = mmap((void *)at, page, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) return 0;   /* the range is taken: cannot set the case up */
    if ((uintptr_t)p != at) return 2;
    rt_thread *ts = rt_thread_get();
    if (!ts) return 3;
    uintptr_t want = at + page + (prot != PROT_NONE ? (1u << 20) : 0);
    if (ts->stack_lo < want) return 4;
    /* ...and it is still no lower than glibc's own answer now. */
    uintptr_t glo2, ghi2;
    glibc_bounds(&glo2, &ghi2);
    if (ts->stack_lo < glo2) return 5;
    return 0;
}
static int main_blocked_rw(void) { return main_blocked(PROT_READ | PROT_WRITE); }
static int main_blocked_none(void) { return main_blocked(PROT_NONE); }

Test(thread_stack, accessible_mapping_below_main_stack_bounds_it_with_the_guard_gap) {
    cr_assert_eq(in_child(main_blocked_rw), 0);
}

Test(thread_stack, inaccessible_mapping_below_main_stack_bounds_it) {
    cr_assert_eq(in_child(main_blocked_none), 0);
}

static void *thread_fn(void *arg) {
    (void)arg;
    uintptr_t glo, ghi;
    glibc_bounds(&glo, &ghi);
    rt_thread *ts = rt_thread_get();
    intptr_t rc = 0;
    if (!ts) rc = 1;
    else if (!glo || ts->stack_lo != glo || ts->stack_hi != ghi) rc = 2;
    return (void *)rc;
}

/* Run fn on a new thread and return its result as an int (1 when the
 * thread could not be run). */
static int on_a_thread(void *(*fn)(void *)) {
    pthread_t t;
    void *rc = (void *)99;
    if (pthread_create(&t, NULL, fn, NULL) != 0 || pthread_join(t, &rc) != 0) return 1;
    return (int)(intptr_t)rc;
}

static int other_thread(void) { return on_a_thread(thread_fn); }

Test(thread_stack, other_threads_use_their_descriptor_bounds) {
    cr_assert_eq(in_child(other_thread), 0);
}

/* ---- recursion to the real stack end ---- */

static void host_add1(void *env, void *caller, wasmc_slot *s) {
    (void)env, (void)caller;
    s[0].i32 += 1;
}

/* 0 when a store without its own stack cap traps cleanly, else a code. */
static int recurse_to_the_end(void) {
    wasmrt_error err;
    wasmrt_trap trap;
    D = mock_descriptor();
    wasmrt_module *m = wasmrt_module_from_descriptor(&D, &err);
    if (!m) return 1;
    /* 1 GiB: the limit is then the thread's stack end less the margin. */
    wasmrt_store_config cfg = {.max_stack_bytes = 1u << 30};
    wasmrt_store *s = wasmrt_store_new(&cfg, &err);
    wasmrt_linker *l = wasmrt_linker_new();
    const uint8_t i32 = 0x7F;
    if (!s || !l || !wasmrt_linker_define_host_func(l, "env", "host_add1", &i32, 1, &i32, 1, host_add1, NULL, &err))
        return 2;
    wasmrt_instance *inst = wasmrt_instantiate(s, m, l, &trap, &err);
    wasmrt_extern ext;
    if (!inst || !wasmrt_instance_export(inst, "recurse", &ext)) return 3;
    int rc = 0;
    for (int round = 0; round < 2 && !rc; round++) {   /* and again, with the stack now grown */
        wasmrt_val a = {.kind = 0x7F, .of.i32 = 0}, r;
        if (wasmrt_call(s, &ext.of.func, &a, 1, &r, 1, &trap, &err)) rc = 4;
        else if (trap.code != WASMC_TRAP_STACK_EXHAUSTED) rc = 5;
        else if (strcmp(wasmrt_trap_message(trap.code), "call stack exhausted") != 0) rc = 6;
        /* the limit sat above the end, and the guest got most of the stack */
        else if (s->limits.stack_limit < rt_tls.stack_lo + (64u << 10)) rc = 7;
    }
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
    return rc;
}

Test(thread_stack, uncapped_recursion_traps_at_the_main_stack_end) {
    cr_assert_eq(in_child(recurse_to_the_end), 0);
}

static void *recurse_thread(void *arg) {
    (void)arg;
    return (void *)(intptr_t)recurse_to_the_end();
}

static int recurse_on_a_thread(void) { return on_a_thread(recurse_thread); }

Test(thread_stack, uncapped_recursion_traps_at_a_thread_stack_end) {
    cr_assert_eq(in_child(recurse_on_a_thread), 0);
}
