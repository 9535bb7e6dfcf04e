/* wast-run: run WebAssembly spec scripts (.wast) against wasmc + wasmrt.
 *
 *   wast-run [--only=KIND,...] [--bounds-checks] [-O0..-O3] [--target=TRIPLE]
 *            [-j N] [-v] [--strict] [--timeout=SEC] FILE.wast...
 *
 * Each file runs in its own forked child (its own process group and its own
 * mkdtemp directory, both created here so that a crash, a timeout or ^C
 * still gets the directory removed and every helper process killed).  Up to
 * N children run at once; the parent multiplexes their record pipes with
 * poll(2) — reading while they run, so a chatty child never blocks on a
 * full pipe — and prints one line per file in input order as soon as that
 * file and all before it are done.  The last line is the total; the exit
 * status is 0 iff nothing failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "remote.h"
#include "wast_file.h"

enum { MAX_SHOWN_FAILURES = 5, MAX_SHOWN_SKIPS = 8 };

static const char usage[] =
    "usage: wast-run [options] FILE.wast...\n"
    "  --only=KIND,...     count only these kinds: malformed, invalid, return, trap,\n"
    "                      exhaustion, unlinkable, uninstantiable, action, module\n"
    "  --bounds-checks     compile with explicit bounds checks instead of guard pages\n"
    "  -O0 .. -O3          optimisation level (default -O2)\n"
    "  --target=TRIPLE     compile for TRIPLE (x86_64-linux-gnu, aarch64-linux-gnu); a foreign\n"
    "                      target runs under qemu (needs build/aarch64, tools/build-aarch64-rt.sh);\n"
    "                      without them wast-run refuses to start (exit status 2)\n"
    "  --compile-only      check and compile every module, skip everything that executes\n"
    "  -j N, --jobs=N      files run at once (default: number of cores)\n"
    "  --strict            also require malformed/invalid/unlinkable message texts to match\n"
    "  --timeout=SEC       per-file time limit (default 600)\n"
    "  --call-timeout=SEC  per-call limit; a call running longer traps (default 60, 0 = none)\n"
    "  --wast2json=PATH    the converter (default: wast2json, or $WAST2JSON)\n"
    "  --wast2json-arg=ARG pass ARG to wast2json (e.g. --enable-all), repeatable\n"
    "  --skip-listed=FILE  count the scripts FILE lists (paths relative to FILE's folder, as\n"
    "                      the Component Model's nyi.txt) as skipped, without running them\n"
    "  --skip-all=REASON   count every script as skipped with REASON, without running it\n"
    "  --known-failures=FILE  results FILE lists as SCRIPT:LINE (paths relative to FILE's\n"
    "                      folder) that fail are counted as known failures, not failures;\n"
    "                      one that passes is a failure (the list must shrink with fixes)\n"
    "  --groups=FILE       also print passed/failed/skipped per group of scripts; FILE's lines\n"
    "                      are 'GROUP PATTERN...' (shell patterns on the script's file name,\n"
    "                      first match wins; unmatched scripts form the group 'other')\n"
    "  -v                  show every failure and the reasons for skips\n";

/* ---- Per-file bookkeeping in the parent --------------------------------- */

typedef struct Reason {
    char *text;
    unsigned count;
} Reason;

typedef struct FileRun {
    const char *path;
    char dir[PATH_MAX];
    pid_t pid;
    int fd;
    bool started, finished;
    struct timespec start;
    char *buf;                 /* partial record */
    size_t buf_len, buf_cap;
    unsigned long passed, failed, skipped, known;
    char real[PATH_MAX];       /* realpath of path, for --known-failures */
    char last_line[32], last_cmd[64];
    char **failures;           /* "line N: cmd: detail" */
    size_t num_failures, cap_failures;
    Reason *skips;             /* distinct skip reasons, with counts */
    size_t num_skips, cap_skips;
    char *file_note;           /* appended to the file's line (wast2json failure) */
    char *crash;               /* how the child ended abnormally */
    const char *skip_reason;   /* not run at all: counted as one skip */
} FileRun;

typedef struct Config {
    WastFileOptions file;
    unsigned jobs;
    bool verbose;
    double timeout;
} Config;

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig) {
    (void)sig;
    interrupted = 1;
}

