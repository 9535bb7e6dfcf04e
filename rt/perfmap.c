/* The perf map: Wasm function names for Linux perf (perf report/top), the
 * same mechanism as V8's --perf-basic-prof and Wasmtime's
 * --profile=perfmap.
 *
 * perf resolves a sample in executable memory that no file backs by
 * reading /tmp/perf-<pid>.map, whose lines are "START SIZE NAME" (START and
 * SIZE in hex, NAME to the end of the line; perf's jit-interface.txt).
 * It does that only for anonymous memory ("//anon" mappings), and a loaded
 * artifact's code is a mapping of its sealed memfd: perf 6.1 treats
 * "/memfd:wasmc-artifact (deleted)" as a file it cannot open and shows raw
 * offsets, ignoring the map.  So before writing the map, the module's code
 * pages are replaced by anonymous pages of identical content (same
 * addresses, read+execute again afterwards); the mprotect that makes them
 * executable makes the kernel report an anonymous executable mapping to a
 * running `perf record`, and /proc/PID/maps shows one to `perf record -p`.
 * The bytes are copied from the pages dlopen mapped from the hashed,
 * sealed memfd, so what runs is still exactly what was checked.  This is
 * why it must happen before the module runs anywhere: the module's
 * reference count proves nobody instantiated it yet.
 *
 * Names are guest-controlled (the name section and export names): control
 * characters, C1 controls and invalid UTF-8 become '?', and names are
 * capped, so a hostile module cannot forge map lines or terminal escapes.
 * Each line is "START SIZE wasm:LABEL!NAME", LABEL naming the module (the
 * CLI passes the artifact's file name without ".so"), NAME the name
 * section's function name, else the first export name, else
 * wasm-function[N] (N in the function index space, as wasm-objdump and the
 * name section count).  SIZE runs to the next function's start, the last
 * function's to the end of the code section.
 *
 * Writes are appends (O_APPEND) of whole lines, chunked to a bounded
 * buffer, under a process-wide mutex, so many modules, threads, or another
 * JIT in the same process writing the same map never split a line.  The
 * file is created 0600 without following symlinks and must be a regular
 * file owned by this user: /tmp is shared, and the map reveals code
 * addresses.  Every failure is an error value; the module stays usable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define LABEL_CAP 64          /* bytes of the module label kept */
#define NAME_CAP 200          /* bytes of a function name kept */
#define CHUNK 65536           /* bytes per write(); always whole lines */
#define LINE_MAX_BYTES (2 * 17 + 8 + LABEL_CAP + NAME_CAP + 32)

static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- names ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) len = 2, min = 0x80, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, min = 0x800, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, min = 0x10000, cp = c & 0x07;
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    if (cp >= 0x80 && cp <= 0x9F) return 0;   /* C1 controls (CSI is U+009B) */
    return len;
}

/* Appends name[0..n) to out (at most cap bytes), each byte that is not
 * printable ASCII or part of valid non-control UTF-8 replaced by '?';
 * never splits a sequence.  Returns the bytes written. */
static size_t put_sanitized(char *out, size_t cap, const char *name, size_t n) {
    const unsigned char *s = (const unsigned char *)name;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len(s + i, n - i);
        if (len == 1 && (s[i] < 0x20 || s[i] == 0x7F)) len = 0;
        size_t w = len ? len : 1;
        if (o + w > cap) break;
        if (len) memcpy(out + o, s + i, len);
        else out[o] = '?';
        o += w;
        i += len ? len : 1;
    }
    return o;
}

/* The label of every line: the caller's, else the name section's module
 * name, else "module". */
static size_t make_label(char *out, const char *label, const wasmc_descriptor *d) {
    const char *src = label && *label ? label : d->module_name && *d->module_name ? d->module_name : "module";
    return put_sanitized(out, LABEL_CAP, src, strnlen(src, 4 * LABEL_CAP));
}

