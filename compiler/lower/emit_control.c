/* Lowering of structured control flow and calls.
 *
 * Every Wasm block becomes an LLVM end block holding one phi per result;
 * every branch to it adds the top-of-stack values as incoming values from
 * the branching block.  A loop gets a header block with one phi per param
 * (its branch target) plus an end block for the fall-through.  An `if`
 * remembers its params so the else arm can start from the same operand
 * stack; an `if` without `else` gets an implicit else arm that passes the
 * params through as results.  The function body is the outermost frame,
 * whose end block is the return block.
 *
 * An end block nothing branches to means the code after `end` is dead: its
 * phis are erased and the enclosing frame becomes unreachable, so the
 * dispatch loop skips to that frame's end.  br_table jumps through one
 * small block per distinct target depth, so each phi sees exactly one edge
 * per predecessor however often a depth repeats in the table.
 *
 * Loops carry no interrupt check by default: the runtime stops a runaway
 * loop by signalling the thread that runs it (rt/interrupt.c), so hot loops
 * stay free of volatile loads and calls and can vectorise.  With
 * --interrupt=poll, loop headers poll limits->interrupt (a volatile load
 * and compare) and call builtins->interrupted on the cold path, which gives
 * fixed interruption points (and so does every return_call, since a cycle
 * of them has no loop); calls are direct for defined functions and go
 * through the vmctx import slot (code, vmctx) for imported ones.
 * return_call and return_call_indirect are the same calls made `musttail`
 * and followed by `ret` (finish_call).  call_indirect checks,
 * in the spec's order, the table bounds, a null entry and the canonical
 * signature id before calling funcref->code(funcref->vmctx, ...).
 */
#include <stdlib.h>
#include <string.h>

#include "lower.h"

/* A stable address for each one-byte value type, so single-result block
 * types can point at their result type like multi-value ones do. */
static const uint8_t valtype_bytes[256] = {
    [VT_I32] = VT_I32, [VT_I64] = VT_I64, [VT_F32] = VT_F32, [VT_F64] = VT_F64,
    [VT_V128] = VT_V128, [VT_FUNCREF] = VT_FUNCREF, [VT_EXTERNREF] = VT_EXTERNREF,
};

static ControlFrame *push_frame(LowerFunc *f, ControlKind kind, uint32_t np, const uint8_t *pt,
                                uint32_t nr, const uint8_t *rt) {
    if (f->ctrl_depth == f->ctrl_cap) {
        uint32_t cap = f->ctrl_cap ? f->ctrl_cap * 2 : 16;
        ControlFrame *c = realloc(f->ctrl, sizeof *c * cap);
        if (!c) {
            wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (control stack)");
            return NULL;
        }
        memset(c + f->ctrl_cap, 0, sizeof *c * (cap - f->ctrl_cap));
        f->ctrl = c;
        f->ctrl_cap = cap;
    }
    ControlFrame *fr = &f->ctrl[f->ctrl_depth++];
    memset(fr, 0, sizeof *fr);
    fr->kind = kind;
    fr->num_params = np;
    fr->param_types = pt;
    fr->num_results = nr;
    fr->result_types = rt;
    fr->stack_height = f->sp >= np ? f->sp - np : 0;
    return fr;
}

static void free_frame(ControlFrame *fr) {
    free(fr->end_phis);
    free(fr->loop_phis);
    free(fr->if_params);
    fr->end_phis = fr->loop_phis = fr->if_params = NULL;
}

/* Phis for `n` values of `types` at the top of the (empty) block bb. */
static LLVMValueRef *make_phis(LowerFunc *f, LLVMBasicBlockRef bb, uint32_t n, const uint8_t *types) {
    if (n == 0)
        return NULL;
    LLVMValueRef *phis = malloc(sizeof *phis * n);
    if (!phis) {
        wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (phis)");
        return NULL;
    }
    LLVMBasicBlockRef saved = LLVMGetInsertBlock(f->b);
    LLVMPositionBuilderAtEnd(f->b, bb);
    for (uint32_t i = 0; i < n; i++)
        phis[i] = LLVMBuildPhi(f->b, lm_valtype(f->lm, types[i]), "");
    LLVMPositionBuilderAtEnd(f->b, saved);
    return phis;
}

