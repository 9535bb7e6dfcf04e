/* wasi:http/outgoing-handler and the outgoing-request, request-options,
 * future-incoming-response resources.
 *
 * Policy: a request goes out only when its authority's host (and port,
 * defaulting to the scheme's) matches a rule given with
 * wasmrt_wasi2_allow_http (wasmrt serve --allow-http=HOST[:PORT]); any
 * other gets HTTP-request-denied from handle, before a byte is sent.  An
 * allowed request is performed (http_curl.c) when the guest first asks the
 * future for its value, so the body the guest wrote and finished by then
 * goes with it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"

bool wasmrt_wasi2_allow_http(wasmrt_wasi2 *w, const char *spec, wasmrt_error *err) {
    const char *colon = strrchr(spec, ':');
    size_t hn = colon ? (size_t)(colon - spec) : strlen(spec);
    long port = 0;
    if (colon) {
        char *end;
        port = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || port < 0 || port > 65535) {
            snprintf(err->message, sizeof err->message, "--allow-http=%s: bad port", spec);
            return false;
        }
    }
    if (hn == 0 || hn > 253) {
        snprintf(err->message, sizeof err->message, "--allow-http=%s: HOST[:PORT] expected", spec);
        return false;
    }
    w2_http_rule *t = realloc(w->http_rules, (w->nhttp_rules + 1) * sizeof *t);
    if (!t) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return false;
    }
    w->http_rules = t;
    char *host = strndup(spec, hn);
    if (!host) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return false;
    }
    t[w->nhttp_rules++] = (w2_http_rule){host, (uint16_t)port};
    w2_http_preload();   /* while code may still be mapped (before seccomp) */
    return true;
}

/* Whether the request's authority is allowed by a rule. */
static bool allowed(const wasmrt_wasi2 *w, const w2_http *req) {
    if (!req->authority) return false;
    const char *a = req->authority;
    if (strchr(a, '@')) return false;   /* userinfo: refuse rather than parse */
    const char *colon = strrchr(a, ':');
    if (colon && strchr(a, ']') > colon) colon = NULL;   /* inside [v6] */
    size_t hn = colon ? (size_t)(colon - a) : strlen(a);
    long port = req->scheme == SCHEME_HTTPS ? 443 : 80;
    if (colon) {
        char *end;
        port = strtol(colon + 1, &end, 10);
        if (!colon[1] || *end || port <= 0 || port > 65535) return false;
    }
    for (uint32_t i = 0; i < w->nhttp_rules; i++) {
        const w2_http_rule *r = &w->http_rules[i];
        if (strlen(r->host) == hn && !strncasecmp(r->host, a, hn) && (!r->port || r->port == port))
            return true;
    }
    return false;
}

void w2_http_rules_free(wasmrt_wasi2 *w) {
    for (uint32_t i = 0; i < w->nhttp_rules; i++) free(w->http_rules[i].host);
    free(w->http_rules);
    w->http_rules = NULL;
    w->nhttp_rules = 0;
}

/* ---- outgoing-request --------------------------------------------------------- */

bool http_outreq_new(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_fields f = {0};
    if (!w2_fields_take(w, &a[0], &f, err)) return false;
    uint32_t rep = w2_http_new(w, W2_OUTREQ);
    if (!rep) {
        w2_fields_clear(&f);
        return w2_trap(err, "too many open WASI resources");
    }
    w2_http *h = w2_at(w, rep)->u.http;
    h->fields = f;
    h->method = M_GET;
    *r = w2_own(rep);
    return true;
}

bool http_outreq_body(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return w2_http_body_of(w, a, W2_OUTREQ, r, err);
}

bool http_outreq_method(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    *r = w2_method_val(h->method, h->method_other);
    return true;
}

bool http_outreq_set_method(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    uint32_t m;
    char *other;
    if (!w2_method_from(&a[1], &m, &other, err)) return false;
    if (other && !w2_field_name_valid(other, strlen(other))) {   /* a method is a token */
        free(other);
        *r = w2_result_unit(false);
        return true;
    }
    free(h->method_other);
    h->method = m;
    h->method_other = other;
    *r = w2_result_unit(true);
    return true;
}

static cval opt_string(const char *s) { return s ? w2_some(w2_string(s, strlen(s))) : w2_none(); }

/* An option<string> argument: *out NULL for none; false when it holds a
 * byte a request line or Host header cannot carry. */
static bool opt_arg(const cval *v, char **out, bool (*ok)(const char *)) {
    *out = NULL;
    if (!v->of.variant.case_) return true;
    const cval *s = v->of.variant.payload;
    if (!s || s->kind != WASMC_CVAL_STRING) return false;
    for (size_t i = 0; i < s->of.str.len; i++)
        if ((unsigned char)s->of.str.ptr[i] <= 0x20 || s->of.str.ptr[i] == 0x7f) return false;
    *out = strndup(s->of.str.ptr, s->of.str.len);
    if (!*out) return false;
    if (ok && !ok(*out)) {
        free(*out);
        *out = NULL;
        return false;
    }
    return true;
}

static bool path_ok(const char *p) { return *p == '/' || *p == '*'; }
static bool authority_ok(const char *a) { return *a && !strchr(a, '/') && !strchr(a, '?') && !strchr(a, '#'); }

bool http_outreq_path(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    *r = opt_string(h->path);
    return true;
}

bool http_outreq_set_path(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    char *p;
    bool ok = opt_arg(&a[1], &p, path_ok);
    if (ok) {
        free(h->path);
        h->path = p;
    }
    *r = w2_result_unit(ok);
    return true;
}

bool http_outreq_scheme(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    *r = h->scheme < 0 ? w2_none() : w2_some(w2_scheme_val(h->scheme, h->scheme_other));
    return true;
}

