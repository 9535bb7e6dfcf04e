/* Internals of the WASI preview1 implementation, shared by its files and by
 * the unit tests (the "seam": tests call the ABI layer against a malloc'ed
 * fake linear memory without any compiled module or runtime).
 *
 * Two layers, WAMR style:
 *   - the ABI layer (wasi_abi_*.c) takes raw guest arguments, checks every
 *     guest pointer/length against the memory view (ERRNO_FAULT, never a
 *     host fault; all arithmetic in 64 bits so ptr+len cannot wrap), decodes
 *     witx structs, and checks rights;
 *   - the primitives (wasi_path.c, the fd table in wasi_ctx.c) do the host
 *     work, confining every path beneath its directory fd.
 * Every function returns a WASI errno (uint16_t, 0 = success).
 */
#ifndef WASMRT_WASI_INTERNAL_H
#define WASMRT_WASI_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wasmrt_wasi.h"

/* ---- witx constants ------------------------------------------------------ */

enum {
    WE_SUCCESS = 0, WE_2BIG = 1, WE_ACCES = 2, WE_ADDRINUSE = 3, WE_ADDRNOTAVAIL = 4,
    WE_AFNOSUPPORT = 5, WE_AGAIN = 6, WE_ALREADY = 7, WE_BADF = 8, WE_BADMSG = 9,
    WE_BUSY = 10, WE_CANCELED = 11, WE_CHILD = 12, WE_CONNABORTED = 13,
    WE_CONNREFUSED = 14, WE_CONNRESET = 15, WE_DEADLK = 16, WE_DESTADDRREQ = 17,
    WE_DOM = 18, WE_DQUOT = 19, WE_EXIST = 20, WE_FAULT = 21, WE_FBIG = 22,
    WE_HOSTUNREACH = 23, WE_IDRM = 24, WE_ILSEQ = 25, WE_INPROGRESS = 26, WE_INTR = 27,
    WE_INVAL = 28, WE_IO = 29, WE_ISCONN = 30, WE_ISDIR = 31, WE_LOOP = 32,
    WE_MFILE = 33, WE_MLINK = 34, WE_MSGSIZE = 35, WE_MULTIHOP = 36,
    WE_NAMETOOLONG = 37, WE_NETDOWN = 38, WE_NETRESET = 39, WE_NETUNREACH = 40,
    WE_NFILE = 41, WE_NOBUFS = 42, WE_NODEV = 43, WE_NOENT = 44, WE_NOEXEC = 45,
    WE_NOLCK = 46, WE_NOLINK = 47, WE_NOMEM = 48, WE_NOMSG = 49, WE_NOPROTOOPT = 50,
    WE_NOSPC = 51, WE_NOSYS = 52, WE_NOTCONN = 53, WE_NOTDIR = 54, WE_NOTEMPTY = 55,
    WE_NOTRECOVERABLE = 56, WE_NOTSOCK = 57, WE_NOTSUP = 58, WE_NOTTY = 59,
    WE_NXIO = 60, WE_OVERFLOW = 61, WE_OWNERDEAD = 62, WE_PERM = 63, WE_PIPE = 64,
    WE_PROTO = 65, WE_PROTONOSUPPORT = 66, WE_PROTOTYPE = 67, WE_RANGE = 68,
    WE_ROFS = 69, WE_SPIPE = 70, WE_SRCH = 71, WE_STALE = 72, WE_TIMEDOUT = 73,
    WE_TXTBSY = 74, WE_XDEV = 75, WE_NOTCAPABLE = 76,
};

