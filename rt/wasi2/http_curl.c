/* Performs an allowed outgoing request with libcurl (Debian
 * libcurl4-openssl-dev): one blocking transfer, the whole response body
 * buffered (at most W2_HTTP_MAX_BODY), no redirects followed, http and
 * https only.  Built without libcurl, every allowed request fails with
 * internal-error naming the reason.  libcurl is dlopen'd (dynlib.c), not
 * linked, when the first --allow-http rule is added (w2_http_preload): a
 * run that sends no request never pays for loading it and its ~30
 * dependencies, and the load is over before any sandbox goes on. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

#ifdef WASMRT_HAVE_CURL
/* curl's type-checking wrappers are function-like macros named like the
 * functions, which would rewrite cu.curl_easy_setopt(...) too. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <pthread.h>

#include "../dynlib.h"

#define CURL_FNS(X) X(curl_global_init) X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_setopt) X(curl_easy_perform) X(curl_easy_getinfo) X(curl_easy_strerror) X(curl_slist_append) X(curl_slist_free_all)
RT_DYNLIB_DEFINE(cu, CURL_FNS, "libcurl.so.4")

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ok;
static char curl_why[200];
static void curl_init(void) {
    curl_ok = cu_load(curl_why, sizeof curl_why) && cu.curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!curl_ok && !curl_why[0]) snprintf(curl_why, sizeof curl_why, "curl_global_init failed");
}

void w2_http_preload(void) { pthread_once(&curl_once, curl_init); }

static size_t on_body(char *p, size_t size, size_t n, void *env) {
    w2_http *resp = env;
    return w2_body_append(resp->body, (const uint8_t *)p, size * n) ? size * n : 0;
}

/* Header lines; a status line (a 1xx, then the final one) starts over. */
static size_t on_header(char *p, size_t size, size_t n, void *env) {
    w2_http *resp = env;
    size_t len = size * n;
    while (len && (p[len - 1] == '\r' || p[len - 1] == '\n')) len--;
    if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
        w2_fields_clear(&resp->fields);
        return size * n;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon || colon == p) return size * n;
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    if (!w2_field_name_valid(p, (size_t)(colon - p))) return size * n;
    return w2_fields_add(&resp->fields, p, (size_t)(colon - p), (const uint8_t *)v, (size_t)(end - v)) ? size * n : 0;
}

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};

static int code_of(CURLcode c) {
    switch (c) {
    case CURLE_COULDNT_RESOLVE_HOST: return HE_DNS_ERROR;
    case CURLE_COULDNT_CONNECT: return HE_CONNECTION_REFUSED;
    case CURLE_OPERATION_TIMEDOUT: return HE_CONNECTION_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR: return HE_TLS_PROTOCOL_ERROR;
    case CURLE_PEER_FAILED_VERIFICATION: return HE_TLS_CERTIFICATE_ERROR;
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE: return HE_HTTP_RESPONSE_INCOMPLETE;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR: return HE_CONNECTION_TERMINATED;
    case CURLE_WRITE_ERROR: return HE_HTTP_RESPONSE_BODY_SIZE;
    case CURLE_WEIRD_SERVER_REPLY: return HE_HTTP_PROTOCOL_ERROR;
    default: return HE_INTERNAL_ERROR;
    }
}

bool w2_http_perform(const w2_http *req, const w2_http *opts, w2_http *resp, int *code, char **text) {
    pthread_once(&curl_once, curl_init);
    *code = HE_INTERNAL_ERROR;
    if (!curl_ok) {
        size_t n = strlen(curl_why) + 40;
        if ((*text = malloc(n))) snprintf(*text, n, "outgoing HTTP is unavailable: %s", curl_why);
        return false;
    }
    if (req->scheme == SCHEME_OTHER) {
        *code = HE_HTTP_PROTOCOL_ERROR;
        return false;
    }
    resp->body = w2_body_new();
    CURL *c = cu.curl_easy_init();
    if (!c || !resp->body) {
        if (c) cu.curl_easy_cleanup(c);
        *text = strdup("cannot start an HTTP client");
        return false;
    }
    size_t ulen = strlen(req->authority) + (req->path ? strlen(req->path) : 1) + 16;
    char *url = malloc(ulen);
    struct curl_slist *hdrs = NULL;
    bool ok = url != NULL;
    if (ok) snprintf(url, ulen, "%s://%s%s", req->scheme == SCHEME_HTTPS ? "https" : "http", req->authority,
                     req->path ? req->path : "/");
    for (size_t i = 0; ok && i < req->fields.n; i++) {
        const w2_field *f = &req->fields.v[i];
        size_t n = strlen(f->name) + f->nval + 3;
        char *line = malloc(n);
        if (!line) {
            ok = false;
            break;
        }
        /* "name;" is curl's way to send a header with an empty value */
        if (f->nval) snprintf(line, n, "%s: %.*s", f->name, (int)f->nval, (const char *)f->val);
        else snprintf(line, n, "%s;", f->name);
        struct curl_slist *t = cu.curl_slist_append(hdrs, line);
        free(line);
        if (!t) ok = false;
        else hdrs = t;
    }
    if (!ok) {
        free(url);
        cu.curl_slist_free_all(hdrs);
        cu.curl_easy_cleanup(c);
        *text = strdup("out of memory");
        return false;
    }
    cu.curl_easy_setopt(c, CURLOPT_URL, url);
    cu.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    cu.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    cu.curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    cu.curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method == M_OTHER ? req->method_other : methods[req->method]);
    if (req->method == M_HEAD) cu.curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (req->body && (req->body->n || req->method == M_POST || req->method == M_PUT)) {
        cu.curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body->data ? (const char *)req->body->data : "");
        cu.curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body->n);
    }
    cu.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    cu.curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    cu.curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    cu.curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
    /* The guest waits in this call, where --timeout cannot stop it (a
     * deadline interrupts a guest when a host call returns): requests are
     * bounded by default, 10 s to connect and 60 s in all.  first-byte and
     * between-bytes: curl has one transfer timeout; their sum bounds it. */
    long connect_ms = 10000, total_ms = 60000;
    if (opts && opts->has_timeout[0] && opts->timeout[0] / 1000000u < (uint64_t)connect_ms)
        connect_ms = (long)(opts->timeout[0] / 1000000u) + 1;
    if (opts && (opts->has_timeout[1] || opts->has_timeout[2]) &&
        (opts->timeout[1] + opts->timeout[2]) / 1000000u < (uint64_t)total_ms)
        total_ms = (long)((opts->timeout[1] + opts->timeout[2]) / 1000000u) + 1;
    cu.curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    cu.curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, total_ms);
    CURLcode rc = cu.curl_easy_perform(c);
    long status = 0;
    cu.curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    free(url);
    cu.curl_slist_free_all(hdrs);
    cu.curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        *code = code_of(rc);
        if (*code == HE_INTERNAL_ERROR) *text = strdup(cu.curl_easy_strerror(rc));
        return false;
    }
    resp->status = (uint16_t)status;
    resp->body->finished = true;
    return true;
}
#else
void w2_http_preload(void) {}

bool w2_http_perform(const w2_http *req, const w2_http *opts, w2_http *resp, int *code, char **text) {
    (void)req, (void)opts, (void)resp;
    *code = HE_INTERNAL_ERROR;
    *text = strdup("this wasmrt was built without libcurl: outgoing HTTP is unsupported");
    return false;
}
#endif
