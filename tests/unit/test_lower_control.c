/* Tests of the lowering core: control flow, calls, variables, parametric
 * instructions, trampolines and the descriptor are lowered from a real
 * module (decoded and validated by the front end) and the IR must pass
 * LLVM's verifier in both memory modes, whole or split into parts; symbols
 * must be unique, hidden and deterministic, and only the descriptor may be
 * visible outside the shared object.
 *
 * The module (wat2wasm --debug-names of the text below):
 *
 * (module
 *   (type $t2 (func (param i32 i32) (result i32 i32)))
 *   (import "env" "host" (func $host (param i32) (result i32)))
 *   (import "env" "g" (global $gi (mut i64)))
 *   (memory 1)
 *   (table 4 funcref)
 *   (global $gd (mut i32) (i32.const 7))
 *   (global $gc f64 (f64.const 1.5))
 *   (elem (i32.const 0) $swap $a.b $a_b)
 *   (data (i32.const 16) "hello\00world")
 *   (func $swap (type $t2) (local.get 1) (local.get 0))
 *   (func $a.b (param i32) (result i32) (local.get 0))
 *   (func $a_b (param i32) (result i32) (i32.const 0))
 *   (func (export "multi") (param i32) (result i32)
 *     (i32.const 1) (i32.const 2)
 *     (block (param i32 i32) (result i32 i32) (call $swap))
 *     (loop $l (param i32 i32) (result i32)
 *       (i32.add) (i32.const 1) (i32.const 0) (i32.const 0) (br_if $l) (i32.add) (i32.add))
 *     (if (param i32) (result i32) (local.get 0) (then (i32.const 1) (i32.add)))
 *     (if (param i32) (result i32) (local.get 0) (then (i32.const 1) (i32.add)) (else (i32.const 2) (i32.sub))))
 *   (func (export "brtable") (param i32) (result i32)
 *     (block $a (result i32)
 *       (block $b (result i32)
 *         (block $c (result i32)
 *           (i32.const 10) (local.get 0) (br_table $a $b $b $c $a $c))
 *         (i32.const 1) (i32.add) (return))
 *       (i32.const 2) (i32.add)))
 *   (func (export "dead") (param i32) (result i32)
 *     (block $x (result i32)
 *       (i32.const 3) (br $x)
 *       (block (loop (if (i32.const 0) (then (unreachable)) (else (nop)))))
 *       (i32.const 99) (drop))
 *     (unreachable)
 *     (i32.add))
 *   (func (export "dead2") (result i32)
 *     (block (result i32) (unreachable)) )
 *   (func (export "ret") (param i32) (result i32 i64)
 *     (if (local.get 0) (then (return (i32.const 1) (i64.const 2))))
 *     (i32.const 3) (i64.const 4))
 *   (func (export "calls") (param i32) (result i32)
 *     (call $host (local.get 0))
 *     (call_indirect (param i32) (result i32) (i32.const 1))
 *     (global.get $gd) (i32.add) (global.set $gd)
 *     (global.set $gi (i64.add (global.get $gi) (i64.const 1)))
 *     (drop (i32.load offset=4 (local.get 0)))
 *     (drop (i32.eqz (i32.load8_u (local.get 0))))
 *     (select (i32.const 1) (i32.const 2) (local.get 0))
 *     (select (result f64) (global.get $gc) (f64.const 0) (local.get 0)) (drop))
 *   (func (export "fac") (param i64) (result i64)
 *     (if (result i64) (i64.eqz (local.get 0))
 *       (then (i64.const 1))
 *       (else (i64.mul (local.get 0) (call 10 (i64.sub (local.get 0) (i64.const 1)))))))
 *   (func (export "refs") (param externref funcref) (result externref)
 *     (local v128)
 *     (local.get 0))
 *   (func $init (global.set $gd (i32.const 8)))
 *   (start $init)
 * )
 */
#include <criterion/criterion.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Core.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lower/lower_module.h"
#include "module.h"
#include "target.h"

