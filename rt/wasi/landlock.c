/* Landlock: confine the whole process's file-system reach to the
 * preopened directories.
 *
 * The seccomp filter cannot look at path strings, so it must allow openat
 * for WASI; on its own it would let native code that escaped the Wasm
 * sandbox open any host file by absolute path.  Landlock closes that gap:
 * once applied, every new open/create/remove/rename/link in the process is
 * allowed only beneath the preopened directories' host fds.  Descriptors
 * opened earlier (stdio, the loaded artifact) are unaffected.  With
 * ABI >= 4 TCP bind/connect are denied too, with ABI >= 6 signals to and
 * abstract unix sockets of processes outside the domain.
 *
 * Best effort by design: kernels without Landlock (or with ABI 1, which
 * cannot allow renames across directories) leave *applied false and the
 * caller decides; a kernel that has it but refuses is an error.
 * The header's structs are older than the ABI we use, so the newer fields
 * and bits are spelled out here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wasi_internal.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define LL_FS_EXECUTE (1ull << 0)
#define LL_FS_MAKE_CHAR (1ull << 6)
#define LL_FS_MAKE_BLOCK (1ull << 11)
#define LL_FS_V2 ((1ull << 14) - 1)  /* EXECUTE .. REFER */
#define LL_FS_TRUNCATE (1ull << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ull << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ull << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ull << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ull << 1)
#define LL_FS_READ_FILE (1ull << 2)
#define LL_RULE_NET_PORT 2

struct ll_net_port_attr {
    uint64_t allowed_access, port;
} __attribute__((packed));

struct ll_ruleset_attr {
    uint64_t handled_access_fs, handled_access_net, scoped;
};

bool wasmrt_wasi_landlock(wasmrt_wasi *w, bool *applied, wasmrt_error *err) {
    return wasi_landlock_apply(w, NULL, applied, err);
}

static bool port_rule(int rs, uint64_t access, uint16_t port, wasmrt_error *err) {
    struct ll_net_port_attr np = {.allowed_access = access, .port = port};
    if (syscall(SYS_landlock_add_rule, rs, LL_RULE_NET_PORT, &np, 0)) {
        snprintf(err->message, sizeof err->message, "landlock: rule for port %u: %s", port,
                 strerror(errno));
        return false;
    }
    return true;
}

bool wasi_landlock_apply(wasmrt_wasi *w, const wasi_landlock_extra *x, bool *applied,
                         wasmrt_error *err) {
    static const wasi_landlock_extra none = {0};
    if (!x) x = &none;
    *applied = false;
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 2) {
        snprintf(err->message, sizeof err->message, "landlock: %s",
                 abi < 0 ? strerror(errno) : "kernel ABI 1 is too old");
        return true;
    }
    struct ll_ruleset_attr attr = {0};
    size_t size = sizeof attr.handled_access_fs;
    attr.handled_access_fs = LL_FS_V2;
    if (abi >= 3) attr.handled_access_fs |= LL_FS_TRUNCATE;
    if (abi >= 5) attr.handled_access_fs |= LL_FS_IOCTL_DEV;
    if (abi >= 4) {
        /* A rule for any port cannot be written per port: such a policy
         * leaves that access to the runtime's own check. */
        attr.handled_access_net = (x->any_bind ? 0 : LL_NET_BIND_TCP) |
                                  (x->any_connect ? 0 : LL_NET_CONNECT_TCP);
        size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
        size = sizeof attr;
    }
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (rs < 0) {
        snprintf(err->message, sizeof err->message, "landlock: create ruleset: %s", strerror(errno));
        return false;
    }
    /* Beneath a preopen: everything WASI can do there; no exec, no device
     * nodes, no device ioctls. */
    uint64_t allow = attr.handled_access_fs &
                     ~(LL_FS_EXECUTE | LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK | LL_FS_IOCTL_DEV);
    for (uint32_t i = 0; i < w->nfds; i++) {
        if (!w->fds[i].used || !w->fds[i].preopen) continue;
        struct landlock_path_beneath_attr pb = {.allowed_access = allow, .parent_fd = w->fds[i].host};
        if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0)) {
            snprintf(err->message, sizeof err->message, "landlock: rule for '%s': %s",
                     w->fds[i].preopen, strerror(errno));
            close(rs);
            return false;
        }
    }
    for (uint32_t i = 0; i < x->num_ro_files; i++) {
        int fd = open(x->ro_files[i], O_PATH | O_CLOEXEC);
        if (fd < 0) continue;  /* a resolver file this system does not have */
        struct landlock_path_beneath_attr pb = {.allowed_access = LL_FS_READ_FILE, .parent_fd = fd};
        long rc = syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
        close(fd);
        if (rc) {
            snprintf(err->message, sizeof err->message, "landlock: rule for '%s': %s",
                     x->ro_files[i], strerror(errno));
            close(rs);
            return false;
        }
    }
    for (uint32_t i = 0; i < x->num_bind_ports && (attr.handled_access_net & LL_NET_BIND_TCP); i++)
        if (!port_rule(rs, LL_NET_BIND_TCP, x->bind_ports[i], err)) {
            close(rs);
            return false;
        }
    for (uint32_t i = 0; i < x->num_connect_ports && (attr.handled_access_net & LL_NET_CONNECT_TCP); i++)
        if (!port_rule(rs, LL_NET_CONNECT_TCP, x->connect_ports[i], err)) {
            close(rs);
            return false;
        }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_landlock_restrict_self, rs, 0)) {
        snprintf(err->message, sizeof err->message, "landlock: restrict: %s", strerror(errno));
        close(rs);
        return false;
    }
    close(rs);
    *applied = true;
    return true;
}
