/* Internals of wasi:http, shared by rt/wasi2/http_*.c and the unit tests.
 *
 * Every wasi:http resource is a w2_obj whose u.http points at one w2_http,
 * of which each kind uses the fields its comment names.  Bodies are held
 * in host memory (w2_body, reference counted; the embedder's
 * wasmrt_http_body): the server reads a request body into one before the
 * guest runs and hands it over as it is, and sends the response body once
 * the guest's handle call returned, so a body stream is an IN_BODY /
 * OUT_BODY wasi:io stream over one of them.  A body's trailers travel with
 * it: the request's as the embedder received them, the response's as the
 * guest's outgoing-body.finish gave them.
 *
 * Child resources (a request's headers, a body's stream) are copies or
 * references rather than borrows of the parent, so dropping things in any
 * order is safe; the WIT's "immutable" views are copies marked immutable.
 */
#ifndef WASMRT_WASI2_HTTP_INTERNAL_H
#define WASMRT_WASI2_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "wasi2_internal.h"

/* The most a response (or outgoing request) body may hold: writes beyond it
 * fail as a stream error, and the response becomes a 500. */
#define W2_HTTP_MAX_BODY (64u << 20)

typedef struct w2_field {
    char *name;                  /* lower-cased: names compare case-insensitively */
    uint8_t *val;                /* in name's allocation, after its NUL */
    size_t nval;
} w2_field;

typedef struct w2_fields {
    w2_field *v;
    size_t n, cap;
} w2_fields;

/* A body two threads use at once (wasmrt serve --stream: the server
 * appends a request body while the guest reads it, and sends a response
 * body while the guest writes it): its fields are read and written under
 * mu, readers wait on more, and notify tells the embedder of new bytes or
 * the end (called without mu held). */
typedef struct w2_body_sync {
    pthread_mutex_t mu;
    pthread_cond_t more;
    void (*notify)(void *env);
    void *env;
} w2_body_sync;

typedef struct wasmrt_http_body {
    _Atomic uint32_t refs;       /* atomic: a shared body is released on either thread */
    uint8_t *data;
    size_t n, cap;
    bool finished;               /* outgoing: finish called; incoming: all bytes here */
    bool aborted;                /* incoming, shared: the client went away mid-body */
    bool has_trailers;           /* trailers were sent (outgoing) or received (incoming) */
    w2_fields trailers;
    w2_body_sync *sync;          /* NULL: one thread's */
} w2_body;

static inline void w2_body_lock(w2_body *b) {
    if (b->sync) pthread_mutex_lock(&b->sync->mu);
}
/* Unlocks; with wake, wakes waiting readers and tells the embedder. */
void w2_body_unlock(w2_body *b, bool wake);

typedef struct w2_http {
    w2_fields fields;            /* FIELDS; headers of INREQ, OUTREQ, OUTRESP, INRESP */
    bool immutable;              /* FIELDS */
    uint32_t method;             /* INREQ, OUTREQ: method case */
    char *method_other;          /*   its other(string) */
    char *path, *authority;      /* INREQ, OUTREQ (NULL: none) */
    int scheme;                  /* INREQ, OUTREQ: scheme case, -1 none */
    char *scheme_other;
    uint16_t status;             /* OUTRESP, INRESP */
    w2_body *body;               /* INREQ, INBODY, INRESP: to read; OUTREQ, OUTRESP, OUTBODY: written */
    bool taken;                  /* consume / body / stream / write answered once */
    bool got;                    /* FUT_TRAILERS, FUT_INRESP: get answered */
    bool has_timeout[3];         /* REQOPTS: connect, first-byte, between-bytes */
    uint64_t timeout[3];
    uint32_t req, opts;          /* FUT_INRESP: the request and its options (0: none), held
                                    until get performs it; dropped then or at the reset
                                    that ends the exchange */
} w2_http;

/* One host (and port, 0 = any) outgoing requests may reach. */
typedef struct w2_http_rule {
    char *host;
    uint16_t port;
} w2_http_rule;

