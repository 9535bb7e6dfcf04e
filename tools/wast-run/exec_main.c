/* wast-exec: the execution half of wast-run, for targets the host emulates.
 *
 *   wast-exec [--kinds=MASK] [--strict] [--call-timeout=SEC] [--record-fd=N] DIR
 *
 * Runs DIR/script.json (converted by wast2json on the host) against the
 * runtime of the machine it runs on, with every module precompiled by the
 * host into DIR/pre/ (see precompiled.h; remote.c drives it).  Records go to
 * --record-fd (default 1) in wast_file.h's format, which the host wast-run
 * parses as if its own child had written them; anything the guest or the
 * runtime prints on stdout must therefore not share that descriptor, and
 * remote.c hands the record pipe over as fd 3.  Built without LLVM, so a
 * runtime-only cross build produces it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_compiler.h"
#include "wast_file.h"

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !*s || *end || v > max || s[0] == '-') return false;
    *out = v;
    return true;
}

int main(int argc, char **argv) {
    WastScriptOptions so;
    memset(&so, 0, sizeof so);
    so.kinds = WAST_KIND_EXEC;
    so.execute = true;
    wasmc_options_default(&so.compile);
    so.call_deadline_ns = UINT64_C(60) * 1000000000u;
    unsigned long fd = 1, v;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--kinds=", 8) == 0 && parse_ulong(a + 8, WAST_KIND_ALL, &v) && v) {
            so.kinds = (unsigned)v;
        } else if (strcmp(a, "--strict") == 0) {
            so.strict = true;
        } else if (strncmp(a, "--call-timeout=", 15) == 0 && parse_ulong(a + 15, 86400, &v)) {
            so.call_deadline_ns = (uint64_t)v * 1000000000u;
        } else if (strncmp(a, "--record-fd=", 12) == 0 && parse_ulong(a + 12, 1023, &v)) {
            fd = v;
        } else if (a[0] != '-' && !dir) {
            dir = a;
        } else {
            fprintf(stderr, "wast-exec: bad argument '%s'\n"
                    "usage: wast-exec [--kinds=MASK] [--strict] [--call-timeout=SEC] [--record-fd=N] DIR\n", a);
            return 2;
        }
    }
    if (!dir) {
        fputs("wast-exec: no directory\n", stderr);
        return 2;
    }
    wast_exec_set_precompiled(dir);
    wast_file_exec(dir, &so, (int)fd);
    return 0;
}
