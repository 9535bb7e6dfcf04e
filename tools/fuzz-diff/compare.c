/* Comparing our transcript with binaryen's, line by line, by meaning.
 *
 * Only the lines that record behaviour take part: "[fuzz-exec] calling",
 * "[fuzz-exec] note result", "[LoggingExternalInterface logging" and
 * "[trap".  binaryen's warnings and anything after its own output are
 * dropped; every line of ours counts (a "[fuzz-diff] ..." line of ours is a
 * failure of the run and therefore always a mismatch).
 *
 * Values compare by value, not text, because the two sides format numbers
 * differently (binaryen prints doubles JavaScript-style, e.g.
 * 3402823466385288598117041e14): integers exactly as 64-bit integers,
 * floats as the exact double both texts denote (so -0 differs from 0), any
 * NaN against any NaN (the spec lets arithmetic choose the payload and
 * sign), function references by null-ness only (binaryen names them, we
 * cannot), v128 lane by lane with the same NaN allowance (as f32 or f64
 * lanes).  Traps compare as "a trap happened": binaryen's wording
 * ("final > memory: ...") is not the spec's.
 */
#include "fuzz_diff.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef enum { L_CALL, L_RESULT, L_LOG, L_TRAP, L_OTHER } line_kind;

typedef struct line {
    line_kind kind;
    const char *text;   /* the whole line, NUL-terminated (in our copy) */
    const char *arg;    /* CALL: name; RESULT: "name => values"; LOG: values */
    int number;         /* 1-based line number in its file */
} line;

typedef struct lines {
    line *v;
    size_t n, cap;
    char *buf;
} lines;

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static bool classify(char *s, line *out, bool ours) {
    if (starts(s, "[fuzz-exec] calling ")) {
        out->kind = L_CALL;
        out->arg = s + strlen("[fuzz-exec] calling ");
    } else if (starts(s, "[fuzz-exec] note result: ")) {
        out->kind = L_RESULT;
        out->arg = s + strlen("[fuzz-exec] note result: ");
    } else if (starts(s, "[LoggingExternalInterface logging")) {
        out->kind = L_LOG;
        out->arg = s + strlen("[LoggingExternalInterface logging");
        size_t n = strlen(s);
        if (n && s[n - 1] == ']') s[n - 1] = 0;
    } else if (starts(s, "[trap")) {
        out->kind = L_TRAP;
        out->arg = s;
    } else if (ours && s[0] == '[') {
        out->kind = L_OTHER;
        out->arg = s;
    } else {
        return false;
    }
    out->text = s;
    return true;
}

static bool split_lines(const char *text, bool ours, lines *ls) {
    memset(ls, 0, sizeof *ls);
    ls->buf = strdup(text ? text : "");
    if (!ls->buf) return false;
    int number = 0;
    for (char *p = ls->buf; *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = 0;
        number++;
        line l = {.number = number};
        if (classify(p, &l, ours)) {
            if (ls->n == ls->cap) {
                size_t cap = ls->cap ? ls->cap * 2 : 64;
                line *v = realloc(ls->v, cap * sizeof *v);
                if (!v) return false;
                ls->v = v;
                ls->cap = cap;
            }
            ls->v[ls->n++] = l;
        }
        if (!nl) break;
        p = nl + 1;
    }
    return true;
}

static void free_lines(lines *ls) {
    free(ls->v);
    free(ls->buf);
}

static bool is_integer(const char *t) {
    if (*t == '-') t++;
    if (!isdigit((unsigned char)*t)) return false;
    while (isdigit((unsigned char)*t)) t++;
    return *t == 0;
}

static bool parse_double(const char *t, double *d) {
    char *end;
    errno = 0;
    *d = strtod(t, &end);
    return end != t && *end == 0;
}

static bool f32_nan(uint32_t w) { return (w & 0x7F800000u) == 0x7F800000u && (w & 0x7FFFFFu); }
static bool f64_nan(uint64_t d) {
    return (d & UINT64_C(0x7FF0000000000000)) == UINT64_C(0x7FF0000000000000) && (d & UINT64_C(0xFFFFFFFFFFFFF));
}

/* "i32x4 0x.. 0x.. 0x.. 0x..": lanes equal, or NaN on both sides read as
 * f32 lanes or as f64 lanes (the lane type is not in the text; an integer
 * vector that happens to hold NaN patterns is accepted too). */
