/* The WebAssembly Value Encoding (WAVE): component values as text, the
 * syntax of `wasmtime run --invoke` (wasm-wave's README and EBNF).
 *
 *   bool      true, false           integers  -12, 0, 7 (decimal only)
 *   floats    1.5, -2e-3, nan, inf, -inf
 *   char      'c', '\''             string    "a\n", """ multi-line """
 *             escapes: \' \" \\ \t \n \r \u{1F600}
 *   list      [1, 2]                tuple     (1, "a")
 *   record    {a: 1, b-c: 2}, {:}   (option fields may be left out: none)
 *   variant   case, case(payload)   enum      case
 *   option    some(x), none, or x itself (a "flat some")
 *   result    ok, ok(x), err, err(e), or x itself (a "flat ok")
 *   flags     {read, write}, {}
 * Whitespace and // comments may stand between tokens; lists, tuples,
 * records and flags accept a trailing comma.  Case labels that spell a
 * keyword (true false inf nan some none ok err) are written %label.
 *
 * Parsing is driven by the type, so its recursion is as deep as the type
 * (the plan caps that at WASMC_PLAN_MAX_TYPE_DEPTH), never deeper than the
 * text asks.  Errors name the byte offset in the text and what was
 * expected.  Printing is canonical (explicit some/ok, every record field,
 * floats in their shortest round-tripping form), so print(parse(x)) is a
 * fixed point and parse(print(v)) == v.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "wasmrt_component.h"

typedef struct Parser {
    const char *s;
    size_t len, pos;
    wasmrt_error *err;
    bool failed;
} Parser;

__attribute__((format(printf, 3, 4)))
static bool perr(Parser *p, size_t at, const char *fmt, ...) {
    if (p->failed) return false;
    p->failed = true;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rt_err(p->err, "WAVE: at offset %zu: %s", at, msg);
    return false;
}

static int peek(const Parser *p) { return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1; }

static void skip_ws(Parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            p->pos++;
        } else if (c == '/' && p->pos + 1 < p->len && p->s[p->pos + 1] == '/') {
            while (p->pos < p->len && p->s[p->pos] != '\n') p->pos++;
        } else {
            break;
        }
    }
}

/* What stands at pos, for messages: the next few characters, or "the end". */
static const char *here(const Parser *p, char *buf, size_t n) {
    if (p->pos >= p->len) return "the end of the text";
    size_t k = p->len - p->pos < 12 ? p->len - p->pos : 12;
    snprintf(buf, n, "'%.*s'", (int)k, p->s + p->pos);
    for (char *c = buf; *c; c++)
        if ((unsigned char)*c < 0x20) *c = ' ';
    return buf;
}

static bool expect(Parser *p, char c, const char *what) {
    skip_ws(p);
    if (peek(p) == c) {
        p->pos++;
        return true;
    }
    char b[32];
    return perr(p, p->pos, "expected %s, found %s", what, here(p, b, sizeof b));
}

static const char *const keywords[] = {"true", "false", "inf", "nan", "some", "none", "ok", "err"};

static bool is_keyword(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strlen(keywords[i]) == n && memcmp(keywords[i], s, n) == 0) return true;
    return false;
}

static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

/* A label: %? word(-word)*, the first word starting with a letter, later
 * ones with a letter or digit (WIT identifiers, Explainer.md's `label`:
 * "run-1" is one).  *escaped says whether it had the %. */
static bool read_label(Parser *p, const char **out, size_t *n, bool *escaped) {
    skip_ws(p);
    size_t start = p->pos;
    *escaped = peek(p) == '%';
    if (*escaped) p->pos++;
    size_t name = p->pos;
    for (bool first = true;; first = false) {
        if (!is_alpha(peek(p)) && (first || !is_digit(peek(p)))) {
            char b[32];
            p->pos = start;
            return perr(p, start, "expected a label, found %s", here(p, b, sizeof b));
        }
        while (is_alpha(peek(p)) || is_digit(peek(p))) p->pos++;
        if (peek(p) != '-') break;
        p->pos++;
    }
    *out = p->s + name;
    *n = p->pos - name;
    return true;
}

/* Index of a label among the type's names; UINT32_MAX when absent. */
static uint32_t find_name(const wasmrt_ctype *t, const char *s, size_t n) {
    uint32_t count = wasmrt_ctype_count(t);
    for (uint32_t i = 0; i < count; i++) {
        const char *name = wasmrt_ctype_name(t, i);
        if (name && strlen(name) == n && memcmp(name, s, n) == 0) return i;
    }
    return UINT32_MAX;
}

/* ---- Scalars ------------------------------------------------------------- */

/* A WAVE number token: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? or
 * nan / inf / -inf.  Returns its length (0: none there); *is_int says it
 * has neither fraction nor exponent. */
