/* Component instances: running the plan's steps, and every call across a
 * component boundary (CanonicalABI.md canon_lift / canon_lower,
 * resource.new / resource.drop / resource.rep).
 *
 * A LOWER step becomes a core host function (through the importing
 * module's host trampoline, like wasmrt_linker_define_host_func) whose
 * env is its ct_lowered: it lifts the arguments from the caller's memory,
 * then calls either the host's wasmrt_chost_fn or, component to
 * component, the lifted callee (lowering into the callee's memory, calling
 * it, lifting its results, running post-return), then lowers the result
 * into the caller.  Values cross as wasmrt_cval trees in between (an
 * interpreted adapter, not fused code); resources cross as reps.
 *
 * Traps: canonical-ABI code returns them as values (ct_cx); each boundary
 * frees what it holds and then raises the trap into its guest caller
 * (wasmrt_host_trap, inside a thunk) or returns it (wasmrt_cinstance_call).
 * Guest code is only ever entered through rt_enter, so a trap inside a
 * callee or a realloc unwinds to the innermost runtime frame, never across
 * one of these functions.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cinternal_link.h"
#include "internal_component.h"

#define NONE UINT32_MAX
#define MAX_CORE_SLOTS (CT_MAX_FLAT_PARAMS + 4)

/* One side's canonical options, resolved against core instances. */
typedef struct ct_side {
    uint32_t inst;                  /* plan cinstance */
    uint8_t encoding;
    wasmc_memory *mem;
    bool has_realloc;
    wasmrt_func realloc;
} ct_side;

typedef struct ct_lowered {
    wasmrt_cinstance *ci;
    const ct_step *step;
    rt_link_entry entry;            /* what the importing module links to */
    uint8_t sig[MAX_CORE_SLOTS];
    uint32_t np, nr;
    const struct wasmrt_cfunc *type;
    ct_side side;                   /* the caller's options */
    const ct_def *def;              /* a host callee (NULL: unknown import) */
    const char *import_name;
    uint32_t callee;                /* a lifted callee */
    /* This core function as a wasmrt_func, for a component that lifts it
     * (or uses it as realloc, post-return or destructor) directly. */
    wasmc_functype direct_type;
    wasmc_funcref direct_ref;
} ct_lowered;

typedef struct ct_lifted {
    struct wasmrt_cfunc type;       /* a copy: its address names the export */
    ct_side side;
    wasmrt_func func;
    bool has_post;
    wasmrt_func post;
    uint8_t sig[MAX_CORE_SLOTS];
    uint32_t np, nr;
} ct_lifted;

struct wasmrt_cinstance {
    wasmrt_cinstance *next, *prev;  /* in the store */
    wasmrt_store *store;
    wasmrt_component *comp;
    const ct_def **defs;            /* per import */
    wasmrt_instance **core;
    uint32_t num_core;
    ct_lowered *lowered;
    ct_lifted *lifted;
    ct_inst *insts;
    wasmrt_func *dtors;             /* per resource (ref NULL: none) */
    ct_table host_handles;
    size_t parts_size;              /* the block defs points at */
    void *user_data;
    /* The lifted calls running now (a stack): a borrow's drop finds its
     * call's count here by id. */
    struct ct_task { uint64_t id; uint32_t *borrows; } *tasks;
    uint32_t num_tasks, cap_tasks;
    uint64_t next_task;
    bool zombie;                    /* freed, its component kept for the store */
};

/* A ct_cx for one side of a call, and how to reach its realloc. */
typedef struct ccx {
    ct_cx cx;                       /* first: the realloc callback casts */
    wasmrt_cinstance *ci;
    const ct_side *side;
    bool guest_ran;                 /* its realloc or core function was called */
} ccx;

static bool propagate(ct_cx *cx, const wasmrt_trap *t) {
    cx->trap_code = t->code;
    cx->exit_code = t->exit_code;
    const char *m = t->host_message[0] ? t->host_message : wasmrt_trap_message(t->code);
    if (t->func_name && !t->host_message[0])
        snprintf(cx->trap_msg, sizeof cx->trap_msg, "%s (in %s)", m, t->func_name);
    else
        snprintf(cx->trap_msg, sizeof cx->trap_msg, "%s", m);
    return false;
}

static void bits_to_slots(const uint8_t *types, uint32_t n, const uint64_t *bits, wasmc_slot *slots) {
    for (uint32_t i = 0; i < n; i++) {
        memset(&slots[i], 0, sizeof slots[i]);
        if (types[i] == CT_I32 || types[i] == CT_F32) {
            uint32_t b = (uint32_t)bits[i];
            memcpy(&slots[i], &b, 4);
        } else {
            memcpy(&slots[i], &bits[i], 8);
        }
    }
}

static void slots_to_bits(const uint8_t *types, uint32_t n, const wasmc_slot *slots, uint64_t *bits) {
    for (uint32_t i = 0; i < n; i++) {
        bits[i] = 0;
        memcpy(&bits[i], &slots[i], types[i] == CT_I32 || types[i] == CT_F32 ? 4 : 8);
    }
}

