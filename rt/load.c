/* Loading an artifact file: every check before any byte of it is mapped
 * executable.
 *
 * The file is copied once into a sealed memfd (sendfile: no page faults
 * on our side); the trailer, ELF header and SHA-256 are checked on those
 * bytes, and dlopen maps the memfd itself (/proc/self/fd/N), so a file
 * swapped or modified after the checks (TOCTOU) cannot change what runs.
 * The copy stays for that reason (mapping the file directly would let a
 * writer change code after it was checked).  A large file's SHA-256 is
 * not recomputed when verified_cache.c has a verdict for exactly this
 * file state (its threat model is there).
 *
 * Files whose content the kernel itself keeps from changing need no copy:
 * fs-verity files (read-only for good) and immutable ones (chattr +i,
 * which only CAP_LINUX_IMMUTABLE can set or clear) are checked through a
 * read-only mapping and dlopen'd as they are (/proc/self/fd/N of the file
 * itself), sharing their page cache like a native library.  That is the
 * way to install a large artifact that starts like native code: a 16 MB
 * JavaScript component spends most of its start copying itself otherwise.
 * (Immutability also stops writes through descriptors and shared mappings
 * opened before the flag was set on ext4, XFS and btrfs since Linux 5.4;
 * elsewhere, set it on a file no one holds open.)
 *
 * Messages name exactly which check failed, since "could not load" is
 * useless to an operator.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../target/host.h"
#include "internal.h"
#include "wasmc/component_plan.h"
#include "wasmc/sha256.h"

static void load_libm_globally(void) {
    /* Failure is not fatal: artifacts that need no libm still load, and
     * one that does reports the missing symbol through dlopen's error. */
    (void)dlopen("libm.so.6", RTLD_NOW | RTLD_GLOBAL);
}

/* Whether the (already verified, extent-checked) image imports any symbol:
 * only then can it need libm.  Loading libm costs ~0.1 ms, a tenth of a
 * cold start, and most artifacts import nothing.  When the section headers
 * do not say (stripped, or a table out of bounds), assume it does.  Only
 * the first dynamic symbol table is read (an ELF file has one), so the work
 * is bounded by the file size even for a crafted section table. */
static bool imports_symbols(const uint8_t *p, uint64_t size) {
    Elf64_Ehdr eh;
    memcpy(&eh, p, sizeof eh);
    if (eh.e_shnum == 0 || eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > size ||
        (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr) > size - eh.e_shoff)
        return true;
    for (uint32_t i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        memcpy(&sh, p + eh.e_shoff + (uint64_t)i * sizeof sh, sizeof sh);
        if (sh.sh_type != SHT_DYNSYM) continue;
        if (sh.sh_entsize != sizeof(Elf64_Sym) || sh.sh_offset > size || sh.sh_size > size - sh.sh_offset)
            return true;
        /* Entry 0 is the reserved null symbol. */
        for (uint64_t k = 1; k < sh.sh_size / sizeof(Elf64_Sym); k++) {
            Elf64_Sym sym;
            memcpy(&sym, p + sh.sh_offset + k * sizeof sym, sizeof sym);
            if (sym.st_shndx == SHN_UNDEF && sym.st_name != 0) return true;
        }
        return false;
    }
    return true;
}

/* Artifacts (format 6 on) carry their relative relocations packed
 * (DT_RELR, lld's -z pack-relative-relocs): 8 bytes per run of pointers
 * instead of 24 per pointer.  A C library older than the tag ignores it
 * silently and the descriptor's pointers stay unrelocated, and the
 * artifact names no libc to carry the GLIBC_ABI_DT_RELR version that
 * would make dlopen refuse it, so the check is here.  glibc applies
 * DT_RELR from 2.36; other C libraries that run wasmrt (musl 1.2.4+) do. */
static const char *libc_version(void) {
#ifdef __GLIBC__
    return gnu_get_libc_version();
#else
    return "?";
#endif
}

