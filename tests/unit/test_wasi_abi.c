/* The WASI ABI layer against a malloc'ed fake linear memory: pointer
 * checks (FAULT, never a host crash, including ptr+len wrap-around),
 * struct layouts per the witx, rights, errno values, readdir cookies and
 * the file-system calls' confinement. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../rt/wasi/wasi_internal.h"

#define MEM 65536
static char root[64];
static wasmrt_wasi *w;
static wasi_mem mem;
static uint8_t *M;

static void setup(void) {
    snprintf(root, sizeof root, "/tmp/wasi_abi_XXXXXX");
    cr_assert(mkdtemp(root));
    char p[1200];
    snprintf(p, sizeof p, "mkdir -p %s/box/sub %s/outside && printf hello > %s/box/file && "
             "printf secret > %s/outside/secret", root, root, root, root);
    cr_assert(system(p) == 0);
    snprintf(p, sizeof p, "%s/box", root);
    wasmrt_wasi_dir dir = {p, "box"};
    const char *argv[] = {"prog", "a1", "arg2"};
    const char *env[] = {"K=V"};
    wasmrt_wasi_config c = {.argv = argv, .argc = 3, .env = env, .envc = 1, .dirs = &dir,
                            .num_dirs = 1, .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2};
    wasmrt_error err;
    w = wasmrt_wasi_new(&c, &err);
    cr_assert(w, "%s", err.message);
    M = calloc(1, MEM);
    mem = (wasi_mem){M, MEM};
}

static void teardown(void) {
    wasmrt_wasi_free(w);
    free(M);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    cr_assert(system(cmd) == 0);
}

static uint32_t put(uint32_t at, const char *s) {
    memcpy(M + at, s, strlen(s));
    return (uint32_t)strlen(s);
}

/* path_open relative to the preopen (fd 3) with wasi-libc's rights. */
static uint32_t open_at(const char *path, uint32_t oflags, uint64_t rights, uint32_t *fd) {
    uint32_t n = put(1000, path);
    return wasi_abi_path_open(w, &mem, 3, 1, 1000, n, oflags, rights, WR_ALL, 0, 2000) == 0
               ? (*fd = wasi_ld32(&mem, 2000), 0)
               : wasi_abi_path_open(w, &mem, 3, 1, 1000, n, oflags, rights, WR_ALL, 0, 2000);
}

Test(wasi_abi, args_and_environ, .init = setup, .fini = teardown) {
    cr_assert_eq(wasi_abi_args_sizes_get(w, &mem, 0, 4), 0);
    cr_expect_eq(wasi_ld32(&mem, 0), 3);
    cr_expect_eq(wasi_ld32(&mem, 4), 13);  /* "prog\0a1\0arg2\0" */
    cr_assert_eq(wasi_abi_args_get(w, &mem, 100, 200), 0);
    cr_expect_str_eq((char *)M + wasi_ld32(&mem, 108), "arg2");
    cr_expect_eq(wasi_abi_args_get(w, &mem, MEM - 4, 200), WE_FAULT);
    cr_expect_eq(wasi_abi_args_get(w, &mem, 100, MEM - 5), WE_FAULT);
    cr_assert_eq(wasi_abi_environ_sizes_get(w, &mem, 0, 4), 0);
    cr_expect_eq(wasi_ld32(&mem, 0), 1);
    cr_assert_eq(wasi_abi_environ_get(w, &mem, 100, 200), 0);
    cr_expect_str_eq((char *)M + 200, "K=V");
}

