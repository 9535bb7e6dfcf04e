/* poll_oneoff: relative and absolute clock subscriptions wait the right
 * time; descriptor subscriptions report readiness (a regular file is
 * readable with nbytes = bytes left); bad descriptors and zero
 * subscriptions are errors. */
#include <fcntl.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

/* proc_raise is gone from this wasi-libc's headers; import it directly. */
int32_t raw_proc_raise(int32_t sig)
    __attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise")));

static uint64_t mono(void) {
    __wasi_timestamp_t t = 0;
    CHECK_WASI(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t), 0);
    return t;
}

int main(void) {
    __wasi_subscription_t s[3];
    __wasi_event_t ev[3];
    __wasi_size_t n = 0;
    memset(s, 0, sizeof s);

    /* relative 30 ms */
    s[0].userdata = 11;
    s[0].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[0].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[0].u.u.clock.timeout = 30000000;
    uint64_t t0 = mono();
    CHECK_WASI(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    uint64_t t1 = mono();
    CHECK(n == 1 && ev[0].userdata == 11 && ev[0].type == __WASI_EVENTTYPE_CLOCK && ev[0].error == 0,
          "clock event n=%u", (unsigned)n);
    CHECK(t1 - t0 >= 30000000, "relative wait %llu ns", (unsigned long long)(t1 - t0));

    /* absolute, 20 ms from now */
    s[0].u.u.clock.timeout = mono() + 20000000;
    s[0].u.u.clock.flags = __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME;
    CHECK_WASI(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    CHECK(mono() >= s[0].u.u.clock.timeout, "absolute deadline not reached");

    /* a regular file is readable at once, nbytes = bytes left */
    int fd = open("/sandbox/pollme", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10 && lseek(fd, 4, SEEK_SET) == 4, "setup");
    memset(s, 0, sizeof s);
    s[0].userdata = 1;
    s[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    s[0].u.u.fd_read.file_descriptor = (__wasi_fd_t)fd;
    s[1].userdata = 2;
    s[1].u.tag = __WASI_EVENTTYPE_CLOCK;
    s[1].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
    s[1].u.u.clock.timeout = 5000000000ull;  /* must not be waited for */
    s[2].userdata = 3;
    s[2].u.tag = __WASI_EVENTTYPE_FD_WRITE;
    s[2].u.u.fd_write.file_descriptor = (__wasi_fd_t)fd;
    t0 = mono();
    CHECK_WASI(__wasi_poll_oneoff(s, ev, 3, &n), 0);
    CHECK(mono() - t0 < 1000000000ull, "ready descriptors waited for the clock");
    CHECK(n == 2, "%u events", (unsigned)n);
    for (unsigned i = 0; i < n; i++) {
        if (ev[i].userdata == 1)
            CHECK(ev[i].type == __WASI_EVENTTYPE_FD_READ && ev[i].error == 0 &&
                      ev[i].fd_readwrite.nbytes == 6,
                  "read event nbytes %llu", (unsigned long long)ev[i].fd_readwrite.nbytes);
        else
            CHECK(ev[i].userdata == 3 && ev[i].type == __WASI_EVENTTYPE_FD_WRITE, "event %llu",
                  (unsigned long long)ev[i].userdata);
    }

    /* bad descriptor: an event with EBADF, no waiting */
    memset(s, 0, sizeof s);
    s[0].userdata = 9;
    s[0].u.tag = __WASI_EVENTTYPE_FD_READ;
    s[0].u.u.fd_read.file_descriptor = 77;
#if ADAPTER
    /* the adapter fails the whole call, and has no answer for zero
     * subscriptions but to abort */
    CHECK_WASI(__wasi_poll_oneoff(s, ev, 1, &n), __WASI_ERRNO_BADF);
#else
    CHECK_WASI(__wasi_poll_oneoff(s, ev, 1, &n), 0);
    CHECK(n == 1 && ev[0].error == __WASI_ERRNO_BADF, "bad fd event error %d", ev[0].error);
    CHECK_WASI(__wasi_poll_oneoff(s, ev, 0, &n), __WASI_ERRNO_INVAL);
#endif
    CHECK_WASI(__wasi_sched_yield(), 0);
    if (!ADAPTER)  /* the adapter aborts on proc_raise: WASI 0.2 has no signals */
        CHECK_WASI(raw_proc_raise(15), __WASI_ERRNO_NOSYS);
    return DONE("poll");
}
