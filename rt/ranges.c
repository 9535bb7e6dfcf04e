/* Address ranges the fault handler must recognise: the compiled code of every
 * loaded module and every guard-page linear-memory reservation.
 *
 * The handler runs in signal context, so lookups take no lock and allocate
 * nothing, and with tens of thousands of live memories neither they nor
 * adding and removing may walk every range.  Ranges are filed by size in a
 * radix of cells: the top level splits the address space into 16 GiB
 * regions; a range of at most 4 MiB is linked into the 4 MiB cells of its
 * region it overlaps, one of at most 64 MiB into 64 MiB cells, then 1 GiB,
 * then the 16 GiB region itself.  A range never spans more than two cells
 * of its size class, so adding or removing links at most two nodes, and a
 * cell only holds ranges at least 1/16 of its size (or memories, which are
 * at least a 64 KiB Wasm page), so a lookup reads at most four short lists
 * (and the list of ranges bigger than 16 GiB, such as a pooling
 * allocator's slab, or anywhere above 2^47).
 *
 * Writers serialise on a mutex and link and unlink nodes with seq_cst
 * stores; readers only follow `next`.  A removed range is not freed while
 * a reader might still stand on it: readers count themselves in and out
 * (one atomic add each way, async-signal-safe), and retired ranges are
 * freed by a later writer that sees no reader in flight.  Regions are a
 * static array (256 KiB of BSS, touched only where ranges are) and cell
 * arrays are mapped on first use and kept: neither sits in the malloc heap,
 * where thousands of small never-freed blocks interleaved with instances
 * would pin the heap's pages after the instances are gone.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define REGION_SHIFT 34
#define NUM_REGIONS (1u << (47 - REGION_SHIFT))
static const unsigned level_shift[] = {22, 26, 30};   /* cell sizes below a region */
enum { NUM_LEVELS = 3, LEVEL_REGION = 3, LEVEL_HUGE = 4 };

typedef struct rt_range_link {
    struct rt_range_link *_Atomic next;
    struct rt_range_link *_Atomic *pprev;   /* writers only */
    struct rt_range *range;
} rt_range_link;

struct rt_range {
    int kind;
    uintptr_t start, end;
    void *owner;                            /* CODE: the wasmrt_module */
    rt_range_link link[2];                  /* one per cell it overlaps */
    rt_range_link *_Atomic *head[2];        /* the lists they are in (NULL: unused) */
    struct rt_range *retired_next;
};

typedef struct region {
    rt_range_link *_Atomic whole;           /* ranges of (1 GiB, 16 GiB] */
    rt_range_link *_Atomic *_Atomic cells[NUM_LEVELS];
} region;

static region regions[NUM_REGIONS];
static rt_range_link *_Atomic huge;          /* > 16 GiB, or above 2^47 */
static pthread_mutex_t ranges_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic long readers;
static rt_range *retired;

static int level_of(uintptr_t start, uintptr_t end) {
    uintptr_t size = end - start;
    if ((end - 1) >> REGION_SHIFT >= NUM_REGIONS) return LEVEL_HUGE;
    for (int l = 0; l < NUM_LEVELS; l++)
        if (size <= (uintptr_t)1 << level_shift[l]) return l;
    return size <= (uintptr_t)1 << REGION_SHIFT ? LEVEL_REGION : LEVEL_HUGE;
}

/* The list head for the cell of `level` containing addr; with `make`, the
 * region and cell array are created (writers, under the lock). */
