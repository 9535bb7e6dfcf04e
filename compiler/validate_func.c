/* Function-body validation: the spec's algorithm (appendix A.3) with an
 * operand stack of value types and a control stack of frames.
 *
 * T_UNKNOWN (0, not a value type encoding) stands for the bottom type the
 * algorithm pops from the polymorphic stack of unreachable code, so
 * "unknown matches anything" is one comparison.  Label and block types are
 * (pointer, count) views into the module's FuncTypes or into k_types, a
 * table where k_types[t] == t, so a single-value block type needs no
 * storage of its own and frames can be moved by realloc freely.
 *
 * Instructions with a fixed signature in opcodes.def are typed from it;
 * the rest (control, parametric, variable, reference, table, and the
 * immediates that need context such as alignment and lanes) by hand.
 * Stacks grow with realloc and are capped, since each instruction can push
 * at most a bounded number of values but the count of instructions is the
 * attacker's.
 */
#include "validate_func.h"

#include <stdlib.h>
#include <string.h>

#include "instr.h"

#define T_UNKNOWN 0
#define MAX_STACK (1u << 20)

typedef struct ValCtrl {
    Opcode op;                 /* BLOCK, LOOP, IF, ELSE; BLOCK for the function */
    const uint8_t *params, *results;
    uint32_t nparams, nresults;
    uint32_t height;
    bool unreachable;
} ValCtrl;

static const uint8_t k_types[256] = {
    [VT_I32] = VT_I32, [VT_I64] = VT_I64, [VT_F32] = VT_F32, [VT_F64] = VT_F64,
    [VT_V128] = VT_V128, [VT_FUNCREF] = VT_FUNCREF, [VT_EXTERNREF] = VT_EXTERNREF,
};

typedef struct V {
    const Module *m;
    ValidateScratch *s;
    WasmError *err;
    size_t at;                 /* offset of the instruction being checked */
} V;

static bool invalid(V *v, const char *fmt, uint32_t a) {
    return wasm_error(v->err, WASM_ERR_INVALID, v->at, fmt, a);
}

static bool mismatch(V *v) { return invalid(v, "type mismatch", 0); }

static bool too_big(V *v) {
    return wasm_error(v->err, WASM_ERR_LIMIT, v->at, "function too complex: operand or control stack too deep");
}

/* Room for `extra` more values. */
static bool reserve(V *v, uint32_t extra) {
    ValidateScratch *s = v->s;
    if ((uint64_t)s->nvals + extra <= s->cap_vals) return true;
    if ((uint64_t)s->nvals + extra > MAX_STACK) return too_big(v);
    uint32_t cap = s->cap_vals ? s->cap_vals : 256;
    while (cap < s->nvals + extra) cap *= 2;
    uint8_t *p = realloc(s->vals, cap);
    if (!p) return too_big(v);
    s->vals = p;
    s->cap_vals = cap;
    return true;
}

static bool push(V *v, uint8_t t) {
    if (!reserve(v, 1)) return false;
    v->s->vals[v->s->nvals++] = t;
    return true;
}

static bool push_n(V *v, const uint8_t *ts, uint32_t n) {
    if (n == 0) return true;
    if (!reserve(v, n)) return false;
    memcpy(v->s->vals + v->s->nvals, ts, n);
    v->s->nvals += n;
    return true;
}

static ValCtrl *top(V *v) { return &v->s->ctrls[v->s->nctrls - 1]; }

/* Pop one value, expecting `want` (T_UNKNOWN = any); the popped type is
 * returned through *got. */
static bool pop_get(V *v, uint8_t want, uint8_t *got) {
    ValidateScratch *s = v->s;
    ValCtrl *c = top(v);
    uint8_t t = 0;
    if (s->nvals == c->height) {
        if (!c->unreachable) return mismatch(v);
        t = T_UNKNOWN;
    } else {
        t = s->vals[--s->nvals];
    }
    if (t != want && t != T_UNKNOWN && want != T_UNKNOWN) return mismatch(v);
    if (got) *got = t;
    return true;
}

