/* wasi:filesystem (types and preopens) over the preview1 sandbox's path
 * confinement: every path is resolved beneath its descriptor's directory
 * by wasi_path_open_beneath / wasi_path_parent (rt/wasi/wasi_path.c), so
 * "..", absolute paths and symlinks leading out fail here exactly as they
 * do for preview1 — with not-permitted, the WASI 0.2 name for an escape.
 *
 * descriptor-flags play the part of preview1's rights: read and write for
 * a file's data, mutate-directory for changing what a directory holds.
 * Preopened directories get read and mutate-directory, like preview1's
 * full directory rights; open-at never grants more than its base has.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmc/sha256.h"
#include "wasi2_internal.h"

/* Files read or written through one call move at most this much (a list<u8>
 * is a host value per byte). */
#define MAX_IO (1u << 20)

static cval fs_err(uint32_t code) { return w2_err(w2_enum(code)); }
static cval fs_ok_unit(void) { return w2_ok(NULL); }

static w2_obj *desc(wasmrt_wasi2 *w, const cval *h, wasmrt_error *err) {
    return w2_get(w, h, W2_DESCRIPTOR, err);
}

static uint32_t new_desc(wasmrt_wasi2 *w, int fd, uint8_t type, uint32_t flags) {
    uint32_t rep = w2_new(w, W2_DESCRIPTOR, fd);
    if (rep) {
        w2_at(w, rep)->u.desc.type = type;
        w2_at(w, rep)->u.desc.flags = flags;
    }
    return rep;
}

bool fs_get_directories(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    wasmrt_wasi *sb = w->sb;
    uint32_t n = 0;
    for (uint32_t i = 0; i < sb->nfds; i++) n += sb->fds[i].used && sb->fds[i].preopen;
    cval *items = w2_alloc(n * sizeof *items);
    uint32_t k = 0;
    for (uint32_t i = 0; i < sb->nfds && k < n; i++) {
        if (!sb->fds[i].used || !sb->fds[i].preopen) continue;
        int fd = fcntl(sb->fds[i].host, F_DUPFD_CLOEXEC, 3);
        uint32_t rep = fd >= 0 ? new_desc(w, fd, DT2_DIR, DF_READ | DF_MUTATE) : 0;
        if (!rep) {
            if (fd >= 0) close(fd);
            for (uint32_t j = 0; j < k; j++) {
                w2_drop(w, items[j].of.list.items[0].of.handle);
                w2_val_free(&items[j]);
            }
            free(items);
            return w2_trap(err, "too many open WASI resources");
        }
        const char *name = sb->fds[i].preopen;
        items[k++] = w2_tuple(2, w2_own(rep), w2_string(name, strlen(name)));
    }
    *r = w2_list(items, k);
    return true;
}

/* ---- streams ----------------------------------------------------------------- */

static bool via_stream(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, bool input,
                       uint64_t off, bool append) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (d->u.desc.type == DT2_DIR) return *r = fs_err(FS_IS_DIRECTORY), true;
    if (!(d->u.desc.flags & (input ? DF_READ : DF_WRITE))) return *r = fs_err(FS_BAD_DESCRIPTOR), true;
    int fd = fcntl(d->fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) return *r = fs_err(w2_fs_code_host(errno)), true;
    /* A FIFO or device has no offsets to pread/pwrite at: a stream over it
     * reads and writes the fd, paced like stdio's pipes. */
    bool paced = d->u.desc.type == DT2_FIFO || d->u.desc.type == DT2_CHAR;
    uint32_t rep = input ? w2_new_input(w, fd, paced ? IN_FD : IN_FILE, off)
                         : w2_new_output(w, fd, paced ? OUT_PIPE : OUT_FILE, off, append);
    if (!rep) {
        close(fd);
        return *r = fs_err(FS_INSUFFICIENT_MEMORY), true;
    }
    cval v = w2_own(rep);
    *r = w2_ok(&v);
    return true;
}

