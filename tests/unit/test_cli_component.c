/* The wasmrt command line with component artifacts, run as a user would
 * ($WASMC_BIN/wasmc compiles, $WASMC_BIN/wasmrt runs, under sh):
 * --list-exports prints the world in WIT, --invoke takes a call in WAVE
 * and prints the result in WAVE, a trap exits 3 naming the export, bad
 * calls are one-line usage errors (exit 2), and missing imports exit 1
 * naming them.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* demo.wasm, from this text by jco's wasm-tools parser (tools/wat2component.mjs):
 * (component
 *   (core module $m
 *     (memory (export "mem") 1)
 *     (global $heap (mut i32) (i32.const 1024))
 *     (func (export "realloc") (param i32 i32 i32 i32) (result i32)
 *       (local $p i32)
 *       (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
 *                              (i32.sub (i32.const 0) (local.get 2))))
 *       (global.set $heap (i32.add (local.get $p) (local.get 3)))
 *       (local.get $p))
 *     (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
 *     (func (export "sign") (param i32) (result i32)
 *       (if (result i32) (i32.lt_s (local.get 0) (i32.const 0)) (then (i32.const 0))
 *         (else (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1)) (else (i32.const 2))))))
 *     ;; greet(name) -> "hello, " + name: the string at 16 in the data, then name
 *     (data (i32.const 16) "hello, ")
 *     (func (export "greet") (param $ptr i32) (param $len i32) (result i32)
 *       (local $out i32)
 *       (local.set $out (global.get $heap))
 *       (memory.copy (local.get $out) (i32.const 16) (i32.const 7))
 *       (memory.copy (i32.add (local.get $out) (i32.const 7)) (local.get $ptr) (local.get $len))
 *       (global.set $heap (i32.add (local.get $out) (i32.add (local.get $len) (i32.const 7))))
 *       ;; the (ptr, len) result pair at 0
 *       (i32.store (i32.const 0) (local.get $out))
 *       (i32.store (i32.const 4) (i32.add (local.get $len) (i32.const 7)))
 *       (i32.const 0))
 *     (func (export "boom") (result i32) unreachable)
 *   )
 *   (core instance $i (instantiate $m))
 *   (type $sign (enum "negative" "zero" "positive"))
 *   (export $sign-t "sign" (type $sign))
 *   (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
 *   (func (export "classify") (param "n" s32) (result $sign-t) (canon lift (core func $i "sign")))
 *   (func (export "greet") (param "name" string) (result string)
 *     (canon lift (core func $i "greet") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
 *   (func (export "boom") (result u32) (canon lift (core func $i "boom")))
 * )
 */