static void *xrealloc(void *p, size_t n) {
    void *r = realloc(p, n);
    if (!r) {
        fputs("wast-run: out of memory\n", stderr);
        exit(2);
    }
    return r;
}

static char *xstrdup(const char *s) {
    char *r = strdup(s);
    if (!r) {
        fputs("wast-run: out of memory\n", stderr);
        exit(2);
    }
    return r;
}

static double seconds_since(const struct timespec *t) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir) {
    if (dir[0]) nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- Skips by feature, results by group ---------------------------------- */

/* Results skipped because the compiler refused a feature it does not
 * implement: its error says "unsupported feature NAME: ..." (compiler/instr.h). */
typedef struct FeatureCount {
    char name[48];
    unsigned long skipped;
} FeatureCount;
static FeatureCount features[32];
static size_t num_features;
static unsigned long skipped_other_feature;

static void count_feature_skip(const char *detail) {
    const char *p = strstr(detail, "unsupported feature ");
    if (!p) return;
    p += strlen("unsupported feature ");
    size_t n = strcspn(p, ": ");
    if (n == 0 || n >= sizeof features[0].name) return;
    for (size_t i = 0; i < num_features; i++)
        if (strlen(features[i].name) == n && memcmp(features[i].name, p, n) == 0) {
            features[i].skipped++;
            return;
        }
    if (num_features == sizeof features / sizeof features[0]) {
        skipped_other_feature++;
        return;
    }
    memcpy(features[num_features].name, p, n);
    features[num_features].name[n] = 0;
    features[num_features++].skipped = 1;
}

typedef struct Group {
    char *name;
    char **patterns;
    size_t num_patterns;
    unsigned long passed, failed, skipped, files;
} Group;
static Group *groups;
static size_t num_groups;

static bool load_groups(const char *list) {
    FILE *in = fopen(list, "r");
    if (!in) {
        fprintf(stderr, "wast-run: error: cannot read %s: %s\n", list, strerror(errno));
        return false;
    }
    char line[4096];
    while (fgets(line, sizeof line, in)) {
        line[strcspn(line, "#\r\n")] = 0;
        char *save = NULL, *tok = strtok_r(line, " \t", &save);
        if (!tok) continue;
        Group *g;
        groups = xrealloc(groups, (num_groups + 1) * sizeof *groups);
        g = &groups[num_groups++];
        memset(g, 0, sizeof *g);
        g->name = xstrdup(tok);
        while ((tok = strtok_r(NULL, " \t", &save))) {
            g->patterns = xrealloc(g->patterns, (g->num_patterns + 1) * sizeof *g->patterns);
            g->patterns[g->num_patterns++] = xstrdup(tok);
        }
    }
    fclose(in);
    groups = xrealloc(groups, (num_groups + 1) * sizeof *groups);
    memset(&groups[num_groups], 0, sizeof *groups);
    groups[num_groups++].name = xstrdup("other");
    return true;
}

static Group *group_of(const char *base) {
    for (size_t i = 0; i + 1 < num_groups; i++)
        for (size_t k = 0; k < groups[i].num_patterns; k++)
            if (fnmatch(groups[i].patterns[k], base, 0) == 0) return &groups[i];
    return &groups[num_groups - 1];
}

/* ---- Records from the child ------------------------------------------- */

static void add_skip_reason(FileRun *f, const char *cmd, const char *detail) {
    char text[WAST_RECORD_MAX + 64];
    snprintf(text, sizeof text, "%s: %s", cmd, detail);
    for (size_t i = 0; i < f->num_skips; i++)
        if (strcmp(f->skips[i].text, text) == 0) {
            f->skips[i].count++;
            return;
        }
    if (f->num_skips == f->cap_skips) {
        f->cap_skips = f->cap_skips ? f->cap_skips * 2 : 8;
        f->skips = xrealloc(f->skips, f->cap_skips * sizeof *f->skips);
    }
    f->skips[f->num_skips++] = (Reason){xstrdup(text), 1};
}

/* --known-failures: results that fail today, each a script (as a real
 * path) and the line of its command.  A result listed here that fails is
 * counted apart; one that passes is a failure, so a fix must also shorten
 * the list and nothing is hidden for good. */
typedef struct KnownFailure {
    char *script;
    unsigned long line;
} KnownFailure;
static KnownFailure *known_list;
static size_t num_known;
static const char *known_file;

static bool load_known(const char *list) {
    FILE *in = fopen(list, "r");
    if (!in) {
        fprintf(stderr, "wast-run: error: cannot read %s: %s\n", list, strerror(errno));
        return false;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", list);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    char line[PATH_MAX + 64];
    unsigned long lineno = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof line, in)) {
        lineno++;
        line[strcspn(line, "#\r\n")] = 0;
        size_t n = strlen(line);
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\t')) line[--n] = 0;
        if (!n) continue;
        char *colon = strrchr(line, ':');
        unsigned long at = 0;
        char *end = NULL;
        if (colon) at = strtoul(colon + 1, &end, 10);
        char joined[2 * PATH_MAX + 2], real[PATH_MAX];
        if (!colon || !at || !end || *end) {
            fprintf(stderr, "wast-run: error: %s:%lu: expected SCRIPT:LINE\n", list, lineno);
            ok = false;
            break;
        }
        *colon = 0;
        snprintf(joined, sizeof joined, "%s/%s", dir, line);
        if (!realpath(joined, real)) {
            fprintf(stderr, "wast-run: error: %s:%lu: no such script %s\n", list, lineno, joined);
            ok = false;
            break;
        }
        known_list = xrealloc(known_list, (num_known + 1) * sizeof *known_list);
        known_list[num_known++] = (KnownFailure){xstrdup(real), at};
    }
    fclose(in);
    known_file = list;
    return ok;
}

