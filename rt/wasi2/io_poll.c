/* wasi:io/poll: pollables over timers, streams and sockets.
 *
 * A pollable made by subscribe names its parent by rep and generation, so
 * it never outlives what it watches: once the parent is dropped (and its
 * slot perhaps reused) the pollable is simply ready.  poll() asks each
 * pollable whether it is ready now; if none is, it sleeps in one ppoll over
 * every fd they wait on, bounded by the earliest timer, and asks again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>

#include "http_internal.h"

/* poll() over more pollables than this traps (each is one host pollfd). */
#define MAX_POLL 65536u
/* A request body still arriving (wasmrt serve --stream) has no fd to wait
 * on: a poll waiting for it looks again this often. */
#define BODY_RECHECK_NS 2000000u

uint32_t w2_new_pollable(wasmrt_wasi2 *w, uint8_t what, uint64_t deadline, uint32_t parent,
                         uint8_t sub) {
    uint32_t rep = w2_new(w, W2_POLLABLE, -1);
    if (rep) {
        w2_obj *o = w2_at(w, rep);
        o->u.poll.what = what;
        o->u.poll.deadline = deadline;
        o->u.poll.sub = sub;
        o->u.poll.parent = parent;
        w2_obj *p = parent ? w2_at(w, parent) : NULL;
        o->u.poll.parent_gen = p ? p->gen : 0;
    }
    return rep;
}

static bool fd_ready(int fd, short ev) {
    struct pollfd p = {fd, ev, 0};
    return poll(&p, 1, 0) > 0;
}

/* Ready now?  If not, *pfd (fd < 0: none) or *deadline says what to wait for. */
static bool ready(wasmrt_wasi2 *w, w2_obj *p, struct pollfd *pfd, uint64_t *deadline) {
    pfd->fd = -1;
    pfd->events = 0;
    if (p->u.poll.what == POLL_READY) return true;
    if (p->u.poll.what == POLL_TIMER) {
        if (w2_now_ns() >= p->u.poll.deadline) return true;
        if (p->u.poll.deadline < *deadline) *deadline = p->u.poll.deadline;
        return false;
    }
    w2_obj *o = w2_at(w, p->u.poll.parent);
    if (!o || o->gen != p->u.poll.parent_gen) return true;
    short ev = 0;
    int fd = o->fd;
    switch (o->kind) {
    case W2_INSTREAM:
        if (o->u.in.src == IN_BODY && !o->u.in.closed && o->u.in.body->sync) {
            w2_body *b = o->u.in.body;
            w2_body_lock(b);
            bool now = o->u.in.off < b->n || b->finished || b->aborted;
            w2_body_unlock(b, false);
            if (!now) {
                uint64_t again = w2_now_ns() + BODY_RECHECK_NS;
                if (again < *deadline) *deadline = again;
            }
            return now;
        }
        if (o->u.in.closed || o->u.in.src == IN_FILE || o->u.in.src == IN_EMPTY || o->u.in.src == IN_BODY)
            return true;
        ev = POLLIN;
        break;
    case W2_OUTSTREAM:
        if (o->u.out.closed || o->u.out.last_errno) return true;
        if (o->u.out.dst != OUT_PIPE && o->u.out.dst != OUT_SOCKET) return true;
        w2_out_drain(o, false);
        if (o->u.out.npend == 0 || o->u.out.last_errno) return true;
        ev = POLLOUT;
        break;
    case W2_TCP:
        if (o->u.tcp.state == TCP_LISTENING) ev = POLLIN;
        else if (o->u.tcp.state == TCP_CONNECTING) ev = POLLOUT;
        else return true;
        break;
    case W2_IN_DGRAM:
    case W2_OUT_DGRAM: {
        w2_obj *s = w2_at(w, o->u.udp.parent);
        if (!s || s->kind != W2_UDP) return true;
        fd = s->fd;
        ev = o->kind == W2_IN_DGRAM ? POLLIN : POLLOUT;
        break;
    }
    default: return true;  /* udp-socket, resolve-address-stream: nothing pending */
    }
    if (fd < 0 || fd_ready(fd, ev)) return true;
    pfd->fd = fd;
    pfd->events = ev;
    return false;
}

/* Waits until one of reps[0..n) is ready; marks which in rdy. */
static void wait_any(wasmrt_wasi2 *w, const uint32_t *reps, uint32_t n, bool *rdy, uint32_t *nrdy) {
    struct pollfd *pfds = calloc(n ? n : 1, sizeof *pfds);
    for (;;) {
        uint64_t deadline = UINT64_MAX;
        uint32_t nfd = 0;
        *nrdy = 0;
        for (uint32_t i = 0; i < n; i++) {
            struct pollfd pf;
            rdy[i] = ready(w, w2_at(w, reps[i]), &pf, &deadline);
            if (rdy[i]) (*nrdy)++;
            else if (pf.fd >= 0 && pfds) pfds[nfd++] = pf;
        }
        if (*nrdy) break;
        struct timespec ts, *tsp = NULL;
        if (deadline != UINT64_MAX) {
            uint64_t now = w2_now_ns(), d = deadline > now ? deadline - now : 0;
            ts.tv_sec = (time_t)(d / 1000000000u);
            ts.tv_nsec = (long)(d % 1000000000u);
            tsp = &ts;
        }
        /* Nothing to wait for at all cannot happen: every pollable is ready,
         * a timer, or an fd.  A failed calloc waits on timers alone. */
        if (ppoll(pfds, nfd, tsp, NULL) < 0 && errno != EINTR) break;
    }
    free(pfds);
}

void w2_block_on(wasmrt_wasi2 *w, uint32_t rep) {
    bool rdy;
    uint32_t n;
    wait_any(w, &rep, 1, &rdy, &n);
}

bool io_pollable_ready(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *p = w2_get(w, &a[0], W2_POLLABLE, err);
    if (!p) return false;
    struct pollfd pf;
    uint64_t deadline = UINT64_MAX;
    *r = w2_bool(ready(w, p, &pf, &deadline));
    return true;
}

bool io_pollable_block(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)r;
    if (!w2_get(w, &a[0], W2_POLLABLE, err)) return false;
    w2_block_on(w, a[0].of.handle);
    return true;
}

bool io_poll(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    size_t n = a[0].of.list.len;
    if (n == 0) return w2_trap(err, "poll: the list of pollables is empty");
    if (n > MAX_POLL) return w2_trap(err, "poll: %zu pollables (at most %u)", n, MAX_POLL);
    uint32_t *reps = malloc(n * sizeof *reps);
    bool *rdy = malloc(n * sizeof *rdy);
    if (!reps || !rdy) {
        free(reps);
        free(rdy);
        return w2_trap(err, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const cval *h = &a[0].of.list.items[i];
        if (h->kind != WASMC_CVAL_BORROW || !w2_get(w, h, W2_POLLABLE, err)) {
            free(reps);
            free(rdy);
            if (h->kind != WASMC_CVAL_BORROW) w2_trap(err, "poll: element %zu is not a borrow", i);
            return false;
        }
        reps[i] = h->of.handle;
    }
    uint32_t nrdy;
    wait_any(w, reps, (uint32_t)n, rdy, &nrdy);
    cval *items = w2_alloc(nrdy * sizeof *items);
    uint32_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (rdy[i]) items[k++] = w2_u32((uint32_t)i);
    *r = w2_list(items, k);
    free(reps);
    free(rdy);
    return true;
}
