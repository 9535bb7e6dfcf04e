/* End to end: wasmc compiles a component into one artifact; the shared
 * object exports wasmc_component (and nothing else), which points at one
 * descriptor per core module -- each with its own, disjoint code range --
 * and at exactly the plan the front end makes. */
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "component_fixture.h"
#include "wasmc.h"
#include "wasmc/component_plan.h"
#include "wasmc/sha256.h"

static void compile_fixture(const char *name, char *out, size_t out_size, uint8_t **bytes, size_t *n) {
    *bytes = fixture_read(name, n);
    snprintf(out, out_size, "/tmp/wasmc-test-component-%d-%s.so", (int)getpid(), name);
    WasmcOptions o;
    wasmc_options_default(&o);
    o.threads = 2;
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(wasmc_compile(*bytes, *n, &o, out, NULL, &err), "%s: %s", name, err.message);
}

Test(component_compile, one_artifact_with_every_module_and_the_plan) {
    char path[512];
    uint8_t *bytes;
    size_t n;
    compile_fixture("nested.wasm", path, sizeof path, &bytes, &n);

    /* The trailer names the component's hash. */
    FILE *f = fopen(path, "rb");
    cr_assert(f);
    fseek(f, -(long)sizeof(wasmc_trailer), SEEK_END);
    wasmc_trailer tr;
    cr_assert_eq(fread(&tr, sizeof tr, 1, f), 1);
    fclose(f);
    uint8_t sha[32];
    wasmc_sha256(bytes, n, sha);
    cr_assert(memcmp(tr.module_sha256, sha, 32) == 0);
    cr_assert_eq(tr.format_version, WASMC_FORMAT_VERSION);

    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    cr_assert(h, "dlopen: %s", dlerror());
    cr_assert_null(dlsym(h, WASMC_DESCRIPTOR_SYMBOL), "a component exports no module descriptor");
    const wasmc_component_descriptor *d = dlsym(h, WASMC_COMPONENT_SYMBOL);
    cr_assert(d);
    cr_assert_eq(d->magic, WASMC_COMPONENT_MAGIC);
    cr_assert_eq(d->format_version, WASMC_FORMAT_VERSION);
    cr_assert_eq(d->num_modules, 2);
    for (uint32_t i = 0; i < d->num_modules; i++) {
        const wasmc_descriptor *m = d->modules[i];
        cr_assert_eq(m->magic, WASMC_DESCRIPTOR_MAGIC);
        cr_assert_eq(m->format_version, WASMC_FORMAT_VERSION);
        cr_assert_lt((uintptr_t)m->code_start, (uintptr_t)m->code_end);
        /* each defined function's code lies in its own module's range */
        for (uint32_t k = m->num_imported_funcs; k < m->num_funcs; k++) {
            uintptr_t c = (uintptr_t)m->func_code[k];
            cr_assert(c >= (uintptr_t)m->code_start && c < (uintptr_t)m->code_end, "module %u func %u", i, k);
        }
    }
    const wasmc_descriptor *a = d->modules[0], *b = d->modules[1];
    cr_assert((uintptr_t)a->code_end <= (uintptr_t)b->code_start || (uintptr_t)b->code_end <= (uintptr_t)a->code_start,
              "module code ranges overlap");
    /* module 1 imports env.double; module 0 imports nothing */
    cr_assert_eq(a->num_imports, 0);
    cr_assert_eq(b->num_imports, 1);
    /* the plan is the front end's, byte for byte */
    CFile cf;
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(component_decode(bytes, n, &cf, &err));
    CPlan plan;
    cr_assert(component_flatten(&cf, &plan, &err));
    cr_assert_eq(d->plan_size, plan.size);
    cr_assert(memcmp(d->plan, plan.bytes, plan.size) == 0);
    free(plan.bytes);
    component_free(&cf);
    dlclose(h);
    unlink(path);
    free(bytes);
}

Test(component_compile, the_same_component_compiles_to_the_same_bytes) {
    char p1[512], p2[512];
    uint8_t *bytes;
    size_t n;
    compile_fixture("resources.wasm", p1, sizeof p1, &bytes, &n);
    free(bytes);
    strcpy(p2, p1);
    strcat(p2, ".2");
    WasmcOptions o;
    wasmc_options_default(&o);
    o.threads = 1;
    bytes = fixture_read("resources.wasm", &n);
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(wasmc_compile(bytes, n, &o, p2, NULL, &err), "%s", err.message);
    FILE *f1 = fopen(p1, "rb"), *f2 = fopen(p2, "rb");
    cr_assert(f1 && f2);
    int c1, c2;
    do {
        c1 = fgetc(f1);
        c2 = fgetc(f2);
        cr_assert_eq(c1, c2, "artifacts differ (-j2 vs -j1)");
    } while (c1 != EOF);
    fclose(f1);
    fclose(f2);
    unlink(p1);
    unlink(p2);
    free(bytes);
}

