/* The canonical ABI's loads and stores (CanonicalABI.md "Loading",
 * "Storing"; definitions.py load/store and what they call): values in a
 * guest's linear memory, strings in its encoding (utf8, utf16,
 * latin1+utf16, with the reference's transcoding and realloc sequence),
 * lists, and the resource handles own/borrow values become.
 *
 * Every trap_if of the reference is a ct_trap here, worded as the
 * component-model tests (test/values, the .wast scripts) expect where they say.  All
 * bounds arithmetic is 64-bit, so a guest's 32-bit pointer + length never
 * wraps past the check.  Host values are strings in UTF-8: a lowered
 * string's source encoding is utf8 (src_code_units = its bytes), unless it
 * came from another component (cx->strq: its encoding and code units).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal_component.h"

#define UTF16_TAG (1u << 31)

bool ct_trap(ct_cx *cx, const char *fmt, ...) {
    if (cx->trap_code != WASMC_TRAP_NONE) return false;   /* keep the first */
    cx->trap_code = WASMC_TRAP_CANON;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cx->trap_msg, sizeof cx->trap_msg, fmt, ap);
    va_end(ap);
    return false;
}

static bool need_memory(ct_cx *cx) {
    if (cx->mem) return true;
    return ct_trap(cx, "canonical ABI: a value needs linear memory, but the function has no memory option");
}

static inline uint8_t *mem_at(ct_cx *cx, uint32_t ptr) { return cx->mem->base + ptr; }
static inline bool in_bounds(ct_cx *cx, uint64_t ptr, uint64_t len) { return ptr + len <= cx->mem->size; }

static bool count_lifted(ct_cx *cx, uint64_t n) {
    cx->lifted += n;
    if (cx->lifted > CT_MAX_LIFTED_VALUES)
        return ct_trap(cx, "value too large to lift (more than %u values in one call)", CT_MAX_LIFTED_VALUES);
    return true;
}

static uint64_t load_int(ct_cx *cx, uint32_t ptr, uint32_t n) {
    uint64_t v = 0;
    memcpy(&v, mem_at(cx, ptr), n);   /* little-endian hosts only (x86-64, aarch64) */
    return v;
}

static void store_int(ct_cx *cx, uint64_t v, uint32_t ptr, uint32_t n) { memcpy(mem_at(cx, ptr), &v, n); }

/* What an allocation is for: only the wording of its traps differs. */
enum { FOR_VALUES, FOR_STRING, FOR_LIST };

static bool check_alloc(ct_cx *cx, uint32_t ptr, uint32_t align, uint64_t size, int what) {
    if (ptr & (align - 1))
        return ct_trap(cx, cx->adapter ? "unaligned pointer" : "realloc return: result not aligned");
    if (!in_bounds(cx, ptr, size)) {
        if (!cx->adapter) return ct_trap(cx, "realloc return: beyond end of memory");
        return ct_trap(cx, what == FOR_STRING ? "string content out-of-bounds"
                           : what == FOR_LIST ? "list content out-of-bounds" : "pointer out of bounds of memory");
    }
    return true;
}

static bool reallocate_for(ct_cx *cx, uint32_t old_ptr, uint32_t old_size, uint32_t align, uint64_t size,
                           uint32_t *ptr, int what) {
    if (!need_memory(cx)) return false;
    if (!cx->realloc)
        return ct_trap(cx, "canonical ABI: a value needs realloc, but the function has no realloc option");
    if (size > UINT32_MAX) return ct_trap(cx, "allocation of %llu bytes exceeds 4 GiB", (unsigned long long)size);
    if (!cx->realloc(cx, old_ptr, old_size, align, (uint32_t)size, ptr)) return false;
    return check_alloc(cx, *ptr, align, size, what);
}

/* Strings are what reallocates in place (transcoding). */
static bool reallocate(ct_cx *cx, uint32_t old_ptr, uint32_t old_size, uint32_t align, uint64_t size,
                       uint32_t *ptr) {
    return reallocate_for(cx, old_ptr, old_size, align, size, ptr, FOR_STRING);
}

bool ct_allocate(ct_cx *cx, uint32_t align, uint64_t size, const char *what, uint32_t *ptr) {
    (void)what;
    return reallocate_for(cx, 0, 0, align, size, ptr, FOR_VALUES);
}

