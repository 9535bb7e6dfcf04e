/* Internals of the WASI 0.2 host, shared by its files and the unit tests.
 *
 * Every guest-visible object (descriptor, stream, pollable, socket ...) is
 * one entry of the host's resource table; its rep, the 32-bit value the
 * component runtime hands back in OWN/BORROW arguments, is its index + 1.
 * A handler looks the rep up with the kind it expects (w2_get), so a rep
 * of another kind or a dropped one traps instead of being misused.
 *
 * Handlers take the lifted arguments and fill one result value (malloc'ed,
 * freed by the runtime after lowering); returning false traps the guest
 * with err's message.  WASI errors are values (result<_, error-code>), never
 * traps; a trap means the guest broke a rule (e.g. wrote more than
 * check-write permitted) or handed a value of the wrong type.
 */
#ifndef WASMRT_WASI2_INTERNAL_H
#define WASMRT_WASI2_INTERNAL_H

#include <dirent.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "../wasi/wasi_internal.h"
#include "wasmrt_wasi2.h"

/* ---- Resource kinds (wasi2_funcs.def lists their interfaces) ------------- */

typedef enum w2_kind {
    W2_FREE = 0,
#define W2_RESOURCE(kind, iface, name) kind,
#define W2_FUNC(iface, name, fn, args)
#include "wasi2_funcs.def"
#undef W2_RESOURCE
#undef W2_FUNC
    W2_KIND_COUNT_
} w2_kind;

/* IN_BODY / OUT_BODY: an HTTP body held in host memory (http_internal.h). */
enum { IN_FILE, IN_FD, IN_SOCKET, IN_EMPTY, IN_BODY };
/* OUT_FD writes at once (regular files and /dev/null behind stdout: the
 * kernel takes the bytes without waiting on a reader); OUT_PIPE (pipes,
 * FIFOs, terminals, character devices) and OUT_SOCKET keep what the fd does
 * not take yet, so a slow reader is back-pressure (check-write answers 0)
 * rather than a blocked guest. */
enum { OUT_FILE, OUT_FD, OUT_PIPE, OUT_SOCKET, OUT_BODY };
enum { POLL_READY, POLL_TIMER, POLL_PARENT };
enum { TCP_UNBOUND, TCP_BOUND, TCP_LISTENING, TCP_CONNECTING, TCP_CONNECTED, TCP_CLOSED };

/* What a pollable made by subscribe waits for. */
enum { SUB_READ, SUB_WRITE, SUB_SOCKET };

typedef struct w2_obj {
    uint8_t kind;        /* w2_kind */
    uint32_t gen;        /* bumped when the slot is freed: pollables notice */
    int fd;              /* owned host fd, or -1 */
    union {
        struct {
            uint8_t type;        /* descriptor-type */
            uint32_t flags;      /* descriptor-flags */
        } desc;
        struct {
            DIR *dir;
        } dirs;
        struct {
            uint8_t src;
            bool closed;
            uint64_t off;        /* IN_FILE: next pread offset; IN_BODY: next byte */
            struct wasmrt_http_body *body;  /* IN_BODY (a reference) */
        } in;
        struct {
            uint8_t dst;
            bool closed, append;
            uint64_t off;        /* OUT_FILE without append */
            uint8_t *pend;       /* OUT_FD/OUT_SOCKET: bytes not yet taken by the fd */
            size_t npend;
            uint64_t permit;     /* what the last check-write allowed */
            int last_errno;      /* a failed flush, reported on the next call */
            struct wasmrt_http_body *body;  /* OUT_BODY (a reference) */
        } out;
        struct {
            uint8_t what;
            uint8_t sub;         /* SUB_* for POLL_PARENT */
            uint64_t deadline;   /* POLL_TIMER: CLOCK_MONOTONIC ns */
            uint32_t parent, parent_gen;
        } poll;
        struct {
            int err;             /* host errno */
        } error;
        struct {
            uint8_t state, family;
            bool bind_listen_ok; /* bound to an address the policy lets listen */
            uint8_t pending;     /* 0, or the state a finish-* call moves to */
            int connect_err;
            uint32_t backlog;
        } tcp;
        struct {
            uint8_t family;
            bool bound, connected;
            struct sockaddr_storage peer;
            socklen_t peer_len;
            uint32_t parent;     /* the socket (datagram streams) */
            uint64_t permit;
        } udp;
        struct {
            uint8_t *addrs;      /* 17 bytes each: family, 16 address bytes */
            uint32_t n, next;
            int err;             /* net error-code + 1, or 0 */
        } res;
        struct w2_http *http;    /* every wasi:http kind (http_internal.h) */
    } u;
} w2_obj;

