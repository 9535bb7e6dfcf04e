/* The seccomp-bpf allow-list installed before guest code runs.
 *
 * Guest code never makes system calls itself; everything it can reach goes
 * through the WASI host functions and the runtime's builtins.  The filter
 * is defence in depth against a bug in either (or in the compiler) handing
 * an attacker native execution: it allows exactly the calls those need on
 * descriptors that already exist, and nothing that creates new reach —
 * no socket/connect/bind, no execve/fork/clone, no ptrace, no mmap or
 * mprotect with PROT_EXEC (so injected code cannot be made executable).
 *
 * Default action: SECCOMP_RET_KILL_PROCESS.  A denied call means the
 * sandbox was already breached, so the process dies at once (SIGSYS,
 * visible as "Bad system call" to the parent) rather than letting an
 * attacker probe with EPERM.  Calls from another architecture's ABI (i386
 * via int 0x80, or x32 numbers on x86-64) kill the process too.
 *
 * The classic-BPF program is written here directly rather than generated
 * by libseccomp: libseccomp spent ~0.4 ms of every start-up building the
 * same ~100 instructions (plus loading libseccomp.so), which was a third
 * of wasmrt's cold start.  The program checks the arch, then finds the
 * call number by binary search over the sorted allow-list (runs of
 * consecutive numbers merged into ranges; leaves of a few compares), then
 * either allows it or jumps to the block that checks its
 * arguments (64-bit compares done as two 32-bit halves, as libseccomp
 * does).  Everything else reaches the kill.  Every jump is forward, so the
 * program is a DAG and always terminates.  tests/unit/test_seccomp_filter.c
 * runs it through an interpreter over every call number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "seccomp_filter.h"
#include "wasmrt_wasi.h"

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#endif

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "argument halves below assume a little-endian seccomp_data");

static const int allowed[] = {
    /* I/O on existing descriptors */
    __NR_read, __NR_write, __NR_readv, __NR_writev, __NR_pread64, __NR_pwrite64, __NR_preadv,
    __NR_pwritev, __NR_preadv2, __NR_pwritev2, __NR_lseek, __NR_close, __NR_fstat,
    __NR_newfstatat, __NR_statx, __NR_getdents64, __NR_ftruncate, __NR_fallocate, __NR_fsync,
    __NR_fdatasync, __NR_fadvise64, __NR_fcntl, __NR_dup, __NR_dup3,
    /* confined path operations (always relative to a preopened dirfd) */
    __NR_openat, __NR_openat2, __NR_mkdirat, __NR_unlinkat,
#ifdef __NR_renameat /* not on aarch64, which has only renameat2 */
    __NR_renameat,
#endif
    __NR_renameat2, __NR_linkat, __NR_symlinkat, __NR_readlinkat, __NR_utimensat,
    /* time, randomness, waiting */
    __NR_clock_gettime, __NR_clock_getres, __NR_clock_nanosleep, __NR_nanosleep,
    __NR_gettimeofday, __NR_getrandom, __NR_ppoll,
#ifdef __NR_poll /* not on aarch64 */
    __NR_poll,
#endif
    __NR_sched_yield, __NR_futex, __NR_restart_syscall,
    /* memory (mmap/mprotect with PROT_EXEC are filtered below) */
    __NR_munmap, __NR_madvise, __NR_mremap, __NR_brk,
    __NR_mincore,   /* freeing a memory zeroes only its resident pages (memory.c) */
    /* signals: traps are delivered as SIGSEGV/SIGBUS/SIGFPE and unwound */
    __NR_rt_sigreturn, __NR_rt_sigprocmask, __NR_rt_sigaction, __NR_sigaltstack,
    __NR_getpid, __NR_gettid, __NR_getrlimit, __NR_sched_getaffinity,
    /* a thread started just before the filter (TSYNC) may still be in
     * glibc's start-up code */
    __NR_rseq, __NR_set_robust_list,
    /* sockets the host handed in */
    __NR_accept4, __NR_accept, __NR_recvfrom, __NR_recvmsg, __NR_sendto, __NR_sendmsg,
    __NR_shutdown, __NR_getsockopt,
    __NR_exit, __NR_exit_group,
};

/* Socket calls the WASI 0.2 network policy may add (wasmrt_wasi2.h), by
 * what it allows; socket() itself is checked below (IPv4/IPv6 only). */
static const int net_any[] = {__NR_setsockopt, __NR_getsockname, __NR_getpeername};
static const int net_connect[] = {__NR_connect};
static const int net_listen[] = {__NR_bind, __NR_listen};
static const int net_udp[] = {__NR_bind, __NR_connect};
/* glibc's resolver: a UDP (or TCP) socket connected to the name server,
 * queries sent together with sendmmsg; uname for the host's own name */