static size_t number_token(const Parser *p, bool *is_int) {
    const char *s = p->s + p->pos;
    size_t n = p->len - p->pos, i = 0;
    *is_int = false;
    if (n >= 3 && memcmp(s, "nan", 3) == 0) return 3;
    if (n >= 3 && memcmp(s, "inf", 3) == 0) return 3;
    if (n >= 4 && memcmp(s, "-inf", 4) == 0) return 4;
    if (i < n && s[i] == '-') i++;
    if (i >= n || !is_digit(s[i])) return 0;
    if (s[i] == '0') i++;
    else
        while (i < n && is_digit(s[i])) i++;
    *is_int = true;
    if (i + 1 < n && s[i] == '.' && is_digit(s[i + 1])) {
        *is_int = false;
        i++;
        while (i < n && is_digit(s[i])) i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j < n && is_digit(s[j])) {
            *is_int = false;
            i = j;
            while (i < n && is_digit(s[i])) i++;
        }
    }
    return i;
}

/* The token must end here: a following letter or digit means a typo
 * like 12abc, not a number followed by something else. */
static bool token_ends(const Parser *p, size_t end) {
    if (end >= p->len) return true;
    char c = p->s[end];
    return !is_alpha(c) && !is_digit(c) && c != '.' && c != '-' && c != '_';
}

static bool parse_int(Parser *p, wasmc_cval_kind k, wasmrt_cval *out) {
    skip_ws(p);
    size_t start = p->pos;
    bool is_int;
    size_t n = number_token(p, &is_int);
    char b[32];
    if (n == 0 || !is_int || !token_ends(p, start + n))
        return perr(p, start, "expected an integer, found %s", here(p, b, sizeof b));
    bool neg = p->s[start] == '-';
    uint64_t mag = 0;
    for (size_t i = start + neg; i < start + n; i++) {
        unsigned d = (unsigned)(p->s[i] - '0');
        if (mag > (UINT64_MAX - d) / 10) return perr(p, start, "integer %.*s is out of range", (int)n, p->s + start);
        mag = mag * 10 + d;
    }
    static const unsigned bits[] = {[WASMC_CVAL_S8] = 8,   [WASMC_CVAL_U8] = 8,  [WASMC_CVAL_S16] = 16,
                                    [WASMC_CVAL_U16] = 16, [WASMC_CVAL_S32] = 32, [WASMC_CVAL_U32] = 32,
                                    [WASMC_CVAL_S64] = 64, [WASMC_CVAL_U64] = 64};
    bool is_signed = k == WASMC_CVAL_S8 || k == WASMC_CVAL_S16 || k == WASMC_CVAL_S32 || k == WASMC_CVAL_S64;
    unsigned w = bits[k];
    out->kind = (uint8_t)k;
    if (is_signed) {
        uint64_t lim = UINT64_C(1) << (w - 1); /* |min|; max is lim - 1 */
        if (neg ? mag > lim : mag >= lim)
            return perr(p, start, "%.*s is out of range for s%u", (int)n, p->s + start, w);
        out->of.s = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    } else {
        uint64_t max = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
        if ((neg && mag != 0) || mag > max)
            return perr(p, start, "%.*s is out of range for u%u", (int)n, p->s + start, w);
        out->of.u = mag;
    }
    p->pos = start + n;
    return true;
}

static bool parse_float(Parser *p, wasmc_cval_kind k, wasmrt_cval *out) {
    skip_ws(p);
    size_t start = p->pos;
    bool is_int;
    size_t n = number_token(p, &is_int);
    char b[32];
    if (n == 0 || !token_ends(p, start + n))
        return perr(p, start, "expected a number, found %s", here(p, b, sizeof b));
    char tok[400];
    if (n >= sizeof tok) return perr(p, start, "number too long");
    memcpy(tok, p->s + start, n);
    tok[n] = 0;
    out->kind = (uint8_t)k;
    /* strtof/strtod round correctly; the token is already valid syntax. */
    if (k == WASMC_CVAL_F32) out->of.f32 = strcmp(tok, "nan") == 0 ? NAN : strtof(tok, NULL);
    else out->of.f64 = strcmp(tok, "nan") == 0 ? (double)NAN : strtod(tok, NULL);
    p->pos = start + n;
    return true;
}

/* One UTF-8 scalar from the text at pos (already known to be < len). */
static bool read_utf8(Parser *p, uint32_t *cp) {
    const unsigned char *s = (const unsigned char *)p->s + p->pos;
    size_t n = p->len - p->pos;
    uint32_t c = s[0];
    size_t k = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (k == 0 || k > n) return perr(p, p->pos, "invalid UTF-8");
    if (k > 1) c &= 0x3Fu >> (k - 1);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return perr(p, p->pos, "invalid UTF-8");
        c = (c << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min[k] || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000)) return perr(p, p->pos, "invalid UTF-8");
    p->pos += k;
    *cp = c;
    return true;
}

