/* The pooling allocator (wasmrt_config.pool_slots), in the spirit of
 * Wasmtime's: a host that knows how many instances it runs at most reserves
 * everything up front, once, when it configures the engine:
 *   - N guard-page memory reservations, back to back in PROT_NONE
 *     mappings of up to 1024 (4 TiB) each, every one registered with the
 *     fault handler as one range (the user address space has no single
 *     gap for 30,000 of them: the executable sits in the middle);
 *   - N instance-state slots (the runtime struct, vmctx and per-instance
 *     arrays instance.c puts in one allocation);
 *   - N table element arrays.
 * Instantiating takes slots from free stacks (O(1), no system call unless
 * the memory's size differs from its last user's); freeing gives them back
 * clean: a memory's touched bytes are reset by memory.c (an image's
 * written pages copied back in place, keep_resident_bytes; else dropped
 * with MADV_DONTNEED), instance state and table elements are zeroed over the bytes
 * used.  What does not fit a slot, or comes when the pool is empty, is
 * allocated as without a pool.  The pool lives until the process ends.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define MEM_CHUNK 1024u

typedef struct stack {
    uint32_t *idx;
    uint32_t n;
} stack;

static struct {
    bool on;
    uint32_t slots;
    uint8_t **mem;                  /* chunks of MEM_CHUNK slots * WASMC_RESERVE_BYTES */
    rt_range **mem_range;
    uint64_t *mem_bytes;
    uint32_t chunks;
    uint64_t *mem_rw;
    rt_image **mem_image;
    uint8_t *inst;                  /* slots * inst_bytes */
    size_t inst_bytes;
    void **elems;                   /* slots * table_elems */
    uint32_t table_elems;
    stack free_mem, free_inst, free_elems;
    pthread_mutex_t lock;
} P = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool fill(stack *s, uint32_t n) {
    s->idx = malloc(sizeof *s->idx * n);
    if (!s->idx) return false;
    for (uint32_t i = 0; i < n; i++) s->idx[i] = n - 1 - i;   /* slot 0 first */
    s->n = n;
    return true;
}

static void *map_rw(uint64_t bytes) {
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool rt_pool_init(const wasmrt_config *c, wasmrt_error *err) {
    if (P.on || !c || !c->pool_slots) return true;
    uint32_t n = c->pool_slots;
    P.inst_bytes = c->pool_instance_bytes ? (c->pool_instance_bytes + 63u) & ~63u : 4096;
    P.table_elems = c->pool_table_elements ? c->pool_table_elements : 64;
    uint32_t chunks = (n + MEM_CHUNK - 1) / MEM_CHUNK;
    P.mem = calloc(chunks, sizeof *P.mem);
    P.mem_range = calloc(chunks, sizeof *P.mem_range);
    P.mem_bytes = calloc(chunks, sizeof *P.mem_bytes);
    bool ok = P.mem && P.mem_range && P.mem_bytes;
    for (uint32_t c = 0; ok && c < chunks; c++) {
        uint32_t k = c + 1 < chunks ? MEM_CHUNK : n - c * MEM_CHUNK;
        uint64_t bytes = (uint64_t)k * WASMC_RESERVE_BYTES;
        void *m = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            rt_map_error(err, "the pooling allocator's memories", (uint64_t)n * WASMC_RESERVE_BYTES, errno);
            ok = false;
            break;
        }
        P.mem[P.chunks] = m;
        P.mem_bytes[P.chunks] = bytes;
        P.mem_range[P.chunks++] = rt_range_add(RT_RANGE_MEMORY, (uintptr_t)m, (uintptr_t)m + bytes, NULL);
        if (!P.mem_range[P.chunks - 1]) {
            rt_err(err, "pooling allocator: out of memory");
            ok = false;
        }
    }
    if (ok) {
        P.inst = map_rw((uint64_t)n * P.inst_bytes);
        P.elems = map_rw((uint64_t)n * P.table_elems * sizeof(void *));
        P.mem_rw = calloc(n, sizeof *P.mem_rw);
        P.mem_image = calloc(n, sizeof *P.mem_image);
        ok = P.inst && P.elems && P.mem_rw && P.mem_image && fill(&P.free_mem, n) && fill(&P.free_inst, n) &&
             fill(&P.free_elems, n);
        if (!ok) rt_err(err, "pooling allocator: cannot reserve %u instance slots", n);
    }
    if (!ok) {
        for (uint32_t c = 0; c < P.chunks; c++) {
            rt_range_remove(P.mem_range[c]);
            munmap(P.mem[c], P.mem_bytes[c]);
        }
        free(P.mem);
        free(P.mem_range);
        free(P.mem_bytes);
        if (P.inst) munmap(P.inst, (uint64_t)n * P.inst_bytes);
        if (P.elems) munmap(P.elems, (uint64_t)n * P.table_elems * sizeof(void *));
        free(P.mem_rw);
        free(P.mem_image);
        free(P.free_mem.idx);
        free(P.free_inst.idx);
        free(P.free_elems.idx);
        memset(&P, 0, offsetof(typeof(P), lock));
        return false;
    }
    P.slots = n;
    P.on = true;
    return true;
}

