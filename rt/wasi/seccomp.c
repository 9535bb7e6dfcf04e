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
 * attacker probe with EPERM.  Architectures other than the native one
 * (e.g. i386 via int 0x80 on x86-64) are killed too (libseccomp's
 * default bad-arch action).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "wasmrt_wasi.h"

#ifdef WASMRT_HAVE_SECCOMP
#include <errno.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

static const char *const allowed[] = {
    /* I/O on existing descriptors */
    "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
    "preadv2", "pwritev2", "lseek", "close", "fstat", "newfstatat", "statx", "getdents64",
    "ftruncate", "fallocate", "fsync", "fdatasync", "fadvise64", "fcntl", "dup", "dup3",
    /* confined path operations (always relative to a preopened dirfd) */
    "openat", "openat2", "mkdirat", "unlinkat", "renameat", "renameat2", "linkat",
    "symlinkat", "readlinkat", "utimensat",
    /* time, randomness, waiting */
    "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
    "getrandom", "ppoll", "poll", "sched_yield", "futex", "restart_syscall",
    /* memory (PROT_EXEC is filtered below) */
    "munmap", "madvise", "mremap", "brk",
    /* signals: traps are delivered as SIGSEGV/SIGBUS/SIGFPE and unwound */
    "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
    "getpid", "gettid", "getrlimit", "sched_getaffinity",
    /* a thread started just before the filter (TSYNC) may still be in
     * glibc's start-up code */
    "rseq", "set_robust_list",
    /* sockets the host handed in */
    "accept4", "accept", "recvfrom", "recvmsg", "sendto", "sendmsg", "shutdown",
    "getsockopt",
    "exit", "exit_group",
};

bool wasmrt_seccomp_install(wasmrt_error *err) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx) {
        snprintf(err->message, sizeof err->message, "seccomp: cannot initialise filter");
        return false;
    }
    /* Every thread of the process, not just the caller (e.g. a timer thread
     * started earlier): a thread outside the filter would be a way around it. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    const char *bad = rc ? "thread sync" : NULL;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0] && rc == 0; i++) {
        int nr = seccomp_syscall_resolve_name(allowed[i]);
        if (nr == __NR_SCMP_ERROR) continue;  /* not on this architecture (e.g. poll on aarch64) */
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
        if (rc) bad = allowed[i];
    }
    /* Memory may be mapped and protected, never made executable. */
    if (!rc) {
        bad = "mmap/mprotect";
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                              SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
        if (!rc)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                                  SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    }
    /* ioctl: only the queries WASI and stdio need. */
    const unsigned long ioctls[] = {FIONREAD, TCGETS, FIONBIO};
    for (size_t i = 0; i < 3 && !rc; i++) {
        bad = "ioctl";
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                              SCMP_A1(SCMP_CMP_EQ, ioctls[i]));
    }
    /* Reading (never setting) resource limits: the runtime sizes stacks. */
    if (!rc) {
        bad = "prlimit64";
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 2,
                              SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0));
    }
    /* abort() signals its own thread only. */
    if (!rc) {
        bad = "tgkill";
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                              SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
    }
    if (!rc) {
        bad = NULL;
        rc = seccomp_load(ctx);
    }
    seccomp_release(ctx);
    if (rc) {
        snprintf(err->message, sizeof err->message, "seccomp: %s: %s", bad ? bad : "loading the filter",
                 strerror(-rc));
        return false;
    }
    return true;
}

#else

bool wasmrt_seccomp_install(wasmrt_error *err) {
    snprintf(err->message, sizeof err->message,
             "seccomp: this runtime was built without libseccomp");
    return false;
}

#endif