static const unsigned char control_wasm[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x2b, 0x08, 0x60,
  0x02, 0x7f, 0x7f, 0x02, 0x7f, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60,
  0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x01, 0x7f,
  0x02, 0x7f, 0x7e, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x60, 0x02, 0x6f, 0x70,
  0x01, 0x6f, 0x60, 0x00, 0x00, 0x02, 0x15, 0x02, 0x03, 0x65, 0x6e, 0x76,
  0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01,
  0x67, 0x03, 0x7e, 0x01, 0x03, 0x0d, 0x0c, 0x00, 0x01, 0x01, 0x01, 0x01,
  0x01, 0x03, 0x04, 0x01, 0x05, 0x06, 0x07, 0x04, 0x04, 0x01, 0x70, 0x00,
  0x04, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x12, 0x02, 0x7f, 0x01, 0x41,
  0x07, 0x0b, 0x7c, 0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8,
  0x3f, 0x0b, 0x07, 0x3d, 0x08, 0x05, 0x6d, 0x75, 0x6c, 0x74, 0x69, 0x00,
  0x04, 0x07, 0x62, 0x72, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x00, 0x05, 0x04,
  0x64, 0x65, 0x61, 0x64, 0x00, 0x06, 0x05, 0x64, 0x65, 0x61, 0x64, 0x32,
  0x00, 0x07, 0x03, 0x72, 0x65, 0x74, 0x00, 0x08, 0x05, 0x63, 0x61, 0x6c,
  0x6c, 0x73, 0x00, 0x09, 0x03, 0x66, 0x61, 0x63, 0x00, 0x0a, 0x04, 0x72,
  0x65, 0x66, 0x73, 0x00, 0x0b, 0x08, 0x01, 0x0c, 0x09, 0x09, 0x01, 0x00,
  0x41, 0x00, 0x0b, 0x03, 0x01, 0x02, 0x03, 0x0a, 0xf6, 0x01, 0x0c, 0x06,
  0x00, 0x20, 0x01, 0x20, 0x00, 0x0b, 0x04, 0x00, 0x20, 0x00, 0x0b, 0x04,
  0x00, 0x41, 0x00, 0x0b, 0x2d, 0x00, 0x41, 0x01, 0x41, 0x02, 0x02, 0x00,
  0x10, 0x01, 0x0b, 0x03, 0x02, 0x6a, 0x41, 0x01, 0x41, 0x00, 0x41, 0x00,
  0x0d, 0x00, 0x6a, 0x6a, 0x0b, 0x20, 0x00, 0x04, 0x01, 0x41, 0x01, 0x6a,
  0x0b, 0x20, 0x00, 0x04, 0x01, 0x41, 0x01, 0x6a, 0x05, 0x41, 0x02, 0x6b,
  0x0b, 0x0b, 0x1e, 0x00, 0x02, 0x7f, 0x02, 0x7f, 0x02, 0x7f, 0x41, 0x0a,
  0x20, 0x00, 0x0e, 0x05, 0x02, 0x01, 0x01, 0x00, 0x02, 0x00, 0x0b, 0x41,
  0x01, 0x6a, 0x0f, 0x0b, 0x41, 0x02, 0x6a, 0x0b, 0x0b, 0x1d, 0x00, 0x02,
  0x7f, 0x41, 0x03, 0x0c, 0x00, 0x02, 0x40, 0x03, 0x40, 0x41, 0x00, 0x04,
  0x40, 0x00, 0x05, 0x01, 0x0b, 0x0b, 0x0b, 0x41, 0xe3, 0x00, 0x1a, 0x0b,
  0x00, 0x6a, 0x0b, 0x06, 0x00, 0x02, 0x7f, 0x00, 0x0b, 0x0b, 0x10, 0x00,
  0x20, 0x00, 0x04, 0x40, 0x41, 0x01, 0x42, 0x02, 0x0f, 0x0b, 0x41, 0x03,
  0x42, 0x04, 0x0b, 0x3c, 0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x11,
  0x01, 0x00, 0x23, 0x01, 0x6a, 0x24, 0x01, 0x23, 0x00, 0x42, 0x01, 0x7c,
  0x24, 0x00, 0x20, 0x00, 0x28, 0x02, 0x04, 0x1a, 0x20, 0x00, 0x2d, 0x00,
  0x00, 0x45, 0x1a, 0x41, 0x01, 0x41, 0x02, 0x20, 0x00, 0x1b, 0x23, 0x02,
  0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x1c,
  0x01, 0x7c, 0x1a, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x50, 0x04, 0x7e, 0x42,
  0x01, 0x05, 0x20, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x10, 0x0a, 0x7e,
  0x0b, 0x0b, 0x06, 0x01, 0x01, 0x7b, 0x20, 0x00, 0x0b, 0x06, 0x00, 0x41,
  0x08, 0x24, 0x01, 0x0b, 0x0b, 0x11, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x0b,
  0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x77, 0x6f, 0x72, 0x6c, 0x64, 0x00,
  0x57, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x1d, 0x05, 0x00, 0x04, 0x68,
  0x6f, 0x73, 0x74, 0x01, 0x04, 0x73, 0x77, 0x61, 0x70, 0x02, 0x03, 0x61,
  0x2e, 0x62, 0x03, 0x03, 0x61, 0x5f, 0x62, 0x0c, 0x04, 0x69, 0x6e, 0x69,
  0x74, 0x02, 0x1b, 0x0d, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00,
  0x04, 0x00, 0x05, 0x00, 0x06, 0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00,
  0x0a, 0x00, 0x0b, 0x00, 0x0c, 0x00, 0x04, 0x05, 0x01, 0x00, 0x02, 0x74,
  0x32, 0x07, 0x0d, 0x03, 0x00, 0x02, 0x67, 0x69, 0x01, 0x02, 0x67, 0x64,
  0x02, 0x02, 0x67, 0x63
};
static const unsigned int control_wasm_len = 556;

