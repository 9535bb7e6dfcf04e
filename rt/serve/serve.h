/* wasmrt serve: an HTTP/1.1 server that answers each request with a fresh
 * instance of a wasi:http/proxy component (rt/serve/).
 *
 *   server.c      the libmicrohttpd daemon: listening, limits, routing,
 *                 request bodies, shutdown on SIGINT/SIGTERM
 *   apps.c        the routes' components: loaded and link-checked once
 *   worker.c      per-thread WASI host and linker; one request = one store,
 *                 one instance, one handle call, then all of it freed
 *   metrics.c     counters and the latency histogram, and their page
 *   access_log.c  one line per answered request
 *   sandbox.c     Landlock and the seccomp filter over the running server
 *   read_deadline.c  --read-timeout: slow clients' connections closed
 *   stream.c      --stream: guests on threads of their own, bodies streamed
 */
#ifndef WASMRT_SERVE_H
#define WASMRT_SERVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wasmrt_component.h"
#include "wasmrt_wasi2.h"

typedef struct serve_route {
    const char *prefix;              /* "/" for the default app */
    const char *path;                /* the component artifact */
    wasmrt_component *comp;
    char *handler_iface;             /* its wasi:http/incoming-handler@0.2.x */
} serve_route;

typedef struct serve_config {
    const char *addr;                /* "ADDR:PORT" */
    serve_route *routes;
    uint32_t num_routes;
    uint32_t workers;                /* threads; 0 = one per online CPU */
    double timeout_s;                /* per request (instantiate + handle); 0 = none */
    uint32_t max_memory_pages;       /* per guest memory; 0 = the runtime's limit */
    size_t max_body_bytes;           /* request body */
    size_t max_header_bytes;         /* request line + headers (libmicrohttpd's
                                        per-connection memory) */
    unsigned idle_timeout_s;         /* a connection idle this long is closed */
    double read_timeout_s;           /* a request (line, headers, body) must arrive
                                        within this; 0 = no limit */
    unsigned max_connections;
    const char *metrics_path;        /* served by the host, or NULL */
    FILE *access_log;                /* or NULL */
    const char *const *allow_http;   /* --allow-http rules */
    uint32_t num_allow_http;
    const wasmrt_trust *trust;       /* --trusted-keys, or NULL */
    const char *port_file;           /* write the bound port here (tests), or NULL */
    bool seccomp, landlock;          /* the sandbox (sandbox.c); on unless --no-* */
    bool stream;                     /* --stream: guests on their own threads (stream.c) */
} serve_config;

/* Runs until SIGINT or SIGTERM; returns the exit status (0, or 1 when the
 * server could not start: the reason is printed). */
int serve_run(serve_config *cfg);

/* ---- apps.c ---- */
bool serve_apps_load(serve_config *cfg, wasmrt_error *err);
/* The route whose prefix matches path (longest; a prefix matches at a '/'
 * boundary), or NULL. */
const serve_route *serve_route_for(const serve_config *cfg, const char *path, size_t len);

/* ---- worker.c ---- */
typedef struct serve_result {
    unsigned status;
    const wasmrt_http_response *resp;   /* NULL: answer `status` with no body */
    const char *error;                  /* why a 500, for the log; NULL when fine */
    bool trapped, timed_out;
} serve_result;
/* Runs one request through a fresh instance of route's component on this
 * thread; calls done(res, env) before the instance's memory is released,
 * so the response can be copied out.  on_set (or NULL), for streaming: called inside the
 * guest's response-outparam.set (wasmrt_wasi2_http_on_set). */
void serve_handle(const serve_config *cfg, const serve_route *route, const wasmrt_http_request *req,
                  void (*on_set)(wasmrt_wasi2 *w2, void *env), void (*done)(const serve_result *res, void *env),
                  void *env);

/* ---- sandbox.c ---- */
/* Before the server's threads start: no file access, no TCP bind/connect
 * (--allow-http: its ports and the resolver's files). */
bool serve_sandbox_landlock(const serve_config *cfg, wasmrt_error *err);
/* Once they run, on every thread: the run-mode filter plus RT_SERVE. */
bool serve_sandbox_seccomp(const serve_config *cfg, wasmrt_error *err);
/* What was applied, for the start-up line: "seccomp + landlock", ... */
const char *serve_sandbox_describe(void);

/* ---- read_deadline.c ---- */
typedef struct serve_conn serve_conn;
/* An open connection (its socket fd), waiting for its first request from
 * now; NULL when out of memory (then it has no deadline). */
serve_conn *serve_conn_open(int fd);
/* Before the library closes fd. */
void serve_conn_close(serve_conn *c);
/* Waiting for a request again (true: from now), or not (false). */
void serve_conn_waiting(serve_conn *c, bool waiting);
/* Shuts down every connection waiting longer than read_timeout_s, each
 * counted in serve_stats.read_timeouts before its socket is shut; how many. */
unsigned serve_conn_sweep(double read_timeout_s);

/* ---- stream.c ---- */
struct MHD_Connection;
typedef struct serve_sx serve_sx;
/* The guest threads (before the seccomp filter: it forbids clone). */
bool serve_stream_start(const serve_config *cfg, wasmrt_error *err);
/* Shutdown: wakes every connection waiting on a guest, to be closed. */
void serve_stream_quiesce(void);
void serve_stream_stop(void);
/* A request whose headers are in: copied, and its guest started on a guest
 * thread; NULL when out of memory. */
serve_sx *serve_stream_begin(const serve_config *cfg, const serve_route *route, struct MHD_Connection *c,
                             const char *method, const char *uri);
/* The request body as it arrives (false: out of memory or past the limit). */
bool serve_stream_body(serve_sx *x, const char *data, size_t n);
wasmrt_http_body *serve_stream_request_body(serve_sx *x);
/* The request is all read: queue the streamed response (*status its
 * status), or suspend the connection until the guest sets it (*status 0,
 * returns MHD_YES), or *status 500: the guest failed before setting one
 * (serve_stream_failure says why; the caller answers). */
int serve_stream_respond(serve_sx *x, struct MHD_Connection *c, bool body_complete, unsigned *status);
const char *serve_stream_failure(const serve_sx *x, bool *trapped, bool *timed_out);
size_t serve_stream_sent(const serve_sx *x);
/* The connection is done with x (request_done). */
void serve_stream_end(serve_sx *x);

/* ---- metrics.c ---- */
#define SERVE_LAT_BUCKETS 14
typedef struct serve_metrics {
    atomic_uint_fast64_t requests, status_class[6];  /* [0]: other, [k]: kxx */
    atomic_uint_fast64_t traps, timeouts, rejected, read_timeouts;
    atomic_uint_fast64_t instances_total;
    atomic_int_fast64_t live_instances;
    atomic_uint_fast64_t lat_bucket[SERVE_LAT_BUCKETS + 1];  /* last: +Inf */
    atomic_uint_fast64_t lat_sum_us;
} serve_metrics;
extern serve_metrics serve_stats;
void serve_metrics_record(unsigned status, uint64_t usec);
/* The Prometheus text page, malloc'ed; *len its length. */
char *serve_metrics_page(size_t *len);

/* ---- access_log.c ---- */
/* A client-supplied string for a log line: control bytes, spaces and
 * quotes shown as '?', cut to cap - 1 bytes. */
void serve_sanitize(const char *s, char *out, size_t cap);
void serve_access_log(FILE *f, const char *client, const char *method, const char *uri, unsigned status,
                      size_t bytes, uint64_t usec);

#endif
