/* Landlock confinement: after wasmrt_wasi_landlock the process itself
 * (as native code that escaped the Wasm sandbox would) can open files only
 * beneath the preopened directory; stdio and earlier descriptors keep
 * working.  Skipped when the kernel lacks Landlock. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wasmrt_wasi.h"

Test(wasi_landlock, only_preopens_are_reachable) {
    char root[] = "/tmp/wasi_ll_XXXXXX";
    cr_assert(mkdtemp(root));
    char box[64], inside[96], outside[96], made[96];
    snprintf(box, sizeof box, "%s/box", root);
    snprintf(inside, sizeof inside, "%s/box/in", root);
    snprintf(outside, sizeof outside, "%s/out", root);
    snprintf(made, sizeof made, "%s/box/sub", root);
    cr_assert_eq(mkdir(box, 0755), 0);
    close(open(inside, O_CREAT | O_WRONLY, 0644));
    close(open(outside, O_CREAT | O_WRONLY, 0644));
    int early = open(outside, O_RDONLY);
    cr_assert(early >= 0);

    /* The restriction is irreversible, so it happens in a child; the
     * parent checks the child's report and cleans up. */
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        wasmrt_wasi_dir dir = {box, "box"};
        wasmrt_wasi_config c = {.dirs = &dir, .num_dirs = 1, .stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2};
        wasmrt_error err;
        wasmrt_wasi *w = wasmrt_wasi_new(&c, &err);
        bool applied = false;
        if (!w || !wasmrt_wasi_landlock(w, &applied, &err)) _exit(100);
        if (!applied) _exit(77);
        int bad = 0, fd = open(inside, O_RDWR);
        if (fd < 0) bad |= 1;
        else close(fd);
        if (mkdir(made, 0755) != 0) bad |= 2;
        if (open(outside, O_RDONLY) != -1 || errno != EACCES) bad |= 4;
        if (open("/etc/passwd", O_RDONLY) != -1) bad |= 8;
        if (open("/proc/self/environ", O_RDONLY) != -1) bad |= 16;
        if (unlink(outside) != -1) bad |= 32;
        char buf[1];
        if (read(early, buf, 1) != 0) bad |= 64;  /* opened before: still works */
        _exit(bad);
    }
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
    cr_assert(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77) cr_skip_test("Landlock unavailable on this kernel");
    cr_expect_eq(WEXITSTATUS(st), 0, "failed checks, bitmask %d (1 inside open, 2 mkdir inside, "
                 "4 outside open, 8 /etc/passwd, 16 /proc, 32 unlink outside, 64 early fd)",
                 WEXITSTATUS(st));
}