struct wasmrt_wasi2 {
    wasmrt_wasi *sb;             /* the shared sandbox (preview1 context) */
    w2_obj *objs;
    uint32_t nobjs, capobjs;
    uint32_t nfd_objs;           /* live objects holding a host fd */
    uint32_t free_hint;          /* no free slot below this index */
    int exit_status;             /* -1 until wasi:cli/exit */
    wasmrt_net_rule *rules;      /* connect, then listen, then udp */
    uint32_t nconnect, nlisten, nudp;
    bool dns;
    /* wasi:cli/exit ends the guest; tests replace it to observe the call. */
    void (*exit_fn)(int status);  /* must not return */
    /* stdout and stderr when they are terminals: their own open file
     * descriptions with O_NONBLOCK (wasi2_ctx.c), or -1 */
    int tty_out[2];
    struct w2_binding *bindings; /* one per W2_FUNC, the env of its host function */
    uint64_t insecure_state[2];  /* wasi:random/insecure's generator */
    uint64_t insecure_seed[2];
    /* wasi:http: the exchange the embedder started (http_exchange.c) and
     * the hosts outgoing requests may reach (http_client.c). */
    struct {
        uint8_t state;           /* HX_* */
        uint32_t resp;           /* HX_SET: the outgoing-response the guest set */
        char why[200];           /* HX_SET_ERR: the error-code it set instead */
    } hx;
    struct wasmrt_http_header *hx_headers;  /* the last response's header array */
    struct wasmrt_http_header *hx_trailers; /* and its trailers' */
    void (*hx_on_set)(void *env);           /* wasmrt_wasi2_http_on_set */
    void *hx_on_set_env;
    struct w2_http_rule *http_rules;
    uint32_t nhttp_rules;
};

/* ---- Values -------------------------------------------------------------- */

typedef wasmrt_cval cval;

/* Checked malloc for values: there is no way to report an allocation
 * failure to the guest mid-value, so it ends the process with a message. */
void *w2_alloc(size_t n);
cval *w2_box(cval v);
cval w2_u64(uint64_t x);
cval w2_u32(uint32_t x);
cval w2_u8(uint8_t x);
cval w2_u16(uint16_t x);
cval w2_bool(bool b);
cval w2_enum(uint32_t c);
cval w2_flags(uint32_t f);
cval w2_own(uint32_t rep);
cval w2_string(const char *s, size_t n);
cval w2_bytes(const uint8_t *p, size_t n);
cval w2_list(cval *items, size_t n);      /* takes items (malloc'ed) */
cval w2_tuple(size_t n, ...);             /* n cval arguments */
cval w2_record(size_t n, ...);
cval w2_none(void);
cval w2_some(cval v);
cval w2_variant(uint32_t c, const cval *payload);  /* payload NULL: none */
cval w2_ok(const cval *payload);          /* result, ok case */
cval w2_err(cval payload);                /* result, error case */
void w2_val_free(cval *v);                /* what wasmrt_cval_free does */

/* Argument helpers; the dispatcher has already checked kinds. */
uint8_t *w2_list_bytes(const cval *v, size_t *n, wasmrt_error *err);
char *w2_cstring(const cval *v, wasmrt_error *err);  /* NUL-terminated copy; NUL inside fails */

/* ---- Resource table ------------------------------------------------------- */

/* A new object of `kind` (fd owned; -1 for none).  Returns its rep, or 0
 * when the table or the descriptor limit is full. */
uint32_t w2_new(wasmrt_wasi2 *w, uint8_t kind, int fd);
w2_obj *w2_at(wasmrt_wasi2 *w, uint32_t rep);  /* NULL if free / out of range */
/* The object a handle argument names, of the kind expected; traps
 * (returns NULL with err set) otherwise. */