Test(wasi_abi, pointer_checks_never_fault_the_host, .init = setup, .fini = teardown) {
    /* iovec array wrapping around 2^32 */
    cr_expect_eq(wasi_abi_fd_write(w, &mem, 1, 0xFFFFFFF8u, 2, 0), WE_FAULT);
    cr_expect_eq(wasi_abi_fd_write(w, &mem, 1, 0, 0xFFFFFFFFu, 16), WE_FAULT);
    /* an iovec whose buffer runs past the end */
    wasi_st32(&mem, 0, MEM - 2);
    wasi_st32(&mem, 4, 3);
    cr_expect_eq(wasi_abi_fd_write(w, &mem, 1, 0, 1, 16), WE_FAULT);
    wasi_st32(&mem, 0, 0xFFFFFFFFu);
    wasi_st32(&mem, 4, 2);
    cr_expect_eq(wasi_abi_fd_write(w, &mem, 1, 0, 1, 16), WE_FAULT);
    /* result pointer out of bounds */
    cr_expect_eq(wasi_abi_fd_write(w, &mem, 1, 0, 0, MEM - 3), WE_FAULT);
    cr_expect_eq(wasi_abi_random_get(w, &mem, MEM - 10, 11), WE_FAULT);
    cr_expect_eq(wasi_abi_random_get(w, &mem, 0xFFFFFFFFu, 2), WE_FAULT);
    cr_expect_eq(wasi_abi_path_open(w, &mem, 3, 0, MEM - 1, 5, 0, 0, 0, 0, 0), WE_FAULT);
    cr_expect_eq(wasi_abi_poll_oneoff(w, &mem, 0, 0, 2000, 0), WE_FAULT);
    cr_expect_eq(wasi_abi_poll_oneoff(w, &mem, 0, 0, 0x10000000u, 0), WE_INVAL);
    cr_expect_eq(wasi_abi_clock_time_get(w, &mem, 1, 0, MEM - 7), WE_FAULT);
    /* no memory at all */
    wasi_mem none = {NULL, 0};
    cr_expect_eq(wasi_abi_fd_fdstat_get(w, &none, 1, 0), WE_FAULT);
}

Test(wasi_abi, prestat, .init = setup, .fini = teardown) {
    cr_assert_eq(wasi_abi_fd_prestat_get(w, &mem, 3, 0), 0);
    cr_expect_eq(M[0], 0);
    cr_expect_eq(wasi_ld32(&mem, 4), 3);
    cr_expect_eq(wasi_abi_fd_prestat_dir_name(w, &mem, 3, 100, 2), WE_NAMETOOLONG);
    cr_assert_eq(wasi_abi_fd_prestat_dir_name(w, &mem, 3, 100, 3), 0);
    cr_expect(memcmp(M + 100, "box", 3) == 0);
    cr_expect_eq(wasi_abi_fd_prestat_get(w, &mem, 4, 0), WE_BADF);
    cr_expect_eq(wasi_abi_fd_prestat_get(w, &mem, 1, 0), WE_BADF);
    cr_expect_eq(wasi_abi_fd_prestat_get(w, &mem, 0xFFFFFFFFu, 0), WE_BADF);
}

