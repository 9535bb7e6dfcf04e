/* Linking with ld.lld and writing the artifact.
 *
 * The objects go to a private directory (mkdtemp, mode 0700) as p0.o,
 * p1.o, ... and are passed to ld.lld in part order; a version script makes
 * wasmc_descriptor the only dynamic symbol, so nothing of the guest is
 * reachable by dlsym and nothing can interpose on it.  The soname is
 * "wasmc-<first 16 hex digits of the module's SHA-256>", so readelf -d
 * tells which module an artifact came from.  Undefined libc/libm
 * symbols LLVM may call (memcpy, memset, fmin, ...) stay undefined and bind
 * at dlopen to the runtime's libc.  .symtab is stripped (--strip-all):
 * nothing can read it from a loaded artifact, whose code is a mapping of a
 * sealed memfd that perf and gdb cannot open (perf gets names from the
 * perf map instead, rt/perfmap.c), and it was 4% of ruby.wasm's artifact;
 * the cost is that objdump of an artifact shows no function names.
 * Relative relocations are packed (DT_RELR): the descriptor's pointers to
 * every function were 24 bytes of .rela.dyn each (0.7 MB of ruby.wasm's
 * artifact); the runtime checks that its C library applies them
 * (rt/load.c).
 * Nothing that varies between
 * runs reaches the output: no build-id, no paths (the objects'
 * only file symbol comes from the IR module name, not from where they were
 * written), so identical inputs give identical bytes.
 *
 * After linking, the dynamic symbol table is checked: an undefined symbol
 * other than the libc/libm functions LLVM may call would only fail at
 * dlopen on the deployment host, so it is reported here instead (it would
 * be a wasmc bug, e.g. a compiler-rt helper no runtime provides).
 *
 * ld.lld runs single-threaded (--threads=1): these links are small and
 * its thread pool cost more than it saved (~8 ms of a ~30 ms link, most of
 * which is lld loading libLLVM).  It runs through posix_spawn with its
 * output captured; its first
 * "error:" line becomes the WasmError.  The directory and everything in it
 * is removed on every path.
 *
 * Output is written to "<out>.wasmc-tmp-<pid>-<n>" in the destination
 * directory (so rename() stays within one file system) and renamed over
 * the destination only once complete.  No fsync: rename gives readers
 * all-or-nothing, and a file torn by a power cut fails the runtime's
 * payload hash check instead of loading.
 */
#define _GNU_SOURCE
#include "link.h"
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wasmc/artifact.h"
#include "wasmc/sha256.h"

extern char **environ;

#define MAX_DIAG 8192

/* ---- Cleanup on fatal signals ------------------------------------------- */

/* Temporaries in flight, so link_cleanup_temporaries() can remove them
 * from a signal handler when wasmc is interrupted.  Fixed slots and plain
 * stores: nothing here may allocate or lock.  A slot is claimed by CAS, its
 * path written, then `state` set to publish it. */
#define CLEANUP_SLOTS 16
enum { SLOT_FREE, SLOT_CLAIMED, SLOT_FILE, SLOT_OBJDIR };
static struct {
    atomic_int state;
    atomic_uint objects;          /* SLOT_OBJDIR: p0.o .. p<objects-1>.o */
    char path[4096];
} cleanup_slots[CLEANUP_SLOTS];

static int cleanup_register(const char *path, int kind) {
    if (strlen(path) >= sizeof cleanup_slots[0].path - 32) return -1;
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        int expect = SLOT_FREE;
        if (atomic_compare_exchange_strong(&cleanup_slots[i].state, &expect, SLOT_CLAIMED)) {
            strcpy(cleanup_slots[i].path, path);
            atomic_store(&cleanup_slots[i].objects, 0);
            atomic_store(&cleanup_slots[i].state, kind);
            return i;
        }
    }
    return -1;   /* best effort: too many concurrent compiles to track */
}

static void cleanup_unregister(int slot) {
    if (slot >= 0) atomic_store(&cleanup_slots[slot].state, SLOT_FREE);
}

/* Async-signal-safe path building (no snprintf). */
static void path_join(char *out, const char *dir, const char *name) {
    size_t n = strlen(dir);
    memcpy(out, dir, n);
    out[n] = '/';
    strcpy(out + n + 1, name);
}

