/* wasmrt_store_interrupt against code compiled in both interrupt modes
 * (wasmc --interrupt=signal, the default, and --interrupt=poll):
 *
 *  - a loop with no calls (nothing but the signal can stop it in signal
 *    mode) traps "interrupted", and the flag is consumed so the next call
 *    runs normally;
 *  - a guest that is inside a host function when the interrupt comes (the
 *    signal handler must not trap there) traps as soon as the host function
 *    returns, before it can start an endless loop;
 *  - an interrupt posted while nothing runs makes the next call trap on
 *    entry.
 *
 * Each module is WAT assembled with wat2wasm, compiled with wasmc_compile
 * and run with libwasmrt; a missing wat2wasm skips the case.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasmc.h"
#include "wasmrt.h"

static const char WAT[] =
    "(module\n"
    "  (import \"env\" \"slow\" (func $slow))\n"
    "  (memory 1)\n"
    /* spin(n): a tight loop that counts until memory[n] is non-zero
     * (memory[1000] = 1; memory[0] never is: an endless loop) */
    "  (data (i32.const 1000) \"\\01\")\n"
    "  (func (export \"spin\") (param i32) (result i32)\n"
    "    (local $i i32)\n"
    "    (loop $l\n"
    "      (local.set $i (i32.add (local.get $i) (i32.const 1)))\n"
    "      (br_if $l (i32.eqz (i32.load8_u (local.get 0)))))\n"
    "    (local.get $i))\n"
    /* host_then_spin: sits in a host function, then loops forever */
    "  (func (export \"host_then_spin\") (param i32) (result i32)\n"
    "    (call $slow)\n"
    "    (loop $l (br $l))\n"
    "    (i32.const 0))\n"
    "  (func (export \"add1\") (param i32) (result i32)\n"
    "    (i32.add (local.get 0) (i32.const 1))))\n";

typedef struct Fixture {
    char dir[64];
    wasmrt_module *module;
    wasmrt_store *store;
    wasmrt_instance *inst;
} Fixture;

/* env.slow: long enough that the interrupt arrives while it runs. */
static void host_slow(void *env, void *caller, wasmc_slot *slots) {
    (void)env;
    (void)caller;
    (void)slots;
    struct timespec ts = {0, 200 * 1000 * 1000};
    while (nanosleep(&ts, &ts) != 0) {}
}

static void cleanup(Fixture *f) {
    if (f->store) wasmrt_store_free(f->store);
    if (f->module) wasmrt_module_release(f->module);
    const char *files[] = {"m.wat", "m.wasm", "m.so"};
    char path[128];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
        unlink(path);
    }
    rmdir(f->dir);
}

static bool read_all(const char *path, uint8_t **out, size_t *size) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return false;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    *out = malloc(n > 0 ? (size_t)n : 1);
    *size = n > 0 && fread(*out, 1, (size_t)n, fp) == (size_t)n ? (size_t)n : 0;
    fclose(fp);
    return *size > 0;
}

static void setup(Fixture *f, bool poll) {
    memset(f, 0, sizeof *f);
    strcpy(f->dir, "/tmp/wasmc-irqtest-XXXXXX");
    cr_assert(mkdtemp(f->dir));
    char wat[96], wasm[96], so[96], cmd[256];
    snprintf(wat, sizeof wat, "%s/m.wat", f->dir);
    snprintf(wasm, sizeof wasm, "%s/m.wasm", f->dir);
    snprintf(so, sizeof so, "%s/m.so", f->dir);
    FILE *fp = fopen(wat, "w");
    cr_assert(fp);
    fputs(WAT, fp);
    fclose(fp);
    if (system("wat2wasm --version >/dev/null 2>&1") != 0) {
        cleanup(f);
        cr_skip_test("wat2wasm (wabt) is not installed");
    }
    snprintf(cmd, sizeof cmd, "wat2wasm '%s' -o '%s'", wat, wasm);
    cr_assert_eq(system(cmd), 0);
    uint8_t *bytes;
    size_t size;
    cr_assert(read_all(wasm, &bytes, &size));
    WasmcOptions o;
    wasmc_options_default(&o);
    o.threads = 1;
    o.interrupt_poll = poll;
    WasmError err;
    wasm_error_clear(&err);
    bool ok = wasmc_compile(bytes, size, &o, so, NULL, &err);
    free(bytes);
    cr_assert(ok, "wasmc_compile: %s", err.message);
    wasmrt_error rerr = {{0}};
    f->module = wasmrt_module_load(so, &rerr);
    cr_assert(f->module, "%s", rerr.message);
    f->store = wasmrt_store_new(NULL, &rerr);
    cr_assert(f->store, "%s", rerr.message);
    wasmrt_linker *l = wasmrt_linker_new();
    cr_assert(wasmrt_linker_define_host_func(l, "env", "slow", NULL, 0, NULL, 0, host_slow, NULL, &rerr), "%s",
              rerr.message);
    wasmrt_trap trap = {0};
    f->inst = wasmrt_instantiate(f->store, f->module, l, &trap, &rerr);
    wasmrt_linker_free(l);
    cr_assert(f->inst, "instantiate: %s", rerr.message);
}

