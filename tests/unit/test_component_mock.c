/* Component instantiation and calls (rt/component/cinstance.c, clinker.c,
 * cload.c) on a hand-built core module (test_component_mock.h) and a plan
 * encoded here: lifting and lowering through real trampolines, host
 * imports, post-return, resources with destructors, re-entrance, the
 * linker's missing-import report and semver matching, and each
 * hostile-guest case as a trap with its message. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "plan_builder.h"
#include "test_component_mock.h"
#include "wasmrt_component.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0"; }

enum { TY_U32, TY_STRING, TY_OWN, TY_BORROW };
enum { F_ADD, F_GREET, F_DOUBLE, F_VOID, F_U32, F_STR, F_MAKE, F_REPOF, F_DROPH };
#define IFACE "test:host/api@0.1.0"

static wasmc_descriptor MD;
static const wasmc_descriptor *MODS[1];
static wasmc_component_descriptor CD;
static pb PLAN;

static void functype(pb *p, uint32_t n, const char *const *names, const uint32_t *ts, int64_t result) {
    pb_u32(p, n);
    for (uint32_t i = 0; i < n; i++) { pb_name(p, names[i]); pb_u32(p, ts[i]); }
    if (result < 0) pb_byte(p, 0); else { pb_byte(p, 1); pb_u32(p, (uint32_t)result); }
}

static void lift_enc(pb *p, uint32_t core_export, uint32_t ft, int64_t post, wasmc_string_encoding enc) {
    pb_byte(p, WASMC_PLAN_LIFT);
    pb_core_export(p, 0, core_export);
    pb_opts(p, 0, enc, 0, CX_MEMORY, 0, CX_REALLOC);
    pb_u32(p, ft);
    if (post < 0) pb_byte(p, 0); else { pb_byte(p, 1); pb_core_export(p, 0, (uint32_t)post); }
}

static void lift(pb *p, uint32_t core_export, uint32_t ft, int64_t post) {
    lift_enc(p, core_export, ft, post, WASMC_STRING_UTF8);
}

/* bad_add: "add" lifted as (a: u64, b: u64) -> u64, which its core type
 * (i32, i32) -> i32 does not implement. */
static bool bad_add;

