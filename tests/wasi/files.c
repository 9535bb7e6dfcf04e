/* Files in the preopened /sandbox: create/exclusive create, write/read,
 * seek/tell, pread/pwrite, append, stat, truncate, timestamps, allocate,
 * sync, advise, and rights (writing a read-only descriptor). */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "check.h"

int main(void) {
    int fd = open("/sandbox/f.txt", O_RDWR | O_CREAT | O_EXCL, 0644);
    CHECK(fd >= 0, "create f.txt");
    CHECK(open("/sandbox/f.txt", O_RDWR | O_CREAT | O_EXCL, 0644) < 0 && errno == EEXIST,
          "exclusive create of an existing file");
    CHECK(write(fd, "hello, world\n", 13) == 13, "write");
    CHECK(lseek(fd, 0, SEEK_CUR) == 13, "tell after write");
    CHECK(lseek(fd, 7, SEEK_SET) == 7, "seek set");
    char buf[64] = {0};
    CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "world", 5) == 0, "read after seek: '%s'", buf);
    CHECK(lseek(fd, -2, SEEK_END) == 11, "seek end");
    CHECK(lseek(fd, -100, SEEK_SET) < 0 && errno == EINVAL, "negative seek");
    CHECK(pwrite(fd, "HELLO", 5, 0) == 5, "pwrite");
    CHECK(lseek(fd, 0, SEEK_CUR) == 11, "pwrite moved the offset");
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, sizeof buf, 0) == 13 && memcmp(buf, "HELLO, world\n", 13) == 0,
          "pread: '%s'", buf);
    CHECK(pread(fd, buf, sizeof buf, 1000) == 0, "pread past the end");

    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 13 && S_ISREG(st.st_mode), "fstat size %lld",
          (long long)st.st_size);
    CHECK(ftruncate(fd, 5) == 0, "ftruncate");
    CHECK(fstat(fd, &st) == 0 && st.st_size == 5, "size after truncate %lld", (long long)st.st_size);
    CHECK(ftruncate(fd, 100000) == 0 && fstat(fd, &st) == 0 && st.st_size == 100000, "extend");
    /* WASI 0.2 has no allocate: the adapter refuses it */
    CHECK(ADAPTER ? posix_fallocate(fd, 0, 200000) != 0
                  : posix_fallocate(fd, 0, 200000) == 0 && fstat(fd, &st) == 0 &&
                        st.st_size == 200000,
          "fallocate");
    CHECK(posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) == 0, "fadvise");
    CHECK(fsync(fd) == 0, "fsync");
    CHECK(fdatasync(fd) == 0, "fdatasync");

    /* timestamps: explicit, then "now" */
    struct timespec times[2] = {{1000000000, 123}, {1200000000, 456000}};
    CHECK(futimens(fd, times) == 0, "futimens");
    CHECK(fstat(fd, &st) == 0 && st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 123 &&
              st.st_mtim.tv_sec == 1200000000 && st.st_mtim.tv_nsec == 456000,
          "timestamps %lld.%ld %lld.%ld", (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
          (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    /* mtime = now, atime kept (raw: this wasi-libc's utimensat rejects
     * UTIME_OMIT/UTIME_NOW before making the call, under any engine) */
    CHECK_WASI(__wasi_path_filestat_set_times(3, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "f.txt", 0, 0,
                                              __WASI_FSTFLAGS_MTIM_NOW), 0);
    CHECK_WASI(__wasi_path_filestat_set_times(3, 0, "f.txt", 1, 0,
                                              __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW),
               __WASI_ERRNO_INVAL);
    CHECK(stat("/sandbox/f.txt", &st) == 0 && st.st_atim.tv_sec == 1000000000 &&
              st.st_mtim.tv_sec > 1600000000,
          "after set_times: atime %lld mtime %lld", (long long)st.st_atim.tv_sec,
          (long long)st.st_mtim.tv_sec);
    CHECK(close(fd) == 0, "close");
    CHECK(close(fd) < 0 && errno == EBADF, "double close");

    /* append */
    fd = open("/sandbox/log", O_WRONLY | O_CREAT | O_APPEND, 0644);
    CHECK(fd >= 0, "open append");
    CHECK(write(fd, "ab", 2) == 2 && lseek(fd, 0, SEEK_SET) == 0 && write(fd, "cd", 2) == 2,
          "append writes");
    CHECK((fcntl(fd, F_GETFL) & O_APPEND) != 0, "O_APPEND visible in F_GETFL");
    close(fd);
    fd = open("/sandbox/log", O_RDONLY);
    memset(buf, 0, sizeof buf);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 4 && strcmp(buf, "abcd") == 0, "append content '%s'", buf);
    /* rights: a read-only descriptor cannot write or truncate */
    /* (wasi-libc turns ENOTCAPABLE from fd_write into EBADF; the raw call
     * shows the WASI errno) */
    CHECK(write(fd, "x", 1) < 0 && (errno == EBADF || errno == ENOTCAPABLE), "write on O_RDONLY");
    __wasi_ciovec_t ciov = {(const uint8_t *)"x", 1};
    __wasi_size_t nw;
#if ADAPTER
    /* WASI 0.2 has no rights: a descriptor opened read-only answers EBADF
     * to writes, and there are no rights to drop */
    CHECK_WASI(__wasi_fd_write((__wasi_fd_t)fd, &ciov, 1, &nw), __WASI_ERRNO_BADF);
    CHECK(ftruncate(fd, 0) < 0 && errno == EBADF, "truncate on O_RDONLY");
#else
    CHECK_WASI(__wasi_fd_write((__wasi_fd_t)fd, &ciov, 1, &nw), __WASI_ERRNO_NOTCAPABLE);
    CHECK(ftruncate(fd, 0) < 0 && errno == ENOTCAPABLE, "truncate on O_RDONLY");
    __wasi_fdstat_t fs;
    CHECK_WASI(__wasi_fd_fdstat_get(fd, &fs), 0);
    CHECK(fs.fs_filetype == __WASI_FILETYPE_REGULAR_FILE, "filetype %d", fs.fs_filetype);
    CHECK((fs.fs_rights_base & __WASI_RIGHTS_FD_WRITE) == 0, "O_RDONLY fd holds FD_WRITE");
    CHECK_WASI(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE, 0),
               __WASI_ERRNO_NOTCAPABLE);
    CHECK_WASI(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0), 0);
    __wasi_filesize_t pos;
    CHECK_WASI(__wasi_fd_seek((__wasi_fd_t)fd, 0, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_NOTCAPABLE);
    CHECK(lseek(fd, 0, SEEK_SET) < 0, "seek after dropping FD_SEEK");
#endif
    close(fd);
    /* O_TRUNC */
    fd = open("/sandbox/log", O_WRONLY | O_TRUNC);
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC");
    close(fd);
    CHECK(open("/sandbox/missing", O_RDONLY) < 0 && errno == ENOENT, "missing file");
    CHECK(open("/sandbox/f.txt/x", O_RDONLY) < 0 && errno == ENOTDIR, "file as directory");
    CHECK(open("/sandbox", O_WRONLY) < 0 && errno == EISDIR, "directory for writing");
    CHECK(read(99, buf, 1) < 0 && errno == EBADF, "bad descriptor");
    /* stdio is a TTY or a pipe/file: either way writable */
    CHECK(write(1, "", 0) == 0, "write to stdout");
    return DONE("files");
}