Test(wasi_abi, files_and_rights, .init = setup, .fini = teardown) {
    uint32_t fd;
    cr_assert_eq(open_at("file", 0, WR_FD_READ | WR_FD_SEEK | WR_FD_TELL | WR_FD_FILESTAT_GET, &fd), 0);
    wasi_st32(&mem, 0, 100);
    wasi_st32(&mem, 4, 10);
    cr_assert_eq(wasi_abi_fd_read(w, &mem, fd, 0, 1, 8), 0);
    cr_expect_eq(wasi_ld32(&mem, 8), 5);
    cr_expect(memcmp(M + 100, "hello", 5) == 0);
    /* read-only descriptor: no write, no truncate */
    cr_expect_eq(wasi_abi_fd_write(w, &mem, fd, 0, 1, 8), WE_NOTCAPABLE);
    cr_expect_eq(wasi_abi_fd_filestat_set_size(w, &mem, fd, 0), WE_NOTCAPABLE);
    /* fdstat layout */
    cr_assert_eq(wasi_abi_fd_fdstat_get(w, &mem, fd, 200), 0);
    cr_expect_eq(M[200], WF_REGULAR_FILE);
    cr_expect_eq(wasi_ld64(&mem, 208), WR_FD_READ | WR_FD_SEEK | WR_FD_TELL | WR_FD_FILESTAT_GET);
    /* filestat layout */
    cr_assert_eq(wasi_abi_fd_filestat_get(w, &mem, fd, 300), 0);
    cr_expect_eq(M[316], WF_REGULAR_FILE);
    cr_expect_eq(wasi_ld64(&mem, 332), 5);
    cr_expect_eq(wasi_ld64(&mem, 324), 1);  /* nlink */
    /* seek / tell */
    cr_assert_eq(wasi_abi_fd_seek(w, &mem, fd, (uint64_t)-2, 2, 400), 0);
    cr_expect_eq(wasi_ld64(&mem, 400), 3);
    cr_assert_eq(wasi_abi_fd_tell(w, &mem, fd, 400), 0);
    cr_expect_eq(wasi_ld64(&mem, 400), 3);
    cr_expect_eq(wasi_abi_fd_seek(w, &mem, fd, 0, 3, 400), WE_INVAL);
    /* rights only shrink */
    cr_expect_eq(wasi_abi_fd_fdstat_set_rights(w, &mem, fd, WR_FD_READ | WR_FD_WRITE, 0), WE_NOTCAPABLE);
    cr_expect_eq(wasi_abi_fd_fdstat_set_rights(w, &mem, fd, WR_FD_READ, 0), 0);
    cr_expect_eq(wasi_abi_fd_seek(w, &mem, fd, 0, 0, 400), WE_NOTCAPABLE);
    cr_expect_eq(wasi_abi_fd_close(w, &mem, fd), 0);
    cr_expect_eq(wasi_abi_fd_close(w, &mem, fd), WE_BADF);

    /* write, pwrite, pread, truncate on a new file */
    uint64_t rw = WR_FD_READ | WR_FD_WRITE | WR_FD_SEEK | WR_FD_FILESTAT_SET_SIZE | WR_FD_FILESTAT_GET;
    cr_assert_eq(open_at("new", WO_CREAT | WO_EXCL, rw, &fd), 0);
    cr_expect_eq(open_at("new", WO_CREAT | WO_EXCL, rw, &fd), WE_EXIST);
    put(100, "abcdef");
    wasi_st32(&mem, 0, 100);
    wasi_st32(&mem, 4, 6);
    cr_assert_eq(wasi_abi_fd_write(w, &mem, fd, 0, 1, 8), 0);
    cr_expect_eq(wasi_ld32(&mem, 8), 6);
    put(100, "XY");
    wasi_st32(&mem, 4, 2);
    cr_assert_eq(wasi_abi_fd_pwrite(w, &mem, fd, 0, 1, 1, 8), 0);
    wasi_st32(&mem, 0, 500);
    wasi_st32(&mem, 4, 16);
    cr_assert_eq(wasi_abi_fd_pread(w, &mem, fd, 0, 1, 0, 8), 0);
    cr_expect_eq(wasi_ld32(&mem, 8), 6);
    cr_expect(memcmp(M + 500, "aXYdef", 6) == 0);
    cr_assert_eq(wasi_abi_fd_filestat_set_size(w, &mem, fd, 2), 0);
    cr_assert_eq(wasi_abi_fd_filestat_get(w, &mem, fd, 300), 0);
    cr_expect_eq(wasi_ld64(&mem, 332), 2);
    /* directories cannot be opened for writing; files are not directories */
    uint32_t d;
    cr_expect_eq(open_at("file", WO_DIRECTORY, WR_FD_READDIR, &d), WE_NOTDIR);
    cr_expect_eq(open_at("sub", 0, WR_FD_WRITE, &d), WE_ISDIR);
    /* ... also when O_DIRECTORY is asked for (it used to open read-only) */
    cr_expect_eq(open_at("sub", WO_DIRECTORY, WR_FD_READDIR | WR_FD_WRITE, &d), WE_ISDIR);
    cr_expect_eq(open_at("sub", WO_DIRECTORY, WR_FD_READDIR | WR_FD_FILESTAT_SET_SIZE, &d), WE_ISDIR);
    cr_expect_eq(open_at("sub", WO_DIRECTORY, WR_FD_READDIR, &d), 0);
    /* rights beyond the directory's inheriting set */
    cr_expect_eq(wasi_abi_fd_fdstat_set_rights(w, &mem, 3, WR_DIRECTORY, WR_FD_READ), 0);
    cr_expect_eq(open_at("file", 0, WR_FD_WRITE, &d), WE_NOTCAPABLE);
}

