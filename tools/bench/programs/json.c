/* JSON tokenizer and recursive-descent parser over a generated document.
 *
 * The generator writes n records (objects with strings containing escapes,
 * integers, decimals, booleans, null and nested arrays); the parser builds a
 * node tree in a bump arena and a walk sums what it found.  Byte-at-a-time
 * scanning, switch dispatch, recursion and pointer chasing: the shape of
 * real-world request parsing.  Parsing happens several times; the statistics
 * must match what the generator wrote. */
#include "bench.h"

static const bench_ref_u64 refs[] = {
    { 500, 0xed55e73b6af6a0e5ull },
    { 60000, 0x5df511d2a99edfb2ull },
};

enum kind { J_NULL, J_TRUE, J_FALSE, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct node {
    enum kind kind;
    uint32_t len;          /* string length, or child count */
    int64_t ival;          /* integer part for numbers (scaled by 1000) */
    struct node *child;    /* first child (arrays/objects; objects alternate key, value) */
    struct node *next;
} node;

typedef struct {
    const char *p, *end;
    node *arena;
    size_t used, cap;
    int error;
} parser;

static node *new_node(parser *ps, enum kind k)
{
    if (ps->used == ps->cap) {
        ps->error = 1;
        return NULL;
    }
    node *n = &ps->arena[ps->used++];
    memset(n, 0, sizeof *n);
    n->kind = k;
    return n;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
        ps->p++;
}

static node *parse_value(parser *ps, int depth);

static node *parse_string(parser *ps)
{
    node *n = new_node(ps, J_STR);
    if (!n)
        return NULL;
    ps->p++; /* opening quote */
    uint32_t len = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        if (*ps->p == '\\') {
            ps->p++;
            if (ps->p >= ps->end) break;
            switch (*ps->p) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                ps->p++;
                break;
            case 'u':
                for (int i = 1; i <= 4; i++) {
                    char c = ps->p + i < ps->end ? ps->p[i] : 0;
                    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                        ps->error = 1;
                        return NULL;
                    }
                }
                ps->p += 5;
                break;
            default:
                ps->error = 1;
                return NULL;
            }
        } else {
            ps->p++;
        }
        len++;
    }
    if (ps->p >= ps->end) {
        ps->error = 1;
        return NULL;
    }
    ps->p++;
    n->len = len;
    return n;
}

static node *parse_number(parser *ps)
{
    node *n = new_node(ps, J_NUM);
    if (!n)
        return NULL;
    int neg = 0;
    if (*ps->p == '-') {
        neg = 1;
        ps->p++;
    }
    int64_t v = 0;
    int digits = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        v = v * 10 + (*ps->p++ - '0');
        digits++;
    }
    int64_t frac = 0, scale = 1000;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (*ps->p - '0') * scale;
            }
            ps->p++;
        }
    }
    if (!digits) {
        ps->error = 1;
        return NULL;
    }
    n->ival = (neg ? -1 : 1) * (v * 1000 + frac);
    return n;
}

static node *parse_container(parser *ps, int depth, int is_obj)
{
    node *n = new_node(ps, is_obj ? J_OBJ : J_ARR);
    if (!n)
        return NULL;
    ps->p++;
    node **tail = &n->child;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == (is_obj ? '}' : ']')) {
        ps->p++;
        return n;
    }
    for (;;) {
        skip_ws(ps);
        if (is_obj) {
            if (ps->p >= ps->end || *ps->p != '"') {
                ps->error = 1;
                return NULL;
            }
            node *k = parse_string(ps);
            if (!k) return NULL;
            *tail = k;
            tail = &k->next;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                ps->error = 1;
                return NULL;
            }
            ps->p++;
        }
        node *v = parse_value(ps, depth + 1);
        if (!v) return NULL;
        *tail = v;
        tail = &v->next;
        n->len++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == (is_obj ? '}' : ']')) {
            ps->p++;
            return n;
        }
        ps->error = 1;
        return NULL;
    }
}

static node *parse_value(parser *ps, int depth)
{
    if (depth > 64) {
        ps->error = 1;
        return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        ps->error = 1;
        return NULL;
    }
    switch (*ps->p) {
    case '{': return parse_container(ps, depth, 1);
    case '[': return parse_container(ps, depth, 0);
    case '"': return parse_string(ps);
    case 't':
        if (ps->end - ps->p >= 4 && !memcmp(ps->p, "true", 4)) { ps->p += 4; return new_node(ps, J_TRUE); }
        break;
    case 'f':
        if (ps->end - ps->p >= 5 && !memcmp(ps->p, "false", 5)) { ps->p += 5; return new_node(ps, J_FALSE); }
        break;
    case 'n':
        if (ps->end - ps->p >= 4 && !memcmp(ps->p, "null", 4)) { ps->p += 4; return new_node(ps, J_NULL); }
        break;
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
            return parse_number(ps);
    }
    ps->error = 1;
    return NULL;
}

