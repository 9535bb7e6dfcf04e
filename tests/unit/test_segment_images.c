/* Segments prepared at load instead of applied one by one per instance.
 * Tables filled from the image their element segments were prepared into
 * (rt/table_image.c) hold exactly what applying the segments one by one
 * gives: the same funcref pointers, into the instance being made (not the
 * first one), with later segments over earlier ones, imported functions
 * included; a segment out of bounds still traps at instantiation, leaving
 * an imported table with the earlier segments written and nothing of the
 * failing one.  A module whose data segments all sit in its memory image
 * (rt/image.c) skips them at instantiation but still drops the active
 * ones and keeps the passive ones. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../rt/internal.h"   /* rt_table_imaged: which path a table took */
#include "wasmc.h"
#include "wasmrt.h"

#include "wat_harness.h"

static wasmrt_val I32(uint32_t v) { return (wasmrt_val){.kind = 0x7F, .of.i32 = (int32_t)v}; }

/* Exports a global, a function and a table for the modules below. */
static const char PROVIDER_WAT[] =
    "(module\n"
    "  (global (export \"base\") i32 (i32.const 1))\n"
    "  (table (export \"shared\") 4 funcref)\n"
    "  (func (export \"seven\") (result i32) (i32.const 7)))\n";

/* $t's segments have constant offsets (imaged); $u gets the same contents
 * through an offset read from an imported global (segment by segment). */
static const char MAIN_WAT[] =
    "(module\n"
    "  (import \"p\" \"seven\" (func $imp (result i32)))\n"
    "  (import \"p\" \"base\" (global $base i32))\n"
    "  (type $r (func (result i32)))\n"
    "  (global $id (mut i32) (i32.const 0))\n"
    "  (table $t (export \"t\") 8 funcref)\n"
    "  (table $u (export \"u\") 8 funcref)\n"
    "  (elem $s0 (table $t) (i32.const 1) func $f0 $f1 $f2 $imp $f2)\n"
    "  (elem (table $t) (i32.const 3) funcref (ref.null func))\n"
    "  (elem (table $u) (global.get $base) func $f0 $f1 $f2 $imp $f2)\n"
    "  (elem (table $u) (i32.const 3) funcref (ref.null func))\n"
    "  (func $f0 (export \"f0\") (result i32) (i32.mul (global.get $id) (i32.const 10)))\n"
    "  (func $f1 (export \"f1\") (result i32) (i32.add (i32.mul (global.get $id) (i32.const 10)) (i32.const 1)))\n"
    "  (func $f2 (export \"f2\") (result i32) (i32.add (i32.mul (global.get $id) (i32.const 10)) (i32.const 2)))\n"
    "  (func (export \"set_id\") (param i32) (global.set $id (local.get 0)))\n"
    "  (func (export \"call_t\") (param i32) (result i32) (call_indirect $t (type $r) (local.get 0)))\n"
    "  (func (export \"grow_t\") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))\n"
    "  (func (export \"init_t\") (param i32) (table.init $t $s0 (i32.const 0) (i32.const 0) (local.get 0))))\n";

/* An active segment past the end of a table of 4: instantiation traps. */
static const char OOB_OWN_WAT[] =
    "(module\n"
    "  (table 4 funcref)\n"
    "  (elem (i32.const 0) func $g $g)\n"
    "  (elem (i32.const 3) func $g $g)\n"
    "  (func $g))\n";
static const char OOB_IMPORTED_WAT[] =
    "(module\n"
    "  (import \"p\" \"shared\" (table 4 funcref))\n"
    "  (elem (i32.const 0) func $g $g)\n"
    "  (elem (i32.const 3) func $g $g)\n"
    "  (func $g))\n";

typedef struct world {
    Harness provider, main;
} world;

static wasmrt_instance *provider_instance;
static void define_provider(wasmrt_linker *l) {
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_linker_define_instance(l, "p", provider_instance, &err), "%s", err.message);
}

/* The provider instantiated, and `wat` compiled and loaded into w->main
 * with a store of its own, instantiated (importing the provider as "p")
 * only when `instantiate`. */
static void world_open(world *w, const char *wat, bool instantiate) {
    memset(w, 0, sizeof *w);
    harness_open(&w->provider, PROVIDER_WAT, false);
    provider_instance = w->provider.inst;
    if (instantiate) {
        harness_open_linked(&w->main, wat, false, define_provider);
        return;
    }
    Harness *h = &w->main;
    strcpy(h->dir, "/tmp/wasmc-wattest-XXXXXX");
    cr_assert(mkdtemp(h->dir), "mkdtemp");
    snprintf(h->so_path, sizeof h->so_path, "%s/m.so", h->dir);
    uint8_t *bytes;
    size_t size;
    cr_assert(wat_to_wasm(h->dir, wat, &bytes, &size), "wat2wasm");
    harness_load_bytes(h, bytes, size, false);
    wasmrt_error err = {{0}};
    h->store = wasmrt_store_new(NULL, &err);
    cr_assert(h->store, "%s", err.message);
}

