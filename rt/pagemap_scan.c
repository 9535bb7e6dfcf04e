/* PAGEMAP_SCAN (Linux 6.7+): which pages of a range a process owns,
 * asked of /proc/self/pagemap as one ioctl that returns matching ranges
 * instead of 8 bytes per page.  The UAPI is declared here because the
 * build's kernel headers (Debian 12: 6.1) predate it; the layout and
 * numbers are the kernel's (include/uapi/linux/fs.h), fixed ABI. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"
#include "wasi/seccomp_filter.h"

#define PAGE_IS_FILE (1u << 2)
#define PAGE_IS_PRESENT (1u << 3)
#define PAGE_IS_SWAPPED (1u << 4)
#define PAGE_IS_PFNZERO (1u << 5)

struct pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
_Static_assert(sizeof(struct pm_scan_arg) == 96, "struct pm_scan_arg is 96 bytes in the kernel's UAPI");
_Static_assert(sizeof(rt_page_range) == 24, "rt_page_range is the kernel's struct page_region");
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
_Static_assert(PAGEMAP_SCAN == RT_IOCTL_PAGEMAP_SCAN, "the seccomp filter allows this ioctl by number");

int rt_pagemap_scan_own(int fd, const void *from, uint64_t len, rt_page_range *out, int cap, uint64_t *walked) {
    uint64_t start = (uintptr_t)from;
    /* Present or swapped, and neither a page-cache page (a file mapping's
     * page the process never wrote) nor the shared zero page. */
    struct pm_scan_arg a = {
        .size = sizeof a, .start = start, .end = start + len,
        .vec = (uintptr_t)out, .vec_len = (uint64_t)cap,
        .category_inverted = PAGE_IS_FILE | PAGE_IS_PFNZERO,
        .category_mask = PAGE_IS_FILE | PAGE_IS_PFNZERO,
        .category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
        .return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
    };
    int n = ioctl(fd, PAGEMAP_SCAN, &a);
    if (n < 0) return -1;
    *walked = a.walk_end - start;
    return n;
}

bool rt_pagemap_scan_probe(int fd) {
    static char probe;
    long page = sysconf(_SC_PAGESIZE);
    rt_page_range r[1];
    uint64_t walked;
    uintptr_t at = (uintptr_t)&probe & ~(uintptr_t)(page - 1);
    return rt_pagemap_scan_own(fd, (const void *)at, (uint64_t)page, r, 1, &walked) >= 0 && walked == (uint64_t)page;
}
