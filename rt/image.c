/* Copy-on-write initial memory.
 *
 * Instantiating a module with megabytes of data would copy them into every
 * new memory and fault in every page.  Instead, when a module's active data
 * segments for its (defined) memory 0 all have constant offsets and lie
 * within the memory's initial size, they are laid out once, at load, in a
 * sealed memfd: the memory's bytes [offset, offset + size), page-aligned,
 * later segments over earlier ones as instantiation would write them.
 * Each new memory maps it MAP_PRIVATE at base + offset: one mmap, no copy,
 * and pages are shared with the page cache until an instance writes one
 * (then that instance gets its own copy; the others never see it).  When
 * the memory is freed, its written copies are reset so the mapping reads as
 * the image again and the next instance of the same module needs no system
 * call at all (memory.c).  Anything else falls back to copying in
 * instance.c.  Built at load, before a host installs its seccomp filter.
 *
 * Resetting by MADV_DONTNEED makes every page the next instance writes a
 * copy-on-write fault, and dropping the pages a TLB shootdown across every
 * CPU the (multithreaded) host runs on: for a JavaScript interpreter's
 * megabytes that is most of a request's time.  So rt_image_reset keeps the
 * first keep_resident bytes resident instead: /proc/self/pagemap tells
 * which pages are the instance's own (anonymous, i.e. written, or zero
 * pages it read) and which still are the image's page-cache pages; its own
 * are copied back from a read-only view of the image, or zeroed outside
 * it.  The private copies stay, so an instance that writes the same pages
 * as the last one takes no fault, and nothing is unmapped.
 *
 * Reading pagemap costs 8 bytes and a page-table lookup per page whether
 * or not the instance touched it: ~19 us to free an 8 MiB image that was
 * never written.  Kernels since 6.7 answer PAGEMAP_SCAN instead, an ioctl
 * on the same file that returns only the ranges matching a category mask
 * (here: the instance's own pages), so a memory that wrote nothing costs
 * one system call that finds nothing.  It also leaves out zero pages (an
 * instance that only read outside the image): they read as zero already,
 * and zeroing one would allocate it.  Probed once when pagemap is opened;
 * the pread walk stays for older kernels.  wasmrt's seccomp filter allows
 * this ioctl (rt/wasi/seccomp.c).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

struct rt_image {
    atomic_uint refs;
    int fd;
    uint64_t offset, size;   /* page-aligned */
    const uint8_t *view;     /* the image, mapped shared read-only, or NULL */
};

/* Opened once, at the first image's load (before any sandbox), kept. */
static int pagemap_fd = -1;
static bool have_scan;
static pthread_once_t pagemap_once = PTHREAD_ONCE_INIT;
/* An open pagemap describes the process that opened it, so a child of
 * fork() would reset its memories by its parent's page tables: it opens
 * its own, at once (before it can install a sandbox). */
static void reopen_pagemap_in_child(void) {
    int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap_fd >= 0) close(pagemap_fd);
    pagemap_fd = fd;
}
static void open_pagemap(void) {
    pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    if (pagemap_fd >= 0) have_scan = rt_pagemap_scan_probe(pagemap_fd);
    pthread_atfork(NULL, NULL, reopen_pagemap_in_child);
}