static const uint8_t DEMO_COMPONENT[] = {
    0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x01, 0xa7, 0x02, 0x00, 0x61, 0x73, 0x6d, 0x01,
    0x00, 0x00, 0x00, 0x01, 0x18, 0x04, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02,
    0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x06, 0x05,
    0x00, 0x01, 0x02, 0x01, 0x03, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x07, 0x01, 0x7f, 0x01, 0x41,
    0x80, 0x08, 0x0b, 0x07, 0x2d, 0x06, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x07, 0x72, 0x65, 0x61,
    0x6c, 0x6c, 0x6f, 0x63, 0x00, 0x00, 0x03, 0x61, 0x64, 0x64, 0x00, 0x01, 0x04, 0x73, 0x69, 0x67,
    0x6e, 0x00, 0x02, 0x05, 0x67, 0x72, 0x65, 0x65, 0x74, 0x00, 0x03, 0x04, 0x62, 0x6f, 0x6f, 0x6d,
    0x00, 0x04, 0x0a, 0x81, 0x01, 0x05, 0x1d, 0x01, 0x01, 0x7f, 0x23, 0x00, 0x20, 0x02, 0x41, 0x01,
    0x6b, 0x6a, 0x41, 0x00, 0x20, 0x02, 0x6b, 0x71, 0x21, 0x04, 0x20, 0x04, 0x20, 0x03, 0x6a, 0x24,
    0x00, 0x20, 0x04, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b, 0x18, 0x00, 0x20, 0x00,
    0x41, 0x00, 0x48, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x01, 0x05,
    0x41, 0x02, 0x0b, 0x0b, 0x0b, 0x3c, 0x01, 0x01, 0x7f, 0x23, 0x00, 0x21, 0x02, 0x20, 0x02, 0x41,
    0x10, 0x41, 0x07, 0xfc, 0x0a, 0x00, 0x00, 0x20, 0x02, 0x41, 0x07, 0x6a, 0x20, 0x00, 0x20, 0x01,
    0xfc, 0x0a, 0x00, 0x00, 0x20, 0x02, 0x20, 0x01, 0x41, 0x07, 0x6a, 0x6a, 0x24, 0x00, 0x41, 0x00,
    0x20, 0x02, 0x36, 0x02, 0x00, 0x41, 0x04, 0x20, 0x01, 0x41, 0x07, 0x6a, 0x36, 0x02, 0x00, 0x41,
    0x00, 0x0b, 0x03, 0x00, 0x00, 0x0b, 0x0b, 0x0d, 0x01, 0x00, 0x41, 0x10, 0x0b, 0x07, 0x68, 0x65,
    0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x00, 0x2b, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x02, 0x01, 0x6d,
    0x02, 0x17, 0x02, 0x00, 0x01, 0x04, 0x01, 0x70, 0x03, 0x03, 0x00, 0x03, 0x70, 0x74, 0x72, 0x01,
    0x03, 0x6c, 0x65, 0x6e, 0x02, 0x03, 0x6f, 0x75, 0x74, 0x07, 0x07, 0x01, 0x00, 0x04, 0x68, 0x65,
    0x61, 0x70, 0x02, 0x04, 0x01, 0x00, 0x00, 0x00, 0x07, 0x1a, 0x01, 0x6d, 0x03, 0x08, 0x6e, 0x65,
    0x67, 0x61, 0x74, 0x69, 0x76, 0x65, 0x04, 0x7a, 0x65, 0x72, 0x6f, 0x08, 0x70, 0x6f, 0x73, 0x69,
    0x74, 0x69, 0x76, 0x65, 0x0b, 0x0a, 0x01, 0x00, 0x04, 0x73, 0x69, 0x67, 0x6e, 0x03, 0x00, 0x00,
    0x07, 0x0b, 0x01, 0x40, 0x02, 0x01, 0x61, 0x79, 0x01, 0x62, 0x79, 0x00, 0x79, 0x06, 0x09, 0x01,
    0x00, 0x00, 0x01, 0x00, 0x03, 0x61, 0x64, 0x64, 0x08, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x07, 0x08, 0x01, 0x40, 0x01, 0x01, 0x6e, 0x7a, 0x00, 0x01, 0x06, 0x0a, 0x01, 0x00, 0x00, 0x01,
    0x00, 0x04, 0x73, 0x69, 0x67, 0x6e, 0x08, 0x06, 0x01, 0x00, 0x00, 0x01, 0x00, 0x03, 0x07, 0x0b,
    0x01, 0x40, 0x01, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x73, 0x00, 0x73, 0x06, 0x1f, 0x03, 0x00, 0x00,
    0x01, 0x00, 0x05, 0x67, 0x72, 0x65, 0x65, 0x74, 0x00, 0x02, 0x01, 0x00, 0x03, 0x6d, 0x65, 0x6d,
    0x00, 0x00, 0x01, 0x00, 0x07, 0x72, 0x65, 0x61, 0x6c, 0x6c, 0x6f, 0x63, 0x08, 0x0a, 0x01, 0x00,
    0x00, 0x02, 0x02, 0x03, 0x00, 0x04, 0x03, 0x04, 0x07, 0x05, 0x01, 0x40, 0x00, 0x00, 0x79, 0x06,
    0x0a, 0x01, 0x00, 0x00, 0x01, 0x00, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x08, 0x06, 0x01, 0x00, 0x00,
    0x04, 0x00, 0x05, 0x0b, 0x29, 0x04, 0x00, 0x03, 0x61, 0x64, 0x64, 0x01, 0x00, 0x00, 0x00, 0x08,
    0x63, 0x6c, 0x61, 0x73, 0x73, 0x69, 0x66, 0x79, 0x01, 0x01, 0x00, 0x00, 0x05, 0x67, 0x72, 0x65,
    0x65, 0x74, 0x01, 0x02, 0x00, 0x00, 0x04, 0x62, 0x6f, 0x6f, 0x6d, 0x01, 0x03, 0x00, 0x00, 0x31,
    0x0e, 0x63, 0x6f, 0x6d, 0x70, 0x6f, 0x6e, 0x65, 0x6e, 0x74, 0x2d, 0x6e, 0x61, 0x6d, 0x65, 0x01,
    0x06, 0x00, 0x11, 0x01, 0x00, 0x01, 0x6d, 0x01, 0x06, 0x00, 0x12, 0x01, 0x00, 0x01, 0x69, 0x01,
    0x10, 0x03, 0x02, 0x00, 0x04, 0x73, 0x69, 0x67, 0x6e, 0x01, 0x06, 0x73, 0x69, 0x67, 0x6e, 0x2d,
    0x74,
};

