/* Path confinement: every guest path is resolved beneath a directory fd.
 *
 * Preferred: openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, where
 * the kernel refuses (EXDEV) any resolution that would leave the directory
 * — "..", absolute paths, symlinks pointing out, including symlinks that
 * change while we resolve — and /proc magic links.  An EXDEV from openat2
 * means "escape" and is reported as ENOTCAPABLE.
 *
 * Fallback (kernels before 5.6, or seccomp policies returning ENOSYS): a
 * component-by-component walk that opens each directory with O_NOFOLLOW
 * relative to the previous one, expands symlinks itself (refusing absolute
 * targets, at most 40 expansions) and handles ".." by popping its own stack
 * of opened directories, never by asking the kernel for "..".  Since the
 * kernel never follows a link for us, a concurrent rename or symlink swap
 * can make an operation fail but cannot make it land outside.
 *
 * Operations that take a (dirfd, name) pair — mkdirat, unlinkat, renameat,
 * linkat, symlinkat, readlinkat — run on the confined parent directory with
 * a single-component name, so the kernel resolves no path for them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi_internal.h"

bool wasi_path_force_walk = false;
static int openat2_state;  /* 0 unknown, 1 works, -1 unavailable */

#define MAX_SYMLINKS 40
#define MAX_PATH_BYTES 65536
#define MAX_DEPTH 4096

static uint16_t check_path(const char *path, uint32_t len) {
    if (len == 0) return WE_NOENT;
    if (len >= MAX_PATH_BYTES) return WE_NAMETOOLONG;
    if (memchr(path, 0, len)) return WE_ILSEQ;  /* a NUL would silently cut it */
    return WE_SUCCESS;
}

static int try_openat2(int dirfd, const char *path, int flags, unsigned mode) {
    struct open_how how = {
        .flags = (uint64_t)(unsigned)flags,
        .mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    for (int tries = 0;; tries++) {
        long r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
        /* EAGAIN: a concurrent rename/mount; the kernel asks us to retry. */
        if (r < 0 && (errno == EAGAIN || errno == EINTR) && tries < 64) continue;
        return (int)r;
    }
}

/* Append `rest` after a symlink target: "target/rest". */
static char *join_link(const char *target, size_t tlen, const char *rest) {
    size_t rlen = strlen(rest);
    if (tlen + 1 + rlen + 1 > MAX_PATH_BYTES) return NULL;
    char *p = malloc(tlen + 1 + rlen + 1);
    if (!p) return NULL;
    memcpy(p, target, tlen);
    p[tlen] = '/';
    memcpy(p + tlen + 1, rest, rlen + 1);
    return p;
}

/* Read a symlink at (dir, name) into buf (unterminated); returns its
 * length, or -1 (not a link, or an error; errno set). */
static ssize_t read_link(int dir, const char *name, char *buf, size_t cap) {
    ssize_t n = readlinkat(dir, name, buf, cap);
    if (n >= 0 && (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return n;
}

static uint16_t walk(int dirfd, const char *path_in, int flags, unsigned mode, bool follow,
                     int *out) {
    int *stack = malloc(sizeof(int) * MAX_DEPTH);
    char *path = strdup(path_in);
    char *linkbuf = malloc(MAX_PATH_BYTES);
    uint16_t err = WE_SUCCESS;
    int depth = 0, links = 0;
    ssize_t linklen = 0;
    if (!stack || !path || !linkbuf) {
        err = WE_NOMEM;
        goto done;
    }
    stack[0] = dirfd;  /* borrowed, never closed */

restart:
    if (path[0] == '/') {
        err = WE_NOTCAPABLE;
        goto done;
    }
    {
        char *p = path;
        for (;;) {
            while (*p == '/') p++;
            char *comp = p;
            while (*p && *p != '/') p++;
            bool slash = *p == '/';
            if (slash) *p++ = 0;
            char *q = p;
            while (*q == '/') q++;
            bool last = *q == 0;
            int cur = stack[depth];
            if (*comp == 0) {  /* path was "" or only slashes */
                err = WE_NOENT;
                goto done;
            }
            if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
                if (comp[1] == '.') {
                    if (depth == 0) {
                        err = WE_NOTCAPABLE;
                        goto done;
                    }
                    close(stack[depth--]);
                    cur = stack[depth];
                }
                if (last) {
                    int fd = openat(cur, ".", flags | O_CLOEXEC, mode);
                    if (fd < 0) err = wasi_errno_from_host(errno);
                    else *out = fd;
                    goto done;
                }
                continue;
            }
            if (!last || slash) {
                /* An intermediate component (or "name/"): must be a directory. */
                int fd = last ? openat(cur, comp, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, mode)
                              : openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                    int e = errno;
                    if (e == ENOTDIR || e == ELOOP) {
                        linklen = read_link(cur, comp, linkbuf, MAX_PATH_BYTES);
                        if (linklen >= 0) goto expand_link;
                    }
                    err = wasi_errno_from_host(e);
                    goto done;
                }
                if (last) {
                    *out = fd;
                    goto done;
                }
                if (depth + 1 >= MAX_DEPTH) {
                    close(fd);
                    err = WE_NAMETOOLONG;
                    goto done;
                }
                stack[++depth] = fd;
                continue;
            }
            /* The last component.  O_CREAT|O_EXCL never follows a final
             * symlink (POSIX: it fails with EEXIST instead). */
            if (follow && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL)) {
                linklen = read_link(cur, comp, linkbuf, MAX_PATH_BYTES);
                if (linklen >= 0) goto expand_link;
            }
            {
                int fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
                if (fd < 0) err = wasi_errno_from_host(errno);
                else *out = fd;
                goto done;
            }
        expand_link: {
                if (++links > MAX_SYMLINKS) {
                    err = WE_LOOP;
                    goto done;
                }
                if (linklen == 0) {
                    err = WE_NOENT;
                    goto done;
                }
                if (linkbuf[0] == '/') {
                    err = WE_NOTCAPABLE;
                    goto done;
                }
                char *np;
                if (!last) np = join_link(linkbuf, (size_t)linklen, p);
                else if (slash) np = join_link(linkbuf, (size_t)linklen, ".");
                else np = strndup(linkbuf, (size_t)linklen);
                if (!np) {
                    err = WE_NAMETOOLONG;
                    goto done;
                }
                free(path);
                path = np;
                goto restart;
            }
        }
    }
done:
    if (stack)
        for (int i = depth; i > 0; i--) close(stack[i]);
    free(stack);
    free(path);
    free(linkbuf);
    return err;
}

