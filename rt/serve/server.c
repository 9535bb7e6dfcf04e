/* The HTTP/1.1 side of wasmrt serve, on libmicrohttpd (Debian
 * libmicrohttpd-dev; README "wasmrt serve" says why this library): a pool
 * of one thread per core, each with its own epoll loop over its share of
 * the connections, keep-alive and chunked request bodies parsed by the
 * library, the request line and headers bounded by its per-connection
 * memory (431 or 414 past it), malformed requests answered 400 by it
 * before any instance exists.  The guest runs on the thread that read the
 * request, synchronously: a request costs one instance and no hand-off.
 *
 * libmicrohttpd is dlopen'd (mhd.h) when serve starts, not linked, so
 * every other wasmrt command starts without loading it.
 *
 * Shutdown: SIGINT or SIGTERM stops accepting, lets requests in flight
 * finish (at most DRAIN_S seconds), then closes every connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mhd.h"
#include "serve.h"

#define DRAIN_S 10
#define SWEEP_MS 200

static atomic_int in_flight;

/* One request: made when its request line arrives (uri_begin), freed when
 * libmicrohttpd is done with it (request_done), answered or not. */
typedef struct sreq {
    char *uri;                   /* raw, as on the request line */
    uint64_t start_ns;
    bool started;
    bool too_large;
    bool trailers_ok;            /* collect_trailer's: false when out of memory */
    bool trailers_taken;
    wasmrt_http_body *body;      /* read straight into what the guest's stream reads;
                                    NULL until the first byte */
    serve_sx *sx;                /* --stream: the exchange with the guest's thread */
    char *method;                /* --stream: for the log line, written when done */
    unsigned stream_status;      /*   the status it was answered with (0: none yet) */
} sreq;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *uri_begin(void *cls, const char *uri, struct MHD_Connection *c) {
    (void)cls, (void)c;
    sreq *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->uri = strdup(uri);
    r->start_ns = now_ns();
    atomic_fetch_add(&in_flight, 1);
    return r;
}

static void finish_log(const serve_config *cfg, struct MHD_Connection *c, sreq *r, const char *method,
                       unsigned status, size_t bytes);

/* The connection's read deadline (read_deadline.c), or NULL: none. */
static serve_conn *conn_of(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *ci = mhd.MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe) {
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = mhd.MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? serve_conn_open(ci->connect_fd) : NULL;
    } else {
        serve_conn_close(*socket_context);
        *socket_context = NULL;
    }
}

static void request_done(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)toe;
    serve_conn_waiting(conn_of(c), true);   /* the next request's clock starts */
    sreq *r = *req_cls;
    if (!r) return;
    if (r->sx) {
        if (r->stream_status) finish_log(cls, c, r, r->method, r->stream_status, serve_stream_sent(r->sx));
        serve_stream_end(r->sx);
        free(r->method);
    }
    free(r->uri);
    wasmrt_http_body_free(r->body);
    free(r);
    *req_cls = NULL;
    atomic_fetch_sub(&in_flight, 1);
}

static void client_of(struct MHD_Connection *c, char *buf, size_t cap) {
    const union MHD_ConnectionInfo *ci = mhd.MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, cap, "-");
    if (!ci || !ci->client_addr) return;
    socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    getnameinfo(ci->client_addr, len, buf, (socklen_t)cap, NULL, 0, NI_NUMERICHOST);
}

typedef struct answer_env {
    const serve_config *cfg;
    struct MHD_Connection *c;
    sreq *r;
    const char *method;
    enum MHD_Result ret;
} answer_env;

static void finish_log(const serve_config *cfg, struct MHD_Connection *c, sreq *r, const char *method,
                       unsigned status, size_t bytes) {
    uint64_t us = (now_ns() - r->start_ns) / 1000u;
    serve_metrics_record(status, us);
    if (cfg->access_log) {
        char client[INET6_ADDRSTRLEN + 8];
        client_of(c, client, sizeof client);
        serve_access_log(cfg->access_log, client, method, r->uri, status, bytes, us);
    }
}

