/* Chain loops: the innermost loop shape the IR passes before the optimiser
 * (address_*.c, check_versioning.c, byte_compare_skip.c) can reason about without a
 * dominator tree.
 *
 * A chain loop is a header, then blocks each entered only from the one
 * before (straight-line code, bounds checks, early exits), the last one
 * (the latch) branching back to the header, which has no predecessor
 * other than the latch and one block outside (the preheader).  Every
 * block of the chain runs on every iteration that continues, and a value
 * defined outside the chain is loop-invariant. */
#ifndef WASMC_LOOP_CHAIN_H
#define WASMC_LOOP_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>

#include "labels.h"

/* Longest chain followed, in blocks. */
#define MAX_CHAIN 32

typedef struct ChainLoop {
    LLVMBasicBlockRef block[MAX_CHAIN]; /* block[0] the header, block[len - 1] the latch */
    int len;
    LLVMBasicBlockRef pre;
} ChainLoop;

/* The chain loop headed by `header`, or false. */
bool chain_loop(LLVMBasicBlockRef header, ChainLoop *loop);
bool in_chain(LLVMBasicBlockRef bb, const ChainLoop *loop);
/* Defined outside the chain (an argument, a constant or an instruction
 * of another block). */
bool chain_invariant(LLVMValueRef v, const ChainLoop *loop);
/* The only block branching to `bb`, or NULL. */
LLVMBasicBlockRef single_predecessor(LLVMBasicBlockRef bb);
/* The value `phi` takes when entered from `bb`, or NULL. */
LLVMValueRef incoming_from(LLVMValueRef phi, LLVMBasicBlockRef bb);
/* check_versioning.c marks the latch branch of the copy of a loop it
 * versioned, the copy that runs when every check was proven in advance
 * and so has none left: address facts then treat it as they treat
 * loops with guard pages (CHECK_FREE_MD, labels.h). */
bool chain_check_free(const ChainLoop *loop);
/* x when `v` is x + C, C + x or x - C (C a constant), with C; else NULL. */
LLVMValueRef chain_plus_const(LLVMValueRef v, int64_t *c);
/* The step C of an i32 header phi whose value from the latch is phi + C
 * (or phi - C, or the phi itself: C = 0), as a signed constant. */
bool chain_iv_step(LLVMValueRef phi, const ChainLoop *loop, int64_t *step);
/* The conditional branch `br` as "goes on to `cont` while v pred n", with
 * the (icmp ne (zext i1 c), 0) that br_if lowers to looked through, or
 * false (not a conditional branch on an integer compare, or `cont` not
 * one of its successors). */
bool chain_branch_test(LLVMValueRef br, LLVMBasicBlockRef cont, LLVMValueRef *v, LLVMValueRef *n,
                       LLVMIntPredicate *pred);
/* x p y as y p' x */
LLVMIntPredicate chain_swapped(LLVMIntPredicate p);
/* With block[0 .. len - 1] filled in: the one block other than the
 * latch that enters the header, into loop->pre, and whether there is
 * exactly one such and the latch enters it once. */
bool chain_find_preheader(ChainLoop *loop);
/* Position of `inst` in chain order (block index, then place in its
 * block), or -1 outside the chain. */
long chain_position(LLVMValueRef inst, const ChainLoop *loop);
/* Does `bb` end in unreachable (a trap block)? */
bool is_trap_block(LLVMBasicBlockRef bb);

#endif