static bool is_known(const FileRun *f, const char *line) {
    char *end;
    unsigned long at = strtoul(line, &end, 10);
    if (*end || !f->real[0]) return false;
    for (size_t i = 0; i < num_known; i++)
        if (known_list[i].line == at && strcmp(known_list[i].script, f->real) == 0) return true;
    return false;
}

static void add_failure(FileRun *f, const char *text) {
    if (f->num_failures == f->cap_failures) {
        f->cap_failures = f->cap_failures ? f->cap_failures * 2 : 8;
        f->failures = xrealloc(f->failures, f->cap_failures * sizeof *f->failures);
    }
    f->failures[f->num_failures++] = xstrdup(text);
}

/* One complete record line (without its newline). */
static void handle_record(FileRun *f, char *rec) {
    char *fields[5] = {0};
    size_t nf = 0;
    for (char *p = rec; nf < 5;) {
        fields[nf++] = p;
        if (nf == 5) break;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = 0;
        p = tab + 1;
    }
    if (fields[0][0] == 'B' && nf >= 3) {
        snprintf(f->last_line, sizeof f->last_line, "%s", fields[1]);
        snprintf(f->last_cmd, sizeof f->last_cmd, "%s", fields[2]);
        return;
    }
    if (fields[0][0] != 'R' || nf < 4) return;
    const char *detail = nf == 5 ? fields[4] : "";
    const char *line = fields[2], *cmd = fields[3];
    switch (fields[1][0]) {
    case 'P':
        if (is_known(f, line)) {
            char text[PATH_MAX + 128];
            snprintf(text, sizeof text, "line %s: %s: passes, but %s lists it as a known failure (remove it)",
                     line, cmd, known_file);
            f->failed++;
            add_failure(f, text);
        } else {
            f->passed++;
        }
        break;
    case 'F': {
        bool known = is_known(f, line);
        if (known) f->known++;
        else f->failed++;
        char text[WAST_RECORD_MAX + 64];
        snprintf(text, sizeof text, "line %s: %s%s%s%s", line, known ? "known failure: " : "", cmd,
                 detail[0] ? ": " : "", detail);
        add_failure(f, text);
        break;
    }
    case 'S':
        f->skipped++;
        count_feature_skip(detail);
        if (strcmp(cmd, "wast2json") == 0 && !f->file_note) {
            char note[WAST_RECORD_MAX + 32];
            snprintf(note, sizeof note, " (%s)", detail);
            f->file_note = xstrdup(note);
        }
        add_skip_reason(f, cmd, detail);
        break;
    }
}

