/* The WASI 0.2 host under the real sandbox: with Landlock and the seccomp
 * filter of a network policy installed, what the policy allows works
 * (connect to the allowed peer, name lookup through /etc/hosts) and what it
 * does not is refused — by the host (access-denied), and below it by
 * Landlock (a raw connect to another port) and seccomp (no socket() at all
 * without a policy).  Each check runs in a single-threaded child that
 * reports a failure bitmask, as in test_wasi_seccomp.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "wasi2_harness.h"

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

static cval v4(uint16_t port) {
    cval rec = w2_record(2, w2_u16(port), w2_tuple(4, w2_u8(127), w2_u8(0), w2_u8(0), w2_u8(1)));
    return w2_variant(0, &rec);
}

/* Runs in the child; bit i set = check i failed. */
static int policy_checks(uint16_t port, uint16_t other, bool *landlock_net) {
    int bad = 0;
    wasmrt_error err;
    bool applied = false;
    if (!wasmrt_wasi2_landlock(h_w, &applied, &err)) return 1 << 30;
    if (!wasmrt_wasi2_seccomp_install(h_w, &err)) return 1 << 29;
    cval n = {0};
    wasmrt_error e;
    if (!w2_call(h_w, "wasi:sockets/instance-network", "instance-network", NULL, 0, &n, &e)) return 1 << 28;
    cval net = {.kind = WASMC_CVAL_BORROW, .of.handle = n.of.handle};
    /* the allowed peer */
    cval t, c;
    cval fam = w2_enum(0);
    if (!w2_call(h_w, "wasi:sockets/tcp-create-socket", "create-tcp-socket", &fam, 1, &t, &e) ||
        t.of.variant.case_ != 0)
        return bad | 1;
    cval args[3] = {{.kind = WASMC_CVAL_BORROW, .of.handle = t.of.variant.payload->of.handle}, net, v4(port)};
    if (!w2_call(h_w, "wasi:sockets/tcp", "[method]tcp-socket.start-connect", args, 3, &c, &e) ||
        c.of.variant.case_ != 0)
        bad |= 2;
    /* another port: the host refuses */
    cval t2, c2;
    w2_call(h_w, "wasi:sockets/tcp-create-socket", "create-tcp-socket", &fam, 1, &t2, &e);
    cval args2[3] = {{.kind = WASMC_CVAL_BORROW, .of.handle = t2.of.variant.payload->of.handle}, net, v4(other)};
    if (!w2_call(h_w, "wasi:sockets/tcp", "[method]tcp-socket.start-connect", args2, 3, &c2, &e) ||
        c2.of.variant.case_ != 1 || c2.of.variant.payload->of.variant.case_ != NET_ACCESS_DENIED)
        bad |= 4;
    /* ... and so does Landlock, below it, where the kernel has network rules */
    int raw = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(other),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (raw < 0) bad |= 8;
    else if (connect(raw, (struct sockaddr *)&sa, sizeof sa) == 0) *landlock_net = false;
    else if (errno != EACCES) bad |= 16;
    /* name lookup reads /etc/hosts under Landlock and seccomp */
    cval rr;
    cval dargs[2] = {net, w2_string("localhost", 9)};
    if (!w2_call(h_w, "wasi:sockets/ip-name-lookup", "resolve-addresses", dargs, 2, &rr, &e) ||
        rr.of.variant.case_ != 0)
        bad |= 32;
    else {
        cval nx;
        cval h = {.kind = WASMC_CVAL_BORROW, .of.handle = rr.of.variant.payload->of.handle};
        if (!w2_call(h_w, "wasi:sockets/ip-name-lookup",
                     "[method]resolve-address-stream.resolve-next-address", &h, 1, &nx, &e) ||
            nx.of.variant.case_ != 0 || nx.of.variant.payload->of.variant.case_ != 1)
            bad |= 64;
    }
    return bad;
}

Test(wasi2_sandbox, policy_allows_its_peer_and_lookups_under_landlock_and_seccomp) {
    uint16_t port, other;
    int l = host_listener(&port), l2 = host_listener(&other);
    wasmrt_net_rule allow = {.family = 4, .addr = {127, 0, 0, 1}, .port = port};
    wasmrt_net_policy pol = {.tcp_connect = &allow, .num_tcp_connect = 1, .dns = true};
    h_setup(0, 1, 2, &pol);
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        bool landlock_net = true;
        int bad = policy_checks(port, other, &landlock_net);
        ssize_t wr = write(pfd[1], &landlock_net, 1);
        (void)wr;
        _exit(bad);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "child died: signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    cr_expect_eq(WEXITSTATUS(st), 0, "failed checks: 0x%x", WEXITSTATUS(st));
    bool landlock_net = false;
    cr_assert_eq(read(pfd[0], &landlock_net, 1), 1);
    if (!landlock_net)
        cr_log_warn("this kernel's Landlock has no TCP rules (ABI < 4): only the host's own check "
                    "refused the other port");
    close(l);
    close(l2);
    h_teardown();
}

Test(wasi2_sandbox, no_policy_means_no_socket_syscall) {
    h_setup(0, 1, 2, NULL);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        wasmrt_error err;
        if (!wasmrt_wasi2_seccomp_install(h_w, &err)) _exit(100);
        /* the host answers access-denied without a syscall ... */
        cval fam = w2_enum(0), t;
        if (!w2_call(h_w, "wasi:sockets/tcp-create-socket", "create-tcp-socket", &fam, 1, &t, &err) ||
            t.of.variant.case_ != 1)
            _exit(101);
        /* ... and socket() itself kills the process */
        socket(AF_INET, SOCK_STREAM, 0);
        _exit(102);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status 0x%x", st);
    h_teardown();
}
