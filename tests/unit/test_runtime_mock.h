/* A hand-built wasmc module for testing the runtime without the compiler
 * (Lucet's mock-module idea): C functions stand in for compiled Wasm code,
 * following the artifact calling convention (vmctx first), and live in
 * their own section so the runtime sees them as "guest code" through the
 * descriptor's code_start/code_end, exactly like an artifact's wasmc_text.
 *
 * The module (in WAT terms):
 *   (import "env" "host_add1" (func (param i32) (result i32)))   ;; func 0
 *   (memory 1 4) (table 4 10 funcref) (global (mut i32) (i32.const 42))
 *   (elem (i32.const 1) $add $load) (data (i32.const 16) "hello")
 *   funcs: trap_unreachable, load, grow, add, call_host, div, recurse,
 *          fill, spin (loops until interrupted), call_indirect0, wild
 *   exports: every func by name, "memory", "table", "g", "host_add1"
 */
#ifndef TEST_RUNTIME_MOCK_H
#define TEST_RUNTIME_MOCK_H

#include <string.h>

#include "wasmrt.h"

#define GUEST __attribute__((section("wasmrt_mock_text"), noinline, used, \
                             no_sanitize("address", "undefined")))

extern const char __start_wasmrt_mock_text[], __stop_wasmrt_mock_text[];

enum { F_HOST_ADD1, F_TRAP, F_LOAD, F_GROW, F_ADD, F_CALL_HOST, F_DIV, F_RECURSE, F_FILL, F_SPIN,
       F_CALL_INDIRECT, F_WILD, NUM_FUNCS };

static inline uint8_t *mock_vm(void *vm, uint32_t off) { return (uint8_t *)vm + off; }

/* ---- trampolines (what the compiler generates per type) ---- */
GUEST static void entry_v_v(void *code, void *vm, wasmc_slot *s) {
    (void)s;
    ((void (*)(void *))code)(vm);
}
GUEST static void entry_i_i(void *code, void *vm, wasmc_slot *s) {
    s[0].i32 = ((uint32_t(*)(void *, uint32_t))code)(vm, s[0].i32);
}
GUEST static void entry_ii_i(void *code, void *vm, wasmc_slot *s) {
    s[0].i32 = ((uint32_t(*)(void *, uint32_t, uint32_t))code)(vm, s[0].i32, s[1].i32);
}
GUEST static void host_v_v(wasmc_host_record *r) {
    wasmc_slot s[1];
    r->fn(r->env, r->caller, s);
}
GUEST static uint32_t host_i_i(wasmc_host_record *r, uint32_t a) {
    wasmc_slot s[1];
    s[0].i32 = a;
    r->fn(r->env, r->caller, s);
    return s[0].i32;
}
GUEST static uint32_t host_ii_i(wasmc_host_record *r, uint32_t a, uint32_t b) {
    wasmc_slot s[2];
    s[0].i32 = a;
    s[1].i32 = b;
    r->fn(r->env, r->caller, s);
    return s[0].i32;
}

static const uint8_t mock_sig_v_v[] = {0};
static const uint8_t mock_sig_i_i[] = {0x7F, 0x7F};
static const uint8_t mock_sig_ii_i[] = {0x7F, 0x7F, 0x7F};
enum { T_V_V, T_I_I, T_II_I };
static const wasmc_functype mock_types[] = {
    {0, 0, mock_sig_v_v, entry_v_v, (void *)host_v_v},
    {1, 1, mock_sig_i_i, entry_i_i, (void *)host_i_i},
    {2, 1, mock_sig_ii_i, entry_ii_i, (void *)host_ii_i},
};

/* The vmctx layout for these counts, computed once by mock_layout(). */
static const wasmc_vmctx_counts mock_counts = {
    .num_types = 3, .num_imported_funcs = 1, .num_funcs = NUM_FUNCS, .num_tables = 1,
    .num_memories = 1, .num_globals = 1, .num_imported_globals = 0,
};
static wasmc_vmctx_layout mock_layout_v;