void link_cleanup_temporaries(void) {
    for (int i = 0; i < CLEANUP_SLOTS; i++) {
        int st = atomic_load(&cleanup_slots[i].state);
        const char *p = cleanup_slots[i].path;
        if (st == SLOT_FILE) {
            unlink(p);
        } else if (st == SLOT_OBJDIR) {
            char buf[sizeof cleanup_slots[0].path];
            unsigned n = atomic_load(&cleanup_slots[i].objects);
            for (unsigned k = 0; k < n; k++) {
                char name[16] = "p";
                char digits[12];
                int d = 0;
                unsigned v = k;
                do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
                int j = 1;
                while (d) name[j++] = digits[--d];
                strcpy(name + j, ".o");
                path_join(buf, p, name);
                unlink(buf);
            }
            path_join(buf, p, "exports.ver");
            unlink(buf);
            path_join(buf, p, "out.so");
            unlink(buf);
            rmdir(p);
        }
    }
}

/* ---- Files -------------------------------------------------------------- */

static bool write_all(int fd, const void *data, size_t n) {
    const uint8_t *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool write_file(const char *path, const void *data, size_t n, WasmError *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot create %s: %s", path, strerror(errno));
    bool ok = write_all(fd, data, n);
    int e = errno;
    if (close(fd) != 0 && ok) { ok = false; e = errno; }
    if (!ok) return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot write %s: %s", path, strerror(e));
    return true;
}

static bool read_file(const char *path, uint8_t **out, size_t *size, WasmError *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "linker output missing: %s", strerror(errno));
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;
    bool ok = fstat(fd, &st) == 0 && st.st_size >= 0;
    if (ok) ok = (buf = malloc((size_t)st.st_size + 1)) != NULL;
    while (ok && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) ok = false;
        else got += (size_t)r;
    }
    close(fd);
    if (!ok) {
        free(buf);
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "cannot read the linker output");
    }
    *out = buf;
    *size = got;
    return true;
}

/* ---- Running ld.lld ----------------------------------------------------- */

/* The first "error:" line of lld's output, without the tool prefix. */
static void first_error_line(const char *diag, char *out, size_t size) {
    const char *line = strstr(diag, "error: ");
    if (line) line += 7;
    else line = diag;
    size_t n = strcspn(line, "\n");
    if (n >= size) n = size - 1;
    memcpy(out, line, n);
    out[n] = 0;
}

static bool run_linker(char *const argv[], WasmError *err) {
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    pid_t pid;
    int rc = strchr(argv[0], '/') ? posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)
                                  : posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "cannot run the linker %s: %s",
                          argv[0], strerror(rc));
    }
    /* Drain all output (so lld never blocks on a full pipe) but keep only
     * the start. */
    char diag[MAX_DIAG];
    size_t len = 0;
    for (;;) {
        char chunk[4096];
        ssize_t r = read(pipefd[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        size_t take = (size_t)r < sizeof diag - 1 - len ? (size_t)r : sizeof diag - 1 - len;
        memcpy(diag + len, chunk, take);
        len += take;
    }
    diag[len] = 0;
    close(pipefd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "waitpid: %s", strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
    char line[200];
    first_error_line(diag, line, sizeof line);
    if (WIFSIGNALED(status))
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "linker killed by signal %d", WTERMSIG(status));
    return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "linker failed: %s",
                      line[0] ? line : "no diagnostics");
}

/* ---- Checking the linked image ----------------------------------------- */