/* Calls a core function: args per its parameter types, results out. */
static bool call_core(ct_cx *cx, wasmrt_store *s, const wasmrt_func *f, const uint64_t *args, uint64_t *res) {
    const wasmc_functype *t = f->type;
    /* As wasmrt_call: code built with --trap-state=auto may have lost its
     * last stores before a trap (trap_order.c), so it is not run again. */
    wasmrt_instance *owner = f->instance;
    if (owner && owner->trapped && owner->module->desc->inexact_trap_state)
        return ct_trap(cx, "a core instance of this component trapped earlier and, built with "
                           "--trap-state=auto, cannot be called again");
    wasmc_slot slots[MAX_CORE_SLOTS];
    bits_to_slots(t->types, t->num_params, args, slots);
    wasmrt_trap trap;
    memset(&trap, 0, sizeof trap);
    if (!rt_enter(s, t->entry, f->ref->code, f->ref->vmctx, slots, &trap)) {
        if (owner && trap.code != WASMC_TRAP_EXIT) owner->trapped = true;
        return propagate(cx, &trap);
    }
    if (res) slots_to_bits(t->types + t->num_params, t->num_results, slots, res);
    return true;
}

static bool guest_realloc(ct_cx *cx, uint32_t old_ptr, uint32_t old_size, uint32_t align, uint32_t new_size,
                          uint32_t *out) {
    ccx *c = (ccx *)cx;
    ct_inst *inst = &c->ci->insts[c->side->inst];
    uint64_t args[4] = {old_ptr, old_size, align, new_size}, r = 0;
    c->guest_ran = true;
    bool saved = inst->may_leave;
    inst->may_leave = false;   /* realloc may not call out of its component */
    bool ok = call_core(cx, c->ci->store, &c->side->realloc, args, &r);
    inst->may_leave = saved;
    *out = (uint32_t)r;
    return ok;
}

static void ccx_init(ccx *c, wasmrt_cinstance *ci, const ct_side *side) {
    memset(c, 0, sizeof *c);
    c->ci = ci;
    c->side = side;
    c->cx.mem = side->mem;
    c->cx.encoding = side->encoding;
    c->cx.realloc = side->has_realloc ? guest_realloc : NULL;
    c->cx.plan = &ci->comp->plan;
    c->cx.inst = &ci->insts[side->inst];
    c->cx.inst_index = side->inst;
}

static void copy_trap(ct_cx *to, const ct_cx *from) {
    if (to->trap_code != WASMC_TRAP_NONE) return;
    to->trap_code = from->trap_code;
    to->exit_code = from->exit_code;
    memcpy(to->trap_msg, from->trap_msg, sizeof to->trap_msg);
}

/* Whether x is y or one of y's ancestors. */
static bool self_or_ancestor(const wasmrt_cinstance *ci, uint32_t y, uint32_t x) {
    for (; y != NONE; y = ci->insts[y].parent)
        if (y == x) return true;
    return false;
}

/* ComponentInstance.entering_set: the callee and its ancestors, less the
 * caller's (a parent calling its child enters only the child).  op 0:
 * whether all may be entered; 1: enter them; 2: leave them; 3: leave
 * them after a trap, which poisons them. */
enum { ENTER_CHECK, ENTER, LEAVE, LEAVE_TRAPPED };
static bool entering_set(wasmrt_cinstance *ci, uint32_t callee, uint32_t caller, int op) {
    for (uint32_t x = callee; x != NONE; x = ci->insts[x].parent) {
        if (self_or_ancestor(ci, caller, x)) continue;
        if (op == ENTER_CHECK && (!ci->insts[x].may_enter || ci->insts[x].poisoned)) return false;
        if (op != ENTER_CHECK) ci->insts[x].may_enter = op != ENTER;
        if (op == LEAVE_TRAPPED) ci->insts[x].poisoned = true;
    }
    return true;
}

/* Why entering_set(ENTER_CHECK) said no, as a trap on cx. */
static bool cannot_enter(ct_cx *cx, wasmrt_cinstance *ci, uint32_t callee, uint32_t caller) {
    for (uint32_t x = callee; x != NONE; x = ci->insts[x].parent)
        if (!self_or_ancestor(ci, caller, x) && ci->insts[x].poisoned)
            return ct_trap(cx, "cannot enter component instance: it trapped earlier");
    return ct_trap(cx, "cannot enter component instance");
}

/* canon_lift, synchronous: args are host-side values (reps for
 * resources, or host handles when host_table is given).  strq: the
 * sources of the args' strings (from a component; NULL from the host),
 * refilled with the result's. */
