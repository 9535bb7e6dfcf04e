/* wasi:sockets — network, instance-network, tcp, tcp-create-socket, udp,
 * udp-create-socket, ip-name-lookup — under the network policy.
 *
 * Nothing is reachable unless wasmrt_net_policy allows it, and a call the
 * policy refuses answers access-denied:
 *   - create-tcp-socket needs a TCP rule, create-udp-socket a UDP rule;
 *   - tcp start-connect: the peer must match a connect rule;
 *   - tcp start-bind: the address must match a listen rule (a socket bound
 *     elsewhere may not listen), or have port 0 when connecting is allowed;
 *   - udp start-bind: a UDP rule or port 0; udp stream/send: the peer must
 *     match a UDP rule, and datagrams from other peers are dropped;
 *   - resolve-addresses needs dns.
 * All sockets are non-blocking; the start-/finish- pairs and the would-block
 * answers follow the WIT's state machine.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "wasi2_internal.h"

enum { PEND_NONE, PEND_BIND, PEND_LISTEN };
#define MAX_DGRAMS 16u  /* per receive / check-send: each is up to 64 KiB of host values */
#define MAX_DGRAM_BYTES 65536u

static cval net_err(uint32_t code) { return w2_err(w2_enum(code)); }
static cval ok_unit(void) { return w2_ok(NULL); }

/* ---- addresses --------------------------------------------------------------- */

static bool tuple_of(const cval *t, uint8_t kind, size_t n) {
    if (t->kind != WASMC_CVAL_TUPLE || t->of.list.len != n) return false;
    for (size_t i = 0; i < n; i++)
        if (t->of.list.items[i].kind != kind) return false;
    return true;
}

/* ip-socket-address -> sockaddr; false (a trap) when the value has the wrong shape. */
static bool sockaddr_of(const cval *v, struct sockaddr_storage *ss, socklen_t *len, wasmrt_error *err) {
    memset(ss, 0, sizeof *ss);
    const cval *p = v->of.variant.payload;
    if (v->kind != WASMC_CVAL_VARIANT || !p || p->kind != WASMC_CVAL_RECORD)
        return w2_trap(err, "ip-socket-address expected");
    const cval *f = p->of.list.items;
    if (v->of.variant.case_ == 0) {
        if (p->of.list.len != 2 || f[0].kind != WASMC_CVAL_U16 || !tuple_of(&f[1], WASMC_CVAL_U8, 4))
            return w2_trap(err, "ipv4-socket-address expected");
        struct sockaddr_in *s = (struct sockaddr_in *)ss;
        s->sin_family = AF_INET;
        s->sin_port = htons((uint16_t)f[0].of.u);
        uint8_t *b = (uint8_t *)&s->sin_addr;
        for (int i = 0; i < 4; i++) b[i] = (uint8_t)f[1].of.list.items[i].of.u;
        *len = sizeof *s;
        return true;
    }
    if (v->of.variant.case_ == 1) {
        if (p->of.list.len != 4 || f[0].kind != WASMC_CVAL_U16 || f[1].kind != WASMC_CVAL_U32 ||
            !tuple_of(&f[2], WASMC_CVAL_U16, 8) || f[3].kind != WASMC_CVAL_U32)
            return w2_trap(err, "ipv6-socket-address expected");
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
        s->sin6_family = AF_INET6;
        s->sin6_port = htons((uint16_t)f[0].of.u);
        s->sin6_flowinfo = htonl((uint32_t)f[1].of.u);
        for (int i = 0; i < 8; i++) {
            uint16_t x = (uint16_t)f[2].of.list.items[i].of.u;
            s->sin6_addr.s6_addr[2 * i] = (uint8_t)(x >> 8);
            s->sin6_addr.s6_addr[2 * i + 1] = (uint8_t)x;
        }
        s->sin6_scope_id = (uint32_t)f[3].of.u;
        *len = sizeof *s;
        return true;
    }
    return w2_trap(err, "ip-socket-address: case %u", v->of.variant.case_);
}

static cval ip_value(int family, const uint8_t *b) {
    if (family == AF_INET) {
        cval t = w2_tuple(4, w2_u8(b[0]), w2_u8(b[1]), w2_u8(b[2]), w2_u8(b[3]));
        return w2_variant(0, &t);
    }
    cval *items = w2_alloc(8 * sizeof *items);
    for (int i = 0; i < 8; i++) items[i] = w2_u16((uint16_t)(b[2 * i] << 8 | b[2 * i + 1]));
    cval t = {.kind = WASMC_CVAL_TUPLE, .of.list = {items, 8}};
    return w2_variant(1, &t);
}