static void world_close(world *w) {
    harness_close(&w->main);
    harness_close(&w->provider);
}

static wasmrt_table *table_export(wasmrt_instance *inst, const char *name) {
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(inst, name, &ext), "no export %s", name);
    cr_assert_eq(ext.kind, WASMC_EXTERN_TABLE);
    return ext.of.table;
}

static void *table_ref(wasmrt_table *t, uint32_t i) {
    wasmrt_val v;
    cr_assert(wasmrt_table_get(t, i, &v), "table.get %u", i);
    return v.of.ref;
}

static void *func_ref(wasmrt_instance *inst, const char *name) {
    wasmrt_extern ext;
    cr_assert(wasmrt_instance_export(inst, name, &ext), "no export %s", name);
    return ext.of.func.ref;
}

static uint32_t call_u32(Harness *h, const char *name, uint32_t arg) {
    wasmrt_val a = I32(arg), r = {0};
    wasmc_trap_code t = invoke(h, name, &a, 1, &r, 1);
    cr_assert_eq(t, WASMC_TRAP_NONE, "%s(%u) trapped: %s", name, arg, wasmrt_trap_message(t));
    return (uint32_t)r.of.i32;
}

Test(segment_images, an_imaged_table_holds_what_the_segments_applied_one_by_one_give) {
    world w;
    world_open(&w, MAIN_WAT, true);
    const rt_table_images *ti = w.main.module->table_images;
    cr_assert(rt_table_imaged(ti, 0), "constant offsets: $t is filled from the image");
    cr_assert(!rt_table_imaged(ti, 1), "an offset from a global: $u takes the per-segment path");
    wasmrt_table *t = table_export(w.main.inst, "t"), *u = table_export(w.main.inst, "u");
    cr_assert_eq(wasmrt_table_size(t), 8u);
    for (uint32_t i = 0; i < 8; i++)
        cr_expect_eq(table_ref(t, i), table_ref(u, i), "element %u differs from the per-segment path", i);
    /* The same funcref objects the instance exports, the later segment's null over the earlier one. */
    const char *want[8] = {NULL, "f0", "f1", NULL, NULL, "f2", NULL, NULL};
    for (uint32_t i = 0; i < 8; i++)
        if (want[i]) cr_expect_eq(table_ref(t, i), func_ref(w.main.inst, want[i]), "element %u", i);
        else if (i != 4) cr_expect_null(table_ref(t, i), "element %u", i);
    cr_expect_not_null(table_ref(t, 4), "the imported function's funcref");

    call_u32(&w.main, "set_id", 3);
    cr_expect_eq(call_u32(&w.main, "call_t", 1), 30u);
    cr_expect_eq(call_u32(&w.main, "call_t", 2), 31u);
    cr_expect_eq(call_u32(&w.main, "call_t", 4), 7u, "the imported function through the table");
    cr_expect_eq(call_u32(&w.main, "call_t", 5), 32u);
    for (uint32_t i = 0; i < 8; i++) {
        if (i == 1 || i == 2 || i == 4 || i == 5) continue;
        wasmrt_val a = I32(i), r;
        cr_expect_eq(invoke(&w.main, "call_t", &a, 1, &r, 1), WASMC_TRAP_UNINITIALIZED_ELEMENT, "element %u", i);
    }

    /* Active segments are dropped at instantiation; the table grows as any other. */
    wasmrt_val zero = I32(0), one = I32(1);
    cr_expect_eq(invoke(&w.main, "init_t", &zero, 1, NULL, 0), WASMC_TRAP_NONE);
    cr_expect_eq(invoke(&w.main, "init_t", &one, 1, NULL, 0), WASMC_TRAP_TABLE_OOB);
    cr_expect_eq(call_u32(&w.main, "grow_t", 2), 8u);
    cr_expect_eq(wasmrt_table_size(t), 10u);
    cr_expect_eq(call_u32(&w.main, "call_t", 5), 32u);
    cr_expect_null(table_ref(t, 9));
    world_close(&w);
}