Test(wasi_abi, readdir_cookies, .init = setup, .fini = teardown) {
    uint32_t fd;
    cr_assert_eq(open_at(".", WO_DIRECTORY, WR_FD_READDIR, &fd), 0);
    /* Read one entry at a time (a buffer too small for two), resuming at
     * the previous entry's d_next, and collect names. */
    char seen[8][64];
    int count = 0;
    uint64_t cookie = 0;
    for (int guard = 0; guard < 20; guard++) {
        cr_assert_eq(wasi_abi_fd_readdir(w, &mem, fd, 1000, 24 + 10, cookie, 8), 0);
        uint32_t used = wasi_ld32(&mem, 8);
        if (used == 0) break;
        cr_assert_geq(used, 24);
        uint32_t namlen = wasi_ld32(&mem, 1000 + 16);
        cr_assert_leq(namlen, 10);
        cr_assert_lt(count, 8);
        memcpy(seen[count], M + 1024, namlen);
        seen[count][namlen] = 0;
        if (strcmp(seen[count], "file") == 0) cr_expect_eq(M[1020], WF_REGULAR_FILE);
        if (strcmp(seen[count], "sub") == 0) cr_expect_eq(M[1020], WF_DIRECTORY);
        count++;
        cookie = wasi_ld64(&mem, 1000);
    }
    cr_expect_eq(count, 4, ". .. file sub");
    int found = 0;
    for (int i = 0; i < count; i++)
        found += !strcmp(seen[i], ".") + !strcmp(seen[i], "..") + !strcmp(seen[i], "file") +
                 !strcmp(seen[i], "sub");
    cr_expect_eq(found, 4);
    /* a buffer smaller than one entry is filled completely (truncated) */
    cr_assert_eq(wasi_abi_fd_readdir(w, &mem, fd, 1000, 10, 0, 8), 0);
    cr_expect_eq(wasi_ld32(&mem, 8), 10);
    cr_expect_eq(wasi_abi_fd_readdir(w, &mem, 1, 1000, 10, 0, 8), WE_NOTCAPABLE);
}

static void directory_ops_and_escapes(void) {
    uint32_t n;
    n = put(100, "newdir");
    cr_expect_eq(wasi_abi_path_create_directory(w, &mem, 3, 100, n), 0);
    cr_expect_eq(wasi_abi_path_create_directory(w, &mem, 3, 100, n), WE_EXIST);
    n = put(100, "../evil");
    cr_expect_eq(wasi_abi_path_create_directory(w, &mem, 3, 100, n), WE_NOTCAPABLE);
    n = put(100, "newdir");
    cr_expect_eq(wasi_abi_path_remove_directory(w, &mem, 3, 100, n), 0);
    n = put(100, "sub");
    cr_expect_eq(wasi_abi_path_unlink_file(w, &mem, 3, 100, n), WE_ISDIR);
    n = put(100, "file");
    cr_expect_eq(wasi_abi_path_remove_directory(w, &mem, 3, 100, n), WE_NOTDIR);

    /* symlinks: relative escape may be created but never followed;
     * absolute targets are refused */
    uint32_t t = put(100, "../outside/secret"), l = put(200, "esc");
    cr_expect_eq(wasi_abi_path_symlink(w, &mem, 100, t, 3, 200, l), 0);
    uint32_t fd;
    cr_expect_eq(open_at("esc", 0, WR_FD_READ, &fd), WE_NOTCAPABLE);
    t = put(100, "/etc/passwd");
    l = put(200, "abs");
    cr_expect_eq(wasi_abi_path_symlink(w, &mem, 100, t, 3, 200, l), WE_NOTCAPABLE);
    l = put(200, "esc");
    cr_assert_eq(wasi_abi_path_readlink(w, &mem, 3, 200, l, 300, 100, 8), 0);
    cr_expect_eq(wasi_ld32(&mem, 8), 17);
    cr_expect(memcmp(M + 300, "../outside/secret", 17) == 0);
    /* filestat without following sees the link */
    cr_assert_eq(wasi_abi_path_filestat_get(w, &mem, 3, 0, 200, l, 400), 0);
    cr_expect_eq(M[416], WF_SYMBOLIC_LINK);
    cr_expect_eq(wasi_abi_path_filestat_get(w, &mem, 3, 1, 200, l, 400), WE_NOTCAPABLE);

    /* rename and link out of the sandbox */
    uint32_t a = put(100, "file"), b = put(200, "../outside/stolen");
    cr_expect_eq(wasi_abi_path_rename(w, &mem, 3, 100, a, 3, 200, b), WE_NOTCAPABLE);
    cr_expect_eq(wasi_abi_path_link(w, &mem, 3, 0, 100, a, 3, 200, b), WE_NOTCAPABLE);
    a = put(100, "../outside/secret");
    b = put(200, "stolen");
    cr_expect_eq(wasi_abi_path_link(w, &mem, 3, 0, 100, a, 3, 200, b), WE_NOTCAPABLE);
    cr_expect_eq(wasi_abi_path_rename(w, &mem, 3, 100, a, 3, 200, b), WE_NOTCAPABLE);
    /* legitimate rename + link */
    a = put(100, "file");
    b = put(200, "sub/moved");
    cr_expect_eq(wasi_abi_path_rename(w, &mem, 3, 100, a, 3, 200, b), 0);
    a = put(100, "sub/moved");
    b = put(200, "hard");
    cr_expect_eq(wasi_abi_path_link(w, &mem, 3, 0, 100, a, 3, 200, b), 0);
    cr_assert_eq(wasi_abi_path_filestat_get(w, &mem, 3, 0, 200, b, 400), 0);
    cr_expect_eq(wasi_ld64(&mem, 424), 2);
    cr_expect_eq(wasi_abi_path_unlink_file(w, &mem, 3, 200, b), 0);
    /* set times */
    cr_expect_eq(wasi_abi_path_filestat_set_times(w, &mem, 3, 1, 100, a, 5000000000ull, 7000000000ull,
                                                  WFST_ATIM | WFST_MTIM), 0);
    cr_assert_eq(wasi_abi_path_filestat_get(w, &mem, 3, 1, 100, a, 400), 0);
    cr_expect_eq(wasi_ld64(&mem, 440), 5000000000ull);
    cr_expect_eq(wasi_ld64(&mem, 448), 7000000000ull);
    cr_expect_eq(wasi_abi_path_filestat_set_times(w, &mem, 3, 1, 100, a, 0, 0, WFST_ATIM | WFST_ATIM_NOW),
                 WE_INVAL);
    /* the outside is untouched */
    char p[1200];
    snprintf(p, sizeof p, "%s/outside/secret", root);
    struct stat st;
    cr_expect_eq(stat(p, &st), 0);
    cr_expect_eq(st.st_nlink, 1);
}