static cval sockaddr_value(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
        cval addr = ip_value(AF_INET, (const uint8_t *)&s->sin_addr);
        cval tup = *addr.of.variant.payload;  /* take the tuple out of the variant */
        free(addr.of.variant.payload);
        cval rec = w2_record(2, w2_u16(ntohs(s->sin_port)), tup);
        return w2_variant(0, &rec);
    }
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;
    cval addr = ip_value(AF_INET6, s->sin6_addr.s6_addr);
    cval tup = *addr.of.variant.payload;
    free(addr.of.variant.payload);
    cval rec = w2_record(4, w2_u16(ntohs(s->sin6_port)), w2_u32(ntohl(s->sin6_flowinfo)), tup,
                         w2_u32(s->sin6_scope_id));
    return w2_variant(1, &rec);
}

static bool addr_bytes(const struct sockaddr *sa, uint8_t *fam, const uint8_t **b, uint16_t *port) {
    if (sa->sa_family == AF_INET) {
        *fam = 4;
        *b = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
        *port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        *fam = 6;
        *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        *port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
        return true;
    }
    return false;
}

bool w2_net_allowed(const wasmrt_wasi2 *w, const wasmrt_net_rule *rules, uint32_t n,
                    const struct sockaddr *sa) {
    (void)w;
    uint8_t fam;
    const uint8_t *b;
    uint16_t port;
    if (!addr_bytes(sa, &fam, &b, &port)) return false;
    for (uint32_t i = 0; i < n; i++)
        if (rules[i].family == fam && !memcmp(rules[i].addr, b, fam == 4 ? 4 : 16) &&
            (rules[i].port == 0 || rules[i].port == port))
            return true;
    return false;
}

static const wasmrt_net_rule *connect_rules(const wasmrt_wasi2 *w) { return w->rules; }
static const wasmrt_net_rule *listen_rules(const wasmrt_wasi2 *w) { return w->rules + w->nconnect; }
static const wasmrt_net_rule *udp_rules(const wasmrt_wasi2 *w) {
    return w->rules + w->nconnect + w->nlisten;
}

static uint16_t port_of(const struct sockaddr *sa) {
    uint8_t fam;
    const uint8_t *b;
    uint16_t port = 0;
    addr_bytes(sa, &fam, &b, &port);
    return port;
}

static bool unspecified(const struct sockaddr *sa) {
    static const uint8_t zero[16];
    uint8_t fam;
    const uint8_t *b;
    uint16_t port;
    return addr_bytes(sa, &fam, &b, &port) && !memcmp(b, zero, fam == 4 ? 4 : 16);
}

