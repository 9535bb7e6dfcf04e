/* Linear memories.
 *
 * Each memory sits at the start of a WASMC_RESERVE_BYTES PROT_NONE
 * reservation (4 GiB + guard, MAP_NORESERVE so it costs address space, not
 * RAM); the first `size` bytes are read-write and grow in place, so the
 * base compiled code caches never moves.  Any access past the accessible
 * part faults inside the reservation, which the fault handler turns into
 * "out of bounds memory access".  Bounds-check artifacts never touch
 * memory past its size, so their memories reserve only up to their maximum
 * (declared max or the store's cap): far more of them fit in the address
 * space.  Host-created memories may be imported by either kind of code and
 * always get the full reservation; a guard-page module refuses to import a
 * memory without one.
 *
 * Reservations are recycled through a small process-wide pool, zeroed but
 * still read-write up to the size they had: instantiating the same module
 * again then needs no system call at all (a fresh mmap + mprotect + fault
 * range registration costs tens of microseconds).  Small memories are
 * zeroed with memset, which beats MADV_DONTNEED's TLB shootdown and the
 * page faults that follow it; large ones are given back with madvise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define POOL_MAX 64
#define MEMSET_ZERO_MAX (256u << 10)

typedef struct reservation {
    uint8_t *base;
    rt_range *range;
    uint64_t rw;          /* bytes read-write (and zero) from base */
    uint64_t size;        /* bytes reserved */
} reservation;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static reservation pool[POOL_MAX];
static int pool_count;

/* A zeroed reservation of `size` bytes with exactly `bytes` read-write. */
static bool reserve(reservation *r, uint64_t bytes, uint64_t size) {
    bool found = false;
    pthread_mutex_lock(&pool_lock);
    int best = -1;
    for (int i = 0; i < pool_count; i++)
        if (pool[i].size == size && (best < 0 || pool[i].rw == bytes)) {
            best = i;
            if (pool[i].rw == bytes) break;
        }
    if (best >= 0) {
        *r = pool[best];
        pool[best] = pool[--pool_count];
        found = true;
    }
    pthread_mutex_unlock(&pool_lock);
    if (!found) {
        void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return false;
        r->base = p;
        r->rw = 0;
        r->size = size;
        r->range = rt_range_add(RT_RANGE_MEMORY, (uintptr_t)p, (uintptr_t)p + size, NULL);
        if (!r->range) {
            munmap(p, size);
            return false;
        }
    }
    int rc = 0;
    if (r->rw > bytes) rc = mprotect(r->base + bytes, r->rw - bytes, PROT_NONE);
    else if (r->rw < bytes) rc = mprotect(r->base + r->rw, bytes - r->rw, PROT_READ | PROT_WRITE);
    if (rc != 0) {
        rt_range_remove(r->range);
        munmap(r->base, r->size);
        return false;
    }
    r->rw = bytes;
    return true;
}

static void unreserve(reservation r) {
    if (r.rw) {
        if (r.rw <= MEMSET_ZERO_MAX) {
            memset(r.base, 0, r.rw);
        } else if (madvise(r.base, r.rw, MADV_DONTNEED) != 0) {
            goto unmap;
        }
    }
    pthread_mutex_lock(&pool_lock);
    if (pool_count < POOL_MAX) {
        pool[pool_count++] = r;
        pthread_mutex_unlock(&pool_lock);
        return;
    }
    pthread_mutex_unlock(&pool_lock);
unmap:
    rt_range_remove(r.range);
    munmap(r.base, r.size);
}

wasmrt_memory *rt_memory_create(wasmrt_store *s, uint64_t min_pages, uint64_t max_pages,
                                bool has_max, bool full_reservation, wasmrt_error *err) {
    /* Types may say 65536 pages; the implementation stops one page short
     * (WASMC_MAX_MEMORY_PAGES: compiled code depends on it). */
    uint64_t cap = s && s->config.max_memory_pages ? s->config.max_memory_pages : WASMC_MAX_MEMORY_PAGES;
    if (cap > WASMC_MAX_MEMORY_PAGES) cap = WASMC_MAX_MEMORY_PAGES;
    uint64_t limit = has_max && max_pages < cap ? max_pages : cap;
    if (min_pages > 65536 || (has_max && max_pages > 65536)) {
        rt_err(err, "memory size must be at most 65536 pages (4GiB)");
        return NULL;
    }
    if (min_pages > limit) {
        rt_err(err, "memory minimum of %llu pages exceeds the limit of %llu pages",
               (unsigned long long)min_pages, (unsigned long long)limit);
        return NULL;
    }
    wasmrt_memory *m = calloc(1, sizeof *m);
    if (!m) {
        rt_err(err, "out of memory");
        return NULL;
    }
    reservation r;
    uint64_t bytes = min_pages * WASMC_WASM_PAGE_SIZE;
    uint64_t size = full_reservation ? WASMC_RESERVE_BYTES
                                     : (limit ? limit : 1) * (uint64_t)WASMC_WASM_PAGE_SIZE;
    if (!reserve(&r, bytes, size)) {
        rt_err(err, "cannot reserve address space for a linear memory of %llu bytes: %s",
               (unsigned long long)bytes, strerror(errno));
        free(m);
        return NULL;
    }
    m->pub.base = r.base;
    m->pub.size = bytes;
    m->accessible = bytes;
    m->reserve = size;
    m->range = r.range;
    m->max_pages = (uint32_t)limit;
    m->type_max = has_max ? (uint32_t)max_pages : 65536;
    m->has_max = has_max;
    return m;
}

void rt_memory_destroy(wasmrt_memory *m) {
    if (!m) return;
    unreserve((reservation){m->pub.base, m->range, m->accessible, m->reserve});
    free(m);
}

uint32_t wasmrt_memory_grow(wasmrt_memory *m, uint32_t delta) {
    uint64_t old = m->pub.size / WASMC_WASM_PAGE_SIZE;
    uint64_t want = old + delta;
    if (want > m->max_pages) return UINT32_MAX;
    uint64_t bytes = want * WASMC_WASM_PAGE_SIZE;
    if (bytes > m->accessible) {
        if (mprotect(m->pub.base + m->accessible, bytes - m->accessible, PROT_READ | PROT_WRITE) != 0)
            return UINT32_MAX;
        m->accessible = bytes;
    }
    m->pub.size = bytes;
    return (uint32_t)old;
}

uint8_t *wasmrt_memory_data(wasmrt_memory *m) { return m->pub.base; }
uint64_t wasmrt_memory_size(wasmrt_memory *m) { return m->pub.size; }