/* An escape after the backslash at pos. */
static bool read_escape(Parser *p, uint32_t *cp) {
    size_t at = p->pos;
    p->pos++; /* the backslash */
    int c = peek(p);
    p->pos++;
    switch (c) {
    case '\'': *cp = '\''; return true;
    case '"': *cp = '"'; return true;
    case '\\': *cp = '\\'; return true;
    case 't': *cp = '\t'; return true;
    case 'n': *cp = '\n'; return true;
    case 'r': *cp = '\r'; return true;
    case 'u': {
        if (peek(p) != '{') return perr(p, at, "expected '{' after \\u");
        p->pos++;
        uint32_t v = 0;
        size_t digits = 0;
        for (;;) {
            int h = peek(p);
            int d = is_digit(h) ? h - '0' : (h >= 'a' && h <= 'f') ? h - 'a' + 10 : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
            if (d < 0) break;
            if (++digits > 6) return perr(p, at, "\\u{...} has too many digits");
            v = v * 16 + (uint32_t)d;
            p->pos++;
        }
        if (digits == 0 || peek(p) != '}') return perr(p, at, "expected hex digits and '}' in \\u{...}");
        p->pos++;
        if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
            return perr(p, at, "\\u{%" PRIx32 "} is not a Unicode scalar value", v);
        *cp = v;
        return true;
    }
    default:
        return perr(p, at, "unknown escape '\\%c'", c >= 0x20 && c < 0x7F ? c : '?');
    }
}

static bool parse_char(Parser *p, wasmrt_cval *out) {
    skip_ws(p);
    size_t start = p->pos;
    char b[32];
    if (peek(p) != '\'') return perr(p, start, "expected a char like 'x', found %s", here(p, b, sizeof b));
    p->pos++;
    uint32_t cp;
    int c = peek(p);
    if (c < 0) return perr(p, start, "unterminated char");
    if (c == '\'' || c == '\n') return perr(p, p->pos, "a char holds exactly one character");
    if (c == '\\' ? !read_escape(p, &cp) : !read_utf8(p, &cp)) return false;
    if (peek(p) != '\'') return perr(p, start, "a char holds exactly one character (missing closing ')");
    p->pos++;
    out->kind = WASMC_CVAL_CHAR;
    out->of.ch = cp;
    return true;
}

typedef struct Buf {
    char *p;
    size_t len, cap;
    bool oom;
} Buf;

static void put_bytes(Buf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 64;
        while (nc < b->len + n + 1) nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void put_utf8(Buf *b, uint32_t c) {
    char u[4];
    size_t n;
    if (c < 0x80) u[0] = (char)c, n = 1;
    else if (c < 0x800) u[0] = (char)(0xC0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3F)), n = 2;
    else if (c < 0x10000)
        u[0] = (char)(0xE0 | c >> 12), u[1] = (char)(0x80 | ((c >> 6) & 0x3F)), u[2] = (char)(0x80 | (c & 0x3F)), n = 3;
    else
        u[0] = (char)(0xF0 | c >> 18), u[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F)), n = 4;
    put_bytes(b, u, n);
}

static bool parse_string(Parser *p, wasmrt_cval *out) {
    skip_ws(p);
    size_t start = p->pos;
    char b[32];
    if (peek(p) != '"') return perr(p, start, "expected a string like \"abc\", found %s", here(p, b, sizeof b));
    Buf s = {0};
    bool multi = p->len - p->pos >= 3 && memcmp(p->s + p->pos, "\"\"\"", 3) == 0;
    if (multi) {
        /* """<line break> lines... """: the indentation of the closing
         * quotes is removed from every line, the last line break dropped. */
        p->pos += 3;
        if (peek(p) == '\r') p->pos++;
        if (peek(p) != '\n') return perr(p, start, "a multi-line string starts with \"\"\" and a line break");
        p->pos++;
        size_t body = p->pos;
        const char *close = NULL;
        for (size_t i = body; i + 2 < p->len; i++)
            if (memcmp(p->s + i, "\"\"\"", 3) == 0) {
                close = p->s + i;
                break;
            }
        if (!close) return perr(p, start, "unterminated multi-line string");
        size_t indent = 0;
        while (close - indent > p->s + body && close[-(ptrdiff_t)indent - 1] == ' ') indent++;
        if (close - indent != p->s + body && close[-(ptrdiff_t)indent - 1] != '\n')
            return perr(p, (size_t)(close - p->s), "the closing \"\"\" of a multi-line string stands on its own line");
        size_t end = (size_t)(close - p->s) - indent;
        bool line_start = true;
        while (p->pos < end) {
            if (line_start) {
                for (size_t k = 0; k < indent; k++) {
                    if (p->pos >= end || p->s[p->pos] == '\n') break;
                    if (p->s[p->pos] != ' ') {
                        free(s.p);
                        return perr(p, p->pos, "a multi-line string's line is indented less than its closing \"\"\"");
                    }
                    p->pos++;
                }
                line_start = false;
                continue;
            }
            uint32_t cp;
            char c = p->s[p->pos];
            if (c == '\r' && p->pos + 1 < end && p->s[p->pos + 1] == '\n') p->pos++, c = '\n';
            if (c == '\n') {
                p->pos++;
                line_start = true;
                if (p->pos < end) put_bytes(&s, "\n", 1);
                continue;
            }
            if (c == '\\' ? !read_escape(p, &cp) : !read_utf8(p, &cp)) {
                free(s.p);
                return false;
            }
            put_utf8(&s, cp);
        }
        p->pos = (size_t)(close - p->s) + 3;
    } else {
        p->pos++;
        for (;;) {
            int c = peek(p);
            if (c < 0 || c == '\n') {
                free(s.p);
                return perr(p, start, "unterminated string");
            }
            if (c == '"') break;
            uint32_t cp;
            if (c == '\\' ? !read_escape(p, &cp) : !read_utf8(p, &cp)) {
                free(s.p);
                return false;
            }
            put_utf8(&s, cp);
        }
        p->pos++;
    }
    if (s.oom) {
        free(s.p);
        return perr(p, start, "out of memory");
    }
    out->kind = WASMC_CVAL_STRING;
    out->of.str.ptr = s.p ? s.p : calloc(1, 1);
    out->of.str.len = s.len;
    if (!out->of.str.ptr) return perr(p, start, "out of memory");
    return true;
}

