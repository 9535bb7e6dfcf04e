/* Linear memories and where their address space comes from.
 *
 * Guard-page memories sit at the start of a WASMC_RESERVE_BYTES PROT_NONE
 * reservation (4 GiB + guard, MAP_NORESERVE so it costs address space, not
 * RAM); the first `size` bytes are read-write and grow in place, so the
 * base compiled code caches never moves.  Any access past the accessible
 * part faults inside the reservation, which the fault handler turns into
 * "out of bounds memory access" (ranges.c).  They come from, in order:
 * the pooling allocator's slots when the engine is configured with one
 * (pool.c), a stack of freed reservations, or a fresh mmap.
 *
 * Bounds-checked code never touches memory past its size: its memories are
 * read-write slots of shared slabs (slab.c), never guarded.  Host-created
 * memories may be imported by either kind of code and always get a guard
 * reservation; a guard-page module refuses to import a memory without one.
 *
 * A freed memory is reset over the bytes it ever made accessible (`dirty`),
 * never more (see reset()): anonymous pages read as zero again, and pages
 * of a copy-on-write data image (image.c) read as the image again, so the
 * same module's next instance finds its data already in place.
 * How many freed reservations are kept is policy (wasmrt_config); the rest
 * are unmapped, and wasmrt_trim gives back all that are kept.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "internal.h"

/* Freed memories with at most this many resident pages keep them, zeroed. */
#define RESET_RESIDENT_MAX 16
#define RESET_RESIDENT_MAX_SCAN 1024   /* pages looked at with mincore */

/* ---- guard reservations: the freed stack ---- */
typedef struct reservation {
    uint8_t *base;
    rt_range *range;
    uint64_t rw;            /* bytes read-write from base (zero or image content) */
    rt_image *image;        /* image mapped at its place, or NULL */
} reservation;

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static reservation *freed;
static uint32_t freed_count, freed_cap;

static void unmap_reservation(reservation *r) {
    rt_range_remove(r->range);
    munmap(r->base, WASMC_RESERVE_BYTES);
    rt_image_release(r->image);
}

static bool fresh_reservation(reservation *r, wasmrt_error *err) {
    void *p = mmap(NULL, WASMC_RESERVE_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        rt_map_error(err, "a linear memory", WASMC_RESERVE_BYTES, errno);
        return false;
    }
    *r = (reservation){p, rt_range_add(RT_RANGE_MEMORY, (uintptr_t)p, (uintptr_t)p + WASMC_RESERVE_BYTES, NULL),
                       0, NULL};
    if (!r->range) {
        munmap(p, WASMC_RESERVE_BYTES);
        rt_err(err, "out of memory registering a linear memory");
        return false;
    }
    return true;
}

