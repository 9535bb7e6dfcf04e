/* Arena allocation for per-module data.
 *
 * Everything the front end builds for one module (types, imports, function
 * records, segment descriptions) lives in one arena and is freed at once
 * when the module is released, so no piece of the module has its own owner
 * and no error path leaks.  Allocation failure returns NULL; callers turn it
 * into an error value ("out of memory") rather than aborting, because sizes
 * come from untrusted input.
 */
#ifndef WASMC_ARENA_H
#define WASMC_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;

typedef struct Arena {
    ArenaBlock *head;
    size_t total;   /* bytes handed out so far, for limits and -v */
    size_t limit;   /* 0 = unlimited; otherwise allocations past it fail */
} Arena;

void arena_init(Arena *a, size_t limit);
/* Zeroed, 16-byte aligned memory, or NULL when out of memory or over limit. */
void *arena_alloc(Arena *a, size_t size);
/* arena_alloc(n * size) with overflow check. */
void *arena_array(Arena *a, size_t n, size_t size);
char *arena_strndup(Arena *a, const char *s, size_t n);
void arena_free(Arena *a);

#endif