Test(wasi_abi, directory_ops_and_escapes, .init = setup, .fini = teardown) {
    directory_ops_and_escapes();
}

/* The same through the component walk used when openat2 is unavailable. */
Test(wasi_abi, directory_ops_and_escapes_walk, .init = setup, .fini = teardown) {
    wasi_path_force_walk = true;
    directory_ops_and_escapes();
    wasi_path_force_walk = false;
}

Test(wasi_abi, clocks_random_poll_misc, .init = setup, .fini = teardown) {
    cr_assert_eq(wasi_abi_clock_time_get(w, &mem, 1, 0, 0), 0);
    uint64_t t0 = wasi_ld64(&mem, 0);
    cr_expect_eq(wasi_abi_clock_time_get(w, &mem, 4, 0, 0), WE_INVAL);
    cr_assert_eq(wasi_abi_clock_res_get(w, &mem, 0, 8), 0);
    cr_expect_gt(wasi_ld64(&mem, 8), 0);
    cr_expect_eq(wasi_abi_random_get(w, &mem, 100, 64), 0);
    int nz = 0;
    for (int i = 0; i < 64; i++) nz += M[100 + i] != 0;
    cr_expect_gt(nz, 40);
    /* a 5 ms relative clock subscription */
    memset(M + 200, 0, 48);
    wasi_st64(&mem, 200, 77);
    M[208] = 0;
    wasi_st32(&mem, 216, 1);
    wasi_st64(&mem, 224, 5000000);
    cr_assert_eq(wasi_abi_poll_oneoff(w, &mem, 200, 300, 1, 400), 0);
    cr_expect_eq(wasi_ld32(&mem, 400), 1);
    cr_expect_eq(wasi_ld64(&mem, 300), 77);
    cr_expect_eq(M[310], 0);
    cr_assert_eq(wasi_abi_clock_time_get(w, &mem, 1, 0, 0), 0);
    cr_expect_geq(wasi_ld64(&mem, 0) - t0, 5000000);
    /* an fd subscription on a bad descriptor answers at once */
    memset(M + 200, 0, 48);
    wasi_st64(&mem, 200, 5);
    M[208] = 1;
    wasi_st32(&mem, 216, 99);
    cr_assert_eq(wasi_abi_poll_oneoff(w, &mem, 200, 300, 1, 400), 0);
    cr_expect_eq(wasi_ld32(&mem, 400), 1);
    cr_expect_eq(wasi_ld16(&mem, 308), WE_BADF);
    cr_expect_eq(wasi_abi_poll_oneoff(w, &mem, 200, 300, 0, 400), WE_INVAL);
    cr_expect_eq(wasi_abi_proc_raise(w, &mem, 9), WE_NOSYS);
    cr_expect_eq(wasi_abi_sched_yield(w, &mem), 0);
    /* a directory is no socket: ENOTSOCK, not "lacks the socket right" */
    cr_expect_eq(wasi_abi_sock_shutdown(w, &mem, 3, 3), WE_NOTSOCK);
    /* renumber */
    cr_expect_eq(wasi_abi_fd_renumber(w, &mem, 3, 0), 0);
    cr_expect_eq(wasi_abi_fd_prestat_get(w, &mem, 0, 0), 0);
    cr_expect_eq(wasi_abi_fd_prestat_get(w, &mem, 3, 0), WE_BADF);
}


