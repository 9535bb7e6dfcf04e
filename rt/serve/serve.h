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
 * so the response can be copied out. */
void serve_handle(const serve_config *cfg, const serve_route *route, const wasmrt_http_request *req,
                  void (*done)(const serve_result *res, void *env), void *env);

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
/* Shuts down every connection waiting longer than read_timeout_s; how many. */
unsigned serve_conn_sweep(double read_timeout_s);

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