static bool call_lifted(wasmrt_cinstance *ci, uint32_t k, uint32_t caller, const wasmrt_cval *args,
                        wasmrt_cval *result, ct_table *host_table, ct_strq *strq, ct_cx *status) {
    ct_lifted *lf = &ci->lifted[k];
    const struct wasmrt_cfunc *ft = &lf->type;
    if (!entering_set(ci, lf->side.inst, caller, ENTER_CHECK)) return cannot_enter(status, ci, lf->side.inst, caller);
    uint32_t borrows = 0;
    if (ci->num_tasks == ci->cap_tasks) {
        uint32_t cap = ci->cap_tasks ? ci->cap_tasks * 2 : 8;
        struct ct_task *t = realloc(ci->tasks, cap * sizeof *t);
        if (!t) return ct_trap(status, "out of memory");
        ci->tasks = t;
        ci->cap_tasks = cap;
    }
    uint64_t task = ++ci->next_task;
    ci->tasks[ci->num_tasks++] = (struct ct_task){task, &borrows};
    entering_set(ci, lf->side.inst, caller, ENTER);
    ccx c;
    ccx_init(&c, ci, &lf->side);
    c.cx.borrow_scope = &borrows;
    c.cx.scope_id = task;
    c.cx.host_table = host_table;
    c.cx.adapter = caller != NONE;
    c.cx.strq = strq;
    uint64_t flat[CT_FLAT_CAP], res[1] = {0};
    uint32_t nflat = 0;
    bool lifted = false;
    bool ok = ct_lower_values(&c.cx, CT_MAX_FLAT_PARAMS, args, ft->params, ft->num_params, flat, &nflat, NULL) &&
              (c.guest_ran = true, call_core(&c.cx, ci->store, &lf->func, flat, res));
    if (strq) strq->n = strq->next = 0;
    if (ok && ft->result) ok = lifted = ct_lift_values(&c.cx, CT_MAX_FLAT_RESULTS, res, lf->nr, &ft->result, 1, result);
    if (ok && borrows) ok = ct_trap(&c.cx, "borrow handles still remain at the end of the call");
    if (ok && lf->has_post) {
        ct_inst *inst = &ci->insts[lf->side.inst];
        inst->may_leave = false;
        ok = call_core(&c.cx, ci->store, &lf->post, res, NULL);
        inst->may_leave = true;
    }
    /* A trap once the callee's code ran poisons it; one in lowering the
     * caller's arguments (a host's bad handle) is the caller's. */
    entering_set(ci, lf->side.inst, caller, ok || !c.guest_ran ? LEAVE : LEAVE_TRAPPED);
    ci->num_tasks--;
    if (!ok) {
        if (lifted) wasmrt_cval_free(result);
        copy_trap(status, &c.cx);
    }
    ct_release_lenders(&c.cx);
    return ok;
}

static _Noreturn void raise_trap(const ct_cx *cx) {
    if (cx->trap_code == WASMC_TRAP_EXIT) wasmrt_host_exit(cx->exit_code);
    wasmrt_host_trap(cx->trap_code, cx->trap_msg);
}

static void free_vals(wasmrt_cval *v, uint32_t n, bool heap) {
    for (uint32_t i = 0; i < n; i++) wasmrt_cval_free(&v[i]);
    if (heap) free(v);
}

/* canon_lower: the core function a LOWER step makes. */
static void lower_thunk(void *env, void *caller, wasmc_slot *slots) {
    (void)caller;
    ct_lowered *lw = env;
    wasmrt_cinstance *ci = lw->ci;
    const struct wasmrt_cfunc *ft = lw->type;
    ccx c;
    ccx_init(&c, ci, &lw->side);
    if (!c.cx.inst->may_leave) {
        ct_trap(&c.cx, "cannot leave component instance");
        raise_trap(&c.cx);
    }
    bool host = lw->step->callee_kind == 0;
    ct_strq strq = {0};
    if (host) c.cx.host_table = &ci->host_handles;
    else c.cx.adapter = true, c.cx.strq = &strq;
    uint64_t flat[MAX_CORE_SLOTS];
    slots_to_bits(lw->sig, lw->np, slots, flat);
    uint8_t rt[CT_FLAT_CAP];
    bool spilled = ft->result && ct_flatten(&ft->result, 1, rt) > CT_MAX_FLAT_RESULTS;
    uint32_t retptr = spilled ? (uint32_t)flat[lw->np - 1] : 0;
    uint32_t n = ft->num_params;
    /* the arguments of the usual host call on the stack: no allocation per call */
    wasmrt_cval args1[8], result;
    wasmrt_cval *args = n <= 8 ? args1 : calloc(n, sizeof *args);
    if (n <= 8) memset(args1, 0, n * sizeof *args1);
    memset(&result, 0, sizeof result);
    bool ok = args ? ct_lift_values(&c.cx, CT_MAX_FLAT_PARAMS, flat, lw->np - spilled, ft->params, n, args)
                   : ct_trap(&c.cx, "out of memory");
    bool have_result = false;
    if (ok && host) {
        wasmrt_error e;
        e.message[0] = 0;
        if (!lw->def) {
            ok = false;
            c.cx.trap_code = WASMC_TRAP_HOST;
            snprintf(c.cx.trap_msg, sizeof c.cx.trap_msg, "unknown import: %.200s has not been defined", lw->import_name);
        } else if (!lw->def->fn(lw->def->env, ci, ft, args, n, &result, &e)) {
            ok = false;
            c.cx.trap_code = WASMC_TRAP_HOST;
            snprintf(c.cx.trap_msg, sizeof c.cx.trap_msg, "%.100s: %.150s", lw->import_name,
                     e.message[0] ? e.message : "host function failed");
        } else if (ft->result) {
            have_result = true;
            if (!ct_value_check(ft->result, &result, &e)) {
                ok = false;
                c.cx.trap_code = WASMC_TRAP_HOST;
                snprintf(c.cx.trap_msg, sizeof c.cx.trap_msg, "%.100s returned a bad %.130s", lw->import_name, e.message);
            }
        }
    } else if (ok) {
        ok = call_lifted(ci, lw->callee, lw->side.inst, args, &result, NULL, &strq, &c.cx);
        have_result = ok && ft->result;
    }
    ct_release_lenders(&c.cx);
    if (args) free_vals(args, n, args != args1);
    uint64_t out[1];
    uint32_t nout = 0;
    if (ok && ft->result)
        ok = ct_lower_values(&c.cx, CT_MAX_FLAT_RESULTS, &result, &ft->result, 1, out, &nout, spilled ? &retptr : NULL);
    if (have_result) wasmrt_cval_free(&result);
    ct_strq_free(&strq);
    if (!ok) {
        ct_release_lenders(&c.cx);
        raise_trap(&c.cx);
    }
    bits_to_slots(lw->sig + lw->np, lw->nr, out, slots);
}

