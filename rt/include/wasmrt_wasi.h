/* WASI preview1 (wasi_snapshot_preview1) for libwasmrt, with capability-
 * based sandboxing: a guest reaches only the directories preopened for it,
 * its own arguments and environment, and its stdio. */
#ifndef WASMRT_WASI_H
#define WASMRT_WASI_H

#include "wasmrt.h"

typedef struct wasmrt_wasi wasmrt_wasi;

typedef struct wasmrt_wasi_dir {
    const char *host_path;   /* directory on the host */
    const char *guest_path;  /* name the guest sees (default: host_path) */
} wasmrt_wasi_dir;

typedef struct wasmrt_wasi_config {
    const char *const *argv;  /* argv[0] is the program name the guest sees */
    uint32_t argc;
    const char *const *env;   /* "KEY=VALUE" strings */
    uint32_t envc;
    const wasmrt_wasi_dir *dirs;
    uint32_t num_dirs;
    int stdin_fd, stdout_fd, stderr_fd;  /* host fds for guest fds 0,1,2, borrowed (not
                                            duplicated: they must outlive the context; a
                                            guest's fd_close never closes them);
                                            -1 = closed: the guest sees EBADF */
    uint32_t max_open_fds;    /* 0 = 1024 */
} wasmrt_wasi_config;

wasmrt_wasi *wasmrt_wasi_new(const wasmrt_wasi_config *config, wasmrt_error *err);
void wasmrt_wasi_free(wasmrt_wasi *w);
/* Define every wasi_snapshot_preview1 function in the linker. */
bool wasmrt_wasi_define(wasmrt_wasi *w, wasmrt_linker *l, wasmrt_error *err);

/* Hand the guest a descriptor it could not open itself (e.g. a listening
 * socket for sock_accept): host_fd is duplicated and appears at the lowest
 * free guest fd, with every right its file type allows. */
bool wasmrt_wasi_insert_fd(wasmrt_wasi *w, int host_fd, uint32_t *guest_fd, wasmrt_error *err);

/* Confine the whole process's file-system access (and, where the kernel
 * supports it, TCP bind/connect and cross-domain signals) to the preopened
 * directories with Landlock — the complement of seccomp, which cannot see
 * paths.  Irreversible; call after wasmrt_wasi_new and module loading.
 * Returns false only on a real failure; *applied is false (err says why)
 * when the kernel lacks Landlock ABI >= 2.  Applies to the calling thread
 * and threads it creates afterwards. */
bool wasmrt_wasi_landlock(wasmrt_wasi *w, bool *applied, wasmrt_error *err);

/* Install the seccomp-bpf allow-list of what the runtime itself needs; after
 * this any other syscall kills the process (SIGSYS).  Irreversible.
 * Applies to every thread of the process (TSYNC); create helper threads
 * (e.g. a timeout timer) before calling it, since clone is not allowed. */
bool wasmrt_seccomp_install(wasmrt_error *err);

#endif
