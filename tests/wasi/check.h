/* Tiny self-checking harness for the WASI test programs (compiled to
 * wasm32-wasi).  Every CHECK prints its failure with errno; the program
 * ends with DONE(), which prints one verdict line the driver looks for:
 * "PASS name" or "FAIL name: N failures" (exit status 1). */
#ifndef WASI_TEST_CHECK_H
#define WASI_TEST_CHECK_H
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int failures;

/* Built with -DWASI_ADAPTER: the program runs as a WASI 0.2 component
 * through the preview1 adapter (jco new --wasi-command), whose answers
 * differ where WASI 0.2 has no equivalent (rights, CPU clocks, exit codes
 * other than 0/1) or maps an error differently; each test marks where. */
#ifdef WASI_ADAPTER
#define ADAPTER 1
#else
#define ADAPTER 0
#endif

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            int e_ = errno;                                                     \
            failures++;                                                         \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                         \
            printf(__VA_ARGS__);                                                \
            printf(" [%s] (errno %d: %s)\n", #cond, e_, strerror(e_));          \
        }                                                                       \
    } while (0)

/* A raw WASI call must return exactly `want` (a __WASI_ERRNO_* value). */
#define CHECK_WASI(call, want)                                                  \
    do {                                                                        \
        int got_ = (int)(call);                                                 \
        if (got_ != (int)(want)) {                                              \
            failures++;                                                         \
            printf("FAIL %s:%d: %s returned %d, expected %d\n", __FILE__,       \
                   __LINE__, #call, got_, (int)(want));                         \
        }                                                                       \
    } while (0)

#define DONE(name)                                                              \
    (failures ? (printf("FAIL %s: %d failures\n", name, failures), 1)           \
              : (printf("PASS %s\n", name), 0))

#endif