bool ct_lift_char(ct_cx *cx, uint32_t i, wasmrt_cval *out) {
    if (i >= 0x110000 || (i >= 0xD800 && i <= 0xDFFF)) return ct_trap(cx, "invalid `char` bit pattern");
    out->kind = WASMC_CVAL_CHAR;
    out->of.ch = i;
    return true;
}

static const char *resource_name(ct_cx *cx, uint32_t r) {
    if (cx->plan && r < cx->plan->num_resources) return cx->plan->resources[r].name;
    return "a resource";
}

/* ---- strings ---- */

static size_t put_utf8(char *o, uint32_t c) {
    if (c < 0x80) { o[0] = (char)c; return 1; }
    if (c < 0x800) { o[0] = (char)(0xC0 | c >> 6); o[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | c >> 12); o[1] = (char)(0x80 | ((c >> 6) & 0x3F)); o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | c >> 18); o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* Decodes one UTF-8 scalar at s[i..n): its length, or 0 invalid, or
 * SIZE_MAX when the bytes up to n are a valid but incomplete start. */
static size_t utf8_next(const uint8_t *s, size_t i, size_t n, uint32_t *cp) {
    unsigned c = s[i];
    if (c < 0x80) { *cp = c; return 1; }
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2, *cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, *cp = c & 0x0F;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, *cp = c & 0x07;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else return 0;
    for (size_t k = 1; k < len; k++) {
        if (i + k >= n) return SIZE_MAX;
        unsigned b = s[i + k];
        if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return 0;
        *cp = *cp << 6 | (b & 0x3F);
    }
    return len;
}

void ct_strq_free(ct_strq *q) {
    free(q->v);
    memset(q, 0, sizeof *q);
}

static bool set_string(ct_cx *cx, char *buf, size_t len, uint32_t tagged, wasmrt_cval *out) {
    out->kind = WASMC_CVAL_STRING;
    out->of.str.ptr = buf;
    out->of.str.len = len;
    if (cx->strq) {
        ct_strq *q = cx->strq;
        if (q->n == q->cap) {
            size_t cap = q->cap ? 2 * q->cap : 8;
            ct_strsrc *v = realloc(q->v, cap * sizeof *v);
            if (!v) return ct_trap(cx, "out of memory lifting a string");
            q->v = v;
            q->cap = cap;
        }
        q->v[q->n++] = (ct_strsrc){buf, cx->encoding, tagged};
    }
    return count_lifted(cx, 1);
}

bool ct_lift_string(ct_cx *cx, uint32_t ptr, uint32_t tagged, wasmrt_cval *out) {
    memset(out, 0, sizeof *out);
    out->kind = WASMC_CVAL_STRING;
    if (!need_memory(cx)) return false;
    uint32_t align = 1;
    uint64_t bytes;
    int enc;   /* 0 utf8, 1 utf16, 2 latin1 */
    switch (cx->encoding) {
    case WASMC_STRING_UTF8: bytes = tagged, enc = 0; break;
    case WASMC_STRING_UTF16: align = 2, bytes = 2ull * tagged, enc = 1; break;
    default:
        align = 2;
        if (tagged & UTF16_TAG) bytes = 2ull * (tagged ^ UTF16_TAG), enc = 1;
        else bytes = tagged, enc = 2;
        break;
    }
    if (bytes > CT_MAX_STRING_BYTES) return ct_trap(cx, "string length exceeds the maximum (%llu bytes)", (unsigned long long)bytes);
    if (ptr & (align - 1)) return ct_trap(cx, "unaligned pointer");
    if (!in_bounds(cx, ptr, bytes))
        return ct_trap(cx, cx->adapter ? "string content out-of-bounds" : "string pointer/length out of bounds of memory");
    const uint8_t *s = mem_at(cx, ptr);
    if (enc == 0) {
        for (size_t i = 0; i < bytes;) {
            uint32_t cp;
            size_t k = utf8_next(s, i, bytes, &cp);
            if (k == SIZE_MAX) return ct_trap(cx, "incomplete utf-8 byte sequence");
            if (k == 0) return ct_trap(cx, "invalid utf-8");
            i += k;
        }
        char *buf = malloc(bytes + 1);
        if (!buf) return ct_trap(cx, "out of memory lifting a string");
        memcpy(buf, s, bytes);
        buf[bytes] = 0;
        return set_string(cx, buf, bytes, tagged, out);
    }
    /* utf16 -> at most 3 bytes per unit; latin1 -> at most 2 per byte */
    size_t cap = enc == 1 ? bytes / 2 * 3 : bytes * 2;
    char *buf = malloc(cap + 1);
    if (!buf) return ct_trap(cx, "out of memory lifting a string");
    size_t o = 0;
    if (enc == 2) {
        for (size_t i = 0; i < bytes; i++) o += put_utf8(buf + o, s[i]);
    } else {
        size_t units = bytes / 2;
        for (size_t i = 0; i < units; i++) {
            uint32_t u = (uint32_t)s[2 * i] | (uint32_t)s[2 * i + 1] << 8;
            if (u >= 0xD800 && u <= 0xDBFF && i + 1 < units) {
                uint32_t u2 = (uint32_t)s[2 * i + 2] | (uint32_t)s[2 * i + 3] << 8;
                if (u2 >= 0xDC00 && u2 <= 0xDFFF) {
                    o += put_utf8(buf + o, 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00));
                    i++;
                    continue;
                }
            }
            if (u >= 0xD800 && u <= 0xDFFF) {
                free(buf);
                return ct_trap(cx, "invalid utf-16");
            }
            o += put_utf8(buf + o, u);
        }
    }
    buf[o] = 0;
    return set_string(cx, buf, o, tagged, out);
}

