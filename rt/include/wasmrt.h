/* libwasmrt: load wasmc artifacts and run them in a sandbox.
 *
 * Objects and their lifetimes:
 *   wasmrt_module    a loaded, checked artifact. Immutable, shareable across
 *                    threads and stores; released when its last user goes.
 *   wasmrt_store     a group of instances that may call each other and the
 *                    limits they share (stack, memory, interrupt). A store
 *                    is used by one thread at a time; use one store per
 *                    thread or per request.
 *   wasmrt_instance  an instantiated module, owned by its store (freed with
 *                    it, or earlier with wasmrt_instance_free).
 *   wasmrt_linker    name -> extern bindings used to resolve imports.
 *
 * Errors are values: functions that can fail return false / NULL and fill a
 * caller-owned wasmrt_error with a one-line message.  Traps are not errors:
 * they are wasmrt_trap results of calls and instantiation.
 */
#ifndef WASMRT_H
#define WASMRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasmc/artifact.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wasmrt_error {
    char message[512];
} wasmrt_error;

typedef wasmc_trap_code wasmrt_trap_code;

/* The spec suite's message for a trap code ("integer divide by zero"). */
const char *wasmrt_trap_message(wasmrt_trap_code code);

typedef struct wasmrt_trap {
    wasmrt_trap_code code;          /* WASMC_TRAP_NONE when no trap */
    const char *func_name;          /* Wasm function where it happened, or NULL */
    int exit_code;                  /* WASMC_TRAP_EXIT: the proc_exit status */
    char host_message[256];         /* WASMC_TRAP_HOST: what the host said */
    /* A trap raised by a host function (wasmrt_host_trap): the import it
     * was called through, "module.name" (control characters shown as '?'),
     * and func_name is the guest function that called it (found by
     * looking for its return address above the host trampoline's frame;
     * NULL when not found).  Empty for other traps. */
    char host_import[128];
} wasmrt_trap;

/* Values.  kind uses the Wasm binary type encodings (0x7F = i32 ...). */
typedef struct wasmrt_val {
    uint8_t kind;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uint8_t v128[16];
        void *ref;                  /* funcref: wasmc_funcref*, externref: opaque */
    } of;
} wasmrt_val;

typedef struct wasmrt_module wasmrt_module;
typedef struct wasmrt_store wasmrt_store;
typedef struct wasmrt_instance wasmrt_instance;
typedef struct wasmrt_linker wasmrt_linker;
typedef struct wasmrt_memory wasmrt_memory;
typedef struct wasmrt_table wasmrt_table;
typedef struct wasmrt_global wasmrt_global;

/* A function: a funcref plus its signature, enough to call it. */
typedef struct wasmrt_func {
    wasmc_funcref *ref;
    const wasmc_functype *type;
    wasmrt_instance *instance;      /* owner (NULL for host functions) */
} wasmrt_func;

typedef struct wasmrt_extern {
    wasmc_extern_kind kind;
    union {
        wasmrt_func func;
        wasmrt_table *table;
        wasmrt_memory *memory;
        wasmrt_global *global;
    } of;
} wasmrt_extern;

/* ---- Modules ------------------------------------------------------------ */

/* Load an artifact after checking its trailer (magic, format version,
 * architecture, CPU features, checksum) and descriptor; nothing from a file
 * that fails a check is executed. */
wasmrt_module *wasmrt_module_load(const char *path, wasmrt_error *err);
/* The same from an artifact in memory (e.g. fetched over the network or
 * embedded), with exactly the same checks; messages name it "<memory>".
 * The bytes are copied: the caller may free them when this returns. */
wasmrt_module *wasmrt_module_load_bytes(const uint8_t *bytes, size_t len, wasmrt_error *err);

/* Trusted signers: Ed25519 public keys (wasmc --keygen PREFIX writes
 * PREFIX.pub).  With them, a load refuses unsigned artifacts and
 * signatures by other keys, verifying before any byte is mapped
 * executable (format: wasmc_signature in wasmc/artifact.h). */
