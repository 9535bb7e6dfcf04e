/* Directories in /sandbox: mkdir/rmdir, readdir across many fd_readdir
 * calls (cookies), seekdir/telldir, rename, unlink, symlink/readlink,
 * lstat, hard links. */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define NFILES 300

static void touch(const char *p) {
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0, "create %s", p);
    if (fd >= 0) close(fd);
}

int main(void) {
    CHECK(mkdir("/sandbox/d", 0755) == 0, "mkdir");
    CHECK(mkdir("/sandbox/d", 0755) < 0 && errno == EEXIST, "mkdir existing");
    CHECK(mkdir("/sandbox/nope/d", 0755) < 0 && errno == ENOENT, "mkdir in missing parent");
    char p[256];
    for (int i = 0; i < NFILES; i++) {
        snprintf(p, sizeof p, "/sandbox/d/file_with_a_longish_name_%04d", i);
        touch(p);
    }
    /* readdir: every entry exactly once; 300 long names need several
     * fd_readdir calls resumed by cookie */
    static unsigned char seen[NFILES];
    int dots = 0, total = 0;
    long mid_pos = -1;
    char mid_name[256] = "";
    DIR *d = opendir("/sandbox/d");
    CHECK(d != NULL, "opendir");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        total++;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
            dots++;
            continue;
        }
        int n;
        if (sscanf(e->d_name, "file_with_a_longish_name_%d", &n) == 1 && n >= 0 && n < NFILES) {
            seen[n]++;
            CHECK(e->d_type == DT_REG, "d_type of %s = %d", e->d_name, e->d_type);
        } else {
            CHECK(0, "unexpected entry '%s'", e->d_name);
        }
        if (total == 150) {
            mid_pos = telldir(d);
            e = readdir(d);
            if (e) {
                snprintf(mid_name, sizeof mid_name, "%s", e->d_name);
                total++;
                if (sscanf(e->d_name, "file_with_a_longish_name_%d", &n) == 1 && n >= 0 && n < NFILES)
                    seen[n]++;
            }
        }
    }
    CHECK(dots == 2, ". and .. seen %d times", dots);
    for (int i = 0; i < NFILES; i++) CHECK(seen[i] == 1, "file %d seen %d times", i, seen[i]);
    /* seekdir back to a cookie yields the same next entry */
    if (d && mid_pos >= 0) {
        seekdir(d, mid_pos);
        e = readdir(d);
        CHECK(e && strcmp(e->d_name, mid_name) == 0, "seekdir/telldir: got '%s', want '%s'",
              e ? e->d_name : "(end)", mid_name);
        rewinddir(d);
        int again = 0;
        while (readdir(d)) again++;
        CHECK(again == NFILES + 2, "after rewinddir: %d entries", again);
    }
    if (d) closedir(d);

    CHECK(rmdir("/sandbox/d") < 0 && errno == ENOTEMPTY, "rmdir non-empty");
    for (int i = 0; i < NFILES; i++) {
        snprintf(p, sizeof p, "/sandbox/d/file_with_a_longish_name_%04d", i);
        CHECK(unlink(p) == 0, "unlink %s", p);
    }
    CHECK(unlink("/sandbox/d") < 0 && (errno == EISDIR || errno == EPERM), "unlink a directory");
    CHECK(rmdir("/sandbox/d") == 0, "rmdir");
    CHECK(rmdir("/sandbox/d") < 0 && errno == ENOENT, "rmdir missing");

    /* rename: file, over an existing file, directory */
    touch("/sandbox/a");
    touch("/sandbox/b");
    CHECK(rename("/sandbox/a", "/sandbox/c") == 0, "rename");
    CHECK(access("/sandbox/a", F_OK) < 0 && errno == ENOENT, "old name gone");
    CHECK(rename("/sandbox/c", "/sandbox/b") == 0, "rename over existing");
    CHECK(mkdir("/sandbox/dir1", 0755) == 0 && rename("/sandbox/dir1", "/sandbox/dir2") == 0,
          "rename directory");
    CHECK(rename("/sandbox/b", "/sandbox/dir2/b") == 0, "move into directory");
    touch("/sandbox/dir3");
    CHECK(rename("/sandbox/dir2", "/sandbox/dir3") < 0 && errno == ENOTDIR, "dir over file");

    /* symlinks */
    CHECK(symlink("dir2/b", "/sandbox/lnk") == 0, "symlink");
    char t[64] = {0};
    CHECK(readlink("/sandbox/lnk", t, sizeof t) == 6 && memcmp(t, "dir2/b", 6) == 0, "readlink '%s'", t);
    struct stat st, lst;
    CHECK(lstat("/sandbox/lnk", &lst) == 0 && S_ISLNK(lst.st_mode), "lstat sees a link");
    CHECK(stat("/sandbox/lnk", &st) == 0 && S_ISREG(st.st_mode), "stat follows");
    int fd = open("/sandbox/lnk", O_RDONLY);
    CHECK(fd >= 0, "open through symlink");
    if (fd >= 0) close(fd);
    CHECK(open("/sandbox/lnk", O_RDONLY | O_NOFOLLOW) < 0 && errno == ELOOP, "O_NOFOLLOW");
    CHECK(readlink("/sandbox/dir3", t, sizeof t) < 0 && errno == EINVAL, "readlink on a file");
    CHECK(symlink("x", "/sandbox/lnk") < 0 && errno == EEXIST, "symlink over existing");
    CHECK(unlink("/sandbox/lnk") == 0, "unlink symlink");
    CHECK(stat("/sandbox/dir2/b", &st) == 0, "target survives");

    /* hard links */
    CHECK(link("/sandbox/dir2/b", "/sandbox/hard") == 0, "link");
    CHECK(stat("/sandbox/hard", &st) == 0 && st.st_nlink == 2, "nlink = %d", (int)st.st_nlink);
    struct stat st2;
    CHECK(stat("/sandbox/dir2/b", &st2) == 0 && st2.st_ino == st.st_ino, "same inode");
    CHECK(link("/sandbox/dir2/b", "/sandbox/hard") < 0 && errno == EEXIST, "link over existing");
    CHECK(unlink("/sandbox/hard") == 0 && stat("/sandbox/dir2/b", &st) == 0 && st.st_nlink == 1,
          "unlink one name");
    return DONE("dirs");
}