static bool v4_mapped(const struct sockaddr *sa) {
    return sa->sa_family == AF_INET6 &&
           IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

static int af_of(uint8_t family) { return family == 0 ? AF_INET : AF_INET6; }

/* ---- network ----------------------------------------------------------------- */

bool net_instance_network(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    (void)a;
    uint32_t rep = w2_new(w, W2_NETWORK, -1);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

/* What a stream error from a socket stream (a failed send or receive)
 * was, as a network error-code: the error resource keeps the host errno.
 * @unstable(feature = network-error-code) in 0.2.x; as filesystem-error-code
 * for descriptors, any error with an errno maps. */
bool net_network_error_code(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = w2_get(w, &a[0], W2_ERROR, err);
    if (!o) return false;
    *r = o->u.error.err ? w2_some(w2_enum(w2_net_code(o->u.error.err))) : w2_none();
    return true;
}

static int new_socket(uint8_t family, int type) {
    int fd = socket(af_of(family), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0 && family == 1) {
        int one = 1;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    return fd;
}

/* ---- tcp ------------------------------------------------------------------------ */

bool tcp_create(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    uint32_t fam = a[0].of.variant.case_;
    if (fam > 1) return w2_trap(err, "ip-address-family: case %u", fam);
    if (w->nconnect == 0 && w->nlisten == 0) return *r = net_err(NET_ACCESS_DENIED), true;
    int fd = new_socket((uint8_t)fam, SOCK_STREAM);
    if (fd < 0) return *r = net_err(w2_net_code(errno)), true;
    uint32_t rep = w2_new(w, W2_TCP, fd);
    if (!rep) {
        close(fd);
        return *r = net_err(NET_NEW_SOCKET_LIMIT), true;
    }
    w2_obj *o = w2_at(w, rep);
    o->u.tcp.state = TCP_UNBOUND;
    o->u.tcp.family = (uint8_t)fam;
    o->u.tcp.backlog = 128;
    cval v = w2_own(rep);
    *r = w2_ok(&v);
    return true;
}

static w2_obj *tcp(wasmrt_wasi2 *w, const cval *a, wasmrt_error *err) {
    return w2_get(w, &a[0], W2_TCP, err);
}

bool tcp_start_bind(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o || !w2_get(w, &a[1], W2_NETWORK, err)) return false;
    struct sockaddr_storage ss;
    socklen_t len;
    if (!sockaddr_of(&a[2], &ss, &len, err)) return false;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (o->u.tcp.state != TCP_UNBOUND || o->u.tcp.pending) return *r = net_err(NET_INVALID_STATE), true;
    if (sa->sa_family != af_of(o->u.tcp.family) || v4_mapped(sa))
        return *r = net_err(NET_INVALID_ARGUMENT), true;
    bool listen_ok = w2_net_allowed(w, listen_rules(w), w->nlisten, sa);
    if (!listen_ok && !(port_of(sa) == 0 && w->nconnect > 0)) return *r = net_err(NET_ACCESS_DENIED), true;
    int one = 1;
    setsockopt(o->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(o->fd, sa, len)) return *r = net_err(w2_net_code(errno)), true;
    o->u.tcp.state = TCP_BOUND;
    o->u.tcp.bind_listen_ok = listen_ok;
    o->u.tcp.pending = PEND_BIND;
    *r = ok_unit();
    return true;
}

bool tcp_finish_bind(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    if (o->u.tcp.pending != PEND_BIND) return *r = net_err(NET_NOT_IN_PROGRESS), true;
    o->u.tcp.pending = PEND_NONE;
    *r = ok_unit();
    return true;
}

bool tcp_start_connect(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o || !w2_get(w, &a[1], W2_NETWORK, err)) return false;
    struct sockaddr_storage ss;
    socklen_t len;
    if (!sockaddr_of(&a[2], &ss, &len, err)) return false;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (o->u.tcp.pending) return *r = net_err(NET_CONCURRENCY_CONFLICT), true;
    if (o->u.tcp.state != TCP_UNBOUND && o->u.tcp.state != TCP_BOUND)
        return *r = net_err(NET_INVALID_STATE), true;
    if (sa->sa_family != af_of(o->u.tcp.family) || v4_mapped(sa) || unspecified(sa) ||
        port_of(sa) == 0)
        return *r = net_err(NET_INVALID_ARGUMENT), true;
    if (!w2_net_allowed(w, connect_rules(w), w->nconnect, sa))
        return *r = net_err(NET_ACCESS_DENIED), true;
    int rc;
    do rc = connect(o->fd, sa, len);
    while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno != EINPROGRESS) {
        int e = errno;
        o->u.tcp.state = TCP_CLOSED;
        return *r = net_err(w2_net_code(e)), true;
    }
    o->u.tcp.state = TCP_CONNECTING;
    *r = ok_unit();
    return true;
}

/* The input and output streams of a connected socket (each on its own dup). */
static bool socket_streams(wasmrt_wasi2 *w, int fd, uint32_t *in, uint32_t *out) {
    int a = fcntl(fd, F_DUPFD_CLOEXEC, 3), b = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    *in = a >= 0 ? w2_new_input(w, a, IN_SOCKET, 0) : 0;
    *out = b >= 0 ? w2_new_output(w, b, OUT_SOCKET, 0, false) : 0;
    if (*in && *out) return true;
    if (*in) w2_drop(w, *in);
    else if (a >= 0) close(a);
    if (*out) w2_drop(w, *out);
    else if (b >= 0) close(b);
    return false;
}

bool tcp_finish_connect(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    if (o->u.tcp.state != TCP_CONNECTING) return *r = net_err(NET_NOT_IN_PROGRESS), true;
    struct pollfd p = {o->fd, POLLOUT, 0};
    if (poll(&p, 1, 0) <= 0) return *r = net_err(NET_WOULD_BLOCK), true;
    int e = 0;
    socklen_t el = sizeof e;
    if (getsockopt(o->fd, SOL_SOCKET, SO_ERROR, &e, &el)) e = errno;
    if (e) {
        o->u.tcp.state = TCP_CLOSED;
        return *r = net_err(w2_net_code(e)), true;
    }
    uint32_t in, out;
    if (!socket_streams(w, o->fd, &in, &out)) return *r = net_err(NET_NEW_SOCKET_LIMIT), true;
    o = w2_at(w, a[0].of.handle);  /* the table may have moved */
    o->u.tcp.state = TCP_CONNECTED;
    cval v = w2_tuple(2, w2_own(in), w2_own(out));
    *r = w2_ok(&v);
    return true;
}