static bool has_predecessors(LLVMBasicBlockRef bb) {
    return LLVMGetFirstUse(LLVMBasicBlockAsValue(bb)) != NULL;
}

/* Add the top `n` stack values as incoming from the current block. */
static void add_incoming(LowerFunc *f, LLVMValueRef *phis, uint32_t n) {
    if (n == 0 || !phis)
        return;
    LLVMBasicBlockRef cur = LLVMGetInsertBlock(f->b);
    if (f->sp < n) {
        wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "operand stack underflow at branch");
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        LLVMAddIncoming(phis[i], &f->stack[f->sp - n + i], &cur, 1);
}

/* Where a branch to frame `fr` goes, after adding its incoming values. */
static LLVMBasicBlockRef prepare_branch(LowerFunc *f, ControlFrame *fr) {
    if (fr->kind == CTRL_LOOP) {
        add_incoming(f, fr->loop_phis, fr->num_params);
        return fr->target;
    }
    add_incoming(f, fr->end_phis, fr->num_results);
    fr->end_reached = true;
    return fr->end_block;
}

/* The rest of the innermost frame is dead.  Operands below the `kept`
 * branch arguments may be discarded (by this branch, or because the code
 * that would consume them after an enclosing end is now dead), so loads
 * that produced them must still run and trap, like dropped ones.  Values
 * pending on the operand stack across a branch are rare, so treating all
 * of them this way costs next to nothing. */
static void set_unreachable_keeping(LowerFunc *f, uint32_t kept) {
    ControlFrame *top = &f->ctrl[f->ctrl_depth - 1];
    for (uint32_t i = 0; i + kept < f->sp; i++)
        lf_keep_dropped(f, f->stack[i]);
    top->unreachable = true;
    f->sp = top->stack_height;
}

static void set_unreachable(LowerFunc *f) {
    ControlFrame *top = &f->ctrl[f->ctrl_depth - 1];
    top->unreachable = true;
    f->sp = top->stack_height;
}

/* How many operands a branch to fr carries. */
static uint32_t branch_arity(const ControlFrame *fr) {
    return fr->kind == CTRL_LOOP ? fr->num_params : fr->num_results;
}

static void block_signature(LowerFunc *f, const BlockType *bt, uint32_t *np, const uint8_t **pt,
                            uint32_t *nr, const uint8_t **rt) {
    const Module *m = f->lm->m;
    *np = *nr = 0;
    *pt = *rt = NULL;
    if (bt->kind == BT_VALUE) {
        *nr = 1;
        *rt = &valtype_bytes[bt->valtype];
    } else if (bt->kind == BT_INDEX && bt->index < m->num_types) {
        const FuncType *t = &m->types[bt->index];
        *np = t->num_params;
        *pt = t->params;
        *nr = t->num_results;
        *rt = t->results;
    }
}

bool lf_begin_function_frame(LowerFunc *f) {
    ControlFrame *fr = push_frame(f, CTRL_FUNC, 0, NULL, f->type->num_results, f->type->results);
    if (!fr)
        return false;
    fr->stack_height = 0;
    fr->end_block = fr->target = LLVMAppendBasicBlockInContext(f->lm->ctx, f->fn, "return");
    fr->end_phis = make_phis(f, fr->end_block, fr->num_results, fr->result_types);
    return !wasm_error_is_set(f->err);
}

