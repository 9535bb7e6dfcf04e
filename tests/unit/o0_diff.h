/* Differential tests of the optimiser's memory work: a module compiled
 * at -O0 (the reference: no optimiser, no address facts, no loop
 * versioning) and at -O2, called alike from the same memory contents;
 * results, trap codes and memory afterwards must agree.  Shared by
 * test_address_ivs.c and test_check_versioning.c. */
#ifndef WASMC_TEST_O0_DIFF_H
#define WASMC_TEST_O0_DIFF_H

#include <stdint.h>
#include <string.h>

#include "wat_harness.h"

enum { MEM = 65536 };

/* The memory both sides start each call from: varied bytes, with a 0x5a
 * (what `find` looks for) every 97. */
static uint8_t image[MEM];
static void fill_image(void) {
    for (size_t i = 0; i < MEM; i++)
        image[i] = (uint8_t)(i * 131 + (i >> 8)) ^ (i % 97 == 0 ? 0x5a : 0);
}

/* `wat` at -O0 (ref) and -O2 (opt) in the given memory mode, and the
 * image every call starts from. */
static void open_pair(Harness *ref, Harness *opt, const char *wat, bool bounds_checks) {
    WasmcOptions opts;
    wasmc_options_default(&opts);
    opts.threads = 1;
    opts.verify_guards = true;
    opts.bounds_checks = bounds_checks;
    opts.opt_level = 0;
    harness_open_with(ref, wat, &opts, NULL);
    opts.opt_level = 2;
    harness_open_with(opt, wat, &opts, NULL);
    fill_image();
}

/* The first MEM bytes of h's memory (it may have grown past them). */
static uint8_t *memory_of(Harness *h) {
    wasmrt_memory *m = wasmrt_instance_memory(h->inst);
    cr_assert(m && wasmrt_memory_size(m) >= MEM);
    return wasmrt_memory_data(m);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)rng_state;
}

/* Values where wrapping and the end of memory are: near 0, near 2^32,
 * near the memory's end, and anywhere. */
static uint32_t edge_value(void) {
    switch (rng() % 5) {
    case 0: return rng() % 32;
    case 1: return 0u - 1 - rng() % 40;
    case 2: return MEM - 1 - rng() % 48;
    case 3: return rng() % MEM;
    default: return rng();
    }
}

static wasmrt_val I32(uint32_t v) { return (wasmrt_val){.kind = 0x7F, .of.i32 = (int32_t)v}; }

/* Call name(a, b, n) on both sides from the same memory: they must trap
 * alike or return the same value.  Returns the trap code. */
static wasmc_trap_code call_both(Harness *ref, Harness *opt, const char *name, uint32_t a, uint32_t b, uint32_t n) {
    wasmrt_val args[3] = {I32(a), I32(b), I32(n)}, r0 = {0}, r2 = {0};
    memcpy(memory_of(ref), image, MEM);
    memcpy(memory_of(opt), image, MEM);
    wasmc_trap_code t0 = invoke(ref, name, args, 3, &r0, 1);
    wasmc_trap_code t2 = invoke(opt, name, args, 3, &r2, 1);
    cr_assert_eq(t2, t0, "%s(%#x, %#x, %u): trap %d at -O2, %d at -O0", name, a, b, n, t2, t0);
    if (t0 == WASMC_TRAP_NONE)
        cr_assert_eq(r2.of.i32, r0.of.i32, "%s(%#x, %#x, %u): %#x at -O2, %#x at -O0", name, a, b, n,
                     (uint32_t)r2.of.i32, (uint32_t)r0.of.i32);
    return t0;
}

/* The same size, and the same bytes in all of it. */
static void expect_same_memory(Harness *ref, Harness *opt, const char *name, uint32_t a, uint32_t b, uint32_t n) {
    uint64_t size = wasmrt_memory_size(wasmrt_instance_memory(ref->inst));
    cr_assert_eq(size, wasmrt_memory_size(wasmrt_instance_memory(opt->inst)), "%s(%#x, %#x, %u): memory sizes differ",
                 name, a, b, n);
    cr_assert(memcmp(memory_of(ref), memory_of(opt), size) == 0, "%s(%#x, %#x, %u): memory differs after the call",
              name, a, b, n);
}

/* How a run of calls ended: a test must see both outcomes, not just one. */
typedef struct Outcomes {
    unsigned traps, returns;
} Outcomes;

/* call_both, then expect_same_memory, and count the outcome. */
static wasmc_trap_code run_both(Harness *ref, Harness *opt, const char *name, uint32_t a, uint32_t b, uint32_t n,
                                Outcomes *o) {
    wasmc_trap_code t = call_both(ref, opt, name, a, b, n);
    expect_same_memory(ref, opt, name, a, b, n);
    o->traps += t != WASMC_TRAP_NONE;
    o->returns += t == WASMC_TRAP_NONE;
    return t;
}

/* Each outcome happened more than the given number of times; closes the
 * pair. */
static void expect_outcomes_and_close(Harness *ref, Harness *opt, const Outcomes *o, unsigned traps,
                                      unsigned returns) {
    cr_expect_gt(o->traps, traps);
    cr_expect_gt(o->returns, returns);
    harness_close(opt);
    harness_close(ref);
}

/* Every function in funcs (params p, x, n) at -O2 against -O0: 300 rounds
 * each at edge values of p and x and 1-6 iterations; both outcomes (trap,
 * return) must each happen more than 200 times. */
static inline void expect_funcs_agree_at_edges(const char *wat, const char *const *funcs, size_t nfuncs,
                                               bool bounds_checks) {
    Harness ref, opt;
    open_pair(&ref, &opt, wat, bounds_checks);
    Outcomes o = {0};
    for (size_t f = 0; f < nfuncs; f++)
        for (int round = 0; round < 300; round++) {
            uint32_t p = edge_value(), x = edge_value(), n = 1 + rng() % 6;
            run_both(&ref, &opt, funcs[f], p, x, n, &o);
        }
    expect_outcomes_and_close(&ref, &opt, &o, 200u, 200u);
}

#endif
