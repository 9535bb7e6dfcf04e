/* libmicrohttpd, dlopen'd when `wasmrt serve` starts (rt/dynlib.h) so that
 * every other wasmrt start loads only libc: the functions serve calls, one
 * table shared by server.c and stream.c, callers write mhd.NAME(...). */
#ifndef WASMRT_SERVE_MHD_H
#define WASMRT_SERVE_MHD_H
#include <microhttpd.h>

#include "../dynlib.h"

#define MHD_FNS(X)                                                                                  \
    X(MHD_add_response_footer) X(MHD_add_response_header) X(MHD_create_response_from_buffer)        \
    X(MHD_create_response_from_callback) X(MHD_destroy_response) X(MHD_get_connection_info)         \
    X(MHD_get_connection_values_n) X(MHD_lookup_connection_value) X(MHD_queue_response)              \
    X(MHD_quiesce_daemon) X(MHD_resume_connection) X(MHD_start_daemon) X(MHD_stop_daemon)            \
    X(MHD_suspend_connection)

RT_DYNLIB_TYPE(mhd, MHD_FNS)
extern mhd_fns mhd;
/* Loads the library and every function above; false with why set. */
bool mhd_load(char *why, size_t cap);
#endif
