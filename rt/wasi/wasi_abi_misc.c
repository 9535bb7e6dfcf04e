/* ABI layer, everything that is not a file: arguments, environment,
 * clocks, randomness, poll_oneoff, scheduling, signals and sockets.
 *
 * poll_oneoff waits with one ppoll over the descriptor subscriptions, its
 * timeout being the earliest clock subscription; regular files and
 * directories are always ready (as POSIX poll says), so they are answered
 * without waiting.  Clock subscriptions on CPU-time clocks have no
 * wall-clock deadline and are answered with ENOTSUP events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wasi_internal.h"

#define HOSTERR() wasi_errno_from_host(errno)

static uint16_t strings_get(const wasi_mem *m, char **v, uint32_t n, uint64_t bytes, u32 ptrs,
                            u32 buf) {
    if (!wasi_mem_ok(m, ptrs, 4ull * n) || !wasi_mem_ok(m, buf, bytes)) return WE_FAULT;
    uint64_t off = buf;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(m->base + off, v[i], len);
        wasi_st32(m, ptrs + 4ull * i, (uint32_t)off);
        off += len;
    }
    return WE_SUCCESS;
}

static uint16_t sizes_get(const wasi_mem *m, uint32_t n, uint64_t bytes, u32 a, u32 b) {
    if (!wasi_mem_ok(m, a, 4) || !wasi_mem_ok(m, b, 4)) return WE_FAULT;
    wasi_st32(m, a, n);
    wasi_st32(m, b, (uint32_t)bytes);
    return WE_SUCCESS;
}

WASI_ABI(args_get, u32 argv, u32 buf) { return strings_get(m, w->argv, w->argc, w->argv_bytes, argv, buf); }
WASI_ABI(args_sizes_get, u32 a, u32 b) { return sizes_get(m, w->argc, w->argv_bytes, a, b); }
WASI_ABI(environ_get, u32 env, u32 buf) { return strings_get(m, w->env, w->envc, w->env_bytes, env, buf); }
WASI_ABI(environ_sizes_get, u32 a, u32 b) { return sizes_get(m, w->envc, w->env_bytes, a, b); }

static bool host_clock(u32 id, clockid_t *c) {
    static const clockid_t map[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
                                    CLOCK_THREAD_CPUTIME_ID};
    if (id > 3) return false;
    *c = map[id];
    return true;
}

static uint64_t ns_of(struct timespec t) {
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

WASI_ABI(clock_res_get, u32 id, u32 out) {
    clockid_t c;
    if (!host_clock(id, &c)) return WE_INVAL;
    if (!wasi_mem_ok(m, out, 8)) return WE_FAULT;
    struct timespec t;
    if (clock_getres(c, &t)) return HOSTERR();
    wasi_st64(m, out, ns_of(t));
    return WE_SUCCESS;
}

WASI_ABI(clock_time_get, u32 id, u64 precision, u32 out) {
    clockid_t c;
    if (!host_clock(id, &c)) return WE_INVAL;
    if (!wasi_mem_ok(m, out, 8)) return WE_FAULT;
    struct timespec t;
    if (clock_gettime(c, &t)) return HOSTERR();
    wasi_st64(m, out, ns_of(t));
    return WE_SUCCESS;
}

WASI_ABI(random_get, u32 buf, u32 len) {
    if (!wasi_mem_ok(m, buf, len)) return WE_FAULT;
    uint64_t done = 0;
    while (done < len) {
        ssize_t r = getrandom(m->base + buf + done, len - done, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            return HOSTERR();
        }
        done += (uint64_t)r;
    }
    return WE_SUCCESS;
}

WASI_ABI(sched_yield) {
    sched_yield();
    return WE_SUCCESS;
}

/* Raising a signal in the host process would let the guest kill or stop
 * the embedder; preview1 allows an implementation to refuse. */
WASI_ABI(proc_raise, u32 sig) { return WE_NOSYS; }

/* ---- poll_oneoff ---------------------------------------------------------- */

enum { EV_CLOCK = 0, EV_FD_READ = 1, EV_FD_WRITE = 2 };

static void put_event(const wasi_mem *m, u32 out, uint32_t *nev, uint64_t userdata, uint16_t err,
                      uint8_t type, uint64_t nbytes, uint16_t flags) {
    uint64_t p = out + 32ull * (*nev)++;
    memset(m->base + p, 0, 32);
    wasi_st64(m, p, userdata);
    wasi_st16(m, p + 8, err);
    m->base[p + 10] = type;
    wasi_st64(m, p + 16, nbytes);
    wasi_st16(m, p + 24, flags);
}