static rt_range_link *_Atomic *cell_head(int level, uintptr_t addr, bool make) {
    if (level == LEVEL_HUGE) return &huge;
    region *r = &regions[addr >> REGION_SHIFT];
    if (level == LEVEL_REGION) return &r->whole;
    unsigned n = 1u << (REGION_SHIFT - level_shift[level]);
    rt_range_link *_Atomic *cells = atomic_load(&r->cells[level]);
    if (!cells) {
        if (!make) return NULL;
        void *p = mmap(NULL, n * sizeof *cells, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return NULL;
        cells = p;
        atomic_store(&r->cells[level], cells);
    }
    return &cells[(addr >> level_shift[level]) & (n - 1)];
}

static void link_into(rt_range_link *l, rt_range_link *_Atomic *head) {
    rt_range_link *first = atomic_load(head);
    atomic_store(&l->next, first);
    l->pprev = head;
    if (first) first->pprev = &l->next;
    atomic_store(head, l);   /* publishes l, filled in above */
}

static void unlink_from(rt_range_link *l) {
    rt_range_link *next = atomic_load(&l->next);
    atomic_store(l->pprev, next);
    if (next) next->pprev = l->pprev;
}

/* Range nodes come from mapped blocks and go back to a free list, not to
 * malloc: a few kept reservations' nodes would otherwise pin heap pages
 * freed instances left between them.  A block is carved as nodes are
 * needed, not threaded onto the free list at once: that wrote all 16 of
 * its pages, ~3 % of a hello-world's cold start for its 2 ranges.  Under
 * the lock. */
#define NODE_BLOCK (64u << 10)
static rt_range *free_nodes, *carve, *carve_end;

static rt_range *node_alloc(void) {
    rt_range *r = free_nodes;
    if (r) {
        free_nodes = r->retired_next;
    } else {
        if (carve == carve_end) {
            rt_range *b = mmap(NULL, NODE_BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (b == MAP_FAILED) return NULL;
            carve = b;
            carve_end = b + NODE_BLOCK / sizeof *b;
        }
        r = carve++;
    }
    memset(r, 0, sizeof *r);
    return r;
}

/* Under the lock: recycle what was retired if no reader can be looking. */
static void reclaim(void) {
    if (!retired || atomic_load(&readers) != 0) return;
    rt_range *last = retired;
    while (last->retired_next) last = last->retired_next;
    last->retired_next = free_nodes;
    free_nodes = retired;
    retired = NULL;
}

rt_range *rt_range_add(int kind, uintptr_t start, uintptr_t end, void *owner) {
    if (end <= start) return NULL;
    int level = level_of(start, end);
    pthread_mutex_lock(&ranges_lock);
    reclaim();
    rt_range_link *_Atomic *h0 = cell_head(level, start, true);
    rt_range_link *_Atomic *h1 = cell_head(level, end - 1, true);
    rt_range *r = h0 && h1 ? node_alloc() : NULL;
    if (!r) {
        pthread_mutex_unlock(&ranges_lock);
        return NULL;
    }
    r->kind = kind;
    r->start = start;
    r->end = end;
    r->owner = owner;
    r->head[0] = h0;
    r->head[1] = h1 != h0 ? h1 : NULL;
    for (int i = 0; i < 2; i++)
        if (r->head[i]) {
            r->link[i].range = r;
            link_into(&r->link[i], r->head[i]);
        }
    pthread_mutex_unlock(&ranges_lock);
    return r;
}

void rt_range_remove(rt_range *r) {
    if (!r) return;
    pthread_mutex_lock(&ranges_lock);
    for (int i = 0; i < 2; i++)
        if (r->head[i]) unlink_from(&r->link[i]);
    r->retired_next = retired;
    retired = r;
    reclaim();
    pthread_mutex_unlock(&ranges_lock);
}

static const rt_range *in_list(rt_range_link *_Atomic *head, uintptr_t addr) {
    if (!head) return NULL;
    for (rt_range_link *l = atomic_load(head); l; l = atomic_load(&l->next))
        if (addr >= l->range->start && addr < l->range->end) return l->range;
    return NULL;
}

/* Readers bracket this with the reader count (or hold the lock). */
static const rt_range *find(uintptr_t addr) {
    const rt_range *r = NULL;
    if (addr >> REGION_SHIFT < NUM_REGIONS)
        for (int l = 0; l <= LEVEL_REGION && !r; l++) r = in_list(cell_head(l, addr, false), addr);
    return r ? r : in_list(&huge, addr);
}

int rt_range_lookup(uintptr_t addr) {
    atomic_fetch_add(&readers, 1);
    const rt_range *r = find(addr);
    int kind = r ? r->kind : RT_RANGE_FREE;
    atomic_fetch_sub(&readers, 1);
    return kind;
}

const char *rt_range_func_name(uintptr_t pc) {
    pthread_mutex_lock(&ranges_lock);
    const rt_range *r = find(pc);
    const char *name = r && r->kind == RT_RANGE_CODE ? rt_module_func_name(r->owner, pc) : NULL;
    pthread_mutex_unlock(&ranges_lock);
    return name;
}
