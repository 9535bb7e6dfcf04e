/* wasmrt_module_perf_map: a real artifact (WAT -> wat2wasm --debug-names ->
 * wasmc_compile -> wasmrt_module_load) gets one perf map line per defined
 * function, inside the code range, non-overlapping, named from the name
 * section, else the export, else wasm-function[N], with guest-controlled
 * names sanitised; its code moves to anonymous memory (what makes perf read
 * the map) and still runs and traps with names afterwards.  Also: the CLI's
 * --perf-map and WASMRT_PERF_MAP=1, refusals that leave the module usable,
 * and concurrent writers sharing one map.  Missing tools skip, never pass. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "wat_harness.h"

/* Function indices: 0 import; 1 named; 2 export-only; 3 unnamed; 4 name
 * patched to "evil\nname\x1besc"; 5 hostile export name; 6 name and
 * export; 7 call_all (export-only); 8 trapper. */
static const char *module_wat =
    "(module $mymod\n"
    "  (import \"env\" \"h\" (func $h))\n"
    "  (func $named (result i32) (call $h) (i32.const 1))\n"
    "  (func (export \"exported_only\") (result i32) (i32.const 2))\n"
    "  (func (result i32) (i32.const 3))\n"
    "  (func $evilXnameXesc (result i32) (i32.const 4))\n"
    "  (func (export \"bad\\nexport\\u{9b}x\") (result i32) (i32.const 5))\n"
    "  (func $both (export \"both_export\") (result i32) (i32.const 6))\n"
    "  (func (export \"call_all\") (result i32)\n"
    "    (i32.add (i32.add (i32.add (call 1) (call 2)) (i32.add (call 3) (call 4)))\n"
    "             (i32.add (call 5) (call 6))))\n"
    "  (func $trapper (export \"trap\") unreachable))\n";

static const char *expected_names[] = {
    "named", "exported_only", "wasm-function[3]", "evil?name?esc", "bad?export??x", "both", "call_all",
    "trapper",
};
#define NUM_DEFINED 8

static int host_calls;
static void host_h(void *env, void *caller, wasmc_slot *slots) {
    (void)env, (void)caller, (void)slots;
    host_calls++;
}
static void define_h(wasmrt_linker *l) {
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_linker_define_host_func(l, "env", "h", NULL, 0, NULL, 0, host_h, NULL, &err), "%s",
              err.message);
}

/* Assemble with the name section, patch the hostile name in place (same
 * length, so no size changes), compile and load; no instance yet. */
static void open_module(Harness *h) {
    memset(h, 0, sizeof *h);
    h->define_imports = define_h;
    strcpy(h->dir, "/tmp/wasmrt-perfmap-XXXXXX");
    cr_assert(mkdtemp(h->dir), "mkdtemp");
    snprintf(h->so_path, sizeof h->so_path, "%s/m.so", h->dir);
    if (system("wat2wasm --version >/dev/null 2>&1") != 0) SKIP(h, "wat2wasm (wabt) is not installed");
    char wat[128], wasm[128], cmd[400];
    snprintf(wat, sizeof wat, "%s/m.wat", h->dir);
    snprintf(wasm, sizeof wasm, "%s/m.wasm", h->dir);
    FILE *fp = fopen(wat, "w");
    cr_assert(fp);
    fputs(module_wat, fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "wat2wasm --debug-names '%s' -o '%s'", wat, wasm);
    cr_assert_eq(system(cmd), 0, "wat2wasm rejected the test module");
    uint8_t *bytes;
    size_t size;
    cr_assert(read_file(wasm, &bytes, &size));
    uint8_t *evil = memmem(bytes, size, "evilXnameXesc", 13);
    cr_assert(evil, "no name section in the assembled module");
    evil[4] = '\n';
    evil[9] = 0x1b;
    harness_load_bytes(h, bytes, size, false);
}

static void close_module(Harness *h, const char *map) {
    if (map) unlink(map);
    harness_close(h);
}

typedef struct Entry {
    unsigned long start, size;
    char name[512];
} Entry;

