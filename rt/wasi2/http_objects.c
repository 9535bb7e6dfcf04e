/* wasi:http objects: allocation, lookup, release, bodies, and the variant
 * values (error-code, method, scheme) the other http files return. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

static bool is_http(uint8_t kind) { return kind >= W2_FIELDS && kind <= W2_FUT_INRESP; }

uint32_t w2_http_new(wasmrt_wasi2 *w, uint8_t kind) {
    w2_http *h = calloc(1, sizeof *h);
    if (!h) return 0;
    h->scheme = -1;
    uint32_t rep = w2_new(w, kind, -1);
    if (!rep) {
        free(h);
        return 0;
    }
    w2_at(w, rep)->u.http = h;
    return rep;
}

w2_http *w2_http_get(wasmrt_wasi2 *w, const cval *h, uint8_t kind, wasmrt_error *err) {
    w2_obj *o = w2_get(w, h, kind, err);
    return o ? o->u.http : NULL;
}

void w2_http_release(w2_obj *o) {
    if (o->kind == W2_INSTREAM && o->u.in.src == IN_BODY) w2_body_unref(o->u.in.body);
    if (o->kind == W2_OUTSTREAM && o->u.out.dst == OUT_BODY) w2_body_unref(o->u.out.body);
    if (!is_http(o->kind) || !o->u.http) return;
    w2_http *h = o->u.http;
    w2_fields_clear(&h->fields);
    free(h->method_other);
    free(h->path);
    free(h->authority);
    free(h->scheme_other);
    w2_body_unref(h->body);
    free(h);
    o->u.http = NULL;
}

/* ---- bodies ------------------------------------------------------------------ */

w2_body *w2_body_new(void) {
    w2_body *b = calloc(1, sizeof *b);
    if (b) atomic_init(&b->refs, 1);
    return b;
}

w2_body *w2_body_ref(w2_body *b) {
    if (b) atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
    return b;
}

void w2_body_unref(w2_body *b) {
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    free(b->data);
    w2_fields_clear(&b->trailers);
    if (b->sync) {
        pthread_mutex_destroy(&b->sync->mu);
        pthread_cond_destroy(&b->sync->more);
        free(b->sync);
    }
    free(b);
}

void w2_body_unlock(w2_body *b, bool wake) {
    if (!b->sync) return;
    if (wake) pthread_cond_broadcast(&b->sync->more);
    pthread_mutex_unlock(&b->sync->mu);
    if (wake && b->sync->notify) b->sync->notify(b->sync->env);
}

static bool append_locked(w2_body *b, const uint8_t *p, size_t n) {
    if (n > W2_HTTP_MAX_BODY - b->n) return false;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n) cap *= 2;
        uint8_t *d = realloc(b->data, cap);
        if (!d) return false;
        b->data = d;
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->n, p, n);
    b->n += n;
    return true;
}

bool w2_body_append(w2_body *b, const uint8_t *p, size_t n) {
    w2_body_lock(b);
    bool ok = append_locked(b, p, n);
    w2_body_unlock(b, ok && n);
    return ok;
}

void w2_body_finish(w2_body *b) {
    w2_body_lock(b);
    b->finished = true;
    w2_body_unlock(b, true);
}

/* ---- the embedder's handle on a body (wasmrt_wasi2.h) ---- */

wasmrt_http_body *wasmrt_http_body_new(void) { return w2_body_new(); }

bool wasmrt_http_body_append(wasmrt_http_body *b, const uint8_t *p, size_t n) { return w2_body_append(b, p, n); }

size_t wasmrt_http_body_size(const wasmrt_http_body *b) { return b ? b->n : 0; }

bool wasmrt_http_body_add_trailer(wasmrt_http_body *b, const char *name, size_t name_len, const uint8_t *value,
                                  size_t value_len) {
    w2_body_lock(b);
    b->has_trailers = true;
    bool ok = w2_fields_add(&b->trailers, name, name_len, value, value_len);
    w2_body_unlock(b, false);
    return ok;
}

void wasmrt_http_body_free(wasmrt_http_body *b) { w2_body_unref(b); }

bool wasmrt_http_body_share(wasmrt_http_body *b, void (*notify)(void *env), void *env) {
    if (b->sync) return true;
    w2_body_sync *sy = calloc(1, sizeof *sy);
    if (!sy) return false;
    pthread_mutex_init(&sy->mu, NULL);
    pthread_cond_init(&sy->more, NULL);
    sy->notify = notify;
    sy->env = env;
    b->sync = sy;
    return true;
}

