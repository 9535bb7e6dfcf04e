/* WASI 0.2 (the imports of the world wasi:cli/command) for libwasmrt's
 * component linker, over the same sandbox as preview1: a wasmrt_wasi2
 * borrows a wasmrt_wasi (wasmrt_wasi.h) for its arguments, environment,
 * stdio, preopened directories and descriptor limit, resolves paths with the
 * same confinement (openat2 RESOLVE_BENEATH, else the component walk), and
 * runs under the same Landlock ruleset and seccomp filter.
 *
 * Network access is denied unless a policy allows it: sockets and name
 * lookups outside the policy fail with the WASI error code access-denied.
 *
 * Output streams write pipes with write(2): an embedder ignores SIGPIPE
 * (as wasmrt does) so a reader that went away is an error for the guest.
 */
#ifndef WASMRT_WASI2_H
#define WASMRT_WASI2_H

#include "wasmrt_component.h"
#include "wasmrt_wasi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The version every interface is registered at; the component linker
 * matches imports of any 0.2.x version against it. */
#define WASMRT_WASI2_VERSION "0.2.6"

typedef struct wasmrt_wasi2 wasmrt_wasi2;

/* One allowed endpoint: an IPv4 (family 4, addr[0..3]) or IPv6 (family 6)
 * address and a port (0 = any port). */
typedef struct wasmrt_net_rule {
    uint8_t family;
    uint8_t addr[16];
    uint16_t port;
} wasmrt_net_rule;

typedef struct wasmrt_net_policy {
    const wasmrt_net_rule *tcp_connect;  /* peers a TCP socket may connect to */
    uint32_t num_tcp_connect;
    const wasmrt_net_rule *tcp_listen;   /* local addresses a TCP socket may listen on */
    uint32_t num_tcp_listen;
    const wasmrt_net_rule *udp;          /* local addresses to bind and peers to exchange
                                            datagrams with */
    uint32_t num_udp;
    bool dns;                            /* wasi:sockets/ip-name-lookup */
} wasmrt_net_policy;

/* sandbox must outlive the result; net may be NULL (no network).  The
 * policy is copied. */
wasmrt_wasi2 *wasmrt_wasi2_new(wasmrt_wasi *sandbox, const wasmrt_net_policy *net,
                               wasmrt_error *err);
void wasmrt_wasi2_free(wasmrt_wasi2 *w);

/* Defines every function and resource of wasi:cli/command's imports
 * (wasi:cli, wasi:io, wasi:clocks, wasi:random, wasi:filesystem,
 * wasi:sockets) at WASMRT_WASI2_VERSION. */
bool wasmrt_wasi2_define(wasmrt_wasi2 *w, wasmrt_clinker *l, wasmrt_error *err);

/* The status the guest gave wasi:cli/exit (0 for ok, 1 for err), or -1 if
 * it has not called it. */
int wasmrt_wasi2_exit_status(const wasmrt_wasi2 *w);

/* Parses "HOST:PORT" ("[v6]:PORT" too) into rules, one per address HOST
 * resolves to (at most cap; *n is how many).  PORT may be 0 (any port) for
 * connect rules.  Call before the seccomp filter: resolving uses files and
 * sockets. */
bool wasmrt_net_rule_parse(const char *spec, wasmrt_net_rule *out, uint32_t cap, uint32_t *n,
                           wasmrt_error *err);

/* Landlock as wasmrt_wasi_landlock, plus what the policy needs: TCP ports
 * to connect to and bind, and read access to the resolver's configuration
 * files when DNS is allowed. */
bool wasmrt_wasi2_landlock(wasmrt_wasi2 *w, bool *applied, wasmrt_error *err);

/* The seccomp filter of wasmrt_seccomp_install, plus the socket calls the
 * policy needs (and no others). */
bool wasmrt_wasi2_seccomp_install(const wasmrt_wasi2 *w, wasmrt_error *err);

#ifdef __cplusplus
}
#endif

#endif
