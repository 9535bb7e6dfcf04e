/* End-to-end behaviour of the lowering core beyond the spec suite: block
 * and loop params/results through phis, br_table with repeated targets,
 * runaway recursion (direct and through a table) that must exhaust the
 * stack rather than become a loop, the loop-header interrupt poll, host
 * imports with several results through the host trampoline, and loads
 * whose values a branch or `unreachable` discards, which must still trap.
 *
 * Each case is WAT assembled with wat2wasm, compiled with wasmc_compile,
 * loaded and run with libwasmrt in both memory modes.  A missing tool or a
 * piece of the pipeline that is not implemented skips the case with the
 * reason; nothing passes vacuously.
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

/* env.pair(x) -> (x + 1, x * 2 as i64): exercises the host trampoline's
 * multi-value return. */
static void host_pair(void *env, void *caller, wasmc_slot *slots) {
    (void)env;
    (void)caller;
    uint32_t x = slots[0].i32;
    slots[0].i32 = x + 1;
    slots[1].i64 = (uint64_t)x * 2;
}

static void define_pair(wasmrt_linker *l) {
    static const uint8_t p[] = {0x7F}, r[] = {0x7F, 0x7E};
    wasmrt_error err;
    cr_assert(wasmrt_linker_define_host_func(l, "env", "pair", p, 1, r, 2, host_pair, NULL, &err), "%s", err.message);
}

static wasmrt_val I32(uint32_t v) { return (wasmrt_val){.kind = 0x7F, .of.i32 = (int32_t)v}; }

static uint32_t call_i32(Harness *h, const char *name, uint32_t arg) {
    wasmrt_val a = I32(arg), r = {0};
    wasmc_trap_code t = invoke(h, name, &a, 1, &r, 1);
    cr_assert_eq(t, WASMC_TRAP_NONE, "%s(%u) trapped: %s", name, arg, wasmrt_trap_message(t));
    return (uint32_t)r.of.i32;
}

static void expect_trap(Harness *h, const char *name, uint32_t arg, uint32_t nresults, wasmc_trap_code want) {
    wasmrt_val a = I32(arg), r[2];
    wasmc_trap_code t = invoke(h, name, &a, 1, r, nresults);
    cr_assert_eq(t, want, "%s(%u): expected trap \"%s\", got %s", name, arg, wasmrt_trap_message(want),
                 t == WASMC_TRAP_NONE ? "no trap" : wasmrt_trap_message(t));
}

