/* WASI 0.2 wasi:sockets under the network policy, against peers the test
 * starts on 127.0.0.1 (loopback only; every wait is bounded). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include "wasi2_harness.h"

#define NET "wasi:sockets/network"
#define TCP "wasi:sockets/tcp"
#define UDP "wasi:sockets/udp"

static wasmrt_net_rule rule(const char *ip, uint16_t port) {
    wasmrt_net_rule r = {.family = 4, .port = port};
    cr_assert_eq(inet_pton(AF_INET, ip, r.addr), 1);
    return r;
}

static cval v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    cval rec = w2_record(2, w2_u16(port), w2_tuple(4, w2_u8(a), w2_u8(b), w2_u8(c), w2_u8(d)));
    return w2_variant(0, &rec);
}

/* A listening host socket on 127.0.0.1 and its port. */
static int host_listener(uint16_t *port) {
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(l, (struct sockaddr *)&sa, sizeof sa), 0);
    cr_assert_eq(listen(l, 4), 0);
    socklen_t len = sizeof sa;
    getsockname(l, (struct sockaddr *)&sa, &len);
    *port = ntohs(sa.sin_port);
    return l;
}

static bool wait_readable(int fd) {
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, 5000) == 1;
}

static void block_on(uint32_t pollable) {
    cval r = CALL("wasi:io/poll", "[method]pollable.block", B(pollable));
    (void)r;
}

static uint32_t network(void) {
    cval n = CALL("wasi:sockets/instance-network", "instance-network");
    return n.of.handle;
}

static void teardown(void) { h_teardown(); }

Test(wasi2_sockets, everything_is_denied_without_a_policy, .fini = teardown) {
    h_setup(0, 1, 2, NULL);
    uint32_t net = network();
    cval t = CALL("wasi:sockets/tcp-create-socket", "create-tcp-socket", E(0));
    cr_expect_eq(ERRC(&t), NET_ACCESS_DENIED);
    cval u = CALL("wasi:sockets/udp-create-socket", "create-udp-socket", E(0));
    cr_expect_eq(ERRC(&u), NET_ACCESS_DENIED);
    cval d = CALL("wasi:sockets/ip-name-lookup", "resolve-addresses", B(net), S("localhost"));
    cr_expect_eq(ERRC(&d), NET_ACCESS_DENIED);
}

Test(wasi2_sockets, tcp_connect_to_an_allowed_peer_only, .fini = teardown) {
    signal(SIGPIPE, SIG_IGN);
    uint16_t port, other;
    int l = host_listener(&port), l2 = host_listener(&other);
    wasmrt_net_rule allow = rule("127.0.0.1", port);
    wasmrt_net_policy pol = {.tcp_connect = &allow, .num_tcp_connect = 1};
    h_setup(0, 1, 2, &pol);
    uint32_t net = network();
    /* a peer the policy does not name */
    cval s0 = CALL("wasi:sockets/tcp-create-socket", "create-tcp-socket", E(0));
    uint32_t sock0 = OK(&s0)->of.handle;
    cval c0 = CALL(TCP, "[method]tcp-socket.start-connect", B(sock0), B(net), v4(127, 0, 0, 1, other));
    cr_expect_eq(ERRC(&c0), NET_ACCESS_DENIED);
    /* listening is not allowed either (bind with port 0 is, to connect from) */
    cval b0 = CALL(TCP, "[method]tcp-socket.start-bind", B(sock0), B(net), v4(127, 0, 0, 1, 0));
    cr_expect(is_ok(&b0));
    cval fb = CALL(TCP, "[method]tcp-socket.finish-bind", B(sock0));
    cr_expect(is_ok(&fb));
    cval li = CALL(TCP, "[method]tcp-socket.start-listen", B(sock0));
    cr_expect_eq(ERRC(&li), NET_ACCESS_DENIED);
    cval b1 = CALL(TCP, "[method]tcp-socket.start-bind", B(sock0), B(net), v4(127, 0, 0, 1, 0));
    cr_expect_eq(ERRC(&b1), NET_INVALID_STATE);
    /* the allowed peer */
    cval s = CALL("wasi:sockets/tcp-create-socket", "create-tcp-socket", E(0));
    uint32_t sock = OK(&s)->of.handle;
    cval fc0 = CALL(TCP, "[method]tcp-socket.finish-connect", B(sock));
    cr_expect_eq(ERRC(&fc0), NET_NOT_IN_PROGRESS);
    cval c = CALL(TCP, "[method]tcp-socket.start-connect", B(sock), B(net), v4(127, 0, 0, 1, port));
    cr_assert(is_ok(&c));
    cval p = CALL(TCP, "[method]tcp-socket.subscribe", B(sock));
    block_on(p.of.handle);
    cval fc = CALL(TCP, "[method]tcp-socket.finish-connect", B(sock));
    cval *streams = OK(&fc);
    uint32_t in = streams->of.list.items[0].of.handle, out = streams->of.list.items[1].of.handle;
    cval ra = CALL(TCP, "[method]tcp-socket.remote-address", B(sock));
    cr_expect_eq(OK(&ra)->of.variant.payload->of.list.items[0].of.u, port);
    cr_assert(wait_readable(l));
    int peer = accept(l, NULL, NULL);
    cr_assert_geq(peer, 0);
    cval w = CALL(IO, "[method]output-stream.blocking-write-and-flush", B(out), BYTES("ping", 4));
    cr_assert(is_ok(&w));
    char buf[8] = {0};
    cr_assert(wait_readable(peer));
    cr_expect_eq(read(peer, buf, sizeof buf), 4);
    cr_expect_str_eq(buf, "ping");
    cr_assert_eq(write(peer, "pong", 4), 4);
    cval rd = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(16));
    cr_expect_str_eq(bytes_str(OK(&rd)), "pong");
    cval sh = CALL(TCP, "[method]tcp-socket.shutdown", B(sock), E(1));
    cr_expect(is_ok(&sh));
    cr_assert(wait_readable(peer));
    cr_expect_eq(read(peer, buf, sizeof buf), 0);  /* the peer sees the FIN */
    close(peer);
    cval eof = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(16));
    cr_expect_eq(STREAM_ERR(&eof), 1);
    close(l);
    close(l2);
}