static int cmp_entry(const void *a, const void *b) {
    const Entry *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Every line of the map must be "HEX HEX NAME" with no control bytes;
 * returns the number of entries parsed into e[]. */
static size_t read_map(const char *path, Entry *e, size_t cap) {
    uint8_t *text;
    size_t size;
    cr_assert(read_file(path, &text, &size), "perf map %s missing or empty", path);
    cr_assert_eq(text[size - 1], '\n', "the map ends mid-line");
    size_t n = 0;
    for (size_t i = 0; i < size;) {
        uint8_t *nl = memchr(text + i, '\n', size - i);
        size_t len = (size_t)(nl - (text + i));
        for (size_t k = 0; k < len; k++)
            cr_assert(text[i + k] >= 0x20 && text[i + k] != 0x7F, "control byte 0x%02x in a map line",
                      text[i + k]);
        cr_assert_lt(n, cap, "more lines than expected");
        char line[600];
        cr_assert_lt(len, sizeof line, "line too long: %zu bytes", len);
        memcpy(line, text + i, len);
        line[len] = 0;
        int at = 0;
        cr_assert_eq(sscanf(line, "%lx %lx %n", &e[n].start, &e[n].size, &at), 2, "bad line '%s'", line);
        cr_assert(strncmp(line, "0x", 2) != 0, "START must be bare hex: '%s'", line);
        snprintf(e[n].name, sizeof e[n].name, "%s", line + at);
        n++;
        i += len + 1;
    }
    free(text);
    return n;
}

/* The code page holding addr is anonymous (inode 0) and r-x. */
static bool code_is_anonymous(const void *addr) {
    FILE *fp = fopen("/proc/self/maps", "r");
    cr_assert(fp);
    char line[512];
    bool anon = false;
    while (fgets(line, sizeof line, fp)) {
        unsigned long s, e, inode;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &s, &e, perms, &inode) == 4 && (uintptr_t)addr >= s &&
            (uintptr_t)addr < e) {
            anon = inode == 0 && strcmp(perms, "r-xp") == 0;
            break;
        }
    }
    fclose(fp);
    return anon;
}

static void check_runs(Harness *h) {
    harness_instantiate(h);
    wasmrt_val r;
    host_calls = 0;
    cr_assert_eq(invoke(h, "call_all", NULL, 0, &r, 1), WASMC_TRAP_NONE);
    cr_assert_eq(r.of.i32, 21);
    cr_assert_eq(host_calls, 1);
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(h->inst, "trap", &ext));
    wasmrt_trap trap = {0};
    wasmrt_error err = {{0}};
    cr_assert_not(wasmrt_call(h->store, &ext.of.func, NULL, 0, NULL, 0, &trap, &err));
    cr_assert_eq(trap.code, WASMC_TRAP_UNREACHABLE);
    cr_assert(trap.func_name && strcmp(trap.func_name, "trapper") == 0, "trap named %s",
              trap.func_name ? trap.func_name : "(none)");
}

