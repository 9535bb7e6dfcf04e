/* wasi:http/types and outgoing-handler, called as the component runtime
 * calls them, and the embedder's exchange (wasmrt_wasi2_http_begin /
 * _response / reset) around them. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wasi2_harness.h"
#include "../../rt/wasi2/http_internal.h"

#define T "wasi:http/types"

static void setup(void) { h_setup(-1, -1, -1, NULL); }
static void teardown(void) { h_teardown(); }

static cval O(uint32_t rep) { return w2_own(rep); }
static cval entry(const char *name, const char *value) {
    return w2_tuple(2, S(name), BYTES(value, strlen(value)));
}
static cval LIST(size_t n, ...) {
    va_list ap;
    va_start(ap, n);
    cval *items = w2_alloc(n * sizeof *items);
    for (size_t i = 0; i < n; i++) items[i] = va_arg(ap, cval);
    va_end(ap);
    return w2_list(items, n);
}
/* header-error case of an err result */
static uint32_t HERR(const cval *r) {
    cr_assert_eq(r->kind, WASMC_CVAL_RESULT);
    cr_assert_eq(r->of.variant.case_, 1, "expected a header-error");
    return r->of.variant.payload->of.variant.case_;
}
static cval SOME(cval v) { return w2_some(v); }
static bool okv(cval r) { return is_ok(&r); }
static uint32_t new_fields(void) { return CALL(T, "[constructor]fields").of.handle; }

Test(wasi2_http, fields_validate_names_values_and_forbidden_headers, .init = setup, .fini = teardown) {
    cval r = CALL(T, "[static]fields.from-list", LIST(1, entry("bad name", "v")));
    cr_expect_eq(HERR(&r), HDR_INVALID_SYNTAX);
    r = CALL(T, "[static]fields.from-list", LIST(1, entry("x-a", "line\r\nbreak")));
    cr_expect_eq(HERR(&r), HDR_INVALID_SYNTAX);
    r = CALL(T, "[static]fields.from-list", LIST(1, entry("Transfer-Encoding", "chunked")));
    cr_expect_eq(HERR(&r), HDR_FORBIDDEN);
    r = CALL(T, "[static]fields.from-list", LIST(3, entry("X-A", "1"), entry("x-b", "2"), entry("x-a", "3")));
    uint32_t f = OK(&r)->of.handle;
    /* names compare case-insensitively; values keep their order */
    cval g = CALL(T, "[method]fields.get", B(f), S("x-A"));
    cr_assert_eq(g.of.list.len, 2);
    cr_expect_str_eq(bytes_str(&g.of.list.items[0]), "1");
    cr_expect_str_eq(bytes_str(&g.of.list.items[1]), "3");
    cr_expect(CALL(T, "[method]fields.has", B(f), S("X-B")).of.b);
    /* set replaces every value; a bad value changes nothing */
    r = CALL(T, "[method]fields.set", B(f), S("x-a"), LIST(2, BYTES("ok", 2), BYTES("b\0d", 3)));
    cr_expect_eq(HERR(&r), HDR_INVALID_SYNTAX);
    cr_expect_eq(CALL(T, "[method]fields.get", B(f), S("x-a")).of.list.len, 2);
    r = CALL(T, "[method]fields.set", B(f), S("x-a"), LIST(1, BYTES("z", 1)));
    cr_expect(is_ok(&r));
    r = CALL(T, "[method]fields.append", B(f), S("keep-alive"), BYTES("1", 1));
    cr_expect_eq(HERR(&r), HDR_FORBIDDEN);
    r = CALL(T, "[method]fields.delete", B(f), S("x-b"));
    cr_expect(is_ok(&r));
    cval e = CALL(T, "[method]fields.entries", B(f));
    cr_assert_eq(e.of.list.len, 1);
    cr_expect_str_eq(e.of.list.items[0].of.list.items[0].of.str.ptr, "x-a");
    cr_expect_str_eq(bytes_str(&e.of.list.items[0].of.list.items[1]), "z");
    /* clone is a separate, mutable copy */
    uint32_t c = CALL(T, "[method]fields.clone", B(f)).of.handle;
    cr_expect(okv(CALL(T, "[method]fields.append", B(c), S("x-c"), BYTES("1", 1))));
    cr_expect(!CALL(T, "[method]fields.has", B(f), S("x-c")).of.b);
    TRAP(T, "[method]fields.get", B(9999), S("x"));
}

