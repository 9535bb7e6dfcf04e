/* ABI layer, descriptor calls: fd_* of wasi_snapshot_preview1.
 *
 * Each function validates every guest pointer against the memory view
 * before touching it, checks the rights the witx assigns to the call, then
 * performs one host operation and maps its errno.  Output structs are
 * written only after the host call succeeded, so a failed call leaves guest
 * memory as it was.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wasi_internal.h"

#define HOSTERR() wasi_errno_from_host(errno)

uint16_t wasi_iovecs(const wasi_mem *m, u32 iovs, u32 iovs_len, struct iovec *out, int *n) {
    if (!wasi_mem_ok(m, iovs, (uint64_t)iovs_len * 8)) return WE_FAULT;
    uint32_t count = iovs_len > WASI_IOV_MAX ? WASI_IOV_MAX : iovs_len;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t buf = wasi_ld32(m, iovs + 8ull * i), len = wasi_ld32(m, iovs + 8ull * i + 4);
        if (!wasi_mem_ok(m, buf, len)) return WE_FAULT;
        out[i].iov_base = m->base + buf;
        out[i].iov_len = len;
    }
    /* The iovecs beyond IOV_MAX are still checked: a bad pointer is a fault
     * whether or not this call would have reached it. */
    for (uint32_t i = count; i < iovs_len; i++)
        if (!wasi_mem_ok(m, wasi_ld32(m, iovs + 8ull * i), wasi_ld32(m, iovs + 8ull * i + 4)))
            return WE_FAULT;
    *n = (int)count;
    return WE_SUCCESS;
}

static uint64_t ts_ns(struct timespec t) {
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

void wasi_write_filestat(const wasi_mem *m, u32 out, const struct stat *st, uint8_t type);
void wasi_write_filestat(const wasi_mem *m, u32 out, const struct stat *st, uint8_t type) {
    memset(m->base + out, 0, 64);
    wasi_st64(m, out + 0, (uint64_t)st->st_dev);
    wasi_st64(m, out + 8, (uint64_t)st->st_ino);
    m->base[out + 16] = type;
    wasi_st64(m, out + 24, (uint64_t)st->st_nlink);
    wasi_st64(m, out + 32, (uint64_t)st->st_size);
    wasi_st64(m, out + 40, ts_ns(st->st_atim));
    wasi_st64(m, out + 48, ts_ns(st->st_mtim));
    wasi_st64(m, out + 56, ts_ns(st->st_ctim));
}

/* Shared with path_filestat_set_times. */
uint16_t wasi_timespecs(u64 atim, u64 mtim, u32 fst, struct timespec ts[2]);
uint16_t wasi_timespecs(u64 atim, u64 mtim, u32 fst, struct timespec ts[2]) {
    if (fst & ~0xFu) return WE_INVAL;
    if ((fst & WFST_ATIM) && (fst & WFST_ATIM_NOW)) return WE_INVAL;
    if ((fst & WFST_MTIM) && (fst & WFST_MTIM_NOW)) return WE_INVAL;
    const u64 t[2] = {atim, mtim};
    const u32 set[2] = {WFST_ATIM, WFST_MTIM}, now[2] = {WFST_ATIM_NOW, WFST_MTIM_NOW};
    for (int i = 0; i < 2; i++) {
        if (fst & set[i]) {
            ts[i].tv_sec = (time_t)(t[i] / 1000000000ull);
            ts[i].tv_nsec = (long)(t[i] % 1000000000ull);
        } else {
            ts[i].tv_sec = 0;
            ts[i].tv_nsec = (fst & now[i]) ? UTIME_NOW : UTIME_OMIT;
        }
    }
    return WE_SUCCESS;
}

WASI_ABI(fd_advise, u32 fd, u64 offset, u64 len, u32 advice) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_ADVISE, &e);
    if (!f) return e;
    static const int map[] = {POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                              POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE};
    if (advice > 5) return WE_INVAL;
    if (offset > INT64_MAX || len > INT64_MAX) return WE_INVAL;
    if (f->type == WF_DIRECTORY) return WE_BADF;
    int r = posix_fadvise(f->host, (off_t)offset, (off_t)len, map[advice]);
    return wasi_errno_from_host(r);
}

