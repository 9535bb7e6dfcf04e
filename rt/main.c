/* wasmrt: run a wasmc artifact as a WASI command, or invoke one export.
 *
 * Order of events matters for the sandbox: everything that needs the wider
 * system — loading the artifact (open + mmap of code), creating the store,
 * opening preopened directories, starting the timeout thread — happens
 * first; then Landlock confines file access to the preopened trees and
 * the seccomp filter goes on; only then is the module
 * instantiated, so even its start function runs under the filter.
 *
 * Exit statuses (also in --help): the guest's proc_exit status when it
 * exits; 0 when _start or the invoked export returns; 1 for load, link or
 * instantiation errors; 2 for usage errors; 3 when the guest traps
 * (including "interrupted" by --timeout).  A guest can itself exit with 1,
 * 2 or 3; the one-line message on stderr tells the cases apart.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"   /* rt_verified_cache_enable */
#include "cli/inspect.h"
#include "cli/serve.h"
#include "cli_component.h"
#include "cli_run_component.h"
#include "wasmrt.h"
#include "wasmrt_wasi.h"

#define EXIT_LOAD 1
#define EXIT_USAGE 2
#define EXIT_TRAP 3

extern char **environ;

static void usage(FILE *out) {
    fprintf(out,
            "usage: wasmrt [options] APP.so [--] [ARGS...]\n"
            "       wasmrt serve [options] [APP.so]   (HTTP server: wasmrt serve --help)\n"
            "\n"
            "Runs a module compiled by wasmc: its _start export as a WASI command\n"
            "(ARGS become the guest's argv[1..]), or with --invoke one export\n"
            "(ARGS are its typed arguments; results are printed one per line).\n"
            "For a component, --invoke takes a whole call in WAVE, as wasmtime's:\n"
            "  wasmrt --invoke 'greet(\"world\")' app.so   (the result is printed in WAVE)\n"
            "Without --invoke, a component runs as a WASI 0.2 command (wasi:cli/run#run).\n"
            "\n"
            "options:\n"
            "  --dir HOST[::GUEST]     give the guest directory HOST, named GUEST\n"
            "                          (default: HOST); repeatable\n"
            "  --env KEY=VALUE         set a guest environment variable; repeatable\n"
            "  --inherit-env           pass the host environment to the guest\n"
            "  --invoke NAME           call export NAME instead of _start\n"
            "  --list-exports          print a component's world (imports, exports) in WIT\n"
            "  --tcplisten ADDR:PORT   hand the guest a listening TCP socket (for\n"
            "                          sock_accept); it follows the --dir fds\n"
            "  --max-memory-pages N    cap each linear memory at N 64 KiB pages\n"
            "  --timeout SECONDS       trap \"interrupted\" after SECONDS of wall time\n"
            "  --no-seccomp            do not install the seccomp system-call filter\n"
            "                          (a filtered call kills the process: SIGSYS)\n"
            "  --perf-map              write /tmp/perf-PID.map so perf report/top show\n"
            "                          Wasm function names (also: WASMRT_PERF_MAP=1)\n"
            "  --trusted-keys DIR      run only artifacts signed (wasmc --sign) by a key\n"
            "                          whose public key file (*.pub) is in DIR\n"
            "  --no-verified-cache     hash every artifact of 1 MiB or more at every\n"
            "                          start instead of keeping its verdict in\n"
            "                          ~/.cache/wasmrt/verified (README: Loading)\n"
            "  --allow-tcp-connect=HOST:PORT  let a WASI 0.2 guest connect to HOST:PORT\n"
            "                          (PORT 0: any port); repeatable\n"
            "  --allow-tcp-listen=ADDR:PORT   let it listen on ADDR:PORT (0: any port)\n"
            "  --allow-udp=ADDR:PORT   let it bind ADDR:PORT and exchange datagrams\n"
            "                          with ADDR:PORT (0: any port)\n"
            "  --allow-dns             let it resolve names (wasi:sockets/ip-name-lookup)\n"
            "                          (without these, network calls get access-denied)\n"
            "  --trap-unknown-imports  link function imports nothing defines to functions\n"
            "                          that trap, naming the import, when called\n"
            "  --no-landlock           do not confine file access to the --dir trees\n"
            "                          with Landlock (skipped anyway on kernels\n"
            "                          without it)\n"
            "  --help                  show this help\n"
            "  --version               show the version\n"
            "\n"
            "exit status:\n"
            "  N   the guest called proc_exit(N)\n"
            "  0   _start (or the invoked export) returned\n"
            "  1   the artifact could not be loaded, linked or instantiated\n"
            "  2   usage error\n"
            "  3   the guest trapped (message: \"wasmrt: trap: MESSAGE (in FUNC)\")\n");
}