/* ---- Compound values ------------------------------------------------------ */

static bool parse_value(Parser *p, const wasmrt_ctype *t, wasmrt_cval *out);

/* Items until `close`, separated by commas, trailing comma allowed. */
typedef bool (*ItemFn)(Parser *p, void *ctx, size_t index);

static bool parse_items(Parser *p, char close, const char *what, ItemFn item, void *ctx) {
    for (size_t i = 0;; i++) {
        skip_ws(p);
        if (peek(p) == close) {
            p->pos++;
            return true;
        }
        if (!item(p, ctx, i)) return false;
        skip_ws(p);
        if (peek(p) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p) == close) continue;
        char b[32], want[64];
        snprintf(want, sizeof want, "',' or '%c' in %s", close, what);
        return perr(p, p->pos, "expected %s, found %s", want, here(p, b, sizeof b));
    }
}

typedef struct Seq {
    const wasmrt_ctype *t;
    wasmrt_cval *items;
    size_t len, cap;
} Seq;

static bool list_item(Parser *p, void *ctx, size_t i) {
    (void)i;
    Seq *q = ctx;
    if (q->len == q->cap) {
        size_t nc = q->cap ? q->cap * 2 : 4;
        wasmrt_cval *ni = realloc(q->items, nc * sizeof *ni);
        if (!ni) return perr(p, p->pos, "out of memory");
        q->items = ni;
        q->cap = nc;
    }
    memset(&q->items[q->len], 0, sizeof q->items[0]);
    if (!parse_value(p, wasmrt_ctype_child(q->t, 0), &q->items[q->len])) {
        wasmrt_cval_free(&q->items[q->len]);
        return false;
    }
    q->len++;
    return true;
}

static bool tuple_item(Parser *p, void *ctx, size_t i) {
    Seq *q = ctx;
    if (i >= q->cap) return perr(p, p->pos, "too many elements: the tuple has %zu", q->cap);
    if (!parse_value(p, wasmrt_ctype_child(q->t, (uint32_t)i), &q->items[i])) return false;
    q->len = i + 1;
    return true;
}

static void free_items(wasmrt_cval *items, size_t n) {
    for (size_t i = 0; i < n; i++) wasmrt_cval_free(&items[i]);
    free(items);
}

typedef struct Rec {
    const wasmrt_ctype *t;
    wasmrt_cval *items;
    bool *set;
} Rec;

static bool record_item(Parser *p, void *ctx, size_t i) {
    (void)i;
    Rec *r = ctx;
    const char *name;
    size_t n;
    bool esc;
    size_t at = (skip_ws(p), p->pos);
    if (!read_label(p, &name, &n, &esc)) return false;
    uint32_t f = find_name(r->t, name, n);
    if (f == UINT32_MAX) return perr(p, at, "the record has no field '%.*s'", (int)n, name);
    if (r->set[f]) return perr(p, at, "field '%.*s' is given twice", (int)n, name);
    if (!expect(p, ':', "':' after a field name")) return false;
    if (!parse_value(p, wasmrt_ctype_child(r->t, f), &r->items[f])) return false;
    r->set[f] = true;
    return true;
}

