/* Flattening a component into the plan (component_plan.h), validating it
 * on the way.
 *
 * As Wasmtime's inliner does, the component is evaluated at compile time:
 * each component instance (the root, and every nested component an
 * `instantiate` creates) is a Frame whose index spaces hold what each
 * index stands for -- a lifted function, an import, a core instance of
 * the plan, a resolved type, a component with the frame it was defined
 * in.  Walking a component's definitions in order fills its frame and
 * appends the plan steps its core instantiations and canonical
 * definitions need; nested instantiations evaluate the child with the
 * arguments bound to its imports; aliases, instantiate-from-exports
 * instances and outer references are resolved to what they name and
 * leave nothing in the plan.
 *
 * Validation is the same walk: every index is checked against its index
 * space, every argument against the type it is given for, canonical
 * options against the function type.  A component defined but never
 * instantiated is evaluated once on its own (imports abstract) into a
 * scratch plan, so it is validated too.  Errors carry the offset of the
 * definition (or declarator) they are about.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctypes.h"
#include "cvalidate.h"
#include "plan.h"

#define WORK_BUDGET 50000000u
#define WALK_BUDGET (1u << 20)   /* nodes per walk over a type DAG */   /* definitions evaluated, over all nested instantiations */

typedef enum { F_IMPORT, F_LIFTED, F_ABSTRACT } FuncKind;

typedef struct CFunc {
    FuncKind kind;
    uint32_t idx;        /* plan import / lifted index */
    CType *type;
} CFunc;

typedef struct CoreItem {
    uint16_t sort;       /* CS_CORE_FUNC / TABLE / MEMORY / GLOBAL */
    PCoreDef def;
    const FuncType *ft;  /* func */
    const Table *table;
    const Memory *mem;
    const Global *global;
} CoreItem;

typedef struct CoreInst {
    const CModule *mod;  /* an instantiation of this module; NULL: from exports */
    uint32_t plan_idx;
    uint32_t n;
    const char **names;
    CoreItem **items;
} CoreInst;

typedef struct Item {
    uint16_t sort;       /* CS_FUNC, CS_TYPE, CS_INSTANCE, CS_COMPONENT, CS_CORE_MODULE */
    void *p;             /* CFunc*, CType*, CInst*, CompVal*, CModule* */
} Item;

typedef struct CInst {
    uint32_t n;
    const char **names;
    Item *items;
} CInst;

struct Scope;
typedef struct CompVal {
    const Component *c;
    struct Scope *closure;
    uint32_t lim[4];              /* closure's types, core types, modules, components at definition */
    bool instantiated;
    size_t offset;
} CompVal;

/* Index-space entries are never NULL (get() returns NULL for errors only):
 * core module types and abstract core modules share this placeholder. */
static char placeholder;

typedef struct PVec {
    void **p;
    uint32_t n, cap;
} PVec;

/* A component instance being evaluated, or a type declarator scope. */
typedef struct Scope {
    struct Scope *outer;
    bool is_type;                 /* a component or instance type's scope */
    PVec core_funcs, core_tables, core_mems, core_globals, core_types, core_modules, core_instances;
    PVec funcs, types, components, instances;
    uint32_t cinstance;           /* plan component instance (components only) */
    /* How much of `outer`'s index spaces this scope sees: what was defined
     * before it (a component, or a type, is evaluated after its definition
     * point, when its parent may have grown). */
    uint32_t lim_types, lim_core_types, lim_modules, lim_components;
    CvNames import_names, export_names;
    /* Resources named by imports / by exports: the labels (and the named
     * types, at the same position) that [constructor]/[method]/[static]
     * names refer to. */
    PVec res_labels[2], res_types[2];
    /* Named types (ctype_is_named_kind) that imports / exports introduced:
     * an import's type may use only the first, an export's both
     * (Explainer.md, external visibility of types). */
    PVec vis[2];
    /* exports, in order */
    uint32_t num_exports, cap_exports;
    const char **export_names_list;
    Item *export_items;
    size_t *export_offsets;
} Scope;
typedef Scope Frame;

typedef struct Ctx {
    const CFile *f;
    Arena arena;
    PlanBuilder *pb;
    WasmError *err;
    uint64_t work;
    uint32_t walk;                /* refers_to_resources's node budget */
    PVec all_scopes;              /* to free their name sets */
} Ctx;

#define INVALID(cx, off, ...) wasm_error((cx)->err, WASM_ERR_INVALID, (off), __VA_ARGS__)
#define UNSUPPORTED(cx, off, ...) wasm_error((cx)->err, WASM_ERR_UNSUPPORTED, (off), "unsupported: " __VA_ARGS__)
#define OOM(cx) wasm_error((cx)->err, WASM_ERR_LIMIT, WASM_NO_OFFSET, "out of memory")

static void *cx_alloc(Ctx *cx, size_t size) {
    void *p = arena_alloc(&cx->arena, size ? size : 1);
    if (!p) OOM(cx);
    else memset(p, 0, size ? size : 1);
    return p;
}

static bool pv_push(Ctx *cx, PVec *v, void *x) {
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 8;
        void **np = arena_array(&cx->arena, cap, sizeof *np);
        if (!np) return OOM(cx);
        if (v->n) memcpy(np, v->p, v->n * sizeof *np);
        v->p = np;
        v->cap = cap;
    }
    v->p[v->n++] = x;
    return true;
}

typedef struct Limits4 {
    uint32_t types, core_types, modules, components;
} Limits4;

static Scope *new_scope_at(Ctx *cx, Scope *outer, bool is_type, const Limits4 *lim) {
    Scope *s = cx_alloc(cx, sizeof *s);
    if (!s) return NULL;
    s->outer = outer;
    if (lim) {
        s->lim_types = lim->types;
        s->lim_core_types = lim->core_types;
        s->lim_modules = lim->modules;
        s->lim_components = lim->components;
    } else if (outer) {
        s->lim_types = outer->types.n;
        s->lim_core_types = outer->core_types.n;
        s->lim_modules = outer->core_modules.n;
        s->lim_components = outer->components.n;
    }
    s->is_type = is_type;
    if (!pv_push(cx, &cx->all_scopes, s)) return NULL;
    return s;
}



static const char *sort_name(uint16_t sort) {
    switch (sort) {
    case CS_FUNC: return "func";
    case CS_VALUE: return "value";
    case CS_TYPE: return "type";
    case CS_COMPONENT: return "component";
    case CS_INSTANCE: return "instance";
    case CS_CORE_FUNC: return "core func";
    case CS_CORE_TABLE: return "core table";
    case CS_CORE_MEMORY: return "core memory";
    case CS_CORE_GLOBAL: return "core global";
    case CS_CORE_TYPE: return "core type";
    case CS_CORE_MODULE: return "module";
    case CS_CORE_INSTANCE: return "core instance";
    default: return "item";
    }
}

static PVec *space(Scope *s, uint16_t sort) {
    switch (sort) {
    case CS_FUNC: return &s->funcs;
    case CS_TYPE: return &s->types;
    case CS_COMPONENT: return &s->components;
    case CS_INSTANCE: return &s->instances;
    case CS_CORE_FUNC: return &s->core_funcs;
    case CS_CORE_TABLE: return &s->core_tables;
    case CS_CORE_MEMORY: return &s->core_mems;
    case CS_CORE_GLOBAL: return &s->core_globals;
    case CS_CORE_TYPE: return &s->core_types;
    case CS_CORE_MODULE: return &s->core_modules;
    case CS_CORE_INSTANCE: return &s->core_instances;
    default: return NULL;
    }
}

static void *get(Ctx *cx, Scope *s, uint16_t sort, uint32_t idx, size_t off) {
    PVec *v = space(s, sort);
    if (!v) {
        UNSUPPORTED(cx, off, "%s index space", sort_name(sort));
        return NULL;
    }
    if (idx >= v->n) {
        wasm_error(cx->err, WASM_ERR_INVALID, off, "%s index %u out of bounds", sort_name(sort), idx);
        return NULL;
    }
    return v->p[idx];
}

/* ---- Types ------------------------------------------------------------------ */

/* ctype_equal, with its budget running out reported as a limit. */
static bool teq(Ctx *cx, const CType *a, const CType *b) {
    bool r = ctype_equal(a, b);
    if (!r && ctype_equal_exhausted())
        wasm_error(cx->err, WASM_ERR_LIMIT, WASM_NO_OFFSET, "types too large to compare");
    return r;
}

static CType *new_type(Ctx *cx, int kind) {
    CType *t = cx_alloc(cx, sizeof *t);
    if (t) t->kind = kind;
    return t;
}

static CType *prim_type(Ctx *cx, uint8_t code) { return new_type(cx, 0x7f - code); }

static CType *valref(Ctx *cx, Scope *s, CValRef r, size_t off) {
    if (!r.is_index) return prim_type(cx, (uint8_t)r.v);
    CType *t = get(cx, s, CS_TYPE, r.v, off);
    if (!t) return NULL;
    if (!ctype_is_value(t)) {
        INVALID(cx, off, "type index %u is not a defined type", r.v);
        return NULL;
    }
    return t;
}

static bool labels_unique(Ctx *cx, uint32_t n, const char *const *names, size_t off, const char *what) {
    for (uint32_t i = 0; i < n; i++) {
        if (!cv_is_label(names[i]))
            return INVALID(cx, off, "%s name `%s` is not in kebab case", what, names[i]);
        for (uint32_t j = 0; j < i; j++)
            if (strcasecmp(names[i], names[j]) == 0)
                return INVALID(cx, off, "%s name `%s` conflicts with previous name `%s`", what, names[i], names[j]);
    }
    return true;
}

