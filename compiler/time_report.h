/* What a compile spent its time and bytes on: `wasmc -v` and
 * `wasmc --time-report`.
 *
 * -v: parts (cached, budget tier), and the artifact's size against the
 * input's code and data, by section.  --time-report adds the costliest
 * parts by optimise and by codegen time (a part of one function is that
 * function's cost; giant functions are always alone), the functions with
 * the most IR after lowering, and LLVM's own pass timings (-time-passes,
 * written by LLVM to a temporary file and summed here over every part).
 */
#ifndef WASMC_TIME_REPORT_H
#define WASMC_TIME_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "codegen.h"
#include "module.h"

/* Turn on LLVM's pass timers, writing to a fresh temporary file whose
 * path goes to buf.  False if it cannot be created. */
bool time_report_begin(char *buf, size_t size);

/* Costliest parts/functions and, if passes_file, LLVM's pass timings
 * (the file is removed). */
void time_report_print(FILE *out, const Module *m, const CodegenPart *parts, const CodegenPartStats *stats,
                       uint32_t num_parts, const char *passes_file);

/* Parts summary and artifact size by section (for -v). */
void time_report_summary(FILE *out, const Module *m, const CodegenPart *parts, const CodegenPartStats *stats,
                         uint32_t num_parts, const uint8_t *so, size_t so_size);

#endif
