/* Bounds-checked linear memories' address space: slots carved from shared
 * slabs.
 *
 * Bounds-checked code never touches memory past its size, so its memories
 * need no guard and no PROT_NONE part: each is a slot of its maximum size
 * rounded up to a power of two (at least a 64 KiB Wasm page) in a 1 GiB
 * (or one-slot, if bigger) read-write MAP_NORESERVE slab.  Tens of
 * thousands of memories then cost a few mappings instead of two each
 * (vm.max_map_count), growing needs no system call, and untouched pages
 * cost nothing.  Freed slots, already reset by memory.c, go on a stack per
 * size class; slabs nobody uses are unmapped by rt_slab_trim.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

#define SLAB_BYTES (1ull << 30)
#define SLAB_HEADER 4096u   /* >= sizeof(slab); mmap rounds it up to a page */

struct slab {
    struct slab *next;
    uint8_t *base;
    uint64_t slot;          /* slot size, a power of two */
    uint32_t nslots, bump;  /* slots handed out at least once: [0, bump) */
    uint32_t used;
};
typedef struct slab slab;

typedef struct slab_class {
    slab *slabs;            /* the first has never-used slots, if any does */
    rt_slab_slot *free;     /* freed slots, reset */
    uint32_t nfree, cap;
} slab_class;

static slab_class classes[64];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned class_of(uint64_t bytes) {
    unsigned c = 16;   /* 64 KiB */
    while (((uint64_t)1 << c) < bytes) c++;
    return c;
}

static bool take(uint64_t reserve, rt_slab_slot *out, wasmrt_error *err) {
    unsigned c = class_of(reserve);
    slab_class *k = &classes[c];
    if (k->nfree) {
        *out = k->free[--k->nfree];
        out->home->used++;
        return true;
    }
    slab *s = k->slabs;
    if (!s || s->bump == s->nslots) {
        uint64_t slot = (uint64_t)1 << c;
        uint64_t bytes = slot > SLAB_BYTES ? slot : SLAB_BYTES;
        /* The slab's header lives in one more page at its end, not in the
         * malloc heap (where one allocated late would keep the heap freed
         * instances leave below it).  The page is part of the same mapping. */
        uint8_t *p = mmap(NULL, bytes + SLAB_HEADER, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            rt_map_error(err, "a bounds-checked linear memory slab", bytes, errno);
            return false;
        }
        s = (slab *)(p + bytes);
        *s = (slab){k->slabs, p, slot, (uint32_t)(bytes / slot), 0, 0};
        k->slabs = s;
    }
    *out = (rt_slab_slot){s, s->base + (uint64_t)s->bump++ * s->slot, NULL};
    s->used++;
    return true;
}

static bool give(rt_slab_slot sl) {
    slab_class *k = &classes[class_of(sl.home->slot)];
    if (k->nfree == k->cap) {
        /* Mapped, not malloc'd: grown while instances are freed, it would
         * land at the heap's top and keep the freed heap below it. */
        uint32_t cap = k->cap ? k->cap * 2 : 4096;
        size_t old = k->cap * sizeof *k->free, bytes = cap * sizeof *k->free;
        void *f = k->free ? mremap(k->free, old, bytes, MREMAP_MAYMOVE)
                          : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (f == MAP_FAILED) return false;
        k->free = f;
        k->cap = cap;
    }
    k->free[k->nfree++] = sl;
    sl.home->used--;
    return true;
}

void rt_slab_trim(void) {
    pthread_mutex_lock(&lock);
    for (unsigned c = 0; c < 64; c++) {
        slab_class *k = &classes[c];
        uint32_t j = 0;
        for (uint32_t i = 0; i < k->nfree; i++) {
            if (k->free[i].home->used == 0) rt_image_release(k->free[i].image);
            else k->free[j++] = k->free[i];
        }
        k->nfree = j;
        if (!j && k->free) {   /* its pages would stay resident */
            munmap(k->free, k->cap * sizeof *k->free);
            k->free = NULL;
            k->cap = 0;
        }
        for (slab **pp = &k->slabs; *pp;) {
            slab *s = *pp;
            if (s->used == 0) {
                *pp = s->next;
                munmap(s->base, s->nslots * s->slot + SLAB_HEADER);
            } else {
                pp = &s->next;
            }
        }
    }
    pthread_mutex_unlock(&lock);
}


bool rt_slab_take(uint64_t reserve, rt_slab_slot *out, wasmrt_error *err) {
    pthread_mutex_lock(&lock);
    bool ok = take(reserve, out, err);
    pthread_mutex_unlock(&lock);
    return ok;
}

bool rt_slab_give(rt_slab_slot sl) {
    pthread_mutex_lock(&lock);
    bool ok = give(sl);
    pthread_mutex_unlock(&lock);
    return ok;
}

void rt_slab_lost(struct slab *s) {
    pthread_mutex_lock(&lock);
    s->used--;
    pthread_mutex_unlock(&lock);
}

uint32_t rt_slab_free_count(const struct slab *s) {
    pthread_mutex_lock(&lock);
    uint32_t n = classes[class_of(s->slot)].nfree;
    pthread_mutex_unlock(&lock);
    return n;
}

uint64_t rt_slab_slot_size(const struct slab *s) { return s->slot; }
