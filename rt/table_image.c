/* Element segments prepared once per module: for each defined table whose
 * active segments all have constant offsets inside its initial size and
 * hold only ref.func / ref.null items, the table's contents after those
 * segments, as function indices.  Instantiating such a module then fills
 * the table in one tight loop (a funcref's address is the instance's
 * funcref array plus a fixed offset) instead of evaluating a constant
 * expression per element.
 *
 * Everything else keeps the segment-by-segment path in instance.c:
 * imported tables (shared with other instances, and a trap must leave
 * earlier segments written), offsets from globals, items from globals or
 * extended programs, and any segment out of bounds (the trap is raised
 * there, in segment order).  Built at load; a table without an image (no
 * memory for it, say) just takes the slow path. */
#define _GNU_SOURCE
#include <stdlib.h>

#include "internal.h"

struct rt_table_images {
    uint32_t num_tables;
    struct rt_table_image {
        bool imaged;               /* every active segment on it is in funcs */
        uint32_t lo, n;            /* funcs covers elements [lo, lo + n) */
        uint32_t *funcs;           /* function index + 1, 0 for ref.null */
    } t[];
};

/* Whether table x's active segments can all be replayed at load, and the
 * element range they cover. */
static bool imageable(const wasmc_descriptor *d, uint32_t x, uint32_t *lo, uint32_t *hi) {
    const wasmc_table_desc *td = &d->tables[x];
    if (td->imported) return false;
    *lo = UINT32_MAX, *hi = 0;
    for (uint32_t i = 0; i < d->num_elems; i++) {
        const wasmc_elem_desc *e = &d->elems[i];
        if (e->mode != WASMC_SEG_ACTIVE || e->table_index != x) continue;
        if (e->offset.kind != WASMC_CONST_I32) return false;
        uint64_t off = e->offset.value.i32;
        if (off + e->num_items > td->limits.min) return false;   /* traps: the slow path raises it */
        for (uint32_t k = 0; k < e->num_items; k++) {
            const wasmc_const_expr *it = &e->items[k];
            if (it->kind == WASMC_CONST_REF_FUNC ? it->index >= d->num_funcs : it->kind != WASMC_CONST_REF_NULL)
                return false;
        }
        if (!e->num_items) continue;
        if (off < *lo) *lo = (uint32_t)off;
        if (off + e->num_items > *hi) *hi = (uint32_t)(off + e->num_items);
    }
    return true;
}

rt_table_images *rt_table_images_build(const wasmc_descriptor *d) {
    if (!d->num_tables || !d->num_elems) return NULL;
    rt_table_images *ti = calloc(1, sizeof *ti + sizeof ti->t[0] * d->num_tables);
    if (!ti) return NULL;
    ti->num_tables = d->num_tables;
    bool any = false;
    for (uint32_t x = 0; x < d->num_tables; x++) {
        struct rt_table_image *im = &ti->t[x];
        uint32_t lo, hi;
        if (!imageable(d, x, &lo, &hi)) continue;
        if (hi > lo) {
            if (!(im->funcs = calloc(hi - lo, sizeof *im->funcs))) continue;
            im->lo = lo, im->n = hi - lo;
            /* Replayed in segment order, so later segments overwrite earlier ones. */
            for (uint32_t i = 0; i < d->num_elems; i++) {
                const wasmc_elem_desc *e = &d->elems[i];
                if (e->mode != WASMC_SEG_ACTIVE || e->table_index != x) continue;
                uint32_t *dst = im->funcs + (e->offset.value.i32 - lo);
                for (uint32_t k = 0; k < e->num_items; k++)
                    dst[k] = e->items[k].kind == WASMC_CONST_REF_FUNC ? e->items[k].index + 1 : 0;
            }
        }
        im->imaged = any = true;
    }
    if (!any) {
        free(ti);
        return NULL;
    }
    return ti;
}

void rt_table_images_free(rt_table_images *ti) {
    if (!ti) return;
    for (uint32_t x = 0; x < ti->num_tables; x++) free(ti->t[x].funcs);
    free(ti);
}

bool rt_table_imaged(const rt_table_images *ti, uint32_t x) {
    return ti && x < ti->num_tables && ti->t[x].imaged;
}

void rt_table_image_apply(const rt_table_images *ti, uint32_t x, void **elems, wasmc_funcref *funcrefs) {
    const struct rt_table_image *im = &ti->t[x];
    /* funcrefs - 1 + index + 1, as integers: ref.null stays 0 without a
     * branch, and no pointer is formed before the array. */
    uintptr_t base = (uintptr_t)funcrefs - sizeof *funcrefs;
    void **dst = elems + im->lo;
    for (uint32_t k = 0; k < im->n; k++) {
        uintptr_t v = im->funcs[k];
        dst[k] = (void *)(v ? base + v * sizeof *funcrefs : 0);
    }
}