/* error-code cases, in WIT order. */
enum {
    HE_DNS_TIMEOUT, HE_DNS_ERROR, HE_DESTINATION_NOT_FOUND, HE_DESTINATION_UNAVAILABLE,
    HE_DESTINATION_IP_PROHIBITED, HE_DESTINATION_IP_UNROUTABLE, HE_CONNECTION_REFUSED,
    HE_CONNECTION_TERMINATED, HE_CONNECTION_TIMEOUT, HE_CONNECTION_READ_TIMEOUT,
    HE_CONNECTION_WRITE_TIMEOUT, HE_CONNECTION_LIMIT_REACHED, HE_TLS_PROTOCOL_ERROR,
    HE_TLS_CERTIFICATE_ERROR, HE_TLS_ALERT_RECEIVED, HE_HTTP_REQUEST_DENIED,
    HE_HTTP_REQUEST_LENGTH_REQUIRED, HE_HTTP_REQUEST_BODY_SIZE, HE_HTTP_REQUEST_METHOD_INVALID,
    HE_HTTP_REQUEST_URI_INVALID, HE_HTTP_REQUEST_URI_TOO_LONG,
    HE_HTTP_REQUEST_HEADER_SECTION_SIZE, HE_HTTP_REQUEST_HEADER_SIZE,
    HE_HTTP_REQUEST_TRAILER_SECTION_SIZE, HE_HTTP_REQUEST_TRAILER_SIZE,
    HE_HTTP_RESPONSE_INCOMPLETE, HE_HTTP_RESPONSE_HEADER_SECTION_SIZE,
    HE_HTTP_RESPONSE_HEADER_SIZE, HE_HTTP_RESPONSE_BODY_SIZE,
    HE_HTTP_RESPONSE_TRAILER_SECTION_SIZE, HE_HTTP_RESPONSE_TRAILER_SIZE,
    HE_HTTP_RESPONSE_TRANSFER_CODING, HE_HTTP_RESPONSE_CONTENT_CODING, HE_HTTP_RESPONSE_TIMEOUT,
    HE_HTTP_UPGRADE_FAILED, HE_HTTP_PROTOCOL_ERROR, HE_LOOP_DETECTED, HE_CONFIGURATION_ERROR,
    HE_INTERNAL_ERROR, HE_COUNT_
};
/* header-error cases */
enum { HDR_INVALID_SYNTAX, HDR_FORBIDDEN, HDR_IMMUTABLE };
/* method and scheme cases */
enum { M_GET, M_HEAD, M_POST, M_PUT, M_DELETE, M_CONNECT, M_OPTIONS, M_TRACE, M_PATCH, M_OTHER };
enum { SCHEME_HTTP, SCHEME_HTTPS, SCHEME_OTHER };

/* The exchange's state (wasmrt_wasi2.hx). */
enum { HX_NONE, HX_STARTED, HX_SET, HX_SET_ERR };

/* ---- objects -------------------------------------------------------------- */

/* A new object of an http kind with a zeroed w2_http; 0 when full. */
uint32_t w2_http_new(wasmrt_wasi2 *w, uint8_t kind);
/* The w2_http of a handle argument of the expected kind (traps otherwise). */
w2_http *w2_http_get(wasmrt_wasi2 *w, const cval *h, uint8_t kind, wasmrt_error *err);

w2_body *w2_body_new(void);
w2_body *w2_body_ref(w2_body *b);
void w2_body_unref(w2_body *b);
/* Appends n bytes; false when the body would pass W2_HTTP_MAX_BODY.
 * Locks a shared body itself. */
bool w2_body_append(w2_body *b, const uint8_t *p, size_t n);
/* Marks it finished (locked, readers woken, the embedder told). */
void w2_body_finish(w2_body *b);

/* ---- fields (http_fields.c) ----------------------------------------------- */

/* Whether name is an RFC 9110 token and value holds no control bytes. */
bool w2_field_name_valid(const char *name, size_t n);
bool w2_field_value_valid(const uint8_t *v, size_t n);
/* Hop-by-hop and proxy headers a guest may not set (wasmtime's list). */
bool w2_field_forbidden(const char *lower_name);
/* Appends without checks (the host's own headers); false on OOM. */
bool w2_fields_add(w2_fields *f, const char *name, size_t nn, const uint8_t *val, size_t nv);
bool w2_fields_copy(w2_fields *dst, const w2_fields *src);
void w2_fields_clear(w2_fields *f);
/* A new immutable fields object holding a copy of f (a headers() view). */
uint32_t w2_fields_view(wasmrt_wasi2 *w, const w2_fields *f);
/* Moves the entries of the fields object `rep` (an own argument) into
 * *dst and drops the object; traps when rep is not fields. */
bool w2_fields_take(wasmrt_wasi2 *w, const cval *own, w2_fields *dst, wasmrt_error *err);

/* body(): result<outgoing-body>, once, for an OUTRESP or OUTREQ handle. */
bool w2_http_body_of(wasmrt_wasi2 *w, const cval *a, uint8_t kind, cval *r, wasmrt_error *err);

/* ---- outgoing requests (http_client.c, http_curl.c) ------------------------ */

/* Performs the request h (an OUTREQ's fields) and fills resp (an INRESP's
 * w2_http: status, fields, body); false with *code (an error-code case)
 * and *text (malloc'ed, for internal-error) when it failed. */
bool w2_http_perform(const w2_http *req, const w2_http *opts, w2_http *resp, int *code, char **text);
/* Loads libcurl now (http_curl.c), before any sandbox: called when the
 * first --allow-http rule is added. */
void w2_http_preload(void);

/* ---- values ---------------------------------------------------------------- */

/* error-code case c with no payload, or none()-payload for the cases whose
 * payload is an option; internal-error(some(text)) for HE_INTERNAL_ERROR. */
cval w2_http_error(int c, const char *text);
/* result with no payloads */
cval w2_result_unit(bool ok);
/* The method / scheme variants, and back (false: not a method or scheme). */
cval w2_method_val(uint32_t m, const char *other);
bool w2_method_from(const cval *v, uint32_t *m, char **other, wasmrt_error *err);
cval w2_scheme_val(int s, const char *other);

#endif