static const int net_dns[] = {__NR_connect, __NR_sendmmsg, __NR_uname};
/* wasmrt serve (rt/serve/sandbox.c), installed once libmicrohttpd's
 * threads run: their epoll loops, options on accepted connections, and the
 * main thread's sigwait for SIGTERM/SIGINT.  No socket(), bind or connect. */
static const int serve_extra[] = {
#ifdef __NR_epoll_wait /* not on aarch64 */
    __NR_epoll_wait,
#endif
    __NR_epoll_pwait, __NR_epoll_ctl, __NR_setsockopt, __NR_getsockname, __NR_getpeername,
    __NR_rt_sigtimedwait};

/* Offsets into struct seccomp_data; an argument's halves on little-endian. */
#define OFF_NR 0u
#define OFF_ARCH 4u
#define ARG_LO(i) (16u + 8u * (i))
#define ARG_HI(i) (16u + 8u * (i) + 4u)

/* Calls whose arguments are checked; each has a block after the search. */
enum { BLOCK_MMAP, BLOCK_MPROTECT, BLOCK_IOCTL, BLOCK_PRLIMIT64, BLOCK_TGKILL, NUM_BLOCKS };
/* socket(), checked only when the policy allows any network use */
#define BLOCK_SOCKET NUM_BLOCKS
/* prctl(), serve profile only: PR_SET_NAME (libmicrohttpd names its
 * threads as they start, which may be after the filter went on) */
#define BLOCK_PRCTL (NUM_BLOCKS + 1)
static const int checked[NUM_BLOCKS] = {__NR_mmap, __NR_mprotect, __NR_ioctl, __NR_prlimit64,
                                        __NR_tgkill};

/* Jump targets before resolution: an absolute index (>= 0), "the next
 * instruction", one of the two final returns, or a checked call's block. */
enum { TO_NEXT = -1, TO_ALLOW = -2, TO_KILL = -3, TO_EAFNOSUPPORT = -4, TO_BLOCK0 = -16 };
#define TO_BLOCK(j) (TO_BLOCK0 - (int)(j))

/* Compares per search leaf.  The kernel, when a filter is attached,
 * evaluates it for every call number to build its allow cache (with
 * interrupts off); a linear list of ~70 compares made that the larger half
 * of the install, a search of small leaves keeps each walk short. */
#define LEAF 8

typedef struct {
    struct sock_filter *out;
    size_t n, cap;
    int jt[WASMRT_SECCOMP_MAX_INSNS], jf[WASMRT_SECCOMP_MAX_INSNS];
    bool overflow;
} builder;

/* Call numbers lo..hi (consecutive allowed calls merge into one range). */
typedef struct {
    uint32_t lo, hi;
    int target;
} entry;

static size_t emit(builder *b, uint16_t code, uint32_t k, int jt, int jf) {
    if (b->n >= b->cap || b->n >= WASMRT_SECCOMP_MAX_INSNS) {
        b->overflow = true;
        return b->n;
    }
    b->out[b->n] = (struct sock_filter){code, 0, 0, k};
    b->jt[b->n] = jt;
    b->jf[b->n] = jf;
    return b->n++;
}

static void load(builder *b, uint32_t off) { emit(b, BPF_LD | BPF_W | BPF_ABS, off, 0, 0); }

/* A 64-bit argument equal to v: the high half must be zero (or the call is
 * killed), then the low half decides between on_eq and on_ne. */
static void arg_eq(builder *b, unsigned arg, uint32_t v, int on_eq, int on_ne) {
    load(b, ARG_HI(arg));
    emit(b, BPF_JMP | BPF_JEQ | BPF_K, 0, TO_NEXT, TO_KILL);
    load(b, ARG_LO(arg));
    emit(b, BPF_JMP | BPF_JEQ | BPF_K, v, on_eq, on_ne);
}

/* Binary search over e[0..n) (sorted, disjoint ranges; A = the number): a
 * JGE splits, the lower half follows it, the upper half comes after that.
 * A leaf tests its ranges from the highest down, so a number above a range
 * that no higher range took lies in a gap and is killed; a number below
 * the lowest range is killed too. */
static void search(builder *b, const entry *e, size_t n) {
    if (n <= LEAF) {
        for (size_t i = n; i-- > 0;) {
            int miss = i ? TO_NEXT : TO_KILL;
            if (e[i].lo == e[i].hi) {
                emit(b, BPF_JMP | BPF_JEQ | BPF_K, e[i].lo, e[i].target, miss);
            } else {
                emit(b, BPF_JMP | BPF_JGT | BPF_K, e[i].hi, TO_KILL, TO_NEXT);
                emit(b, BPF_JMP | BPF_JGE | BPF_K, e[i].lo, e[i].target, miss);
            }
        }
        return;
    }
    size_t mid = n / 2;
    size_t split = emit(b, BPF_JMP | BPF_JGE | BPF_K, e[mid].lo, 0, TO_NEXT);
    search(b, e, mid);
    if (split < b->n) b->jt[split] = (int)b->n;
    search(b, e + mid, n - mid);
}