/* Replace an image mapping with zeroed anonymous memory. */
static bool drop_image(uint8_t *base, rt_image *img) {
    if (!img) return true;
    void *at = base + rt_image_offset(img);
    return mmap(at, rt_image_size(img), PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == at;
}

/* Read-write exactly `bytes` of a reservation whose first r->rw are. */
static bool set_rw(uint8_t *base, uint64_t *rw, uint64_t bytes) {
    int rc = 0;
    if (*rw > bytes) rc = mprotect(base + bytes, *rw - bytes, PROT_NONE);
    else if (*rw < bytes) rc = mprotect(base + *rw, bytes - *rw, PROT_READ | PROT_WRITE);
    if (rc != 0) return false;
    if (bytes >= rt_huge_page_bytes() && bytes > *rw) madvise(base, bytes, MADV_HUGEPAGE);
    *rw = bytes;
    return true;
}

void wasmrt_trim(void) {
    pthread_mutex_lock(&pool_lock);
    while (freed_count) unmap_reservation(&freed[--freed_count]);
    free(freed);
    freed = NULL;
    freed_cap = 0;
    pthread_mutex_unlock(&pool_lock);
    rt_slab_trim();
    rt_pool_trim();
#ifdef __GLIBC__
    malloc_trim(0);   /* freed instances' heap pages below live allocations */
#endif
}

/* ---- memories ---- */
wasmrt_memory *rt_memory_create(wasmrt_store *s, uint64_t min_pages, uint64_t max_pages,
                                bool has_max, bool full_reservation, rt_image *image, wasmrt_error *err) {
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
    uint64_t bytes = min_pages * WASMC_WASM_PAGE_SIZE;
    rt_config();
    if (image && rt_image_offset(image) + rt_image_size(image) > bytes) image = NULL;
    uint64_t rw;
    if (full_reservation) {
        reservation r;
        m->pooled = rt_pool_take_memory(&r.base, &r.rw, &r.image);
        if (!m->pooled) {
            pthread_mutex_lock(&pool_lock);
            bool got = freed_count > 0;
            if (got) r = freed[--freed_count];
            pthread_mutex_unlock(&pool_lock);
            if (!got && !fresh_reservation(&r, err)) goto fail;
            m->range = r.range;
        }
        m->pub.base = r.base;
        m->image = r.image;
        m->reserve = WASMC_RESERVE_BYTES;
        rw = r.rw;
    } else {
        uint64_t reserve = (limit ? limit : 1) * (uint64_t)WASMC_WASM_PAGE_SIZE;
        rt_slab_slot sl;
        if (!rt_slab_take(reserve, &sl, err)) goto fail;
        m->slab = sl.home;
        m->pub.base = sl.base;
        m->image = sl.image;
        m->reserve = rw = rt_slab_slot_size(sl.home);
    }
    m->accessible = rw;
    m->max_pages = (uint32_t)limit;
    m->type_max = has_max ? (uint32_t)max_pages : 65536;
    m->has_max = has_max;
    /* The image it held last, if it is the one wanted, is already in place
     * (reset to the image's content when it was freed).  Another one is
     * dropped while its pages are still read-write. */
    if (m->image != image) {
        if (!drop_image(m->pub.base, m->image)) goto fail_map;
        rt_image_release(m->image);
        m->image = NULL;
    }
    if (full_reservation && !set_rw(m->pub.base, &m->accessible, bytes)) goto fail_map;
    if (image && !m->image) {
        if (!rt_image_map(image, m->pub.base)) goto fail_map;
        m->image = image;
    }
    m->pub.size = bytes;
    m->dirty = bytes;   /* the image, if any, lies within */
    return m;
fail_map:
    rt_err(err, "cannot map %llu bytes of a linear memory: %s", (unsigned long long)bytes, strerror(errno));
    m->broken = true;
    rt_memory_destroy(m);
    return NULL;
fail:
    free(m);
    return NULL;
}

/* Reset a freed memory's bytes [0, dirty) to fresh (zero, or the image).
 * A few resident pages (what a small instance touches) are zeroed in place
 * and stay mapped, so the next instance takes no page fault and the reset
 * needs no TLB flush (MADV_DONTNEED's costs dominate small instances);
 * with an image, the pages it wrote are copied back from the image
 * (image.c, up to keep_resident_bytes); otherwise MADV_DONTNEED gives the
 * pages back.  Only
 * what was ever accessible can be dirty, and neither way touches a page
 * that was not. */
static bool reset(wasmrt_memory *m, bool keep_resident) {
    if (!m->dirty) return true;
    if (keep_resident && m->image && rt_keep_resident() &&
        rt_image_reset(m->image, m->pub.base, m->dirty, rt_keep_resident()))
        return true;
    size_t page = (size_t)getpagesize();
    size_t n = (size_t)((m->dirty + page - 1) / page);
    unsigned char vec[RESET_RESIDENT_MAX_SCAN];
    if (keep_resident && !m->image && n <= sizeof vec && mincore(m->pub.base, m->dirty, vec) == 0) {
        size_t resident = 0;
        for (size_t i = 0; i < n; i++) resident += vec[i] & 1;
        if (resident <= RESET_RESIDENT_MAX) {
            for (size_t i = 0; i < n; i++)
                if (vec[i] & 1) memset(m->pub.base + i * page, 0, page);
            return true;
        }
    }
    return madvise(m->pub.base, m->dirty, MADV_DONTNEED) == 0;
}

void rt_memory_destroy(wasmrt_memory *m) {
    if (!m) return;
    /* Resident pages are kept only by as many free memories as the policy
     * keeps reservations (pool slots always keep theirs). */
    bool keep = m->pooled;
    if (m->slab) {
        keep = rt_slab_free_count(m->slab) < rt_keep_free();
    } else if (!keep) {
        pthread_mutex_lock(&pool_lock);
        keep = freed_count < rt_keep_free();
        pthread_mutex_unlock(&pool_lock);
    }
    bool clean = !m->broken && reset(m, keep);
    if (!clean) {
        /* Start over with fresh address space at the same place. */
        uint64_t len = m->slab ? rt_slab_slot_size(m->slab) : WASMC_RESERVE_BYTES;
        int prot = m->slab ? PROT_READ | PROT_WRITE : PROT_NONE;
        if (mmap(m->pub.base, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) ==
            m->pub.base) {
            rt_image_release(m->image);
            m->image = NULL;
            m->accessible = m->slab ? len : 0;
            clean = true;
        }
    }
    if (m->pooled) {
        if (clean) rt_pool_give_memory(m->pub.base, m->accessible, m->image);   /* else the slot is lost */
    } else if (m->slab) {
        if (!clean || !rt_slab_give((rt_slab_slot){m->slab, m->pub.base, m->image})) {
            rt_slab_lost(m->slab);
            if (clean) rt_image_release(m->image);
        }
        if (rt_keep_free() == 0) rt_slab_trim();
    } else {
        reservation r = {m->pub.base, m->range, m->accessible, m->image};
        bool kept = false;
        pthread_mutex_lock(&pool_lock);
        if (clean && freed_count < rt_keep_free()) {
            if (freed_count == freed_cap) {
                uint32_t cap = freed_cap ? freed_cap * 2 : 64;
                reservation *f = realloc(freed, cap * sizeof *f);
                if (f) {
                    freed = f;
                    freed_cap = cap;
                }
            }
            if (freed_count < freed_cap) {
                freed[freed_count++] = r;
                kept = true;
            }
        }
        pthread_mutex_unlock(&pool_lock);
        if (!kept) unmap_reservation(&r);
    }
    free(m);
}

uint32_t wasmrt_memory_grow(wasmrt_memory *m, uint32_t delta) {
    uint64_t old = m->pub.size / WASMC_WASM_PAGE_SIZE;
    uint64_t want = old + delta;
    if (want > m->max_pages) return UINT32_MAX;
    uint64_t bytes = want * WASMC_WASM_PAGE_SIZE;
    if (bytes > m->accessible && !set_rw(m->pub.base, &m->accessible, bytes)) return UINT32_MAX;
    m->pub.size = bytes;
    if (bytes > m->dirty) m->dirty = bytes;
    return (uint32_t)old;
}

uint8_t *wasmrt_memory_data(wasmrt_memory *m) { return m->pub.base; }
uint64_t wasmrt_memory_size(wasmrt_memory *m) { return m->pub.size; }
