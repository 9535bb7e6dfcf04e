/* Lowering validated Wasm to LLVM IR: the shared state and helpers every
 * instruction-class emitter uses.
 *
 * One LowerModule per module (LLVM context, types, declared functions,
 * TBAA nodes); one LowerFunc per function being lowered, which owns the
 * Wasm operand stack (as LLVM values), the control stack, and the locals
 * (allocas that mem2reg turns into SSA).  The dispatch loop in
 * lower_func.c reads each instruction and hands it to the emitter of its
 * class; emitters pop operands, build IR at the builder's position, and
 * push results.  Input is validated, so emitters may assume well-typed
 * operands; they only fail on internal errors.
 *
 * Unreachable code: after br/return/unreachable the dispatch loop skips
 * instructions up to the matching else/end and never calls an emitter for
 * them, so emitters always have real operands.
 */
#ifndef WASMC_LOWER_H
#define WASMC_LOWER_H

#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>

#include "../compile_config.h"
#include "../instr.h"
#include "../module.h"
#include "wasmc/artifact.h"
#include "../opt/labels.h"
#include "../opt/opt.h"

struct TargetInfo;

/* Longest LowerConfig.symbol_prefix / text_section. */
#define LOWER_PREFIX_MAX 64

typedef struct LowerModule {
    const CompileConfig *cc;     /* target, memory mode, interrupt and frame-pointer flags */
    const Module *m;
    LLVMContextRef ctx;
    LLVMModuleRef mod;
    LLVMTargetDataRef data_layout;
    wasmc_vmctx_layout layout;

    /* Common types. */
    LLVMTypeRef t_void, t_i1, t_i8, t_i16, t_i32, t_i64, t_f32, t_f64, t_v128, t_ptr;
    LLVMTypeRef t_intptr;

    LLVMTypeRef *wasm_fn_types;  /* per type index: RESULT (ptr vmctx, PARAMS...) */
    LLVMValueRef *funcs;         /* per function index: declared so far (lm_func), NULL otherwise */

    /* TBAA access tags: linear memory never aliases the vmctx or tables. */
    LLVMValueRef tbaa_memory, tbaa_vmctx, tbaa_global, tbaa_table;

    /* Added by lower_module.c (additive): */
    char **func_symbols;         /* per function index: the native symbol */
    unsigned md_tbaa, md_invariant, md_prof;  /* metadata kind ids */
    LLVMValueRef md_empty;       /* !{} for !invariant.load */
    LLVMValueRef prof_unlikely;  /* branch_weights: true edge cold */
    LLVMValueRef prof_likely;    /* branch_weights: true edge hot */
    bool exact_trap_state;       /* lm_exact_trap_state(): keep side effects in order with traps */
    const char *symbol_prefix;   /* LowerConfig.symbol_prefix, "" for none */
    const char *text_section;    /* LowerConfig.text_section, "wasmc_text" by default */
} LowerModule;

typedef enum ControlKind { CTRL_FUNC, CTRL_BLOCK, CTRL_LOOP, CTRL_IF } ControlKind;

typedef struct ControlFrame {
    ControlKind kind;
    uint32_t num_params, num_results;
    const uint8_t *param_types, *result_types;
    uint32_t stack_height;        /* operand stack height below the params */
    LLVMBasicBlockRef target;     /* br target: loop header, or the end block */
    LLVMBasicBlockRef end_block;  /* where control continues after `end` */
    LLVMBasicBlockRef else_block; /* if: the else arm (NULL once taken) */
    LLVMValueRef *end_phis;       /* num_results phis in end_block */
    LLVMValueRef *loop_phis;      /* loop: num_params phis in the header */
    LLVMValueRef *if_params;      /* if: params to replay in the else arm */
    bool unreachable;             /* rest of this frame is dead */
    bool end_reached;             /* some branch targets end_block */
} ControlFrame;

typedef struct LowerFunc {
    LowerModule *lm;
    uint32_t func_index;
    const FuncType *type;
    LLVMValueRef fn;
    LLVMBuilderRef b;
    LLVMValueRef vmctx;

    uint32_t num_locals;          /* params + declared locals */
    uint8_t *local_types;
    LLVMValueRef *locals;         /* allocas */

    LLVMValueRef *stack;          /* the Wasm operand stack */
    uint32_t sp, stack_cap;

    ControlFrame *ctrl;
    uint32_t ctrl_depth, ctrl_cap;

    LLVMValueRef memory_base;     /* guard mode: loaded once in the entry block */
    WasmError *err;

    /* Added by lower_func.c (additive): */
    LLVMValueRef limits;          /* vmctx->limits, loaded once in the entry block */
    LLVMValueRef memory0;         /* vmctx->memory0 (wasmc_memory *), or NULL */
    LLVMBasicBlockRef trap_blocks[WASMC_TRAP_COUNT_]; /* shared cold trap paths */
    bool order_pending;           /* a side effect awaits its order barrier (trap_order.c) */
} LowerFunc;

