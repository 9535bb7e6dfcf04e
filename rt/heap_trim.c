/* Freed stores' and WASI contexts' heap given back to the system without
 * the host calling wasmrt_trim.
 *
 * glibc returns freed heap only from its top; a host that had thousands of
 * instances and freed them keeps every page below the last live
 * allocation (measured: +10 MiB after 12,000 plain stores, +115 MiB after
 * 12,000 WASI contexts).  malloc_trim(0) releases them, at a cost that
 * grows with the heap, so it runs only when that cost is amortised: when
 * the last live object goes and at least TRIM_MIN_FREES were freed since
 * the last trim, or when the live count falls to a quarter of its peak
 * since then (a host that never reaches zero) with that peak at least
 * TRIM_MIN_PEAK.  Either way at least as many frees as the heap held live
 * objects pay for one walk of it.  The objects are stores and WASI
 * contexts, what a host creates per request or tenant. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>

#include "internal.h"

#define TRIM_MIN_FREES 256
#define TRIM_MIN_PEAK 4096

static atomic_long live, frees_since_trim, peak_since_trim;
static pthread_mutex_t trim_lock = PTHREAD_MUTEX_INITIALIZER;

void rt_heap_object_new(void) {
    long n = atomic_fetch_add(&live, 1) + 1;
    long p = atomic_load(&peak_since_trim);
    while (n > p && !atomic_compare_exchange_weak(&peak_since_trim, &p, n)) {
    }
}

void rt_heap_object_freed(void) {
    long n = atomic_fetch_sub(&live, 1) - 1;
    long f = atomic_fetch_add(&frees_since_trim, 1) + 1;
    long p = atomic_load(&peak_since_trim);
    if (!((n == 0 && f >= TRIM_MIN_FREES) || (p >= TRIM_MIN_PEAK && n <= p / 4))) return;
    if (pthread_mutex_trylock(&trim_lock) != 0) return;   /* another thread is trimming */
    atomic_store(&frees_since_trim, 0);
    atomic_store(&peak_since_trim, atomic_load(&live));
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    pthread_mutex_unlock(&trim_lock);
}
