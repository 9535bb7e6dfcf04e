/* The sandbox a WASI 0.2 network policy needs beyond preview1's: the
 * seccomp filter gains only the socket calls the policy uses, Landlock the
 * TCP ports it names (and, for DNS, read access to the resolver's files),
 * and wasmrt's --allow-* specs become rules here. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>

#include "../wasi/seccomp_filter.h"
#include "wasi2_internal.h"

static unsigned net_bits(const wasmrt_wasi2 *w) {
    return (w->nconnect ? RT_NET_TCP_CONNECT : 0) | (w->nlisten ? RT_NET_TCP_LISTEN : 0) |
           (w->nudp ? RT_NET_UDP : 0) | (w->dns ? RT_NET_DNS : 0);
}

bool wasmrt_wasi2_seccomp_install(const wasmrt_wasi2 *w, wasmrt_error *err) {
    return rt_seccomp_install_net(net_bits(w), err);
}

bool wasmrt_wasi2_landlock(wasmrt_wasi2 *w, bool *applied, wasmrt_error *err) {
    static const char *const resolver_files[] = {"/etc/resolv.conf", "/etc/hosts",
                                                 "/etc/nsswitch.conf", "/etc/gai.conf",
                                                 "/etc/host.conf"};
    uint32_t nb = w->nlisten + (w->nconnect ? 1 : 0), nc = w->nconnect;
    uint16_t *bind = calloc(nb + 1, sizeof *bind), *conn = calloc(nc + 1, sizeof *conn);
    if (!bind || !conn) {
        free(bind);
        free(conn);
        snprintf(err->message, sizeof err->message, "landlock: out of memory");
        return false;
    }
    wasi_landlock_extra x = {.bind_ports = bind, .connect_ports = conn};
    const wasmrt_net_rule *listen = w->rules + w->nconnect;
    for (uint32_t i = 0; i < w->nlisten; i++) {
        if (listen[i].port == 0) x.any_bind = true;
        bind[x.num_bind_ports++] = listen[i].port;
    }
    /* a connecting socket may bind an ephemeral port first (port 0) */
    if (w->nconnect) bind[x.num_bind_ports++] = 0;
    for (uint32_t i = 0; i < w->nconnect; i++) {
        if (w->rules[i].port == 0) x.any_connect = true;
        conn[x.num_connect_ports++] = w->rules[i].port;
    }
    /* DNS over TCP (large answers) connects to port 53 */
    if (w->dns) conn[x.num_connect_ports++] = 53;
    if (w->dns) {
        x.ro_files = resolver_files;
        x.num_ro_files = sizeof resolver_files / sizeof *resolver_files;
    }
    bool ok = wasi_landlock_apply(w->sb, &x, applied, err);
    free(bind);
    free(conn);
    return ok;
}

bool wasmrt_net_rule_parse(const char *spec, wasmrt_net_rule *out, uint32_t cap, uint32_t *n,
                           wasmrt_error *err) {
    *n = 0;
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host || !colon[1]) {
        snprintf(err->message, sizeof err->message, "'%s': expected HOST:PORT", spec);
        return false;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {  /* [::1]:80 */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || port > 65535) {
        snprintf(err->message, sizeof err->message, "'%s': port must be 0..65535", spec);
        return false;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &ai);
    if (rc) {
        snprintf(err->message, sizeof err->message, "'%s': %s", spec, gai_strerror(rc));
        return false;
    }
    for (struct addrinfo *p = ai; p && *n < cap; p = p->ai_next) {
        wasmrt_net_rule r = {.port = (uint16_t)port};
        if (p->ai_family == AF_INET) {
            r.family = 4;
            memcpy(r.addr, &((struct sockaddr_in *)p->ai_addr)->sin_addr, 4);
        } else if (p->ai_family == AF_INET6) {
            r.family = 6;
            memcpy(r.addr, &((struct sockaddr_in6 *)p->ai_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        bool dup = false;
        for (uint32_t j = 0; j < *n && !dup; j++)
            dup = out[j].family == r.family && !memcmp(out[j].addr, r.addr, 16);
        if (!dup) out[(*n)++] = r;
    }
    freeaddrinfo(ai);
    if (*n == 0) {
        snprintf(err->message, sizeof err->message, "'%s': no IPv4 or IPv6 address", spec);
        return false;
    }
    return true;
}