bool tcp_start_listen(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    if (o->u.tcp.pending) return *r = net_err(NET_CONCURRENCY_CONFLICT), true;
    if (o->u.tcp.state != TCP_BOUND) return *r = net_err(NET_INVALID_STATE), true;
    if (!o->u.tcp.bind_listen_ok) return *r = net_err(NET_ACCESS_DENIED), true;
    if (listen(o->fd, (int)o->u.tcp.backlog)) return *r = net_err(w2_net_code(errno)), true;
    o->u.tcp.state = TCP_LISTENING;
    o->u.tcp.pending = PEND_LISTEN;
    *r = ok_unit();
    return true;
}

bool tcp_finish_listen(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    if (o->u.tcp.pending != PEND_LISTEN) return *r = net_err(NET_NOT_IN_PROGRESS), true;
    o->u.tcp.pending = PEND_NONE;
    *r = ok_unit();
    return true;
}

bool tcp_accept(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    if (o->u.tcp.state != TCP_LISTENING) return *r = net_err(NET_INVALID_STATE), true;
    int fd;
    do fd = accept4(o->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return *r = net_err(w2_net_code(errno)), true;
    uint8_t fam = o->u.tcp.family;
    uint32_t s = w2_new(w, W2_TCP, fd);
    if (!s) {
        close(fd);
        return *r = net_err(NET_NEW_SOCKET_LIMIT), true;
    }
    w2_obj *c = w2_at(w, s);
    c->u.tcp.state = TCP_CONNECTED;
    c->u.tcp.family = fam;
    c->u.tcp.backlog = 128;
    uint32_t in, out;
    if (!socket_streams(w, fd, &in, &out)) {
        w2_drop(w, s);
        return *r = net_err(NET_NEW_SOCKET_LIMIT), true;
    }
    cval v = w2_tuple(3, w2_own(s), w2_own(in), w2_own(out));
    *r = w2_ok(&v);
    return true;
}

static bool address(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, uint8_t kind, bool peer) {
    w2_obj *o = w2_get(w, &a[0], kind, err);
    if (!o) return false;
    if (kind == W2_TCP && !peer && o->u.tcp.state == TCP_UNBOUND)
        return *r = net_err(NET_INVALID_STATE), true;
    if (kind == W2_UDP && !peer && !o->u.udp.bound) return *r = net_err(NET_INVALID_STATE), true;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int rc = peer ? getpeername(o->fd, (struct sockaddr *)&ss, &len)
                  : getsockname(o->fd, (struct sockaddr *)&ss, &len);
    if (rc) return *r = net_err(errno == ENOTCONN ? NET_INVALID_STATE : w2_net_code(errno)), true;
    cval v = sockaddr_value((struct sockaddr *)&ss);
    *r = w2_ok(&v);
    return true;
}

bool tcp_local_address(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return address(w, a, r, err, W2_TCP, false);
}
bool tcp_remote_address(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return address(w, a, r, err, W2_TCP, true);
}

bool tcp_is_listening(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    *r = w2_bool(o->u.tcp.state == TCP_LISTENING);
    return true;
}

bool tcp_address_family(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    *r = w2_enum(o->u.tcp.family);
    return true;
}

bool tcp_set_listen_backlog_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    if (a[1].of.u == 0) return *r = net_err(NET_INVALID_ARGUMENT), true;
    if (o->u.tcp.state == TCP_CONNECTING || o->u.tcp.state == TCP_CONNECTED)
        return *r = net_err(NET_INVALID_STATE), true;
    o->u.tcp.backlog = a[1].of.u > 4096 ? 4096 : (uint32_t)a[1].of.u;
    if (o->u.tcp.state == TCP_LISTENING && listen(o->fd, (int)o->u.tcp.backlog))
        return *r = net_err(w2_net_code(errno)), true;
    *r = ok_unit();
    return true;
}

/* Socket options: get as u64 (or bool), set from u64, 0 refused where the WIT says so. */
static bool get_opt(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, uint8_t kind,
                    int level, int name, char as) {
    w2_obj *o = w2_get(w, &a[0], kind, err);
    if (!o) return false;
    int v = 0;
    socklen_t l = sizeof v;
    if (getsockopt(o->fd, level, name, &v, &l)) return *r = net_err(w2_net_code(errno)), true;
    cval x = as == 'b' ? w2_bool(v != 0) : as == '1' ? w2_u8((uint8_t)v) : as == '4' ? w2_u32((uint32_t)v)
           : as == 'n' ? w2_u64((uint64_t)v * 1000000000u) : w2_u64((uint64_t)v);
    *r = w2_ok(&x);
    return true;
}

