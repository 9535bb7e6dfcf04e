/* wasmrt's WASI 0.2 command runner (rt/cli/cli_run_component.c): main.c parses
 * the options, sees a component artifact and hands over here. */
#ifndef WASMRT_CLI_RUN_COMPONENT_H
#define WASMRT_CLI_RUN_COMPONENT_H

#include <stdbool.h>

#include "wasmrt_wasi2.h"

typedef struct cli_component_run {
    const char *app;
    wasmrt_store *store;
    wasmrt_wasi *wasi;            /* the sandbox: argv, env, stdio, --dir */
    wasmrt_net_policy net;
    bool trap_unknown, seccomp, landlock;
    const wasmrt_trust *trust;    /* --trusted-keys, or NULL */
    void (*start_timer)(wasmrt_store *store);  /* --timeout, before the filter */
    void (*stop_timer)(void);
    int (*trap_status)(const wasmrt_trap *trap);  /* main's message and exit status */
} cli_component_run;

/* Runs the command component's wasi:cli/run#run; returns the exit status. */
int cli_run_component(const cli_component_run *r);

#endif