static uint32_t depth_of(const CType *t) { return t ? t->depth : 0; }

static CType *resolve_typedef(Ctx *cx, Scope *s, const CTypeDef *d) {
    size_t off = d->offset;
    CType *t = NULL;
    switch (d->kind) {
    case TD_PRIM:
        return prim_type(cx, d->prim);
    case TD_RECORD: case TD_TUPLE: case TD_FUNC: case TD_VARIANT: case TD_FLAGS: case TD_ENUM: {
        static const int kinds[] = {[TD_RECORD] = WASMC_CVAL_RECORD, [TD_TUPLE] = WASMC_CVAL_TUPLE,
                                    [TD_FUNC] = CT_FUNC, [TD_VARIANT] = WASMC_CVAL_VARIANT,
                                    [TD_FLAGS] = WASMC_CVAL_FLAGS, [TD_ENUM] = WASMC_CVAL_ENUM};
        if (!(t = new_type(cx, kinds[d->kind]))) return NULL;
        t->n = d->n;
        t->names = (const char **)d->names;
        if (d->kind == TD_RECORD || d->kind == TD_FUNC || d->kind == TD_VARIANT || d->kind == TD_FLAGS ||
            d->kind == TD_ENUM) {
            const char *what = d->kind == TD_RECORD ? "record field" : d->kind == TD_FUNC ? "function parameter"
                             : d->kind == TD_VARIANT ? "variant case" : d->kind == TD_FLAGS ? "flag" : "enum tag";
            if (!labels_unique(cx, d->n, d->names, off, what)) return NULL;
        }
        if (d->kind != TD_FLAGS && d->kind != TD_ENUM) {
            if (!(t->elems = cx_alloc(cx, (d->n ? d->n : 1) * sizeof *t->elems))) return NULL;
            for (uint32_t i = 0; i < d->n; i++) {
                if (d->kind == TD_VARIANT && !d->has_type[i]) continue;
                if (!(t->elems[i] = valref(cx, s, d->types[i], off))) return NULL;
                if (depth_of(t->elems[i]) + 1 > t->depth) t->depth = depth_of(t->elems[i]) + 1;
            }
        }
        if (d->kind == TD_FUNC) {
            if (d->has_a && !(t->a = valref(cx, s, d->a, off))) return NULL;
            if (t->a && ctype_has_borrow(t->a))
                return INVALID(cx, off, "function result cannot contain a `borrow` type"), NULL;
        }
        break;
    }
    case TD_LIST: case TD_OPTION:
        if (!(t = new_type(cx, d->kind == TD_LIST ? WASMC_CVAL_LIST : WASMC_CVAL_OPTION))) return NULL;
        if (!(t->a = valref(cx, s, d->a, off))) return NULL;
        t->depth = depth_of(t->a) + 1;
        break;
    case TD_RESULT:
        if (!(t = new_type(cx, WASMC_CVAL_RESULT))) return NULL;
        if (d->has_a && !(t->a = valref(cx, s, d->a, off))) return NULL;
        if (d->has_b && !(t->b = valref(cx, s, d->b, off))) return NULL;
        t->depth = (depth_of(t->a) > depth_of(t->b) ? depth_of(t->a) : depth_of(t->b)) + 1;
        break;
    case TD_OWN: case TD_BORROW: {
        CType *r = get(cx, s, CS_TYPE, d->index, off);
        if (!r) return NULL;
        if (r->kind != CT_RESOURCE) return INVALID(cx, off, "type index %u is not a resource type", d->index), NULL;
        if (!(t = new_type(cx, d->kind == TD_OWN ? WASMC_CVAL_OWN : WASMC_CVAL_BORROW))) return NULL;
        t->a = r;
        t->depth = 1;
        return t;
    }
    case TD_COMPONENT: case TD_INSTANCE:
        if (!(t = new_type(cx, d->kind == TD_COMPONENT ? CT_COMPONENT : CT_INSTANCE))) return NULL;
        t->def = d;
        t->scope = s;
        t->lim[0] = s->types.n;
        t->lim[1] = s->core_types.n;
        t->lim[2] = s->core_modules.n;
        t->lim[3] = s->components.n;
        return t;
    case TD_RESOURCE:
        return INVALID(cx, off, "resource types are not allowed here"), NULL;
    }
    if (t && t->depth > WASMC_PLAN_MAX_TYPE_DEPTH)
        return wasm_error(cx->err, WASM_ERR_LIMIT, off, "type nesting too deep"), NULL;
    return t;
}

/* ---- Aliases ------------------------------------------------------------------ */

static bool core_item_from_module(Ctx *cx, CoreInst *ci, uint32_t export_idx, CoreItem *out) {
    const Module *m = &ci->mod->m;
    const Export *e = &m->exports[export_idx];
    memset(out, 0, sizeof *out);
    out->sort = (uint16_t)(CS_CORE + e->kind);
    out->def.kind = 0;
    out->def.a = ci->plan_idx;
    out->def.b = export_idx;
    switch (e->kind) {
    case EXTERN_FUNC: out->ft = module_func_type(m, e->index); break;
    case EXTERN_TABLE: out->table = &m->tables[e->index]; break;
    case EXTERN_MEMORY: out->mem = &m->memories[e->index]; break;
    case EXTERN_GLOBAL: out->global = &m->globals[e->index]; break;
    }
    (void)cx;
    return true;
}

/* The core item `name` of a core instance, or NULL (err not set). */
static CoreItem *core_export(Ctx *cx, CoreInst *ci, const char *name) {
    if (ci->mod) {
        const Module *m = &ci->mod->m;
        for (uint32_t i = 0; i < m->num_exports; i++) {
            if (strcmp(m->exports[i].name.str, name) == 0) {
                CoreItem *it = cx_alloc(cx, sizeof *it);
                if (!it) return NULL;
                core_item_from_module(cx, ci, i, it);
                return it;
            }
        }
        return NULL;
    }
    for (uint32_t i = 0; i < ci->n; i++)
        if (strcmp(ci->names[i], name) == 0) return ci->items[i];
    return NULL;
}

static Item *inst_export(CInst *in, const char *name) {
    for (uint32_t i = 0; i < in->n; i++)
        if (strcmp(in->names[i], name) == 0) return &in->items[i];
    return NULL;
}

static bool push_item(Ctx *cx, Scope *s, Item it) {
    PVec *v = space(s, it.sort);
    if (!v) return UNSUPPORTED(cx, WASM_NO_OFFSET, "%s items", sort_name(it.sort));
    return pv_push(cx, v, it.p);
}

/* Does a type reach a resource type (through handles, fields, or the
 * declarators of a component or instance type)?  Resources are generative:
 * an outer alias may not carry one into another component. */
static bool refers_to_resources(Ctx *cx, const CType *t, uint32_t depth) {
    if (depth == 0) cx->walk = WALK_BUDGET;
    if (!t || depth > WASMC_PLAN_MAX_TYPE_DEPTH || cx->walk == 0) return false;
    cx->walk--;
    if (t->kind == CT_RESOURCE || t->kind == WASMC_CVAL_OWN || t->kind == WASMC_CVAL_BORROW) return true;
    if (t->kind == CT_INSTANCE || t->kind == CT_COMPONENT) {
        /* declarators may name outer types: (type (eq $R)), own/borrow */
        for (uint32_t i = 0; i < t->def->n; i++) {
            const CDecl *d = &t->def->decls[i];
            if (d->kind != DECL_ALIAS || d->alias.tag != 2 || d->alias.sort != CS_TYPE || d->alias.instance == 0)
                continue;
            Scope *sc = t->scope;
            for (uint32_t k = 1; sc && k < d->alias.instance; k++) sc = sc->outer;
            if (sc && d->alias.index < sc->types.n && refers_to_resources(cx, sc->types.p[d->alias.index], depth + 1))
                return true;
        }
        return false;
    }
    for (uint32_t i = 0; t->elems && i < t->n; i++)
        if (refers_to_resources(cx, t->elems[i], depth + 1)) return true;
    return refers_to_resources(cx, t->a, depth + 1) || refers_to_resources(cx, t->b, depth + 1);
}