/* ---- the guest functions ---- */
GUEST static void g_trap(wasmc_vmctx *vm) {
    vm->builtins->trap(vm, WASMC_TRAP_UNREACHABLE);
    __builtin_trap();   /* as compiled code does: never a tail call */
}
GUEST static uint32_t g_load(wasmc_vmctx *vm, uint32_t addr) {
    return *(volatile uint32_t *)(vm->memory0_base + addr);   /* no check: guard pages */
}
GUEST static uint32_t g_grow(wasmc_vmctx *vm, uint32_t delta) { return vm->builtins->memory_grow(vm, 0, delta); }
GUEST static uint32_t g_add(wasmc_vmctx *vm, uint32_t a, uint32_t b) { (void)vm; return a + b; }
GUEST static uint32_t g_call_host(wasmc_vmctx *vm, uint32_t x) {
    wasmc_import_func *imp = (wasmc_import_func *)mock_vm(vm, mock_layout_v.imported_funcs);
    return ((uint32_t(*)(void *, uint32_t))imp[0].code)(imp[0].vmctx, x);
}
GUEST static uint32_t g_div(wasmc_vmctx *vm, uint32_t a, uint32_t b) {
    (void)vm;
    volatile int32_t x = (int32_t)a, y = (int32_t)b;
    return (uint32_t)(x / y);   /* hardware division: faults on zero (x86) */
}
GUEST static uint32_t g_recurse(wasmc_vmctx *vm, uint32_t depth) {
    if ((uintptr_t)__builtin_frame_address(0) < vm->limits->stack_limit)
        vm->builtins->trap(vm, WASMC_TRAP_STACK_EXHAUSTED);
    volatile uint8_t pad[512];
    pad[0] = (uint8_t)depth;
    if (depth == 0xFFFFFFFFu) return 0;
    return g_recurse(vm, depth + 1) + pad[0];
}
GUEST static uint32_t g_fill(wasmc_vmctx *vm, uint32_t dst, uint32_t n) {
    vm->builtins->memory_fill(vm, 0, dst, 0xAB, n);
    return 0;
}
GUEST static uint32_t g_spin(wasmc_vmctx *vm, uint32_t x) {
    volatile uint32_t acc = x;
    while (acc != 0xFFFFFFFFu) {   /* a loop back-edge as the compiler emits it */
        if (vm->limits->interrupt) vm->builtins->interrupted(vm);
        acc = acc * 3 + 1;
        if (acc == 0xFFFFFFFFu) acc = 1;
    }
    return acc;
}
GUEST static uint32_t g_call_indirect(wasmc_vmctx *vm, uint32_t idx) {
    /* call_indirect (type $i_i) idx with the argument 7 */
    wasmc_table *t = *(wasmc_table **)mock_vm(vm, mock_layout_v.tables);
    if (idx >= t->size) vm->builtins->trap(vm, WASMC_TRAP_UNDEFINED_ELEMENT);
    wasmc_funcref *f = t->elems[idx];
    if (!f) vm->builtins->trap(vm, WASMC_TRAP_UNINITIALIZED_ELEMENT);
    uint32_t want = ((uint32_t *)mock_vm(vm, mock_layout_v.type_ids))[T_I_I];
    if (f->type_id != want) vm->builtins->trap(vm, WASMC_TRAP_INDIRECT_CALL_TYPE);
    return ((uint32_t(*)(void *, uint32_t))f->code)(f->vmctx, 7);
}

/* A compiler bug's access outside linear memory: must not become a trap. */
GUEST static uint32_t g_wild(wasmc_vmctx *vm, uint32_t addr) {
    (void)vm;
    return *(volatile uint32_t *)(uintptr_t)addr;
}

static const uint32_t mock_func_types[NUM_FUNCS] = {T_I_I, T_V_V, T_I_I, T_I_I, T_II_I, T_I_I, T_II_I, T_I_I,
                                                    T_II_I, T_I_I, T_I_I, T_I_I};
static void *const mock_func_code[NUM_FUNCS] = {NULL, (void *)g_trap, (void *)g_load, (void *)g_grow,
                                                (void *)g_add, (void *)g_call_host, (void *)g_div,
                                                (void *)g_recurse, (void *)g_fill, (void *)g_spin,
                                                (void *)g_call_indirect, (void *)g_wild};