static void build_plan(void) {
    pb *p = &PLAN;
    *p = (pb){0};
    pb_header(p);
    pb_u32(p, 5);
    pb_prim(p, WASMC_CVAL_U32);
    pb_prim(p, WASMC_CVAL_STRING);
    pb_own(p, 0);
    pb_borrow(p, 0);
    pb_prim(p, WASMC_CVAL_U64);
    pb_u32(p, 9);
    uint32_t at = bad_add ? 4 : TY_U32;
    functype(p, 2, (const char *[]){"a", "b"}, (uint32_t[]){at, at}, at);
    functype(p, 1, (const char *[]){"name"}, (uint32_t[]){TY_STRING}, TY_STRING);
    functype(p, 1, (const char *[]){"x"}, (uint32_t[]){TY_U32}, TY_U32);
    functype(p, 0, NULL, NULL, -1);
    functype(p, 0, NULL, NULL, TY_U32);
    functype(p, 0, NULL, NULL, TY_STRING);
    functype(p, 0, NULL, NULL, TY_OWN);
    functype(p, 1, (const char *[]){"self"}, (uint32_t[]){TY_BORROW}, TY_U32);
    functype(p, 1, (const char *[]){"h"}, (uint32_t[]){TY_OWN}, -1);
    pb_u32(p, 1); pb_u32(p, 0);                     /* one component instance */
    pb_u32(p, 1);                                   /* resource 0: defined by instance 0, dtor */
    pb_byte(p, 1); pb_u32(p, 0); pb_byte(p, 1); pb_core_export(p, 0, CX_DTOR);
    pb_u32(p, 2);                                   /* imports */
    pb_name(p, IFACE); pb_name(p, "double"); pb_byte(p, WASMC_PLAN_FUNC); pb_u32(p, F_DOUBLE);
    pb_name(p, IFACE); pb_name(p, "callback"); pb_byte(p, WASMC_PLAN_FUNC); pb_u32(p, F_VOID);
    pb_u32(p, 16);                                  /* steps */
    pb_byte(p, WASMC_PLAN_LOWER); pb_byte(p, 0); pb_u32(p, 0);
    pb_opts(p, 0, WASMC_STRING_UTF8, -1, 0, -1, 0); pb_u32(p, F_DOUBLE);
    pb_byte(p, WASMC_PLAN_LOWER); pb_byte(p, 0); pb_u32(p, 1);
    pb_opts(p, 0, WASMC_STRING_UTF8, -1, 0, -1, 0); pb_u32(p, F_VOID);
    pb_byte(p, WASMC_PLAN_RESOURCE_NEW); pb_u32(p, 0); pb_u32(p, 0);
    pb_byte(p, WASMC_PLAN_RESOURCE_DROP); pb_u32(p, 0); pb_u32(p, 0);
    pb_byte(p, WASMC_PLAN_RESOURCE_REP); pb_u32(p, 0); pb_u32(p, 0);
    pb_byte(p, WASMC_PLAN_INSTANTIATE); pb_u32(p, 0); pb_u32(p, 5);
    for (uint32_t i = 0; i < 5; i++) pb_lowered(p, i);
    lift(p, CX_ADD, F_ADD, -1);
    lift(p, CX_GREET, F_GREET, CX_GREET_POST);
    lift(p, CX_CALL_IMPORT, F_U32, -1);
    lift(p, CX_REENTER, F_VOID, -1);
    lift(p, CX_BAD_STRING, F_STR, -1);
    lift(p, CX_MAKE, F_MAKE, -1);
    lift(p, CX_REP_OF, F_REPOF, -1);
    lift(p, CX_DROP, F_DROPH, -1);
    lift(p, CX_REP_VIA_IMPORT, F_DOUBLE, -1);
    lift_enc(p, CX_GREET, F_GREET, CX_GREET_POST, WASMC_STRING_UTF16);
    pb_u32(p, 11);                                  /* exports */
    const char *names[] = {"add", "greet", "call-import", "reenter", "bad-string", "make", "rep-of", "drop",
                           "rep-via-import", "greet16"};
    for (uint32_t i = 0; i < 10; i++) {
        pb_name(p, i >= 5 && i < 9 ? "test:guest/res" : "");
        pb_name(p, names[i]);
        pb_byte(p, WASMC_PLAN_FUNC);
        pb_u32(p, i);
    }
    pb_name(p, "test:guest/res"); pb_name(p, "r"); pb_byte(p, WASMC_PLAN_RESOURCE); pb_u32(p, 0);
}

static bool inexact;   /* the core module as wasmc --trap-state=auto builds a command */

static wasmrt_component *component(void) {
    MD = cm_descriptor();
    MD.inexact_trap_state = inexact;
    MODS[0] = &MD;
    build_plan();
    CD = (wasmc_component_descriptor){WASMC_COMPONENT_MAGIC, WASMC_FORMAT_VERSION, 1, 0, MODS, PLAN.b, PLAN.n, "cmock"};
    wasmrt_error err;
    wasmrt_component *c = wasmrt_component_from_descriptor(&CD, &err);
    cr_assert(c, "%s", err.message);
    return c;
}

/* ---- host functions ---- */
static uint32_t drop_in_host;           /* a host handle host_double tries to drop, or 0 */
static wasmrt_trap drop_trap;
static bool drop_ok;

static bool host_double(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type, const wasmrt_cval *args,
                        uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)env, (void)caller, (void)type;
    cr_assert_eq(nargs, 1);
    if (drop_in_host) {
        wasmrt_error e;
        drop_ok = wasmrt_cinstance_resource_drop(caller, drop_in_host, &drop_trap, &e);
    }
    if (args[0].of.u == 21 && env) {
        snprintf(err->message, sizeof err->message, "twenty-one is not allowed");
        return false;
    }
    *result = (wasmrt_cval){.kind = WASMC_CVAL_U32, .of.u = args[0].of.u * 2};
    return true;
}

