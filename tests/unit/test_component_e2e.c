/* Real components end to end: each test's component is WAT text here,
 * turned into a binary by jco's wasm-tools parser (tools/wat2component.mjs),
 * compiled by wasmc into an artifact, loaded with wasmrt_component_load and
 * called through libwasmrt's component API.  Skipped when node or the npm
 * tools (tools/install-deps.sh) are missing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmrt_component.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0"; }

static char tmpdir[256];

static const char *src_dir(void) {
    const char *s = getenv("WASMC_SOURCE_DIR");
    return s ? s : ".";
}

/* WAT -> .wasm -> .so -> component; skips the test when the tools are not
 * installed. */
static wasmrt_component *build(const char *name, const char *wat) {
    char parser[512], cmd[2048], path[512];
    snprintf(parser, sizeof parser, "%s/tools/npm/node_modules/@bytecodealliance/jco-transpile/vendor/wasm-tools.js",
             src_dir());
    if (access(parser, R_OK) != 0 || system("node --version >/dev/null 2>&1") != 0)
        cr_skip_test("node or the npm tools are not installed (tools/install-deps.sh)");
    const char *bin = getenv("WASMC_BIN");
    cr_assert(bin, "WASMC_BIN not set");
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "%s/wasmrt-e2e-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        cr_assert(mkdtemp(tmpdir));
    }
    snprintf(path, sizeof path, "%s/%s.wat", tmpdir, name);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(wat, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "node %s/tools/wat2component.mjs %s/%s.wat %s/%s.wasm && %s/wasmc %s/%s.wasm -o %s/%s.so",
             src_dir(), tmpdir, name, tmpdir, name, bin, tmpdir, name, tmpdir, name);
    cr_assert_eq(system(cmd), 0, "building %s failed: %s", name, cmd);
    snprintf(path, sizeof path, "%s/%s.so", tmpdir, name);
    wasmrt_error err;
    wasmrt_component *c = wasmrt_component_load(path, &err);
    cr_assert(c, "%s", err.message);
    return c;
}

typedef struct fx {
    wasmrt_component *c;
    wasmrt_store *s;
    wasmrt_clinker *l;
    wasmrt_cinstance *ci;
} fx;

static fx start(const char *name, const char *wat, wasmrt_clinker *l) {
    fx f = {build(name, wat), NULL, l ? l : wasmrt_clinker_new(), NULL};
    wasmrt_error err;
    wasmrt_trap trap;
    f.s = wasmrt_store_new(NULL, &err);
    cr_assert(f.s, "%s", err.message);
    f.ci = wasmrt_component_instantiate(f.s, f.c, f.l, &trap, &err);
    cr_assert(f.ci, "instantiate: %s", err.message);
    return f;
}

static void stop(fx *f) {
    wasmrt_store_free(f->s);
    wasmrt_clinker_free(f->l);
    wasmrt_component_release(f->c);
}

static bool call(fx *f, const char *iface, const char *name, const wasmrt_cval *args, uint32_t n,
                 wasmrt_cval *r, wasmrt_trap *trap) {
    const wasmrt_cfunc *fn = wasmrt_cinstance_func(f->ci, iface, name);
    cr_assert(fn, "no export %s", name);
    wasmrt_error err;
    bool ok = wasmrt_cinstance_call(f->ci, fn, args, n, r, trap, &err);
    if (!ok) cr_assert_neq(trap->code, WASMC_TRAP_NONE, "%s: error, not a trap: %s", name, err.message);
    return ok;
}

/* A new instance in the same store: a trap poisons the one it happened in
 * (nothing runs in it again). */
static void renew(fx *f) {
    wasmrt_error err;
    wasmrt_trap trap;
    f->ci = wasmrt_component_instantiate(f->s, f->c, f->l, &trap, &err);
    cr_assert(f->ci, "instantiate: %s", err.message);
}

static wasmrt_cval str(const char *s) { return (wasmrt_cval){.kind = WASMC_CVAL_STRING, .of.str = {(char *)s, strlen(s)}}; }
static wasmrt_cval u32v(uint64_t x) { return (wasmrt_cval){.kind = WASMC_CVAL_U32, .of.u = x}; }

/* A bump allocator every test module shares. */
#define REALLOC_FUNC                                                                                   \
    "    (global $bump (mut i32) (i32.const 1024))\n"                                                  \
    "    (func $realloc (export \"realloc\") (param $old i32) (param $osz i32) (param $al i32) (param $n i32) (result i32)\n" \
    "      (local $p i32)\n"                                                                           \
    "      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get $al) (i32.const 1)))\n" \
    "                              (i32.sub (i32.const 0) (local.get $al))))\n"                        \
    "      (global.set $bump (i32.add (local.get $p) (local.get $n)))\n"                               \
    "      (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $osz))))\n" \
    "      (local.get $p))\n"

static const char *STRINGS_WAT =
    "(component\n"
    "  (core module $M\n"
    "    (memory (export \"mem\") 1)\n" REALLOC_FUNC
    "    (func (export \"echo\") (param i32 i32) (result i32)\n"
    "      (i32.store (i32.const 16) (local.get 0)) (i32.store (i32.const 20) (local.get 1)) (i32.const 16))\n"
    "    (func (export \"units\") (param i32 i32) (result i32) (local.get 1)))\n"
    "  (core instance $m (instantiate $M))\n"
    "  (func (export \"echo8\") (param \"s\" string) (result string)\n"
    "    (canon lift (core func $m \"echo\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\")) string-encoding=utf8))\n"
    "  (func (export \"echo16\") (param \"s\" string) (result string)\n"
    "    (canon lift (core func $m \"echo\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\")) string-encoding=utf16))\n"
    "  (func (export \"echo-latin1\") (param \"s\" string) (result string)\n"
    "    (canon lift (core func $m \"echo\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\")) string-encoding=latin1+utf16))\n"
    "  (func (export \"units16\") (param \"s\" string) (result u32)\n"
    "    (canon lift (core func $m \"units\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\")) string-encoding=utf16))\n"
    "  (func (export \"units-latin1\") (param \"s\" string) (result u32)\n"
    "    (canon lift (core func $m \"units\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\")) string-encoding=latin1+utf16))\n"
    ")\n";

