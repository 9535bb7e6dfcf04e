/* wasi:http/types fields (headers and trailers): names are RFC 9110 tokens,
 * values hold no control bytes (HTAB aside), hop-by-hop and proxy headers
 * are forbidden to guests, and a headers() view is immutable.  Names are
 * kept lower-cased; entries keep their order, values of one name theirs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"

bool w2_field_name_valid(const char *name, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (isalnum(c)) continue;
        if (!c || !strchr("!#$%&'*+-.^_`|~", c)) return false;
    }
    return true;
}

bool w2_field_value_valid(const uint8_t *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if ((v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f) return false;
    return true;
}

bool w2_field_forbidden(const char *name) {
    static const char *const forbidden[] = {
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
        "proxy-connection", "te", "transfer-encoding", "upgrade", "http2-settings",
    };
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        if (!strcmp(name, forbidden[i])) return true;
    return false;
}

bool w2_fields_add(w2_fields *f, const char *name, size_t nn, const uint8_t *val, size_t nv) {
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        w2_field *v = realloc(f->v, cap * sizeof *v);
        if (!v) return false;
        f->v = v;
        f->cap = cap;
    }
    /* one block: the name, its NUL, then the value (freed with the name) */
    char *n = malloc(nn + 1 + nv);
    if (!n) return false;
    for (size_t i = 0; i < nn; i++) n[i] = (char)tolower((unsigned char)name[i]);
    n[nn] = 0;
    uint8_t *d = (uint8_t *)n + nn + 1;
    if (nv) memcpy(d, val, nv);
    f->v[f->n++] = (w2_field){n, d, nv};
    return true;
}

bool w2_fields_copy(w2_fields *dst, const w2_fields *src) {
    for (size_t i = 0; i < src->n; i++)
        if (!w2_fields_add(dst, src->v[i].name, strlen(src->v[i].name), src->v[i].val, src->v[i].nval))
            return false;
    return true;
}

void w2_fields_clear(w2_fields *f) {
    for (size_t i = 0; i < f->n; i++) free(f->v[i].name);
    free(f->v);
    *f = (w2_fields){0};
}

static void fields_remove(w2_fields *f, const char *lower) {
    size_t k = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (!strcmp(f->v[i].name, lower)) {
            free(f->v[i].name);
        } else {
            f->v[k++] = f->v[i];
        }
    }
    f->n = k;
}

uint32_t w2_fields_view(wasmrt_wasi2 *w, const w2_fields *f) {
    uint32_t rep = w2_http_new(w, W2_FIELDS);
    if (!rep) return 0;
    w2_http *h = w2_at(w, rep)->u.http;
    h->immutable = true;
    if (!w2_fields_copy(&h->fields, f)) {
        w2_drop(w, rep);
        return 0;
    }
    return rep;
}

bool w2_fields_take(wasmrt_wasi2 *w, const cval *own, w2_fields *dst, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, own, W2_FIELDS, err);
    if (!h) return false;
    w2_fields_clear(dst);
    *dst = h->fields;
    h->fields = (w2_fields){0};
    w2_drop(w, own->of.handle);
    return true;
}

static cval header_err(int c) { return w2_err(w2_variant((uint32_t)c, NULL)); }

/* A name argument, lower-cased, or NULL when it is not a token. */
static char *lower_name(const cval *v) {
    if (!w2_field_name_valid(v->of.str.ptr, v->of.str.len)) return NULL;
    char *s = malloc(v->of.str.len + 1);
    if (!s) return NULL;
    for (size_t i = 0; i < v->of.str.len; i++) s[i] = (char)tolower((unsigned char)v->of.str.ptr[i]);
    s[v->of.str.len] = 0;
    return s;
}

/* Checks one (name, value) a guest gives: 0 when fine, else the header-error case + 1. */
static int check_entry(const char *lower, const cval *value, uint8_t **bytes, size_t *n,
                       wasmrt_error *err, bool *trapped) {
    *bytes = w2_list_bytes(value, n, err);
    if (!*bytes) {
        *trapped = true;
        return 0;
    }
    if (!w2_field_value_valid(*bytes, *n)) return HDR_INVALID_SYNTAX + 1;
    if (w2_field_forbidden(lower)) return HDR_FORBIDDEN + 1;
    return 0;
}

static uint32_t alloc_fields(wasmrt_wasi2 *w, wasmrt_error *err) {
    uint32_t rep = w2_http_new(w, W2_FIELDS);
    if (!rep) w2_trap(err, "too many open WASI resources");
    return rep;
}

bool http_fields_new(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    uint32_t rep = alloc_fields(w, err);
    if (!rep) return false;
    *r = w2_own(rep);
    return true;
}

