/* Instances at scale, against the hand-built module of test_runtime_mock.h:
 * memory reuse (pooled slots, the freed-reservation stack, bounds-mode
 * slabs) hands out clean memory that still traps at its end, copy-on-write
 * data images stay private per instance, bounds-checked memories do not
 * cost mappings each, host traps name their import and caller, and running
 * out of descriptors or address space is an error that says which limit.
 * Criterion runs each test in its own process, so each may configure the
 * engine (wasmrt_configure) before its first module.  No timing here: the
 * speed is measured by wasmrt-bench-instantiate --scale. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../rt/internal.h"   /* rt_pagemap_scan_probe: whether this kernel has PAGEMAP_SCAN */
#include "test_runtime_mock.h"
#include "wasmrt.h"
#include "wasmrt_wasi.h"

static wasmc_descriptor D;
static void *func_code[NUM_FUNCS];

/* call_host without a tail call, as compiled Wasm calls an import: the
 * host trampoline returns here. */
GUEST static uint32_t g_call_host_nontail(wasmc_vmctx *vm, uint32_t x) {
    wasmc_import_func *imp = (wasmc_import_func *)mock_vm(vm, mock_layout_v.imported_funcs);
    volatile uint32_t r = ((uint32_t(*)(void *, uint32_t))imp[0].code)(imp[0].vmctx, x);
    return r;
}

static void host_add1(void *env, void *caller, wasmc_slot *s) {
    (void)env, (void)caller;
    int32_t x = (int32_t)s[0].i32;
    if (x < 0) wasmrt_host_trap(WASMC_TRAP_HOST, "negative input");
    s[0].i32 = (uint32_t)(x + 1);
}

static void configure(const wasmrt_config *c) {
    wasmrt_error err;
    cr_assert(wasmrt_configure(c, &err), "%s", err.message);
}

static wasmrt_module *module(uint32_t memory_mode) {
    D = mock_descriptor();
    memcpy(func_code, D.func_code, sizeof func_code);
    func_code[F_CALL_HOST] = (void *)g_call_host_nontail;
    D.func_code = func_code;
    D.memory_mode = memory_mode;
    wasmrt_error err;
    wasmrt_module *m = wasmrt_module_from_descriptor(&D, &err);
    cr_assert(m, "%s", err.message);
    return m;
}

static wasmrt_linker *linker(void) {
    wasmrt_linker *l = wasmrt_linker_new();
    wasmrt_error err;
    const uint8_t i32 = 0x7F;
    cr_assert(wasmrt_linker_define_host_func(l, "env", "host_add1", &i32, 1, &i32, 1, host_add1, NULL, &err),
              "%s", err.message);
    return l;
}

static wasmrt_instance *instantiate(wasmrt_store *s, wasmrt_module *m, wasmrt_linker *l) {
    wasmrt_error err;
    wasmrt_trap trap;
    wasmrt_instance *inst = wasmrt_instantiate(s, m, l, &trap, &err);
    cr_assert(inst, "instantiate: %s", err.message);
    return inst;
}

static bool call1(wasmrt_store *s, wasmrt_instance *inst, const char *name, int32_t arg, int32_t *out,
                  wasmrt_trap *trap) {
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(inst, name, &ext), "no export %s", name);
    wasmrt_val a = {.kind = 0x7F, .of.i32 = arg}, r;
    wasmrt_error err;
    bool ok = wasmrt_call(s, &ext.of.func, &a, 1, &r, 1, trap, &err);
    if (ok && out) *out = r.of.i32;
    if (!ok) cr_assert_neq(trap->code, WASMC_TRAP_NONE, "%s", err.message);
    return ok;
}

static bool maps_mention(const char *what) {
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) found = strstr(line, what) != NULL;
    fclose(f);
    return found;
}