static bool v128_equal(const char *a, const char *b) {
    unsigned int wa[4], wb[4];
    if (sscanf(a, "i32x4 %x %x %x %x", &wa[0], &wa[1], &wa[2], &wa[3]) != 4 ||
        sscanf(b, "i32x4 %x %x %x %x", &wb[0], &wb[1], &wb[2], &wb[3]) != 4)
        return false;
    for (int h = 0; h < 4; h += 2) {
        if (wa[h] == wb[h] && wa[h + 1] == wb[h + 1]) continue;
        uint64_t da = (uint64_t)wa[h + 1] << 32 | wa[h], db = (uint64_t)wb[h + 1] << 32 | wb[h];
        if (f64_nan(da) && f64_nan(db)) continue;
        for (int i = h; i < h + 2; i++)
            if (wa[i] != wb[i] && !(f32_nan(wa[i]) && f32_nan(wb[i]))) return false;
    }
    return true;
}

static bool token_equal(const char *a, const char *b) {
    if (strcmp(a, b) == 0) return true;
    if (starts(a, "i32x4") || starts(b, "i32x4")) return v128_equal(a, b);
    if (starts(a, "funcref(") && starts(b, "funcref(")) return true;
    bool an = strstr(a, "nan") != NULL, bn = strstr(b, "nan") != NULL;
    if (an || bn) return an && bn;
    if (is_integer(a) && is_integer(b)) {
        errno = 0;
        long long x = strtoll(a, NULL, 10);
        int ea = errno;
        errno = 0;
        long long y = strtoll(b, NULL, 10);
        if (!ea && !errno) return x == y;
        /* Out of int64 range: only a float prints like that. */
    }
    double x, y;
    if (!parse_double(a, &x) || !parse_double(b, &y)) return false;
    return memcmp(&x, &y, sizeof x) == 0;
}

/* Split a value list in place: "(a, b, c)" or "a, b" (results) or
 * " a b" (logging).  Returns the number of tokens (at most max). */
static size_t tokens(char *s, bool comma, char **tok, size_t max) {
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ') s[--n] = 0;
    if (comma && n >= 2 && s[0] == '(' && s[n - 1] == ')') {
        s[n - 1] = 0;
        s++;
    }
    size_t k = 0;
    while (*s && k < max) {
        tok[k++] = s;
        char *sep = comma ? strstr(s, ", ") : strchr(s, ' ');
        if (!sep) break;
        *sep = 0;
        s = sep + (comma ? 2 : 1);
        while (*s == ' ') s++;
    }
    return k;
}

static bool values_equal(const char *a, const char *b, bool comma) {
    enum { MAX = 256 };
    char *ca = strdup(a), *cb = strdup(b);
    char *ta[MAX], *tb[MAX];
    bool eq = false;
    if (ca && cb && !comma && strstr(ca, "i32x4") && strstr(cb, "i32x4")) {
        eq = v128_equal(ca + strspn(ca, " "), cb + strspn(cb, " ")); /* a log line has one value */
    } else if (ca && cb) {
        size_t na = tokens(ca, comma, ta, MAX), nb = tokens(cb, comma, tb, MAX);
        eq = na == nb;
        for (size_t i = 0; eq && i < na; i++) eq = token_equal(ta[i], tb[i]);
    }
    free(ca);
    free(cb);
    return eq;
}

static bool line_equal(const line *a, const line *b) {
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case L_CALL: return strcmp(a->arg, b->arg) == 0;
    case L_TRAP: return true;
    case L_LOG: return values_equal(a->arg, b->arg, false);
    case L_RESULT: {
        const char *ea = strstr(a->arg, " => "), *eb = strstr(b->arg, " => ");
        if (!ea || !eb || ea - a->arg != eb - b->arg || strncmp(a->arg, b->arg, (size_t)(ea - a->arg)) != 0)
            return false;
        return values_equal(ea + 4, eb + 4, true);
    }
    case L_OTHER: return false;
    }
    return false;
}

bool fd_compare(const char *ours, const char *ref, FILE *report) {
    lines a, b;
    if (!split_lines(ours, true, &a) || !split_lines(ref, false, &b)) {
        fprintf(report, "fuzz-diff: out of memory comparing\n");
        return false;
    }
    bool ok = true;
    size_t n = a.n < b.n ? a.n : b.n;
    for (size_t i = 0; i < n && ok; i++) {
        if (!line_equal(&a.v[i], &b.v[i])) {
            fprintf(report, "mismatch at transcript line %zu:\n  wasmc:    %s\n  binaryen: %s\n", i + 1,
                    a.v[i].text, b.v[i].text);
            ok = false;
        }
    }
    if (ok && a.n != b.n) {
        const line *extra = a.n > b.n ? &a.v[n] : &b.v[n];
        fprintf(report, "mismatch: %s has %zu more transcript lines, first: %s\n",
                a.n > b.n ? "wasmc" : "binaryen", (a.n > b.n ? a.n : b.n) - n, extra->text);
        ok = false;
    }
    free_lines(&a);
    free_lines(&b);
    return ok;
}
