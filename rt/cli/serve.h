/* `wasmrt serve`: the command line of the HTTP server (rt/serve/). */
#ifndef WASMRT_CLI_SERVE_H
#define WASMRT_CLI_SERVE_H

/* argv[0] is "serve"; returns the exit status (0 after a signal stopped
 * the server, 1 when it could not start, 2 usage). */
int wasmrt_cli_serve(int argc, char **argv);

#endif