bool http_fields_from_list(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_fields f = {0};
    for (size_t i = 0; i < a[0].of.list.len; i++) {
        const cval *t = &a[0].of.list.items[i];
        if (t->kind != WASMC_CVAL_TUPLE || t->of.list.len != 2 ||
            t->of.list.items[0].kind != WASMC_CVAL_STRING || t->of.list.items[1].kind != WASMC_CVAL_LIST) {
            w2_fields_clear(&f);
            return w2_trap(err, "fields.from-list: tuple<string, list<u8>> expected");
        }
        char *name = lower_name(&t->of.list.items[0]);
        if (!name) {
            w2_fields_clear(&f);
            *r = header_err(HDR_INVALID_SYNTAX);
            return true;
        }
        uint8_t *bytes;
        size_t n;
        bool trapped = false;
        int bad = check_entry(name, &t->of.list.items[1], &bytes, &n, err, &trapped);
        if (trapped || bad || !w2_fields_add(&f, name, strlen(name), bytes, n)) {
            free(name);
            free(bytes);
            w2_fields_clear(&f);
            if (trapped) return false;
            if (!bad) return w2_trap(err, "out of memory");
            *r = header_err(bad - 1);
            return true;
        }
        free(name);
        free(bytes);
    }
    uint32_t rep = alloc_fields(w, err);
    if (!rep) {
        w2_fields_clear(&f);
        return false;
    }
    w2_at(w, rep)->u.http->fields = f;
    cval own = w2_own(rep);
    *r = w2_ok(&own);
    return true;
}

bool http_fields_get(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_FIELDS, err);
    if (!h) return false;
    char *name = lower_name(&a[1]);
    size_t k = 0;
    cval *items = w2_alloc((h->fields.n ? h->fields.n : 1) * sizeof *items);
    for (size_t i = 0; name && i < h->fields.n; i++)
        if (!strcmp(h->fields.v[i].name, name)) items[k++] = w2_bytes(h->fields.v[i].val, h->fields.v[i].nval);
    free(name);
    *r = w2_list(items, k);
    return true;
}

bool http_fields_has(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_FIELDS, err);
    if (!h) return false;
    char *name = lower_name(&a[1]);
    bool found = false;
    for (size_t i = 0; name && i < h->fields.n && !found; i++) found = !strcmp(h->fields.v[i].name, name);
    free(name);
    *r = w2_bool(found);
    return true;
}

/* set / append / delete: name checks, immutability, then the change. */
static bool change(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, char mode) {
    w2_http *h = w2_http_get(w, &a[0], W2_FIELDS, err);
    if (!h) return false;
    if (h->immutable) {
        *r = header_err(HDR_IMMUTABLE);
        return true;
    }
    char *name = lower_name(&a[1]);
    if (!name) {
        *r = header_err(HDR_INVALID_SYNTAX);
        return true;
    }
    if (w2_field_forbidden(name)) {
        free(name);
        *r = header_err(HDR_FORBIDDEN);
        return true;
    }
    /* set: every value checked before anything changes */
    size_t nv = mode == 's' ? a[2].of.list.len : mode == 'a' ? 1 : 0;
    const cval *vals = mode == 's' ? a[2].of.list.items : &a[2];
    /* append (every request's guest does a few) takes no extra allocations */
    uint8_t *bytes1[4] = {0};
    size_t lens1[4];
    uint8_t **bytes = nv <= 4 ? bytes1 : calloc(nv, sizeof *bytes);
    size_t *lens = nv <= 4 ? lens1 : calloc(nv, sizeof *lens);
    if (!bytes || !lens) {
        if (bytes != bytes1) free(bytes);
        if (lens != lens1) free(lens);
        free(name);
        return w2_trap(err, "out of memory");
    }
    bool ok = true;
    int bad = 0;
    for (size_t i = 0; ok && i < nv && !bad; i++) {
        if (vals[i].kind != WASMC_CVAL_LIST) {
            ok = w2_trap(err, "fields: list<u8> value expected");
            break;
        }
        bytes[i] = w2_list_bytes(&vals[i], &lens[i], err);
        if (!bytes[i]) ok = false;
        else if (!w2_field_value_valid(bytes[i], lens[i])) bad = HDR_INVALID_SYNTAX + 1;
    }
    if (ok && !bad) {
        if (mode != 'a') fields_remove(&h->fields, name);
        for (size_t i = 0; ok && i < nv; i++)
            if (!w2_fields_add(&h->fields, name, strlen(name), bytes[i], lens[i]))
                ok = w2_trap(err, "out of memory");
        if (ok) *r = w2_result_unit(true);
    } else if (ok) {
        *r = header_err(bad - 1);
    }
    for (size_t i = 0; i < nv; i++) free(bytes[i]);
    if (bytes != bytes1) free(bytes);
    if (lens != lens1) free(lens);
    free(name);
    return ok;
}

bool http_fields_set(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return change(w, a, r, err, 's');
}
bool http_fields_delete(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return change(w, a, r, err, 'd');
}
bool http_fields_append(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return change(w, a, r, err, 'a');
}

bool http_fields_entries(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_FIELDS, err);
    if (!h) return false;
    cval *items = w2_alloc((h->fields.n ? h->fields.n : 1) * sizeof *items);
    for (size_t i = 0; i < h->fields.n; i++)
        items[i] = w2_tuple(2, w2_string(h->fields.v[i].name, strlen(h->fields.v[i].name)),
                            w2_bytes(h->fields.v[i].val, h->fields.v[i].nval));
    *r = w2_list(items, h->fields.n);
    return true;
}

bool http_fields_clone(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_http *h = w2_http_get(w, &a[0], W2_FIELDS, err);
    if (!h) return false;
    uint32_t rep = alloc_fields(w, err);
    if (!rep) return false;
    /* the table may have moved: look the source up again */
    h = w2_at(w, a[0].of.handle)->u.http;
    if (!w2_fields_copy(&w2_at(w, rep)->u.http->fields, &h->fields)) {
        w2_drop(w, rep);
        return w2_trap(err, "out of memory");
    }
    *r = w2_own(rep);
    return true;
}
