/* Measuring launcher used by harness.py: runone RESULT_FILE PROG [ARGS...]
 * forks, execs PROG, waits with wait4 and writes one line to RESULT_FILE:
 *   "<status> <wall_ns> <cpu_us> <maxrss_kb>"
 * where status is the exit code, or 128+signal.
 *
 * Why a C helper instead of timing from Python: Linux carries the pre-exec
 * RSS high-water mark of the forking process into the child's ru_maxrss, so
 * children forked from a 17 MiB Python interpreter all report >= 17 MiB.
 * Forked from this ~1 MiB launcher the floor is negligible, and the wall
 * clock brackets only fork+exec+run+exit, not interpreter overhead.
 * stdin/stdout/stderr are inherited, so the harness captures output as
 * usual; a timeout is enforced by the harness killing the process group. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: runone RESULT_FILE PROG [ARGS...]\n");
        return 2;
    }
    FILE *res = fopen(argv[1], "w");
    if (!res) {
        fprintf(stderr, "runone: %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "runone: fork: %s\n", strerror(errno));
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "runone: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "runone: wait4: %s\n", strerror(errno));
            return 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long wall_ns = (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
    long long cpu_us = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL +
                       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    fprintf(res, "%d %lld %lld %ld\n", code, wall_ns, cpu_us, ru.ru_maxrss);
    fclose(res);
    return code;
}
