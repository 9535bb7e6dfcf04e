/* A small, strict JSON reader for the scripts wast2json writes.
 *
 * The whole text is parsed into an immutable tree in one call; every node,
 * string and child array lives in a pool owned by the JsonDoc and freed at
 * once by json_free, so no error path leaks and callers never own pieces.
 * Strings are decoded (escapes resolved, \u surrogate pairs joined into
 * UTF-8) and carry an explicit length because Wasm names may contain NUL;
 * they are also NUL-terminated for convenience.  Numbers keep their source
 * text so integers of any width can be read exactly (the spec scripts
 * write 64-bit patterns as decimal strings, but "line" is a number); that
 * text points into the input, which must therefore outlive the JsonDoc.
 *
 * Hostile input cannot make it crash or recurse without bound: nesting is
 * capped at JSON_MAX_DEPTH and the tree's size is proportional to the text.
 */
#ifndef WAST_JSON_H
#define WAST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 256

typedef enum JsonType {
    JSON_NULL,
    JSON_BOOL,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} JsonType;

typedef struct JsonValue JsonValue;

typedef struct JsonMember {
    const char *key;
    size_t key_len;
    const JsonValue *value;
} JsonMember;

struct JsonValue {
    JsonType type;
    size_t offset; /* byte offset of the value in the text */
    union {
        bool boolean;
        struct { const char *text; size_t len; } number; /* source text */
        struct { const char *chars; size_t len; } string;
        struct { const JsonValue *const *items; size_t count; } array;
        struct { const JsonMember *members; size_t count; } object;
    } u;
};

typedef struct JsonPool JsonPool;

typedef struct JsonDoc {
    const JsonValue *root;
    JsonPool *pool;
} JsonDoc;

typedef struct JsonError {
    size_t offset;
    char message[160];
} JsonError;

/* Parse text[0..len).  On failure returns false with err filled (the byte
 * offset and what was expected) and doc left empty. */
bool json_parse(const char *text, size_t len, JsonDoc *doc, JsonError *err);
void json_free(JsonDoc *doc);

/* The first member named key of an object; NULL if absent or not an object. */
const JsonValue *json_get(const JsonValue *obj, const char *key);
/* The member's string, or NULL when absent or not a string. */
const char *json_get_string(const JsonValue *obj, const char *key, size_t *len);
/* A non-negative integer number (no fraction/exponent) that fits in 64 bits. */
bool json_number_u64(const JsonValue *v, uint64_t *out);
bool json_get_u64(const JsonValue *obj, const char *key, uint64_t *out);

#endif