static const char *const mock_func_names[NUM_FUNCS] = {"host_add1", "trap_unreachable", "load", "grow", "add",
                                                       "call_host", "div", "recurse", "fill", "spin",
                                                       "call_indirect0", "wild"};

static const wasmc_import_desc mock_imports[] = {{"env", "host_add1", 3, 9, WASMC_EXTERN_FUNC, 0}};
static wasmc_export_desc mock_exports[NUM_FUNCS + 3];

static const wasmc_table_desc mock_tables[] = {{0x70, 0, {0}, {4, 10, 1, 0}}};
static const wasmc_memory_desc mock_memories[] = {{0, {0}, {1, 4, 1, 0}}};
static const wasmc_global_desc mock_globals[] = {
    {0x7F, 1, 0, {0}, {WASMC_CONST_I32, 0, 0x7F, {0}, {.i32 = 42}}}};
static const wasmc_const_expr mock_elem_items[] = {
    {WASMC_CONST_REF_FUNC, F_ADD, 0x70, {0}, {0}},
    {WASMC_CONST_REF_FUNC, F_CALL_HOST, 0x70, {0}, {0}},
};
static const wasmc_elem_desc mock_elems[] = {
    {WASMC_SEG_ACTIVE, 0, 0x70, {0}, 2, {WASMC_CONST_I32, 0, 0x7F, {0}, {.i32 = 1}}, mock_elem_items}};
static const wasmc_data_desc mock_datas[] = {
    {WASMC_SEG_ACTIVE, 0, {WASMC_CONST_I32, 0, 0x7F, {0}, {.i32 = 16}}, (const uint8_t *)"hello", 5}};

/* Fills in the parts C cannot express as constants; returns a fresh copy
 * tests may modify. */
static inline wasmc_descriptor mock_descriptor(void) {
    wasmc_vmctx_layout_compute(&mock_counts, &mock_layout_v);
    for (uint32_t i = 0; i < NUM_FUNCS; i++)
        mock_exports[i] = (wasmc_export_desc){mock_func_names[i], (uint32_t)strlen(mock_func_names[i]),
                                              WASMC_EXTERN_FUNC, i, 0};
    mock_exports[NUM_FUNCS] = (wasmc_export_desc){"memory", 6, WASMC_EXTERN_MEMORY, 0, 0};
    mock_exports[NUM_FUNCS + 1] = (wasmc_export_desc){"table", 5, WASMC_EXTERN_TABLE, 0, 0};
    mock_exports[NUM_FUNCS + 2] = (wasmc_export_desc){"g", 1, WASMC_EXTERN_GLOBAL, 0, 0};
    wasmc_descriptor d;
    memset(&d, 0, sizeof d);
    d.magic = WASMC_DESCRIPTOR_MAGIC;
    d.format_version = WASMC_FORMAT_VERSION;
#if defined(__x86_64__)
    d.arch = WASMC_ARCH_X86_64;
#else
    d.arch = WASMC_ARCH_AARCH64;
#endif
    d.memory_mode = WASMC_MEMORY_GUARD_PAGES;
    d.reserve_bytes = WASMC_RESERVE_BYTES;
    d.guard_bytes = WASMC_GUARD_BYTES;
    d.compiler_version = "mock";
    d.module_name = "mock";
    d.counts = mock_counts;
    d.layout = mock_layout_v;
    d.num_types = 3;
    d.types = mock_types;
    d.num_imports = 1;
    d.imports = mock_imports;
    d.num_funcs = NUM_FUNCS;
    d.num_imported_funcs = 1;
    d.func_types = mock_func_types;
    d.func_code = mock_func_code;
    d.func_names = mock_func_names;
    d.num_tables = 1;
    d.tables = mock_tables;
    d.num_memories = 1;
    d.memories = mock_memories;
    d.num_globals = 1;
    d.globals = mock_globals;
    d.num_exports = NUM_FUNCS + 3;
    d.exports = mock_exports;
    d.num_elems = 1;
    d.elems = mock_elems;
    d.num_datas = 1;
    d.datas = mock_datas;
    d.code_start = __start_wasmrt_mock_text;
    d.code_end = __stop_wasmrt_mock_text;
    return d;
}

#endif
