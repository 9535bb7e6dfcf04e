/* Per-file work of the child process: wast2json, JSON, script, records.
 *
 * wast2json runs through posix_spawnp with its stdout discarded and its
 * stderr kept in the scratch directory, so its first error line can be
 * quoted when it fails (or aborts, as it does on comments.wast).  Records
 * are written with plain write(2) and never buffered: if the script crashes
 * the process, everything reported so far has already reached the parent.
 */
#include "wast_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct Sink {
    int fd;
} Sink;

static void write_all(int fd, const char *buf, size_t n) {
    while (n > 0) {
        ssize_t k = write(fd, buf, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return; /* the parent is gone; nothing useful left to do */
        }
        buf += k;
        n -= (size_t)k;
    }
}

/* vsnprintf: messages are cut at the buffer's end by design. */
__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

/* Tabs and newlines would break the record format. */
static void sanitize(char *s) {
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r') *s = ' ';
}

static void sink_begin(void *ctx, uint64_t line, const char *command) {
    Sink *s = ctx;
    char rec[WAST_RECORD_MAX];
    int n = snprintf(rec, sizeof rec, "B\t%llu\t%s", (unsigned long long)line, command);
    if (n < 0) return;
    if ((size_t)n >= sizeof rec - 1) n = (int)sizeof rec - 2;
    rec[n] = 0;
    sanitize(strchr(rec + 2, '\t') + 1); /* the command, after both tabs */
    rec[n] = '\n';
    write_all(s->fd, rec, (size_t)n + 1);
}

static void sink_result(void *ctx, WastOutcome o, uint64_t line, const char *command, const char *detail) {
    Sink *s = ctx;
    char rec[WAST_RECORD_MAX];
    int n = snprintf(rec, sizeof rec, "R\t%c\t%llu\t%s\t%s", o == WAST_PASS ? 'P' : o == WAST_FAIL ? 'F' : 'S',
                     (unsigned long long)line, command, detail ? detail : "");
    if (n < 0) return;
    if ((size_t)n >= sizeof rec - 1) n = (int)sizeof rec - 2;
    rec[n] = 0;
    /* Only the detail may hold tabs; the fixed fields are ours. */
    char *d = rec;
    for (int tabs = 0; *d && tabs < 4; d++) tabs += *d == '\t';
    sanitize(d);
    rec[n] = '\n';
    write_all(s->fd, rec, (size_t)n + 1);
}

/* The first non-empty line of a file, for quoting an error log. */
static void first_line(const char *path, char *out, size_t n) {
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return;
    while (fgets(out, (int)n, f)) {
        out[strcspn(out, "\r\n")] = 0;
        if (out[0]) break;
    }
    fclose(f);
}

/* Run wast2json; true when it produced the JSON.  On failure why holds the
 * reason. */
static bool convert(const char *wast_path, const char *json_path, const char *dir, const WastFileOptions *o,
                    char *why, size_t n) {
    char log_path[4096];
    snprintf(log_path, sizeof log_path, "%s/wast2json.log", dir);
    const char *argv[64];
    size_t argc = 0;
    argv[argc++] = o->wast2json;
    for (size_t i = 0; o->wast2json_args && o->wast2json_args[i] && argc < 58; i++)
        argv[argc++] = o->wast2json_args[i];
    argv[argc++] = wast_path;
    argv[argc++] = "-o";
    argv[argc++] = json_path;
    argv[argc] = NULL;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawnp(&pid, o->wast2json, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        say(why, n, "cannot run %s: %s", o->wast2json, strerror(rc));
        return false;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            say(why, n, "waitpid: %s", strerror(errno));
            return false;
        }
    char msg[300];
    first_line(log_path, msg, sizeof msg);
    if (WIFSIGNALED(status)) {
        say(why, n, "wast2json died with signal %d (%s)%s%s", WTERMSIG(status), strsignal(WTERMSIG(status)),
                 msg[0] ? ": " : "", msg);
        return false;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        say(why, n, "wast2json failed%s%s", msg[0] ? ": " : "", msg[0] ? msg : "");
        return false;
    }
    return true;
}

static bool read_text(const char *path, char **text, size_t *len, char *why, size_t n) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        say(why, n, "cannot open %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return false;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        say(why, n, "out of memory reading %s", path);
        return false;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t k = read(fd, buf + got, size - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    if (got != size) {
        free(buf);
        say(why, n, "short read of %s", path);
        return false;
    }
    buf[size] = 0;
    *text = buf;
    *len = size;
    return true;
}

void wast_record_begin(int fd, uint64_t line, const char *command) {
    Sink s = {fd};
    sink_begin(&s, line, command);
}

void wast_record_result(int fd, WastOutcome o, uint64_t line, const char *command, const char *detail) {
    Sink s = {fd};
    sink_result(&s, o, line, command, detail);
}

int wast_file_run(const char *wast_path, const char *dir, const WastFileOptions *opts, int fd) {
    Sink sink = {fd};
    char why[700];
    char json_path[4096];
    snprintf(json_path, sizeof json_path, "%s/script.json", dir);

    sink_begin(&sink, 0, "wast2json");
    if (!convert(wast_path, json_path, dir, opts, why, sizeof why)) {
        sink_result(&sink, WAST_SKIP, 0, "wast2json", why);
        return 0;
    }
    if (opts->remote) return opts->remote(dir, opts, fd);
    wast_file_exec(dir, &opts->script, fd);
    return 0;
}

void wast_file_exec(const char *dir, const WastScriptOptions *script, int fd) {
    Sink sink = {fd};
    WastReporter rep = {sink_begin, sink_result, &sink};
    char why[700];
    char json_path[4096];
    snprintf(json_path, sizeof json_path, "%s/script.json", dir);
    char *text;
    size_t len;
    if (!read_text(json_path, &text, &len, why, sizeof why)) {
        sink_result(&sink, WAST_FAIL, 0, "json", why);
        return;
    }
    JsonDoc doc;
    JsonError jerr;
    if (!json_parse(text, len, &doc, &jerr)) {
        say(why, sizeof why, "script.json at byte %zu: %s", jerr.offset, jerr.message);
        sink_result(&sink, WAST_FAIL, 0, "json", why);
        free(text);
        return;
    }
    WastScriptOptions so = *script;
    so.dir = dir;
    if (!wast_script_run(doc.root, &so, &rep, why, sizeof why)) sink_result(&sink, WAST_FAIL, 0, "json", why);
    json_free(&doc);
    free(text);
}
