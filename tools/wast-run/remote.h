/* Running a converted script under emulation (remote.c). */
#ifndef WAST_REMOTE_H
#define WAST_REMOTE_H

#include "wast_file.h"

/* A WastRemoteRun: front-end commands here, modules precompiled here,
 * everything else by opts->remote_exec under qemu. */
int wast_remote_run(const char *dir, const WastFileOptions *opts, int fd);

/* The emulator command for a target triple's architecture ("aarch64"), or
 * NULL when none is known. */
const char *wast_remote_emulator(const char *arch);

/* Whether scripts for arch can run here remotely: the emulator is on PATH
 * and the executor exists ($WAST_EXEC, else BIN/../<arch>/bin/wast-exec
 * next to this wast-run, as tools/build-aarch64-rt.sh builds it).  On
 * success exec_path holds the executor; otherwise why says what is missing. */
bool wast_remote_available(const char *arch, char *exec_path, size_t n, char *why, size_t wn);

#endif
