/* wasi:cli — environment, exit, stdio and terminals, from the sandbox's
 * preview1 context (the same argv, environment and stdio descriptors). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi2_internal.h"

bool cli_get_environment(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a, (void)err;
    cval *items = w2_alloc(w->sb->envc * sizeof *items);
    for (uint32_t i = 0; i < w->sb->envc; i++) {
        const char *kv = w->sb->env[i];
        size_t k = strcspn(kv, "=");
        const char *v = kv[k] ? kv + k + 1 : "";
        items[i] = w2_tuple(2, w2_string(kv, k), w2_string(v, strlen(v)));
    }
    *r = w2_list(items, w->sb->envc);
    return true;
}

bool cli_get_arguments(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a, (void)err;
    cval *items = w2_alloc(w->sb->argc * sizeof *items);
    for (uint32_t i = 0; i < w->sb->argc; i++)
        items[i] = w2_string(w->sb->argv[i], strlen(w->sb->argv[i]));
    *r = w2_list(items, w->sb->argc);
    return true;
}

/* The guest has no current directory outside its preopens. */
bool cli_initial_cwd(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)w, (void)a, (void)err;
    *r = w2_none();
    return true;
}

bool cli_exit(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)r;
    w->exit_status = a[0].of.variant.case_ == 0 ? 0 : 1;
    w->exit_fn(w->exit_status);
    return w2_trap(err, "exit");  /* only a test's exit_fn comes back */
}

/* @unstable(feature = cli-exit-with-code) in 0.2.x, but toolchains
 * (componentize-js's exit codes, newer preview1 adapters' proc_exit)
 * import it; the code is the process's exit status as is. */
bool cli_exit_with_code(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)r;
    w->exit_status = (uint8_t)a[0].of.u;
    w->exit_fn(w->exit_status);
    return w2_trap(err, "exit");
}

/* A duplicate of the sandbox's stdio fd i (of its non-blocking reopening
 * when it is a terminal), or -1 when that stream is closed. */
static int stdio_dup(wasmrt_wasi2 *w, uint32_t i) {
    if (i >= w->sb->nfds || !w->sb->fds[i].used || w->sb->fds[i].host < 0) return -1;
    int src = (i == 1 || i == 2) && w->tty_out[i - 1] >= 0 ? w->tty_out[i - 1] : w->sb->fds[i].host;
    return fcntl(src, F_DUPFD_CLOEXEC, 3);
}

static bool stdio_stream(wasmrt_wasi2 *w, uint32_t i, bool input, cval *r, wasmrt_error *err) {
    int fd = stdio_dup(w, i);
    struct stat st;
    uint32_t rep;
    if (fd < 0) {
        /* closed stdio: an input that is at its end, an output that is closed */
        rep = input ? w2_new_input(w, -1, IN_EMPTY, 0) : w2_new_output(w, -1, OUT_FD, 0, false);
        if (rep && !input) w2_at(w, rep)->u.out.closed = true;
    } else {
        bool known = fstat(fd, &st) == 0;
        bool sock = known && S_ISSOCK(st.st_mode);
        /* a terminal can stall too (flow control, a pty nobody reads):
         * paced like a pipe, so the guest's non-blocking writes stay so */
        bool paced = known && (S_ISFIFO(st.st_mode) || isatty(fd));
        rep = input ? w2_new_input(w, fd, sock ? IN_SOCKET : IN_FD, 0)
                    : w2_new_output(w, fd, sock ? OUT_SOCKET : paced ? OUT_PIPE : OUT_FD, 0, false);
        if (!rep) close(fd);
    }
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

bool cli_get_stdin(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    return stdio_stream(w, 0, true, r, err);
}
bool cli_get_stdout(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    return stdio_stream(w, 1, false, r, err);
}
bool cli_get_stderr(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    return stdio_stream(w, 2, false, r, err);
}

/* some(terminal) when stdio fd i is a terminal. */
static bool terminal(wasmrt_wasi2 *w, uint32_t i, uint8_t kind, cval *r, wasmrt_error *err) {
    bool tty = i < w->sb->nfds && w->sb->fds[i].used && w->sb->fds[i].host >= 0 &&
               isatty(w->sb->fds[i].host);
    if (!tty) {
        *r = w2_none();
        return true;
    }
    uint32_t rep = w2_new(w, kind, -1);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_some(w2_own(rep));
    return true;
}
bool cli_get_terminal_stdin(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    return terminal(w, 0, W2_TERM_IN, r, err);
}
bool cli_get_terminal_stdout(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    return terminal(w, 1, W2_TERM_OUT, r, err);
}
bool cli_get_terminal_stderr(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    return terminal(w, 2, W2_TERM_OUT, r, err);
}