static bool do_alias(Ctx *cx, Scope *s, const CAlias *a, size_t off) {
    if (a->sort == CS_VALUE) return UNSUPPORTED(cx, off, "component values");
    if (a->tag == 0) {
        CInst *in = get(cx, s, CS_INSTANCE, a->instance, off);
        if (!in) return false;
        Item *it = inst_export(in, a->name);
        if (!it) return INVALID(cx, off, "instance %u has no export named `%s`", a->instance, a->name);
        if (it->sort != a->sort)
            return INVALID(cx, off, "export `%s` for instance %u is not a %s", a->name, a->instance, sort_name(a->sort));
        return push_item(cx, s, *it);
    }
    if (a->tag == 1) {
        CoreInst *ci = get(cx, s, CS_CORE_INSTANCE, a->instance, off);
        if (!ci) return false;
        if (!(a->sort == CS_CORE_FUNC || a->sort == CS_CORE_TABLE || a->sort == CS_CORE_MEMORY ||
              a->sort == CS_CORE_GLOBAL))
            return INVALID(cx, off, "core instances export no %s", sort_name(a->sort));
        CoreItem *it = core_export(cx, ci, a->name);
        if (!it) return wasm_error_is_set(cx->err) ? false
                       : INVALID(cx, off, "core instance %u has no export named `%s`", a->instance, a->name);
        if (it->sort != a->sort)
            return INVALID(cx, off, "export `%s` for core instance %u is not a %s", a->name, a->instance,
                           sort_name(a->sort));
        return pv_push(cx, space(s, a->sort), it);
    }
    /* outer */
    if (!(a->sort == CS_TYPE || a->sort == CS_CORE_TYPE || a->sort == CS_CORE_MODULE || a->sort == CS_COMPONENT))
        return INVALID(cx, off, "outer aliases of %s are not allowed", sort_name(a->sort));
    Scope *t = s;
    bool crossed_component = false;
    uint32_t limit = UINT32_MAX;
    for (uint32_t k = 0; k < a->instance; k++) {
        if (!t->is_type) crossed_component = true;
        uint32_t l = a->sort == CS_TYPE ? t->lim_types : a->sort == CS_CORE_TYPE ? t->lim_core_types
                   : a->sort == CS_CORE_MODULE ? t->lim_modules : t->lim_components;
        if (!t->outer) return INVALID(cx, off, "invalid outer alias count of %u", a->instance);
        /* what t saw of its outer scope, or less if t itself saw less */
        limit = l;
        t = t->outer;
    }
    if (a->index >= limit)
        return INVALID(cx, off, "%s index %u out of bounds", sort_name(a->sort), a->index);
    void *p = get(cx, t, a->sort, a->index, off);
    if (!p) return false;
    if (a->sort == CS_TYPE && crossed_component && a->instance > 0 && refers_to_resources(cx, p, 0))
        return INVALID(cx, off, "type index %u transitively refers to resources not defined in the current component",
                       a->index);
    return pv_push(cx, space(s, a->sort), p);
}

/* ---- External visibility of types --------------------------------------------- */

/* Has `t` a name usable by an import (`for_import`) or an export here?
 * Type scopes see the names of the scopes around them; a component does
 * not see its parent's. */
static bool is_visible(Scope *s, const CType *t, bool for_import) {
    /* a type named by an import of a nested component is (a copy of) the
     * argument: named if the argument is */
    for (; t; t = t->origin)
        for (Scope *x = s; x; x = x->is_type ? x->outer : NULL)
            for (int k = for_import ? 1 : 0; k < 2; k++)
                for (uint32_t i = 0; i < x->vis[k].n; i++)
                    if (x->vis[k].p[i] == t) return true;
    return false;
}

/* Types are DAGs: walks over them have a budget of nodes, past which the
 * lenient answer is taken (these checks only reject). */
static _Thread_local uint32_t walk_budget;

static bool all_visible_at(Scope *s, const CType *t, bool for_import, uint32_t depth);

/* Does every named type `t` reaches (not through a named type) have a
 * name in this scope?  Depth-limited by the types' own depth limit. */
static bool all_visible(Scope *s, const CType *t, bool for_import, uint32_t depth) {
    if (depth == 0 || depth == 1) walk_budget = WALK_BUDGET;
    return all_visible_at(s, t, for_import, depth);
}

static bool all_visible_at(Scope *s, const CType *t, bool for_import, uint32_t depth) {
    if (!t || depth > WASMC_PLAN_MAX_TYPE_DEPTH + 2 || walk_budget == 0) return true;
    walk_budget--;
    if (ctype_is_named_kind(t->kind)) return is_visible(s, t, for_import);
    if (t->kind == WASMC_CVAL_OWN || t->kind == WASMC_CVAL_BORROW) return is_visible(s, t->a, for_import);
    if (t->kind == CT_INSTANCE || t->kind == CT_COMPONENT) return true;
    for (uint32_t i = 0; t->elems && i < t->n; i++)
        if (!all_visible_at(s, t->elems[i], for_import, depth + 1)) return false;
    return all_visible_at(s, t->a, for_import, depth + 1) && all_visible_at(s, t->b, for_import, depth + 1);
}

static bool make_visible(Ctx *cx, Scope *s, const CType *t, bool by_import) {
    return !ctype_is_named_kind(t->kind) || pv_push(cx, &s->vis[by_import], (void *)t);
}

/* A type imported or exported by name: named kinds become a type of their
 * own (see CType.origin), visible from now on. */
static CType *name_type(Ctx *cx, Scope *s, CType *t, bool by_import) {
    if (!ctype_is_named_kind(t->kind)) return t;
    CType *c = cx_alloc(cx, sizeof *c);
    if (!c) return NULL;
    *c = *t;
    c->origin = t;
    if (!make_visible(cx, s, c, by_import)) return NULL;
    return c;
}

/* Elaborating an instance or component type: checking its declarators
 * (ELAB_PLAIN), as an import of the root (ELAB_IMPORT: its functions and
 * resources become the plan's imports), or checking an argument or export
 * against it (ELAB_CHECK).  External visibility while doing so: VIS_NONE
 * defers it (an instance type is checked when an import or export uses
 * it); otherwise the declarators are checked, an instance type's exports
 * counting as imports when the instance is imported (VIS_IMPORT). */
typedef enum { ELAB_PLAIN, ELAB_IMPORT, ELAB_CHECK } ElabMode;
typedef enum { VIS_NONE, VIS_EXPORT, VIS_IMPORT } VisMode;
static bool elaborate(Ctx *cx, CType *ty, ElabMode mode, VisMode vis, const char *iface, CInst *arg, size_t use_off,
                      CInst *out);

static bool check_visible(Ctx *cx, Scope *s, const CType *t, bool is_import, uint16_t sort, size_t off) {
    bool ok;
    if (sort == CS_TYPE && (t->kind == CT_INSTANCE || t->kind == CT_COMPONENT)) {
        /* an instance type's visibility was deferred to its use */
        CInst scratch = {0};
        return elaborate(cx, (CType *)t, ELAB_PLAIN, t->kind == CT_INSTANCE && is_import ? VIS_IMPORT : VIS_EXPORT, NULL, NULL,
                         off, &scratch);
    }
    if (sort == CS_TYPE && ctype_is_named_kind(t->kind)) {
        /* the fields of a named type, not the type itself: the import or
         * export names it */
        ok = true;
        for (uint32_t i = 0; ok && t->elems && i < t->n; i++) ok = all_visible(s, t->elems[i], is_import, 1);
    } else {
        ok = all_visible(s, t, is_import, 0);
    }
    if (!ok) return INVALID(cx, off, "%s not valid to be used as %s", sort_name(sort), is_import ? "import" : "export");
    return true;
}

/* The types an imported or exported instance exports (and those of the
 * instances it exports) have names from then on.  Instances share items
 * (a DAG), hence the work budget. */
static bool make_inst_visible(Ctx *cx, Scope *s, const CInst *in, bool by_import, uint32_t depth) {
    if (depth > WASMC_PLAN_MAX_TYPE_DEPTH) return wasm_error(cx->err, WASM_ERR_LIMIT, WASM_NO_OFFSET, "instances nested too deep");
    for (uint32_t i = 0; i < in->n; i++) {
        if (++cx->work > WORK_BUDGET) return wasm_error(cx->err, WASM_ERR_LIMIT, WASM_NO_OFFSET, "component too complex");
        const Item *it = &in->items[i];
        if (it->sort == CS_TYPE && !make_visible(cx, s, it->p, by_import)) return false;
        if (it->sort == CS_INSTANCE && !make_inst_visible(cx, s, it->p, by_import, depth + 1)) return false;
    }
    return true;
}

/* May an instance with these exports be imported / exported here?  Its
 * own types count as named (make_inst_visible first). */
static bool inst_all_visible(Ctx *cx, Scope *s, const CInst *in, bool is_import, uint32_t depth) {
    for (uint32_t i = 0; i < in->n; i++) {
        if (depth > WASMC_PLAN_MAX_TYPE_DEPTH || ++cx->work > WORK_BUDGET) return true;
        const Item *it = &in->items[i];
        const CType *t = it->p;
        bool ok = true;
        if (it->sort == CS_FUNC) {
            ok = all_visible(s, ((const CFunc *)it->p)->type, is_import, 0);
        } else if (it->sort == CS_TYPE && ctype_is_named_kind(t->kind)) {
            for (uint32_t k = 0; ok && t->elems && k < t->n; k++) ok = all_visible(s, t->elems[k], is_import, 1);
        } else if (it->sort == CS_TYPE) {
            ok = all_visible(s, t, is_import, 0);
        } else if (it->sort == CS_INSTANCE) {
            ok = inst_all_visible(cx, s, it->p, is_import, depth + 1);
        }
        if (!ok) return false;
    }
    return true;
}

static bool check_inst_visible(Ctx *cx, Scope *s, const CInst *in, bool is_import, size_t off) {
    if (!make_inst_visible(cx, s, in, is_import, 0)) return false;
    if (!inst_all_visible(cx, s, in, is_import, 0))
        return wasm_error_is_set(cx->err) ? false
               : INVALID(cx, off, "instance not valid to be used as %s", is_import ? "import" : "export");
    return true;
}

/* ---- Names of imports and exports ------------------------------------------ */

/* The label a resource type is named by in this scope (imports see the
 * names of imports and exports, exports only those of exports), or NULL. */
static const char *resource_label(Scope *s, const CType *r, bool for_import) {
    for (int k = for_import ? 1 : 0; k >= 0; k--)
        for (uint32_t i = 0; i < s->res_types[k].n; i++)
            if (s->res_types[k].p[i] == r) return s->res_labels[k].p[i];
    return NULL;
}

static bool resource_label_known(Scope *s, const char *label, size_t len, bool for_import) {
    for (int k = for_import ? 1 : 0; k >= 0; k--)
        for (uint32_t i = 0; i < s->res_labels[k].n; i++) {
            const char *l = s->res_labels[k].p[i];
            if (strlen(l) == len && strncmp(l, label, len) == 0) return true;
        }
    return false;
}

