/* The compile cache's store (see cache.h for the contract).
 *
 * Entry file layout (little-endian):
 *     0  8  magic "WASMCCE1"
 *     8  8  object length N
 *    16 32  key (so an entry renamed or copied to the wrong name is caught)
 *    48 32  SHA-256 of the object
 *    80  N  object
 * The file must be exactly 80 + N bytes: a truncated or extended entry is
 * bad, as is one whose hash does not match.  Bad entries are unlinked.
 *
 * Temporaries are "DIR/xx/.tmp-<pid>-<n>"; one left by a killed process is
 * removed by eviction once it is an hour old (a live writer finishes in
 * well under a second).  Eviction scans the whole store: it runs once per
 * compile that stored something, and a 1 GiB store holds some ten
 * thousand entries.
 */
#define _GNU_SOURCE
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wasmc/sha256.h"

#define ENTRY_MAGIC "WASMCCE1"
#define HEADER_BYTES 80u
#define MAX_ENTRY_BYTES (1ull << 31)
#define STALE_TEMP_SECONDS 3600

struct WasmcCache {
    char *dir;
    uint64_t max_bytes;
    atomic_uint hits, misses, stores, bad_entries, evicted;
};

bool cache_default_dir(char *buf, size_t size) {
    const char *xdg = getenv("XDG_CACHE_HOME");
    int n;
    if (xdg && *xdg == '/') {
        n = snprintf(buf, size, "%s/wasmc", xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) return false;
        n = snprintf(buf, size, "%s/.cache/wasmc", home);
    }
    return n > 0 && (size_t)n < size;
}

/* mkdir -p */
static bool make_dirs(const char *path) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char c = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return false;
        buf[i] = c;
    }
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

WasmcCache *cache_open(const char *dir, uint64_t max_bytes, WasmError *err) {
    if (!dir || !*dir) {
        wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "empty cache directory");
        return NULL;
    }
    if (strlen(dir) > 3000) {
        wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cache directory name too long");
        return NULL;
    }
    if (!make_dirs(dir) || access(dir, W_OK | X_OK) != 0) {
        wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot use cache directory %s: %s", dir,
                   strerror(errno ? errno : EACCES));
        return NULL;
    }
    WasmcCache *c = calloc(1, sizeof *c);
    if (!c || !(c->dir = strdup(dir))) {
        free(c);
        wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
        return NULL;
    }
    c->max_bytes = max_bytes;
    return c;
}

void cache_close(WasmcCache *c) {
    if (!c) return;
    free(c->dir);
    free(c);
}

const char *cache_dir(const WasmcCache *c) { return c->dir; }

CacheStats cache_stats(const WasmcCache *c) {
    CacheStats s = {atomic_load(&c->hits), atomic_load(&c->misses), atomic_load(&c->stores),
                    atomic_load(&c->bad_entries), atomic_load(&c->evicted)};
    return s;
}

static void entry_path(const WasmcCache *c, const uint8_t key[32], char *buf, size_t size, bool subdir_only) {
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", key[i]);
    if (subdir_only) snprintf(buf, size, "%s/%.2s", c->dir, hex);
    else snprintf(buf, size, "%s/%.2s/%s", c->dir, hex, hex + 2);
}

static void put_le64(uint8_t *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static bool read_exact(int fd, uint8_t *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        got += (size_t)r;
    }
    return true;
}

static bool write_exact(int fd, const uint8_t *buf, size_t n) {
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

bool cache_get(WasmcCache *c, const uint8_t key[32], uint8_t **data, size_t *size) {
    *data = NULL;
    *size = 0;
    char path[4200];
    entry_path(c, key, path, sizeof path, false);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        atomic_fetch_add(&c->misses, 1);
        return false;
    }
    struct stat st;
    uint8_t hdr[HEADER_BYTES];
    uint8_t *buf = NULL;
    bool good = fstat(fd, &st) == 0 && st.st_size >= (off_t)HEADER_BYTES && read_exact(fd, hdr, HEADER_BYTES) &&
                memcmp(hdr, ENTRY_MAGIC, 8) == 0;
    uint64_t len = good ? get_le64(hdr + 8) : 0;
    good = good && len <= MAX_ENTRY_BYTES && (uint64_t)st.st_size == HEADER_BYTES + len &&
           memcmp(hdr + 16, key, 32) == 0;
    if (good) good = (buf = malloc(len ? len : 1)) != NULL && read_exact(fd, buf, len);
    if (good) {
        uint8_t sum[32];
        wasmc_sha256(buf, len, sum);
        good = memcmp(sum, hdr + 48, 32) == 0;
    }
    /* LRU: a hit makes the entry the most recently used. */
    if (good) futimens(fd, NULL);
    close(fd);
    if (!good) {
        free(buf);
        /* Only a complete file can be bad (writers rename finished files
         * into place), so removing it cannot race a writer's rename of a
         * good one: that would replace the inode, not this name's data. */
        if (unlink(path) == 0) atomic_fetch_add(&c->bad_entries, 1);
        atomic_fetch_add(&c->misses, 1);
        return false;
    }
    atomic_fetch_add(&c->hits, 1);
    *data = buf;
    *size = len;
    return true;
}

