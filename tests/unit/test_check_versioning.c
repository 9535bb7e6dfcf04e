/* With --bounds-checks, compiler/opt/check_versioning.c gives a loop
 * whose checked addresses are affine in the iteration number a copy
 * without those checks, chosen before the loop by a test that every
 * access of every iteration is in bounds.  That test is only right if it
 * bounds every address the loop can form: so these loops start near 0,
 * near 2^32 and near the end of memory, step up and down, by 1 to 4
 * bytes, by scaled and masked indices, with latch counts that do and do
 * not divide the distance (the latter only end by trapping), latches that
 * compare signed and unsigned, up and down, near where they wrap, exit early,
 * use their values after the loop, and grow memory in the middle.
 *
 * Each runs a few hundred times at -O2 with bounds checks and at -O0 (no
 * versioning); results, traps and memory must agree (o0_diff.h).
 */
#include <criterion/criterion.h>

#include "o0_diff.h"

static const char WAT[] =
    "(module\n"
    "  (memory (export \"mem\") 1 2)\n"
    /* a[i] summed, b[i] (halfwords) written, i = 0 .. n - 1 */
    "  (func (export \"index_up\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))))\n"
    "      (i32.store16 (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 1))) (local.get $s))\n"
    "      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))\n"
    "    (local.get $s))\n"
    /* b[i] = a[i] + 1: the copy without checks vectorises, so if the test
     * before the loop let it run past the end, the fault would come at a
     * whole vector's load, before the stores of the elements in bounds
     * that -O0 makes before it traps */
    "  (func (export \"copy_up\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32)\n"
    "    (loop $l\n"
    "      (i32.store (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))\n"
    "        (i32.add (i32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 1)))\n"
    "      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))\n"
    "    (local.get $i))\n"
    /* i steps by 2 to n: an odd n never ends the loop, only a trap does */
    "  (func (export \"stride3\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.xor (local.get $s) (i32.load8_u (i32.add (local.get $a) (i32.mul (local.get $i) (i32.const 3))))))\n"
    "      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 2))) (local.get $n))))\n"
    "    (local.get $s))\n"
    /* latches that compare: i from a up by 3 while i < n (unsigned, the
     * operands swapped); up by 4 while i <= n (signed); p down by 4 while
     * p > n (unsigned); i down by 2 while i >= n (signed) */
    "  (func (export \"lt_u_up\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $b) (local.get $a)))))\n"
    "      (br_if $l (i32.gt_u (local.get $n) (local.tee $a (i32.add (local.get $a) (i32.const 3))))))\n"
    "    (local.get $s))\n"
    "  (func (export \"le_s_up\") (param $a i32) (param $b i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (i32.store (i32.add (local.get $b) (local.get $a)) (local.get $a))\n"
    "      (br_if $l (i32.le_s (local.tee $a (i32.add (local.get $a) (i32.const 4))) (local.get $n))))\n"
    "    (local.get $a))\n"
    "  (func (export \"gt_u_down\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.xor (local.get $s) (i32.load (local.get $a))))\n"
    "      (i32.store (local.get $a) (local.get $s))\n"
    "      (br_if $l (i32.gt_u (local.tee $a (i32.sub (local.get $a) (i32.const 4))) (local.get $n))))\n"
    "    (local.get $s))\n"
    "  (func (export \"ge_s_down\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load16_s (i32.add (local.get $b) (i32.shl (local.get $a) (i32.const 1))))))\n"
    "      (br_if $l (i32.ge_s (local.tee $a (i32.add (local.get $a) (i32.const -2))) (local.get $n))))\n"
    "    (local.get $s))\n"
    /* the same latches with steps that take the access past the whole
     * reservation, or below 0, in one iteration: a count one short would
     * let the copy without checks make that access */
    "  (func (export \"lt_u_far\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $b) (local.get $a)))))\n"
    "      (br_if $l (i32.gt_u (local.get $n) (local.tee $a (i32.add (local.get $a) (i32.const 0x30000003))))))\n"
    "    (local.get $s))\n"
    "  (func (export \"le_s_far\") (param $a i32) (param $b i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (i32.store (i32.add (local.get $b) (local.get $a)) (local.get $a))\n"
    "      (br_if $l (i32.le_s (local.tee $a (i32.add (local.get $a) (i32.const 0x20000004))) (local.get $n))))\n"
    "    (local.get $a))\n"
    "  (func (export \"gt_u_far\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.xor (local.get $s) (i32.load8_u (local.get $a))))\n"
    "      (br_if $l (i32.gt_u (local.tee $a (i32.sub (local.get $a) (i32.const 0x8000))) (local.get $n))))\n"
    "    (local.get $s))\n"
    /* i counts up by a large step while below n, b down by 1: when n is
     * near 2^32, i wraps past it and the loop goes on until b leaves
     * memory downwards, far more iterations than a count would say */
    "  (func (export \"wrap_up\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $b))))\n"
    "      (local.set $b (i32.sub (local.get $b) (i32.const 1)))\n"
    "      (br_if $l (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 0x30000003))) (local.get $n))))\n"
    "    (local.get $s))\n"
    /* loops whose latch is not a plain count: an && or an || of two
     * counts, an early exit that counts, a search.  The count is taken
     * from the latch's test alone, so these keep their checks; b - i
     * reads below 0 (far past the reservation) once i passes b, so were
     * a count ever taken from the wrong test, the copy without checks
     * would read there.  j runs up by 2 from a to a + 64 alongside. */
    "  (func (export \"and_latch\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)\n"
    "    (local.set $j (local.get $a))\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.sub (local.get $b) (local.get $i)))))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $j))))\n"
    "      (br_if $l (i32.and (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))\n"
    "                         (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 2))) (i32.add (local.get $a) (i32.const 64))))))\n"
    "    (i32.add (local.get $s) (local.get $i)))\n"
    "  (func (export \"or_latch\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)\n"
    "    (local.set $j (local.get $a))\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.sub (local.get $b) (local.get $i)))))\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $j))))\n"
    "      (br_if $l (i32.or (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))\n"
    "                        (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 2))) (i32.add (local.get $a) (i32.const 64))))))\n"
    "    (i32.add (local.get $s) (local.get $i)))\n"
    /* the count in an early exit at the top, the latch unconditional (a
     * loop clang did not rotate) */
    "  (func (export \"early_count\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
    "    (block $out\n"
    "      (loop $l\n"
    "        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))\n"
    "        (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.sub (local.get $b) (local.get $i)))))\n"
    "        (i32.store8 (i32.add (local.get $a) (local.get $i)) (local.get $s))\n"
    "        (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "        (br $l)))\n"
    "    (i32.add (local.get $s) (local.get $i)))\n"
    /* a search: the latch leaves on a byte it reads */
    "  (func (export \"search\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32)\n"
    "    (block $out\n"
    "      (loop $l\n"
    "        (br_if $out (i32.ge_u (local.get $i) (local.get $n)))\n"
    "        (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "        (br_if $l (i32.ne (i32.load8_u (i32.sub (local.get $b) (local.get $i))) (i32.const 0x5a)))))\n"
    "    (local.get $i))\n"
    /* p walks down by 4 to b, reading p - 8 and writing p */
    "  (func (export \"down\") (param $a i32) (param $b i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (i32.store (local.get $a) (i32.add (i32.load (i32.sub (local.get $a) (i32.const 8))) (local.get $n)))\n"
    "      (local.set $a (i32.sub (local.get $a) (i32.const 4)))\n"
    "      (br_if $l (i32.ne (local.get $a) (local.get $b))))\n"
    "    (local.get $a))\n"
    /* bytes at a + i index a 64-entry table at b: a bounded term */
    "  (func (export \"table\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s)\n"
    "        (i32.load (i32.add (local.get $b) (i32.shl (i32.and (i32.load8_u (i32.add (local.get $a) (local.get $i))) (i32.const 63)) (i32.const 2))))))\n"
    "      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))\n"
    "    (local.get $s))\n"
    /* strides and indices that reach past the memory's whole reservation
     * (its maximum, for bounds-checked code) at once: if the test before
     * the loop missed them, the copy without checks would read outside
     * the sandbox instead of trapping like -O0 */
    "  (func (export \"far_stride\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $a) (i32.mul (local.get $i) (i32.const 0x30000))))))\n"
    "      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))\n"
    "    (local.get $s))\n"
    "  (func (export \"far_index\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s)\n"
    "        (i32.load8_u (i32.add (local.get $b) (i32.shl (i32.and (i32.load8_u (i32.add (local.get $a) (local.get $i))) (i32.const 3)) (i32.const 18))))))\n"
    "      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))\n"
    "    (local.get $s))\n"
    /* fields at p + 8, p - 8 and p (offsets of either sign, the lowest
     * not first), p up by 4 */
    "  (func (export \"fields\") (param $a i32) (param $b i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (i32.store (local.get $a) (i32.sub (i32.load offset=8 (local.get $a))\n"
    "                                         (i32.load (i32.add (local.get $a) (i32.const -8)))))\n"
    "      (local.set $a (i32.add (local.get $a) (i32.const 4)))\n"
    "      (br_if $l (i32.ne (local.get $a) (local.get $b))))\n"
    "    (local.get $a))\n"
    /* an early exit at a 0x5a byte; both exits carry values out */
    "  (func (export \"find\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32) (local $s i32)\n"
    "    (block $found\n"
    "      (loop $l\n"
    "        (br_if $found (i32.eq (local.tee $s (i32.load8_u (i32.add (local.get $a) (local.get $i)))) (i32.const 0x5a)))\n"
    "        (i32.store8 (i32.add (local.get $b) (local.get $i)) (local.get $s))\n"
    "        (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))\n"
    "      (return (i32.sub (i32.const 0) (local.get $i))))\n"
    "    (i32.add (local.get $i) (local.get $s)))\n"
    /* the count runs down to zero; the loop's values are used after it */
    "  (func (export \"count_down\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $s i32)\n"
    "    (loop $l\n"
    "      (local.set $s (i32.add (local.get $s) (i32.load16_s (i32.add (local.get $a) (local.get $b)))))\n"
    "      (local.set $a (i32.add (local.get $a) (i32.const 2)))\n"
    "      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))\n"
    "    (i32.add (local.get $s) (i32.mul (local.get $a) (i32.const 7))))\n"
    /* memory.grow in the middle: accesses past the old end become valid
     * (a call, not an if, keeps the loop straight-line until inlining) */
    "  (func $grow_at (param $i i32) (param $b i32)\n"
    "    (if (i32.eq (local.get $i) (local.get $b)) (then (drop (memory.grow (i32.const 1))))))\n"
    "  (func (export \"grow_midway\") (param $a i32) (param $b i32) (param $n i32) (result i32) (local $i i32)\n"
    "    (loop $l\n"
    "      (call $grow_at (local.get $i) (local.get $b))\n"
    "      (i32.store8 (i32.add (local.get $a) (local.get $i)) (local.get $i))\n"
    "      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))\n"
    "    (memory.size)))\n";

