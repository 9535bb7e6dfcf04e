/* wasmrt serve --stream: the guest runs on a thread of its own, started
 * as soon as a request's headers are in, so that
 *   - the request body reaches it as it arrives (its blocking reads wait
 *     for the bytes: a shared wasmrt_http_body the server appends to), and
 *   - its response goes out as it writes it: once the request is read and
 *     the guest has set its response, libmicrohttpd sends the head and then
 *     pulls the body through a callback, chunked, suspending the
 *     connection while the guest has written nothing new and resuming it
 *     when it does (the body's notify), the trailers after the last chunk.
 * The default (no --stream) runs the guest on the thread that read the
 * request, once it is all read, and sends the response when handle
 * returns: no hand-off, which is what small requests want.
 *
 * libmicrohttpd lets a response be queued only before the body is read or
 * after all of it is, so a streamed response starts when the request's
 * body has arrived (or the guest never reads it).
 *
 * One exchange (sx) is shared by the connection's side and the guest's
 * thread, reference counted; c (the connection) is touched by the guest's
 * thread only to resume it, under sx->mu, while it is suspended (a
 * suspended connection is never closed under us; at shutdown the library
 * resumes and closes it, and request_done then marks it gone). */
#define _GNU_SOURCE
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mhd.h"
#include "serve.h"

struct serve_sx {
    pthread_mutex_t mu;
    atomic_int refs;
    const serve_config *cfg;
    const serve_route *route;
    struct MHD_Connection *c;
    bool suspended, conn_gone;
    /* the request, copied: the connection's strings may not outlive a suspension */
    char *method, *uri, *authority;
    wasmrt_http_header *headers;
    size_t num_headers;
    char *header_bytes;
    wasmrt_http_body *req_body;
    /* the response */
    bool head_set, guest_done, queued;
    unsigned status;
    wasmrt_http_header *resp_headers;   /* copies, in resp_bytes */
    size_t num_resp_headers;
    char *resp_bytes;
    wasmrt_http_body *resp_body;        /* NULL: empty */
    char why[600];                      /* the guest failed before setting a response */
    bool trapped, timed_out;
    uint64_t start_ns;
    size_t sent;
    serve_sx *next_job;
    serve_sx *live_next, *live_prev;
};

/* ---- the guest threads and their queue ---------------------------------------- */

static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t jobs_cv = PTHREAD_COND_INITIALIZER;
static serve_sx *jobs_head, *jobs_tail;
static bool jobs_stop;
static pthread_t *threads;
static uint32_t num_threads;
/* Every exchange the connections' side holds, to resume the suspended
 * ones at shutdown (the library must not stop with any suspended). */
static pthread_mutex_t live_mu = PTHREAD_MUTEX_INITIALIZER;
static serve_sx *live;
static atomic_bool stopping;

static uint64_t mono_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void sx_unref(void *p) {
    serve_sx *x = p;
    if (atomic_fetch_sub(&x->refs, 1) != 1) return;
    wasmrt_http_body_free(x->req_body);
    wasmrt_http_body_free(x->resp_body);
    free(x->method);
    free(x->uri);
    free(x->authority);
    free(x->headers);
    free(x->header_bytes);
    free(x->resp_headers);
    free(x->resp_bytes);
    pthread_mutex_destroy(&x->mu);
    free(x);
}

/* Under x->mu: let the library go on with a connection waiting on us. */
static void wake_locked(serve_sx *x) {
    if (x->suspended && !x->conn_gone) {
        x->suspended = false;
        mhd.MHD_resume_connection(x->c);
    }
}

static void wake(void *p) {
    serve_sx *x = p;
    pthread_mutex_lock(&x->mu);
    wake_locked(x);
    pthread_mutex_unlock(&x->mu);
}