static bool parse_record(Parser *p, const wasmrt_ctype *t, wasmrt_cval *out) {
    skip_ws(p);
    size_t start = p->pos;
    if (!expect(p, '{', "'{' to start a record")) return false;
    uint32_t count = wasmrt_ctype_count(t);
    Rec r = {t, calloc(count ? count : 1, sizeof *r.items), calloc(count ? count : 1, sizeof *r.set)};
    bool ok = r.items && r.set;
    if (!ok) perr(p, start, "out of memory");
    skip_ws(p);
    if (ok && peek(p) == ':') { /* {:} - a record whose fields are all left out */
        p->pos++;
        ok = expect(p, '}', "'}' after '{:'");
    } else if (ok) {
        ok = parse_items(p, '}', "a record", record_item, &r);
    }
    for (uint32_t f = 0; ok && f < count; f++) {
        if (r.set[f]) continue;
        const wasmrt_ctype *ft = wasmrt_ctype_child(t, f);
        if (wasmrt_ctype_kind(ft) != WASMC_CVAL_OPTION) {
            ok = perr(p, start, "the record's field '%s' is missing", wasmrt_ctype_name(t, f));
            break;
        }
        r.items[f].kind = WASMC_CVAL_OPTION; /* none */
    }
    free(r.set);
    if (!ok) {
        if (r.items) free_items(r.items, count);
        return false;
    }
    out->kind = WASMC_CVAL_RECORD;
    out->of.list.items = r.items;
    out->of.list.len = count;
    return true;
}

static bool parse_flags(Parser *p, const wasmrt_ctype *t, wasmrt_cval *out) {
    skip_ws(p);
    if (!expect(p, '{', "'{' to start flags")) return false;
    uint32_t bits = 0;
    for (;;) {
        skip_ws(p);
        if (peek(p) == '}') {
            p->pos++;
            break;
        }
        const char *name;
        size_t n;
        bool esc;
        size_t at = p->pos;
        if (!read_label(p, &name, &n, &esc)) return false;
        uint32_t f = find_name(t, name, n);
        if (f == UINT32_MAX) return perr(p, at, "unknown flag '%.*s'", (int)n, name);
        if (bits & (UINT32_C(1) << f)) return perr(p, at, "flag '%.*s' is given twice", (int)n, name);
        bits |= UINT32_C(1) << f;
        skip_ws(p);
        if (peek(p) == ',') {
            p->pos++;
        } else if (peek(p) != '}') {
            char b[32];
            return perr(p, p->pos, "expected ',' or '}' in flags, found %s", here(p, b, sizeof b));
        }
    }
    out->kind = WASMC_CVAL_FLAGS;
    out->of.flags = bits;
    return true;
}

/* A case label that may carry a payload in parentheses. */
static bool parse_payload(Parser *p, const wasmrt_ctype *pt, const char *label, size_t n, wasmrt_cval **payload) {
    skip_ws(p);
    *payload = NULL;
    if (!pt) {
        if (peek(p) == '(') return perr(p, p->pos, "case '%.*s' has no payload", (int)n, label);
        return true;
    }
    if (peek(p) != '(') return perr(p, p->pos, "case '%.*s' needs a payload in parentheses", (int)n, label);
    p->pos++;
    wasmrt_cval *v = calloc(1, sizeof *v);
    if (!v) return perr(p, p->pos, "out of memory");
    if (!parse_value(p, pt, v) || !expect(p, ')', "')' after a payload")) {
        wasmrt_cval_free(v);
        free(v);
        return false;
    }
    *payload = v;
    return true;
}

static bool parse_case(Parser *p, const wasmrt_ctype *t, wasmrt_cval *out) {
    skip_ws(p);
    size_t at = p->pos;
    const char *name;
    size_t n;
    bool esc;
    if (!read_label(p, &name, &n, &esc)) return false;
    if (!esc && is_keyword(name, n))
        return perr(p, at, "'%.*s' is a keyword; a case of that name is written %%%.*s", (int)n, name, (int)n, name);
    uint32_t c = find_name(t, name, n);
    if (c == UINT32_MAX) return perr(p, at, "unknown case '%.*s'", (int)n, name);
    wasmc_cval_kind k = wasmrt_ctype_kind(t);
    wasmrt_cval *payload;
    if (!parse_payload(p, k == WASMC_CVAL_VARIANT ? wasmrt_ctype_child(t, c) : NULL, name, n, &payload)) return false;
    out->kind = (uint8_t)k;
    out->of.variant.case_ = c;
    out->of.variant.payload = payload;
    return true;
}

/* Does a keyword label stand at pos (not followed by more label chars)? */
static bool at_keyword(Parser *p, const char *kw) {
    skip_ws(p);
    size_t n = strlen(kw);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, kw, n) != 0) return false;
    int after = p->pos + n < p->len ? (unsigned char)p->s[p->pos + n] : -1;
    return !is_alpha(after) && !is_digit(after) && after != '-';
}

static bool parse_option(Parser *p, const wasmrt_ctype *t, wasmrt_cval *out) {
    out->kind = WASMC_CVAL_OPTION;
    out->of.variant.payload = NULL;
    if (at_keyword(p, "none")) {
        p->pos += 4;
        out->of.variant.case_ = 0;
        skip_ws(p);
        if (peek(p) == '(') return perr(p, p->pos, "none has no payload");
        return true;
    }
    out->of.variant.case_ = 1;
    if (at_keyword(p, "some")) {
        p->pos += 4;
        return parse_payload(p, wasmrt_ctype_child(t, 0), "some", 4, &out->of.variant.payload);
    }
    /* a flat some: the value itself */
    wasmrt_cval *v = calloc(1, sizeof *v);
    if (!v) return perr(p, p->pos, "out of memory");
    if (!parse_value(p, wasmrt_ctype_child(t, 0), v)) {
        wasmrt_cval_free(v);
        free(v);
        return false;
    }
    out->of.variant.payload = v;
    return true;
}