bool fs_read_via_stream(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return via_stream(w, a, r, err, true, a[1].of.u, false);
}
bool fs_write_via_stream(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return via_stream(w, a, r, err, false, a[1].of.u, false);
}
bool fs_append_via_stream(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return via_stream(w, a, r, err, false, 0, true);
}

/* ---- descriptor-level calls --------------------------------------------------- */

#define HOST_RESULT(call) (*r = (call) ? fs_err(w2_fs_code_host(errno)) : fs_ok_unit(), true)

bool fs_advise(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    static const int advice[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                 POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    uint32_t c = a[3].of.variant.case_;
    if (c >= 6) return w2_trap(err, "advise: advice %u is not a case of advice", c);
    if (a[1].of.u > INT64_MAX || a[2].of.u > INT64_MAX) return *r = fs_err(FS_INVALID), true;
    int e = posix_fadvise(d->fd, (off_t)a[1].of.u, (off_t)a[2].of.u, advice[c]);
    *r = e ? fs_err(w2_fs_code_host(e)) : fs_ok_unit();
    return true;
}

bool fs_sync_data(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    return d && HOST_RESULT(fdatasync(d->fd));
}

bool fs_sync(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    return d && HOST_RESULT(fsync(d->fd));
}

bool fs_get_flags(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    cval v = w2_flags(d->u.desc.flags);
    *r = w2_ok(&v);
    return true;
}

bool fs_get_type(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    cval v = w2_enum(d->u.desc.type);
    *r = w2_ok(&v);
    return true;
}

bool fs_set_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (d->u.desc.type == DT2_DIR) return *r = fs_err(FS_IS_DIRECTORY), true;
    if (!(d->u.desc.flags & DF_WRITE)) return *r = fs_err(FS_BAD_DESCRIPTOR), true;
    if (a[1].of.u > INT64_MAX) return *r = fs_err(FS_FILE_TOO_LARGE), true;
    return HOST_RESULT(ftruncate(d->fd, (off_t)a[1].of.u));
}

/* new-timestamp: no-change | now | timestamp(datetime) */
static bool timestamp(const cval *v, struct timespec *ts, wasmrt_error *err) {
    switch (v->of.variant.case_) {
    case 0: ts->tv_nsec = UTIME_OMIT; return true;
    case 1: ts->tv_nsec = UTIME_NOW; return true;
    case 2: {
        const cval *p = v->of.variant.payload;
        if (!p || p->kind != WASMC_CVAL_RECORD || p->of.list.len != 2 ||
            p->of.list.items[0].kind != WASMC_CVAL_U64 || p->of.list.items[1].kind != WASMC_CVAL_U32)
            return w2_trap(err, "new-timestamp: timestamp needs a datetime");
        uint64_t s = p->of.list.items[0].of.u, ns = p->of.list.items[1].of.u;
        if (s > INT64_MAX || ns >= 1000000000u) {
            ts->tv_sec = -1;  /* caller answers invalid */
            ts->tv_nsec = 0;
            return true;
        }
        ts->tv_sec = (time_t)s;
        ts->tv_nsec = (long)ns;
        return true;
    }
    default: return w2_trap(err, "new-timestamp: case %u", v->of.variant.case_);
    }
}

static bool may_change(const w2_obj *d) {
    return d->u.desc.flags & (d->u.desc.type == DT2_DIR ? DF_MUTATE : DF_WRITE);
}

bool fs_set_times(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    struct timespec ts[2];
    if (!timestamp(&a[1], &ts[0], err) || !timestamp(&a[2], &ts[1], err)) return false;
    if (ts[0].tv_sec < 0 || ts[1].tv_sec < 0) return *r = fs_err(FS_INVALID), true;
    if (!may_change(d)) return *r = fs_err(FS_NOT_PERMITTED), true;
    return HOST_RESULT(futimens(d->fd, ts));
}

