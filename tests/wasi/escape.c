/* The escape suite: every attempt to reach outside the preopened /sandbox
 * (guest fd 3) must fail, with the right errno.  The driver prepares
 *   sandbox/sub/            a directory
 *   sandbox/link_out   ->  ../outside/secret
 *   sandbox/abs_link   ->  <absolute path of outside/secret>
 *   sandbox/dir_out    ->  ../outside
 *   sandbox/loop_a  <->  sandbox/loop_b
 *   sandbox/proc_link  ->  /proc/self/root
 *   outside/secret
 * and afterwards checks that outside/ still holds only "secret".
 * Each attempt that succeeds is an escape; a refusal with an unexpected
 * errno is a failure.  Prints "N escapes"; the test requires 0 and PASS. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

#define DIRFD 3
static int escapes;

static const char *errname(int e) {
    switch (e) {
    case __WASI_ERRNO_NOTCAPABLE: return "ENOTCAPABLE";
    case __WASI_ERRNO_PERM: return "EPERM";
    case __WASI_ERRNO_LOOP: return "ELOOP";
    case __WASI_ERRNO_NOENT: return "ENOENT";
    case __WASI_ERRNO_INVAL: return "EINVAL";
    case __WASI_ERRNO_BADF: return "EBADF";
    case __WASI_ERRNO_ILSEQ: return "EILSEQ";
    case 0: return "success";
    default: return "other";
    }
}

static void attempt(const char *what, int got, int want) {
    if (got == 0) {
        escapes++;
        printf("ESCAPE: %s succeeded\n", what);
    } else if (got != want) {
        failures++;
        printf("FAIL: %s: errno %d (%s), expected %d (%s)\n", what, got, errname(got), want,
               errname(want));
    } else {
        printf("ok: %s -> %s\n", what, errname(got));
    }
}

#define RD (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_FILESTAT_GET)
#define RW (RD | __WASI_RIGHTS_FD_WRITE)

static int open_raw(const char *path, __wasi_lookupflags_t follow, __wasi_oflags_t of,
                    __wasi_rights_t rights) {
    __wasi_fd_t fd;
    int e = __wasi_path_open(DIRFD, follow, path, of, rights, 0, 0, &fd);
    if (e == 0) {
        char buf[16] = {0};
        __wasi_iovec_t iov = {(uint8_t *)buf, sizeof buf - 1};
        __wasi_size_t n = 0;
        if (__wasi_fd_read(fd, &iov, 1, &n) == 0 && n) printf("  (read '%s')\n", buf);
        (void)__wasi_fd_close(fd);
    }
    return e;
}

#define F __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW
/* WASI 0.2 refuses an escape with not-permitted, which the adapter
 * reports as EPERM. */
#define NOTCAP (ADAPTER ? __WASI_ERRNO_PERM : __WASI_ERRNO_NOTCAPABLE)