/* A fixed answer from the host itself (no instance involved). */
static enum MHD_Result plain(answer_env *e, unsigned status, const char *body, const char *ctype) {
    serve_conn_waiting(conn_of(e->c), false);   /* answered: no read deadline while it is sent */
    struct MHD_Response *resp = mhd.MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    mhd.MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    enum MHD_Result ret = mhd.MHD_queue_response(e->c, status, resp);
    mhd.MHD_destroy_response(resp);
    finish_log(e->cfg, e->c, e->r, e->method, status, strlen(body));
    return ret;
}

/* A response with trailers goes chunked (the trailers follow the last
 * chunk): libmicrohttpd chunks a response of unknown size, which it reads
 * through a callback, here from a copy of the guest's body (the instance
 * is gone by the time the library sends it). */
typedef struct body_copy {
    size_t n;
    uint8_t data[];
} body_copy;

static ssize_t read_copy(void *cls, uint64_t pos, char *buf, size_t max) {
    const body_copy *b = cls;
    if (pos >= b->n) return MHD_CONTENT_READER_END_OF_STREAM;
    size_t k = b->n - pos < max ? (size_t)(b->n - pos) : max;
    memcpy(buf, b->data + pos, k);
    return (ssize_t)k;
}

static struct MHD_Response *chunked_copy(const uint8_t *body, size_t n) {
    body_copy *b = malloc(sizeof *b + n);
    if (!b) return NULL;
    b->n = n;
    if (n) memcpy(b->data, body, n);
    struct MHD_Response *resp = mhd.MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, read_copy, b, free);
    if (!resp) free(b);
    return resp;
}

/* The guest's headers (or trailers) onto resp; the library wants NUL-
 * terminated strings. */
static void add_fields(answer_env *e, struct MHD_Response *resp, const wasmrt_http_header *hs, size_t n,
                       bool trailers) {
    enum MHD_Result (*add)(struct MHD_Response *, const char *, const char *) =
        trailers ? mhd.MHD_add_response_footer : mhd.MHD_add_response_header;
    char stackbuf[1024];
    for (size_t i = 0; i < n; i++) {
        const wasmrt_http_header *h = &hs[i];
        /* the library frames the body: a guest's own length is dropped */
        if ((h->name_len == 14 && !strncmp(h->name, "content-length", 14))) continue;
        size_t need = h->name_len + h->value_len + 2;
        char *buf = need <= sizeof stackbuf ? stackbuf : malloc(need);
        if (!buf) continue;
        memcpy(buf, h->name, h->name_len);
        buf[h->name_len] = 0;
        memcpy(buf + h->name_len + 1, h->value, h->value_len);
        buf[need - 1] = 0;
        if (add(resp, buf, buf + h->name_len + 1) != MHD_YES) {
            char uri[256];
            serve_sanitize(e->r->uri, uri, sizeof uri);
            fprintf(stderr, "wasmrt serve: %s %s: response %s '%.200s' refused by the server\n", e->method, uri,
                    trailers ? "trailer" : "header", buf);
        }
        if (buf != stackbuf) free(buf);
    }
}

static void answer(const serve_result *res, void *env) {
    answer_env *e = env;
    if (!res->resp) {
        if (res->trapped) atomic_fetch_add(&serve_stats.traps, 1);
        if (res->timed_out) atomic_fetch_add(&serve_stats.timeouts, 1);
        char uri[512];
        serve_sanitize(e->r->uri, uri, sizeof uri);
        fprintf(stderr, "wasmrt serve: %u %s %s: %s\n", res->status, e->method, uri, res->error ? res->error : "error");
        e->ret = plain(e, res->status, "Internal Server Error\n", "text/plain");
        return;
    }
    const wasmrt_http_response *hr = res->resp;
    struct MHD_Response *resp = hr->num_trailers ? chunked_copy(hr->body, hr->body_len)
                                                 : mhd.MHD_create_response_from_buffer(
                                                       hr->body_len, (void *)(hr->body ? hr->body : (const uint8_t *)""),
                                                       MHD_RESPMEM_MUST_COPY);
    if (!resp) {
        e->ret = MHD_NO;
        return;
    }
    add_fields(e, resp, hr->headers, hr->num_headers, false);
    add_fields(e, resp, hr->trailers, hr->num_trailers, true);
    e->ret = mhd.MHD_queue_response(e->c, res->status, resp);
    mhd.MHD_destroy_response(resp);
    finish_log(e->cfg, e->c, e->r, e->method, res->status, hr->body_len);
}