static bool libc_applies_relr(void) {
#ifdef __GLIBC__
    unsigned major = 0, minor = 0;
    if (sscanf(gnu_get_libc_version(), "%u.%u", &major, &minor) != 2) return false;
    return major > 2 || (major == 2 && minor >= 36);
#else
    return true;
#endif
}

#define MAX_ARTIFACT_BYTES (1ull << 31)

static const struct { uint64_t bit; const char *name; } feature_names[] = {
    {WASMC_CPU_X86_SSE3, "sse3"}, {WASMC_CPU_X86_SSSE3, "ssse3"}, {WASMC_CPU_X86_SSE41, "sse4.1"},
    {WASMC_CPU_X86_SSE42, "sse4.2"}, {WASMC_CPU_X86_POPCNT, "popcnt"}, {WASMC_CPU_X86_LZCNT, "lzcnt"},
    {WASMC_CPU_X86_BMI1, "bmi"}, {WASMC_CPU_X86_BMI2, "bmi2"}, {WASMC_CPU_X86_AVX, "avx"},
    {WASMC_CPU_X86_AVX2, "avx2"}, {WASMC_CPU_X86_FMA, "fma"}, {WASMC_CPU_X86_AVX512F, "avx512f"},
    {WASMC_CPU_ARM_LSE, "lse"}, {WASMC_CPU_ARM_CRC, "crc"}, {WASMC_CPU_ARM_DOTPROD, "dotprod"},
    {WASMC_CPU_ARM_RCPC, "rcpc"}, {WASMC_CPU_ARM_FP16, "fp16"}, {WASMC_CPU_ARM_SVE, "sve"},
};

void rt_cpu_feature_list(uint64_t bits, char *out, size_t cap) {
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < sizeof feature_names / sizeof *feature_names; i++) {
        if (!(bits & feature_names[i].bit)) continue;
        bits &= ~feature_names[i].bit;
        n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? ", " : "", feature_names[i].name);
    }
    for (int b = 0; b < 64 && n < cap; b++)
        if (bits & (1ull << b))
            n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%sbit%d", n ? ", " : "", b);
}

/* Where the ELF image claims to end (section headers come last in lld's
 * output), to tell a truncated artifact from a file that never was one. */
static uint64_t elf_extent(const uint8_t *p, uint64_t size) {
    if (size < sizeof(Elf64_Ehdr) || memcmp(p, ELFMAG, SELFMAG) != 0 || p[EI_CLASS] != ELFCLASS64)
        return 0;
    Elf64_Ehdr eh;
    memcpy(&eh, p, sizeof eh);
    uint64_t end = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
    uint64_t ph = eh.e_phoff + (uint64_t)eh.e_phnum * eh.e_phentsize;
    return end > ph ? end : ph;
}

/* cacheable: the stat of the file the bytes were copied from, unchanged
 * during the copy, when a checksum verdict may be cached (no trusted keys);
 * else NULL. */