typedef struct { uint64_t nodes, strlen, trues, nulls; int64_t numsum; uint64_t h; } stats;

static void walk(const node *n, stats *s)
{
    for (; n; n = n->next) {
        s->nodes++;
        s->h = mix64(s->h, (uint64_t)n->kind * 131 + n->len);
        switch (n->kind) {
        case J_STR: s->strlen += n->len; break;
        case J_NUM: s->numsum += n->ival; break;
        case J_TRUE: s->trues++; break;
        case J_NULL: s->nulls++; break;
        case J_ARR: case J_OBJ: walk(n->child, s); break;
        default: break;
        }
    }
}

/* Appends to a growable buffer; the generator knows its own totals so the
 * parse can be checked against them. */
typedef struct { char *b; size_t len, cap; } sbuf;

static void put(sbuf *s, const char *t, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4096;
        while (nc < s->len + n + 1) nc *= 2;
        char *nb = realloc(s->b, nc);
        if (!nb) bench_fail("json", "out of memory");
        s->b = nb;
        s->cap = nc;
    }
    memcpy(s->b + s->len, t, n);
    s->len += n;
}
#define PUTS(s, lit) put((s), (lit), sizeof(lit) - 1)

int main(int argc, char **argv)
{
    long n = bench_size(argc, argv, 60000, 1, 10000000);
    static const char *names[] = { "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta" };
    sbuf s = { 0 };
    rng_t r = { 2024 };
    int64_t want_sum = 0;
    uint64_t want_trues = 0;
    PUTS(&s, "[\n");
    for (long i = 0; i < n; i++) {
        char tmp[96];
        int l;
        if (i) PUTS(&s, ",\n");
        l = snprintf(tmp, sizeof tmp, "{\"id\": %ld, \"name\": \"%s-%u\", ", i,
                     names[rng_below(&r, 8)], rng_below(&r, 10000));
        put(&s, tmp, (size_t)l);
        want_sum += (int64_t)i * 1000;
        uint32_t cents = rng_below(&r, 1000000), dv = rng_below(&r, 50);
        l = snprintf(tmp, sizeof tmp, "\"price\": %u.%03u, \"delta\": -%u, ", cents / 1000,
                     cents % 1000, dv);
        want_sum += (int64_t)cents - (int64_t)dv * 1000;
        put(&s, tmp, (size_t)l);
        int active = rng_below(&r, 2);
        want_trues += (uint64_t)active;
        l = snprintf(tmp, sizeof tmp, "\"active\": %s, \"note\": %s, ", active ? "true" : "false",
                     rng_below(&r, 4) ? "\"say \\\"hi\\\"\\n\\u00e9t\\u00e9\"" : "null");
        put(&s, tmp, (size_t)l);
        PUTS(&s, "\"tags\": [");
        uint32_t nt = rng_below(&r, 6);
        for (uint32_t t = 0; t < nt; t++) {
            uint32_t v = rng_below(&r, 1000);
            want_sum += (int64_t)v * 1000;
            l = snprintf(tmp, sizeof tmp, "%s[%u, \"%s\"]", t ? ", " : "", v, names[v % 8]);
            put(&s, tmp, (size_t)l);
        }
        PUTS(&s, "]}");
    }
    PUTS(&s, "\n]\n");
    size_t cap = (size_t)n * 40 + 16;
    node *arena = malloc(cap * sizeof *arena);
    if (!arena)
        bench_fail("json", "out of memory");
    stats st = { 0 };
    for (int rep = 0; rep < 8; rep++) {
        parser ps = { s.b, s.b + s.len, arena, 0, cap, 0 };
        node *root = parse_value(&ps, 0);
        skip_ws(&ps);
        if (!root || ps.error || ps.p != ps.end)
            bench_fail("json", "generated document did not parse");
        stats cur = { 0 };
        walk(root, &cur);
        if (rep && (cur.h != st.h || cur.nodes != st.nodes))
            bench_fail("json", "repeated parses disagree");
        st = cur;
    }
    if (st.numsum != want_sum || st.trues != want_trues)
        bench_fail("json", "parsed numbers/booleans differ from what was generated");
    printf("json: %zu bytes, %llu nodes, %llu string chars, %llu nulls\n", s.len,
           (unsigned long long)st.nodes, (unsigned long long)st.strlen, (unsigned long long)st.nulls);
    uint64_t h = mix64(mix64(mix64(st.h, st.nodes), st.strlen), (uint64_t)st.numsum);
    free(arena);
    free(s.b);
    return bench_report_u64("json", n, h, refs, BENCH_NREFS(refs));
}