WASI_ABI(fd_allocate, u32 fd, u64 offset, u64 len) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_ALLOCATE, &e);
    if (!f) return e;
    if (offset > INT64_MAX || len > INT64_MAX || offset + len > INT64_MAX) return WE_FBIG;
    if (len == 0) return WE_INVAL;
    if (f->type == WF_DIRECTORY) return WE_BADF;
    int r = posix_fallocate(f->host, (off_t)offset, (off_t)len);
    return wasi_errno_from_host(r);
}

WASI_ABI(fd_close, u32 fd) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, 0, &e);
    if (!f) return e;
    wasi_fd_release(f);
    return WE_SUCCESS;
}

WASI_ABI(fd_datasync, u32 fd) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_DATASYNC, &e);
    if (!f) return e;
    return fdatasync(f->host) ? HOSTERR() : WE_SUCCESS;
}

WASI_ABI(fd_sync, u32 fd) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_SYNC, &e);
    if (!f) return e;
    return fsync(f->host) ? HOSTERR() : WE_SUCCESS;
}

WASI_ABI(fd_fdstat_get, u32 fd, u32 out) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, 0, &e);
    if (!f) return e;
    if (!wasi_mem_ok(m, out, 24)) return WE_FAULT;
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0) return HOSTERR();
    uint16_t flags = 0;
    if (fl & O_APPEND) flags |= WFD_APPEND;
    if (fl & O_NONBLOCK) flags |= WFD_NONBLOCK;
    if ((fl & O_SYNC) == O_SYNC) flags |= WFD_SYNC | WFD_RSYNC;
    else if (fl & O_DSYNC) flags |= WFD_DSYNC;
    memset(m->base + out, 0, 24);
    m->base[out] = f->type;
    wasi_st16(m, out + 2, flags);
    wasi_st64(m, out + 8, f->rights_base);
    wasi_st64(m, out + 16, f->rights_inheriting);
    return WE_SUCCESS;
}

WASI_ABI(fd_fdstat_set_flags, u32 fd, u32 flags) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_FDSTAT_SET_FLAGS, &e);
    if (!f) return e;
    if (flags & ~0x1Fu) return WE_INVAL;
    /* Linux cannot change O_SYNC/O_DSYNC after open; say so rather than
     * silently ignoring the request. */
    if (flags & (WFD_DSYNC | WFD_RSYNC | WFD_SYNC)) return WE_NOTSUP;
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0) return HOSTERR();
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WFD_APPEND) fl |= O_APPEND;
    if (flags & WFD_NONBLOCK) fl |= O_NONBLOCK;
    return fcntl(f->host, F_SETFL, fl) ? HOSTERR() : WE_SUCCESS;
}

WASI_ABI(fd_fdstat_set_rights, u32 fd, u64 base, u64 inheriting) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, 0, &e);
    if (!f) return e;
    /* Rights only ever shrink. */
    if ((base & ~f->rights_base) || (inheriting & ~f->rights_inheriting)) return WE_NOTCAPABLE;
    f->rights_base = base;
    f->rights_inheriting = inheriting;
    return WE_SUCCESS;
}

WASI_ABI(fd_filestat_get, u32 fd, u32 out) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_FILESTAT_GET, &e);
    if (!f) return e;
    if (!wasi_mem_ok(m, out, 64)) return WE_FAULT;
    struct stat st;
    if (fstat(f->host, &st)) return HOSTERR();
    wasi_write_filestat(m, out, &st, wasi_filetype_from_mode(st.st_mode, f->host));
    return WE_SUCCESS;
}

WASI_ABI(fd_filestat_set_size, u32 fd, u64 size) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_FILESTAT_SET_SIZE, &e);
    if (!f) return e;
    if (size > INT64_MAX) return WE_FBIG;
    return ftruncate(f->host, (off_t)size) ? HOSTERR() : WE_SUCCESS;
}

WASI_ABI(fd_filestat_set_times, u32 fd, u64 atim, u64 mtim, u32 fst) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_FILESTAT_SET_TIMES, &e);
    if (!f) return e;
    struct timespec ts[2];
    if ((e = wasi_timespecs(atim, mtim, fst, ts))) return e;
    return futimens(f->host, ts) ? HOSTERR() : WE_SUCCESS;
}