/* rights */
#define WR_FD_DATASYNC (1ull << 0)
#define WR_FD_READ (1ull << 1)
#define WR_FD_SEEK (1ull << 2)
#define WR_FD_FDSTAT_SET_FLAGS (1ull << 3)
#define WR_FD_SYNC (1ull << 4)
#define WR_FD_TELL (1ull << 5)
#define WR_FD_WRITE (1ull << 6)
#define WR_FD_ADVISE (1ull << 7)
#define WR_FD_ALLOCATE (1ull << 8)
#define WR_PATH_CREATE_DIRECTORY (1ull << 9)
#define WR_PATH_CREATE_FILE (1ull << 10)
#define WR_PATH_LINK_SOURCE (1ull << 11)
#define WR_PATH_LINK_TARGET (1ull << 12)
#define WR_PATH_OPEN (1ull << 13)
#define WR_FD_READDIR (1ull << 14)
#define WR_PATH_READLINK (1ull << 15)
#define WR_PATH_RENAME_SOURCE (1ull << 16)
#define WR_PATH_RENAME_TARGET (1ull << 17)
#define WR_PATH_FILESTAT_GET (1ull << 18)
#define WR_PATH_FILESTAT_SET_SIZE (1ull << 19)
#define WR_PATH_FILESTAT_SET_TIMES (1ull << 20)
#define WR_FD_FILESTAT_GET (1ull << 21)
#define WR_FD_FILESTAT_SET_SIZE (1ull << 22)
#define WR_FD_FILESTAT_SET_TIMES (1ull << 23)
#define WR_PATH_SYMLINK (1ull << 24)
#define WR_PATH_REMOVE_DIRECTORY (1ull << 25)
#define WR_PATH_UNLINK_FILE (1ull << 26)
#define WR_POLL_FD_READWRITE (1ull << 27)
#define WR_SOCK_SHUTDOWN (1ull << 28)
#define WR_SOCK_ACCEPT (1ull << 29)
#define WR_ALL ((1ull << 30) - 1)

/* The most a descriptor of each kind can hold (wasmtime's split). */
#define WR_REGULAR_FILE                                                          \
    (WR_FD_DATASYNC | WR_FD_READ | WR_FD_SEEK | WR_FD_FDSTAT_SET_FLAGS | WR_FD_SYNC |   \
     WR_FD_TELL | WR_FD_WRITE | WR_FD_ADVISE | WR_FD_ALLOCATE | WR_FD_FILESTAT_GET |    \
     WR_FD_FILESTAT_SET_SIZE | WR_FD_FILESTAT_SET_TIMES | WR_POLL_FD_READWRITE)
#define WR_DIRECTORY                                                             \
    (WR_FD_FDSTAT_SET_FLAGS | WR_FD_SYNC | WR_FD_ADVISE | WR_PATH_CREATE_DIRECTORY |   \
     WR_PATH_CREATE_FILE | WR_PATH_LINK_SOURCE | WR_PATH_LINK_TARGET | WR_PATH_OPEN |  \
     WR_FD_READDIR | WR_PATH_READLINK | WR_PATH_RENAME_SOURCE | WR_PATH_RENAME_TARGET | \
     WR_PATH_FILESTAT_GET | WR_PATH_FILESTAT_SET_SIZE | WR_PATH_FILESTAT_SET_TIMES |    \
     WR_FD_FILESTAT_GET | WR_FD_FILESTAT_SET_TIMES | WR_PATH_SYMLINK |                 \
     WR_PATH_REMOVE_DIRECTORY | WR_PATH_UNLINK_FILE | WR_POLL_FD_READWRITE)
#define WR_TTY (WR_REGULAR_FILE & ~(WR_FD_SEEK | WR_FD_TELL))
#define WR_SOCKET                                                                \
    (WR_FD_READ | WR_FD_WRITE | WR_FD_FDSTAT_SET_FLAGS | WR_FD_FILESTAT_GET |          \
     WR_POLL_FD_READWRITE | WR_SOCK_SHUTDOWN | WR_SOCK_ACCEPT)

enum {
    WF_UNKNOWN = 0, WF_BLOCK_DEVICE = 1, WF_CHARACTER_DEVICE = 2, WF_DIRECTORY = 3,
    WF_REGULAR_FILE = 4, WF_SOCKET_DGRAM = 5, WF_SOCKET_STREAM = 6, WF_SYMBOLIC_LINK = 7,
};

enum { WFD_APPEND = 1, WFD_DSYNC = 2, WFD_NONBLOCK = 4, WFD_RSYNC = 8, WFD_SYNC = 16 };
enum { WO_CREAT = 1, WO_DIRECTORY = 2, WO_EXCL = 4, WO_TRUNC = 8 };
enum { WL_SYMLINK_FOLLOW = 1 };
enum { WFST_ATIM = 1, WFST_ATIM_NOW = 2, WFST_MTIM = 4, WFST_MTIM_NOW = 8 };

/* ---- State --------------------------------------------------------------- */