/* The loop header's interrupt poll: one volatile load and compare. */
static void emit_interrupt_poll(LowerFunc *f) {
    LowerModule *lm = f->lm;
    LLVMValueRef idx = lm_const_i64(lm, offsetof(wasmc_limits, interrupt));
    LLVMValueRef p = LLVMBuildInBoundsGEP2(f->b, lm->t_i8, f->limits, &idx, 1, "");
    LLVMValueRef flag = LLVMBuildLoad2(f->b, lm->t_i32, p, "interrupt");
    LLVMSetVolatile(flag, true);
    LLVMSetMetadata(flag, lm->md_tbaa, lm->tbaa_vmctx);
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(lm->ctx, f->fn, "interrupted");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(lm->ctx, f->fn, "loop.body");
    LLVMValueRef br = LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, LLVMIntNE, flag, lm_const_i32(lm, 0), ""), slow, body);
    lf_set_unlikely(f, br);
    LLVMPositionBuilderAtEnd(f->b, slow);
    LLVMValueRef call = lf_call_builtin(f, WASMC_BUILTIN_interrupted, &f->vmctx, 1);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
                             LLVMCreateEnumAttribute(lm->ctx, LLVMGetEnumAttributeKindForName("cold", 4), 0));
    LLVMBuildBr(f->b, body);
    LLVMPositionBuilderAtEnd(f->b, body);
}

static bool emit_block(LowerFunc *f, const Instr *in) {
    uint32_t np, nr;
    const uint8_t *pt, *rt;
    block_signature(f, &in->block_type, &np, &pt, &nr, &rt);
    LLVMContextRef ctx = f->lm->ctx;
    ControlFrame *fr;

    switch (in->op) {
    case OP_BLOCK:
        if (!(fr = push_frame(f, CTRL_BLOCK, np, pt, nr, rt)))
            return false;
        fr->end_block = fr->target = LLVMAppendBasicBlockInContext(ctx, f->fn, "block.end");
        fr->end_phis = make_phis(f, fr->end_block, nr, rt);
        break;
    case OP_LOOP: {
        if (!(fr = push_frame(f, CTRL_LOOP, np, pt, nr, rt)))
            return false;
        LLVMBasicBlockRef header = LLVMAppendBasicBlockInContext(ctx, f->fn, "loop");
        fr->target = header;
        fr->loop_phis = make_phis(f, header, np, pt);
        add_incoming(f, fr->loop_phis, np);
        lf_order_flush(f);
        LLVMBuildBr(f->b, header);
        LLVMPositionBuilderAtEnd(f->b, header);
        for (uint32_t i = 0; i < np; i++)
            f->stack[fr->stack_height + i] = fr->loop_phis[i];
        if (f->lm->cc->interrupt_poll)
            emit_interrupt_poll(f);
        fr->end_block = LLVMAppendBasicBlockInContext(ctx, f->fn, "loop.end");
        fr->end_phis = make_phis(f, fr->end_block, nr, rt);
        break;
    }
    default: { /* OP_IF */
        LLVMValueRef cond = lf_pop(f);
        if (!(fr = push_frame(f, CTRL_IF, np, pt, nr, rt)))
            return false;
        if (np) {
            fr->if_params = malloc(sizeof *fr->if_params * np);
            if (!fr->if_params)
                return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "out of memory");
            memcpy(fr->if_params, &f->stack[fr->stack_height], sizeof *fr->if_params * np);
        }
        LLVMBasicBlockRef then_bb = LLVMAppendBasicBlockInContext(ctx, f->fn, "then");
        fr->else_block = LLVMAppendBasicBlockInContext(ctx, f->fn, "else");
        fr->end_block = fr->target = LLVMAppendBasicBlockInContext(ctx, f->fn, "if.end");
        fr->end_phis = make_phis(f, fr->end_block, nr, rt);
        LLVMValueRef c = LLVMBuildICmp(f->b, LLVMIntNE, cond, lm_const_i32(f->lm, 0), "");
        lf_order_flush(f);
        LLVMBuildCondBr(f->b, c, then_bb, fr->else_block);
        LLVMPositionBuilderAtEnd(f->b, then_bb);
        break;
    }
    }
    return !wasm_error_is_set(f->err);
}

/* Fall through from the current block to fr's end block with its results. */
static void fall_to_end(LowerFunc *f, ControlFrame *fr) {
    add_incoming(f, fr->end_phis, fr->num_results);
    fr->end_reached = true;
    lf_order_flush(f);
    LLVMBuildBr(f->b, fr->end_block);
}

