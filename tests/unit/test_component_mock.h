/* A hand-built core module for component tests (the component-side
 * counterpart of test_runtime_mock.h): C functions in their own section
 * stand in for compiled code, with per-type entry and host trampolines.
 *
 * Core module (WAT terms):
 *   (import "host" "double"   (func (param i32) (result i32)))  ;; 0 lowered import
 *   (import "host" "callback" (func))                           ;; 1 lowered import
 *   (import "res" "new"  (func (param i32) (result i32)))       ;; 2 resource.new
 *   (import "res" "drop" (func (param i32)))                    ;; 3 resource.drop
 *   (import "res" "rep"  (func (param i32) (result i32)))       ;; 4 resource.rep
 *   (memory (export "memory") 1)
 *   exports: realloc, add, greet, greet_post, call_import, reenter,
 *            bad_string, make, rep_of, drop, dtor, rep_via_import
 */
#ifndef TEST_COMPONENT_MOCK_H
#define TEST_COMPONENT_MOCK_H

#include <string.h>

#include "wasmrt.h"

#define CGUEST __attribute__((section("wasmrt_cmock_text"), noinline, used, \
                              no_sanitize("address", "undefined")))

extern const char __start_wasmrt_cmock_text[], __stop_wasmrt_cmock_text[];

enum { CI_DOUBLE, CI_CALLBACK, CI_NEW, CI_DROP, CI_REP, CM_NUM_IMPORTS };
enum { CF_REALLOC = CM_NUM_IMPORTS, CF_ADD, CF_GREET, CF_GREET_POST, CF_CALL_IMPORT, CF_REENTER,
       CF_BAD_STRING, CF_MAKE, CF_REP_OF, CF_DROP, CF_DTOR, CF_REP_VIA_IMPORT, CM_NUM_FUNCS };

/* What the guest does, set by the tests. */
static struct {
    uint32_t bump;                  /* realloc's next free byte */
    int realloc_mode;               /* 0 good, 1 misaligned, 2 out of bounds */
    uint32_t realloc_calls, post_calls, dtor_calls, dtor_rep;
    uint32_t bad_ptr, bad_len;
    uint8_t bad_bytes[8];           /* written at bad_ptr first (when bad_nbytes) */
    uint32_t bad_nbytes;
} G;

static wasmc_vmctx_layout cm_layout;

static inline uint8_t *cm_mem(wasmc_vmctx *vm) { return vm->memory0_base; }
static inline wasmc_import_func *cm_imp(wasmc_vmctx *vm) {
    return (wasmc_import_func *)((uint8_t *)vm + cm_layout.imported_funcs);
}

/* ---- trampolines ---- */
CGUEST static void ce_v(void *code, void *vm, wasmc_slot *s) { (void)s; ((void (*)(void *))code)(vm); }
CGUEST static void ce_i_i(void *code, void *vm, wasmc_slot *s) {
    s[0].i32 = ((uint32_t(*)(void *, uint32_t))code)(vm, s[0].i32);
}
CGUEST static void ce_ii_i(void *code, void *vm, wasmc_slot *s) {
    s[0].i32 = ((uint32_t(*)(void *, uint32_t, uint32_t))code)(vm, s[0].i32, s[1].i32);
}
CGUEST static void ce_iiii_i(void *code, void *vm, wasmc_slot *s) {
    s[0].i32 = ((uint32_t(*)(void *, uint32_t, uint32_t, uint32_t, uint32_t))code)(vm, s[0].i32, s[1].i32,
                                                                                    s[2].i32, s[3].i32);
}
CGUEST static void ce__i(void *code, void *vm, wasmc_slot *s) { s[0].i32 = ((uint32_t(*)(void *))code)(vm); }
CGUEST static void ce_i_(void *code, void *vm, wasmc_slot *s) { ((void (*)(void *, uint32_t))code)(vm, s[0].i32); }

CGUEST static void ch_v(wasmc_host_record *r) {
    wasmc_slot s[1];
    r->fn(r->env, r->caller, s);
}
CGUEST static uint32_t ch_i_i(wasmc_host_record *r, uint32_t a) {
    wasmc_slot s[1];
    s[0].i32 = a;
    r->fn(r->env, r->caller, s);
    return s[0].i32;
}
CGUEST static uint32_t ch_ii_i(wasmc_host_record *r, uint32_t a, uint32_t b) {
    wasmc_slot s[2];
    s[0].i32 = a;
    s[1].i32 = b;
    r->fn(r->env, r->caller, s);
    return s[0].i32;
}
CGUEST static uint32_t ch_iiii_i(wasmc_host_record *r, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    wasmc_slot s[4];
    s[0].i32 = a, s[1].i32 = b, s[2].i32 = c, s[3].i32 = d;
    r->fn(r->env, r->caller, s);
    return s[0].i32;
}
CGUEST static uint32_t ch__i(wasmc_host_record *r) {
    wasmc_slot s[1];
    r->fn(r->env, r->caller, s);
    return s[0].i32;
}
CGUEST static void ch_i_(wasmc_host_record *r, uint32_t a) {
    wasmc_slot s[1];
    s[0].i32 = a;
    r->fn(r->env, r->caller, s);
}

