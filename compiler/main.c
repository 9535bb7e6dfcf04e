/* wasmc: the command-line compiler.
 *
 *   wasmc [-O0|-O1|-O2|-O3] [--target=TRIPLE] [--cpu=NAME|native]
 *         [--bounds-checks] [--interrupt=signal|poll] [-j N] [--cache-dir DIR | --no-cache]
 *         [--cache-max-size N] [-v] [--time-report] IN.wasm [-o OUT.so]
 *   wasmc --validate IN.wasm
 *
 * Flags follow clang's spelling.  "-" is stdin (input) or stdout (output);
 * without -o the output is the input with its .wasm extension replaced by
 * .so (stdout for stdin, but never a terminal).  Every failure is exactly
 * one line on stderr,
 *     wasmc: error: FILE:0xOFFSET: MESSAGE    (offset only when known)
 * and exit status 1, with no output file left behind (the library writes
 * through a temporary file, which SIGINT/SIGTERM/SIGHUP/SIGPIPE remove).
 * Flags, the target and the CPU are checked
 * before the input is read, so a bad command line fails fast.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "codegen.h"
#include "compile_config.h"
#include "opt/opt.h"
#include "link.h"
#include "sign.h"
#include "wasmc.h"

#define MAX_INPUT_BYTES (1ull << 30)

static void usage(FILE *f) {
    fputs("usage: wasmc [options] IN.wasm [-o OUT.so]\n"
          "\n"
          "Compile a WebAssembly 2.0 module or component into a native shared object for wasmrt.\n"
          "\n"
          "options:\n"
          "  -o FILE            output file (default: IN with .so; '-' = stdout)\n"
          "  -O0 -O1 -O2 -O3    optimisation level (default -O2)\n"
          "  --target=TRIPLE    x86_64-linux-gnu or aarch64-linux-gnu (default: host)\n"
          "  --cpu=NAME         CPU to generate code for (default: x86-64-v2 / generic);\n"
          "                     'native' = this machine's CPU (host target only)\n"
          "  --bounds-checks    check every memory access instead of using guard pages\n"
          "  --interrupt=MODE   signal (default): the runtime interrupts loops by signal,\n"
          "                     loops carry no check; poll: loop headers test a flag\n"
          "  --trap-state=MODE  auto (default): a WASI command, never used after a trap,\n"
          "                     may lose the stores just before it; exact: never\n"
          "  --frame-pointers   keep frame pointers, for profilers that walk the stack by\n"
          "                     them (perf record --call-graph=fp); default: omitted\n"
          "  --sign KEYFILE     append an Ed25519 signature with the secret key KEYFILE\n"
          "                     (wasmrt --trusted-keys DIR then verifies it)\n"
          "  --keygen PREFIX    write a new key pair PREFIX.key (secret, mode 0600) and\n"
          "                     PREFIX.pub (public: put it in the trusted-keys DIR), exit\n"
          "  -j N               code generation threads (default: number of cores)\n"
          "  --cache-dir DIR    compile cache (default $XDG_CACHE_HOME/wasmc or ~/.cache/wasmc):\n"
          "                     parts compiled before are reused, not compiled again\n"
          "  --no-cache         neither read nor write the compile cache\n"
          "  --cache-max-size N bound the cache to N bytes (suffix K, M or G; default 1G),\n"
          "                     evicting the least recently used entries\n"
          "  -v                 print phase timings, parts, cache use and the output size\n"
          "  --time-report      print the costliest functions and LLVM passes\n"
          "  --validate         only decode and validate IN (a module or a component);\n"
          "                     exit 0 if valid, else 1 with the usual error line\n"
          "  --version          print version information\n"
          "\n"
          "developer aids (README, Developer aids):\n"
          "  --print-passes     list wasmc's own IR passes: stage, -O level, memory modes\n"
          "  -fno-PASS, --disable-pass=PASS,...\n"
          "                     turn off switchable passes (to measure them, or bisect)\n"
          "  --llvm-passes=P    replace LLVM's default<On> pipeline (opt syntax)\n"
          "  --llvm-args=ARGS   options for LLVM, e.g. -pass-remarks-missed=loop-vectorize\n"
          "  --dump-ir=DIR      write each part's IR as DIR/part-N.{lowered,facts,optimized}.ll\n"
          "  --verify-guards    check the guard-page rules after every pass (on in debug builds)\n"
          "  --part-bytes=MIN:MAX:MASK\n"
          "                     cut parts after MIN..MAX bytes of bodies, at a body hash with\n"
          "                     its MASK bits clear (default 2048:8192:3; to measure the split)\n"
          "  $WASMC_LD          the ld.lld to link with (default: the one found at build time)\n"
          "  -h, --help         print this help\n",
          f);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* One line, whatever the message contains. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    fprintf(stderr, "wasmc: error: %s\n", msg);
    return 1;
}

static int bad_usage(const char *fmt, const char *arg) {
    char msg[512];
    snprintf(msg, sizeof msg, fmt, arg);
    fail("%s", msg);
    fputs("wasmc: see 'wasmc --help'\n", stderr);
    return 1;
}

static void print_version(void) {
    printf("wasmc %s\nLLVM %s\ntargets: x86_64-linux-gnu (default cpu %s), aarch64-linux-gnu (default cpu %s)\n"
           "host: %s\n",
           WASMC_VERSION, codegen_llvm_version(), target_x86_64.default_cpu, target_aarch64.default_cpu,
           target_host() ? target_host()->triple : "unsupported");
}

/* Read all of fd; false with errno set (EFBIG past the limit). */
static bool read_all(int fd, uint8_t **out, size_t *size) {
    size_t cap = 1 << 16, len = 0;
    struct stat st;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) { errno = EISDIR; return false; }
        if (S_ISREG(st.st_mode)) {
            if ((unsigned long long)st.st_size > MAX_INPUT_BYTES) { errno = EFBIG; return false; }
            cap = (size_t)st.st_size + 1;
        }
    }
    uint8_t *buf = malloc(cap);
    if (!buf) return false;
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_INPUT_BYTES) { free(buf); errno = EFBIG; return false; }
            size_t ncap = cap * 2 > MAX_INPUT_BYTES ? MAX_INPUT_BYTES : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) { free(buf); errno = ENOMEM; return false; }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { int e = errno; free(buf); errno = e; return false; }
        if (r == 0) break;
        len += (size_t)r;
    }
    *out = buf;
    *size = len;
    return true;
}