static void start_else_arm(LowerFunc *f, ControlFrame *fr) {
    LLVMPositionBuilderAtEnd(f->b, fr->else_block);
    fr->else_block = NULL;
    f->sp = fr->stack_height;
    for (uint32_t i = 0; i < fr->num_params; i++)
        lf_push(f, fr->if_params[i]);
    fr->unreachable = false;
}

static bool emit_else(LowerFunc *f, const Instr *in) {
    ControlFrame *fr = &f->ctrl[f->ctrl_depth - 1];
    if (fr->kind != CTRL_IF || !fr->else_block)
        return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "else without if");
    if (!fr->unreachable)
        fall_to_end(f, fr);
    start_else_arm(f, fr);
    return true;
}

static void build_return(LowerFunc *f, ControlFrame *fr) {
    LowerModule *lm = f->lm;
    uint32_t n = fr->num_results;
    if (lm_results_in_memory(f->type)) {
        LLVMValueRef out = LLVMGetParam(f->fn, 1);
        for (uint32_t i = 0; i < n; i++)
            lm_store_slot(lm, f->b, out, i, fr->end_phis[i]);
        LLVMBuildRetVoid(f->b);
    } else if (n == 0) {
        LLVMBuildRetVoid(f->b);
    } else if (n == 1) {
        LLVMBuildRet(f->b, fr->end_phis[0]);
    } else {
        LLVMTypeRef st = lm_results_type(lm, n, fr->result_types);
        LLVMValueRef agg = LLVMGetUndef(st);
        for (uint32_t i = 0; i < n; i++)
            agg = LLVMBuildInsertValue(f->b, agg, fr->end_phis[i], i, "");
        LLVMBuildRet(f->b, agg);
    }
}

static bool emit_end(LowerFunc *f, const Instr *in) {
    ControlFrame *fr = &f->ctrl[f->ctrl_depth - 1];
    if (!fr->unreachable)
        fall_to_end(f, fr);
    if (fr->kind == CTRL_IF && fr->else_block) {
        /* No else: the implicit arm passes the params through. */
        start_else_arm(f, fr);
        fall_to_end(f, fr);
    }
    ControlFrame done = *fr;
    f->ctrl_depth--;
    memset(fr, 0, sizeof *fr);

    LLVMPositionBuilderAtEnd(f->b, done.end_block);
    f->sp = done.stack_height;
    if (!has_predecessors(done.end_block)) {
        for (uint32_t i = 0; i < done.num_results; i++)
            LLVMInstructionEraseFromParent(done.end_phis[i]);
        if (f->ctrl_depth > 0)
            set_unreachable(f);
    } else if (done.kind == CTRL_FUNC) {
        build_return(f, &done);
    } else {
        for (uint32_t i = 0; i < done.num_results; i++)
            lf_push(f, done.end_phis[i]);
    }
    free_frame(&done);
    (void)in;
    return !wasm_error_is_set(f->err);
}

static ControlFrame *label_frame(LowerFunc *f, uint32_t depth, size_t offset) {
    if (depth >= f->ctrl_depth) {
        wasm_error(f->err, WASM_ERR_INTERNAL, offset, "branch depth %u out of range", depth);
        return NULL;
    }
    return &f->ctrl[f->ctrl_depth - 1 - depth];
}

static bool emit_br(LowerFunc *f, const Instr *in) {
    ControlFrame *fr = label_frame(f, in->op == OP_RETURN ? f->ctrl_depth - 1 : in->index, in->offset);
    if (!fr)
        return false;
    lf_order_flush(f);
    LLVMBuildBr(f->b, prepare_branch(f, fr));
    set_unreachable_keeping(f, branch_arity(fr));
    return !wasm_error_is_set(f->err);
}

