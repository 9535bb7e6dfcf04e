/* `wasmrt serve [options] [APP.so]`: parses the options into a
 * serve_config and runs the server (rt/serve/server.c). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../serve/serve.h"
#include "serve.h"

static void usage(FILE *out) {
    fprintf(out,
            "usage: wasmrt serve [options] [APP.so]\n"
            "\n"
            "Serves HTTP/1.1, answering each request with a fresh instance of a\n"
            "wasi:http/proxy component (it exports wasi:http/incoming-handler).\n"
            "APP.so serves every path no --route claims.\n"
            "\n"
            "options:\n"
            "  --addr ADDR:PORT        listen there (default 127.0.0.1:8080; port 0: any)\n"
            "  --route /PREFIX=APP.so  serve paths under /PREFIX with APP.so; repeatable\n"
            "  --workers N             server threads (default: one per online CPU)\n"
            "  --timeout SECONDS       per request (instantiation and handle): past it\n"
            "                          the guest traps \"interrupted\" and the answer is 500\n"
            "  --max-memory-pages N    cap each guest memory at N 64 KiB pages\n"
            "  --max-body-bytes N      request body limit, else 413 (default 1048576)\n"
            "  --max-header-bytes N    request line + headers limit, else 431/414\n"
            "                          (default 16384)\n"
            "  --idle-timeout SECONDS  close a connection idle this long (default 15)\n"
            "  --read-timeout SECONDS  close a connection whose request (line, headers,\n"
            "                          body) takes longer to arrive (default 20; 0: never)\n"
            "  --max-connections N     (default 4096)\n"
            "  --stream                run guests on threads of their own from the moment\n"
            "                          a request's headers are in: request bodies reach them\n"
            "                          as they arrive, responses go out (chunked) as written\n"
            "  --pool-slots N          instance slots the pooling allocator reserves\n"
            "                          (default 64; 0: none)\n"
            "  --metrics PATH          answer PATH with counters and a latency histogram\n"
            "                          (Prometheus text format) instead of a guest\n"
            "  --access-log FILE       one line per request (\"-\": stdout)\n"
            "  --allow-http HOST[:PORT]  let guests send requests to HOST (wasi:http\n"
            "                          outgoing-handler); repeatable.  Default: denied\n"
            "  --trusted-keys DIR      serve only artifacts signed by a key in DIR\n"
            "  --port-file FILE        write the port listened on to FILE\n"
            "  --no-seccomp            do not install the seccomp system-call filter\n"
            "  --no-landlock           do not deny the server all file and TCP bind/connect access\n"
            "  --help\n");
}

static int bad(const char *fmt, const char *a) {
    fputs("wasmrt serve: error: ", stderr);
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return 2;
}

static bool number(const char *s, double lo, double hi, double *out) {
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || !(v >= lo) || !(v <= hi)) return false;
    *out = v;
    return true;
}

int wasmrt_cli_serve(int argc, char **argv) {
    serve_config cfg = {
        .addr = "127.0.0.1:8080",
        .max_body_bytes = 1u << 20,
        .max_header_bytes = 16384,
        .idle_timeout_s = 15,
        .read_timeout_s = 20,
        .max_connections = 4096,
        .seccomp = true,
        .landlock = true,
    };
    const char **allow = calloc((size_t)argc, sizeof *allow);
    serve_route *routes = calloc((size_t)argc + 1, sizeof *routes);
    if (!allow || !routes) return bad("%s", "out of memory");
    const char *app = NULL, *trusted = NULL, *log = NULL;
    double pool_slots = 64;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (strncmp(a, "--", 2)) {
            if (app) return bad("more than one APP.so ('%s'); use --route for more apps", a);
            app = a;
            continue;
        }
        if (!strcmp(a, "--no-seccomp") || !strcmp(a, "--no-landlock")) {
            *(a[5] == 's' ? &cfg.seccomp : &cfg.landlock) = false;
            continue;
        }
        if (!strcmp(a, "--stream")) {
            cfg.stream = true;
            continue;
        }
        const char *eq = strchr(a, '=');
        char name[64];
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name) return bad("unknown option '%s'", a);
        memcpy(name, a, nl);
        name[nl] = 0;
        const char *val = eq ? eq + 1 : NULL;
        if (!val) {
            if (i + 1 >= argc) return bad("%s needs a value", name);
            val = argv[++i];
        }
        double v;
        if (!strcmp(name, "--addr")) cfg.addr = val;
        else if (!strcmp(name, "--route")) {
            const char *sep = strchr(val, '=');
            if (!sep || val[0] != '/' || !sep[1]) return bad("--route '%s': /PREFIX=APP.so expected", val);
            char *prefix = strndup(val, (size_t)(sep - val));
            if (!prefix) return bad("%s", "out of memory");
            routes[cfg.num_routes++] = (serve_route){.prefix = prefix, .path = sep + 1};
        } else if (!strcmp(name, "--workers")) {
            if (!number(val, 1, 1024, &v)) return bad("--workers '%s': 1..1024 expected", val);
            cfg.workers = (uint32_t)v;
        } else if (!strcmp(name, "--timeout")) {
            if (!number(val, 1e-6, 1e6, &v)) return bad("--timeout '%s': a positive number of seconds expected", val);
            cfg.timeout_s = v;
        } else if (!strcmp(name, "--max-memory-pages")) {
            if (!number(val, 1, 65536, &v)) return bad("--max-memory-pages '%s': 1..65536 expected", val);
            cfg.max_memory_pages = (uint32_t)v;
        } else if (!strcmp(name, "--max-body-bytes")) {
            if (!number(val, 0, 1 << 30, &v)) return bad("--max-body-bytes '%s': 0..1073741824 expected", val);
            cfg.max_body_bytes = (size_t)v;
        } else if (!strcmp(name, "--max-header-bytes")) {
            if (!number(val, 1024, 1 << 24, &v)) return bad("--max-header-bytes '%s': 1024..16777216 expected", val);
            cfg.max_header_bytes = (size_t)v;
        } else if (!strcmp(name, "--read-timeout")) {
            if (!number(val, 0, 86400, &v)) return bad("--read-timeout '%s': 0..86400 seconds expected", val);
            cfg.read_timeout_s = v;
        } else if (!strcmp(name, "--idle-timeout")) {
            if (!number(val, 1, 86400, &v)) return bad("--idle-timeout '%s': 1..86400 seconds expected", val);
            cfg.idle_timeout_s = (unsigned)v;
        } else if (!strcmp(name, "--max-connections")) {
            if (!number(val, 1, 1 << 20, &v)) return bad("--max-connections '%s': 1..1048576 expected", val);
            cfg.max_connections = (unsigned)v;
        } else if (!strcmp(name, "--pool-slots")) {
            if (!number(val, 0, 1 << 16, &v)) return bad("--pool-slots '%s': 0..65536 expected", val);
            pool_slots = v;
        } else if (!strcmp(name, "--metrics")) {
            if (val[0] != '/') return bad("--metrics '%s': a path starting with / expected", val);
            cfg.metrics_path = val;
        } else if (!strcmp(name, "--access-log")) log = val;
        else if (!strcmp(name, "--allow-http")) allow[cfg.num_allow_http++] = val;
        else if (!strcmp(name, "--trusted-keys")) trusted = val;
        else if (!strcmp(name, "--port-file")) cfg.port_file = val;
        else return bad("unknown option '%s' (see wasmrt serve --help)", name);
    }
    if (app) routes[cfg.num_routes++] = (serve_route){.prefix = "/", .path = app};
    if (!cfg.num_routes) return bad("%s", "no app: give APP.so or --route /PREFIX=APP.so");
    cfg.routes = routes;
    cfg.allow_http = allow;
    wasmrt_error err = {{0}};
    wasmrt_trust *trust = NULL;
    if (trusted && !(trust = wasmrt_trust_load_dir(trusted, &err))) {
        fprintf(stderr, "wasmrt serve: error: --trusted-keys %s: %s\n", trusted, err.message);
        return 1;
    }
    cfg.trust = trust;
    if (log) {
        cfg.access_log = !strcmp(log, "-") ? stdout : fopen(log, "a");
        if (!cfg.access_log) return bad("--access-log '%s': cannot open", log);
        setvbuf(cfg.access_log, NULL, _IOLBF, 0);
    }
    wasmrt_config rc = {.pool_slots = (uint32_t)pool_slots};
    if (!wasmrt_configure(&rc, &err)) {
        fprintf(stderr, "wasmrt serve: error: %s\n", err.message);
        return 1;
    }
    return serve_run(&cfg);
}