/* Copies n headers (name and value bytes) into one block. */
static bool copy_headers(const wasmrt_http_header *hs, size_t n, wasmrt_http_header **out, char **bytes) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += hs[i].name_len + hs[i].value_len + 2;
    *out = n ? calloc(n, sizeof **out) : NULL;
    *bytes = malloc(total ? total : 1);
    if ((n && !*out) || !*bytes) return false;
    char *p = *bytes;
    for (size_t i = 0; i < n; i++) {
        memcpy(p, hs[i].name, hs[i].name_len);
        p[hs[i].name_len] = 0;
        char *v = p + hs[i].name_len + 1;
        memcpy(v, hs[i].value, hs[i].value_len);
        v[hs[i].value_len] = 0;
        (*out)[i] = (wasmrt_http_header){p, hs[i].name_len, (const uint8_t *)v, hs[i].value_len};
        p = v + hs[i].value_len + 1;
    }
    return true;
}

/* On the guest's thread, inside response-outparam.set. */
static void on_set(wasmrt_wasi2 *w2, void *env) {
    serve_sx *x = env;
    wasmrt_http_response head;
    wasmrt_http_body *body = NULL;
    wasmrt_error err = {{0}};
    pthread_mutex_lock(&x->mu);
    bool ok = wasmrt_wasi2_http_response_head(w2, &head, &body, wake, x, &err) &&
              copy_headers(head.headers, head.num_headers, &x->resp_headers, &x->resp_bytes);
    if (ok) {
        x->status = head.status;
        x->num_resp_headers = head.num_headers;
        x->resp_body = body;
        x->head_set = true;
        wake_locked(x);
    } else {
        wasmrt_http_body_free(body);
        snprintf(x->why, sizeof x->why, "%s", err.message[0] ? err.message : "out of memory");
    }
    pthread_mutex_unlock(&x->mu);
}

static void on_done(const serve_result *res, void *env) {
    serve_sx *x = env;
    pthread_mutex_lock(&x->mu);
    if (!x->head_set && res->error) snprintf(x->why, sizeof x->why, "%s", res->error);
    x->trapped = res->trapped;
    x->timed_out = res->timed_out;
    /* a body left unfinished (a trap, a return without finish) never
     * finishes: the reader sees the guest done and ends the stream with
     * an error, which closes the connection mid-body */
    x->guest_done = true;
    wake_locked(x);
    pthread_mutex_unlock(&x->mu);
}

static void run(serve_sx *x) {
    wasmrt_http_request req = {
        .method = x->method,
        .path_with_query = x->uri,
        .scheme = "http",
        .authority = x->authority,
        .headers = x->headers,
        .num_headers = x->num_headers,
        .body = x->req_body,
    };
    serve_handle(x->cfg, x->route, &req, on_set, on_done, x);
}

static void *guest_thread(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&jobs_mu);
        while (!jobs_head && !jobs_stop) pthread_cond_wait(&jobs_cv, &jobs_mu);
        serve_sx *x = jobs_head;
        if (x) {
            jobs_head = x->next_job;
            if (!jobs_head) jobs_tail = NULL;
        }
        pthread_mutex_unlock(&jobs_mu);
        if (!x) return NULL;
        run(x);
        sx_unref(x);
    }
}

bool serve_stream_start(const serve_config *cfg, wasmrt_error *err) {
    threads = calloc(cfg->workers, sizeof *threads);
    if (!threads) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return false;
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, (size_t)8 << 20);   /* as the server's threads: guests run here */
    for (; num_threads < cfg->workers; num_threads++)
        if (pthread_create(&threads[num_threads], &attr, guest_thread, NULL) != 0) {
            pthread_attr_destroy(&attr);
            snprintf(err->message, sizeof err->message, "cannot start the --stream guest threads");
            return false;
        }
    pthread_attr_destroy(&attr);
    return true;
}

/* Not joined: a guest still running (no --timeout) would hold the exit;
 * the process ends with them. */
void serve_stream_stop(void) {
    pthread_mutex_lock(&jobs_mu);
    jobs_stop = true;
    pthread_cond_broadcast(&jobs_cv);
    pthread_mutex_unlock(&jobs_mu);
}

/* ---- the connection's side ---------------------------------------------------- */

