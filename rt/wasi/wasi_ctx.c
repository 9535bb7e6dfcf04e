/* The WASI context: arguments, environment and the guest's descriptor table.
 *
 * Guest descriptors are indices into a table of owned host fds, each with
 * the WASI rights it carries.  The table grows on demand up to max_fds, and
 * new descriptors take the lowest free slot (what POSIX programs expect).
 * Stdio host fds are borrowed, not duplicated: a guest closing fd 1 drops
 * its slot without closing the embedder's stdout, and tens of thousands of
 * contexts cost no descriptors beyond their preopens (a dup shares the
 * open file description anyway: offset and status flags were never
 * private).  Preopened directories follow at 3, 4, ... because
 * wasi-libc scans upwards from 3 until fd_prestat_get says EBADF.
 * This file never touches guest memory; see wasi_abi_*.c for that.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../internal.h"   /* rt_heap_object_new/freed */
#include "wasi_internal.h"

uint16_t wasi_errno_from_host(int e) {
    switch (e) {
    case 0: return WE_SUCCESS;
    case E2BIG: return WE_2BIG;
    case EACCES: return WE_ACCES;
    case EADDRINUSE: return WE_ADDRINUSE;
    case EADDRNOTAVAIL: return WE_ADDRNOTAVAIL;
    case EAFNOSUPPORT: return WE_AFNOSUPPORT;
    case EAGAIN: return WE_AGAIN;
    case EALREADY: return WE_ALREADY;
    case EBADF: return WE_BADF;
    case EBADMSG: return WE_BADMSG;
    case EBUSY: return WE_BUSY;
    case ECANCELED: return WE_CANCELED;
    case ECHILD: return WE_CHILD;
    case ECONNABORTED: return WE_CONNABORTED;
    case ECONNREFUSED: return WE_CONNREFUSED;
    case ECONNRESET: return WE_CONNRESET;
    case EDEADLK: return WE_DEADLK;
    case EDESTADDRREQ: return WE_DESTADDRREQ;
    case EDOM: return WE_DOM;
    case EDQUOT: return WE_DQUOT;
    case EEXIST: return WE_EXIST;
    case EFAULT: return WE_FAULT;
    case EFBIG: return WE_FBIG;
    case EHOSTUNREACH: return WE_HOSTUNREACH;
    case EIDRM: return WE_IDRM;
    case EILSEQ: return WE_ILSEQ;
    case EINPROGRESS: return WE_INPROGRESS;
    case EINTR: return WE_INTR;
    case EINVAL: return WE_INVAL;
    case EIO: return WE_IO;
    case EISCONN: return WE_ISCONN;
    case EISDIR: return WE_ISDIR;
    case ELOOP: return WE_LOOP;
    case EMFILE: return WE_MFILE;
    case EMLINK: return WE_MLINK;
    case EMSGSIZE: return WE_MSGSIZE;
    case EMULTIHOP: return WE_MULTIHOP;
    case ENAMETOOLONG: return WE_NAMETOOLONG;
    case ENETDOWN: return WE_NETDOWN;
    case ENETRESET: return WE_NETRESET;
    case ENETUNREACH: return WE_NETUNREACH;
    case ENFILE: return WE_NFILE;
    case ENOBUFS: return WE_NOBUFS;
    case ENODEV: return WE_NODEV;
    case ENOENT: return WE_NOENT;
    case ENOEXEC: return WE_NOEXEC;
    case ENOLCK: return WE_NOLCK;
    case ENOLINK: return WE_NOLINK;
    case ENOMEM: return WE_NOMEM;
    case ENOMSG: return WE_NOMSG;
    case ENOPROTOOPT: return WE_NOPROTOOPT;
    case ENOSPC: return WE_NOSPC;
    case ENOSYS: return WE_NOSYS;
    case ENOTCONN: return WE_NOTCONN;
    case ENOTDIR: return WE_NOTDIR;
    case ENOTEMPTY: return WE_NOTEMPTY;
    case ENOTRECOVERABLE: return WE_NOTRECOVERABLE;
    case ENOTSOCK: return WE_NOTSOCK;
    case EOPNOTSUPP: return WE_NOTSUP;
    case ENOTTY: return WE_NOTTY;
    case ENXIO: return WE_NXIO;
    case EOVERFLOW: return WE_OVERFLOW;
    case EOWNERDEAD: return WE_OWNERDEAD;
    case EPERM: return WE_PERM;
    case EPIPE: return WE_PIPE;
    case EPROTO: return WE_PROTO;
    case EPROTONOSUPPORT: return WE_PROTONOSUPPORT;
    case EPROTOTYPE: return WE_PROTOTYPE;
    case ERANGE: return WE_RANGE;
    case EROFS: return WE_ROFS;
    case ESPIPE: return WE_SPIPE;
    case ESRCH: return WE_SRCH;
    case ESTALE: return WE_STALE;
    case ETIMEDOUT: return WE_TIMEDOUT;
    case ETXTBSY: return WE_TXTBSY;
    case EXDEV: return WE_XDEV;
    default: return WE_IO;  /* no better WASI value; never "success" */
    }
}