static long count_maps(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert(f);
    long n = 0;
    int c;
    while ((c = getc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

/* ---- reused memory: clean, with the module's data, and still guarded ---- */

/* Dirties everything an instance can: memory (its data too, a grown page),
 * the table, the global. */
static void dirty(wasmrt_store *s, wasmrt_instance *inst) {
    wasmrt_trap trap;
    int32_t r;
    cr_assert(call1(s, inst, "grow", 2, &r, &trap));
    cr_assert_eq(r, 1);
    wasmrt_memory *mem = wasmrt_instance_memory(inst);
    memset(wasmrt_memory_data(mem), 0x5A, wasmrt_memory_size(mem));
    wasmrt_extern t, g;
    cr_assert(wasmrt_instance_export(inst, "table", &t) && wasmrt_instance_export(inst, "g", &g));
    wasmrt_val null = {.kind = 0x70, .of.ref = NULL}, v = {.kind = 0x7F, .of.i32 = 9};
    cr_assert(wasmrt_table_set(t.of.table, 1, &null));
    cr_assert(wasmrt_global_set(g.of.global, &v));
}

/* A fresh instance: one page, zero but for "hello" at 16, elements at 1
 * and 2, global 42; its end still traps. */
static void expect_fresh(wasmrt_store *s, wasmrt_instance *inst) {
    wasmrt_memory *mem = wasmrt_instance_memory(inst);
    cr_assert_eq(wasmrt_memory_size(mem), 65536);
    const uint8_t *p = wasmrt_memory_data(mem);
    for (uint32_t i = 0; i < 65536; i++)
        if (i < 16 || i >= 21) cr_assert_eq(p[i], 0, "byte %u is 0x%02x", i, p[i]);
    cr_assert_eq(memcmp(p + 16, "hello", 5), 0);
    wasmrt_extern t, g;
    cr_assert(wasmrt_instance_export(inst, "table", &t) && wasmrt_instance_export(inst, "g", &g));
    wasmrt_val v;
    for (uint32_t i = 0; i < 4; i++) {
        cr_assert(wasmrt_table_get(t.of.table, i, &v));
        cr_assert_eq(v.of.ref != NULL, i == 1 || i == 2, "table[%u]", i);
    }
    wasmrt_global_get(g.of.global, &v);
    cr_assert_eq(v.of.i32, 42);
    wasmrt_trap trap;
    int32_t r;
    if (D.memory_mode == WASMC_MEMORY_GUARD_PAGES) {
        cr_assert(call1(s, inst, "load", 65532, &r, &trap));
        cr_assert_not(call1(s, inst, "load", 65533, &r, &trap));
        cr_assert_eq(trap.code, WASMC_TRAP_MEMORY_OOB);
        cr_assert_str_eq(trap.func_name, "load");
        cr_assert_not(call1(s, inst, "load", (int32_t)0xFFFFFFFC, &r, &trap));
        cr_assert_eq(trap.code, WASMC_TRAP_MEMORY_OOB);
    }
}

/* Instantiate, dirty, free, instantiate again (which reuses the memory's
 * space: checked by its address), rounds times. */
static void reuse_rounds(uint32_t memory_mode, int rounds) {
    wasmrt_module *m = module(memory_mode);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    uint8_t *last = NULL;
    int reused = 0;
    for (int i = 0; i < rounds; i++) {
        wasmrt_store *s = wasmrt_store_new(NULL, &err);
        cr_assert(s, "%s", err.message);
        wasmrt_instance *inst = instantiate(s, m, l);
        uint8_t *base = wasmrt_memory_data(wasmrt_instance_memory(inst));
        reused += base == last;
        last = base;
        expect_fresh(s, inst);
        dirty(s, inst);
        wasmrt_store_free(s);
    }
    cr_assert_eq(reused, rounds - 1, "only %d of %d instances reused the freed memory", reused, rounds - 1);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

Test(instance_scale, reused_pool_slot_starts_zeroed_with_the_modules_data) {
    configure(&(wasmrt_config){.pool_slots = 8});
    reuse_rounds(WASMC_MEMORY_GUARD_PAGES, 5);
}

Test(instance_scale, reused_freed_reservation_starts_zeroed_with_the_modules_data) {
    reuse_rounds(WASMC_MEMORY_GUARD_PAGES, 5);
}

Test(instance_scale, reused_bounds_slab_slot_starts_zeroed_with_the_modules_data) {
    reuse_rounds(WASMC_MEMORY_BOUNDS_CHECKS, 5);
}

Test(instance_scale, reused_memory_with_many_dirty_pages_is_given_back_zeroed) {
    /* More than the pages kept resident: the MADV_DONTNEED path. */
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    for (int i = 0; i < 3; i++) {
        wasmrt_store *s = wasmrt_store_new(NULL, &err);
        wasmrt_instance *inst = instantiate(s, m, l);
        expect_fresh(s, inst);
        dirty(s, inst);   /* 3 pages = 48 host pages of 4 KiB */
        wasmrt_store_free(s);
    }
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

Test(instance_scale, fault_in_a_pooled_slot_is_a_trap_also_past_the_pool) {
    configure(&(wasmrt_config){.pool_slots = 3});
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    /* 3 from the pool, then 2 allocated past it; each traps at its end. */
    for (int i = 0; i < 5; i++) expect_fresh(s, instantiate(s, m, l));
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

Test(instance_scale, faults_trap_in_every_one_of_many_live_memories) {
    /* The fault handler's range lookup with hundreds of reservations, some
     * freed and reused in between. */
    enum { N = 300 };
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    static wasmrt_instance *live[N];
    for (int i = 0; i < N; i++) live[i] = instantiate(s, m, l);
    for (int i = 0; i < N; i += 3) {
        wasmrt_instance_free(live[i]);
        live[i] = instantiate(s, m, l);
    }
    wasmrt_trap trap;
    int32_t r;
    for (int i = 0; i < N; i++) {
        cr_assert_not(call1(s, live[i], "load", 65534, &r, &trap));
        cr_assert_eq(trap.code, WASMC_TRAP_MEMORY_OOB, "instance %d", i);
    }
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

/* ---- copy-on-write data images ---- */

static void cow_private(uint32_t memory_mode) {
    configure(&(wasmrt_config){.image_min_bytes = 1});   /* the mock's 5 bytes make an image */
    wasmrt_module *m = module(memory_mode);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_instance *a = instantiate(s, m, l), *b = instantiate(s, m, l);
    cr_assert(maps_mention("memfd:wasmrt-data-image"), "the data was copied, not mapped");
    uint8_t *pa = wasmrt_memory_data(wasmrt_instance_memory(a));
    uint8_t *pb = wasmrt_memory_data(wasmrt_instance_memory(b));
    cr_assert_eq(memcmp(pa + 16, "hello", 5), 0);
    cr_assert_eq(memcmp(pb + 16, "hello", 5), 0);
    memcpy(pa + 16, "HELLO", 5);
    pa[100] = 1;
    cr_assert_eq(memcmp(pb + 16, "hello", 5), 0, "b sees a's write to the shared image");
    cr_assert_eq(pb[100], 0);
    /* a's memory, reused, reads as the image again, not as a left it. */
    wasmrt_instance_free(a);
    wasmrt_instance *c = instantiate(s, m, l);
    uint8_t *pc = wasmrt_memory_data(wasmrt_instance_memory(c));
    cr_assert_eq(pc, pa, "the freed memory was not reused");
    cr_assert_eq(memcmp(pc + 16, "hello", 5), 0);
    cr_assert_eq(pc[100], 0);
    expect_fresh(s, c);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

Test(instance_scale, cow_page_written_by_one_instance_is_not_seen_by_another) {
    cow_private(WASMC_MEMORY_GUARD_PAGES);
}

Test(instance_scale, cow_page_written_by_one_bounds_instance_is_not_seen_by_another) {
    cow_private(WASMC_MEMORY_BOUNDS_CHECKS);
}

Test(instance_scale, a_reused_memory_drops_another_modules_image) {
    configure(&(wasmrt_config){.image_min_bytes = 1, .pool_slots = 1});
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmc_descriptor d2 = D;   /* the same module without data */
    d2.num_datas = 0;
    wasmrt_error err;
    wasmrt_module *m2 = wasmrt_module_from_descriptor(&d2, &err);
    cr_assert(m2, "%s", err.message);
    wasmrt_linker *l = linker();
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_instance *a = instantiate(s, m, l);
    uint8_t *pa = wasmrt_memory_data(wasmrt_instance_memory(a));
    wasmrt_instance_free(a);
    wasmrt_instance *b = instantiate(s, m2, l);
    uint8_t *pb = wasmrt_memory_data(wasmrt_instance_memory(b));
    cr_assert_eq(pb, pa, "the pool slot was not reused");
    for (int i = 0; i < 65536; i++) cr_assert_eq(pb[i], 0, "byte %d", i);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m2);
    wasmrt_module_release(m);
}

/* pagemap flags of the host page at p: present and not a page-cache page
 * means the memory holds its own copy (a write there takes no fault). */
static bool own_resident_page(const void *p) {
    uint64_t e = 0;
    int fd = open("/proc/self/pagemap", O_RDONLY);
    cr_assert(fd >= 0);
    long page = sysconf(_SC_PAGESIZE);
    cr_assert_eq(pread(fd, &e, sizeof e, (off_t)((uintptr_t)p / (uintptr_t)page * sizeof e)), (ssize_t)sizeof e);
    close(fd);
    return (e >> 63 & 1) && !(e >> 61 & 1);
}

/* Write the image and two pages past it, free, and take the slot again:
 * it must read exactly as fresh; returns the reused memory and, looked at
 * before reading it (a read maps the zero page), whether each written page
 * is still the memory's own. */
static const int written_at[3] = {16, 8192, 60000};
static uint8_t *reuse_written_image_slot(wasmrt_store *s, wasmrt_module *m, wasmrt_linker *l,
                                         wasmrt_instance **out, bool kept[3]) {
    wasmrt_instance *a = instantiate(s, m, l);
    uint8_t *pa = wasmrt_memory_data(wasmrt_instance_memory(a));
    memcpy(pa + 16, "HELLO", 5);
    pa[8192] = 7;
    pa[60000] = 9;
    wasmrt_instance_free(a);
    wasmrt_instance *c = instantiate(s, m, l);
    uint8_t *pc = wasmrt_memory_data(wasmrt_instance_memory(c));
    cr_assert_eq(pc, pa, "the pool slot was not reused");
    for (int i = 0; i < 3; i++) kept[i] = own_resident_page(pc + written_at[i]);
    cr_assert_eq(memcmp(pc + 16, "hello", 5), 0, "the image's written page was not restored");
    for (int i = 0; i < 65536; i++)
        if (i < 16 || i >= 21) cr_assert_eq(pc[i], 0, "byte %d of the reused memory", i);
    expect_fresh(s, c);
    *out = c;
    return pc;
}

Test(instance_scale, reused_image_slot_keeps_written_pages_resident_and_reads_fresh) {
    configure(&(wasmrt_config){.image_min_bytes = 1, .pool_slots = 2});
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_instance *c;
    bool kept[3];
    uint8_t *pc = reuse_written_image_slot(s, m, l, &c, kept);
    /* Reset in place: the copies the last instance made are still this
     * memory's own, so writing them again takes no copy-on-write fault. */
    for (int i = 0; i < 3; i++) cr_assert(kept[i], "the page written at %d was dropped, not reset in place", written_at[i]);
    /* And the next reuse after writing over the kept copies is fresh too. */
    memcpy(pc + 16, "XXXXX", 5);
    pc[4096] = 1;
    wasmrt_instance_free(c);
    wasmrt_instance *d = instantiate(s, m, l);
    uint8_t *pd = wasmrt_memory_data(wasmrt_instance_memory(d));
    cr_assert_eq(pd, pc);
    cr_assert_eq(memcmp(pd + 16, "hello", 5), 0);
    for (int i = 0; i < 65536; i++)
        if (i < 16 || i >= 21) cr_assert_eq(pd[i], 0, "byte %d of the memory reused twice", i);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

Test(instance_scale, reused_image_slot_drops_pages_past_keep_resident) {
    long page = sysconf(_SC_PAGESIZE);
    configure(&(wasmrt_config){.image_min_bytes = 1, .pool_slots = 2, .keep_resident_bytes = 3 * (uint64_t)page});
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_instance *c;
    bool kept[3];
    reuse_written_image_slot(s, m, l, &c, kept);
    if (page == 4096) {
        cr_assert(kept[0] && kept[1], "a page below keep_resident_bytes was dropped");
        cr_assert_not(kept[2], "a page past keep_resident_bytes was kept");
    }
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

Test(instance_scale, reused_image_slot_with_keep_none_drops_everything) {
    configure(&(wasmrt_config){.image_min_bytes = 1, .pool_slots = 2, .keep_resident_bytes = WASMRT_KEEP_NONE});
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_instance *c;
    bool kept[3];
    reuse_written_image_slot(s, m, l, &c, kept);
    for (int i = 0; i < 3; i++) cr_assert_not(kept[i], "page at %d", written_at[i]);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

static bool kernel_has_pagemap_scan(void) {
    int fd = open("/proc/self/pagemap", O_RDONLY);
    cr_assert(fd >= 0);
    bool ok = rt_pagemap_scan_probe(fd);
    close(fd);
    return ok;
}

/* Whether the page at p is the process's own: unlike own_resident_page,
 * the shared zero page (a page only read) is not. */
static bool owned_page(const void *p) {
    int fd = open("/proc/self/pagemap", O_RDONLY);
    cr_assert(fd >= 0);
    long page = sysconf(_SC_PAGESIZE);
    rt_page_range r[1];
    uint64_t walked;
    int n = rt_pagemap_scan_own(fd, (const void *)((uintptr_t)p & ~(uintptr_t)(page - 1)), (uint64_t)page, r, 1,
                                &walked);
    close(fd);
    cr_assert(n >= 0);
    return n == 1;
}

Test(instance_scale, reused_image_slot_does_not_allocate_pages_its_instance_only_read) {
    if (!kernel_has_pagemap_scan()) cr_skip_test("kernel before 6.7: no PAGEMAP_SCAN, read zero pages are zeroed");
    configure(&(wasmrt_config){.image_min_bytes = 1, .pool_slots = 2});
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_instance *a = instantiate(s, m, l);
    volatile uint8_t *pa = wasmrt_memory_data(wasmrt_instance_memory(a));
    cr_assert_eq(pa[40000], 0);   /* maps the zero page: read, never written */
    pa[8192] = 7;
    wasmrt_instance_free(a);
    wasmrt_instance *c = instantiate(s, m, l);
    uint8_t *pc = wasmrt_memory_data(wasmrt_instance_memory(c));
    cr_assert_eq((void *)pc, (void *)pa, "the pool slot was not reused");
    cr_assert_not(owned_page(pc + 40000), "resetting a page that was only read allocated it");
    cr_assert(owned_page(pc + 8192), "the written page was dropped, not reset in place");
    cr_assert_eq(pc[8192], 0);
    cr_assert_eq(pc[40000], 0);
    cr_assert_eq(memcmp(pc + 16, "hello", 5), 0);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

/* The filter covers Criterion's own threads, so the run is in a child. */
Test(instance_scale, freed_image_memory_is_reset_under_the_seccomp_filter) {
    configure(&(wasmrt_config){.image_min_bytes = 1, .pool_slots = 2});
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        wasmrt_error err;
        wasmrt_store *s = wasmrt_store_new(NULL, &err);
        wasmrt_trap trap;
        wasmrt_instance *a = s ? wasmrt_instantiate(s, m, l, &trap, &err) : NULL;
        if (!a || !wasmrt_seccomp_install(&err)) _exit(2);
        uint8_t *pa = wasmrt_memory_data(wasmrt_instance_memory(a));
        memcpy(pa + 16, "HELLO", 5);
        pa[30000] = 1;
        wasmrt_instance_free(a);
        wasmrt_instance *c = wasmrt_instantiate(s, m, l, &trap, &err);
        if (!c) _exit(3);
        uint8_t *pc = wasmrt_memory_data(wasmrt_instance_memory(c));
        _exit(pc == pa && memcmp(pc + 16, "hello", 5) == 0 && pc[30000] == 0 ? 0 : 4);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert_not(WIFSIGNALED(st), "the child died of signal %d (SIGSYS: the filter refused the reset)",
                  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    cr_assert_eq(WEXITSTATUS(st), 0, "child status %d (2 setup, 3 reinstantiate, 4 not fresh)", WEXITSTATUS(st));
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

/* ---- density ---- */

Test(instance_scale, bounds_checked_memories_do_not_cost_a_mapping_each) {
    enum { N = 4000 };
    wasmrt_module *m = module(WASMC_MEMORY_BOUNDS_CHECKS);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    instantiate(s, m, l);
    long before = count_maps();
    for (int i = 0; i < N; i++) instantiate(s, m, l);
    long after = count_maps();
    cr_assert_lt(after - before, N / 20, "%ld mappings for %d memories", after - before, N);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

Test(instance_scale, out_of_address_space_names_the_limit) {
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    struct rlimit rl = {1ull << 33, 1ull << 33};   /* 8 GiB: room for at most one memory */
    cr_assert_eq(setrlimit(RLIMIT_AS, &rl), 0);
    wasmrt_trap trap;
    wasmrt_instance *inst = NULL;
    for (int i = 0; i < 4 && (inst = wasmrt_instantiate(s, m, l, &trap, &err)); i++) {}
    cr_assert_null(inst);
    cr_assert_eq(trap.code, WASMC_TRAP_NONE);
    cr_assert(strstr(err.message, "RLIMIT_AS"), "%s", err.message);
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

/* ---- host traps ---- */

Test(instance_scale, host_function_trap_names_its_import_and_guest_caller) {
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    wasmrt_error err;
    wasmrt_store *s = wasmrt_store_new(NULL, &err);
    wasmrt_instance *inst = instantiate(s, m, l);
    wasmrt_trap trap;
    int32_t r;
    cr_assert(call1(s, inst, "call_host", 41, &r, &trap));
    cr_assert_eq(r, 42);
    cr_assert_not(call1(s, inst, "call_host", -1, &r, &trap));
    cr_assert_eq(trap.code, WASMC_TRAP_HOST);
    cr_assert_str_eq(trap.host_message, "negative input");
    cr_assert_str_eq(trap.host_import, "env.host_add1");
    cr_assert(trap.func_name, "no guest caller found");
    cr_assert_str_eq(trap.func_name, "call_host");
    /* A guest trap afterwards is not attributed to the host function. */
    cr_assert_not(call1(s, inst, "load", 65533, &r, &trap));
    cr_assert_str_eq(trap.host_import, "");
    cr_assert_str_eq(trap.func_name, "load");
    wasmrt_store_free(s);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}

/* ---- WASI descriptors ---- */

Test(instance_scale, wasi_contexts_share_stdio_and_a_descriptor_limit_is_an_error) {
    struct rlimit rl;
    cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    int probe = open("/dev/null", O_RDONLY);
    cr_assert_geq(probe, 0);
    close(probe);
    rl.rlim_cur = (rlim_t)probe + 8;   /* a few descriptors to spare */
    cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    enum { N = 2000 };
    static wasmrt_wasi *ctx[N];
    wasmrt_error err;
    static const char *const argv[] = {"t"};
    wasmrt_wasi_config c = {.argv = argv, .argc = 1, .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2};
    for (int i = 0; i < N; i++) {
        ctx[i] = wasmrt_wasi_new(&c, &err);
        cr_assert(ctx[i], "context %d: %s", i, err.message);
    }
    /* A preopen needs a descriptor of its own: at the limit, a clean error. */
    wasmrt_wasi_dir dir = {"/tmp", "/tmp"};
    c.dirs = &dir;
    c.num_dirs = 1;
    int made = 0;
    wasmrt_wasi *w;
    static wasmrt_wasi *pre[64];
    while (made < 64 && (w = wasmrt_wasi_new(&c, &err))) pre[made++] = w;
    cr_assert_lt(made, 64, "the descriptor limit was never reached");
    cr_assert(strstr(err.message, "RLIMIT_NOFILE"), "%s", err.message);
    for (int i = 0; i < made; i++) wasmrt_wasi_free(pre[i]);
    for (int i = 0; i < N; i++) wasmrt_wasi_free(ctx[i]);
    /* Freeing contexts never closed the embedder's stdio. */
    cr_assert_neq(fcntl(1, F_GETFD), -1);
    cr_assert_neq(fcntl(2, F_GETFD), -1);
}

/* ---- memory given back ---- */

static double rss_mib(void) {
    unsigned long size = 0, res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    cr_assert(f);
    cr_assert_eq(fscanf(f, "%lu %lu", &size, &res), 2);
    fclose(f);
    return (double)res * (double)sysconf(_SC_PAGESIZE) / (1 << 20);
}

/* Thousands of stores with WASI contexts and instances (tens of MiB of
 * heap), all freed: the heap comes back without the host calling
 * wasmrt_trim (heap_trim.c). */
Test(instance_scale, freeing_every_store_and_wasi_context_gives_the_heap_back_without_trim) {
    wasmrt_module *m = module(WASMC_MEMORY_GUARD_PAGES);
    wasmrt_linker *l = linker();
    enum { N = 4000 };
    static wasmrt_store *st[N];
    static wasmrt_wasi *ctx[N];
    static const char *const argv[] = {"t"};
    static const char *env[64];
    static char kv[64][64];
    for (int i = 0; i < 64; i++) {
        snprintf(kv[i], sizeof kv[i], "VARIABLE_%02d=%040d", i, i);
        env[i] = kv[i];
    }
    wasmrt_wasi_config c = {.argv = argv, .argc = 1, .env = env, .envc = 64,
                            .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2};
    wasmrt_error err;
    /* The first store sets up what lives as long as the process (the
     * thread's signal stack, the engine) before the baseline. */
    wasmrt_store *warm = wasmrt_store_new(NULL, &err);
    cr_assert(warm, "%s", err.message);
    instantiate(warm, m, l);
    wasmrt_store_free(warm);
    double before = rss_mib();
    for (int i = 0; i < N; i++) {
        st[i] = wasmrt_store_new(NULL, &err);
        cr_assert(st[i], "%s", err.message);
        ctx[i] = wasmrt_wasi_new(&c, &err);
        cr_assert(ctx[i], "%s", err.message);
        instantiate(st[i], m, l);
    }
    double peak = rss_mib();
    cr_assert_gt(peak - before, 10.0, "the stores were too small to tell (%.1f MiB)", peak - before);
    for (int i = 0; i < N; i++) {
        wasmrt_store_free(st[i]);
        wasmrt_wasi_free(ctx[i]);
    }
    double after = rss_mib();
    cr_assert_lt(after - before, 5.0, "RSS %.1f MiB before, %.1f at peak, %.1f after freeing all", before, peak,
                 after);
    wasmrt_linker_free(l);
    wasmrt_module_release(m);
}
