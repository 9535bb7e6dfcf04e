/* The host half of running a script on an emulated target (--target=aarch64
 * on an x86-64 host).
 *
 * Inside the per-file child, after wast2json: the front-end commands
 * (assert_malformed / assert_invalid) run here, since they only exercise the
 * compiler, which is target independent up to that point.  Then every .wasm
 * file of the script, plus the spectest module, is checked and compiled once
 * for the target into DIR/pre/ (precompiled.h), and wast-exec — the same
 * script interpreter built for the target without LLVM — runs the execution
 * commands under qemu-user with the record pipe as its fd 3.  Its records go
 * straight to the parent, so counting and the output line are exactly those
 * of a native run.  If the emulated executor dies, this child dies the same
 * way (same signal or exit status), so the parent reports it at the last
 * command the executor began, as it would a native crash.
 */
#define _GNU_SOURCE
#include "remote.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "precompiled.h"
#include "spectest.h"

extern char **environ;

enum { MAX_MODULE_BYTES = 256u << 20 };

const char *wast_remote_emulator(const char *arch) {
    if (strcmp(arch, "aarch64") == 0) return "qemu-aarch64";
    return NULL;
}

static void write_error(const char *path, const WasmError *e) {
    FILE *f = fopen(path, "w");
    if (!f) return; /* wast-exec then reports the module as not precompiled */
    char msg[sizeof e->message];
    snprintf(msg, sizeof msg, "%s", e->message);
    msg[strcspn(msg, "\n")] = 0;
    if (e->offset == WASM_NO_OFFSET) fprintf(f, "%d\n-\n%s\n", (int)e->kind, msg);
    else fprintf(f, "%d\n%zu\n%s\n", (int)e->kind, e->offset, msg);
    fclose(f);
}

/* Check and compile one module's bytes, unless already done (scripts
 * repeat modules). */
static void precompile(const char *dir, const uint8_t *bytes, size_t size, const WasmcOptions *copt) {
    char so[4096], chk[4096], cmp[4096];
    wast_precompiled_path(dir, bytes, size, "so", so, sizeof so);
    wast_precompiled_path(dir, bytes, size, "check", chk, sizeof chk);
    wast_precompiled_path(dir, bytes, size, "compile", cmp, sizeof cmp);
    if (access(so, F_OK) == 0 || access(chk, F_OK) == 0 || access(cmp, F_OK) == 0) return;
    WasmError e;
    wasm_error_clear(&e);
    if (!wasmc_check(bytes, size, &e)) {
        write_error(chk, &e);
        return;
    }
    wasm_error_clear(&e);
    if (!wasmc_compile(bytes, size, copt, so, NULL, &e)) write_error(cmp, &e);
}