/* needs.wasm:
 * (component
 *   (import "ping" (func $ping))
 *   (core func $p (canon lower (func $ping)))
 *   (core module $m (import "" "ping" (func)) (func (export "go") (call 0)))
 *   (core instance $i (instantiate $m (with "" (instance (export "ping" (func $p))))))
 *   (func (export "go") (canon lift (core func $i "go")))
 * )
 */
static const uint8_t NEEDS_COMPONENT[] = {
    0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0x07, 0x05, 0x01, 0x40, 0x00, 0x01, 0x00, 0x0a,
    0x09, 0x01, 0x00, 0x04, 0x70, 0x69, 0x6e, 0x67, 0x01, 0x00, 0x08, 0x05, 0x01, 0x01, 0x00, 0x00,
    0x00, 0x01, 0x38, 0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00,
    0x00, 0x02, 0x09, 0x01, 0x00, 0x04, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00,
    0x07, 0x06, 0x01, 0x02, 0x67, 0x6f, 0x00, 0x01, 0x0a, 0x06, 0x01, 0x04, 0x00, 0x10, 0x00, 0x0b,
    0x00, 0x09, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x00, 0x02, 0x01, 0x6d, 0x02, 0x10, 0x02, 0x01, 0x01,
    0x04, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x12, 0x00, 0x07, 0x05, 0x01,
    0x40, 0x00, 0x01, 0x00, 0x06, 0x08, 0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x67, 0x6f, 0x08, 0x06,
    0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x0b, 0x08, 0x01, 0x00, 0x02, 0x67, 0x6f, 0x01, 0x01, 0x00,
    0x00, 0x31, 0x0e, 0x63, 0x6f, 0x6d, 0x70, 0x6f, 0x6e, 0x65, 0x6e, 0x74, 0x2d, 0x6e, 0x61, 0x6d,
    0x65, 0x01, 0x06, 0x00, 0x00, 0x01, 0x00, 0x01, 0x70, 0x01, 0x06, 0x00, 0x11, 0x01, 0x00, 0x01,
    0x6d, 0x01, 0x06, 0x00, 0x12, 0x01, 0x01, 0x01, 0x69, 0x01, 0x08, 0x01, 0x01, 0x00, 0x04, 0x70,
    0x69, 0x6e, 0x67,
};

static char dir[256];
static char bin[1024];

static void write_file(const char *name, const uint8_t *data, size_t n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f);
    cr_assert(fwrite(data, 1, n, f) == n);
    fclose(f);
}