typedef struct wasi_fd {
    bool used;
    int host;                 /* host fd, owned unless borrowed */
    bool borrowed;            /* the embedder's stdio: never closed by the guest */
    uint8_t type;             /* WF_* */
    uint64_t rights_base, rights_inheriting;
    char *preopen;            /* guest name of a preopened directory, or NULL */
} wasi_fd;

struct wasmrt_wasi {
    char **argv;
    uint32_t argc;
    uint64_t argv_bytes;      /* sum of strlen+1 */
    char **env;
    uint32_t envc;
    uint64_t env_bytes;
    wasi_fd *fds;
    uint32_t nfds;            /* allocated slots */
    uint32_t max_fds;
};

/* A view of the caller's linear memory, taken at the start of a call (WASI
 * calls never grow memory, so it stays valid for the call). */
typedef struct wasi_mem {
    uint8_t *base;
    uint64_t size;
} wasi_mem;

static inline bool wasi_mem_ok(const wasi_mem *m, uint64_t ptr, uint64_t len) {
    return len <= m->size && ptr <= m->size - len;
}
static inline void wasi_st16(const wasi_mem *m, uint64_t p, uint16_t v) {
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    memcpy(m->base + p, b, 2);
}
static inline void wasi_st32(const wasi_mem *m, uint64_t p, uint32_t v) {
    uint8_t b[4];
    for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i));
    memcpy(m->base + p, b, 4);
}
static inline void wasi_st64(const wasi_mem *m, uint64_t p, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    memcpy(m->base + p, b, 8);
}
static inline uint16_t wasi_ld16(const wasi_mem *m, uint64_t p) {
    const uint8_t *b = m->base + p;
    return (uint16_t)(b[0] | (b[1] << 8));
}
static inline uint32_t wasi_ld32(const wasi_mem *m, uint64_t p) {
    const uint8_t *b = m->base + p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}
static inline uint64_t wasi_ld64(const wasi_mem *m, uint64_t p) {
    return (uint64_t)wasi_ld32(m, p) | ((uint64_t)wasi_ld32(m, p + 4) << 32);
}

/* ---- Shared helpers ------------------------------------------------------ */

uint16_t wasi_errno_from_host(int e);
uint8_t wasi_filetype_from_mode(unsigned mode, int host_fd);
uint64_t wasi_rights_max(uint8_t type);

/* fd table */
wasi_fd *wasi_fd_get(wasmrt_wasi *w, uint32_t fd, uint64_t need_rights, uint16_t *err);
uint16_t wasi_fd_insert(wasmrt_wasi *w, int host, uint8_t type, uint64_t base, uint64_t inh,
                        uint32_t *out);
void wasi_fd_release(wasi_fd *f);

/* Path confinement (wasi_path.c).  Test knob: force the component walk. */
extern bool wasi_path_force_walk;
/* Open `path` beneath dirfd; never leaves the directory tree. */
uint16_t wasi_path_open_beneath(int dirfd, const char *path, uint32_t path_len, int flags,
                                unsigned mode, bool follow, int *out);
/* Resolve all but the last component of `path` beneath dirfd: *parent is an
 * O_PATH directory fd the caller closes, name the last component (NUL-
 * terminated, no slash; may be "." or ".."), *trailing_slash whether the
 * path ended in '/'. */
uint16_t wasi_path_parent(int dirfd, const char *path, uint32_t path_len, int *parent,
                          char *name, size_t name_cap, bool *trailing_slash);

/* Operations on the directory entry a guest path names, shared by both ABIs
 * (wasi_ops.c): each resolves the parent beneath dirfd and acts on the final
 * name; the callers check rights (preview1) or descriptor flags (WASI 0.2). */
typedef struct wasi_entry {
    int parent;               /* O_PATH directory fd, or -1 */
    bool slash;               /* the path ended in '/' */
    char name[256];           /* the final component (NAME_MAX + 1) */
} wasi_entry;
uint16_t wasi_entry_open(int dirfd, const char *path, uint32_t len, wasi_entry *en);
void wasi_entry_close(wasi_entry *en);
uint16_t wasi_op_mkdir(int dirfd, const char *path, uint32_t len);
uint16_t wasi_op_rmdir(int dirfd, const char *path, uint32_t len);
uint16_t wasi_op_unlink(int dirfd, const char *path, uint32_t len);
uint16_t wasi_op_readlink(int dirfd, const char *path, uint32_t len, char *buf, size_t cap,
                          size_t *n);