/* ---- resource.new / resource.rep / resource.drop ---- */

static ct_handle *resource_handle(ct_cx *cx, uint32_t i, uint32_t resource) {
    ct_handle *h = ct_table_get(&cx->inst->handles, i);
    if (!h) {
        ct_trap(cx, "unknown handle index %u", i);
        return NULL;
    }
    if (h->resource != resource) {
        ct_wrong_type(cx, i, false, resource, h->resource);
        return NULL;
    }
    return h;
}

static void resource_thunk(void *env, void *caller, wasmc_slot *slots) {
    (void)caller;
    ct_lowered *lw = env;
    wasmrt_cinstance *ci = lw->ci;
    const ct_step *st = lw->step;
    ct_cx cx;
    memset(&cx, 0, sizeof cx);
    cx.plan = &ci->comp->plan;
    cx.inst = &ci->insts[st->cinstance];
    uint32_t i = slots[0].i32;
    if (st->op != WASMC_PLAN_RESOURCE_REP && !cx.inst->may_leave) {
        ct_trap(&cx, "cannot leave component instance");
        raise_trap(&cx);
    }
    if (st->op == WASMC_PLAN_RESOURCE_NEW) {
        uint32_t h = ct_table_add(&cx.inst->handles, (ct_handle){.own = true, .rep = i, .resource = st->index});
        if (!h) {
            ct_trap(&cx, "resource handle table full");
            raise_trap(&cx);
        }
        slots[0].i32 = h;
        return;
    }
    ct_handle *h = resource_handle(&cx, i, st->index);
    if (!h) raise_trap(&cx);
    if (st->op == WASMC_PLAN_RESOURCE_REP) {
        slots[0].i32 = h->rep;
        return;
    }
    if (h->num_lends) {
        ct_trap(&cx, "cannot remove owned resource while borrowed");
        raise_trap(&cx);
    }
    ct_handle copy = *h;
    ct_table_remove(&cx.inst->handles, i);
    if (!copy.own) {
        for (uint32_t k = ci->num_tasks; k-- > 0;)
            if (ci->tasks[k].id == copy.borrow_scope) {
                if (*ci->tasks[k].borrows) (*ci->tasks[k].borrows)--;
                break;
            }
        return;
    }
    const ct_resource *r = &ci->comp->plan.resources[st->index];
    if (r->host) {
        const ct_def *d = ci->defs[r->import];
        if (d && d->dtor) d->dtor(d->env, copy.rep);
        return;
    }
    if (ci->dtors[st->index].ref) {
        /* The destructor runs in the resource's own instance: entering it
         * from another follows the call rules. */
        uint64_t arg = copy.rep;
        if (!entering_set(ci, r->cinstance, st->cinstance, ENTER_CHECK)) {
            cannot_enter(&cx, ci, r->cinstance, st->cinstance);
            raise_trap(&cx);
        }
        entering_set(ci, r->cinstance, st->cinstance, ENTER);
        bool ok = call_core(&cx, ci->store, &ci->dtors[st->index], &arg, NULL);
        entering_set(ci, r->cinstance, st->cinstance, ok ? LEAVE : LEAVE_TRAPPED);
        if (!ok) raise_trap(&cx);
    }
}

/* ---- instantiation ---- */

/* rt_enter's entry for a core function that is one of the thunks above
 * rather than a module's: it runs as host code (a fault in it is the
 * host's, never the guest's trap); its traps unwind to rt_enter. */
static void direct_entry(void *code, void *vmctx, wasmc_slot *slots) {
    (void)code;
    ct_lowered *lw = vmctx;
    int saved_in_guest = rt_tls.in_guest;
    struct rt_host_call *saved_host = rt_tls.host;
    rt_tls.in_guest = 0;
    rt_tls.host = NULL;   /* not a module's import: no import to name */
    lw->entry.host_fn(lw, NULL, slots);
    rt_tls.host = saved_host;
    rt_tls.in_guest = saved_in_guest;
}

