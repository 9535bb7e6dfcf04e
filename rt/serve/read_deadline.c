/* --read-timeout: a connection gets that long to deliver each request
 * (line, headers and body), counted from when the server starts waiting
 * for it: the connection's start, or the end of its previous response.
 * libmicrohttpd's own timeout only closes a connection that sends nothing
 * for --idle-timeout, which a slow client (slowloris) never is: one byte
 * now and then keeps it open forever, holding a connection slot.
 *
 * The server's main thread sweeps the open connections a few times a
 * second and shuts down the socket of one past its deadline; the library
 * then sees the end of the stream and closes it, the request unanswered
 * and no instance ever made for it (the guest runs only once a request is
 * complete).  A connection's entry leaves the list, under the list's lock,
 * before the library closes its descriptor, so a sweep never touches a
 * descriptor that was closed and reused.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "serve.h"

struct serve_conn {
    serve_conn *next, *prev;
    int fd;
    bool shut;
    _Atomic uint64_t waiting_since_ns;   /* 0: not waiting for a request (the guest runs,
                                            or the response is being sent) */
};

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static serve_conn *conns;

static uint64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

serve_conn *serve_conn_open(int fd) {
    serve_conn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    atomic_store(&c->waiting_since_ns, mono_ns());
    pthread_mutex_lock(&conns_lock);
    c->next = conns;
    if (conns) conns->prev = c;
    conns = c;
    pthread_mutex_unlock(&conns_lock);
    return c;
}

void serve_conn_close(serve_conn *c) {
    if (!c) return;
    pthread_mutex_lock(&conns_lock);
    if (c->prev) c->prev->next = c->next;
    else conns = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&conns_lock);
    free(c);
}

void serve_conn_waiting(serve_conn *c, bool waiting) {
    if (c) atomic_store(&c->waiting_since_ns, waiting ? mono_ns() : 0);
}

unsigned serve_conn_sweep(double read_timeout_s) {
    uint64_t now = mono_ns(), limit = (uint64_t)(read_timeout_s * 1e9);
    unsigned closed = 0;
    pthread_mutex_lock(&conns_lock);
    for (serve_conn *c = conns; c; c = c->next) {
        uint64_t since = atomic_load(&c->waiting_since_ns);
        /* since may be later than now: set by a worker after now was read */
        if (c->shut || !since || since >= now || now - since <= limit) continue;
        c->shut = true;
        /* counted before the client can see the close and ask /metrics */
        atomic_fetch_add(&serve_stats.read_timeouts, 1);
        shutdown(c->fd, SHUT_RDWR);
        closed++;
    }
    pthread_mutex_unlock(&conns_lock);
    return closed;
}
