/* Operations on a directory entry named by a guest path, shared by both
 * ABIs (preview1's path_* calls in wasi_abi_path.c, WASI 0.2's descriptor
 * methods in rt/wasi2/filesystem.c): each resolves the path's parent
 * beneath dirfd (wasi_path_parent) and acts on one final name there, so
 * the kernel never walks a guest-controlled path on its own.  The ABIs
 * check their own rights or flags first and translate the errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_internal.h"

#define HOSTERR() wasi_errno_from_host(errno)

static bool is_dot(const char *n) { return strcmp(n, ".") == 0 || strcmp(n, "..") == 0; }

uint16_t wasi_entry_open(int dirfd, const char *path, uint32_t len, wasi_entry *en) {
    return wasi_path_parent(dirfd, path, len, &en->parent, en->name, sizeof en->name, &en->slash);
}

void wasi_entry_close(wasi_entry *en) {
    if (en->parent >= 0) close(en->parent);
    en->parent = -1;
}

/* Runs op on the entries of (d1, p1) and, if p2, (d2, p2). */
#define WITH_ENTRY(dirfd, path, len, en, body)                                   \
    wasi_entry en = {.parent = -1};                                              \
    uint16_t e = wasi_entry_open(dirfd, path, len, &en);                         \
    if (!e) body;                                                                \
    wasi_entry_close(&en);                                                       \
    return e

uint16_t wasi_op_mkdir(int dirfd, const char *path, uint32_t len) {
    WITH_ENTRY(dirfd, path, len, en, {
        if (is_dot(en.name)) e = WE_EXIST;
        else if (mkdirat(en.parent, en.name, 0777)) e = HOSTERR();
    });
}

uint16_t wasi_op_rmdir(int dirfd, const char *path, uint32_t len) {
    WITH_ENTRY(dirfd, path, len, en, {
        if (strcmp(en.name, ".") == 0) e = WE_INVAL;
        else if (strcmp(en.name, "..") == 0) e = WE_NOTEMPTY;
        else if (unlinkat(en.parent, en.name, AT_REMOVEDIR)) e = HOSTERR();
    });
}

uint16_t wasi_op_unlink(int dirfd, const char *path, uint32_t len) {
    WITH_ENTRY(dirfd, path, len, en, {
        struct stat st;
        if (is_dot(en.name)) e = WE_ISDIR;
        else if (en.slash && fstatat(en.parent, en.name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            e = S_ISDIR(st.st_mode) ? WE_ISDIR : WE_NOTDIR;  /* a trailing slash promises a directory */
        else if (unlinkat(en.parent, en.name, 0)) e = HOSTERR();
    });
}

uint16_t wasi_op_readlink(int dirfd, const char *path, uint32_t len, char *buf, size_t cap,
                          size_t *n) {
    WITH_ENTRY(dirfd, path, len, en, {
        ssize_t k;
        if (is_dot(en.name) || en.slash) e = WE_INVAL;
        else if ((k = readlinkat(en.parent, en.name, buf, cap)) < 0) e = HOSTERR();
        else *n = (size_t)k;
    });
}

uint16_t wasi_op_symlink(const char *target, uint32_t tlen, int dirfd, const char *path,
                         uint32_t len) {
    if (tlen == 0) return WE_NOENT;
    if (tlen >= PATH_MAX) return WE_NAMETOOLONG;
    if (memchr(target, 0, tlen)) return WE_ILSEQ;
    /* Absolute targets could never resolve inside the sandbox and would
     * point host tools that follow them at host files: refused. */
    if (target[0] == '/') return WE_NOTCAPABLE;
    char t[PATH_MAX];
    memcpy(t, target, tlen);
    t[tlen] = 0;
    WITH_ENTRY(dirfd, path, len, en, {
        struct stat st;
        if (is_dot(en.name)) e = WE_EXIST;
        else if (en.slash)
            e = fstatat(en.parent, en.name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? WE_EXIST : WE_NOENT;
        else if (symlinkat(t, en.parent, en.name)) e = HOSTERR();
    });
}

/* Two entries: link and rename. */
static uint16_t two(int d1, const char *p1, uint32_t l1, int d2, const char *p2, uint32_t l2,
                    wasi_entry *a, wasi_entry *b) {
    a->parent = b->parent = -1;
    uint16_t e = wasi_entry_open(d1, p1, l1, a);
    if (!e) e = wasi_entry_open(d2, p2, l2, b);
    return e;
}

uint16_t wasi_op_link(int d1, const char *p1, uint32_t l1, int d2, const char *p2, uint32_t l2) {
    wasi_entry a, b;
    uint16_t e = two(d1, p1, l1, d2, p2, l2, &a, &b);
    if (!e) {
        struct stat st;
        if (is_dot(b.name)) e = WE_EXIST;
        else if (is_dot(a.name)) e = WE_PERM;
        else if (b.slash) e = WE_NOENT;
        else if (a.slash && fstatat(a.parent, a.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                 !S_ISDIR(st.st_mode))
            e = WE_NOTDIR;
        else if (linkat(a.parent, a.name, b.parent, b.name, 0)) e = HOSTERR();
    }
    wasi_entry_close(&a);
    wasi_entry_close(&b);
    return e;
}

uint16_t wasi_op_rename(int d1, const char *p1, uint32_t l1, int d2, const char *p2, uint32_t l2) {
    wasi_entry a, b;
    uint16_t e = two(d1, p1, l1, d2, p2, l2, &a, &b);
    if (!e) {
        struct stat st;
        if (is_dot(a.name) || is_dot(b.name)) e = WE_BUSY;
        else if ((a.slash || b.slash) && fstatat(a.parent, a.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                 !S_ISDIR(st.st_mode))
            e = WE_NOTDIR;
        else if (renameat(a.parent, a.name, b.parent, b.name)) e = HOSTERR();
    }
    wasi_entry_close(&a);
    wasi_entry_close(&b);
    return e;
}
