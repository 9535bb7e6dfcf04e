/* --inherit-env passes the host environment; --env overrides a host value.
 * ctest sets WASMRT_TEST_INHERIT=host and WASMRT_TEST_OTHER=kept; wasmrt
 * runs with --inherit-env --env WASMRT_TEST_INHERIT=cli. */
#include <stdlib.h>

#include "check.h"

int main(void) {
    const char *a = getenv("WASMRT_TEST_INHERIT"), *b = getenv("WASMRT_TEST_OTHER");
    CHECK(a && strcmp(a, "cli") == 0, "WASMRT_TEST_INHERIT = %s", a ? a : "(unset)");
    CHECK(b && strcmp(b, "kept") == 0, "WASMRT_TEST_OTHER = %s", b ? b : "(unset)");
    extern char **environ;
    int n = 0;
    for (char **e = environ; *e; e++)
        if (strncmp(*e, "WASMRT_TEST_INHERIT=", 20) == 0) n++;
    CHECK(n == 1, "WASMRT_TEST_INHERIT appears %d times", n);
    return DONE("inherit_env");
}
