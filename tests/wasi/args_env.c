/* Arguments and environment: run as `args_env.so -- one "two words"` with
 * --env A=1 --env B=hello --env B=world (the later B wins). */
#include <stdlib.h>
#include <wasi/api.h>

#include "check.h"

int main(int argc, char **argv) {
    CHECK(argc == 3, "argc = %d", argc);
    if (argc == 3) {
        CHECK(strcmp(argv[1], "one") == 0, "argv[1] = '%s'", argv[1]);
        CHECK(strcmp(argv[2], "two words") == 0, "argv[2] = '%s'", argv[2]);
    }
    CHECK(argv[argc] == NULL, "argv not NULL-terminated");
    const char *a = getenv("A"), *b = getenv("B");
    CHECK(a && strcmp(a, "1") == 0, "A = %s", a ? a : "(unset)");
    CHECK(b && strcmp(b, "world") == 0, "B = %s", b ? b : "(unset)");
    CHECK(getenv("PATH") == NULL, "host environment leaked without --inherit-env");
    /* raw sizes agree with the strings */
    __wasi_size_t n = 0, bytes = 0;
    CHECK_WASI(__wasi_args_sizes_get(&n, &bytes), 0);
    CHECK(n == 3, "args_sizes_get count %u", (unsigned)n);
    size_t want = 0;
    for (int i = 0; i < argc; i++) want += strlen(argv[i]) + 1;
    CHECK(bytes == want, "args_sizes_get bytes %u, want %zu", (unsigned)bytes, want);
    CHECK_WASI(__wasi_environ_sizes_get(&n, &bytes), 0);
    CHECK(n == 2, "environ count %u", (unsigned)n);
    return DONE("args_env");
}