static uint64_t rd(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* Functions LLVM may emit calls to for Wasm code, all in every libc/libm. */
static const char *const allowed_imports[] = {
    "memcpy", "memmove", "memset", "memcmp",
    "floor", "floorf", "ceil", "ceilf", "trunc", "truncf", "nearbyint", "nearbyintf",
    "rint", "rintf", "round", "roundf", "roundeven", "roundevenf",
    "fmin", "fminf", "fmax", "fmaxf", "sqrt", "sqrtf", "fabs", "fabsf",
    "copysign", "copysignf", "fma", "fmaf", "fmod", "fmodf",
};

static bool check_dynamic_symbols(const uint8_t *so, size_t n, WasmError *err) {
    /* ELF64 little-endian, as ld.lld was asked to produce for both targets. */
    if (n < 64 || memcmp(so, "\x7f" "ELF", 4) != 0 || so[4] != 2 || so[5] != 1)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "the linker did not produce an ELF64 LE object");
    uint64_t shoff = rd(so + 0x28, 8), shentsize = rd(so + 0x3a, 2), shnum = rd(so + 0x3c, 2);
    if (shentsize < 64 || shoff > n || shnum > (n - shoff) / shentsize)
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "malformed section table in the linked object");
    for (uint64_t i = 0; i < shnum; i++) {
        const uint8_t *sh = so + shoff + i * shentsize;
        if (rd(sh + 4, 4) != 11 /* SHT_DYNSYM */) continue;
        uint64_t off = rd(sh + 0x18, 8), size = rd(sh + 0x20, 8), link = rd(sh + 0x28, 4);
        if (link >= shnum || off > n || size > n - off)
            return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "malformed .dynsym in the linked object");
        const uint8_t *strsh = so + shoff + link * shentsize;
        uint64_t stroff = rd(strsh + 0x18, 8), strsize = rd(strsh + 0x20, 8);
        if (stroff > n || strsize > n - stroff || strsize == 0 || so[stroff + strsize - 1] != 0)
            return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "malformed .dynstr in the linked object");
        for (uint64_t k = 1; k < size / 24; k++) {
            const uint8_t *sym = so + off + k * 24;
            uint64_t name = rd(sym, 4), shndx = rd(sym + 6, 2);
            if (shndx != 0 || name >= strsize) continue;
            const char *nm = (const char *)so + stroff + name;
            bool ok = false;
            for (size_t a = 0; a < sizeof allowed_imports / sizeof allowed_imports[0] && !ok; a++)
                ok = strcmp(nm, allowed_imports[a]) == 0;
            if (!ok)
                return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET,
                                  "the artifact would need symbol '%s', which the runtime does not provide", nm);
        }
    }
    return true;
}

bool link_objects(const CompileConfig *cc, const CodegenObject *objs, uint32_t n, const char *soname,
                  const char *export_symbol, uint8_t **so, size_t *so_size, WasmError *err) {
    *so = NULL;
    *so_size = 0;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) tmp = "/tmp";
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%s/wasmc-XXXXXX", tmp) >= (int)sizeof dir)
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "TMPDIR too long");
    if (!mkdtemp(dir))
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot create a temporary directory in %s: %s",
                          tmp, strerror(errno));
    int slot = cleanup_register(dir, SLOT_OBJDIR);

    size_t dlen = strlen(dir) + 32;
    char *paths = malloc((size_t)(n + 2) * dlen);   /* p<i>.o..., exports.ver, out.so */
    char **argv = calloc((size_t)n + 32, sizeof *argv);
    uint32_t written = 0;
    bool have_ver = false, ok = paths && argv;
    if (!ok) wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    char *ver = paths ? paths + (size_t)n * dlen : NULL;
    char *out = paths ? paths + (size_t)(n + 1) * dlen : NULL;
    if (paths) {
        snprintf(ver, dlen, "%s/exports.ver", dir);
        snprintf(out, dlen, "%s/out.so", dir);
    }

    for (uint32_t i = 0; ok && i < n; i++) {
        snprintf(paths + (size_t)i * dlen, dlen, "%s/p%u.o", dir, i);
        if (slot >= 0) atomic_store(&cleanup_slots[slot].objects, i + 1);
        ok = write_file(paths + (size_t)i * dlen, objs[i].data, objs[i].size, err);
        if (ok) written++;
    }
    if (ok) {
        char script[256];
        int len = snprintf(script, sizeof script, "{\n  global: %s;\n  local: *;\n};\n",
                           export_symbol ? export_symbol : WASMC_DESCRIPTOR_SYMBOL);
        ok = have_ver = write_file(ver, script, (size_t)len, err);
    }
    if (ok) {
        char verarg[4200];
        snprintf(verarg, sizeof verarg, "--version-script=%s", ver);
        int a = 0;
        argv[a++] = (char *)cc->linker;
        const char *fixed[] = {"-shared", "--hash-style=gnu", "-z", "noexecstack", "-z", "relro",
                               "-z", "now", "--build-id=none", "--eh-frame-hdr", "--strip-all", "-z",
                               "pack-relative-relocs", "--threads=1", "-m", cc->target->lld_emulation, "-soname",
                               soname, verarg, "-o", out};
        for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) argv[a++] = (char *)fixed[i];
        for (uint32_t i = 0; i < n; i++) argv[a++] = paths + (size_t)i * dlen;
        argv[a] = NULL;
        ok = run_linker(argv, err);
        if (ok) ok = read_file(out, so, so_size, err);
        if (ok && !check_dynamic_symbols(*so, *so_size, err)) {
            ok = false;
            free(*so);
            *so = NULL;
            *so_size = 0;
        }
    }

    if (paths) {
        for (uint32_t i = 0; i < written; i++) unlink(paths + (size_t)i * dlen);
        if (have_ver) unlink(ver);
        unlink(out);   /* also removes a partial output after a failed link */
    }
    rmdir(dir);
    cleanup_unregister(slot);
    free(paths);
    free(argv);
    return ok;
}