int main(void) {
    /* The preopen is where we think it is. */
    __wasi_prestat_t ps;
    char name[32] = {0};
    CHECK_WASI(__wasi_fd_prestat_get(DIRFD, &ps), 0);
    CHECK_WASI(__wasi_fd_prestat_dir_name(DIRFD, (uint8_t *)name, ps.u.dir.pr_name_len), 0);
    CHECK(strcmp(name, "/sandbox") == 0, "preopen 3 is '%s'", name);
    CHECK_WASI(__wasi_fd_prestat_get(DIRFD + 1, &ps), __WASI_ERRNO_BADF);

    /* ".." and absolute paths */
    attempt("open ../outside/secret", open_raw("../outside/secret", F, 0, RD), NOTCAP);
    attempt("open ..", open_raw("..", F, __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR), NOTCAP);
    attempt("open sub/../../outside/secret", open_raw("sub/../../outside/secret", F, 0, RD), NOTCAP);
    attempt("open sub/../sub/../../outside/secret",
            open_raw("sub/../sub/../../outside/secret", F, 0, RD), NOTCAP);
    attempt("open /etc/passwd", open_raw("/etc/passwd", F, 0, RD), NOTCAP);
    attempt("open //etc/passwd", open_raw("//etc/passwd", F, 0, RD), NOTCAP);
    attempt("create ../created", open_raw("../created", F, __WASI_OFLAGS_CREAT, RW), NOTCAP);
    attempt("open /proc/self/root/etc/passwd", open_raw("/proc/self/root/etc/passwd", F, 0, RD), NOTCAP);
    attempt("open /proc/self/fd/3", open_raw("/proc/self/fd/3", F, 0, RD), NOTCAP);

    /* pre-existing symlinks pointing out */
    attempt("open link_out", open_raw("link_out", F, 0, RD), NOTCAP);
    attempt("open abs_link", open_raw("abs_link", F, 0, RD), NOTCAP);
    attempt("open dir_out/secret", open_raw("dir_out/secret", F, 0, RD), NOTCAP);
    attempt("open dir_out/secret (no follow)", open_raw("dir_out/secret", 0, 0, RD), NOTCAP);
    attempt("open proc_link/etc/passwd", open_raw("proc_link/etc/passwd", F, 0, RD), NOTCAP);
    attempt("create through link_out", open_raw("link_out", F, __WASI_OFLAGS_CREAT, RW), NOTCAP);
    attempt("open loop_a", open_raw("loop_a", F, 0, RD), __WASI_ERRNO_LOOP);
    attempt("open link_out without following", open_raw("link_out", 0, 0, RD), __WASI_ERRNO_LOOP);
    __wasi_filestat_t st;
    attempt("filestat link_out (follow)", __wasi_path_filestat_get(DIRFD, F, "link_out", &st), NOTCAP);
    attempt("filestat ../outside", __wasi_path_filestat_get(DIRFD, 0, "../outside", &st), NOTCAP);
    attempt("set_times through link_out",
            __wasi_path_filestat_set_times(DIRFD, F, "link_out", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), NOTCAP);

    /* symlinks the guest creates */
    CHECK_WASI(__wasi_path_symlink("../outside/secret", DIRFD, "g_out"), 0);
    attempt("open guest symlink g_out", open_raw("g_out", F, 0, RD), NOTCAP);
    CHECK_WASI(__wasi_path_symlink("../../../../../../../../etc/passwd", DIRFD, "sub/g_deep"), 0);
    attempt("open guest symlink sub/g_deep", open_raw("sub/g_deep", F, 0, RD), NOTCAP);
    attempt("symlink to absolute /etc/passwd", __wasi_path_symlink("/etc/passwd", DIRFD, "g_abs"), NOTCAP);
    attempt("symlink created outside", __wasi_path_symlink("x", DIRFD, "../g_outside"), NOTCAP);
    CHECK_WASI(__wasi_path_symlink("sub/hop2", DIRFD, "hop1"), 0);
    CHECK_WASI(__wasi_path_symlink("../../outside", DIRFD, "sub/hop2"), 0);
    attempt("open symlink chain hop1/secret", open_raw("hop1/secret", F, 0, RD), NOTCAP);
    CHECK_WASI(__wasi_path_symlink("self", DIRFD, "self"), 0);
    attempt("open self-loop", open_raw("self", F, 0, RD), __WASI_ERRNO_LOOP);
    attempt("mkdir through dir_out", __wasi_path_create_directory(DIRFD, "dir_out/newdir"), NOTCAP);

    /* hard links, renames, removals across the boundary */
    attempt("hard link ../outside/secret in",
            __wasi_path_link(DIRFD, 0, "../outside/secret", DIRFD, "stolen"), NOTCAP);
    attempt("hard link dir_out/secret in",
            __wasi_path_link(DIRFD, 0, "dir_out/secret", DIRFD, "stolen2"), NOTCAP);
    attempt("hard link following link_out",
            __wasi_path_link(DIRFD, F, "link_out", DIRFD, "stolen3"), __WASI_ERRNO_INVAL);
    CHECK_WASI(__wasi_path_link(DIRFD, 0, "link_out", DIRFD, "link_copy"), 0);
    attempt("open hard link of an escaping symlink", open_raw("link_copy", F, 0, RD), NOTCAP);
    CHECK_WASI(__wasi_path_create_directory(DIRFD, "mine"), 0);
    attempt("hard link out", __wasi_path_link(DIRFD, 0, "sub/g_deep", DIRFD, "../linked_out"), NOTCAP);
    attempt("rename out", __wasi_path_rename(DIRFD, "mine", DIRFD, "../moved_out"), NOTCAP);
    attempt("rename into dir_out", __wasi_path_rename(DIRFD, "mine", DIRFD, "dir_out/moved"), NOTCAP);
    attempt("rename in", __wasi_path_rename(DIRFD, "../outside/secret", DIRFD, "taken"), NOTCAP);
    attempt("unlink outside", __wasi_path_unlink_file(DIRFD, "../outside/secret"), NOTCAP);
    attempt("unlink via dir_out", __wasi_path_unlink_file(DIRFD, "dir_out/secret"), NOTCAP);
    attempt("rmdir ../outside", __wasi_path_remove_directory(DIRFD, "../outside"), NOTCAP);
    attempt("mkdir ../x", __wasi_path_create_directory(DIRFD, "../x"), NOTCAP);
    uint8_t buf[64];
    __wasi_size_t used;
    attempt("readlink ../outside/x", __wasi_path_readlink(DIRFD, "../outside/x", buf, sizeof buf, &used), NOTCAP);

    /* descriptors the guest was not given, and rights */
    __wasi_fd_t fd;
    attempt("path_open on an unopened fd", __wasi_path_open(17, F, "x", 0, RD, 0, 0, &fd), __WASI_ERRNO_BADF);
    /* (the adapter keeps stdio out of its descriptor table: EBADF) */
    attempt("path_open relative to stdout", __wasi_path_open(1, F, "etc/passwd", 0, RD, 0, 0, &fd),
            ADAPTER ? __WASI_ERRNO_BADF : NOTCAP);
    if (!ADAPTER)  /* WASI 0.2 has no rights to drop */
        attempt("path_open after dropping PATH_OPEN",
                __wasi_fd_fdstat_set_rights(DIRFD, __WASI_RIGHTS_FD_READDIR, 0) == 0
                    ? __wasi_path_open(DIRFD, F, "sub", 0, RD, 0, 0, &fd)
                    : -1,
                NOTCAP);

    /* libc-level: absolute paths outside every preopen */
    errno = 0;
    int lfd = open("/etc/passwd", O_RDONLY);
    int le = lfd >= 0 ? 0 : errno;
    /* wasi-libc finds no preopen for /etc and refuses before any call */
    attempt("libc open /etc/passwd", le, le == ENOENT ? ENOENT : __WASI_ERRNO_NOTCAPABLE);
    if (lfd >= 0) close(lfd);

    printf("%d escapes\n", escapes);
    if (escapes) failures++;
    return DONE("escape");
}