static bool parse_result(Parser *p, const wasmrt_ctype *t, wasmrt_cval *out) {
    out->kind = WASMC_CVAL_RESULT;
    out->of.variant.payload = NULL;
    bool is_ok = at_keyword(p, "ok"), is_err = !is_ok && at_keyword(p, "err");
    if (is_ok || is_err) {
        p->pos += is_ok ? 2 : 3;
        out->of.variant.case_ = is_ok ? 0 : 1;
        return parse_payload(p, wasmrt_ctype_child(t, is_ok ? 0 : 1), is_ok ? "ok" : "err", is_ok ? 2 : 3,
                             &out->of.variant.payload);
    }
    const wasmrt_ctype *ok = wasmrt_ctype_child(t, 0);
    if (!ok) {
        char b[32];
        return perr(p, p->pos, "expected ok or err, found %s", here(p, b, sizeof b));
    }
    /* a flat ok: the value itself */
    out->of.variant.case_ = 0;
    wasmrt_cval *v = calloc(1, sizeof *v);
    if (!v) return perr(p, p->pos, "out of memory");
    if (!parse_value(p, ok, v)) {
        wasmrt_cval_free(v);
        free(v);
        return false;
    }
    out->of.variant.payload = v;
    return true;
}

static bool parse_value(Parser *p, const wasmrt_ctype *t, wasmrt_cval *out) {
    memset(out, 0, sizeof *out);
    skip_ws(p);
    wasmc_cval_kind k = wasmrt_ctype_kind(t);
    switch (k) {
    case WASMC_CVAL_BOOL:
        if (at_keyword(p, "true") || at_keyword(p, "false")) {
            out->kind = WASMC_CVAL_BOOL;
            out->of.b = p->s[p->pos] == 't';
            p->pos += out->of.b ? 4 : 5;
            return true;
        } else {
            char b[32];
            return perr(p, p->pos, "expected true or false, found %s", here(p, b, sizeof b));
        }
    case WASMC_CVAL_S8: case WASMC_CVAL_U8: case WASMC_CVAL_S16: case WASMC_CVAL_U16:
    case WASMC_CVAL_S32: case WASMC_CVAL_U32: case WASMC_CVAL_S64: case WASMC_CVAL_U64:
        return parse_int(p, k, out);
    case WASMC_CVAL_F32: case WASMC_CVAL_F64: return parse_float(p, k, out);
    case WASMC_CVAL_CHAR: return parse_char(p, out);
    case WASMC_CVAL_STRING: return parse_string(p, out);
    case WASMC_CVAL_LIST: {
        if (!expect(p, '[', "'[' to start a list")) return false;
        Seq q = {t, NULL, 0, 0};
        if (!parse_items(p, ']', "a list", list_item, &q)) {
            free_items(q.items, q.len);
            return false;
        }
        out->kind = WASMC_CVAL_LIST;
        out->of.list.items = q.items;
        out->of.list.len = q.len;
        return true;
    }
    case WASMC_CVAL_TUPLE: {
        size_t start = p->pos;
        if (!expect(p, '(', "'(' to start a tuple")) return false;
        uint32_t count = wasmrt_ctype_count(t);
        Seq q = {t, calloc(count ? count : 1, sizeof(wasmrt_cval)), 0, count};
        if (!q.items) return perr(p, start, "out of memory");
        if (!parse_items(p, ')', "a tuple", tuple_item, &q)) {
            free_items(q.items, count);
            return false;
        }
        if (q.len != count) {
            free_items(q.items, count);
            return perr(p, start, "the tuple has %" PRIu32 " elements, not %zu", count, q.len);
        }
        out->kind = WASMC_CVAL_TUPLE;
        out->of.list.items = q.items;
        out->of.list.len = count;
        return true;
    }
    case WASMC_CVAL_RECORD: return parse_record(p, t, out);
    case WASMC_CVAL_FLAGS: return parse_flags(p, t, out);
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: return parse_case(p, t, out);
    case WASMC_CVAL_OPTION: return parse_option(p, t, out);
    case WASMC_CVAL_RESULT: return parse_result(p, t, out);
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW:
    {
        const char *rn = wasmrt_ctype_resource_name(t);
        return perr(p, p->pos, "a resource handle (%s) cannot be written in WAVE", rn ? rn : "resource");
    }
    default:
        return perr(p, p->pos, "unknown type kind %d", (int)k);
    }
}

