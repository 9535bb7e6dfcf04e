/* The compile cache: a content-addressed store of part objects on disk.
 *
 * A key is a 32-byte hash of everything that determines one part's object
 * (cache_key.h computes it); an entry is that object's bytes.  Entries live
 * in DIR/xx/<64 hex digits> (xx = the first two), each written to a
 * temporary file in the same directory and renamed into place, so
 * concurrent wasmc processes only ever see complete entries, and two that
 * compute the same key write the same bytes anyway.  Every entry carries
 * its own length, key and SHA-256: one that is truncated, corrupted or
 * misplaced is removed and reported as a miss, so it is recompiled, never
 * linked.  A hit touches the entry's mtime; cache_evict removes the least
 * recently used entries until the store fits its size bound.  The cache is
 * an optimisation only: every failure to read or write it degrades to a
 * miss or a skipped store, never to a failed compile.
 */
#ifndef WASMC_CACHE_H
#define WASMC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define WASMC_CACHE_DEFAULT_MAX_BYTES (1ull << 30)

typedef struct WasmcCache WasmcCache;

/* The default directory: $XDG_CACHE_HOME/wasmc, else $HOME/.cache/wasmc.
 * Writes into buf; false if neither variable is set (or it does not fit). */
bool cache_default_dir(char *buf, size_t size);

/* Open (creating it and its parents if needed) the cache at dir, bounded to
 * max_bytes of entries.  NULL with err set if the directory cannot be
 * created or written. */
WasmcCache *cache_open(const char *dir, uint64_t max_bytes, WasmError *err);
void cache_close(WasmcCache *c);

/* Look up key.  On a hit, *data is a malloc'd copy of the entry's object. */
bool cache_get(WasmcCache *c, const uint8_t key[32], uint8_t **data, size_t *size);

/* Store an object under key (best effort). */
void cache_put(WasmcCache *c, const uint8_t key[32], const uint8_t *data, size_t size);

/* Remove least recently used entries until the entries fit max_bytes
 * (down to 90% of it, so every compile does not evict again), and
 * temporaries abandoned by killed processes. */
void cache_evict(WasmcCache *c);

typedef struct CacheStats {
    uint32_t hits, misses, stores, bad_entries, evicted;
} CacheStats;

CacheStats cache_stats(const WasmcCache *c);
const char *cache_dir(const WasmcCache *c);

#endif