typedef struct header_list {
    wasmrt_http_header *v;
    size_t n, cap;
    const char *host;
} header_list;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                      const char *value, size_t value_size) {
    (void)kind;
    header_list *l = cls;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        wasmrt_http_header *v = realloc(l->v, cap * sizeof *v);
        if (!v) return MHD_NO;
        l->v = v;
        l->cap = cap;
    }
    if (key_size == 4 && !strncasecmp(key, "host", 4)) l->host = value;
    l->v[l->n++] = (wasmrt_http_header){key, key_size, (const uint8_t *)(value ? value : ""), value ? value_size : 0};
    return MHD_YES;
}

/* --stream, the request all read: the guest's response, once it set one. */
static enum MHD_Result stream_answer(answer_env *e) {
    sreq *r = e->r;
    serve_conn_waiting(conn_of(e->c), false);   /* the request is all read */
    unsigned status = 0;
    enum MHD_Result ret = (enum MHD_Result)serve_stream_respond(r->sx, e->c, true, &status);
    if (status == 500 && ret == MHD_NO) {
        serve_result res = {.status = 500};
        res.error = serve_stream_failure(r->sx, &res.trapped, &res.timed_out);
        r->stream_status = 0;
        answer(&res, e);   /* the 500, its log line and metrics */
        return e->ret;
    }
    if (status) r->stream_status = status;   /* logged when the body has gone out */
    return ret;
}

