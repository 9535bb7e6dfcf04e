/* `wasmrt serve` in a build without libmicrohttpd. */
#include <stdio.h>

#include "serve.h"

int wasmrt_cli_serve(int argc, char **argv) {
    (void)argc, (void)argv;
    fputs("wasmrt serve: error: this wasmrt was built without libmicrohttpd (Debian libmicrohttpd-dev)\n", stderr);
    return 1;
}