static char *default_output(const char *in) {
    size_t n = strlen(in);
    if (n > 5 && strcmp(in + n - 5, ".wasm") == 0) n -= 5;
    char *out = malloc(n + 4);
    if (!out) return NULL;
    memcpy(out, in, n);
    memcpy(out + n, ".so", 4);
    return out;
}

/* N, NK, NM or NG (binary units), at least 1 MiB. */
static bool parse_size(const char *s, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') return false;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10, end++;
    else if (*end == 'M' || *end == 'm') shift = 20, end++;
    else if (*end == 'G' || *end == 'g') shift = 30, end++;
    if (*end || v > (UINT64_MAX >> shift)) return false;
    v <<= shift;
    if (v < (1ull << 20)) return false;
    *out = v;
    return true;
}

/* --part-bytes=MIN:MAX:MASK, 1 <= MIN <= MAX. */
static bool parse_part_bytes(const char *s, WasmcOptions *o) {
    unsigned long long a, b, c;
    int end = 0;
    if (sscanf(s, "%llu:%llu:%llu%n", &a, &b, &c, &end) != 3 || s[end] || *s == '-' || a < 1 || a > b)
        return false;
    o->part_bytes.min = a, o->part_bytes.max = b, o->part_bytes.cut_mask = c;
    return true;
}

static bool parse_threads(const char *s, unsigned *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 1024) return false;
    *out = (unsigned)v;
    return true;
}

