/* The embedder's side of one wasi:http exchange (wasmrt_wasi2.h): the
 * incoming-request and response-outparam handed to the guest's handle,
 * and the response read back after it returned. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"

static uint32_t method_case(const char *m) {
    static const char *const names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (uint32_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(m, names[i])) return i;
    return M_OTHER;
}

static bool fail(wasmrt_wasi2 *w, uint32_t rep, wasmrt_error *err) {
    if (rep) w2_drop(w, rep);
    snprintf(err->message, sizeof err->message, "out of memory or WASI resources for the request");
    return false;
}

bool wasmrt_wasi2_http_begin(wasmrt_wasi2 *w, const wasmrt_http_request *req, wasmrt_cval args[2],
                             wasmrt_error *err) {
    uint32_t rep = w2_http_new(w, W2_INREQ);
    if (!rep) return fail(w, 0, err);
    w2_http *h = w2_at(w, rep)->u.http;
    h->method = method_case(req->method);
    if (h->method == M_OTHER && !(h->method_other = strdup(req->method))) return fail(w, rep, err);
    if (req->path_with_query && !(h->path = strdup(req->path_with_query))) return fail(w, rep, err);
    if (req->authority && !(h->authority = strdup(req->authority))) return fail(w, rep, err);
    if (!strcasecmp(req->scheme, "http")) h->scheme = SCHEME_HTTP;
    else if (!strcasecmp(req->scheme, "https")) h->scheme = SCHEME_HTTPS;
    else if ((h->scheme_other = strdup(req->scheme))) h->scheme = SCHEME_OTHER;
    else return fail(w, rep, err);
    for (size_t i = 0; i < req->num_headers; i++)
        if (!w2_fields_add(&h->fields, req->headers[i].name, req->headers[i].name_len, req->headers[i].value,
                           req->headers[i].value_len))
            return fail(w, rep, err);
    /* the embedder's body itself: the guest's stream reads where the
     * server read the bytes to */
    if (!(h->body = req->body ? w2_body_ref(req->body) : w2_body_new())) return fail(w, rep, err);
    /* a shared body is still arriving: the embedder ends it (wasmrt_http_body_end) */
    if (!h->body->sync) h->body->finished = true;
    uint32_t out = w2_http_new(w, W2_OUTPARAM);
    if (!out) return fail(w, rep, err);
    w->hx.state = HX_STARTED;
    w->hx.resp = 0;
    w->hx.why[0] = 0;
    args[0] = w2_own(rep);
    args[1] = w2_own(out);
    return true;
}

static void headers_of(const w2_fields *f, wasmrt_http_header *out) {
    for (size_t i = 0; i < f->n; i++)
        out[i] = (wasmrt_http_header){f->v[i].name, strlen(f->v[i].name), f->v[i].val, f->v[i].nval};
}

/* The response the guest set; complete: its body must be finished. */
static w2_http *set_response(wasmrt_wasi2 *w, wasmrt_http_response *out, bool complete, wasmrt_error *err) {
    memset(out, 0, sizeof *out);
    if (w->hx.state == HX_SET_ERR) {
        /* the guest's text may hold anything: keep the log line one line */
        for (char *p = w->hx.why; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
        snprintf(err->message, sizeof err->message, "the handler set the error-code %s", w->hx.why);
        return NULL;
    }
    w2_obj *o = w->hx.state == HX_SET ? w2_at(w, w->hx.resp) : NULL;
    if (!o || o->kind != W2_OUTRESP) {
        snprintf(err->message, sizeof err->message, "the handler returned without setting a response");
        return NULL;
    }
    w2_http *h = o->u.http;
    if (complete && h->taken && !h->body->finished) {
        snprintf(err->message, sizeof err->message,
                 "the response body was not finished (outgoing-body.finish), or its stream failed");
        return NULL;
    }
    out->status = h->status;
    out->num_headers = h->fields.n;
    out->headers = h->fields.n ? calloc(h->fields.n, sizeof *out->headers) : NULL;
    if (h->fields.n && !out->headers) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    /* the arrays themselves are freed by the next reset (kept with the response) */
    headers_of(&h->fields, out->headers);
    free(w->hx_headers);
    w->hx_headers = out->headers;
    return h;
}

bool wasmrt_wasi2_http_response(wasmrt_wasi2 *w, wasmrt_http_response *out, wasmrt_error *err) {
    w2_http *h = set_response(w, out, true, err);
    if (!h) return false;
    if (h->taken) {
        out->body = h->body->data;
        out->body_len = h->body->n;
        const w2_fields *tr = &h->body->trailers;
        if (h->body->has_trailers && tr->n) {
            if (!(out->trailers = calloc(tr->n, sizeof *out->trailers))) {
                snprintf(err->message, sizeof err->message, "out of memory");
                return false;
            }
            headers_of(tr, out->trailers);
            out->num_trailers = tr->n;
        }
    }
    free(w->hx_trailers);
    w->hx_trailers = out->trailers;
    return true;
}

void wasmrt_wasi2_http_on_set(wasmrt_wasi2 *w, void (*fn)(void *env), void *env) {
    w->hx_on_set = fn;
    w->hx_on_set_env = env;
}

bool wasmrt_wasi2_http_response_head(wasmrt_wasi2 *w, wasmrt_http_response *out, wasmrt_http_body **body,
                                     void (*notify)(void *env), void *env, wasmrt_error *err) {
    *body = NULL;
    w2_http *h = set_response(w, out, false, err);
    if (!h) return false;
    if (h->taken) {
        if (!wasmrt_http_body_share(h->body, notify, env)) {
            snprintf(err->message, sizeof err->message, "out of memory");
            return false;
        }
        *body = w2_body_ref(h->body);
    }
    return true;
}

void wasmrt_wasi2_reset(wasmrt_wasi2 *w) {
    for (uint32_t i = w->nobjs; i > 0; i--) w2_drop(w, i);
    free(w->hx_headers);
    w->hx_headers = NULL;
    free(w->hx_trailers);
    w->hx_trailers = NULL;
    w->hx.state = HX_NONE;
    w->hx.resp = 0;
}