typedef struct wasmrt_trust wasmrt_trust;
wasmrt_trust *wasmrt_trust_new(void);
/* Every *.pub file in dir (at least one). */
wasmrt_trust *wasmrt_trust_load_dir(const char *dir, wasmrt_error *err);
bool wasmrt_trust_add_key(wasmrt_trust *t, const uint8_t key[32], const char *name, wasmrt_error *err);
void wasmrt_trust_free(wasmrt_trust *t);
/* wasmrt_module_load / _load_bytes that also require a signature by one of
 * trust's keys (trust NULL: the same as the unsigned calls). */
wasmrt_module *wasmrt_module_load_signed(const char *path, const wasmrt_trust *trust, wasmrt_error *err);
wasmrt_module *wasmrt_module_load_bytes_signed(const uint8_t *bytes, size_t len, const wasmrt_trust *trust,
                                               wasmrt_error *err);
void wasmrt_module_release(wasmrt_module *m);
const wasmc_descriptor *wasmrt_module_descriptor(const wasmrt_module *m);
/* A module from a descriptor already in this process (compiled code linked
 * or built by hand, e.g. a test's mock module); nothing is loaded or
 * checksummed, the descriptor's magic/version/arch/layout are still checked.
 * The descriptor must outlive the module. */
wasmrt_module *wasmrt_module_from_descriptor(const wasmc_descriptor *d, wasmrt_error *err);

/* ---- Profiling ---------------------------------------------------------- */

/* Name m's functions for Linux perf (perf record/report/top), as V8's
 * --perf-basic-prof and Wasmtime's --profile=perfmap do.  Off unless
 * called: the map is a debugging aid that reveals code addresses.
 *
 * Appends one line "START SIZE wasm:LABEL!NAME" (hex, no 0x) per defined
 * function to the perf map at `path` (NULL: /tmp/perf-<pid>.map, the file
 * perf reads), creating it 0600; it must be a regular file owned by this
 * user.  LABEL is `label` (NULL: the name section's module name, else
 * "module"); NAME is the function's name-section name, else its first
 * export name, else wasm-function[N] (N: index in the function index
 * space).  Guest-controlled names are sanitised (control characters and
 * invalid UTF-8 become '?') and capped at 200 bytes, labels at 64.  SIZE
 * reaches the next function's start (the last: the end of the code).
 *
 * perf consults the map only for anonymous executable memory, so for a
 * module from wasmrt_module_load this first replaces its code pages with
 * anonymous pages of the same content at the same addresses.  Call it right
 * after loading, before the module is instantiated or shared with another
 * thread: it fails if the module already has other users.  Thread-safe;
 * any number of modules may share one map.  On failure (unwritable /tmp,
 * ...) returns false with err set; the module remains fully usable. */
bool wasmrt_module_perf_map(wasmrt_module *m, const char *label, const char *path, wasmrt_error *err);

/* ---- Stores ------------------------------------------------------------- */

typedef struct wasmrt_store_config {
    uint32_t max_memory_pages;      /* per memory; 0 (and anything larger) = 65535 */
    uint32_t max_table_elements;    /* per table; 0 = 10,000,000 */
    size_t max_stack_bytes;         /* Wasm stack use per call; 0 = 1 MiB */
    uint64_t deadline_ns;           /* wall-clock limit per call; 0 = none */
} wasmrt_store_config;

wasmrt_store *wasmrt_store_new(const wasmrt_store_config *config /* may be NULL */, wasmrt_error *err);
void wasmrt_store_free(wasmrt_store *s);
/* Thread-safe and async-signal-safe: make the running guest of this store
 * trap "interrupted".  Sets the store's flag and sends SIGURG to the thread
 * running the store's guest code (the runtime installs a SIGURG handler
 * that chains to any previous one); guest code stops wherever it is, a
 * host function's caller stops when the host function returns, and a call
 * made later traps on entry.  Code compiled with wasmc --interrupt=poll
 * also checks the flag at every loop header. */
void wasmrt_store_interrupt(wasmrt_store *s);

/* ---- Linking ------------------------------------------------------------ */