static const uint8_t cs_v[] = {0}, cs_i_i[] = {0x7F, 0x7F}, cs_ii_i[] = {0x7F, 0x7F, 0x7F},
                     cs_iiii_i[] = {0x7F, 0x7F, 0x7F, 0x7F, 0x7F}, cs__i[] = {0x7F}, cs_i_[] = {0x7F};
enum { CT_V, CT_I_I, CT_II_I, CT_IIII_I, CT__I, CT_I_, CM_NUM_TYPES };
static const wasmc_functype cm_types[] = {
    {0, 0, cs_v, ce_v, (void *)ch_v},
    {1, 1, cs_i_i, ce_i_i, (void *)ch_i_i},
    {2, 1, cs_ii_i, ce_ii_i, (void *)ch_ii_i},
    {4, 1, cs_iiii_i, ce_iiii_i, (void *)ch_iiii_i},
    {0, 1, cs__i, ce__i, (void *)ch__i},
    {1, 0, cs_i_, ce_i_, (void *)ch_i_},
};

/* ---- the guest ---- */
CGUEST static uint32_t g_realloc(wasmc_vmctx *vm, uint32_t old, uint32_t old_size, uint32_t align, uint32_t size) {
    G.realloc_calls++;
    if (G.realloc_mode == 1) return align > 1 ? 1025 : 1025;   /* misaligned for align > 1 */
    if (G.realloc_mode == 2) return 0xFFFFFFF0u;
    if (old && size <= old_size) return old;
    uint32_t p = (G.bump + align - 1) & ~(align - 1);
    G.bump = p + size;
    if (old) memmove(cm_mem(vm) + p, cm_mem(vm) + old, old_size);
    return p;
}
CGUEST static uint32_t g_add(wasmc_vmctx *vm, uint32_t a, uint32_t b) { (void)vm; return a + b; }
/* greet(name: string) -> string: "hello, NAME" at 8192, (ptr, len) at 4096 */
CGUEST static uint32_t g_greet(wasmc_vmctx *vm, uint32_t ptr, uint32_t len) {
    uint8_t *m = cm_mem(vm);
    memcpy(m + 8192, "hello, ", 7);
    memmove(m + 8199, m + ptr, len);
    uint32_t out[2] = {8192, 7 + len};
    memcpy(m + 4096, out, 8);
    return 4096;
}
CGUEST static void g_greet_post(wasmc_vmctx *vm, uint32_t retptr) { (void)vm; (void)retptr; G.post_calls++; }
CGUEST static uint32_t g_call_import(wasmc_vmctx *vm) {
    wasmc_import_func *imp = cm_imp(vm);
    return ((uint32_t(*)(void *, uint32_t))imp[CI_DOUBLE].code)(imp[CI_DOUBLE].vmctx, 21);
}
CGUEST static void g_reenter(wasmc_vmctx *vm) {
    wasmc_import_func *imp = cm_imp(vm);
    ((void (*)(void *))imp[CI_CALLBACK].code)(imp[CI_CALLBACK].vmctx);
}
CGUEST static uint32_t g_bad_string(wasmc_vmctx *vm) {
    if (G.bad_nbytes) memcpy(cm_mem(vm) + G.bad_ptr, G.bad_bytes, G.bad_nbytes);
    uint32_t out[2] = {G.bad_ptr, G.bad_len};
    memcpy(cm_mem(vm) + 4104, out, 8);
    return 4104;
}
CGUEST static uint32_t g_make(wasmc_vmctx *vm) {
    wasmc_import_func *imp = cm_imp(vm);
    return ((uint32_t(*)(void *, uint32_t))imp[CI_NEW].code)(imp[CI_NEW].vmctx, 77);
}
CGUEST static uint32_t g_rep_of(wasmc_vmctx *vm, uint32_t x) { (void)vm; return x; }
CGUEST static void g_drop(wasmc_vmctx *vm, uint32_t h) {
    wasmc_import_func *imp = cm_imp(vm);
    ((void (*)(void *, uint32_t))imp[CI_DROP].code)(imp[CI_DROP].vmctx, h);
}
CGUEST static void g_dtor(wasmc_vmctx *vm, uint32_t rep) {
    (void)vm;
    G.dtor_calls++;
    G.dtor_rep = rep;
}
/* rep_via_import(h) = resource.rep(h): traps for a handle it does not hold */
CGUEST static uint32_t g_rep_via_import(wasmc_vmctx *vm, uint32_t h) {
    wasmc_import_func *imp = cm_imp(vm);
    return ((uint32_t(*)(void *, uint32_t))imp[CI_REP].code)(imp[CI_REP].vmctx, h);
}

