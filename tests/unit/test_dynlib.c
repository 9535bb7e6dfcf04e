/* Optional libraries are loaded when a feature needs them (rt/dynlib.c),
 * not at every start: the wasmrt binary's dependencies are libc alone
 * (linked, libcurl pulled in ~30 shared objects: most of a hello-world's
 * cold start), and a table naming a library or function that does not
 * exist fails with a message that says which. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../rt/dynlib.h"

Test(dynlib, wasmrt_starts_without_curl_crypto_or_microhttpd) {
    const char *bin = getenv("WASMC_BIN");
    char wasmrt[1024], cmd[1200];
    if (bin) snprintf(wasmrt, sizeof wasmrt, "%s/wasmrt", bin);
    if (!bin || access(wasmrt, X_OK) != 0) cr_skip_test("wasmrt not available (set WASMC_BIN)");
    /* What ldd prints: the objects the dynamic loader would map at start. */
    snprintf(cmd, sizeof cmd, "LD_TRACE_LOADED_OBJECTS=1 '%s'", wasmrt);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    char line[512];
    int objects = 0;
    while (fgets(line, sizeof line, p)) {
        objects++;
        cr_expect_null(strstr(line, "libcurl"), "%s", line);
        cr_expect_null(strstr(line, "libcrypto"), "%s", line);
        cr_expect_null(strstr(line, "libmicrohttpd"), "%s", line);
    }
    cr_assert_eq(pclose(p), 0);
    cr_assert_gt(objects, 0, "the loader listed nothing");
}

#define LIBC_FNS(X) X(strlen) X(getpid)
RT_DYNLIB_DEFINE(lc, LIBC_FNS, "libc.so.6")
#define MISSING_FNS(X) X(strlen) X(rt_no_such_function_anywhere)
extern size_t rt_no_such_function_anywhere(const char *);
RT_DYNLIB_DEFINE(ms, MISSING_FNS, "libc.so.6")
#define NOLIB_FNS(X) X(strlen)
RT_DYNLIB_DEFINE(nl, NOLIB_FNS, "libwasmrt-no-such-library.so.9")

Test(dynlib, a_table_resolves_every_function_or_names_what_is_missing) {
    char why[300] = "";
    cr_assert(lc_load(why, sizeof why), "%s", why);
    cr_assert_eq(lc.strlen("four"), 4);
    cr_assert_eq(lc.getpid(), getpid());
    cr_assert_not(ms_load(why, sizeof why));
    cr_assert_str_eq(why, "libc.so.6 has no rt_no_such_function_anywhere");
    cr_assert_not(nl_load(why, sizeof why));
    cr_assert(strstr(why, "cannot load libwasmrt-no-such-library.so.9"), "%s", why);
}