typedef struct Fixture {
    Module m;
    LLVMTargetMachineRef tm;
    LLVMContextRef ctx;
} Fixture;

static void setup_fixture(Fixture *fx, const unsigned char *bytes, size_t size) {
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(module_decode(bytes, size, &fx->m, &err), "decode: %s", err.message);
    cr_assert(module_validate(&fx->m, &err), "validate: %s", err.message);
    LLVMInitializeNativeTarget();
    char *triple = LLVMGetDefaultTargetTriple();
    LLVMTargetRef t;
    char *msg = NULL;
    cr_assert(!LLVMGetTargetFromTriple(triple, &t, &msg), "target: %s", msg ? msg : "");
    fx->tm = LLVMCreateTargetMachine(t, triple, "", "", LLVMCodeGenLevelDefault, LLVMRelocPIC, LLVMCodeModelDefault);
    LLVMDisposeMessage(triple);
    fx->ctx = LLVMContextCreate();
}

static void teardown_fixture(Fixture *fx) {
    LLVMContextDispose(fx->ctx);
    LLVMDisposeTargetMachine(fx->tm);
    module_free(&fx->m);
}

static LLVMModuleRef lower(Fixture *fx, wasmc_memory_mode mode, uint32_t first, uint32_t last, bool meta) {
    static const uint8_t hash[32] = {1, 2, 3};
    CompileConfig cc = {.target = target_host(), .memory_mode = mode};
    LowerConfig cfg = {.cc = &cc, .m = &fx->m, .tm = fx->tm, .module_sha256 = hash};
    WasmError err;
    wasm_error_clear(&err);
    LLVMModuleRef mod = NULL;
    cr_assert(lower_module_part(&cfg, fx->ctx, first, last, meta, &mod, &err), "lower: %s", err.message);
    cr_assert_not_null(mod);
    char *msg = NULL;
    cr_assert(!LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg), "verify: %s", msg);
    LLVMDisposeMessage(msg);
    if (getenv("WASMC_DUMP_IR")) {
        char *ir = LLVMPrintModuleToString(mod);
        fputs(ir, stderr);
        LLVMDisposeMessage(ir);
    }
    return mod;
}

static uint32_t num_defined(const Fixture *fx) { return fx->m.num_funcs - fx->m.num_imported_funcs; }

Test(lower_control, whole_module_verifies_in_guard_mode) {
    Fixture fx;
    setup_fixture(&fx, control_wasm, control_wasm_len);
    LLVMModuleRef mod = lower(&fx, WASMC_MEMORY_GUARD_PAGES, 0, num_defined(&fx), true);
    cr_assert_not_null(LLVMGetNamedGlobal(mod, "wasmc_descriptor"));
    LLVMDisposeModule(mod);
    teardown_fixture(&fx);
}

Test(lower_control, whole_module_verifies_in_bounds_check_mode) {
    Fixture fx;
    setup_fixture(&fx, control_wasm, control_wasm_len);
    LLVMModuleRef mod = lower(&fx, WASMC_MEMORY_BOUNDS_CHECKS, 0, num_defined(&fx), true);
    LLVMDisposeModule(mod);
    teardown_fixture(&fx);
}

Test(lower_control, parts_lower_independently) {
    Fixture fx;
    setup_fixture(&fx, control_wasm, control_wasm_len);
    uint32_t n = num_defined(&fx);
    LLVMModuleRef p0 = lower(&fx, WASMC_MEMORY_GUARD_PAGES, 0, 3, true);
    LLVMModuleRef p1 = lower(&fx, WASMC_MEMORY_GUARD_PAGES, 3, n, false);
    /* $swap (function 1) is defined in part 0 and only declared in part 1. */
    cr_assert(!LLVMIsDeclaration(LLVMGetNamedFunction(p0, "wasm$swap")));
    cr_assert(LLVMIsDeclaration(LLVMGetNamedFunction(p1, "wasm$swap")));
    cr_assert_null(LLVMGetNamedGlobal(p1, "wasmc_descriptor"));
    LLVMDisposeModule(p0);
    LLVMDisposeModule(p1);
    teardown_fixture(&fx);
}