Test(wasi_abi, sockets_handed_in, .init = setup, .fini = teardown) {
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    uint32_t g;
    wasmrt_error err;
    cr_assert(wasmrt_wasi_insert_fd(w, sv[0], &g, &err), "%s", err.message);
    close(sv[0]);
    cr_assert_eq(wasi_abi_fd_fdstat_get(w, &mem, g, 0), 0);
    cr_expect_eq(M[0], WF_SOCKET_STREAM);
    /* guest -> host */
    put(100, "ping");
    wasi_st32(&mem, 8, 100);
    wasi_st32(&mem, 12, 4);
    cr_assert_eq(wasi_abi_sock_send(w, &mem, g, 8, 1, 0, 16), 0);
    cr_expect_eq(wasi_ld32(&mem, 16), 4);
    char buf[8] = {0};
    cr_expect_eq(read(sv[1], buf, sizeof buf), 4);
    cr_expect_str_eq(buf, "ping");
    /* host -> guest, with a peek first */
    cr_assert_eq(write(sv[1], "pong!", 5), 5);
    wasi_st32(&mem, 8, 200);
    wasi_st32(&mem, 12, 16);
    cr_assert_eq(wasi_abi_sock_recv(w, &mem, g, 8, 1, 1 /* peek */, 20, 24), 0);
    cr_expect_eq(wasi_ld32(&mem, 20), 5);
    cr_assert_eq(wasi_abi_sock_recv(w, &mem, g, 8, 1, 0, 20, 24), 0);
    cr_expect_eq(wasi_ld32(&mem, 20), 5);
    cr_expect(memcmp(M + 200, "pong!", 5) == 0);
    cr_expect_eq(wasi_abi_sock_recv(w, &mem, g, 8, 1, 4, 20, 24), WE_INVAL);
    cr_expect_eq(wasi_abi_sock_send(w, &mem, g, 8, 1, 1, 16), WE_INVAL);
    /* shutdown: the peer sees EOF */
    cr_expect_eq(wasi_abi_sock_shutdown(w, &mem, g, 2), 0);
    cr_expect_eq(read(sv[1], buf, sizeof buf), 0);
    cr_expect_eq(wasi_abi_sock_shutdown(w, &mem, g, 7), WE_INVAL);
    /* socket calls on a non-socket say so, before any rights check */
    cr_expect_eq(wasi_abi_sock_send(w, &mem, 3, 8, 1, 0, 16), WE_NOTSOCK);
    int pp[2];
    uint32_t pg;
    cr_assert_eq(pipe(pp), 0);
    cr_assert(wasmrt_wasi_insert_fd(w, pp[0], &pg, &err), "%s", err.message);
    close(pp[0]);
    close(pp[1]);
    cr_expect_eq(wasi_abi_sock_shutdown(w, &mem, pg, 3), WE_NOTSOCK);  /* a pipe */
    /* a socket without the shutdown right is still refused for lack of it */
    cr_expect_eq(wasi_abi_fd_fdstat_set_rights(w, &mem, g, WR_FD_READ, 0), 0);
    cr_expect_eq(wasi_abi_sock_shutdown(w, &mem, g, 3), WE_NOTCAPABLE);
    close(sv[1]);

    /* accept on a handed-in listening socket */
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path + 1, sizeof sa.sun_path - 1, "wasi_abi_%d", (int)getpid());
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1));
    cr_assert_eq(bind(l, (struct sockaddr *)&sa, len), 0);
    cr_assert_eq(listen(l, 4), 0);
    uint32_t gl;
    cr_assert(wasmrt_wasi_insert_fd(w, l, &gl, &err), "%s", err.message);
    close(l);
    cr_expect_eq(wasi_abi_fd_fdstat_set_flags(w, &mem, gl, WFD_NONBLOCK), 0);
    cr_expect_eq(wasi_abi_sock_accept(w, &mem, gl, 0, 40), WE_AGAIN);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert_eq(connect(c, (struct sockaddr *)&sa, len), 0);
    cr_assert_eq(wasi_abi_sock_accept(w, &mem, gl, WFD_NONBLOCK, 40), 0);
    uint32_t ga = wasi_ld32(&mem, 40);
    cr_expect_eq(write(c, "hi", 2), 2);
    wasi_st32(&mem, 8, 300);
    wasi_st32(&mem, 12, 8);
    cr_assert_eq(wasi_abi_fd_fdstat_get(w, &mem, ga, 48), 0);
    cr_expect_eq(wasi_ld16(&mem, 50), WFD_NONBLOCK, "accepted socket is non-blocking");
    cr_assert_eq(wasi_abi_fd_read(w, &mem, ga, 8, 1, 20), 0);
    cr_expect_eq(wasi_ld32(&mem, 20), 2);
    cr_expect_eq(wasi_abi_sock_accept(w, &mem, ga, 0, 40), WE_NOTCAPABLE);
    cr_expect_eq(wasi_abi_sock_accept(w, &mem, gl, 2, 40), WE_INVAL);
    close(c);
}