/* A request with the body "body!" (the caller frees req.body). */
static wasmrt_http_request sample(void) {
    static const wasmrt_http_header hs[] = {{"Host", 4, (const uint8_t *)"example.test", 12},
                                            {"X-Test", 6, (const uint8_t *)"v1", 2}};
    wasmrt_http_body *b = wasmrt_http_body_new();
    cr_assert(b && wasmrt_http_body_append(b, (const uint8_t *)"bo", 2) &&
              wasmrt_http_body_append(b, (const uint8_t *)"dy!", 3));
    return (wasmrt_http_request){"PUT", "/p?q=1", "http", "example.test", hs, 2, b};
}

Test(wasi2_http, exchange_hands_the_request_over_and_reads_the_response, .init = setup, .fini = teardown) {
    wasmrt_http_request req = sample();
    cval args[2];
    wasmrt_error err;
    cr_assert(wasmrt_wasi2_http_begin(h_w, &req, args, &err), "%s", err.message);
    /* the exchange holds its own reference to the embedder's body, no copy */
    cr_expect_eq(w2_at(h_w, args[0].of.handle)->u.http->body, req.body);
    wasmrt_http_body_free(req.body);
    uint32_t rq = args[0].of.handle, out = args[1].of.handle;
    cval m = CALL(T, "[method]incoming-request.method", B(rq));
    cr_expect_eq(m.of.variant.case_, M_PUT);
    cval p = CALL(T, "[method]incoming-request.path-with-query", B(rq));
    cr_expect_str_eq(p.of.variant.payload->of.str.ptr, "/p?q=1");
    cval a = CALL(T, "[method]incoming-request.authority", B(rq));
    cr_expect_str_eq(a.of.variant.payload->of.str.ptr, "example.test");
    cval s = CALL(T, "[method]incoming-request.scheme", B(rq));
    cr_expect_eq(s.of.variant.payload->of.variant.case_, SCHEME_HTTP);
    /* headers: an immutable view */
    uint32_t h = CALL(T, "[method]incoming-request.headers", B(rq)).of.handle;
    cr_expect_str_eq(bytes_str(&CALL(T, "[method]fields.get", B(h), S("x-test")).of.list.items[0]), "v1");
    cval r = CALL(T, "[method]fields.append", B(h), S("x-more"), BYTES("1", 1));
    cr_expect_eq(HERR(&r), HDR_IMMUTABLE);
    /* the body: consumed once, read to its end */
    r = CALL(T, "[method]incoming-request.consume", B(rq));
    uint32_t body = OK(&r)->of.handle;
    r = CALL(T, "[method]incoming-request.consume", B(rq));
    cr_expect(!is_ok(&r));
    r = CALL(T, "[method]incoming-body.stream", B(body));
    uint32_t in = OK(&r)->of.handle;
    r = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(3));
    cr_expect_str_eq(bytes_str(OK(&r)), "bod");
    r = CALL(IO, "[method]input-stream.read", B(in), U64(100));
    cr_expect_str_eq(bytes_str(OK(&r)), "y!");
    r = CALL(IO, "[method]input-stream.read", B(in), U64(100));
    cr_expect_eq(STREAM_ERR(&r), 1);
    uint32_t ft = CALL(T, "[static]incoming-body.finish", O(body)).of.handle;
    cval t = CALL(T, "[method]future-trailers.get", B(ft));
    cr_expect_eq(t.of.variant.case_, 1);   /* some(ok(ok(none))) */
    /* the response */
    r = CALL(T, "[static]fields.from-list", LIST(1, entry("content-type", "text/plain")));
    uint32_t rs = CALL(T, "[constructor]outgoing-response", O(OK(&r)->of.handle)).of.handle;
    cr_expect(!okv(CALL(T, "[method]outgoing-response.set-status-code", B(rs), w2_u16(99))));
    cr_expect(okv(CALL(T, "[method]outgoing-response.set-status-code", B(rs), w2_u16(201))));
    uint32_t hv = CALL(T, "[method]outgoing-response.headers", B(rs)).of.handle;
    r = CALL(T, "[method]fields.delete", B(hv), S("content-type"));
    cr_expect_eq(HERR(&r), HDR_IMMUTABLE);
    r = CALL(T, "[method]outgoing-response.body", B(rs));
    uint32_t ob = OK(&r)->of.handle;
    r = CALL(T, "[method]outgoing-body.write", B(ob));
    uint32_t os = OK(&r)->of.handle;
    r = CALL(IO, "[method]output-stream.check-write", B(os));
    cr_expect_gt(OK(&r)->of.u, 0);
    r = CALL(IO, "[method]output-stream.write", B(os), BYTES("hi ", 3));
    cr_expect(is_ok(&r));
    r = CALL(IO, "[method]output-stream.blocking-write-and-flush", B(os), BYTES("there", 5));
    cr_expect(is_ok(&r));
    w2_drop(h_w, os);
    r = CALL(T, "[static]outgoing-body.finish", O(ob), w2_none());
    cr_expect(is_ok(&r));
    cval own = O(rs);
    CALL(T, "[static]response-outparam.set", O(out), w2_ok(&own));
    wasmrt_http_response resp;
    cr_assert(wasmrt_wasi2_http_response(h_w, &resp, &err), "%s", err.message);
    cr_expect_eq(resp.status, 201);
    cr_assert_eq(resp.num_headers, 1);
    cr_expect_eq(resp.headers[0].name_len, 12);
    cr_expect(!memcmp(resp.headers[0].name, "content-type", 12));
    cr_expect_eq(resp.body_len, 8);
    cr_expect(!memcmp(resp.body, "hi there", 8));
    cr_expect_eq(resp.num_trailers, 0);
    wasmrt_wasi2_reset(h_w);
    cr_expect_eq(h_w->nobjs, 0);
}

