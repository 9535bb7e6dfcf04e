/* Tail calls (3.0's return_call and return_call_indirect) end to end:
 * recursion 10 million calls deep in constant stack (direct, between
 * functions of different signatures, through a table, and across two
 * instances through an import and a shared table), where the same depth
 * with `call` exhausts the 1 MiB Wasm stack; a tail call to a host import,
 * which per the spec simply calls it; results past the return registers,
 * which travel through an explicit pointer that a tail call passes on (to
 * a Wasm function, to a host one, and back to the host through the entry
 * trampoline); return_call_indirect's traps; and a
 * cycle of tail calls with no loop in it, which an interrupt must still
 * stop in both interrupt modes.
 *
 * Each case is WAT assembled with wat2wasm, compiled with wasmc_compile,
 * loaded and run with libwasmrt, in both memory modes.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasmc.h"
#include "wasmrt.h"

#include "wat_harness.h"

#define DEEP 10000000ll /* 10^7 calls: 10^7 frames of even 16 bytes are 160 MB */

static const char TAIL_WAT[] =
    "(module\n"
    "  (type $i64 (func (param i64) (result i64)))\n"
    "  (import \"env\" \"twice\" (func $twice (param i64) (result i64)))\n"
    "  (table 3 funcref)\n"
    "  (elem (i32.const 0) $count_indirect $wrong_type)\n"
    /* count(n, acc) = acc + n, one return_call per step */
    "  (func $count (export \"count\") (param i64 i64) (result i64)\n"
    "    (if (result i64) (i64.eqz (local.get 0)) (then (local.get 1))\n"
    "      (else (return_call $count (i64.sub (local.get 0) (i64.const 1))\n"
    "                                (i64.add (local.get 1) (i64.const 1))))))\n"
    /* the same depth with a plain call: must exhaust the stack */
    "  (func $count_call (export \"count_call\") (param i64 i64) (result i64)\n"
    "    (if (result i64) (i64.eqz (local.get 0)) (then (local.get 1))\n"
    "      (else (call $count_call (i64.sub (local.get 0) (i64.const 1))\n"
    "                              (i64.add (local.get 1) (i64.const 1))))))\n"
    /* even/odd with different signatures: the callee's frame differs */
    "  (func $even (export \"even\") (param i64) (result i32)\n"
    "    (if (result i32) (i64.eqz (local.get 0)) (then (i32.const 1))\n"
    "      (else (return_call $odd (f64.const 0.5) (i32.const 7) (i64.sub (local.get 0) (i64.const 1))\n"
    "                              (f32.const 1.5) (i64.const 9) (i64.const 10) (i64.const 11)\n"
    "                              (i64.const 12) (i64.const 13) (i64.const 14)))))\n"
    /* ten params: some of them on the stack on both targets' conventions */
    "  (func $odd (param f64 i32 i64 f32 i64 i64 i64 i64 i64 i64) (result i32)\n"
    "    (if (result i32) (i64.eqz (local.get 2)) (then (i32.const 0))\n"
    "      (else (if (result i32) (i64.ne (local.get 9) (i64.const 14)) (then (unreachable))\n"
    "        (else (return_call $even (i64.sub (local.get 2) (i64.const 1))))))))\n"
    "  (func $count_indirect (export \"count_indirect\") (type $i64)\n"
    "    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 99))\n"
    "      (else (return_call_indirect (type $i64) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))\n"
    "  (func $wrong_type (param i32) (result i32) (local.get 0))\n"
    "  (func (export \"indirect_at\") (param i64 i32) (result i64)\n"
    "    (return_call_indirect (type $i64) (local.get 0) (local.get 1)))\n"
    "  (func (export \"to_host\") (param i64) (result i64)\n"
    "    (return_call $twice (i64.add (local.get 0) (i64.const 1))))\n"
    /* a cycle of tail calls without a loop: only an interrupt ends it */
    "  (func $ping (export \"ping\") (param i64) (result i64)\n"
    "    (return_call $pong (i64.add (local.get 0) (i64.const 1))))\n"
    "  (func $pong (param i64) (result i64)\n"
    "    (return_call $ping (i64.add (local.get 0) (i64.const 1))))\n"
    ")\n";

/* env.twice(x) = 2x */
static void host_twice(void *env, void *caller, wasmc_slot *slots) {
    (void)env;
    (void)caller;
    slots[0].i64 = slots[0].i64 * 2;
}

static void define_twice(wasmrt_linker *l) {
    static const uint8_t t[] = {0x7E};
    wasmrt_error err;
    cr_assert(wasmrt_linker_define_host_func(l, "env", "twice", t, 1, t, 1, host_twice, NULL, &err), "%s",
              err.message);
}

static wasmrt_val I32(int32_t v) { return (wasmrt_val){.kind = 0x7F, .of.i32 = v}; }
static wasmrt_val I64(int64_t v) { return (wasmrt_val){.kind = 0x7E, .of.i64 = v}; }

