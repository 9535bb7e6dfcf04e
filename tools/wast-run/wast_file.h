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

typedef struct WastFileOptions WastFileOptions;

/* Runs a converted script somewhere else (remote.c: under qemu for a
 * foreign --target); returns the child's exit status like wast_file_run. */
typedef int (*WastRemoteRun)(const char *dir, const WastFileOptions *opts, int fd);

struct WastFileOptions {
    WastScriptOptions script;   /* .dir is set per file by wast_file_run */
    const char *wast2json;      /* program name or path */
    const char *const *wast2json_args; /* extra arguments, NULL-terminated */
    WastRemoteRun remote;       /* NULL: run the script in this process */
    const char *remote_exec;    /* for remote: the wast-exec binary */
};

enum { WAST_RECORD_MAX = 1024 };

/* Records, for the parts of a run that happen outside wast_file_run. */
void wast_record_begin(int fd, uint64_t line, const char *command);
void wast_record_result(int fd, WastOutcome o, uint64_t line, const char *command, const char *detail);

/* Run dir/script.json (already converted) in this process; records to fd.
 * wast-exec's whole job, and the in-process half of wast_file_run. */
void wast_file_exec(const char *dir, const WastScriptOptions *script, int fd);

/* Convert and run wast_path using dir as scratch space; records go to fd.
 * Returns the child's exit status (0; a crash is reported by the signal). */
int wast_file_run(const char *wast_path, const char *dir, const WastFileOptions *opts, int fd);

#endif