/* Hostile arguments: every import with random values against a small
 * memory must return an errno, never crash or hang.  Blocking calls are
 * excluded (poll_oneoff with random timeouts; stdio is closed here). */
Test(wasi_abi, random_arguments_never_crash, .init = setup, .fini = teardown) {
    wasmrt_wasi_free(w);
    char p[200];
    snprintf(p, sizeof p, "%s/box", root);
    wasmrt_wasi_dir dir = {p, "box"};
    wasmrt_wasi_config c = {.dirs = &dir, .num_dirs = 1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1};
    wasmrt_error err;
    w = wasmrt_wasi_new(&c, &err);
    cr_assert(w, "%s", err.message);
    wasi_mem small = {M, 4096};
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int iter = 0; iter < 20000; iter++) {
        uint32_t a[10];
        uint64_t b[3];
        for (int i = 0; i < 10; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            /* mostly small values (valid-ish fds, in-bounds pointers), some wild */
            a[i] = (s & 3) == 0 ? (uint32_t)(s >> 32) : (uint32_t)((s >> 20) % ((s & 4) ? 8 : 4200));
        }
        for (int i = 0; i < 3; i++) {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            b[i] = (s & 1) ? s : s % 100000;
        }
        /* keep some plausible paths and iovecs in memory */
        for (int i = 0; i < 64; i++) M[i] = "abc/../x/./y.z/"[(s >> i) % 15];
        const wasi_mem *m = &small;
        uint32_t r = 0;
        switch (iter % 38) {
        case 0: r = wasi_abi_args_get(w, m, a[0], a[1]); break;
        case 1: r = wasi_abi_environ_sizes_get(w, m, a[0], a[1]); break;
        case 2: r = wasi_abi_clock_time_get(w, m, a[0] % 6, b[0], a[1]); break;
        case 3: r = wasi_abi_random_get(w, m, a[0], a[1]); break;
        case 4: r = wasi_abi_fd_advise(w, m, a[0], b[0], b[1], a[1]); break;
        case 5: r = wasi_abi_fd_allocate(w, m, a[0], b[0] % 4096, b[1] % 4096); break;
        case 6: r = wasi_abi_fd_fdstat_get(w, m, a[0], a[1]); break;
        case 7: r = wasi_abi_fd_fdstat_set_flags(w, m, a[0], a[1]); break;
        case 8: r = wasi_abi_fd_filestat_get(w, m, a[0], a[1]); break;
        case 9: r = wasi_abi_fd_filestat_set_size(w, m, a[0], b[0] % 100000); break;
        case 10: r = wasi_abi_fd_filestat_set_times(w, m, a[0], b[0], b[1], a[1]); break;
        case 11: r = wasi_abi_fd_pread(w, m, a[0], a[1], a[2], b[0], a[3]); break;
        case 12: r = wasi_abi_fd_prestat_get(w, m, a[0], a[1]); break;
        case 13: r = wasi_abi_fd_prestat_dir_name(w, m, a[0], a[1], a[2]); break;
        case 14: r = wasi_abi_fd_pwrite(w, m, a[0], a[1], a[2], b[0] % 100000, a[3]); break;
        case 15: r = wasi_abi_fd_read(w, m, a[0], a[1], a[2], a[3]); break;
        case 16: r = wasi_abi_fd_readdir(w, m, a[0], a[1], a[2], b[0], a[3]); break;
        case 17: r = wasi_abi_fd_seek(w, m, a[0], b[0], a[1], a[2]); break;
        case 18: r = wasi_abi_fd_tell(w, m, a[0], a[1]); break;
        case 19: r = wasi_abi_fd_write(w, m, a[0], a[1], a[2], a[3]); break;
        case 20: r = wasi_abi_path_create_directory(w, m, a[0], a[1], a[2]); break;
        case 21: r = wasi_abi_path_filestat_get(w, m, a[0], a[1], a[2], a[3], a[4]); break;
        case 22: r = wasi_abi_path_filestat_set_times(w, m, a[0], a[1], a[2], a[3], b[0], b[1], a[4]); break;
        case 23: r = wasi_abi_path_link(w, m, a[0], a[1], a[2], a[3], a[4], a[5], a[6]); break;
        case 24: r = wasi_abi_path_open(w, m, a[0], a[1], a[2], a[3], a[4] & ~1u /* no O_CREAT storms */, b[0], b[1], a[5] & ~4u, a[6]); break;
        case 25: r = wasi_abi_path_readlink(w, m, a[0], a[1], a[2], a[3], a[4], a[5]); break;
        case 26: r = wasi_abi_path_remove_directory(w, m, a[0], a[1], a[2]); break;
        case 27: r = wasi_abi_path_rename(w, m, a[0], a[1], a[2], a[3], a[4], a[5]); break;
        case 28: r = wasi_abi_path_symlink(w, m, a[0], a[1], a[2], a[3], a[4]); break;
        case 29: r = wasi_abi_path_unlink_file(w, m, a[0], a[1], a[2]); break;
        case 30: r = wasi_abi_sock_recv(w, m, a[0], a[1], a[2], a[3], a[4], a[5]); break;
        case 31: r = wasi_abi_sock_send(w, m, a[0], a[1], a[2], a[3], a[4]); break;
        case 32: r = wasi_abi_sock_shutdown(w, m, a[0], a[1]); break;
        case 33: r = wasi_abi_sock_accept(w, m, a[0], a[1], a[2]); break;
        case 34: r = wasi_abi_fd_fdstat_set_rights(w, m, a[0], b[0], b[1]); break;
        case 35: r = wasi_abi_clock_res_get(w, m, a[0], a[1]); break;
        case 36: r = wasi_abi_fd_sync(w, m, a[0]); break;
        case 37: r = wasi_abi_fd_datasync(w, m, a[0]); break;
        }
        cr_assert_leq(r, 76, "call %d returned %u", iter % 38, r);
    }
    /* fd_close / fd_renumber last: they may take the preopen away */
    for (uint32_t fd = 0; fd < 40; fd++) (void)wasi_abi_fd_renumber(w, &small, fd, (fd * 7) % 40);
    for (uint32_t fd = 0; fd < 40; fd++) (void)wasi_abi_fd_close(w, &small, fd);
    /* the outside is untouched */
    snprintf(p, sizeof p, "%s/outside/secret", root);
    struct stat st;
    cr_expect_eq(stat(p, &st), 0);
    cr_expect_eq(st.st_size, 6);
}

