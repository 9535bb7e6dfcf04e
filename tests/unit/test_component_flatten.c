/* The flattened plan of small components (the .wat files in tests/unit/components),
 * decoded back and checked step by step against component_plan.h:
 * nested instantiation, an import lowered into a core module through an
 * instantiate-from-exports instance, a lift with memory/realloc/
 * post-return, resources with a destructor, instance exports. */
#include "component_fixture.h"

static void assert_export_def(PrCoreDef d, uint32_t inst, uint32_t exp) {
    cr_assert_eq(d.kind, 0);
    cr_assert_eq(d.a, inst);
    cr_assert_eq(d.b, exp);
}

static void assert_lowered(PrCoreDef d, uint32_t idx) {
    cr_assert_eq(d.kind, 1);
    cr_assert_eq(d.a, idx);
}

Test(component_flatten, import_lowered_into_a_module_and_lift_with_post_return) {
    PrPlan p;
    uint32_t nm;
    fixture_plan("import_lower_lift.wasm", &p, &nm);
    cr_assert_eq(nm, 2);
    /* Imports: the instance's functions, flattened to iface + item. */
    cr_assert_eq(p.num_imports, 2);
    cr_assert_str_eq(p.imports[0].iface, "test:demo/host@0.1.0");
    cr_assert_str_eq(p.imports[0].item, "log");
    cr_assert_str_eq(p.imports[1].item, "add");
    const PrFuncType *log = &p.functypes[p.imports[0].index];
    cr_assert_eq(log->n, 1);
    cr_assert_str_eq(log->names[0], "msg");
    cr_assert_eq(p.valtypes[log->types[0]].kind, WASMC_CVAL_STRING);
    cr_assert(!log->has_result);
    const PrFuncType *add = &p.functypes[p.imports[1].index];
    cr_assert_eq(add->n, 2);
    cr_assert(add->has_result);
    cr_assert_eq(p.valtypes[add->result].kind, WASMC_CVAL_U32);
    /* Root instance, and the nested $wrap instance under it. */
    cr_assert_eq(p.num_cinstances, 2);
    cr_assert_eq(p.cinstances[0], 0);
    cr_assert_eq(p.cinstances[1], 1);

    cr_assert_eq(p.num_steps, 5);
    /* 0: the shim (module 1), no imports. */
    cr_assert_eq(p.steps[0].op, WASMC_PLAN_INSTANTIATE);
    cr_assert_eq(p.steps[0].module, 1);
    cr_assert_eq(p.steps[0].nargs, 0);
    /* 1: add lowered (no memory needed for u32s). */
    cr_assert_eq(p.steps[1].op, WASMC_PLAN_LOWER);
    cr_assert(!p.steps[1].callee_lifted);
    cr_assert_eq(p.steps[1].callee, 1);
    cr_assert(!p.steps[1].opts.has_memory);
    /* 2: the main module, its imports in its import order: host.log is the
     * shim's export 1 ("0"; export 0 is the table), host.add lowered 0. */
    cr_assert_eq(p.steps[2].op, WASMC_PLAN_INSTANTIATE);
    cr_assert_eq(p.steps[2].module, 0);
    cr_assert_eq(p.steps[2].nargs, 2);
    assert_export_def(p.steps[2].args[0], 0, 1);
    assert_lowered(p.steps[2].args[1], 0);
    /* 3: log lowered with the main instance's memory. */
    cr_assert_eq(p.steps[3].op, WASMC_PLAN_LOWER);
    cr_assert_eq(p.steps[3].callee, 0);
    cr_assert(p.steps[3].opts.has_memory);
    assert_export_def(p.steps[3].opts.memory, 1, 0);
    cr_assert_eq(p.steps[3].opts.encoding, WASMC_STRING_UTF8);
    /* 4: greet lifted: memory, realloc, post-return all from instance 1. */
    const PrStep *lift = &p.steps[4];
    cr_assert_eq(lift->op, WASMC_PLAN_LIFT);
    assert_export_def(lift->func, 1, 2);
    cr_assert_eq(lift->opts.cinstance, 0);
    cr_assert(lift->opts.has_memory && lift->opts.has_realloc && lift->has_post_return);
    assert_export_def(lift->opts.memory, 1, 0);
    assert_export_def(lift->opts.realloc, 1, 1);
    assert_export_def(lift->post_return, 1, 3);
    const PrFuncType *greet = &p.functypes[lift->functype];
    cr_assert_eq(greet->n, 1);
    cr_assert_str_eq(greet->names[0], "name");
    cr_assert(greet->has_result);
    cr_assert_eq(p.valtypes[greet->result].kind, WASMC_CVAL_STRING);
    /* The nested component's export, seen through the exported instance,
     * and the direct export: both lifted function 0. */
    cr_assert_eq(p.num_exports, 2);
    cr_assert_str_eq(p.exports[0].iface, "test:demo/greeter@0.1.0");
    cr_assert_str_eq(p.exports[0].item, "greet");
    cr_assert_eq(p.exports[0].kind, WASMC_PLAN_FUNC);
    cr_assert_eq(p.exports[0].index, 0);
    cr_assert_str_eq(p.exports[1].iface, "");
    cr_assert_str_eq(p.exports[1].item, "hello");
    cr_assert_eq(p.exports[1].index, 0);
    pr_free(&p);
}

