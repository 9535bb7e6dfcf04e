/* wasm.h vectors: one definition per element kind, by macro, as the header
 * declares them.  Pointer vectors own their elements (copy deep-copies,
 * delete deletes them); byte and value vectors own their contents. */
#include <stdlib.h>
#include <string.h>

#include "capi.h"

#define VEC_COMMON(name, elem)                                                           \
    void wasm_##name##_vec_new_empty(wasm_##name##_vec_t *out) {                         \
        out->size = 0;                                                                   \
        out->data = NULL;                                                                \
    }                                                                                    \
    void wasm_##name##_vec_new_uninitialized(wasm_##name##_vec_t *out, size_t n) {       \
        out->data = n ? calloc(n, sizeof(elem)) : NULL;                                  \
        out->size = out->data ? n : 0;                                                   \
    }                                                                                    \
    void wasm_##name##_vec_new(wasm_##name##_vec_t *out, size_t n, elem const src[]) {   \
        wasm_##name##_vec_new_uninitialized(out, n);                                     \
        if (out->size) memcpy(out->data, src, n * sizeof(elem));                         \
    }

/* Vectors of owned pointers. */
#define VEC_PTR(name)                                                                    \
    VEC_COMMON(name, wasm_##name##_t *)                                                  \
    void wasm_##name##_vec_copy(wasm_##name##_vec_t *out, const wasm_##name##_vec_t *v) { \
        wasm_##name##_vec_new_uninitialized(out, v->size);                               \
        for (size_t i = 0; i < out->size; i++)                                           \
            out->data[i] = v->data[i] ? wasm_##name##_copy(v->data[i]) : NULL;           \
    }                                                                                    \
    void wasm_##name##_vec_delete(wasm_##name##_vec_t *v) {                              \
        for (size_t i = 0; i < v->size; i++)                                             \
            if (v->data[i]) wasm_##name##_delete(v->data[i]);                            \
        free(v->data);                                                                   \
        v->data = NULL;                                                                  \
        v->size = 0;                                                                     \
    }

VEC_COMMON(byte, wasm_byte_t)
void wasm_byte_vec_copy(wasm_byte_vec_t *out, const wasm_byte_vec_t *v) {
    wasm_byte_vec_new(out, v->size, v->data);
}
void wasm_byte_vec_delete(wasm_byte_vec_t *v) {
    free(v->data);
    v->data = NULL;
    v->size = 0;
}

VEC_COMMON(val, wasm_val_t)
void wasm_val_vec_copy(wasm_val_vec_t *out, const wasm_val_vec_t *v) {
    wasm_val_vec_new_uninitialized(out, v->size);
    for (size_t i = 0; i < out->size; i++) wasm_val_copy(&out->data[i], &v->data[i]);
}
void wasm_val_vec_delete(wasm_val_vec_t *v) {
    for (size_t i = 0; i < v->size; i++) wasm_val_delete(&v->data[i]);
    free(v->data);
    v->data = NULL;
    v->size = 0;
}

VEC_PTR(valtype)
VEC_PTR(functype)
VEC_PTR(globaltype)
VEC_PTR(tabletype)
VEC_PTR(memorytype)
VEC_PTR(externtype)
VEC_PTR(importtype)
VEC_PTR(exporttype)
VEC_PTR(frame)
VEC_PTR(extern)