wasmrt_linker *wasmrt_linker_new(void);
void wasmrt_linker_free(wasmrt_linker *l);
bool wasmrt_linker_define(wasmrt_linker *l, const char *module, const char *name,
                          const wasmrt_extern *ext, wasmrt_error *err);
/* Every export of `inst` under module name `module` (the spec's `register`). */
bool wasmrt_linker_define_instance(wasmrt_linker *l, const char *module,
                                   wasmrt_instance *inst, wasmrt_error *err);
/* A host function with the given signature (types: binary encodings). */
bool wasmrt_linker_define_host_func(wasmrt_linker *l, const char *module, const char *name,
                                    const uint8_t *params, uint32_t num_params,
                                    const uint8_t *results, uint32_t num_results,
                                    wasmc_host_fn fn, void *env, wasmrt_error *err);

/* Function imports nothing defines link to functions that trap, naming the
 * import, when called (instead of failing instantiation with "unknown
 * import"); other kinds of import still must be defined.  wasmtime's
 * -W unknown-imports-trap; wasmrt --trap-unknown-imports. */
void wasmrt_linker_trap_unknown_imports(wasmrt_linker *l, bool on);

/* ---- Instances ---------------------------------------------------------- */

/* Instantiate: resolve imports through the linker (link errors -> false with
 * a message like "unknown import: m.f" or "incompatible import type for
 * m.f"), allocate memories/tables/globals, apply segments and run the start
 * function.  A trap during instantiation returns NULL with *trap set and
 * err describing it; anything else that fails returns NULL with trap->code
 * == WASMC_TRAP_NONE. */
wasmrt_instance *wasmrt_instantiate(wasmrt_store *s, wasmrt_module *m, wasmrt_linker *l,
                                    wasmrt_trap *trap, wasmrt_error *err);
/* Frees an instance now, unless other instances hold pointers into it (it
 * exported something they imported, or it imported from another instance
 * or imported a table): those stay until their store is freed.  Externs
 * and funcrefs the host took from a freed instance must not be used. */
void wasmrt_instance_free(wasmrt_instance *inst);

bool wasmrt_instance_export(wasmrt_instance *inst, const char *name, wasmrt_extern *out);
/* Exported memory 0 of an instance, if any (NULL otherwise). */
wasmrt_memory *wasmrt_instance_memory(wasmrt_instance *inst);
/* The instance's WASI or other embedder data. */
void wasmrt_instance_set_user_data(wasmrt_instance *inst, void *data);
void *wasmrt_instance_user_data(wasmrt_instance *inst);

/* ---- Calling ------------------------------------------------------------ */

/* Call f with typed arguments; results receive the results.  Returns true
 * when the call completed; false with *trap filled when it trapped (or with
 * trap->code == WASMC_TRAP_NONE and err set on an argument mismatch). */
bool wasmrt_call(wasmrt_store *s, const wasmrt_func *f,
                 const wasmrt_val *args, uint32_t num_args,
                 wasmrt_val *results, uint32_t num_results,
                 wasmrt_trap *trap, wasmrt_error *err);

/* Raise a trap from inside a host function (does not return). */
_Noreturn void wasmrt_host_trap(wasmrt_trap_code code, const char *message);
/* proc_exit from a host function: unwinds with WASMC_TRAP_EXIT. */
_Noreturn void wasmrt_host_exit(int status);

/* ---- Memories, tables, globals ------------------------------------------ */

/* Host-created memories, tables and globals (e.g. the spec suite's
 * `spectest` module), owned by the store and freed with it. */
wasmrt_memory *wasmrt_memory_new(wasmrt_store *s, uint32_t min_pages, uint32_t max_pages,
                                 bool has_max, wasmrt_error *err);
wasmrt_table *wasmrt_table_new(wasmrt_store *s, uint8_t elem_type, uint32_t min, uint32_t max,
                               bool has_max, void *init, wasmrt_error *err);
wasmrt_global *wasmrt_global_new(wasmrt_store *s, const wasmrt_val *v, bool mutable_,
                                 wasmrt_error *err);