Test(component_compile, an_invalid_component_leaves_no_output) {
    size_t n;
    uint8_t *bytes = fixture_read("invalid/missing_memory.wasm", &n);
    char path[256];
    snprintf(path, sizeof path, "/tmp/wasmc-test-component-%d-invalid.so", (int)getpid());
    WasmcOptions o;
    wasmc_options_default(&o);
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(!wasmc_compile(bytes, n, &o, path, NULL, &err));
    cr_assert_eq(err.kind, WASM_ERR_INVALID);
    cr_assert_neq(access(path, F_OK), 0);
    free(bytes);
}

/* ---- Run by the runtime (rt/component): the plan does what the component says. */

#include "wasmrt_component.h"

const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0"; }

typedef struct Run {
    wasmrt_component *c;
    wasmrt_store *s;
    wasmrt_clinker *l;
    wasmrt_cinstance *ci;
    char path[512];
} Run;

static void run_start(Run *r, const char *fixture) {
    uint8_t *bytes;
    size_t n;
    compile_fixture(fixture, r->path, sizeof r->path, &bytes, &n);
    free(bytes);
    wasmrt_error err;
    wasmrt_trap trap;
    r->c = wasmrt_component_load(r->path, &err);
    cr_assert(r->c, "load: %s", err.message);
    r->s = wasmrt_store_new(NULL, &err);
    cr_assert(r->s, "%s", err.message);
    r->l = wasmrt_clinker_new();
    r->ci = wasmrt_component_instantiate(r->s, r->c, r->l, &trap, &err);
    cr_assert(r->ci, "instantiate: %s", err.message);
}

static void run_stop(Run *r) {
    wasmrt_store_free(r->s);
    wasmrt_clinker_free(r->l);
    wasmrt_component_release(r->c);
    unlink(r->path);
}

static wasmrt_cval call1(Run *r, const char *iface, const char *name, wasmrt_cval arg) {
    const wasmrt_cfunc *f = wasmrt_cinstance_func(r->ci, iface, name);
    cr_assert(f, "no export %s %s", iface, name);
    wasmrt_cval res;
    memset(&res, 0, sizeof res);
    wasmrt_trap trap;
    wasmrt_error err;
    cr_assert(wasmrt_cinstance_call(r->ci, f, &arg, 1, &res, &trap, &err), "call %s: %s", name, err.message);
    return res;
}

Test(component_compile, nested_instances_run_through_the_plan) {
    Run r;
    run_start(&r, "nested.wasm");
    wasmrt_cval x = {.kind = WASMC_CVAL_U32, .of.u = 3};
    wasmrt_cval q = call1(&r, "", "quad", x);
    cr_assert_eq(q.kind, WASMC_CVAL_U32);
    cr_assert_eq(q.of.u, 12);
    x.of.u = 5;
    wasmrt_cval d = call1(&r, "inner", "double", x);
    cr_assert_eq(d.of.u, 10);
    run_stop(&r);
}

Test(component_compile, a_defined_resource_is_made_and_read_through_its_builtins) {
    Run r;
    run_start(&r, "resources.wasm");
    wasmrt_cval v = {.kind = WASMC_CVAL_U32, .of.u = 42};
    wasmrt_cval h = call1(&r, "", "[constructor]counter", v);
    cr_assert_eq(h.kind, WASMC_CVAL_OWN);
    wasmrt_cval self = {.kind = WASMC_CVAL_BORROW, .of.handle = h.of.handle};
    wasmrt_cval got = call1(&r, "", "[method]counter.get", self);
    cr_assert_eq(got.of.u, 42);
    run_stop(&r);
}

static uint8_t *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len ? (size_t)len : 1);
    cr_assert(b && fread(b, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

Test(component_compile, core_modules_come_from_the_compile_cache_the_second_time_with_the_same_bytes) {
    size_t n;
    uint8_t *bytes = fixture_read("nested.wasm", &n);
    char cache[256], p[3][512];
    snprintf(cache, sizeof cache, "/tmp/wasmc-test-component-cache-%d", (int)getpid());
    for (int i = 0; i < 3; i++) snprintf(p[i], sizeof p[i], "%s.%d.so", cache, i);
    WasmcOptions o;
    wasmc_options_default(&o);
    o.threads = 2;
    WasmcStats st[3];
    for (int i = 0; i < 3; i++) {
        o.cache_dir = i == 0 ? NULL : cache;   /* none, cold, warm */
        WasmError err;
        wasm_error_clear(&err);
        cr_assert(wasmc_compile(bytes, n, &o, p[i], &st[i], &err), "%s", err.message);
    }
    cr_expect_geq(st[2].num_parts, 2, "one part per core module at least");
    cr_expect_eq(st[1].parts_cached, 0);
    cr_expect_eq(st[2].parts_cached, st[2].num_parts, "%u of %u parts cached", st[2].parts_cached, st[2].num_parts);
    size_t n0, n2;
    uint8_t *a = read_file(p[0], &n0), *b = read_file(p[2], &n2);
    cr_expect(n0 == n2 && memcmp(a, b, n0) == 0, "with and without the cache the artifacts differ");
    free(a);
    free(b);
    for (int i = 0; i < 3; i++) unlink(p[i]);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", cache);
    cr_expect_eq(system(cmd), 0);
    free(bytes);
}