/* UTF-16LE code units of a valid UTF-8 string into out (room for len). */
static size_t utf8_to_utf16(const uint8_t *s, size_t len, uint16_t *out) {
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = utf8_next(s, i, len, &cp);
        if (k == 0 || k == SIZE_MAX) { cp = 0xFFFD; k = 1; }   /* checked before: unreachable */
        i += k;
        if (cp >= 0x10000) {
            out[n++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            out[n++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            out[n++] = (uint16_t)cp;
        }
    }
    return n;
}

static void put_units(ct_cx *cx, uint32_t ptr, const uint16_t *u, size_t from, size_t to) {
    uint8_t *m = mem_at(cx, ptr);
    for (size_t i = from; i < to; i++) {
        m[2 * i] = (uint8_t)u[i];
        m[2 * i + 1] = (uint8_t)(u[i] >> 8);
    }
}

/* store_string_to_utf8: from utf16 or latin1 (src_code_units = units). */
static bool store_to_utf8(ct_cx *cx, const uint8_t *s, size_t len, uint64_t units, uint64_t worst,
                          uint32_t *out_ptr, uint32_t *out_units) {
    uint32_t ptr;
    if (!reallocate(cx, 0, 0, 1, units, &ptr)) return false;
    size_t i = 0;
    while (i < len && s[i] < 0x80) mem_at(cx, ptr)[i] = s[i], i++;   /* byte i is code point i */
    if (i == len) {
        *out_ptr = ptr;
        *out_units = (uint32_t)units;
        return true;
    }
    if (!reallocate(cx, ptr, (uint32_t)units, 1, worst, &ptr)) return false;
    memcpy(mem_at(cx, ptr) + i, s + i, len - i);
    if (worst > len && !reallocate(cx, ptr, (uint32_t)worst, 1, len, &ptr)) return false;
    *out_ptr = ptr;
    *out_units = (uint32_t)len;
    return true;
}

/* store_string_to_latin1_or_utf16: from utf8 or utf16. */
static bool store_to_latin1_or_utf16(ct_cx *cx, const uint8_t *s, size_t len, const uint16_t *u, size_t n,
                                     uint64_t units, uint32_t *out_ptr, uint32_t *out_units) {
    uint32_t ptr;
    if (!reallocate(cx, 0, 0, 2, units, &ptr)) return false;
    size_t dst = 0;
    for (size_t i = 0, k; i < len; i += k) {
        uint32_t cp;
        k = utf8_next(s, i, len, &cp);
        if (k == 0 || k == SIZE_MAX) k = 1, cp = 0xFFFD;   /* lifted or checked before: unreachable */
        if (cp < 256) {
            mem_at(cx, ptr)[dst++] = (uint8_t)cp;
            continue;
        }
        uint64_t worst = 2 * units;
        if (!reallocate(cx, ptr, (uint32_t)units, 2, worst, &ptr)) return false;
        uint8_t *m = mem_at(cx, ptr);
        for (size_t j = dst; j-- > 0;) {
            m[2 * j] = m[j];
            m[2 * j + 1] = 0;
        }
        put_units(cx, ptr, u, dst, n);
        if (worst > 2 * n && !reallocate(cx, ptr, (uint32_t)worst, 2, 2 * n, &ptr)) return false;
        *out_ptr = ptr;
        *out_units = (uint32_t)n | UTF16_TAG;
        return true;
    }
    if (dst < units && !reallocate(cx, ptr, (uint32_t)units, 2, dst, &ptr)) return false;
    *out_ptr = ptr;
    *out_units = (uint32_t)dst;
    return true;
}

/* The source's encoding and code units of a string being lowered. */
static void string_source(ct_cx *cx, const char *str, size_t len, int *enc, uint64_t *tagged) {
    *enc = WASMC_STRING_UTF8;
    *tagged = len;
    ct_strq *q = cx->strq;
    if (q && q->next < q->n && q->v[q->next].ptr == str) {
        *enc = q->v[q->next].encoding;
        *tagged = q->v[q->next].tagged_units;
        q->next++;
    }
}

/* definitions.py store_string_into_range: by the destination's encoding
 * and the source's (utf8, utf16, or latin1+utf16 in either form). */
bool ct_lower_string(ct_cx *cx, const char *str, size_t len, uint32_t *out_ptr, uint32_t *out_units) {
    const uint8_t *s = (const uint8_t *)str;
    uint32_t ptr;
    if (!need_memory(cx)) return false;
    int src;
    uint64_t tagged, units;
    string_source(cx, str, len, &src, &tagged);
    enum { LATIN1 = 3 };
    int simple = src;
    units = tagged;
    if (src == WASMC_STRING_LATIN1_UTF16) {
        simple = tagged & UTF16_TAG ? WASMC_STRING_UTF16 : LATIN1;
        units = tagged & ~(uint64_t)UTF16_TAG;
    }
    if (cx->encoding == WASMC_STRING_UTF8) {
        if (simple != WASMC_STRING_UTF8)   /* store_utf16_to_utf8 / store_latin1_to_utf8 */
            return store_to_utf8(cx, s, len, units, (simple == LATIN1 ? 2 : 3) * units, out_ptr, out_units);
        /* store_string_copy */
        if (!reallocate(cx, 0, 0, 1, len, &ptr)) return false;
        if (len) memcpy(mem_at(cx, ptr), s, len);
        *out_ptr = ptr;
        *out_units = (uint32_t)len;
        return true;
    }
    if (cx->encoding == WASMC_STRING_LATIN1_UTF16 && simple == LATIN1) {   /* store_string_copy, latin-1 */
        if (!reallocate(cx, 0, 0, 2, units, &ptr)) return false;
        size_t dst = 0;
        for (size_t i = 0, k; i < len; i += k) {
            uint32_t cp;
            k = utf8_next(s, i, len, &cp);
            if (k == 0 || k == SIZE_MAX) k = 1, cp = 0xFFFD;
            if (dst < units) mem_at(cx, ptr)[dst++] = (uint8_t)cp;
        }
        *out_ptr = ptr;
        *out_units = (uint32_t)units;
        return true;
    }
    uint16_t *u = malloc((len ? len : 1) * sizeof *u);
    if (!u) return ct_trap(cx, "out of memory lowering a string");
    size_t n = utf8_to_utf16(s, len, u);
    bool ok = false;
    if (cx->encoding == WASMC_STRING_UTF16 && simple != WASMC_STRING_UTF8) {
        /* store_string_copy, utf-16-le (a latin1 source's units are its characters) */
        if (!reallocate(cx, 0, 0, 2, 2 * units, &ptr)) goto out;
        put_units(cx, ptr, u, 0, n < units ? n : units);
        *out_ptr = ptr;
        *out_units = (uint32_t)units;
        ok = true;
    } else if (cx->encoding == WASMC_STRING_UTF16) {   /* store_utf8_to_utf16 */
        uint64_t worst = 2 * units;
        if (!reallocate(cx, 0, 0, 2, worst, &ptr)) goto out;
        put_units(cx, ptr, u, 0, n);
        if (2 * n < worst && !reallocate(cx, ptr, (uint32_t)worst, 2, 2 * n, &ptr)) goto out;
        *out_ptr = ptr;
        *out_units = (uint32_t)n;
        ok = true;
    } else if (src == WASMC_STRING_LATIN1_UTF16) {   /* store_probably_utf16_to_latin1_or_utf16 */
        uint64_t bytes = 2 * units;
        if (!reallocate(cx, 0, 0, 2, bytes, &ptr)) goto out;
        put_units(cx, ptr, u, 0, n < units ? n : units);
        bool wide = false;
        for (size_t i = 0; i < n && !wide; i++) wide = u[i] >= 256;
        if (wide) {
            *out_ptr = ptr;
            *out_units = (uint32_t)units | UTF16_TAG;
            ok = true;
            goto out;
        }
        uint8_t *m = mem_at(cx, ptr);
        for (size_t i = 0; i < units; i++) m[i] = m[2 * i];
        if (!reallocate(cx, ptr, (uint32_t)bytes, 1, units, &ptr)) goto out;
        *out_ptr = ptr;
        *out_units = (uint32_t)units;
        ok = true;
    } else {   /* store_string_to_latin1_or_utf16, from utf8 or utf16 */
        ok = store_to_latin1_or_utf16(cx, s, len, u, n, units, out_ptr, out_units);
    }
out:
    free(u);
    return ok;
}

/* ---- lists ---- */

bool ct_lift_list(ct_cx *cx, uint32_t ptr, uint32_t length, const wasmrt_ctype *elem, wasmrt_cval *out) {
    memset(out, 0, sizeof *out);
    out->kind = WASMC_CVAL_LIST;
    if (!need_memory(cx)) return false;
    uint64_t bytes = (uint64_t)length * elem->size;
    if (bytes > CT_MAX_LIST_BYTES)
        return ct_trap(cx, "list length overflow (%u elements of %u bytes exceed the maximum)", length, elem->size);
    if (ptr & (elem->align - 1)) return ct_trap(cx, "unaligned pointer");
    if (!in_bounds(cx, ptr, bytes))
        return ct_trap(cx, cx->adapter ? "list content out-of-bounds" : "list pointer/length out of bounds of memory");
    if (!count_lifted(cx, (uint64_t)length + 1)) return false;
    if (!length) return true;
    wasmrt_cval *items = calloc(length, sizeof *items);
    if (!items) return ct_trap(cx, "out of memory lifting a list");
    out->of.list.items = items;
    for (uint32_t i = 0; i < length; i++) {
        if (!ct_load(cx, ptr + i * elem->size, elem, &items[i])) {
            out->of.list.len = i + 1;
            wasmrt_cval_free(out);
            return false;
        }
    }
    out->of.list.len = length;
    return true;
}

bool ct_lower_list(ct_cx *cx, const wasmrt_cval *v, const wasmrt_ctype *elem, uint32_t *out_ptr) {
    uint64_t bytes = (uint64_t)v->of.list.len * elem->size;
    uint32_t ptr;
    if (bytes > UINT32_MAX) return ct_trap(cx, "list length overflow");
    if (!reallocate_for(cx, 0, 0, elem->align, bytes, &ptr, FOR_LIST)) return false;
    for (size_t i = 0; i < v->of.list.len; i++)
        if (!ct_store(cx, &v->of.list.items[i], elem, ptr + (uint32_t)i * elem->size)) return false;
    *out_ptr = ptr;
    return true;
}

/* ---- handles ---- */

bool ct_wrong_type(ct_cx *cx, uint32_t i, bool host, uint32_t want, uint32_t got) {
    bool want_guest = ct_resource_defined(cx, want), got_guest = ct_resource_defined(cx, got);
    const char *w = want_guest ? "guest-defined resource" : "host-defined resource";
    const char *g = want_guest == got_guest ? (got_guest ? "a different guest-defined resource"
                                                         : "a different host-defined resource")
                    : got_guest ? "guest-defined resource" : "host-defined resource";
    return ct_trap(cx, "handle index %u%s used with the wrong type, expected %s but found %s (%s, not %s)", i,
                   host ? " (host)" : "", w, g, resource_name(cx, got), resource_name(cx, want));
}

static ct_handle *handle(ct_cx *cx, uint32_t i, const wasmrt_ctype *t) {
    ct_handle *h = cx->inst ? ct_table_get(&cx->inst->handles, i) : NULL;
    if (!h) {
        ct_trap(cx, "unknown handle index %u", i);
        return NULL;
    }
    if (h->resource != t->resource) {
        ct_wrong_type(cx, i, false, t->resource, h->resource);
        return NULL;
    }
    return h;
}

bool ct_resource_defined(const ct_cx *cx, uint32_t r) {
    return cx->plan && r < cx->plan->num_resources && !cx->plan->resources[r].host;
}

static bool push_index(ct_cx *cx, uint32_t **arr, uint32_t *n, uint32_t *cap, uint32_t i) {
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 8;
        uint32_t *a = realloc(*arr, c * sizeof *a);
        if (!a) return ct_trap(cx, "out of memory lifting a borrow");
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = i;
    return true;
}

/* A rep of a resource the component defines, going to the host: a handle
 * in the host's table instead (own: the host now holds it; borrow: for
 * the duration of the call). */
static bool to_host(ct_cx *cx, const wasmrt_ctype *t, bool own, uint32_t *v) {
    if (!cx->host_table || !ct_resource_defined(cx, t->resource)) return true;
    uint32_t i = ct_table_add(cx->host_table, (ct_handle){.own = own, .rep = *v, .resource = t->resource});
    if (!i) return ct_trap(cx, "resource handle table full");
    if (!own && !push_index(cx, &cx->host_borrows, &cx->num_host_borrows, &cx->cap_host_borrows, i)) return false;
    *v = i;
    return true;
}

/* A host handle of a resource the component defines, coming from the
 * host: its rep (an own handle leaves the host's table). */
static bool from_host(ct_cx *cx, const wasmrt_ctype *t, bool own, uint32_t *v) {
    if (!cx->host_table || !ct_resource_defined(cx, t->resource)) return true;
    ct_handle *h = ct_table_get(cx->host_table, *v);
    if (!h) return ct_trap(cx, "unknown handle index %u (host)", *v);
    if (h->resource != t->resource) return ct_wrong_type(cx, *v, true, t->resource, h->resource);
    if (own && !h->own) return ct_trap(cx, "handle index %u (host) is a borrow, an own handle was expected", *v);
    uint32_t rep = h->rep;
    if (own) ct_table_remove(cx->host_table, *v);
    *v = rep;
    return true;
}

bool ct_lift_own(ct_cx *cx, uint32_t i, const wasmrt_ctype *t, uint32_t *rep) {
    ct_handle *h = handle(cx, i, t);
    if (!h) return false;
    if (!h->own) return ct_trap(cx, "handle index %u is a borrow, an own handle was expected", i);
    if (h->num_lends) return ct_trap(cx, "cannot remove owned resource while borrowed");
    *rep = h->rep;
    ct_table_remove(&cx->inst->handles, i);
    return to_host(cx, t, true, rep);
}

bool ct_lift_borrow(ct_cx *cx, uint32_t i, const wasmrt_ctype *t, uint32_t *rep) {
    ct_handle *h = handle(cx, i, t);
    if (!h) return false;
    if (!push_index(cx, &cx->lenders, &cx->num_lenders, &cx->cap_lenders, i)) return false;
    h->num_lends++;
    *rep = h->rep;
    return to_host(cx, t, false, rep);
}

void ct_release_lenders(ct_cx *cx) {
    for (uint32_t k = 0; k < cx->num_lenders; k++) {
        ct_handle *h = cx->inst ? ct_table_get(&cx->inst->handles, cx->lenders[k]) : NULL;
        if (h && h->num_lends) h->num_lends--;
    }
    for (uint32_t k = 0; k < cx->num_host_borrows; k++) ct_table_remove(cx->host_table, cx->host_borrows[k]);
    free(cx->lenders);
    free(cx->host_borrows);
    cx->lenders = cx->host_borrows = NULL;
    cx->num_lenders = cx->cap_lenders = cx->num_host_borrows = cx->cap_host_borrows = 0;
}

static bool add_handle(ct_cx *cx, ct_handle h, uint32_t *i) {
    if (!cx->inst) return ct_trap(cx, "canonical ABI: a handle needs a component instance");
    *i = ct_table_add(&cx->inst->handles, h);
    if (!*i) return ct_trap(cx, "resource handle table full");
    return true;
}

bool ct_lower_own(ct_cx *cx, uint32_t v, const wasmrt_ctype *t, uint32_t *i) {
    if (!from_host(cx, t, true, &v)) return false;
    return add_handle(cx, (ct_handle){.own = true, .rep = v, .resource = t->resource}, i);
}

bool ct_lower_borrow(ct_cx *cx, uint32_t v, const wasmrt_ctype *t, uint32_t *i) {
    if (!from_host(cx, t, false, &v)) return false;
    if (ct_resource_defined(cx, t->resource) && cx->plan->resources[t->resource].cinstance == cx->inst_index) {
        *i = v;   /* a borrow into the resource's own instance is the rep itself */
        return true;
    }
    if (!add_handle(cx, (ct_handle){.own = false, .rep = v, .resource = t->resource,
                                    .borrow_scope = cx->scope_id}, i))
        return false;
    if (cx->borrow_scope) (*cx->borrow_scope)++;
    return true;
}

/* ---- load / store ---- */

bool ct_load(ct_cx *cx, uint32_t ptr, const wasmrt_ctype *t, wasmrt_cval *out) {
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    switch (t->kind) {
    case WASMC_CVAL_BOOL: out->of.b = load_int(cx, ptr, 1) != 0; break;
    case WASMC_CVAL_U8: case WASMC_CVAL_U16: case WASMC_CVAL_U32: case WASMC_CVAL_U64:
        out->of.u = load_int(cx, ptr, t->size);
        break;
    case WASMC_CVAL_S8: out->of.s = (int8_t)load_int(cx, ptr, 1); break;
    case WASMC_CVAL_S16: out->of.s = (int16_t)load_int(cx, ptr, 2); break;
    case WASMC_CVAL_S32: out->of.s = (int32_t)load_int(cx, ptr, 4); break;
    case WASMC_CVAL_S64: out->of.s = (int64_t)load_int(cx, ptr, 8); break;
    case WASMC_CVAL_F32: {
        uint32_t b = (uint32_t)load_int(cx, ptr, 4);
        if ((b & 0x7F800000u) == 0x7F800000u && (b & 0x7FFFFF)) b = 0x7fc00000u;   /* canonicalize_nan32 */
        memcpy(&out->of.f32, &b, 4);
        break;
    }
    case WASMC_CVAL_F64: {
        uint64_t b = load_int(cx, ptr, 8);
        if ((b & 0x7FF0000000000000ull) == 0x7FF0000000000000ull && (b & 0xFFFFFFFFFFFFFull))
            b = 0x7ff8000000000000ull;
        memcpy(&out->of.f64, &b, 8);
        break;
    }
    case WASMC_CVAL_CHAR: return ct_lift_char(cx, (uint32_t)load_int(cx, ptr, 4), out);
    case WASMC_CVAL_STRING:
        return ct_lift_string(cx, (uint32_t)load_int(cx, ptr, 4), (uint32_t)load_int(cx, ptr + 4, 4), out);
    case WASMC_CVAL_LIST:
        return ct_lift_list(cx, (uint32_t)load_int(cx, ptr, 4), (uint32_t)load_int(cx, ptr + 4, 4),
                            t->children[0], out);
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE: {
        wasmrt_cval *items = calloc(t->count, sizeof *items);
        if (!items) return ct_trap(cx, "out of memory lifting a record");
        out->of.list.items = items;
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->count; i++) {
            const wasmrt_ctype *c = t->children[i];
            off = ct_align_to(off, c->align);
            out->of.list.len = i + 1;
            if (!ct_load(cx, ptr + off, c, &items[i])) {
                wasmrt_cval_free(out);
                return false;
            }
            off += c->size;
        }
        return count_lifted(cx, 1);
    }
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        uint32_t c = (uint32_t)load_int(cx, ptr, t->disc_size);
        if (c >= ct_num_cases(t)) return ct_trap(cx, "invalid variant discriminant");
        out->of.variant.case_ = c;
        const wasmrt_ctype *pt = ct_case_type(t, c);
        if (!pt) return count_lifted(cx, 1);
        wasmrt_cval *p = calloc(1, sizeof *p);
        if (!p) return ct_trap(cx, "out of memory lifting a variant");
        out->of.variant.payload = p;
        if (!ct_load(cx, ptr + t->payload_offset, pt, p)) {
            wasmrt_cval_free(out);
            return false;
        }
        return count_lifted(cx, 1);
    }
    case WASMC_CVAL_FLAGS: {
        uint64_t i = load_int(cx, ptr, t->size);
        out->of.flags = (uint32_t)(t->count >= 32 ? i : i & ((1ull << t->count) - 1));
        break;
    }
    case WASMC_CVAL_OWN: return ct_lift_own(cx, (uint32_t)load_int(cx, ptr, 4), t, &out->of.handle);
    case WASMC_CVAL_BORROW: return ct_lift_borrow(cx, (uint32_t)load_int(cx, ptr, 4), t, &out->of.handle);
    default: return ct_trap(cx, "canonical ABI: unknown type kind %u", t->kind);
    }
    return true;
}