static bool set_opt(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err, uint8_t kind,
                    int level, int name, char as) {
    w2_obj *o = w2_get(w, &a[0], kind, err);
    if (!o) return false;
    uint64_t x = as == 'b' ? a[1].of.b : a[1].of.u;
    if (as == 'n') x = (x + 999999999u) / 1000000000u;  /* duration ns -> whole seconds */
    if (as != 'b' && x == 0) return *r = net_err(NET_INVALID_ARGUMENT), true;
    int v = x > INT_MAX / 2 ? INT_MAX / 2 : (int)x;
    if (as == 'n' && v > 32767) v = 32767;  /* the kernel's TCP keepalive limit */
    if (setsockopt(o->fd, level, name, &v, sizeof v)) return *r = net_err(w2_net_code(errno)), true;
    *r = ok_unit();
    return true;
}

static int hop_level(const w2_obj *o, uint8_t family) {
    (void)o;
    return family == 0 ? IPPROTO_IP : IPPROTO_IPV6;
}
static int hop_name(uint8_t family) { return family == 0 ? IP_TTL : IPV6_UNICAST_HOPS; }

bool tcp_keep_alive_enabled(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return get_opt(w, a, r, err, W2_TCP, SOL_SOCKET, SO_KEEPALIVE, 'b');
}
bool tcp_set_keep_alive_enabled(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return set_opt(w, a, r, err, W2_TCP, SOL_SOCKET, SO_KEEPALIVE, 'b');
}
bool tcp_keep_alive_idle_time(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return get_opt(w, a, r, err, W2_TCP, IPPROTO_TCP, TCP_KEEPIDLE, 'n');
}
bool tcp_set_keep_alive_idle_time(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return set_opt(w, a, r, err, W2_TCP, IPPROTO_TCP, TCP_KEEPIDLE, 'n');
}
bool tcp_keep_alive_interval(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return get_opt(w, a, r, err, W2_TCP, IPPROTO_TCP, TCP_KEEPINTVL, 'n');
}
bool tcp_set_keep_alive_interval(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return set_opt(w, a, r, err, W2_TCP, IPPROTO_TCP, TCP_KEEPINTVL, 'n');
}
bool tcp_keep_alive_count(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return get_opt(w, a, r, err, W2_TCP, IPPROTO_TCP, TCP_KEEPCNT, '4');
}
bool tcp_set_keep_alive_count(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return set_opt(w, a, r, err, W2_TCP, IPPROTO_TCP, TCP_KEEPCNT, '4');
}
bool tcp_hop_limit(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    return get_opt(w, a, r, err, W2_TCP, hop_level(o, o->u.tcp.family), hop_name(o->u.tcp.family), '1');
}
bool tcp_set_hop_limit(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    return set_opt(w, a, r, err, W2_TCP, hop_level(o, o->u.tcp.family), hop_name(o->u.tcp.family), '1');
}
bool tcp_receive_buffer_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return get_opt(w, a, r, err, W2_TCP, SOL_SOCKET, SO_RCVBUF, 'U');
}
bool tcp_set_receive_buffer_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return set_opt(w, a, r, err, W2_TCP, SOL_SOCKET, SO_RCVBUF, 'U');
}
bool tcp_send_buffer_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return get_opt(w, a, r, err, W2_TCP, SOL_SOCKET, SO_SNDBUF, 'U');
}
bool tcp_set_send_buffer_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return set_opt(w, a, r, err, W2_TCP, SOL_SOCKET, SO_SNDBUF, 'U');
}

static bool sock_subscribe(wasmrt_wasi2 *w, const cval *a, uint8_t kind, cval *r, wasmrt_error *err) {
    if (!w2_get(w, &a[0], kind, err)) return false;
    uint32_t rep = w2_new_pollable(w, POLL_PARENT, 0, a[0].of.handle, SUB_SOCKET);
    if (!rep) return w2_trap(err, "too many open WASI resources");
    *r = w2_own(rep);
    return true;
}

bool tcp_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return sock_subscribe(w, a, W2_TCP, r, err);
}

bool tcp_shutdown(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = tcp(w, a, err);
    if (!o) return false;
    uint32_t c = a[1].of.variant.case_;
    if (c > 2) return w2_trap(err, "shutdown-type: case %u", c);
    if (o->u.tcp.state != TCP_CONNECTED) return *r = net_err(NET_INVALID_STATE), true;
    static const int how[] = {SHUT_RD, SHUT_WR, SHUT_RDWR};
    if (shutdown(o->fd, how[c]) && errno != ENOTCONN) return *r = net_err(w2_net_code(errno)), true;
    *r = ok_unit();
    return true;
}

