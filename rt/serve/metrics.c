/* Server-wide counters (lock-free: every worker updates them) and their
 * page in the Prometheus text format, for --metrics PATH. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "serve.h"

serve_metrics serve_stats;

/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t bounds_us[SERVE_LAT_BUCKETS] = {
    50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 10000000,
};

void serve_metrics_record(unsigned status, uint64_t usec) {
    atomic_fetch_add(&serve_stats.requests, 1);
    unsigned cls = status / 100;
    atomic_fetch_add(&serve_stats.status_class[cls >= 1 && cls <= 5 ? cls : 0], 1);
    unsigned b = 0;
    while (b < SERVE_LAT_BUCKETS && usec > bounds_us[b]) b++;
    atomic_fetch_add(&serve_stats.lat_bucket[b], 1);
    atomic_fetch_add(&serve_stats.lat_sum_us, usec);
}

char *serve_metrics_page(size_t *len) {
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) return NULL;
    fprintf(f, "# TYPE wasmrt_serve_requests_total counter\n");
    static const char *const cls[] = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int i = 0; i < 6; i++)
        fprintf(f, "wasmrt_serve_requests_total{code=\"%s\"} %llu\n", cls[i],
                (unsigned long long)atomic_load(&serve_stats.status_class[i]));
    fprintf(f, "# TYPE wasmrt_serve_traps_total counter\nwasmrt_serve_traps_total %llu\n",
            (unsigned long long)atomic_load(&serve_stats.traps));
    fprintf(f, "# TYPE wasmrt_serve_timeouts_total counter\nwasmrt_serve_timeouts_total %llu\n",
            (unsigned long long)atomic_load(&serve_stats.timeouts));
    fprintf(f, "# TYPE wasmrt_serve_rejected_total counter\nwasmrt_serve_rejected_total %llu\n",
            (unsigned long long)atomic_load(&serve_stats.rejected));
    fprintf(f, "# TYPE wasmrt_serve_read_timeouts_total counter\nwasmrt_serve_read_timeouts_total %llu\n",
            (unsigned long long)atomic_load(&serve_stats.read_timeouts));
    fprintf(f, "# TYPE wasmrt_serve_instances_total counter\nwasmrt_serve_instances_total %llu\n",
            (unsigned long long)atomic_load(&serve_stats.instances_total));
    fprintf(f, "# TYPE wasmrt_serve_live_instances gauge\nwasmrt_serve_live_instances %lld\n",
            (long long)atomic_load(&serve_stats.live_instances));
    fprintf(f, "# TYPE wasmrt_serve_latency_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b < SERVE_LAT_BUCKETS; b++) {
        cum += atomic_load(&serve_stats.lat_bucket[b]);
        fprintf(f, "wasmrt_serve_latency_seconds_bucket{le=\"%g\"} %llu\n", (double)bounds_us[b] / 1e6,
                (unsigned long long)cum);
    }
    cum += atomic_load(&serve_stats.lat_bucket[SERVE_LAT_BUCKETS]);
    fprintf(f, "wasmrt_serve_latency_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    fprintf(f, "wasmrt_serve_latency_seconds_sum %.6f\nwasmrt_serve_latency_seconds_count %llu\n",
            (double)atomic_load(&serve_stats.lat_sum_us) / 1e6, (unsigned long long)cum);
    if (fclose(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
