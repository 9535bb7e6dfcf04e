/* compiler/opt/address_reassociate.c rewrites (p + X) + C as p + (X + C)
 * in chain loops, X + C computed before the loop, so that address_ivs.c
 * widens the sum.  That is exact in i32 arithmetic, but what follows is
 * only right if each rewritten sum is accessed on every iteration, so
 * these loops run at -O2 and -O0 from the same memory, in both memory
 * modes, with starts and offsets near the ends of the address space
 * (sums that wrap, loops that walk off the end of memory): results, trap
 * codes and the whole memory afterwards must agree.
 */
#include <criterion/criterion.h>
#include "o0_diff.h"

static const char WAT[] =
    "(module\n"
    "  (memory (export \"mem\") 1 1)\n"
    /* t = p + x never accessed; t + 8 read and written, then t + 16, as
     * the FDTD update's ex[i][j] row (rebased on p + (x + 8)) */
    "  (func (export \"rebased\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $t i32)\n"
    "    (loop $l\n"
    "      (local.set $t (i32.add (local.get $p) (local.get $x)))\n"
    "      (i32.store (i32.add (local.get $t) (i32.const 8))\n"
    "        (i32.add (i32.load (i32.add (local.get $t) (i32.const 8))) (local.get $n)))\n"
    "      (i32.store (i32.add (local.get $t) (i32.const 16))\n"
    "        (i32.sub (i32.load (i32.add (local.get $t) (i32.const 16))) (local.get $n)))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 8)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $p))\n"
    /* offsets on both sides of t: the least is negative */
    "  (func (export \"around\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $t i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $t (i32.add (local.get $x) (local.get $p)))\n"
    "      (local.set $s (i32.add (local.get $s)\n"
    "        (i32.sub (i32.load (i32.add (local.get $t) (i32.const 12))) (i32.load (i32.add (local.get $t) (i32.const -4))))))\n"
    "      (i32.store16 (i32.add (local.get $t) (i32.const 2)) (local.get $s))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 4)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* t accessed, t + 8 and t + 16 read before it, nothing stored: the
     * early offsets get sums of their own (a 3-D stencil's k + 1 point) */
    "  (func (export \"early_reads\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $t i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $t (i32.add (local.get $p) (local.get $x)))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $t) (i32.const 16)))))\n"
    "      (local.set $s (i32.xor (local.get $s) (i32.load (i32.add (local.get $t) (i32.const 8)))))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (local.get $t))))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 4)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* the same with a store at t: left alone (a stream of its own next to
     * a store would fail its run-time check), and must still agree */
    "  (func (export \"early_then_store\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $t i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $t (i32.add (local.get $p) (local.get $x)))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $t) (i32.const 8)))))\n"
    "      (i32.store (local.get $t) (local.get $s))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 4)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* an early exit between the rebased accesses */
    "  (func (export \"exit_between\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $t i32)\n"
    "    (block $out\n"
    "      (loop $l\n"
    "        (local.set $t (i32.add (local.get $p) (local.get $x)))\n"
    "        (br_if $out (i32.eq (i32.load8_u (i32.add (local.get $t) (i32.const 3))) (i32.const 0x5a)))\n"
    "        (i32.store8 (i32.add (local.get $t) (i32.const 1)) (i32.const 7))\n"
    "        (local.set $p (i32.add (local.get $p) (i32.const 2)))\n"
    "        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "      (return (i32.const -1)))\n"
    "    (local.get $p)))\n";

static const char *const FUNCS[] = {"rebased", "around", "early_reads", "early_then_store", "exit_between"};

static void agree_with_O0(bool bounds_checks) {
    expect_funcs_agree_at_edges(WAT, FUNCS, sizeof FUNCS / sizeof *FUNCS, bounds_checks);
}

Test(address_reassociate, rebased_sums_agree_with_O0_guard_pages) { agree_with_O0(false); }
Test(address_reassociate, rebased_sums_agree_with_O0_bounds_checks) { agree_with_O0(true); }
