/* The wasmrt command line for component artifacts (rt/cli/cli_component.c),
 * linked into the CLI only.  rt/main.c parses the options and hands a
 * component here. */
#ifndef WASMRT_CLI_COMPONENT_H
#define WASMRT_CLI_COMPONENT_H

#include <stdbool.h>
#include <stdint.h>

#include "wasmrt.h"

typedef struct cli_component_opts {
    const char *app;
    const char *invoke;          /* a WAVE call, "greet(\"world\")"; NULL: none */
    bool list_exports;           /* print the component's world in WIT */
    bool seccomp;
    const wasmrt_trust *trust;   /* --trusted-keys, or NULL */
    uint32_t max_memory_pages;   /* 0: the default */
    int nrest;                   /* arguments after APP.so (refused: they go in the call) */
    /* Called once the store exists, before anything runs (main.c starts
     * its --timeout thread); may be NULL. */
    void (*on_store)(wasmrt_store *store);
} cli_component_opts;

/* Whether path is a component artifact; false for a core module and for
 * anything that is no artifact (the core path then says what is wrong). */
bool cli_is_component(const char *path, const wasmrt_trust *trust);

/* Runs the component as asked; returns the process's exit status (0 done,
 * 1 load/link error, 2 usage error, 3 trap), messages on stderr. */
int cli_component_main(const cli_component_opts *o);

#endif