static wasmrt_trap nested_trap;
static bool host_callback(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type, const wasmrt_cval *args,
                          uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)env, (void)type, (void)args, (void)nargs, (void)result;
    const wasmrt_cfunc *add = wasmrt_cinstance_func(caller, "", "add");
    wasmrt_cval a[2] = {{.kind = WASMC_CVAL_U32, .of.u = 1}, {.kind = WASMC_CVAL_U32, .of.u = 2}}, r;
    if (wasmrt_cinstance_call(caller, add, a, 2, &r, &nested_trap, err)) return true;
    return false;
}

typedef struct fx {
    wasmrt_component *c;
    wasmrt_store *s;
    wasmrt_clinker *l;
    wasmrt_cinstance *ci;
} fx;

static fx setup(void *double_env) {
    memset(&G, 0, sizeof G);
    G.bump = 16384;
    fx f;
    wasmrt_error err;
    wasmrt_trap trap;
    f.c = component();
    f.s = wasmrt_store_new(NULL, &err);
    cr_assert(f.s, "%s", err.message);
    f.l = wasmrt_clinker_new();
    cr_assert(wasmrt_clinker_define_func(f.l, IFACE, "double", host_double, double_env, &err));
    cr_assert(wasmrt_clinker_define_func(f.l, IFACE, "callback", host_callback, NULL, &err));
    f.ci = wasmrt_component_instantiate(f.s, f.c, f.l, &trap, &err);
    cr_assert(f.ci, "instantiate: %s", err.message);
    return f;
}

static void teardown(fx *f) {
    wasmrt_store_free(f->s);   /* frees the component instance too */
    wasmrt_clinker_free(f->l);
    wasmrt_component_release(f->c);
    free(PLAN.b);
}

static bool call(fx *f, const char *iface, const char *name, const wasmrt_cval *args, uint32_t n,
                 wasmrt_cval *result, wasmrt_trap *trap) {
    const wasmrt_cfunc *fn = wasmrt_cinstance_func(f->ci, iface, name);
    cr_assert(fn, "no export %s", name);
    wasmrt_error err;
    bool ok = wasmrt_cinstance_call(f->ci, fn, args, n, result, trap, &err);
    if (!ok) cr_assert_neq(trap->code, WASMC_TRAP_NONE, "failed without a trap: %s", err.message);
    return ok;
}

static wasmrt_cval u32v(uint64_t x) { return (wasmrt_cval){.kind = WASMC_CVAL_U32, .of.u = x}; }

/* A new instance of the component in the same store: a trap poisons the
 * one it happened in. */
static void renew(fx *f) {
    wasmrt_error err;
    wasmrt_trap trap;
    f->ci = wasmrt_component_instantiate(f->s, f->c, f->l, &trap, &err);
    cr_assert(f->ci, "instantiate: %s", err.message);
}

static void expect_poisoned(fx *f) {
    wasmrt_cval r;
    wasmrt_trap trap;
    cr_assert_not(call(f, "", "add", (wasmrt_cval[]){u32v(1), u32v(2)}, 2, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "cannot enter component instance: it trapped earlier");
}

Test(component_mock, lifted_function_takes_and_returns_values) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    cr_assert(call(&f, "", "add", (wasmrt_cval[]){u32v(40), u32v(2)}, 2, &r, &trap));
    cr_assert_eq(r.kind, WASMC_CVAL_U32);
    cr_assert_eq(r.of.u, 42);
    const wasmrt_cfunc *add = wasmrt_cinstance_func(f.ci, NULL, "add");
    cr_assert_eq(wasmrt_cfunc_num_params(add), 2);
    cr_assert_str_eq(wasmrt_cfunc_param_name(add, 1), "b");
    cr_assert_eq(wasmrt_ctype_kind(wasmrt_cfunc_result_type(add)), WASMC_CVAL_U32);
    cr_assert_null(wasmrt_cinstance_func(f.ci, "", "nope"));
    teardown(&f);
}

Test(component_mock, a_core_trap_reaches_the_host_with_its_code_and_function) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    cr_assert_not(call(&f, "", "add", (wasmrt_cval[]){u32v(0xdead), u32v(0)}, 2, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_UNREACHABLE);
    cr_assert_str_eq(trap.host_message, "unreachable (in add)");
    teardown(&f);
}

