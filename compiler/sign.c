/* Ed25519 key generation and artifact signing with OpenSSL 3's libcrypto.
 * The secret key file holds the 32-byte seed in hex behind a fixed prefix
 * (format in wasmc/artifact.h), so a key is one short line an operator can
 * move into a secret store; it is created 0600 and never overwritten. */
#define _GNU_SOURCE
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

static void hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static bool write_key_file(const char *path, const char *prefix, const uint8_t key[32], mode_t mode,
                           WasmError *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot create %s: %s", path, strerror(errno));
    char line[160];
    size_t pl = strlen(prefix);
    memcpy(line, prefix, pl);
    hex(key, 32, line + pl);
    line[pl + 64] = '\n';
    size_t n = pl + 65;
    bool ok = write(fd, line, n) == (ssize_t)n;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        unlink(path);
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "cannot write %s", path);
    }
    return true;
}

bool sign_keygen(const char *prefix, WasmError *err) {
    size_t n = strlen(prefix) + 8;
    char *kpath = malloc(n), *ppath = malloc(n);
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    uint8_t seed[32], pub[32];
    size_t sl = 32, pl = 32;
    bool ok = kpath && ppath && pk && EVP_PKEY_get_raw_private_key(pk, seed, &sl) == 1 &&
              EVP_PKEY_get_raw_public_key(pk, pub, &pl) == 1 && sl == 32 && pl == 32;
    EVP_PKEY_free(pk);
    if (!ok) {
        free(kpath);
        free(ppath);
        return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "cannot generate an Ed25519 key");
    }
    snprintf(kpath, n, "%s.key", prefix);
    snprintf(ppath, n, "%s.pub", prefix);
    ok = write_key_file(kpath, WASMC_SECRET_KEY_PREFIX, seed, 0600, err);
    if (ok && !(ok = write_key_file(ppath, WASMC_PUBLIC_KEY_PREFIX, pub, 0644, err))) unlink(kpath);
    explicit_bzero(seed, sizeof seed);
    free(kpath);
    free(ppath);
    return ok;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool sign_load_key(const char *path, WasmcSigningKey *key, WasmError *err) {
    FILE *f = fopen(path, "re");
    if (!f) return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET, "%s: cannot open: %s", path, strerror(errno));
    char line[256] = "";
    bool ok = fgets(line, sizeof line, f) != NULL;
    fclose(f);
    size_t pl = strlen(WASMC_SECRET_KEY_PREFIX);
    ok = ok && !strncmp(line, WASMC_SECRET_KEY_PREFIX, pl) && strlen(line) == pl + 65 && line[pl + 64] == '\n';
    for (int i = 0; ok && i < 32; i++) {
        int hi = hexval(line[pl + 2 * i]), lo = hexval(line[pl + 2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        if (ok) key->seed[i] = (uint8_t)(hi << 4 | lo);
    }
    explicit_bzero(line, sizeof line);
    if (!ok)
        return wasm_error(err, WASM_ERR_IO, WASM_NO_OFFSET,
                          "%s: not a wasmc secret key (make one with wasmc --keygen PREFIX)", path);
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, key->seed, 32);
    size_t publen = 32;
    ok = pk && EVP_PKEY_get_raw_public_key(pk, key->pub, &publen) == 1 && publen == 32;
    EVP_PKEY_free(pk);
    if (!ok) return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "%s: unusable Ed25519 key", path);
    return true;
}

bool sign_block(const WasmcSigningKey *key, const uint8_t *body, size_t len, wasmc_signature *out,
                WasmError *err) {
    memset(out, 0, sizeof *out);
    out->algorithm = WASMC_SIG_ED25519;   /* little-endian hosts only, as the trailer */
    out->block_size = sizeof *out;
    memcpy(out->public_key, key->pub, 32);
    memcpy(out->magic, WASMC_SIGNATURE_MAGIC, 8);
    /* Ed25519 signs in one pass over one buffer: the body, then the
     * block's fields before the signature. */
    size_t head = offsetof(wasmc_signature, signature);
    uint8_t *msg = malloc(len + head);
    if (!msg) return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "out of memory");
    memcpy(msg, body, len);
    memcpy(msg + len, out, head);
    EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, key->seed, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sl = 64;
    bool ok = pk && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pk) == 1 &&
              EVP_DigestSign(ctx, out->signature, &sl, msg, len + head) == 1 && sl == 64;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pk);
    free(msg);
    if (!ok) return wasm_error(err, WASM_ERR_INTERNAL, WASM_NO_OFFSET, "Ed25519 signing failed");
    return true;
}