static bool check_bytes(const char *path, const uint8_t *p, uint64_t size, wasmc_trailer *t,
                        const struct stat *cacheable, wasmrt_error *err) {
    uint64_t extent = elf_extent(p, size);
    if (size < sizeof *t || memcmp(p + size - sizeof *t, WASMC_TRAILER_MAGIC, 8) != 0) {
        if (extent > size) {
            rt_err(err, "%s: artifact truncated (%llu bytes, the ELF image alone needs %llu)", path,
                   (unsigned long long)size, (unsigned long long)extent);
            return false;
        }
        /* A cut inside the trailer leaves its magic somewhere near the end. */
        uint64_t from = size > 2 * sizeof *t ? size - 2 * sizeof *t : 0;
        if (extent && size >= 8)
            for (uint64_t i = from; i + 8 <= size; i++)
                if (!memcmp(p + i, WASMC_TRAILER_MAGIC, 8)) {
                    rt_err(err, "%s: artifact truncated (incomplete trailer)", path);
                    return false;
                }
        rt_err(err, "%s: not a wasmc artifact (no wasmc trailer)", path);
        return false;
    }
    memcpy(t, p + size - sizeof *t, sizeof *t);
    if (t->format_version != WASMC_FORMAT_VERSION) {
        rt_err(err, "%s: artifact format version %u, this runtime reads %u", path, t->format_version,
               WASMC_FORMAT_VERSION);
        return false;
    }
    if (t->trailer_size != sizeof *t) {
        rt_err(err, "%s: not a wasmc artifact (trailer size %u, expected %zu)", path, t->trailer_size,
               sizeof *t);
        return false;
    }
    if (t->arch != (uint32_t)host_arch()) {
        const char *a = host_arch_name(t->arch);
        rt_err(err, "%s: artifact built for %s, this host is %s", path,
               a ? a : "an unknown architecture", host_arch_name(host_arch()));
        return false;
    }
    uint64_t missing = t->cpu_features & ~host_cpu_features();
    if (missing) {
        char names[256];
        rt_cpu_feature_list(missing, names, sizeof names);
        rt_err(err, "%s: artifact needs CPU features %s this host lacks", path, names);
        return false;
    }
    if (t->memory_mode != WASMC_MEMORY_GUARD_PAGES && t->memory_mode != WASMC_MEMORY_BOUNDS_CHECKS) {
        rt_err(err, "%s: artifact has unknown memory mode %u", path, t->memory_mode);
        return false;
    }
    uint64_t payload = size - sizeof *t;
    if (t->payload_size != payload) {
        if (t->payload_size > payload)
            rt_err(err, "%s: artifact truncated (payload %llu bytes, trailer says %llu)", path,
                   (unsigned long long)payload, (unsigned long long)t->payload_size);
        else
            rt_err(err, "%s: artifact corrupted (payload %llu bytes, trailer says %llu)", path,
                   (unsigned long long)payload, (unsigned long long)t->payload_size);
        return false;
    }
    if (extent > payload) {
        rt_err(err, "%s: artifact truncated (the ELF image needs %llu bytes, payload has %llu)", path,
               (unsigned long long)extent, (unsigned long long)payload);
        return false;
    }
    if (!cacheable || !rt_verified_cache_hit(cacheable, t->payload_sha256)) {
        uint8_t sum[32];
        wasmc_sha256(p, payload, sum);
        if (memcmp(sum, t->payload_sha256, 32) != 0) {
            rt_err(err, "%s: artifact checksum mismatch (corrupted or tampered)", path);
            return false;
        }
        if (cacheable) rt_verified_cache_store(cacheable, t->payload_sha256);
    }
    Elf64_Ehdr eh;
    if (!extent) {
        rt_err(err, "%s: not a wasmc artifact (not a 64-bit ELF file)", path);
        return false;
    }
    memcpy(&eh, p, sizeof eh);
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_type != ET_DYN) {
        rt_err(err, "%s: not a wasmc artifact (not a little-endian ELF shared object)", path);
        return false;
    }
    if (eh.e_machine != host_elf_machine()) {
        rt_err(err, "%s: artifact is ELF for machine %u, this host is %s", path, eh.e_machine,
               host_arch_name(host_arch()));
        return false;
    }
    if (!libc_applies_relr()) {
        rt_err(err, "%s: artifact has packed relocations (DT_RELR), which this C library (glibc %s) cannot apply; "
               "glibc 2.36 or later is needed", path, libc_version());
        return false;
    }
    return true;
}