static bool pop(V *v, uint8_t want) { return pop_get(v, want, NULL); }

static bool pop_n(V *v, const uint8_t *ts, uint32_t n) {
    /* Fast path: the values are there with exactly these types (label and
     * block types are concrete, so T_UNKNOWN never matches here).  It keeps
     * wide block types and calls to memcmp speed. */
    ValidateScratch *s = v->s;
    if (n && n <= s->nvals - top(v)->height && memcmp(s->vals + s->nvals - n, ts, n) == 0) {
        s->nvals -= n;
        return true;
    }
    /* Slow path: compare what is there (T_UNKNOWN matches anything); any
     * shortfall is fine only in unreachable code, where the rest comes from
     * the polymorphic stack.  Cost is bounded by the values actually
     * present, so branches in unreachable code stay O(1). */
    const ValCtrl *c = top(v);
    uint32_t avail = s->nvals - c->height;
    uint32_t k = n < avail ? n : avail;
    for (uint32_t i = 0; i < k; i++) {
        uint8_t have = s->vals[s->nvals - 1 - i], want = ts[n - 1 - i];
        if (have != want && have != T_UNKNOWN) return mismatch(v);
    }
    if (k < n && !c->unreachable) return mismatch(v);
    s->nvals -= k;
    return true;
}

static bool push_ctrl(V *v, Opcode op, const uint8_t *params, uint32_t np, const uint8_t *results,
                      uint32_t nr) {
    ValidateScratch *s = v->s;
    if (s->nctrls == s->cap_ctrls) {
        if (s->cap_ctrls >= MAX_STACK) return too_big(v);
        uint32_t cap = s->cap_ctrls ? s->cap_ctrls * 2 : 64;
        ValCtrl *p = realloc(s->ctrls, cap * sizeof *p);
        if (!p) return too_big(v);
        s->ctrls = p;
        s->cap_ctrls = cap;
    }
    s->ctrls[s->nctrls++] = (ValCtrl){op, params, results, np, nr, s->nvals, false};
    return push_n(v, params, np);
}

static bool pop_ctrl(V *v, ValCtrl *out) {
    ValidateScratch *s = v->s;
    if (s->nctrls == 0) return mismatch(v);
    ValCtrl c = *top(v);
    if (!pop_n(v, c.results, c.nresults)) return false;
    if (s->nvals != c.height) return mismatch(v);
    s->nctrls--;
    *out = c;
    return true;
}

static void set_unreachable(V *v) {
    ValCtrl *c = top(v);
    v->s->nvals = c->height;
    c->unreachable = true;
}

static void label_types(const ValCtrl *c, const uint8_t **ts, uint32_t *n) {
    if (c->op == OP_LOOP) {
        *ts = c->params;
        *n = c->nparams;
    } else {
        *ts = c->results;
        *n = c->nresults;
    }
}

static bool label(V *v, uint32_t depth, const ValCtrl **c) {
    if (depth >= v->s->nctrls) return invalid(v, "unknown label %u", depth);
    *c = &v->s->ctrls[v->s->nctrls - 1 - depth];
    return true;
}

static bool block_type(V *v, const BlockType *bt, const uint8_t **p, uint32_t *np,
                       const uint8_t **r, uint32_t *nr) {
    *np = *nr = 0;
    *p = *r = NULL;
    if (bt->kind == BT_VALUE) {
        *r = &k_types[bt->valtype];
        *nr = 1;
    } else if (bt->kind == BT_INDEX) {
        if (bt->index >= v->m->num_types) return invalid(v, "unknown type %u", bt->index);
        const FuncType *ft = &v->m->types[bt->index];
        *p = ft->params;
        *np = ft->num_params;
        *r = ft->results;
        *nr = ft->num_results;
    }
    return true;
}

static uint8_t sig_type(char c) {
    switch (c) {
    case 'i': return VT_I32;
    case 'I': return VT_I64;
    case 'f': return VT_F32;
    case 'F': return VT_F64;
    case 'v': return VT_V128;
    default: return T_UNKNOWN;
    }
}

