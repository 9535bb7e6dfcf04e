/* The WASI 0.2 host's context: built over a preview1 context (the shared
 * sandbox) plus the network policy. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi2_internal.h"

/* stdout or stderr on a terminal, reopened with O_NONBLOCK: a stalled
 * terminal (^S, a pty nobody reads) then answers EAGAIN instead of holding
 * the guest in write(), while the embedder's descriptor, whose flags the
 * shell shares, stays as it was.  Done here, before Landlock and seccomp.
 * -1 when not a terminal or not reopenable (then writes wait for POLLOUT
 * and may still block for the rest of a page). */
static int nonblocking_tty(const wasmrt_wasi *sb, uint32_t i) {
    if (i >= sb->nfds || !sb->fds[i].used || sb->fds[i].host < 0 || !isatty(sb->fds[i].host))
        return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", sb->fds[i].host);
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat a, b;
    /* the same device (reopening /dev/ptmx would make a new terminal) */
    if (fd >= 0 && (fstat(fd, &a) || fstat(sb->fds[i].host, &b) || a.st_rdev != b.st_rdev)) {
        close(fd);
        fd = -1;
    }
    return fd;
}

wasmrt_wasi2 *wasmrt_wasi2_new(wasmrt_wasi *sb, const wasmrt_net_policy *net, wasmrt_error *err) {
    wasmrt_wasi2 *w = calloc(1, sizeof *w);
    if (!w) goto oom;
    w->sb = sb;
    w->exit_status = -1;
    w->exit_fn = wasmrt_host_exit;
    w->tty_out[0] = w->tty_out[1] = -1;
    if (net) {
        uint64_t n = (uint64_t)net->num_tcp_connect + net->num_tcp_listen + net->num_udp;
        if (n > 4096) {
            snprintf(err->message, sizeof err->message, "wasi: more than 4096 network rules");
            free(w);
            return NULL;
        }
        w->rules = calloc(n ? n : 1, sizeof *w->rules);
        if (!w->rules) goto oom;
        w->nconnect = net->num_tcp_connect;
        w->nlisten = net->num_tcp_listen;
        w->nudp = net->num_udp;
        if (w->nconnect) memcpy(w->rules, net->tcp_connect, w->nconnect * sizeof *w->rules);
        if (w->nlisten) memcpy(w->rules + w->nconnect, net->tcp_listen, w->nlisten * sizeof *w->rules);
        if (w->nudp)
            memcpy(w->rules + w->nconnect + w->nlisten, net->udp, w->nudp * sizeof *w->rules);
        w->dns = net->dns;
    }
    /* wasi:random/insecure and insecure-seed: seeded once per context. */
    if (getrandom(w->insecure_state, sizeof w->insecure_state, 0) != sizeof w->insecure_state ||
        getrandom(w->insecure_seed, sizeof w->insecure_seed, 0) != sizeof w->insecure_seed) {
        snprintf(err->message, sizeof err->message, "wasi: getrandom failed");
        wasmrt_wasi2_free(w);
        return NULL;
    }
    if (!(w->insecure_state[0] | w->insecure_state[1])) w->insecure_state[0] = 1;
    w->tty_out[0] = nonblocking_tty(sb, 1);
    w->tty_out[1] = nonblocking_tty(sb, 2);
    w->bindings = calloc(w2_num_entries, sizeof *w->bindings);
    if (!w->bindings) goto oom;
    for (uint32_t i = 0; i < w2_num_entries; i++) w->bindings[i] = (w2_binding){w, &w2_entries[i]};
    return w;
oom:
    snprintf(err->message, sizeof err->message, "wasi: out of memory");
    wasmrt_wasi2_free(w);
    return NULL;
}

void wasmrt_wasi2_free(wasmrt_wasi2 *w) {
    if (!w) return;
    for (uint32_t i = w->nobjs; i > 0; i--) w2_drop(w, i);
    free(w->objs);
    free(w->rules);
    free(w->hx_headers);
    free(w->hx_trailers);
    w2_http_rules_free(w);
    for (int i = 0; i < 2; i++)
        if (w->tty_out[i] >= 0) close(w->tty_out[i]);
    free(w->bindings);
    free(w);
}

int wasmrt_wasi2_exit_status(const wasmrt_wasi2 *w) { return w->exit_status; }
