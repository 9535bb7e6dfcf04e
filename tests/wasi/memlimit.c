/* --max-memory-pages: run with a 160-page (10 MiB) cap, memory.grow past
 * it fails, so a 64 MiB allocation returns NULL while a small one works. */
#include <stdlib.h>

#include "check.h"

int main(void) {
    void *small = malloc(1 << 20);
    CHECK(small != NULL, "1 MiB allocation under a 10 MiB cap");
    /* volatile: otherwise clang may drop an unused malloc and assume success */
    void *volatile big = malloc(64u << 20);
    CHECK(big == NULL, "64 MiB allocation succeeded despite the cap");
    CHECK(__builtin_wasm_memory_grow(0, 1000) == (size_t)-1, "memory.grow past the cap");
    CHECK(__builtin_wasm_memory_size(0) <= 160, "memory is %zu pages", __builtin_wasm_memory_size(0));
    free(big);
    free(small);
    return DONE("memlimit");
}
