/* wasi:http/types on the receiving side: incoming-request (made by the
 * embedder, http_exchange.c), incoming-body and its input-stream over the
 * buffered body, future-trailers, and http-error-code.  Also serves
 * incoming-response (http_client.c makes those): it shares the body code. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

static cval opt_string(const char *s) { return s ? w2_some(w2_string(s, strlen(s))) : w2_none(); }

bool http_error_code_of(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    /* stream errors here carry host errnos, never an HTTP error-code */
    if (!w2_get(w, &a[0], W2_ERROR, err)) return false;
    *r = w2_none();
    return true;
}

bool http_inreq_method(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_INREQ, err);
    if (!h) return false;
    *r = w2_method_val(h->method, h->method_other);
    return true;
}

bool http_inreq_path(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_INREQ, err);
    if (!h) return false;
    *r = opt_string(h->path);
    return true;
}

bool http_inreq_scheme(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_INREQ, err);
    if (!h) return false;
    *r = h->scheme < 0 ? w2_none() : w2_some(w2_scheme_val(h->scheme, h->scheme_other));
    return true;
}

bool http_inreq_authority(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_INREQ, err);
    if (!h) return false;
    *r = opt_string(h->authority);
    return true;
}

static bool headers_view(wasmrt_wasi2 *w, const cval *a, uint8_t kind, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], kind, err);
    if (!h) return false;
    uint32_t rep = w2_fields_view(w, &h->fields);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

bool http_inreq_headers(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return headers_view(w, a, W2_INREQ, r, err);
}

/* consume: the body once (result<incoming-body>), then err. */
static bool consume(wasmrt_wasi2 *w, const cval *a, uint8_t kind, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], kind, err);
    if (!h) return false;
    if (h->taken) {
        *r = w2_result_unit(false);
        return true;
    }
    uint32_t rep = w2_http_new(w, W2_INBODY);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    h->taken = true;
    w2_at(w, rep)->u.http->body = w2_body_ref(h->body);
    cval own = w2_own(rep);
    *r = w2_ok(&own);
    return true;
}

bool http_inreq_consume(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return consume(w, a, W2_INREQ, r, err);
}

bool http_inbody_stream(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_INBODY, err);
    if (!h) return false;
    if (h->taken) {
        *r = w2_result_unit(false);
        return true;
    }
    uint32_t rep = w2_new_input(w, -1, IN_BODY, 0);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    h->taken = true;
    w2_obj *s = w2_at(w, rep);
    s->u.in.body = w2_body_ref(h->body);
    if (!s->u.in.body) s->u.in.src = IN_EMPTY;
    cval own = w2_own(rep);
    *r = w2_ok(&own);
    return true;
}

bool http_inbody_finish(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *b = w2_http_get(w, &a[0], W2_INBODY, err);
    if (!b) return false;
    w2_body *body = w2_body_ref(b->body);
    w2_drop(w, a[0].of.handle);
    uint32_t rep = w2_http_new(w, W2_FUT_TRAILERS);
    if (!rep) {
        w2_body_unref(body);
        return w2_trap(err, "too many open WASI resources");
    }
    w2_at(w, rep)->u.http->body = body;   /* its trailers */
    *r = w2_own(rep);
    return true;
}

/* The body is complete before the guest runs (the server reads it first),
 * so its trailers are too: the future is ready at once, with the trailers
 * the request's chunked body ended with, or none. */
bool http_fut_trailers_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    if (!w2_http_get(w, &a[0], W2_FUT_TRAILERS, err)) return false;
    uint32_t rep = w2_new_pollable(w, POLL_READY, 0, 0, 0);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

bool http_fut_trailers_get(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_FUT_TRAILERS, err);
    if (!h) return false;
    if (h->got) {
        /* some(err): the value was already taken */
        *r = w2_some(w2_result_unit(false));
        return true;
    }
    h->got = true;
    cval tr = w2_none();
    if (h->body && h->body->has_trailers) {
        uint32_t rep = w2_fields_view(w, &h->body->trailers);
        if (!rep) return w2_trap(err, "too many open WASI resources");
        tr = w2_some(w2_own(rep));
    }
    cval inner = w2_ok(&tr);
    cval outer = w2_ok(&inner);
    *r = w2_some(outer);
    return true;
}

bool http_inresp_status(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_INRESP, err);
    if (!h) return false;
    *r = w2_u16(h->status);
    return true;
}

bool http_inresp_headers(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return headers_view(w, a, W2_INRESP, r, err);
}

bool http_inresp_consume(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return consume(w, a, W2_INRESP, r, err);
}