static bool emit_br_if(LowerFunc *f, const Instr *in) {
    LLVMValueRef cond = lf_pop(f);
    ControlFrame *fr = label_frame(f, in->index, in->offset);
    if (!fr)
        return false;
    LLVMBasicBlockRef dest = prepare_branch(f, fr);
    LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(f->lm->ctx, f->fn, "br_if.cont");
    LLVMValueRef c = LLVMBuildICmp(f->b, LLVMIntNE, cond, lm_const_i32(f->lm, 0), "");
    lf_order_flush(f);
    LLVMBuildCondBr(f->b, c, dest, cont);
    LLVMPositionBuilderAtEnd(f->b, cont);
    return !wasm_error_is_set(f->err);
}

static bool emit_br_table(LowerFunc *f, const Instr *in) {
    LowerModule *lm = f->lm;
    LLVMValueRef index = lf_pop(f);
    uint32_t n = in->br_table_count;
    uint32_t *targets = malloc(sizeof *targets * ((size_t)n + 1));
    LLVMBasicBlockRef *via = calloc(f->ctrl_depth, sizeof *via);
    if (!targets || !via) {
        free(targets);
        free(via);
        return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "out of memory (br_table)");
    }
    instr_br_table_targets(lm->m->bytes, in, targets);
    bool ok = true;
    for (uint32_t i = 0; i <= n && ok; i++) {
        if (targets[i] >= f->ctrl_depth)
            ok = wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "br_table depth out of range");
        else if (!via[targets[i]])
            via[targets[i]] = LLVMAppendBasicBlockInContext(lm->ctx, f->fn, "br_table.case");
    }
    if (ok) {
        lf_order_flush(f);
        LLVMValueRef sw = LLVMBuildSwitch(f->b, index, via[targets[n]], n);
        for (uint32_t i = 0; i < n; i++)
            if (targets[i] != targets[n])
                LLVMAddCase(sw, lm_const_i32(lm, i), via[targets[i]]);
        for (uint32_t d = 0; d < f->ctrl_depth; d++) {
            if (!via[d])
                continue;
            LLVMPositionBuilderAtEnd(f->b, via[d]);
            LLVMBuildBr(f->b, prepare_branch(f, &f->ctrl[f->ctrl_depth - 1 - d]));
        }
        set_unreachable_keeping(f, branch_arity(&f->ctrl[f->ctrl_depth - 1 - targets[n]]));
    }
    free(targets);
    free(via);
    return ok && !wasm_error_is_set(f->err);
}

/* Pop `t`'s params into args[first..] (args[0] is the callee's vmctx,
 * args[1] its `out` pointer when lm_first_param(t) is 2). */