/* Interrupted: remove temporaries, then die of the same signal. */
static void on_fatal_signal(int sig) {
    link_cleanup_temporaries();
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char **argv) {
    static const int fatal[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(fatal[i], &sa, NULL);
    }
    WasmcOptions o;
    wasmc_options_default(&o);
    const char *in = NULL, *out = NULL, *sign_key_path = NULL;
    bool only_inputs = false, no_cache = false;
    char default_cache[4096];
    WasmcSigningKey sign_key;
    bool validate_only = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_inputs || a[0] != '-' || strcmp(a, "-") == 0) {
            if (in) return bad_usage("more than one input file ('%s')", a);
            in = a;
        } else if (strcmp(a, "--") == 0) {
            only_inputs = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            print_version();
            return 0;
        } else if (strcmp(a, "-o") == 0) {
            if (++i >= argc) return bad_usage("%s needs a file name", a);
            out = argv[i];
        } else if (strncmp(a, "-o", 2) == 0) {
            out = a + 2;
        } else if (a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) {
            o.opt_level = a[2] - '0';
        } else if (strncmp(a, "--target=", 9) == 0 && a[9]) {
            o.target_triple = a + 9;
        } else if (strncmp(a, "--cpu=", 6) == 0 && a[6]) {
            o.cpu = a + 6;
        } else if (strcmp(a, "--bounds-checks") == 0) {
            o.bounds_checks = true;
        } else if (strcmp(a, "--interrupt=signal") == 0) {
            o.interrupt_poll = false;
        } else if (strcmp(a, "--interrupt=poll") == 0) {
            o.interrupt_poll = true;
        } else if (strncmp(a, "--interrupt=", 12) == 0) {
            return bad_usage("unknown interrupt mode '%s' (expected signal or poll)", a + 12);
        } else if (strcmp(a, "--trap-state=auto") == 0) {
            o.exact_traps = false;
        } else if (strcmp(a, "--trap-state=exact") == 0) {
            o.exact_traps = true;
        } else if (strncmp(a, "--trap-state=", 13) == 0) {
            return bad_usage("unknown trap-state mode '%s' (expected auto or exact)", a + 13);
        } else if (strcmp(a, "--frame-pointers") == 0) {
            o.frame_pointers = true;
        } else if (strcmp(a, "--keygen") == 0) {
            if (++i >= argc) return bad_usage("%s needs a file name prefix", a);
            WasmError kerr;
            wasm_error_clear(&kerr);
            if (!sign_keygen(argv[i], &kerr)) return fail("%s", kerr.message);
            printf("wrote %s.key (secret) and %s.pub (public)\n", argv[i], argv[i]);
            return 0;
        } else if (strcmp(a, "--sign") == 0) {
            if (++i >= argc) return bad_usage("%s needs a secret key file", a);
            sign_key_path = argv[i];
        } else if (strcmp(a, "-j") == 0) {
            if (++i >= argc) return bad_usage("%s needs a thread count", a);
            if (!parse_threads(argv[i], &o.threads)) return bad_usage("invalid thread count '%s'", argv[i]);
        } else if (strncmp(a, "-j", 2) == 0) {
            if (!parse_threads(a + 2, &o.threads)) return bad_usage("invalid thread count '%s'", a + 2);
        } else if (strcmp(a, "-v") == 0) {
            o.verbose = true;
        } else if (strcmp(a, "--validate") == 0) {
            validate_only = true;
        } else if (strcmp(a, "--print-passes") == 0) {
            opt_print_passes(stdout);
            return 0;
        } else if (strncmp(a, "-fno-", 5) == 0 || strncmp(a, "--disable-pass=", 15) == 0) {
            char why[256];
            if (!opt_disable_passes(a[1] == 'f' ? a + 5 : a + 15, &o.disabled_passes, why, sizeof why))
                return bad_usage("%s", why);
        } else if (strncmp(a, "--llvm-passes=", 14) == 0 && a[14]) {
            o.llvm_pipeline = a + 14;
        } else if (strncmp(a, "--llvm-args=", 12) == 0) {
            codegen_set_llvm_args(a + 12);
        } else if (strcmp(a, "--verify-guards") == 0) {
            o.verify_guards = true;
        } else if (strncmp(a, "--part-bytes=", 13) == 0) {
            if (!parse_part_bytes(a + 13, &o))
                return bad_usage("invalid part sizes '%s' (MIN:MAX:MASK, 1 <= MIN <= MAX)", a + 13);
        } else if (strncmp(a, "--dump-ir=", 10) == 0 && a[10]) {
            o.dump_ir_dir = a + 10;
        } else if (strcmp(a, "--time-report") == 0) {
            o.time_report = true;
        } else if (strcmp(a, "--no-cache") == 0) {
            no_cache = true;
        } else if (strcmp(a, "--cache-dir") == 0) {
            if (++i >= argc || !argv[i][0]) return bad_usage("%s needs a directory", a);
            o.cache_dir = argv[i];
        } else if (strncmp(a, "--cache-dir=", 12) == 0 && a[12]) {
            o.cache_dir = a + 12;
        } else if (strcmp(a, "--cache-max-size") == 0) {
            if (++i >= argc) return bad_usage("%s needs a size", a);
            if (!parse_size(argv[i], &o.cache_max_bytes))
                return bad_usage("invalid cache size '%s' (bytes, or with K/M/G; at least 1M)", argv[i]);
        } else if (strncmp(a, "--cache-max-size=", 17) == 0) {
            if (!parse_size(a + 17, &o.cache_max_bytes))
                return bad_usage("invalid cache size '%s' (bytes, or with K/M/G; at least 1M)", a + 17);
        } else {
            return bad_usage("unknown argument '%s'", a);
        }
    }
    if (!in) return bad_usage("%s", "no input file");
    /* The one environment variable wasmc reads (tests slow the link down
     * with it); the library itself reads none. */
    o.linker = getenv("WASMC_LD");
    if (no_cache) o.cache_dir = NULL;
    else if (!o.cache_dir && cache_default_dir(default_cache, sizeof default_cache)) o.cache_dir = default_cache;

    /* Bad --target/--cpu are command-line errors: report them as such. */
    WasmError err;
    wasm_error_clear(&err);
    CompileConfig cc;
    if (!compile_config_resolve(&o, &cc, &err)) return fail("%s", err.message);
    compile_config_free(&cc);
    if (sign_key_path) {
        if (!sign_load_key(sign_key_path, &sign_key, &err)) return fail("%s", err.message);
        o.sign_key = &sign_key;
    }

    bool from_stdin = strcmp(in, "-") == 0;
    const char *in_name = from_stdin ? "<stdin>" : in;
    char *out_owned = NULL;
    if (validate_only) {
        int fd = from_stdin ? 0 : open(in, O_RDONLY | O_CLOEXEC);
        uint8_t *bytes = NULL;
        size_t size = 0;
        if (fd < 0 || !read_all(fd, &bytes, &size)) {
            int e = errno;
            if (fd > 0) close(fd);
            return fail("%s: %s", in_name, e == EFBIG ? "input larger than 1 GiB" : strerror(e));
        }
        if (fd > 0) close(fd);
        bool ok = wasmc_check(bytes, size, &err);
        free(bytes);
        if (ok) return 0;
        if (err.offset != WASM_NO_OFFSET) return fail("%s:0x%zx: %s", in_name, err.offset, err.message);
        return fail("%s: %s", in_name, err.message);
    }
    if (!out) {
        if (from_stdin) out = "-";
        else if (!(out = out_owned = default_output(in))) return fail("out of memory");
    }
    if (strcmp(out, "-") == 0 && isatty(1)) {
        free(out_owned);
        return fail("refusing to write a binary to a terminal; use -o FILE");
    }

    int fd = from_stdin ? 0 : open(in, O_RDONLY | O_CLOEXEC);
    uint8_t *bytes = NULL;
    size_t size = 0;
    if (fd < 0 || !read_all(fd, &bytes, &size)) {
        int e = errno;
        if (fd > 0) close(fd);
        free(out_owned);
        return fail("%s: %s", in_name, e == EFBIG ? "input larger than 1 GiB" : strerror(e));
    }
    if (fd > 0) close(fd);

    bool ok = wasmc_compile(bytes, size, &o, out, NULL, &err);
    explicit_bzero(&sign_key, sizeof sign_key);
    free(bytes);
    free(out_owned);
    if (ok) return 0;
    if (err.offset != WASM_NO_OFFSET) return fail("%s:0x%zx: %s", in_name, err.offset, err.message);
    return fail("%s: %s", in_name, err.message);
}