Test(wasi2_sockets, tcp_listen_and_accept_where_allowed, .fini = teardown) {
    wasmrt_net_rule allow = rule("127.0.0.1", 0);
    wasmrt_net_policy pol = {.tcp_listen = &allow, .num_tcp_listen = 1};
    h_setup(0, 1, 2, &pol);
    uint32_t net = network();
    cval s = CALL("wasi:sockets/tcp-create-socket", "create-tcp-socket", E(0));
    uint32_t sock = OK(&s)->of.handle;
    cval la0 = CALL(TCP, "[method]tcp-socket.local-address", B(sock));
    cr_expect_eq(ERRC(&la0), NET_INVALID_STATE);
    /* not an allowed address */
    cval bd = CALL(TCP, "[method]tcp-socket.start-bind", B(sock), B(net), v4(0, 0, 0, 0, 0));
    cr_expect_eq(ERRC(&bd), NET_ACCESS_DENIED);
    cval b = CALL(TCP, "[method]tcp-socket.start-bind", B(sock), B(net), v4(127, 0, 0, 1, 0));
    cr_assert(is_ok(&b));
    CALL(TCP, "[method]tcp-socket.finish-bind", B(sock));
    cval l = CALL(TCP, "[method]tcp-socket.start-listen", B(sock));
    cr_assert(is_ok(&l));
    cval fl = CALL(TCP, "[method]tcp-socket.finish-listen", B(sock));
    cr_assert(is_ok(&fl));
    cval il = CALL(TCP, "[method]tcp-socket.is-listening", B(sock));
    cr_expect(il.of.b);
    cval a0 = CALL(TCP, "[method]tcp-socket.accept", B(sock));
    cr_expect_eq(ERRC(&a0), NET_WOULD_BLOCK);
    cval la = CALL(TCP, "[method]tcp-socket.local-address", B(sock));
    uint16_t port = (uint16_t)OK(&la)->of.variant.payload->of.list.items[0].of.u;
    cr_assert_neq(port, 0);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    cval p = CALL(TCP, "[method]tcp-socket.subscribe", B(sock));
    block_on(p.of.handle);
    cval a = CALL(TCP, "[method]tcp-socket.accept", B(sock));
    cval *t = OK(&a);
    cr_assert_eq(t->of.list.len, 3);
    cr_assert_eq(write(c, "hi", 2), 2);
    cval rd = CALL(IO, "[method]input-stream.blocking-read", B(t->of.list.items[1].of.handle), U64(8));
    cr_expect_str_eq(bytes_str(OK(&rd)), "hi");
    close(c);
}

