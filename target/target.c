/* Target selection by triple, and the helpers both target files use.
 *
 * Triples are normalised here so the rest of wasmc sees one canonical
 * spelling per target: "<arch>-linux-gnu" and "<arch>-unknown-linux-gnu"
 * (and "x86_64-pc-linux-gnu", clang's spelling) all select the same
 * TargetInfo.  Anything else is unsupported: wasmc's artifacts assume the
 * Linux ELF ABI and the runtime's signal handling.
 */
#include "target.h"

#include <string.h>

#include "cpu_features.h"

const TargetInfo *target_for_triple(const char *triple) {
    if (!triple) return target_host();
    static const struct { const char *triple; const TargetInfo *t; } known[] = {
        {"x86_64-linux-gnu", &target_x86_64},
        {"x86_64-unknown-linux-gnu", &target_x86_64},
        {"x86_64-pc-linux-gnu", &target_x86_64},
        {"aarch64-linux-gnu", &target_aarch64},
        {"aarch64-unknown-linux-gnu", &target_aarch64},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(triple, known[i].triple) == 0) return known[i].t;
    return NULL;
}

const TargetInfo *target_host(void) {
#if defined(__x86_64__)
    return &target_x86_64;
#elif defined(__aarch64__)
    return &target_aarch64;
#else
    return NULL;
#endif
}

const CpuEntry *cpu_lookup(const CpuEntry *cpus, size_t n, const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(cpus[i].name, name) == 0) return &cpus[i];
    return NULL;
}

uint64_t cpu_apply_features(uint64_t bits, const char *s, const FeatureEntry *feats, size_t n) {
    if (!s) return bits;
    while (*s) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len > 1 && (s[0] == '+' || s[0] == '-')) {
            for (size_t i = 0; i < n; i++) {
                if (strlen(feats[i].name) != len - 1 || memcmp(feats[i].name, s + 1, len - 1) != 0)
                    continue;
                if (s[0] == '+') {
                    bits |= feats[i].bit | feats[i].implies;
                } else {
                    bits &= ~feats[i].bit;
                    /* Whatever needs the removed feature goes with it. */
                    for (size_t j = 0; j < n; j++)
                        if (feats[j].implies & feats[i].bit) bits &= ~feats[j].bit;
                }
                break;
            }
        }
        s += len;
        if (*s == ',') s++;
    }
    return bits;
}