static char *slurp(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = calloc(1, (size_t)n + 1);
    cr_assert(p && fread(p, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    return p;
}

typedef struct Run {
    int status;
    char *out, *err;
} Run;

/* `TOOL ARGS` in the test directory (TOOL: wasmc or wasmrt). */
static Run run(const char *tool, const char *args) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s/%s' %s >.stdout 2>.stderr", dir, bin, tool, args);
    int st = system(cmd);
    Run r = {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(".stdout"), slurp(".stderr")};
    return r;
}

static void run_free(Run *r) {
    free(r->out);
    free(r->err);
}

static void setup(void) {
    const char *b = getenv("WASMC_BIN");
    cr_assert(b && *b, "WASMC_BIN must name the directory holding wasmc and wasmrt");
    snprintf(bin, sizeof bin, "%s", b);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/wasmrt-cli-comp-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert(mkdtemp(dir));
    write_file("demo.wasm", DEMO_COMPONENT, sizeof DEMO_COMPONENT);
    write_file("needs.wasm", NEEDS_COMPONENT, sizeof NEEDS_COMPONENT);
    for (int i = 0; i < 2; i++) {
        Run r = run("wasmc", i ? "needs.wasm -o needs.so" : "demo.wasm -o demo.so");
        cr_assert_eq(r.status, 0, "compiling the test components failed: %s", r.err);
        run_free(&r);
    }
}

static void teardown(void) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0]) (void)!system(cmd);
}

TestSuite(cli_component, .init = setup, .fini = teardown, .timeout = 120);

/* One line on stderr starting with `prefix` and containing `part`. */
static void one_error_line(const Run *r, const char *prefix, const char *part) {
    size_t lines = 0;
    for (const char *p = r->err; *p; p++) lines += *p == '\n';
    cr_expect_eq(lines, 1u, "stderr has %zu lines: %s", lines, r->err);
    cr_expect(strncmp(r->err, prefix, strlen(prefix)) == 0, "stderr '%s' does not start with '%s'", r->err, prefix);
    cr_expect(strstr(r->err, part) != NULL, "stderr '%s' lacks '%s'", r->err, part);
}

/* Without --invoke a component runs as a WASI 0.2 command; one that is not
 * a command is a load error (as a core module without _start is), and the
 * message says how to call it instead. */
Test(cli_component, a_component_without_run_names_invoke) {
    Run r = run("wasmrt", "demo.so");
    cr_expect_eq(r.status, 1, "exit %d", r.status);
    one_error_line(&r, "wasmrt: ", "not a WASI 0.2 command); call an export with --invoke");
    cr_expect_str_eq(r.out, "");
    run_free(&r);
}

Test(cli_component, list_exports_prints_the_world_in_wit) {
    Run r = run("wasmrt", "--list-exports demo.so");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect(strstr(r.out, "export add: func(a: u32, b: u32) -> u32;") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "export greet: func(name: string) -> string;") != NULL, "%s", r.out);
    cr_expect(strstr(r.out, "export classify: func(n: s32) -> ") != NULL, "%s", r.out);
    run_free(&r);
    r = run("wasmrt", "--list-exports needs.so");
    cr_expect_eq(r.status, 0);
    cr_expect(strstr(r.out, "import ping: func();") != NULL, "%s", r.out);
    run_free(&r);
}

