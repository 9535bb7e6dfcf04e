/* A wasi:http/proxy hello handler in C: 200 "hello from C: PATH\n",
 * text/plain.  Built with clang --target=wasm32 -nostdlib (no libc: it
 * needs none) and made a component by c_component.mjs; the canonical ABI
 * calls are written out by hand, as wit-bindgen would generate them (it is
 * not packaged for Debian).  Every result that does not fit one core value
 * comes back through the return area `ret`, laid out as the canonical ABI
 * says (a result's discriminant at 0, its payload at 4 for the handles
 * and the string here). */
#include <stddef.h>
#include <stdint.h>

#define IMPORT(mod, name) __attribute__((import_module(mod), import_name(name)))
#define TYPES "wasi:http/types@0.2.12"
#define STREAMS "wasi:io/streams@0.2.12"

IMPORT(TYPES, "[constructor]fields") int32_t fields_new(void);
IMPORT(TYPES, "[method]fields.append") void fields_append(int32_t, const char *, size_t, const char *, size_t, void *);
IMPORT(TYPES, "[method]incoming-request.path-with-query") void path_with_query(int32_t, void *);
IMPORT(TYPES, "[resource-drop]incoming-request") void drop_request(int32_t);
IMPORT(TYPES, "[constructor]outgoing-response") int32_t response_new(int32_t);
IMPORT(TYPES, "[method]outgoing-response.body") void response_body(int32_t, void *);
IMPORT(TYPES, "[method]outgoing-body.write") void body_write(int32_t, void *);
IMPORT(TYPES, "[static]outgoing-body.finish") void body_finish(int32_t, int32_t, int32_t, void *);
IMPORT(TYPES, "[static]response-outparam.set")
void outparam_set(int32_t, int32_t, int32_t, int32_t, int64_t, int32_t, int32_t, int32_t, int32_t);
IMPORT(STREAMS, "[method]output-stream.blocking-write-and-flush") void write_flush(int32_t, const void *, size_t, void *);
IMPORT(STREAMS, "[resource-drop]output-stream") void drop_stream(int32_t);

/* A bump allocator: one instance serves one request. */
static unsigned char heap[65536];
static size_t top;
__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, size_t old_size, size_t align, size_t size) {
    size_t p = (top + align - 1) & ~(align - 1);
    if (p + size > sizeof heap) __builtin_trap();
    top = p + size;
    unsigned char *out = heap + p;
    for (size_t i = 0; old && i < old_size && i < size; i++) out[i] = ((unsigned char *)old)[i];
    return out;
}

static _Alignas(8) unsigned char ret[64];

static void put(int32_t os, const char *s, size_t n) {
    write_flush(os, s, n, ret);
    if (ret[0]) __builtin_trap();
}

__attribute__((export_name("wasi:http/incoming-handler@0.2.12#handle"))) void handle(int32_t req, int32_t out) {
    path_with_query(req, ret);
    const char *path = ret[0] ? *(const char **)(ret + 4) : "/";
    size_t plen = ret[0] ? *(size_t *)(ret + 8) : 1;
    int32_t fields = fields_new();
    fields_append(fields, "content-type", 12, "text/plain", 10, ret);
    int32_t resp = response_new(fields);
    response_body(resp, ret);
    if (ret[0]) __builtin_trap();
    int32_t body = *(int32_t *)(ret + 4);
    body_write(body, ret);
    if (ret[0]) __builtin_trap();
    int32_t os = *(int32_t *)(ret + 4);
    put(os, "hello from C: ", 14);
    put(os, path, plen);
    put(os, "\n", 1);
    drop_stream(os);
    body_finish(body, 0, 0, ret);
    drop_request(req);
    outparam_set(out, 0, resp, 0, 0, 0, 0, 0, 0);
}