/* Pops the parameters and pushes the results of a fixed signature. */
static bool apply_sig(V *v, const char *sig) {
    const char *colon = strchr(sig, ':');
    if (!colon) return wasm_error(v->err, WASM_ERR_INTERNAL, v->at, "opcode table: bad signature %s", sig);
    for (const char *p = colon; p-- > sig;)
        if (!pop(v, sig_type(*p))) return false;
    for (const char *p = colon + 1; *p; p++)
        if (!push(v, sig_type(*p))) return false;
    return true;
}

/* log2 of the access width: the largest alignment the memarg may claim. */
static uint32_t natural_align(Opcode op) {
    switch (op) {
    case OP_I32_LOAD8_S: case OP_I32_LOAD8_U: case OP_I64_LOAD8_S: case OP_I64_LOAD8_U:
    case OP_I32_STORE8: case OP_I64_STORE8: case OP_V128_LOAD8_SPLAT: case OP_V128_LOAD8_LANE:
    case OP_V128_STORE8_LANE:
        return 0;
    case OP_I32_LOAD16_S: case OP_I32_LOAD16_U: case OP_I64_LOAD16_S: case OP_I64_LOAD16_U:
    case OP_I32_STORE16: case OP_I64_STORE16: case OP_V128_LOAD16_SPLAT: case OP_V128_LOAD16_LANE:
    case OP_V128_STORE16_LANE:
        return 1;
    case OP_I32_LOAD: case OP_F32_LOAD: case OP_I64_LOAD32_S: case OP_I64_LOAD32_U: case OP_I32_STORE:
    case OP_F32_STORE: case OP_I64_STORE32: case OP_V128_LOAD32_SPLAT: case OP_V128_LOAD32_ZERO:
    case OP_V128_LOAD32_LANE: case OP_V128_STORE32_LANE:
        return 2;
    case OP_V128_LOAD: case OP_V128_STORE:
        return 4;
    default: /* i64/f64 accesses, the 64-bit SIMD loads */
        return 3;
    }
}

/* Lanes addressed by a lane immediate. */
static uint32_t lane_count(Opcode op) {
    switch (op) {
    case OP_I8X16_EXTRACT_LANE_S: case OP_I8X16_EXTRACT_LANE_U: case OP_I8X16_REPLACE_LANE:
    case OP_V128_LOAD8_LANE: case OP_V128_STORE8_LANE:
        return 16;
    case OP_I16X8_EXTRACT_LANE_S: case OP_I16X8_EXTRACT_LANE_U: case OP_I16X8_REPLACE_LANE:
    case OP_V128_LOAD16_LANE: case OP_V128_STORE16_LANE:
        return 8;
    case OP_I32X4_EXTRACT_LANE: case OP_I32X4_REPLACE_LANE: case OP_F32X4_EXTRACT_LANE:
    case OP_F32X4_REPLACE_LANE: case OP_V128_LOAD32_LANE: case OP_V128_STORE32_LANE:
        return 4;
    default:
        return 2;
    }
}

static bool need_memory(V *v, uint32_t idx) {
    if (idx >= v->m->num_memories) return invalid(v, "unknown memory %u", idx);
    return true;
}

static bool need_table(V *v, uint32_t idx, const Table **t) {
    if (idx >= v->m->num_tables) return invalid(v, "unknown table %u", idx);
    *t = &v->m->tables[idx];
    return true;
}

static bool need_elem(V *v, uint32_t idx) {
    if (idx >= v->m->num_elems) return invalid(v, "unknown elem segment %u", idx);
    return true;
}

static bool need_data(V *v, uint32_t idx) {
    /* The decoder insists on a data count section when these appear. */
    if (!v->m->has_data_count || idx >= v->m->data_count) return invalid(v, "unknown data segment %u", idx);
    return true;
}

static bool need_func(V *v, uint32_t idx) {
    if (idx >= v->m->num_funcs) return invalid(v, "unknown function %u", idx);
    return true;
}

