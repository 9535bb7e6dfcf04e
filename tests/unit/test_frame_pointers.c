/* wasmc --frame-pointers: a profiler that walks the stack by frame pointers
 * (perf record --call-graph=fp) must find every Wasm frame of a sample
 * taken inside guest code.
 *
 * The guest recurses $depth(3) -> $depth(2) -> $depth(1) -> $depth(0),
 * and $depth(0) spins in an arithmetic loop.  A helper thread sends
 * SIGPROF to the calling thread until a sample lands in the artifact's
 * code; the handler walks the frame-pointer chain from the interrupted
 * register state, the way perf does, and counts the return addresses
 * that lie inside the artifact.  Three of them are the recursive calls.
 *
 * Every frame pointer is checked against the thread's stack bounds before
 * it is read, and the walk stops at the first return address outside the
 * artifact (the runtime's own C frames need not keep frame pointers), so
 * a broken chain fails the assertion instead of crashing the test.
 * Without the flag the chain is not promised, so that case is not walked.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <ucontext.h>

#include "wat_harness.h"

static const char WAT[] =
    "(module\n"
    "  (func $depth (export \"depth\") (param $n i32) (param $k i32) (result i32)\n"
    "    (local $x i32)\n"
    "    (if (result i32) (i32.eqz (local.get $n))\n"
    "      (then\n"
    /* an LCG has no closed form, so the loop stays a loop */
    "        (loop $spin\n"
    "          (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))\n"
    "          (local.set $k (i32.sub (local.get $k) (i32.const 1)))\n"
    "          (br_if $spin (local.get $k)))\n"
    "        (local.get $x))\n"
    "      (else\n"
    /* x * 3 + n after the call: no tail call, no accumulator rewrite */
    "        (i32.add (i32.mul (call $depth (i32.sub (local.get $n) (i32.const 1)) (local.get $k))\n"
    "                          (i32.const 3))\n"
    "                 (local.get $n))))))\n";

static wasmrt_val I32(uint32_t v) { return (wasmrt_val){.kind = 0x7F, .of.i32 = (int32_t)v}; }

static uintptr_t code_lo, code_hi, stack_lo, stack_hi;
static atomic_int best_walk = -1;     /* most in-code return addresses seen in one sample */
static atomic_bool call_done;

static bool in_code(uintptr_t pc) { return pc >= code_lo && pc < code_hi; }

static void on_sigprof(int sig, siginfo_t *si, void *ctx) {
    (void)sig;
    (void)si;
    const mcontext_t *mc = &((const ucontext_t *)ctx)->uc_mcontext;
#if defined(__x86_64__)
    uintptr_t pc = (uintptr_t)mc->gregs[REG_RIP], fp = (uintptr_t)mc->gregs[REG_RBP];
#elif defined(__aarch64__)
    uintptr_t pc = (uintptr_t)mc->pc, fp = (uintptr_t)mc->regs[29];
#else
#error "frame record layout unknown for this architecture"
#endif
    if (!in_code(pc))
        return;
    /* Both ABIs keep a frame record {caller's frame pointer, return address}
     * at the frame pointer. */
    int n = 0;
    for (int step = 0; step < 64; step++) {
        if (fp % sizeof(uintptr_t) || fp < stack_lo || fp + 2 * sizeof(uintptr_t) > stack_hi)
            break;
        const uintptr_t *rec = (const uintptr_t *)fp;
        if (!in_code(rec[1]))
            break;
        n++;
        if (rec[0] <= fp)
            break;
        fp = rec[0];
    }
    if (n > atomic_load(&best_walk))
        atomic_store(&best_walk, n);
}

static void *sampler(void *arg) {
    pthread_t target = *(pthread_t *)arg;
    struct timespec ms = {0, 1000 * 1000};
    while (!atomic_load(&call_done) && atomic_load(&best_walk) < 3) {
        pthread_kill(target, SIGPROF);
        nanosleep(&ms, NULL);
    }
    return NULL;
}

static void this_thread_stack(uintptr_t *lo, uintptr_t *hi) {
    pthread_attr_t a;
    cr_assert_eq(pthread_getattr_np(pthread_self(), &a), 0);
    void *addr;
    size_t size;
    cr_assert_eq(pthread_attr_getstack(&a, &addr, &size), 0);
    pthread_attr_destroy(&a);
    *lo = (uintptr_t)addr;
    *hi = (uintptr_t)addr + size;
}

Test(frame_pointers, a_frame_pointer_walk_from_guest_code_finds_every_wasm_frame, .timeout = 60) {
    Harness h;
    WasmcOptions opts;
    wasmc_options_default(&opts);
    opts.threads = 1;
    opts.frame_pointers = true;
    harness_open_with(&h, WAT, &opts, NULL);

    const wasmc_descriptor *d = wasmrt_module_descriptor(h.module);
    code_lo = (uintptr_t)d->code_start;
    code_hi = (uintptr_t)d->code_end;
    this_thread_stack(&stack_lo, &stack_hi);

    struct sigaction sa = {0}, old;
    sa.sa_sigaction = on_sigprof;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGPROF, &sa, &old), 0);
    pthread_t self = pthread_self(), helper;
    cr_assert_eq(pthread_create(&helper, NULL, sampler, &self), 0);

    /* ~2^28 iterations: a fraction of a second, long enough to be sampled */
    wasmrt_val args[] = {I32(3), I32(1u << 28)}, r;
    wasmc_trap_code trap = invoke(&h, "depth", args, 2, &r, 1);
    atomic_store(&call_done, true);
    pthread_join(helper, NULL);
    sigaction(SIGPROF, &old, NULL);

    cr_expect_eq(trap, WASMC_TRAP_NONE);
    cr_expect_geq(atomic_load(&best_walk), 0, "no sample landed in the guest's code");
    cr_expect_geq(atomic_load(&best_walk), 3,
                  "the walk found %d Wasm return addresses; the three recursive calls are missing",
                  atomic_load(&best_walk));
    harness_close(&h);
}