/* ---- The artifact ------------------------------------------------------- */

static void put_le(uint8_t *p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void link_encode_trailer(const ArtifactInfo *info, const uint8_t *payload, size_t payload_size,
                         uint8_t out[sizeof(wasmc_trailer)]) {
    memset(out, 0, sizeof(wasmc_trailer));
    memcpy(out + offsetof(wasmc_trailer, magic), WASMC_TRAILER_MAGIC, 8);
    put_le(out + offsetof(wasmc_trailer, format_version), WASMC_FORMAT_VERSION, 4);
    put_le(out + offsetof(wasmc_trailer, arch), (uint32_t)info->arch, 4);
    put_le(out + offsetof(wasmc_trailer, cpu_features), info->cpu_features, 8);
    put_le(out + offsetof(wasmc_trailer, memory_mode), (uint32_t)info->memory_mode, 4);
    put_le(out + offsetof(wasmc_trailer, trailer_size), sizeof(wasmc_trailer), 4);
    put_le(out + offsetof(wasmc_trailer, payload_size), payload_size, 8);
    wasmc_sha256(payload, payload_size, out + offsetof(wasmc_trailer, payload_sha256));
    memcpy(out + offsetof(wasmc_trailer, module_sha256), info->module_sha256, 32);
    static const char version[] = "wasmc " WASMC_VERSION;
    _Static_assert(sizeof version <= sizeof(((wasmc_trailer *)0)->compiler_version), "version fits");
    memcpy(out + offsetof(wasmc_trailer, compiler_version), version, sizeof version);
}

bool link_write_artifact(const char *out_path, const ArtifactInfo *info, const uint8_t *payload,
                         size_t payload_size, size_t *written, WasmError *err) {
    uint8_t trailer[sizeof(wasmc_trailer)];
    link_encode_trailer(info, payload, payload_size, trailer);
    if (written) *written = 0;
    /* Signed: the block follows the trailer and covers both (artifact.h). */
    wasmc_signature sig;
    size_t sig_size = 0;
    if (info->sign_key) {
        uint8_t *body = malloc(payload_size + sizeof trailer);
        if (!body) return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
        memcpy(body, payload, payload_size);
        memcpy(body + payload_size, trailer, sizeof trailer);
        bool ok = sign_block(info->sign_key, body, payload_size + sizeof trailer, &sig, err);
        free(body);
        if (!ok) return false;
        sig_size = sizeof sig;
    }

    if (strcmp(out_path, "-") == 0) {
        if (!write_all(1, payload, payload_size) || !write_all(1, trailer, sizeof trailer) ||
            !write_all(1, &sig, sig_size))
            return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot write to standard output: %s",
                              strerror(errno));
        if (written) *written = payload_size + sizeof trailer + sig_size;
        return true;
    }

    static atomic_uint counter;
    size_t len = strlen(out_path) + 64;
    char *tmp = malloc(len);
    if (!tmp) return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, len, "%s.wasmc-tmp-%ld-%u", out_path, (long)getpid(), atomic_fetch_add(&counter, 1));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) break;
    }
    int slot = fd >= 0 ? cleanup_register(tmp, SLOT_FILE) : -1;
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot create %s: %s", out_path, strerror(e));
    }
    bool ok = write_all(fd, payload, payload_size) && write_all(fd, trailer, sizeof trailer) &&
              write_all(fd, &sig, sig_size);
    int e = errno;
    if (close(fd) != 0 && ok) { ok = false; e = errno; }
    if (!ok) {
        unlink(tmp);
        cleanup_unregister(slot);
        free(tmp);
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot write %s: %s", out_path, strerror(e));
    }
    if (rename(tmp, out_path) != 0) {
        e = errno;
        unlink(tmp);
        cleanup_unregister(slot);
        free(tmp);
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot write %s: %s", out_path, strerror(e));
    }
    cleanup_unregister(slot);
    free(tmp);
    if (written) *written = payload_size + sizeof trailer + sig_size;
    return true;
}
