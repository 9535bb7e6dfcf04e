/* Writing to a closed pipe: the guest gets EPIPE (wasmrt ignores SIGPIPE),
 * reports it on stderr and exits 0.  Run as `wasmrt sigpipe.so | head -1`
 * (the driver's WASI_STDOUT_HEAD mode). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    for (long i = 0; i < 100000000; i++) {
        if (write(1, "line\n", 5) < 0) {
            int e = errno;
            fprintf(stderr, "%s sigpipe: write failed after %ld lines: %s\n",
                    e == EPIPE ? "PASS" : "FAIL", i, strerror(e));
            return e == EPIPE ? 0 : 1;
        }
    }
    fprintf(stderr, "FAIL sigpipe: writes never failed\n");
    return 1;
}