/* Read what is available; false at end of file. */
static bool drain(FileRun *f) {
    char chunk[8192];
    ssize_t k = read(f->fd, chunk, sizeof chunk);
    if (k < 0) return errno == EINTR || errno == EAGAIN;
    if (k == 0) return false;
    if (f->buf_len + (size_t)k + 1 > f->buf_cap) {
        f->buf_cap = (f->buf_len + (size_t)k + 1) * 2;
        f->buf = xrealloc(f->buf, f->buf_cap);
    }
    memcpy(f->buf + f->buf_len, chunk, (size_t)k);
    f->buf_len += (size_t)k;
    size_t start = 0;
    for (size_t i = 0; i < f->buf_len; i++) {
        if (f->buf[i] != '\n') continue;
        f->buf[i] = 0;
        handle_record(f, f->buf + start);
        start = i + 1;
    }
    memmove(f->buf, f->buf + start, f->buf_len - start);
    f->buf_len -= start;
    return true;
}

/* ---- Children ----------------------------------------------------------- */

static bool start_file(FileRun *f, const Config *cfg) {
    /* A missing input is the caller's mistake, not something to skip. */
    if (access(f->path, R_OK) != 0) {
        char text[PATH_MAX + 64];
        snprintf(text, sizeof text, "line 0: file: cannot read %s: %s", f->path, strerror(errno));
        f->crash = xstrdup(text);
        return false;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/wast-run.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        fprintf(stderr, "wast-run: mkdtemp %s: %s\n", f->dir, strerror(errno));
        f->dir[0] = 0;
        return false;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "wast-run: pipe: %s\n", strerror(errno));
        return false;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "wast-run: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        /* Own process group, so a timeout kills wast2json/ld.lld too; the
         * default SIGINT so ^C-driven kills are not swallowed. */
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        /* Being in our own group, we would outlive a killed parent (a ctest
         * timeout): die with it instead. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        close(fds[0]);
        /* Nothing the compiler or runtime prints may interleave with the
         * result lines on our stdout. */
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            close(devnull);
        }
        _exit(wast_file_run(f->path, f->dir, &cfg->file, fds[1]));
    }
    setpgid(pid, pid);
    close(fds[1]);
    f->pid = pid;
    f->fd = fds[0];
    f->started = true;
    clock_gettime(CLOCK_MONOTONIC, &f->start);
    return true;
}

static void finish_file(FileRun *f, int status, bool timed_out, double timeout) {
    char msg[256] = "";
    if (timed_out)
        snprintf(msg, sizeof msg, "timed out after %.0f s", timeout);
    else if (WIFSIGNALED(status))
        snprintf(msg, sizeof msg, "crashed with signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        snprintf(msg, sizeof msg, "child exited with status %d", WEXITSTATUS(status));
    if (msg[0]) {
        char text[512];
        snprintf(text, sizeof text, "line %s: %s: %s", f->last_line[0] ? f->last_line : "0",
                 f->last_cmd[0] ? f->last_cmd : "startup", msg);
        f->crash = xstrdup(text);
        f->failed++;
    }
    if (f->fd >= 0) close(f->fd);
    f->fd = -1;
    remove_tree(f->dir);
    f->finished = true;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void print_file(const FileRun *f, bool verbose) {
    const char *verdict = f->failed ? "FAIL" : (f->skipped && !f->passed) ? "SKIP" : "PASS";
    char known[48] = "";
    if (f->known) snprintf(known, sizeof known, ", %lu known failures", f->known);
    printf("%s %s: %lu passed, %lu failed, %lu skipped%s%s\n", verdict, base_name(f->path), f->passed, f->failed,
           f->skipped, known, f->file_note ? f->file_note : "");
    size_t limit = verbose ? SIZE_MAX : MAX_SHOWN_FAILURES;
    size_t shown = 0;
    if (f->crash) {
        printf("  %s\n", f->crash);
        shown++;
    }
    for (size_t i = 0; i < f->num_failures && shown < limit; i++, shown++) printf("  %s\n", f->failures[i]);
    size_t total = f->num_failures + (f->crash ? 1 : 0);
    if (shown < total) printf("  ... and %zu more failures (-v shows all)\n", total - shown);
    if (verbose)
        for (size_t i = 0; i < f->num_skips && i < MAX_SHOWN_SKIPS; i++)
            printf("  skipped %u: %s\n", f->skips[i].count, f->skips[i].text);
    fflush(stdout);
}

static void free_file(FileRun *f) {
    for (size_t i = 0; i < f->num_failures; i++) free(f->failures[i]);
    for (size_t i = 0; i < f->num_skips; i++) free(f->skips[i].text);
    free(f->failures);
    free(f->skips);
    free(f->buf);
    free(f->file_note);
    free(f->crash);
}

/* Is path one of the scripts the list names?  Lines are paths relative to
 * the list's folder ("./validation/x.wast"); '#' starts a comment.  Both
 * sides are compared as real paths, so any spelling of a path matches. */
static bool listed_in(const char *list, const char *path) {
    FILE *f = fopen(list, "r");
    if (!f) return false;
    char want[PATH_MAX];
    if (!realpath(path, want)) {
        fclose(f);
        return false;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", list);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else snprintf(dir, sizeof dir, ".");
    char line[PATH_MAX];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "#\r\n")] = 0;
        size_t n = strlen(line);
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\t')) line[--n] = 0;
        if (!n) continue;
        char joined[2 * PATH_MAX + 2], real[PATH_MAX];
        snprintf(joined, sizeof joined, "%s/%s", dir, line);
        found = realpath(joined, real) && strcmp(real, want) == 0;
    }
    fclose(f);
    return found;
}

