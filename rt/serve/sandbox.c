/* The server's own sandbox, as strict as `wasmrt run`'s, in two steps.
 *
 * Landlock first, once every app is loaded and the listening socket bound
 * but before libmicrohttpd starts its threads: a ruleset binds only the
 * thread that applies it and the threads it starts later.  It grants no
 * file-system access at all (no preopens) and, on ABI >= 4, no TCP bind or
 * connect; with --allow-http, connect to the rules' ports (any port when a
 * rule has none) and read access to the resolver's files.
 *
 * The seccomp filter second, once the threads run (TSYNC puts it on every
 * one): the run-mode allow-list plus the serve profile (RT_SERVE: epoll,
 * socket options on accepted connections, sigwait), with the same
 * kill-the-process action.  Under --allow-http it is not installed:
 * libcurl resolves names on threads of its own (clone) and reads TLS
 * configuration, which the filter has no rule for; the server says so.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../wasi/seccomp_filter.h"
#include "serve.h"

static bool landlocked, filtered;

const char *serve_sandbox_describe(void) {
    return landlocked ? (filtered ? "seccomp + landlock" : "landlock only")
                      : (filtered ? "seccomp only" : "none");
}

bool serve_sandbox_landlock(const serve_config *cfg, wasmrt_error *err) {
    if (!cfg->landlock) return true;
    wasmrt_net_rule *conn = calloc(cfg->num_allow_http + 1, sizeof *conn);
    if (!conn) {
        snprintf(err->message, sizeof err->message, "landlock: out of memory");
        return false;
    }
    for (uint32_t i = 0; i < cfg->num_allow_http; i++) {
        const char *colon = strrchr(cfg->allow_http[i], ':');
        conn[i] = (wasmrt_net_rule){.family = 4, .port = colon ? (uint16_t)atoi(colon + 1) : 0};
    }
    wasmrt_net_policy pol = {.tcp_connect = conn, .num_tcp_connect = cfg->num_allow_http,
                             .dns = cfg->num_allow_http > 0};
    wasmrt_wasi_config wc = {.stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1};
    wasmrt_wasi *sb = wasmrt_wasi_new(&wc, err);
    wasmrt_wasi2 *w2 = sb ? wasmrt_wasi2_new(sb, &pol, err) : NULL;
    bool applied = false, ok = w2 && wasmrt_wasi2_landlock(w2, &applied, err);
    wasmrt_wasi2_free(w2);
    wasmrt_wasi_free(sb);
    free(conn);
    landlocked = ok && applied;
    if (ok && !applied)   /* a kernel without Landlock: as wasmrt run, say so and go on */
        fprintf(stderr, "wasmrt serve: warning: not confined by Landlock (%s)\n", err->message);
    return ok;
}

bool serve_sandbox_seccomp(const serve_config *cfg, wasmrt_error *err) {
    if (!cfg->seccomp) return true;
    if (cfg->num_allow_http) {
        fprintf(stderr, "wasmrt serve: warning: --allow-http: no seccomp filter (libcurl's system calls "
                        "have no rule yet); Landlock still applies\n");
        return true;
    }
    /* --timeout's watchdog thread, started while clone is still allowed */
    if (cfg->timeout_s > 0 && !rt_deadline_start()) {
        snprintf(err->message, sizeof err->message, "cannot start the --timeout watchdog thread");
        return false;
    }
    return filtered = rt_seccomp_install_net(RT_SERVE, err);
}