WASI_ABI(poll_oneoff, u32 in, u32 out, u32 nsubs, u32 nevents_ptr) {
    /* The host keeps ~20 bytes per subscription; a cap keeps a hostile
     * count (up to 89 million fit in 4 GiB) from costing gigabytes. */
    if (nsubs == 0 || nsubs > (1u << 20)) return WE_INVAL;
    if (!wasi_mem_ok(m, in, 48ull * nsubs) || !wasi_mem_ok(m, out, 32ull * nsubs) ||
        !wasi_mem_ok(m, nevents_ptr, 4))
        return WE_FAULT;
    struct pollfd *pfd = calloc(nsubs, sizeof *pfd);
    uint32_t *pidx = calloc(nsubs, sizeof *pidx);
    uint64_t *deadline = calloc(nsubs, sizeof *deadline);  /* monotonic ns, or 0 = none */
    if (!pfd || !pidx || !deadline) {
        free(pfd), free(pidx), free(deadline);
        return WE_NOMEM;
    }
    uint32_t npfd = 0, nev = 0;
    struct timespec now_ts;
    clock_gettime(CLOCK_MONOTONIC, &now_ts);
    uint64_t now = ns_of(now_ts), earliest = UINT64_MAX;
    bool immediate = false;

    for (uint32_t i = 0; i < nsubs; i++) {
        uint64_t s = in + 48ull * i;
        uint64_t userdata = wasi_ld64(m, s);
        uint8_t tag = m->base[s + 8];
        if (tag == EV_CLOCK) {
            uint32_t id = wasi_ld32(m, s + 16);
            uint64_t timeout = wasi_ld64(m, s + 24);
            uint16_t flags = wasi_ld16(m, s + 40);
            uint64_t rel;
            if (id == 0 || id == 1) {
                if (flags & 1) {  /* absolute */
                    struct timespec t;
                    clock_gettime(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &t);
                    uint64_t cur = ns_of(t);
                    rel = timeout > cur ? timeout - cur : 0;
                } else {
                    rel = timeout;
                }
                uint64_t d = now + rel < now ? UINT64_MAX - 1 : now + rel;
                deadline[i] = d ? d : 1;
                if (d < earliest) earliest = d;
            } else {
                put_event(m, out, &nev, userdata, id <= 3 ? WE_NOTSUP : WE_INVAL, EV_CLOCK, 0, 0);
                immediate = true;
            }
        } else if (tag == EV_FD_READ || tag == EV_FD_WRITE) {
            uint32_t fd = wasi_ld32(m, s + 16);
            uint16_t e;
            wasi_fd *f = wasi_fd_get(w, fd, WR_POLL_FD_READWRITE, &e);
            if (!f) {
                put_event(m, out, &nev, userdata, e, tag, 0, 0);
                immediate = true;
                continue;
            }
            pfd[npfd].fd = f->host;
            pfd[npfd].events = tag == EV_FD_READ ? POLLIN : POLLOUT;
            pidx[npfd++] = i;
        } else {
            put_event(m, out, &nev, userdata, WE_INVAL, tag, 0, 0);
            immediate = true;
        }
    }

    /* Wait, unless something is already answered. */
    for (;;) {
        struct timespec ts, *tsp = NULL;
        if (immediate) {
            ts = (struct timespec){0, 0};
            tsp = &ts;
        } else if (earliest != UINT64_MAX) {
            clock_gettime(CLOCK_MONOTONIC, &now_ts);
            now = ns_of(now_ts);
            uint64_t rel = earliest > now ? earliest - now : 0;
            ts.tv_sec = (time_t)(rel / 1000000000ull);
            ts.tv_nsec = (long)(rel % 1000000000ull);
            tsp = &ts;
        }
        int r = ppoll(pfd, npfd, tsp, NULL);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            uint16_t e = HOSTERR();
            free(pfd), free(pidx), free(deadline);
            return e;
        }
        break;
    }

    clock_gettime(CLOCK_MONOTONIC, &now_ts);
    now = ns_of(now_ts);
    for (uint32_t j = 0; j < npfd; j++) {
        if (!pfd[j].revents) continue;
        uint64_t s = in + 48ull * pidx[j];
        uint8_t tag = m->base[s + 8];
        uint64_t nbytes = 0;
        uint16_t flags = (pfd[j].revents & POLLHUP) ? 1 : 0, err = 0;
        if (pfd[j].revents & POLLNVAL) err = WE_BADF;
        else if (pfd[j].revents & POLLERR) err = WE_IO;
        if (tag == EV_FD_READ && !err) {
            struct stat st;
            int avail = 0;
            if (fstat(pfd[j].fd, &st) == 0 && S_ISREG(st.st_mode)) {
                off_t pos = lseek(pfd[j].fd, 0, SEEK_CUR);
                nbytes = pos >= 0 && st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
            } else if (ioctl(pfd[j].fd, FIONREAD, &avail) == 0 && avail > 0) {
                nbytes = (uint64_t)avail;
            }
        }
        put_event(m, out, &nev, wasi_ld64(m, s), err, tag, nbytes, flags);
    }
    for (uint32_t i = 0; i < nsubs; i++)
        if (deadline[i] && deadline[i] <= now)
            put_event(m, out, &nev, wasi_ld64(m, in + 48ull * i), 0, EV_CLOCK, 0, 0);
    wasi_st32(m, nevents_ptr, nev);
    free(pfd), free(pidx), free(deadline);
    return WE_SUCCESS;
}