/* ---- udp ----------------------------------------------------------------------- */

bool udp_create(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    uint32_t fam = a[0].of.variant.case_;
    if (fam > 1) return w2_trap(err, "ip-address-family: case %u", fam);
    if (w->nudp == 0) return *r = net_err(NET_ACCESS_DENIED), true;
    int fd = new_socket((uint8_t)fam, SOCK_DGRAM);
    if (fd < 0) return *r = net_err(w2_net_code(errno)), true;
    uint32_t rep = w2_new(w, W2_UDP, fd);
    if (!rep) {
        close(fd);
        return *r = net_err(NET_NEW_SOCKET_LIMIT), true;
    }
    w2_at(w, rep)->u.udp.family = (uint8_t)fam;
    cval v = w2_own(rep);
    *r = w2_ok(&v);
    return true;
}

static w2_obj *udp(wasmrt_wasi2 *w, const cval *a, wasmrt_error *err) {
    return w2_get(w, &a[0], W2_UDP, err);
}

bool udp_start_bind(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = udp(w, a, err);
    if (!o || !w2_get(w, &a[1], W2_NETWORK, err)) return false;
    struct sockaddr_storage ss;
    socklen_t len;
    if (!sockaddr_of(&a[2], &ss, &len, err)) return false;
    const struct sockaddr *sa = (const struct sockaddr *)&ss;
    if (o->u.udp.bound) return *r = net_err(NET_INVALID_STATE), true;
    if (sa->sa_family != af_of(o->u.udp.family) || v4_mapped(sa))
        return *r = net_err(NET_INVALID_ARGUMENT), true;
    if (port_of(sa) != 0 && !w2_net_allowed(w, udp_rules(w), w->nudp, sa))
        return *r = net_err(NET_ACCESS_DENIED), true;
    if (bind(o->fd, sa, len)) return *r = net_err(w2_net_code(errno)), true;
    o->u.udp.bound = true;
    o->u.udp.permit = PEND_BIND;  /* reused as the pending flag until finish-bind */
    *r = ok_unit();
    return true;
}

bool udp_finish_bind(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = udp(w, a, err);
    if (!o) return false;
    if (o->u.udp.permit != PEND_BIND) return *r = net_err(NET_NOT_IN_PROGRESS), true;
    o->u.udp.permit = 0;
    *r = ok_unit();
    return true;
}

bool udp_stream(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = udp(w, a, err);
    if (!o) return false;
    uint32_t self = a[0].of.handle;
    if (!o->u.udp.bound) return *r = net_err(NET_INVALID_STATE), true;
    if (o->u.udp.connected) {
        struct sockaddr un = {.sa_family = AF_UNSPEC};
        connect(o->fd, &un, sizeof un);
        o->u.udp.connected = false;
    }
    if (a[1].of.variant.case_ == 1) {
        struct sockaddr_storage ss;
        socklen_t len;
        if (!sockaddr_of(a[1].of.variant.payload, &ss, &len, err)) return false;
        const struct sockaddr *sa = (const struct sockaddr *)&ss;
        if (sa->sa_family != af_of(o->u.udp.family) || v4_mapped(sa) || unspecified(sa) ||
            port_of(sa) == 0)
            return *r = net_err(NET_INVALID_ARGUMENT), true;
        if (!w2_net_allowed(w, udp_rules(w), w->nudp, sa)) return *r = net_err(NET_ACCESS_DENIED), true;
        if (connect(o->fd, sa, len)) return *r = net_err(w2_net_code(errno)), true;
        o->u.udp.connected = true;
        o->u.udp.peer = ss;
        o->u.udp.peer_len = len;
    }
    uint32_t in = w2_new(w, W2_IN_DGRAM, -1);
    uint32_t out = in ? w2_new(w, W2_OUT_DGRAM, -1) : 0;
    if (!out) {
        if (in) w2_drop(w, in);
        return *r = net_err(NET_NEW_SOCKET_LIMIT), true;
    }
    w2_at(w, in)->u.udp.parent = self;
    w2_at(w, out)->u.udp.parent = self;
    cval v = w2_tuple(2, w2_own(in), w2_own(out));
    *r = w2_ok(&v);
    return true;
}