/* ---- Operand stack ---- */
void lf_push(LowerFunc *f, LLVMValueRef v);
LLVMValueRef lf_pop(LowerFunc *f);
LLVMValueRef lf_peek(LowerFunc *f, uint32_t depth_from_top);

/* ---- Types ---- */
LLVMTypeRef lm_valtype(LowerModule *lm, uint8_t valtype);
LLVMValueRef lm_const_i32(LowerModule *lm, uint32_t v);
LLVMValueRef lm_const_i64(LowerModule *lm, uint64_t v);

/* ---- vmctx access ---- */
/* Pointer to vmctx + offset (byte GEP). */
LLVMValueRef lf_vmctx_ptr(LowerFunc *f, uint32_t offset);
/* Load a field of `type` at vmctx + offset, tagged tbaa_vmctx (and marked
 * invariant when `invariant` — fields that never change after
 * instantiation). */
LLVMValueRef lf_vmctx_load(LowerFunc *f, LLVMTypeRef type, uint32_t offset, bool invariant, const char *name);
/* Call builtin `id` with args (the vmctx first) by its builtins.def
 * signature; a NORETURN builtin's call is noreturn and cold. */
LLVMValueRef lf_call_builtin(LowerFunc *f, wasmc_builtin_id id, LLVMValueRef *args, unsigned nargs);

/* ---- Traps ---- */
/* If cond (i1) is true, trap with `code`; the trap path is marked cold and
 * shared per function and code.  Continues building on the fall-through. */
void lf_trap_if(LowerFunc *f, LLVMValueRef cond, wasmc_trap_code code);
/* Unconditional trap; leaves the builder in a fresh unreachable block. */
void lf_trap(LowerFunc *f, wasmc_trap_code code);

/* ---- Memory ---- */
/* Address of a `size`-byte access at Wasm address `addr` (i32) + static
 * `offset` in memory `mem`, with whatever check the memory mode needs
 * (traps WASMC_TRAP_MEMORY_OOB).  Returns an i8* into linear memory. */
LLVMValueRef lf_memory_address(LowerFunc *f, uint32_t mem, LLVMValueRef addr, uint64_t offset, uint32_t size);
/* Was the load or store `access` at an address lf_memory_address proved
 * in bounds (so it cannot trap)? */
bool lf_access_in_bounds(LowerFunc *f, LLVMValueRef access);
/* Tag a load/store of linear memory (TBAA, alignment 1 unless proven). */
void lf_mark_memory_access(LowerFunc *f, LLVMValueRef inst, uint32_t align_log2);
/* Guard-page mode: keep the load `v` of an unchecked `size`-byte access at
 * static `offset` from being deleted when its value is dead, so it still
 * traps (load_anchor.c).  No-op when the access was checked explicitly. */
void lf_anchor_load(LowerFunc *f, LLVMValueRef v, uint64_t offset, uint32_t size);
/* Guard-page mode: a store, global.set or table.set was just emitted; the
 * next unchecked access, branch or call must not move above it
 * (trap_order.c). */
void lf_order_side_effect(LowerFunc *f);
/* Must side effects before a trap be exact?  Yes unless the module is a
 * WASI command, which nothing observes after a trap, and `exact` was not
 * requested (trap_order.c). */
bool lm_exact_trap_state(const Module *m, bool exact);
/* Defined function i's declaration in this part's module (lower_module.c). */
LLVMValueRef lm_func(LowerModule *lm, uint32_t i);
/* Emit the pending order barrier, if any, at the builder's position:
 * before every branch, every call to a Wasm function and every unchecked
 * access. */
void lf_order_flush(LowerFunc *f);


/* ---- Intrinsics ---- */
LLVMValueRef lf_call_intrinsic(LowerFunc *f, const char *name, LLVMTypeRef *overload_types,
                               unsigned num_overloads, LLVMValueRef *args, unsigned nargs);

/* Load `type` from `ptr` tagged with TBAA `tbaa` (may be NULL), optionally
 * !invariant.load. */
LLVMValueRef lf_load(LowerFunc *f, LLVMTypeRef type, LLVMValueRef ptr, LLVMValueRef tbaa,
                     bool invariant, const char *name);
/* Branch-weight helper: mark the conditional branch `br` as rarely taking
 * its true edge. */
