/* Minimal WASI preview1 host for wasm2c (wabt 1.0.32) output, just enough
 * for the benchmark programs: args_*, fd_write/fd_close/fd_seek/
 * fd_fdstat_get on stdio, environ_* (empty), clock_time_get and proc_exit.
 *
 * The harness runs `wasm2c p.wasm -n prog -o prog.c`, so the generated names
 * are fixed (Z_prog_*); this file is compiled together with prog.c and
 * wabt's wasm-rt-impl.c (guard-page memory + signal handler, wasm2c's
 * default on 64-bit Linux), which makes the comparison against wasmc's guard
 * mode like for like.  Every guest pointer is range-checked against the
 * current memory size before use, since the guest is untrusted even here.
 * proc_exit flushes and exits the process: nothing needs unwinding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wasm-rt-impl.h"
#include "prog.h"

struct Z_wasi_snapshot_preview1_instance_t {
    wasm_rt_memory_t *mem;
    int argc;
    char **argv;
};

enum { ERRNO_SUCCESS = 0, ERRNO_BADF = 8, ERRNO_FAULT = 21, ERRNO_INVAL = 28, ERRNO_SPIPE = 70 };

typedef struct Z_wasi_snapshot_preview1_instance_t wasi_t;

/* Returns a host pointer to [addr, addr+len) or NULL if it is out of range. */
static uint8_t *guest(wasi_t *w, uint64_t addr, uint64_t len)
{
    if (addr > w->mem->size || len > w->mem->size - addr)
        return NULL;
    return w->mem->data + addr;
}

static int put_u32(wasi_t *w, uint32_t addr, uint32_t v)
{
    uint8_t *p = guest(w, addr, 4);
    if (!p)
        return 0;
    memcpy(p, &v, 4); /* wasm is little-endian, as is every host we target */
    return 1;
}

u32 Z_wasi_snapshot_preview1Z_args_sizes_get(wasi_t *w, u32 argc_p, u32 size_p)
{
    uint32_t size = 0;
    for (int i = 0; i < w->argc; i++)
        size += (uint32_t)strlen(w->argv[i]) + 1;
    if (!put_u32(w, argc_p, (uint32_t)w->argc) || !put_u32(w, size_p, size))
        return ERRNO_FAULT;
    return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_args_get(wasi_t *w, u32 argv_p, u32 buf_p)
{
    for (int i = 0; i < w->argc; i++) {
        size_t len = strlen(w->argv[i]) + 1;
        uint8_t *dst = guest(w, buf_p, len);
        if (!dst || !put_u32(w, argv_p + 4u * (uint32_t)i, buf_p))
            return ERRNO_FAULT;
        memcpy(dst, w->argv[i], len);
        buf_p += (uint32_t)len;
    }
    return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_sizes_get(wasi_t *w, u32 count_p, u32 size_p)
{
    if (!put_u32(w, count_p, 0) || !put_u32(w, size_p, 0))
        return ERRNO_FAULT;
    return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_environ_get(wasi_t *w, u32 env_p, u32 buf_p)
{
    (void)w; (void)env_p; (void)buf_p;
    return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_write(wasi_t *w, u32 fd, u32 iovs, u32 iovs_len, u32 nwritten_p)
{
    if (fd != 1 && fd != 2)
        return ERRNO_BADF;
    FILE *f = fd == 1 ? stdout : stderr;
    uint32_t total = 0;
    for (uint32_t i = 0; i < iovs_len; i++) {
        uint8_t *iov = guest(w, (uint64_t)iovs + 8ull * i, 8);
        if (!iov)
            return ERRNO_FAULT;
        uint32_t base, len;
        memcpy(&base, iov, 4);
        memcpy(&len, iov + 4, 4);
        uint8_t *data = guest(w, base, len);
        if (!data)
            return ERRNO_FAULT;
        if (len && fwrite(data, 1, len, f) != len)
            return ERRNO_INVAL;
        total += len;
    }
    fflush(f);
    if (!put_u32(w, nwritten_p, total))
        return ERRNO_FAULT;
    return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_fd_close(wasi_t *w, u32 fd)
{
    (void)w;
    return fd <= 2 ? ERRNO_SUCCESS : ERRNO_BADF;
}

u32 Z_wasi_snapshot_preview1Z_fd_seek(wasi_t *w, u32 fd, u64 off, u32 whence, u32 result_p)
{
    (void)w; (void)off; (void)whence; (void)result_p;
    return fd <= 2 ? ERRNO_SPIPE : ERRNO_BADF;
}

u32 Z_wasi_snapshot_preview1Z_fd_fdstat_get(wasi_t *w, u32 fd, u32 stat_p)
{
    if (fd > 2)
        return ERRNO_BADF;
    uint8_t *p = guest(w, stat_p, 24);
    if (!p)
        return ERRNO_FAULT;
    memset(p, 0, 24);
    p[0] = 2;                        /* filetype: character_device */
    uint64_t rights = 1ull << 6;     /* fd_write */
    memcpy(p + 8, &rights, 8);
    return ERRNO_SUCCESS;
}

u32 Z_wasi_snapshot_preview1Z_clock_time_get(wasi_t *w, u32 id, u64 precision, u32 time_p)
{
    (void)precision;
    struct timespec ts;
    if (clock_gettime(id == 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts) != 0)
        return ERRNO_INVAL;
    uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    uint8_t *p = guest(w, time_p, 8);
    if (!p)
        return ERRNO_FAULT;
    memcpy(p, &ns, 8);
    return ERRNO_SUCCESS;
}

void Z_wasi_snapshot_preview1Z_proc_exit(wasi_t *w, u32 code)
{
    (void)w;
    fflush(NULL);
    exit((int)code);
}

int main(int argc, char **argv)
{
    wasm_rt_init();
    Z_prog_init_module();
    wasi_t wasi = { NULL, argc, argv };
    static Z_prog_instance_t inst;
    Z_prog_instantiate(&inst, &wasi);
    wasi.mem = Z_progZ_memory(&inst);
    wasm_rt_trap_t trap = wasm_rt_impl_try();
    if (trap != WASM_RT_TRAP_NONE) {
        fflush(NULL);
        fprintf(stderr, "wasm2c: trap: %s\n", wasm_rt_strerror(trap));
        return 3;
    }
    Z_progZ__start(&inst);
    fflush(NULL);
    Z_prog_free(&inst);
    wasm_rt_free();
    return 0;
}