Test(component_e2e, strings_round_trip_through_every_encoding) {
    fx f = start("strings", STRINGS_WAT, NULL);
    const char *texts[] = {"", "plain ascii", "h\xc3\xa9llo w\xc3\xb6rld", "euro \xe2\x82\xac and \xf0\x9f\x98\x80"};
    const char *fns[] = {"echo8", "echo16", "echo-latin1"};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 4; i++) {
            wasmrt_cval a = str(texts[i]), r;
            wasmrt_trap trap;
            cr_assert(call(&f, "", fns[k], &a, 1, &r, &trap), "%s(%s): %s", fns[k], texts[i], trap.host_message);
            cr_assert_eq(r.of.str.len, strlen(texts[i]), "%s(%s)", fns[k], texts[i]);
            cr_assert(!memcmp(r.of.str.ptr, texts[i], r.of.str.len), "%s(%s)", fns[k], texts[i]);
            wasmrt_cval_free(&r);
        }
    /* what the guest sees: UTF-16 code units, latin1 bytes or tagged UTF-16 */
    wasmrt_cval a = str("\xf0\x9f\x98\x80"), r;
    wasmrt_trap trap;
    cr_assert(call(&f, "", "units16", &a, 1, &r, &trap));
    cr_assert_eq(r.of.u, 2);
    a = str("caf\xc3\xa9");
    cr_assert(call(&f, "", "units-latin1", &a, 1, &r, &trap));
    cr_assert_eq(r.of.u, 4);
    a = str("\xe2\x82\xac");
    cr_assert(call(&f, "", "units-latin1", &a, 1, &r, &trap));
    cr_assert_eq(r.of.u, 1u | (1u << 31));
    stop(&f);
}

static const char *VALUES_WAT =
    "(component\n"
    "  (type $r' (record (field \"x\" u8) (field \"y\" u64) (field \"name\" string)))\n"
    "  (export $r \"r\" (type $r'))\n"
    "  (core module $M\n"
    "    (memory (export \"mem\") 1)\n" REALLOC_FUNC
    "    (data (i32.const 200) \"rec\")\n"
    "    (func (export \"sum\") (param $p i32) (param $n i32) (result i32) (local $s i32)\n"
    "      (block $done (loop $l\n"
    "        (br_if $done (i32.eqz (local.get $n)))\n"
    "        (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))\n"
    "        (local.set $p (i32.add (local.get $p) (i32.const 4)))\n"
    "        (local.set $n (i32.sub (local.get $n) (i32.const 1)))\n"
    "        (br $l)))\n"
    "      (local.get $s))\n"
    "    (func (export \"mkrec\") (param $x i32) (result i32)\n"
    "      (i32.store8 (i32.const 32) (local.get $x))\n"
    "      (i64.store (i32.const 40) (i64.mul (i64.extend_i32_u (local.get $x)) (i64.const 1000000000000)))\n"
    "      (i32.store (i32.const 48) (i32.const 200)) (i32.store (i32.const 52) (i32.const 3))\n"
    "      (i32.const 32))\n"
    "    (func (export \"maybe\") (param $f i32) (result i32)\n"
    "      (i32.store8 (i32.const 64) (local.get $f))\n"
    "      (i32.store (i32.const 68) (i32.const 200)) (i32.store (i32.const 72) (i32.const 3))\n"
    "      (i32.const 64))\n"
    "    (func (export \"ident\") (param i32) (result i32) (local.get 0))\n"
    "    (func (export \"big\") (param $p i32) (result i32)   ;; 18 u32s spilled: a pointer to them\n"
    "      (i32.add (i32.load (local.get $p)) (i32.load offset=68 (local.get $p)))))\n"
    "  (core instance $m (instantiate $M))\n"
    "  (func (export \"sum\") (param \"xs\" (list u32)) (result u32)\n"
    "    (canon lift (core func $m \"sum\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\"))))\n"
    "  (func (export \"mkrec\") (param \"x\" u8) (result $r)\n"
    "    (canon lift (core func $m \"mkrec\") (memory (core memory $m \"mem\"))))\n"
    "  (func (export \"maybe\") (param \"f\" bool) (result (option string))\n"
    "    (canon lift (core func $m \"maybe\") (memory (core memory $m \"mem\"))))\n"
    "  (func (export \"to-char\") (param \"x\" u32) (result char) (canon lift (core func $m \"ident\")))\n"
    "  (func (export \"to-result\") (param \"x\" u32) (result (result))\n"
    "    (canon lift (core func $m \"ident\")))\n"
    "  (func (export \"big\") (param \"a\" u32) (param \"b\" u32) (param \"c\" u32) (param \"d\" u32) (param \"e\" u32)\n"
    "    (param \"f\" u32) (param \"g\" u32) (param \"h\" u32) (param \"i\" u32) (param \"j\" u32) (param \"k\" u32)\n"
    "    (param \"l\" u32) (param \"m\" u32) (param \"n\" u32) (param \"o\" u32) (param \"p\" u32) (param \"q\" u32)\n"
    "    (param \"r\" u32) (result u32)\n"
    "    (canon lift (core func $m \"big\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\"))))\n"
    ")\n";