bool ct_store(ct_cx *cx, const wasmrt_cval *v, const wasmrt_ctype *t, uint32_t ptr) {
    switch (t->kind) {
    case WASMC_CVAL_BOOL: store_int(cx, v->of.b ? 1 : 0, ptr, 1); return true;
    case WASMC_CVAL_U8: case WASMC_CVAL_U16: case WASMC_CVAL_U32: case WASMC_CVAL_U64:
        store_int(cx, v->of.u, ptr, t->size);
        return true;
    case WASMC_CVAL_S8: case WASMC_CVAL_S16: case WASMC_CVAL_S32: case WASMC_CVAL_S64:
        store_int(cx, (uint64_t)v->of.s, ptr, t->size);
        return true;
    case WASMC_CVAL_F32: {
        uint32_t b;
        memcpy(&b, &v->of.f32, 4);
        store_int(cx, b, ptr, 4);
        return true;
    }
    case WASMC_CVAL_F64: {
        uint64_t b;
        memcpy(&b, &v->of.f64, 8);
        store_int(cx, b, ptr, 8);
        return true;
    }
    case WASMC_CVAL_CHAR: store_int(cx, v->of.ch, ptr, 4); return true;
    case WASMC_CVAL_STRING: {
        uint32_t p, n;
        if (!ct_lower_string(cx, v->of.str.ptr, v->of.str.len, &p, &n)) return false;
        store_int(cx, p, ptr, 4);
        store_int(cx, n, ptr + 4, 4);
        return true;
    }
    case WASMC_CVAL_LIST: {
        uint32_t p;
        if (!ct_lower_list(cx, v, t->children[0], &p)) return false;
        store_int(cx, p, ptr, 4);
        store_int(cx, (uint32_t)v->of.list.len, ptr + 4, 4);
        return true;
    }
    case WASMC_CVAL_RECORD: case WASMC_CVAL_TUPLE: {
        uint32_t off = 0;
        for (uint32_t i = 0; i < t->count; i++) {
            const wasmrt_ctype *c = t->children[i];
            off = ct_align_to(off, c->align);
            if (!ct_store(cx, &v->of.list.items[i], c, ptr + off)) return false;
            off += c->size;
        }
        return true;
    }
    case WASMC_CVAL_VARIANT: case WASMC_CVAL_ENUM: case WASMC_CVAL_OPTION: case WASMC_CVAL_RESULT: {
        uint32_t c = v->of.variant.case_;
        store_int(cx, c, ptr, t->disc_size);
        const wasmrt_ctype *pt = ct_case_type(t, c);
        if (pt) return ct_store(cx, v->of.variant.payload, pt, ptr + t->payload_offset);
        return true;
    }
    case WASMC_CVAL_FLAGS: store_int(cx, v->of.flags, ptr, t->size); return true;
    case WASMC_CVAL_OWN: case WASMC_CVAL_BORROW: {
        uint32_t i;
        bool ok = t->kind == WASMC_CVAL_OWN ? ct_lower_own(cx, v->of.handle, t, &i)
                                            : ct_lower_borrow(cx, v->of.handle, t, &i);
        if (ok) store_int(cx, i, ptr, 4);
        return ok;
    }
    default: return ct_trap(cx, "canonical ABI: unknown type kind %u", t->kind);
    }
}
