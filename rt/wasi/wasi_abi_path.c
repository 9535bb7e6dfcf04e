/* ABI layer, path calls: path_* of wasi_snapshot_preview1.
 *
 * A guest path is (ptr, len) in linear memory, not NUL-terminated; it is
 * bounds-checked, then handed to wasi_path.c, which resolves it beneath the
 * directory descriptor.  Calls that act on a directory entry (create,
 * remove, rename, link, symlink, readlink, set_times without following)
 * split the path into a confined parent directory and one final name, so
 * the kernel never walks a guest-controlled path on its own.  Calls that
 * act on the object a path names (open, filestat_get, set_times when
 * following) open it beneath the directory and work on the descriptor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi_internal.h"

#define HOSTERR() wasi_errno_from_host(errno)

void wasi_write_filestat(const wasi_mem *m, u32 out, const struct stat *st, uint8_t type);
uint16_t wasi_timespecs(u64 atim, u64 mtim, u32 fst, struct timespec ts[2]);

static bool is_dot(const char *n) { return strcmp(n, ".") == 0 || strcmp(n, "..") == 0; }

/* The directory descriptor, its rights and the guest path, checked. */
static uint16_t dir_path(wasmrt_wasi *w, const wasi_mem *m, u32 fd, uint64_t need, u32 path,
                         u32 len, wasi_fd **f, const char **p) {
    uint16_t e;
    *f = wasi_fd_get(w, fd, need, &e);
    if (!*f) return e;
    if (!wasi_mem_ok(m, path, len)) return WE_FAULT;
    if ((*f)->type != WF_DIRECTORY) return WE_NOTDIR;
    *p = (const char *)m->base + path;
    return WE_SUCCESS;
}

/* Confined parent + final name of a guest path. */
typedef struct entry {
    int parent;
    bool slash;
    char name[NAME_MAX + 1];
} entry;

static uint16_t entry_of(wasmrt_wasi *w, const wasi_mem *m, u32 fd, uint64_t need, u32 path,
                         u32 len, entry *out) {
    wasi_fd *f;
    const char *p = NULL;
    out->parent = -1;
    uint16_t e = dir_path(w, m, fd, need, path, len, &f, &p);
    if (e) return e;
    return wasi_path_parent(f->host, p, len, &out->parent, out->name, sizeof out->name, &out->slash);
}

static void entry_close(entry *en) {
    if (en->parent >= 0) close(en->parent);
}

/* A trailing slash promises a directory. */
static uint16_t slash_needs_dir(const entry *en) {
    struct stat st;
    if (en->slash && fstatat(en->parent, en->name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode))
        return WE_NOTDIR;
    return WE_SUCCESS;
}

WASI_ABI(path_create_directory, u32 fd, u32 path, u32 path_len) {
    entry en;
    uint16_t e = entry_of(w, m, fd, WR_PATH_CREATE_DIRECTORY, path, path_len, &en);
    if (!e) {
        if (is_dot(en.name)) e = WE_EXIST;
        else if (mkdirat(en.parent, en.name, 0777)) e = HOSTERR();
    }
    entry_close(&en);
    return e;
}

WASI_ABI(path_filestat_get, u32 fd, u32 flags, u32 path, u32 path_len, u32 out) {
    wasi_fd *f;
    const char *p = NULL;
    uint16_t e = dir_path(w, m, fd, WR_PATH_FILESTAT_GET, path, path_len, &f, &p);
    if (e) return e;
    if (!wasi_mem_ok(m, out, 64)) return WE_FAULT;
    int h;
    e = wasi_path_open_beneath(f->host, p, path_len, O_PATH, 0, flags & WL_SYMLINK_FOLLOW, &h);
    if (e) return e;
    struct stat st;
    if (fstat(h, &st)) e = HOSTERR();
    else wasi_write_filestat(m, out, &st, wasi_filetype_from_mode(st.st_mode, -1));
    close(h);
    return e;
}