uint8_t wasi_filetype_from_mode(unsigned mode, int host_fd) {
    switch (mode & S_IFMT) {
    case S_IFBLK: return WF_BLOCK_DEVICE;
    case S_IFCHR: return WF_CHARACTER_DEVICE;
    case S_IFDIR: return WF_DIRECTORY;
    case S_IFREG: return WF_REGULAR_FILE;
    case S_IFLNK: return WF_SYMBOLIC_LINK;
    case S_IFSOCK: {
        int type = 0;
        socklen_t len = sizeof type;
        if (host_fd >= 0 && getsockopt(host_fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
            type == SOCK_DGRAM)
            return WF_SOCKET_DGRAM;
        return WF_SOCKET_STREAM;
    }
    default: return WF_UNKNOWN;  /* FIFOs have no WASI type */
    }
}

uint64_t wasi_rights_max(uint8_t type) {
    switch (type) {
    case WF_DIRECTORY: return WR_DIRECTORY;
    case WF_REGULAR_FILE: return WR_REGULAR_FILE;
    case WF_CHARACTER_DEVICE: return WR_TTY;
    case WF_SOCKET_DGRAM:
    case WF_SOCKET_STREAM: return WR_SOCKET;
    default: return WR_REGULAR_FILE & ~(WR_FD_SEEK | WR_FD_TELL);  /* pipes */
    }
}

wasi_fd *wasi_fd_get(wasmrt_wasi *w, uint32_t fd, uint64_t need, uint16_t *err) {
    if (fd >= w->nfds || !w->fds[fd].used) {
        *err = WE_BADF;
        return NULL;
    }
    wasi_fd *f = &w->fds[fd];
    if ((f->rights_base & need) != need) {
        *err = WE_NOTCAPABLE;
        return NULL;
    }
    *err = WE_SUCCESS;
    return f;
}

uint16_t wasi_fd_insert(wasmrt_wasi *w, int host, uint8_t type, uint64_t base, uint64_t inh,
                        uint32_t *out) {
    uint32_t i = 0;
    while (i < w->nfds && w->fds[i].used) i++;
    if (i == w->nfds) {
        if (w->nfds >= w->max_fds) return WE_MFILE;
        uint32_t n = w->nfds ? w->nfds * 2 : 8;
        if (n > w->max_fds) n = w->max_fds;
        wasi_fd *t = realloc(w->fds, n * sizeof *t);
        if (!t) return WE_NOMEM;
        memset(t + w->nfds, 0, (n - w->nfds) * sizeof *t);
        w->fds = t;
        w->nfds = n;
    }
    w->fds[i] = (wasi_fd){.used = true, .host = host, .type = type,
                          .rights_base = base, .rights_inheriting = inh};
    *out = i;
    return WE_SUCCESS;
}

void wasi_fd_release(wasi_fd *f) {
    if (f->used && f->host >= 0 && !f->borrowed) close(f->host);
    free(f->preopen);
    *f = (wasi_fd){0};
}

static char **copy_strings(const char *const *src, uint32_t n, uint64_t *bytes) {
    char **v = calloc(n ? n : 1, sizeof *v);
    if (!v) return NULL;
    *bytes = 0;
    for (uint32_t i = 0; i < n; i++) {
        v[i] = strdup(src[i] ? src[i] : "");
        if (!v[i]) {
            for (uint32_t j = 0; j < i; j++) free(v[j]);
            free(v);
            return NULL;
        }
        *bytes += strlen(v[i]) + 1;
    }
    return v;
}

/* Insert a host descriptor the guest did not open itself (stdio, preopens,
 * handed-in sockets): its rights are all its file type allows.  An owned
 * one is closed on failure. */
static bool insert_host(wasmrt_wasi *w, int host, bool borrowed, const char *what, uint32_t *guest,
                        wasmrt_error *err) {
    struct stat st;
    if (fstat(host, &st) != 0) {
        snprintf(err->message, sizeof err->message, "wasi: %s: %s", what, strerror(errno));
        if (!borrowed) close(host);
        return false;
    }
    uint8_t type = wasi_filetype_from_mode(st.st_mode, host);
    uint64_t base = wasi_rights_max(type);
    uint64_t inh = type == WF_DIRECTORY ? WR_ALL : 0;
    if (wasi_fd_insert(w, host, type, base, inh, guest) != WE_SUCCESS) {
        snprintf(err->message, sizeof err->message, "wasi: %s: too many descriptors", what);
        if (!borrowed) close(host);
        return false;
    }
    w->fds[*guest].borrowed = borrowed;
    return true;
}

/* "Too many open files" says which limit: the process's or the system's. */
static void open_error(wasmrt_error *err, const char *what, const char *path, int e) {
    struct rlimit rl;
    if (e == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0)
        snprintf(err->message, sizeof err->message,
                 "wasi: %s '%s': the process's descriptor limit (RLIMIT_NOFILE, ulimit -n %llu) is reached",
                 what, path, (unsigned long long)rl.rlim_cur);
    else if (e == ENFILE)
        snprintf(err->message, sizeof err->message,
                 "wasi: %s '%s': the system's open-file limit (fs.file-max) is reached", what, path);
    else
        snprintf(err->message, sizeof err->message, "cannot preopen directory '%s': %s", path, strerror(e));
}

wasmrt_wasi *wasmrt_wasi_new(const wasmrt_wasi_config *c, wasmrt_error *err) {
    wasmrt_wasi *w = calloc(1, sizeof *w);
    if (!w) goto oom;
    rt_heap_object_new();   /* wasmrt_wasi_free, also on the failure paths below, counts it freed */
    w->max_fds = c->max_open_fds ? c->max_open_fds : 1024;
    if (w->max_fds < 3 + c->num_dirs) w->max_fds = 3 + c->num_dirs;
    w->argc = c->argc;
    w->envc = c->envc;
    if (!(w->argv = copy_strings(c->argv, c->argc, &w->argv_bytes))) goto oom;
    if (!(w->env = copy_strings(c->env, c->envc, &w->env_bytes))) goto oom;
    if (w->argv_bytes > UINT32_MAX || w->env_bytes > UINT32_MAX) {
        snprintf(err->message, sizeof err->message, "wasi: arguments or environment exceed 4 GiB");
        wasmrt_wasi_free(w);
        return NULL;
    }

    /* Guest fds 0..2 are always those numbers; a missing stream (-1) is a
     * closed slot so the guest sees EBADF for it. */
    const int stdio[3] = {c->stdin_fd, c->stdout_fd, c->stderr_fd};
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t got;
        if (stdio[i] < 0) {
            if (wasi_fd_insert(w, -1, WF_UNKNOWN, 0, 0, &got) != WE_SUCCESS) goto oom;
            continue;
        }
        if (!insert_host(w, stdio[i], true, "stdio", &got, err)) {
            wasmrt_wasi_free(w);
            return NULL;
        }
    }
    for (uint32_t i = 0; i < 3; i++)
        if (stdio[i] < 0) w->fds[i].used = false;

    for (uint32_t i = 0; i < c->num_dirs; i++) {
        const wasmrt_wasi_dir *d = &c->dirs[i];
        int h = open(d->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h < 0) {
            open_error(err, "cannot preopen directory", d->host_path, errno);
            wasmrt_wasi_free(w);
            return NULL;
        }
        uint32_t got;
        if (!insert_host(w, h, false, d->host_path, &got, err)) {
            wasmrt_wasi_free(w);
            return NULL;
        }
        w->fds[got].preopen = strdup(d->guest_path ? d->guest_path : d->host_path);
        if (!w->fds[got].preopen) goto oom;
    }
    return w;
oom:
    snprintf(err->message, sizeof err->message, "wasi: out of memory");
    wasmrt_wasi_free(w);
    return NULL;
}

bool wasmrt_wasi_insert_fd(wasmrt_wasi *w, int host_fd, uint32_t *guest_fd, wasmrt_error *err) {
    int h = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
    if (h < 0) {
        snprintf(err->message, sizeof err->message, "wasi: fd %d: %s", host_fd, strerror(errno));
        return false;
    }
    return insert_host(w, h, false, "inserted fd", guest_fd, err);
}

void wasmrt_wasi_free(wasmrt_wasi *w) {
    if (!w) return;
    for (uint32_t i = 0; i < w->nfds; i++) wasi_fd_release(&w->fds[i]);
    free(w->fds);
    if (w->argv)
        for (uint32_t i = 0; i < w->argc; i++) free(w->argv[i]);
    if (w->env)
        for (uint32_t i = 0; i < w->envc; i++) free(w->env[i]);
    free(w->argv);
    free(w->env);
    free(w);
    rt_heap_object_freed();
}
