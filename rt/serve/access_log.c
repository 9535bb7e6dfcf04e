/* The access log: one line per answered request, in the common log format
 * plus the time taken (microseconds).  The URI is the client's: bytes a
 * terminal or a log parser would misread are shown as '?'. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "serve.h"

void serve_sanitize(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (const char *p = s ? s : "-"; *p && n < cap - 1; p++)
        out[n++] = (unsigned char)*p < 0x21 || *p == '"' || *p == 0x7f ? '?' : *p;
    out[n] = 0;
}

void serve_access_log(FILE *f, const char *client, const char *method, const char *uri, unsigned status,
                      size_t bytes, uint64_t usec) {
    if (!f) return;
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S %z", localtime_r(&now, &tm));
    char safe[512];
    serve_sanitize(uri, safe, sizeof safe);
    /* one fprintf: stdio's lock keeps lines of different workers apart */
    fprintf(f, "%s - - [%s] \"%s %s HTTP/1.1\" %u %zu %llu\n", client, when, method, safe, status, bytes,
            (unsigned long long)usec);
}
