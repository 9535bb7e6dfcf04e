/* The WASI 0.2 host's resource table, value builders, error-code mapping
 * and the dispatcher that checks every call's arguments against the
 * signature in wasi2_funcs.def.  Nothing here needs the component runtime,
 * so the unit tests call handlers through w2_call without it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasi2_internal.h"

/* ---- Values -------------------------------------------------------------- */

void *w2_alloc(size_t n) {
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        static const char msg[] = "wasmrt: out of memory building a WASI value\n";
        ssize_t r = write(2, msg, sizeof msg - 1);
        (void)r;
        abort();
    }
    return p;
}

cval *w2_box(cval v) {
    cval *p = w2_alloc(sizeof *p);
    *p = v;
    return p;
}

cval w2_u64(uint64_t x) { return (cval){.kind = WASMC_CVAL_U64, .of.u = x}; }
cval w2_u32(uint32_t x) { return (cval){.kind = WASMC_CVAL_U32, .of.u = x}; }
cval w2_u16(uint16_t x) { return (cval){.kind = WASMC_CVAL_U16, .of.u = x}; }
cval w2_u8(uint8_t x) { return (cval){.kind = WASMC_CVAL_U8, .of.u = x}; }
cval w2_bool(bool b) { return (cval){.kind = WASMC_CVAL_BOOL, .of.b = b}; }
cval w2_enum(uint32_t c) { return (cval){.kind = WASMC_CVAL_ENUM, .of.variant.case_ = c}; }
cval w2_flags(uint32_t f) { return (cval){.kind = WASMC_CVAL_FLAGS, .of.flags = f}; }
cval w2_own(uint32_t rep) { return (cval){.kind = WASMC_CVAL_OWN, .of.handle = rep}; }

cval w2_string(const char *s, size_t n) {
    char *p = w2_alloc(n + 1);
    memcpy(p, s, n);
    return (cval){.kind = WASMC_CVAL_STRING, .of.str = {p, n}};
}

cval w2_bytes(const uint8_t *p, size_t n) {
    cval *items = w2_alloc(n * sizeof *items);
    for (size_t i = 0; i < n; i++) items[i] = w2_u8(p ? p[i] : 0);
    return w2_list(items, n);
}

cval w2_list(cval *items, size_t n) {
    if (!items) items = w2_alloc(sizeof *items);
    return (cval){.kind = WASMC_CVAL_LIST, .of.list = {items, n}};
}

static cval agg(uint8_t kind, size_t n, va_list ap) {
    cval *items = w2_alloc(n * sizeof *items);
    for (size_t i = 0; i < n; i++) items[i] = va_arg(ap, cval);
    return (cval){.kind = kind, .of.list = {items, n}};
}
cval w2_tuple(size_t n, ...) {
    va_list ap;
    va_start(ap, n);
    cval v = agg(WASMC_CVAL_TUPLE, n, ap);
    va_end(ap);
    return v;
}
cval w2_record(size_t n, ...) {
    va_list ap;
    va_start(ap, n);
    cval v = agg(WASMC_CVAL_RECORD, n, ap);
    va_end(ap);
    return v;
}

cval w2_none(void) { return (cval){.kind = WASMC_CVAL_OPTION, .of.variant = {0, NULL}}; }
cval w2_some(cval v) { return (cval){.kind = WASMC_CVAL_OPTION, .of.variant = {1, w2_box(v)}}; }
cval w2_variant(uint32_t c, const cval *payload) {
    return (cval){.kind = WASMC_CVAL_VARIANT, .of.variant = {c, payload ? w2_box(*payload) : NULL}};
}
cval w2_ok(const cval *payload) {
    return (cval){.kind = WASMC_CVAL_RESULT, .of.variant = {0, payload ? w2_box(*payload) : NULL}};
}
cval w2_err(cval payload) {
    return (cval){.kind = WASMC_CVAL_RESULT, .of.variant = {1, w2_box(payload)}};
}

