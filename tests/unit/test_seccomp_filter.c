/* The seccomp program itself, run through a small classic-BPF interpreter
 * (the subset a seccomp filter may use) over every system call number and
 * the argument cases, against an allow-list written out here independently
 * of rt/wasi/seccomp.c.  test_wasi_seccomp.c checks the kernel's verdict on
 * a few real calls; this one checks that nothing else slipped in or out. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <errno.h>
#include <sys/syscall.h>
#include <termios.h>

#include "../../rt/wasi/seccomp_filter.h"

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef ARCH

#define PID 4242u

static struct sock_filter prog[WASMRT_SECCOMP_MAX_INSNS];
static size_t prog_len;

static void build(void) {
    prog_len = rt_seccomp_program(prog, WASMRT_SECCOMP_MAX_INSNS, PID);
    cr_assert_gt(prog_len, 0, "the filter did not build");
}

/* Runs the program on one seccomp_data; fails the test on any instruction a
 * seccomp filter should not need, a jump out of the program, or running off
 * its end. */
static uint32_t run(uint32_t arch, uint32_t nr, const uint64_t args[6]) {
    struct seccomp_data d = {.nr = (int)nr, .arch = arch};
    for (int i = 0; i < 6; i++) d.args[i] = args ? args[i] : 0;
    uint32_t a = 0;
    for (size_t pc = 0; pc < prog_len; pc++) {
        const struct sock_filter *f = &prog[pc];
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            cr_assert(f->k % 4 == 0 && f->k + 4 <= sizeof d, "load at %u out of seccomp_data", f->k);
            memcpy(&a, (const char *)&d + f->k, 4);
            break;
        case BPF_JMP | BPF_JEQ | BPF_K: pc += a == f->k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGE | BPF_K: pc += a >= f->k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JGT | BPF_K: pc += a > f->k ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JSET | BPF_K: pc += (a & f->k) ? f->jt : f->jf; break;
        case BPF_JMP | BPF_JA: pc += f->k; break;
        case BPF_RET | BPF_K: return f->k;
        default: cr_assert_fail("unexpected BPF instruction 0x%x at %zu", f->code, pc);
        }
    }
    cr_assert_fail("the program ran off its end");
    return 0;
}

/* The allow-list, by name, as documented in seccomp.c. */
static const int always[] = {
    __NR_read, __NR_write, __NR_readv, __NR_writev, __NR_pread64, __NR_pwrite64, __NR_preadv,
    __NR_pwritev, __NR_preadv2, __NR_pwritev2, __NR_lseek, __NR_close, __NR_fstat,
    __NR_newfstatat, __NR_statx, __NR_getdents64, __NR_ftruncate, __NR_fallocate, __NR_fsync,
    __NR_fdatasync, __NR_fadvise64, __NR_fcntl, __NR_dup, __NR_dup3, __NR_openat, __NR_openat2,
    __NR_mkdirat, __NR_unlinkat,
#ifdef __NR_renameat
    __NR_renameat,
#endif
    __NR_renameat2, __NR_linkat, __NR_symlinkat, __NR_readlinkat, __NR_utimensat,
    __NR_clock_gettime, __NR_clock_getres, __NR_clock_nanosleep, __NR_nanosleep,
    __NR_gettimeofday, __NR_getrandom, __NR_ppoll,
#ifdef __NR_poll
    __NR_poll,
#endif
    __NR_sched_yield, __NR_futex, __NR_restart_syscall, __NR_munmap, __NR_madvise, __NR_mremap,
    __NR_brk, __NR_mincore, __NR_rt_sigreturn, __NR_rt_sigprocmask, __NR_rt_sigaction, __NR_sigaltstack,
    __NR_getpid, __NR_gettid, __NR_getrlimit, __NR_sched_getaffinity, __NR_rseq,
    __NR_set_robust_list, __NR_accept4, __NR_accept, __NR_recvfrom, __NR_recvmsg, __NR_sendto,
    __NR_sendmsg, __NR_shutdown, __NR_getsockopt, __NR_exit, __NR_exit_group,
};
static const int checked[] = {__NR_mmap, __NR_mprotect, __NR_ioctl, __NR_prlimit64, __NR_tgkill};

