/* libwasmrt-capi (no compiler): wasm_module_new takes a wasmc artifact and
 * runs it; Wasm bytes and a tampered artifact are refused with NULL.
 * Usage: capi_runtime_only HELLO.so HELLO.wasm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wasm.h>

static int calls;
static wasm_trap_t *hello(const wasm_val_vec_t *args, wasm_val_vec_t *results) {
    calls++;
    return NULL;
}

static void read_file(const char *path, wasm_byte_vec_t *out) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    wasm_byte_vec_new_uninitialized(out, (size_t)n);
    if (fread(out->data, 1, (size_t)n, f) != (size_t)n) exit(1);
    fclose(f);
}

#define CHECK(c)                                                  \
    do {                                                          \
        if (!(c)) {                                               \
            fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #c);  \
            return 1;                                             \
        }                                                         \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    wasm_engine_t *engine = wasm_engine_new();
    wasm_store_t *store = wasm_store_new(engine);
    wasm_byte_vec_t artifact, wasm;
    read_file(argv[1], &artifact);
    read_file(argv[2], &wasm);

    CHECK(wasm_module_new(store, &wasm) == NULL);   /* no compiler here */
    CHECK(!wasm_module_validate(store, &wasm));
    artifact.data[artifact.size / 2] ^= 1;
    CHECK(wasm_module_new(store, &artifact) == NULL);   /* checksum */
    artifact.data[artifact.size / 2] ^= 1;
    CHECK(wasm_module_validate(store, &artifact));

    wasm_module_t *module = wasm_module_new(store, &artifact);
    CHECK(module);
    wasm_byte_vec_t ser;
    wasm_module_serialize(module, &ser);
    CHECK(ser.size == artifact.size && !memcmp(ser.data, artifact.data, ser.size));
    wasm_byte_vec_delete(&ser);

    wasm_functype_t *t = wasm_functype_new_0_0();
    wasm_func_t *f = wasm_func_new(store, t, hello);
    wasm_functype_delete(t);
    wasm_extern_t *ex[] = {wasm_func_as_extern(f)};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(ex);
    wasm_instance_t *inst = wasm_instance_new(store, module, &imports, NULL);
    CHECK(inst);
    wasm_extern_vec_t exports;
    wasm_instance_exports(inst, &exports);
    CHECK(exports.size == 1);
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    CHECK(wasm_func_call(wasm_extern_as_func(exports.data[0]), &none, &none) == NULL);
    CHECK(calls == 1);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(inst);
    wasm_func_delete(f);
    wasm_module_delete(module);
    wasm_byte_vec_delete(&artifact);
    wasm_byte_vec_delete(&wasm);
    wasm_store_delete(store);
    wasm_engine_delete(engine);
    printf("PASS: runtime-only C API ran the artifact and refused Wasm bytes and a flipped byte\n");
    return 0;
}