void w2_val_free(cval *v) {
    if (!v) return;
    switch (v->kind) {
    case WASMC_CVAL_STRING: free(v->of.str.ptr); break;
    case WASMC_CVAL_LIST:
    case WASMC_CVAL_RECORD:
    case WASMC_CVAL_TUPLE:
        for (size_t i = 0; i < v->of.list.len; i++) w2_val_free(&v->of.list.items[i]);
        free(v->of.list.items);
        break;
    case WASMC_CVAL_VARIANT:
    case WASMC_CVAL_OPTION:
    case WASMC_CVAL_RESULT:
        if (v->of.variant.payload) {
            w2_val_free(v->of.variant.payload);
            free(v->of.variant.payload);
        }
        break;
    default: break;
    }
    v->kind = WASMC_CVAL_BOOL;
}

uint8_t *w2_list_bytes(const cval *v, size_t *n, wasmrt_error *err) {
    *n = v->of.list.len;
    uint8_t *p = malloc(*n ? *n : 1);
    if (!p) {
        w2_trap(err, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < *n; i++) {
        const cval *it = &v->of.list.items[i];
        if (it->kind != WASMC_CVAL_U8) {
            free(p);
            w2_trap(err, "list<u8> expected, element %zu is not a u8", i);
            return NULL;
        }
        p[i] = (uint8_t)it->of.u;
    }
    return p;
}

char *w2_cstring(const cval *v, wasmrt_error *err) {
    if (memchr(v->of.str.ptr, 0, v->of.str.len)) return NULL; /* caller: illegal-byte-sequence */
    char *s = malloc(v->of.str.len + 1);
    if (!s) {
        w2_trap(err, "out of memory");
        return NULL;
    }
    memcpy(s, v->of.str.ptr, v->of.str.len);
    s[v->of.str.len] = 0;
    return s;
}

bool w2_trap(wasmrt_error *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- Resource table -------------------------------------------------------- */

static const char *const kind_names[] = {
    "free",
#define W2_RESOURCE(kind, iface, name) name,
#define W2_FUNC(iface, name, fn, args)
#include "wasi2_funcs.def"
#undef W2_RESOURCE
#undef W2_FUNC
};

/* At most this many live objects, whatever the descriptor limit (each is a
 * few hundred bytes of host memory). */
#define MAX_OBJS (1u << 16)

uint32_t w2_new(wasmrt_wasi2 *w, uint8_t kind, int fd) {
    if (fd >= 0 && w->nfd_objs >= w->sb->max_fds) return 0;
    uint32_t i = w->free_hint;  /* no free slot below it */
    while (i < w->nobjs && w->objs[i].kind != W2_FREE) i++;
    if (i == w->nobjs) {
        if (w->nobjs == w->capobjs) {
            if (w->capobjs >= MAX_OBJS) return 0;
            uint32_t n = w->capobjs ? w->capobjs * 2 : 64;
            w2_obj *t = realloc(w->objs, n * sizeof *t);
            if (!t) return 0;
            memset(t + w->capobjs, 0, (n - w->capobjs) * sizeof *t);
            w->objs = t;
            w->capobjs = n;
        }
        w->nobjs++;
    }
    uint32_t gen = w->objs[i].gen;
    w->objs[i] = (w2_obj){.kind = kind, .gen = gen, .fd = fd};
    if (fd >= 0) w->nfd_objs++;
    w->free_hint = i + 1;
    return i + 1;
}

w2_obj *w2_at(wasmrt_wasi2 *w, uint32_t rep) {
    if (rep == 0 || rep > w->nobjs || w->objs[rep - 1].kind == W2_FREE) return NULL;
    return &w->objs[rep - 1];
}

w2_obj *w2_get(wasmrt_wasi2 *w, const cval *h, uint8_t kind, wasmrt_error *err) {
    w2_obj *o = w2_at(w, h->of.handle);
    if (!o || o->kind != kind) {
        w2_trap(err, "handle %u is not a live %s", h->of.handle, kind_names[kind]);
        return NULL;
    }
    return o;
}

void w2_drop(wasmrt_wasi2 *w, uint32_t rep) {
    w2_obj *o = w2_at(w, rep);
    if (!o) return;
    if (o->kind == W2_OUTSTREAM) free(o->u.out.pend);
    if (o->kind == W2_RESOLVE) free(o->u.res.addrs);
    w2_http_release(o);
    if (o->fd >= 0) {
        /* a directory stream's fd belongs to its DIR */
        if (o->kind == W2_DIRSTREAM && o->u.dirs.dir) closedir(o->u.dirs.dir);
        else close(o->fd);
        w->nfd_objs--;
    }
    uint32_t gen = o->gen + 1;
    *o = (w2_obj){.kind = W2_FREE, .gen = gen, .fd = -1};
    if (rep - 1 < w->free_hint) w->free_hint = rep - 1;
    while (w->nobjs > 0 && w->objs[w->nobjs - 1].kind == W2_FREE) w->nobjs--;
    if (w->free_hint > w->nobjs) w->free_hint = w->nobjs;
}

void w2_dtor(void *env, uint32_t rep) { w2_drop(env, rep); }

/* ---- Error codes ------------------------------------------------------------ */

uint32_t w2_fs_code(uint16_t e) {
    switch (e) {
    case WE_ACCES: return FS_ACCESS;
    case WE_AGAIN: return FS_WOULD_BLOCK;
    case WE_ALREADY: return FS_ALREADY;
    case WE_BADF: return FS_BAD_DESCRIPTOR;
    case WE_BUSY: return FS_BUSY;
    case WE_DEADLK: return FS_DEADLOCK;
    case WE_DQUOT: return FS_QUOTA;
    case WE_EXIST: return FS_EXIST;
    case WE_FBIG: return FS_FILE_TOO_LARGE;
    case WE_ILSEQ: return FS_ILLEGAL_BYTE_SEQUENCE;
    case WE_INPROGRESS: return FS_IN_PROGRESS;
    case WE_INTR: return FS_INTERRUPTED;
    case WE_INVAL: return FS_INVALID;
    case WE_ISDIR: return FS_IS_DIRECTORY;
    case WE_LOOP: return FS_LOOP;
    case WE_MLINK: return FS_TOO_MANY_LINKS;
    case WE_MSGSIZE: return FS_MESSAGE_SIZE;
    case WE_NAMETOOLONG: return FS_NAME_TOO_LONG;
    case WE_NODEV: return FS_NO_DEVICE;
    case WE_NOENT: return FS_NO_ENTRY;
    case WE_NOLCK: return FS_NO_LOCK;
    case WE_NOMEM: return FS_INSUFFICIENT_MEMORY;
    case WE_NOSPC: return FS_INSUFFICIENT_SPACE;
    case WE_NOTDIR: return FS_NOT_DIRECTORY;
    case WE_NOTEMPTY: return FS_NOT_EMPTY;
    case WE_NOTRECOVERABLE: return FS_NOT_RECOVERABLE;
    case WE_NOSYS:
    case WE_NOTSUP: return FS_UNSUPPORTED;
    case WE_NOTTY: return FS_NO_TTY;
    case WE_NXIO: return FS_NO_SUCH_DEVICE;
    case WE_OVERFLOW: return FS_OVERFLOW;
    case WE_PERM:
    case WE_NOTCAPABLE: return FS_NOT_PERMITTED;  /* an escape from the sandbox */
    case WE_PIPE: return FS_PIPE;
    case WE_ROFS: return FS_READ_ONLY;
    case WE_SPIPE: return FS_INVALID_SEEK;
    case WE_TXTBSY: return FS_TEXT_FILE_BUSY;
    case WE_XDEV: return FS_CROSS_DEVICE;
    case WE_MFILE:
    case WE_NFILE: return FS_INSUFFICIENT_MEMORY;
    default: return FS_IO;
    }
}

uint32_t w2_fs_code_host(int e) { return w2_fs_code(wasi_errno_from_host(e)); }

uint32_t w2_net_code(int e) {
    switch (e) {
    case EACCES:
    case EPERM: return NET_ACCESS_DENIED;
    case EOPNOTSUPP: return NET_NOT_SUPPORTED;
    case EINVAL:
    case EAFNOSUPPORT:
    case EDESTADDRREQ: return NET_INVALID_ARGUMENT;
    case ENOMEM:
    case ENOBUFS: return NET_OUT_OF_MEMORY;
    case ETIMEDOUT: return NET_TIMEOUT;
    case EALREADY: return NET_CONCURRENCY_CONFLICT;
    case EAGAIN:
    case EINPROGRESS: return NET_WOULD_BLOCK;
    case EISCONN:
    case ENOTCONN: return NET_INVALID_STATE;
    case EMFILE:
    case ENFILE: return NET_NEW_SOCKET_LIMIT;
    case EADDRNOTAVAIL: return NET_ADDRESS_NOT_BINDABLE;
    case EADDRINUSE: return NET_ADDRESS_IN_USE;
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENETUNREACH:
    case ENETDOWN:
    case ENONET: return NET_REMOTE_UNREACHABLE;
    case ECONNREFUSED: return NET_CONNECTION_REFUSED;
    case ECONNRESET:
    case EPIPE: return NET_CONNECTION_RESET;
    case ECONNABORTED: return NET_CONNECTION_ABORTED;
    case EMSGSIZE: return NET_DATAGRAM_TOO_LARGE;
    default: return NET_UNKNOWN;
    }
}

uint8_t w2_dtype_from_mode(unsigned mode) {
    switch (mode & S_IFMT) {
    case S_IFBLK: return DT2_BLOCK;
    case S_IFCHR: return DT2_CHAR;
    case S_IFDIR: return DT2_DIR;
    case S_IFIFO: return DT2_FIFO;
    case S_IFLNK: return DT2_SYMLINK;
    case S_IFREG: return DT2_FILE;
    case S_IFSOCK: return DT2_SOCKET;
    default: return DT2_UNKNOWN;
    }
}

cval w2_stream_failed(wasmrt_wasi2 *w, int e) {
    uint32_t rep = w2_new(w, W2_ERROR, -1);
    if (!rep) return w2_stream_closed();  /* no room for the error: report the end */
    w2_at(w, rep)->u.error.err = e;
    cval own = w2_own(rep);
    return w2_err(w2_variant(0, &own));
}

cval w2_stream_closed(void) { return w2_err(w2_variant(1, NULL)); }

/* ---- Dispatch ----------------------------------------------------------------- */

const w2_entry w2_entries[] = {
#define W2_RESOURCE(kind, iface, name)
#define W2_FUNC(iface, name, fn, args) {iface, name, args, fn},
#include "wasi2_funcs.def"
#undef W2_RESOURCE
#undef W2_FUNC
};
const uint32_t w2_num_entries = sizeof w2_entries / sizeof w2_entries[0];

static int kind_of_code(char c) {
    switch (c) {
    case 'h': return WASMC_CVAL_BORROW;
    case 'o': return WASMC_CVAL_OWN;
    case 'z': return WASMC_CVAL_BOOL;
    case '1': return WASMC_CVAL_U8;
    case '2': return WASMC_CVAL_U16;
    case '4': return WASMC_CVAL_U32;
    case 'U': return WASMC_CVAL_U64;
    case 's': return WASMC_CVAL_STRING;
    case 'l': return WASMC_CVAL_LIST;
    case 'e': return WASMC_CVAL_ENUM;
    case 'f': return WASMC_CVAL_FLAGS;
    case 'v': return WASMC_CVAL_VARIANT;
    case 'p': return WASMC_CVAL_OPTION;
    case 'r': return WASMC_CVAL_RECORD;
    case 't': return WASMC_CVAL_TUPLE;
    case 'R': return WASMC_CVAL_RESULT;
    default: return -1;
    }
}

bool w2_dispatch(const w2_binding *b, const cval *args, uint32_t nargs, cval *result,
                 wasmrt_error *err) {
    const w2_entry *e = b->e;
    size_t want = strlen(e->args);
    if (nargs != want)
        return w2_trap(err, "%s#%s: %zu argument%s expected, %u given", e->iface, e->name, want,
                       want == 1 ? "" : "s", nargs);
    for (uint32_t i = 0; i < nargs; i++)
        if (args[i].kind != kind_of_code(e->args[i]))
            return w2_trap(err, "%s#%s: argument %u has the wrong type", e->iface, e->name, i + 1);
    if (result) *result = (cval){.kind = WASMC_CVAL_BOOL};
    cval scratch;
    return e->fn(b->w, args, result ? result : &scratch, err);
}

bool w2_call(wasmrt_wasi2 *w, const char *iface, const char *name, const cval *args,
             uint32_t nargs, cval *result, wasmrt_error *err) {
    for (uint32_t i = 0; i < w2_num_entries; i++)
        if (!strcmp(w2_entries[i].iface, iface) && !strcmp(w2_entries[i].name, name)) {
            w2_binding b = {w, &w2_entries[i]};
            return w2_dispatch(&b, args, nargs, result, err);
        }
    return w2_trap(err, "no WASI 0.2 function %s#%s", iface, name);
}