Test(cli_component, invoke_reads_wave_and_prints_the_result_in_wave) {
    static const struct { const char *call, *out; } cases[] = {
        {"'add(2, 40)'", "42\n"},
        {"'add(4294967295, 1)'", "0\n"},
        {"' add( 1 ,2, ) '", "3\n"},
        {"'greet(\"world\")'", "\"hello, world\"\n"},
        {"'greet(\"tab\\t quote\\\" \\u{1F600}\")'", "\"hello, tab\\t quote\\\" \xF0\x9F\x98\x80\"\n"},
        {"'classify(-5)'", "negative\n"},
        {"'classify(0)'", "zero\n"},
        {"'classify(7)'", "positive\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[256];
        snprintf(args, sizeof args, "--invoke %s demo.so", cases[i].call);
        Run r = run("wasmrt", args);
        cr_expect_eq(r.status, 0, "%s: exit %d, %s", cases[i].call, r.status, r.err);
        cr_expect_str_eq(r.out, cases[i].out, "%s printed %s", cases[i].call, r.out);
        cr_expect_str_eq(r.err, "", "%s: %s", cases[i].call, r.err);
        run_free(&r);
    }
}

Test(cli_component, a_trap_exits_3_naming_the_export) {
    Run r = run("wasmrt", "--invoke 'boom()' demo.so");
    cr_expect_eq(r.status, 3);
    cr_expect_str_eq(r.err, "wasmrt: trap: unreachable (in boom)\n");
    cr_expect_str_eq(r.out, "");
    run_free(&r);
}

Test(cli_component, bad_calls_are_one_line_usage_errors) {
    static const struct { const char *args, *part; } cases[] = {
        {"--invoke 'add(1)' demo.so", "missing argument 2 (b) of add"},
        {"--invoke 'add(1, 2, 3)' demo.so", "too many arguments"},
        {"--invoke 'add(1, \"x\")' demo.so", "at offset 7: expected an integer"},
        {"--invoke 'add(1, 4294967296)' demo.so", "out of range for u32"},
        {"--invoke 'classify(maybe)' demo.so", "expected an integer"},
        {"--invoke 'nope()' demo.so", "no exported function 'nope'"},
        {"--invoke add demo.so", "expected '(' after the function name"},
        {"--invoke 'add(1, 2)' demo.so 3", "inside the call"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Run r = run("wasmrt", cases[i].args);
        cr_expect_eq(r.status, 2, "%s: exit %d", cases[i].args, r.status);
        one_error_line(&r, "wasmrt: error: ", cases[i].part);
        cr_expect_str_eq(r.out, "", "%s", cases[i].args);
        run_free(&r);
    }
}

Test(cli_component, missing_imports_exit_1_naming_them) {
    Run r = run("wasmrt", "--invoke 'go()' needs.so");
    cr_expect_eq(r.status, 1);
    one_error_line(&r, "wasmrt: error: ", "missing imports: ping");
    run_free(&r);
}

Test(cli_component, list_exports_is_for_components_only) {
    /* (module) */
    static const uint8_t EMPTY_MODULE[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    write_file("empty.wasm", EMPTY_MODULE, sizeof EMPTY_MODULE);
    Run c = run("wasmc", "empty.wasm -o empty.so");
    cr_assert_eq(c.status, 0, "%s", c.err);
    run_free(&c);
    Run r = run("wasmrt", "--list-exports empty.so");
    cr_expect_eq(r.status, 2);
    one_error_line(&r, "wasmrt: error: ", "--list-exports is for components");
    run_free(&r);
}

/* --trusted-keys holds for components as for core modules: a component
 * signed by a trusted key runs, one signed by another key or not signed at
 * all is refused before it is mapped (the component check itself honours
 * the keys), each with the loader's message. */
Test(cli_component, trusted_keys_verify_components) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s/wasmc' --keygen a >/dev/null && '%s/wasmc' --keygen b >/dev/null && "
             "mkdir -p ka kb && cp a.pub ka/ && cp b.pub kb/ && "
             "'%s/wasmc' --sign a.key demo.wasm -o signed.so",
             dir, bin, bin, bin);
    cr_assert_eq(system(cmd), 0, "keygen/sign failed");
    Run r = run("wasmrt", "--trusted-keys ka --invoke 'add(1, 2)' signed.so");
    cr_expect_eq(r.status, 0, "signed by a trusted key: exit %d: %s", r.status, r.err);
    cr_expect_str_eq(r.out, "3\n");
    run_free(&r);
    r = run("wasmrt", "--trusted-keys kb --invoke 'add(1, 2)' signed.so");
    cr_expect_eq(r.status, 1, "signed by another key: exit %d", r.status);
    cr_expect(strstr(r.err, "untrusted key") != NULL, "%s", r.err);
    run_free(&r);
    r = run("wasmrt", "--trusted-keys ka --invoke 'add(1, 2)' demo.so");
    cr_expect_eq(r.status, 1, "unsigned: exit %d", r.status);
    cr_expect(strstr(r.err, "not signed") != NULL, "%s", r.err);
    run_free(&r);
    r = run("wasmrt", "--trusted-keys kb signed.so");
    cr_expect_eq(r.status, 1, "run as a command, other key: exit %d", r.status);
    cr_expect(strstr(r.err, "untrusted key") != NULL, "%s", r.err);
    run_free(&r);
}