Test(component_e2e, compound_values_lift_and_lower) {
    fx f = start("values", VALUES_WAT, NULL);
    wasmrt_trap trap;
    wasmrt_cval r;
    wasmrt_cval items[4] = {u32v(1), u32v(20), u32v(300), u32v(4000)};
    wasmrt_cval l = {.kind = WASMC_CVAL_LIST, .of.list = {items, 4}};
    cr_assert(call(&f, "", "sum", &l, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.u, 4321);
    wasmrt_cval x = {.kind = WASMC_CVAL_U8, .of.u = 7};
    cr_assert(call(&f, "", "mkrec", &x, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.kind, WASMC_CVAL_RECORD);
    cr_assert_eq(r.of.list.items[0].of.u, 7);
    cr_assert_eq(r.of.list.items[1].of.u, 7000000000000ull);
    cr_assert_eq(r.of.list.items[2].of.str.len, 3);
    cr_assert(!memcmp(r.of.list.items[2].of.str.ptr, "rec", 3));
    wasmrt_cval_free(&r);
    wasmrt_cval b = {.kind = WASMC_CVAL_BOOL, .of.b = true};
    cr_assert(call(&f, "", "maybe", &b, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.variant.case_, 1);
    cr_assert_eq(r.of.variant.payload->of.str.len, 3);
    wasmrt_cval_free(&r);
    b.of.b = false;
    cr_assert(call(&f, "", "maybe", &b, 1, &r, &trap));
    cr_assert_eq(r.of.variant.case_, 0);
    wasmrt_cval a = u32v(0x1F600);
    cr_assert(call(&f, "", "to-char", &a, 1, &r, &trap));
    cr_assert_eq(r.of.ch, 0x1F600);
    wasmrt_cval args[18];
    for (int i = 0; i < 18; i++) args[i] = u32v((uint64_t)i * 10);
    cr_assert(call(&f, "", "big", args, 18, &r, &trap), "%s", trap.host_message);   /* spilled through realloc */
    cr_assert_eq(r.of.u, 170);
    stop(&f);
}

Test(component_e2e, invalid_chars_and_discriminants_from_the_guest_trap) {
    fx f = start("values", VALUES_WAT, NULL);
    wasmrt_trap trap;
    wasmrt_cval r, a = u32v(0xD800);
    cr_assert_not(call(&f, "", "to-char", &a, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "invalid `char` bit pattern");
    renew(&f);
    a = u32v(2);
    cr_assert_not(call(&f, "", "to-result", &a, 1, &r, &trap));
    cr_assert_str_eq(trap.host_message, "invalid variant discriminant");
    stop(&f);
}

static const char *HOSTILE_WAT =
    "(component\n"
    "  (core module $M\n"
    "    (memory (export \"mem\") 1)\n"
    "    (global $mode (mut i32) (i32.const 0))\n"
    "    (func (export \"set-mode\") (param i32) (global.set $mode (local.get 0)))\n"
    "    (func (export \"realloc\") (param i32 i32 i32 i32) (result i32)\n"
    "      (if (result i32) (i32.eq (global.get $mode) (i32.const 1)) (then (i32.const 1025))\n"
    "        (else (if (result i32) (i32.eq (global.get $mode) (i32.const 2)) (then (i32.const -4)) (else (i32.const 2048))))))\n"
    "    (func (export \"take\") (param i32 i32))\n"
    "    (data (i32.const 100) \"a\\ff\")\n"
    "    (data (i32.const 110) \"ab\\e2\")\n"
    "    (func (export \"str\") (param $which i32) (result i32)\n"
    "      (i32.store (i32.const 16) (select (i32.const 100) (i32.const 110) (i32.eqz (local.get $which))))\n"
    "      (i32.store (i32.const 20) (select (i32.const 2) (i32.const 3) (i32.eqz (local.get $which))))\n"
    "      (i32.const 16))\n"
    "    (func (export \"huge-list\") (result i32)\n"
    "      (i32.store (i32.const 16) (i32.const 0)) (i32.store (i32.const 20) (i32.const 0x40000000)) (i32.const 16))\n"
    "    (func (export \"oob-string\") (result i32)\n"
    "      (i32.store (i32.const 16) (i32.const 65535)) (i32.store (i32.const 20) (i32.const 2)) (i32.const 16)))\n"
    "  (core instance $m (instantiate $M))\n"
    "  (func (export \"set-mode\") (param \"m\" u32) (canon lift (core func $m \"set-mode\")))\n"
    "  (func (export \"take\") (param \"xs\" (list u32))\n"
    "    (canon lift (core func $m \"take\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\"))))\n"
    "  (func (export \"str\") (param \"which\" u32) (result string)\n"
    "    (canon lift (core func $m \"str\") (memory (core memory $m \"mem\"))))\n"
    "  (func (export \"huge-list\") (result (list u32))\n"
    "    (canon lift (core func $m \"huge-list\") (memory (core memory $m \"mem\"))))\n"
    "  (func (export \"oob-string\") (result string)\n"
    "    (canon lift (core func $m \"oob-string\") (memory (core memory $m \"mem\"))))\n"
    ")\n";

Test(component_e2e, hostile_guests_trap_with_a_message) {
    fx f = start("hostile", HOSTILE_WAT, NULL);
    wasmrt_trap trap;
    wasmrt_cval r, mode;
    wasmrt_cval items[2] = {u32v(1), u32v(2)};
    wasmrt_cval l = {.kind = WASMC_CVAL_LIST, .of.list = {items, 2}};
    cr_assert(call(&f, "", "take", &l, 1, &r, &trap), "%s", trap.host_message);
    mode = u32v(1);
    cr_assert(call(&f, "", "set-mode", &mode, 1, &r, &trap));
    cr_assert_not(call(&f, "", "take", &l, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "realloc return: result not aligned");
    renew(&f);
    mode = u32v(2);
    cr_assert(call(&f, "", "set-mode", &mode, 1, &r, &trap));
    cr_assert_not(call(&f, "", "take", &l, 1, &r, &trap));
    cr_assert_str_eq(trap.host_message, "realloc return: beyond end of memory");
    renew(&f);
    cr_assert(call(&f, "", "set-mode", &mode, 1, &r, &trap));
    l.of.list.len = 0;   /* even for zero bytes */
    cr_assert_not(call(&f, "", "take", &l, 1, &r, &trap));
    cr_assert_str_eq(trap.host_message, "realloc return: beyond end of memory");
    renew(&f);
    wasmrt_cval w = u32v(0);
    cr_assert_not(call(&f, "", "str", &w, 1, &r, &trap));
    cr_assert_str_eq(trap.host_message, "invalid utf-8");
    renew(&f);
    w = u32v(1);
    cr_assert_not(call(&f, "", "str", &w, 1, &r, &trap));
    cr_assert_str_eq(trap.host_message, "incomplete utf-8 byte sequence");
    renew(&f);
    cr_assert_not(call(&f, "", "huge-list", NULL, 0, &r, &trap));
    cr_assert(strstr(trap.host_message, "list length overflow"), "%s", trap.host_message);
    renew(&f);
    cr_assert_not(call(&f, "", "oob-string", NULL, 0, &r, &trap));
    cr_assert_str_eq(trap.host_message, "string pointer/length out of bounds of memory");
    stop(&f);
}

static const char *IMPORTS_WAT =
    "(component\n"
    "  (import \"test:host/api@0.1.0\" (instance $api\n"
    "    (export \"log\" (func (param \"msg\" string)))\n"
    "    (export \"callback\" (func))))\n"
    "  (alias export $api \"log\" (func $log))\n"
    "  (alias export $api \"callback\" (func $cb))\n"
    "  (core module $Mem (memory (export \"mem\") 1))\n"
    "  (core instance $mem (instantiate $Mem))\n"
    "  (core func $log' (canon lower (func $log) (memory (core memory $mem \"mem\"))))\n"
    "  (core func $cb' (canon lower (func $cb)))\n"
    "  (core module $M\n"
    "    (import \"mem\" \"mem\" (memory 1))\n"
    "    (import \"api\" \"log\" (func $log (param i32 i32)))\n"
    "    (import \"api\" \"callback\" (func $cb))\n"
    "    (data (i32.const 64) \"hi from the guest\")\n"
    "    (func (export \"run\") (call $log (i32.const 64) (i32.const 17)))\n"
    "    (func (export \"reenter\") (call $cb))\n"
    "    (func (export \"seven\") (result i32) (i32.const 7))\n"
    "    (func (export \"post-logs\") (param i32) (call $log (i32.const 64) (i32.const 17))))\n"
    "  (core instance $m (instantiate $M (with \"mem\" (instance $mem))\n"
    "    (with \"api\" (instance (export \"log\" (func $log')) (export \"callback\" (func $cb'))))))\n"
    "  (func (export \"run\") (canon lift (core func $m \"run\")))\n"
    "  (func (export \"reenter\") (canon lift (core func $m \"reenter\")))\n"
    "  (func (export \"post-calls-out\") (result u32)\n"
    "    (canon lift (core func $m \"seven\") (post-return (core func $m \"post-logs\"))))\n"
    ")\n";

static char logged[64];
static bool host_log(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type, const wasmrt_cval *args,
                     uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)env, (void)caller, (void)type, (void)result, (void)err;
    cr_assert_eq(nargs, 1);
    snprintf(logged, sizeof logged, "%.*s", (int)args[0].of.str.len, args[0].of.str.ptr);
    return true;
}
static char nested[256];
static bool host_callback(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type, const wasmrt_cval *args,
                          uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)env, (void)type, (void)args, (void)nargs, (void)result;
    wasmrt_trap trap;
    if (wasmrt_cinstance_call(caller, wasmrt_cinstance_func(caller, "", "run"), NULL, 0, NULL, &trap, err)) return true;
    snprintf(nested, sizeof nested, "%s", trap.host_message);
    return false;
}

Test(component_e2e, host_imports_by_interface_and_reentrance) {
    wasmrt_component *c = build("imports", IMPORTS_WAT);
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_clinker *l = wasmrt_clinker_new();
    cr_assert_null(wasmrt_component_instantiate(s, c, l, &trap, &err));
    cr_assert_str_eq(err.message, "missing imports: test:host/api@0.1.0#log, test:host/api@0.1.0#callback");
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.1.4", "log", host_log, NULL, &err));
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.1.0", "callback", host_callback, NULL, &err));
    fx f = {c, s, l, wasmrt_component_instantiate(s, c, l, &trap, &err)};
    cr_assert(f.ci, "%s", err.message);
    wasmrt_cval r;
    cr_assert(call(&f, "", "run", NULL, 0, &r, &trap), "%s", trap.host_message);
    cr_assert_str_eq(logged, "hi from the guest");
    cr_assert_not(call(&f, "", "reenter", NULL, 0, &r, &trap));
    cr_assert_str_eq(nested, "cannot enter component instance");
    cr_assert_eq(trap.code, WASMC_TRAP_HOST);
    renew(&f);
    /* post-return may not call out of its component */
    logged[0] = 0;
    cr_assert_not(call(&f, "", "post-calls-out", NULL, 0, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "cannot leave component instance");
    cr_assert_str_eq(logged, "");
    stop(&f);
}

static bool host_log_exact(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type, const wasmrt_cval *args,
                           uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)env, (void)caller, (void)type, (void)result, (void)err, (void)nargs;
    snprintf(logged, sizeof logged, "exact: %.*s", (int)args[0].of.str.len, args[0].of.str.ptr);
    return true;
}

/* The linker remembers how it resolved a component's imports (a server
 * instantiates one per request); a definition made afterwards still counts
 * for the next instantiation. */
Test(component_e2e, a_definition_after_an_instantiation_links_the_next_one) {
    wasmrt_component *c = build("imports_again", IMPORTS_WAT);
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_clinker *l = wasmrt_clinker_new();
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.1.4", "log", host_log, NULL, &err));
    cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.1.0", "callback", host_callback, NULL, &err));
    for (int round = 0; round < 3; round++) {
        if (round == 2) cr_assert(wasmrt_clinker_define_func(l, "test:host/api@0.1.0", "log", host_log_exact, NULL, &err));
        wasmrt_store *s = wasmrt_store_new(NULL, &err);
        fx f = {c, s, l, wasmrt_component_instantiate(s, c, l, &trap, &err)};
        cr_assert(f.ci, "%s", err.message);
        wasmrt_cval r;
        logged[0] = 0;
        cr_assert(call(&f, "", "run", NULL, 0, &r, &trap), "%s", trap.host_message);
        cr_expect_str_eq(logged, round == 2 ? "exact: hi from the guest" : "hi from the guest", "round %d", round);
        wasmrt_store_free(s);
    }
    /* the linker's reference keeps the component until the linker goes */
    wasmrt_component_release(c);
    wasmrt_clinker_free(l);
}

static const char *RESOURCES_WAT =
    "(component\n"
    "  (import \"test:host/obs@0.1.0\" (instance $obs (export \"dropped\" (func (param \"rep\" u32)))))\n"
    "  (alias export $obs \"dropped\" (func $dropped))\n"
    "  (core func $dropped' (canon lower (func $dropped)))\n"
    "  (core module $D (import \"\" \"dropped\" (func $d (param i32)))\n"
    "    (func (export \"dtor\") (param i32) (call $d (local.get 0))))\n"
    "  (core instance $d (instantiate $D (with \"\" (instance (export \"dropped\" (func $dropped'))))))\n"
    "  (type $R (resource (rep i32) (dtor (core func $d \"dtor\"))))\n"
    "  (core func $new (canon resource.new $R))\n"
    "  (core func $drop (canon resource.drop $R))\n"
    "  (core func $rep (canon resource.rep $R))\n"
    "  (core module $M\n"
    "    (import \"\" \"new\" (func $new (param i32) (result i32)))\n"
    "    (import \"\" \"drop\" (func $drop (param i32)))\n"
    "    (import \"\" \"rep\" (func $rep (param i32) (result i32)))\n"
    "    (func (export \"make\") (param i32) (result i32) (call $new (local.get 0)))\n"
    "    (func (export \"get\") (param i32) (result i32) (local.get 0))\n"
    "    (func (export \"consume\") (param i32) (call $drop (local.get 0)))\n"
    "    (func (export \"double-drop\") (param $v i32) (local $h i32)\n"
    "      (local.set $h (call $new (local.get $v)))\n"
    "      (call $drop (local.get $h)) (call $drop (local.get $h))))\n"
    "  (core instance $m (instantiate $M (with \"\" (instance (export \"new\" (func $new))\n"
    "    (export \"drop\" (func $drop)) (export \"rep\" (func $rep))))))\n"
    "  (export $R' \"thing\" (type $R))\n"
    "  (func (export \"make\") (param \"v\" u32) (result (own $R')) (canon lift (core func $m \"make\")))\n"
    "  (func (export \"get\") (param \"h\" (borrow $R')) (result u32) (canon lift (core func $m \"get\")))\n"
    "  (func (export \"consume\") (param \"h\" (own $R')) (canon lift (core func $m \"consume\")))\n"
    "  (func (export \"double-drop\") (param \"v\" u32) (canon lift (core func $m \"double-drop\")))\n"
    ")\n";

static uint32_t dropped_rep, dropped_count;
static bool host_dropped(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type, const wasmrt_cval *args,
                         uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)env, (void)caller, (void)type, (void)nargs, (void)result, (void)err;
    dropped_rep = (uint32_t)args[0].of.u;
    dropped_count++;
    return true;
}

Test(component_e2e, resources_with_destructors_and_use_after_drop) {
    wasmrt_clinker *l = wasmrt_clinker_new();
    wasmrt_error err;
    cr_assert(wasmrt_clinker_define_func(l, "test:host/obs@0.1.0", "dropped", host_dropped, NULL, &err));
    fx f = start("resources", RESOURCES_WAT, l);
    wasmrt_trap trap;
    wasmrt_cval h, r, v = u32v(1234);
    cr_assert(call(&f, "", "make", &v, 1, &h, &trap), "%s", trap.host_message);
    cr_assert_eq(h.kind, WASMC_CVAL_OWN);
    wasmrt_cval b = {.kind = WASMC_CVAL_BORROW, .of.handle = h.of.handle};
    cr_assert(call(&f, "", "get", &b, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.u, 1234);
    cr_assert(call(&f, "", "consume", &h, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(dropped_count, 1);
    cr_assert_eq(dropped_rep, 1234);
    /* the host's handle went with it */
    cr_assert_not(call(&f, "", "get", &b, 1, &r, &trap));
    cr_assert(strstr(trap.host_message, "unknown handle index"), "%s", trap.host_message);
    /* the guest dropping its own handle twice */
    cr_assert_not(call(&f, "", "double-drop", &v, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert(strstr(trap.host_message, "unknown handle index"), "%s", trap.host_message);
    renew(&f);
    /* the host drops one it holds: the destructor runs */
    cr_assert(call(&f, "", "make", &v, 1, &h, &trap));
    cr_assert(wasmrt_cinstance_resource_drop(f.ci, h.of.handle, &trap, &err), "%s", err.message);
    cr_assert_eq(dropped_count, 3);
    stop(&f);
}

static const char *C2C_WAT =
    "(component\n"
    "  (component $C\n"
    "    (core module $M\n"
    "      (memory (export \"mem\") 1)\n" REALLOC_FUNC
    "      (global $posts (mut i32) (i32.const 0))\n"
    "      (func (export \"echo\") (param i32 i32) (result i32)\n"
    "        (i32.store (i32.const 16) (local.get 0)) (i32.store (i32.const 20) (local.get 1)) (i32.const 16))\n"
    "      (func (export \"post\") (param i32) (global.set $posts (i32.add (global.get $posts) (i32.const 1))))\n"
    "      (func (export \"posts\") (result i32) (global.get $posts)))\n"
    "    (core instance $m (instantiate $M))\n"
    "    (func (export \"echo\") (param \"s\" string) (result string)\n"
    "      (canon lift (core func $m \"echo\") (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\"))\n"
    "        string-encoding=utf16 (post-return (core func $m \"post\"))))\n"
    "    (func (export \"posts\") (result u32) (canon lift (core func $m \"posts\"))))\n"
    "  (component $D\n"
    "    (import \"echo\" (func $echo (param \"s\" string) (result string)))\n"
    "    (core module $Libc (memory (export \"mem\") 1)\n" REALLOC_FUNC "    )\n"
    "    (core instance $libc (instantiate $Libc))\n"
    "    (core func $echo' (canon lower (func $echo) (memory (core memory $libc \"mem\")) (realloc (core func $libc \"realloc\"))))\n"
    "    (core module $Main\n"
    "      (import \"libc\" \"mem\" (memory 1))\n"
    "      (import \"\" \"echo\" (func $echo (param i32 i32 i32)))\n"
    "      (data (i32.const 64) \"caf\\c3\\a9 \\e2\\82\\ac\")\n"
    "      (func (export \"run\") (result i32) (call $echo (i32.const 64) (i32.const 9) (i32.const 32)) (i32.const 32)))\n"
    "    (core instance $main (instantiate $Main (with \"libc\" (instance $libc))\n"
    "      (with \"\" (instance (export \"echo\" (func $echo'))))))\n"
    "    (func (export \"run\") (result string) (canon lift (core func $main \"run\") (memory (core memory $libc \"mem\")))))\n"
    "  (instance $c (instantiate $C))\n"
    "  (instance $d (instantiate $D (with \"echo\" (func $c \"echo\"))))\n"
    "  (export \"run\" (func $d \"run\"))\n"
    "  (export \"posts\" (func $c \"posts\"))\n"
    ")\n";

Test(component_e2e, a_component_calls_another_transcoding_utf8_to_utf16_and_back) {
    fx f = start("c2c", C2C_WAT, NULL);
    wasmrt_trap trap;
    wasmrt_cval r;
    cr_assert(call(&f, "", "run", NULL, 0, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.str.len, 9);
    cr_assert(!memcmp(r.of.str.ptr, "caf\xc3\xa9 \xe2\x82\xac", 9));
    wasmrt_cval_free(&r);
    cr_assert(call(&f, "", "posts", NULL, 0, &r, &trap));
    cr_assert_eq(r.of.u, 1);   /* the callee's post-return ran once */
    stop(&f);
}

static const char *HOST_RESOURCE_WAT =
    "(component\n"
    "  (import \"test:host/res@0.1.0\" (instance $i (export \"thing\" (type $t (sub resource)))\n"
    "    (export \"inspect\" (func (param \"t\" (borrow $t)) (result u32)))))\n"
    "  (alias export $i \"thing\" (type $T))\n"
    "  (alias export $i \"inspect\" (func $inspect))\n"
    "  (core func $inspect' (canon lower (func $inspect)))\n"
    "  (type $U (resource (rep i32)))\n"
    "  (core func $drop (canon resource.drop $T))\n"
    "  (core func $new-u (canon resource.new $U))\n"
    "  (core func $rep-u (canon resource.rep $U))\n"
    "  (core module $M\n"
    "    (import \"\" \"drop\" (func $drop (param i32)))\n"
    "    (import \"\" \"new-u\" (func $new-u (param i32) (result i32)))\n"
    "    (import \"\" \"rep-u\" (func $rep-u (param i32) (result i32)))\n"
    "    (import \"\" \"inspect\" (func $inspect (param i32) (result i32)))\n"
    "    (func (export \"peek\") (param $h i32) (result i32) (local $r i32)\n"
    "      (local.set $r (call $inspect (local.get $h))) (call $drop (local.get $h)) (local.get $r))\n"
    "    (func (export \"keep\") (param i32))\n"
    "    (func (export \"drop-index\") (param i32) (call $drop (local.get 0)))\n"
    "    (func (export \"release\") (param i32) (call $drop (local.get 0)))\n"
    "    (func (export \"take-own\") (param i32) (call $drop (local.get 0)))\n"
    "    (func (export \"wrong-type\") (param i32) (drop (call $rep-u (local.get 0))))\n"
    "    (func (export \"mix\") (result i32) (call $rep-u (call $new-u (i32.const 5)))))\n"
    "  (core instance $m (instantiate $M (with \"\" (instance (export \"drop\" (func $drop))\n"
    "    (export \"new-u\" (func $new-u)) (export \"rep-u\" (func $rep-u)) (export \"inspect\" (func $inspect'))))))\n"
    "  (func (export \"peek\") (param \"t\" (own $T)) (result u32) (canon lift (core func $m \"peek\")))\n"
    "  (func (export \"keep\") (param \"t\" (borrow $T)) (canon lift (core func $m \"keep\")))\n"
    "  (func (export \"drop-index\") (param \"i\" u32) (canon lift (core func $m \"drop-index\")))\n"
    "  (func (export \"release\") (param \"t\" (borrow $T)) (canon lift (core func $m \"release\")))\n"
    "  (func (export \"take-own\") (param \"t\" (own $T)) (canon lift (core func $m \"take-own\")))\n"
    "  (func (export \"wrong-type\") (param \"t\" (borrow $T)) (canon lift (core func $m \"wrong-type\")))\n"
    "  (func (export \"mix\") (result u32) (canon lift (core func $m \"mix\")))\n"
    ")\n";

static uint32_t host_dtor_rep, host_dtor_calls;
static bool host_inspect(void *env, wasmrt_cinstance *caller, const wasmrt_cfunc *type, const wasmrt_cval *args,
                         uint32_t nargs, wasmrt_cval *result, wasmrt_error *err) {
    (void)env, (void)caller, (void)type, (void)nargs, (void)err;
    cr_assert_eq(args[0].kind, WASMC_CVAL_BORROW);
    *result = (wasmrt_cval){.kind = WASMC_CVAL_U32, .of.u = args[0].of.handle * 2};   /* the host's rep */
    return true;
}
static void host_thing_dtor(void *env, uint32_t rep) {
    (void)env;
    host_dtor_rep = rep;
    host_dtor_calls++;
}

Test(component_e2e, host_resources_borrow_scopes_and_wrong_types) {
    wasmrt_clinker *l = wasmrt_clinker_new();
    wasmrt_error err;
    cr_assert(wasmrt_clinker_define_resource(l, "test:host/res@0.1.0", "thing", host_thing_dtor, NULL, &err));
    cr_assert(wasmrt_clinker_define_func(l, "test:host/res@0.1.0", "inspect", host_inspect, NULL, &err));
    fx f = start("hostres", HOST_RESOURCE_WAT, l);
    wasmrt_trap trap;
    wasmrt_cval r;
    wasmrt_cval b = {.kind = WASMC_CVAL_BORROW, .of.handle = 5};
    cr_assert(call(&f, "", "release", &b, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(host_dtor_calls, 0);   /* dropping a borrow runs no destructor */
    cr_assert_not(call(&f, "", "keep", &b, 1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_CANON);
    cr_assert_str_eq(trap.host_message, "borrow handles still remain at the end of the call");
    /* the borrow outlived its call, but the trap poisoned the instance:
     * not even a drop of that borrow (whose count lived on the host's
     * stack) runs in it */
    wasmrt_cval idx = u32v(1);
    cr_assert_not(call(&f, "", "drop-index", &idx, 1, &r, &trap));
    cr_assert_str_eq(trap.host_message, "cannot enter component instance: it trapped earlier");
    renew(&f);
    cr_assert_not(call(&f, "", "drop-index", &idx, 1, &r, &trap));
    cr_assert_str_eq(trap.host_message, "unknown handle index 1");
    renew(&f);
    cr_assert_not(call(&f, "", "wrong-type", &b, 1, &r, &trap));
    cr_assert(strstr(trap.host_message, "used with the wrong type, expected guest-defined resource but found "
                                        "host-defined resource (test:host/res@0.1.0#thing, not resource-1)"),
              "%s", trap.host_message);
    renew(&f);
    cr_assert(call(&f, "", "mix", NULL, 0, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.u, 5);
    wasmrt_cval o = {.kind = WASMC_CVAL_OWN, .of.handle = 9};
    cr_assert(call(&f, "", "take-own", &o, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(host_dtor_calls, 1);   /* the guest dropped the last own handle */
    cr_assert_eq(host_dtor_rep, 9);
    /* the guest lends its own handle to a host import, then drops it */
    o.of.handle = 21;
    cr_assert(call(&f, "", "peek", &o, 1, &r, &trap), "%s", trap.host_message);
    cr_assert_eq(r.of.u, 42);
    cr_assert_eq(host_dtor_calls, 2);
    cr_assert_eq(host_dtor_rep, 21);
    stop(&f);
}

Test(component_e2e, an_instance_and_its_component_may_go_before_the_store) {
    /* c2c's core instances import memories from each other: they stay
     * until the store goes, and need their component's code until then */
    fx f = start("c2c", C2C_WAT, NULL);
    wasmrt_trap trap;
    wasmrt_cval r;
    cr_assert(call(&f, "", "run", NULL, 0, &r, &trap), "%s", trap.host_message);
    wasmrt_cval_free(&r);
    wasmrt_cinstance_free(f.ci);
    wasmrt_component_release(f.c);
    wasmrt_clinker_free(f.l);
    wasmrt_store_free(f.s);
}

Test(component_e2e, core_and_component_loaders_refuse_each_others_artifacts) {
    wasmrt_component *c = build("strings", STRINGS_WAT);
    wasmrt_component_release(c);
    char path[512];
    snprintf(path, sizeof path, "%s/strings.so", tmpdir);
    wasmrt_error err;
    cr_assert_null(wasmrt_module_load(path, &err));
    cr_assert(strstr(err.message, "is a component"), "%s", err.message);
    cr_assert(wasmrt_artifact_is_component(path, &err));
    /* and a core module's artifact is not a component */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "printf '(module (func))' > %s/core.wat && node %s/tools/wat2component.mjs "
             "%s/core.wat %s/core.wasm && %s/wasmc %s/core.wasm -o %s/core.so",
             tmpdir, src_dir(), tmpdir, tmpdir, getenv("WASMC_BIN"), tmpdir, tmpdir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    snprintf(path, sizeof path, "%s/core.so", tmpdir);
    cr_assert_null(wasmrt_component_load(path, &err));
    cr_assert(strstr(err.message, "is a core module, not a component"), "%s", err.message);
    cr_assert_not(wasmrt_artifact_is_component(path, &err));
}

/* Component to component, every pair of string encodings: the callee's
 * realloc sequence is the reference's (definitions.py
 * store_string_into_range by source and destination encoding), which
 * needs the caller's encoding and code units, not just the characters.
 * Callees log each realloc's (old size, alignment, new size); the
 * strings are "hé" (latin1-representable) and "h€" (not). */
static const char *ENC[3] = {"utf8", "utf16", "latin1+utf16"};
static const char *ENC_LABEL[3] = {"u8", "u16", "l1"};

static char *string_pairs_wat(void) {
    static const char *data[3][2] = {
        {"h\\c3\\a9", "h\\e2\\82\\ac"},
        {"h\\00\\e9\\00", "h\\00\\ac\\20"},
        {"h\\e9", "h\\00\\ac\\20"},
    };
    static const char *units[3][2] = {{"3", "4"}, {"2", "2"}, {"2", "-2147483646"}};   /* tagged: 2 | 1<<31 */
    size_t cap = 64 * 1024, n = 0;
    char *w = malloc(cap);
    cr_assert(w);
    n += (size_t)snprintf(w + n, cap - n, "(component\n");
    for (int e = 0; e < 3; e++) {
        n += (size_t)snprintf(w + n, cap - n,
            "  (component $C%d\n"
            "    (core module $M (memory (export \"mem\") 1)\n"
            "      (global $bump (mut i32) (i32.const 1024)) (global $log (mut i32) (i32.const 256))\n"
            "      (func (export \"realloc\") (param $old i32) (param $osz i32) (param $al i32) (param $n i32) (result i32)\n"
            "        (local $p i32)\n"
            "        (i32.store (global.get $log) (local.get $osz))\n"
            "        (i32.store offset=4 (global.get $log) (local.get $al))\n"
            "        (i32.store offset=8 (global.get $log) (local.get $n))\n"
            "        (global.set $log (i32.add (global.get $log) (i32.const 12)))\n"
            "        (local.set $p (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))\n"
            "        (global.set $bump (i32.add (local.get $p) (local.get $n)))\n"
            "        (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old)\n"
            "          (select (local.get $osz) (local.get $n) (i32.lt_u (local.get $osz) (local.get $n))))))\n"
            "        (local.get $p))\n"
            "      (func (export \"take\") (param i32 i32))\n"
            "      (func (export \"log\") (result i32)\n"
            "        (i32.store (i32.const 16) (i32.const 256))\n"
            "        (i32.store (i32.const 20) (i32.shr_u (i32.sub (global.get $log) (i32.const 256)) (i32.const 2)))\n"
            "        (i32.const 16)))\n"
            "    (core instance $m (instantiate $M))\n"
            "    (func (export \"take\") (param \"s\" string) (canon lift (core func $m \"take\")\n"
            "      (memory (core memory $m \"mem\")) (realloc (core func $m \"realloc\")) string-encoding=%s))\n"
            "    (func (export \"log\") (result (list u32)) (canon lift (core func $m \"log\") (memory (core memory $m \"mem\")))))\n",
            e, ENC[e]);
        n += (size_t)snprintf(w + n, cap - n,
            "  (component $D%d\n"
            "    (import \"take\" (func $take (param \"s\" string)))\n"
            "    (core module $Mem (memory (export \"mem\") 1) (data (i32.const 64) \"%s\") (data (i32.const 96) \"%s\"))\n"
            "    (core instance $mem (instantiate $Mem))\n"
            "    (core func $take' (canon lower (func $take) (memory (core memory $mem \"mem\")) string-encoding=%s))\n"
            "    (core module $Main (import \"\" \"take\" (func $t (param i32 i32)))\n"
            "      (func (export \"run1\") (call $t (i32.const 64) (i32.const %s)))\n"
            "      (func (export \"run2\") (call $t (i32.const 96) (i32.const %s))))\n"
            "    (core instance $main (instantiate $Main (with \"\" (instance (export \"take\" (func $take'))))))\n"
            "    (func (export \"run1\") (canon lift (core func $main \"run1\")))\n"
            "    (func (export \"run2\") (canon lift (core func $main \"run2\"))))\n",
            e, data[e][0], data[e][1], ENC[e], units[e][0], units[e][1]);
    }
    for (int s = 0; s < 3; s++)
        for (int d = 0; d < 3; d++) {
            char p[16];
            snprintf(p, sizeof p, "%s-%s", ENC_LABEL[s], ENC_LABEL[d]);
            n += (size_t)snprintf(w + n, cap - n,
                "  (instance $c-%s (instantiate $C%d))\n"
                "  (instance $d-%s (instantiate $D%d (with \"take\" (func $c-%s \"take\"))))\n"
                "  (export \"run1-%s\" (func $d-%s \"run1\"))\n"
                "  (export \"run2-%s\" (func $d-%s \"run2\"))\n"
                "  (export \"log-%s\" (func $c-%s \"log\"))\n",
                p, d, p, s, p, p, p, p, p, p, p);
        }
    n += (size_t)snprintf(w + n, cap - n, ")\n");
    cr_assert(n < cap);
    return w;
}

Test(component_e2e, strings_between_components_follow_the_reference_for_every_encoding_pair) {
    /* (old size, align, new size) per realloc, for "hé" then "h€";
     * worked out from definitions.py for [source][destination] */
    static const struct { uint32_t n; uint32_t v[30]; } want[3][3] = {
        {   /* from utf8: "hé" 3 bytes, "h€" 4 */
            {6, {0, 1, 3, 0, 1, 4}},                                              /* store_string_copy */
            {12, {0, 2, 6, 6, 2, 4, 0, 2, 8, 8, 2, 4}},                           /* store_utf8_to_utf16 */
            {15, {0, 2, 3, 3, 2, 2, 0, 2, 4, 4, 2, 8, 8, 2, 4}},                  /* to_latin1_or_utf16 */
        },
        {   /* from utf16: 2 units each */
            {18, {0, 1, 2, 2, 1, 6, 6, 1, 3, 0, 1, 2, 2, 1, 6, 6, 1, 4}},         /* store_utf16_to_utf8 */
            {6, {0, 2, 4, 0, 2, 4}},                                              /* store_string_copy */
            {9, {0, 2, 2, 0, 2, 2, 2, 2, 4}},                                     /* to_latin1_or_utf16 */
        },
        {   /* from latin1+utf16: "hé" latin1 (2), "h€" utf16 (2, tagged) */
            {18, {0, 1, 2, 2, 1, 4, 4, 1, 3, 0, 1, 2, 2, 1, 6, 6, 1, 4}},         /* latin1 / utf16 to utf8 */
            {6, {0, 2, 4, 0, 2, 4}},                                              /* store_string_copy */
            {6, {0, 2, 2, 0, 2, 4}},                                              /* copy / probably_utf16 */
        },
    };
    char *wat = string_pairs_wat();
    fx f = start("string-pairs", wat, NULL);
    free(wat);
    for (int s = 0; s < 3; s++)
        for (int d = 0; d < 3; d++) {
            char name[64];
            wasmrt_trap trap;
            wasmrt_cval r;
            for (int k = 1; k <= 2; k++) {
                snprintf(name, sizeof name, "run%d-%s-%s", k, ENC_LABEL[s], ENC_LABEL[d]);
                cr_assert(call(&f, "", name, NULL, 0, &r, &trap), "%s: %s", name, trap.host_message);
            }
            snprintf(name, sizeof name, "log-%s-%s", ENC_LABEL[s], ENC_LABEL[d]);
            cr_assert(call(&f, "", name, NULL, 0, &r, &trap), "%s: %s", name, trap.host_message);
            char got[256] = "", exp[256] = "";
            for (size_t i = 0; i < r.of.list.len; i++)
                snprintf(got + strlen(got), sizeof got - strlen(got), " %u", (unsigned)r.of.list.items[i].of.u);
            for (uint32_t i = 0; i < want[s][d].n; i++)
                snprintf(exp + strlen(exp), sizeof exp - strlen(exp), " %u", want[s][d].v[i]);
            cr_assert_str_eq(got, exp, "%s to %s: reallocs (old size, align, new size):%s, want%s", ENC[s], ENC[d],
                             got, exp);
            wasmrt_cval_free(&r);
        }
    stop(&f);
}