/* The descriptor table has a hard cap: EMFILE, and nothing leaks. */
Test(wasi_abi, fd_table_limit, .init = setup, .fini = teardown) {
    wasmrt_wasi_free(w);
    char p[200];
    snprintf(p, sizeof p, "%s/box", root);
    wasmrt_wasi_dir dir = {p, "box"};
    wasmrt_wasi_config c = {.dirs = &dir, .num_dirs = 1, .stdin_fd = 0, .stdout_fd = 1,
                            .stderr_fd = 2, .max_open_fds = 6};
    wasmrt_error err;
    w = wasmrt_wasi_new(&c, &err);
    cr_assert(w, "%s", err.message);
    uint32_t fd, got[2];
    cr_assert_eq(open_at("file", 0, WR_FD_READ, &got[0]), 0);
    cr_assert_eq(open_at("file", 0, WR_FD_READ, &got[1]), 0);
    cr_expect_eq(got[0], 4);
    cr_expect_eq(got[1], 5);
    cr_expect_eq(open_at("file", 0, WR_FD_READ, &fd), WE_MFILE);
    cr_expect_eq(wasi_abi_fd_close(w, &mem, got[0]), 0);
    cr_expect_eq(open_at("file", 0, WR_FD_READ, &fd), 0);
    cr_expect_eq(fd, 4, "lowest free descriptor is reused");
}
