/* Address ranges the fault handler must recognise: the compiled code of every
 * loaded module and every linear-memory reservation.
 *
 * The handler runs in signal context, so it cannot lock.  Ranges live in a
 * singly linked list whose nodes are never freed: adding prepends a node (or
 * recycles a FREE one) under a mutex; removing just marks the node FREE.  A
 * reader walks the list with acquire loads and reads a node's bounds only
 * after seeing it in use.  The list's length is the high-water mark of
 * simultaneously live modules and memories, which the memory pool bounds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

static rt_range *_Atomic ranges;
static pthread_mutex_t ranges_lock = PTHREAD_MUTEX_INITIALIZER;

rt_range *rt_range_add(int kind, uintptr_t start, uintptr_t end, void *owner) {
    pthread_mutex_lock(&ranges_lock);
    rt_range *r = NULL;
    for (rt_range *p = atomic_load(&ranges); p; p = atomic_load(&p->next))
        if (atomic_load(&p->kind) == RT_RANGE_FREE) { r = p; break; }
    bool fresh = false;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r) { pthread_mutex_unlock(&ranges_lock); return NULL; }
        fresh = true;
    }
    atomic_store(&r->start, start);
    atomic_store(&r->end, end);
    r->owner = owner;
    atomic_store_explicit(&r->kind, kind, memory_order_release);
    if (fresh) {
        atomic_store(&r->next, atomic_load(&ranges));
        atomic_store_explicit(&ranges, r, memory_order_release);
    }
    pthread_mutex_unlock(&ranges_lock);
    return r;
}

void rt_range_remove(rt_range *r) {
    if (!r) return;
    pthread_mutex_lock(&ranges_lock);
    atomic_store_explicit(&r->kind, RT_RANGE_FREE, memory_order_release);
    pthread_mutex_unlock(&ranges_lock);
}

int rt_range_lookup(uintptr_t addr) {
    for (rt_range *p = atomic_load_explicit(&ranges, memory_order_acquire); p;
         p = atomic_load_explicit(&p->next, memory_order_acquire)) {
        int k = atomic_load_explicit(&p->kind, memory_order_acquire);
        if (k != RT_RANGE_FREE && addr >= atomic_load(&p->start) && addr < atomic_load(&p->end))
            return k;
    }
    return RT_RANGE_FREE;
}

const char *rt_range_func_name(uintptr_t pc) {
    const char *name = NULL;
    pthread_mutex_lock(&ranges_lock);
    for (rt_range *p = atomic_load(&ranges); p; p = atomic_load(&p->next)) {
        if (atomic_load(&p->kind) == RT_RANGE_CODE && pc >= atomic_load(&p->start) &&
            pc < atomic_load(&p->end)) {
            name = rt_module_func_name(p->owner, pc);
            break;
        }
    }
    pthread_mutex_unlock(&ranges_lock);
    return name;
}
