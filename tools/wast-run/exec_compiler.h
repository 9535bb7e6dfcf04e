/* wast-exec's stand-in for the compiler library (see exec_compiler.c). */
#ifndef WAST_EXEC_COMPILER_H
#define WAST_EXEC_COMPILER_H

/* Where the host's precompiled results are (the script's scratch dir). */
void wast_exec_set_precompiled(const char *dir);

#endif