static bool check_call(V *v, const FuncType *ft) {
    return pop_n(v, ft->params, ft->num_params) && push_n(v, ft->results, ft->num_results);
}

/* return_call*: the callee's results become this function's, so they must
 * be the same types; its params are consumed and the rest is unreachable. */
static bool check_return_call(V *v, const FuncType *ft) {
    const ValCtrl *fc = &v->s->ctrls[0];
    if (ft->num_results != fc->nresults || (ft->num_results && memcmp(ft->results, fc->results, ft->num_results)))
        return mismatch(v);
    if (!pop_n(v, ft->params, ft->num_params)) return false;
    set_unreachable(v);
    return true;
}

static bool instr(V *v, const Instr *in, const uint8_t *locals, uint32_t nlocals, bool *done) {
    const Module *m = v->m;
    ValidateScratch *s = v->s;
    const OpInfo *info = &op_info[in->op];
    const uint8_t *p, *r;
    uint32_t np, nr;
    const ValCtrl *lc = NULL;
    const Table *tab = NULL, *tab2 = NULL;
    uint8_t t1 = 0, t2 = 0;

    switch (info->imm) {
    case IMM_MEMARG:
    case IMM_MEMARG_LANE:
        if (!need_memory(v, 0)) return false;
        if (in->align > natural_align(in->op))
            return invalid(v, "alignment must not be larger than natural", 0);
        break;
    case IMM_MEM: case IMM_MEM_MEM: case IMM_DATA_MEM:
        if (!need_memory(v, 0)) return false;
        break;
    default:
        break;
    }
    if (info->imm == IMM_LANE || info->imm == IMM_MEMARG_LANE) {
        if (in->lane >= lane_count(in->op)) return invalid(v, "invalid lane index", 0);
    }
    if (info->imm == IMM_SHUFFLE) {
        for (int i = 0; i < 16; i++)
            if (in->imm.v128[i] >= 32) return invalid(v, "invalid lane index", 0);
    }

    switch (in->op) {
    case OP_UNREACHABLE:
        set_unreachable(v);
        return true;
    case OP_NOP:
        return true;
    case OP_BLOCK: case OP_LOOP:
        if (!block_type(v, &in->block_type, &p, &np, &r, &nr)) return false;
        return pop_n(v, p, np) && push_ctrl(v, in->op, p, np, r, nr);
    case OP_IF:
        if (!block_type(v, &in->block_type, &p, &np, &r, &nr)) return false;
        return pop(v, VT_I32) && pop_n(v, p, np) && push_ctrl(v, OP_IF, p, np, r, nr);
    case OP_ELSE: {
        ValCtrl c;
        if (s->nctrls == 0 || top(v)->op != OP_IF) return invalid(v, "else without matching if", 0);
        if (!pop_ctrl(v, &c)) return false;
        return push_ctrl(v, OP_ELSE, c.params, c.nparams, c.results, c.nresults);
    }
    case OP_END: {
        ValCtrl c;
        if (!pop_ctrl(v, &c)) return false;
        /* An if without else has an implicit else passing params through. */
        if (c.op == OP_IF) {
            if (c.nparams != c.nresults || (c.nparams && memcmp(c.params, c.results, c.nparams)))
                return mismatch(v);
        }
        if (s->nctrls == 0) {
            *done = true;
            return true;
        }
        return push_n(v, c.results, c.nresults);
    }
    case OP_BR:
        if (!label(v, in->index, &lc)) return false;
        label_types(lc, &p, &np);
        if (!pop_n(v, p, np)) return false;
        set_unreachable(v);
        return true;
    case OP_BR_IF:
        if (!label(v, in->index, &lc)) return false;
        label_types(lc, &p, &np);
        return pop(v, VT_I32) && pop_n(v, p, np) && push_n(v, p, np);
    case OP_BR_TABLE: {
        size_t n = (size_t)in->br_table_count + 1;
        if (n > s->cap_targets) {
            uint32_t *t = realloc(s->targets, n * sizeof *t);
            if (!t) return too_big(v);
            s->targets = t;
            s->cap_targets = n;
        }
        instr_br_table_targets(m->bytes, in, s->targets);
        if (!pop(v, VT_I32)) return false;
        if (!label(v, s->targets[n - 1], &lc)) return false;
        uint32_t arity;
        label_types(lc, &p, &arity);
        for (size_t i = 0; i + 1 < n; i++) {
            const uint8_t *q;
            uint32_t nq;
            if (!label(v, s->targets[i], &lc)) return false;
            label_types(lc, &q, &nq);
            if (nq != arity) return mismatch(v);
            /* Each target is checked against the current stack without
             * consuming it; save and restore the part popped. */
            uint32_t saved = s->nvals;
            bool ok = pop_n(v, q, nq);
            if (!ok) return false;
            s->nvals = saved;
        }
        if (!pop_n(v, p, arity)) return false;
        set_unreachable(v);
        return true;
    }
    case OP_RETURN:
        lc = &s->ctrls[0];
        if (!pop_n(v, lc->results, lc->nresults)) return false;
        set_unreachable(v);
        return true;
    case OP_CALL:
        if (!need_func(v, in->index)) return false;
        return check_call(v, module_func_type(m, in->index));
    case OP_CALL_INDIRECT:
        if (!need_table(v, in->index2, &tab)) return false;
        if (tab->elem_type != VT_FUNCREF) return mismatch(v);
        if (in->index >= m->num_types) return invalid(v, "unknown type %u", in->index);
        return pop(v, VT_I32) && check_call(v, &m->types[in->index]);
    case OP_RETURN_CALL:
        if (!need_func(v, in->index)) return false;
        return check_return_call(v, module_func_type(m, in->index));
    case OP_RETURN_CALL_INDIRECT:
        if (!need_table(v, in->index2, &tab)) return false;
        if (tab->elem_type != VT_FUNCREF) return mismatch(v);
        if (in->index >= m->num_types) return invalid(v, "unknown type %u", in->index);
        return pop(v, VT_I32) && check_return_call(v, &m->types[in->index]);
    case OP_DROP:
        return pop(v, T_UNKNOWN);
    case OP_SELECT:
        if (!pop(v, VT_I32) || !pop_get(v, T_UNKNOWN, &t1) || !pop_get(v, T_UNKNOWN, &t2)) return false;
        if (valtype_is_ref(t1) || valtype_is_ref(t2)) return mismatch(v);
        if (t1 != t2 && t1 != T_UNKNOWN && t2 != T_UNKNOWN) return mismatch(v);
        return push(v, t1 == T_UNKNOWN ? t2 : t1);
    case OP_SELECT_T:
        if (in->select_count != 1) return invalid(v, "invalid result arity", 0);
        t1 = in->select_types[0];
        return pop(v, VT_I32) && pop(v, t1) && pop(v, t1) && push(v, t1);
    case OP_LOCAL_GET: case OP_LOCAL_SET: case OP_LOCAL_TEE:
        if (in->index >= nlocals) return invalid(v, "unknown local %u", in->index);
        t1 = locals[in->index];
        if (in->op == OP_LOCAL_GET) return push(v, t1);
        if (in->op == OP_LOCAL_SET) return pop(v, t1);
        return pop(v, t1) && push(v, t1);
    case OP_GLOBAL_GET: case OP_GLOBAL_SET:
        if (in->index >= m->num_globals) return invalid(v, "unknown global %u", in->index);
        t1 = m->globals[in->index].type;
        if (in->op == OP_GLOBAL_GET) return push(v, t1);
        if (!m->globals[in->index].mutable_) return invalid(v, "global is immutable", 0);
        return pop(v, t1);
    case OP_TABLE_GET:
        if (!need_table(v, in->index, &tab)) return false;
        return pop(v, VT_I32) && push(v, tab->elem_type);
    case OP_TABLE_SET:
        if (!need_table(v, in->index, &tab)) return false;
        return pop(v, tab->elem_type) && pop(v, VT_I32);
    case OP_TABLE_SIZE:
        if (!need_table(v, in->index, &tab)) return false;
        return push(v, VT_I32);
    case OP_TABLE_GROW:
        if (!need_table(v, in->index, &tab)) return false;
        return pop(v, VT_I32) && pop(v, tab->elem_type) && push(v, VT_I32);
    case OP_TABLE_FILL:
        if (!need_table(v, in->index, &tab)) return false;
        return pop(v, VT_I32) && pop(v, tab->elem_type) && pop(v, VT_I32);
    case OP_TABLE_COPY:
        if (!need_table(v, in->index, &tab) || !need_table(v, in->index2, &tab2)) return false;
        if (tab->elem_type != tab2->elem_type) return mismatch(v);
        break;
    case OP_TABLE_INIT:
        if (!need_table(v, in->index2, &tab) || !need_elem(v, in->index)) return false;
        if (tab->elem_type != m->elems[in->index].elem_type) return mismatch(v);
        break;
    case OP_ELEM_DROP:
        if (!need_elem(v, in->index)) return false;
        break;
    case OP_MEMORY_INIT: case OP_DATA_DROP:
        if (!need_data(v, in->index)) return false;
        break;
    case OP_REF_NULL:
        return push(v, in->reftype);
    case OP_REF_IS_NULL:
        if (!pop_get(v, T_UNKNOWN, &t1)) return false;
        if (t1 != T_UNKNOWN && !valtype_is_ref(t1)) return mismatch(v);
        return push(v, VT_I32);
    case OP_REF_FUNC:
        if (!need_func(v, in->index)) return false;
        if (!m->func_declared[in->index]) return invalid(v, "undeclared function reference %u", in->index);
        return push(v, VT_FUNCREF);
    default:
        break;
    }
    if (info->sig[0] == '-')
        return wasm_error(v->err, WASM_ERR_INTERNAL, v->at, "validator does not handle %s", info->text);
    return apply_sig(v, info->sig);
}

