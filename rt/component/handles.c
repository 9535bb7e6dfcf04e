/* A component instance's resource handle table (definitions.py Table):
 * index 0 is never handed out, freed slots are reused through a free
 * list, at most 2^28 entries. */
#include <stdlib.h>
#include <string.h>

#include "internal_component.h"

#define MAX_HANDLES (1u << 28)

void ct_table_free(ct_table *t) {
    free(t->h);
    memset(t, 0, sizeof *t);
}

uint32_t ct_table_add(ct_table *t, ct_handle h) {
    h.used = true;
    h.next_free = 0;
    if (t->free_head) {
        uint32_t i = t->free_head;
        t->free_head = t->h[i].next_free;
        t->h[i] = h;
        return i;
    }
    if (t->len == 0) t->len = 1;   /* slot 0 stays empty */
    if (t->len >= MAX_HANDLES) return 0;
    if (t->len >= t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 16;
        ct_handle *n = realloc(t->h, cap * sizeof *n);
        if (!n) return 0;
        memset(n + t->cap, 0, (cap - t->cap) * sizeof *n);
        t->h = n;
        t->cap = cap;
    }
    t->h[t->len] = h;
    return t->len++;
}

ct_handle *ct_table_get(ct_table *t, uint32_t i) {
    if (i == 0 || i >= t->len || !t->h[i].used) return NULL;
    return &t->h[i];
}

void ct_table_remove(ct_table *t, uint32_t i) {
    if (!ct_table_get(t, i)) return;
    memset(&t->h[i], 0, sizeof t->h[i]);
    t->h[i].next_free = t->free_head;
    t->free_head = i;
}