/* target: the link's contents (refused when absolute: NOTCAPABLE) */
uint16_t wasi_op_symlink(const char *target, uint32_t tlen, int dirfd, const char *path,
                         uint32_t len);
/* never follows a symlink source (linkat without AT_SYMLINK_FOLLOW) */
uint16_t wasi_op_link(int d1, const char *p1, uint32_t l1, int d2, const char *p2, uint32_t l2);
uint16_t wasi_op_rename(int d1, const char *p1, uint32_t l1, int d2, const char *p2, uint32_t l2);

/* Landlock with what a WASI 0.2 network policy adds (landlock.c): TCP ports
 * that may be bound / connected to (any_*: every port, so that access is
 * left unhandled) and files the resolver reads. */
typedef struct wasi_landlock_extra {
    const uint16_t *bind_ports;
    uint32_t num_bind_ports;
    const uint16_t *connect_ports;
    uint32_t num_connect_ports;
    bool any_bind, any_connect;
    const char *const *ro_files;
    uint32_t num_ro_files;
} wasi_landlock_extra;
bool wasi_landlock_apply(wasmrt_wasi *w, const wasi_landlock_extra *x, bool *applied,
                         wasmrt_error *err);

/* ---- ABI layer (one function per WASI import) ----------------------------- */

#define WASI_ABI(name, ...) uint32_t wasi_abi_##name(wasmrt_wasi *w, const wasi_mem *m, ##__VA_ARGS__)
typedef uint32_t u32;
typedef uint64_t u64;

/* wasi_preview1.def's parameter lists: W1_MAP(F, U32, U64, ...) expands
 * to F(U32, 0) F(U64, 1) ... (up to 9 parameters; (VOID) for none). */
#define W1_CAT_(a, b) a##b
#define W1_CAT(a, b) W1_CAT_(a, b)
#define W1_COUNT_(_1, _2, _3, _4, _5, _6, _7, _8, _9, n, ...) n
#define W1_COUNT(...) W1_COUNT_(__VA_ARGS__, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define W1_MAP(F, ...) W1_CAT(W1_MAP, W1_COUNT(__VA_ARGS__))(F, __VA_ARGS__)
#define W1_MAP1(F, a) F(a, 0)
#define W1_MAP2(F, a, b) F(a, 0) F(b, 1)
#define W1_MAP3(F, a, b, c) W1_MAP2(F, a, b) F(c, 2)
#define W1_MAP4(F, a, b, c, d) W1_MAP3(F, a, b, c) F(d, 3)
#define W1_MAP5(F, a, b, c, d, e) W1_MAP4(F, a, b, c, d) F(e, 4)
#define W1_MAP6(F, a, b, c, d, e, f) W1_MAP5(F, a, b, c, d, e) F(f, 5)
#define W1_MAP7(F, a, b, c, d, e, f, g) W1_MAP6(F, a, b, c, d, e, f) F(g, 6)
#define W1_MAP8(F, a, b, c, d, e, f, g, h) W1_MAP7(F, a, b, c, d, e, f, g) F(h, 7)
#define W1_MAP9(F, a, b, c, d, e, f, g, h, i) W1_MAP8(F, a, b, c, d, e, f, g, h) F(i, 8)

/* The ABI functions' prototypes, from the table (the definitions spell the
 * parameters' names with WASI_ABI). */
#define W1_PROTO_U32 , u32
#define W1_PROTO_U64 , u64
#define W1_PROTO_VOID
#define W1_PROTO(t, i) W1_PROTO_##t
#define W1_PROTOS(...) W1_MAP(W1_PROTO, __VA_ARGS__)
#define W1_DECL_ERRNO(name, params) uint32_t wasi_abi_##name(wasmrt_wasi *w, const wasi_mem *m W1_PROTOS params);
#define W1_DECL_EXIT(name, params)
#define WASI1(NAME, KIND, PARAMS) W1_DECL_##KIND(NAME, PARAMS)
#include "wasi_preview1.def"
#undef WASI1

/* Gather guest iovecs into host iovecs (at most 1024, like IOV_MAX; a
 * shorter transfer is allowed by the ABI).  Returns FAULT on a bad iovec. */
struct iovec;
uint16_t wasi_iovecs(const wasi_mem *m, u32 iovs, u32 iovs_len, struct iovec *out, int *n);
#define WASI_IOV_MAX 1024

#endif