bool udp_local_address(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return address(w, a, r, err, W2_UDP, false);
}
bool udp_remote_address(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return address(w, a, r, err, W2_UDP, true);
}
bool udp_address_family(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = udp(w, a, err);
    if (!o) return false;
    *r = w2_enum(o->u.udp.family);
    return true;
}
bool udp_unicast_hop_limit(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = udp(w, a, err);
    if (!o) return false;
    return get_opt(w, a, r, err, W2_UDP, hop_level(o, o->u.udp.family), hop_name(o->u.udp.family), '1');
}
bool udp_set_unicast_hop_limit(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = udp(w, a, err);
    if (!o) return false;
    return set_opt(w, a, r, err, W2_UDP, hop_level(o, o->u.udp.family), hop_name(o->u.udp.family), '1');
}
bool udp_receive_buffer_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return get_opt(w, a, r, err, W2_UDP, SOL_SOCKET, SO_RCVBUF, 'U');
}
bool udp_set_receive_buffer_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return set_opt(w, a, r, err, W2_UDP, SOL_SOCKET, SO_RCVBUF, 'U');
}
bool udp_send_buffer_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return get_opt(w, a, r, err, W2_UDP, SOL_SOCKET, SO_SNDBUF, 'U');
}
bool udp_set_send_buffer_size(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return set_opt(w, a, r, err, W2_UDP, SOL_SOCKET, SO_SNDBUF, 'U');
}
bool udp_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return sock_subscribe(w, a, W2_UDP, r, err);
}

/* The socket behind a datagram stream; NULL (and *r an error) once dropped. */
static w2_obj *dgram_socket(wasmrt_wasi2 *w, const w2_obj *s, cval *r) {
    w2_obj *o = w2_at(w, s->u.udp.parent);
    if (!o || o->kind != W2_UDP) {
        *r = net_err(NET_INVALID_STATE);
        return NULL;
    }
    return o;
}

bool udp_in_receive(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *s = w2_get(w, &a[0], W2_IN_DGRAM, err);
    if (!s) return false;
    w2_obj *o = dgram_socket(w, s, r);
    if (!o) return true;
    uint64_t max = a[1].of.u < MAX_DGRAMS ? a[1].of.u : MAX_DGRAMS;
    cval *items = w2_alloc(max * sizeof *items);
    uint8_t *buf = malloc(MAX_DGRAM_BYTES);
    if (!buf) {
        free(items);
        return w2_trap(err, "out of memory");
    }
    uint32_t k = 0;
    int e = 0;
    while (k < max) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        ssize_t n = recvfrom(o->fd, buf, MAX_DGRAM_BYTES, MSG_DONTWAIT, (struct sockaddr *)&ss, &len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) e = errno;
            break;
        }
        /* datagrams from peers the policy does not name never reach the guest */
        if (!w2_net_allowed(w, udp_rules(w), w->nudp, (struct sockaddr *)&ss)) continue;
        items[k++] = w2_record(2, w2_bytes(buf, (size_t)n), sockaddr_value((struct sockaddr *)&ss));
    }
    free(buf);
    if (e && k == 0) {
        free(items);
        return *r = net_err(w2_net_code(e)), true;
    }
    cval v = w2_list(items, k);
    *r = w2_ok(&v);
    return true;
}

bool udp_in_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return sock_subscribe(w, a, W2_IN_DGRAM, r, err);
}

bool udp_out_check_send(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *s = w2_get(w, &a[0], W2_OUT_DGRAM, err);
    if (!s) return false;
    w2_obj *o = dgram_socket(w, s, r);
    if (!o) return true;
    struct pollfd p = {o->fd, POLLOUT, 0};
    s->u.udp.permit = poll(&p, 1, 0) > 0 ? MAX_DGRAMS : 0;
    cval v = w2_u64(s->u.udp.permit);
    *r = w2_ok(&v);
    return true;
}