static bool func_def(wasmrt_cinstance *ci, const ct_coredef *d, wasmrt_func *out, wasmrt_error *err) {
    if (d->kind == 1) {
        /* a lowered function (or resource built-in) lifted directly: its
         * step came earlier (the plan reader checked the order) */
        ct_lowered *lw = &ci->lowered[d->a];
        if (!lw->ci) {
            rt_err(err, "lowered function %u used before it is defined", d->a);
            return false;
        }
        lw->direct_type = (wasmc_functype){.num_params = lw->np, .num_results = lw->nr, .types = lw->sig,
                                           .entry = direct_entry};
        lw->direct_ref = (wasmc_funcref){.vmctx = lw, .type_id = lw->entry.host_type_id};
        *out = (wasmrt_func){.ref = &lw->direct_ref, .type = &lw->direct_type, .instance = NULL};
        return true;
    }
    wasmrt_extern ext;
    if (!rt_instance_export_index(ci->core[d->a], d->b, &ext) || ext.kind != WASMC_EXTERN_FUNC) {
        rt_err(err, "export %u of core instance %u is not a function", d->b, d->a);
        return false;
    }
    *out = ext.of.func;
    return true;
}

static bool sig_is(const wasmrt_func *f, const uint8_t *sig, uint32_t np, uint32_t nr) {
    const wasmc_functype *t = f->type;
    return t->num_params == np && t->num_results == nr && (np + nr == 0 || !memcmp(t->types, sig, np + nr));
}

static bool resolve_side(wasmrt_cinstance *ci, const ct_opts *o, ct_side *s, wasmrt_error *err) {
    s->inst = o->cinstance;
    s->encoding = o->encoding;
    if (o->has_memory) {
        wasmrt_extern ext;
        if (!rt_instance_export_index(ci->core[o->memory.a], o->memory.b, &ext) || ext.kind != WASMC_EXTERN_MEMORY) {
            rt_err(err, "memory option: export %u of core instance %u is not a memory", o->memory.b, o->memory.a);
            return false;
        }
        s->mem = &ext.of.memory->pub;
    }
    if (o->has_realloc) {
        static const uint8_t sig[] = {CT_I32, CT_I32, CT_I32, CT_I32, CT_I32};
        if (!func_def(ci, &o->realloc, &s->realloc, err)) return false;
        if (!sig_is(&s->realloc, sig, 4, 1)) {
            rt_err(err, "realloc option: the function's type is not (i32, i32, i32, i32) -> i32");
            return false;
        }
        s->has_realloc = true;
    }
    return true;
}

static void describe_sig(char *out, size_t cap, const uint8_t *sig, uint32_t np, uint32_t nr) {
    size_t n = (size_t)snprintf(out, cap, "(");
    for (uint32_t i = 0; i < np + nr && n < cap; i++) {
        const char *t = sig[i] == CT_I32 ? "i32" : sig[i] == CT_I64 ? "i64" : sig[i] == CT_F32 ? "f32" : "f64";
        n += (size_t)snprintf(out + n, cap - n, "%s%s", i == np ? ") -> (" : i ? ", " : "", t);
    }
    if (n < cap) snprintf(out + n, cap - n, "%s)", np == np + nr ? ") -> (" : "");
}

static bool step_lower(wasmrt_cinstance *ci, const ct_step *st, ct_lowered *lw, wasmrt_error *err) {
    const ct_plan *p = &ci->comp->plan;
    lw->ci = ci;
    lw->step = st;
    if (st->op == WASMC_PLAN_LOWER) {
        lw->type = &p->funcs[st->functype];
        if (!resolve_side(ci, &st->opts, &lw->side, err)) return false;
        ct_core_sig(lw->type, true, lw->sig, &lw->np, &lw->nr);
        if (st->callee_kind == 0) {
            lw->def = ci->defs[st->callee];
            lw->import_name = p->imports[st->callee].full;
        } else {
            lw->callee = st->callee;
            lw->import_name = "a lifted function";
        }
        lw->entry.host_fn = lower_thunk;
    } else {
        lw->side.inst = st->cinstance;
        lw->np = 1;
        lw->sig[0] = CT_I32;
        lw->nr = st->op == WASMC_PLAN_RESOURCE_DROP ? 0 : 1;
        lw->sig[1] = CT_I32;
        lw->entry.host_fn = resource_thunk;
    }
    lw->entry.is_host = true;
    lw->entry.host_env = lw;
    uint32_t id = atomic_load_explicit(&st->host_type_id, memory_order_relaxed);
    if (!id) {
        /* racing instantiations intern the same signature: the same id */
        id = rt_type_intern(lw->sig, lw->np, lw->sig + lw->np, lw->nr);
        if (!id) {
            rt_err(err, "out of memory");
            return false;
        }
        atomic_store_explicit(&((ct_step *)st)->host_type_id, id, memory_order_relaxed);
    }
    lw->entry.host_type_id = id;
    return true;
}