/* `ty`: a function's type as the import or export declares it; a type
 * import's or export's type after naming (name_type). */
static bool check_name(Ctx *cx, Scope *s, const char *name, bool is_import, uint16_t sort, const CType *ty,
                       size_t off) {
    CvName n;
    if (!cv_parse_name(name, &n))
        return INVALID(cx, off, "`%s` is not a valid %s name", name, is_import ? "import" : "export");
    if (!cv_names_add(is_import ? &s->import_names : &s->export_names, name))
        return INVALID(cx, off, "%s name `%s` conflicts with previous name", is_import ? "import" : "export", name);
    if (n.kind == CV_CONSTRUCTOR || n.kind == CV_METHOD || n.kind == CV_STATIC) {
        if (sort != CS_FUNC) return INVALID(cx, off, "`%s` is not a function", name);
        /* the resource a constructor or method is about: its result or self */
        const CType *r = NULL;
        if (n.kind == CV_METHOD && ty && ty->kind == CT_FUNC) {
            if (ty->n == 0 || strcmp(ty->names[0], "self") != 0 || ty->elems[0]->kind != WASMC_CVAL_BORROW)
                return INVALID(cx, off, "method `%s` must take a `self` borrow as its first parameter", name);
            r = ty->elems[0]->a;
        }
        if (n.kind == CV_CONSTRUCTOR && ty && ty->kind == CT_FUNC) {
            const CType *o = ty->a;
            if (o && o->kind == WASMC_CVAL_RESULT) o = o->a;
            if (!o || o->kind != WASMC_CVAL_OWN)
                return INVALID(cx, off, "constructor `%s` must return an own handle", name);
            r = o->a;
        }
        if (r) {
            const char *label = resource_label(s, r, is_import);
            if (!label) return INVALID(cx, off, "resource used in function does not have a name in this context");
            if (strlen(label) != n.resource_len || strncmp(label, n.resource, n.resource_len) != 0)
                return INVALID(cx, off, "function does not match expected resource name `%s`", label);
        } else if (!resource_label_known(s, n.resource, n.resource_len, is_import)) {
            return INVALID(cx, off, "`%s` refers to a resource `%.*s` not defined in this scope", name,
                           (int)n.resource_len, n.resource);
        }
    }
    if (sort == CS_TYPE && ty && ty->kind == CT_RESOURCE) {
        if (!pv_push(cx, &s->res_labels[is_import], (void *)name) || !pv_push(cx, &s->res_types[is_import], (void *)ty))
            return false;
    }
    return true;
}

/* ---- Instance and component types ------------------------------------------- */


static bool func_type_of(Ctx *cx, Scope *s, uint32_t idx, size_t off, CType **out) {
    *out = NULL;
    CType *t = get(cx, s, CS_TYPE, idx, off);
    if (!t) return false;
    if (t->kind != CT_FUNC) return INVALID(cx, off, "type index %u is not a function type", idx);
    *out = t;
    return true;
}

static bool elaborate_instance(Ctx *cx, CType *it, ElabMode mode, VisMode vis, const char *iface, CInst *arg,
                               size_t use_off, CInst **out);

/* An export the checked argument must have, of this sort. */
static Item *arg_export(Ctx *cx, CInst *arg, const char *iface, const char *name, uint16_t sort, size_t use_off) {
    Item *a = inst_export(arg, name);
    if (!a) {
        INVALID(cx, use_off, "type mismatch for import `%s`: missing expected export `%s`", iface, name);
        return NULL;
    }
    if (a->sort != sort) {
        INVALID(cx, use_off, "type mismatch in instance export `%s`: expected %s, found %s", name, sort_name(sort),
                sort_name(a->sort));
        return NULL;
    }
    return a;
}

/* A component's or an instance type's declarators in a fresh scope.  With
 * ELAB_CHECK, `arg` is checked against the type's exports and `out` gets
 * the argument's items under the type's export names only: the view the
 * type ascribes (what it does not declare is not reachable through it). */
static bool elaborate(Ctx *cx, CType *ty, ElabMode mode, VisMode vis, const char *iface, CInst *arg, size_t use_off,
                      CInst *out) {
    const CTypeDef *d = ty->def;
    Limits4 l4 = {ty->lim[0], ty->lim[1], ty->lim[2], ty->lim[3]};
    Scope *s = new_scope_at(cx, ty->scope, true, &l4);
    if (!s) return false;
    uint32_t cap = 0;
    for (uint32_t i = 0; i < d->n; i++) {
        const CDecl *dc = &d->decls[i];
        size_t off = dc->offset;
        if (++cx->work > WORK_BUDGET) return wasm_error(cx->err, WASM_ERR_LIMIT, off, "component too complex");
        switch (dc->kind) {
        case DECL_CORE_TYPE:
            if (!pv_push(cx, &s->core_types, &placeholder)) return false;
            break;
        case DECL_TYPE: {
            if (dc->type->kind == TD_RESOURCE) return INVALID(cx, off, "resources can only be defined within a concrete component");
            CType *t = resolve_typedef(cx, s, dc->type);
            if (!t || !pv_push(cx, &s->types, t)) return false;
            break;
        }
        case DECL_ALIAS:
            if (dc->alias.tag == 1) return INVALID(cx, off, "core export aliases are not allowed in types");
            if (dc->alias.tag == 0 && !(dc->alias.sort == CS_TYPE || dc->alias.sort == CS_INSTANCE))
                return INVALID(cx, off, "export aliases in types may only alias types and instances");
            if (dc->alias.tag == 2 && !(dc->alias.sort == CS_TYPE || dc->alias.sort == CS_CORE_TYPE))
                return INVALID(cx, off, "outer aliases in types may only alias types and core types");
            if (!do_alias(cx, s, &dc->alias, off)) return false;
            break;
        case DECL_IMPORT:
        case DECL_EXPORT: {
            bool is_import = dc->kind == DECL_IMPORT;
            /* whose names this declarator's are: an instance type's
             * exports are imports when the instance is imported */
            bool by_import = is_import || vis == VIS_IMPORT;
            bool checked = !is_import && mode == ELAB_CHECK;
            Item item = {.sort = dc->ext.sort};
            const CType *named = NULL;   /* for check_name */
            switch (dc->ext.sort) {
            case CS_FUNC: {
                CType *ft = NULL;
                if (!func_type_of(cx, s, dc->ext.index, off, &ft)) return false;
                if (vis != VIS_NONE && !check_visible(cx, s, ft, by_import, CS_FUNC, off)) return false;
                CFunc *fn = cx_alloc(cx, sizeof *fn);
                if (!fn) return false;
                fn->type = ft;
                fn->kind = F_ABSTRACT;
                named = ft;
                if (!is_import && mode == ELAB_IMPORT) {
                    fn->kind = F_IMPORT;
                    fn->idx = plan_import(cx->pb, iface, dc->name, WASMC_PLAN_FUNC, plan_functype(cx->pb, ft));
                } else if (checked) {
                    Item *a = arg_export(cx, arg, iface, dc->name, CS_FUNC, use_off);
                    if (!a) return false;
                    if (!teq(cx, ((CFunc *)a->p)->type, ft))
                        return INVALID(cx, use_off, "type mismatch in instance export `%s`: function types differ", dc->name);
                    fn = a->p;
                }
                item.p = fn;
                if (!pv_push(cx, &s->funcs, fn)) return false;
                break;
            }
            case CS_TYPE: {
                CType *t;
                if (dc->ext.bound_sub) {
                    if (checked) {
                        Item *a = arg_export(cx, arg, iface, dc->name, CS_TYPE, use_off);
                        if (!a) return false;
                        if (((CType *)a->p)->kind != CT_RESOURCE)
                            return INVALID(cx, use_off, "type mismatch in instance export `%s`: expected resource", dc->name);
                        t = a->p;
                    } else {
                        if (!(t = new_type(cx, CT_RESOURCE))) return false;
                        if (!is_import && mode == ELAB_IMPORT)
                            t->plan_resource = plan_resource_imported(
                                cx->pb, plan_import(cx->pb, iface, dc->name, WASMC_PLAN_RESOURCE, 0));
                    }
                } else {
                    if (!(t = get(cx, s, CS_TYPE, dc->ext.index, off))) return false;
                    if (vis != VIS_NONE && !check_visible(cx, s, t, by_import, CS_TYPE, off)) return false;
                    if (checked) {
                        Item *a = arg_export(cx, arg, iface, dc->name, CS_TYPE, use_off);
                        if (!a) return false;
                        CType *at = a->p;
                        if (ctype_is_value(t) ? !teq(cx, at, t)
                                              : t->kind == CT_RESOURCE && ctype_root(t) != ctype_root(at))
                            return INVALID(cx, use_off, "type mismatch in instance export `%s`: types differ", dc->name);
                        t = at;
                    }
                }
                /* A checked argument's type is the argument's own (the
                 * import is what was passed); otherwise the declarator
                 * names a type of its own. */
                if (checked) {
                    if (!make_visible(cx, s, t, by_import)) return false;
                } else if (!(t = name_type(cx, s, t, by_import))) {
                    return false;
                }
                named = t;
                item.p = t;
                if (!pv_push(cx, &s->types, t)) return false;
                break;
            }
            case CS_INSTANCE: {
                CType *t = get(cx, s, CS_TYPE, dc->ext.index, off);
                if (!t) return false;
                if (t->kind != CT_INSTANCE) return INVALID(cx, off, "type index %u is not an instance type", dc->ext.index);
                if (mode == ELAB_IMPORT && !is_import)
                    return UNSUPPORTED(cx, off, "instances exported by an imported instance (`%s` in `%s`)", dc->name, iface);
                VisMode inner = vis == VIS_NONE ? VIS_NONE : by_import ? VIS_IMPORT : VIS_EXPORT;
                CInst *ci;
                if (checked) {
                    Item *a = arg_export(cx, arg, iface, dc->name, CS_INSTANCE, use_off);
                    if (!a || !elaborate_instance(cx, t, ELAB_CHECK, inner, dc->name, a->p, use_off, &ci)) return false;
                } else if (!elaborate_instance(cx, t, ELAB_PLAIN, inner, NULL, NULL, off, &ci)) {
                    return false;
                }
                if (!make_inst_visible(cx, s, ci, by_import, 0)) return false;
                item.p = ci;
                if (!pv_push(cx, &s->instances, ci)) return false;
                break;
            }
            case CS_COMPONENT: {
                CType *t = get(cx, s, CS_TYPE, dc->ext.index, off);
                if (!t) return false;
                if (t->kind != CT_COMPONENT) return INVALID(cx, off, "type index %u is not a component type", dc->ext.index);
                if (mode == ELAB_IMPORT && !is_import)
                    return UNSUPPORTED(cx, off, "components exported by an imported instance");
                CompVal *cv = cx_alloc(cx, sizeof *cv);
                if (!cv) return false;
                if (checked) {
                    Item *a = arg_export(cx, arg, iface, dc->name, CS_COMPONENT, use_off);
                    if (!a) return false;
                    cv = a->p;
                }
                item.p = cv;
                if (!pv_push(cx, &s->components, cv)) return false;
                break;
            }
            case CS_CORE_MODULE: {
                const void *mt = get(cx, s, CS_CORE_TYPE, dc->ext.index, off);
                if (!mt) return false;
                if (mt != &placeholder) return INVALID(cx, off, "core type index %u is not a module type", dc->ext.index);
                if (mode == ELAB_IMPORT && !is_import)
                    return UNSUPPORTED(cx, off, "core modules exported by an imported instance");
                item.p = &placeholder;
                if (checked) {
                    Item *a = arg_export(cx, arg, iface, dc->name, CS_CORE_MODULE, use_off);
                    if (!a) return false;
                    item.p = a->p;
                }
                if (!pv_push(cx, &s->core_modules, item.p)) return false;
                break;
            }
            default:
                return UNSUPPORTED(cx, off, "%s declarators", sort_name(dc->ext.sort));
            }
            /* (names were checked when the type was defined, before
             * arguments made its abstract types concrete) */
            if (mode != ELAB_CHECK && !check_name(cx, s, dc->name, is_import, item.sort, named, off)) return false;
            if (!is_import && out) {
                if (out->n == cap) {
                    uint32_t ncap = cap ? cap * 2 : 8;
                    const char **nn = arena_array(&cx->arena, ncap, sizeof *nn);
                    Item *ni = arena_array(&cx->arena, ncap, sizeof *ni);
                    if (!nn || !ni) return OOM(cx);
                    if (out->n) {
                        memcpy(nn, out->names, out->n * sizeof *nn);
                        memcpy(ni, out->items, out->n * sizeof *ni);
                    }
                    out->names = nn;
                    out->items = ni;
                    cap = ncap;
                }
                out->names[out->n] = dc->name;
                out->items[out->n++] = item;
            }
            break;
        }
        }
    }
    return true;
}