static enum MHD_Result collect_trailer(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                       const char *value, size_t value_size) {
    (void)kind;
    sreq *r = cls;
    r->trailers_ok = wasmrt_http_body_add_trailer(r->sx ? serve_stream_request_body(r->sx) : r->body, key,
                                                  key_size, (const uint8_t *)(value ? value : ""),
                                                  value ? value_size : 0);
    return r->trailers_ok ? MHD_YES : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls) {
    (void)url, (void)version;
    const serve_config *cfg = cls;
    sreq *r = *req_cls;
    if (!r || !r->uri) return MHD_NO;   /* out of memory: drop the connection */
    answer_env e = {cfg, c, r, method, MHD_NO};
    size_t plen = strcspn(r->uri, "?");
    if (!r->started) {
        r->started = true;
        if (cfg->metrics_path && strlen(cfg->metrics_path) == plen && !strncmp(r->uri, cfg->metrics_path, plen)) {
            size_t n;
            char *page = serve_metrics_page(&n);
            enum MHD_Result ret = plain(&e, page ? 200 : 500, page ? page : "", "text/plain; version=0.0.4");
            free(page);
            return ret;
        }
        if (!serve_route_for(cfg, r->uri, plen)) {
            atomic_fetch_add(&serve_stats.rejected, 1);
            return plain(&e, MHD_HTTP_NOT_FOUND, "Not Found\n", "text/plain");
        }
        const char *cl = mhd.MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > cfg->max_body_bytes) {
            atomic_fetch_add(&serve_stats.rejected, 1);
            return plain(&e, MHD_HTTP_CONTENT_TOO_LARGE, "Content Too Large\n", "text/plain");
        }
        if (cfg->stream) {
            /* the guest starts now, and reads the body as it arrives (still
             * under --read-timeout: a stalled body is cut off, its reads fail) */
            if (!(r->method = strdup(method)) ||
                !(r->sx = serve_stream_begin(cfg, serve_route_for(cfg, r->uri, plen), c, method, r->uri)))
                return MHD_NO;
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->too_large ||
            n > cfg->max_body_bytes - wasmrt_http_body_size(r->sx ? serve_stream_request_body(r->sx) : r->body)) {
            r->too_large = true;   /* a chunked body past the limit: read and dropped */
            return MHD_YES;
        }
        if (r->sx) return serve_stream_body(r->sx, upload_data, n) ? MHD_YES : MHD_NO;
        if (!r->body && !(r->body = wasmrt_http_body_new())) return MHD_NO;
        if (!wasmrt_http_body_append(r->body, (const uint8_t *)upload_data, n)) return MHD_NO;
        return MHD_YES;
    }
    if (r->too_large) {
        atomic_fetch_add(&serve_stats.rejected, 1);
        return plain(&e, MHD_HTTP_CONTENT_TOO_LARGE, "Content Too Large\n", "text/plain");
    }
    /* trailers after a chunked body: with the body, for its finish */
    if (!r->trailers_taken && mhd.MHD_get_connection_values_n(c, MHD_FOOTER_KIND, NULL, NULL) > 0) {
        r->trailers_taken = true;   /* once: --stream calls here again after a resume */
        if (!r->sx && !r->body && !(r->body = wasmrt_http_body_new())) return MHD_NO;
        r->trailers_ok = true;
        mhd.MHD_get_connection_values_n(c, MHD_FOOTER_KIND, collect_trailer, r);
        if (!r->trailers_ok) return MHD_NO;
    }
    if (r->sx) return stream_answer(&e);
    header_list hl = {0};
    mhd.MHD_get_connection_values_n(c, MHD_HEADER_KIND, collect_header, &hl);
    wasmrt_http_request req = {
        .method = method,
        .path_with_query = r->uri,
        .scheme = "http",
        .authority = hl.host,
        .headers = hl.v,
        .num_headers = hl.n,
        .body = r->body,
    };
    serve_conn_waiting(conn_of(c), false);   /* the request is complete: no read deadline */
    serve_handle(cfg, serve_route_for(cfg, r->uri, plen), &req, NULL, answer, &e);
    free(hl.v);
    return e.ret;
}

/* ---- listening -------------------------------------------------------------- */

