/* SHA-256, shared by the compiler (which records hashes in the artifact
 * trailer) and the runtime (which verifies them before loading). */
#ifndef WASMC_SHA256_H
#define WASMC_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct wasmc_sha256_ctx {
    uint32_t state[8];
    uint64_t length;
    uint8_t buffer[64];
    uint32_t buffered;
} wasmc_sha256_ctx;

void wasmc_sha256_init(wasmc_sha256_ctx *c);
void wasmc_sha256_update(wasmc_sha256_ctx *c, const void *data, size_t n);
void wasmc_sha256_final(wasmc_sha256_ctx *c, uint8_t out[32]);
void wasmc_sha256(const void *data, size_t n, uint8_t out[32]);

#endif