static const char *const FUNCS[] = {"index_up", "copy_up", "lt_u_up", "le_s_up", "gt_u_down", "ge_s_down", "stride3", "down", "table", "far_stride", "far_index", "fields",
                                    "find", "count_down"};

/* Counts that end loops in a few iterations, at the end of memory, or
 * never. */
static uint32_t edge_count(void) {
    switch (rng() % 8) {
    case 0: case 1: case 2: return rng() % 8;
    case 3: return MEM / 4 - rng() % 16;
    case 4: case 5: return rng() % 3000;
    default: return rng();
    }
}

Test(check_versioning, affine_loops_agree_with_O0) {
    Harness ref, opt;
    open_pair(&ref, &opt, WAT, true);
    Outcomes o = {0};
    for (size_t f = 0; f < sizeof FUNCS / sizeof *FUNCS; f++)
        for (int round = 0; round < 300; round++) {
            uint32_t a = rng() % 2 ? rng() % (MEM / 2) : edge_value();
            uint32_t b = rng() % 2 ? edge_value() : a + 4 * (rng() % 64) - 128, n = edge_count();
            if (round % 4 == 0) /* a table that ends within its largest index of the end */
                b = MEM - 4 - rng() % 256;
            run_both(&ref, &opt, FUNCS[f], a, b, n, &o);
        }
    expect_outcomes_and_close(&ref, &opt, &o, 300u, 300u);
}

