/* WASI 0.2 (the imports of the world wasi:cli/command) for libwasmrt's
 * component linker, over the same sandbox as preview1: a wasmrt_wasi2
 * borrows a wasmrt_wasi (wasmrt_wasi.h) for its arguments, environment,
 * stdio, preopened directories and descriptor limit, resolves paths with the
 * same confinement (openat2 RESOLVE_BENEATH, else the component walk), and
 * runs under the same Landlock ruleset and seccomp filter.
 *
 * Network access is denied unless a policy allows it: sockets and name
 * lookups outside the policy fail with the WASI error code access-denied.
 *
 * Output streams write pipes with write(2): an embedder ignores SIGPIPE
 * (as wasmrt does) so a reader that went away is an error for the guest.
 */
#ifndef WASMRT_WASI2_H
#define WASMRT_WASI2_H

#include "wasmrt_component.h"
#include "wasmrt_wasi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version every interface is registered at; the component linker
 * matches imports of any 0.2.x version against it. */
#define WASMRT_WASI2_VERSION "0.2.6"

typedef struct wasmrt_wasi2 wasmrt_wasi2;

/* One allowed endpoint: an IPv4 (family 4, addr[0..3]) or IPv6 (family 6)
 * address and a port (0 = any port). */
typedef struct wasmrt_net_rule {
    uint8_t family;
    uint8_t addr[16];
    uint16_t port;
} wasmrt_net_rule;

typedef struct wasmrt_net_policy {
    const wasmrt_net_rule *tcp_connect;  /* peers a TCP socket may connect to */
    uint32_t num_tcp_connect;
    const wasmrt_net_rule *tcp_listen;   /* local addresses a TCP socket may listen on */
    uint32_t num_tcp_listen;
    const wasmrt_net_rule *udp;          /* local addresses to bind and peers to exchange
                                            datagrams with */
    uint32_t num_udp;
    bool dns;                            /* wasi:sockets/ip-name-lookup */
} wasmrt_net_policy;

/* sandbox must outlive the result; net may be NULL (no network).  The
 * policy is copied. */
wasmrt_wasi2 *wasmrt_wasi2_new(wasmrt_wasi *sandbox, const wasmrt_net_policy *net,
                               wasmrt_error *err);
void wasmrt_wasi2_free(wasmrt_wasi2 *w);

/* Defines every function and resource of wasi:cli/command's imports
 * (wasi:cli, wasi:io, wasi:clocks, wasi:random, wasi:filesystem,
 * wasi:sockets) at WASMRT_WASI2_VERSION. */
bool wasmrt_wasi2_define(wasmrt_wasi2 *w, wasmrt_clinker *l, wasmrt_error *err);

/* The status the guest gave wasi:cli/exit (0 for ok, 1 for err), or -1 if
 * it has not called it. */
int wasmrt_wasi2_exit_status(const wasmrt_wasi2 *w);

/* Parses "HOST:PORT" ("[v6]:PORT" too) into rules, one per address HOST
 * resolves to (at most cap; *n is how many).  PORT may be 0 (any port) for
 * connect rules.  Call before the seccomp filter: resolving uses files and
 * sockets. */
bool wasmrt_net_rule_parse(const char *spec, wasmrt_net_rule *out, uint32_t cap, uint32_t *n,
                           wasmrt_error *err);

/* Landlock as wasmrt_wasi_landlock, plus what the policy needs: TCP ports
 * to connect to and bind, and read access to the resolver's configuration
 * files when DNS is allowed. */
bool wasmrt_wasi2_landlock(wasmrt_wasi2 *w, bool *applied, wasmrt_error *err);

/* The seccomp filter of wasmrt_seccomp_install, plus the socket calls the
 * policy needs (and no others). */
bool wasmrt_wasi2_seccomp_install(const wasmrt_wasi2 *w, wasmrt_error *err);

/* ---- wasi:http (the world wasi:http/proxy) --------------------------------
 *
 * wasmrt_wasi2_define also defines wasi:http/types and
 * wasi:http/outgoing-handler.  An embedder serving HTTP (wasmrt serve) runs
 * one exchange at a time per context:
 *   1. wasmrt_wasi2_http_begin makes the incoming-request and the
 *      response-outparam: the two arguments of
 *      wasi:http/incoming-handler#handle (own handles);
 *   2. the embedder calls handle;
 *   3. wasmrt_wasi2_http_response says what the guest answered;
 *   4. wasmrt_wasi2_reset drops every resource, ready for the next one
 *      (a new component instance: handles do not carry over). */

typedef struct wasmrt_http_header {
    const char *name;              /* not NUL-terminated */
    size_t name_len;
    const uint8_t *value;
    size_t value_len;
} wasmrt_http_header;