static bool elaborate_instance(Ctx *cx, CType *it, ElabMode mode, VisMode vis, const char *iface, CInst *arg,
                               size_t use_off, CInst **out) {
    CInst *ci = cx_alloc(cx, sizeof *ci);
    if (!ci) return false;
    if (!elaborate(cx, it, mode, vis, iface, arg, use_off, ci)) return false;
    *out = ci;
    return true;
}

/* ---- Canonical definitions ------------------------------------------------------ */

static bool core_func_at(Ctx *cx, Frame *fr, uint32_t idx, size_t off, CoreItem **out) {
    CoreItem *it = get(cx, fr, CS_CORE_FUNC, idx, off);
    if (!it) return false;
    *out = it;
    return true;
}

static bool resolve_opts(Ctx *cx, Frame *fr, const CCanonOpts *o, const CType *ft, bool lift, POpts *po,
                         size_t off) {
    memset(po, 0, sizeof *po);
    po->cinstance = fr->cinstance;
    po->encoding = o->has_encoding ? o->encoding : WASMC_STRING_UTF8;
    CoreSig sig;
    ctype_core_sig(ft, lift, &sig);
    bool params_ptr = false;
    for (uint32_t i = 0; i < ft->n; i++) params_ptr |= ctype_has_pointers(ft->elems[i]);
    bool result_ptr = ft->a && ctype_has_pointers(ft->a);
    bool needs_memory = params_ptr || result_ptr || sig.params_spilled || sig.results_spilled;
    if (o->has_memory) {
        CoreItem *m = get(cx, fr, CS_CORE_MEMORY, o->memory, off);
        if (!m) return false;
        po->has_memory = true;
        po->memory = m->def;
    }
    if (o->has_realloc) {
        CoreItem *r;
        if (!core_func_at(cx, fr, o->realloc, off, &r)) return false;
        const FuncType *t = r->ft;
        static const uint8_t want[4] = {VT_I32, VT_I32, VT_I32, VT_I32};
        if (!t || t->num_params != 4 || t->num_results != 1 || memcmp(t->params, want, 4) != 0 ||
            t->results[0] != VT_I32)
            return INVALID(cx, off, "canonical option `realloc` uses a core function with an incorrect signature");
        po->has_realloc = true;
        po->realloc = r->def;
    }
    if (needs_memory && !o->has_memory) return INVALID(cx, off, "canonical option `memory` is required");
    bool needs_realloc = lift ? params_ptr || sig.params_spilled : result_ptr;
    if (needs_realloc && !o->has_realloc) return INVALID(cx, off, "canonical option `realloc` is required");
    return true;
}

static bool canon_def(Ctx *cx, Frame *fr, const CDef *d) {
    size_t off = d->offset;
    const CCanonOpts *o = &d->u.canon.opts;
    switch (d->u.canon.op) {
    case CANON_LIFT: {
        CoreItem *core;
        CType *ft = NULL;
        if (!core_func_at(cx, fr, d->u.canon.func, off, &core)) return false;
        if (!func_type_of(cx, fr, d->u.canon.type, off, &ft)) return false;
        CoreSig sig;
        ctype_core_sig(ft, true, &sig);
        if (!core_sig_equal(&sig, core->ft))
            return INVALID(cx, off, "lowered parameter types do not match parameter types of core function %u",
                           d->u.canon.func);
        POpts po;
        if (!resolve_opts(cx, fr, o, ft, true, &po, off)) return false;
        PCoreDef post;
        if (o->has_post_return) {
            CoreItem *pr;
            if (!core_func_at(cx, fr, o->post_return, off, &pr)) return false;
            if (pr->ft->num_results != 0 || pr->ft->num_params != sig.nr ||
                memcmp(pr->ft->params, sig.results, sig.nr) != 0)
                return INVALID(cx, off, "canonical option `post-return` uses a core function with an incorrect signature");
            post = pr->def;
        }
        CFunc *fn = cx_alloc(cx, sizeof *fn);
        if (!fn) return false;
        fn->kind = F_LIFTED;
        fn->type = ft;
        fn->idx = plan_lift(cx->pb, &core->def, &po, plan_functype(cx->pb, ft), o->has_post_return ? &post : NULL);
        return pv_push(cx, &fr->funcs, fn);
    }
    case CANON_LOWER: {
        CFunc *fn = get(cx, fr, CS_FUNC, d->u.canon.func, off);
        if (!fn) return false;
        if (o->has_post_return) return INVALID(cx, off, "canonical option `post-return` cannot be specified for lowerings");
        POpts po;
        if (!resolve_opts(cx, fr, o, fn->type, false, &po, off)) return false;
        if (fn->kind == F_ABSTRACT) return INVALID(cx, off, "cannot lower an abstract function");
        CoreSig sig;
        ctype_core_sig(fn->type, false, &sig);
        FuncType *cft = cx_alloc(cx, sizeof *cft);
        if (!cft) return false;
        cft->num_params = sig.np;
        cft->num_results = sig.nr;
        cft->params = cx_alloc(cx, sig.np + 1);
        cft->results = cx_alloc(cx, sig.nr + 1);
        if (!cft->params || !cft->results) return false;
        memcpy(cft->params, sig.params, sig.np);
        memcpy(cft->results, sig.results, sig.nr);
        CoreItem *it = cx_alloc(cx, sizeof *it);
        if (!it) return false;
        it->sort = CS_CORE_FUNC;
        it->ft = cft;
        it->def.kind = 1;
        it->def.a = plan_lower(cx->pb, fn->kind == F_LIFTED, fn->idx, &po, plan_functype(cx->pb, fn->type));
        return pv_push(cx, &fr->core_funcs, it);
    }
    default: {
        CType *r = get(cx, fr, CS_TYPE, d->u.canon.type, off);
        if (!r) return false;
        if (r->kind != CT_RESOURCE) return INVALID(cx, off, "type index %u is not a resource type", d->u.canon.type);
        uint8_t op = d->u.canon.op == CANON_RESOURCE_NEW ? WASMC_PLAN_RESOURCE_NEW
                   : d->u.canon.op == CANON_RESOURCE_DROP ? WASMC_PLAN_RESOURCE_DROP : WASMC_PLAN_RESOURCE_REP;
        if (op != WASMC_PLAN_RESOURCE_DROP && r->owner != fr)
            return INVALID(cx, off, "resource type %u is not a local resource", d->u.canon.type);
        static const uint8_t i32s[1] = {VT_I32};
        FuncType *cft = cx_alloc(cx, sizeof *cft);
        if (!cft) return false;
        cft->num_params = 1;
        cft->params = (uint8_t *)i32s;
        cft->num_results = op == WASMC_PLAN_RESOURCE_DROP ? 0 : 1;
        cft->results = (uint8_t *)i32s;
        CoreItem *it = cx_alloc(cx, sizeof *it);
        if (!it) return false;
        it->sort = CS_CORE_FUNC;
        it->ft = cft;
        it->def.kind = 1;
        it->def.a = plan_resource_op(cx->pb, op, r->plan_resource, fr->cinstance);
        return pv_push(cx, &fr->core_funcs, it);
    }
    }
}