/* ---- Options ------------------------------------------------------------ */

static bool parse_only(const char *list, unsigned *kinds) {
    *kinds = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        unsigned k = wast_kind_from_name(p, n);
        if (!k) {
            fprintf(stderr, "wast-run: error: unknown kind '%.*s' in --only\n", (int)n, p);
            return false;
        }
        *kinds |= k;
        p += n;
        if (*p == ',') p++;
    }
    if (!*kinds) {
        fputs("wast-run: error: --only needs at least one kind\n", stderr);
        return false;
    }
    return true;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || v > max || s[0] == '-') return false;
    *out = v;
    return true;
}

/* The architecture part of a supported triple; NULL when unsupported. */
static const char *triple_arch(const char *t) {
    if (strcmp(t, "x86_64-linux-gnu") == 0 || strcmp(t, "x86_64-unknown-linux-gnu") == 0) return "x86_64";
    if (strcmp(t, "aarch64-linux-gnu") == 0 || strcmp(t, "aarch64-unknown-linux-gnu") == 0) return "aarch64";
    return NULL;
}

static const char *host_arch(void) {
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#else
    return "unknown";
#endif
}

int main(int argc, char **argv) {
    Config cfg;
    memset(&cfg, 0, sizeof cfg);
    WastScriptOptions *so = &cfg.file.script;
    so->kinds = WAST_KIND_ALL;
    so->execute = true;
    wasmc_options_default(&so->compile);
    so->compile.opt_level = 2;
    so->compile.threads = 1; /* files run in parallel instead */
    so->compile.verify_guards = true; /* the tests check the guard-page rules */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cfg.jobs = cores > 0 ? (unsigned)cores : 1;
    cfg.timeout = 600;
    so->call_deadline_ns = UINT64_C(60) * 1000000000u;
    const char *env_w2j = getenv("WAST2JSON");
    cfg.file.wast2json = env_w2j && *env_w2j ? env_w2j : "wast2json";
    const char **w2j_args = calloc((size_t)argc + 1, sizeof *w2j_args);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!w2j_args || !files) return 2;
    size_t num_w2j = 0, num_files = 0;
    const char *skip_listed = NULL, *skip_all = NULL;
    const char *target_arch = NULL;
    bool compile_only = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        unsigned long v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strncmp(a, "--only=", 7) == 0) {
            if (!parse_only(a + 7, &so->kinds)) return 2;
        } else if (strcmp(a, "--bounds-checks") == 0) {
            so->compile.bounds_checks = true;
        } else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) {
            so->compile.opt_level = a[2] - '0';
        } else if (strncmp(a, "--target=", 9) == 0) {
            const char *arch = triple_arch(a + 9);
            if (!arch) {
                fprintf(stderr, "wast-run: error: unsupported target '%s' (x86_64-linux-gnu, aarch64-linux-gnu)\n",
                        a + 9);
                return 2;
            }
            so->compile.target_triple = a + 9;
            target_arch = arch;
        } else if (strcmp(a, "--compile-only") == 0) {
            compile_only = true;
        } else if (strcmp(a, "-j") == 0 || strncmp(a, "-j", 2) == 0 || strncmp(a, "--jobs=", 7) == 0) {
            const char *n = strcmp(a, "-j") == 0 ? (i + 1 < argc ? argv[++i] : "") : a[1] == 'j' ? a + 2 : a + 7;
            if (!parse_uint(n, 1024, &v) || v == 0) {
                fprintf(stderr, "wast-run: error: bad job count '%s'\n", n);
                return 2;
            }
            cfg.jobs = (unsigned)v;
        } else if (strncmp(a, "--timeout=", 10) == 0) {
            if (!parse_uint(a + 10, 86400, &v) || v == 0) {
                fprintf(stderr, "wast-run: error: bad timeout '%s'\n", a + 10);
                return 2;
            }
            cfg.timeout = (double)v;
        } else if (strncmp(a, "--call-timeout=", 15) == 0) {
            if (!parse_uint(a + 15, 86400, &v)) {
                fprintf(stderr, "wast-run: error: bad call timeout '%s'\n", a + 15);
                return 2;
            }
            so->call_deadline_ns = (uint64_t)v * 1000000000u;
        } else if (strcmp(a, "--strict") == 0) {
            so->strict = true;
        } else if (strncmp(a, "--wast2json=", 12) == 0) {
            cfg.file.wast2json = a + 12;
        } else if (strncmp(a, "--wast2json-arg=", 16) == 0) {
            w2j_args[num_w2j++] = a + 16;
        } else if (strncmp(a, "--skip-listed=", 14) == 0) {
            skip_listed = a + 14;
            if (access(skip_listed, R_OK) != 0) {
                fprintf(stderr, "wast-run: error: cannot read %s: %s\n", skip_listed, strerror(errno));
                return 2;
            }
        } else if (strncmp(a, "--known-failures=", 17) == 0) {
            if (!load_known(a + 17)) return 2;
        } else if (strncmp(a, "--groups=", 9) == 0) {
            if (!load_groups(a + 9)) return 2;
        } else if (strncmp(a, "--skip-all=", 11) == 0) {
            skip_all = a + 11;
        } else if (strcmp(a, "-v") == 0) {
            cfg.verbose = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "wast-run: error: unknown option '%s'\n%s", a, usage);
            return 2;
        } else {
            files[num_files++] = a;
        }
    }
    cfg.file.wast2json_args = w2j_args;
    if (compile_only) {
        so->execute = false;
        so->no_exec_reason = "--compile-only";
    } else if (target_arch && strcmp(target_arch, host_arch()) != 0) {
        /* A foreign target runs under emulation (remote.c), or not at all:
         * a run that silently skipped every execution would look green. */
        static char remote_exec[PATH_MAX];
        char remote_why[PATH_MAX + 100] = "";
        if (!wast_remote_available(target_arch, remote_exec, sizeof remote_exec, remote_why, sizeof remote_why)) {
            fprintf(stderr, "wast-run: error: --target=%s cannot run here: %s; "
                    "or pass --compile-only to only check and compile\n", so->compile.target_triple, remote_why);
            return 2;
        }
        cfg.file.remote = wast_remote_run;
        cfg.file.remote_exec = remote_exec;
    }
    if (num_files == 0) {
        fprintf(stderr, "wast-run: error: no input files\n%s", usage);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    FileRun *runs = calloc(num_files, sizeof *runs);
    struct pollfd *pfds = calloc(num_files, sizeof *pfds);
    size_t *pidx = calloc(num_files, sizeof *pidx);
    if (!runs || !pfds || !pidx) return 2;
    static char listed_reason[PATH_MAX + 32];
    if (skip_listed) snprintf(listed_reason, sizeof listed_reason, "listed in %s", skip_listed);
    for (size_t i = 0; i < num_files; i++) {
        runs[i].path = files[i];
        runs[i].fd = -1;
        if (!realpath(files[i], runs[i].real)) runs[i].real[0] = 0;
        if (skip_all) runs[i].skip_reason = skip_all;
        else if (skip_listed && listed_in(skip_listed, files[i])) runs[i].skip_reason = listed_reason;
    }

    size_t next_start = 0, next_print = 0, running = 0;
    unsigned long total_p = 0, total_f = 0, total_s = 0, total_k = 0;
    while (next_print < num_files && !interrupted) {
        while (running < cfg.jobs && next_start < num_files) {
            FileRun *f = &runs[next_start++];
            if (f->skip_reason) {
                char note[PATH_MAX + 64];
                snprintf(note, sizeof note, " (%s)", f->skip_reason);
                f->file_note = xstrdup(note);
                f->skipped = 1;
                add_skip_reason(f, "file", f->skip_reason);
                f->finished = true;
            } else if (start_file(f, &cfg)) {
                running++;
            } else {
                remove_tree(f->dir);
                f->failed = 1;
                if (!f->crash) f->crash = xstrdup("line 0: startup: could not start the child process");
                f->finished = true;
            }
        }
        size_t np = 0;
        for (size_t i = 0; i < num_files; i++)
            if (runs[i].started && !runs[i].finished) {
                pfds[np] = (struct pollfd){.fd = runs[i].fd, .events = POLLIN};
                pidx[np++] = i;
            }
        if (np > 0 && poll(pfds, np, 500) < 0 && errno != EINTR) {
            perror("wast-run: poll");
            break;
        }
        for (size_t k = 0; k < np; k++) {
            FileRun *f = &runs[pidx[k]];
            bool eof = false, timed_out = false;
            if (pfds[k].revents & (POLLIN | POLLHUP | POLLERR)) eof = !drain(f);
            if (!eof && seconds_since(&f->start) > cfg.timeout) {
                kill(-f->pid, SIGKILL);
                timed_out = true;
                while (drain(f)) {
                }
                eof = true;
            }
            if (!eof) continue;
            int status = 0;
            while (waitpid(f->pid, &status, 0) < 0 && errno == EINTR) {
            }
            /* Helpers the child left behind (it may have crashed mid-spawn). */
            kill(-f->pid, SIGKILL);
            finish_file(f, status, timed_out, cfg.timeout);
            running--;
        }
        while (next_print < num_files && runs[next_print].finished) {
            FileRun *f = &runs[next_print++];
            print_file(f, cfg.verbose);
            total_p += f->passed;
            total_f += f->failed;
            total_s += f->skipped;
            total_k += f->known;
            if (num_groups) {
                Group *g = group_of(base_name(f->path));
                g->passed += f->passed;
                g->failed += f->failed;
                g->skipped += f->skipped;
                g->files++;
            }
        }
    }
    if (interrupted) {
        for (size_t i = 0; i < num_files; i++)
            if (runs[i].started && !runs[i].finished) {
                kill(-runs[i].pid, SIGKILL);
                waitpid(runs[i].pid, NULL, 0);
                remove_tree(runs[i].dir);
            }
        fputs("wast-run: interrupted\n", stderr);
        return 130;
    }
    for (size_t i = 0; i < num_groups; i++)
        if (groups[i].files)
            printf("group %s: %lu passed, %lu failed, %lu skipped (%lu files)\n", groups[i].name, groups[i].passed,
                   groups[i].failed, groups[i].skipped, groups[i].files);
    for (size_t i = 0; i < num_features; i++)
        printf("skipped by unsupported feature %s: %lu\n", features[i].name, features[i].skipped);
    if (skipped_other_feature) printf("skipped by other unsupported features: %lu\n", skipped_other_feature);
    if (total_k) printf("%lu known failures (listed in %s)\n", total_k, known_file);
    printf("%lu passed, %lu failed, %lu skipped\n", total_p, total_f, total_s);
    for (size_t i = 0; i < num_files; i++) free_file(&runs[i]);
    free(runs);
    free(pfds);
    free(pidx);
    free(files);
    free(w2j_args);
    return total_f == 0 ? 0 : 1;
}