/* One "START SIZE wasm:LABEL!NAME\n" line into out (LINE_MAX_BYTES). */
static size_t make_line(char *out, uintptr_t start, uintptr_t size, const char *label, size_t label_len,
                        uint32_t func, const char *name, size_t name_len) {
    int k = snprintf(out, LINE_MAX_BYTES, "%lx %lx wasm:", (unsigned long)start, (unsigned long)size);
    size_t o = k > 0 ? (size_t)k : 0;
    memcpy(out + o, label, label_len);
    o += label_len;
    out[o++] = '!';
    if (name && name_len) {
        o += put_sanitized(out + o, NAME_CAP, name, name_len);
    } else {
        k = snprintf(out + o, LINE_MAX_BYTES - o, "wasm-function[%u]", func);
        o += k > 0 ? (size_t)k : 0;
    }
    out[o++] = '\n';
    return o;
}

/* ---- moving the code to anonymous memory ---------------------------------- */

typedef enum { CODE_FILE, CODE_ANON, CODE_OTHER } code_pages;

/* What backs [lo, hi): all r-x file pages (as dlopen left them), all r-x
 * anonymous pages (already moved), or anything else (refuse). */
static code_pages classify(uintptr_t lo, uintptr_t hi) {
    FILE *fp = fopen("/proc/self/maps", "re");
    if (!fp) return CODE_OTHER;
    char *line = NULL;
    size_t cap = 0;
    uintptr_t covered = lo;
    int kinds = 0;                  /* bit 0: file, bit 1: anonymous */
    bool bad = false;
    while (covered < hi && getline(&line, &cap, fp) > 0) {
        unsigned long s, e, off, inode;
        char perms[8];
        int path_at = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %*s %lu %n", &s, &e, perms, &off, &inode, &path_at) < 5) continue;
        if (e <= covered || s >= hi) continue;
        if (s > covered || strcmp(perms, "r-xp") != 0) {
            bad = true;             /* a hole, or pages that are not plain code */
            break;
        }
        kinds |= inode ? 1 : 2;
        covered = e;
    }
    free(line);
    fclose(fp);
    if (bad || covered < hi || kinds == 3) return CODE_OTHER;
    return kinds == 2 ? CODE_ANON : CODE_FILE;
}

static bool move_code_to_anon(wasmrt_module *m, wasmrt_error *err) {
    const wasmc_descriptor *d = m->desc;
    if (!m->dl) return true;        /* code linked into this process: perf knows its file */
    if (!d->code_start || d->code_end <= d->code_start) {
        rt_err(err, "perf map: the artifact declares no code range");
        return false;
    }
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)d->code_start & ~(page - 1);
    uintptr_t hi = ((uintptr_t)d->code_end + page - 1) & ~(page - 1);
    size_t n = hi - lo;
    code_pages kind = classify(lo, hi);
    if (kind == CODE_ANON) return true;   /* done by an earlier call */
    if (kind != CODE_FILE) {
        rt_err(err, "perf map: the code pages [%#lx, %#lx) are not one read+execute file mapping",
               (unsigned long)lo, (unsigned long)hi);
        return false;
    }
    unsigned users = atomic_load(&m->refs);
    if (users != 1) {
        rt_err(err, "perf map: the module already has %u users; enable the perf map right after "
                    "loading, before instantiating", users);
        return false;
    }
    /* Stage the copy elsewhere so every failure before the move leaves the
     * code untouched; mremap then swaps it in place in one step. */
    void *tmp = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (tmp == MAP_FAILED) {
        rt_err(err, "perf map: cannot allocate %zu bytes for the code copy: %s", n, strerror(errno));
        return false;
    }
    memcpy(tmp, (const void *)lo, n);
    if (mprotect(tmp, n, PROT_READ) != 0 ||
        mremap(tmp, n, n, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)lo) == MAP_FAILED) {
        int e = errno;
        /* mremap may have unmapped the target before failing: put the
         * code back rather than leave a hole where the module runs. */
        if (msync((void *)lo, n, MS_ASYNC) != 0 && errno == ENOMEM) {
            void *back = mmap((void *)lo, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            if (back != MAP_FAILED) {
                memcpy(back, tmp, n);
                mprotect(back, n, PROT_READ | PROT_EXEC);
            }
        }
        munmap(tmp, n);
        rt_err(err, "perf map: cannot move the code to anonymous memory: %s", strerror(e));
        return false;
    }
    /* Becoming executable is what perf hears about (an "//anon" mmap). */
    if (mprotect((void *)lo, n, PROT_READ | PROT_EXEC) != 0) {
        /* Cannot happen for a mapping this process just made; if it did,
         * the module's code would fault, so the caller must hear of it. */
        rt_err(err, "perf map: cannot make the moved code executable: %s (the module is unusable)",
               strerror(errno));
        return false;
    }
    return true;
}

