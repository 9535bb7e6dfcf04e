/* Verdicts of artifact checksums, kept so a large artifact is hashed once,
 * not at every start (a 12 MB JavaScript component: ~8 ms of SHA-256 per
 * start before this).
 *
 * A record says: the regular file with this (device, inode, size, mtime,
 * ctime) had a payload whose SHA-256 matched its trailer's
 * payload_sha256.  load.c consults it only for an unsigned-checks load
 * (no trusted keys: a signature is always verified in full), only for
 * files of at least RT_VERIFIED_MIN_BYTES (below that, hashing costs less
 * than reading a record), only when the file's key is the same before and
 * after its bytes were copied into the sealed memfd that is then mapped,
 * and only with the staged trailer's payload_sha256 equal to the
 * record's.  Every other check (ELF, architecture, CPU features,
 * extents) still runs on the staged bytes.
 *
 * Threat model.  The cache guards against an artifact changed after it was
 * verified by someone who can write the artifact but not the cache
 * directory, which is as trusted as the wasmrt binary: created 0700, and
 * ignored unless owned by this user with no group or other write, records
 * likewise (opened O_NOFOLLOW).  Such a writer cannot make a changed file
 * match its record: any write or truncate sets ctime to the current time,
 * which unprivileged processes cannot choose (utimensat sets mtime and
 * atime only, and itself updates ctime); replacing the file gives a new
 * inode, or a reused inode number with a new ctime.  A change inside the
 * same timestamp tick as the verified state (coarse kernel timestamps) is
 * excluded by never recording a file whose ctime is under
 * RT_VERIFIED_RACY_S seconds old (git's "racily clean" rule).  Out of
 * scope, as for the binary itself: root, the cache's owner, and a
 * filesystem whose timestamps the writer controls (a FUSE mount of
 * theirs, an image they mounted).  Hosts that cannot accept that turn it
 * off (wasmrt --no-verified-cache), or sign artifacts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define RT_VERIFIED_RACY_S 2

typedef struct {
    char magic[8];   /* "WRTVER01" */
    uint64_t dev, ino, size;
    int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
    uint8_t payload_sha256[32];
} record;

/* The directory, resolved and checked at the first large artifact (a
 * small one's start pays nothing for the cache): "" = off or unusable. */
static bool enabled;
static char wanted[4096], cache_dir[4096];
static pthread_once_t resolve_once = PTHREAD_ONCE_INIT;

static bool private_to_me(const struct stat *st) {
    return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* mkdir -p of path, each new level 0700. */
static bool make_dirs(char *path) {
    for (char *s = path + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        bool ok = mkdir(path, 0700) == 0 || errno == EEXIST;
        *s = '/';
        if (!ok) return false;
    }
    return mkdir(path, 0700) == 0 || errno == EEXIST;
}

void rt_verified_cache_enable(const char *dir) {
    enabled = true;
    if (dir) snprintf(wanted, sizeof wanted, "%s", dir);
}

static void resolve(void) {
    char d[sizeof cache_dir];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (wanted[0]) snprintf(d, sizeof d, "%s", wanted);
    else if (xdg && xdg[0] == '/') snprintf(d, sizeof d, "%s/wasmrt/verified", xdg);
    else if (home && home[0] == '/') snprintf(d, sizeof d, "%s/.cache/wasmrt/verified", home);
    else return;
    struct stat st;
    if (!make_dirs(d) || lstat(d, &st) != 0 || !S_ISDIR(st.st_mode) || !private_to_me(&st)) return;
    memcpy(cache_dir, d, sizeof d);
}

static bool usable(const struct stat *st) {
    if (!enabled || (uint64_t)st->st_size < RT_VERIFIED_MIN_BYTES) return false;
    pthread_once(&resolve_once, resolve);
    return cache_dir[0] != 0;
}

static void key_of(const struct stat *st, record *r) {
    memset(r, 0, sizeof *r);
    memcpy(r->magic, "WRTVER01", 8);
    r->dev = (uint64_t)st->st_dev;
    r->ino = (uint64_t)st->st_ino;
    r->size = (uint64_t)st->st_size;
    r->mtime_s = st->st_mtim.tv_sec;
    r->mtime_ns = st->st_mtim.tv_nsec;
    r->ctime_s = st->st_ctim.tv_sec;
    r->ctime_ns = st->st_ctim.tv_nsec;
}

static void record_path(const record *k, char *out, size_t cap) {
    snprintf(out, cap, "%s/%llx-%llx", cache_dir, (unsigned long long)k->dev, (unsigned long long)k->ino);
}

bool rt_verified_same_file(const struct stat *a, const struct stat *b) {
    record x, y;
    key_of(a, &x);
    key_of(b, &y);
    return memcmp(&x, &y, sizeof x) == 0;
}

bool rt_verified_cache_hit(const struct stat *st, const uint8_t payload_sha256[32]) {
    if (!usable(st)) return false;
    record want, got;
    key_of(st, &want);
    memcpy(want.payload_sha256, payload_sha256, 32);
    char path[sizeof cache_dir + 64];
    record_path(&want, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    struct stat rs;
    bool ok = fstat(fd, &rs) == 0 && S_ISREG(rs.st_mode) && private_to_me(&rs) &&
              pread(fd, &got, sizeof got, 0) == (ssize_t)sizeof got && memcmp(&got, &want, sizeof got) == 0;
    close(fd);
    return ok;
}

void rt_verified_cache_store(const struct stat *st, const uint8_t payload_sha256[32]) {
    if (!usable(st)) return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (now.tv_sec - st->st_ctim.tv_sec < RT_VERIFIED_RACY_S) return;   /* racily clean: hash again next time */
    record r;
    key_of(st, &r);
    memcpy(r.payload_sha256, payload_sha256, 32);
    char path[sizeof cache_dir + 64], tmp[sizeof path + 32];
    record_path(&r, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return;
    bool ok = write(fd, &r, sizeof r) == (ssize_t)sizeof r;
    close(fd);
    if (!ok || rename(tmp, path) != 0) unlink(tmp);
}