Test(wasi2_sockets, udp_with_allowed_peers, .fini = teardown) {
    wasmrt_net_rule allow = rule("127.0.0.1", 0);
    wasmrt_net_policy pol = {.udp = &allow, .num_udp = 1};
    h_setup(0, 1, 2, &pol);
    uint32_t net = network();
    cval s = CALL("wasi:sockets/udp-create-socket", "create-udp-socket", E(0));
    uint32_t sock = OK(&s)->of.handle;
    cval st0 = CALL(UDP, "[method]udp-socket.stream", B(sock), w2_none());
    cr_expect_eq(ERRC(&st0), NET_INVALID_STATE);
    cval b = CALL(UDP, "[method]udp-socket.start-bind", B(sock), B(net), v4(127, 0, 0, 1, 0));
    cr_assert(is_ok(&b));
    CALL(UDP, "[method]udp-socket.finish-bind", B(sock));
    cval la = CALL(UDP, "[method]udp-socket.local-address", B(sock));
    uint16_t port = (uint16_t)OK(&la)->of.variant.payload->of.list.items[0].of.u;
    cval st = CALL(UDP, "[method]udp-socket.stream", B(sock), w2_none());
    cval *t = OK(&st);
    uint32_t in = t->of.list.items[0].of.handle, out = t->of.list.items[1].of.handle;
    /* host -> guest */
    int h = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in hs = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(h, (struct sockaddr *)&hs, sizeof hs), 0);
    socklen_t hl = sizeof hs;
    getsockname(h, (struct sockaddr *)&hs, &hl);
    struct sockaddr_in gs = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(sendto(h, "dgram", 5, 0, (struct sockaddr *)&gs, sizeof gs), 5);
    cval p = CALL(UDP, "[method]incoming-datagram-stream.subscribe", B(in));
    block_on(p.of.handle);
    cval rc = CALL(UDP, "[method]incoming-datagram-stream.receive", B(in), U64(10));
    cval *l = OK(&rc);
    cr_assert_eq(l->of.list.len, 1);
    cr_expect_str_eq(bytes_str(&l->of.list.items[0].of.list.items[0]), "dgram");
    /* guest -> host, within check-send */
    cval cs = CALL(UDP, "[method]outgoing-datagram-stream.check-send", B(out));
    cr_assert_geq(OK(&cs)->of.u, 1);
    cval *dg = w2_alloc(sizeof *dg);
    dg[0] = w2_record(2, BYTES("back", 4), w2_some(v4(127, 0, 0, 1, ntohs(hs.sin_port))));
    cval sent = CALL(UDP, "[method]outgoing-datagram-stream.send", B(out), w2_list(dg, 1));
    cr_expect_eq(OK(&sent)->of.u, 1);
    char buf[8] = {0};
    cr_assert(wait_readable(h));
    cr_expect_eq(recv(h, buf, sizeof buf, 0), 4);
    cr_expect_str_eq(buf, "back");
    /* a peer outside the policy */
    CALL(UDP, "[method]outgoing-datagram-stream.check-send", B(out));
    cval *dg2 = w2_alloc(sizeof *dg2);
    dg2[0] = w2_record(2, BYTES("x", 1), w2_some(v4(127, 0, 0, 2, 9)));
    cval den = CALL(UDP, "[method]outgoing-datagram-stream.send", B(out), w2_list(dg2, 1));
    cr_expect_eq(ERRC(&den), NET_ACCESS_DENIED);
    /* sending more than check-send permitted traps */
    cval *many = w2_alloc(100 * sizeof *many);
    for (int i = 0; i < 100; i++) many[i] = w2_record(2, BYTES("x", 1), w2_none());
    cr_expect(strstr(TRAP(UDP, "[method]outgoing-datagram-stream.send", B(out), w2_list(many, 100)),
                     "check-send permitted"));
    close(h);
}

Test(wasi2_sockets, name_lookup_when_allowed, .fini = teardown) {
    wasmrt_net_policy pol = {.dns = true};
    h_setup(0, 1, 2, &pol);
    uint32_t net = network();
    cval d = CALL("wasi:sockets/ip-name-lookup", "resolve-addresses", B(net), S("127.0.0.1"));
    uint32_t rs = OK(&d)->of.handle;
    cval a = CALL("wasi:sockets/ip-name-lookup", "[method]resolve-address-stream.resolve-next-address", B(rs));
    cval *o = OK(&a);
    cr_assert_eq(o->of.variant.case_, 1);
    cval *ip = o->of.variant.payload;
    cr_expect_eq(ip->of.variant.case_, 0);
    cr_expect_eq(ip->of.variant.payload->of.list.items[0].of.u, 127);
    cr_expect_eq(ip->of.variant.payload->of.list.items[3].of.u, 1);
    cval end = CALL("wasi:sockets/ip-name-lookup", "[method]resolve-address-stream.resolve-next-address", B(rs));
    cr_expect_eq(OK(&end)->of.variant.case_, 0);
    cval bad = CALL("wasi:sockets/ip-name-lookup", "resolve-addresses", B(net), S(""));
    cr_expect_eq(ERRC(&bad), NET_INVALID_ARGUMENT);
    /* tcp and udp stay denied: dns allows only lookups */
    cval t = CALL("wasi:sockets/tcp-create-socket", "create-tcp-socket", E(0));
    cr_expect_eq(ERRC(&t), NET_ACCESS_DENIED);
}