static int listen_on(const char *spec, char *shown, size_t cap, unsigned *port) {
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || !colon[1]) {
        fprintf(stderr, "wasmrt serve: --addr '%s': ADDR:PORT expected\n", spec);
        return -1;
    }
    char host[256];
    size_t hn = (size_t)(colon - spec);
    if (spec[0] == '[' && hn >= 2 && spec[hn - 1] == ']') {
        spec++;
        hn -= 2;
    }
    if (hn >= sizeof host) {
        fprintf(stderr, "wasmrt serve: --addr '%s': address too long\n", spec);
        return -1;
    }
    memcpy(host, spec, hn);
    host[hn] = 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc) {
        fprintf(stderr, "wasmrt serve: --addr '%s': %s\n", spec, gai_strerror(rc));
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024)) {
        fprintf(stderr, "wasmrt serve: cannot listen on %s: %s\n", spec, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char h[INET6_ADDRSTRLEN], p[16];
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    getnameinfo((struct sockaddr *)&ss, sl, h, sizeof h, p, sizeof p, NI_NUMERICHOST | NI_NUMERICSERV);
    snprintf(shown, cap, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
    *port = (unsigned)atoi(p);
    return fd;
}

int serve_run(serve_config *cfg) {
    wasmrt_error err = {{0}};
    char why[300];
    if (!mhd_load(why, sizeof why)) {
        fprintf(stderr, "wasmrt serve: %s\n", why);
        return 1;
    }
    if (!serve_apps_load(cfg, &err)) {
        fprintf(stderr, "wasmrt serve: %s\n", err.message);
        return 1;
    }
    char shown[INET6_ADDRSTRLEN + 16];
    unsigned port;
    int fd = listen_on(cfg->addr, shown, sizeof shown, &port);
    if (fd < 0) return 1;
    if (!cfg->workers) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->workers = n > 0 && n < 1024 ? (uint32_t)n : 1;
    }
    /* SIGINT and SIGTERM go to sigwait below: blocked before the pool's
     * threads start, so they inherit the mask and never take them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The port file is the last file the server opens (Landlock forbids
     * it next); written once the server runs sandboxed, so whoever waits
     * for it finds the sandbox in place. */
    FILE *pf = cfg->port_file ? fopen(cfg->port_file, "w") : NULL;
    if (!serve_sandbox_landlock(cfg, &err)) {
        fprintf(stderr, "wasmrt serve: %s (use --no-landlock to serve without it)\n", err.message);
        close(fd);
        if (pf) fclose(pf);
        return 1;
    }
    struct MHD_Daemon *d = mhd.MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
            (cfg->stream ? MHD_ALLOW_SUSPEND_RESUME : 0),
        0, NULL, NULL, on_request, cfg,
        MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->workers,
        /* guests run on these threads: the runtime's default Wasm stack
         * limit (1 MiB) plus the host's frames fit well within 8 MiB */
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)8 << 20,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, cfg->max_header_bytes,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
        MHD_OPTION_URI_LOG_CALLBACK, uri_begin, NULL,
        MHD_OPTION_NOTIFY_COMPLETED, request_done, cfg,
        /* last: without --read-timeout no connection is tracked */
        cfg->read_timeout_s > 0 ? MHD_OPTION_NOTIFY_CONNECTION : MHD_OPTION_END, conn_notify, NULL,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "wasmrt serve: cannot start the HTTP server on %s\n", shown);
        close(fd);
        if (pf) fclose(pf);
        return 1;
    }
    if (cfg->stream && !serve_stream_start(cfg, &err)) {
        fprintf(stderr, "wasmrt serve: %s\n", err.message);
        mhd.MHD_stop_daemon(d);
        if (pf) fclose(pf);
        return 1;
    }
    if (!serve_sandbox_seccomp(cfg, &err)) {
        fprintf(stderr, "wasmrt serve: %s (use --no-seccomp to serve without the filter)\n", err.message);
        mhd.MHD_stop_daemon(d);
        if (pf) fclose(pf);
        return 1;
    }
    fprintf(stderr, "wasmrt serve: listening on http://%s/ (%u workers, %u route%s, sandbox: %s)\n", shown,
            cfg->workers, cfg->num_routes, cfg->num_routes == 1 ? "" : "s", serve_sandbox_describe());
    if (pf) {
        fprintf(pf, "%u\n", port);
        fclose(pf);
    }
    /* Waiting for the signal, the main thread sweeps slow connections
     * (--read-timeout) every SWEEP_MS. */
    int sig = -1;
    const struct timespec sweep = {0, SWEEP_MS * 1000000L};
    while (sig != SIGINT && sig != SIGTERM) {
        if (cfg->read_timeout_s <= 0) {
            if (sigwait(&stop, &sig) != 0) sig = -1;
            continue;
        }
        sig = sigtimedwait(&stop, NULL, &sweep);
        if (sig < 0) serve_conn_sweep(cfg->read_timeout_s);
    }
    fprintf(stderr, "wasmrt serve: %s: draining\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_socket lfd = mhd.MHD_quiesce_daemon(d);
    if (lfd != MHD_INVALID_SOCKET) close(lfd);
    for (int i = 0; i < DRAIN_S * 100 && atomic_load(&in_flight) > 0; i++) usleep(10000);
    if (cfg->stream) {
        /* the library must not stop with a connection suspended */
        serve_stream_quiesce();
        for (int i = 0; i < 100 && atomic_load(&in_flight) > 0; i++) usleep(10000);
        serve_stream_stop();
    }
    mhd.MHD_stop_daemon(d);
    if (cfg->access_log) fflush(cfg->access_log);
    fprintf(stderr, "wasmrt serve: stopped after %llu requests\n",
            (unsigned long long)atomic_load(&serve_stats.requests));
    return 0;
}