/* ---- Sockets (only ones the host handed in) ------------------------------- */

/* A socket descriptor with the rights `need`.  The type is checked before
 * the rights: a file lacks every socket right, and "not a socket" is the
 * answer POSIX programs expect (shutdown(2) on a file is ENOTSOCK). */
static wasi_fd *sock(wasmrt_wasi *w, u32 fd, uint64_t need, uint16_t *e) {
    wasi_fd *f = wasi_fd_get(w, fd, 0, e);
    if (!f) return NULL;
    if (f->type != WF_SOCKET_STREAM && f->type != WF_SOCKET_DGRAM) {
        *e = WE_NOTSOCK;
        return NULL;
    }
    return wasi_fd_get(w, fd, need, e);
}

WASI_ABI(sock_accept, u32 fd, u32 flags, u32 fd_out) {
    uint16_t e;
    wasi_fd *f = sock(w, fd, WR_SOCK_ACCEPT, &e);
    if (!f) return e;
    if (!wasi_mem_ok(m, fd_out, 4)) return WE_FAULT;
    if (flags & ~(u32)WFD_NONBLOCK) return WE_INVAL;
    int h = accept4(f->host, NULL, NULL, SOCK_CLOEXEC | ((flags & WFD_NONBLOCK) ? SOCK_NONBLOCK : 0));
    if (h < 0) return HOSTERR();
    uint32_t guest;
    e = wasi_fd_insert(w, h, WF_SOCKET_STREAM, WR_SOCKET & ~WR_SOCK_ACCEPT, 0, &guest);
    if (e) {
        close(h);
        return e;
    }
    wasi_st32(m, fd_out, guest);
    return WE_SUCCESS;
}

WASI_ABI(sock_recv, u32 fd, u32 iovs, u32 iovs_len, u32 riflags, u32 len_out, u32 flags_out) {
    uint16_t e;
    wasi_fd *f = sock(w, fd, WR_FD_READ, &e);
    if (!f) return e;
    if (!wasi_mem_ok(m, len_out, 4) || !wasi_mem_ok(m, flags_out, 2)) return WE_FAULT;
    if (riflags & ~3u) return WE_INVAL;
    struct iovec *iov = malloc(sizeof *iov * WASI_IOV_MAX);
    if (!iov) return WE_NOMEM;
    int n = 0;
    if ((e = wasi_iovecs(m, iovs, iovs_len, iov, &n))) {
        free(iov);
        return e;
    }
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    int fl = ((riflags & 1) ? MSG_PEEK : 0) | ((riflags & 2) ? MSG_WAITALL : 0);
    ssize_t r = recvmsg(f->host, &msg, fl);
    free(iov);
    if (r < 0) return HOSTERR();
    wasi_st32(m, len_out, (uint32_t)r);
    wasi_st16(m, flags_out, (msg.msg_flags & MSG_TRUNC) ? 1 : 0);
    return WE_SUCCESS;
}

WASI_ABI(sock_send, u32 fd, u32 iovs, u32 iovs_len, u32 siflags, u32 len_out) {
    uint16_t e;
    wasi_fd *f = sock(w, fd, WR_FD_WRITE, &e);
    if (!f) return e;
    if (!wasi_mem_ok(m, len_out, 4)) return WE_FAULT;
    if (siflags) return WE_INVAL;
    struct iovec *iov = malloc(sizeof *iov * WASI_IOV_MAX);
    if (!iov) return WE_NOMEM;
    int n = 0;
    if ((e = wasi_iovecs(m, iovs, iovs_len, iov, &n))) {
        free(iov);
        return e;
    }
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    /* MSG_NOSIGNAL: a closed peer is EPIPE for the guest, not SIGPIPE for us. */
    ssize_t r = sendmsg(f->host, &msg, MSG_NOSIGNAL);
    free(iov);
    if (r < 0) return HOSTERR();
    wasi_st32(m, len_out, (uint32_t)r);
    return WE_SUCCESS;
}

WASI_ABI(sock_shutdown, u32 fd, u32 how) {
    uint16_t e;
    wasi_fd *f = sock(w, fd, WR_SOCK_SHUTDOWN, &e);
    if (!f) return e;
    int h;
    switch (how) {
    case 1: h = SHUT_RD; break;
    case 2: h = SHUT_WR; break;
    case 3: h = SHUT_RDWR; break;
    default: return WE_INVAL;
    }
    return shutdown(f->host, h) ? HOSTERR() : WE_SUCCESS;
}
