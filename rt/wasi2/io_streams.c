/* wasi:io/streams and wasi:io/error.
 *
 * Input streams read a file at their own offset (pread), or a pipe, tty or
 * socket through its fd; "non-blocking" reads ask poll() first, so the
 * host never changes a shared descriptor to O_NONBLOCK (stdin may be the
 * embedder's terminal).
 *
 * Output streams to pipes, FIFOs, terminals and sockets keep the bytes the
 * fd has not taken (OUT_PIPE, OUT_SOCKET): check-write answers 0 while any
 * are pending, and the stream's pollable turns ready once they drain — the
 * back-pressure the WIT asks for.  Regular files are written at once: the
 * kernel never makes a file writer wait for a reader.  A write larger than
 * the last check-write permitted traps, as the WIT says it must.  HTTP
 * bodies (IN_BODY, OUT_BODY) are host memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_internal.h"

/* The most one read returns and one check-write permits: a list<u8> is a
 * host value per byte. */
#define CHUNK (64u << 10)
/* blocking-write-and-flush and blocking-write-zeroes-and-flush take at
 * most this many bytes (WIT: "up to 4096"). */
#define BLOCKING_MAX 4096u

uint32_t w2_new_input(wasmrt_wasi2 *w, int fd, uint8_t src, uint64_t off) {
    uint32_t rep = w2_new(w, W2_INSTREAM, fd);
    if (rep) {
        w2_obj *o = w2_at(w, rep);
        o->u.in.src = src;
        o->u.in.off = off;
    }
    return rep;
}

uint32_t w2_new_output(wasmrt_wasi2 *w, int fd, uint8_t dst, uint64_t off, bool append) {
    uint32_t rep = w2_new(w, W2_OUTSTREAM, fd);
    if (rep) {
        w2_obj *o = w2_at(w, rep);
        o->u.out.dst = dst;
        o->u.out.off = off;
        o->u.out.append = append;
    }
    return rep;
}

static bool wait_fd(int fd, short ev, int timeout) {
    struct pollfd p = {fd, ev, 0};
    for (;;) {
        int n = poll(&p, 1, timeout);
        if (n < 0 && errno == EINTR) continue;
        return n > 0;
    }
}

/* ---- input ------------------------------------------------------------------ */

/* Reads up to len bytes into buf: >0 bytes, 0 nothing available now, -1
 * closed (end of stream), -2 failed (*e).  block: wait for a byte first. */