uint16_t wasi_path_open_beneath(int dirfd, const char *path, uint32_t len, int flags,
                                unsigned mode, bool follow, int *out) {
    uint16_t e = check_path(path, len);
    if (e) return e;
    char *p = strndup(path, len);
    if (!p) return WE_NOMEM;
    if (!follow) flags |= O_NOFOLLOW;
    flags |= O_CLOEXEC;
    if (!wasi_path_force_walk && openat2_state >= 0) {
        int fd = try_openat2(dirfd, p, flags, mode);
        if (fd >= 0 || errno != ENOSYS) {
            openat2_state = 1;
            if (fd >= 0) *out = fd;
            e = fd >= 0 ? WE_SUCCESS : errno == EXDEV ? WE_NOTCAPABLE : wasi_errno_from_host(errno);
            free(p);
            return e;
        }
        openat2_state = -1;
    }
    e = walk(dirfd, p, flags & ~O_NOFOLLOW, mode, follow, out);
    free(p);
    return e;
}

uint16_t wasi_path_parent(int dirfd, const char *path, uint32_t len, int *parent, char *name,
                          size_t name_cap, bool *trailing_slash) {
    uint16_t e = check_path(path, len);
    if (e) return e;
    uint32_t end = len;
    while (end > 0 && path[end - 1] == '/') end--;
    *trailing_slash = end < len;
    if (end == 0) return WE_NOTCAPABLE;  /* "/" or "//": the host root */
    uint32_t start = end;
    while (start > 0 && path[start - 1] != '/') start--;
    if (end - start + 1 > name_cap) return WE_NAMETOOLONG;
    memcpy(name, path + start, end - start);
    name[end - start] = 0;
    if (start == 0) return wasi_path_open_beneath(dirfd, ".", 1, O_PATH | O_DIRECTORY, 0, true, parent);
    /* A leading "/" survives in the directory part, so "/etc/x" is refused. */
    return wasi_path_open_beneath(dirfd, path, start, O_PATH | O_DIRECTORY, 0, true, parent);
}