Test(perf_map, one_sanitised_line_per_function_inside_the_code) {
    Harness h;
    open_module(&h);
    char map[128];
    snprintf(map, sizeof map, "%s/perf.map", h.dir);
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_module_perf_map(h.module, "pm", map, &err), "%s", err.message);

    const wasmc_descriptor *d = wasmrt_module_descriptor(h.module);
    cr_assert_eq(d->num_funcs - d->num_imported_funcs, NUM_DEFINED);
    Entry e[NUM_DEFINED + 1];
    size_t n = read_map(map, e, NUM_DEFINED + 1);
    cr_assert_eq(n, NUM_DEFINED, "%zu lines for %d functions", n, NUM_DEFINED);
    uintptr_t lo = (uintptr_t)d->code_start, hi = (uintptr_t)d->code_end;
    bool seen[NUM_DEFINED] = {0};
    for (size_t i = 0; i < n; i++) {
        cr_assert(e[i].start >= lo && e[i].start < hi, "%s starts outside the code", e[i].name);
        cr_assert(e[i].size > 0 && e[i].start + e[i].size <= hi, "%s: bad size %lx", e[i].name, e[i].size);
        cr_assert(strncmp(e[i].name, "wasm:pm!", 8) == 0, "unprefixed name '%s'", e[i].name);
        size_t k = 0;
        while (k < NUM_DEFINED && strcmp(e[i].name + 8, expected_names[k]) != 0) k++;
        cr_assert_lt(k, NUM_DEFINED, "unexpected name '%s'", e[i].name);
        cr_assert_not(seen[k], "'%s' twice", e[i].name);
        seen[k] = true;
        /* The map's address for a function is the one the descriptor has. */
        cr_assert_eq(e[i].start, (uintptr_t)d->func_code[d->num_imported_funcs + k], "%s: wrong address",
                     e[i].name);
    }
    qsort(e, n, sizeof *e, cmp_entry);
    for (size_t i = 1; i < n; i++)
        cr_assert_leq(e[i - 1].start + e[i - 1].size, e[i].start, "%s overlaps %s", e[i - 1].name, e[i].name);
    cr_assert_eq(e[n - 1].start + e[n - 1].size, hi, "the last function runs to the end of the code");

    cr_assert(code_is_anonymous(d->code_start), "the code is still file-backed: perf would ignore the map");
    check_runs(&h);
    close_module(&h, map);
}

Test(perf_map, modules_append_and_label_defaults_to_the_module_name) {
    Harness a, b;
    open_module(&a);
    open_module(&b);
    char map[128];
    snprintf(map, sizeof map, "%s/perf.map", a.dir);
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_module_perf_map(a.module, NULL, map, &err), "%s", err.message);
    cr_assert(wasmrt_module_perf_map(b.module, "second", map, &err), "%s", err.message);
    /* Again for the same module: the code has moved already; lines repeat. */
    cr_assert(wasmrt_module_perf_map(b.module, "second", map, &err), "%s", err.message);
    Entry e[3 * NUM_DEFINED + 1];
    size_t n = read_map(map, e, 3 * NUM_DEFINED + 1);
    cr_assert_eq(n, 3 * NUM_DEFINED);
    size_t first = 0, second = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(e[i].name, "wasm:mymod!", 11) == 0) first++;
        else if (strncmp(e[i].name, "wasm:second!", 12) == 0) second++;
    }
    cr_assert_eq(first, NUM_DEFINED, "name-section module name as label");
    cr_assert_eq(second, 2 * NUM_DEFINED);
    check_runs(&a);
    check_runs(&b);
    unlink(map);
    close_module(&b, NULL);
    close_module(&a, NULL);
}

Test(perf_map, refusals_leave_the_module_usable) {
    Harness h;
    open_module(&h);
    const wasmc_descriptor *d = wasmrt_module_descriptor(h.module);
    wasmrt_error err = {{0}};
    char map[160];
    /* An unwritable place: nothing changes. */
    snprintf(map, sizeof map, "%s/no/such/dir/perf.map", h.dir);
    cr_assert_not(wasmrt_module_perf_map(h.module, "pm", map, &err));
    cr_assert(strstr(err.message, "cannot open"), "message: %s", err.message);
    cr_assert_not(code_is_anonymous(d->code_start));
    /* A symlink planted where the map goes is not followed. */
    char target[128];
    snprintf(target, sizeof target, "%s/victim", h.dir);
    snprintf(map, sizeof map, "%s/perf.map", h.dir);
    cr_assert_eq(symlink(target, map), 0);
    cr_assert_not(wasmrt_module_perf_map(h.module, "pm", map, &err));
    cr_assert_neq(access(target, F_OK), 0, "the symlink's target was created");
    unlink(map);
    /* Too late once instantiated: the code may be running. */
    harness_instantiate(&h);
    cr_assert_not(wasmrt_module_perf_map(h.module, "pm", map, &err));
    cr_assert(strstr(err.message, "users"), "message: %s", err.message);
    cr_assert_not(code_is_anonymous(d->code_start));
    check_runs(&h);
    close_module(&h, map);
}

