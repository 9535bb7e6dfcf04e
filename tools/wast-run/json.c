/* JSON reader: recursive descent over RFC 8259, strict.
 *
 * One function per grammar rule; each takes the parser and returns a node
 * from the pool or NULL after recording the first error (offset + what was
 * expected).  Children of an array or object are collected in a scratch
 * vector on the heap while their container is being parsed and then copied
 * into the pool in one piece, so containers cost O(n) and the scratch is
 * freed on every path.  Depth is bounded, so recursion is too.
 */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Pool --------------------------------------------------------------- */

typedef struct JsonChunk {
    struct JsonChunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} JsonChunk;

struct JsonPool {
    JsonChunk *head;
};

enum { POOL_CHUNK = 64 * 1024 };

static void *pool_alloc(JsonPool *p, size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    JsonChunk *c = p->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > POOL_CHUNK ? size : POOL_CHUNK;
        if (cap > SIZE_MAX - sizeof(JsonChunk)) return NULL;
        c = malloc(sizeof(JsonChunk) + cap);
        if (!c) return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = p->head;
        p->head = c;
    }
    void *r = c->data + c->used;
    c->used += size;
    return r;
}

static void pool_free(JsonPool *p) {
    if (!p) return;
    for (JsonChunk *c = p->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(p);
}

/* ---- Parser state ------------------------------------------------------- */

typedef struct Parser {
    const char *s;
    size_t len, pos;
    unsigned depth;
    JsonPool *pool;
    JsonError *err;
    bool failed;
} Parser;

__attribute__((format(printf, 3, 4)))
static void *fail(Parser *p, size_t offset, const char *fmt, ...) {
    if (!p->failed) {
        p->failed = true;
        p->err->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
        va_end(ap);
    }
    return NULL;
}

static void *oom(Parser *p) { return fail(p, p->pos, "out of memory"); }

static void skip_ws(Parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static JsonValue *new_node(Parser *p, JsonType t, size_t offset) {
    JsonValue *v = pool_alloc(p->pool, sizeof *v);
    if (!v) return oom(p);
    memset(v, 0, sizeof *v);
    v->type = t;
    v->offset = offset;
    return v;
}

/* Scratch vector of pointers or members, heap-allocated, grown by doubling. */
typedef struct Scratch {
    void *data;
    size_t count, cap, elem;
} Scratch;

static bool scratch_push(Scratch *v, const void *item) {
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        void *d = realloc(v->data, cap * v->elem);
        if (!d) return false;
        v->data = d;
        v->cap = cap;
    }
    memcpy((char *)v->data + v->count * v->elem, item, v->elem);
    v->count++;
    return true;
}

static const JsonValue *parse_value(Parser *p);

/* literal: "true" | "false" | "null" */
static const JsonValue *parse_literal(Parser *p, const char *word, JsonType t, bool b) {
    size_t n = strlen(word), start = p->pos;
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail(p, start, "expected '%s'", word);
    p->pos += n;
    JsonValue *v = new_node(p, t, start);
    if (v) v->u.boolean = b;
    return v;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* number: '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)? */
static const JsonValue *parse_number(Parser *p) {
    size_t start = p->pos;
    if (p->pos < p->len && p->s[p->pos] == '-') p->pos++;
    if (p->pos >= p->len || !is_digit(p->s[p->pos])) return fail(p, p->pos, "expected a digit");
    if (p->s[p->pos] == '0') {
        p->pos++;
    } else {
        while (p->pos < p->len && is_digit(p->s[p->pos])) p->pos++;
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos]))
            return fail(p, p->pos, "expected a digit after '.'");
        while (p->pos < p->len && is_digit(p->s[p->pos])) p->pos++;
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) p->pos++;
        if (p->pos >= p->len || !is_digit(p->s[p->pos]))
            return fail(p, p->pos, "expected a digit in the exponent");
        while (p->pos < p->len && is_digit(p->s[p->pos])) p->pos++;
    }
    JsonValue *v = new_node(p, JSON_NUMBER, start);
    if (!v) return NULL;
    v->u.number.text = p->s + start;
    v->u.number.len = p->pos - start;
    return v;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Four hex digits after "\u"; -1 when malformed. */