bool fs_read(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (d->u.desc.type == DT2_DIR) return *r = fs_err(FS_IS_DIRECTORY), true;
    if (!(d->u.desc.flags & DF_READ)) return *r = fs_err(FS_BAD_DESCRIPTOR), true;
    uint64_t len = a[1].of.u < MAX_IO ? a[1].of.u : MAX_IO, off = a[2].of.u;
    if (off > INT64_MAX) return *r = fs_err(FS_INVALID), true;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return w2_trap(err, "out of memory");
    ssize_t n;
    do n = pread(d->fd, buf, len, (off_t)off);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        *r = fs_err(w2_fs_code_host(errno));
    } else {
        cval v = w2_tuple(2, w2_bytes(buf, (size_t)n), w2_bool(len > 0 && (n == 0 || (uint64_t)n < len)));
        *r = w2_ok(&v);
    }
    free(buf);
    return true;
}

bool fs_write(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (d->u.desc.type == DT2_DIR) return *r = fs_err(FS_IS_DIRECTORY), true;
    if (!(d->u.desc.flags & DF_WRITE)) return *r = fs_err(FS_BAD_DESCRIPTOR), true;
    if (a[2].of.u > INT64_MAX) return *r = fs_err(FS_INVALID), true;
    size_t n;
    uint8_t *buf = w2_list_bytes(&a[1], &n, err);
    if (!buf) return false;
    ssize_t k;
    do k = pwrite(d->fd, buf, n, (off_t)a[2].of.u);
    while (k < 0 && errno == EINTR);
    free(buf);
    if (k < 0) return *r = fs_err(w2_fs_code_host(errno)), true;
    cval v = w2_u64((uint64_t)k);
    *r = w2_ok(&v);
    return true;
}

/* ---- directories ----------------------------------------------------------------- */

bool fs_read_directory(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (d->u.desc.type != DT2_DIR) return *r = fs_err(FS_NOT_DIRECTORY), true;
    if (!(d->u.desc.flags & DF_READ)) return *r = fs_err(FS_BAD_DESCRIPTOR), true;
    /* Its own open file description, so the stream starts at the beginning
     * and does not disturb other streams of the same directory. */
    int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return *r = fs_err(w2_fs_code_host(errno)), true;
    uint32_t rep = w2_new(w, W2_DIRSTREAM, fd);
    if (!rep) {
        close(fd);
        return *r = fs_err(FS_INSUFFICIENT_MEMORY), true;
    }
    DIR *dir = fdopendir(fd);
    if (!dir) {
        uint32_t code = w2_fs_code_host(errno);
        w2_drop(w, rep);
        return *r = fs_err(code), true;
    }
    w2_at(w, rep)->u.dirs.dir = dir;
    cval v = w2_own(rep);
    *r = w2_ok(&v);
    return true;
}

static uint8_t dtype_of(unsigned char t) {
    switch (t) {
    case DT_BLK: return DT2_BLOCK;
    case DT_CHR: return DT2_CHAR;
    case DT_DIR: return DT2_DIR;
    case DT_FIFO: return DT2_FIFO;
    case DT_LNK: return DT2_SYMLINK;
    case DT_REG: return DT2_FILE;
    case DT_SOCK: return DT2_SOCKET;
    default: return DT2_UNKNOWN;
    }
}