bool validate_func(const Module *m, uint32_t func_index, ValidateScratch *s, WasmError *err) {
    const Func *f = &m->funcs[func_index];
    const FuncType *ft = module_func_type(m, func_index);
    V v = {.m = m, .s = s, .err = err, .at = f->code_offset};
    uint64_t nlocals = (uint64_t)ft->num_params + f->num_locals;
    if (nlocals > UINT32_MAX) return wasm_error(err, WASM_ERR_LIMIT, f->body_offset, "too many locals");
    if (nlocals > s->cap_locals) {
        uint8_t *p = realloc(s->locals, nlocals);
        if (!p) return too_big(&v);
        s->locals = p;
        s->cap_locals = nlocals;
    }
    if (ft->num_params) memcpy(s->locals, ft->params, ft->num_params);
    if (f->num_locals) memcpy(s->locals + ft->num_params, f->local_types, f->num_locals);
    s->nvals = 0;
    s->nctrls = 0;
    if (!push_ctrl(&v, OP_BLOCK, NULL, 0, ft->results, ft->num_results)) return false;

    InstrReader r;
    instr_reader_init(&r, m->bytes, f->code_offset, f->body_end);
    Instr in;
    bool done = false;
    while (!done) {
        if (instr_reader_done(&r))
            return wasm_error(err, WASM_ERR_MALFORMED, r.pos, "END opcode expected");
        if (!instr_next(&r, &in, err)) return false;
        v.at = in.offset;
        if (!instr(&v, &in, s->locals, (uint32_t)nlocals, &done)) return false;
    }
    if (!instr_reader_done(&r))
        return wasm_error(err, WASM_ERR_MALFORMED, r.pos, "section size mismatch");
    return true;
}

void validate_scratch_free(ValidateScratch *s) {
    free(s->vals);
    free(s->ctrls);
    free(s->locals);
    free(s->targets);
    memset(s, 0, sizeof *s);
}