static ssize_t in_read_raw(w2_obj *o, uint8_t *buf, size_t len, bool block, int *e) {
    if (o->u.in.closed || o->u.in.src == IN_EMPTY) return -1;
    if (len == 0) return 0;
    if (o->u.in.src == IN_BODY) {
        /* A shared body (a request still arriving) may have no bytes yet:
         * blocking reads wait for them (the server's --read-timeout bounds
         * the wait: a stalled client is cut off, and the body aborted). */
        w2_body *b = o->u.in.body;
        w2_body_lock(b);
        while (b->sync && block && o->u.in.off >= b->n && !b->finished && !b->aborted)
            pthread_cond_wait(&b->sync->more, &b->sync->mu);
        ssize_t r;
        if (o->u.in.off < b->n) {
            size_t k = b->n - (size_t)o->u.in.off < len ? b->n - (size_t)o->u.in.off : len;
            memcpy(buf, b->data + o->u.in.off, k);
            o->u.in.off += k;
            r = (ssize_t)k;
        } else if (b->aborted) {
            *e = ECONNRESET;
            o->u.in.closed = true;
            r = -2;
        } else if (b->finished || !b->sync) {
            o->u.in.closed = true;
            r = -1;
        } else {
            r = 0;
        }
        w2_body_unlock(b, false);
        return r;
    }
    ssize_t n;
    for (;;) {
        if (o->u.in.src == IN_FILE) {
            n = pread(o->fd, buf, len, (off_t)o->u.in.off);
        } else {
            if (!wait_fd(o->fd, POLLIN, block ? -1 : 0)) return 0;
            n = o->u.in.src == IN_SOCKET ? recv(o->fd, buf, len, MSG_DONTWAIT) : read(o->fd, buf, len);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (block) continue;
                return 0;
            }
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    if (n < 0) {
        *e = errno;
        o->u.in.closed = true;
        return -2;
    }
    if (n == 0) {
        o->u.in.closed = true;
        return -1;
    }
    if (o->u.in.src == IN_FILE) o->u.in.off += (uint64_t)n;
    return n;
}

static bool in_read(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, bool block, bool skip) {
    w2_obj *o = w2_get(w, &a[0], W2_INSTREAM, err);
    if (!o) return false;
    uint64_t len = a[1].of.u < CHUNK ? a[1].of.u : CHUNK;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return w2_trap(err, "out of memory");
    int e = 0;
    ssize_t n = in_read_raw(o, buf, len, block, &e);
    if (n == -1) *r = w2_stream_closed();
    else if (n == -2) *r = w2_stream_failed(w, e);
    else if (skip) {
        cval v = w2_u64((uint64_t)n);
        *r = w2_ok(&v);
    } else {
        cval v = w2_bytes(buf, (size_t)n);
        *r = w2_ok(&v);
    }
    free(buf);
    return true;
}

bool io_in_read(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return in_read(w, a, r, err, false, false);
}
bool io_in_blocking_read(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return in_read(w, a, r, err, true, false);
}
bool io_in_skip(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return in_read(w, a, r, err, false, true);
}
bool io_in_blocking_skip(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return in_read(w, a, r, err, true, true);
}

static bool subscribe(wasmrt_wasi2 *w, const cval *a, uint8_t kind, uint8_t sub, cval *r,
                      wasmrt_error *err) {
    if (!w2_get(w, &a[0], kind, err)) return false;
    uint32_t rep = w2_new_pollable(w, POLL_PARENT, 0, a[0].of.handle, sub);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

bool io_in_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return subscribe(w, a, W2_INSTREAM, SUB_READ, r, err);
}

/* ---- output ------------------------------------------------------------------ */

static bool buffered(const w2_obj *o) {
    return o->u.out.dst == OUT_PIPE || o->u.out.dst == OUT_SOCKET;
}

/* Hands pending bytes to the fd: all of them when block, else what it
 * takes now.  Returns false when a write failed (last_errno set). */
bool w2_out_drain(w2_obj *o, bool block) {
    while (o->u.out.npend > 0 && !o->u.out.last_errno) {
        ssize_t n;
        if (o->u.out.dst == OUT_SOCKET) {
            n = send(o->fd, o->u.out.pend, o->u.out.npend, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            /* POLLOUT on a pipe means a page is free: a write of at most
             * PIPE_BUF then neither blocks nor splits. */
            if (!wait_fd(o->fd, POLLOUT, block ? -1 : 0)) return true;
            size_t k = o->u.out.npend < PIPE_BUF ? o->u.out.npend : PIPE_BUF;
            n = write(o->fd, o->u.out.pend, k);
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!block) return true;
                wait_fd(o->fd, POLLOUT, -1);
                continue;
            }
            o->u.out.last_errno = errno;
            return false;
        }
        memmove(o->u.out.pend, o->u.out.pend + n, o->u.out.npend - (size_t)n);
        o->u.out.npend -= (size_t)n;
    }
    return !o->u.out.last_errno;
}