static bool in(const int *list, size_t n, uint32_t nr) {
    for (size_t i = 0; i < n; i++)
        if ((uint32_t)list[i] == nr) return true;
    return false;
}

Test(seccomp_filter, every_call_number_has_the_listed_verdict) {
    build();
    for (uint32_t nr = 0; nr < 1024; nr++) {
        if (in(checked, sizeof checked / sizeof *checked, nr)) continue;
        uint32_t want = in(always, sizeof always / sizeof *always, nr) ? SECCOMP_RET_ALLOW
                                                                        : SECCOMP_RET_KILL_PROCESS;
        cr_expect_eq(run(ARCH, nr, NULL), want, "call %u: got 0x%x, want 0x%x", nr,
                     run(ARCH, nr, NULL), want);
    }
    cr_expect_eq(run(ARCH, 0xFFFFFFFFu, NULL), SECCOMP_RET_KILL_PROCESS);
}

Test(seccomp_filter, dangerous_calls_are_killed) {
    build();
    const int deny[] = {__NR_socket, __NR_connect, __NR_bind, __NR_execve, __NR_execveat,
                        __NR_clone, __NR_clone3, __NR_ptrace, __NR_kill, __NR_setrlimit,
                        __NR_prctl, __NR_seccomp, __NR_bpf, __NR_process_vm_writev};
    for (size_t i = 0; i < sizeof deny / sizeof *deny; i++)
        cr_expect_eq(run(ARCH, (uint32_t)deny[i], NULL), SECCOMP_RET_KILL_PROCESS, "call %d", deny[i]);
}

Test(seccomp_filter, other_abis_are_killed) {
    build();
    cr_expect_eq(run(AUDIT_ARCH_I386, __NR_read, NULL), SECCOMP_RET_KILL_PROCESS);
    cr_expect_eq(run(AUDIT_ARCH_I386, 3 /* i386 read */, NULL), SECCOMP_RET_KILL_PROCESS);
#ifdef __x86_64__
    cr_expect_eq(run(ARCH, 0x40000000u | __NR_read, NULL), SECCOMP_RET_KILL_PROCESS, "x32 read");
#endif
}

Test(seccomp_filter, mappings_never_executable) {
    build();
    const int calls[] = {__NR_mmap, __NR_mprotect};
    for (int c = 0; c < 2; c++) {
        uint32_t nr = (uint32_t)calls[c];
        uint64_t rw[6] = {0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (uint64_t)-1, 0};
        uint64_t none[6] = {0, 4096, PROT_NONE};
        uint64_t x[6] = {0, 4096, PROT_READ | PROT_EXEC};
        uint64_t hi[6] = {0, 4096, (1ull << 32) | PROT_READ};
        uint64_t hix[6] = {0, 4096, (1ull << 32) | PROT_EXEC};
        cr_expect_eq(run(ARCH, nr, rw), SECCOMP_RET_ALLOW);
        cr_expect_eq(run(ARCH, nr, none), SECCOMP_RET_ALLOW);
        cr_expect_eq(run(ARCH, nr, x), SECCOMP_RET_KILL_PROCESS);
        cr_expect_eq(run(ARCH, nr, hi), SECCOMP_RET_ALLOW, "only PROT_EXEC is masked");
        cr_expect_eq(run(ARCH, nr, hix), SECCOMP_RET_KILL_PROCESS);
    }
}

Test(seccomp_filter, ioctl_only_the_three_queries_and_pagemap_scan) {
    build();
    const uint64_t ok[] = {FIONREAD, TCGETS, FIONBIO, RT_IOCTL_PAGEMAP_SCAN};
    for (int i = 0; i < 4; i++) {
        uint64_t a[6] = {1, ok[i]};
        cr_expect_eq(run(ARCH, __NR_ioctl, a), SECCOMP_RET_ALLOW, "ioctl 0x%lx", (unsigned long)ok[i]);
        uint64_t wide[6] = {1, ok[i] | (1ull << 32)};
        cr_expect_eq(run(ARCH, __NR_ioctl, wide), SECCOMP_RET_KILL_PROCESS, "64-bit compare");
    }
    const uint64_t bad[] = {TIOCSTI, TCSETS, FIOCLEX, 0};
    for (int i = 0; i < 4; i++) {
        uint64_t a[6] = {1, bad[i]};
        cr_expect_eq(run(ARCH, __NR_ioctl, a), SECCOMP_RET_KILL_PROCESS, "ioctl 0x%lx", (unsigned long)bad[i]);
    }
}