bool wasmrt_wave_parse(const wasmrt_ctype *t, const char *text, size_t len, wasmrt_cval *out, wasmrt_error *err) {
    Parser p = {text, len, 0, err, false};
    memset(out, 0, sizeof *out);
    if (!parse_value(&p, t, out)) {
        wasmrt_cval_free(out);
        memset(out, 0, sizeof *out);
        return false;
    }
    skip_ws(&p);
    if (p.pos != p.len) {
        char b[32];
        perr(&p, p.pos, "unexpected %s after the value", here(&p, b, sizeof b));
        wasmrt_cval_free(out);
        memset(out, 0, sizeof *out);
        return false;
    }
    return true;
}

typedef struct Call {
    const wasmrt_cfunc *f;
    wasmrt_cval *args;
    uint32_t n;
} Call;

static bool call_arg(Parser *p, void *ctx, size_t i) {
    Call *c = ctx;
    uint32_t np = wasmrt_cfunc_num_params(c->f);
    if (i >= np) return perr(p, p->pos, "too many arguments: the function takes %" PRIu32, np);
    if (!parse_value(p, wasmrt_cfunc_param_type(c->f, (uint32_t)i), &c->args[i])) return false;
    c->n = (uint32_t)i + 1;
    return true;
}

bool wasmrt_wave_parse_call(const char *text, char **name, wasmrt_cval **args, uint32_t *nargs,
                            const wasmrt_cfunc *(*lookup)(void *env, const char *name), void *env,
                            wasmrt_error *err) {
    *name = NULL;
    *args = NULL;
    *nargs = 0;
    size_t len = strlen(text);
    Parser p = {text, len, 0, err, false};
    skip_ws(&p);
    /* The name runs to the '(': a label, or an interface-qualified name
     * ("wasi:cli/run@0.2.0#run"), so any non-space characters. */
    size_t start = p.pos;
    while (p.pos < len && text[p.pos] != '(' && text[p.pos] != ' ' && text[p.pos] != '\t' && text[p.pos] != '\n')
        p.pos++;
    size_t end = p.pos;
    if (end == start) return perr(&p, start, "expected a function name");
    skip_ws(&p);
    if (peek(&p) != '(') return perr(&p, p.pos, "expected '(' after the function name (write name() for no arguments)");
    p.pos++;
    char *fname = strndup(text + start + (text[start] == '%'), end - start - (text[start] == '%'));
    if (!fname) return perr(&p, start, "out of memory");
    const wasmrt_cfunc *f = lookup(env, fname);
    if (!f) {
        perr(&p, start, "no exported function '%s'", fname);
        free(fname);
        return false;
    }
    uint32_t np = wasmrt_cfunc_num_params(f);
    Call c = {f, calloc(np ? np : 1, sizeof(wasmrt_cval)), 0};
    if (!c.args) {
        free(fname);
        return perr(&p, start, "out of memory");
    }
    bool ok = parse_items(&p, ')', "the arguments", call_arg, &c);
    /* Trailing option parameters may be left out (none), as record fields. */
    for (uint32_t i = c.n; ok && i < np; i++) {
        if (wasmrt_ctype_kind(wasmrt_cfunc_param_type(f, i)) != WASMC_CVAL_OPTION) {
            const char *pn = wasmrt_cfunc_param_name(f, i);
            ok = perr(&p, p.pos ? p.pos - 1 : 0, "missing argument %" PRIu32 " (%s) of %s: it takes %" PRIu32, i + 1,
                      pn ? pn : "?", fname, np);
            break;
        }
        c.args[i].kind = WASMC_CVAL_OPTION;
    }
    if (ok) {
        skip_ws(&p);
        if (p.pos != len) {
            char b[32];
            ok = perr(&p, p.pos, "unexpected %s after the call", here(&p, b, sizeof b));
        }
    }
    if (!ok) {
        free_items(c.args, np);
        free(fname);
        return false;
    }
    *name = fname;
    *args = c.args;
    *nargs = np;
    return true;
}

/* ---- Printing --------------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static void putf(Buf *b, const char *fmt, ...) {
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put_bytes(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_str(Buf *b, const char *s) { put_bytes(b, s, strlen(s)); }

static void put_label(Buf *b, const char *name, bool is_case) {
    if (!name) name = "?";
    if (is_case && is_keyword(name, strlen(name))) put_bytes(b, "%", 1);
    put_str(b, name);
}

/* One character inside quotes `q`: escapes for the quote, the backslash
 * and control characters. */
static void put_char_escaped(Buf *b, uint32_t c, char q) {
    switch (c) {
    case '\\': put_str(b, "\\\\"); return;
    case '\n': put_str(b, "\\n"); return;
    case '\t': put_str(b, "\\t"); return;
    case '\r': put_str(b, "\\r"); return;
    default: break;
    }
    if (c == (uint32_t)q) {
        put_bytes(b, "\\", 1);
        put_bytes(b, &q, 1);
    } else if (c < 0x20 || c == 0x7F) {
        putf(b, "\\u{%" PRIx32 "}", c);
    } else {
        put_utf8(b, c);
    }
}