static uint8_t *read_file(const char *path, size_t *size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return NULL;
    if (fstat(fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size > MAX_MODULE_BYTES) {
        close(fd);
        return NULL;
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(n ? n : 1);
    while (buf && got < n) {
        ssize_t k = read(fd, buf + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    if (buf && got != n) {
        free(buf);
        buf = NULL;
    }
    *size = n;
    return buf;
}

static bool precompile_all(const char *dir, const WasmcOptions *copt, char *why, size_t n) {
    char pre[4096];
    snprintf(pre, sizeof pre, "%s/" WAST_PRECOMPILED_DIR, dir);
    if (mkdir(pre, 0700) != 0 && errno != EEXIST) {
        snprintf(why, n, "mkdir %.300s: %s", pre, strerror(errno));
        return false;
    }
    precompile(dir, spectest_wasm, spectest_wasm_size, copt);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(why, n, "opendir: %s", strerror(errno));
        return false;
    }
    /* Too-large or unreadable files are left out: wast-exec reads them
     * itself and reports the same problem a native run would. */
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".wasm") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        size_t size;
        uint8_t *bytes = read_file(path, &size);
        if (!bytes) continue;
        precompile(dir, bytes, size, copt);
        free(bytes);
    }
    closedir(d);
    return true;
}

/* The executor ended abnormally: end this child the same way. */
static int pass_on(int status) {
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        signal(sig, SIG_DFL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        raise(sig);
        return 128 + sig;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int wast_remote_run(const char *dir, const WastFileOptions *opts, int fd) {
    const WastScriptOptions *so = &opts->script;
    unsigned front = so->kinds & (WAST_KIND_MALFORMED | WAST_KIND_INVALID);
    unsigned exec = so->kinds & WAST_KIND_EXEC;
    if (front) {
        WastScriptOptions fo = *so;
        fo.kinds = front;
        fo.execute = false;
        wast_file_exec(dir, &fo, fd);
    }
    if (!exec) return 0;

    char why[512];
    wast_record_begin(fd, 0, "precompile");
    if (!precompile_all(dir, &so->compile, why, sizeof why)) {
        wast_record_result(fd, WAST_FAIL, 0, "precompile", why);
        return 0;
    }

    const char *arch = so->compile.target_triple && strncmp(so->compile.target_triple, "aarch64", 7) == 0
                           ? "aarch64" : "";
    const char *emu = wast_remote_emulator(arch);
    char kinds[32], deadline[48], recfd[] = "--record-fd=3";
    snprintf(kinds, sizeof kinds, "--kinds=%u", exec);
    snprintf(deadline, sizeof deadline, "--call-timeout=%llu",
             (unsigned long long)(so->call_deadline_ns / 1000000000u));
    const char *argv[12];
    size_t argc = 0;
    argv[argc++] = emu ? emu : "qemu-aarch64";
    argv[argc++] = "-L";
    argv[argc++] = "/usr/aarch64-linux-gnu";
    argv[argc++] = opts->remote_exec;
    argv[argc++] = kinds;
    argv[argc++] = deadline;
    argv[argc++] = recfd;
    if (so->strict) argv[argc++] = "--strict";
    argv[argc++] = dir;
    argv[argc] = NULL;

    char log_path[4096];
    snprintf(log_path, sizeof log_path, "%s/wast-exec.log", dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, fd, 3); /* clears CLOEXEC on the copy */
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, sizeof why, "cannot run %s: %s", argv[0], strerror(rc));
        wast_record_result(fd, WAST_FAIL, 0, "wast-exec", why);
        return 0;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            snprintf(why, sizeof why, "waitpid: %s", strerror(errno));
            wast_record_result(fd, WAST_FAIL, 0, "wast-exec", why);
            return 0;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    return pass_on(status);
}

static bool on_path(const char *prog) {
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t k = strcspn(p, ":");
        char cand[4096];
        snprintf(cand, sizeof cand, "%.*s/%s", (int)k, p, prog);
        if (access(cand, X_OK) == 0) return true;
        p += k;
        if (*p == ':') p++;
    }
    return false;
}

bool wast_remote_available(const char *arch, char *exec_path, size_t n, char *why, size_t wn) {
    const char *emu = wast_remote_emulator(arch);
    if (!emu) {
        snprintf(why, wn, "no emulator known for %s", arch);
        return false;
    }
    if (!on_path(emu)) {
        snprintf(why, wn, "%s not found on PATH", emu);
        return false;
    }
    const char *env = getenv("WAST_EXEC");
    if (env && *env) {
        snprintf(exec_path, n, "%s", env);
    } else {
        char self[4096];
        ssize_t k = readlink("/proc/self/exe", self, sizeof self - 1);
        if (k <= 0) {
            snprintf(why, wn, "cannot locate wast-run itself: %s", strerror(errno));
            return false;
        }
        self[k] = 0;
        char *slash = strrchr(self, '/');
        if (slash) *slash = 0;
        snprintf(exec_path, n, "%s/../%s/bin/wast-exec", self, arch);
    }
    if (access(exec_path, X_OK) != 0) {
        snprintf(why, wn, "no %s executor at %s (build it with tools/build-aarch64-rt.sh)", arch, exec_path);
        return false;
    }
    return true;
}