static _Noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void die(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("wasmrt: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

/* ---- --timeout: a timer thread that interrupts the store ------------------ */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done;
    double seconds;
    wasmrt_store *store;
} timer = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0, NULL};

static bool timer_wait(struct timespec *deadline) {
    pthread_mutex_lock(&timer.lock);
    while (!timer.done)
        if (pthread_cond_timedwait(&timer.cond, &timer.lock, deadline) == ETIMEDOUT) break;
    bool done = timer.done;
    pthread_mutex_unlock(&timer.lock);
    return done;
}

static void add_seconds(struct timespec *t, double s) {
    double whole = floor(s);
    t->tv_sec += (time_t)whole;
    t->tv_nsec += (long)((s - whole) * 1e9);
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static void *timer_main(void *arg) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    add_seconds(&deadline, timer.seconds);
    if (timer_wait(&deadline)) return NULL;
    wasmrt_store_interrupt(timer.store);
    /* Compiled code notices the interrupt at its next loop back-edge or
     * call; a guest blocked inside a host call (a long poll_oneoff) does
     * not, so after a grace period the process ends with the same status. */
    add_seconds(&deadline, 2.0);
    if (timer_wait(&deadline)) return NULL;
    static const char msg[] = "wasmrt: trap: interrupted (blocked in a host call)\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
    _exit(EXIT_TRAP);
}

static pthread_t timer_tid;

/* Starts the --timeout thread for store; NULL when there is no timeout. */
static pthread_t *timer_start(wasmrt_store *store) {
    if (!(timer.seconds > 0)) return NULL;
    timer.store = store;
    if (pthread_create(&timer_tid, NULL, timer_main, NULL) != 0) die(EXIT_LOAD, "cannot start the timeout thread");
    return &timer_tid;
}

static void timer_start_component(wasmrt_store *store) { (void)timer_start(store); }

static void timer_stop(pthread_t *t) {
    if (!t) return;
    pthread_mutex_lock(&timer.lock);
    timer.done = true;
    pthread_cond_signal(&timer.cond);
    pthread_mutex_unlock(&timer.lock);
    pthread_join(*t, NULL);
}

static pthread_t timer_tid;
static bool timer_started;

static void start_timer(wasmrt_store *store) {
    if (!(timer.seconds > 0)) return;
    timer.store = store;
    if (pthread_create(&timer_tid, NULL, timer_main, NULL) != 0)
        die(EXIT_LOAD, "cannot start the timeout thread");
    timer_started = true;
}

static void stop_started_timer(void) { timer_stop(timer_started ? &timer_tid : NULL); }

/* ---- --allow-*: the WASI 0.2 network policy --------------------------------- */

#define MAX_RULES 64
static wasmrt_net_rule net_rules[3][MAX_RULES];
static uint32_t net_counts[3];

static void add_rule(int kind, const char *opt, const char *spec) {
    wasmrt_error err;
    uint32_t n;
    if (!wasmrt_net_rule_parse(spec, net_rules[kind] + net_counts[kind], MAX_RULES - net_counts[kind],
                               &n, &err))
        die(EXIT_USAGE, "%s %s", opt, err.message);
    net_counts[kind] += n;
}

/* ---- Values --------------------------------------------------------------- */

static const char *type_name(uint8_t t) {
    switch (t) {
    case 0x7F: return "i32";
    case 0x7E: return "i64";
    case 0x7D: return "f32";
    case 0x7C: return "f64";
    case 0x7B: return "v128";
    case 0x70: return "funcref";
    case 0x6F: return "externref";
    default: return "?";
    }
}