typedef struct Writer {
    wasmrt_module *m;
    const char *map;
    char label[16];
    bool ok;
    char msg[512];
} Writer;

static void *writer_main(void *arg) {
    Writer *w = arg;
    wasmrt_error err = {{0}};
    w->ok = true;
    for (int i = 0; i < 50 && w->ok; i++) w->ok = wasmrt_module_perf_map(w->m, w->label, w->map, &err);
    snprintf(w->msg, sizeof w->msg, "%s", err.message);
    return NULL;
}

Test(perf_map, concurrent_writers_never_split_lines) {
    Harness h;
    open_module(&h);
    char map[128];
    snprintf(map, sizeof map, "%s/perf.map", h.dir);
    enum { THREADS = 4 };
    Writer w[THREADS];
    pthread_t t[THREADS];
    wasmrt_error err = {{0}};
    for (int i = 0; i < THREADS; i++) {
        w[i] = (Writer){.map = map};
        w[i].m = wasmrt_module_load(h.so_path, &err);
        cr_assert(w[i].m, "%s", err.message);
        snprintf(w[i].label, sizeof w[i].label, "t%d", i);
    }
    for (int i = 0; i < THREADS; i++) cr_assert_eq(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        cr_assert(w[i].ok, "writer %d: %s", i, w[i].msg);
    }
    size_t cap = THREADS * 50 * NUM_DEFINED;
    Entry *e = malloc((cap + 1) * sizeof *e);
    cr_assert(e);
    cr_assert_eq(read_map(map, e, cap + 1), cap);
    for (size_t i = 0; i < cap; i++)
        cr_assert(strncmp(e[i].name, "wasm:t", 6) == 0 && e[i].name[7] == '!', "mangled line '%s'", e[i].name);
    free(e);
    for (int i = 0; i < THREADS; i++) wasmrt_module_release(w[i].m);
    close_module(&h, map);
}

/* The CLI writes /tmp/perf-PID.map for --perf-map and for WASMRT_PERF_MAP=1
 * (PID: the wasmrt process, the child here), and nothing without either. */
static void run_cli(Harness *h, const char *flag, const char *env, bool expect_map) {
    const char *bin = getenv("WASMC_BIN");
    char wasmrt[1024];
    snprintf(wasmrt, sizeof wasmrt, "%s/wasmrt", bin ? bin : "");
    if (!bin || access(wasmrt, X_OK) != 0) {
        close_module(h, NULL);
        cr_skip_test("wasmrt CLI not available (set WASMC_BIN)");
    }
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (env) setenv("WASMRT_PERF_MAP", env, 1);
        else unsetenv("WASMRT_PERF_MAP");
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        const char *argv[8] = {wasmrt, "--no-seccomp", "--invoke", "exported_only"};
        int argc = 4;
        if (flag) argv[argc++] = flag;
        argv[argc++] = h->so_path;
        argv[argc] = NULL;
        execv(wasmrt, (char **)argv);
        _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "wasmrt died");
    /* The import is unresolved in the CLI (no "env" module): a link error
     * (status 1) comes after the map is written, which is all we need. */
    char map[64];
    snprintf(map, sizeof map, "/tmp/perf-%ld.map", (long)pid);
    if (!expect_map) {
        cr_assert_neq(access(map, F_OK), 0, "%s written without being asked", map);
        return;
    }
    Entry e[NUM_DEFINED + 1];
    size_t n = read_map(map, e, NUM_DEFINED + 1);
    unlink(map);
    cr_assert_eq(n, NUM_DEFINED);
    for (size_t i = 0; i < n; i++)
        cr_assert(strncmp(e[i].name, "wasm:m!", 7) == 0, "label is the artifact name: '%s'", e[i].name);
}

Test(perf_map, cli_flag_and_environment) {
    Harness h;
    open_module(&h);
    run_cli(&h, NULL, NULL, false);
    run_cli(&h, NULL, "0", false);
    run_cli(&h, "--perf-map", NULL, true);
    run_cli(&h, NULL, "1", true);
    close_module(&h, NULL);
}