/* Writes buf now (files, ttys) or queues it and drains what the fd takes. */
static int out_put(w2_obj *o, const uint8_t *buf, size_t n) {
    if (o->u.out.dst == OUT_BODY) return w2_body_append(o->u.out.body, buf, n) ? 0 : EFBIG;
    if (buffered(o)) {
        uint8_t *p = realloc(o->u.out.pend, o->u.out.npend + n + 1);
        if (!p) return ENOMEM;
        o->u.out.pend = p;
        memcpy(p + o->u.out.npend, buf, n);
        o->u.out.npend += n;
        return w2_out_drain(o, false) ? 0 : o->u.out.last_errno;
    }
    while (n > 0) {
        ssize_t k;
        if (o->u.out.dst == OUT_FILE) {
            uint64_t at = o->u.out.off;
            if (o->u.out.append) {
                struct stat st;
                if (fstat(o->fd, &st)) return errno;
                at = (uint64_t)st.st_size;
            }
            k = pwrite(o->fd, buf, n, (off_t)at);
            if (k > 0 && !o->u.out.append) o->u.out.off += (uint64_t)k;
        } else {
            k = write(o->fd, buf, n);
        }
        if (k < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        if (k == 0) return EIO;
        buf += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The stream's state as an error result, or false when it can go on. */
static bool out_broken(wasmrt_wasi2 *w, w2_obj *o, cval *r) {
    if (o->u.out.closed) {
        *r = w2_stream_closed();
        return true;
    }
    if (o->u.out.last_errno) {
        int e = o->u.out.last_errno;
        o->u.out.last_errno = 0;
        o->u.out.closed = true;
        *r = w2_stream_failed(w, e);
        return true;
    }
    return false;
}

static uint64_t permit_now(w2_obj *o) {
    if (!buffered(o)) return CHUNK;
    w2_out_drain(o, false);
    return o->u.out.npend ? 0 : CHUNK;
}

bool io_out_check_write(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = w2_get(w, &a[0], W2_OUTSTREAM, err);
    if (!o) return false;
    uint64_t p = permit_now(o);
    if (out_broken(w, o, r)) return true;
    o->u.out.permit = p;
    cval v = w2_u64(p);
    *r = w2_ok(&v);
    return true;
}

/* write / write-zeroes: within the permit, else a trap. */
static bool out_write(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, const uint8_t *buf,
                      uint64_t n, bool blocking) {
    w2_obj *o = w2_get(w, &a[0], W2_OUTSTREAM, err);
    if (!o) return false;
    if (blocking) {
        if (n > BLOCKING_MAX)
            return w2_trap(err, "blocking write of %llu bytes (at most %u)", (unsigned long long)n,
                           BLOCKING_MAX);
    } else {
        if (n > o->u.out.permit)
            return w2_trap(err, "write of %llu bytes, but check-write permitted %llu",
                           (unsigned long long)n, (unsigned long long)o->u.out.permit);
        o->u.out.permit -= n;
    }
    if (out_broken(w, o, r)) return true;
    int e = out_put(o, buf, n);
    if (!e && blocking && !w2_out_drain(o, true)) e = o->u.out.last_errno;
    if (e) {
        o->u.out.last_errno = 0;
        o->u.out.closed = true;
        *r = w2_stream_failed(w, e);
    } else {
        *r = w2_ok(NULL);
    }
    return true;
}

bool io_out_write(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    size_t n;
    uint8_t *buf = w2_list_bytes(&a[1], &n, err);
    if (!buf) return false;
    bool ok = out_write(w, a, r, err, buf, n, false);
    free(buf);
    return ok;
}

bool io_out_blocking_write_and_flush(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    size_t n;
    uint8_t *buf = w2_list_bytes(&a[1], &n, err);
    if (!buf) return false;
    bool ok = out_write(w, a, r, err, buf, n, true);
    free(buf);
    return ok;
}

static bool zeroes(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, bool blocking) {
    uint64_t n = a[1].of.u;
    if (n > CHUNK && !blocking) {
        /* more than any permit: the permit check below traps */
        w2_obj *o = w2_get(w, &a[0], W2_OUTSTREAM, err);
        if (!o) return false;
        return w2_trap(err, "write-zeroes of %llu bytes, but check-write permitted %llu",
                       (unsigned long long)n, (unsigned long long)o->u.out.permit);
    }
    uint8_t *buf = calloc(1, n ? n : 1);
    if (!buf) return w2_trap(err, "out of memory");
    bool ok = out_write(w, a, r, err, buf, n, blocking);
    free(buf);
    return ok;
}

bool io_out_write_zeroes(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return zeroes(w, a, r, err, false);
}
bool io_out_blocking_write_zeroes_and_flush(wasmrt_wasi2 *w, const cval *a, cval *r,
                                            wasmrt_error *err) {
    return zeroes(w, a, r, err, true);
}

static bool flush(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, bool block) {
    w2_obj *o = w2_get(w, &a[0], W2_OUTSTREAM, err);
    if (!o) return false;
    if (out_broken(w, o, r)) return true;
    if (buffered(o)) w2_out_drain(o, block);
    if (!out_broken(w, o, r)) *r = w2_ok(NULL);
    return true;
}

bool io_out_flush(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return flush(w, a, r, err, false);
}
bool io_out_blocking_flush(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return flush(w, a, r, err, true);
}

bool io_out_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return subscribe(w, a, W2_OUTSTREAM, SUB_WRITE, r, err);
}

static bool splice(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, bool block) {
    w2_obj *o = w2_get(w, &a[0], W2_OUTSTREAM, err);
    w2_obj *in = o ? w2_get(w, &a[1], W2_INSTREAM, err) : NULL;
    if (!in) return false;
    if (out_broken(w, o, r)) return true;
    if (block && buffered(o)) w2_out_drain(o, true);
    uint64_t n = permit_now(o);
    if (out_broken(w, o, r)) return true;
    if (a[2].of.u < n) n = a[2].of.u;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) return w2_trap(err, "out of memory");
    int e = 0;
    ssize_t got = in_read_raw(in, buf, n, block && n > 0, &e);
    if (got == -1) *r = w2_stream_closed();
    else if (got == -2) *r = w2_stream_failed(w, e);
    else if (got > 0 && (e = out_put(o, buf, (size_t)got)) != 0) {
        o->u.out.closed = true;
        *r = w2_stream_failed(w, e);
    } else {
        cval v = w2_u64((uint64_t)got);
        *r = w2_ok(&v);
    }
    free(buf);
    return true;
}

bool io_out_splice(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return splice(w, a, r, err, false);
}
bool io_out_blocking_splice(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return splice(w, a, r, err, true);
}

/* ---- wasi:io/error -------------------------------------------------------------- */

bool io_error_to_debug_string(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = w2_get(w, &a[0], W2_ERROR, err);
    if (!o) return false;
    char buf[128];
    int n = snprintf(buf, sizeof buf, "%s (errno %d)", strerror(o->u.error.err), o->u.error.err);
    *r = w2_string(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    return true;
}
