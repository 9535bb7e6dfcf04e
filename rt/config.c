/* Engine-wide allocation policy (wasmrt_config), frozen at first use, and
 * the one place that tells which limit a failed reservation ran into. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "internal.h"

static wasmrt_config config;
static _Atomic bool config_frozen;

bool wasmrt_configure(const wasmrt_config *c, wasmrt_error *err) {
    if (atomic_load(&config_frozen)) {
        rt_err(err, "wasmrt_configure must be called before the first module or memory is created");
        return false;
    }
    wasmrt_config want = c ? *c : (wasmrt_config){0};
    if (!rt_pool_init(&want, err)) return false;
    config = want;
    return true;
}

const wasmrt_config *rt_config(void) {
    atomic_store(&config_frozen, true);
    return &config;
}

uint32_t rt_keep_free(void) {
    uint32_t k = config.max_free_reservations;
    return k == WASMRT_KEEP_NONE ? 0 : k ? k : 64;
}

uint64_t rt_keep_resident(void) {
    uint64_t k = config.keep_resident_bytes;
    return k == WASMRT_KEEP_NONE ? 0 : k ? k : 64ull << 20;
}

uint64_t rt_huge_page_bytes(void) {
    uint32_t p = config.huge_page_pages;
    if (p == UINT32_MAX) return UINT64_MAX;
    return (uint64_t)(p ? p : 512) * WASMC_WASM_PAGE_SIZE;
}

/* ---- why a mapping failed: the limit actually hit ---- */
static long count_maps(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    long n = 0;
    int c;
    while ((c = getc(f)) != EOF) n += c == '\n';
    fclose(f);
    return n;
}

void rt_map_error(wasmrt_error *err, const char *what, uint64_t bytes, int e) {
    char why[200];
    long maps = e == ENOMEM ? count_maps() : -1, max = -1;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &max) != 1) max = -1;
        fclose(f);
    }
    struct rlimit rl;
    if (e != ENOMEM) {
        snprintf(why, sizeof why, "%s", strerror(e));
    } else if (maps >= 0 && max > 0 && maps + 8 >= max) {
        snprintf(why, sizeof why, "the process has %ld of vm.max_map_count=%ld mappings", maps, max);
    } else if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        snprintf(why, sizeof why, "RLIMIT_AS (ulimit -v) of %llu bytes reached",
                 (unsigned long long)rl.rlim_cur);
    } else {
        snprintf(why, sizeof why, "the process's virtual address space is exhausted (%ld mappings)", maps);
    }
    rt_err(err, "cannot reserve address space for %s of %llu bytes: %s", what,
           (unsigned long long)bytes, why);
}

