/* wasi:clocks — monotonic-clock (with timer pollables) and wall-clock. */
#define _GNU_SOURCE
#include <time.h>

#include "wasi2_internal.h"

static uint64_t ns_of(const struct timespec *t) {
    return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

uint64_t w2_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return ns_of(&t);
}

bool clocks_mono_now(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)w, (void)a, (void)err;
    *r = w2_u64(w2_now_ns());
    return true;
}

bool clocks_mono_resolution(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)w, (void)a, (void)err;
    struct timespec t = {0, 1};
    clock_getres(CLOCK_MONOTONIC, &t);
    *r = w2_u64(ns_of(&t));
    return true;
}

static bool timer(wasmrt_wasi2 *w, uint64_t deadline, cval *r, wasmrt_error *err) {
    uint32_t rep = w2_new_pollable(w, POLL_TIMER, deadline, 0, 0);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

bool clocks_subscribe_instant(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return timer(w, a[0].of.u, r, err);
}

bool clocks_subscribe_duration(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    uint64_t now = w2_now_ns(), d = a[0].of.u;
    return timer(w, d > UINT64_MAX - now ? UINT64_MAX : now + d, r, err);
}

static cval datetime(const struct timespec *t) {
    return w2_record(2, w2_u64((uint64_t)t->tv_sec), w2_u32((uint32_t)t->tv_nsec));
}

bool clocks_wall_now(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)w, (void)a, (void)err;
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    if (t.tv_sec < 0) t = (struct timespec){0, 0};  /* datetime is unsigned */
    *r = datetime(&t);
    return true;
}

bool clocks_wall_resolution(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)w, (void)a, (void)err;
    struct timespec t = {0, 1};
    clock_getres(CLOCK_REALTIME, &t);
    *r = datetime(&t);
    return true;
}