bool fs_read_directory_entry(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *s = w2_get(w, &a[0], W2_DIRSTREAM, err);
    if (!s) return false;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(s->u.dirs.dir);
        if (!de) {
            if (errno) return *r = fs_err(w2_fs_code_host(errno)), true;
            cval v = w2_none();
            *r = w2_ok(&v);
            return true;
        }
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        uint8_t t = dtype_of(de->d_type);
        struct stat st;
        if (de->d_type == DT_UNKNOWN &&
            fstatat(dirfd(s->u.dirs.dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            t = w2_dtype_from_mode(st.st_mode);
        cval v = w2_some(w2_record(2, w2_enum(t), w2_string(de->d_name, strlen(de->d_name))));
        *r = w2_ok(&v);
        return true;
    }
}

/* ---- path calls ------------------------------------------------------------------- */

/* The directory fd a path call resolves beneath, and the path's length
 * (the shared primitives take 32-bit lengths; longer is too long anyway). */
static uint16_t dir_path(const w2_obj *d, const cval *path, uint32_t *len) {
    if (d->u.desc.type != DT2_DIR) return WE_NOTDIR;
    if (path->of.str.len >= UINT32_MAX) return WE_NAMETOOLONG;
    *len = (uint32_t)path->of.str.len;
    return WE_SUCCESS;
}

/* *r = ok or the error-code for preview1 errno e. */
static bool answer(cval *r, uint16_t e) {
    *r = e ? fs_err(w2_fs_code(e)) : fs_ok_unit();
    return true;
}

/* Opens path beneath d (O_PATH unless flags say otherwise). */
static uint16_t open_path(const w2_obj *d, const cval *path, int flags, bool follow, int *out) {
    uint32_t n;
    uint16_t e = dir_path(d, path, &n);
    return e ? e : wasi_path_open_beneath(d->fd, path->of.str.ptr, n, flags, 0666, follow, out);
}

static bool need_mutate(const w2_obj *d, cval *r) {
    if (d->u.desc.type == DT2_DIR && !(d->u.desc.flags & DF_MUTATE)) {
        *r = fs_err(FS_READ_ONLY);
        return false;
    }
    return true;
}

bool fs_create_directory_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (!need_mutate(d, r)) return true;
    uint32_t n;
    uint16_t e = dir_path(d, &a[1], &n);
    return answer(r, e ? e : wasi_op_mkdir(d->fd, a[1].of.str.ptr, n));
}

static cval opt_datetime(const struct timespec *t) {
    if (t->tv_sec < 0) return w2_none();
    return w2_some(w2_record(2, w2_u64((uint64_t)t->tv_sec), w2_u32((uint32_t)t->tv_nsec)));
}

static cval stat_value(const struct stat *st) {
    return w2_record(6, w2_enum(w2_dtype_from_mode(st->st_mode)), w2_u64(st->st_nlink),
                     w2_u64((uint64_t)st->st_size), opt_datetime(&st->st_atim),
                     opt_datetime(&st->st_mtim), opt_datetime(&st->st_ctim));
}

bool fs_stat(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    struct stat st;
    if (fstat(d->fd, &st)) return *r = fs_err(w2_fs_code_host(errno)), true;
    cval v = stat_value(&st);
    *r = w2_ok(&v);
    return true;
}

bool fs_stat_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    int h;
    uint16_t e = open_path(d, &a[2], O_PATH, a[1].of.flags & 1, &h);
    if (e) return *r = fs_err(w2_fs_code(e)), true;
    struct stat st;
    if (fstat(h, &st)) {
        *r = fs_err(w2_fs_code_host(errno));
    } else {
        cval v = stat_value(&st);
        *r = w2_ok(&v);
    }
    close(h);
    return true;
}

bool fs_set_times_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    struct timespec ts[2];
    if (!timestamp(&a[3], &ts[0], err) || !timestamp(&a[4], &ts[1], err)) return false;
    if (ts[0].tv_sec < 0 || ts[1].tv_sec < 0) return *r = fs_err(FS_INVALID), true;
    if (!need_mutate(d, r)) return true;
    int h;
    uint16_t e = open_path(d, &a[2], O_PATH, a[1].of.flags & 1, &h);
    if (e) return *r = fs_err(w2_fs_code(e)), true;
    *r = utimensat(h, "", ts, AT_EMPTY_PATH) ? fs_err(w2_fs_code_host(errno)) : fs_ok_unit();
    close(h);
    return true;
}