w2_obj *w2_get(wasmrt_wasi2 *w, const cval *handle, uint8_t kind, wasmrt_error *err);
void w2_drop(wasmrt_wasi2 *w, uint32_t rep);
bool w2_trap(wasmrt_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- Error codes ---------------------------------------------------------- */

/* wasi:filesystem/types.error-code from a preview1 errno (the sandbox's
 * primitives answer in preview1 errnos; ENOTCAPABLE is not-permitted). */
uint32_t w2_fs_code(uint16_t wasi_errno);
uint32_t w2_fs_code_host(int host_errno);
/* wasi:sockets/network.error-code from a host errno. */
uint32_t w2_net_code(int host_errno);
enum {
    NET_UNKNOWN, NET_ACCESS_DENIED, NET_NOT_SUPPORTED, NET_INVALID_ARGUMENT, NET_OUT_OF_MEMORY,
    NET_TIMEOUT, NET_CONCURRENCY_CONFLICT, NET_NOT_IN_PROGRESS, NET_WOULD_BLOCK,
    NET_INVALID_STATE, NET_NEW_SOCKET_LIMIT, NET_ADDRESS_NOT_BINDABLE, NET_ADDRESS_IN_USE,
    NET_REMOTE_UNREACHABLE, NET_CONNECTION_REFUSED, NET_CONNECTION_RESET,
    NET_CONNECTION_ABORTED, NET_DATAGRAM_TOO_LARGE, NET_NAME_UNRESOLVABLE,
    NET_TEMPORARY_RESOLVER_FAILURE, NET_PERMANENT_RESOLVER_FAILURE,
};
enum {
    FS_ACCESS, FS_WOULD_BLOCK, FS_ALREADY, FS_BAD_DESCRIPTOR, FS_BUSY, FS_DEADLOCK, FS_QUOTA,
    FS_EXIST, FS_FILE_TOO_LARGE, FS_ILLEGAL_BYTE_SEQUENCE, FS_IN_PROGRESS, FS_INTERRUPTED,
    FS_INVALID, FS_IO, FS_IS_DIRECTORY, FS_LOOP, FS_TOO_MANY_LINKS, FS_MESSAGE_SIZE,
    FS_NAME_TOO_LONG, FS_NO_DEVICE, FS_NO_ENTRY, FS_NO_LOCK, FS_INSUFFICIENT_MEMORY,
    FS_INSUFFICIENT_SPACE, FS_NOT_DIRECTORY, FS_NOT_EMPTY, FS_NOT_RECOVERABLE, FS_UNSUPPORTED,
    FS_NO_TTY, FS_NO_SUCH_DEVICE, FS_OVERFLOW, FS_NOT_PERMITTED, FS_PIPE, FS_READ_ONLY,
    FS_INVALID_SEEK, FS_TEXT_FILE_BUSY, FS_CROSS_DEVICE,
};
/* descriptor-type and descriptor-flags */
enum { DT2_UNKNOWN, DT2_BLOCK, DT2_CHAR, DT2_DIR, DT2_FIFO, DT2_SYMLINK, DT2_FILE, DT2_SOCKET };
enum { DF_READ = 1, DF_WRITE = 2, DF_FILE_SYNC = 4, DF_DATA_SYNC = 8, DF_RSYNC = 16, DF_MUTATE = 32 };
uint8_t w2_dtype_from_mode(unsigned mode);

/* result<_, stream-error> and friends: err as last-operation-failed(error)
 * with a new error resource for host errno e, or closed. */
cval w2_stream_failed(wasmrt_wasi2 *w, int e);
cval w2_stream_closed(void);

/* ---- Streams and pollables (io_streams.c, io_poll.c) ---------------------- */

uint32_t w2_new_input(wasmrt_wasi2 *w, int fd, uint8_t src, uint64_t off);
uint32_t w2_new_output(wasmrt_wasi2 *w, int fd, uint8_t dst, uint64_t off, bool append);
uint32_t w2_new_pollable(wasmrt_wasi2 *w, uint8_t what, uint64_t deadline, uint32_t parent,
                         uint8_t sub);
uint64_t w2_now_ns(void);
/* Whether an output stream can take bytes now (its pending bytes drained). */
bool w2_out_drain(w2_obj *o, bool block);
/* Blocks until the pollable rep is ready. */
void w2_block_on(wasmrt_wasi2 *w, uint32_t rep);

/* ---- Handlers ------------------------------------------------------------- */

typedef bool (*w2_fn)(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err);

#define W2_RESOURCE(kind, iface, name)
#define W2_FUNC(iface, name, fn, args) bool fn(wasmrt_wasi2 *w, const cval *a, cval *r, wasmrt_error *err);
#include "wasi2_funcs.def"
#undef W2_RESOURCE
#undef W2_FUNC

/* Frees the --allow-http rules (http_client.c). */
void w2_http_rules_free(wasmrt_wasi2 *w);
/* Frees what a wasi:http object or body stream owns (http_fields.c). */
void w2_http_release(w2_obj *o);

/* Resource destructors for each kind's drop (wasi2_table.c). */
void w2_dtor(void *env, uint32_t rep);

/* The dispatcher every registered function goes through: checks the
 * argument count and kinds against the table's signature, then calls the
 * handler.  Tests call functions by interface and name through it. */
typedef struct w2_entry {
    const char *iface, *name, *args;
    w2_fn fn;
} w2_entry;
extern const w2_entry w2_entries[];
extern const uint32_t w2_num_entries;
typedef struct w2_binding {
    wasmrt_wasi2 *w;
    const w2_entry *e;
} w2_binding;
bool w2_dispatch(const w2_binding *b, const cval *args, uint32_t nargs, cval *result,
                 wasmrt_error *err);
bool w2_call(wasmrt_wasi2 *w, const char *iface, const char *name, const cval *args,
             uint32_t nargs, cval *result, wasmrt_error *err);

/* ---- Network policy (sockets.c) ------------------------------------------- */

/* Whether the policy lets a socket connect to / listen on / send to sa. */
bool w2_net_allowed(const wasmrt_wasi2 *w, const wasmrt_net_rule *rules, uint32_t n,
                    const struct sockaddr *sa);

#endif