static long read_hex4(Parser *p) {
    if (p->len - p->pos < 4) return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p->s[p->pos + i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    p->pos += 4;
    return v;
}

static size_t put_utf8(char *out, unsigned long cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* string: '"' (char | escape)* '"'.  The decoded text is never longer than
 * the source text, so one allocation of the source length suffices. */
static bool parse_string_raw(Parser *p, const char **chars, size_t *len) {
    size_t start = p->pos;
    if (p->pos >= p->len || p->s[p->pos] != '"') return fail(p, p->pos, "expected '\"'"), false;
    p->pos++;
    size_t end = p->pos;
    while (end < p->len && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) return fail(p, start, "unterminated string"), false;
    char *out = pool_alloc(p->pool, end - p->pos + 1);
    if (!out) return oom(p), false;
    size_t n = 0;
    while (p->s[p->pos] != '"') {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c < 0x20) return fail(p, p->pos, "control character in string"), false;
        if (c != '\\') {
            out[n++] = (char)c;
            p->pos++;
            continue;
        }
        size_t esc = p->pos++;
        char e = p->s[p->pos++];
        switch (e) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            long cp = read_hex4(p);
            if (cp < 0) return fail(p, esc, "expected four hex digits after \\u"), false;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return fail(p, esc, "unpaired low surrogate in \\u escape"), false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
                    return fail(p, esc, "unpaired high surrogate in \\u escape"), false;
                p->pos += 2;
                long lo = read_hex4(p);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(p, esc, "expected a low surrogate after a high surrogate"), false;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            /* A "\uXXXX" is 6 source bytes and at most 3 output bytes; a
             * surrogate pair is 12 and 4, so the output never overtakes. */
            n += put_utf8(out + n, (unsigned long)cp);
            break;
        }
        default:
            return fail(p, esc, "invalid escape '\\%c' in string", e), false;
        }
    }
    p->pos++; /* closing quote */
    out[n] = 0;
    *chars = out;
    *len = n;
    return true;
}

static const JsonValue *parse_string(Parser *p) {
    size_t start = p->pos;
    const char *chars;
    size_t len;
    if (!parse_string_raw(p, &chars, &len)) return NULL;
    JsonValue *v = new_node(p, JSON_STRING, start);
    if (!v) return NULL;
    v->u.string.chars = chars;
    v->u.string.len = len;
    return v;
}

/* array: '[' (value (',' value)*)? ']' */
static const JsonValue *parse_array(Parser *p) {
    size_t start = p->pos++;
    Scratch items = {.elem = sizeof(const JsonValue *)};
    const JsonValue *result = NULL;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
    } else {
        for (;;) {
            const JsonValue *item = parse_value(p);
            if (!item) goto out;
            if (!scratch_push(&items, &item)) {
                oom(p);
                goto out;
            }
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == ']') {
                p->pos++;
                break;
            }
            fail(p, p->pos, "expected ',' or ']' in array");
            goto out;
        }
    }
    JsonValue *v = new_node(p, JSON_ARRAY, start);
    if (!v) goto out;
    if (items.count) {
        const JsonValue **copy = pool_alloc(p->pool, items.count * sizeof *copy);
        if (!copy) {
            oom(p);
            goto out;
        }
        memcpy(copy, items.data, items.count * sizeof *copy);
        v->u.array.items = copy;
    }
    v->u.array.count = items.count;
    result = v;
out:
    free(items.data);
    return result;
}

