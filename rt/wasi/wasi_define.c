/* Registers every wasi_snapshot_preview1 import in a linker.
 *
 * Each host function is a thin adapter from the runtime's slot calling
 * convention (wasmc_host_fn) to the ABI layer: it takes the caller's memory
 * view, unpacks the slots, and stores the WASI errno as the i32 result.
 * This file is generated-looking on purpose — one line per import, with the
 * core-Wasm signature spelled as a string ('i' = i32, 'I' = i64) — so a
 * mismatch with the witx is easy to spot.  It is the only WASI file that
 * depends on the runtime core, which keeps the rest unit-testable alone.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "wasi_internal.h"

static void mem_of(void *caller, wasi_mem *m) {
    wasmrt_memory *mem = caller ? wasmrt_caller_memory(caller) : NULL;
    /* No memory: every pointer is out of bounds, so calls answer FAULT. */
    m->base = mem ? wasmrt_memory_data(mem) : NULL;
    m->size = mem ? wasmrt_memory_size(mem) : 0;
}
static void h_args_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_args_get(env, &m, s[0].i32, s[1].i32);
}
static void h_args_sizes_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_args_sizes_get(env, &m, s[0].i32, s[1].i32);
}
static void h_environ_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_environ_get(env, &m, s[0].i32, s[1].i32);
}
static void h_environ_sizes_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_environ_sizes_get(env, &m, s[0].i32, s[1].i32);
}
static void h_clock_res_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_clock_res_get(env, &m, s[0].i32, s[1].i32);
}
static void h_clock_time_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_clock_time_get(env, &m, s[0].i32, s[1].i64, s[2].i32);
}
static void h_fd_advise(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_advise(env, &m, s[0].i32, s[1].i64, s[2].i64, s[3].i32);
}
static void h_fd_allocate(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_allocate(env, &m, s[0].i32, s[1].i64, s[2].i64);
}
static void h_fd_close(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_close(env, &m, s[0].i32);
}
static void h_fd_datasync(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_datasync(env, &m, s[0].i32);
}
static void h_fd_fdstat_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_fdstat_get(env, &m, s[0].i32, s[1].i32);
}
static void h_fd_fdstat_set_flags(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_fdstat_set_flags(env, &m, s[0].i32, s[1].i32);
}
static void h_fd_fdstat_set_rights(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_fdstat_set_rights(env, &m, s[0].i32, s[1].i64, s[2].i64);
}
static void h_fd_filestat_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_filestat_get(env, &m, s[0].i32, s[1].i32);
}
static void h_fd_filestat_set_size(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_filestat_set_size(env, &m, s[0].i32, s[1].i64);
}
static void h_fd_filestat_set_times(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_filestat_set_times(env, &m, s[0].i32, s[1].i64, s[2].i64, s[3].i32);
}
static void h_fd_pread(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_pread(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i64, s[4].i32);
}
static void h_fd_prestat_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_prestat_get(env, &m, s[0].i32, s[1].i32);
}
static void h_fd_prestat_dir_name(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_prestat_dir_name(env, &m, s[0].i32, s[1].i32, s[2].i32);
}
static void h_fd_pwrite(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_pwrite(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i64, s[4].i32);
}
static void h_fd_read(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_read(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32);
}
static void h_fd_readdir(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_readdir(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i64, s[4].i32);
}
static void h_fd_renumber(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_renumber(env, &m, s[0].i32, s[1].i32);
}
static void h_fd_seek(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_seek(env, &m, s[0].i32, s[1].i64, s[2].i32, s[3].i32);
}
static void h_fd_sync(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_sync(env, &m, s[0].i32);
}
static void h_fd_tell(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_tell(env, &m, s[0].i32, s[1].i32);
}
static void h_fd_write(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_fd_write(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32);
}
static void h_path_create_directory(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_create_directory(env, &m, s[0].i32, s[1].i32, s[2].i32);
}
static void h_path_filestat_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_filestat_get(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i32);
}
static void h_path_filestat_set_times(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_filestat_set_times(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i64, s[5].i64, s[6].i32);
}
static void h_path_link(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_link(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i32, s[5].i32, s[6].i32);
}
static void h_path_open(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_open(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i32, s[5].i64, s[6].i64, s[7].i32, s[8].i32);
}
static void h_path_readlink(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_readlink(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i32, s[5].i32);
}
static void h_path_remove_directory(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_remove_directory(env, &m, s[0].i32, s[1].i32, s[2].i32);
}
static void h_path_rename(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_rename(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i32, s[5].i32);
}
static void h_path_symlink(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_symlink(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i32);
}
static void h_path_unlink_file(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_path_unlink_file(env, &m, s[0].i32, s[1].i32, s[2].i32);
}
static void h_poll_oneoff(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_poll_oneoff(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32);
}
static void h_proc_raise(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_proc_raise(env, &m, s[0].i32);
}
static void h_sched_yield(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_sched_yield(env, &m);
}
static void h_random_get(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_random_get(env, &m, s[0].i32, s[1].i32);
}
static void h_sock_accept(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_sock_accept(env, &m, s[0].i32, s[1].i32, s[2].i32);
}
static void h_sock_recv(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_sock_recv(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i32, s[5].i32);
}
static void h_sock_send(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_sock_send(env, &m, s[0].i32, s[1].i32, s[2].i32, s[3].i32, s[4].i32);
}
static void h_sock_shutdown(void *env, void *caller, wasmc_slot *s) {
    wasi_mem m;
    mem_of(caller, &m);
    s[0].i64 = wasi_abi_sock_shutdown(env, &m, s[0].i32, s[1].i32);
}
static void h_proc_exit(void *env, void *caller, wasmc_slot *s) {
    wasmrt_host_exit((int)s[0].i32);
}