static bool pop(stack *s, uint32_t *i) {
    pthread_mutex_lock(&P.lock);
    bool ok = s->n > 0;
    if (ok) *i = s->idx[--s->n];
    pthread_mutex_unlock(&P.lock);
    return ok;
}

static void push(stack *s, uint32_t i) {
    pthread_mutex_lock(&P.lock);
    s->idx[s->n++] = i;
    pthread_mutex_unlock(&P.lock);
}

bool rt_pool_take_memory(uint8_t **base, uint64_t *rw, rt_image **image) {
    uint32_t i;
    if (!P.on || !pop(&P.free_mem, &i)) return false;
    *base = P.mem[i / MEM_CHUNK] + (uint64_t)(i % MEM_CHUNK) * WASMC_RESERVE_BYTES;
    *rw = P.mem_rw[i];
    *image = P.mem_image[i];
    return true;
}

void rt_pool_give_memory(uint8_t *base, uint64_t rw, rt_image *image) {
    uint32_t c = 0;
    while (!(base >= P.mem[c] && base < P.mem[c] + (uint64_t)MEM_CHUNK * WASMC_RESERVE_BYTES)) c++;
    uint32_t i = c * MEM_CHUNK + (uint32_t)((uint64_t)(base - P.mem[c]) / WASMC_RESERVE_BYTES);
    P.mem_rw[i] = rw;
    P.mem_image[i] = image;
    push(&P.free_mem, i);
}

void *rt_pool_take_instance(size_t bytes) {
    uint32_t i;
    if (!P.on || bytes > P.inst_bytes || !pop(&P.free_inst, &i)) return NULL;
    return P.inst + (uint64_t)i * P.inst_bytes;
}

bool rt_pool_give_instance(void *p, size_t bytes) {
    uint8_t *b = p;
    if (!P.on || b < P.inst || b >= P.inst + (uint64_t)P.slots * P.inst_bytes) return false;
    memset(b, 0, bytes);
    push(&P.free_inst, (uint32_t)((uint64_t)(b - P.inst) / P.inst_bytes));
    return true;
}

void **rt_pool_take_elems(uint64_t count, uint32_t *capacity) {
    uint32_t i;
    if (!P.on || count > P.table_elems || !pop(&P.free_elems, &i)) return NULL;
    *capacity = P.table_elems;
    return P.elems + (uint64_t)i * P.table_elems;
}

bool rt_pool_give_elems(void **elems, uint32_t used) {
    if (!P.on || elems < P.elems || elems >= P.elems + (uint64_t)P.slots * P.table_elems) return false;
    memset(elems, 0, sizeof(void *) * used);
    push(&P.free_elems, (uint32_t)((uint64_t)(elems - P.elems) / P.table_elems));
    return true;
}

void rt_pool_trim(void) {
    if (!P.on) return;
    pthread_mutex_lock(&P.lock);
    for (uint32_t k = 0; k < P.free_mem.n; k++) {
        uint32_t i = P.free_mem.idx[k];
        if (P.mem_rw[i])
            madvise(P.mem[i / MEM_CHUNK] + (uint64_t)(i % MEM_CHUNK) * WASMC_RESERVE_BYTES, P.mem_rw[i],
                    MADV_DONTNEED);
    }
    /* Instance state and elements: every free slot's whole pages (all of
     * them when no slot is in use). */
    uintptr_t page = (uintptr_t)getpagesize();
    if (P.free_inst.n == P.slots) {
        madvise(P.inst, (uint64_t)P.slots * P.inst_bytes, MADV_DONTNEED);
    } else {
        for (uint32_t k = 0; k < P.free_inst.n; k++) {
            uintptr_t a = (uintptr_t)(P.inst + (uint64_t)P.free_inst.idx[k] * P.inst_bytes);
            uintptr_t lo = (a + page - 1) & ~(page - 1), hi = (a + P.inst_bytes) & ~(page - 1);
            if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
        }
    }
    if (P.free_elems.n == P.slots) madvise(P.elems, (uint64_t)P.slots * P.table_elems * sizeof(void *), MADV_DONTNEED);
    pthread_mutex_unlock(&P.lock);
}