Test(wasi2_http, trailers_reach_the_guest_and_come_back_with_the_response, .init = setup, .fini = teardown) {
    wasmrt_http_request req = sample();
    cr_assert(wasmrt_http_body_add_trailer(req.body, "X-Sum", 5, (const uint8_t *)"42", 2));
    cval args[2];
    wasmrt_error err;
    cr_assert(wasmrt_wasi2_http_begin(h_w, &req, args, &err), "%s", err.message);
    wasmrt_http_body_free(req.body);
    cval r = CALL(T, "[method]incoming-request.consume", B(args[0].of.handle));
    uint32_t ft = CALL(T, "[static]incoming-body.finish", O(OK(&r)->of.handle)).of.handle;
    cval t = CALL(T, "[method]future-trailers.get", B(ft));
    /* some(ok(ok(some(trailers)))) */
    cr_assert_eq(t.of.variant.case_, 1);
    const cval *inner = OK(OK(t.of.variant.payload));
    cr_assert_eq(inner->of.variant.case_, 1);
    uint32_t tr = inner->of.variant.payload->of.handle;
    cr_expect_str_eq(bytes_str(&CALL(T, "[method]fields.get", B(tr), S("x-sum")).of.list.items[0]), "42");
    r = CALL(T, "[method]fields.append", B(tr), S("x-more"), BYTES("1", 1));
    cr_expect_eq(HERR(&r), HDR_IMMUTABLE);
    /* the response's trailers, from outgoing-body.finish */
    uint32_t rs = CALL(T, "[constructor]outgoing-response", O(new_fields())).of.handle;
    r = CALL(T, "[method]outgoing-response.body", B(rs));
    uint32_t ob = OK(&r)->of.handle;
    r = CALL(T, "[static]fields.from-list", LIST(1, entry("x-checksum", "abc")));
    cval ownt = O(OK(&r)->of.handle);
    r = CALL(T, "[static]outgoing-body.finish", O(ob), w2_some(ownt));
    cr_expect(is_ok(&r));
    cval own = O(rs);
    CALL(T, "[static]response-outparam.set", O(args[1].of.handle), w2_ok(&own));
    wasmrt_http_response resp;
    cr_assert(wasmrt_wasi2_http_response(h_w, &resp, &err), "%s", err.message);
    cr_assert_eq(resp.num_trailers, 1);
    cr_expect_eq(resp.trailers[0].name_len, 10);
    cr_expect(!memcmp(resp.trailers[0].name, "x-checksum", 10));
    cr_expect(resp.trailers[0].value_len == 3 && !memcmp(resp.trailers[0].value, "abc", 3));
    wasmrt_wasi2_reset(h_w);
    cr_expect_eq(h_w->nobjs, 0);
}