static bool read_all(int fd, uint8_t *p, uint64_t size) {
    uint64_t done = 0;
    while (done < size) {
        ssize_t n = read(fd, p + done, size - done > (1u << 30) ? (1u << 30) : size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += (uint64_t)n;
    }
    return true;
}

/* A memfd of `size` bytes mapped read-write at *p, for staging an
 * artifact; -1 with err set on failure. */
static int stage_create(const char *path, uint64_t size, uint8_t **p, wasmrt_error *err) {
    if (size > MAX_ARTIFACT_BYTES) {
        rt_err(err, "%s: artifact too large (%llu bytes)", path, (unsigned long long)size);
        return -1;
    }
    int mfd = memfd_create("wasmc-artifact", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    *p = MAP_FAILED;
    if (mfd < 0 || ftruncate(mfd, (off_t)size) != 0 ||
        (size && (*p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0)) == MAP_FAILED)) {
        rt_err(err, "%s: cannot stage artifact in memory: %s", path, strerror(errno));
        if (mfd >= 0) close(mfd);
        return -1;
    }
    return mfd;
}

static wasmrt_module *load_staged(const char *path, int mfd, uint8_t *p, uint64_t size, bool ok,
                                  const wasmrt_trust *trust, wasmrt_error *err);
static wasmrt_module *module_from(const char *path, rt_artifact *a, wasmrt_error *err);
static bool open_staged(const char *path, int mfd, uint8_t *p, uint64_t size, bool ok, const wasmrt_trust *trust,
                        const struct stat *cacheable, bool pinned, rt_artifact *a, wasmrt_error *err);

/* Whether the kernel keeps fd's content from changing: fs-verity, or the
 * immutable attribute. */
static bool content_pinned(int fd) {
    int flags = 0;
    return ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 && (flags & (FS_IMMUTABLE_FL | FS_VERITY_FL));
}

/* size bytes of fd into the memfd mfd, in the kernel where it can. */
static bool copy_file(int fd, int mfd, uint64_t size) {
    uint64_t done = 0;
    while (done < size) {
        ssize_t n = sendfile(mfd, fd, NULL, size - done > (1u << 30) ? (1u << 30) : size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += (uint64_t)n;
    }
    if (done == size) return true;
    /* sendfile refused (an unusual filesystem): through a mapping. */
    uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (p == MAP_FAILED) return false;
    bool ok = lseek(fd, (off_t)done, SEEK_SET) == (off_t)done && read_all(fd, p + done, size - done);
    munmap(p, size);
    return ok;
}

wasmrt_module *wasmrt_module_load(const char *path, wasmrt_error *err) {
    return wasmrt_module_load_signed(path, NULL, err);
}

wasmrt_module *wasmrt_module_load_bytes(const uint8_t *bytes, size_t len, wasmrt_error *err) {
    return wasmrt_module_load_bytes_signed(bytes, len, NULL, err);
}

bool rt_artifact_open(const char *path, const wasmrt_trust *trust, rt_artifact *a, wasmrt_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rt_err(err, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    struct stat st, after;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rt_err(err, "%s: not a regular file", path);
        close(fd);
        return false;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size > MAX_ARTIFACT_BYTES) {
        rt_err(err, "%s: artifact too large (%llu bytes)", path, (unsigned long long)size);
        close(fd);
        return false;
    }
    if (size && content_pinned(fd)) {
        uint8_t *p = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            rt_err(err, "%s: cannot map artifact: %s", path, strerror(errno));
            close(fd);
            return false;
        }
        return open_staged(path, fd, p, size, true, trust, trust ? NULL : &st, true, a, err);
    }
    int mfd = memfd_create("wasmc-artifact", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (mfd < 0 || ftruncate(mfd, (off_t)size) != 0) {
        rt_err(err, "%s: cannot stage artifact in memory: %s", path, strerror(errno));
        if (mfd >= 0) close(mfd);
        close(fd);
        return false;
    }
    bool ok = copy_file(fd, mfd, size);
    /* A verdict applies only if nothing wrote the file while it was copied. */
    bool unchanged = ok && fstat(fd, &after) == 0 && rt_verified_same_file(&st, &after);
    close(fd);
    if (!ok) rt_err(err, "%s: read failed", path);
    uint8_t *p = NULL;
    if (ok && size && (p = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, mfd, 0)) == MAP_FAILED) {
        rt_err(err, "%s: cannot map staged artifact: %s", path, strerror(errno));
        p = NULL;
        ok = false;
    }
    if (!ok && p) munmap(p, size);
    return open_staged(path, mfd, ok ? p : NULL, ok ? size : 0, ok, trust, unchanged && !trust ? &st : NULL, false,
                       a, err);
}

wasmrt_module *wasmrt_module_load_signed(const char *path, const wasmrt_trust *trust, wasmrt_error *err) {
    wasmrt_error scratch;
    if (!err) err = &scratch;
    rt_artifact a;
    if (!rt_artifact_open(path, trust, &a, err)) return NULL;
    return module_from(path, &a, err);
}

/* The same checks as from a file: the bytes are copied into a sealed memfd
 * first, so the caller may change or free them at any time. */
wasmrt_module *wasmrt_module_load_bytes_signed(const uint8_t *bytes, size_t len, const wasmrt_trust *trust,
                                               wasmrt_error *err) {
    wasmrt_error scratch;
    if (!err) err = &scratch;
    const char *path = "<memory>";
    if (!bytes && len) {
        rt_err(err, "%s: no bytes", path);
        return NULL;
    }
    uint8_t *p;
    int mfd = stage_create(path, len, &p, err);
    if (mfd < 0) return NULL;
    if (len) memcpy(p, bytes, len);
    return load_staged(path, mfd, p, len, true, trust, err);
}

static wasmrt_module *load_staged(const char *path, int mfd, uint8_t *p, uint64_t size, bool ok,
                                  const wasmrt_trust *trust, wasmrt_error *err) {
    rt_artifact a;
    if (!open_staged(path, mfd, p, size, ok, trust, NULL, false, &a, err)) return NULL;
    return module_from(path, &a, err);
}

/* Seals the staged memfd *mfd against every further change.  The kernel
 * refuses F_SEAL_WRITE (EBUSY, after waiting ~70 ms itself) while a page
 * of the memfd holds an extra reference; seen once in ~600 interleaved
 * runs of tools/bench/cold_start.py on a 30 MB artifact, never reproduced
 * alone.  Then the bytes are copied into a fresh memfd and that one is
 * sealed: only this process ever held either descriptor, so the copy is
 * what was checked. */
static bool seal_staged(int *mfd, uint64_t size) {
    const int seals = F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL;
    if (fcntl(*mfd, F_ADD_SEALS, seals) == 0) return true;
    if (errno != EBUSY) return false;
    int fresh = memfd_create("wasmc-artifact", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fresh < 0) return false;
    enum { CHUNK = 1 << 16 };
    uint8_t *buf = malloc(CHUNK);
    bool ok = buf != NULL;
    for (uint64_t off = 0; ok && off < size;) {
        size_t want = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
        ssize_t n = pread(*mfd, buf, want, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0 && pwrite(fresh, buf, (size_t)n, (off_t)off) == n;
        off += n > 0 ? (uint64_t)n : 0;
    }
    free(buf);
    if (!ok || fcntl(fresh, F_ADD_SEALS, seals) != 0) {
        int e = ok ? errno : EIO;
        close(fresh);
        errno = e;
        return false;
    }
    close(*mfd);
    *mfd = fresh;
    return true;
}

/* Checks the staged bytes at p (mapped, size bytes; ok=false: staging
 * already failed with err set), unmaps them, seals the memfd and dlopens
 * it: a core module or a component (rt_artifact_open).  Takes ownership
 * of mfd.  pinned: mfd is the artifact file itself, whose content the
 * kernel keeps from changing (content_pinned), not a memfd to seal. */
static bool open_staged(const char *path, int mfd, uint8_t *p, uint64_t size, bool ok, const wasmrt_trust *trust,
                        const struct stat *cacheable, bool pinned, rt_artifact *a, wasmrt_error *err) {
    wasmc_trailer t;
    memset(&t, 0, sizeof t);
    const uint8_t *bytes = size ? p : (const uint8_t *)"";
    uint64_t body = size;
    const wasmc_signature *sig = NULL;
    /* A signature is checked first, so bytes modified after signing are
     * reported as that rather than as whichever check they happen to
     * break; an unsigned artifact is refused only once it proves to be an
     * intact artifact, so a truncated one is reported as truncated. */
    if (ok) ok = rt_signature_split(path, bytes, size, &body, &sig, err);
    if (ok && sig) ok = rt_signature_verify(path, bytes, body, sig, trust, err);
    if (ok) ok = check_bytes(path, bytes, body, &t, cacheable, err);
    if (ok && !sig) ok = rt_signature_verify(path, bytes, body, NULL, trust, err);
    bool need_libm = ok && imports_symbols(p, t.payload_size);
    if (size) munmap(p, size);
    if (!ok) {
        close(mfd);
        return false;
    }
    /* No more writes through any path: what dlopen maps is what we hashed
     * (a pinned file, content_pinned, is no memfd and needs no seal). */
    if (!pinned && !seal_staged(&mfd, size)) {
        rt_err(err, "%s: cannot seal staged artifact: %s", path, strerror(errno));
        close(mfd);
        return false;
    }
    /* Artifacts may call libm (ceilf, roundeven...: LLVM emits them when the
     * target CPU lacks an instruction, e.g. --cpu=x86-64 without SSE4.1).
     * They carry no DT_NEEDED, so make libm global once before loading the
     * first one that imports anything; the host program need not link it. */
    static pthread_once_t libm_once = PTHREAD_ONCE_INIT;
    if (need_libm) pthread_once(&libm_once, load_libm_globally);
    /* glibc's dlopen returns an already-loaded object whose name matches,
     * and fd numbers are reused: keep the memfd open for the module's life
     * (no live module shares its number) and pick a spelling of the path
     * no earlier, possibly still resident, object was loaded under.  (The
     * RTLD_NOLOAD probe opens the file; that first open of the /proc link
     * is most of its cost and the real dlopen would pay it anyway.) */
    char fdpath[160];
    bool named = false;
    /* The process's first artifact needs no probe: no earlier one can
     * hold the name. */
    static atomic_bool loaded_before;
    if (!atomic_exchange(&loaded_before, true)) {
        snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", mfd);
        named = true;
    }
    for (int slashes = 0; slashes < 64 && !named; slashes++) {
        snprintf(fdpath, sizeof fdpath, "/proc%.*s/self/fd/%d", slashes,
                 "////////////////////////////////////////////////////////////////", mfd);
        void *old = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
        if (old) dlclose(old);
        else named = true;
    }
    void *dl = named ? dlopen(fdpath, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!dl) {
        const char *e = named ? dlerror() : "no unused name for the staged artifact";
        rt_err(err, "%s: dlopen failed: %s", path, e ? e : "unknown error");
        close(mfd);
        return false;
    }
    a->dl = dl;
    a->fd = mfd;
    a->trailer = t;
    return true;
}

/* The core module in an opened artifact. */
static wasmrt_module *module_from(const char *path, rt_artifact *a, wasmrt_error *err) {
    void *dl = a->dl;
    int mfd = a->fd;
    wasmc_trailer t = a->trailer;
    const wasmc_descriptor *d = dlsym(dl, WASMC_DESCRIPTOR_SYMBOL);
    if (!d) {
        if (dlsym(dl, WASMC_COMPONENT_SYMBOL))
            rt_err(err, "%s: is a component, not a core module (load it with wasmrt_component_load)", path);
        else
            rt_err(err, "%s: not a wasmc artifact (no %s symbol)", path, WASMC_DESCRIPTOR_SYMBOL);
        dlclose(dl);
        close(mfd);
        return NULL;
    }
    if (d->magic == WASMC_DESCRIPTOR_MAGIC) {
        const char *what = d->memory_mode != t.memory_mode ? "memory mode"
                           : d->cpu_features != t.cpu_features ? "CPU features"
                           : memcmp(d->module_sha256, t.module_sha256, 32) ? "module hash" : NULL;
        if (what) {
            rt_err(err, "%s: artifact descriptor does not match its trailer (%s)", path, what);
            dlclose(dl);
            close(mfd);
            return NULL;
        }
    }
    wasmrt_module *m = rt_module_create(d, dl, err);
    if (m) m->fd = mfd;
    else close(mfd);
    if (!m) {
        char tmp[sizeof err->message];
        memcpy(tmp, err->message, sizeof tmp);
        size_t n = strnlen(path, 200);
        snprintf(err->message, sizeof err->message, "%.*s: %.300s", (int)n, path, tmp);
    }
    return m;
}