/* A request body, reference counted: the embedder reads the bytes into it
 * as they arrive and hands it to wasmrt_wasi2_http_begin, which takes a
 * reference of its own; the guest's input-stream reads from this very
 * memory (no copy).  Trailers received after a chunked body go with it,
 * for the guest's incoming-body.finish. */
typedef struct wasmrt_http_body wasmrt_http_body;
wasmrt_http_body *wasmrt_http_body_new(void);   /* NULL: out of memory */
/* false: out of memory, or past the runtime's 64 MiB body limit */
bool wasmrt_http_body_append(wasmrt_http_body *b, const uint8_t *p, size_t n);
size_t wasmrt_http_body_size(const wasmrt_http_body *b);
bool wasmrt_http_body_add_trailer(wasmrt_http_body *b, const char *name, size_t name_len, const uint8_t *value,
                                  size_t value_len);
/* Drops the caller's reference. */
void wasmrt_http_body_free(wasmrt_http_body *b);
/* Streaming (a body used by two threads at once, the guest's and the
 * embedder's): from now on every access locks, a guest's blocking read
 * waits for bytes, and notify(env) is called (on the writing thread, no
 * lock held) when bytes are added or the body ends.  false: out of memory. */
bool wasmrt_http_body_share(wasmrt_http_body *b, void (*notify)(void *env), void *env);
/* A request body is complete (complete) or will never be (the client went
 * away: the guest's reads fail). */
void wasmrt_http_body_end(wasmrt_http_body *b, bool complete);
/* Copies up to max bytes from offset off; *finished: nothing will follow
 * what was copied. */
size_t wasmrt_http_body_read(wasmrt_http_body *b, size_t off, uint8_t *buf, size_t max, bool *finished);
/* A finished body's trailers: up to cap into out (valid while b is);
 * returns how many there are. */
size_t wasmrt_http_body_trailers(wasmrt_http_body *b, wasmrt_http_header *out, size_t cap);

typedef struct wasmrt_http_request {
    const char *method;            /* "GET", ..., or any token */
    const char *path_with_query;   /* as on the request line, e.g. "/a?b=1" */
    const char *scheme;            /* "http" or "https" */
    const char *authority;         /* the Host header; NULL: none */
    const wasmrt_http_header *headers;
    size_t num_headers;
    wasmrt_http_body *body;        /* complete (or shared, and ended later); NULL: empty */
} wasmrt_http_request;

typedef struct wasmrt_http_response {
    uint16_t status;
    wasmrt_http_header *headers;   /* owned by the context until wasmrt_wasi2_reset */
    size_t num_headers;
    const uint8_t *body;           /* likewise */
    size_t body_len;
    wasmrt_http_header *trailers;  /* likewise; set when the guest's finish gave
                                      trailers (then sent chunked, after the body) */
    size_t num_trailers;
} wasmrt_http_response;

bool wasmrt_wasi2_http_begin(wasmrt_wasi2 *w, const wasmrt_http_request *req, wasmrt_cval args[2],
                             wasmrt_error *err);
/* The response the guest set with response-outparam.set, complete (its
 * body, if it took one, finished); false with err saying why not: never
 * set, set to an error-code (named), a body dropped without finish, or one
 * larger than the host's limit. */
bool wasmrt_wasi2_http_response(wasmrt_wasi2 *w, wasmrt_http_response *out, wasmrt_error *err);
/* Streaming: fn(env) is called inside the guest's response-outparam.set,
 * where wasmrt_wasi2_http_response_head can read what it set while the
 * guest goes on to write the body (NULL: no call). */
void wasmrt_wasi2_http_on_set(wasmrt_wasi2 *w, void (*fn)(void *env), void *env);
/* The status and headers set so far (as wasmrt_wasi2_http_response, no
 * body fields), and *body: a new reference to the body the guest writes,
 * shared with notify (wasmrt_http_body_share), or NULL when it took none
 * (empty).  false with err: an error-code was set instead. */
bool wasmrt_wasi2_http_response_head(wasmrt_wasi2 *w, wasmrt_http_response *out, wasmrt_http_body **body,
                                     void (*notify)(void *env), void *env, wasmrt_error *err);
/* Drops every resource the guest or the exchange made. */
void wasmrt_wasi2_reset(wasmrt_wasi2 *w);
/* Lets outgoing requests reach HOST[:PORT] (no port: any); without a
 * matching rule wasi:http/outgoing-handler#handle answers
 * HTTP-request-denied.  Requests are made with libcurl (when built with
 * it): an embedder installing wasmrt_wasi2_seccomp_install must not use
 * this, the filter has no rule for them. */
bool wasmrt_wasi2_allow_http(wasmrt_wasi2 *w, const char *host_port, wasmrt_error *err);

#ifdef __cplusplus
}
#endif

#endif