bool http_outreq_set_scheme(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    int s = -1;
    char *other = NULL;
    bool ok = true;
    if (a[1].of.variant.case_) {
        const cval *v = a[1].of.variant.payload;
        if (!v || v->kind != WASMC_CVAL_VARIANT || v->of.variant.case_ > SCHEME_OTHER)
            return w2_trap(err, "set-scheme: scheme expected");
        s = (int)v->of.variant.case_;
        if (s == SCHEME_OTHER) {
            const cval *str = v->of.variant.payload;
            ok = str && str->kind == WASMC_CVAL_STRING && str->of.str.len > 0 &&
                 isalpha((unsigned char)str->of.str.ptr[0]);
            for (size_t i = 0; ok && i < str->of.str.len; i++) {
                char c = str->of.str.ptr[i];
                ok = isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
            }
            if (ok && !(other = strndup(str->of.str.ptr, str->of.str.len))) return w2_trap(err, "out of memory");
        }
    }
    if (ok) {
        free(h->scheme_other);
        h->scheme = s;
        h->scheme_other = other;
    }
    *r = w2_result_unit(ok);
    return true;
}

bool http_outreq_authority(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    *r = opt_string(h->authority);
    return true;
}

bool http_outreq_set_authority(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    char *p;
    bool ok = opt_arg(&a[1], &p, authority_ok);
    if (ok) {
        free(h->authority);
        h->authority = p;
    }
    *r = w2_result_unit(ok);
    return true;
}

bool http_outreq_headers(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_OUTREQ, err);
    if (!h) return false;
    uint32_t rep = w2_fields_view(w, &h->fields);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

/* ---- request-options ------------------------------------------------------------ */

bool http_reqopts_new(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    uint32_t rep = w2_http_new(w, W2_REQOPTS);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

static bool opt_get(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, int i) {
    w2_http *h = w2_http_get(w, &a[0], W2_REQOPTS, err);
    if (!h) return false;
    *r = h->has_timeout[i] ? w2_some(w2_u64(h->timeout[i])) : w2_none();
    return true;
}

static bool opt_set(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, int i) {
    w2_http *h = w2_http_get(w, &a[0], W2_REQOPTS, err);
    if (!h) return false;
    const cval *d = a[1].of.variant.case_ ? a[1].of.variant.payload : NULL;
    if (d && d->kind != WASMC_CVAL_U64) return w2_trap(err, "request-options: duration expected");
    h->has_timeout[i] = d != NULL;
    h->timeout[i] = d ? d->of.u : 0;
    *r = w2_result_unit(true);
    return true;
}

bool http_reqopts_connect(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) { return opt_get(w, a, r, err, 0); }
bool http_reqopts_set_connect(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) { return opt_set(w, a, r, err, 0); }
bool http_reqopts_first_byte(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) { return opt_get(w, a, r, err, 1); }
bool http_reqopts_set_first_byte(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) { return opt_set(w, a, r, err, 1); }
bool http_reqopts_between(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) { return opt_get(w, a, r, err, 2); }
bool http_reqopts_set_between(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) { return opt_set(w, a, r, err, 2); }

/* ---- handle and future-incoming-response ------------------------------------------ */

bool http_outgoing_handle(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    if (!w2_http_get(w, &a[0], W2_OUTREQ, err)) return false;
    const cval *o = a[1].of.variant.case_ ? a[1].of.variant.payload : NULL;
    if (o && !w2_http_get(w, o, W2_REQOPTS, err)) return false;
    uint32_t rep = w2_http_new(w, W2_FUT_INRESP);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    w2_http *req = w2_at(w, a[0].of.handle)->u.http;
    if (!allowed(w, req)) {
        w2_drop(w, rep);
        w2_drop(w, a[0].of.handle);
        if (o) w2_drop(w, o->of.handle);
        *r = w2_err(w2_http_error(HE_HTTP_REQUEST_DENIED, NULL));
        return true;
    }
    /* The future keeps the request (and options) until it is performed:
     * the guest may still be writing the body. */
    w2_http *f = w2_at(w, rep)->u.http;
    f->req = a[0].of.handle;
    f->opts = o ? o->of.handle : 0;
    cval own = w2_own(rep);
    *r = w2_ok(&own);
    return true;
}

bool http_fut_inresp_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    if (!w2_http_get(w, &a[0], W2_FUT_INRESP, err)) return false;
    uint32_t rep = w2_new_pollable(w, POLL_READY, 0, 0, 0);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

bool http_fut_inresp_get(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *f = w2_http_get(w, &a[0], W2_FUT_INRESP, err);
    if (!f) return false;
    if (f->got) {
        *r = w2_some(w2_result_unit(false));
        return true;
    }
    f->got = true;
    uint32_t req_rep = f->req, opt_rep = f->opts;
    uint32_t rep = w2_http_new(w, W2_INRESP);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    w2_obj *ro = w2_at(w, req_rep), *oo = opt_rep ? w2_at(w, opt_rep) : NULL;
    w2_http *resp = w2_at(w, rep)->u.http;
    int code = HE_INTERNAL_ERROR;
    char *text = NULL;
    bool ok = ro && ro->kind == W2_OUTREQ &&
              w2_http_perform(ro->u.http, oo && oo->kind == W2_REQOPTS ? oo->u.http : NULL, resp, &code, &text);
    w2_drop(w, req_rep);
    if (opt_rep) w2_drop(w, opt_rep);
    cval inner;
    if (ok) {
        cval own = w2_own(rep);
        inner = w2_ok(&own);
    } else {
        w2_drop(w, rep);
        inner = w2_err(w2_http_error(code, text));
    }
    free(text);
    *r = w2_some(w2_ok(&inner));
    return true;
}
