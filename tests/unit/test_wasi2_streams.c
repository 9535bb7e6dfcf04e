/* WASI 0.2 wasi:io streams, pollables and errors, wasi:cli, wasi:clocks
 * and wasi:random, called as the component runtime calls them. */
#define _GNU_SOURCE  /* posix_openpt, ptsname */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>

#include "wasi2_harness.h"

static int in_pipe[2], out_pipe[2];

static void setup(void) {
    /* as wasmrt does: a closed pipe is EPIPE for the guest, not SIGPIPE */
    signal(SIGPIPE, SIG_IGN);
    cr_assert_eq(pipe(in_pipe), 0);
    cr_assert_eq(pipe(out_pipe), 0);
    h_setup(in_pipe[0], out_pipe[1], 2, NULL);
}
static void teardown(void) {
    h_teardown();
    close(in_pipe[0]);
    close(out_pipe[0]);
    if (in_pipe[1] >= 0) close(in_pipe[1]);
    if (out_pipe[1] >= 0) close(out_pipe[1]);
}

static uint64_t check_write(uint32_t s) {
    cval r = CALL(IO, "[method]output-stream.check-write", B(s));
    uint64_t n = OK(&r)->of.u;
    w2_val_free(&r);
    return n;
}

static bool ready(uint32_t p) {
    cval r = CALL(POLL, "[method]pollable.ready", B(p));
    return r.of.b;
}

Test(wasi2_streams, stdout_pipe_check_write_is_back_pressure, .init = setup, .fini = teardown) {
    cval r = CALL("wasi:cli/stdout", "get-stdout");
    uint32_t out = r.of.handle;
    static uint8_t chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    /* Fill the pipe (nobody reads it) until check-write says 0; bounded. */
    uint64_t total = 0;
    int rounds = 0;
    for (; rounds < 64; rounds++) {
        uint64_t n = check_write(out);
        if (n == 0) break;
        cr_assert_leq(n, sizeof chunk);
        cval w = CALL(IO, "[method]output-stream.write", B(out), BYTES(chunk, n));
        cr_assert(is_ok(&w));
        total += n;
    }
    cr_assert_lt(rounds, 64, "check-write never pushed back");
    cr_expect_geq(total, 4096);
    /* more than permitted (0) traps */
    const char *msg = TRAP(IO, "[method]output-stream.write", B(out), BYTES("y", 1));
    cr_expect(strstr(msg, "check-write permitted 0"), "%s", msg);
    /* the stream's pollable is not ready while the pipe is full ... */
    cval p = CALL(IO, "[method]output-stream.subscribe", B(out));
    cr_expect(!ready(p.of.handle));
    /* ... and is once the reader drains it; then everything arrived */
    uint64_t got = 0;
    char buf[65536];
    for (int i = 0; i < 100000 && !ready(p.of.handle); i++) {
        ssize_t n = read(out_pipe[0], buf, sizeof buf);
        cr_assert_gt(n, 0);
        got += (uint64_t)n;
    }
    cr_expect(ready(p.of.handle));
    cr_expect_gt(check_write(out), 0);
    cval f = CALL(IO, "[method]output-stream.blocking-flush", B(out));
    cr_expect(is_ok(&f));
    fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
    for (ssize_t n; (n = read(out_pipe[0], buf, sizeof buf)) > 0;) got += (uint64_t)n;
    cr_expect_eq(got, total);
}

/* stdout on a terminal nobody reads (a pty whose master is idle, as a
 * terminal stopped with ^S): paced like a pipe, so non-blocking writes
 * never block the guest; the bytes arrive in order once it is read. */