static uint32_t rw(wasmrt_wasi *w, const wasi_mem *m, u32 fd, u32 iovs, u32 iovs_len,
                   bool write, bool positioned, u64 offset, u32 result_ptr) {
    uint16_t e;
    uint64_t need = (write ? WR_FD_WRITE : WR_FD_READ) | (positioned ? WR_FD_SEEK : 0);
    wasi_fd *f = wasi_fd_get(w, fd, need, &e);
    if (!f) return e;
    if (!wasi_mem_ok(m, result_ptr, 4)) return WE_FAULT;
    if (positioned && offset > INT64_MAX) return WE_INVAL;
    /* stdio-sized requests (printf: 1-2 iovecs) stay off the heap */
    struct iovec small[8];
    struct iovec *iov = iovs_len <= 8 ? small
                        : malloc(sizeof *iov * (iovs_len > WASI_IOV_MAX ? WASI_IOV_MAX : iovs_len));
    if (!iov) return WE_NOMEM;
    int n = 0;
    if ((e = wasi_iovecs(m, iovs, iovs_len, iov, &n))) {
        if (iov != small) free(iov);
        return e;
    }
    ssize_t r;
    if (f->type == WF_DIRECTORY) {
        r = -1;
        errno = EISDIR;
    } else if (positioned) {
        r = write ? pwritev(f->host, iov, n, (off_t)offset) : preadv(f->host, iov, n, (off_t)offset);
    } else {
        r = write ? writev(f->host, iov, n) : readv(f->host, iov, n);
    }
    if (iov != small) free(iov);
    if (r < 0) return HOSTERR();
    wasi_st32(m, result_ptr, (uint32_t)r);  /* the kernel caps one transfer below 2 GiB */
    return WE_SUCCESS;
}

WASI_ABI(fd_read, u32 fd, u32 iovs, u32 iovs_len, u32 nread_ptr) {
    return rw(w, m, fd, iovs, iovs_len, false, false, 0, nread_ptr);
}
WASI_ABI(fd_write, u32 fd, u32 iovs, u32 iovs_len, u32 nwritten_ptr) {
    return rw(w, m, fd, iovs, iovs_len, true, false, 0, nwritten_ptr);
}
WASI_ABI(fd_pread, u32 fd, u32 iovs, u32 iovs_len, u64 offset, u32 nread_ptr) {
    return rw(w, m, fd, iovs, iovs_len, false, true, offset, nread_ptr);
}
WASI_ABI(fd_pwrite, u32 fd, u32 iovs, u32 iovs_len, u64 offset, u32 nwritten_ptr) {
    return rw(w, m, fd, iovs, iovs_len, true, true, offset, nwritten_ptr);
}

WASI_ABI(fd_prestat_get, u32 fd, u32 out) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, 0, &e);
    if (!f) return e;
    if (!f->preopen) return WE_BADF;
    if (!wasi_mem_ok(m, out, 8)) return WE_FAULT;
    memset(m->base + out, 0, 8);
    wasi_st32(m, out + 4, (uint32_t)strlen(f->preopen));
    return WE_SUCCESS;
}

WASI_ABI(fd_prestat_dir_name, u32 fd, u32 path, u32 path_len) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, 0, &e);
    if (!f) return e;
    if (!f->preopen) return WE_BADF;
    size_t n = strlen(f->preopen);
    if (path_len < n) return WE_NAMETOOLONG;
    if (!wasi_mem_ok(m, path, n)) return WE_FAULT;
    memcpy(m->base + path, f->preopen, n);
    return WE_SUCCESS;
}

/* Directory entries straight from getdents64.  The cookie of an entry is
 * the kernel's d_off ("position after this entry"), so resuming at a cookie
 * is lseek(cookie) + getdents64 — stable across calls and across entries
 * added or removed meanwhile, like telldir/seekdir. */
struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static uint8_t dtype(unsigned char t) {
    switch (t) {
    case DT_BLK: return WF_BLOCK_DEVICE;
    case DT_CHR: return WF_CHARACTER_DEVICE;
    case DT_DIR: return WF_DIRECTORY;
    case DT_REG: return WF_REGULAR_FILE;
    case DT_LNK: return WF_SYMBOLIC_LINK;
    case DT_SOCK: return WF_SOCKET_STREAM;
    default: return WF_UNKNOWN;
    }
}