static LLVMValueRef *pop_call_args(LowerFunc *f, const FuncType *t) {
    unsigned first = lm_first_param(t);
    LLVMValueRef *args = malloc(sizeof *args * ((size_t)t->num_params + first));
    if (!args) {
        wasm_error(f->err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory (call)");
        return NULL;
    }
    for (uint32_t i = t->num_params; i > 0; i--)
        args[i - 1 + first] = lf_pop(f);
    return args;
}

/* A call site's buffer for results returned in memory: an alloca in the
 * entry block, so a call in a loop does not grow the stack. */
static LLVMValueRef results_buffer(LowerFunc *f, const FuncType *t) {
    LowerModule *lm = f->lm;
    LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(f->fn);
    LLVMBuilderRef b = LLVMCreateBuilderInContext(lm->ctx);
    LLVMValueRef first = LLVMGetFirstInstruction(entry);
    if (first)
        LLVMPositionBuilderBefore(b, first);
    else
        LLVMPositionBuilderAtEnd(b, entry);
    LLVMValueRef buf = LLVMBuildAlloca(b, LLVMArrayType2(lm->t_i8, (uint64_t)t->num_results * sizeof(wasmc_slot)),
                                       "results");
    LLVMSetAlignment(buf, 16);
    LLVMDisposeBuilder(b);
    return buf;
}

static void push_call_results(LowerFunc *f, const FuncType *t, LLVMValueRef call) {
    if (lm_results_in_memory(t)) {
        LLVMValueRef out = LLVMGetOperand(call, 1);
        for (uint32_t i = 0; i < t->num_results; i++)
            lf_push(f, lm_load_slot(f->lm, f->b, out, i, t->results[i]));
    } else if (t->num_results == 1) {
        lf_push(f, call);
    } else {
        for (uint32_t i = 0; i < t->num_results; i++)
            lf_push(f, LLVMBuildExtractValue(f->b, call, i, ""));
    }
}

/* Call `code` of type `type_index` with args (args[0] the callee's vmctx)
 * and push its results, or, for return_call*, make it a tail call whose
 * results are this function's.  A tail call is `musttail` in tailcc
 * (LM_WASM_CALL_CONV), which LLVM guarantees to turn into a jump that
 * reuses this frame for any callee signature: return_call recursion runs
 * in constant stack, on every target, at every -O level. */
static void finish_call(LowerFunc *f, uint32_t type_index, LLVMValueRef code, LLVMValueRef *args, bool tail) {
    LowerModule *lm = f->lm;
    const FuncType *t = &lm->m->types[type_index];
    /* A cycle of return_calls has no loop header: with --interrupt=poll
     * it polls here instead, so it stays interruptible. */
    if (tail && lm->cc->interrupt_poll)
        emit_interrupt_poll(f);
    unsigned first = lm_first_param(t);
    if (first == 2) /* results in memory: a return_call passes its own `out` on */
        args[1] = tail ? LLVMGetParam(f->fn, 1) : results_buffer(f, t);
    lf_order_flush(f); /* an inlined callee's accesses stay after our stores */
    LLVMValueRef call = LLVMBuildCall2(f->b, lm->wasm_fn_types[type_index], code, args, t->num_params + first,
                                       t->num_results && first == 1 ? "call" : "");
    lm_set_wasm_call_conv(call);
    if (tail) {
        LLVMSetTailCallKind(call, LLVMTailCallKindMustTail);
        if (t->num_results == 0 || first == 2)
            LLVMBuildRetVoid(f->b);
        else
            LLVMBuildRet(f->b, call);
        set_unreachable_keeping(f, 0);
        return;
    }
    /* Wasm recursion must exhaust the stack, not become a loop: without
     * this, tail-recursion elimination (or a sibling-call jmp) turns
     * `(func $f (call $f))` into an infinite loop with no interrupt poll. */
    LLVMSetTailCallKind(call, LLVMTailCallKindNoTail);
    push_call_results(f, t, call);
}

/* call / return_call: direct for defined functions, through the vmctx
 * import slot (code, vmctx) for imported ones. */
static bool emit_call(LowerFunc *f, const Instr *in) {
    LowerModule *lm = f->lm;
    const Module *m = lm->m;
    if (in->index >= m->num_funcs)
        return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "call to unknown function %u", in->index);
    const Func *callee = &m->funcs[in->index];
    const FuncType *t = &m->types[callee->type_index];
    LLVMValueRef *args = pop_call_args(f, t);
    if (!args)
        return false;
    LLVMValueRef code;
    if (callee->imported) {
        uint32_t slot = lm->layout.imported_funcs + (uint32_t)sizeof(wasmc_import_func) * in->index;
        code = lf_vmctx_load(f, lm->t_ptr, slot + offsetof(wasmc_import_func, code), true, "import.code");
        args[0] = lf_vmctx_load(f, lm->t_ptr, slot + offsetof(wasmc_import_func, vmctx), true, "import.vmctx");
    } else {
        code = lm_func(lm, in->index);
        args[0] = f->vmctx;
    }
    finish_call(f, callee->type_index, code, args, in->op == OP_RETURN_CALL);
    free(args);
    return !wasm_error_is_set(f->err);
}