typedef struct wasi_import {
    const char *name;
    const char *params;  /* 'i' i32, 'I' i64; every result is one i32 errno */
    wasmc_host_fn fn;
} wasi_import;

static const wasi_import imports[] = {
    {"args_get", "ii", h_args_get},
    {"args_sizes_get", "ii", h_args_sizes_get},
    {"environ_get", "ii", h_environ_get},
    {"environ_sizes_get", "ii", h_environ_sizes_get},
    {"clock_res_get", "ii", h_clock_res_get},
    {"clock_time_get", "iIi", h_clock_time_get},
    {"fd_advise", "iIIi", h_fd_advise},
    {"fd_allocate", "iII", h_fd_allocate},
    {"fd_close", "i", h_fd_close},
    {"fd_datasync", "i", h_fd_datasync},
    {"fd_fdstat_get", "ii", h_fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii", h_fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII", h_fd_fdstat_set_rights},
    {"fd_filestat_get", "ii", h_fd_filestat_get},
    {"fd_filestat_set_size", "iI", h_fd_filestat_set_size},
    {"fd_filestat_set_times", "iIIi", h_fd_filestat_set_times},
    {"fd_pread", "iiiIi", h_fd_pread},
    {"fd_prestat_get", "ii", h_fd_prestat_get},
    {"fd_prestat_dir_name", "iii", h_fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi", h_fd_pwrite},
    {"fd_read", "iiii", h_fd_read},
    {"fd_readdir", "iiiIi", h_fd_readdir},
    {"fd_renumber", "ii", h_fd_renumber},
    {"fd_seek", "iIii", h_fd_seek},
    {"fd_sync", "i", h_fd_sync},
    {"fd_tell", "ii", h_fd_tell},
    {"fd_write", "iiii", h_fd_write},
    {"path_create_directory", "iii", h_path_create_directory},
    {"path_filestat_get", "iiiii", h_path_filestat_get},
    {"path_filestat_set_times", "iiiiIIi", h_path_filestat_set_times},
    {"path_link", "iiiiiii", h_path_link},
    {"path_open", "iiiiiIIii", h_path_open},
    {"path_readlink", "iiiiii", h_path_readlink},
    {"path_remove_directory", "iii", h_path_remove_directory},
    {"path_rename", "iiiiii", h_path_rename},
    {"path_symlink", "iiiii", h_path_symlink},
    {"path_unlink_file", "iii", h_path_unlink_file},
    {"poll_oneoff", "iiii", h_poll_oneoff},
    {"proc_raise", "i", h_proc_raise},
    {"sched_yield", "", h_sched_yield},
    {"random_get", "ii", h_random_get},
    {"sock_accept", "iii", h_sock_accept},
    {"sock_recv", "iiiiii", h_sock_recv},
    {"sock_send", "iiiii", h_sock_send},
    {"sock_shutdown", "ii", h_sock_shutdown},
    {"proc_exit", "i", h_proc_exit},
};

bool wasmrt_wasi_define(wasmrt_wasi *w, wasmrt_linker *l, wasmrt_error *err) {
    for (size_t i = 0; i < sizeof imports / sizeof imports[0]; i++) {
        const wasi_import *im = &imports[i];
        uint8_t params[16];
        uint32_t np = 0;
        for (const char *c = im->params; *c; c++) params[np++] = *c == 'I' ? 0x7E : 0x7F;
        const uint8_t result = 0x7F;
        bool noreturn = im->fn == h_proc_exit;
        if (!wasmrt_linker_define_host_func(l, "wasi_snapshot_preview1", im->name, params, np,
                                            &result, noreturn ? 0 : 1, im->fn, w, err))
            return false;
    }
    return true;
}
