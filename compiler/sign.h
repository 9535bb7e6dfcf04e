/* Signing artifacts with Ed25519 (wasmc --keygen, wasmc --sign): key files
 * and the signature block, both defined in wasmc/artifact.h. */
#ifndef WASMC_SIGN_H
#define WASMC_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "wasmc/artifact.h"

typedef struct WasmcSigningKey {
    uint8_t seed[32];              /* the Ed25519 secret key */
    uint8_t pub[32];
} WasmcSigningKey;

/* A new key pair: PREFIX.key (mode 0600, never overwritten) and PREFIX.pub. */
bool sign_keygen(const char *prefix, WasmError *err);
/* Reads a secret key file written by sign_keygen. */
bool sign_load_key(const char *path, WasmcSigningKey *key, WasmError *err);
/* The block to append to body[0,len) (payload and trailer). */
bool sign_block(const WasmcSigningKey *key, const uint8_t *body, size_t len, wasmc_signature *out,
                WasmError *err);

#endif
