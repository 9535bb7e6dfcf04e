/* Loops that address memory through a stepped pointer (p + X, with X
 * loop-invariant or constant) are where compiler/opt/address_ivs.c
 * turns i32 addresses into i64 induction variables.  That is only right
 * because an access that succeeded proves its address is below 2^32 -
 * 65536, so these tests drive such loops where it matters: starts that
 * wrap (p + X past 2^32), walks off the end of memory, odd and maximal
 * steps, sums read before the smallest one, stores before the trapping
 * read, early exits.
 *
 * Each loop shape runs with a few hundred start values at -O2 (with the
 * induction variables) and at -O0 (the optimiser and the facts never
 * run), in both memory modes, from the same memory contents; results,
 * trap codes and the whole memory afterwards must agree.
 */
#include <criterion/criterion.h>
#include "o0_diff.h"

static const char WAT[] =
    "(module\n"
    "  (memory (export \"mem\") 1 1)\n"
    /* p + x, x invariant */
    "  (func (export \"sum_inv\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (local.get $x)))))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 4)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* the next p is what is read */
    "  (func (export \"sum_next\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (local.tee $p (i32.add (local.get $p) (i32.const 4))))))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* p + 8 read before p + 4, the smallest offset */
    "  (func (export \"pairs\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s)\n"
    "        (i32.sub (i32.load (i32.add (local.get $p) (i32.const 8)))\n"
    "                 (i32.load (i32.add (local.get $p) (i32.const 4))))))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 8)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* a store at p + 8 before the read at p + 4, the smallest offset: when
     * p + 4 wraps to the top, the store to p + 8 (near 0) still happens */
    "  (func (export \"store_first\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (i32.store (i32.add (local.get $p) (i32.const 8)) (local.get $n))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (i32.const 4)))))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 8)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* a struct of three fields, written from the other two */
    "  (func (export \"fields\") (param $p i32) (param $x i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (i32.store (i32.add (local.get $p) (i32.const 16))\n"
    "        (i32.add (i32.load (i32.add (local.get $p) (i32.const 12)))\n"
    "                 (i32.load (i32.add (local.get $p) (i32.const 20)))))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 24)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $p))\n"
    /* a byte store at p + x, then a halfword read two past it; odd step */
    "  (func (export \"bytes\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $s i32) (local $a i32)\n"
    "    (loop $l\n"
    "      (local.set $a (i32.add (local.get $p) (local.get $x)))\n"
    "      (i32.store8 (local.get $a) (local.get $n))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load16_u (i32.add (local.get $a) (i32.const 2)))))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 3)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* copy from p + 8 to q + x, two pointers with different steps */
    "  (func (export \"copy\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $q i32)\n"
    "    (local.set $q (i32.const 256))\n"
    "    (loop $l\n"
    "      (i32.store (i32.add (local.get $q) (local.get $x)) (i32.load (i32.add (local.get $p) (i32.const 8))))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 4)))\n"
    "      (local.set $q (i32.add (local.get $q) (i32.const 8)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $q))\n"
    /* the largest step the facts accept, and p - 4 written as i32.sub */
    "  (func (export \"big_step\") (param $p i32) (param $x i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.sub (local.get $p) (i32.const -4)))))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $p) (local.get $x)))))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 65535)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s))\n"
    /* an early exit in the middle of the body */
    "  (func (export \"find\") (param $p i32) (param $x i32) (param $n i32) (result i32)\n"
    "    (block $found\n"
    "      (loop $l\n"
    "        (br_if $found (i32.eq (i32.load8_u (i32.add (local.get $p) (local.get $x))) (i32.const 0x5a)))\n"
    "        (i32.store8 (i32.add (local.get $p) (i32.const 1)) (i32.const 1))\n"
    "        (local.set $p (i32.add (local.get $p) (i32.const 2)))\n"
    "        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "      (return (i32.const -1)))\n"
    "    (local.get $p))\n"
    /* seven sums p + X, X invariant and not constant (a 3-D stencil's
     * points around p + x), then a store at one of them: more than the
     * four address variables a loop once got */
    "  (func (export \"seven_sums\") (param $p i32) (param $x i32) (param $n i32) (result i32)\n"
    "    (local $s i32) (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32)\n"
    "    (local.set $a (i32.add (local.get $x) (i32.const 64)))\n"
    "    (local.set $b (i32.sub (local.get $x) (i32.const 64)))\n"
    "    (local.set $c (i32.add (local.get $x) (i32.const 4096)))\n"
    "    (local.set $d (i32.sub (local.get $x) (i32.const 4096)))\n"
    "    (local.set $e (i32.add (local.get $x) (i32.const 8)))\n"
    "    (local.set $f (i32.sub (local.get $x) (i32.const 8)))\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (local.get $x)))))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (local.get $a)))))\n"
    "      (local.set $s (i32.xor (local.get $s) (i32.load (i32.add (local.get $p) (local.get $b)))))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (local.get $c)))))\n"
    "      (local.set $s (i32.xor (local.get $s) (i32.load (i32.add (local.get $p) (local.get $d)))))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $p) (local.get $e)))))\n"
    "      (i32.store (i32.add (local.get $p) (local.get $f)) (local.get $s))\n"
    "      (local.set $p (i32.add (local.get $p) (i32.const 4)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $s)))\n";