/* The server's side of a streamed request: the rest of the body after the
 * guest has started waiting for it, then the end (or the client gone). */
typedef struct late_body {
    wasmrt_http_body *b;
    bool complete;
} late_body;

static void *arrive_late(void *p) {
    late_body *lb = p;
    usleep(50000);
    wasmrt_http_body_append(lb->b, (const uint8_t *)" world", 6);
    usleep(20000);
    wasmrt_http_body_end(lb->b, lb->complete);
    return NULL;
}

static int notified;
static void count_notify(void *env) { __atomic_add_fetch((int *)env, 1, __ATOMIC_SEQ_CST); }

Test(wasi2_http, a_shared_body_is_read_as_it_arrives_and_its_end_or_abort_is_seen, .init = setup,
     .fini = teardown) {
    for (int complete = 1; complete >= 0; complete--) {
        wasmrt_http_request req = sample();
        wasmrt_http_body_free(req.body);
        req.body = wasmrt_http_body_new();
        notified = 0;
        cr_assert(wasmrt_http_body_share(req.body, count_notify, &notified));
        cr_assert(wasmrt_http_body_append(req.body, (const uint8_t *)"hello", 5));
        cval args[2];
        wasmrt_error err;
        cr_assert(wasmrt_wasi2_http_begin(h_w, &req, args, &err), "%s", err.message);
        cval r = CALL(T, "[method]incoming-request.consume", B(args[0].of.handle));
        r = CALL(T, "[method]incoming-body.stream", B(OK(&r)->of.handle));
        uint32_t in = OK(&r)->of.handle;
        r = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(100));
        cr_expect_str_eq(bytes_str(OK(&r)), "hello");
        /* nothing more yet: a non-blocking read gets no bytes, a poll is not ready */
        r = CALL(IO, "[method]input-stream.read", B(in), U64(100));
        cr_expect_eq(OK(&r)->of.list.len, 0);
        uint32_t p = CALL(IO, "[method]input-stream.subscribe", B(in)).of.handle;
        cr_expect(!CALL("wasi:io/poll", "[method]pollable.ready", B(p)).of.b);
        late_body lb = {req.body, complete};
        pthread_t t;
        pthread_create(&t, NULL, arrive_late, &lb);
        r = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(100));   /* waits for it */
        cr_expect_str_eq(bytes_str(OK(&r)), " world");
        r = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(100));
        cr_expect_eq(STREAM_ERR(&r), complete ? 1u : 0u, "the end: closed; the client gone: last-operation-failed");
        pthread_join(t, NULL);
        cr_expect_geq(notified, 3, "notify on each append and the end: %d", notified);
        wasmrt_http_body_free(req.body);
        wasmrt_wasi2_reset(h_w);
    }
}