void lf_set_unlikely(LowerFunc *f, LLVMValueRef br);
/* The value is discarded (drop): make sure a linear-memory load that
 * produced it (directly or through pure arithmetic) is still executed, so
 * an out-of-bounds access traps even though its result is unused. */
void lf_keep_dropped(LowerFunc *f, LLVMValueRef v);

/* ---- Calling convention ----
 * Every Wasm function, host trampoline and call between them uses LLVM's
 * tailcc (CallingConv::Tail, not in LLVM-C's enum): with it a `musttail`
 * call is guaranteed to reuse the caller's frame even when the callee's
 * params differ from the caller's (return_call to any function type),
 * which the C convention only allows for identical prototypes.  It passes
 * arguments in the same registers as C; the callee pops stack arguments.
 * It must be the same in every module (funcrefs and imports cross
 * instances), so it is part of the artifact format, not per module. */
#define LM_WASM_CALL_CONV 18u
/* Set LM_WASM_CALL_CONV on a function or a call instruction. */
static inline void lm_set_wasm_call_conv(LLVMValueRef fn_or_call) {
    if (LLVMIsAFunction(fn_or_call))
        LLVMSetFunctionCallConv(fn_or_call, LM_WASM_CALL_CONV);
    else
        LLVMSetInstructionCallConv(fn_or_call, LM_WASM_CALL_CONV);
}

/* ---- Driver pieces (lower_func.c, trampolines.c, descriptor.c) ---- */
/* The LLVM function type of Wasm type `t`: RESULT (ptr vmctx, PARAMS...),
 * or void (ptr vmctx, ptr out, PARAMS...) when lm_results_in_memory(t). */
LLVMTypeRef lm_wasm_fn_type(LowerModule *lm, const FuncType *t);
/* Does a function of type `t` return its results through an `out` pointer
 * (one 16-byte wasmc_slot per result) rather than in registers?  Only when
 * they might not all fit the return registers of both targets (x86-64
 * tailcc: 3 integer, 4 vector): LLVM would then return them through a
 * hidden pointer of the caller's frame, which a musttail call cannot pass
 * on, while an explicit `out` passes straight through a return_call. */
bool lm_results_in_memory(const FuncType *t);
/* Index of the first Wasm param among the LLVM params (1 or 2). */
static inline unsigned lm_first_param(const FuncType *t) { return lm_results_in_memory(t) ? 2u : 1u; }
/* The LLVM return type of results (void, the value, or a literal struct). */
LLVMTypeRef lm_results_type(LowerModule *lm, uint32_t n, const uint8_t *types);
/* Attributes, section and visibility of every function wasmc defines. */
void lm_set_code_attributes(LowerModule *lm, LLVMValueRef fn);
/* Load or store wasmc_slot i of the slot array `slots` (trampolines.c). */
LLVMValueRef lm_load_slot(LowerModule *lm, LLVMBuilderRef b, LLVMValueRef slots, uint32_t i, uint8_t type);
void lm_store_slot(LowerModule *lm, LLVMBuilderRef b, LLVMValueRef slots, uint32_t i, LLVMValueRef v);
/* Lower the body of defined function func_index into lm->funcs[func_index]. */
bool lower_function(LowerModule *lm, uint32_t func_index, WasmError *err);
/* Per-type entry/host trampolines; fill the arrays (num_types each). */
bool lower_trampolines(LowerModule *lm, LLVMValueRef *entry, LLVMValueRef *host, WasmError *err);
/* The wasmc_descriptor global and every table it points to. */
bool lower_descriptor(LowerModule *lm, const uint8_t *module_sha256,
                      const LLVMValueRef *entry, const LLVMValueRef *host, WasmError *err);

/* ---- Emitters, one per instruction class (emit_*.c) ----
 * Each handles the instructions of its class and returns false only with
 * f->err set. */
bool emit_control(LowerFunc *f, const Instr *in);     /* block..return, call*, return_call*, unreachable, nop */
bool emit_parametric(LowerFunc *f, const Instr *in);  /* drop, select */
bool emit_variable(LowerFunc *f, const Instr *in);    /* local.*, global.* */
bool emit_memory(LowerFunc *f, const Instr *in);      /* loads, stores, memory.* , data.drop */
bool emit_numeric(LowerFunc *f, const Instr *in);     /* consts, comparisons, arithmetic */
bool emit_conversion(LowerFunc *f, const Instr *in);  /* wrap/extend/trunc/convert/reinterpret/sat */
bool emit_table(LowerFunc *f, const Instr *in);       /* table.*, elem.drop, ref.* */
bool emit_simd(LowerFunc *f, const Instr *in);        /* 0xFD prefix */

#endif
