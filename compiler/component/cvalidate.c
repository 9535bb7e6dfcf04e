/* Name rules of the Component Model (Explainer.md, "Import and Export
 * Definitions" and "Name Uniqueness"): kebab-case labels, the
 * [constructor]/[method]/[static] annotations, interface names
 * `ns:pkg/iface@semver`, and strong uniqueness within a scope. */
#include "cvalidate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* label ::= first-fragment ('-' fragment)*; the first fragment starts
 * with a letter; a fragment is [0-9a-z]+ or [0-9A-Z]+.  With
 * `lower_only`, acronyms are not allowed (namespace and package words). */
static bool is_label_lc(const char *s, size_t n, bool lower_only) {
    if (n == 0) return false;
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t start = i;
        int kind = 0;   /* 1 lower, 2 upper */
        while (i < n && s[i] != '-') {
            char d = s[i];
            if (d >= 'a' && d <= 'z') {
                if (kind == 2) return false;
                kind = 1;
            } else if (d >= 'A' && d <= 'Z') {
                if (kind == 1 || lower_only) return false;
                kind = 2;
            } else if (!(d >= '0' && d <= '9')) {
                return false;
            }
            i++;
        }
        if (i == start) return false;
        if (first && !((s[start] >= 'a' && s[start] <= 'z') || (s[start] >= 'A' && s[start] <= 'Z'))) return false;
        first = false;
        if (i < n) {
            i++;   /* '-' */
            if (i == n) return false;
        }
    }
    return true;
}

static bool is_label_n(const char *s, size_t n) { return is_label_lc(s, n, false); }

bool cv_is_label(const char *s) { return s && is_label_n(s, strlen(s)); }

static bool is_digits(const char *s, size_t n, bool no_leading_zero) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return !(no_leading_zero && n > 1 && s[0] == '0');
}

/* semver: MAJOR.MINOR.PATCH(-pre)?(+build)? */
static bool is_semver(const char *s) {
    size_t n = strcspn(s, "-+");
    const char *p = s;
    for (int k = 0; k < 3; k++) {
        size_t len = k < 2 ? strcspn(p, ".") : (size_t)(s + n - p);
        if (p + len > s + n) return false;
        if (!is_digits(p, len, true)) return false;
        p += len;
        if (k < 2) {
            if (*p != '.') return false;
            p++;
        }
    }
    const char *rest = s + n;
    while (*rest) {
        if (*rest != '-' && *rest != '+') return false;
        rest++;
        size_t len = strcspn(rest, ".+");
        if (len == 0) return false;
        for (size_t i = 0; i < len; i++)
            if (!isalnum((unsigned char)rest[i]) && rest[i] != '-') return false;
        rest += len;
        while (*rest == '.') {
            rest++;
            len = strcspn(rest, ".+");
            if (len == 0) return false;
            for (size_t i = 0; i < len; i++)
                if (!isalnum((unsigned char)rest[i]) && rest[i] != '-') return false;
            rest += len;
        }
    }
    return true;
}

/* ns:pkg/iface(@semver)?, namespaces and packages kebab labels. */
static bool is_interface_name(const char *s) {
    const char *colon = strchr(s, ':');
    const char *slash = strchr(s, '/');
    if (!colon || !slash || slash < colon) return false;
    if (!is_label_lc(s, (size_t)(colon - s), true)) return false;
    /* nested namespaces/packages (ns:a:b/...) are not part of WASI 0.2 */
    if (!is_label_lc(colon + 1, (size_t)(slash - colon - 1), true)) return false;
    const char *at = strchr(slash + 1, '@');
    size_t ilen = at ? (size_t)(at - slash - 1) : strlen(slash + 1);
    if (!is_label_n(slash + 1, ilen)) return false;
    return !at || is_semver(at + 1);
}

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

bool cv_parse_name(const char *s, CvName *out) {
    memset(out, 0, sizeof *out);
    out->kind = CV_PLAIN;
    if (starts(s, "[constructor]")) {
        out->kind = CV_CONSTRUCTOR;
        out->resource = s + 13;
        out->resource_len = strlen(s + 13);
        return is_label_n(out->resource, out->resource_len);
    }
    if (starts(s, "[method]") || starts(s, "[static]")) {
        out->kind = s[1] == 'm' ? CV_METHOD : CV_STATIC;
        const char *r = s + 8;
        const char *dot = strchr(r, '.');
        if (!dot) return false;
        out->resource = r;
        out->resource_len = (size_t)(dot - r);
        return is_label_n(r, out->resource_len) && cv_is_label(dot + 1);
    }
    if (strchr(s, ':')) {
        out->kind = CV_INTERFACE;
        return is_interface_name(s);
    }
    if (starts(s, "unlocked-dep=<") || starts(s, "locked-dep=<") || starts(s, "url=<") ||
        starts(s, "integrity=<")) {
        out->kind = CV_DEP;
        size_t n = strlen(s);
        return n > 0 && s[n - 1] == '>';
    }
    return cv_is_label(s);
}

/* The canonical form strong uniqueness compares (Explainer.md). */
static char *canonical(const char *s) {
    char *c = strdup(s);
    if (!c) return NULL;
    for (char *p = c; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (starts(c, "[method]") || starts(c, "[static]")) {
        char *r = c + 8, *dot = strchr(r, '.');
        if (dot && strcmp(dot + 1, "") != 0 && (size_t)(dot - r) == strlen(dot + 1) &&
            strncmp(r, dot + 1, (size_t)(dot - r)) == 0) {
            memmove(c, dot + 1, strlen(dot + 1) + 1);
        } else {
            memmove(c, r, strlen(r) + 1);
        }
    }
    return c;
}

bool cv_names_add(CvNames *ns, const char *name) {
    char *c = canonical(name);
    if (!c) return false;
    for (uint32_t i = 0; i < ns->n; i++) {
        if (strcmp(ns->canon[i], c) == 0) {
            free(c);
            return false;
        }
    }
    if (ns->n == ns->cap) {
        uint32_t cap = ns->cap ? ns->cap * 2 : 8;
        char **nc = realloc(ns->canon, cap * sizeof *nc);
        if (!nc) {
            free(c);
            return false;
        }
        ns->canon = nc;
        ns->cap = cap;
    }
    ns->canon[ns->n++] = c;
    return true;
}

void cv_names_free(CvNames *ns) {
    for (uint32_t i = 0; i < ns->n; i++) free(ns->canon[i]);
    free(ns->canon);
    memset(ns, 0, sizeof *ns);
}