/* ---- Core instances ------------------------------------------------------------- */

static bool limits_match(const Limits *have, const Limits *want) {
    if (have->min < want->min) return false;
    if (want->has_max) {
        if (!have->has_max || have->max > want->max) return false;
    }
    return true;
}

static bool core_instantiate(Ctx *cx, Frame *fr, const CDef *d) {
    size_t off = d->offset;
    const CModule *cm = get(cx, fr, CS_CORE_MODULE, d->u.inst.of, off);
    if (!cm) return false;
    if ((const void *)cm == &placeholder) return UNSUPPORTED(cx, off, "instantiating an imported core module");
    for (uint32_t i = 0; i < d->u.inst.n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(d->u.inst.args[i].name, d->u.inst.args[j].name) == 0)
                return INVALID(cx, off, "duplicate module instantiation argument named `%s`", d->u.inst.args[i].name);
    const Module *m = &cm->m;
    PCoreDef *defs = malloc((m->num_imports ? m->num_imports : 1) * sizeof *defs);
    if (!defs) return OOM(cx);
    bool ok = true;
    for (uint32_t i = 0; i < m->num_imports && ok; i++) {
        const Import *im = &m->imports[i];
        const CArg *arg = NULL;
        for (uint32_t k = 0; k < d->u.inst.n && !arg; k++)
            if (strcmp(d->u.inst.args[k].name, im->module.str) == 0) arg = &d->u.inst.args[k];
        if (!arg) {
            ok = INVALID(cx, off, "missing module instantiation argument named `%s`", im->module.str);
            break;
        }
        CoreInst *ci = get(cx, fr, CS_CORE_INSTANCE, arg->item.index, off);
        if (!ci) { ok = false; break; }
        CoreItem *it = core_export(cx, ci, im->field.str);
        if (!it) {
            ok = wasm_error_is_set(cx->err) ? false
               : INVALID(cx, off, "module instantiation argument `%s` does not export an item named `%s`",
                         im->module.str, im->field.str);
            break;
        }
        if (it->sort != CS_CORE + im->kind) {
            ok = INVALID(cx, off, "type mismatch for export `%s` of module instantiation argument `%s`: expected %s, found %s",
                         im->field.str, im->module.str, sort_name((uint16_t)(CS_CORE + im->kind)), sort_name(it->sort));
            break;
        }
        switch (im->kind) {
        case EXTERN_FUNC: {
            const FuncType *want = module_func_type(m, im->index), *have = it->ft;
            if (want->num_params != have->num_params || want->num_results != have->num_results ||
                memcmp(want->params, have->params, want->num_params) != 0 ||
                memcmp(want->results, have->results, want->num_results) != 0)
                ok = INVALID(cx, off, "type mismatch for export `%s` of module instantiation argument `%s`: function types differ",
                             im->field.str, im->module.str);
            break;
        }
        case EXTERN_TABLE: {
            const Table *want = &m->tables[im->index];
            if (want->elem_type != it->table->elem_type || !limits_match(&it->table->limits, &want->limits))
                ok = INVALID(cx, off, "type mismatch for export `%s` of module instantiation argument `%s`: table types differ",
                             im->field.str, im->module.str);
            break;
        }
        case EXTERN_MEMORY:
            if (!limits_match(&it->mem->limits, &m->memories[im->index].limits))
                ok = INVALID(cx, off, "type mismatch for export `%s` of module instantiation argument `%s`: memory types differ",
                             im->field.str, im->module.str);
            break;
        case EXTERN_GLOBAL: {
            const Global *want = &m->globals[im->index];
            if (want->type != it->global->type || want->mutable_ != it->global->mutable_)
                ok = INVALID(cx, off, "type mismatch for export `%s` of module instantiation argument `%s`: global types differ",
                             im->field.str, im->module.str);
            break;
        }
        }
        defs[i] = it->def;
    }
    CoreInst *ci = ok ? cx_alloc(cx, sizeof *ci) : NULL;
    if (ci) {
        ci->mod = cm;
        ci->plan_idx = plan_instantiate(cx->pb, (uint32_t)(cm - cx->f->modules), m->num_imports, defs);
        ok = pv_push(cx, &fr->core_instances, ci);
    } else {
        ok = false;
    }
    free(defs);
    return ok;
}

static bool core_from_exports(Ctx *cx, Frame *fr, const CDef *d) {
    size_t off = d->offset;
    CoreInst *ci = cx_alloc(cx, sizeof *ci);
    if (!ci) return false;
    ci->n = d->u.inst.n;
    ci->names = cx_alloc(cx, (ci->n ? ci->n : 1) * sizeof *ci->names);
    ci->items = cx_alloc(cx, (ci->n ? ci->n : 1) * sizeof *ci->items);
    if (!ci->names || !ci->items) return false;
    for (uint32_t i = 0; i < ci->n; i++) {
        const CArg *a = &d->u.inst.args[i];
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(ci->names[j], a->name) == 0) return INVALID(cx, off, "export name `%s` already defined", a->name);
        if (!(a->item.sort == CS_CORE_FUNC || a->item.sort == CS_CORE_TABLE || a->item.sort == CS_CORE_MEMORY ||
              a->item.sort == CS_CORE_GLOBAL))
            return UNSUPPORTED(cx, off, "core instances exporting a %s", sort_name(a->item.sort));
        CoreItem *it = get(cx, fr, a->item.sort, a->item.index, off);
        if (!it) return false;
        ci->names[i] = a->name;
        ci->items[i] = it;
    }
    return pv_push(cx, &fr->core_instances, ci);
}

/* ---- Components ------------------------------------------------------------------ */

typedef struct Args {
    const CDef *def;              /* the instantiate definition */
    Frame *frame;                 /* where its indices live */
    bool *used;
} Args;

static bool eval_component(Ctx *cx, const Component *c, Frame *closure, const uint32_t *lim, Args *args,
                           uint32_t parent_cinst, bool root, CInst **out, Frame **frame_out);

static Item item_at(Ctx *cx, Frame *fr, CSortIdx si, size_t off, bool *ok) {
    Item it = {.sort = si.sort};
    if (si.sort == CS_CORE_MODULE) {
        it.p = get(cx, fr, CS_CORE_MODULE, si.index, off);
    } else if (si.sort == CS_FUNC || si.sort == CS_TYPE || si.sort == CS_INSTANCE || si.sort == CS_COMPONENT) {
        it.p = get(cx, fr, si.sort, si.index, off);
    } else {
        UNSUPPORTED(cx, off, "%s as instantiation arguments or exports", sort_name(si.sort));
        it.p = NULL;
    }
    *ok = it.p != NULL;
    return it;
}

/* Bind an import of a nested component to the argument of that name. */
static bool bind_import(Ctx *cx, Frame *fr, const CDef *d, Args *args, Item *out) {
    size_t off = d->offset;
    const char *name = d->u.ie.name;
    const CExternType *et = &d->u.ie.ext;
    const CDef *inst = args->def;
    uint32_t k = 0;
    for (; k < inst->u.inst.n; k++)
        if (strcmp(inst->u.inst.args[k].name, name) == 0) break;
    if (k == inst->u.inst.n) return INVALID(cx, inst->offset, "missing import named `%s`", name);
    args->used[k] = true;
    const CArg *a = &inst->u.inst.args[k];
    if (a->item.sort != et->sort)
        return INVALID(cx, inst->offset, "expected %s found %s for import `%s`", sort_name(et->sort), sort_name(a->item.sort), name);
    bool ok;
    Item it = item_at(cx, args->frame, a->item, inst->offset, &ok);
    if (!ok) return false;
    switch (et->sort) {
    case CS_FUNC: {
        CType *ft = NULL;
        if (!func_type_of(cx, fr, et->index, off, &ft)) return false;
        if (!teq(cx, ((CFunc *)it.p)->type, ft))
            return INVALID(cx, inst->offset, "type mismatch for import `%s`: function types differ", name);
        break;
    }
    case CS_INSTANCE: {
        CType *t = get(cx, fr, CS_TYPE, et->index, off);
        if (!t) return false;
        if (t->kind != CT_INSTANCE) return INVALID(cx, off, "type index %u is not an instance type", et->index);
        CInst *ci;
        if (!elaborate_instance(cx, t, ELAB_CHECK, VIS_IMPORT, name, it.p, inst->offset, &ci)) return false;
        it.p = ci;   /* the child sees what its import's type declares */
        break;
    }
    case CS_TYPE: {
        CType *at = it.p;
        if (et->bound_sub) {
            if (at->kind != CT_RESOURCE) return INVALID(cx, inst->offset, "type mismatch for import `%s`: expected resource", name);
        } else {
            CType *want = get(cx, fr, CS_TYPE, et->index, off);
            if (!want) return false;
            if (ctype_is_value(want) ? !teq(cx, want, at) : ctype_root(want) != ctype_root(at))
                return INVALID(cx, inst->offset, "type mismatch for import `%s`: types differ", name);
        }
        break;
    }
    case CS_COMPONENT:
        return UNSUPPORTED(cx, off, "component-typed imports of nested components");
    case CS_CORE_MODULE:
        return UNSUPPORTED(cx, off, "module-typed imports of nested components");
    default:
        return UNSUPPORTED(cx, off, "%s imports", sort_name(et->sort));
    }
    *out = it;
    return true;
}

