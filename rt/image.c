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
 * the memory is freed, MADV_DONTNEED drops its written copies, so the
 * mapping reads as the image again and the next instance of the same
 * module needs no system call at all (memory.c).  Anything else falls back
 * to copying in instance.c.  Built at load, before a host installs its
 * seccomp filter.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

struct rt_image {
    atomic_uint refs;
    int fd;
    uint64_t offset, size;   /* page-aligned */
};

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
    atomic_init(&img->refs, 1);
    return img;
fail:
    if (img->fd >= 0) close(img->fd);
    free(img);
    return NULL;
}

void rt_image_release(rt_image *img) {
    if (!img || atomic_fetch_sub(&img->refs, 1) != 1) return;
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