Test(lower_control, symbols_are_unique_hidden_and_only_the_descriptor_is_exported) {
    Fixture fx;
    setup_fixture(&fx, control_wasm, control_wasm_len);
    LLVMModuleRef mod = lower(&fx, WASMC_MEMORY_GUARD_PAGES, 0, num_defined(&fx), true);
    /* "$a.b" and "$a_b" sanitise to the same base and get the index. */
    char buf[128];
    lower_func_symbol(&fx.m, 2, buf, sizeof buf);
    cr_assert_str_eq(buf, "wasm$a_b.2");
    lower_func_symbol(&fx.m, 3, buf, sizeof buf);
    cr_assert_str_eq(buf, "wasm$a_b.3");
    lower_func_symbol(&fx.m, 4, buf, sizeof buf);
    cr_assert_str_eq(buf, "wasm$func4");
    for (uint32_t i = fx.m.num_imported_funcs; i < fx.m.num_funcs; i++) {
        lower_func_symbol(&fx.m, i, buf, sizeof buf);
        LLVMValueRef fn = LLVMGetNamedFunction(mod, buf);
        cr_assert_not_null(fn, "no function %s", buf);
        cr_assert(!LLVMIsDeclaration(fn));
        cr_assert_eq(LLVMGetVisibility(fn), LLVMHiddenVisibility, "%s not hidden", buf);
        cr_assert_str_eq(LLVMGetSection(fn), "wasmc_text");
    }
    for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
        if (!LLVMIsDeclaration(fn) && LLVMGetIntrinsicID(fn) == 0)
            cr_assert_eq(LLVMGetVisibility(fn), LLVMHiddenVisibility, "%s visible", LLVMGetValueName(fn));
    for (LLVMValueRef g = LLVMGetFirstGlobal(mod); g; g = LLVMGetNextGlobal(g)) {
        const char *name = LLVMGetValueName(g);
        if (strcmp(name, "wasmc_descriptor") == 0)
            cr_assert_eq(LLVMGetVisibility(g), LLVMDefaultVisibility);
        else if (LLVMGetLinkage(g) != LLVMPrivateLinkage)
            cr_assert_eq(LLVMGetVisibility(g), LLVMHiddenVisibility, "%s visible", name);
    }
    LLVMDisposeModule(mod);
    teardown_fixture(&fx);
}

Test(lower_control, output_is_deterministic) {
    Fixture fx;
    setup_fixture(&fx, control_wasm, control_wasm_len);
    LLVMModuleRef a = lower(&fx, WASMC_MEMORY_GUARD_PAGES, 0, num_defined(&fx), true);
    LLVMContextRef ctx2 = LLVMContextCreate();
    LLVMContextRef saved = fx.ctx;
    fx.ctx = ctx2;
    LLVMModuleRef b = lower(&fx, WASMC_MEMORY_GUARD_PAGES, 0, num_defined(&fx), true);
    fx.ctx = saved;
    char *sa = LLVMPrintModuleToString(a), *sb = LLVMPrintModuleToString(b);
    cr_assert_str_eq(sa, sb);
    LLVMDisposeMessage(sa);
    LLVMDisposeMessage(sb);
    LLVMDisposeModule(a);
    LLVMDisposeModule(b);
    LLVMContextDispose(ctx2);
    teardown_fixture(&fx);
}

Test(lower_control, bad_range_is_an_error_not_a_crash) {
    Fixture fx;
    setup_fixture(&fx, control_wasm, control_wasm_len);
    CompileConfig cc = {.target = target_host(), .memory_mode = WASMC_MEMORY_GUARD_PAGES};
    LowerConfig cfg = {.cc = &cc, .m = &fx.m, .tm = fx.tm};
    WasmError err;
    wasm_error_clear(&err);
    LLVMModuleRef mod = NULL;
    cr_assert(!lower_module_part(&cfg, fx.ctx, 0, num_defined(&fx) + 1, true, &mod, &err));
    cr_assert_eq(err.kind, WASM_ERR_INTERNAL);
    cr_assert_null(mod);
    teardown_fixture(&fx);
}
