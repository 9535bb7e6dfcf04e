/* The linker's name table (rt/linker.c): names copied into bump-allocated
 * chunks with a run's module name shared, an open-addressing table grown
 * as it fills, keys hashed by (module, name) with their lengths.  Checked
 * through its contract: every defined name is found with its own binding
 * after many growths, redefinition replaces the binding only, names longer
 * than a chunk and names that differ only in where module ends and name
 * begins stay distinct. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../rt/internal.h"

static void nop(void *env, void *caller, wasmc_slot *s) { (void)env, (void)caller, (void)s; }

static const uint8_t i32 = 0x7F;

static bool def(wasmrt_linker *l, const char *m, const char *n, void *env) {
    wasmrt_error err;
    bool ok = wasmrt_linker_define_host_func(l, m, n, &i32, 1, &i32, 1, nop, env, &err);
    cr_assert(ok, "%s.%s: %s", m, n, err.message);
    return ok;
}

static const rt_link_entry *find(wasmrt_linker *l, const char *m, const char *n) {
    return rt_linker_find(l, m, strlen(m), n, strlen(n));
}

Test(linker_names, many_names_survive_growth_with_their_bindings) {
    wasmrt_linker *l = wasmrt_linker_new();
    cr_assert(l);
    static const char *const mods[] = {"wasi_snapshot_preview1", "env", "a_module_name_longer_than_8"};
    char name[64];
    enum { N = 3000 };
    for (uintptr_t i = 0; i < N; i++) {
        snprintf(name, sizeof name, "f%lu%.*s", (unsigned long)i, (int)(i % 40), "________________________________________");
        def(l, mods[(i / 7) % 3], name, (void *)(i + 1));
    }
    for (uintptr_t i = 0; i < N; i++) {
        snprintf(name, sizeof name, "f%lu%.*s", (unsigned long)i, (int)(i % 40), "________________________________________");
        const rt_link_entry *e = find(l, mods[(i / 7) % 3], name);
        cr_assert(e, "lost %s", name);
        cr_assert(e->is_host);
        cr_assert_eq(e->host_env, (void *)(i + 1));
        cr_assert_str_eq(e->name, name);
        cr_assert_str_eq(e->module, mods[(i / 7) % 3]);
        /* the same name under another module is a different key */
        cr_assert_null(find(l, mods[((i / 7) + 1) % 3], name));
    }
    wasmrt_linker_free(l);
}

Test(linker_names, redefinition_replaces_the_binding_and_keeps_one_entry) {
    wasmrt_linker *l = wasmrt_linker_new();
    def(l, "env", "f", (void *)1);
    const rt_link_entry *e1 = find(l, "env", "f");
    def(l, "env", "f", (void *)2);
    const rt_link_entry *e2 = find(l, "env", "f");
    cr_assert_eq(e1, e2);
    cr_assert_eq(e2->host_env, (void *)2);
    cr_assert_str_eq(e2->name, "f");
    cr_assert_str_eq(e2->module, "env");
    wasmrt_linker_free(l);
}

Test(linker_names, split_point_and_long_names_are_distinct_keys) {
    wasmrt_linker *l = wasmrt_linker_new();
    def(l, "ab", "c", (void *)1);
    def(l, "a", "bc", (void *)2);
    def(l, "", "abc", (void *)3);
    def(l, "abc", "", (void *)4);
    size_t big = 10000;
    char *longname = malloc(big + 1);
    cr_assert(longname);
    memset(longname, 'x', big);
    longname[big] = 0;
    def(l, "env", longname, (void *)5);
    def(l, longname, "g", (void *)6);
    def(l, "env", "after_the_long_one", (void *)7);
    cr_assert_eq(find(l, "ab", "c")->host_env, (void *)1);
    cr_assert_eq(find(l, "a", "bc")->host_env, (void *)2);
    cr_assert_eq(find(l, "", "abc")->host_env, (void *)3);
    cr_assert_eq(find(l, "abc", "")->host_env, (void *)4);
    cr_assert_eq(find(l, "env", longname)->host_env, (void *)5);
    cr_assert_eq(find(l, longname, "g")->host_env, (void *)6);
    cr_assert_eq(find(l, "env", "after_the_long_one")->host_env, (void *)7);
    cr_assert_str_eq(find(l, "env", longname)->name, longname);
    /* a name with a NUL inside is a key of its own length */
    cr_assert_null(rt_linker_find(l, "ab", 2, "c\0d", 3));
    free(longname);
    wasmrt_linker_free(l);
}