/* Loops run exactly T = 1..3 times by their latch, the last access at
 * the edge of memory or just past it, where "past" is past the memory's
 * whole reservation or below 0: the test before the loop must count
 * every iteration, neither one more nor one less. */
Test(check_versioning, compare_latches_count_the_last_iteration) {
    Harness ref, opt;
    open_pair(&ref, &opt, WAT, true);
    Outcomes o = {0};
    for (int round = 0; round < 500; round++) {
        uint32_t t = 1 + rng() % 3, edge = rng() % 2, a, b, n;
        const char *f;
        switch (round % 5) {
        case 0: /* bodies at b + a + k * S while a + (k + 1) * S < n */
            f = "lt_u_far", a = rng() % 64;
            n = edge ? a + (t - 1) * 0x30000003u + 1 : a + t * 0x30000003u;
            b = MEM - 1 - a - (t >= 2 ? (t - 2) * 0x30000003u : 0) - rng() % 2;
            break;
        case 1: /* while a + (k + 1) * S <= n, signed */
            f = "le_s_far", a = rng() % 64 - 32;
            n = edge ? a + (t - 1) * 0x20000004u : a + t * 0x20000004u - 1;
            b = MEM - 4 - a - (t >= 2 ? (t - 2) * 0x20000004u : 0) - rng() % 2;
            break;
        case 2: /* bodies at a - k * S while a - (k + 1) * S > n: the last at 0 or -1 */
            f = "gt_u_far", a = (t - 1) * 0x8000u - rng() % 2, b = 0;
            n = edge ? a - t * 0x8000u : a - (t - 1) * 0x8000u - 1;
            break;
        case 4: /* five or six steps, then i wraps below n (ends only by trapping) or lands on it */
            f = "wrap_up", a = rng() % 0x100, b = 5 + rng() % 200, n = edge ? 0xFFFFFFFFu : a + 5 * 0x30000003u;
            break;
        default: /* b + 2 * i for i = a, a - 2, ... while i >= n, signed: the last at 0 or -2 */
            f = "ge_s_down", a = rng() % 2000 - 1000;
            n = edge ? a - 2 * t + 1 : a - 2 * (t - 1);
            b = (uint32_t)(-2 * (int32_t)(a - 2 * (t - 1))) - 2 * (rng() % 2);
            break;
        }
        run_both(&ref, &opt, f, a, b, n, &o);
    }
    expect_outcomes_and_close(&ref, &opt, &o, 100u, 100u);
}