WASI_ABI(path_filestat_set_times, u32 fd, u32 flags, u32 path, u32 path_len, u64 atim,
         u64 mtim, u32 fst) {
    wasi_fd *f;
    const char *p = NULL;
    uint16_t e = dir_path(w, m, fd, WR_PATH_FILESTAT_SET_TIMES, path, path_len, &f, &p);
    if (e) return e;
    struct timespec ts[2];
    if ((e = wasi_timespecs(atim, mtim, fst, ts))) return e;
    /* An O_PATH descriptor of the confined target, then AT_EMPTY_PATH: the
     * kernel follows (or not) nothing but what we resolved. */
    int h;
    e = wasi_path_open_beneath(f->host, p, path_len, O_PATH, 0, flags & WL_SYMLINK_FOLLOW, &h);
    if (e) return e;
    if (utimensat(h, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) e = HOSTERR();
    close(h);
    return e;
}

WASI_ABI(path_link, u32 old_fd, u32 old_flags, u32 old_path, u32 old_len, u32 new_fd,
         u32 new_path, u32 new_len) {
    /* Following a symlink source would need linkat(AT_SYMLINK_FOLLOW),
     * which lets the kernel resolve the link outside our confinement;
     * refused like wasmtime does. */
    if (old_flags & WL_SYMLINK_FOLLOW) return WE_INVAL;
    entry a, b;
    b.parent = -1;
    uint16_t e = entry_of(w, m, old_fd, WR_PATH_LINK_SOURCE, old_path, old_len, &a);
    if (!e) e = entry_of(w, m, new_fd, WR_PATH_LINK_TARGET, new_path, new_len, &b);
    if (!e) {
        if (is_dot(b.name)) e = WE_EXIST;
        else if (is_dot(a.name)) e = WE_PERM;
        else if (b.slash) e = WE_NOENT;
        else if ((e = slash_needs_dir(&a))) {
        } else if (linkat(a.parent, a.name, b.parent, b.name, 0)) e = HOSTERR();
    }
    entry_close(&a);
    entry_close(&b);
    return e;
}

WASI_ABI(path_open, u32 fd, u32 dirflags, u32 path, u32 path_len, u32 oflags, u64 base,
         u64 inheriting, u32 fdflags, u32 fd_out) {
    uint64_t need = WR_PATH_OPEN;
    if (oflags & WO_CREAT) need |= WR_PATH_CREATE_FILE;
    if (oflags & WO_TRUNC) need |= WR_PATH_FILESTAT_SET_SIZE;
    wasi_fd *f;
    const char *p = NULL;
    uint16_t e = dir_path(w, m, fd, need, path, path_len, &f, &p);
    if (e) return e;
    if (!wasi_mem_ok(m, fd_out, 4)) return WE_FAULT;
    if ((oflags & ~0xFu) || (fdflags & ~0x1Fu)) return WE_INVAL;
    if ((base | inheriting) & ~f->rights_inheriting) return WE_NOTCAPABLE;

    bool rd = base & (WR_FD_READ | WR_FD_READDIR);
    bool wr = base & (WR_FD_DATASYNC | WR_FD_WRITE | WR_FD_ALLOCATE | WR_FD_FILESTAT_SET_SIZE);
    int flags = O_NOCTTY;
    if (oflags & WO_DIRECTORY) flags |= O_DIRECTORY | O_RDONLY;
    else if (rd && wr) flags |= O_RDWR;
    else if (wr) flags |= O_WRONLY;
    else flags |= O_RDONLY;
    if (oflags & WO_CREAT) flags |= O_CREAT;
    if (oflags & WO_EXCL) flags |= O_EXCL;
    if (oflags & WO_TRUNC) flags |= O_TRUNC;
    if (fdflags & WFD_APPEND) flags |= O_APPEND;
    if (fdflags & WFD_DSYNC) flags |= O_DSYNC;
    if (fdflags & WFD_NONBLOCK) flags |= O_NONBLOCK;
    if (fdflags & WFD_RSYNC) flags |= O_RSYNC;
    if (fdflags & WFD_SYNC) flags |= O_SYNC;

    int h;
    e = wasi_path_open_beneath(f->host, p, path_len, flags, 0666, dirflags & WL_SYMLINK_FOLLOW, &h);
    if (e) return e;
    struct stat st;
    if (fstat(h, &st)) {
        e = HOSTERR();
        close(h);
        return e;
    }
    uint8_t type = wasi_filetype_from_mode(st.st_mode, h);
    /* A directory cannot be written: asking for write rights on one fails
     * like open(2) with O_WRONLY/O_RDWR does, instead of quietly handing
     * back a read-only descriptor. */
    if (type == WF_DIRECTORY && wr) {
        close(h);
        return WE_ISDIR;
    }
    uint32_t guest;
    e = wasi_fd_insert(w, h, type, base & wasi_rights_max(type),
                       type == WF_DIRECTORY ? inheriting : 0, &guest);
    if (e) {
        close(h);
        return e;
    }
    wasi_st32(m, fd_out, guest);
    return WE_SUCCESS;
}

WASI_ABI(path_readlink, u32 fd, u32 path, u32 path_len, u32 buf, u32 buf_len, u32 used_ptr) {
    if (!wasi_mem_ok(m, buf, buf_len) || !wasi_mem_ok(m, used_ptr, 4)) return WE_FAULT;
    entry en;
    uint16_t e = entry_of(w, m, fd, WR_PATH_READLINK, path, path_len, &en);
    if (!e) {
        char tmp[PATH_MAX];
        ssize_t n;
        if (is_dot(en.name) || en.slash) e = WE_INVAL;
        else if ((n = readlinkat(en.parent, en.name, tmp, sizeof tmp)) < 0) e = HOSTERR();
        else {
            size_t c = (size_t)n < buf_len ? (size_t)n : buf_len;
            memcpy(m->base + buf, tmp, c);
            wasi_st32(m, used_ptr, (uint32_t)c);
        }
    }
    entry_close(&en);
    return e;
}

WASI_ABI(path_remove_directory, u32 fd, u32 path, u32 path_len) {
    entry en;
    uint16_t e = entry_of(w, m, fd, WR_PATH_REMOVE_DIRECTORY, path, path_len, &en);
    if (!e) {
        if (strcmp(en.name, ".") == 0) e = WE_INVAL;
        else if (strcmp(en.name, "..") == 0) e = WE_NOTEMPTY;
        else if (unlinkat(en.parent, en.name, AT_REMOVEDIR)) e = HOSTERR();
    }
    entry_close(&en);
    return e;
}

WASI_ABI(path_rename, u32 fd, u32 old_path, u32 old_len, u32 new_fd, u32 new_path, u32 new_len) {
    entry a, b;
    b.parent = -1;
    uint16_t e = entry_of(w, m, fd, WR_PATH_RENAME_SOURCE, old_path, old_len, &a);
    if (!e) e = entry_of(w, m, new_fd, WR_PATH_RENAME_TARGET, new_path, new_len, &b);
    if (!e) {
        struct stat st;
        if (is_dot(a.name) || is_dot(b.name)) e = WE_BUSY;
        else if ((a.slash || b.slash) && fstatat(a.parent, a.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                 !S_ISDIR(st.st_mode))
            e = WE_NOTDIR;
        else if (renameat(a.parent, a.name, b.parent, b.name)) e = HOSTERR();
    }
    entry_close(&a);
    entry_close(&b);
    return e;
}

WASI_ABI(path_symlink, u32 old_path, u32 old_len, u32 fd, u32 new_path, u32 new_len) {
    if (!wasi_mem_ok(m, old_path, old_len)) return WE_FAULT;
    const char *target = (const char *)m->base + old_path;
    if (old_len == 0) return WE_NOENT;
    if (old_len >= PATH_MAX) return WE_NAMETOOLONG;
    if (memchr(target, 0, old_len)) return WE_ILSEQ;
    /* Absolute targets could never resolve inside the sandbox and would
     * point host tools that follow them at host files: refused. */
    if (target[0] == '/') return WE_NOTCAPABLE;
    entry en;
    uint16_t e = entry_of(w, m, fd, WR_PATH_SYMLINK, new_path, new_len, &en);
    if (!e) {
        char t[PATH_MAX];
        memcpy(t, target, old_len);
        t[old_len] = 0;
        struct stat st;
        if (is_dot(en.name)) e = WE_EXIST;
        else if (en.slash)
            e = fstatat(en.parent, en.name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? WE_EXIST : WE_NOENT;
        else if (symlinkat(t, en.parent, en.name)) e = HOSTERR();
    }
    entry_close(&en);
    return e;
}

WASI_ABI(path_unlink_file, u32 fd, u32 path, u32 path_len) {
    entry en;
    uint16_t e = entry_of(w, m, fd, WR_PATH_UNLINK_FILE, path, path_len, &en);
    if (!e) {
        struct stat st;
        if (is_dot(en.name)) e = WE_ISDIR;
        else if (en.slash && fstatat(en.parent, en.name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            e = S_ISDIR(st.st_mode) ? WE_ISDIR : WE_NOTDIR;
        else if (unlinkat(en.parent, en.name, 0)) e = HOSTERR();
    }
    entry_close(&en);
    return e;
}