rt_image *rt_image_build(const wasmc_descriptor *d) {
    uint32_t min_bytes = rt_config()->image_min_bytes;
    if (min_bytes == UINT32_MAX || !d->num_memories || d->memories[0].imported) return NULL;
    if (!min_bytes) min_bytes = 64u << 10;
    uint64_t mem_bytes = d->memories[0].limits.min * (uint64_t)WASMC_WASM_PAGE_SIZE;
    uint64_t lo = UINT64_MAX, hi = 0, total = 0;
    for (uint32_t i = 0; i < d->num_datas; i++) {
        const wasmc_data_desc *s = &d->datas[i];
        if (s->mode != WASMC_SEG_ACTIVE || s->memory_index != 0) continue;
        if (s->offset.kind != WASMC_CONST_I32) return NULL;
        uint64_t off = s->offset.value.i32;
        if (off + s->size > mem_bytes) return NULL;   /* traps: instance.c says where */
        if (!s->size) continue;
        if (off < lo) lo = off;
        if (off + s->size > hi) hi = off + s->size;
        total += s->size;
    }
    if (total < min_bytes) return NULL;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    lo &= ~(page - 1);
    hi = (hi + page - 1) & ~(page - 1);   /* still within mem_bytes: a multiple of 64 KiB */
    rt_image *img = calloc(1, sizeof *img);
    if (!img) return NULL;
    img->fd = memfd_create("wasmrt-data-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (img->fd < 0 || ftruncate(img->fd, (off_t)(hi - lo)) != 0) goto fail;
    for (uint32_t i = 0; i < d->num_datas; i++) {
        const wasmc_data_desc *s = &d->datas[i];
        if (s->mode != WASMC_SEG_ACTIVE || s->memory_index != 0 || !s->size) continue;
        uint64_t at = s->offset.value.i32 - lo;
        for (uint64_t done = 0; done < s->size;) {
            ssize_t n = pwrite(img->fd, s->bytes + done, s->size - done, (off_t)(at + done));
            if (n <= 0) goto fail;
            done += (uint64_t)n;
        }
    }
    if (fcntl(img->fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) goto fail;
    img->offset = lo;
    img->size = hi - lo;
    void *v = mmap(NULL, img->size, PROT_READ, MAP_SHARED, img->fd, 0);
    img->view = v == MAP_FAILED ? NULL : v;
    pthread_once(&pagemap_once, open_pagemap);
    atomic_init(&img->refs, 1);
    return img;
fail:
    if (img->fd >= 0) close(img->fd);
    free(img);
    return NULL;
}

void rt_image_release(rt_image *img) {
    if (!img || atomic_fetch_sub(&img->refs, 1) != 1) return;
    if (img->view) munmap((void *)img->view, img->size);
    close(img->fd);
    free(img);
}

uint64_t rt_image_offset(const rt_image *img) { return img->offset; }
uint64_t rt_image_size(const rt_image *img) { return img->size; }

bool rt_image_map(rt_image *img, uint8_t *base) {
    void *at = base + img->offset;
    if (mmap(at, img->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, img->fd, 0) != at) return false;
    atomic_fetch_add(&img->refs, 1);
    return true;
}

/* pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_FILE (1ull << 61)

/* Bytes [at, end) of the memory are the instance's own: back to the
 * image's content inside it, zero outside. */
static void restore(const rt_image *img, uint8_t *base, uint64_t at, uint64_t end) {
    uint64_t lo = img->offset, hi = img->offset + img->size;
    if (at < lo) memset(base + at, 0, (size_t)((end < lo ? end : lo) - at));
    uint64_t a = at > lo ? at : lo, b = end < hi ? end : hi;
    if (a < b) memcpy(base + a, img->view + (a - lo), (size_t)(b - a));
    if (end > hi) {
        uint64_t z = at > hi ? at : hi;
        memset(base + z, 0, (size_t)(end - z));
    }
}

static bool reset_scan(const rt_image *img, uint8_t *base, uint64_t kept) {
    rt_page_range r[64];
    for (uint64_t at = 0; at < kept;) {
        uint64_t walked;
        int n = rt_pagemap_scan_own(pagemap_fd, base + at, kept - at, r, 64, &walked);
        if (n < 0) return false;
        for (int i = 0; i < n; i++)
            restore(img, base, r[i].start - (uintptr_t)base, r[i].end - (uintptr_t)base);
        if (walked == 0) return false;   /* no progress: cannot happen, never loop on it */
        at += walked;
    }
    return true;
}

bool rt_image_reset(rt_image *img, uint8_t *base, uint64_t dirty, uint64_t keep) {
    size_t page = (size_t)getpagesize();
    if (pagemap_fd < 0 || !img->view) return false;
    uint64_t kept = keep < dirty ? keep & ~(uint64_t)(page - 1) : dirty;
    if (have_scan) {
        if (!reset_scan(img, base, kept)) return false;
        return kept == dirty || madvise(base + kept, dirty - kept, MADV_DONTNEED) == 0;
    }
    uint64_t entries[512];
    for (uint64_t at = 0; at < kept;) {
        size_t n = (size_t)((kept - at + page - 1) / page);
        if (n > sizeof entries / sizeof *entries) n = sizeof entries / sizeof *entries;
        off_t where = (off_t)(((uintptr_t)(base + at) / page) * sizeof *entries);
        ssize_t got = pread(pagemap_fd, entries, n * sizeof *entries, where);
        if (got <= 0 || got % (ssize_t)sizeof *entries) return false;   /* e.g. a seccomp filter: madvise instead */
        n = (size_t)got / sizeof *entries;
        for (size_t i = 0; i < n; i++, at += page) {
            /* Page-cache pages are the sealed image itself; anything else
             * the instance touched is its own. */
            if (!(entries[i] & (PM_PRESENT | PM_SWAPPED)) || (entries[i] & PM_FILE)) continue;
            size_t len = at + page > kept ? (size_t)(kept - at) : page;
            if (at >= img->offset && at < img->offset + img->size)
                memcpy(base + at, img->view + (at - img->offset), len);
            else
                memset(base + at, 0, len);
        }
    }
    return kept == dirty || madvise(base + kept, dirty - kept, MADV_DONTNEED) == 0;
}
