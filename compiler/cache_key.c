/* Compile-cache keys (see cache_key.h for what goes in and why).
 *
 * Every field is hashed with a tag and a length, so no two different
 * inputs serialise to the same bytes.  The compiler's identity is the
 * SHA-256 of the executable or shared object that contains this code
 * (found with dladdr), so a rebuilt compiler never reuses objects of an
 * older one, whatever its version string says.
 */
#define _GNU_SOURCE
#include "cache_key.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lower/lower.h"
#include "wasmc/sha256.h"

#define KEY_SCHEMA "wasmc-cache-key-2"

static void h_bytes(wasmc_sha256_ctx *h, const void *p, size_t n) {
    uint8_t len[8];
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)((uint64_t)n >> (8 * i));
    wasmc_sha256_update(h, len, 8);
    wasmc_sha256_update(h, p, n);
}

static void h_u64(wasmc_sha256_ctx *h, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    wasmc_sha256_update(h, b, 8);
}

static void h_str(wasmc_sha256_ctx *h, const char *s) { h_bytes(h, s ? s : "", s ? strlen(s) : 0); }

static void h_limits(wasmc_sha256_ctx *h, const Limits *l) {
    h_u64(h, l->min);
    h_u64(h, l->max);
    h_u64(h, l->has_max);
}

static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static uint8_t self_sha[32];

static void hash_self(void) {
    Dl_info info;
    memset(self_sha, 0xff, sizeof self_sha);
    if (!dladdr((void *)cache_key_env, &info) || !info.dli_fname) return;
    /* For the main executable dli_fname may be argv[0], relative to a
     * directory we no longer know: then /proc/self/exe is the file. */
    int fd = strchr(info.dli_fname, '/') ? open(info.dli_fname, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0) fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    wasmc_sha256_ctx h;
    wasmc_sha256_init(&h);
    uint8_t buf[1 << 16];
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) wasmc_sha256_update(&h, buf, (size_t)r);
    close(fd);
    if (r == 0) wasmc_sha256_final(&h, self_sha);
}

void cache_key_env(const Module *m, const CompileConfig *cc, const char *prefix, const char *section,
                   uint8_t out[32]) {
    pthread_once(&self_once, hash_self);
    wasmc_sha256_ctx h;
    wasmc_sha256_init(&h);
    h_str(&h, KEY_SCHEMA);
    h_str(&h, WASMC_VERSION);
    h_bytes(&h, self_sha, sizeof self_sha);
    h_str(&h, codegen_llvm_version());
    /* Every "code" field of CompileConfig (compile_config.h), in its
     * order; a field added there and not here would let a compile reuse
     * objects made with another value of it. */
    h_str(&h, cc->target->triple);
    h_str(&h, cc->cpu);
    h_str(&h, cc->features);
    h_u64(&h, cc->cpu_features);
    h_u64(&h, (uint64_t)cc->opt_level);
    h_u64(&h, (uint64_t)cc->memory_mode);
    h_u64(&h, cc->interrupt_poll);
    h_u64(&h, lm_exact_trap_state(m, cc->exact_traps));
    h_u64(&h, cc->frame_pointers);
    h_u64(&h, cc->disabled_passes);
    h_str(&h, cc->llvm_pipeline ? cc->llvm_pipeline : "");
    h_u64(&h, cc->part_sizes.min);
    h_u64(&h, cc->part_sizes.max);
    h_u64(&h, cc->part_sizes.cut_mask);
    h_u64(&h, cc->verify_guards);
    /* LLVM's own options are process-wide (--llvm-args), not the config's. */
    h_str(&h, codegen_llvm_args() ? codegen_llvm_args() : "");
    h_str(&h, prefix);
    h_str(&h, section);

    h_u64(&h, m->num_types);
    for (uint32_t i = 0; i < m->num_types; i++) {
        h_bytes(&h, m->types[i].params, m->types[i].num_params);
        h_bytes(&h, m->types[i].results, m->types[i].num_results);
    }
    h_u64(&h, m->num_imports);
    for (uint32_t i = 0; i < m->num_imports; i++) {
        h_u64(&h, m->imports[i].kind);
        h_u64(&h, m->imports[i].index);
    }
    h_u64(&h, m->num_funcs);
    h_u64(&h, m->num_imported_funcs);
    for (uint32_t i = 0; i < m->num_funcs; i++) {
        const Func *f = &m->funcs[i];
        h_u64(&h, f->type_index);
        h_u64(&h, f->imported);
        h_bytes(&h, f->name.str ? f->name.str : "", f->name.str ? f->name.len : 0);
        h_u64(&h, f->name.str != NULL);
    }
    h_u64(&h, m->num_tables);
    for (uint32_t i = 0; i < m->num_tables; i++) {
        h_u64(&h, m->tables[i].elem_type);
        h_u64(&h, m->tables[i].imported);
        h_limits(&h, &m->tables[i].limits);
    }
    h_u64(&h, m->num_memories);
    for (uint32_t i = 0; i < m->num_memories; i++) {
        h_u64(&h, m->memories[i].imported);
        h_limits(&h, &m->memories[i].limits);
    }
    h_u64(&h, m->num_globals);
    h_u64(&h, m->num_imported_globals);
    for (uint32_t i = 0; i < m->num_globals; i++) {
        h_u64(&h, m->globals[i].type);
        h_u64(&h, m->globals[i].mutable_);
        h_u64(&h, m->globals[i].imported);
    }
    h_u64(&h, m->num_elems);
    for (uint32_t i = 0; i < m->num_elems; i++) {
        h_u64(&h, m->elems[i].mode);
        h_u64(&h, m->elems[i].elem_type);
    }
    h_u64(&h, m->num_datas);
    h_u64(&h, m->has_data_count);
    for (uint32_t i = 0; i < m->num_datas; i++) h_u64(&h, m->datas[i].mode);
    wasmc_sha256_final(&h, out);
}

void cache_key_part(const uint8_t env[32], const Module *m, const uint8_t module_sha256[32],
                    const CodegenPart *p, uint8_t out[32]) {
    wasmc_sha256_ctx h;
    wasmc_sha256_init(&h);
    h_bytes(&h, env, 32);
    h_u64(&h, p->metadata);
    h_u64(&h, p->tier);
    h_u64(&h, p->first);
    h_u64(&h, p->last);
    if (p->metadata) h_bytes(&h, module_sha256, 32);
    for (uint32_t d = p->first; d < p->last; d++) {
        const Func *f = &m->funcs[m->num_imported_funcs + d];
        h_bytes(&h, m->bytes + f->body_offset, f->body_end - f->body_offset);
    }
    wasmc_sha256_final(&h, out);
}

uint8_t (*cache_keys_for_parts(const Module *m, const CompileConfig *cc, const char *prefix, const char *section, const uint8_t module_sha256[32],
                               const CodegenPart *parts, uint32_t num_parts))[32] {
    uint8_t (*keys)[32] = malloc((size_t)(num_parts ? num_parts : 1) * sizeof *keys);
    if (!keys) return NULL;
    uint8_t env[32];
    cache_key_env(m, cc, prefix, section, env);
    for (uint32_t i = 0; i < num_parts; i++) cache_key_part(env, m, module_sha256, &parts[i], keys[i]);
    return keys;
}