Test(seccomp_filter, prlimit64_reads_own_limits_only) {
    build();
    uint64_t get[6] = {0, RLIMIT_STACK, 0, 0x7ffd0000};
    uint64_t set[6] = {0, RLIMIT_STACK, 0x7ffd0000, 0};
    uint64_t other[6] = {1, RLIMIT_STACK, 0, 0x7ffd0000};
    uint64_t wide_pid[6] = {1ull << 32, RLIMIT_STACK, 0, 0x7ffd0000};
    uint64_t wide_new[6] = {0, RLIMIT_STACK, 1ull << 32, 0x7ffd0000};
    cr_expect_eq(run(ARCH, __NR_prlimit64, get), SECCOMP_RET_ALLOW);
    cr_expect_eq(run(ARCH, __NR_prlimit64, set), SECCOMP_RET_KILL_PROCESS);
    cr_expect_eq(run(ARCH, __NR_prlimit64, other), SECCOMP_RET_KILL_PROCESS);
    cr_expect_eq(run(ARCH, __NR_prlimit64, wide_pid), SECCOMP_RET_KILL_PROCESS);
    cr_expect_eq(run(ARCH, __NR_prlimit64, wide_new), SECCOMP_RET_KILL_PROCESS);
}

Test(seccomp_filter, tgkill_own_process_only) {
    build();
    uint64_t own[6] = {PID, PID, 6};
    uint64_t other[6] = {PID + 1, PID + 1, 6};
    uint64_t wide[6] = {PID | (1ull << 32), PID, 6};
    cr_expect_eq(run(ARCH, __NR_tgkill, own), SECCOMP_RET_ALLOW);
    cr_expect_eq(run(ARCH, __NR_tgkill, other), SECCOMP_RET_KILL_PROCESS);
    cr_expect_eq(run(ARCH, __NR_tgkill, wide), SECCOMP_RET_KILL_PROCESS);
}

/* WASI 0.2 network policies: each adds exactly its calls, socket() only
 * for IPv4/IPv6 (other families fail with EAFNOSUPPORT, not a kill). */