static bool parse_val(uint8_t type, const char *s, wasmrt_val *v) {
    char *end;
    errno = 0;
    v->kind = type;
    switch (type) {
    case 0x7F: {
        long long x = strtoll(s, &end, 0);
        if (errno || *end || end == s || x < INT32_MIN || x > UINT32_MAX) return false;
        v->of.i32 = (int32_t)(uint32_t)x;
        return true;
    }
    case 0x7E: {
        if (s[0] == '-') {
            long long x = strtoll(s, &end, 0);
            if (errno || *end || end == s) return false;
            v->of.i64 = x;
        } else {
            unsigned long long x = strtoull(s, &end, 0);
            if (errno || *end || end == s) return false;
            v->of.i64 = (int64_t)x;
        }
        return true;
    }
    case 0x7D:
        v->of.f32 = strtof(s, &end);
        return *end == 0 && end != s;
    case 0x7C:
        v->of.f64 = strtod(s, &end);
        return *end == 0 && end != s;
    default:
        return false;
    }
}

static void print_val(const wasmrt_val *v) {
    switch (v->kind) {
    case 0x7F: printf("%" PRId32 "\n", v->of.i32); break;
    case 0x7E: printf("%" PRId64 "\n", v->of.i64); break;
    case 0x7D: printf("%.9g\n", (double)v->of.f32); break;
    case 0x7C: printf("%.17g\n", v->of.f64); break;
    case 0x7B:
        printf("v128:");
        for (int i = 0; i < 16; i++) printf("%02x", v->of.v128[i]);
        printf("\n");
        break;
    default: printf("%s:%p\n", type_name(v->kind), v->of.ref); break;
    }
}

/* A listening socket for --tcplisten, made before the filter forbids it. */
static int tcp_listen(const char *spec) {
    char host[256];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host || !colon[1])
        die(EXIT_USAGE, "--tcplisten '%s': expected ADDR:PORT", spec);
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = 0;
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {  /* [::1]:80 */
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = 0;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc) die(EXIT_LOAD, "--tcplisten %s: %s", spec, gai_strerror(rc));
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128))
        die(EXIT_LOAD, "--tcplisten %s: %s", spec, strerror(errno));
    freeaddrinfo(ai);
    return fd;
}

/* ---- Running -------------------------------------------------------------- */

static int trap_status(const wasmrt_trap *t) {
    if (t->code == WASMC_TRAP_EXIT) return t->exit_code & 0xFF;
    const char *msg = t->code == WASMC_TRAP_HOST && t->host_message[0] ? t->host_message
                                                                        : wasmrt_trap_message(t->code);
    if (t->host_import[0])
        fprintf(stderr, "wasmrt: trap: %s (in host function %s, called from %s)\n", msg, t->host_import,
                t->func_name ? t->func_name : "an unknown function");
    else if (t->func_name)
        fprintf(stderr, "wasmrt: trap: %s (in %s)\n", msg, t->func_name);
    else
        fprintf(stderr, "wasmrt: trap: %s\n", msg);
    return EXIT_TRAP;
}

