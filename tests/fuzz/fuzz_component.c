/* libFuzzer target for the component front end: decode, validate and
 * flatten arbitrary bytes (core modules inside go through the core
 * decoder and validator too).
 *
 * Any crash, sanitizer report, leak, hang or runaway allocation is a bug:
 * every input must become a plan or an error value.  A plan that comes
 * out is read back strictly (tests/unit/plan_reader.h) and every index in
 * it is checked to point backwards into its index space, as the runtime
 * will check: a front end that "succeeds" with a plan the runtime would
 * refuse is caught here.  Built by tools/fuzz-component.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "component/component.h"
#include "plan_reader.h"

static void check_def(const PrCoreDef *d, uint32_t instances, uint32_t lowered) {
    if (d->kind == 0 ? d->a >= instances : d->a >= lowered) abort();
}

static void check_opts(const PrPlan *p, const PrOpts *o, uint32_t instances, uint32_t lowered) {
    if (o->cinstance >= p->num_cinstances || o->encoding > 2) abort();
    if (o->has_memory) check_def(&o->memory, instances, lowered);
    if (o->has_realloc) check_def(&o->realloc, instances, lowered);
}

static void check_plan(const PrPlan *p, uint32_t num_modules) {
    for (uint32_t i = 0; i < p->num_valtypes; i++) {
        const PrValType *v = &p->valtypes[i];
        if (v->kind == WASMC_CVAL_OWN || v->kind == WASMC_CVAL_BORROW) {
            if (v->a >= p->num_resources) abort();
            continue;
        }
        if (v->kind == WASMC_CVAL_RECORD || v->kind == WASMC_CVAL_TUPLE || v->kind == WASMC_CVAL_VARIANT)
            for (uint32_t k = 0; k < v->n; k++)
                if (v->types[k] != UINT32_MAX && v->types[k] >= i) abort();
        if (v->a != UINT32_MAX && v->a >= i) abort();
        if (v->b != UINT32_MAX && v->b >= i) abort();
        if (v->kind == WASMC_CVAL_FLAGS && (v->n == 0 || v->n > WASMC_PLAN_MAX_FLAGS)) abort();
    }
    for (uint32_t i = 0; i < p->num_functypes; i++) {
        for (uint32_t k = 0; k < p->functypes[i].n; k++)
            if (p->functypes[i].types[k] >= p->num_valtypes) abort();
        if (p->functypes[i].has_result && p->functypes[i].result >= p->num_valtypes) abort();
    }
    for (uint32_t i = 0; i < p->num_cinstances; i++)
        if (p->cinstances[i] > i) abort();
    for (uint32_t i = 0; i < p->num_imports; i++)
        if (p->imports[i].kind == WASMC_PLAN_FUNC && p->imports[i].index >= p->num_functypes) abort();
    uint32_t instances = 0, lowered = 0, lifted = 0;
    for (uint32_t i = 0; i < p->num_steps; i++) {
        const PrStep *s = &p->steps[i];
        switch (s->op) {
        case WASMC_PLAN_INSTANTIATE:
            if (s->module >= num_modules) abort();
            for (uint32_t k = 0; k < s->nargs; k++) check_def(&s->args[k], instances, lowered);
            instances++;
            break;
        case WASMC_PLAN_LOWER:
            if (s->callee_lifted ? s->callee >= lifted
                                 : (s->callee >= p->num_imports || p->imports[s->callee].kind != WASMC_PLAN_FUNC))
                abort();
            check_opts(p, &s->opts, instances, lowered);
            if (s->functype >= p->num_functypes) abort();
            lowered++;
            break;
        case WASMC_PLAN_LIFT:
            check_def(&s->func, instances, lowered);
            check_opts(p, &s->opts, instances, lowered);
            if (s->functype >= p->num_functypes) abort();
            if (s->has_post_return) check_def(&s->post_return, instances, lowered);
            lifted++;
            break;
        default:
            if (s->resource >= p->num_resources || s->cinstance >= p->num_cinstances) abort();
            lowered++;
        }
    }
    for (uint32_t i = 0; i < p->num_resources; i++) {
        const PrResource *r = &p->resources[i];
        if (r->tag == 0 ? (r->index >= p->num_imports || p->imports[r->index].kind != WASMC_PLAN_RESOURCE)
                        : r->index >= p->num_cinstances)
            abort();
        if (r->has_dtor) check_def(&r->dtor, instances, lowered);
    }
    for (uint32_t i = 0; i < p->num_exports; i++) {
        const PrExtern *e = &p->exports[i];
        if (e->kind == WASMC_PLAN_FUNC ? e->index >= lifted : e->index >= p->num_resources) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    CFile f;
    WasmError err;
    wasm_error_clear(&err);
    if (!component_decode(data, size, &f, &err)) {
        if (err.kind == WASM_OK) abort();
        return 0;
    }
    CPlan plan;
    if (component_flatten(&f, &plan, &err)) {
        PrPlan p;
        if (!pr_read(plan.bytes, plan.size, &p)) abort();
        check_plan(&p, f.num_modules);
        pr_free(&p);
        free(plan.bytes);
    } else if (err.kind == WASM_OK) {
        abort();
    }
    component_free(&f);
    return 0;
}