/* object: '{' (string ':' value (',' string ':' value)*)? '}' */
static const JsonValue *parse_object(Parser *p) {
    size_t start = p->pos++;
    Scratch members = {.elem = sizeof(JsonMember)};
    const JsonValue *result = NULL;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
    } else {
        for (;;) {
            JsonMember m;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != '"') {
                fail(p, p->pos, "expected a string key in object");
                goto out;
            }
            if (!parse_string_raw(p, &m.key, &m.key_len)) goto out;
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') {
                fail(p, p->pos, "expected ':' after object key");
                goto out;
            }
            p->pos++;
            m.value = parse_value(p);
            if (!m.value) goto out;
            if (!scratch_push(&members, &m)) {
                oom(p);
                goto out;
            }
            skip_ws(p);
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                continue;
            }
            if (p->pos < p->len && p->s[p->pos] == '}') {
                p->pos++;
                break;
            }
            fail(p, p->pos, "expected ',' or '}' in object");
            goto out;
        }
    }
    JsonValue *v = new_node(p, JSON_OBJECT, start);
    if (!v) goto out;
    if (members.count) {
        JsonMember *copy = pool_alloc(p->pool, members.count * sizeof *copy);
        if (!copy) {
            oom(p);
            goto out;
        }
        memcpy(copy, members.data, members.count * sizeof *copy);
        v->u.object.members = copy;
    }
    v->u.object.count = members.count;
    result = v;
out:
    free(members.data);
    return result;
}

/* value: object | array | string | number | literal */
static const JsonValue *parse_value(Parser *p) {
    skip_ws(p);
    if (p->pos >= p->len) return fail(p, p->pos, "unexpected end of input, expected a value");
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        if (p->depth >= JSON_MAX_DEPTH)
            return fail(p, p->pos, "nesting deeper than %d levels", JSON_MAX_DEPTH);
        p->depth++;
        const JsonValue *v = c == '{' ? parse_object(p) : parse_array(p);
        p->depth--;
        return v;
    }
    if (c == '"') return parse_string(p);
    if (c == '-' || is_digit(c)) return parse_number(p);
    if (c == 't') return parse_literal(p, "true", JSON_BOOL, true);
    if (c == 'f') return parse_literal(p, "false", JSON_BOOL, false);
    if (c == 'n') return parse_literal(p, "null", JSON_NULL, false);
    return fail(p, p->pos, "unexpected character '%c', expected a value", c);
}

bool json_parse(const char *text, size_t len, JsonDoc *doc, JsonError *err) {
    doc->root = NULL;
    doc->pool = NULL;
    err->offset = 0;
    err->message[0] = 0;
    Parser p = {.s = text, .len = len, .err = err};
    p.pool = calloc(1, sizeof *p.pool);
    if (!p.pool) {
        snprintf(err->message, sizeof err->message, "out of memory");
        return false;
    }
    const JsonValue *root = parse_value(&p);
    if (root) {
        skip_ws(&p);
        if (p.pos != p.len) root = fail(&p, p.pos, "trailing characters after the document");
    }
    if (!root) {
        pool_free(p.pool);
        return false;
    }
    doc->root = root;
    doc->pool = p.pool;
    return true;
}

void json_free(JsonDoc *doc) {
    pool_free(doc->pool);
    doc->pool = NULL;
    doc->root = NULL;
}

const JsonValue *json_get(const JsonValue *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->u.object.count; i++) {
        const JsonMember *m = &obj->u.object.members[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return m->value;
    }
    return NULL;
}

const char *json_get_string(const JsonValue *obj, const char *key, size_t *len) {
    const JsonValue *v = json_get(obj, key);
    if (!v || v->type != JSON_STRING) return NULL;
    if (len) *len = v->u.string.len;
    return v->u.string.chars;
}

bool json_number_u64(const JsonValue *v, uint64_t *out) {
    if (!v || v->type != JSON_NUMBER || v->u.number.len == 0) return false;
    uint64_t r = 0;
    for (size_t i = 0; i < v->u.number.len; i++) {
        char c = v->u.number.text[i];
        if (!is_digit(c)) return false; /* sign, fraction or exponent */
        unsigned d = (unsigned)(c - '0');
        if (r > (UINT64_MAX - d) / 10) return false;
        r = r * 10 + d;
    }
    *out = r;
    return true;
}

bool json_get_u64(const JsonValue *obj, const char *key, uint64_t *out) {
    return json_number_u64(json_get(obj, key), out);
}