void cache_put(WasmcCache *c, const uint8_t key[32], const uint8_t *data, size_t size) {
    if (size > MAX_ENTRY_BYTES || size > c->max_bytes) return;
    static atomic_uint counter;
    char sub[4200], path[4200], tmp[4300];
    entry_path(c, key, sub, sizeof sub, true);
    entry_path(c, key, path, sizeof path, false);
    if (mkdir(sub, 0755) != 0 && errno != EEXIST) return;
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
        snprintf(tmp, sizeof tmp, "%s/.tmp-%ld-%u", sub, (long)getpid(), atomic_fetch_add(&counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) return;
    }
    if (fd < 0) return;
    uint8_t hdr[HEADER_BYTES];
    memcpy(hdr, ENTRY_MAGIC, 8);
    put_le64(hdr + 8, size);
    memcpy(hdr + 16, key, 32);
    wasmc_sha256(data, size, hdr + 48);
    bool ok = write_exact(fd, hdr, sizeof hdr) && write_exact(fd, data, size);
    if (close(fd) != 0) ok = false;
    if (ok && rename(tmp, path) == 0) {
        atomic_fetch_add(&c->stores, 1);
        return;
    }
    unlink(tmp);
}

/* ---- Eviction ----------------------------------------------------------- */

typedef struct EntryInfo {
    char *path;
    struct timespec mtime;
    uint64_t size;
} EntryInfo;

static int by_age(const void *a, const void *b) {
    const EntryInfo *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec) return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec) return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->path, y->path);
}

static bool is_hex2(const char *s) {
    return strlen(s) == 2 && strspn(s, "0123456789abcdef") == 2;
}

void cache_evict(WasmcCache *c) {
    DIR *top = opendir(c->dir);
    if (!top) return;
    EntryInfo *e = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    time_t now = time(NULL);
    struct dirent *d;
    while ((d = readdir(top))) {
        if (!is_hex2(d->d_name)) continue;
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", c->dir, d->d_name);
        DIR *sd = opendir(sub);
        if (!sd) continue;
        struct dirent *f;
        while ((f = readdir(sd))) {
            if (f->d_name[0] == '.' && (f->d_name[1] == 0 || (f->d_name[1] == '.' && f->d_name[2] == 0)))
                continue;
            char path[4500];
            snprintf(path, sizeof path, "%s/%s", sub, f->d_name);
            struct stat st;
            if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
            if (strncmp(f->d_name, ".tmp-", 5) == 0) {
                if (now - st.st_mtime > STALE_TEMP_SECONDS) unlink(path);
                continue;
            }
            if (n == cap) {
                size_t ncap = cap ? cap * 2 : 256;
                EntryInfo *ne = realloc(e, ncap * sizeof *e);
                if (!ne) break;
                e = ne;
                cap = ncap;
            }
            if (!(e[n].path = strdup(path))) break;
            e[n].mtime = st.st_mtim;
            e[n].size = (uint64_t)st.st_size;
            total += e[n].size;
            n++;
        }
        closedir(sd);
    }
    closedir(top);
    if (total > c->max_bytes) {
        uint64_t target = c->max_bytes / 10 * 9;
        qsort(e, n, sizeof *e, by_age);
        for (size_t i = 0; i < n && total > target; i++) {
            if (unlink(e[i].path) == 0) atomic_fetch_add(&c->evicted, 1);
            total -= e[i].size;
        }
    }
    for (size_t i = 0; i < n; i++) free(e[i].path);
    free(e);
}