/* An import of the root (or of a component validated on its own). */
static bool root_import(Ctx *cx, Frame *fr, const CDef *d, Item *out) {
    size_t off = d->offset;
    const char *name = d->u.ie.name;
    const CExternType *et = &d->u.ie.ext;
    out->sort = et->sort;
    switch (et->sort) {
    case CS_FUNC: {
        CType *ft = NULL;
        if (!func_type_of(cx, fr, et->index, off, &ft)) return false;
        CFunc *fn = cx_alloc(cx, sizeof *fn);
        if (!fn) return false;
        fn->kind = F_IMPORT;
        fn->type = ft;
        fn->idx = plan_import(cx->pb, "", name, WASMC_PLAN_FUNC, plan_functype(cx->pb, ft));
        out->p = fn;
        return true;
    }
    case CS_INSTANCE: {
        CType *t = get(cx, fr, CS_TYPE, et->index, off);
        if (!t) return false;
        if (t->kind != CT_INSTANCE) return INVALID(cx, off, "type index %u is not an instance type", et->index);
        CInst *ci;
        if (!elaborate_instance(cx, t, ELAB_IMPORT, VIS_IMPORT, name, NULL, off, &ci)) return false;
        out->p = ci;
        return true;
    }
    case CS_TYPE: {
        if (et->bound_sub) {
            CType *r = new_type(cx, CT_RESOURCE);
            if (!r) return false;
            r->plan_resource = plan_resource_imported(cx->pb, plan_import(cx->pb, "", name, WASMC_PLAN_RESOURCE, 0));
            out->p = r;
            return true;
        }
        CType *t = get(cx, fr, CS_TYPE, et->index, off);
        if (!t) return false;
        out->p = t;
        return true;
    }
    case CS_COMPONENT: return UNSUPPORTED(cx, off, "importing components (`%s`)", name);
    case CS_CORE_MODULE: {
        const void *mt = get(cx, fr, CS_CORE_TYPE, et->index, off);
        if (!mt) return false;
        if (mt != &placeholder) return INVALID(cx, off, "core type index %u is not a module type", et->index);
        return UNSUPPORTED(cx, off, "importing core modules (`%s`)", name);
    }
    default: return UNSUPPORTED(cx, off, "%s imports", sort_name(et->sort));
    }
}

static bool instantiate_component(Ctx *cx, Frame *fr, const CDef *d) {
    size_t off = d->offset;
    CompVal *cv = get(cx, fr, CS_COMPONENT, d->u.inst.of, off);
    if (!cv) return false;
    if (!cv->c) return UNSUPPORTED(cx, off, "instantiating an imported component");
    for (uint32_t i = 0; i < d->u.inst.n; i++) {
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(d->u.inst.args[i].name, d->u.inst.args[j].name) == 0)
                return INVALID(cx, off, "instantiation argument `%s` conflicts with previous argument", d->u.inst.args[i].name);
    }
    for (uint32_t i = 0; i < d->u.inst.n; i++) {
        bool ok;
        (void)item_at(cx, fr, d->u.inst.args[i].item, off, &ok);
        if (!ok) return false;
    }
    cv->instantiated = true;
    bool *used = calloc(d->u.inst.n ? d->u.inst.n : 1, 1);
    if (!used) return OOM(cx);
    Args args = {.def = d, .frame = fr, .used = used};
    CInst *ci;
    bool ok = eval_component(cx, cv->c, cv->closure, cv->lim, &args, fr->cinstance, false, &ci, NULL);
    free(used);
    return ok && pv_push(cx, &fr->instances, ci);
}

static bool instance_from_exports(Ctx *cx, Frame *fr, const CDef *d) {
    size_t off = d->offset;
    CInst *ci = cx_alloc(cx, sizeof *ci);
    if (!ci) return false;
    ci->n = d->u.inst.n;
    ci->names = cx_alloc(cx, (ci->n ? ci->n : 1) * sizeof *ci->names);
    ci->items = cx_alloc(cx, (ci->n ? ci->n : 1) * sizeof *ci->items);
    if (!ci->names || !ci->items) return false;
    /* The bag's names are checked as exports are, in a scope of their own
     * where a type export names a new type: a [constructor] or [method]
     * in the bag must use a resource the bag names, which it cannot
     * refer to, so such a bag is invalid (annotated-names.wast). */
    Scope *bag = new_scope_at(cx, fr, false, NULL);
    if (!bag) return false;
    bool ok = true;
    for (uint32_t i = 0; i < ci->n && ok; i++) {
        const CArg *a = &d->u.inst.args[i];
        ci->names[i] = a->name;
        ci->items[i] = item_at(cx, fr, a->item, off, &ok);
        if (!ok) break;
        const CType *ty = NULL;
        if (a->item.sort == CS_FUNC) ty = ((CFunc *)ci->items[i].p)->type;
        if (a->item.sort == CS_TYPE) {
            CType *c = cx_alloc(cx, sizeof *c);
            if (!c) return false;
            *c = *(CType *)ci->items[i].p;
            c->origin = ci->items[i].p;
            ty = c;
        }
        ok = check_name(cx, bag, a->name, false, a->item.sort, ty, off);
    }
    return ok && pv_push(cx, &fr->instances, ci);
}

static bool add_export(Ctx *cx, Frame *fr, const char *name, Item it, size_t off) {
    if (fr->num_exports == fr->cap_exports) {
        uint32_t cap = fr->cap_exports ? fr->cap_exports * 2 : 8;
        const char **nn = arena_array(&cx->arena, cap, sizeof *nn);
        Item *ni = arena_array(&cx->arena, cap, sizeof *ni);
        size_t *no = arena_array(&cx->arena, cap, sizeof *no);
        if (!nn || !ni || !no) return OOM(cx);
        if (fr->num_exports) {
            memcpy(nn, fr->export_names_list, fr->num_exports * sizeof *nn);
            memcpy(ni, fr->export_items, fr->num_exports * sizeof *ni);
            memcpy(no, fr->export_offsets, fr->num_exports * sizeof *no);
        }
        fr->export_names_list = nn;
        fr->export_items = ni;
        fr->export_offsets = no;
        fr->cap_exports = cap;
    }
    fr->export_offsets[fr->num_exports] = off;
    fr->export_names_list[fr->num_exports] = name;
    fr->export_items[fr->num_exports++] = it;
    return true;
}

static bool export_def(Ctx *cx, Frame *fr, const CDef *d) {
    size_t off = d->offset;
    bool ok;
    Item it = item_at(cx, fr, d->u.ie.item, off, &ok);
    if (!ok) return false;
    const CType *ty = NULL;
    if (it.sort == CS_FUNC) ty = ((CFunc *)it.p)->type;
    if (it.sort == CS_TYPE) ty = it.p;
    if (d->u.ie.has_ext) {
        /* Ascription: a supertype the export is seen as from outside. */
        const CExternType *et = &d->u.ie.ext;
        if (et->sort != it.sort)
            return INVALID(cx, off, "export `%s` is a %s, its ascribed type a %s", d->u.ie.name, sort_name(it.sort),
                           sort_name(et->sort));
        if (et->sort == CS_FUNC) {
            CType *ft = NULL;
            if (!func_type_of(cx, fr, et->index, off, &ft)) return false;
            if (!teq(cx, ft, ty)) return INVALID(cx, off, "type mismatch for export `%s`", d->u.ie.name);
            ty = ft;
        } else if (et->sort == CS_TYPE && !et->bound_sub) {
            CType *t = get(cx, fr, CS_TYPE, et->index, off);
            if (!t) return false;
            if (ctype_is_value(t) ? !teq(cx, t, ty) : ctype_root(t) != ctype_root(ty))
                return INVALID(cx, off, "type mismatch for export `%s`", d->u.ie.name);
        } else if (et->sort == CS_TYPE && et->bound_sub) {
            if (ty->kind != CT_RESOURCE) return INVALID(cx, off, "export `%s` is not a resource type", d->u.ie.name);
            /* (sub resource) abstracts the resource: outside, a type of
             * its own, equal to no other (the same one at run time) */
            CType *c = cx_alloc(cx, sizeof *c);
            if (!c) return false;
            *c = *ty;
            c->origin = NULL;
            it.p = c;
            ty = c;
        } else if (et->sort == CS_INSTANCE) {
            CType *t = get(cx, fr, CS_TYPE, et->index, off);
            if (!t) return false;
            if (t->kind != CT_INSTANCE) return INVALID(cx, off, "type index %u is not an instance type", et->index);
            CInst *ci;
            if (!elaborate_instance(cx, t, ELAB_CHECK, VIS_EXPORT, d->u.ie.name, it.p, off, &ci)) return false;
            it.p = ci;
        }
    }
    if (it.sort == CS_FUNC) {
        if (!check_visible(cx, fr, ty, false, CS_FUNC, off)) return false;
    } else if (it.sort == CS_TYPE) {
        if (!check_visible(cx, fr, ty, false, CS_TYPE, off)) return false;
        if (!(it.p = name_type(cx, fr, it.p, false))) return false;
        ty = it.p;
    } else if (it.sort == CS_INSTANCE) {
        if (!check_inst_visible(cx, fr, it.p, false, off)) return false;
    }
    if (!check_name(cx, fr, d->u.ie.name, false, it.sort, ty, off)) return false;
    if (!add_export(cx, fr, d->u.ie.name, it, off)) return false;
    return push_item(cx, fr, it);
}