/* Two pointers stepping together, as clang emits y[j] += 3 * x[j] unrolled
 * by two: separate address streams (opt/address_streams.c), which LLVM
 * vectorises behind a run-time overlap check.  The tests overlap them.
 * The module is a WASI command, so its loops are built without order
 * barriers (--trap-state=auto) and do vectorise; after a trap its memory
 * may lack the last stores, and the instance is not called again. */
static const char STREAM_WAT[] =
    "(module\n"
    "  (memory (export \"mem\") 1 1)\n"
    "  (func (export \"_start\"))\n"
    "  (func (export \"axpy2\") (param $px i32) (param $py i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (i32.store (local.get $py) (i32.add (i32.load (local.get $py)) (i32.mul (i32.load (local.get $px)) (i32.const 3))))\n"
    "      (i32.store offset=4 (local.get $py)\n"
    "        (i32.add (i32.load offset=4 (local.get $py)) (i32.mul (i32.load offset=4 (local.get $px)) (i32.const 3))))\n"
    "      (local.set $px (i32.add (local.get $px) (i32.const 8)))\n"
    "      (local.set $py (i32.add (local.get $py) (i32.const 8)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $py))\n"
    "  (func (export \"daxpy2\") (param $px i32) (param $py i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (f64.store (local.get $py) (f64.add (f64.load (local.get $py)) (f64.mul (f64.load (local.get $px)) (f64.const 0.5))))\n"
    "      (f64.store offset=8 (local.get $py)\n"
    "        (f64.add (f64.load offset=8 (local.get $py)) (f64.mul (f64.load offset=8 (local.get $px)) (f64.const 0.5))))\n"
    "      (local.set $px (i32.add (local.get $px) (i32.const 16)))\n"
    "      (local.set $py (i32.add (local.get $py) (i32.const 16)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (local.get $py)))\n";

static const char *const FUNCS[] = {"sum_inv", "sum_next", "pairs", "store_first", "fields", "bytes", "copy", "big_step", "find",
                                     "seven_sums"};

static void agree_with_O0(bool bounds_checks) {
    expect_funcs_agree_at_edges(WAT, FUNCS, sizeof FUNCS / sizeof *FUNCS, bounds_checks);
}

/* Streams that overlap by less than a vector, or not at all, near the
 * end of memory or anywhere: the same memory as at -O0. */
static void overlapping_streams_agree_with_O0(bool bounds_checks) {
    Harness ref, opt;
    open_pair(&ref, &opt, STREAM_WAT, bounds_checks);
    static const char *const streams[] = {"axpy2", "daxpy2"};
    unsigned traps = 0;
    for (size_t f = 0; f < 2; f++)
        for (int round = 0; round < 400; round++) {
            uint32_t n = 1 + rng() % 64;
            uint32_t px = rng() % 4 == 0 ? MEM - (rng() % 1100) : rng() % MEM;
            uint32_t py = rng() % 4 == 0 ? rng() % MEM : px + (rng() % 49) - 24;
            if (call_both(&ref, &opt, streams[f], px, py, n) != WASMC_TRAP_NONE) {
                traps++;
                harness_instantiate(&ref);
                harness_instantiate(&opt);
                continue;
            }
            expect_same_memory(&ref, &opt, streams[f], px, py, n);
        }
    cr_expect_gt(traps, 20u);
    harness_close(&opt);
    harness_close(&ref);
}

Test(address_ivs, overlapping_streams_agree_with_O0_guard_pages) { overlapping_streams_agree_with_O0(false); }
Test(address_ivs, overlapping_streams_agree_with_O0_bounds_checks) { overlapping_streams_agree_with_O0(true); }

Test(address_ivs, stepped_pointer_loops_agree_with_O0_guard_pages) { agree_with_O0(false); }
Test(address_ivs, stepped_pointer_loops_agree_with_O0_bounds_checks) { agree_with_O0(true); }
