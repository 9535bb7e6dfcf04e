/* What lowering labels in the IR it emits, and the passes look for: the
 * contract between compiler/lower/ and compiler/opt/, written once.  A
 * pass finds the accesses, checks, anchors and barriers it works on by
 * these names, never by the shape of the IR around them.
 */
#ifndef WASMC_OPT_LABELS_H
#define WASMC_OPT_LABELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llvm-c/Core.h>

/* !wasmc.addr !{} on the zext (i32 -> i64) of every linear-memory access
 * address (lower_func.c, lf_memory_address). */
#define ADDR_MD "wasmc.addr"
/* !wasmc.in_bounds !{} on the address gep of an access proven in bounds
 * statically (it cannot trap). */
#define IN_BOUNDS_MD "wasmc.in_bounds"
/* !wasmc.check !{i64 K, i32 MEM} on the compare of every explicit bounds
 * check lowering emits (lf_memory_address):
 *     %oob = icmp sgt i64 %ea, %limit      ; %ea: the ADDR_MD zext
 *     %limit = sub nsw i64 (load memory MEM's byte size), K   ; K = offset + size
 *     br %oob, trap, ok
 * Passes find checks by this label (opt_check_label) and may then read
 * the operands as laid out here. */
#define CHECK_MD "wasmc.check"
/* On the latch branch of the loop copy check versioning left without
 * bounds checks (address passes then treat it as a guard-page loop). */
#define CHECK_FREE_MD "wasmc.check_free"
/* !wasmc.guarded !{} on each unchecked load lowering anchored: a load
 * that may trap by touching the guard region, which the guard-page
 * verifier (verify_guards.c) checks is still kept. */
#define GUARDED_MD "wasmc.guarded"
/* !wasmc.anchor !{} on the declaration of every anchor function (and of
 * its vector variants): calls to it keep a load that may trap
 * (lower/load_anchor.c, opt/anchor_materialize.c).  Lowering names them
 * ANCHOR_PREFIX<type>; the passes find them by the label. */
#define ANCHOR_MD "wasmc.anchor"
#define ANCHOR_PREFIX "wasmc_anchor_"
/* !wasmc.barrier !{} on the declaration of the order barrier: calls to it
 * keep side effects in order with the next access that may trap
 * (lower/trap_order.c, opt/order_materialize.c).  Named BARRIER_NAME. */
#define BARRIER_MD "wasmc.barrier"
#define BARRIER_NAME "wasmc_order_barrier"

/* The metadata kind `name` (a string literal) in the context of `v`. */
#define OPT_MD_KIND(v, name) \
    LLVMGetMDKindIDInContext(LLVMGetTypeContext(LLVMTypeOf(v)), name, sizeof name - 1)

/* A slot for `v` in a power-of-two table of `cap` slots (the value sets
 * and maps of the passes). */
static inline size_t opt_value_hash(LLVMValueRef v, size_t cap) {
    return (size_t)(((uintptr_t)v >> 4) * 0x9E3779B97F4A7C15ull) & (cap - 1);
}

/* Is `cond` a labelled bounds check?  Then its K and memory index. */
bool opt_check_label(LLVMValueRef cond, uint64_t *k, uint32_t *mem);

/* Label the function declaration `fn` with kind `name` (ANCHOR_MD,
 * BARRIER_MD). */
void opt_label_function(LLVMValueRef fn, const char *name);
/* Is `fn` (any value) a function declaration labelled `name`? */
bool opt_function_has_label(LLVMValueRef fn, const char *name);
/* Is `fn` an anchor function, `v` a call to one, `fn` the order barrier? */
bool opt_is_anchor_fn(LLVMValueRef fn);
bool opt_is_anchor_call(LLVMValueRef v);
bool opt_is_barrier_fn(LLVMValueRef fn);
/* The empty asm statement reading `v` (scalar or vector of at most 128
 * bits) at the builder's position, returned: what keeps a load after the
 * optimiser (instruction selection keeps it in order with the memory
 * accesses).  Lowering uses it for SIMD loads, adding the anchor's
 * attributes since the optimiser still runs after it. */
LLVMValueRef opt_asm_anchor(LLVMContextRef ctx, LLVMBuilderRef b, const char *vector_constraint, LLVMValueRef v);

#endif
