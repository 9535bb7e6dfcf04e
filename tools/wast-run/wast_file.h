/* One .wast file, run inside the per-file child process.
 *
 * The child converts the script with wast2json into its private directory,
 * parses the JSON and runs it, streaming one record per event to the parent
 * through a pipe.  Records are single text lines, tab-separated, small
 * enough (< PIPE_BUF) that each write is atomic:
 *
 *   B <line> <command>                      a command is starting
 *   R <P|F|S> <line> <command> <detail>     a counted result
 *
 * The parent counts R records, so a child that dies mid-file still has
 * every earlier result counted, and the last B record says where it died.
 * File-level problems are results too: wast2json failing is one skipped
 * result (command "wast2json"), an unreadable script one failed result.
 */
#ifndef WAST_FILE_H
#define WAST_FILE_H

#include "wast_script.h"

typedef struct WastFileOptions {
    WastScriptOptions script;   /* .dir is set per file by wast_file_run */
    const char *wast2json;      /* program name or path */
    const char *const *wast2json_args; /* extra arguments, NULL-terminated */
} WastFileOptions;

enum { WAST_RECORD_MAX = 1024 };

/* Convert and run wast_path using dir as scratch space; records go to fd.
 * Returns the child's exit status (0; a crash is reported by the signal). */
int wast_file_run(const char *wast_path, const char *dir, const WastFileOptions *opts, int fd);

#endif