uint8_t *wasmrt_memory_data(wasmrt_memory *m);
uint64_t wasmrt_memory_size(wasmrt_memory *m);          /* bytes */
/* Grow by delta pages; returns the old size in pages or UINT32_MAX. */
uint32_t wasmrt_memory_grow(wasmrt_memory *m, uint32_t delta_pages);
/* The memory a host function's caller uses (caller_instance as passed to a
 * wasmc_host_fn); NULL if it has none. */
wasmrt_memory *wasmrt_caller_memory(void *caller_instance);

uint32_t wasmrt_table_size(wasmrt_table *t);
bool wasmrt_table_get(wasmrt_table *t, uint32_t index, wasmrt_val *out);
bool wasmrt_table_set(wasmrt_table *t, uint32_t index, const wasmrt_val *v);
uint8_t wasmrt_table_elem_type(wasmrt_table *t);

uint8_t wasmrt_global_type(wasmrt_global *g);
bool wasmrt_global_mutable(wasmrt_global *g);
void wasmrt_global_get(wasmrt_global *g, wasmrt_val *out);
bool wasmrt_global_set(wasmrt_global *g, const wasmrt_val *v);

/* ---- Process-wide setup ------------------------------------------------- */

/* Installs the signal handlers that turn guest faults into traps (once per
 * process; called implicitly by wasmrt_store_new).  Faults outside guest
 * code are passed on to the previous handler. */
bool wasmrt_init(wasmrt_error *err);

/* Engine-wide allocation policy.  Zero in every field means its default. */
#define WASMRT_KEEP_NONE UINT32_MAX
typedef struct wasmrt_config {
    /* Freed guard-page memory reservations (4 GiB of address space each;
     * a memory that touched at most 16 pages keeps them, zeroed, the rest
     * are given back when freed) kept for the next instance; 0 = 64,
     * WASMRT_KEEP_NONE = unmap each one when freed.
     * With WASMRT_KEEP_NONE, bounds-checked memories' slabs are also
     * unmapped as soon as none of their slots is in use. */
    uint32_t max_free_reservations;
    /* Pooling allocator: reserve this many slots up front, each a guard
     * memory reservation, an instance's state (pool_instance_bytes) and a
     * table (pool_table_elements).  An instance takes a slot per memory,
     * instance state and table that fit, and gives it back clean when
     * freed; beyond the pool (or too big for a slot) allocation falls
     * back to the ordinary path.  0 = no pool. */
    uint32_t pool_slots;
    uint32_t pool_instance_bytes;   /* 0 = 4 KiB */
    uint32_t pool_table_elements;   /* 0 = 64 */
    /* Guard-page memories of at least this many Wasm pages ask for
     * transparent huge pages (MADV_HUGEPAGE); 0 = 512 (32 MiB),
     * UINT32_MAX = never. */
    uint32_t huge_page_pages;
    /* A module whose memory-0 data segments (constant offsets, inside the
     * initial size) hold at least this many bytes gets a copy-on-write
     * image, mapped into each instance instead of copied; 0 = 64 KiB,
     * UINT32_MAX = never. */
    uint32_t image_min_bytes;
    /* A freed memory with a copy-on-write image that is kept (pool slot or
     * kept reservation) resets its first this many bytes in place, copying
     * back the pages its instance wrote, and keeps them resident, so the
     * next instance takes no page fault on them and the reset sends no TLB
     * shootdown; bytes beyond are dropped (MADV_DONTNEED).  Needs
     * /proc/self/pagemap (opened at the first image's load) and pread on it
     * under a seccomp filter, else everything is dropped.
     * 0 = 64 MiB, WASMRT_KEEP_NONE = drop everything. */
    uint64_t keep_resident_bytes;
} wasmrt_config;

/* Set the policy (NULL: defaults).  Only before the first module or store
 * is created; false with err set afterwards. */
bool wasmrt_configure(const wasmrt_config *config, wasmrt_error *err);
/* Give back the address space of every kept freed reservation and of
 * bounds-checked memory slabs no memory uses, and the pages free pooling
 * allocator slots kept (the slots themselves stay), and (glibc) free heap
 * pages with malloc_trim.  Thread-safe. */
void wasmrt_trim(void);

#ifdef __cplusplus
}
#endif

#endif