/* Explainer.md, component invariants: a trap sets the instance's lockdown
 * state; nothing runs in it again.  Other instances of the component are
 * untouched, and a trap from the host's own bad argument (before the
 * instance ran) poisons nothing. */
Test(component_mock, a_trapped_component_instance_is_poisoned_for_good) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    wasmrt_cinstance *first = f.ci;
    renew(&f);
    wasmrt_cinstance *second = f.ci;
    f.ci = first;
    cr_assert_not(call(&f, "", "add", (wasmrt_cval[]){u32v(0xdead), u32v(0)}, 2, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_UNREACHABLE);
    expect_poisoned(&f);
    expect_poisoned(&f);
    cr_assert_not(call(&f, "", "greet", &(wasmrt_cval){.kind = WASMC_CVAL_STRING, .of.str = {"x", 1}}, 1, &r, &trap));
    cr_assert_eq(G.realloc_calls, 0, "the poisoned instance's realloc ran");
    f.ci = second;
    cr_assert(call(&f, "", "add", (wasmrt_cval[]){u32v(1), u32v(2)}, 2, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.u, 3);
    /* the host hands in an own handle it does not have: refused before
     * the guest runs, so the instance stays usable */
    wasmrt_cval bogus = {.kind = WASMC_CVAL_OWN, .of.handle = 77};
    cr_assert_not(call(&f, "test:guest/res", "drop", &bogus, 1, NULL, &trap));
    cr_assert(strstr(trap.host_message, "unknown handle index"), "%s", trap.host_message);
    cr_assert(call(&f, "", "add", (wasmrt_cval[]){u32v(2), u32v(2)}, 2, &r, &trap), "%s", trap.host_message);
    teardown(&f);
}

Test(component_mock, a_trapped_core_instance_with_inexact_trap_state_is_not_run_again) {
    inexact = true;
    fx f = setup(NULL);
    inexact = false;
    wasmrt_cval r;
    wasmrt_trap trap;
    cr_assert_not(call(&f, "", "add", (wasmrt_cval[]){u32v(0xdead), u32v(0)}, 2, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_UNREACHABLE);
    cr_assert_not(call(&f, "", "add", (wasmrt_cval[]){u32v(1), u32v(2)}, 2, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert(strstr(trap.host_message, "trapped earlier"), "%s", trap.host_message);
    teardown(&f);
}

Test(component_mock, strings_go_through_realloc_and_post_return_runs_once) {
    fx f = setup(NULL);
    wasmrt_cval arg = {.kind = WASMC_CVAL_STRING, .of.str = {"w\xc3\xb6rld", 6}}, r;
    wasmrt_trap trap;
    cr_assert(call(&f, "", "greet", &arg, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.kind, WASMC_CVAL_STRING);
    cr_assert_eq(r.of.str.len, 13);
    cr_assert(!memcmp(r.of.str.ptr, "hello, w\xc3\xb6rld", 13));
    cr_assert_eq(G.realloc_calls, 1);
    cr_assert_eq(G.post_calls, 1);
    wasmrt_cval_free(&r);
    teardown(&f);
}

Test(component_mock, a_host_value_of_the_wrong_type_is_an_error_not_a_trap) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    wasmrt_error err;
    const wasmrt_cfunc *fn = wasmrt_cinstance_func(f.ci, "", "add");
    cr_assert_not(wasmrt_cinstance_call(f.ci, fn, (wasmrt_cval[]){u32v(1), u32v(1ull << 32)}, 2, &r, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_NONE);
    cr_assert(strstr(err.message, "argument 1 (b)"), "%s", err.message);
    cr_assert_not(wasmrt_cinstance_call(f.ci, fn, (wasmrt_cval[]){u32v(1)}, 1, &r, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_NONE);
    teardown(&f);
}

Test(component_mock, a_host_string_that_is_not_utf8_is_an_error) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    wasmrt_error err;
    const wasmrt_cfunc *fn = wasmrt_cinstance_func(f.ci, "", "greet");
    static const char *bad[] = {"a\xc0\x80", "\xed\xa0\x80", "ab\xe2"};   /* overlong, surrogate, cut short */
    for (int i = 0; i < 3; i++) {
        wasmrt_cval arg = {.kind = WASMC_CVAL_STRING, .of.str = {(char *)bad[i], strlen(bad[i])}};
        cr_assert_not(wasmrt_cinstance_call(f.ci, fn, &arg, 1, &r, &trap, &err));
        cr_assert_eq(trap.code, WASMC_TRAP_NONE);
        cr_assert(strstr(err.message, "not valid UTF-8"), "%s", err.message);
    }
    cr_assert_eq(G.realloc_calls, 0);
    teardown(&f);
}

Test(component_mock, guest_calls_a_host_import) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    cr_assert(call(&f, "", "call-import", NULL, 0, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.u, 42);
    teardown(&f);
}

Test(component_mock, a_failing_host_import_traps_naming_the_import) {
    fx f = setup((void *)1);
    wasmrt_cval r;
    wasmrt_trap trap;
    cr_assert_not(call(&f, "", "call-import", NULL, 0, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_HOST);
    cr_assert_str_eq(trap.host_message, "test:host/api@0.1.0#double: twenty-one is not allowed");
    /* the trap went through the instance: it is poisoned */
    expect_poisoned(&f);
    teardown(&f);
}

Test(component_mock, a_component_called_back_into_while_it_runs_traps) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    memset(&nested_trap, 0, sizeof nested_trap);
    cr_assert_not(call(&f, "", "reenter", NULL, 0, &r, &trap));
    cr_assert_eq(nested_trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(nested_trap.host_message, "cannot enter component instance");
    cr_assert_eq(trap.code, WASMC_TRAP_HOST);
    cr_assert(strstr(trap.host_message, "cannot enter component instance"), "%s", trap.host_message);
    teardown(&f);
}

Test(component_mock, realloc_returning_a_misaligned_pointer_traps) {
    fx f = setup(NULL);
    G.realloc_mode = 1;
    /* greet16 takes its string in UTF-16: 2-aligned */
    wasmrt_cval arg = {.kind = WASMC_CVAL_STRING, .of.str = {"x", 1}}, r;
    wasmrt_trap trap;
    cr_assert_not(call(&f, "", "greet16", &arg, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "realloc return: result not aligned");
    cr_assert_eq(G.post_calls, 0);
    teardown(&f);
}

Test(component_mock, realloc_returning_out_of_bounds_traps) {
    fx f = setup(NULL);
    G.realloc_mode = 2;
    wasmrt_cval arg = {.kind = WASMC_CVAL_STRING, .of.str = {"x", 1}}, r;
    wasmrt_trap trap;
    cr_assert_not(call(&f, "", "greet", &arg, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "realloc return: beyond end of memory");
    cr_assert_eq(G.post_calls, 0);
    teardown(&f);
}

Test(component_mock, invalid_utf8_from_the_guest_traps) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    G.bad_ptr = 100;
    G.bad_len = 3;
    memcpy(G.bad_bytes, "ok!", 3);
    G.bad_nbytes = 3;
    cr_assert(call(&f, "", "bad-string", NULL, 0, &r, &trap), "%s", trap.host_message);
    cr_assert(!memcmp(r.of.str.ptr, "ok!", 3));
    wasmrt_cval_free(&r);
    memcpy(G.bad_bytes, "a\xc3(", 3);
    cr_assert_not(call(&f, "", "bad-string", NULL, 0, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "invalid utf-8");
    renew(&f);
    memcpy(G.bad_bytes, "ab\xe2", 3);
    cr_assert_not(call(&f, "", "bad-string", NULL, 0, &r, &trap));
    cr_assert_str_eq(trap.host_message, "incomplete utf-8 byte sequence");
    teardown(&f);
}

Test(component_mock, a_string_out_of_bounds_of_memory_traps) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    G.bad_ptr = 65530;
    G.bad_len = 10;
    cr_assert_not(call(&f, "", "bad-string", NULL, 0, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "string pointer/length out of bounds of memory");
    renew(&f);
    G.bad_ptr = 0xFFFFFFF0u;
    G.bad_len = 0x20;
    cr_assert_not(call(&f, "", "bad-string", NULL, 0, &r, &trap));
    cr_assert_str_eq(trap.host_message, "string pointer/length out of bounds of memory");
    teardown(&f);
}

Test(component_mock, resources_move_between_host_and_guest_and_run_their_destructor) {
    fx f = setup(NULL);
    wasmrt_cval h, r;
    wasmrt_trap trap;
    cr_assert(call(&f, "test:guest/res", "make", NULL, 0, &h, &trap), "%s", trap.host_message);
    cr_assert_eq(h.kind, WASMC_CVAL_OWN);
    const wasmrt_cfunc *make = wasmrt_cinstance_func(f.ci, "test:guest/res", "make");
    cr_assert_str_eq(wasmrt_ctype_resource_name(wasmrt_cfunc_result_type(make)), "test:guest/res#r");
    /* a borrow into the defining instance arrives as the rep itself */
    wasmrt_cval b = {.kind = WASMC_CVAL_BORROW, .of.handle = h.of.handle};
    cr_assert(call(&f, "test:guest/res", "rep-of", &b, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.u, 77);
    /* giving it back: the guest drops it, its destructor sees the rep */
    cr_assert(call(&f, "test:guest/res", "drop", &h, 1, NULL, &trap), "%s", trap.host_message);
    cr_assert_eq(G.dtor_calls, 1);
    cr_assert_eq(G.dtor_rep, 77);
    /* the host's handle moved: using it again traps */
    cr_assert_not(call(&f, "test:guest/res", "drop", &h, 1, NULL, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert(strstr(trap.host_message, "unknown handle index"), "%s", trap.host_message);
    teardown(&f);
}

Test(component_mock, the_host_drops_a_guest_resource_with_its_destructor) {
    fx f = setup(NULL);
    wasmrt_cval h;
    wasmrt_trap trap;
    wasmrt_error err;
    cr_assert(call(&f, "test:guest/res", "make", NULL, 0, &h, &trap));
    cr_assert(wasmrt_cinstance_resource_drop(f.ci, h.of.handle, &trap, &err), "%s", err.message);
    cr_assert_eq(G.dtor_calls, 1);
    cr_assert_not(wasmrt_cinstance_resource_drop(f.ci, h.of.handle, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_NONE);
    teardown(&f);
}

Test(component_mock, a_destructor_cannot_run_while_its_instance_is_running) {
    fx f = setup(NULL);
    wasmrt_cval h, r;
    wasmrt_trap trap;
    wasmrt_error err;
    cr_assert(call(&f, "test:guest/res", "make", NULL, 0, &h, &trap));
    drop_in_host = h.of.handle;   /* the host drops it from inside an import the guest called */
    cr_assert(call(&f, "", "call-import", NULL, 0, &r, &trap), "%s", trap.host_message);
    drop_in_host = 0;
    cr_assert_not(drop_ok);
    cr_assert_eq(drop_trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(drop_trap.host_message, "cannot enter component instance");
    cr_assert_eq(G.dtor_calls, 0);
    /* the handle is still the host's: dropping it now runs the destructor */
    cr_assert(wasmrt_cinstance_resource_drop(f.ci, h.of.handle, &trap, &err), "%s", err.message);
    cr_assert_eq(G.dtor_calls, 1);
    teardown(&f);
}

Test(component_mock, a_guest_handle_used_after_drop_traps) {
    fx f = setup(NULL);
    wasmrt_cval r;
    wasmrt_trap trap;
    /* resource.rep of a handle the guest never had (and of index 0) */
    cr_assert_not(call(&f, "test:guest/res", "rep-via-import", (wasmrt_cval[]){u32v(5)}, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "unknown handle index 5");
    renew(&f);
    cr_assert_not(call(&f, "test:guest/res", "rep-via-import", (wasmrt_cval[]){u32v(0)}, 1, &r, &trap));
    cr_assert_str_eq(trap.host_message, "unknown handle index 0");
    teardown(&f);
}

Test(component_mock, missing_imports_are_all_named) {
    wasmrt_component *c = component();
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_clinker *l = wasmrt_clinker_new();
    cr_assert_null(wasmrt_component_instantiate(s, c, l, &trap, &err));
    cr_assert_str_eq(err.message, "missing imports: test:host/api@0.1.0#double, test:host/api@0.1.0#callback");
    /* trapping instead: instantiation succeeds, the call traps naming it */
    wasmrt_clinker_trap_unknown_imports(l, true);
    wasmrt_cinstance *ci = wasmrt_component_instantiate(s, c, l, &trap, &err);
    cr_assert(ci, "%s", err.message);
    wasmrt_cval r;
    cr_assert_not(wasmrt_cinstance_call(ci, wasmrt_cinstance_func(ci, "", "call-import"), NULL, 0, &r, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_HOST);
    cr_assert_str_eq(trap.host_message, "unknown import: test:host/api@0.1.0#double has not been defined");
    wasmrt_store_free(s);
    wasmrt_clinker_free(l);
    wasmrt_component_release(c);
    free(PLAN.b);
}

Test(component_mock, imports_match_semver_compatible_definitions) {
    wasmrt_component *c = component();
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_clinker *l = wasmrt_clinker_new();
    /* 0.2.x does not satisfy 0.1.0; 0.1.7 does, and beats 0.1.3 */
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.2.0", "double", host_double, (void *)1, &err));
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.1.3", "double", host_double, (void *)1, &err));
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.1.7", "double", host_double, NULL, &err));
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api", "callback", host_callback, NULL, &err));
    cr_assert_null(wasmrt_component_instantiate(s, c, l, &trap, &err));
    cr_assert_str_eq(err.message, "missing imports: test:host/api@0.1.0#callback");
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.1.0", "callback", host_callback, NULL, &err));
    wasmrt_cinstance *ci = wasmrt_component_instantiate(s, c, l, &trap, &err);
    cr_assert(ci, "%s", err.message);
    wasmrt_cval r;
    cr_assert(wasmrt_cinstance_call(ci, wasmrt_cinstance_func(ci, "", "call-import"), NULL, 0, &r, &trap, &err),
              "%s", err.message);   /* env NULL: the 0.1.7 definition ran */
    cr_assert_eq(r.of.u, 42);
    wasmrt_store_free(s);
    wasmrt_clinker_free(l);
    wasmrt_component_release(c);
    free(PLAN.b);
}

Test(component_mock, imports_and_exports_are_listed) {
    wasmrt_component *c = component();
    cr_assert_eq(wasmrt_component_num_imports(c), 2);
    wasmrt_citem it = wasmrt_component_import(c, 0);
    cr_assert_str_eq(it.iface, IFACE);
    cr_assert_str_eq(it.name, "double");
    cr_assert_eq(wasmrt_cfunc_num_params(it.func), 1);
    cr_assert_eq(wasmrt_component_num_exports(c), 11);
    it = wasmrt_component_export(c, 10);
    cr_assert_eq(it.kind, WASMC_PLAN_RESOURCE);
    char *wit = wasmrt_component_wit(c);
    cr_assert(wit);
    cr_assert(strstr(wit, "world cmock {\n  import test:host/api@0.1.0 {\n    double: func(x: u32) -> u32;\n"
                          "    callback: func();\n  }\n"), "%s", wit);
    cr_assert(strstr(wit, "  export greet: func(name: string) -> string;\n"), "%s", wit);
    cr_assert(strstr(wit, "  export test:guest/res {\n    make: func() -> own<r>;\n"
                          "    rep-of: func(self: borrow<r>) -> u32;\n"), "%s", wit);
    cr_assert(strstr(wit, "    resource r;\n  }\n  export greet16: func(name: string) -> string;\n}\n"), "%s", wit);
    free(wit);
    wasmrt_component_release(c);
    free(PLAN.b);
}

Test(component_mock, a_core_function_of_the_wrong_type_for_its_lift_fails_instantiation) {
    bad_add = true;
    wasmrt_component *c = component();
    bad_add = false;
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_clinker *l = wasmrt_clinker_new();
    wasmrt_clinker_trap_unknown_imports(l, true);
    cr_assert_null(wasmrt_component_instantiate(s, c, l, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_NONE);
    cr_assert_str_eq(err.message, "lifted function 0: the core function's type (i32, i32) -> (i32) is not the "
                                  "lifted type's (i64, i64) -> (i64)");
    wasmrt_store_free(s);
    wasmrt_clinker_free(l);
    wasmrt_component_release(c);
    free(PLAN.b);
}

Test(component_mock, a_plan_naming_a_core_instance_before_it_exists_is_refused) {
    MD = cm_descriptor();
    MODS[0] = &MD;
    pb *p = &PLAN;
    *p = (pb){0};
    pb_header(p);
    pb_u32(p, 0);
    pb_u32(p, 0);
    pb_u32(p, 1); pb_u32(p, 0);
    pb_u32(p, 0);
    pb_u32(p, 0);
    pb_u32(p, 1);
    pb_byte(p, WASMC_PLAN_INSTANTIATE); pb_u32(p, 0); pb_u32(p, 5);
    for (uint32_t i = 0; i < 5; i++) pb_core_export(p, 0, CX_ADD);   /* itself: not yet defined */
    pb_u32(p, 0);
    CD = (wasmc_component_descriptor){WASMC_COMPONENT_MAGIC, WASMC_FORMAT_VERSION, 1, 0, MODS, PLAN.b, PLAN.n, NULL};
    wasmrt_error err;
    cr_assert_null(wasmrt_component_from_descriptor(&CD, &err));
    cr_assert(strstr(err.message, "core instance index 0 out of range (0 defined)"), "%s", err.message);
    free(PLAN.b);
}

/* Mutated plans over the mock module: each is refused, fails to
 * instantiate with a message, or instantiates; then every exported
 * function without parameters is called (it returns or traps).  Under
 * ASan this checks instantiation and calls against forged plans. */
Test(component_mock, mutated_plans_are_refused_or_run_never_fault) {
    MD = cm_descriptor();
    MODS[0] = &MD;
    build_plan();
    pb orig = PLAN;
    uint32_t seed = 777, decoded = 0, instantiated = 0, calls = 0;
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_clinker *l = wasmrt_clinker_new();
    wasmrt_clinker_trap_unknown_imports(l, true);
    for (int round = 0; round < 3000; round++) {
        memset(&G, 0, sizeof G);
        G.bump = 16384;
        uint8_t *m = malloc(orig.n);
        memcpy(m, orig.b, orig.n);
        for (int k = 0; k < 1 + round % 2; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % orig.n;
            seed = seed * 1103515245u + 12345u;
            m[at] = (round & 1) ? (uint8_t)(seed >> 16) : (uint8_t)(m[at] ^ (1u << ((seed >> 16) & 7)));
        }
        CD = (wasmc_component_descriptor){WASMC_COMPONENT_MAGIC, WASMC_FORMAT_VERSION, 1, 0, MODS, m, orig.n, NULL};
        wasmrt_component *c = wasmrt_component_from_descriptor(&CD, &err);
        if (c) {
            decoded++;
            wasmrt_cinstance *ci = wasmrt_component_instantiate(s, c, l, &trap, &err);
            if (ci) {
                instantiated++;
                for (uint32_t i = 0; i < wasmrt_component_num_exports(c); i++) {
                    wasmrt_citem it = wasmrt_component_export(c, i);
                    if (it.kind != WASMC_PLAN_FUNC || wasmrt_cfunc_num_params(it.func)) continue;
                    const wasmrt_cfunc *f = wasmrt_cinstance_func(ci, it.iface, it.name);
                    if (!f) continue;
                    wasmrt_cval r;
                    if (wasmrt_cinstance_call(ci, f, NULL, 0, &r, &trap, &err) && wasmrt_cfunc_result_type(f))
                        wasmrt_cval_free(&r);
                    calls++;
                }
                wasmrt_cinstance_free(ci);
            } else {
                cr_assert(err.message[0]);
            }
            wasmrt_component_release(c);
        } else {
            cr_assert(err.message[0]);
        }
        free(m);
    }
    cr_log_info("%u decoded, %u instantiated, %u calls", decoded, instantiated, calls);
    cr_assert_gt(instantiated, 10);
    wasmrt_store_free(s);
    wasmrt_clinker_free(l);
    free(orig.b);
}