bool fs_link_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    w2_obj *nd = d ? desc(w, &a[3], err) : NULL;
    if (!nd) return false;
    /* Following a symlink source lets the kernel resolve it unconfined. */
    if (a[1].of.flags & 1) return *r = fs_err(FS_INVALID), true;
    if (!need_mutate(nd, r)) return true;
    uint32_t n1, n2;
    uint16_t e = dir_path(d, &a[2], &n1);
    if (!e) e = dir_path(nd, &a[4], &n2);
    return answer(r, e ? e : wasi_op_link(d->fd, a[2].of.str.ptr, n1, nd->fd, a[4].of.str.ptr, n2));
}

bool fs_open_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    uint32_t of = a[3].of.flags, df = a[4].of.flags;
    enum { OF_CREATE = 1, OF_DIRECTORY = 2, OF_EXCLUSIVE = 4, OF_TRUNCATE = 8 };
    if (d->u.desc.type != DT2_DIR) return *r = fs_err(FS_NOT_DIRECTORY), true;
    if (((df & (DF_WRITE | DF_MUTATE)) || (of & (OF_CREATE | OF_TRUNCATE))) &&
        !(d->u.desc.flags & DF_MUTATE))
        return *r = fs_err(FS_READ_ONLY), true;
    if ((of & OF_DIRECTORY) && (df & DF_WRITE)) return *r = fs_err(FS_IS_DIRECTORY), true;
    int flags = O_NOCTTY;
    if (of & OF_DIRECTORY) flags |= O_DIRECTORY | O_RDONLY;
    else if ((df & DF_READ) && (df & DF_WRITE)) flags |= O_RDWR;
    else if (df & DF_WRITE) flags |= O_WRONLY;
    else flags |= O_RDONLY;
    if (of & OF_CREATE) flags |= O_CREAT;
    if (of & OF_EXCLUSIVE) flags |= O_EXCL;
    if (of & OF_TRUNCATE) flags |= O_TRUNC;
    if (df & DF_FILE_SYNC) flags |= O_SYNC;
    if (df & DF_DATA_SYNC) flags |= O_DSYNC;
    if (df & DF_RSYNC) flags |= O_RSYNC;
    int h;
    uint16_t e = open_path(d, &a[2], flags, a[1].of.flags & 1, &h);
    if (e) return *r = fs_err(w2_fs_code(e)), true;
    struct stat st;
    if (fstat(h, &st)) {
        close(h);
        return *r = fs_err(w2_fs_code_host(errno)), true;
    }
    uint8_t type = w2_dtype_from_mode(st.st_mode);
    if (type == DT2_DIR && (df & DF_WRITE)) {
        close(h);
        return *r = fs_err(FS_IS_DIRECTORY), true;
    }
    /* a child never has more than its base: mutate-directory only if asked
     * for and held (checked above) */
    uint32_t rep = new_desc(w, h, type, df & (DF_READ | DF_WRITE | DF_FILE_SYNC | DF_DATA_SYNC |
                                              DF_RSYNC | DF_MUTATE));
    if (!rep) {
        close(h);
        return *r = fs_err(FS_INSUFFICIENT_MEMORY), true;
    }
    cval v = w2_own(rep);
    *r = w2_ok(&v);
    return true;
}

bool fs_readlink_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    char buf[PATH_MAX];
    size_t n = 0;
    uint32_t len;
    uint16_t e = dir_path(d, &a[1], &len);
    if (!e) e = wasi_op_readlink(d->fd, a[1].of.str.ptr, len, buf, sizeof buf, &n);
    if (!e && n > 0 && buf[0] == '/') e = WE_NOTCAPABLE;  /* WIT: an absolute target is not-permitted */
    if (!e && n >= sizeof buf) e = WE_NAMETOOLONG;
    if (e) return answer(r, e);
    cval v = w2_string(buf, n);
    *r = w2_ok(&v);
    return true;
}

bool fs_remove_directory_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (!need_mutate(d, r)) return true;
    uint32_t n;
    uint16_t e = dir_path(d, &a[1], &n);
    return answer(r, e ? e : wasi_op_rmdir(d->fd, a[1].of.str.ptr, n));
}

