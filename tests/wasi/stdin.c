/* stdin from a pipe (the driver's WASI_STDIN_TEXT): poll reports it
 * readable with the pending byte count, fd_read returns the text, then EOF;
 * stdin is not seekable and has no seek/tell rights. */
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

int main(void) {
    __wasi_subscription_t s = {0};
    __wasi_event_t ev;
    __wasi_size_t n = 0;
    s.userdata = 5;
    s.u.tag = __WASI_EVENTTYPE_FD_READ;
    s.u.u.fd_read.file_descriptor = 0;
    CHECK_WASI(__wasi_poll_oneoff(&s, &ev, 1, &n), 0);
    CHECK(n == 1 && ev.userdata == 5 && ev.error == 0, "stdin poll n=%u err=%d", (unsigned)n, ev.error);
    /* a WASI 0.2 pollable says "readable", not how much: the adapter reports 1 */
    CHECK(ev.fd_readwrite.nbytes == (ADAPTER ? 1 : 12), "nbytes %llu",
          (unsigned long long)ev.fd_readwrite.nbytes);
    char buf[64] = {0};
    size_t got = 0;
    ssize_t r;
    while ((r = read(0, buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)r;
    CHECK(r == 0, "read error");
    CHECK(got == 12 && strcmp(buf, "hello stdin\n") == 0, "stdin '%s' (%zu bytes)", buf, got);
    __wasi_fdstat_t st;
    CHECK_WASI(__wasi_fd_fdstat_get(0, &st), 0);
    CHECK((st.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL)) == 0,
          "a pipe has seek/tell rights");
    CHECK(lseek(0, 0, SEEK_SET) < 0, "lseek on a pipe succeeded");
    return DONE("stdin");
}