typedef struct header_copy {
    wasmrt_http_header v[128];
    size_t n;
    const char *host;
    bool overflow;
} header_copy;

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value,
                               size_t value_size) {
    (void)kind;
    header_copy *h = cls;
    if (h->n == sizeof h->v / sizeof h->v[0]) {
        h->overflow = true;
        return MHD_NO;
    }
    h->v[h->n++] = (wasmrt_http_header){key, key_size, (const uint8_t *)(value ? value : ""), value ? value_size : 0};
    return MHD_YES;
}

serve_sx *serve_stream_begin(const serve_config *cfg, const serve_route *route, struct MHD_Connection *c,
                             const char *method, const char *uri) {
    serve_sx *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    pthread_mutex_init(&x->mu, NULL);
    atomic_init(&x->refs, 2);   /* the request's, the job's */
    x->cfg = cfg;
    x->route = route;
    x->c = c;
    x->start_ns = mono_ns();
    header_copy *hc = malloc(sizeof *hc);
    const char *host = mhd.MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    bool ok = hc && (x->method = strdup(method)) && (x->uri = strdup(uri)) &&
              (!host || (x->authority = strdup(host))) && (x->req_body = wasmrt_http_body_new()) &&
              wasmrt_http_body_share(x->req_body, NULL, NULL);
    if (ok) {
        hc->n = 0;
        hc->overflow = false;
        mhd.MHD_get_connection_values_n(c, MHD_HEADER_KIND, collect, hc);
        ok = !hc->overflow && copy_headers(hc->v, hc->n, &x->headers, &x->header_bytes);
        x->num_headers = hc->n;
    }
    free(hc);
    if (!ok) {
        atomic_store(&x->refs, 1);
        sx_unref(x);
        return NULL;
    }
    pthread_mutex_lock(&live_mu);
    x->live_next = live;
    if (live) live->live_prev = x;
    live = x;
    pthread_mutex_unlock(&live_mu);
    pthread_mutex_lock(&jobs_mu);
    if (jobs_tail) jobs_tail->next_job = x;
    else jobs_head = x;
    jobs_tail = x;
    pthread_cond_signal(&jobs_cv);
    pthread_mutex_unlock(&jobs_mu);
    return x;
}

wasmrt_http_body *serve_stream_request_body(serve_sx *x) { return x->req_body; }

bool serve_stream_body(serve_sx *x, const char *data, size_t n) {
    return wasmrt_http_body_append(x->req_body, (const uint8_t *)data, n);
}

/* The next bytes of the guest's body from pos; all under x->mu, so that a
 * write between looking and suspending still wakes the connection (the
 * body's notify takes x->mu after the body's own lock is released). */
static ssize_t read_body(serve_sx *x, uint64_t pos, char *buf, size_t max) {
    pthread_mutex_lock(&x->mu);
    bool finished = true;
    size_t k = x->resp_body ? wasmrt_http_body_read(x->resp_body, (size_t)pos, (uint8_t *)buf, max, &finished) : 0;
    ssize_t r;
    if (k) {
        x->sent = (size_t)pos + k;
        r = (ssize_t)k;
    } else if (finished) {
        r = MHD_CONTENT_READER_END_OF_STREAM;
    } else if (x->guest_done || atomic_load(&stopping)) {
        /* the guest is gone and its body never finished: cut the response
         * (the client sees the connection close mid-body) */
        r = MHD_CONTENT_READER_END_WITH_ERROR;
    } else {
        x->suspended = true;   /* until the guest's next write (wake) */
        mhd.MHD_suspend_connection(x->c);
        r = 0;
    }
    pthread_mutex_unlock(&x->mu);
    return r;
}

/* The trailers once the body has finished: libmicrohttpd asks for the end
 * of the stream before it writes the last chunk, so they are added when
 * read_body first sees the end, which this wrapper does. */
typedef struct reader {
    serve_sx *x;
    struct MHD_Response *resp;
    bool trailers_added;
} reader;