#define BOTH_MODES(fn)                                 \
    Test(tail_calls, fn##_guard_pages) { fn(false); }  \
    Test(tail_calls, fn##_bounds_checks) { fn(true); }

static void deep_recursion_runs_in_constant_stack(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, TAIL_WAT, bounds_checks, define_twice);
    wasmrt_val a[2] = {I64(DEEP), I64(5)}, r = {0};
    cr_assert_eq(invoke(&h, "count", a, 2, &r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r.of.i64, DEEP + 5);
    /* The depth is real: as plain calls it does not fit the stack. */
    cr_expect_eq(invoke(&h, "count_call", a, 2, &r, 1), WASMC_TRAP_STACK_EXHAUSTED);

    a[0] = I64(DEEP + 1);
    cr_assert_eq(invoke(&h, "even", a, 1, &r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r.of.i32, 0, "even(10^7 + 1)");
    a[0] = I64(DEEP);
    cr_assert_eq(invoke(&h, "even", a, 1, &r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r.of.i32, 1, "even(10^7)");

    cr_assert_eq(invoke(&h, "count_indirect", a, 1, &r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r.of.i64, 99);
    harness_close(&h);
}
BOTH_MODES(deep_recursion_runs_in_constant_stack)

static void indirect_tail_calls_trap_like_call_indirect(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, TAIL_WAT, bounds_checks, define_twice);
    wasmrt_val a[2] = {I64(3), I32(0)}, r = {0};
    cr_assert_eq(invoke(&h, "indirect_at", a, 2, &r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r.of.i64, 99);
    a[1] = I32(1);
    cr_expect_eq(invoke(&h, "indirect_at", a, 2, &r, 1), WASMC_TRAP_INDIRECT_CALL_TYPE);
    a[1] = I32(2);
    cr_expect_eq(invoke(&h, "indirect_at", a, 2, &r, 1), WASMC_TRAP_UNINITIALIZED_ELEMENT);
    a[1] = I32(3);
    cr_expect_eq(invoke(&h, "indirect_at", a, 2, &r, 1), WASMC_TRAP_UNDEFINED_ELEMENT);
    harness_close(&h);
}
BOTH_MODES(indirect_tail_calls_trap_like_call_indirect)

static void tail_call_to_a_host_import_calls_it(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, TAIL_WAT, bounds_checks, define_twice);
    wasmrt_val a = I64(20), r = {0};
    cr_assert_eq(invoke(&h, "to_host", &a, 1, &r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r.of.i64, 42);
    harness_close(&h);
}
BOTH_MODES(tail_call_to_a_host_import_calls_it)

/* Four i64 results and an f64: more than x86-64's three integer return
 * registers, so they are returned through memory (lm_results_in_memory). */
static const char MANY_WAT[] =
    "(module\n"
    "  (type $many (func (param i64) (result i64 i64 i64 i64 f64)))\n"
    "  (import \"env\" \"quad\" (func $quad (type $many)))\n"
    "  (table 1 funcref)\n"
    "  (elem (i32.const 0) $down)\n"
    "  (func $down (export \"down\") (type $many)\n"
    "    (if (result i64 i64 i64 i64 f64) (i64.eqz (local.get 0))\n"
    "      (then (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (f64.const 5.5))\n"
    "      (else (return_call_indirect (type $many) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))\n"
    "  (func (export \"to_host\") (type $many) (return_call $quad (local.get 0)))\n"
    "  (func (export \"sum\") (param i64) (result i64)\n"
    "    (call $down (local.get 0)) (i64.trunc_f64_s) (i64.add) (i64.add) (i64.add) (i64.add)))\n";

/* env.quad(x) = (x, x + 1, x + 2, x + 3, x / 2) */
static void host_quad(void *env, void *caller, wasmc_slot *slots) {
    (void)env;
    (void)caller;
    int64_t x = (int64_t)slots[0].i64;
    for (int i = 0; i < 4; i++)
        slots[i].i64 = (uint64_t)(x + i);
    slots[4].f64 = (double)x / 2;
}

static void define_quad(wasmrt_linker *l) {
    static const uint8_t p[] = {0x7E}, r[] = {0x7E, 0x7E, 0x7E, 0x7E, 0x7C};
    wasmrt_error err;
    cr_assert(wasmrt_linker_define_host_func(l, "env", "quad", p, 1, r, 5, host_quad, NULL, &err), "%s",
              err.message);
}

static void results_in_memory_pass_through_tail_calls(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, MANY_WAT, bounds_checks, define_quad);
    wasmrt_val a = I64(DEEP), r[5] = {{0}};
    cr_assert_eq(invoke(&h, "down", &a, 1, r, 5), WASMC_TRAP_NONE);
    cr_expect(r[0].of.i64 == 1 && r[1].of.i64 == 2 && r[2].of.i64 == 3 && r[3].of.i64 == 4 && r[4].of.f64 == 5.5,
              "down: %lld %lld %lld %lld %g", (long long)r[0].of.i64, (long long)r[1].of.i64,
              (long long)r[2].of.i64, (long long)r[3].of.i64, r[4].of.f64);
    a = I64(1000);
    cr_assert_eq(invoke(&h, "sum", &a, 1, r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r[0].of.i64, 15);
    a = I64(40);
    cr_assert_eq(invoke(&h, "to_host", &a, 1, r, 5), WASMC_TRAP_NONE);
    cr_expect(r[0].of.i64 == 40 && r[1].of.i64 == 41 && r[2].of.i64 == 42 && r[3].of.i64 == 43 && r[4].of.f64 == 20.0,
              "to_host: %lld %lld %lld %lld %g", (long long)r[0].of.i64, (long long)r[1].of.i64,
              (long long)r[2].of.i64, (long long)r[3].of.i64, r[4].of.f64);
    harness_close(&h);
}
BOTH_MODES(results_in_memory_pass_through_tail_calls)

/* Instance "a" tail-calls through its table, where instance "b" put its own
 * function, which tail-calls back through its import of a's: a cycle
 * across two instances (and their vmctxs), 10^7 calls deep. */
static const char CROSS_A_WAT[] =
    "(module\n"
    "  (type $t (func (param i64) (result i64)))\n"
    "  (table (export \"tab\") 1 funcref)\n"
    "  (func (export \"ping\") (type $t)\n"
    "    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 42))\n"
    "      (else (return_call_indirect (type $t) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0))))))\n";

static const char CROSS_B_WAT[] =
    "(module\n"
    "  (type $t (func (param i64) (result i64)))\n"
    "  (import \"a\" \"ping\" (func $ping (type $t)))\n"
    "  (import \"a\" \"tab\" (table 1 funcref))\n"
    "  (elem (i32.const 0) $pong)\n"
    "  (func $pong (export \"pong\") (type $t)\n"
    "    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 7))\n"
    "      (else (return_call $ping (i64.sub (local.get 0) (i64.const 1)))))))\n";

static wasmrt_instance *cross_a; /* the instance b's imports come from */

static void define_a(wasmrt_linker *l) {
    wasmrt_error err;
    cr_assert(wasmrt_linker_define_instance(l, "a", cross_a, &err), "%s", err.message);
}

static void tail_calls_cross_instances(bool bounds_checks) {
    Harness ha, hb;
    harness_open_linked(&ha, CROSS_A_WAT, bounds_checks, NULL);
    cross_a = ha.inst;
    /* b lives in a's store; only its module belongs to hb. */
    memset(&hb, 0, sizeof hb);
    strcpy(hb.dir, "/tmp/wasmc-wattest-XXXXXX");
    cr_assert(mkdtemp(hb.dir));
    snprintf(hb.so_path, sizeof hb.so_path, "%s/m.so", hb.dir);
    uint8_t *bytes;
    size_t size;
    cr_assert(wat_to_wasm(hb.dir, CROSS_B_WAT, &bytes, &size));
    harness_load_bytes(&hb, bytes, size, bounds_checks);
    wasmrt_linker *l = wasmrt_linker_new();
    define_a(l);
    wasmrt_trap trap = {0};
    wasmrt_error err = {{0}};
    Harness view = ha;
    view.inst = wasmrt_instantiate(ha.store, hb.module, l, &trap, &err);
    wasmrt_linker_free(l);
    cr_assert(view.inst, "instantiate b: %s", err.message);

    wasmrt_val a = I64(DEEP), r = {0};
    cr_assert_eq(invoke(&view, "pong", &a, 1, &r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r.of.i64, 7, "pong(even n) ends in pong");
    a = I64(DEEP + 1);
    cr_assert_eq(invoke(&view, "pong", &a, 1, &r, 1), WASMC_TRAP_NONE);
    cr_expect_eq(r.of.i64, 42, "pong(odd n) ends in a's ping");
    harness_close(&ha); /* frees the store, b's instance with it */
    harness_close(&hb);
}
BOTH_MODES(tail_calls_cross_instances)

/* A return_call cycle has no loop header to poll at: --interrupt=poll
 * polls before each tail call instead. */
static void interrupt_stops_a_tail_call_cycle(bool poll) {
    Harness h;
    WasmcOptions opts;
    wasmc_options_default(&opts);
    opts.threads = 1;
    opts.interrupt_poll = poll;
    harness_open_with(&h, TAIL_WAT, &opts, define_twice);
    pthread_t th = harness_interrupt_later(h.store);
    wasmrt_val a = I64(0), r = {0};
    cr_expect_eq(invoke(&h, "ping", &a, 1, &r, 1), WASMC_TRAP_INTERRUPTED);
    harness_interrupt_join(th);
    harness_close(&h);
}
Test(tail_calls, signal_interrupt_stops_a_tail_call_cycle) { interrupt_stops_a_tail_call_cycle(false); }
Test(tail_calls, poll_interrupt_stops_a_tail_call_cycle) { interrupt_stops_a_tail_call_cycle(true); }
