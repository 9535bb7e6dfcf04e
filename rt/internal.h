/* Private structures shared by the files of libwasmrt.
 *
 * Every runtime object that compiled code also reads starts with the public
 * struct from artifact.h (wasmc_memory, wasmc_table), so the pointer stored
 * in a vmctx and the runtime's own object are the same address.  Ownership
 * is simple on purpose: modules are refcounted (shared across threads and
 * stores); everything else belongs to one store and one thread at a time.
 * An instance other instances link against (it exported something they
 * imported, or imported a table they can write its funcrefs into) is kept
 * until its store goes, so no funcref or import slot can dangle.
 */
#ifndef WASMRT_INTERNAL_H
#define WASMRT_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>

#include "wasmrt.h"

#define RT_TYPE_FUNCREF 0x70
#define RT_TYPE_EXTERNREF 0x6F
#define RT_TYPE_I32 0x7F
#define RT_TYPE_I64 0x7E
#define RT_TYPE_F32 0x7D
#define RT_TYPE_F64 0x7C
#define RT_TYPE_V128 0x7B

/* ---- errors ---- */
void rt_err(wasmrt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- modules ---- */
typedef struct rt_func_addr {
    uintptr_t addr;
    uint32_t func;
} rt_func_addr;

struct wasmrt_module {
    atomic_uint refs;
    const wasmc_descriptor *desc;
    void *dl;                       /* dlopen handle, NULL for mock modules */
    int fd;                         /* the sealed memfd dl was loaded from, or -1 */
    uint32_t *type_ids;             /* canonical id per descriptor type */
    rt_func_addr *addrs;            /* defined functions sorted by address */
    uint32_t num_addrs;
    struct rt_range *code_range;    /* registration with the fault handler */
    struct rt_image *image;         /* memory 0's initial data, or NULL (image.c) */
    struct rt_table_images *table_images;   /* prepared element segments, or NULL (table_image.c) */
    uint8_t *datas_imaged;          /* with every active data segment in image: per segment, 1 if active */
    uint32_t max_slots;             /* max(params, results) over all types */
};

/* Validates the descriptor against itself and the host, interns types,
 * registers the code range.  Takes ownership of dl (closed on failure). */
wasmrt_module *rt_module_create(const wasmc_descriptor *d, void *dl, wasmrt_error *err);
void rt_module_retain(wasmrt_module *m);
/* load.c: every check of an artifact file, then dlopen of the sealed
 * memfd (shared by core modules and components). */
typedef struct rt_artifact {
    void *dl;
    int fd;                         /* keep open while dl is (see load.c) */
    wasmc_trailer trailer;
} rt_artifact;
bool rt_artifact_open(const char *path, const wasmrt_trust *trust, rt_artifact *a, wasmrt_error *err);
/* Name of the function containing pc in m, or NULL. */
const char *rt_module_func_name(const wasmrt_module *m, uintptr_t pc);

/* ---- signature.c: signed artifacts ---- */
/* Finds and checks the shape of the signature block at the end of p[0,size):
 * *sig (NULL when unsigned) and *body, the bytes before the block. */
bool rt_signature_split(const char *path, const uint8_t *p, uint64_t size, uint64_t *body,
                        const wasmc_signature **sig, wasmrt_error *err);
/* With trust (NULL: nothing to check): a signature by a trusted key over
 * p[0,body) and the block's fields before the signature. */
bool rt_signature_verify(const char *path, const uint8_t *p, uint64_t body, const wasmc_signature *sig,
                         const wasmrt_trust *trust, wasmrt_error *err);
void rt_hex(const uint8_t *p, size_t n, char *out);   /* out: 2n+1 bytes */
/* "sse4.1, popcnt" for WASMC_CPU_* bits (unknown ones as bitN). */
void rt_cpu_feature_list(uint64_t bits, char *out, size_t cap);

/* ---- canonical signatures ---- */
uint32_t rt_type_intern(const uint8_t *params, uint32_t np, const uint8_t *results, uint32_t nr);

/* ---- address ranges the fault handler consults ---- */
enum { RT_RANGE_FREE = 0, RT_RANGE_CODE = 1, RT_RANGE_MEMORY = 2 };
typedef struct rt_range rt_range;   /* ranges.c */
rt_range *rt_range_add(int kind, uintptr_t start, uintptr_t end, void *owner);
void rt_range_remove(rt_range *r);
/* Async-signal-safe: the kind of the range containing addr, or FREE. */
int rt_range_lookup(uintptr_t addr);
/* Not signal-safe: the function name for a pc in any loaded module. */
const char *rt_range_func_name(uintptr_t pc);

/* ---- stores ---- */
typedef struct rt_owned {
    struct rt_owned *next;
    int kind;                       /* wasmc_extern_kind */
    void *obj;
} rt_owned;

typedef struct rt_deadline {
    struct rt_deadline *next;
    wasmrt_store *store;
    uint64_t at;                    /* CLOCK_MONOTONIC ns */
    bool armed, fired;
} rt_deadline;
void rt_deadline_arm(wasmrt_store *s);
/* Frees a store's component instances (rt/component/cinstance.c), after
 * the store destroyed its core instances. */
void rt_cinstances_free(wasmrt_store *s);
void rt_deadline_disarm(wasmrt_store *s);
/* Starts the watchdog thread now rather than at the first armed deadline:
 * a host that installs a seccomp filter later (wasmrt serve) has no clone. */
bool rt_deadline_start(void);

struct wasmrt_store {
    wasmc_limits limits;
    wasmrt_store_config config;
    wasmrt_instance *instances;     /* doubly linked, newest first */
    rt_owned *owned;                /* host-created memories/tables/globals */
    struct wasmrt_cinstance *cinstances; /* component instances (rt/component) */
    uint32_t active_calls;          /* guest frames of this store on the stack */
    rt_deadline deadline;           /* armed for the outermost call */
    /* interrupt.c: the thread running this store's outermost call */
    pthread_t irq_thread;
    int irq_running, irq_busy;      /* accessed atomically (seq_cst) */
};

/* ---- engine policy (config.c) ---- */
/* The configuration, frozen from the first use on. */
const wasmrt_config *rt_config(void);
/* Accessible bytes from which a guard memory asks for transparent huge pages. */
uint64_t rt_huge_page_bytes(void);
/* err: "cannot reserve address space for WHAT of BYTES bytes: <the limit hit>". */
void rt_map_error(wasmrt_error *err, const char *what, uint64_t bytes, int errno_value);

uint64_t rt_keep_resident(void);    /* bytes of an imaged memory reset in place (keep_resident_bytes) */
uint32_t rt_keep_free(void);        /* freed reservations kept (max_free_reservations) */

/* ---- copy-on-write initial memory (image.c) ---- */
/* A module's active data segments for its memory 0, laid out as that
 * memory's bytes [offset, offset + size) in a sealed memfd, mapped
 * MAP_PRIVATE into each new instance's memory instead of copied. */
typedef struct rt_image rt_image;
/* The image for m's data, or NULL when its layout does not allow one
 * (imported memory, offsets from globals, a segment out of bounds, too
 * little data to be worth a mapping) or it could not be built. */
rt_image *rt_image_build(const wasmc_descriptor *d);
void rt_image_release(rt_image *img);      /* NULL-safe */
uint64_t rt_image_offset(const rt_image *img);
uint64_t rt_image_size(const rt_image *img);
/* Map img over base + offset (MAP_FIXED, private); takes a reference. */
bool rt_image_map(rt_image *img, uint8_t *base);
/* Reset a memory of bytes [0, dirty) with img mapped to fresh, keeping its
 * first `keep` bytes resident; false (nothing promised) if it cannot tell
 * which pages are written: the caller drops them all instead. */
bool rt_image_reset(rt_image *img, uint8_t *base, uint64_t dirty, uint64_t keep);
/* ---- prepared element segments (table_image.c) ---- */
/* Per defined table whose active segments have constant in-bounds offsets
 * and only ref.func / ref.null items: its contents after them.  NULL when
 * no table qualifies (or out of memory: the per-segment path then runs). */
typedef struct rt_table_images rt_table_images;
rt_table_images *rt_table_images_build(const wasmc_descriptor *d);
void rt_table_images_free(rt_table_images *ti);   /* NULL-safe */
/* Whether table x is filled by the image (its segments are then skipped). */
bool rt_table_imaged(const rt_table_images *ti, uint32_t x);
/* Writes table x's image into a fresh (all-null) table of this module's
 * instance whose funcref array is funcrefs. */
void rt_table_image_apply(const rt_table_images *ti, uint32_t x, void **elems, wasmc_funcref *funcrefs);

/* Checksum verdicts of large artifact files (verified_cache.c): off until
 * enabled (the wasmrt CLI does; dir NULL: $XDG_CACHE_HOME/wasmrt/verified
 * or ~/.cache/wasmrt/verified).  Keys are stat results (struct stat). */
#define RT_VERIFIED_MIN_BYTES (1u << 20)
struct stat;
void rt_verified_cache_enable(const char *dir);
bool rt_verified_same_file(const struct stat *a, const struct stat *b);
bool rt_verified_cache_hit(const struct stat *st, const uint8_t payload_sha256[32]);
void rt_verified_cache_store(const struct stat *st, const uint8_t payload_sha256[32]);

/* A store or WASI context was made / freed: heap_trim.c gives freed heap
 * back once enough has been freed (amortised malloc_trim). */
void rt_heap_object_new(void);
void rt_heap_object_freed(void);

/* PAGEMAP_SCAN on /proc/self/pagemap (pagemap_scan.c): the ranges of
 * [from, from + len) the process owns (anonymous or private copies,
 * present or swapped; not page-cache or zero pages), at most cap of them;
 * their count, or -1 (kernel before 6.7).  *walked: bytes from `from`
 * the kernel looked at (less than len when out filled up). */
typedef struct { uint64_t start, end, categories; } rt_page_range;
int rt_pagemap_scan_own(int fd, const void *from, uint64_t len, rt_page_range *out, int cap, uint64_t *walked);
bool rt_pagemap_scan_probe(int fd);   /* whether the kernel answers PAGEMAP_SCAN */

/* ---- bounds-checked memories' slab slots (slab.c) ---- */
struct slab;
typedef struct rt_slab_slot {
    struct slab *home;
    uint8_t *base;
    rt_image *image;                /* left mapped by its last memory, or NULL */
} rt_slab_slot;
/* A reset slot of at least `reserve` bytes, all read-write. */
bool rt_slab_take(uint64_t reserve, rt_slab_slot *out, wasmrt_error *err);
bool rt_slab_give(rt_slab_slot slot);     /* reset first; false: out of memory */
void rt_slab_lost(struct slab *s);        /* a slot that cannot be given back */
uint32_t rt_slab_free_count(const struct slab *s);   /* freed slots of its size */
uint64_t rt_slab_slot_size(const struct slab *s);
void rt_slab_trim(void);                  /* unmap slabs no memory uses */

/* ---- the pooling allocator (pool.c) ---- */
/* Each takes a slot of the up-front reservation, or returns false when
 * there is no pool or it is full (callers then allocate as usual). */
bool rt_pool_init(const wasmrt_config *c, wasmrt_error *err);   /* from wasmrt_configure */
bool rt_pool_take_memory(uint8_t **base, uint64_t *rw, rt_image **image);
void rt_pool_give_memory(uint8_t *base, uint64_t rw, rt_image *image);
void rt_pool_trim(void);   /* drop the pages free slots kept */
void *rt_pool_take_instance(size_t bytes);           /* zeroed */
bool rt_pool_give_instance(void *p, size_t bytes);   /* false: not the pool's */
void **rt_pool_take_elems(uint64_t count, uint32_t *capacity);   /* zeroed */
bool rt_pool_give_elems(void **elems, uint32_t used);

/* ---- memories ---- */
struct wasmrt_memory {
    wasmc_memory pub;               /* must be first: compiled code reads it */
    uint64_t reserve;               /* bytes reserved at pub.base */
    uint64_t accessible;            /* bytes currently read-write */
    uint64_t dirty;                 /* bytes from base that may differ from fresh */
    uint32_t max_pages;             /* effective max (type max and store cap) */
    uint32_t type_max;              /* declared max, for import matching */
    bool has_max;
    bool pooled;                    /* a pooling-allocator slot */
    bool broken;                    /* half set up: start its space over */
    struct slab *slab;              /* bounds mode: the slab it is a slot of */
    rt_image *image;                /* mapped at its place (one reference) */
    rt_range *range;
    wasmrt_instance *owner;         /* defining instance, NULL if host-made */
};
/* full_reservation: WASMC_RESERVE_BYTES (guard pages); otherwise a slab
 * slot of the memory's maximum, for bounds-checked code.  image (may be
 * NULL) is the initial content when it fits in the minimum size. */
wasmrt_memory *rt_memory_create(wasmrt_store *s, uint64_t min_pages, uint64_t max_pages,
                                bool has_max, bool full_reservation, rt_image *image, wasmrt_error *err);
void rt_memory_destroy(wasmrt_memory *m);

/* ---- tables ---- */
struct wasmrt_table {
    wasmc_table pub;                /* must be first */
    uint32_t capacity;
    uint32_t max;                   /* effective max */
    uint32_t type_max;
    bool has_max;
    uint8_t elem_type;
    bool pooled;                    /* elems is a pooling-allocator slot */
    wasmrt_instance *owner;
};
wasmrt_table *rt_table_create(wasmrt_store *s, uint8_t elem_type, uint64_t min, uint64_t max,
                              bool has_max, void *init, wasmrt_error *err);
void rt_table_destroy(wasmrt_table *t);
uint32_t rt_table_grow(wasmrt_table *t, void *init, uint32_t delta);

/* ---- globals ---- */
struct wasmrt_global {
    wasmc_slot *cell;
    uint8_t type;
    bool mutable_;
    wasmc_slot own;                 /* the cell of host-created globals */
    wasmrt_instance *owner;
};

/* ---- linker ---- */
typedef struct rt_link_entry {
    char *module, *name;
    size_t module_len, name_len;
    uint64_t hash;
    bool is_host;                   /* a host function (no extern yet) */
    wasmrt_extern ext;              /* !is_host */
    uint32_t host_type_id;          /* is_host: canonical signature */
    wasmc_host_fn host_fn;
    void *host_env;
} rt_link_entry;
bool rt_linker_traps_unknown(const wasmrt_linker *l);
const rt_link_entry *rt_linker_find(const wasmrt_linker *l, const char *module, size_t module_len,
                                    const char *name, size_t name_len);

/* ---- instances ---- */
typedef struct rt_host_record {
    wasmc_host_record rec;          /* rec.env points back at this record */
    wasmc_host_fn user_fn;
    void *user_env;
} rt_host_record;

struct wasmrt_instance {
    wasmrt_instance *next, *prev;   /* in the store */
    wasmrt_store *store;
    wasmrt_module *module;
    wasmc_vmctx *vmctx;
    wasmrt_memory **memories;       /* [num_memories] */
    wasmrt_table **tables;          /* [num_tables] */
    wasmrt_global **global_objs;    /* imported ones; defined ones made lazily for exports */
    rt_host_record *host_records;   /* [num_imported_funcs] */
    uint8_t *elem_dropped, *data_dropped;
    bool linked;                    /* kept alive until the store goes */
    bool dead;                      /* freed by the user, memory kept */
    bool trapped;                   /* a call into it ended in a trap */
    size_t alloc_bytes;             /* of this one allocation (pool slots are zeroed over it) */
    void *user_data;
};
void rt_instance_destroy(wasmrt_instance *inst);
/* wasmrt_instantiate with imports[i] for the module's import i (in its
 * descriptor's order) instead of a linker (component instantiation). */
wasmrt_instance *rt_instantiate_with(wasmrt_store *s, wasmrt_module *m, const rt_link_entry *const *imports,
                                     wasmrt_trap *trap, wasmrt_error *err);
/* Export number i of inst's module as an extern. */
bool rt_instance_export_index(wasmrt_instance *inst, uint32_t i, wasmrt_extern *out);
/* Value of a constant expression in inst (offsets, globals, elem items). */
wasmc_slot rt_const_eval(wasmrt_instance *inst, const wasmc_const_expr *e);

static inline wasmrt_instance *rt_vm_instance(struct wasmc_vmctx *vm) {
    return (wasmrt_instance *)vm->instance;
}

extern const wasmc_builtins rt_builtins;

/* ---- calls and traps ---- */
/* Enter guest code through an entry trampoline under a trap boundary. */
bool rt_enter(wasmrt_store *s, wasmc_entry_fn entry, void *code, void *vmctx,
              wasmc_slot *slots, wasmrt_trap *trap);
/* Unwind to the innermost call boundary with a trap raised at pc. */
_Noreturn void rt_trap_raise(wasmc_trap_code code, uintptr_t pc);
/* Host-function thunk: runs the user's function outside "guest" state. */
void rt_host_thunk(void *env, void *caller, wasmc_slot *slots);
bool rt_signals_install(wasmrt_error *err);

/* ---- interrupt.c: wasmrt_store_interrupt by signal ---- */
#define RT_INTERRUPT_SIGNAL SIGURG
bool rt_interrupt_install(wasmrt_error *err);
/* Around every guest call (rt_enter): records the running thread at a
 * store's outermost call; returns the previous running store to restore. */
wasmrt_store *rt_interrupt_enter(wasmrt_store *s);
void rt_interrupt_leave(wasmrt_store *s, wasmrt_store *prev);
/* Trap "interrupted" if this thread's running store has the flag set
 * (host->guest boundaries). */
void rt_interrupt_check(void);

/* Per-thread state; the signal handler reads it. */
typedef struct rt_frame {
    sigjmp_buf jb;
    struct rt_frame *prev;
    wasmc_trap_code code;
    uintptr_t pc;
    wasmrt_trap *trap;
    int saved_in_guest;
    const char *func_name;          /* host traps: the guest caller, found at the trap */
    struct rt_host_call *saved_host;
} rt_frame;

typedef struct rt_thread {
    rt_frame *top;
    volatile int in_guest;
    struct rt_host_call *host;      /* innermost host function running (call.c) */
    uintptr_t stack_lo, stack_hi;   /* this thread's stack */
    void *altstack;
    size_t altstack_size;
    bool ready;
} rt_thread;
rt_thread *rt_thread_get(void);     /* initialises on first use */
extern __thread rt_thread rt_tls;

#endif