Test(segment_images, a_second_instance_table_calls_into_the_second_instance) {
    world w;
    world_open(&w, MAIN_WAT, true);
    wasmrt_error err = {{0}};
    wasmrt_linker *l = wasmrt_linker_new();
    define_provider(l);
    wasmrt_trap trap = {0};
    wasmrt_instance *second = wasmrt_instantiate(w.main.store, w.main.module, l, &trap, &err);
    wasmrt_linker_free(l);
    cr_assert(second, "second instance: %s", err.message);
    Harness h2 = w.main;
    h2.inst = second;
    call_u32(&w.main, "set_id", 1);
    call_u32(&h2, "set_id", 2);
    cr_expect_eq(call_u32(&w.main, "call_t", 2), 11u);
    cr_expect_eq(call_u32(&h2, "call_t", 2), 21u);
    cr_expect_eq(call_u32(&h2, "call_t", 5), 22u);
    wasmrt_table *t1 = table_export(w.main.inst, "t"), *t2 = table_export(second, "t");
    cr_expect_neq(t1, t2);
    for (uint32_t i = 0; i < 8; i++) {
        if (!table_ref(t1, i)) continue;
        cr_expect_neq(table_ref(t1, i), table_ref(t2, i), "element %u points into the first instance", i);
    }
    cr_expect_eq(table_ref(t2, 2), func_ref(second, "f1"));
    world_close(&w);
}

Test(segment_images, a_segment_out_of_bounds_of_its_own_table_traps_at_instantiation) {
    world w;
    world_open(&w, OOB_OWN_WAT, false);
    Harness *h = &w.main;
    cr_expect(!rt_table_imaged(h->module->table_images, 0), "a trapping segment is not imaged");
    wasmrt_trap trap = {0};
    wasmrt_error err = {{0}};
    wasmrt_instance *inst = wasmrt_instantiate(h->store, h->module, NULL, &trap, &err);
    cr_expect_null(inst);
    cr_expect_eq(trap.code, WASMC_TRAP_TABLE_OOB, "trap %d: %s", trap.code, err.message);
    world_close(&w);
}

Test(segment_images, a_segment_out_of_bounds_of_an_imported_table_leaves_the_earlier_ones_written) {
    world w;
    world_open(&w, OOB_IMPORTED_WAT, false);
    Harness *h = &w.main;
    cr_expect(!rt_table_imaged(h->module->table_images, 0), "an imported table is never imaged");
    wasmrt_linker *l = wasmrt_linker_new();
    define_provider(l);
    wasmrt_trap trap = {0};
    wasmrt_error err = {{0}};
    wasmrt_instance *inst = wasmrt_instantiate(w.provider.store, h->module, l, &trap, &err);
    wasmrt_linker_free(l);
    cr_expect_null(inst);
    cr_expect_eq(trap.code, WASMC_TRAP_TABLE_OOB, "trap %d: %s", trap.code, err.message);
    wasmrt_table *shared = table_export(w.provider.inst, "shared");
    cr_expect_not_null(table_ref(shared, 0), "the first segment stays written");
    cr_expect_not_null(table_ref(shared, 1));
    cr_expect_null(table_ref(shared, 2));
    cr_expect_null(table_ref(shared, 3), "the failing segment writes nothing");
    world_close(&w);
}

static const char DATA_WAT[] =
    "(module\n"
    "  (memory (export \"mem\") 1)\n"
    "  (data $a (i32.const 16) \"active-one\")\n"
    "  (data $p \"passive\")\n"
    "  (data (i32.const 100) \"active-two\")\n"
    "  (func (export \"init_p\") (param i32) (memory.init $p (i32.const 200) (i32.const 0) (local.get 0)))\n"
    "  (func (export \"init_a\") (param i32) (memory.init $a (i32.const 300) (i32.const 0) (local.get 0)))\n"
    "  (func (export \"load8\") (param i32) (result i32) (i32.load8_u (local.get 0))))\n";

Test(segment_images, data_segments_in_the_image_are_dropped_and_passive_ones_kept) {
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_configure(&(wasmrt_config){.image_min_bytes = 1}, &err), "%s", err.message);
    Harness h;
    harness_open(&h, DATA_WAT, false);
    cr_assert_not_null(h.module->datas_imaged, "every active segment is in the image");
    for (int round = 0; round < 2; round++) {   /* and again in a fresh instance */
        cr_expect_eq(call_u32(&h, "load8", 16), 'a');
        cr_expect_eq(call_u32(&h, "load8", 25), 'e');
        cr_expect_eq(call_u32(&h, "load8", 104), 'v');
        wasmrt_val seven = I32(7), zero = I32(0), one = I32(1);
        cr_expect_eq(invoke(&h, "init_p", &seven, 1, NULL, 0), WASMC_TRAP_NONE, "a passive segment is kept");
        cr_expect_eq(call_u32(&h, "load8", 206), 'e');
        cr_expect_eq(invoke(&h, "init_a", &zero, 1, NULL, 0), WASMC_TRAP_NONE);
        cr_expect_eq(invoke(&h, "init_a", &one, 1, NULL, 0), WASMC_TRAP_MEMORY_OOB, "an active segment is dropped");
        harness_instantiate(&h);
        cr_expect_eq(call_u32(&h, "load8", 206), 0u);
    }
    harness_close(&h);
}
