/* The seccomp allow-list: after wasmrt_seccomp_install, what the runtime
 * and WASI need still works, and anything that would widen the sandbox's
 * reach (new sockets, exec, fork, executable mappings) kills the process
 * with SIGSYS.  Criterion runs each test in its own process, so a test can
 * expect its own death. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wasmrt_wasi.h"

static void install(void) {
    wasmrt_error err;
    cr_assert(wasmrt_seccomp_install(&err), "%s", err.message);
}

/* The filter covers every thread (TSYNC), Criterion's own included, so the
 * checks run in a single-threaded child that reports a failure bitmask. */
static int allowed_checks(int dir) {
    int bad = 0;
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) bad |= 1;
    char buf[16];
    if (getrandom(buf, sizeof buf, 0) != 16) bad |= 2;
    void *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED || mprotect(p, 1 << 16, PROT_NONE) != 0 || munmap(p, 1 << 16) != 0) bad |= 4;
    char name[64];
    snprintf(name, sizeof name, "wasi_seccomp_%d", (int)getpid());
    int fd = openat(dir, name, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    struct stat st;
    if (fd < 0 || write(fd, "x", 1) != 1 || fstat(fd, &st) != 0 || close(fd) != 0) bad |= 8;
    if (unlinkat(dir, name, 0) != 0) bad |= 16;
    void *heap = malloc(1 << 20);  /* malloc may mmap */
    if (!heap) bad |= 32;
    free(heap);
    return bad;
}

Test(wasi_seccomp, allowed_calls_still_work) {
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(dir >= 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        wasmrt_error err;
        if (!wasmrt_seccomp_install(&err)) _exit(100);
        _exit(allowed_checks(dir));
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    cr_assert(WIFEXITED(st), "child killed by signal %d", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    cr_expect_eq(WEXITSTATUS(st), 0, "failed checks (bitmask; 100 = install failed): %d",
                 WEXITSTATUS(st));
}

Test(wasi_seccomp, socket_is_killed, .signal = SIGSYS) {
    install();
    socket(AF_INET, SOCK_STREAM, 0);
}

Test(wasi_seccomp, execve_is_killed, .signal = SIGSYS) {
    install();
    char *argv[] = {"/bin/true", NULL};
    execve("/bin/true", argv, NULL);
}

Test(wasi_seccomp, fork_is_killed, .signal = SIGSYS) {
    install();
    fork();
}

Test(wasi_seccomp, executable_mapping_is_killed, .signal = SIGSYS) {
    install();
    mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

Test(wasi_seccomp, mprotect_exec_is_killed, .signal = SIGSYS) {
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    install();
    mprotect(p, 4096, PROT_READ | PROT_EXEC);
}

Test(wasi_seccomp, kill_other_process_is_killed, .signal = SIGSYS) {
    install();
    kill(1, 0);
}