/* Loops that one of two counts ends, or a byte (0x5a every 97 bytes),
 * with the count near where b - i leaves memory downwards. */
Test(check_versioning, loops_ended_by_more_than_a_count_agree_with_O0) {
    Harness ref, opt;
    open_pair(&ref, &opt, WAT, true);
    static const char *const funcs[] = {"and_latch", "or_latch", "early_count", "search"};
    Outcomes o = {0};
    for (int round = 0; round < 800; round++) {
        const char *f = funcs[round % 4];
        uint32_t a = rng() % (MEM - 400), b = rng() % 300, n = rng() % 2 ? b + rng() % 3 : rng() % 400;
        run_both(&ref, &opt, f, a, b, n, &o);
    }
    expect_outcomes_and_close(&ref, &opt, &o, 100u, 100u);
}

/* A size read before the loop bounds every later one (memories only
 * grow): a loop that writes past the old end after growing still runs
 * right, and one that writes past the new end still traps where it
 * should. */
Test(check_versioning, a_loop_that_grows_memory_agrees_with_O0) {
    Harness ref, opt;
    open_pair(&ref, &opt, WAT, true);
    Outcomes o = {0};
    for (int round = 0; round < 200; round++) {
        uint32_t a = MEM - 1 - rng() % 64, b = rng() % 80, n = 1 + rng() % (MEM + 200);
        run_both(&ref, &opt, "grow_midway", a, b, n, &o);
        harness_instantiate(&ref);
        harness_instantiate(&opt);
    }
    expect_outcomes_and_close(&ref, &opt, &o, 20u, 20u);
}
