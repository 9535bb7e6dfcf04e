/* A one-shot TCP echo server on the listening socket the host hands in
 * (wasmrt --tcplisten ADDR:PORT puts it at guest fd 3 when there is no
 * preopen): accept one connection, echo one line in upper case, exit. */
#include <ctype.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

int main(void) {
    __wasi_fdstat_t st;
    CHECK_WASI(__wasi_fd_fdstat_get(3, &st), 0);
    CHECK(st.fs_filetype == __WASI_FILETYPE_SOCKET_STREAM, "fd 3 filetype %d", st.fs_filetype);
    printf("listening\n");
    fflush(stdout);
    int c = accept(3, NULL, NULL);
    CHECK(c >= 0, "accept");
    if (c < 0) return DONE("echo_server");
    char buf[256];
    size_t n = 0;
    while (n < sizeof buf - 1) {
        ssize_t r = recv(c, buf + n, 1, 0);
        if (r <= 0) break;
        if (buf[n++] == '\n') break;
    }
    for (size_t i = 0; i < n; i++) buf[i] = (char)toupper((unsigned char)buf[i]);
    CHECK(send(c, buf, n, 0) == (ssize_t)n, "send");
    CHECK(shutdown(c, SHUT_RDWR) == 0, "shutdown");
    close(c);
    return DONE("echo_server");
}
