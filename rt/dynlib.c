/* Optional libraries (libcurl, libcrypto, libmicrohttpd) are dlopen'd when
 * a feature first needs them instead of being linked: linked, the dynamic
 * loader maps and relocates them and their ~30 dependencies at every start
 * (measured: most of `wasmrt hello.so`'s cold start), though a WASI command
 * almost never sends HTTP, verifies a signature or serves.  Each user
 * resolves its own X-macro table of functions through rt_dynlib_*; it must
 * do so before the seccomp filter goes on (mmap of code is then refused),
 * which is why the users load at configuration time (a trust set, an
 * --allow-http rule, the start of `wasmrt serve`), not at first call. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#include "internal.h"

void *rt_dynlib_open(const char *soname, char *why, size_t cap) {
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(why, cap, "cannot load %s: %s", soname, e ? e : "unknown error");
    }
    return h;
}

bool rt_dynlib_sym(void *h, const char *soname, const char *name, void **slot, char *why, size_t cap) {
    *slot = dlsym(h, name);
    if (!*slot) snprintf(why, cap, "%s has no %s", soname, name);
    return *slot != NULL;
}