WASI_ABI(fd_readdir, u32 fd, u32 buf, u32 buf_len, u64 cookie, u32 bufused_ptr) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_READDIR, &e);
    if (!f) return e;
    if (!wasi_mem_ok(m, buf, buf_len) || !wasi_mem_ok(m, bufused_ptr, 4)) return WE_FAULT;
    if (f->type != WF_DIRECTORY) return WE_NOTDIR;
    if (cookie > INT64_MAX) return WE_INVAL;
    if (lseek(f->host, (off_t)cookie, SEEK_SET) < 0) return HOSTERR();
    enum { KBUF = 16384 };
    char *kbuf = malloc(KBUF);
    if (!kbuf) return WE_NOMEM;
    uint64_t used = 0;
    while (used < buf_len) {
        long n = syscall(SYS_getdents64, f->host, kbuf, KBUF);
        if (n < 0) {
            e = HOSTERR();
            free(kbuf);
            return e;
        }
        if (n == 0) break;
        for (long off = 0; off < n && used < buf_len;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(kbuf + off);
            off += d->d_reclen;
            size_t namlen = strlen(d->d_name);
            uint8_t ent[24] = {0};
            for (int i = 0; i < 8; i++) ent[i] = (uint8_t)((uint64_t)d->d_off >> (8 * i));
            for (int i = 0; i < 8; i++) ent[8 + i] = (uint8_t)(d->d_ino >> (8 * i));
            for (int i = 0; i < 4; i++) ent[16 + i] = (uint8_t)((uint32_t)namlen >> (8 * i));
            ent[20] = dtype(d->d_type);
            /* Entries that do not fit are truncated: the guest sees a full
             * buffer and retries with a bigger one (the witx contract). */
            uint64_t room = buf_len - used, c = room < 24 ? room : 24;
            memcpy(m->base + buf + used, ent, c);
            used += c;
            room = buf_len - used;
            c = room < namlen ? room : namlen;
            memcpy(m->base + buf + used, d->d_name, c);
            used += c;
        }
    }
    free(kbuf);
    wasi_st32(m, bufused_ptr, (uint32_t)used);
    return WE_SUCCESS;
}

WASI_ABI(fd_renumber, u32 fd, u32 to) {
    uint16_t e;
    wasi_fd *from = wasi_fd_get(w, fd, 0, &e);
    if (!from) return e;
    wasi_fd *dst = wasi_fd_get(w, to, 0, &e);
    if (!dst) return e;
    if (fd == to) return WE_SUCCESS;
    wasi_fd_release(dst);
    *dst = *from;
    *from = (wasi_fd){0};
    return WE_SUCCESS;
}

WASI_ABI(fd_seek, u32 fd, u64 offset, u32 whence, u32 newoffset_ptr) {
    uint16_t e;
    /* A pure "where am I" query needs only fd_tell (wasmtime, wasi-libc). */
    uint64_t need = (offset == 0 && whence == 1) ? WR_FD_TELL : WR_FD_SEEK;
    wasi_fd *f = wasi_fd_get(w, fd, need, &e);
    if (!f) {
        if (e == WE_NOTCAPABLE && need == WR_FD_TELL) f = wasi_fd_get(w, fd, WR_FD_SEEK, &e);
        if (!f) return e;
    }
    if (!wasi_mem_ok(m, newoffset_ptr, 8)) return WE_FAULT;
    static const int wh[] = {SEEK_SET, SEEK_CUR, SEEK_END};
    if (whence > 2) return WE_INVAL;
    if (f->type == WF_DIRECTORY) return WE_BADF;
    off_t r = lseek(f->host, (off_t)(int64_t)offset, wh[whence]);
    if (r < 0) return HOSTERR();
    wasi_st64(m, newoffset_ptr, (uint64_t)r);
    return WE_SUCCESS;
}

WASI_ABI(fd_tell, u32 fd, u32 out) {
    uint16_t e;
    wasi_fd *f = wasi_fd_get(w, fd, WR_FD_TELL, &e);
    if (!f) return e;
    if (!wasi_mem_ok(m, out, 8)) return WE_FAULT;
    off_t r = lseek(f->host, 0, SEEK_CUR);
    if (r < 0) return HOSTERR();
    wasi_st64(m, out, (uint64_t)r);
    return WE_SUCCESS;
}
