/* Clocks: realtime is "now", monotonic never goes back and advances across a
 * sleep, CPU-time clocks work, resolutions are sane, bad ids are EINVAL. */
#include <time.h>
#include <wasi/api.h>

#include "check.h"

static uint64_t now(__wasi_clockid_t id) {
    __wasi_timestamp_t t = 0;
    CHECK_WASI(__wasi_clock_time_get(id, 1, &t), 0);
    return t;
}

int main(void) {
    uint64_t real = now(__WASI_CLOCKID_REALTIME);
    CHECK(real > 1600000000ull * 1000000000ull, "realtime %llu is before 2020", (unsigned long long)real);
    struct timespec ts;
    CHECK(clock_gettime(CLOCK_REALTIME, &ts) == 0, "clock_gettime");
    CHECK(ts.tv_sec >= (time_t)(real / 1000000000ull), "libc realtime behind raw");

    uint64_t m0 = now(__WASI_CLOCKID_MONOTONIC);
    struct timespec d = {0, 20 * 1000 * 1000};
    CHECK(nanosleep(&d, NULL) == 0, "nanosleep");
    uint64_t m1 = now(__WASI_CLOCKID_MONOTONIC);
    CHECK(m1 >= m0 + 20000000ull, "monotonic advanced %llu ns over a 20 ms sleep",
          (unsigned long long)(m1 - m0));
    CHECK(m1 - m0 < 5000000000ull, "20 ms sleep took %llu ns", (unsigned long long)(m1 - m0));

#if ADAPTER
    /* WASI 0.2 has no CPU-time clocks; the adapter answers EBADF, also for
     * ids that do not exist */
    __wasi_timestamp_t ct;
    CHECK_WASI(__wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &ct), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &ct), __WASI_ERRNO_BADF);
    for (__wasi_clockid_t id = 0; id < 2; id++) {
        __wasi_timestamp_t res = 0;
        CHECK_WASI(__wasi_clock_res_get(id, &res), 0);
        CHECK(res > 0 && res <= 1000000000ull, "clock %u resolution %llu", (unsigned)id,
              (unsigned long long)res);
    }
    CHECK_WASI(__wasi_clock_time_get(4, 1, &ct), __WASI_ERRNO_BADF);
    CHECK_WASI(__wasi_clock_res_get(99, &ct), __WASI_ERRNO_BADF);
    return DONE("clocks");
#endif
    volatile uint64_t x = 0;
    uint64_t c0 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
    for (int i = 0; i < 20000000; i++) x += (uint64_t)i;
    uint64_t c1 = now(__WASI_CLOCKID_PROCESS_CPUTIME_ID);
    CHECK(c1 > c0, "process cputime did not advance");
    CHECK(now(__WASI_CLOCKID_THREAD_CPUTIME_ID) > 0, "thread cputime");

    for (__wasi_clockid_t id = 0; id < 4; id++) {
        __wasi_timestamp_t res = 0;
        CHECK_WASI(__wasi_clock_res_get(id, &res), 0);
        CHECK(res > 0 && res <= 1000000000ull, "clock %u resolution %llu", (unsigned)id,
              (unsigned long long)res);
    }
    __wasi_timestamp_t t;
    CHECK_WASI(__wasi_clock_time_get(4, 1, &t), __WASI_ERRNO_INVAL);
    CHECK_WASI(__wasi_clock_res_get(99, &t), __WASI_ERRNO_INVAL);
    return DONE("clocks");
}
