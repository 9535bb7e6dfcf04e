/* `wasmrt inspect APP.so [--json] [--trusted-keys DIR]`: an artifact's
 * metadata, signature status, imports and exports (CLI only). */
#ifndef WASMRT_CLI_INSPECT_H
#define WASMRT_CLI_INSPECT_H

/* argv[0] is "inspect"; returns the exit status (0, 1 bad artifact, 2 usage). */
int wasmrt_cli_inspect(int argc, char **argv);

#endif