static int by_nr(const void *x, const void *y) {
    uint32_t a = ((const entry *)x)->lo, c = ((const entry *)y)->lo;
    return a < c ? -1 : a > c;
}

size_t rt_seccomp_program(struct sock_filter *out, size_t cap, uint32_t pid) {
    return rt_seccomp_program_net(out, cap, pid, 0);
}

size_t rt_seccomp_program_net(struct sock_filter *out, size_t cap, uint32_t pid, unsigned net) {
#ifndef FILTER_ARCH
    (void)out, (void)cap, (void)pid, (void)net;
    return 0;
#else
    enum { NUM_ALLOWED = sizeof allowed / sizeof *allowed };
    entry e[NUM_ALLOWED + NUM_BLOCKS + 24];
    size_t ne = 0;
    for (size_t i = 0; i < NUM_ALLOWED; i++)
        e[ne++] = (entry){(uint32_t)allowed[i], (uint32_t)allowed[i], TO_ALLOW};
    for (size_t j = 0; j < NUM_BLOCKS; j++)
        e[ne++] = (entry){(uint32_t)checked[j], (uint32_t)checked[j], TO_BLOCK(j)};
    const struct {
        unsigned bit;
        const int *nrs;
        size_t n;
    } extra[] = {
        {~0u, net_any, sizeof net_any / sizeof *net_any},
        {RT_NET_TCP_CONNECT, net_connect, sizeof net_connect / sizeof *net_connect},
        {RT_NET_TCP_LISTEN, net_listen, sizeof net_listen / sizeof *net_listen},
        {RT_NET_UDP, net_udp, sizeof net_udp / sizeof *net_udp},
        {RT_NET_DNS, net_dns, sizeof net_dns / sizeof *net_dns},
        {RT_SERVE, serve_extra, sizeof serve_extra / sizeof *serve_extra},
    };
    const unsigned sockets = net & ~(unsigned)RT_SERVE;
    if (sockets) e[ne++] = (entry){(uint32_t)__NR_socket, (uint32_t)__NR_socket, TO_BLOCK(BLOCK_SOCKET)};
    if (net & RT_SERVE) e[ne++] = (entry){(uint32_t)__NR_prctl, (uint32_t)__NR_prctl, TO_BLOCK(BLOCK_PRCTL)};
    for (size_t k = 0; k < sizeof extra / sizeof *extra; k++)
        if ((k == 0 ? sockets : net) & extra[k].bit)
            for (size_t i = 0; i < extra[k].n; i++)
                e[ne++] = (entry){(uint32_t)extra[k].nrs[i], (uint32_t)extra[k].nrs[i], TO_ALLOW};
    qsort(e, ne, sizeof *e, by_nr);
    /* Merge runs of consecutive allowed numbers (e.g. the rt_sig* calls),
     * and duplicates, which would otherwise make ranges overlap. */
    size_t nr = 0;
    for (size_t i = 0; i < ne; i++) {
        if (nr && e[i].lo <= e[nr - 1].hi + 1 && e[i].target == TO_ALLOW &&
            e[nr - 1].target == TO_ALLOW) {
            if (e[i].hi > e[nr - 1].hi) e[nr - 1].hi = e[i].hi;
            continue;
        }
        if (nr && e[i].lo <= e[nr - 1].hi) return 0; /* a number both allowed and checked */
        e[nr++] = e[i];
    }
    ne = nr;

    builder b = {.out = out, .cap = cap};
    load(&b, OFF_ARCH);
    emit(&b, BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, TO_NEXT, TO_KILL);
    load(&b, OFF_NR);
#ifdef __x86_64__
    /* x32 calls are the x86-64 arch with this bit set in the number. */
    emit(&b, BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, TO_KILL, TO_NEXT);
#endif
    search(&b, e, ne);

    /* The blocks: entered with A = the number, left only through a return. */
    size_t block[NUM_BLOCKS + 2];
    /* Memory may be mapped and protected, never made executable (the mask's
     * high half is zero, so only the low half is tested). */
    for (size_t j = BLOCK_MMAP; j <= BLOCK_MPROTECT; j++) {
        block[j] = b.n;
        load(&b, ARG_LO(2));
        emit(&b, BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, TO_KILL, TO_ALLOW);
    }
    /* ioctl: only the queries WASI and stdio need, and the pagemap scan
     * of a freed imaged memory. */
    block[BLOCK_IOCTL] = b.n;
    load(&b, ARG_HI(1));
    emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, TO_NEXT, TO_KILL);
    load(&b, ARG_LO(1));
    emit(&b, BPF_JMP | BPF_JEQ | BPF_K, FIONREAD, TO_ALLOW, TO_NEXT);
    emit(&b, BPF_JMP | BPF_JEQ | BPF_K, TCGETS, TO_ALLOW, TO_NEXT);
    emit(&b, BPF_JMP | BPF_JEQ | BPF_K, FIONBIO, TO_ALLOW, TO_NEXT);
    emit(&b, BPF_JMP | BPF_JEQ | BPF_K, RT_IOCTL_PAGEMAP_SCAN, TO_ALLOW, TO_KILL);
    /* Reading (never setting) this process's resource limits: the runtime
     * sizes stacks.  prlimit64(0, resource, NULL, old). */
    block[BLOCK_PRLIMIT64] = b.n;
    arg_eq(&b, 0, 0, TO_NEXT, TO_KILL);
    arg_eq(&b, 2, 0, TO_ALLOW, TO_KILL);
    /* abort() signals its own thread only. */
    block[BLOCK_TGKILL] = b.n;
    arg_eq(&b, 0, pid, TO_ALLOW, TO_KILL);
    /* socket(): IPv4 and IPv6 only.  Other families fail with an error
     * instead of killing: glibc's resolver asks nscd over AF_UNIX first. */
    block[BLOCK_SOCKET] = b.n;
    if (sockets) {
        load(&b, ARG_HI(0));
        emit(&b, BPF_JMP | BPF_JEQ | BPF_K, 0, TO_NEXT, TO_EAFNOSUPPORT);
        load(&b, ARG_LO(0));
        emit(&b, BPF_JMP | BPF_JEQ | BPF_K, AF_INET, TO_ALLOW, TO_NEXT);
        emit(&b, BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, TO_ALLOW, TO_EAFNOSUPPORT);
    }
    block[BLOCK_PRCTL] = b.n;
    if (net & RT_SERVE) arg_eq(&b, 0, PR_SET_NAME, TO_ALLOW, TO_KILL);

    size_t kill = emit(&b, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
    size_t allow = emit(&b, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
    size_t eafnosupport = emit(&b, BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT, 0, 0);
    if (b.overflow) return 0;
    for (size_t i = 0; i < b.n; i++) {
        if (BPF_CLASS(out[i].code) != BPF_JMP) continue;
        int *t[2] = {&b.jt[i], &b.jf[i]};
        uint8_t *field[2] = {&out[i].jt, &out[i].jf};
        for (int j = 0; j < 2; j++) {
            int s = *t[j];
            size_t to = s == TO_NEXT ? i + 1 : s == TO_ALLOW ? allow : s == TO_KILL ? kill
                        : s == TO_EAFNOSUPPORT ? eafnosupport
                        : s <= TO_BLOCK0 ? block[TO_BLOCK0 - s] : (size_t)s;
            if (to <= i || to - i - 1 > 255) return 0;  /* BPF jumps are forward, 8-bit */
            *field[j] = (uint8_t)(to - i - 1);
        }
    }
    return b.n;
#endif
}

#ifdef WASMRT_HAVE_SECCOMP

bool wasmrt_seccomp_install(wasmrt_error *err) { return rt_seccomp_install_net(0, err); }

bool rt_seccomp_install_net(unsigned net, wasmrt_error *err) {
    struct sock_filter prog[WASMRT_SECCOMP_MAX_INSNS];
    size_t n = rt_seccomp_program_net(prog, WASMRT_SECCOMP_MAX_INSNS, (uint32_t)getpid(), net);
    if (!n) {
        snprintf(err->message, sizeof err->message,
                 "seccomp: no filter for this architecture (or it does not fit)");
        return false;
    }
    struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};
    /* Unprivileged filters need no_new_privs; it is inherited and cannot be
     * undone, which is what a sandbox wants anyway. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err->message, sizeof err->message, "seccomp: no_new_privs: %s", strerror(errno));
        return false;
    }
    /* Every thread of the process, not just the caller (e.g. a timer thread
     * started earlier): a thread outside the filter would be a way around it.
     * With TSYNC a positive result is the id of a thread that could not be
     * synchronised, and nothing was installed. */
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
    if (rc > 0) {
        snprintf(err->message, sizeof err->message,
                 "seccomp: thread sync: thread %ld cannot take the filter", rc);
        return false;
    }
    if (rc < 0) {
        snprintf(err->message, sizeof err->message, "seccomp: loading the filter: %s",
                 strerror(errno));
        return false;
    }
    return true;
}

#else

bool wasmrt_seccomp_install(wasmrt_error *err) { return rt_seccomp_install_net(0, err); }

bool rt_seccomp_install_net(unsigned net, wasmrt_error *err) {
    (void)net;
    snprintf(err->message, sizeof err->message,
             "seccomp: this runtime was built without the seccomp filter (WASMRT_SECCOMP=OFF)");
    return false;
}

#endif
