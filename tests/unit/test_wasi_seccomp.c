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

Test(wasi_seccomp, allowed_calls_still_work) {
    int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    cr_assert(dir >= 0);
    install();
    struct timespec ts;
    cr_expect_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
    char buf[16];
    cr_expect_eq(getrandom(buf, sizeof buf, 0), 16);
    void *p = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_expect_neq(p, MAP_FAILED);
    cr_expect_eq(mprotect(p, 1 << 16, PROT_NONE), 0);
    cr_expect_eq(munmap(p, 1 << 16), 0);
    char name[64];
    snprintf(name, sizeof name, "wasi_seccomp_%d", (int)getpid());
    int fd = openat(dir, name, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    cr_expect(fd >= 0);
    cr_expect_eq(write(fd, "x", 1), 1);
    struct stat st;
    cr_expect_eq(fstat(fd, &st), 0);
    cr_expect_eq(close(fd), 0);
    cr_expect_eq(unlinkat(dir, name, 0), 0);
    void *heap = malloc(1 << 20);  /* malloc may mmap */
    cr_expect(heap);
    free(heap);
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
