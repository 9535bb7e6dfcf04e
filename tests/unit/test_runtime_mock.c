/* The runtime against a hand-built module (test_runtime_mock.h): linking,
 * instantiation order, memories and their guard pages, builtins, traps from
 * builtins, host functions and the fault handler, nested calls, interrupts,
 * and many threads instantiating at once.  No compiler involved. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_runtime_mock.h"
#include "wasmrt.h"

static wasmc_descriptor D;

/* In a sanitizer build, let faults the runtime passes on reach the default
 * action (death by the signal, which the tests expect) instead of ASan's
 * report-and-abort; ASan's other checks stay on. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0"; }

static void host_add1(void *env, void *caller, wasmc_slot *s) {
    (void)env;
    cr_assert(caller != NULL);
    int32_t x = (int32_t)s[0].i32;
    if (x < 0) wasmrt_host_trap(WASMC_TRAP_HOST, "negative input");
    if (x == 999) wasmrt_host_exit(7);
    s[0].i32 = (uint32_t)(x + 1);
}

static wasmrt_module *mock_module(void) {
    D = mock_descriptor();
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_from_descriptor(&D, &err);
    cr_assert(m, "from_descriptor: %s", err.message);
    return m;
}

static wasmrt_linker *mock_linker(wasmc_host_fn fn, void *env) {
    wasmrt_linker *l = wasmrt_linker_new();
    wasmrt_error err;
    const uint8_t i32 = 0x7F;
    cr_assert(wasmrt_linker_define_host_func(l, "env", "host_add1", &i32, 1, &i32, 1, fn, env, &err), "%s",
              err.message);
    return l;
}

typedef struct fixture {
    wasmrt_module *m;
    wasmrt_store *s;
    wasmrt_linker *l;
    wasmrt_instance *inst;
} fixture;

static fixture setup(const wasmrt_store_config *cfg, wasmc_host_fn fn, void *env) {
    fixture f;
    wasmrt_error err;
    wasmrt_trap trap;
    f.m = mock_module();
    f.s = wasmrt_store_new(cfg, &err);
    cr_assert(f.s, "%s", err.message);
    f.l = mock_linker(fn ? fn : host_add1, env);
    f.inst = wasmrt_instantiate(f.s, f.m, f.l, &trap, &err);
    cr_assert(f.inst, "instantiate: %s", err.message);
    return f;
}

static void teardown(fixture *f) {
    wasmrt_store_free(f->s);
    wasmrt_linker_free(f->l);
    wasmrt_module_release(f->m);
}

static bool call(wasmrt_store *s, wasmrt_instance *inst, const char *name, const int32_t *args, uint32_t n,
                 int32_t *result, wasmrt_trap *trap) {
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(inst, name, &ext), "no export %s", name);
    cr_assert_eq(ext.kind, WASMC_EXTERN_FUNC);
    wasmrt_val a[4], r[1];
    for (uint32_t i = 0; i < n; i++) a[i] = (wasmrt_val){.kind = 0x7F, .of.i32 = args[i]};
    wasmrt_error err;
    bool ok = wasmrt_call(s, &ext.of.func, a, n, r, ext.of.func.type->num_results, trap, &err);
    if (ok && ext.of.func.type->num_results && result) {
        cr_assert_eq(r[0].kind, 0x7F);
        *result = r[0].of.i32;
    }
    if (!ok) cr_assert_neq(trap->code, WASMC_TRAP_NONE, "call failed without trap: %s", err.message);
    return ok;
}

Test(runtime_mock, instantiate_call_and_inspect) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    int32_t r = 0;
    cr_assert(call(f.s, f.inst, "add", (int32_t[]){2, 3}, 2, &r, &trap));
    cr_assert_eq(r, 5);
    /* data segment applied */
    wasmrt_memory *mem = wasmrt_instance_memory(f.inst);
    cr_assert(mem);
    cr_assert_eq(wasmrt_memory_size(mem), 65536);
    cr_assert(memcmp(wasmrt_memory_data(mem) + 16, "hello", 5) == 0);
    cr_assert(call(f.s, f.inst, "load", (int32_t[]){16}, 1, &r, &trap));
    cr_assert_eq((uint32_t)r, 0x6c6c6568u);   /* "hell" little-endian */
    /* global */
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(f.inst, "g", &ext));
    wasmrt_val v;
    wasmrt_global_get(ext.of.global, &v);
    cr_assert_eq(v.kind, 0x7F);
    cr_assert_eq(v.of.i32, 42);
    cr_assert(wasmrt_global_mutable(ext.of.global));
    v.of.i32 = 43;
    cr_assert(wasmrt_global_set(ext.of.global, &v));
    wasmrt_global_get(ext.of.global, &v);
    cr_assert_eq(v.of.i32, 43);
    /* table: elem segment wrote slots 1 and 2 */
    cr_assert(wasmrt_instance_export(f.inst, "table", &ext));
    wasmrt_table *t = ext.of.table;
    cr_assert_eq(wasmrt_table_size(t), 4);
    cr_assert(wasmrt_table_get(t, 0, &v));
    cr_assert_null(v.of.ref);
    cr_assert(wasmrt_table_get(t, 1, &v));
    cr_assert_not_null(v.of.ref);
    cr_assert_not(wasmrt_table_get(t, 4, &v));
    /* call_indirect through the table: slot 1 = add (wrong type), 2 = call_host */
    cr_assert(call(f.s, f.inst, "call_indirect0", (int32_t[]){2}, 1, &r, &trap));
    cr_assert_eq(r, 8);
    cr_assert_not(call(f.s, f.inst, "call_indirect0", (int32_t[]){1}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_INDIRECT_CALL_TYPE);
    cr_assert_not(call(f.s, f.inst, "call_indirect0", (int32_t[]){0}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_UNINITIALIZED_ELEMENT);
    cr_assert_not(call(f.s, f.inst, "call_indirect0", (int32_t[]){4}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_UNDEFINED_ELEMENT);
    cr_assert_not(wasmrt_instance_export(f.inst, "nope", &ext));
    teardown(&f);
}

Test(runtime_mock, trap_from_builtin_names_function) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    cr_assert_not(call(f.s, f.inst, "trap_unreachable", NULL, 0, NULL, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_UNREACHABLE);
    cr_assert_str_eq(wasmrt_trap_message(trap.code), "unreachable");
    cr_assert_not_null(trap.func_name);
    cr_assert_str_eq(trap.func_name, "trap_unreachable");
    /* the store still works after a trap */
    int32_t r;
    cr_assert(call(f.s, f.inst, "add", (int32_t[]){1, 1}, 2, &r, &trap));
    cr_assert_eq(r, 2);
    teardown(&f);
}

Test(runtime_mock, guard_page_fault_is_memory_trap) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    int32_t r;
    cr_assert(call(f.s, f.inst, "load", (int32_t[]){65532}, 1, &r, &trap));
    cr_assert_not(call(f.s, f.inst, "load", (int32_t[]){65533}, 1, &r, &trap));   /* straddles the end */
    cr_assert_eq(trap.code, WASMC_TRAP_MEMORY_OOB);
    cr_assert_str_eq(trap.func_name, "load");
    cr_assert_not(call(f.s, f.inst, "load", (int32_t[]){(int32_t)0xFFFFFFFC}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_MEMORY_OOB);
    teardown(&f);
}

Test(runtime_mock, memory_grow_respects_max_and_store_limit) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    int32_t r;
    cr_assert(call(f.s, f.inst, "grow", (int32_t[]){1}, 1, &r, &trap));
    cr_assert_eq(r, 1);
    cr_assert(call(f.s, f.inst, "load", (int32_t[]){65536}, 1, &r, &trap));   /* now in bounds, zero */
    cr_assert_eq(r, 0);
    cr_assert(call(f.s, f.inst, "grow", (int32_t[]){3}, 1, &r, &trap));   /* 2 + 3 > max 4 */
    cr_assert_eq(r, -1);
    cr_assert(call(f.s, f.inst, "grow", (int32_t[]){2}, 1, &r, &trap));
    cr_assert_eq(r, 2);
    cr_assert(call(f.s, f.inst, "grow", (int32_t[]){0}, 1, &r, &trap));
    cr_assert_eq(r, 4);
    teardown(&f);

    wasmrt_store_config cfg = {.max_memory_pages = 2};
    f = setup(&cfg, NULL, NULL);
    cr_assert(call(f.s, f.inst, "grow", (int32_t[]){1}, 1, &r, &trap));
    cr_assert_eq(r, 1);
    cr_assert(call(f.s, f.inst, "grow", (int32_t[]){1}, 1, &r, &trap));
    cr_assert_eq(r, -1);
    teardown(&f);
}

Test(runtime_mock, memory_fill_checks_before_writing) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    int32_t r;
    uint8_t *base = wasmrt_memory_data(wasmrt_instance_memory(f.inst));
    cr_assert(call(f.s, f.inst, "fill", (int32_t[]){100, 4}, 2, &r, &trap));
    cr_assert_eq(base[103], 0xAB);
    cr_assert_not(call(f.s, f.inst, "fill", (int32_t[]){65530, 7}, 2, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_MEMORY_OOB);
    cr_assert_eq(base[65530], 0, "a trapping fill wrote memory");
    cr_assert(call(f.s, f.inst, "fill", (int32_t[]){65536, 0}, 2, &r, &trap));   /* n = 0 at the end is fine */
    teardown(&f);
}

Test(runtime_mock, host_functions_and_host_traps) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    int32_t r;
    cr_assert(call(f.s, f.inst, "call_host", (int32_t[]){41}, 1, &r, &trap));
    cr_assert_eq(r, 42);
    cr_assert_not(call(f.s, f.inst, "call_host", (int32_t[]){-1}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_HOST);
    cr_assert_str_eq(trap.host_message, "negative input");
    cr_assert_not(call(f.s, f.inst, "call_host", (int32_t[]){999}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_EXIT);
    cr_assert_eq(trap.exit_code, 7);
    /* the imported host function re-exported and called from the host */
    cr_assert(call(f.s, f.inst, "host_add1", (int32_t[]){1}, 1, &r, &trap));
    cr_assert_eq(r, 2);
    teardown(&f);
}

typedef struct nest_env {
    wasmrt_store *s;
    wasmrt_instance *inst;
    int depth;
} nest_env;

/* host -> wasm -> host -> wasm, with a trap in the innermost call that
 * must unwind only that call. */
static void host_nested(void *env, void *caller, wasmc_slot *s) {
    nest_env *e = env;
    (void)caller;
    wasmrt_trap trap;
    int32_t r = 0;
    cr_assert(call(e->s, e->inst, "add", (int32_t[]){(int32_t)s[0].i32, 10}, 2, &r, &trap));
    bool trapped = !call(e->s, e->inst, "trap_unreachable", NULL, 0, NULL, &trap);
    cr_assert(trapped);
    cr_assert_eq(trap.code, WASMC_TRAP_UNREACHABLE);
    if (e->depth++ < 3) {   /* recurse through the guest again */
        int32_t r2 = 0;
        cr_assert(call(e->s, e->inst, "call_host", (int32_t[]){0}, 1, &r2, &trap));
        cr_assert_geq(r2, 110);
    }
    s[0].i32 = (uint32_t)(r + (trapped ? 100 : 0));
}

Test(runtime_mock, nested_calls_and_inner_traps) {
    nest_env env = {0};
    fixture f = setup(NULL, host_nested, &env);
    env.s = f.s;
    env.inst = f.inst;
    wasmrt_trap trap;
    int32_t r;
    cr_assert(call(f.s, f.inst, "call_host", (int32_t[]){5}, 1, &r, &trap));
    cr_assert_eq(r, 115);
    cr_assert_eq(env.depth, 4);
    /* an outer trap after the nested ones still lands at the outer call */
    cr_assert_not(call(f.s, f.inst, "trap_unreachable", NULL, 0, NULL, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_UNREACHABLE);
    teardown(&f);
}

Test(runtime_mock, stack_exhaustion) {
    wasmrt_store_config cfg = {.max_stack_bytes = 256 << 10};
    fixture f = setup(&cfg, NULL, NULL);
    wasmrt_trap trap;
    int32_t r;
    cr_assert_not(call(f.s, f.inst, "recurse", (int32_t[]){0}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_STACK_EXHAUSTED);
    cr_assert_str_eq(wasmrt_trap_message(trap.code), "call stack exhausted");
    cr_assert(call(f.s, f.inst, "add", (int32_t[]){1, 2}, 2, &r, &trap));
    teardown(&f);
}

Test(runtime_mock, hardware_divide_fault_is_trap) {
#if defined(__x86_64__)
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    int32_t r;
    cr_assert(call(f.s, f.inst, "div", (int32_t[]){7, 2}, 2, &r, &trap));
    cr_assert_eq(r, 3);
    cr_assert_not(call(f.s, f.inst, "div", (int32_t[]){7, 0}, 2, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_INT_DIV_ZERO);
    cr_assert_str_eq(trap.func_name, "div");
    teardown(&f);
#else
    cr_skip_test("integer division does not fault on this architecture");
#endif
}

static void *interrupter(void *p) {
    usleep(20000);
    wasmrt_store_interrupt(p);
    return NULL;
}

Test(runtime_mock, interrupt_from_another_thread) {
    fixture f = setup(NULL, NULL, NULL);
    pthread_t th;
    pthread_create(&th, NULL, interrupter, f.s);
    wasmrt_trap trap;
    int32_t r;
    cr_assert_not(call(f.s, f.inst, "spin", (int32_t[]){1}, 1, &r, &trap));
    pthread_join(th, NULL);
    cr_assert_eq(trap.code, WASMC_TRAP_INTERRUPTED);
    /* consumed: the next call runs normally */
    cr_assert(call(f.s, f.inst, "add", (int32_t[]){1, 2}, 2, &r, &trap));
    teardown(&f);
}

Test(runtime_mock, deadline_interrupts_a_runaway_call) {
    wasmrt_store_config cfg = {.deadline_ns = 20 * 1000 * 1000};
    fixture f = setup(&cfg, NULL, NULL);
    wasmrt_trap trap;
    int32_t r;
    cr_assert_not(call(f.s, f.inst, "spin", (int32_t[]){1}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_INTERRUPTED);
    for (int i = 0; i < 100; i++)   /* quick calls are not disturbed */
        cr_assert(call(f.s, f.inst, "add", (int32_t[]){1, 2}, 2, &r, &trap));
    teardown(&f);
}

Test(runtime_mock, unknown_function_imports_trap_when_called_if_asked) {
    wasmrt_module *m = mock_module();
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_linker *l = wasmrt_linker_new();
    wasmrt_linker_trap_unknown_imports(l, true);
    wasmrt_instance *inst = wasmrt_instantiate(s, m, l, &trap, &err);
    cr_assert(inst, "%s", err.message);
    int32_t r;
    cr_assert(call(s, inst, "add", (int32_t[]){1, 2}, 2, &r, &trap));  /* the rest works */
    cr_assert_eq(r, 3);
    cr_assert_not(call(s, inst, "host_add1", (int32_t[]){1}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_HOST);
    cr_assert_str_eq(trap.host_message, "unknown import env.host_add1 was called");
    /* off again: instantiation fails as before */
    wasmrt_linker_trap_unknown_imports(l, false);
    cr_assert_null(wasmrt_instantiate(s, m, l, &trap, &err));
    cr_assert_str_eq(err.message, "unknown import: env.host_add1");
    wasmrt_linker_free(l);
    wasmrt_store_free(s);
    wasmrt_module_release(m);
}

Test(runtime_mock, argument_type_mismatch_is_error_not_trap) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(f.inst, "add", &ext));
    wasmrt_val a[2] = {{.kind = 0x7F, .of.i32 = 1}, {.kind = 0x7C, .of.f64 = 1.0}}, r[1];
    wasmrt_trap trap;
    wasmrt_error err;
    cr_assert_not(wasmrt_call(f.s, &ext.of.func, a, 2, r, 1, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_NONE);
    cr_assert(strstr(err.message, "argument 1"), "%s", err.message);
    cr_assert_not(wasmrt_call(f.s, &ext.of.func, a, 1, r, 1, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_NONE);
    teardown(&f);
}

Test(runtime_mock, link_errors) {
    wasmrt_module *m = mock_module();
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_linker *empty = wasmrt_linker_new();
    cr_assert_null(wasmrt_instantiate(s, m, empty, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_NONE);
    cr_assert_str_eq(err.message, "unknown import: env.host_add1");
    wasmrt_linker *bad = wasmrt_linker_new();
    const uint8_t i64 = 0x7E;
    cr_assert(wasmrt_linker_define_host_func(bad, "env", "host_add1", &i64, 1, &i64, 1, host_add1, NULL, &err));
    cr_assert_null(wasmrt_instantiate(s, m, bad, &trap, &err));
    cr_assert_str_eq(err.message, "incompatible import type for env.host_add1");
    /* a memory where a function is expected */
    wasmrt_memory *mem = wasmrt_memory_new(s, 1, 1, true, &err);
    cr_assert(mem);
    wasmrt_extern ext = {.kind = WASMC_EXTERN_MEMORY, .of.memory = mem};
    cr_assert(wasmrt_linker_define(bad, "env", "host_add1", &ext, &err));
    cr_assert_null(wasmrt_instantiate(s, m, bad, &trap, &err));
    cr_assert_str_eq(err.message, "incompatible import type for env.host_add1");
    wasmrt_linker_free(empty);
    wasmrt_linker_free(bad);
    wasmrt_store_free(s);
    wasmrt_module_release(m);
}

/* A second module importing the first one's memory and table; its data
 * segment runs past the end, so instantiation traps, but per the spec its
 * earlier element and data segments stay written. */
static const wasmc_import_desc imp2_imports[] = {
    {"A", "memory", 1, 6, WASMC_EXTERN_MEMORY, 0},
    {"A", "table", 1, 5, WASMC_EXTERN_TABLE, 0},
    {"A", "add", 1, 3, WASMC_EXTERN_FUNC, 0},
};
static const wasmc_table_desc imp2_tables[] = {{0x70, 1, {0}, {2, 0, 0, 0}}};
static const wasmc_memory_desc imp2_memories[] = {{1, {0}, {1, 0, 0, 0}}};
static const uint32_t imp2_func_types[] = {T_II_I};
static void *const imp2_code[] = {NULL};
static const wasmc_const_expr imp2_items[] = {{WASMC_CONST_REF_FUNC, 0, 0x70, {0}, {0}}};
static const wasmc_elem_desc imp2_elems[] = {
    {WASMC_SEG_ACTIVE, 0, 0x70, {0}, 1, {WASMC_CONST_I32, 0, 0x7F, {0}, {.i32 = 3}}, imp2_items}};
static const wasmc_data_desc imp2_datas[] = {
    {WASMC_SEG_ACTIVE, 0, {WASMC_CONST_I32, 0, 0x7F, {0}, {.i32 = 0}}, (const uint8_t *)"AB", 2},
    {WASMC_SEG_ACTIVE, 0, {WASMC_CONST_I32, 0, 0x7F, {0}, {.i32 = 65535}}, (const uint8_t *)"CD", 2},
};

Test(runtime_mock, cross_instance_imports_and_partial_segment_init) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_error err;
    wasmrt_trap trap;
    cr_assert(wasmrt_linker_define_instance(f.l, "A", f.inst, &err), "%s", err.message);
    wasmc_descriptor d2 = mock_descriptor();
    wasmc_vmctx_counts c = {.num_types = 3, .num_imported_funcs = 1, .num_funcs = 1, .num_tables = 1,
                            .num_memories = 1};
    d2.counts = c;
    wasmc_vmctx_layout_compute(&c, &d2.layout);
    d2.num_imports = 3;
    d2.imports = imp2_imports;
    d2.num_funcs = 1;
    d2.num_imported_funcs = 1;
    d2.func_types = imp2_func_types;
    d2.func_code = imp2_code;
    d2.func_names = NULL;
    d2.tables = imp2_tables;
    d2.memories = imp2_memories;
    d2.num_globals = 0;
    d2.globals = NULL;
    d2.num_exports = 0;
    d2.exports = NULL;
    d2.elems = imp2_elems;
    d2.num_datas = 2;
    d2.datas = imp2_datas;
    d2.code_start = d2.code_end = NULL;
    wasmrt_module *m2 = wasmrt_module_from_descriptor(&d2, &err);
    cr_assert(m2, "%s", err.message);
    cr_assert_null(wasmrt_instantiate(f.s, m2, f.l, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_MEMORY_OOB);
    cr_assert_str_eq(err.message, "out of bounds memory access");
    uint8_t *base = wasmrt_memory_data(wasmrt_instance_memory(f.inst));
    cr_assert(memcmp(base, "AB", 2) == 0, "earlier data segment not kept");
    cr_assert_eq(base[65535], 0);
    /* the element segment put A's `add` (imported by B) into A's table */
    int32_t r;
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(f.inst, "table", &ext));
    wasmrt_val v;
    cr_assert(wasmrt_table_get(ext.of.table, 3, &v));
    cr_assert_not_null(v.of.ref);
    wasmc_funcref *fr = v.of.ref;
    wasmrt_func fn = {fr, &mock_types[T_II_I], NULL};
    wasmrt_val args[2] = {{.kind = 0x7F, .of.i32 = 20}, {.kind = 0x7F, .of.i32 = 22}}, res[1];
    cr_assert(wasmrt_call(f.s, &fn, args, 2, res, 1, &trap, &err), "%s", err.message);
    cr_assert_eq(res[0].of.i32, 42);
    (void)r;
    /* import type matching: B wants a memory of at least 2 pages */
    wasmc_memory_desc big[] = {{1, {0}, {2, 0, 0, 0}}};
    d2.memories = big;
    wasmrt_module *m3 = wasmrt_module_from_descriptor(&d2, &err);
    cr_assert(m3);
    cr_assert_null(wasmrt_instantiate(f.s, m3, f.l, &trap, &err));
    cr_assert_str_eq(err.message, "incompatible import type for A.memory");
    wasmrt_module_release(m3);
    wasmrt_module_release(m2);
    teardown(&f);
}

/* Bounds-checked code's memories reserve only their maximum; guard-page
 * code, which relies on the full guard area, may not import one. */
Test(runtime_mock, bounds_mode_memories_and_guard_mode_imports) {
    wasmrt_error err;
    wasmrt_trap trap;
    D = mock_descriptor();
    D.memory_mode = WASMC_MEMORY_BOUNDS_CHECKS;
    wasmrt_module *m = wasmrt_module_from_descriptor(&D, &err);
    cr_assert(m, "%s", err.message);
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_linker *l = mock_linker(host_add1, NULL);
    wasmrt_instance *a = wasmrt_instantiate(s, m, l, &trap, &err);
    cr_assert(a, "%s", err.message);
    int32_t r;
    cr_assert(call(s, a, "grow", (int32_t[]){3}, 1, &r, &trap));   /* up to the declared max of 4 */
    cr_assert_eq(r, 1);
    wasmrt_memory_data(wasmrt_instance_memory(a))[4 * 65536 - 1] = 7;
    cr_assert(call(s, a, "grow", (int32_t[]){1}, 1, &r, &trap));
    cr_assert_eq(r, -1);
    cr_assert(wasmrt_linker_define_instance(l, "A", a, &err), "%s", err.message);
    wasmc_descriptor d2 = mock_descriptor();   /* guard mode, imports A.memory */
    wasmc_vmctx_counts c = {.num_types = 3, .num_imported_funcs = 1, .num_funcs = 1, .num_tables = 1,
                            .num_memories = 1};
    d2.counts = c;
    wasmc_vmctx_layout_compute(&c, &d2.layout);
    d2.num_imports = 3;
    d2.imports = imp2_imports;
    d2.num_funcs = 1;
    d2.func_types = imp2_func_types;
    d2.func_code = imp2_code;
    d2.func_names = NULL;
    d2.tables = imp2_tables;
    d2.memories = imp2_memories;
    d2.num_globals = 0;
    d2.num_exports = 0;
    d2.num_elems = 0;
    d2.num_datas = 0;
    wasmrt_module *m2 = wasmrt_module_from_descriptor(&d2, &err);
    cr_assert(m2, "%s", err.message);
    cr_assert_null(wasmrt_instantiate(s, m2, l, &trap, &err));
    cr_assert(strstr(err.message, "incompatible import type for A.memory"), "%s", err.message);
    d2.memory_mode = WASMC_MEMORY_BOUNDS_CHECKS;   /* bounds-checked importer: fine */
    wasmrt_module *m3 = wasmrt_module_from_descriptor(&d2, &err);
    cr_assert(m3, "%s", err.message);
    cr_assert(wasmrt_instantiate(s, m3, l, &trap, &err), "%s", err.message);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m3);
    wasmrt_module_release(m2);
    wasmrt_module_release(m);
}

Test(runtime_mock, host_created_objects) {
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    cr_assert(s);
    wasmrt_memory *m = wasmrt_memory_new(s, 1, 2, true, &err);
    cr_assert(m, "%s", err.message);
    cr_assert_eq(wasmrt_memory_size(m), 65536);
    wasmrt_memory_data(m)[65535] = 1;
    cr_assert_eq(wasmrt_memory_grow(m, 1), 1);
    cr_assert_eq(wasmrt_memory_grow(m, 1), UINT32_MAX);
    cr_assert_null(wasmrt_memory_new(s, 3, 2, true, &err));
    wasmrt_table *t = wasmrt_table_new(s, 0x70, 10, 20, true, NULL, &err);
    cr_assert(t);
    cr_assert_eq(wasmrt_table_size(t), 10);
    cr_assert_eq(wasmrt_table_elem_type(t), 0x70);
    wasmrt_val v = {.kind = 0x6F, .of.ref = (void *)1};
    cr_assert_not(wasmrt_table_set(t, 0, &v), "externref stored in a funcref table");
    wasmrt_val g0 = {.kind = 0x7E, .of.i64 = 666};
    wasmrt_global *g = wasmrt_global_new(s, &g0, false, &err);
    cr_assert(g);
    wasmrt_val out;
    wasmrt_global_get(g, &out);
    cr_assert_eq(out.of.i64, 666);
    cr_assert_not(wasmrt_global_set(g, &g0), "immutable global set");
    wasmrt_store_free(s);
}

/* A fault in code that is not guest code must not be swallowed. */
Test(runtime_mock, fault_outside_guest_code_kills, .signal = SIGSEGV) {
    wasmrt_error err;
    cr_assert(wasmrt_init(&err));
    volatile int *volatile p = (volatile int *)(uintptr_t)16;
    *p = 1;
}

static void host_crash(void *env, void *caller, wasmc_slot *s) {
    (void)env, (void)caller, (void)s;
    volatile int *volatile p = (volatile int *)(uintptr_t)16;
    *p = 1;   /* host code bug: must crash, not become a trap */
}

Test(runtime_mock, fault_in_host_function_kills, .signal = SIGSEGV) {
    fixture f = setup(NULL, host_crash, NULL);
    wasmrt_trap trap;
    int32_t r;
    call(f.s, f.inst, "call_host", (int32_t[]){1}, 1, &r, &trap);
}

/* A fault in guest code at an address outside every linear memory is a
 * bug, not a Wasm trap: it must crash, not be reported as out of bounds. */
Test(runtime_mock, wild_access_from_guest_code_kills, .signal = SIGSEGV) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    int32_t r;
    call(f.s, f.inst, "wild", (int32_t[]){16}, 1, &r, &trap);
}

/* Reservations are recycled: a new instance must see fresh, zeroed memory
 * of its own size, whatever the previous user did to it. */
Test(runtime_mock, recycled_memory_is_zeroed_and_resized) {
    fixture f = setup(NULL, NULL, NULL);
    wasmrt_trap trap;
    wasmrt_error err;
    int32_t r;
    for (int round = 0; round < 3; round++) {
        wasmrt_memory *mem = wasmrt_instance_memory(f.inst);
        uint8_t *base = wasmrt_memory_data(mem);
        cr_assert_eq(wasmrt_memory_size(mem), 65536);
        for (uint32_t i = 0; i < 65536; i++)
            if (base[i] != (i >= 16 && i < 21 ? (uint8_t)"hello"[i - 16] : 0))
                cr_assert_fail("round %d: byte %u is %u", round, i, base[i]);
        cr_assert_not(call(f.s, f.inst, "load", (int32_t[]){65536}, 1, &r, &trap));
        cr_assert_eq(trap.code, WASMC_TRAP_MEMORY_OOB);
        memset(base, 0x5A, 65536);
        cr_assert(call(f.s, f.inst, "grow", (int32_t[]){3}, 1, &r, &trap));
        memset(base + 65536, 0x5A, 3 * 65536);
        wasmrt_instance_free(f.inst);
        f.inst = wasmrt_instantiate(f.s, f.m, f.l, &trap, &err);
        cr_assert(f.inst, "%s", err.message);
    }
    teardown(&f);
}

/* Many threads instantiating, calling, trapping and destroying at once. */
#define THREADS 8
#define CYCLES 1000

static void *cycle_thread(void *p) {
    wasmrt_module *m = p;
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_linker *l = mock_linker(host_add1, NULL);
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    long failures = 0;
    for (int i = 0; i < CYCLES; i++) {
        if (i % 100 == 99) {   /* also churn stores */
            wasmrt_store_free(s);
            s = wasmrt_store_new(NULL, &err);
        }
        wasmrt_instance *inst = wasmrt_instantiate(s, m, l, &trap, &err);
        if (!inst) { failures++; continue; }
        wasmrt_extern ext;
        wasmrt_val a[2] = {{.kind = 0x7F, .of.i32 = i}, {.kind = 0x7F, .of.i32 = 1}}, r[1];
        if (!wasmrt_instance_export(inst, "add", &ext) ||
            !wasmrt_call(s, &ext.of.func, a, 2, r, 1, &trap, &err) || r[0].of.i32 != i + 1)
            failures++;
        a[0].of.i32 = 70000 + i;
        if (!wasmrt_instance_export(inst, "load", &ext) ||
            wasmrt_call(s, &ext.of.func, a, 1, r, 1, &trap, &err) || trap.code != WASMC_TRAP_MEMORY_OOB)
            failures++;
        if (!wasmrt_instance_export(inst, "trap_unreachable", &ext) ||
            wasmrt_call(s, &ext.of.func, NULL, 0, r, 0, &trap, &err) || trap.code != WASMC_TRAP_UNREACHABLE)
            failures++;
        wasmrt_instance_free(inst);
    }
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    return (void *)failures;
}

Test(runtime_mock, threads_instantiate_call_trap_destroy, .timeout = 120) {
    wasmrt_module *m = mock_module();
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) cr_assert_eq(pthread_create(&th[i], NULL, cycle_thread, m), 0);
    long failures = 0;
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        failures += (long)r;
    }
    cr_assert_eq(failures, 0, "%ld failed cycles", failures);
    wasmrt_module_release(m);
}

/* Compiled code assumes no memory reaches 2^32 bytes (artifact.h,
 * WASMC_MAX_MEMORY_PAGES), whatever the type or the store allows. */
Test(runtime_mock, memories_stop_one_page_short_of_4_gib) {
    wasmrt_error err = {{0}};
    wasmrt_store_config cfg = {.max_memory_pages = 65536};
    wasmrt_store *s = wasmrt_store_new(&cfg, &err);
    cr_assert(s, "%s", err.message);
    cr_expect_null(wasmrt_memory_new(s, 65536, 65536, true, &err));
    cr_expect(strstr(err.message, "limit of 65535 pages"), "message: %s", err.message);
    wasmrt_memory *m = wasmrt_memory_new(s, 1, 65536, true, &err);
    cr_assert(m, "%s", err.message);
    cr_expect_eq(wasmrt_memory_grow(m, 65535), UINT32_MAX);
    cr_expect_eq(wasmrt_memory_size(m), 65536u);
    wasmrt_store_free(s);
}