void wasmrt_http_body_end(wasmrt_http_body *b, bool complete) {
    w2_body_lock(b);
    if (complete) b->finished = true;
    else if (!b->finished) b->aborted = true;
    w2_body_unlock(b, true);
}

size_t wasmrt_http_body_read(wasmrt_http_body *b, size_t off, uint8_t *buf, size_t max, bool *finished) {
    w2_body_lock(b);
    size_t k = off < b->n ? (b->n - off < max ? b->n - off : max) : 0;
    if (k) memcpy(buf, b->data + off, k);
    *finished = b->finished && off + k >= b->n;
    w2_body_unlock(b, false);
    return k;
}

size_t wasmrt_http_body_trailers(wasmrt_http_body *b, wasmrt_http_header *out, size_t cap) {
    w2_body_lock(b);
    size_t n = b->has_trailers ? b->trailers.n : 0;
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = (wasmrt_http_header){b->trailers.v[i].name, strlen(b->trailers.v[i].name), b->trailers.v[i].val,
                                      b->trailers.v[i].nval};
    w2_body_unlock(b, false);
    return n;
}

/* ---- values ------------------------------------------------------------------ */

/* Cases whose payload is option<...>: given none. */
static bool option_payload(int c) {
    switch (c) {
    case HE_HTTP_REQUEST_BODY_SIZE:
    case HE_HTTP_REQUEST_HEADER_SECTION_SIZE:
    case HE_HTTP_REQUEST_HEADER_SIZE:
    case HE_HTTP_REQUEST_TRAILER_SECTION_SIZE:
    case HE_HTTP_RESPONSE_HEADER_SECTION_SIZE:
    case HE_HTTP_RESPONSE_BODY_SIZE:
    case HE_HTTP_RESPONSE_TRAILER_SECTION_SIZE:
    case HE_HTTP_RESPONSE_TRANSFER_CODING:
    case HE_HTTP_RESPONSE_CONTENT_CODING:
        return true;
    default: return false;
    }
}

cval w2_http_error(int c, const char *text) {
    if (c == HE_INTERNAL_ERROR) {
        cval p = text ? w2_some(w2_string(text, strlen(text))) : w2_none();
        return w2_variant((uint32_t)c, &p);
    }
    if (c == HE_DNS_ERROR) {
        cval p = w2_record(2, w2_none(), w2_none());
        return w2_variant((uint32_t)c, &p);
    }
    if (c == HE_TLS_ALERT_RECEIVED) {
        cval p = w2_record(2, w2_none(), w2_none());
        return w2_variant((uint32_t)c, &p);
    }
    if (c == HE_HTTP_REQUEST_TRAILER_SIZE || c == HE_HTTP_RESPONSE_HEADER_SIZE ||
        c == HE_HTTP_RESPONSE_TRAILER_SIZE) {
        cval p = w2_record(2, w2_none(), w2_none());
        return w2_variant((uint32_t)c, &p);
    }
    if (option_payload(c)) {
        cval p = w2_none();
        return w2_variant((uint32_t)c, &p);
    }
    return w2_variant((uint32_t)c, NULL);
}

cval w2_result_unit(bool ok) {
    return (cval){.kind = WASMC_CVAL_RESULT, .of.variant = {ok ? 0 : 1, NULL}};
}

cval w2_method_val(uint32_t m, const char *other) {
    if (m != M_OTHER) return w2_variant(m, NULL);
    cval s = w2_string(other ? other : "", other ? strlen(other) : 0);
    return w2_variant(M_OTHER, &s);
}

bool w2_method_from(const cval *v, uint32_t *m, char **other, wasmrt_error *err) {
    *other = NULL;
    *m = v->of.variant.case_;
    if (*m > M_OTHER) return w2_trap(err, "method case %u out of range", *m);
    if (*m == M_OTHER) {
        const cval *p = v->of.variant.payload;
        if (!p || p->kind != WASMC_CVAL_STRING) return w2_trap(err, "method other(string) expected");
        *other = w2_cstring(p, err);
        if (!*other) return w2_trap(err, "method other(string) holds a NUL byte");
    }
    return true;
}

cval w2_scheme_val(int s, const char *other) {
    if (s != SCHEME_OTHER) return w2_variant((uint32_t)s, NULL);
    cval str = w2_string(other ? other : "", other ? strlen(other) : 0);
    return w2_variant(SCHEME_OTHER, &str);
}