Test(seccomp_filter, network_policy_adds_only_its_socket_calls) {
    const struct {
        unsigned bits;
        int allow[6];
    } cases[] = {
        {RT_NET_TCP_CONNECT, {__NR_connect}},
        {RT_NET_TCP_LISTEN, {__NR_bind, __NR_listen}},
        {RT_NET_UDP, {__NR_bind, __NR_connect}},
        {RT_NET_DNS, {__NR_connect, __NR_sendmmsg, __NR_uname}},
        {RT_NET_TCP_CONNECT | RT_NET_TCP_LISTEN | RT_NET_UDP | RT_NET_DNS,
         {__NR_connect, __NR_bind, __NR_listen, __NR_sendmmsg, __NR_uname}},
    };
    const int common[] = {__NR_setsockopt, __NR_getsockname, __NR_getpeername};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        prog_len = rt_seccomp_program_net(prog, WASMRT_SECCOMP_MAX_INSNS, PID, cases[c].bits);
        cr_assert_gt(prog_len, 0);
        for (uint32_t nr = 0; nr < 1024; nr++) {
            if (in(checked, sizeof checked / sizeof *checked, nr) || nr == __NR_socket) continue;
            bool allow = in(always, sizeof always / sizeof *always, nr) ||
                         in(common, sizeof common / sizeof *common, nr) ||
                         (nr != 0 && in(cases[c].allow, 6, nr));
            cr_expect_eq(run(ARCH, nr, NULL), allow ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS,
                         "policy 0x%x, call %u", cases[c].bits, nr);
        }
        uint64_t inet[6] = {AF_INET, SOCK_STREAM}, inet6[6] = {AF_INET6, SOCK_DGRAM};
        uint64_t unix_[6] = {AF_UNIX, SOCK_STREAM}, netlink[6] = {AF_NETLINK, SOCK_RAW};
        uint64_t wide[6] = {AF_INET | (1ull << 32), SOCK_STREAM};
        cr_expect_eq(run(ARCH, __NR_socket, inet), SECCOMP_RET_ALLOW);
        cr_expect_eq(run(ARCH, __NR_socket, inet6), SECCOMP_RET_ALLOW);
        cr_expect_eq(run(ARCH, __NR_socket, unix_), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
        cr_expect_eq(run(ARCH, __NR_socket, netlink), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
        cr_expect_eq(run(ARCH, __NR_socket, wide), SECCOMP_RET_ERRNO | EAFNOSUPPORT);
    }
    /* no policy: the preview1 program, socket() killed */
    struct sock_filter p1[WASMRT_SECCOMP_MAX_INSNS];
    size_t n1 = rt_seccomp_program(p1, WASMRT_SECCOMP_MAX_INSNS, PID);
    cr_expect_eq(rt_seccomp_program_net(prog, WASMRT_SECCOMP_MAX_INSNS, PID, 0), n1);
    cr_expect(memcmp(prog, p1, n1 * sizeof *p1) == 0);
    prog_len = n1;
    uint64_t inet[6] = {AF_INET, SOCK_STREAM};
    cr_expect_eq(run(ARCH, __NR_socket, inet), SECCOMP_RET_KILL_PROCESS);
}

/* wasmrt serve's profile: the run-mode list plus epoll, socket options,
 * sigwait and prctl(PR_SET_NAME) only; no socket(), bind or connect. */
Test(seccomp_filter, serve_profile_adds_epoll_and_sigwait_but_no_new_sockets) {
    const int serve[] = {
#ifdef __NR_epoll_wait
        __NR_epoll_wait,
#endif
        __NR_epoll_pwait, __NR_epoll_ctl, __NR_setsockopt, __NR_getsockname, __NR_getpeername,
        __NR_rt_sigtimedwait};
    prog_len = rt_seccomp_program_net(prog, WASMRT_SECCOMP_MAX_INSNS, PID, RT_SERVE);
    cr_assert_gt(prog_len, 0);
    for (uint32_t nr = 0; nr < 1024; nr++) {
        if (in(checked, sizeof checked / sizeof *checked, nr) || nr == __NR_prctl) continue;
        bool allow = in(always, sizeof always / sizeof *always, nr) || in(serve, sizeof serve / sizeof *serve, nr);
        cr_expect_eq(run(ARCH, nr, NULL), allow ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS, "call %u", nr);
    }
    uint64_t set_name[6] = {PR_SET_NAME}, no_new_privs[6] = {PR_SET_NO_NEW_PRIVS, 0};
    uint64_t inet[6] = {AF_INET, SOCK_STREAM};
    cr_expect_eq(run(ARCH, __NR_prctl, set_name), SECCOMP_RET_ALLOW);
    cr_expect_eq(run(ARCH, __NR_prctl, no_new_privs), SECCOMP_RET_KILL_PROCESS);
    cr_expect_eq(run(ARCH, __NR_socket, inet), SECCOMP_RET_KILL_PROCESS);
    /* and the run-mode program has none of them */
    prog_len = rt_seccomp_program(prog, WASMRT_SECCOMP_MAX_INSNS, PID);
    cr_expect_eq(run(ARCH, __NR_epoll_ctl, NULL), SECCOMP_RET_KILL_PROCESS);
    cr_expect_eq(run(ARCH, __NR_prctl, set_name), SECCOMP_RET_KILL_PROCESS);
}

Test(seccomp_filter, too_small_a_buffer_is_refused) {
    struct sock_filter small[8];
    cr_expect_eq(rt_seccomp_program(small, 8, PID), 0);
}

#else

Test(seccomp_filter, no_filter_for_this_architecture) {
    cr_skip_test("no seccomp filter is defined for this architecture");
}

#endif