/* ---- writing -------------------------------------------------------------- */

static bool write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static int open_map(const char *path, wasmrt_error *err) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rt_err(err, "perf map %.300s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
        rt_err(err, "perf map %.300s: not a regular file owned by this user", path);
        close(fd);
        return -1;
    }
    return fd;
}

bool wasmrt_module_perf_map(wasmrt_module *m, const char *label, const char *path, wasmrt_error *err) {
    wasmrt_error scratch;
    if (!err) err = &scratch;
    if (!m) {
        rt_err(err, "perf map: no module");
        return false;
    }
    const wasmc_descriptor *d = m->desc;
    char default_path[64];
    if (!path) {
        snprintf(default_path, sizeof default_path, "/tmp/perf-%ld.map", (long)getpid());
        path = default_path;
    }
    /* One export name per function, found in one pass (not one scan of
     * the exports per function: both counts are guest-chosen). */
    const wasmc_export_desc **exp = calloc(d->num_funcs ? d->num_funcs : 1, sizeof *exp);
    char *buf = malloc(CHUNK);
    if (!exp || !buf) {
        free(exp);
        free(buf);
        rt_err(err, "perf map: out of memory");
        return false;
    }
    for (uint32_t i = d->num_exports; i-- > 0;)   /* backwards: the first export wins */
        if (d->exports[i].kind == WASMC_EXTERN_FUNC && d->exports[i].index < d->num_funcs)
            exp[d->exports[i].index] = &d->exports[i];

    pthread_mutex_lock(&map_lock);
    /* Open first: an unwritable map then leaves the module untouched. */
    int fd = open_map(path, err);
    bool ok = fd >= 0 && move_code_to_anon(m, err);
    if (ok) {
        char label_buf[LABEL_CAP];
        size_t label_len = make_label(label_buf, label, d);
        uintptr_t code_end = (uintptr_t)d->code_end;
        size_t used = 0;
        for (uint32_t k = 0; k < m->num_addrs && ok; k++) {
            uintptr_t start = m->addrs[k].addr;
            uintptr_t next = k + 1 < m->num_addrs ? m->addrs[k + 1].addr : code_end;
            uint32_t f = m->addrs[k].func;
            const char *name = d->func_names ? d->func_names[f] : NULL;
            size_t name_len = name ? strnlen(name, 4 * NAME_CAP) : 0;
            if (!name_len && exp[f]) {
                name = exp[f]->name;
                name_len = exp[f]->name_len;
            }
            if (used + LINE_MAX_BYTES > CHUNK) {
                ok = write_all(fd, buf, used);
                used = 0;
            }
            used += make_line(buf + used, start, next > start ? next - start : 0, label_buf, label_len, f,
                              name, name_len);
        }
        if (ok && used) ok = write_all(fd, buf, used);
        if (!ok) rt_err(err, "perf map %.300s: write failed: %s", path, strerror(errno));
    }
    if (fd >= 0) close(fd);
    pthread_mutex_unlock(&map_lock);
    free(exp);
    free(buf);
    return ok;
}
