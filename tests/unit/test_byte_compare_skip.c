/* compiler/opt/byte_compare_skip.c puts a loop that
 * compares 16 bytes at a time in front of each byte-compare loop
 * (memcmp's shape).  It may only skip iterations that would all have gone
 * on: no count run out, no byte out of bounds, no byte different.  So
 * these loops compare runs of equal bytes whose lengths straddle 16 and
 * 32, whose counts (tested for equality, or ordered, signed or unsigned,
 * up or down) end 0 to 2 bytes before, at or after the difference or
 * where they wrap, and that run into the end of memory (a trap, at
 * exactly the byte -O0 traps at) or start past it.
 *
 * Each runs a few thousand times at -O2 and at -O0 (no skip loop);
 * results, traps and memory must agree (o0_diff.h).
 */
#include <criterion/criterion.h>

#include "o0_diff.h"

static const char WAT[] =
    "(module\n"
    "  (memory (export \"mem\") 1 2)\n"
    /* wasi-libc's memcmp as clang emits it: a - b at the first difference
     * within n bytes, else 0 */
    "  (func (export \"memcmp\") (param $l i32) (param $r i32) (param $n i32) (result i32) (local $a i32) (local $b i32)\n"
    "    (block $done\n"
    "      (br_if $done (i32.eqz (local.get $n)))\n"
    "      (loop $l\n"
    "        (if (i32.eq (local.tee $a (i32.load8_u (local.get $l))) (local.tee $b (i32.load8_u (local.get $r))))\n"
    "          (then\n"
    "            (local.set $r (i32.add (local.get $r) (i32.const 1)))\n"
    "            (local.set $l (i32.add (local.get $l) (i32.const 1)))\n"
    "            (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))\n"
    "            (br $done))))\n"
    "      (return (i32.sub (local.get $a) (local.get $b))))\n"
    "    (i32.const 0))\n"
    /* a match length: counts up to n, reads at an offset, returns the length */
    "  (func (export \"match_len\") (param $p i32) (param $q i32) (param $n i32) (result i32) (local $len i32)\n"
    "    (block $done\n"
    "      (loop $l\n"
    "        (br_if $done (i32.ne (i32.load8_u offset=3 (local.get $p)) (i32.load8_u offset=3 (local.get $q))))\n"
    "        (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "        (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "        (br_if $l (i32.ne (local.tee $len (i32.add (local.get $len) (i32.const 1))) (local.get $n)))))\n"
    "    (local.get $len))\n"
    /* no count: only a difference or the end of memory (a trap) ends it */
    "  (func (export \"unbounded\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then\n"
    "          (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "          (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "          (br $l))))\n"
    "    (i32.sub (local.get $p) (local.get $q)))\n"
    /* a length up to n, the count tested first and unsigned, the bytes
     * at p + len and q + len (wasm's usual indexing) */
    "  (func (export \"len_below\") (param $p i32) (param $q i32) (param $n i32) (result i32) (local $len i32)\n"
    "    (block $done\n"
    "      (loop $l\n"
    "        (br_if $done (i32.ge_u (local.get $len) (local.get $n)))\n"
    "        (br_if $done (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $len)))\n"
    "                             (i32.load8_u (i32.add (local.get $len) (local.get $q)))))\n"
    "        (local.set $len (i32.add (local.get $len) (i32.const 1)))\n"
    "        (br $l)))\n"
    "    (local.get $len))\n"
    /* a signed count down: go on while n - 1 > 0 (signed), so counts
     * from 2^31 up end at once and negative ones never end */
    "  (func (export \"signed_down\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "              (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "              (br_if $l (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0))))))\n"
    "    (i32.add (local.get $p) (local.get $n)))\n"
    /* up to and including a bound: go on while p <= n, unsigned, with
     * the operands the other way round (n >= p) */
    "  (func (export \"up_to\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "              (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "              (br_if $l (i32.ge_u (local.get $n) (local.get $p))))))\n"
    "    (local.get $p))\n"
    /* a test against the direction of travel: p rises while p > n,
     * unsigned, so only a first p <= n (or a wrap) ends it by count */
    "  (func (export \"rising_above\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "              (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "              (br_if $l (i32.gt_u (local.get $p) (local.get $n))))))\n"
    "    (local.get $p))\n"
    /* a counter from n that rises while above 5: only its wrap (to 0
     * unsigned, to -2^31 signed) ends it by count */
    "  (func (export \"wraps_u\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "              (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "              (br_if $l (i32.gt_u (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 5))))))\n"
    "    (i32.add (local.get $p) (local.get $n)))\n"
    "  (func (export \"wraps_s\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "              (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "              (br_if $l (i32.gt_s (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 5))))))\n"
    "    (i32.add (local.get $p) (local.get $n)))\n"
    /* a counter from n that falls while below 1000 (unsigned) or 5
     * (signed): only its wrap ends it by count */
    "  (func (export \"falls_u\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "              (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "              (br_if $l (i32.lt_u (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 1000))))))\n"
    "    (i32.add (local.get $p) (local.get $n)))\n"
    "  (func (export \"falls_s\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "              (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "              (br_if $l (i32.lt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 5))))))\n"
    "    (i32.add (local.get $p) (local.get $n)))\n"
    /* not a byte-compare loop: it stores, so it keeps its shape */
    "  (func (export \"copy_while_equal\") (param $p i32) (param $q i32) (param $n i32) (result i32)\n"
    "    (loop $l\n"
    "      (if (i32.eq (i32.load8_u (local.get $p)) (i32.load8_u (local.get $q)))\n"
    "        (then\n"
    "          (i32.store8 (local.get $n) (i32.load8_u (local.get $p)))\n"
    "          (local.set $p (i32.add (local.get $p) (i32.const 1)))\n"
    "          (local.set $q (i32.add (local.get $q) (i32.const 1)))\n"
    "          (br $l))))\n"
    "    (local.get $p))\n"
    ")\n";

static const char *const FUNCS[] = {"memcmp", "match_len", "unbounded", "len_below", "signed_down", "up_to",
                                    "rising_above", "wraps_u", "wraps_s", "falls_u", "falls_s",
                                    "copy_while_equal"};

/* Lengths around the skip loop's rounds: 0..40, with more weight near 16
 * and 32, and now and then a long one. */
static uint32_t run_length(void) {
    switch (rng() % 4) {
    case 0: return 15 + rng() % 3;
    case 1: return 31 + rng() % 3;
    case 2: return rng() % 41;
    default: return rng() % 3000;
    }
}

/* Where a run starts: anywhere, near the end of memory, or past it. */
static uint32_t run_start(void) {
    switch (rng() % 4) {
    case 0: return MEM - 1 - rng() % 64;
    case 1: return rng() % 8 == 0 ? edge_value() : rng() % (MEM / 2);
    default: return rng() % MEM;
    }
}

/* Make the image's bytes at q equal to those at p for `len` bytes (or up
 * to the end of memory), then one that differs. */
static void equal_run(uint32_t p, uint32_t q, uint32_t len) {
    for (uint32_t i = 0; i <= len && p + i < MEM && q + i < MEM; i++)
        image[q + i] = i < len ? image[p + i] : (uint8_t)(image[p + i] ^ (1 + rng() % 255));
}

static void loops_over_equal_runs_agree_with_O0(bool bounds_checks) {
    Harness ref, opt;
    open_pair(&ref, &opt, WAT, bounds_checks);
    Outcomes o = {0};
    for (size_t f = 0; f < sizeof FUNCS / sizeof *FUNCS; f++)
        for (int round = 0; round < 1500; round++) {
            uint32_t p = run_start(), q = rng() % 3 ? run_start() : p + 1 + rng() % 40, len = run_length();
            /* the count ends up to 2 bytes either side of the difference */
            uint32_t n = rng() % 2 ? len + rng() % 5 - 2 : run_length();
            if (rng() % 8 == 0)
                n = 0u - rng() % 3; /* counts that run down past 0 */
            else if (rng() % 8 == 0)
                n = 0x80000000u + rng() % 3 - 1; /* where signed counts turn */
            else if (f == 7 || f == 8)
                n = (f == 7 ? 0u : 0x80000000u) - len + rng() % 5 - 2; /* wraps about where the run ends */
            else if (f == 9 || f == 10)
                n = (f == 9 ? 0u : 0x80000000u) + len + rng() % 5 - 2; /* wraps about where the run ends */
            else if ((f == 5 || f == 6) && rng() % 2)
                n = p + n - 8; /* up_to and rising_above compare with p itself */
            fill_image();
            equal_run(p, q, len);
            /* match_len reads 3 bytes on */
            if (f == 1)
                equal_run(p + 3, q + 3, len);
            run_both(&ref, &opt, FUNCS[f], p, q, n, &o);
        }
    fill_image();
    expect_outcomes_and_close(&ref, &opt, &o, 500u, 2000u);
}

Test(byte_compare_skip, loops_over_equal_runs_agree_with_O0_guard_pages) {
    loops_over_equal_runs_agree_with_O0(false);
}

/* The byte loop's own bounds checks are among the exits the round skips. */
Test(byte_compare_skip, loops_over_equal_runs_agree_with_O0_bounds_checks) {
    loops_over_equal_runs_agree_with_O0(true);
}

/* Two runs that overlap (q = p + d): the bytes the skip loop compares
 * are ones it compared a round before. */
Test(byte_compare_skip, overlapping_runs_agree_with_O0) {
    Harness ref, opt;
    open_pair(&ref, &opt, WAT, false);
    Outcomes o = {0};
    for (int round = 0; round < 2000; round++) {
        uint32_t d = 1 + rng() % 20, p = rng() % 4 ? rng() % (MEM - 4096) : MEM - 1 - rng() % 200;
        uint32_t len = run_length(), n = rng() % 2 ? len + 3 : 0u - 1;
        fill_image();
        /* a period-d pattern from p makes p[i] == p[i + d] for len bytes */
        for (uint32_t i = 0; i < len + d && p + i < MEM; i++)
            image[p + i] = i < d ? (uint8_t)rng() : image[p + i - d];
        if (p + len + d < MEM)
            image[p + len + d] ^= 0x80;
        run_both(&ref, &opt, FUNCS[round % 6], p, p + d, round % 6 == 5 ? p + n : n, &o);
    }
    fill_image();
    expect_outcomes_and_close(&ref, &opt, &o, 100u, 1000u);
}