Test(component_flatten, nested_instances_each_get_their_own_core_instance_and_parent) {
    PrPlan p;
    uint32_t nm;
    fixture_plan("nested.wasm", &p, &nm);
    cr_assert_eq(nm, 2);
    cr_assert_eq(p.num_imports, 0);
    /* root, $a, $b: both children of the root. */
    cr_assert_eq(p.num_cinstances, 3);
    cr_assert_eq(p.cinstances[1], 1);
    cr_assert_eq(p.cinstances[2], 1);
    cr_assert_eq(p.num_steps, 7);
    /* $a: module 0 instantiated, double lifted in component instance 1. */
    cr_assert_eq(p.steps[0].op, WASMC_PLAN_INSTANTIATE);
    cr_assert_eq(p.steps[0].module, 0);
    cr_assert_eq(p.steps[1].op, WASMC_PLAN_LIFT);
    assert_export_def(p.steps[1].func, 0, 0);
    cr_assert_eq(p.steps[1].opts.cinstance, 1);
    /* $b: the same module again, a second core instance. */
    cr_assert_eq(p.steps[2].module, 0);
    assert_export_def(p.steps[3].func, 1, 0);
    cr_assert_eq(p.steps[3].opts.cinstance, 2);
    /* $a's double lowered into the root: a lifted callee. */
    cr_assert_eq(p.steps[4].op, WASMC_PLAN_LOWER);
    cr_assert(p.steps[4].callee_lifted);
    cr_assert_eq(p.steps[4].callee, 0);
    cr_assert_eq(p.steps[4].opts.cinstance, 0);
    /* the outer module gets it; the instantiate-from-exports is gone. */
    cr_assert_eq(p.steps[5].module, 1);
    cr_assert_eq(p.steps[5].nargs, 1);
    assert_lowered(p.steps[5].args[0], 0);
    assert_export_def(p.steps[6].func, 2, 0);
    /* quad is lifted 2; inner.double is $b's, lifted 1. */
    cr_assert_eq(p.num_exports, 2);
    cr_assert_str_eq(p.exports[0].item, "quad");
    cr_assert_eq(p.exports[0].index, 2);
    cr_assert_str_eq(p.exports[1].iface, "inner");
    cr_assert_str_eq(p.exports[1].item, "double");
    cr_assert_eq(p.exports[1].index, 1);
    /* one functype, interned: double and quad share (x: u32) -> u32 */
    cr_assert_eq(p.num_functypes, 1);
    pr_free(&p);
}

Test(component_flatten, a_defined_resource_with_destructor_and_its_builtins) {
    PrPlan p;
    fixture_plan("resources.wasm", &p, NULL);
    cr_assert_eq(p.num_resources, 1);
    cr_assert_eq(p.resources[0].tag, 1);
    cr_assert_eq(p.resources[0].index, 0);
    cr_assert(p.resources[0].has_dtor);
    assert_export_def(p.resources[0].dtor, 0, 0);
    cr_assert_eq(p.num_steps, 7);
    static const uint8_t ops[] = {WASMC_PLAN_INSTANTIATE, WASMC_PLAN_RESOURCE_NEW, WASMC_PLAN_RESOURCE_REP,
                                  WASMC_PLAN_RESOURCE_DROP, WASMC_PLAN_INSTANTIATE, WASMC_PLAN_LIFT,
                                  WASMC_PLAN_LIFT};
    for (uint32_t i = 0; i < 7; i++) cr_assert_eq(p.steps[i].op, ops[i], "step %u", i);
    for (uint32_t i = 1; i <= 3; i++) {
        cr_assert_eq(p.steps[i].resource, 0);
        cr_assert_eq(p.steps[i].cinstance, 0);
    }
    /* res.new / rep / drop are lowered 0, 1, 2, in the module's import order */
    for (uint32_t i = 0; i < 3; i++) assert_lowered(p.steps[4].args[i], i);
    /* the constructor returns own<counter>, the method takes borrow<counter> */
    const PrFuncType *ctor = &p.functypes[p.steps[5].functype];
    cr_assert_eq(p.valtypes[ctor->result].kind, WASMC_CVAL_OWN);
    cr_assert_eq(p.valtypes[ctor->result].a, 0);
    const PrFuncType *get = &p.functypes[p.steps[6].functype];
    cr_assert_str_eq(get->names[0], "self");
    cr_assert_eq(p.valtypes[get->types[0]].kind, WASMC_CVAL_BORROW);
    cr_assert_eq(p.num_exports, 3);
    cr_assert_eq(p.exports[0].kind, WASMC_PLAN_RESOURCE);
    cr_assert_str_eq(p.exports[0].item, "counter");
    cr_assert_str_eq(p.exports[1].item, "[constructor]counter");
    cr_assert_str_eq(p.exports[2].item, "[method]counter.get");
    pr_free(&p);
}

Test(component_flatten, every_valtype_refers_only_to_earlier_ones) {
    const char *names[] = {"import_lower_lift.wasm", "nested.wasm", "resources.wasm"};
    for (size_t k = 0; k < 3; k++) {
        PrPlan p;
        fixture_plan(names[k], &p, NULL);
        for (uint32_t i = 0; i < p.num_valtypes; i++) {
            const PrValType *v = &p.valtypes[i];
            if (v->kind == WASMC_CVAL_OWN || v->kind == WASMC_CVAL_BORROW) {
                cr_assert_lt(v->a, p.num_resources);
                continue;
            }
            for (uint32_t c = 0; c < v->n; c++)
                if (v->types && v->types[c] != UINT32_MAX && v->kind != WASMC_CVAL_ENUM && v->kind != WASMC_CVAL_FLAGS)
                    cr_assert_lt(v->types[c], i);
            if (v->a != UINT32_MAX) cr_assert_lt(v->a, i);
            if (v->b != UINT32_MAX) cr_assert_lt(v->b, i);
        }
        pr_free(&p);
    }
}