static bool step_lift(wasmrt_cinstance *ci, const ct_step *st, ct_lifted *lf, uint32_t index, wasmrt_error *err) {
    const ct_plan *p = &ci->comp->plan;
    lf->type = p->funcs[st->functype];
    if (!resolve_side(ci, &st->opts, &lf->side, err) || !func_def(ci, &st->func, &lf->func, err)) return false;
    ct_core_sig(&lf->type, false, lf->sig, &lf->np, &lf->nr);
    if (!sig_is(&lf->func, lf->sig, lf->np, lf->nr)) {
        char want[160], got[160];
        describe_sig(want, sizeof want, lf->sig, lf->np, lf->nr);
        describe_sig(got, sizeof got, lf->func.type->types, lf->func.type->num_params, lf->func.type->num_results);
        rt_err(err, "lifted function %u: the core function's type %s is not the lifted type's %s", index, got, want);
        return false;
    }
    if (st->has_post_return) {
        if (!func_def(ci, &st->post_return, &lf->post, err)) return false;
        if (!sig_is(&lf->post, lf->sig + lf->np, lf->nr, 0)) {
            rt_err(err, "lifted function %u: post-return must take the core results and return nothing", index);
            return false;
        }
        lf->has_post = true;
    }
    return true;
}

static bool resolve_imports(wasmrt_cinstance *ci, const wasmrt_clinker *l, wasmrt_error *err) {
    const ct_plan *p = &ci->comp->plan;
    size_t n = 0;
    char *msg = err->message;
    size_t cap = sizeof err->message;
    uint32_t missing = 0;
    if (l && ct_clinker_cached(l, ci->comp, ci->defs, p->num_imports)) return true;
    for (uint32_t i = 0; i < p->num_imports; i++) {
        const ct_import *im = &p->imports[i];
        ci->defs[i] = ct_clinker_find(l, im->iface, im->name, im->kind);
        if (ci->defs[i] || (l && l->trap_unknown)) continue;
        if (missing++ == 0) n = (size_t)snprintf(msg, cap, "missing imports: ");
        if (n < cap) n += (size_t)snprintf(msg + n, cap - n, "%s%s", missing > 1 ? ", " : "", im->full);
    }
    if (n >= cap) memcpy(msg + cap - 4, "...", 4);
    if (missing == 0 && l) ct_clinker_remember(l, ci->comp, ci->defs, p->num_imports);
    return missing == 0;
}

static bool run_steps(wasmrt_cinstance *ci, wasmrt_trap *trap, wasmrt_error *err) {
    const ct_plan *p = &ci->comp->plan;
    uint32_t nlow = 0, nlift = 0;
    for (uint32_t i = 0; i < p->num_steps; i++) {
        const ct_step *st = &p->steps[i];
        switch (st->op) {
        case WASMC_PLAN_INSTANTIATE: {
            /* the usual few imports on the stack: no allocation per instantiation */
            rt_link_entry entries1[32];
            const rt_link_entry *ptrs1[32];
            bool small = st->num_args <= 32;
            rt_link_entry *entries = small ? entries1 : calloc(st->num_args, sizeof *entries);
            const rt_link_entry **ptrs = small ? ptrs1 : calloc(st->num_args, sizeof *ptrs);
            if (small) memset(entries1, 0, st->num_args * sizeof *entries1);
            bool ok = entries && ptrs;
            for (uint32_t k = 0; ok && k < st->num_args; k++) {
                const ct_coredef *d = &st->args[k];
                if (d->kind == 1) {
                    ptrs[k] = &ci->lowered[d->a].entry;
                } else {
                    ok = rt_instance_export_index(ci->core[d->a], d->b, &entries[k].ext);
                    ptrs[k] = &entries[k];
                }
            }
            wasmrt_instance *inst = ok ? rt_instantiate_with(ci->store, ci->comp->modules[st->index], ptrs, trap, err) : NULL;
            if (!ok) rt_err(err, "out of memory");
            if (!small) {
                free(entries);
                free(ptrs);
            }
            if (!inst) {
                char tmp[sizeof err->message];
                memcpy(tmp, err->message, sizeof tmp);
                rt_err(err, "core instance %u (module %u): %.400s", ci->num_core, st->index, tmp);
                return false;
            }
            ci->core[ci->num_core++] = inst;
            break;
        }
        case WASMC_PLAN_LOWER: case WASMC_PLAN_RESOURCE_NEW: case WASMC_PLAN_RESOURCE_DROP: case WASMC_PLAN_RESOURCE_REP:
            if (!step_lower(ci, st, &ci->lowered[nlow], err)) return false;
            nlow++;
            break;
        case WASMC_PLAN_LIFT:
            if (!step_lift(ci, st, &ci->lifted[nlift], nlift, err)) return false;
            nlift++;
            break;
        }
    }
    static const uint8_t dtor_sig[] = {CT_I32};
    for (uint32_t r = 0; r < p->num_resources; r++) {
        const ct_resource *res = &p->resources[r];
        if (res->host || !res->has_dtor) continue;
        if (!func_def(ci, &res->dtor, &ci->dtors[r], err)) return false;
        if (!sig_is(&ci->dtors[r], dtor_sig, 1, 0)) {
            rt_err(err, "destructor of %s: its type is not (i32) -> ()", res->name);
            return false;
        }
    }
    return true;
}