#define BOTH_MODES(fn)                                         \
    Test(lower_exec, fn##_guard_pages) { fn(false); }          \
    Test(lower_exec, fn##_bounds_checks) { fn(true); }

static const char CONTROL_WAT[] =
    "(module\n"
    "  (type $proc (func))\n"
    "  (import \"env\" \"pair\" (func $pair (param i32) (result i32 i64)))\n"
    "  (memory 1)\n"
    "  (table 2 funcref)\n"
    "  (elem (i32.const 0) $runaway_indirect)\n"
    "  (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))\n"
    /* (x, 10) -> swap -> (10, x); loop adds a countdown: 10 + x + (x-1) + ... + 1 */
    "  (func (export \"params\") (param i32) (result i32)\n"
    "    (local.get 0) (i32.const 10)\n"
    "    (block (param i32 i32) (result i32 i32) (call $swap))\n"
    "    (drop)\n"
    "    (local.get 0)\n"
    "    (loop $l (param i32 i32) (result i32)\n"
    "      (local.set 0) (local.get 0) (i32.add)\n"
    "      (local.get 0) (i32.const 1) (i32.sub) (local.tee 0)\n"
    "      (local.get 0) (br_if $l)\n"
    "      (drop))\n"
    "    (if (param i32) (result i32) (i32.const 1) (then (i32.const 1000) (i32.add))))\n"
    /* br_table with repeated and default targets, carrying a value */
    "  (func (export \"table\") (param i32) (result i32)\n"
    "    (block $d (result i32)\n"
    "      (block $c (result i32)\n"
    "        (block $b (result i32)\n"
    "          (block $a (result i32)\n"
    "            (i32.const 100) (local.get 0) (br_table $a $b $a $c $b $b $d))\n"
    "          (i32.const 1) (i32.add) (return))\n"
    "        (i32.const 2) (i32.add) (return))\n"
    "      (i32.const 3) (i32.add) (return))\n"
    "    (i32.const 4) (i32.add))\n"
    "  (func $runaway (export \"runaway\") (param i32) (result i32)\n"
    "    (call $runaway (i32.add (local.get 0) (i32.const 1))))\n"
    "  (func $runaway_indirect (call_indirect (type $proc) (i32.const 0)))\n"
    "  (func (export \"runaway_indirect\") (param i32) (result i32)\n"
    "    (call $runaway_indirect) (i32.const 0))\n"
    "  (func (export \"null_entry\") (param i32) (result i32)\n"
    "    (call_indirect (type $proc) (i32.const 1)) (i32.const 0))\n"
    "  (func (export \"spin\") (param i32) (result i32)\n"
    "    (loop $l (br_if $l (i32.ne (local.get 0) (i32.const 7)))) (i32.const 1))\n"
    "  (func (export \"host\") (param i32) (result i32)\n"
    "    (call $pair (local.get 0)) (i32.wrap_i64) (i32.mul (i32.const 1000)) (i32.add))\n"
    /* the loaded value is discarded by br / unreachable: the load must still trap */
    "  (func (export \"load_then_br\") (param i32) (result i32)\n"
    "    (block (i32.load (local.get 0)) (br 0)) (i32.const 5))\n"
    "  (func (export \"load_then_unreachable\") (param i32) (result i32)\n"
    "    (i32.load (local.get 0)) (unreachable))\n"
    ")\n";

static void control_flow(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, CONTROL_WAT, bounds_checks, define_pair);
    /* params(x) = 10 + x + (x-1) + ... + 1 + 1000 */
    cr_expect_eq(call_i32(&h, "params", 1), 1011u);
    cr_expect_eq(call_i32(&h, "params", 4), 1020u);
    static const uint32_t want[] = {101, 102, 101, 103, 102, 102, 104, 104, 104};
    for (uint32_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_expect_eq(call_i32(&h, "table", i), want[i], "table(%u)", i);
    cr_expect_eq(call_i32(&h, "table", 0xFFFFFFFFu), 104u);
    /* pair(6) = (7, 12) -> 7 + 12 * 1000 */
    cr_expect_eq(call_i32(&h, "host", 6), 12007u);
    harness_close(&h);
}
BOTH_MODES(control_flow)

static void recursion_exhausts_stack(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, CONTROL_WAT, bounds_checks, define_pair);
    expect_trap(&h, "runaway", 0, 1, WASMC_TRAP_STACK_EXHAUSTED);
    expect_trap(&h, "runaway_indirect", 0, 1, WASMC_TRAP_STACK_EXHAUSTED);
    expect_trap(&h, "null_entry", 0, 1, WASMC_TRAP_UNINITIALIZED_ELEMENT);
    /* The store is still usable after the traps. */
    cr_expect_eq(call_i32(&h, "params", 1), 1011u);
    harness_close(&h);
}
BOTH_MODES(recursion_exhausts_stack)

static void discarded_loads_trap(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, CONTROL_WAT, bounds_checks, define_pair);
    cr_expect_eq(call_i32(&h, "load_then_br", 0), 5u);
    expect_trap(&h, "load_then_br", 65536, 1, WASMC_TRAP_MEMORY_OOB);
    expect_trap(&h, "load_then_unreachable", 0, 1, WASMC_TRAP_UNREACHABLE);
    expect_trap(&h, "load_then_unreachable", 65534, 1, WASMC_TRAP_MEMORY_OOB);
    harness_close(&h);
}
BOTH_MODES(discarded_loads_trap)

static void interrupt_stops_loops(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, CONTROL_WAT, bounds_checks, define_pair);
    cr_expect_eq(call_i32(&h, "spin", 7), 1u);
    pthread_t th = harness_interrupt_later(h.store);
    expect_trap(&h, "spin", 0, 1, WASMC_TRAP_INTERRUPTED);
    harness_interrupt_join(th);
    harness_close(&h);
}
BOTH_MODES(interrupt_stops_loops)

/* Loads pending on an enclosing frame's operand stack when a nested branch,
 * return or unreachable makes the code that would consume them dead. */
static const char PENDING_WAT[] =
    "(module\n"
    "  (memory 1)\n"
    "  (func (export \"outer_return\") (param i32) (result i32)\n"
    "    (i32.load (local.get 0)) (block (block (br 2 (i32.const 9)))) (drop) (i32.const 1))\n"
    "  (func (export \"outer_unreachable\") (param i32) (result i32)\n"
    "    (i32.load (local.get 0)) (block (unreachable)) (drop) (i32.const 1))\n"
    ")\n";

static void pending_loads_trap(bool bounds_checks) {
    Harness h;
    harness_open_linked(&h, PENDING_WAT, bounds_checks, define_pair);
    cr_expect_eq(call_i32(&h, "outer_return", 0), 9u);
    expect_trap(&h, "outer_return", 65536, 1, WASMC_TRAP_MEMORY_OOB);
    expect_trap(&h, "outer_unreachable", 0, 1, WASMC_TRAP_UNREACHABLE);
    expect_trap(&h, "outer_unreachable", 65536, 1, WASMC_TRAP_MEMORY_OOB);
    harness_close(&h);
}
BOTH_MODES(pending_loads_trap)
