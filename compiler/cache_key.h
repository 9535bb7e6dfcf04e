/* Compile-cache keys: what determines a part's object, hashed.
 *
 * A function part's object depends on its functions' bodies, indices and
 * tier (codegen_plan_parts), and on the module's "environment": every
 * type, every function's type and name (symbols and call signatures), the
 * declarations of imports, globals, memories, tables and segments (the
 * vmctx layout, limits the code may assume), whether the module keeps
 * exact trap state (trap_order.c), every "code" field of the
 * CompileConfig (target, CPU and features, -O level, memory mode, the
 * other code-affecting flags and developer switches), --llvm-args, the
 * LLVM version and the compiler binary itself.  No environment variable
 * reaches the library (main.c turns the one it reads into an option), so
 * the environment is not in it.  Data segment
 * contents, export names (beyond the trap-state decision), element
 * contents and global initial values are not in it: only the descriptor
 * part (part 0) reads them, and its key is the whole module's hash plus
 * the environment.  So a data-only change recompiles part 0 alone, and a
 * changed function body only the part holding it.
 */
#ifndef WASMC_CACHE_KEY_H
#define WASMC_CACHE_KEY_H

#include <stdint.h>

#include "codegen.h"
#include "module.h"

/* The environment hash shared by every part of this module's compile;
 * prefix and section are a component's core module's symbol prefix and
 * code section (CodegenUnit; NULL for a plain module). */
void cache_key_env(const Module *m, const CompileConfig *cc, const char *prefix, const char *section,
                   uint8_t out[32]);

/* The key of part `p` (part 0 is the descriptor part). */
void cache_key_part(const uint8_t env[32], const Module *m, const uint8_t module_sha256[32],
                    const CodegenPart *p, uint8_t out[32]);

/* Every part's key (malloc'd, num_parts entries); NULL when out of memory. */
uint8_t (*cache_keys_for_parts(const Module *m, const CompileConfig *cc, const char *prefix, const char *section, const uint8_t module_sha256[32],
                               const CodegenPart *parts, uint32_t num_parts))[32];

#endif