/* network-error-code (@unstable in 0.2.x): what a socket stream's error
 * was.  The peer resets the connection (linger 0), so the guest's read
 * fails with ECONNRESET: connection-reset. */
Test(wasi2_sockets, network_error_code_of_a_reset_stream, .fini = teardown) {
    signal(SIGPIPE, SIG_IGN);
    uint16_t port;
    int l = host_listener(&port);
    wasmrt_net_rule allow = rule("127.0.0.1", port);
    wasmrt_net_policy pol = {.tcp_connect = &allow, .num_tcp_connect = 1};
    h_setup(0, 1, 2, &pol);
    uint32_t net = network();
    cval s = CALL("wasi:sockets/tcp-create-socket", "create-tcp-socket", E(0));
    uint32_t sock = OK(&s)->of.handle;
    cval c = CALL(TCP, "[method]tcp-socket.start-connect", B(sock), B(net), v4(127, 0, 0, 1, port));
    cr_assert(is_ok(&c));
    block_on(CALL(TCP, "[method]tcp-socket.subscribe", B(sock)).of.handle);
    cval fc = CALL(TCP, "[method]tcp-socket.finish-connect", B(sock));
    uint32_t in = OK(&fc)->of.list.items[0].of.handle;
    cr_assert(wait_readable(l));
    int peer = accept(l, NULL, NULL);
    cr_assert_geq(peer, 0);
    struct linger lg = {1, 0};
    cr_assert_eq(setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    close(peer);  /* RST */
    cval rd = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(16));
    cr_assert_eq(STREAM_ERR(&rd), 0, "a reset is a failed operation, not a clean end");
    uint32_t e = rd.of.variant.payload->of.variant.payload->of.handle;
    cval code = CALL(NET, "network-error-code", B(e));
    cr_assert_eq(code.kind, WASMC_CVAL_OPTION);
    cr_assert_eq(code.of.variant.case_, 1);
    cr_expect_eq(code.of.variant.payload->of.variant.case_, NET_CONNECTION_RESET);
    /* anything but an error resource traps */
    const char *m = TRAP(NET, "network-error-code", B(sock));
    cr_expect(strstr(m, "not a live error"), "%s", m);
    close(l);
}

/* The errno -> error-code table for the failures a socket call can see. */
Test(wasi2_sockets, network_error_codes_from_errno) {
    static const struct { int e; uint32_t code; } cases[] = {
        {EACCES, NET_ACCESS_DENIED},        {EPERM, NET_ACCESS_DENIED},
        {EOPNOTSUPP, NET_NOT_SUPPORTED},    {EAFNOSUPPORT, NET_INVALID_ARGUMENT},
        {EINVAL, NET_INVALID_ARGUMENT},     {ENOBUFS, NET_OUT_OF_MEMORY},
        {ETIMEDOUT, NET_TIMEOUT},           {EALREADY, NET_CONCURRENCY_CONFLICT},
        {EINPROGRESS, NET_WOULD_BLOCK},     {EAGAIN, NET_WOULD_BLOCK},
        {EISCONN, NET_INVALID_STATE},       {ENOTCONN, NET_INVALID_STATE},
        {EMFILE, NET_NEW_SOCKET_LIMIT},     {EADDRNOTAVAIL, NET_ADDRESS_NOT_BINDABLE},
        {EADDRINUSE, NET_ADDRESS_IN_USE},   {EHOSTUNREACH, NET_REMOTE_UNREACHABLE},
        {ENETUNREACH, NET_REMOTE_UNREACHABLE}, {ECONNREFUSED, NET_CONNECTION_REFUSED},
        {ECONNRESET, NET_CONNECTION_RESET}, {EPIPE, NET_CONNECTION_RESET},
        {ECONNABORTED, NET_CONNECTION_ABORTED}, {EMSGSIZE, NET_DATAGRAM_TOO_LARGE},
        {EIO, NET_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(w2_net_code(cases[i].e), cases[i].code, "errno %d", cases[i].e);
}