static int call_export(wasmrt_store *store, wasmrt_instance *inst, const char *name,
                       char **argv, int argc, bool print) {
    wasmrt_extern ext;
    if (!wasmrt_instance_export(inst, name, &ext))
        die(EXIT_LOAD, "the module has no export named '%s'", name);
    if (ext.kind != WASMC_EXTERN_FUNC) die(EXIT_LOAD, "export '%s' is not a function", name);
    const wasmc_functype *ft = ext.of.func.type;
    if ((uint32_t)argc != ft->num_params)
        die(EXIT_USAGE, "'%s' takes %u argument%s, %d given", name, ft->num_params,
            ft->num_params == 1 ? "" : "s", argc);
    wasmrt_val *args = calloc(ft->num_params + 1, sizeof *args);
    wasmrt_val *results = calloc(ft->num_results + 1, sizeof *results);
    if (!args || !results) die(EXIT_LOAD, "out of memory");
    for (uint32_t i = 0; i < ft->num_params; i++)
        if (!parse_val(ft->types[i], argv[i], &args[i]))
            die(EXIT_USAGE, "argument %u of '%s': '%s' is not a valid %s", i + 1, name, argv[i],
                type_name(ft->types[i]));
    wasmrt_trap trap = {0};
    wasmrt_error err = {{0}};
    bool ok = wasmrt_call(store, &ext.of.func, args, ft->num_params, results, ft->num_results,
                          &trap, &err);
    int status = 0;
    if (!ok) {
        if (trap.code == WASMC_TRAP_NONE) die(EXIT_LOAD, "calling '%s': %s", name, err.message);
        status = trap_status(&trap);
    } else if (print) {
        for (uint32_t i = 0; i < ft->num_results; i++) print_val(&results[i]);
    }
    free(args);
    free(results);
    return status;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "inspect")) return wasmrt_cli_inspect(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "serve")) return wasmrt_cli_serve(argc - 1, argv + 1);
    wasmrt_wasi_dir *dirs = calloc((size_t)argc, sizeof *dirs);
    const char **env = NULL;
    size_t nenv = 0, envcap = 0;
    const char *invoke = NULL, *app = NULL, *trusted_keys = NULL;
    bool seccomp = true, landlock = true, inherit = false, perf_map = false, list_exports = false;
    bool allow_dns = false, trap_unknown = false, verified_cache = true;
    uint32_t max_pages = 0;
    double timeout = 0;
    uint32_t ndirs = 0, nlisten = 0;
    const char **listens = calloc((size_t)argc, sizeof *listens);
    if (!dirs || !listens) die(EXIT_LOAD, "out of memory");

    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == 0) break;
        /* --opt=value and --opt value */
        const char *val = NULL;
        char opt[64];
        const char *eq = strchr(a, '=');
        if (eq && eq - a < (long)sizeof opt) {
            memcpy(opt, a, (size_t)(eq - a));
            opt[eq - a] = 0;
            val = eq + 1;
        } else {
            snprintf(opt, sizeof opt, "%s", a);
        }
        bool takes = !strcmp(opt, "--dir") || !strcmp(opt, "--env") || !strcmp(opt, "--invoke") ||
                     !strcmp(opt, "--max-memory-pages") || !strcmp(opt, "--timeout") ||
                     !strcmp(opt, "--tcplisten") || !strcmp(opt, "--trusted-keys") ||
                     !strcmp(opt, "--allow-tcp-connect") || !strcmp(opt, "--allow-tcp-listen") ||
                     !strcmp(opt, "--allow-udp");
        if (takes && !val) {
            if (i + 1 >= argc) die(EXIT_USAGE, "%s needs a value (see --help)", opt);
            val = argv[++i];
        } else if (!takes && val) {
            die(EXIT_USAGE, "%s takes no value", opt);
        }
        if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(opt, "--version")) {
            printf("wasmrt 0.1.0 (artifact format %u)\n", WASMC_FORMAT_VERSION);
            return 0;
        } else if (!strcmp(opt, "--dir")) {
            char *copy = strdup(val);
            char *sep = copy ? strstr(copy, "::") : NULL;
            if (!copy) die(EXIT_LOAD, "out of memory");
            if (sep) {
                *sep = 0;
                dirs[ndirs].guest_path = sep + 2;
            } else {
                dirs[ndirs].guest_path = copy;
            }
            if (!copy[0] || !dirs[ndirs].guest_path[0])
                die(EXIT_USAGE, "--dir '%s': expected HOST or HOST::GUEST", val);
            dirs[ndirs++].host_path = copy;
        } else if (!strcmp(opt, "--env")) {
            if (!strchr(val, '=') || val[0] == '=') die(EXIT_USAGE, "--env '%s': expected KEY=VALUE", val);
            if (nenv == envcap) {
                envcap = envcap ? envcap * 2 : 16;
                env = realloc(env, envcap * sizeof *env);
                if (!env) die(EXIT_LOAD, "out of memory");
            }
            env[nenv++] = val;
        } else if (!strcmp(opt, "--tcplisten")) {
            listens[nlisten++] = val;
        } else if (!strcmp(opt, "--allow-tcp-connect")) {
            add_rule(0, opt, val);
        } else if (!strcmp(opt, "--allow-tcp-listen")) {
            add_rule(1, opt, val);
        } else if (!strcmp(opt, "--allow-udp")) {
            add_rule(2, opt, val);
        } else if (!strcmp(opt, "--allow-dns")) {
            allow_dns = true;
        } else if (!strcmp(opt, "--trap-unknown-imports")) {
            trap_unknown = true;
        } else if (!strcmp(opt, "--inherit-env")) {
            inherit = true;
        } else if (!strcmp(opt, "--no-landlock")) {
            landlock = false;
        } else if (!strcmp(opt, "--perf-map")) {
            perf_map = true;
        } else if (!strcmp(opt, "--list-exports")) {
            list_exports = true;
        } else if (!strcmp(opt, "--no-seccomp")) {
            seccomp = false;
        } else if (!strcmp(opt, "--no-verified-cache")) {
            verified_cache = false;
        } else if (!strcmp(opt, "--invoke")) {
            invoke = val;
        } else if (!strcmp(opt, "--trusted-keys")) {
            trusted_keys = val;
        } else if (!strcmp(opt, "--max-memory-pages")) {
            char *end;
            errno = 0;
            unsigned long n = strtoul(val, &end, 10);
            if (errno || *end || end == val || n == 0 || n > WASMC_MAX_MEMORY_PAGES)
                die(EXIT_USAGE, "--max-memory-pages '%s': expected 1..%u", val, WASMC_MAX_MEMORY_PAGES);
            max_pages = (uint32_t)n;
        } else if (!strcmp(opt, "--timeout")) {
            char *end;
            timeout = strtod(val, &end);
            if (*end || end == val || !(timeout > 0) || timeout > 1e9)
                die(EXIT_USAGE, "--timeout '%s': expected a positive number of seconds", val);
        } else {
            die(EXIT_USAGE, "unknown option '%s' (see --help)", a);
        }
    }
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    if (i >= argc) die(EXIT_USAGE, "no APP.so given (usage: wasmrt [options] APP.so [--] [ARGS...]; see --help)");
    app = argv[i++];
    if (i < argc && strcmp(argv[i], "--") == 0) i++;
    char **rest = argv + i;
    int nrest = argc - i;
    timer.seconds = timeout;

    if (verified_cache) rt_verified_cache_enable(NULL);
    /* One instance per process: copying a module's data straight into its
     * memory is one copy; a copy-on-write image (wasmrt_config) is a copy
     * into a memfd plus a fault per page, and a second copy of each page
     * the guest writes, which only pays off from the second instance on. */
    wasmrt_config engine = {.image_min_bytes = UINT32_MAX};
    wasmrt_error cerr;
    if (!wasmrt_configure(&engine, &cerr)) die(EXIT_LOAD, "%s", cerr.message);
    wasmrt_error err = {{0}};
    wasmrt_trust *trust = NULL;
    if (trusted_keys && !(trust = wasmrt_trust_load_dir(trusted_keys, &err))) die(EXIT_LOAD, "%s", err.message);
    if ((invoke || list_exports) && cli_is_component(app, trust)) {
        cli_component_opts co = {.app = app, .invoke = invoke, .list_exports = list_exports, .seccomp = seccomp,
                                 .trust = trust,
                                 .max_memory_pages = max_pages, .nrest = nrest, .on_store = timer_start_component};
        int status = cli_component_main(&co);
        fflush(NULL);
        _exit(status);
    }
    if (list_exports) die(EXIT_USAGE, "--list-exports is for components; '%s' is a core module", app);

    /* Guest environment: the host's (if asked), then --env, later keys
     * replacing earlier ones. */
    size_t nhost = 0;
    if (inherit)
        while (environ[nhost]) nhost++;
    const char **genv = calloc(nhost + nenv + 1, sizeof *genv);
    uint32_t ngenv = 0;
    if (!genv) die(EXIT_LOAD, "out of memory");
    for (size_t k = 0; k < nhost + nenv; k++) {
        const char *kv = k < nhost ? environ[k] : env[k - nhost];
        size_t klen = strcspn(kv, "=");
        for (uint32_t j = 0; j < ngenv; j++)
            if (strncmp(genv[j], kv, klen) == 0 && genv[j][klen] == '=') {
                genv[j] = genv[--ngenv];
                break;
            }
        genv[ngenv++] = kv;
    }

    const char **gargv = calloc((size_t)nrest + 1, sizeof *gargv);
    if (!gargv) die(EXIT_LOAD, "out of memory");
    gargv[0] = app;
    for (int k = 0; k < nrest; k++) gargv[k + 1] = rest[k];

    /* A closed stdout pipe (`wasmrt app.so | head -1`) must be EPIPE for
     * the guest, not SIGPIPE for the runtime. */
    signal(SIGPIPE, SIG_IGN);

    wasmrt_module *mod = wasmrt_module_load_signed(app, trust, &err);
    bool component = !mod && wasmrt_artifact_is_component_signed(app, trust, NULL);
    if (!mod && !component) die(EXIT_LOAD, "%s", err.message);
    /* Before anything runs (the code pages move) and before the filter
     * (it opens a file).  A profiling aid must not stop the program. */
    const char *pm_env = getenv("WASMRT_PERF_MAP");
    if (mod && (perf_map || (pm_env && strcmp(pm_env, "1") == 0))) {
        const char *base = strrchr(app, '/') ? strrchr(app, '/') + 1 : app;
        char label[128];
        size_t len = strlen(base);
        if (len > 3 && strcmp(base + len - 3, ".so") == 0) len -= 3;
        snprintf(label, sizeof label, "%.*s", (int)(len < 127 ? len : 127), base);
        if (!wasmrt_module_perf_map(mod, label, NULL, &err))
            fprintf(stderr, "wasmrt: warning: %s; continuing without the perf map\n", err.message);
    }
    wasmrt_store_config cfg = {.max_memory_pages = max_pages};
    wasmrt_store *store = wasmrt_store_new(&cfg, &err);
    if (!store) die(EXIT_LOAD, "%s", err.message);
    wasmrt_wasi_config wc = {
        .argv = gargv, .argc = invoke ? 1 : (uint32_t)nrest + 1,
        .env = genv, .envc = ngenv,
        .dirs = dirs, .num_dirs = ndirs,
        .stdin_fd = 0, .stdout_fd = 1, .stderr_fd = 2,
    };
    wasmrt_wasi *wasi = wasmrt_wasi_new(&wc, &err);
    if (!wasi) die(EXIT_LOAD, "%s", err.message);
    for (uint32_t k = 0; k < nlisten; k++) {
        int fd = tcp_listen(listens[k]);
        uint32_t guest;
        if (!wasmrt_wasi_insert_fd(wasi, fd, &guest, &err)) die(EXIT_LOAD, "%s", err.message);
        close(fd);
    }
    timer.seconds = timeout;
    if (component) {
        cli_component_run run = {
            .app = app, .store = store, .wasi = wasi, .trap_unknown = trap_unknown, .trust = trust,
            .seccomp = seccomp, .landlock = landlock, .start_timer = start_timer,
            .stop_timer = stop_started_timer, .trap_status = trap_status,
            .net = {.tcp_connect = net_rules[0], .num_tcp_connect = net_counts[0],
                    .tcp_listen = net_rules[1], .num_tcp_listen = net_counts[1],
                    .udp = net_rules[2], .num_udp = net_counts[2], .dns = allow_dns},
        };
        int st = cli_run_component(&run);
        fflush(stdout);
        _exit(st);
    }
    wasmrt_linker *linker = wasmrt_linker_new();
    if (!linker) die(EXIT_LOAD, "out of memory");
    wasmrt_linker_trap_unknown_imports(linker, trap_unknown);
    if (!wasmrt_wasi_define(wasi, linker, &err)) die(EXIT_LOAD, "%s", err.message);

    fflush(NULL);
    bool applied;
    if (landlock && !wasmrt_wasi_landlock(wasi, &applied, &err))
        die(EXIT_LOAD, "%s (use --no-landlock to run without it)", err.message);
    start_timer(store);
    if (seccomp && !wasmrt_seccomp_install(&err))
        die(EXIT_LOAD, "%s (use --no-seccomp to run without the filter)", err.message);

    wasmrt_trap trap = {0};
    wasmrt_instance *inst = wasmrt_instantiate(store, mod, linker, &trap, &err);
    int status;
    if (!inst) {
        if (trap.code == WASMC_TRAP_NONE) die(EXIT_LOAD, "%s", err.message);
        status = trap_status(&trap);
    } else if (invoke) {
        wasmrt_extern init;
        status = 0;
        if (wasmrt_instance_export(inst, "_initialize", &init))  /* WASI reactor */
            status = call_export(store, inst, "_initialize", NULL, 0, false);
        if (status == 0) status = call_export(store, inst, invoke, rest, nrest, true);
    } else {
        wasmrt_extern start;
        if (!wasmrt_instance_export(inst, "_start", &start))
            die(EXIT_LOAD, "'%s' has no _start export (not a WASI command); use --invoke NAME", app);
        status = call_export(store, inst, "_start", NULL, 0, false);
    }
    stop_started_timer();
    fflush(stdout);
    /* The guest's exit status is the process's; skip teardown work (the
     * kernel frees it all) so exit stays fast and within the filter. */
    _exit(status);
}