/* Returns the trap code (WASMC_TRAP_NONE on success, result in *out). */
static wasmc_trap_code call1(Fixture *f, const char *name, int32_t arg, int32_t *out) {
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(f->inst, name, &ext), "no export %s", name);
    wasmrt_val a = {.kind = 0x7F, .of.i32 = arg}, r = {0};
    wasmrt_trap trap = {0};
    wasmrt_error err = {{0}};
    if (wasmrt_call(f->store, &ext.of.func, &a, 1, &r, 1, &trap, &err)) {
        if (out) *out = r.of.i32;
        return WASMC_TRAP_NONE;
    }
    cr_assert_neq(trap.code, WASMC_TRAP_NONE, "%s failed without a trap: %s", name, err.message);
    return trap.code;
}

typedef struct Later {
    wasmrt_store *store;
    long ms;
} Later;

static void *interrupt_later(void *arg) {
    Later *l = arg;
    struct timespec ts = {l->ms / 1000, (l->ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    wasmrt_store_interrupt(l->store);
    return NULL;
}

static void stops_a_tight_loop(bool poll) {
    Fixture f;
    setup(&f, poll);
    int32_t r = 0;
    cr_assert_eq(call1(&f, "spin", 1000, &r), WASMC_TRAP_NONE);
    cr_assert_eq(r, 1);
    Later l = {f.store, 50};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, interrupt_later, &l), 0);
    cr_assert_eq(call1(&f, "spin", 0, NULL), WASMC_TRAP_INTERRUPTED);
    pthread_join(th, NULL);
    /* consumed: the next call runs normally */
    cr_assert_eq(call1(&f, "add1", 41, &r), WASMC_TRAP_NONE);
    cr_assert_eq(r, 42);
    cleanup(&f);
}

static void stops_after_a_host_call(bool poll) {
    Fixture f;
    setup(&f, poll);
    Later l = {f.store, 50};   /* lands inside env.slow (200 ms) */
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, interrupt_later, &l), 0);
    cr_assert_eq(call1(&f, "host_then_spin", 0, NULL), WASMC_TRAP_INTERRUPTED);
    pthread_join(th, NULL);
    cleanup(&f);
}

static void pending_interrupt_traps_next_call(bool poll) {
    Fixture f;
    setup(&f, poll);
    wasmrt_store_interrupt(f.store);
    cr_assert_eq(call1(&f, "add1", 1, NULL), WASMC_TRAP_INTERRUPTED);
    int32_t r = 0;
    cr_assert_eq(call1(&f, "add1", 1, &r), WASMC_TRAP_NONE);
    cr_assert_eq(r, 2);
    cleanup(&f);
}

Test(interrupt, signal_stops_a_tight_loop) { stops_a_tight_loop(false); }
Test(interrupt, poll_stops_a_tight_loop) { stops_a_tight_loop(true); }
Test(interrupt, signal_stops_after_a_host_call) { stops_after_a_host_call(false); }
Test(interrupt, poll_stops_after_a_host_call) { stops_after_a_host_call(true); }
Test(interrupt, signal_pending_interrupt_traps_next_call) { pending_interrupt_traps_next_call(false); }
Test(interrupt, poll_pending_interrupt_traps_next_call) { pending_interrupt_traps_next_call(true); }