static bool define_resource(Ctx *cx, Frame *fr, const CDef *d) {
    const CTypeDef *td = d->u.type;
    CType *r = new_type(cx, CT_RESOURCE);
    if (!r) return false;
    r->owner = fr;
    PCoreDef dtor;
    if (td->has_dtor) {
        CoreItem *f;
        if (!core_func_at(cx, fr, td->dtor, d->offset, &f)) return false;
        if (f->ft->num_params != 1 || f->ft->params[0] != VT_I32 || f->ft->num_results != 0)
            return INVALID(cx, d->offset, "wrong signature for a destructor");
        dtor = f->def;
    }
    r->plan_resource = plan_resource_defined(cx->pb, fr->cinstance, td->has_dtor ? &dtor : NULL);
    return pv_push(cx, &fr->types, r);
}

/* Components defined here and never instantiated: evaluate each once on
 * its own, into a scratch plan, so they are validated too. */
static bool validate_uninstantiated(Ctx *cx, Frame *fr) {
    for (uint32_t i = 0; i < fr->components.n; i++) {
        CompVal *cv = fr->components.p[i];
        if (!cv->c || cv->instantiated || cv->closure != fr) continue;
        cv->instantiated = true;
        PlanBuilder scratch, *saved = cx->pb;
        plan_init(&scratch);
        cx->pb = &scratch;
        CInst *ci;
        bool ok = eval_component(cx, cv->c, fr, cv->lim, NULL, 0, true, &ci, NULL);
        cx->pb = saved;
        plan_free(&scratch);
        if (!ok) return false;
    }
    return true;
}

static bool eval_component(Ctx *cx, const Component *c, Frame *closure, const uint32_t *lim, Args *args,
                           uint32_t parent_cinst, bool root, CInst **out, Frame **frame_out) {
    Limits4 l4 = {0};
    if (lim) l4 = (Limits4){lim[0], lim[1], lim[2], lim[3]};
    Frame *fr = new_scope_at(cx, closure, false, lim ? &l4 : NULL);
    if (!fr) return false;
    fr->cinstance = plan_cinstance(cx->pb, root ? 0 : parent_cinst + 1);
    for (uint32_t i = 0; i < c->num_defs; i++) {
        const CDef *d = &c->defs[i];
        size_t off = d->offset;
        if (++cx->work > WORK_BUDGET) return wasm_error(cx->err, WASM_ERR_LIMIT, off, "component too complex");
        bool ok = true;
        switch (d->kind) {
        case DEF_CORE_MODULE:
            ok = pv_push(cx, &fr->core_modules, &cx->f->modules[d->u.module]);
            break;
        case DEF_CORE_INSTANCE:
            ok = d->u.inst.instantiate ? core_instantiate(cx, fr, d) : core_from_exports(cx, fr, d);
            break;
        case DEF_CORE_TYPE:
            ok = pv_push(cx, &fr->core_types, d->u.core_type.is_module ? (void *)&placeholder : (void *)&d->u.core_type.func);
            break;
        case DEF_COMPONENT: {
            CompVal *cv = cx_alloc(cx, sizeof *cv);
            ok = cv != NULL;
            if (ok) {
                cv->c = d->u.component;
                cv->closure = fr;
                cv->lim[0] = fr->types.n;
                cv->lim[1] = fr->core_types.n;
                cv->lim[2] = fr->core_modules.n;
                cv->lim[3] = fr->components.n;
                cv->offset = off;
                ok = pv_push(cx, &fr->components, cv);
            }
            break;
        }
        case DEF_INSTANCE:
            ok = d->u.inst.instantiate ? instantiate_component(cx, fr, d) : instance_from_exports(cx, fr, d);
            break;
        case DEF_ALIAS:
            ok = do_alias(cx, fr, &d->u.alias, off);
            break;
        case DEF_TYPE:
            if (d->u.type->kind == TD_RESOURCE) {
                ok = define_resource(cx, fr, d);
            } else {
                CType *t = resolve_typedef(cx, fr, d->u.type);
                ok = t && pv_push(cx, &fr->types, t);
                if (ok && (t->kind == CT_INSTANCE || t->kind == CT_COMPONENT)) {
                    /* Check the declarators once, abstractly. */
                    CInst scratch = {0};
                    ok = elaborate(cx, t, ELAB_PLAIN, t->kind == CT_COMPONENT ? VIS_EXPORT : VIS_NONE, NULL, NULL,
                                   off, &scratch);
                }
            }
            break;
        case DEF_CANON:
            ok = canon_def(cx, fr, d);
            break;
        case DEF_IMPORT: {
            Item it = {0};
            ok = args ? bind_import(cx, fr, d, args, &it) : root_import(cx, fr, d, &it);
            /* what the import declares (an argument is checked against it) */
            const CType *declared = NULL;
            if (ok && it.sort == CS_FUNC) {
                CType *ft = NULL;
                ok = func_type_of(cx, fr, d->u.ie.ext.index, off, &ft) &&
                     check_visible(cx, fr, ft, true, CS_FUNC, off);
                declared = ft;
            } else if (ok && it.sort == CS_TYPE) {
                CType *t = d->u.ie.ext.bound_sub ? it.p : get(cx, fr, CS_TYPE, d->u.ie.ext.index, off);
                ok = t && check_visible(cx, fr, t, true, CS_TYPE, off) &&
                     (it.p = name_type(cx, fr, it.p, true)) != NULL;
                declared = it.p;
            } else if (ok && it.sort == CS_INSTANCE) {
                ok = make_inst_visible(cx, fr, it.p, true, 0);
            }
            ok = ok && check_name(cx, fr, d->u.ie.name, true, it.sort, declared, off);
            ok = ok && push_item(cx, fr, it);
            break;
        }
        case DEF_EXPORT:
            ok = export_def(cx, fr, d);
            break;
        }
        if (!ok) {
            if (!wasm_error_is_set(cx->err)) OOM(cx);
            return false;
        }
    }
    if (!validate_uninstantiated(cx, fr)) return false;
    CInst *ci = cx_alloc(cx, sizeof *ci);
    if (!ci) return false;
    ci->n = fr->num_exports;
    ci->names = fr->export_names_list;
    ci->items = fr->export_items;
    *out = ci;
    if (frame_out) *frame_out = fr;
    return true;
}

/* ---- The root's exports ------------------------------------------------------------ */

static bool plan_exports(Ctx *cx, const Frame *root) {
    for (uint32_t i = 0; i < root->num_exports; i++) {
        const char *name = root->export_names_list[i];
        const Item *it = &root->export_items[i];
        size_t off = root->export_offsets[i];
        switch (it->sort) {
        case CS_FUNC: {
            const CFunc *fn = it->p;
            if (fn->kind != F_LIFTED) return UNSUPPORTED(cx, off, "exporting an imported function (`%s`)", name);
            plan_export(cx->pb, "", name, WASMC_PLAN_FUNC, fn->idx);
            break;
        }
        case CS_TYPE: {
            const CType *t = it->p;
            if (t->kind == CT_RESOURCE) plan_export(cx->pb, "", name, WASMC_PLAN_RESOURCE, t->plan_resource);
            break;
        }
        case CS_INSTANCE: {
            const CInst *in = it->p;
            for (uint32_t k = 0; k < in->n; k++) {
                const Item *x = &in->items[k];
                if (x->sort == CS_FUNC) {
                    const CFunc *fn = x->p;
                    if (fn->kind != F_LIFTED)
                        return UNSUPPORTED(cx, off, "exporting an imported function (`%s` in `%s`)", in->names[k], name);
                    plan_export(cx->pb, name, in->names[k], WASMC_PLAN_FUNC, fn->idx);
                } else if (x->sort == CS_TYPE) {
                    const CType *t = x->p;
                    if (t->kind == CT_RESOURCE)
                        plan_export(cx->pb, name, in->names[k], WASMC_PLAN_RESOURCE, t->plan_resource);
                } else {
                    return UNSUPPORTED(cx, off, "exporting a %s inside an instance (`%s` in `%s`)",
                                       sort_name(x->sort), in->names[k], name);
                }
            }
            break;
        }
        default:
            return UNSUPPORTED(cx, off, "exporting a %s (`%s`)", sort_name(it->sort), name);
        }
    }
    return true;
}

bool component_flatten(const CFile *f, CPlan *plan, WasmError *err) {
    memset(plan, 0, sizeof *plan);
    Ctx cx = {.f = f, .err = err};
    arena_init(&cx.arena, 0);
    PlanBuilder pb;
    plan_init(&pb);
    cx.pb = &pb;
    CInst *root;
    Frame *root_frame = NULL;
    bool ok = eval_component(&cx, f->root, NULL, NULL, NULL, 0, true, &root, &root_frame);
    ok = ok && plan_exports(&cx, root_frame);
    if (ok) ok = plan_finish(&pb, plan, err);
    else if (!wasm_error_is_set(err)) OOM(&cx);
    for (uint32_t i = 0; i < cx.all_scopes.n; i++) {
        Scope *s = cx.all_scopes.p[i];
        cv_names_free(&s->import_names);
        cv_names_free(&s->export_names);
    }
    plan_free(&pb);
    arena_free(&cx.arena);
    return ok;
}