Test(wasi2_http, responses_the_guest_did_not_complete_are_errors, .init = setup, .fini = teardown) {
    wasmrt_http_request req = sample();
    wasmrt_http_body_free(req.body);
    req.body = NULL;   /* an empty body */
    cval args[2];
    wasmrt_error err;
    wasmrt_http_response resp;
    /* never set */
    cr_assert(wasmrt_wasi2_http_begin(h_w, &req, args, &err));
    cr_expect(!wasmrt_wasi2_http_response(h_w, &resp, &err));
    cr_expect(strstr(err.message, "without setting a response"), "%s", err.message);
    wasmrt_wasi2_reset(h_w);
    /* set to an error-code */
    cr_assert(wasmrt_wasi2_http_begin(h_w, &req, args, &err));
    CALL(T, "[static]response-outparam.set", O(args[1].of.handle), w2_err(w2_http_error(HE_HTTP_REQUEST_DENIED, NULL)));
    cr_expect(!wasmrt_wasi2_http_response(h_w, &resp, &err));
    cr_expect(strstr(err.message, "HTTP-request-denied"), "%s", err.message);
    wasmrt_wasi2_reset(h_w);
    /* a body dropped without finish */
    cr_assert(wasmrt_wasi2_http_begin(h_w, &req, args, &err));
    uint32_t rs = CALL(T, "[constructor]outgoing-response", O(new_fields())).of.handle;
    cval r = CALL(T, "[method]outgoing-response.body", B(rs));
    w2_drop(h_w, OK(&r)->of.handle);
    cval own = O(rs);
    CALL(T, "[static]response-outparam.set", O(args[1].of.handle), w2_ok(&own));
    cr_expect(!wasmrt_wasi2_http_response(h_w, &resp, &err));
    cr_expect(strstr(err.message, "not finished"), "%s", err.message);
    wasmrt_wasi2_reset(h_w);
}

/* An outgoing request to authority, with the handle result. */
static cval send_to(const char *authority) {
    uint32_t rq = CALL(T, "[constructor]outgoing-request", O(new_fields())).of.handle;
    cr_expect(okv(CALL(T, "[method]outgoing-request.set-authority", B(rq), SOME(S(authority)))));
    cr_expect(okv(CALL(T, "[method]outgoing-request.set-path-with-query", B(rq), SOME(S("/x")))));
    cval bad = CALL(T, "[method]outgoing-request.set-path-with-query", B(rq), SOME(S("no slash")));
    cr_expect(!is_ok(&bad));
    return CALL("wasi:http/outgoing-handler", "handle", O(rq), w2_none());
}

Test(wasi2_http, outgoing_requests_are_denied_unless_allowed, .init = setup, .fini = teardown) {
    cval r = send_to("example.com");
    cr_assert(!is_ok(&r));
    cr_expect_eq(r.of.variant.payload->of.variant.case_, HE_HTTP_REQUEST_DENIED);
    /* allowed: a loopback port nobody listens on is refused by the peer */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    cr_assert_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
    close(s);
    char auth[64];
    snprintf(auth, sizeof auth, "127.0.0.1:%u", ntohs(sa.sin_port));
    wasmrt_error err;
    cr_assert(wasmrt_wasi2_allow_http(h_w, auth, &err), "%s", err.message);
    r = send_to("127.0.0.1:1");   /* another port: still denied */
    cr_expect_eq(r.of.variant.payload->of.variant.case_, HE_HTTP_REQUEST_DENIED);
    r = send_to(auth);
    uint32_t fut = OK(&r)->of.handle;
    cval g = CALL(T, "[method]future-incoming-response.get", B(fut));
    cr_assert_eq(g.of.variant.case_, 1);   /* some */
    cval *inner = g.of.variant.payload->of.variant.payload;   /* ok(result<incoming-response, error-code>) */
    cr_assert_eq(inner->of.variant.case_, 1, "the request should fail");
    /* refused by the peer (libcurl), or unsupported in a build without it */
    const cval *code = inner->of.variant.payload;
    if (code->of.variant.case_ == HE_INTERNAL_ERROR)
        cr_expect(strstr(code->of.variant.payload->of.variant.payload->of.str.ptr, "without libcurl"));
    else
        cr_expect_eq(code->of.variant.case_, HE_CONNECTION_REFUSED);
    g = CALL(T, "[method]future-incoming-response.get", B(fut));
    cr_expect_eq(g.of.variant.payload->of.variant.case_, 1);   /* some(err): already taken */
}