/* Shortest decimal that reads back to the same bits. */
static void put_float(Buf *b, double v, bool is_f32) {
    if (isnan(v)) {
        put_str(b, "nan");
        return;
    }
    if (isinf(v)) {
        put_str(b, v < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (is_f32 ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v) break;
    }
    put_str(b, tmp); /* %g's forms (1.5, -0, 1e+20, 2.5e-07) are all WAVE numbers */
}

static void print_value(Buf *b, const wasmrt_ctype *t, const wasmrt_cval *v);

static void print_payload(Buf *b, const wasmrt_ctype *pt, const wasmrt_cval *payload) {
    if (!pt || !payload) return;
    put_str(b, "(");
    print_value(b, pt, payload);
    put_str(b, ")");
}

static void print_value(Buf *b, const wasmrt_ctype *t, const wasmrt_cval *v) {
    switch ((wasmc_cval_kind)v->kind) {
    case WASMC_CVAL_BOOL: put_str(b, v->of.b ? "true" : "false"); return;
    case WASMC_CVAL_S8: case WASMC_CVAL_S16: case WASMC_CVAL_S32: case WASMC_CVAL_S64:
        putf(b, "%" PRId64, v->of.s);
        return;
    case WASMC_CVAL_U8: case WASMC_CVAL_U16: case WASMC_CVAL_U32: case WASMC_CVAL_U64:
        putf(b, "%" PRIu64, v->of.u);
        return;
    case WASMC_CVAL_F32: put_float(b, v->of.f32, true); return;
    case WASMC_CVAL_F64: put_float(b, v->of.f64, false); return;
    case WASMC_CVAL_CHAR:
        put_str(b, "'");
        put_char_escaped(b, v->of.ch, '\'');
        put_str(b, "'");
        return;
    case WASMC_CVAL_STRING: {
        put_str(b, "\"");
        Parser p = {v->of.str.ptr, v->of.str.len, 0, NULL, false};
        while (p.pos < p.len) {
            uint32_t c;
            if (!read_utf8(&p, &c)) { /* not UTF-8: show the byte, keep going */
                putf(b, "\\u{%x}", (unsigned char)p.s[p.pos]);
                p.pos++;
                p.failed = false;
                continue;
            }
            put_char_escaped(b, c, '"');
        }
        put_str(b, "\"");
        return;
    }
    case WASMC_CVAL_LIST: case WASMC_CVAL_TUPLE: {
        bool list = v->kind == WASMC_CVAL_LIST;
        put_str(b, list ? "[" : "(");
        for (size_t i = 0; i < v->of.list.len; i++) {
            if (i) put_str(b, ", ");
            print_value(b, wasmrt_ctype_child(t, list ? 0 : (uint32_t)i), &v->of.list.items[i]);
        }
        put_str(b, list ? "]" : ")");
        return;
    }
    case WASMC_CVAL_RECORD:
        put_str(b, "{");
        for (size_t i = 0; i < v->of.list.len; i++) {
            if (i) put_str(b, ", ");
            put_label(b, wasmrt_ctype_name(t, (uint32_t)i), false);
            put_str(b, ": ");
            print_value(b, wasmrt_ctype_child(t, (uint32_t)i), &v->of.list.items[i]);
        }
        put_str(b, v->of.list.len ? "}" : ":}");
        return;
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM:
        put_label(b, wasmrt_ctype_name(t, v->of.variant.case_), true);
        if (v->kind == WASMC_CVAL_VARIANT)
            print_payload(b, wasmrt_ctype_child(t, v->of.variant.case_), v->of.variant.payload);
        return;
    case WASMC_CVAL_OPTION:
        if (v->of.variant.case_ == 0) {
            put_str(b, "none");
            return;
        }
        put_str(b, "some");
        print_payload(b, wasmrt_ctype_child(t, 0), v->of.variant.payload);
        return;
    case WASMC_CVAL_RESULT:
        put_str(b, v->of.variant.case_ == 0 ? "ok" : "err");
        print_payload(b, wasmrt_ctype_child(t, v->of.variant.case_ ? 1 : 0), v->of.variant.payload);
        return;
    case WASMC_CVAL_FLAGS: {
        put_str(b, "{");
        bool first = true;
        for (uint32_t i = 0; i < 32; i++)
            if (v->of.flags & (UINT32_C(1) << i)) {
                if (!first) put_str(b, ", ");
                first = false;
                put_label(b, wasmrt_ctype_name(t, i), false);
            }
        put_str(b, "}");
        return;
    }
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW: {
        /* No WAVE syntax for handles; shown for people, not parsed back. */
        putf(b, "%s<", v->kind == WASMC_CVAL_OWN ? "own" : "borrow");
        const char *rn = wasmrt_ctype_resource_name(t);
        put_str(b, rn ? rn : "resource");
        putf(b, ">#%" PRIu32, v->of.handle);
        return;
    }
    default:
        putf(b, "<kind %u>", v->kind);
        return;
    }
}

char *wasmrt_wave_print(const wasmrt_ctype *t, const wasmrt_cval *v) {
    Buf b = {0};
    print_value(&b, t, v);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p ? b.p : strdup("");
}