static ssize_t read_body_and_trailers(void *cls, uint64_t pos, char *buf, size_t max) {
    reader *rd = cls;
    ssize_t r = read_body(rd->x, pos, buf, max);
    if (r == MHD_CONTENT_READER_END_OF_STREAM && !rd->trailers_added && rd->x->resp_body) {
        rd->trailers_added = true;
        wasmrt_http_header tr[64];
        size_t n = wasmrt_http_body_trailers(rd->x->resp_body, tr, 64);
        for (size_t i = 0; i < n && i < 64; i++) {
            char name[256], value[4096];
            if (tr[i].name_len >= sizeof name || tr[i].value_len >= sizeof value) continue;
            memcpy(name, tr[i].name, tr[i].name_len);
            name[tr[i].name_len] = 0;
            memcpy(value, tr[i].value, tr[i].value_len);
            value[tr[i].value_len] = 0;
            mhd.MHD_add_response_footer(rd->resp, name, value);
        }
    }
    return r;
}

static void reader_free(void *cls) {
    reader *rd = cls;
    sx_unref(rd->x);
    free(rd);
}

int serve_stream_respond(serve_sx *x, struct MHD_Connection *c, bool body_complete, unsigned *status) {
    if (!x->queued) wasmrt_http_body_end(x->req_body, body_complete);
    if (atomic_load(&stopping) && !x->head_set) {
        *status = 0;   /* shutting down, the guest still busy: close */
        return MHD_NO;
    }
    pthread_mutex_lock(&x->mu);
    if (!x->head_set && !x->guest_done) {
        /* wait for the guest's response-outparam.set (on_set wakes us) */
        x->suspended = true;
        mhd.MHD_suspend_connection(c);
        pthread_mutex_unlock(&x->mu);
        *status = 0;
        return MHD_YES;
    }
    pthread_mutex_unlock(&x->mu);
    x->queued = true;
    if (!x->head_set) {
        *status = 500;   /* the caller answers and logs x->why */
        return MHD_NO;
    }
    reader *rd = calloc(1, sizeof *rd);
    struct MHD_Response *resp =
        rd ? mhd.MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, read_body_and_trailers, rd, reader_free)
           : NULL;
    if (!resp) {
        free(rd);
        *status = 0;
        return MHD_NO;
    }
    rd->x = x;
    rd->resp = resp;
    atomic_fetch_add(&x->refs, 1);   /* the response's */
    for (size_t i = 0; i < x->num_resp_headers; i++) {
        const wasmrt_http_header *h = &x->resp_headers[i];
        if (h->name_len == 14 && !strncmp(h->name, "content-length", 14)) continue;   /* sent chunked */
        if (mhd.MHD_add_response_header(resp, h->name, (const char *)h->value) != MHD_YES)
            fprintf(stderr, "wasmrt serve: response header '%.200s' refused by the server\n", h->name);
    }
    *status = x->status;
    enum MHD_Result ret = mhd.MHD_queue_response(c, x->status, resp);
    mhd.MHD_destroy_response(resp);
    return ret;
}

const char *serve_stream_failure(const serve_sx *x, bool *trapped, bool *timed_out) {
    *trapped = x->trapped;
    *timed_out = x->timed_out;
    return x->why[0] ? x->why : "error";
}

size_t serve_stream_sent(const serve_sx *x) { return x->sent; }

void serve_stream_quiesce(void) {
    atomic_store(&stopping, true);
    pthread_mutex_lock(&live_mu);
    for (serve_sx *x = live; x; x = x->live_next) wake(x);
    pthread_mutex_unlock(&live_mu);
}

void serve_stream_end(serve_sx *x) {
    if (!x) return;
    pthread_mutex_lock(&live_mu);
    if (x->live_prev) x->live_prev->live_next = x->live_next;
    else live = x->live_next;
    if (x->live_next) x->live_next->live_prev = x->live_prev;
    pthread_mutex_unlock(&live_mu);
    pthread_mutex_lock(&x->mu);
    x->conn_gone = true;
    pthread_mutex_unlock(&x->mu);
    wasmrt_http_body_end(x->req_body, false);   /* no effect once complete */
    sx_unref(x);
}
