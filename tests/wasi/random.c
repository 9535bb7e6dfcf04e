/* random_get fills any size, including 0 and sizes above getrandom's
 * 256-byte single-call limit, with bytes that are not all equal. */
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

int main(void) {
    static uint8_t a[4096], b[4096];
    CHECK_WASI(__wasi_random_get(a, sizeof a), 0);
    CHECK_WASI(__wasi_random_get(b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0, "two random buffers are equal");
    int counts[256] = {0};
    for (size_t i = 0; i < sizeof a; i++) counts[a[i]]++;
    int used = 0;
    for (int i = 0; i < 256; i++) used += counts[i] > 0;
    CHECK(used > 200, "only %d distinct byte values in 4096 random bytes", used);
    CHECK_WASI(__wasi_random_get(a, 0), 0);
    uint8_t k[32] = {0};
    CHECK(getentropy(k, sizeof k) == 0, "getentropy");
    int nz = 0;
    for (int i = 0; i < 32; i++) nz += k[i] != 0;
    CHECK(nz > 20, "getentropy returned mostly zeros");
    return DONE("random");
}
