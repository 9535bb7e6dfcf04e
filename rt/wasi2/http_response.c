/* wasi:http/types on the sending side of a response: outgoing-response,
 * outgoing-body (its output-stream appends to a host buffer), and
 * response-outparam.set, which hands the response to the embedder
 * (wasmrt_wasi2.hx; http_exchange.c reads it after the handler returns).
 * outgoing-body is shared with outgoing-request (http_client.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

bool http_outresp_new(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_fields f = {0};
    if (!w2_fields_take(w, &a[0], &f, err)) return false;
    uint32_t rep = w2_http_new(w, W2_OUTRESP);
    if (!rep) {
        w2_fields_clear(&f);
        return w2_trap(err, "too many open WASI resources");
    }
    w2_http *h = w2_at(w, rep)->u.http;
    h->fields = f;
    h->status = 200;
    *r = w2_own(rep);
    return true;
}

bool http_outresp_status(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTRESP, err);
    if (!h) return false;
    *r = w2_u16(h->status);
    return true;
}

bool http_outresp_set_status(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTRESP, err);
    if (!h) return false;
    uint64_t s = a[1].of.u;
    /* a status HTTP/1.1 can carry as a final response */
    bool ok = s >= 200 && s <= 999;
    if (ok) h->status = (uint16_t)s;
    *r = w2_result_unit(ok);
    return true;
}

bool http_outresp_headers(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTRESP, err);
    if (!h) return false;
    uint32_t rep = w2_fields_view(w, &h->fields);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

/* body: result<outgoing-body>, once.  The parent keeps a reference so the
 * embedder finds the bytes after the guest dropped the body. */
bool w2_http_body_of(wasmrt_wasi2 *w, const cval *a, uint8_t kind, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], kind, err);
    if (!h) return false;
    if (h->taken) {
        *r = w2_result_unit(false);
        return true;
    }
    w2_body *b = w2_body_new();
    uint32_t rep = b ? w2_http_new(w, W2_OUTBODY) : 0;
    if (!rep) {
        w2_body_unref(b);
        return w2_trap(err, "too many open WASI resources");
    }
    h->taken = true;
    h->body = b;
    w2_at(w, rep)->u.http->body = w2_body_ref(b);
    cval own = w2_own(rep);
    *r = w2_ok(&own);
    return true;
}

bool http_outresp_body(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return w2_http_body_of(w, a, W2_OUTRESP, r, err);
}

bool http_outbody_write(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTBODY, err);
    if (!h) return false;
    if (h->taken) {
        *r = w2_result_unit(false);
        return true;
    }
    uint32_t rep = w2_new_output(w, -1, OUT_BODY, 0, false);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    h->taken = true;
    w2_at(w, rep)->u.out.body = w2_body_ref(h->body);
    cval own = w2_own(rep);
    *r = w2_ok(&own);
    return true;
}

/* finish: the body is complete.  Trailers go with it: the server sends
 * them after a chunked body (wasmrt_http_response.trailers); an outgoing
 * request's are not sent (libcurl sends none for a buffered body). */
bool http_outbody_finish(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTBODY, err);
    if (!h) return false;
    const cval *tr = a[1].of.variant.case_ ? a[1].of.variant.payload : NULL;
    if (tr) {
        w2_fields f = {0};
        if (!w2_fields_take(w, tr, &f, err)) return false;
        w2_body_lock(h->body);
        w2_fields_clear(&h->body->trailers);
        h->body->trailers = f;
        h->body->has_trailers = true;
        w2_body_unlock(h->body, false);
    }
    w2_body_finish(h->body);
    w2_drop(w, a[0].of.handle);
    *r = w2_result_unit(true);
    return true;
}

/* A short name of an error-code case, for the server's log. */
static const char *const error_names[HE_COUNT_] = {
    "DNS-timeout", "DNS-error", "destination-not-found", "destination-unavailable",
    "destination-IP-prohibited", "destination-IP-unroutable", "connection-refused",
    "connection-terminated", "connection-timeout", "connection-read-timeout",
    "connection-write-timeout", "connection-limit-reached", "TLS-protocol-error",
    "TLS-certificate-error", "TLS-alert-received", "HTTP-request-denied",
    "HTTP-request-length-required", "HTTP-request-body-size", "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid", "HTTP-request-URI-too-long", "HTTP-request-header-section-size",
    "HTTP-request-header-size", "HTTP-request-trailer-section-size", "HTTP-request-trailer-size",
    "HTTP-response-incomplete", "HTTP-response-header-section-size", "HTTP-response-header-size",
    "HTTP-response-body-size", "HTTP-response-trailer-section-size", "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding", "HTTP-response-content-coding", "HTTP-response-timeout",
    "HTTP-upgrade-failed", "HTTP-protocol-error", "loop-detected", "configuration-error",
    "internal-error",
};

bool http_outparam_set(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)r;
    if (!w2_http_get(w, &a[0], W2_OUTPARAM, err)) return false;
    const cval *res = &a[1];
    const cval *p = res->of.variant.payload;
    if (res->of.variant.case_ == 0) {
        if (!p || p->kind != WASMC_CVAL_OWN || !w2_http_get(w, p, W2_OUTRESP, err))
            return p ? false : w2_trap(err, "response-outparam.set: ok(outgoing-response) expected");
    }
    /* The one outparam the embedder made; anything else (a second set is
     * impossible: set consumes the handle) is ignored. */
    w2_drop(w, a[0].of.handle);
    if (w->hx.state != HX_STARTED) {
        if (res->of.variant.case_ == 0) w2_drop(w, p->of.handle);
        return true;
    }
    if (res->of.variant.case_ == 0) {
        w->hx.state = HX_SET;
        w->hx.resp = p->of.handle;
        if (w->hx_on_set) w->hx_on_set(w->hx_on_set_env);
    } else {
        w->hx.state = HX_SET_ERR;
        uint32_t c = p && p->kind == WASMC_CVAL_VARIANT ? p->of.variant.case_ : HE_INTERNAL_ERROR;
        const cval *text = p && c == HE_INTERNAL_ERROR ? p->of.variant.payload : NULL;
        if (text && text->kind == WASMC_CVAL_OPTION && text->of.variant.case_ &&
            text->of.variant.payload->kind == WASMC_CVAL_STRING)
            snprintf(w->hx.why, sizeof w->hx.why, "internal-error(%.*s)",
                     (int)(text->of.variant.payload->of.str.len > 150 ? 150
                                                                       : text->of.variant.payload->of.str.len),
                     text->of.variant.payload->of.str.ptr);
        else
            snprintf(w->hx.why, sizeof w->hx.why, "%s", c < HE_COUNT_ ? error_names[c] : "error-code");
        if (w->hx_on_set) w->hx_on_set(w->hx_on_set_env);
    }
    return true;
}
