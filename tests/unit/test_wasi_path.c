/* Path confinement, tested natively on a real directory tree: every way out
 * of the sandbox directory ("..", absolute paths, symlinks pointing out,
 * symlink loops, /proc magic links) must fail with the right WASI errno,
 * and legitimate paths (including ".." and symlinks that stay inside) must
 * work.  Each check runs twice: with openat2 and with the fallback
 * component walk used when openat2 is unavailable. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../rt/wasi/wasi_internal.h"

static char root[64];
static int sandbox = -1;

static void mk(const char *rel, const char *content) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    cr_assert(f, "create %s", p);
    fputs(content, f);
    fclose(f);
}
static void mkd(const char *rel) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    cr_assert(mkdir(p, 0755) == 0, "mkdir %s", p);
}
static void ln(const char *target, const char *rel) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    cr_assert(symlink(target, p) == 0, "symlink %s", p);
}

static void setup(void) {
    snprintf(root, sizeof root, "/tmp/wasi_path_XXXXXX");
    cr_assert(mkdtemp(root));
    mkd("outside");
    mk("outside/secret", "secret");
    mkd("box");
    mk("box/file", "hello");
    mkd("box/sub");
    mk("box/sub/inner", "inner");
    ln("../outside/secret", "box/link_out");
    ln("/etc/passwd", "box/abs_link");
    ln("loop2", "box/loop1");
    ln("loop1", "box/loop2");
    ln("..", "box/sub/up");
    ln("../..", "box/sub/upup");
    ln("sub/inner", "box/link_in");
    ln("sub", "box/link_dir");
    ln("/proc/self/root", "box/proc_root");
    char p[512];
    snprintf(p, sizeof p, "%s/box", root);
    sandbox = open(p, O_RDONLY | O_DIRECTORY);
    cr_assert(sandbox >= 0);
}

static void teardown(void) {
    close(sandbox);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_assert(system(cmd) == 0);
    wasi_path_force_walk = false;
}

static uint16_t try_open(const char *path, int flags, bool follow, char *content) {
    int fd = -1;
    uint16_t e = wasi_path_open_beneath(sandbox, path, (uint32_t)strlen(path), flags, 0644, follow, &fd);
    if (e == 0) {
        if (content) {
            ssize_t n = read(fd, content, 63);
            content[n < 0 ? 0 : n] = 0;
        }
        close(fd);
    }
    return e;
}

static void check_all(void) {
    char buf[64];
    cr_expect_eq(try_open("file", O_RDONLY, true, buf), 0);
    cr_expect_str_eq(buf, "hello");
    cr_expect_eq(try_open("sub/../file", O_RDONLY, true, buf), 0);
    cr_expect_eq(try_open("./sub//inner", O_RDONLY, true, buf), 0);
    cr_expect_str_eq(buf, "inner");
    cr_expect_eq(try_open("link_in", O_RDONLY, true, buf), 0, "symlink inside");
    cr_expect_str_eq(buf, "inner");
    cr_expect_eq(try_open("link_dir/inner", O_RDONLY, true, NULL), 0);
    cr_expect_eq(try_open("sub/up/file", O_RDONLY, true, buf), 0, "sub/up -> .. stays inside");
    cr_expect_str_eq(buf, "hello");

    /* escapes */
    cr_expect_eq(try_open("..", O_RDONLY, true, NULL), WE_NOTCAPABLE);
    cr_expect_eq(try_open("../outside/secret", O_RDONLY, true, NULL), WE_NOTCAPABLE);
    cr_expect_eq(try_open("sub/../../outside/secret", O_RDONLY, true, NULL), WE_NOTCAPABLE);
    cr_expect_eq(try_open("/etc/passwd", O_RDONLY, true, NULL), WE_NOTCAPABLE);
    cr_expect_eq(try_open("link_out", O_RDONLY, true, NULL), WE_NOTCAPABLE);
    cr_expect_eq(try_open("abs_link", O_RDONLY, true, NULL), WE_NOTCAPABLE);
    cr_expect_eq(try_open("sub/upup/outside/secret", O_RDONLY, true, NULL), WE_NOTCAPABLE);
    cr_expect_eq(try_open("proc_root/etc/passwd", O_RDONLY, true, NULL), WE_NOTCAPABLE);
    cr_expect_eq(try_open("link_out", O_RDONLY | O_CREAT, true, NULL), WE_NOTCAPABLE,
                 "creating through a dangling escape");

    cr_expect_eq(try_open("link_in", O_RDWR | O_CREAT | O_EXCL, true, NULL), WE_EXIST,
                 "O_EXCL does not follow a final symlink");

    /* not following the last component */
    cr_expect_eq(try_open("link_out", O_RDONLY, false, NULL), WE_LOOP);
    cr_expect_eq(try_open("link_in", O_RDONLY, false, NULL), WE_LOOP);
    cr_expect_eq(try_open("link_out", O_PATH, false, NULL), 0, "O_PATH on the link itself");

    /* loops and odd inputs */
    cr_expect_eq(try_open("loop1", O_RDONLY, true, NULL), WE_LOOP);
    cr_expect_eq(try_open("", O_RDONLY, true, NULL), WE_NOENT);
    cr_expect_eq(try_open("missing", O_RDONLY, true, NULL), WE_NOENT);
    cr_expect_eq(try_open("file/x", O_RDONLY, true, NULL), WE_NOTDIR);
    int fd;
    cr_expect_eq(wasi_path_open_beneath(sandbox, "file\0../x", 9, O_RDONLY, 0, true, &fd), WE_ILSEQ);

    /* parent split */
    int parent = -1;
    char name[256];
    bool slash;
    cr_expect_eq(wasi_path_parent(sandbox, "sub/inner", 9, &parent, name, sizeof name, &slash), 0);
    cr_expect_str_eq(name, "inner");
    cr_expect(!slash);
    close(parent);
    cr_expect_eq(wasi_path_parent(sandbox, "sub/new/", 8, &parent, name, sizeof name, &slash), 0);
    cr_expect_str_eq(name, "new");
    cr_expect(slash);
    close(parent);
    cr_expect_eq(wasi_path_parent(sandbox, "../x", 4, &parent, name, sizeof name, &slash), WE_NOTCAPABLE);
    cr_expect_eq(wasi_path_parent(sandbox, "/x", 2, &parent, name, sizeof name, &slash), WE_NOTCAPABLE);
    cr_expect_eq(wasi_path_parent(sandbox, "/", 1, &parent, name, sizeof name, &slash), WE_NOTCAPABLE);
    cr_expect_eq(wasi_path_parent(sandbox, "link_out/x", 10, &parent, name, sizeof name, &slash),
                 WE_NOTCAPABLE);
}

Test(wasi_path, openat2, .init = setup, .fini = teardown) {
    wasi_path_force_walk = false;
    check_all();
}

Test(wasi_path, component_walk, .init = setup, .fini = teardown) {
    wasi_path_force_walk = true;
    check_all();
}