static int pty_master = -1, pty_slave = -1;
static void pty_setup(void) {
    signal(SIGPIPE, SIG_IGN);
    pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (pty_master < 0 || grantpt(pty_master) || unlockpt(pty_master)) {
        h_setup(0, 1, 2, NULL);  /* teardown stays uniform */
        return;
    }
    pty_slave = open(ptsname(pty_master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    cr_assert_geq(pty_slave, 0);
    struct termios t;
    cr_assert_eq(tcgetattr(pty_slave, &t), 0);
    cfmakeraw(&t);  /* no \n -> \r\n, no echo: bytes as written */
    cr_assert_eq(tcsetattr(pty_slave, TCSANOW, &t), 0);
    h_setup(0, pty_slave, 2, NULL);
}
static void pty_teardown(void) {
    h_teardown();
    if (pty_slave >= 0) close(pty_slave);
    if (pty_master >= 0) close(pty_master);
    pty_master = pty_slave = -1;
}

Test(wasi2_streams, stdout_terminal_is_paced_like_a_pipe, .init = pty_setup, .fini = pty_teardown,
     .timeout = 60) {
    if (pty_slave < 0) cr_skip_test("no pseudo-terminal available (/dev/ptmx)");
    cval tt = CALL("wasi:cli/terminal-stdout", "get-terminal-stdout");
    cr_expect_eq(tt.of.variant.case_, 1, "a pty is a terminal");
    cval r = CALL("wasi:cli/stdout", "get-stdout");
    uint32_t out = r.of.handle;
    static uint8_t chunk[65536];
    for (size_t i = 0; i < sizeof chunk; i++) chunk[i] = (uint8_t)('a' + i % 26);
    static char want[256 * 65536], got[256 * 65536];
    uint64_t total = 0;
    int rounds = 0;
    for (; rounds < 256; rounds++) {
        uint64_t n = check_write(out);
        if (n == 0) break;
        cr_assert_leq(n, sizeof chunk);
        chunk[0] = (uint8_t)('A' + rounds % 26);  /* marks where each write began */
        cval w = CALL(IO, "[method]output-stream.write", B(out), BYTES(chunk, n));
        cr_assert(is_ok(&w));
        memcpy(want + total, chunk, n);
        total += n;
    }
    cr_assert_lt(rounds, 256, "check-write never pushed back on a stalled terminal");
    cval p = CALL(IO, "[method]output-stream.subscribe", B(out));
    cr_expect(!ready(p.of.handle));
    /* drain the master: everything arrives, in the order written */
    uint64_t n_got = 0;
    fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);
    for (int i = 0; i < 100000 && n_got < total; i++) {
        cval f = CALL(IO, "[method]output-stream.flush", B(out));
        cr_assert(is_ok(&f));
        struct pollfd pf = {pty_master, POLLIN, 0};
        poll(&pf, 1, 100);
        ssize_t k = read(pty_master, got + n_got, sizeof got - n_got);
        if (k > 0) n_got += (uint64_t)k;
    }
    cr_assert_eq(n_got, total);
    cr_expect(!memcmp(got, want, total));
    cr_expect(ready(p.of.handle));
    /* the embedder's descriptor (a shell's terminal) kept its flags */
    cr_expect_eq(fcntl(pty_slave, F_GETFL) & O_NONBLOCK, 0);
}

Test(wasi2_streams, blocking_write_limits_and_closed_pipe_errors, .init = setup, .fini = teardown) {
    cval r = CALL("wasi:cli/stdout", "get-stdout");
    uint32_t out = r.of.handle;
    static uint8_t big[4097];
    const char *msg = TRAP(IO, "[method]output-stream.blocking-write-and-flush", B(out), BYTES(big, 4097));
    cr_expect(strstr(msg, "at most 4096"), "%s", msg);
    cval w = CALL(IO, "[method]output-stream.blocking-write-and-flush", B(out), BYTES("hi\n", 3));
    cr_assert(is_ok(&w));
    char buf[8] = {0};
    cr_expect_eq(read(out_pipe[0], buf, sizeof buf), 3);
    cr_expect_str_eq(buf, "hi\n");
    cval z = CALL(IO, "[method]output-stream.blocking-write-zeroes-and-flush", B(out), U64(5));
    cr_assert(is_ok(&z));
    cr_expect_eq(read(out_pipe[0], buf, sizeof buf), 5);
    cr_expect_eq(buf[0] | buf[4], 0);
    /* the reader goes away: the write fails with an error resource */
    close(out_pipe[0]);
    out_pipe[0] = open("/dev/null", O_RDONLY);
    cval e = CALL(IO, "[method]output-stream.blocking-write-and-flush", B(out), BYTES("x", 1));
    cr_assert_eq(STREAM_ERR(&e), 0);
    uint32_t er = e.of.variant.payload->of.variant.payload->of.handle;
    cval s = CALL("wasi:io/error", "[method]error.to-debug-string", B(er));
    cr_expect(strstr(s.of.str.ptr, "Broken pipe"), "%s", s.of.str.ptr);
    cval c = CALL(FS, "filesystem-error-code", B(er));
    cr_assert_eq(c.of.variant.case_, 1);
    cr_expect_eq(c.of.variant.payload->of.variant.case_, FS_PIPE);
    /* after a failure the stream is closed */
    cval again = CALL(IO, "[method]output-stream.check-write", B(out));
    cr_expect_eq(STREAM_ERR(&again), 1);
}

Test(wasi2_streams, stdin_pipe_reads_without_blocking_then_closes, .init = setup, .fini = teardown) {
    cval r = CALL("wasi:cli/stdin", "get-stdin");
    uint32_t in = r.of.handle;
    cval x = CALL(IO, "[method]input-stream.read", B(in), U64(100));
    cr_expect_eq(OK(&x)->of.list.len, 0);
    cval p = CALL(IO, "[method]input-stream.subscribe", B(in));
    cr_expect(!ready(p.of.handle));
    cr_assert_eq(write(in_pipe[1], "abcdef", 6), 6);
    cr_expect(ready(p.of.handle));
    cval y = CALL(IO, "[method]input-stream.read", B(in), U64(4));
    cr_expect_str_eq(bytes_str(OK(&y)), "abcd");
    cval k = CALL(IO, "[method]input-stream.skip", B(in), U64(100));
    cr_expect_eq(OK(&k)->of.u, 2);
    close(in_pipe[1]);
    in_pipe[1] = -1;
    cval z = CALL(IO, "[method]input-stream.blocking-read", B(in), U64(4));
    cr_expect_eq(STREAM_ERR(&z), 1);
}

Test(wasi2_streams, splice_moves_bytes_within_the_permit, .init = setup, .fini = teardown) {
    cval i = CALL("wasi:cli/stdin", "get-stdin");
    cval o = CALL("wasi:cli/stdout", "get-stdout");
    cr_assert_eq(write(in_pipe[1], "spliced!", 8), 8);
    cval s = CALL(IO, "[method]output-stream.blocking-splice", B(o.of.handle), B(i.of.handle), U64(100));
    cr_expect_eq(OK(&s)->of.u, 8);
    char buf[16] = {0};
    cr_expect_eq(read(out_pipe[0], buf, sizeof buf), 8);
    cr_expect_str_eq(buf, "spliced!");
}

Test(wasi2_streams, poll_over_timers_and_streams, .init = setup, .fini = teardown) {
    cval far = CALL("wasi:clocks/monotonic-clock", "subscribe-duration", U64(3600ull * 1000000000u));
    cval now = CALL("wasi:clocks/monotonic-clock", "subscribe-duration", U64(0));
    cval in = CALL("wasi:cli/stdin", "get-stdin");
    cval pin = CALL(IO, "[method]input-stream.subscribe", B(in.of.handle));
    cval out = CALL("wasi:cli/stdout", "get-stdout");
    cval pout = CALL(IO, "[method]output-stream.subscribe", B(out.of.handle));
    cval *l = w2_alloc(3 * sizeof *l);
    l[0] = B(far.of.handle), l[1] = B(pin.of.handle), l[2] = B(now.of.handle);
    cval r = CALL(POLL, "poll", w2_list(l, 3));
    cr_assert_eq(r.of.list.len, 1);
    cr_expect_eq(r.of.list.items[0].of.u, 2);
    /* input becomes ready: only it, among the far timer and the stream */
    cr_assert_eq(write(in_pipe[1], "z", 1), 1);
    cval *l2 = w2_alloc(3 * sizeof *l2);
    l2[0] = B(far.of.handle), l2[1] = B(pin.of.handle), l2[2] = B(pout.of.handle);
    cval r2 = CALL(POLL, "poll", w2_list(l2, 3));
    cr_assert_eq(r2.of.list.len, 2);  /* an empty pipe is writable too */
    cr_expect_eq(r2.of.list.items[0].of.u, 1);
    cr_expect_eq(r2.of.list.items[1].of.u, 2);
    /* a short timer alone: poll blocks until it fires */
    uint64_t t0 = w2_now_ns();
    cval soon = CALL("wasi:clocks/monotonic-clock", "subscribe-instant", U64(t0 + 20000000u));
    cval *l3 = w2_alloc(2 * sizeof *l3);
    l3[0] = B(far.of.handle), l3[1] = B(soon.of.handle);
    cval r3 = CALL(POLL, "poll", w2_list(l3, 2));
    cr_assert_eq(r3.of.list.len, 1);
    cr_expect_eq(r3.of.list.items[0].of.u, 1);
    cr_expect_geq(w2_now_ns(), t0 + 20000000u);
    /* a pollable whose stream was dropped is ready, not dangling */
    w2_drop(h_w, out.of.handle);
    cr_expect(ready(pout.of.handle));
    /* empty poll traps */
    cr_expect(strstr(TRAP(POLL, "poll", w2_list(NULL, 0)), "empty"));
}

Test(wasi2_streams, arguments_are_checked_before_the_handler, .init = setup, .fini = teardown) {
    cval o = CALL("wasi:cli/stdout", "get-stdout");
    const char *m = TRAP(IO, "[method]output-stream.check-write", U64(o.of.handle));
    cr_expect(strstr(m, "argument 1 has the wrong type"), "%s", m);
    m = TRAP(IO, "[method]output-stream.check-write");
    cr_expect(strstr(m, "1 argument expected, 0 given"), "%s", m);
    /* a live handle of another resource type */
    m = TRAP(IO, "[method]input-stream.read", B(o.of.handle), U64(1));
    cr_expect(strstr(m, "not a live input-stream"), "%s", m);
    m = TRAP(IO, "[method]output-stream.check-write", B(9999));
    cr_expect(strstr(m, "not a live output-stream"), "%s", m);
    cr_expect(strstr(TRAP("wasi:io/streams", "no-such-function"), "no WASI 0.2 function"));
}

static jmp_buf exit_jb;
static int exit_seen;
static void fake_exit(int status) {
    exit_seen = status;
    longjmp(exit_jb, 1);
}

Test(wasi2_cli, environment_arguments_and_exit, .init = setup, .fini = teardown) {
    cval a = CALL("wasi:cli/environment", "get-arguments");
    cr_assert_eq(a.of.list.len, 3);
    cr_expect_str_eq(a.of.list.items[2].of.str.ptr, "arg2");
    cval e = CALL("wasi:cli/environment", "get-environment");
    cr_assert_eq(e.of.list.len, 2);
    cr_expect_str_eq(e.of.list.items[0].of.list.items[0].of.str.ptr, "K");
    cr_expect_str_eq(e.of.list.items[0].of.list.items[1].of.str.ptr, "V");
    cr_expect_eq(e.of.list.items[1].of.list.items[1].of.str.len, 0);
    cval c = CALL("wasi:cli/environment", "initial-cwd");
    cr_expect_eq(c.of.variant.case_, 0);
    cval t = CALL("wasi:cli/terminal-stdout", "get-terminal-stdout");
    cr_expect_eq(t.of.variant.case_, 0);  /* a pipe is no terminal */
    cr_expect_eq(wasmrt_wasi2_exit_status(h_w), -1);
    h_w->exit_fn = fake_exit;
    cval err_status = {.kind = WASMC_CVAL_RESULT, .of.variant = {1, NULL}};
    if (!setjmp(exit_jb)) {
        wasmrt_error er;
        w2_call(h_w, "wasi:cli/exit", "exit", &err_status, 1, NULL, &er);
        cr_assert_fail("exit returned");
    }
    cr_expect_eq(exit_seen, 1);
    cr_expect_eq(wasmrt_wasi2_exit_status(h_w), 1);
}

/* exit-with-code (@unstable in 0.2.x, imported by componentize-js): the
 * code is the status, whole, where exit's result only says 0 or 1. */
Test(wasi2_cli, exit_with_code_is_the_exit_status, .init = setup, .fini = teardown) {
    h_w->exit_fn = fake_exit;
    exit_seen = -1;
    cval code = w2_u8(42);
    if (!setjmp(exit_jb)) {
        wasmrt_error er;
        w2_call(h_w, "wasi:cli/exit", "exit-with-code", &code, 1, NULL, &er);
        cr_assert_fail("exit-with-code returned");
    }
    cr_expect_eq(exit_seen, 42);
    cr_expect_eq(wasmrt_wasi2_exit_status(h_w), 42);
    /* a u8: the dispatcher refuses anything else before the handler runs */
    const char *m = TRAP("wasi:cli/exit", "exit-with-code", U64(42));
    cr_expect(strstr(m, "argument 1 has the wrong type"), "%s", m);
}

Test(wasi2_cli, clocks_and_random, .init = setup, .fini = teardown) {
    cval a = CALL("wasi:clocks/monotonic-clock", "now");
    cval b = CALL("wasi:clocks/monotonic-clock", "now");
    cr_expect_geq(b.of.u, a.of.u);
    cval w = CALL("wasi:clocks/wall-clock", "now");
    cr_expect_gt(w.of.list.items[0].of.u, 1600000000u);  /* after 2020 */
    cr_expect_lt(w.of.list.items[1].of.u, 1000000000u);
    cval r = CALL("wasi:random/random", "get-random-bytes", U64(33));
    cr_expect_eq(r.of.list.len, 33);
    cval i = CALL("wasi:random/insecure", "get-insecure-random-bytes", U64(17));
    cr_expect_eq(i.of.list.len, 17);
    cval s1 = CALL("wasi:random/insecure-seed", "insecure-seed");
    cval s2 = CALL("wasi:random/insecure-seed", "insecure-seed");
    cr_expect_eq(s1.of.list.items[0].of.u, s2.of.list.items[0].of.u);
    cval u1 = CALL("wasi:random/random", "get-random-u64");
    cval u2 = CALL("wasi:random/random", "get-random-u64");
    cr_expect_neq(u1.of.u, u2.of.u);
    cr_expect(strstr(TRAP("wasi:random/random", "get-random-bytes", U64(1ull << 40)), "too many"));
}

/* Registration: every resource and function of wasi2_funcs.def lands on a
 * component linker at WASMRT_WASI2_VERSION; the table names each function
 * once, methods after their resource, with argument codes the dispatcher
 * knows. */
Test(wasi2_define, every_import_registers_on_a_clinker, .init = setup, .fini = teardown) {
    wasmrt_clinker *l = wasmrt_clinker_new();
    cr_assert(l);
    wasmrt_error err = {{0}};
    cr_assert(wasmrt_wasi2_define(h_w, l, &err), "%s", err.message);
    wasmrt_clinker_free(l);
    cr_expect_geq(w2_num_entries, 120);
    for (uint32_t i = 0; i < w2_num_entries; i++) {
        const w2_entry *e = &w2_entries[i];
        cr_expect(strspn(e->args, "hoz124UslefvprtR") == strlen(e->args), "%s: %s", e->name, e->args);
        if (!strncmp(e->name, "[method]", 8)) cr_expect_eq(e->args[0], 'h', "%s: self", e->name);
        for (uint32_t j = 0; j < i; j++)
            cr_expect(strcmp(e->iface, w2_entries[j].iface) || strcmp(e->name, w2_entries[j].name),
                      "%s#%s twice", e->iface, e->name);
    }
}

/* A guest that never drops what it creates runs into a clean trap, not into
 * the host's memory; dropped slots are reused. */
Test(wasi2_streams, resource_table_is_bounded, .init = setup, .fini = teardown) {
    uint32_t made = 0, first = 0;
    const char *msg = NULL;
    for (uint32_t i = 0; i < 70000; i++) {
        cval u = U64(1000000000u);
        cval r = {0};
        wasmrt_error er = {{0}};
        if (!w2_call(h_w, "wasi:clocks/monotonic-clock", "subscribe-duration", &u, 1, &r, &er)) {
            msg = strstr(er.message, "too many open WASI resources");
            break;
        }
        if (!first) first = r.of.handle;
        made++;
    }
    cr_expect(msg, "no trap after %u pollables", made);
    cr_expect_geq(made, 60000);
    cr_expect_leq(made, 65536);
    w2_drop(h_w, first);
    cval again = CALL("wasi:clocks/monotonic-clock", "subscribe-duration", U64(1));
    cr_expect_eq(again.of.handle, first);
}
