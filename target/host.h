/* Facts about the machine the runtime runs on.
 *
 * The runtime needs a handful of per-architecture answers: which wasmc_arch
 * and ELF machine this host is, which WASMC_CPU_* features its CPU has
 * (an artifact needing more is refused before it is mapped), and how to read
 * the program counter and stack pointer out of a signal's ucontext (to tell
 * a fault in guest code from one elsewhere).  Exactly one host_<arch>.c is
 * compiled in; each file is guarded by its architecture so the build can
 * list both.  Nothing here allocates or locks: the ucontext readers run
 * inside signal handlers.
 */
#ifndef WASMC_HOST_H
#define WASMC_HOST_H

#include <stdint.h>

#include "wasmc/artifact.h"

wasmc_arch host_arch(void);
uint16_t host_elf_machine(void);
/* WASMC_CPU_* bits this CPU (and OS, for AVX state) supports; computed once. */
uint64_t host_cpu_features(void);
/* Program counter / stack pointer of an interrupted context (a ucontext_t *). */
uintptr_t host_ucontext_pc(const void *ucontext);
uintptr_t host_ucontext_sp(const void *ucontext);

/* Name of any architecture ("x86-64", "aarch64") or NULL when unknown. */
static inline const char *host_arch_name(uint32_t arch) {
    switch (arch) {
    case WASMC_ARCH_X86_64: return "x86-64";
    case WASMC_ARCH_AARCH64: return "aarch64";
    default: return NULL;
    }
}

#endif
