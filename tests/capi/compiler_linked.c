/* libwasmc-capi: wasm_module_new compiles Wasm bytes and refuses invalid
 * ones with NULL (a one-line reason on stderr); validate agrees; a
 * serialized module is an artifact that loads again, also in a new store.
 * Usage: capi_compiler_linked HELLO.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasm.h>

#define CHECK(c)                                                  \
    do {                                                          \
        if (!(c)) {                                               \
            fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #c);  \
            return 1;                                             \
        }                                                         \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    FILE *f = fopen(argv[1], "rb");
    if (!f) return 2;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    wasm_byte_vec_t wasm;
    wasm_byte_vec_new_uninitialized(&wasm, (size_t)n);
    if (fread(wasm.data, 1, (size_t)n, f) != (size_t)n) return 2;
    fclose(f);

    wasm_engine_t *engine = wasm_engine_new();
    wasm_store_t *store = wasm_store_new(engine);
    CHECK(wasm_module_validate(store, &wasm));

    wasm_byte_vec_t bad;
    wasm_byte_vec_new(&bad, wasm.size - 3, wasm.data);   /* truncated */
    CHECK(!wasm_module_validate(store, &bad));
    CHECK(wasm_module_new(store, &bad) == NULL);
    wasm_byte_vec_delete(&bad);
    wasm_byte_vec_new(&bad, 9, "\0asm\2\0\0\0x");          /* wrong version */
    CHECK(wasm_module_new(store, &bad) == NULL);
    wasm_byte_vec_delete(&bad);
    wasm_byte_vec_new(&bad, 5, "hello");                  /* neither Wasm nor artifact */
    CHECK(wasm_module_new(store, &bad) == NULL);
    CHECK(wasm_module_deserialize(store, &bad) == NULL);
    CHECK(wasm_module_deserialize(store, &wasm) == NULL); /* Wasm is not a serialized module */
    wasm_byte_vec_delete(&bad);

    wasm_module_t *m = wasm_module_new(store, &wasm);
    CHECK(m);
    wasm_importtype_vec_t im;
    wasm_exporttype_vec_t ex;
    wasm_module_imports(m, &im);
    wasm_module_exports(m, &ex);
    CHECK(im.size == 1 && ex.size == 1);
    const wasm_name_t *name = wasm_exporttype_name(ex.data[0]);
    CHECK(name->size == 3 && !memcmp(name->data, "run", 3));
    CHECK(wasm_externtype_kind(wasm_importtype_type(im.data[0])) == WASM_EXTERN_FUNC);
    wasm_importtype_vec_delete(&im);
    wasm_exporttype_vec_delete(&ex);

    wasm_byte_vec_t art;
    wasm_module_serialize(m, &art);
    CHECK(art.size > wasm.size && memcmp(art.data, "\0asm", 4) != 0);
    wasm_store_t *store2 = wasm_store_new(engine);
    wasm_module_t *m2 = wasm_module_deserialize(store2, &art);
    CHECK(m2);
    CHECK(wasm_module_validate(store2, &art));
    art.data[art.size / 2] ^= 1;
    CHECK(wasm_module_deserialize(store2, &art) == NULL);
    CHECK(!wasm_module_validate(store2, &art));
    wasm_byte_vec_delete(&art);

    wasm_module_delete(m2);
    wasm_module_delete(m);
    wasm_store_delete(store2);
    wasm_store_delete(store);
    wasm_engine_delete(engine);
    wasm_byte_vec_delete(&wasm);
    printf("PASS: compiled Wasm, refused 4 bad inputs, serialized and reloaded the artifact\n");
    return 0;
}