bool fs_rename_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    w2_obj *nd = d ? desc(w, &a[2], err) : NULL;
    if (!nd) return false;
    if (!need_mutate(d, r) || !need_mutate(nd, r)) return true;
    uint32_t n1, n2;
    uint16_t e = dir_path(d, &a[1], &n1);
    if (!e) e = dir_path(nd, &a[3], &n2);
    return answer(r, e ? e : wasi_op_rename(d->fd, a[1].of.str.ptr, n1, nd->fd, a[3].of.str.ptr, n2));
}

bool fs_symlink_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (!need_mutate(d, r)) return true;
    const cval *t = &a[1];
    if (t->of.str.len >= UINT32_MAX) return answer(r, WE_NAMETOOLONG);
    uint32_t n;
    uint16_t e = dir_path(d, &a[2], &n);
    /* an absolute target answers NOTCAPABLE: not-permitted, as the WIT says */
    return answer(r, e ? e : wasi_op_symlink(t->of.str.ptr, (uint32_t)t->of.str.len, d->fd,
                                             a[2].of.str.ptr, n));
}

bool fs_unlink_file_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    if (!need_mutate(d, r)) return true;
    uint32_t n;
    uint16_t e = dir_path(d, &a[1], &n);
    return answer(r, e ? e : wasi_op_unlink(d->fd, a[1].of.str.ptr, n));
}

bool fs_is_same_object(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *x = desc(w, &a[0], err);
    w2_obj *y = x ? desc(w, &a[1], err) : NULL;
    if (!y) return false;
    struct stat s1, s2;
    *r = w2_bool(fstat(x->fd, &s1) == 0 && fstat(y->fd, &s2) == 0 && s1.st_dev == s2.st_dev &&
                 s1.st_ino == s2.st_ino);
    return true;
}

/* SHA-256 of what identifies a file's contents and a per-context secret,
 * so the hash reveals neither inode numbers nor times. */
static cval hash_value(wasmrt_wasi2 *w, const struct stat *st) {
    uint64_t f[8] = {st->st_dev, st->st_ino, (uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
                     (uint64_t)st->st_mtim.tv_nsec, (uint64_t)st->st_ctim.tv_sec,
                     (uint64_t)st->st_ctim.tv_nsec, st->st_mode};
    wasmc_sha256_ctx c;
    uint8_t out[32];
    wasmc_sha256_init(&c);
    wasmc_sha256_update(&c, w->insecure_seed, sizeof w->insecure_seed);
    wasmc_sha256_update(&c, f, sizeof f);
    wasmc_sha256_final(&c, out);
    uint64_t lo = 0, hi = 0;
    for (int i = 0; i < 8; i++) {
        lo |= (uint64_t)out[i] << (8 * i);
        hi |= (uint64_t)out[8 + i] << (8 * i);
    }
    return w2_record(2, w2_u64(lo), w2_u64(hi));
}

bool fs_metadata_hash(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    struct stat st;
    if (fstat(d->fd, &st)) return *r = fs_err(w2_fs_code_host(errno)), true;
    cval v = hash_value(w, &st);
    *r = w2_ok(&v);
    return true;
}

bool fs_metadata_hash_at(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *d = desc(w, &a[0], err);
    if (!d) return false;
    int h;
    uint16_t e = open_path(d, &a[2], O_PATH, a[1].of.flags & 1, &h);
    if (e) return *r = fs_err(w2_fs_code(e)), true;
    struct stat st;
    if (fstat(h, &st)) {
        *r = fs_err(w2_fs_code_host(errno));
    } else {
        cval v = hash_value(w, &st);
        *r = w2_ok(&v);
    }
    close(h);
    return true;
}

bool fs_filesystem_error_code(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = w2_get(w, &a[0], W2_ERROR, err);
    if (!o) return false;
    *r = o->u.error.err ? w2_some(w2_enum(w2_fs_code_host(o->u.error.err))) : w2_none();
    return true;
}