bool udp_out_send(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *s = w2_get(w, &a[0], W2_OUT_DGRAM, err);
    if (!s) return false;
    size_t n = a[1].of.list.len;
    if (n > s->u.udp.permit)
        return w2_trap(err, "send of %zu datagrams, but check-send permitted %llu", n,
                       (unsigned long long)s->u.udp.permit);
    s->u.udp.permit -= n;
    w2_obj *o = dgram_socket(w, s, r);
    if (!o) return true;
    uint64_t sent = 0;
    int e = 0;
    uint32_t code = 0;
    for (size_t i = 0; i < n && !e && !code; i++) {
        const cval *d = &a[1].of.list.items[i];
        if (d->kind != WASMC_CVAL_RECORD || d->of.list.len != 2 ||
            d->of.list.items[0].kind != WASMC_CVAL_LIST || d->of.list.items[1].kind != WASMC_CVAL_OPTION)
            return w2_trap(err, "outgoing-datagram expected");
        size_t len;
        uint8_t *data = w2_list_bytes(&d->of.list.items[0], &len, err);
        if (!data) return false;
        const cval *ra = &d->of.list.items[1];
        ssize_t k;
        if (ra->of.variant.case_ == 1) {
            struct sockaddr_storage ss;
            socklen_t sl;
            if (!sockaddr_of(ra->of.variant.payload, &ss, &sl, err)) {
                free(data);
                return false;
            }
            const struct sockaddr *sa = (const struct sockaddr *)&ss;
            if (sa->sa_family != af_of(o->u.udp.family) || unspecified(sa) || port_of(sa) == 0 ||
                (o->u.udp.connected && (sl != o->u.udp.peer_len || memcmp(&ss, &o->u.udp.peer, sl))))
                code = NET_INVALID_ARGUMENT;
            else if (!w2_net_allowed(w, udp_rules(w), w->nudp, sa))
                code = NET_ACCESS_DENIED;
            else if (o->u.udp.connected)
                k = send(o->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
            else
                k = sendto(o->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL, sa, sl);
        } else if (!o->u.udp.connected) {
            code = NET_INVALID_ARGUMENT;
        } else {
            k = send(o->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        free(data);
        if (code) break;
        if (k < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) e = errno;
            break;
        }
        sent++;
    }
    if (sent == 0 && (e || code)) return *r = net_err(code ? code : w2_net_code(e)), true;
    cval v = w2_u64(sent);
    *r = w2_ok(&v);
    return true;
}

bool udp_out_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return sock_subscribe(w, a, W2_OUT_DGRAM, r, err);
}

/* ---- ip-name-lookup --------------------------------------------------------------- */

bool dns_resolve_addresses(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    if (!w2_get(w, &a[0], W2_NETWORK, err)) return false;
    if (!w->dns) return *r = net_err(NET_ACCESS_DENIED), true;
    const cval *s = &a[1];
    if (s->of.str.len == 0 || s->of.str.len > 255 || memchr(s->of.str.ptr, 0, s->of.str.len))
        return *r = net_err(NET_INVALID_ARGUMENT), true;
    char name[256];
    memcpy(name, s->of.str.ptr, s->of.str.len);
    name[s->of.str.len] = 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
    int rc = getaddrinfo(name, NULL, &hints, &ai);
    if (rc) {
        uint32_t code = rc == EAI_NONAME || rc == EAI_NODATA ? NET_NAME_UNRESOLVABLE
                      : rc == EAI_AGAIN ? NET_TEMPORARY_RESOLVER_FAILURE
                      : rc == EAI_MEMORY ? NET_OUT_OF_MEMORY
                                         : NET_PERMANENT_RESOLVER_FAILURE;
        return *r = net_err(code), true;
    }
    uint32_t n = 0;
    for (struct addrinfo *p = ai; p; p = p->ai_next) n++;
    uint8_t *addrs = malloc(17u * (n ? n : 1));
    if (!addrs) {
        freeaddrinfo(ai);
        return w2_trap(err, "out of memory");
    }
    uint32_t k = 0;
    for (struct addrinfo *p = ai; p; p = p->ai_next) {
        uint8_t fam, rec[17] = {0};
        const uint8_t *b;
        uint16_t port;
        if (!addr_bytes(p->ai_addr, &fam, &b, &port)) continue;
        rec[0] = fam;
        memcpy(rec + 1, b, fam == 4 ? 4 : 16);
        bool dup = false;
        for (uint32_t j = 0; j < k && !dup; j++) dup = !memcmp(addrs + 17 * j, rec, 17);
        if (!dup) memcpy(addrs + 17 * k++, rec, 17);
    }
    freeaddrinfo(ai);
    uint32_t rep = w2_new(w, W2_RESOLVE, -1);
    if (!rep) {
        free(addrs);
        return *r = net_err(NET_OUT_OF_MEMORY), true;
    }
    w2_obj *o = w2_at(w, rep);
    o->u.res.addrs = addrs;
    o->u.res.n = k;
    cval v = w2_own(rep);
    *r = w2_ok(&v);
    return true;
}

bool dns_resolve_next_address(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    w2_obj *o = w2_get(w, &a[0], W2_RESOLVE, err);
    if (!o) return false;
    cval v;
    if (o->u.res.next >= o->u.res.n) {
        v = w2_none();
    } else {
        const uint8_t *rec = o->u.res.addrs + 17 * o->u.res.next++;
        v = w2_some(ip_value(rec[0] == 4 ? AF_INET : AF_INET6, rec + 1));
    }
    *r = w2_ok(&v);
    return true;
}

bool dns_subscribe(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err) {
    return sock_subscribe(w, a, W2_RESOLVE, r, err);
}