/* call_indirect / return_call_indirect. */
static bool emit_call_indirect(LowerFunc *f, const Instr *in) {
    LowerModule *lm = f->lm;
    const Module *m = lm->m;
    uint32_t type_index = in->index, table_index = in->index2;
    if (type_index >= m->num_types || table_index >= m->num_tables)
        return wasm_error(f->err, WASM_ERR_INTERNAL, in->offset, "call_indirect with bad immediates");
    const FuncType *t = &m->types[type_index];
    LLVMValueRef elem = lf_pop(f);
    LLVMValueRef *args = pop_call_args(f, t);
    if (!args)
        return false;

    LLVMValueRef table = lf_vmctx_load(f, lm->t_ptr, lm->layout.tables + 8u * table_index, true, "table");
    LLVMValueRef size_idx = lm_const_i64(lm, offsetof(wasmc_table, size));
    LLVMValueRef size = lf_load(f, lm->t_i32, LLVMBuildInBoundsGEP2(f->b, lm->t_i8, table, &size_idx, 1, ""),
                                lm->tbaa_table, false, "table.size");
    lf_trap_if(f, LLVMBuildICmp(f->b, LLVMIntUGE, elem, size, ""), WASMC_TRAP_UNDEFINED_ELEMENT);
    LLVMValueRef elems = lf_load(f, lm->t_ptr, table, lm->tbaa_table, false, "table.elems");
    LLVMValueRef idx64 = LLVMBuildZExt(f->b, elem, lm->t_i64, "");
    LLVMValueRef entry_ptr = LLVMBuildInBoundsGEP2(f->b, lm->t_ptr, elems, &idx64, 1, "");
    LLVMValueRef ref = lf_load(f, lm->t_ptr, entry_ptr, lm->tbaa_table, false, "funcref");
    lf_trap_if(f, LLVMBuildIsNull(f->b, ref, ""), WASMC_TRAP_UNINITIALIZED_ELEMENT);

    /* A funcref never changes once created, so its fields are invariant. */
    LLVMValueRef tid_idx = lm_const_i64(lm, offsetof(wasmc_funcref, type_id));
    LLVMValueRef actual = lf_load(f, lm->t_i32, LLVMBuildInBoundsGEP2(f->b, lm->t_i8, ref, &tid_idx, 1, ""),
                                  lm->tbaa_vmctx, true, "type_id");
    LLVMValueRef expected = lf_vmctx_load(f, lm->t_i32, lm->layout.type_ids + 4u * type_index, true, "expected_type");
    lf_trap_if(f, LLVMBuildICmp(f->b, LLVMIntNE, actual, expected, ""), WASMC_TRAP_INDIRECT_CALL_TYPE);

    LLVMValueRef code = lf_load(f, lm->t_ptr, ref, lm->tbaa_vmctx, true, "code");
    LLVMValueRef vm_idx = lm_const_i64(lm, offsetof(wasmc_funcref, vmctx));
    args[0] = lf_load(f, lm->t_ptr, LLVMBuildInBoundsGEP2(f->b, lm->t_i8, ref, &vm_idx, 1, ""),
                      lm->tbaa_vmctx, true, "callee.vmctx");
    finish_call(f, type_index, code, args, in->op == OP_RETURN_CALL_INDIRECT);
    free(args);
    return !wasm_error_is_set(f->err);
}

bool emit_control(LowerFunc *f, const Instr *in) {
    switch (in->op) {
    case OP_NOP:
        return true;
    case OP_UNREACHABLE:
        set_unreachable_keeping(f, 0);
        lf_trap(f, WASMC_TRAP_UNREACHABLE);
        return true;
    case OP_BLOCK:
    case OP_LOOP:
    case OP_IF:
        return emit_block(f, in);
    case OP_ELSE:
        return emit_else(f, in);
    case OP_END:
        return emit_end(f, in);
    case OP_BR:
    case OP_RETURN:
        return emit_br(f, in);
    case OP_BR_IF:
        return emit_br_if(f, in);
    case OP_BR_TABLE:
        return emit_br_table(f, in);
    case OP_CALL:
    case OP_RETURN_CALL:
        return emit_call(f, in);
    case OP_CALL_INDIRECT:
    case OP_RETURN_CALL_INDIRECT:
        return emit_call_indirect(f, in);
    default:
        return wasm_error(f->err, WASM_ERR_UNSUPPORTED, in->offset, "%s not supported", op_info[in->op].text);
    }
}