/* Each thread keeps the last instance's block of arrays for its next one:
 * a server instantiates the same component per request, and a block of a
 * few KiB otherwise takes malloc's slow path (no thread cache that large)
 * both ways, every time. */
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;
typedef struct spare_block {
    size_t size;
} spare_block;   /* the block's first bytes while it waits */

static void spare_make_key(void) { pthread_key_create(&spare_key, free); }

static void *parts_take(size_t size) {
    pthread_once(&spare_once, spare_make_key);
    spare_block *b = pthread_getspecific(spare_key);
    if (b && b->size >= size) {
        pthread_setspecific(spare_key, NULL);
        memset(b, 0, size);
        return b;
    }
    return calloc(1, size < sizeof(spare_block) ? sizeof(spare_block) : size);
}

static void parts_give(void *p, size_t size) {
    pthread_once(&spare_once, spare_make_key);
    spare_block *b = pthread_getspecific(spare_key);
    if (b && b->size >= size) {
        free(p);
        return;
    }
    ((spare_block *)p)->size = size;
    if (pthread_setspecific(spare_key, p) != 0) {
        free(p);
        return;
    }
    free(b);
}

wasmrt_cinstance *wasmrt_component_instantiate(wasmrt_store *s, wasmrt_component *c, wasmrt_clinker *l,
                                               wasmrt_trap *trap, wasmrt_error *err) {
    wasmrt_trap scratch_trap;
    wasmrt_error scratch_err;
    if (!trap) trap = &scratch_trap;
    if (!err) err = &scratch_err;
    memset(trap, 0, sizeof *trap);
    err->message[0] = 0;
    const ct_plan *p = &c->plan;
    wasmrt_cinstance *ci = calloc(1, sizeof *ci);
    if (!ci) {
        rt_err(err, "out of memory");
        return NULL;
    }
    ci->store = s;
    ci->comp = c;
    ct_component_retain(c);
    ci->next = s->cinstances;
    if (s->cinstances) s->cinstances->prev = ci;
    s->cinstances = ci;
    /* The per-instance arrays in one zeroed block (defs first: freeing
     * defs frees them all): one allocation per instantiation, not six. */
    size_t off[6], size = 0;
    const size_t bytes[6] = {
        (p->num_imports + 1) * sizeof *ci->defs,     (p->num_core_instances + 1) * sizeof *ci->core,
        (p->num_lowered + 1) * sizeof *ci->lowered,  (p->num_lifted + 1) * sizeof *ci->lifted,
        (p->num_cinstances + 1) * sizeof *ci->insts, (p->num_resources + 1) * sizeof *ci->dtors,
    };
    for (int k = 0; k < 6; k++) {
        off[k] = size;
        size += (bytes[k] + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    }
    char *block = parts_take(size);
    if (!block) {
        rt_err(err, "out of memory");
        goto fail;
    }
    ci->defs = (const ct_def **)(void *)(block + off[0]);
    ci->core = (wasmrt_instance **)(void *)(block + off[1]);
    ci->lowered = (ct_lowered *)(void *)(block + off[2]);
    ci->lifted = (ct_lifted *)(void *)(block + off[3]);
    ci->insts = (ct_inst *)(void *)(block + off[4]);
    ci->dtors = (wasmrt_func *)(void *)(block + off[5]);
    ci->parts_size = size;
    for (uint32_t i = 0; i < p->num_cinstances; i++)
        ci->insts[i] = (ct_inst){.parent = p->cinstance_parent[i], .may_enter = true, .may_leave = true};
    if (!resolve_imports(ci, l, err) || !run_steps(ci, trap, err)) goto fail;
    return ci;
fail:
    wasmrt_cinstance_free(ci);
    return NULL;
}

/* Everything but the component reference and the store link. */
static void release_parts(wasmrt_cinstance *ci) {
    if (ci->insts)
        for (uint32_t i = 0; i < ci->comp->plan.num_cinstances; i++) ct_table_free(&ci->insts[i].handles);
    ct_table_free(&ci->host_handles);
    if (ci->defs) parts_give((void *)ci->defs, ci->parts_size);   /* and the other arrays: one block */
    free(ci->tasks);
    ci->tasks = NULL;
    ci->num_tasks = ci->cap_tasks = 0;
    ci->defs = NULL, ci->core = NULL, ci->lowered = NULL, ci->lifted = NULL, ci->insts = NULL, ci->dtors = NULL;
    ci->num_core = 0;
}

static void unlink_and_release(wasmrt_cinstance *ci) {
    wasmrt_store *s = ci->store;
    if (ci->prev) ci->prev->next = ci->next; else s->cinstances = ci->next;
    if (ci->next) ci->next->prev = ci->prev;
    wasmrt_component_release(ci->comp);
    free(ci);
}

/* Core instances other instances link to outlive this call (instance.c)
 * and still need their module's code and descriptor, which the
 * component's dl handle maps: then the component is released only when
 * the store has destroyed them (rt_cinstances_free). */
void wasmrt_cinstance_free(wasmrt_cinstance *ci) {
    if (!ci || ci->zombie) return;
    bool kept = false;
    for (uint32_t i = ci->num_core; i-- > 0;) {
        kept |= ci->core[i]->linked;
        wasmrt_instance_free(ci->core[i]);
    }
    release_parts(ci);
    if (kept) ci->zombie = true;
    else unlink_and_release(ci);
}

/* wasmrt_store_free, after it destroyed every core instance. */
void rt_cinstances_free(wasmrt_store *s) {
    while (s->cinstances) {
        wasmrt_cinstance *ci = s->cinstances;
        release_parts(ci);
        unlink_and_release(ci);
    }
}

void wasmrt_cinstance_set_user_data(wasmrt_cinstance *ci, void *data) { ci->user_data = data; }
void *wasmrt_cinstance_user_data(wasmrt_cinstance *ci) { return ci->user_data; }

/* ---- calls from the host ---- */

const wasmrt_cfunc *wasmrt_cinstance_func(wasmrt_cinstance *ci, const char *iface, const char *name) {
    const ct_plan *p = &ci->comp->plan;
    if (!iface) iface = "";
    for (uint32_t i = 0; i < p->num_exports; i++) {
        const ct_export *x = &p->exports[i];
        if (x->kind == WASMC_PLAN_FUNC && !strcmp(x->iface, iface) && !strcmp(x->name, name))
            return &ci->lifted[x->index].type;
    }
    return NULL;
}

static void fill_trap(wasmrt_trap *trap, wasmrt_error *err, const ct_cx *st) {
    trap->code = st->trap_code;
    trap->exit_code = st->exit_code;
    snprintf(trap->host_message, sizeof trap->host_message, "%s", st->trap_msg);
    rt_err(err, "%s", st->trap_msg);
}

bool wasmrt_cinstance_call(wasmrt_cinstance *ci, const wasmrt_cfunc *f, const wasmrt_cval *args, uint32_t nargs,
                           wasmrt_cval *result, wasmrt_trap *trap, wasmrt_error *err) {
    wasmrt_trap scratch_trap;
    wasmrt_error scratch_err;
    if (!trap) trap = &scratch_trap;
    if (!err) err = &scratch_err;
    memset(trap, 0, sizeof *trap);
    err->message[0] = 0;
    const ct_plan *p = &ci->comp->plan;
    uint32_t k = 0;
    while (k < p->num_lifted && &ci->lifted[k].type != f) k++;
    if (!f || k == p->num_lifted) {
        rt_err(err, "the function is not an export of this component instance (use wasmrt_cinstance_func)");
        return false;
    }
    if (nargs != f->num_params) {
        rt_err(err, "function takes %u arguments, called with %u", f->num_params, nargs);
        return false;
    }
    for (uint32_t i = 0; i < nargs; i++) {
        wasmrt_error e;
        if (!ct_value_check(f->params[i], &args[i], &e)) {
            rt_err(err, "argument %u (%s): %.400s", i, f->names[i], e.message);
            return false;
        }
    }
    if (f->result && !result) {
        rt_err(err, "the function returns a value: result must not be NULL");
        return false;
    }
    wasmrt_cval scratch_result;
    ct_cx st;
    memset(&st, 0, sizeof st);
    if (!call_lifted(ci, k, NONE, args, result ? result : &scratch_result, &ci->host_handles, NULL, &st)) {
        fill_trap(trap, err, &st);
        return false;
    }
    return true;
}

bool wasmrt_cinstance_resource_drop(wasmrt_cinstance *ci, uint32_t handle, wasmrt_trap *trap, wasmrt_error *err) {
    wasmrt_trap scratch_trap;
    wasmrt_error scratch_err;
    if (!trap) trap = &scratch_trap;
    if (!err) err = &scratch_err;
    memset(trap, 0, sizeof *trap);
    ct_handle *h = ct_table_get(&ci->host_handles, handle);
    if (!h || !h->own) {
        rt_err(err, "unknown own handle %u of a component-defined resource", handle);
        return false;
    }
    uint32_t r = h->resource, rep = h->rep;
    ct_cx st;
    memset(&st, 0, sizeof st);
    uint32_t impl = ci->comp->plan.resources[r].cinstance;
    if (ci->dtors[r].ref && !entering_set(ci, impl, NONE, ENTER_CHECK)) {   /* e.g. from a host function mid-call */
        cannot_enter(&st, ci, impl, NONE);
        fill_trap(trap, err, &st);
        return false;
    }
    ct_table_remove(&ci->host_handles, handle);
    if (!ci->dtors[r].ref) return true;
    uint64_t arg = rep;
    entering_set(ci, impl, NONE, ENTER);
    bool ok = call_core(&st, ci->store, &ci->dtors[r], &arg, NULL);
    entering_set(ci, impl, NONE, ok ? LEAVE : LEAVE_TRAPPED);
    if (!ok) {
        fill_trap(trap, err, &st);
        return false;
    }
    return true;
}
