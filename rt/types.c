/* Canonical signature ids, shared by every module in the process.
 *
 * call_indirect compares the callee funcref's type_id with the caller's
 * expected id, so two modules' identical signatures must get the same id.
 * Signatures are interned once per module load (not per instance), in a
 * mutex-protected open-addressing hash table keyed by the encoded
 * signature.  Ids start at 1 so a zeroed funcref never matches.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct sig_entry {
    uint8_t *bytes;       /* np, nr (4 bytes each), then the types */
    size_t len;
    uint64_t hash;
    uint32_t id;
} sig_entry;

static pthread_mutex_t types_lock = PTHREAD_MUTEX_INITIALIZER;
static sig_entry *table;
static size_t table_cap, table_count;
static uint32_t next_id = 1;

static uint64_t fnv(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static bool grow(void) {
    size_t cap = table_cap ? table_cap * 2 : 256;
    sig_entry *t = calloc(cap, sizeof *t);
    if (!t) return false;
    for (size_t i = 0; i < table_cap; i++) {
        if (!table[i].bytes) continue;
        size_t j = table[i].hash & (cap - 1);
        while (t[j].bytes) j = (j + 1) & (cap - 1);
        t[j] = table[i];
    }
    free(table);
    table = t;
    table_cap = cap;
    return true;
}

/* Returns 0 only when out of memory (no funcref ever has id 0). */
uint32_t rt_type_intern(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr) {
    size_t len = 8 + (size_t)np + nr;
    uint8_t stackbuf[256];
    uint8_t *key = len <= sizeof stackbuf ? stackbuf : malloc(len);
    if (!key) return 0;
    memcpy(key, &np, 4);
    memcpy(key + 4, &nr, 4);
    if (np) memcpy(key + 8, params, np);
    if (nr) memcpy(key + 8 + np, results, nr);
    uint64_t h = fnv(key, len);
    uint32_t id = 0;
    pthread_mutex_lock(&types_lock);
    if ((table_count + 1) * 2 > table_cap && !grow()) goto out;
    size_t j = h & (table_cap - 1);
    while (table[j].bytes) {
        if (table[j].hash == h && table[j].len == len && !memcmp(table[j].bytes, key, len)) {
            id = table[j].id;
            goto out;
        }
        j = (j + 1) & (table_cap - 1);
    }
    uint8_t *copy = malloc(len);
    if (!copy) goto out;
    memcpy(copy, key, len);
    table[j] = (sig_entry){copy, len, h, next_id};
    id = next_id++;
    table_count++;
out:
    pthread_mutex_unlock(&types_lock);
    if (key != stackbuf) free(key);
    return id;
}
