/* Type equality, the canonical ABI's flattening of function types
 * (CanonicalABI.md, flatten_functype) and the properties canonical
 * options depend on.  Since WASI 0.2 value-type subtyping is equality, and
 * function and instance subtyping are checked export by export with it
 * (flatten.c). */
#include "ctypes.h"

#include <string.h>

static const char *const kind_names[] = {
#define N_(id, wit) wit,
    WASMC_CVAL_KINDS(N_)
#undef N_
};

const char *ctype_kind_name(int kind) {
    if (kind >= 0 && kind < WASMC_CVAL_COUNT_) return kind_names[kind];
    switch (kind) {
    case CT_FUNC: return "func";
    case CT_RESOURCE: return "resource";
    case CT_INSTANCE: return "instance";
    case CT_COMPONENT: return "component";
    default: return "?";
    }
}

static bool name_eq(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

#define EQUAL_BUDGET (1u << 20)
static _Thread_local uint32_t equal_budget;
static _Thread_local bool equal_exhausted;
static _Thread_local unsigned equal_depth;

bool ctype_equal_exhausted(void) { return equal_exhausted; }

static bool equal(const CType *x, const CType *y);

bool ctype_equal(const CType *x, const CType *y) {
    if (equal_depth == 0) {
        equal_budget = EQUAL_BUDGET;
        equal_exhausted = false;
    }
    if (equal_budget == 0) {
        equal_exhausted = true;
        return false;
    }
    equal_budget--;
    equal_depth++;
    bool r = equal(x, y);
    equal_depth--;
    return r;
}

static bool equal(const CType *x, const CType *y) {
    x = ctype_root(x);
    y = ctype_root(y);
    if (x == y) return true;
    if (!x || !y || x->kind != y->kind) return false;
    switch (x->kind) {
    case CT_RESOURCE:
    case CT_INSTANCE:
    case CT_COMPONENT:
        return false;   /* identity only (instance/component: compared by their users) */
    case WASMC_CVAL_OWN:
    case WASMC_CVAL_BORROW:
        return ctype_root(x->a) == ctype_root(y->a);
    default:
        break;
    }
    if (x->n != y->n) return false;
    for (uint32_t i = 0; i < x->n; i++) {
        if (x->names && !name_eq(x->names[i], y->names ? y->names[i] : NULL)) return false;
        if (x->elems && !ctype_equal(x->elems[i], y->elems ? y->elems[i] : NULL)) return false;
    }
    return ctype_equal(x->a, y->a) && ctype_equal(x->b, y->b);
}

static bool has_pointers(const CType *t) {
    if (t->kind == WASMC_CVAL_STRING || t->kind == WASMC_CVAL_LIST) return true;
    if (t->kind == WASMC_CVAL_OWN || t->kind == WASMC_CVAL_BORROW || t->kind == CT_RESOURCE) return false;
    for (uint32_t i = 0; t->elems && i < t->n; i++)
        if (ctype_has_pointers(t->elems[i])) return true;
    return ctype_has_pointers(t->a) || ctype_has_pointers(t->b);
}

bool ctype_has_pointers(const CType *t) {
    if (!t) return false;
    if (!t->ptr_memo) ((CType *)t)->ptr_memo = has_pointers(t) ? 2 : 1;
    return t->ptr_memo == 2;
}

static bool has_borrow(const CType *t) {
    if (t->kind == WASMC_CVAL_BORROW) return true;
    if (t->kind == WASMC_CVAL_OWN || t->kind == CT_RESOURCE) return false;
    for (uint32_t i = 0; t->elems && i < t->n; i++)
        if (ctype_has_borrow(t->elems[i])) return true;
    return ctype_has_borrow(t->a) || ctype_has_borrow(t->b);
}

bool ctype_has_borrow(const CType *t) {
    if (!t) return false;
    if (!t->borrow_memo) ((CType *)t)->borrow_memo = has_borrow(t) ? 2 : 1;
    return t->borrow_memo == 2;
}

/* ---- Flattening ------------------------------------------------------------ */

typedef struct Flat {
    uint32_t n;
    bool overflow;
    uint8_t t[CTYPE_MAX_FLAT];
} Flat;

static void push(Flat *f, uint8_t t) {
    if (f->n < CTYPE_MAX_FLAT) f->t[f->n++] = t;
    else f->overflow = true;
}

static uint8_t join(uint8_t a, uint8_t b) {
    if (a == b) return a;
    if ((a == VT_I32 && b == VT_F32) || (a == VT_F32 && b == VT_I32)) return VT_I32;
    return VT_I64;
}

static void flatten(const CType *t, Flat *f) {
    if (f->overflow) return;
    switch (t->kind) {
    case WASMC_CVAL_S64: case WASMC_CVAL_U64: push(f, VT_I64); return;
    case WASMC_CVAL_F32: push(f, VT_F32); return;
    case WASMC_CVAL_F64: push(f, VT_F64); return;
    case WASMC_CVAL_STRING: case WASMC_CVAL_LIST: push(f, VT_I32); push(f, VT_I32); return;
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE:
        for (uint32_t i = 0; i < t->n; i++) flatten(t->elems[i], f);
        return;
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        const CType *cases[2];
        const CType *const *cs;
        uint32_t nc;
        if (t->kind == WASMC_CVAL_VARIANT) {
            cs = (const CType *const *)t->elems;
            nc = t->n;
        } else if (t->kind == WASMC_CVAL_OPTION) {
            cases[0] = NULL;
            cases[1] = t->a;
            cs = cases;
            nc = 2;
        } else {
            cases[0] = t->a;
            cases[1] = t->b;
            cs = cases;
            nc = 2;
        }
        Flat joined = {0};
        for (uint32_t c = 0; c < nc; c++) {
            if (!cs[c]) continue;
            Flat one = {0};
            flatten(cs[c], &one);
            if (one.overflow) joined.overflow = true;
            for (uint32_t i = 0; i < one.n; i++) {
                if (i < joined.n) joined.t[i] = join(joined.t[i], one.t[i]);
                else push(&joined, one.t[i]);
            }
        }
        push(f, VT_I32);
        if (joined.overflow) f->overflow = true;
        for (uint32_t i = 0; i < joined.n; i++) push(f, joined.t[i]);
        return;
    }
    default:
        push(f, VT_I32);   /* bool, s8..u32, char, enum, flags (<= 32), own, borrow */
        return;
    }
}

#define MAX_FLAT_PARAMS 16u
#define MAX_FLAT_RESULTS 1u

void ctype_core_sig(const CType *func, bool lift, CoreSig *out) {
    memset(out, 0, sizeof *out);
    Flat p = {0}, r = {0};
    for (uint32_t i = 0; i < func->n; i++) flatten(func->elems[i], &p);
    if (func->a) flatten(func->a, &r);
    if (p.overflow || p.n > MAX_FLAT_PARAMS) {
        out->params_spilled = true;
        out->np = 1;
        out->params[0] = VT_I32;
    } else {
        out->np = p.n;
        memcpy(out->params, p.t, p.n);
    }
    if (r.overflow || r.n > MAX_FLAT_RESULTS) {
        out->results_spilled = true;
        if (lift) {
            out->nr = 1;
            out->results[0] = VT_I32;
        } else {
            out->params[out->np++] = VT_I32;
        }
    } else {
        out->nr = r.n;
        memcpy(out->results, r.t, r.n);
    }
}

bool core_sig_equal(const CoreSig *s, const FuncType *ft) {
    return s->np == ft->num_params && s->nr == ft->num_results &&
           memcmp(s->params, ft->params, s->np) == 0 && memcmp(s->results, ft->results, s->nr) == 0;
}
