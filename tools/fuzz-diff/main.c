/* wasmc-fuzz-diff: differential testing against binaryen's interpreter.
 *
 *   wasmc-fuzz-diff M.wasm [-O0|-O1|-O2|-O3] [--bounds-checks]
 *                   [--disable-pass=NAME,...] [--expect REF.txt] [--timeout SECONDS]
 *
 * Without --expect it prints the transcript (binaryen's --fuzz-exec
 * wording) on stdout.  With --expect REF.txt (the output of
 * `wasm-opt M.wasm --fuzz-exec-before`) it compares instead: the first
 * disagreement goes to stderr, followed by our full transcript.
 *
 * Exit status tells the campaign script what happened without parsing
 * text: 0 agree (or transcript printed), 1 mismatch, 2 compile error,
 * 3 runtime error (load/link/instantiate, not a trap), 4 timeout, 64 usage.
 * A crash is the shell's signal status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_diff.h"
#include "opt/opt.h"

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > ((size_t)1 << 30)) break; /* no fuzz module is a gigabyte */
            unsigned char *nb = realloc(buf, cap + 1);
            if (!nb) break;
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) break;
            fclose(f);
            buf[len] = 0;
            *size = len;
            return buf;
        }
    }
    fclose(f);
    free(buf);
    return NULL;
}

static int usage(void) {
    fprintf(stderr, "usage: wasmc-fuzz-diff M.wasm [-O0|-O1|-O2|-O3] [--bounds-checks] "
                    "[--disable-pass=NAME,...] [--expect REF.txt] [--timeout SECONDS]\n");
    return 64;
}

int main(int argc, char **argv) {
    const char *wasm_path = NULL, *expect = NULL;
    double timeout_s = 20;
    WasmcOptions opts;
    wasmc_options_default(&opts);
    opts.threads = 1; /* the campaign already runs one process per core */
    opts.verify_guards = true; /* and checks the guard-page rules */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) opts.opt_level = a[2] - '0';
        else if (!strcmp(a, "--bounds-checks")) opts.bounds_checks = true;
        else if (!strncmp(a, "--disable-pass=", 15)) {
            char why[256];
            if (!opt_disable_passes(a + 15, &opts.disabled_passes, why, sizeof why)) {
                fprintf(stderr, "wasmc-fuzz-diff: %s\n", why);
                return 64;
            }
        }
        else if (!strcmp(a, "--expect") && i + 1 < argc) expect = argv[++i];
        else if (!strcmp(a, "--timeout") && i + 1 < argc) {
            char *end;
            timeout_s = strtod(argv[++i], &end);
            if (*end || !(timeout_s > 0)) return usage();
        } else if (a[0] != '-' && !wasm_path) wasm_path = a;
        else return usage();
    }
    if (!wasm_path) return usage();

    size_t size = 0;
    unsigned char *wasm = read_file(wasm_path, &size);
    if (!wasm) {
        fprintf(stderr, "wasmc-fuzz-diff: cannot read %s\n", wasm_path);
        return 3;
    }
    size_t ref_size = 0;
    char *ref = NULL;
    if (expect && !(ref = (char *)read_file(expect, &ref_size))) {
        fprintf(stderr, "wasmc-fuzz-diff: cannot read %s\n", expect);
        free(wasm);
        return 3;
    }

    char *transcript = NULL;
    size_t transcript_len = 0;
    FILE *out = expect ? open_memstream(&transcript, &transcript_len) : stdout;
    if (!out) {
        fprintf(stderr, "wasmc-fuzz-diff: out of memory\n");
        return 3;
    }
    char why[1024] = "";
    fd_status st = fd_run(wasm, size, &opts, timeout_s, out, why, sizeof why);
    free(wasm);
    if (expect) fclose(out);

    int rc = 0;
    switch (st) {
    case FD_RAN:
        if (expect) {
            if (!fd_compare(transcript, ref, stderr)) {
                fputs(transcript ? transcript : "", stdout);
                rc = 1;
            }
        }
        break;
    case FD_COMPILE_ERROR: fprintf(stderr, "wasmc-fuzz-diff: %s\n", why); rc = 2; break;
    case FD_RUNTIME_ERROR: fprintf(stderr, "wasmc-fuzz-diff: %s\n", why); rc = 3; break;
    case FD_TIMEOUT: fprintf(stderr, "wasmc-fuzz-diff: %s\n", why); rc = 4; break;
    }
    free(transcript);
    free(ref);
    return rc;
}