static const uint32_t cm_func_types[CM_NUM_FUNCS] = {
    CT_I_I, CT_V, CT_I_I, CT_I_, CT_I_I,                      /* imports */
    CT_IIII_I, CT_II_I, CT_II_I, CT_I_, CT__I, CT_V, CT__I, CT__I, CT_I_I, CT_I_, CT_I_, CT_I_I};
static void *const cm_func_code[CM_NUM_FUNCS] = {
    NULL, NULL, NULL, NULL, NULL,
    (void *)g_realloc, (void *)g_add, (void *)g_greet, (void *)g_greet_post, (void *)g_call_import,
    (void *)g_reenter, (void *)g_bad_string, (void *)g_make, (void *)g_rep_of, (void *)g_drop, (void *)g_dtor,
    (void *)g_rep_via_import};
static const char *const cm_func_names[CM_NUM_FUNCS] = {
    "double", "callback", "new", "drop", "rep", "realloc", "add", "greet", "greet_post", "call_import",
    "reenter", "bad_string", "make", "rep_of", "drop", "dtor", "rep_via_import"};

static const wasmc_import_desc cm_imports[CM_NUM_IMPORTS] = {
    {"host", "double", 4, 6, WASMC_EXTERN_FUNC, CI_DOUBLE},
    {"host", "callback", 4, 8, WASMC_EXTERN_FUNC, CI_CALLBACK},
    {"res", "new", 3, 3, WASMC_EXTERN_FUNC, CI_NEW},
    {"res", "drop", 3, 4, WASMC_EXTERN_FUNC, CI_DROP},
    {"res", "rep", 3, 3, WASMC_EXTERN_FUNC, CI_REP},
};
/* exports: "memory" then the defined functions in order (export i+1 = func CF_REALLOC + i) */
enum { CX_MEMORY, CX_REALLOC, CX_ADD, CX_GREET, CX_GREET_POST, CX_CALL_IMPORT, CX_REENTER, CX_BAD_STRING,
       CX_MAKE, CX_REP_OF, CX_DROP, CX_DTOR, CX_REP_VIA_IMPORT, CM_NUM_EXPORTS };
static wasmc_export_desc cm_exports[CM_NUM_EXPORTS];
static const wasmc_memory_desc cm_memories[] = {{0, {0}, {1, 10, 1, 0}}};

static const wasmc_vmctx_counts cm_counts = {
    .num_types = CM_NUM_TYPES, .num_imported_funcs = CM_NUM_IMPORTS, .num_funcs = CM_NUM_FUNCS,
    .num_tables = 0, .num_memories = 1, .num_globals = 0, .num_imported_globals = 0,
};

static inline wasmc_descriptor cm_descriptor(void) {
    wasmc_vmctx_layout_compute(&cm_counts, &cm_layout);
    cm_exports[CX_MEMORY] = (wasmc_export_desc){"memory", 6, WASMC_EXTERN_MEMORY, 0, 0};
    for (uint32_t i = CF_REALLOC; i < CM_NUM_FUNCS; i++)
        cm_exports[i - CF_REALLOC + 1] = (wasmc_export_desc){cm_func_names[i], (uint32_t)strlen(cm_func_names[i]),
                                                             WASMC_EXTERN_FUNC, i, 0};
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
    d.module_name = "cmock";
    d.counts = cm_counts;
    d.layout = cm_layout;
    d.num_types = CM_NUM_TYPES;
    d.types = cm_types;
    d.num_imports = CM_NUM_IMPORTS;
    d.imports = cm_imports;
    d.num_funcs = CM_NUM_FUNCS;
    d.num_imported_funcs = CM_NUM_IMPORTS;
    d.func_types = cm_func_types;
    d.func_code = cm_func_code;
    d.func_names = cm_func_names;
    d.num_memories = 1;
    d.memories = cm_memories;
    d.num_exports = CM_NUM_EXPORTS;
    d.exports = cm_exports;
    d.code_start = __start_wasmrt_cmock_text;
    d.code_end = __stop_wasmrt_cmock_text;
    return d;
}

#endif
