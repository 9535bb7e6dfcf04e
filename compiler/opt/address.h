/* What the address passes (address_nuw.c, address_ivs.c,
 * address_streams.c) share: the rule they build on and its helpers.
 *
 * Wasm addresses are i32 and wrap: `i32.add p, 8` is (p + 8) mod 2^32.
 * So the address of an access is base + zext(p + 8), and LLVM may not
 * rewrite that as base + zext(p) + 8.  Without that rewrite it cannot see
 * that p and p + 8 are neighbours (no vectorising of the unrolled loops
 * clang emits for wasm32, no paired loads), cannot widen an i32 induction
 * variable to i64 (a zext on every access in every loop), and alias
 * analysis cannot tell p[0] from p[1].
 *
 * But an access that succeeded says something: its address x satisfies
 * x + offset + size <= memory size, and the runtime never lets a memory
 * reach 2^32 bytes (WASMC_MAX_MEMORY_PAGES, artifact.h), so
 * x < 2^32 - 65536.  Every later x + c with 0 < c < 65536 therefore cannot
 * wrap.  It holds for both memory modes: a checked access proves the same
 * bound as one the guard page let through.  Lowering labels the zext of
 * every access address with ADDR_MD (labels.h); the passes run after
 * mem2reg, so a local read twice is one SSA value, and before the
 * optimiser, so the flags feed every pass.
 */
#ifndef WASMC_OPT_ADDRESS_H
#define WASMC_OPT_ADDRESS_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>

#include "labels.h"
#include "loop_chain.h"

#define MAX_NUW_ADDEND 65535u

/* Is `v` the labelled zext of an access address (kind: ADDR_MD's id)? */
bool addr_is_access_zext(LLVMValueRef v, unsigned kind);
/* The step c of a header phi (an i32 pointer, or an i64 address variable)
 * whose value from the latch is p + c, 0 < c <= 65535, or 0. */
uint64_t addr_phi_step(LLVMValueRef phi, LLVMBasicBlockRef latch);
/* Operand of an i32 add that may be marked nuw: the non-constant side when
 * the other is a constant in (0, 65536), else NULL. */
LLVMValueRef addr_stepped_value(LLVMValueRef add);
/* A block that starts with a phi: where a chain loop may be headed. */
bool addr_starts_with_phi(LLVMBasicBlockRef bb);

#endif
