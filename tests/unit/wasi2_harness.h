/* Calls WASI 0.2 host functions the way the component runtime does — by
 * interface and name, with lifted argument values — but without a
 * component: w2_call goes through the same dispatcher (argument kinds
 * checked against wasi2_funcs.def) as the registered functions. */
#ifndef WASI2_HARNESS_H
#define WASI2_HARNESS_H

#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../rt/wasi2/wasi2_internal.h"

static char h_root[64];
static wasmrt_wasi *h_sb;
static wasmrt_wasi2 *h_w;

/* A sandbox with box/ preopened ("box"), outside/ beside it, and the given
 * stdio fds; net may be NULL. */
static inline void h_setup(int in, int out, int errfd, const wasmrt_net_policy *net) {
    snprintf(h_root, sizeof h_root, "/tmp/wasi2_XXXXXX");
    cr_assert(mkdtemp(h_root));
    char p[1200];
    snprintf(p, sizeof p, "mkdir -p %s/box/sub %s/outside && printf hello > %s/box/file && "
             "printf secret > %s/outside/secret", h_root, h_root, h_root, h_root);
    cr_assert(system(p) == 0);
    snprintf(p, sizeof p, "%s/box", h_root);
    wasmrt_wasi_dir dir = {p, "box"};
    const char *argv[] = {"prog", "a1", "arg2"};
    const char *env[] = {"K=V", "EMPTY="};
    wasmrt_wasi_config c = {.argv = argv, .argc = 3, .env = env, .envc = 2, .dirs = &dir,
                            .num_dirs = 1, .stdin_fd = in, .stdout_fd = out, .stderr_fd = errfd};
    wasmrt_error err;
    h_sb = wasmrt_wasi_new(&c, &err);
    cr_assert(h_sb, "%s", err.message);
    h_w = wasmrt_wasi2_new(h_sb, net, &err);
    cr_assert(h_w, "%s", err.message);
}

static inline void h_teardown(void) {
    wasmrt_wasi2_free(h_w);
    wasmrt_wasi_free(h_sb);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", h_root);
    cr_assert(system(cmd) == 0);
}

/* ---- argument values ------------------------------------------------------ */

static inline cval B(uint32_t rep) { return (cval){.kind = WASMC_CVAL_BORROW, .of.handle = rep}; }
static inline cval U64(uint64_t x) { return w2_u64(x); }
static inline cval F(uint32_t f) { return w2_flags(f); }
static inline cval E(uint32_t c) { return w2_enum(c); }
/* Strings and lists built here are leaked by design: tests are short. */
static inline cval S(const char *s) { return w2_string(s, strlen(s)); }
static inline cval BYTES(const void *p, size_t n) { return w2_bytes(p, n); }

/* ---- calls ---------------------------------------------------------------- */

static wasmrt_error h_err;

/* Calls iface#name; asserts it did not trap; returns the result. */
static inline cval call_v(const char *iface, const char *name, uint32_t n, const cval *args) {
    cval r = {0};
    memset(&h_err, 0, sizeof h_err);
    bool ok = w2_call(h_w, iface, name, args, n, &r, &h_err);
    cr_assert(ok, "%s#%s trapped: %s", iface, name, h_err.message);
    return r;
}
#define CALL(iface, name, ...)                                                   \
    call_v(iface, name, sizeof((cval[]){{0}, ##__VA_ARGS__}) / sizeof(cval) - 1, \
           (cval[]){{0}, ##__VA_ARGS__} + 1)
/* Expects a trap; returns its message. */
static inline const char *trap_v(const char *iface, const char *name, uint32_t n, const cval *args) {
    cval r = {0};
    memset(&h_err, 0, sizeof h_err);
    bool ok = w2_call(h_w, iface, name, args, n, &r, &h_err);
    cr_assert(!ok, "%s#%s should have trapped", iface, name);
    return h_err.message;
}
#define TRAP(iface, name, ...)                                                   \
    trap_v(iface, name, sizeof((cval[]){{0}, ##__VA_ARGS__}) / sizeof(cval) - 1, \
           (cval[]){{0}, ##__VA_ARGS__} + 1)

/* ---- result values ---------------------------------------------------------- */

static inline bool is_ok(const cval *r) {
    return r->kind == WASMC_CVAL_RESULT && r->of.variant.case_ == 0;
}
/* The ok payload (asserting ok). */
static inline cval *OK(cval *r) {
    cr_assert_eq(r->kind, WASMC_CVAL_RESULT);
    cr_assert_eq(r->of.variant.case_, 0, "expected ok, got error case %u",
                 r->of.variant.payload && r->of.variant.payload->kind == WASMC_CVAL_ENUM
                     ? r->of.variant.payload->of.variant.case_ : 999u);
    return r->of.variant.payload;
}
/* The error enum case (asserting err of an enum). */
static inline uint32_t ERRC(const cval *r) {
    cr_assert_eq(r->kind, WASMC_CVAL_RESULT);
    cr_assert_eq(r->of.variant.case_, 1, "expected an error, got ok");
    cr_assert_eq(r->of.variant.payload->kind, WASMC_CVAL_ENUM);
    return r->of.variant.payload->of.variant.case_;
}
/* stream-error: 0 last-operation-failed, 1 closed. */
static inline uint32_t STREAM_ERR(const cval *r) {
    cr_assert_eq(r->kind, WASMC_CVAL_RESULT);
    cr_assert_eq(r->of.variant.case_, 1, "expected a stream-error, got ok");
    cr_assert_eq(r->of.variant.payload->kind, WASMC_CVAL_VARIANT);
    return r->of.variant.payload->of.variant.case_;
}
/* A list<u8> as a NUL-terminated string (static buffer). */
static inline const char *bytes_str(const cval *l) {
    static char buf[70000];
    cr_assert_eq(l->kind, WASMC_CVAL_LIST);
    size_t n = l->of.list.len < sizeof buf - 1 ? l->of.list.len : sizeof buf - 1;
    for (size_t i = 0; i < n; i++) buf[i] = (char)l->of.list.items[i].of.u;
    buf[n] = 0;
    return buf;
}

#define FS "wasi:filesystem/types"
#define IO "wasi:io/streams"
#define POLL "wasi:io/poll"

/* The first preopen's descriptor rep. */
static inline uint32_t preopen(void) {
    cval r = CALL("wasi:filesystem/preopens", "get-directories");
    cr_assert_eq(r.kind, WASMC_CVAL_LIST);
    cr_assert_eq(r.of.list.len, 1);
    cval *t = &r.of.list.items[0];
    cr_assert_str_eq(t->of.list.items[1].of.str.ptr, "box");
    uint32_t rep = t->of.list.items[0].of.handle;
    w2_val_free(&r);
    return rep;
}

#endif
