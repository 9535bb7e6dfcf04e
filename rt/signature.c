/* Signed artifacts: the optional Ed25519 signature block after the trailer
 * (format in wasmc/artifact.h) and the trusted keys a load may require.
 *
 * The block's shape is checked on every load; the signature itself only
 * when the caller gives trusted keys, and then before anything is mapped
 * (load.c calls this on the staged bytes).  Each refusal has its own
 * message, since "signature invalid" for a stripped signature or an
 * unknown signer would send an operator looking in the wrong place.
 * Verification uses OpenSSL 3's libcrypto; a runtime built without it
 * (WASMRT_HAVE_SIGNATURES unset, e.g. a cross build lacking the library)
 * refuses every load that asks for a verified signature.  libcrypto is
 * dlopen'd (dynlib.c) when a trust set is created, not linked: loading it
 * at every start cost more than the rest of a hello-world's cold start,
 * and only a load with trusted keys verifies anything.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef WASMRT_HAVE_SIGNATURES
#include <openssl/evp.h>
#include <pthread.h>

#include "dynlib.h"

#define CRYPTO_FNS(X) X(EVP_PKEY_new_raw_public_key) X(EVP_PKEY_free) X(EVP_MD_CTX_new) X(EVP_MD_CTX_free) X(EVP_DigestVerifyInit) X(EVP_DigestVerify)
RT_DYNLIB_DEFINE(cr, CRYPTO_FNS, "libcrypto.so.3")

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static bool crypto_ok;
static char crypto_why[200];
static void crypto_init(void) { crypto_ok = cr_load(crypto_why, sizeof crypto_why); }
#endif

#define MAX_TRUSTED_KEYS 1024

struct wasmrt_trust {
    uint32_t n;
    struct { uint8_t key[32]; char name[64]; } keys[MAX_TRUSTED_KEYS];
};

void rt_hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", p[i]);
    out[2 * n] = 0;
}

wasmrt_trust *wasmrt_trust_new(void) {
#ifdef WASMRT_HAVE_SIGNATURES
    pthread_once(&crypto_once, crypto_init);   /* now, before any sandbox; verify says if it failed */
#endif
    return calloc(1, sizeof(wasmrt_trust));
}
void wasmrt_trust_free(wasmrt_trust *t) { free(t); }

bool wasmrt_trust_add_key(wasmrt_trust *t, const uint8_t key[32], const char *name, wasmrt_error *err) {
    if (t->n == MAX_TRUSTED_KEYS) {
        rt_err(err, "too many trusted keys (at most %u)", MAX_TRUSTED_KEYS);
        return false;
    }
    memcpy(t->keys[t->n].key, key, 32);
    snprintf(t->keys[t->n].name, sizeof t->keys[t->n].name, "%s", name ? name : "");
    t->n++;
    return true;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* One public key file (WASMC_PUBLIC_KEY_PREFIX + 64 hex digits + "\n"). */
static bool read_public_key(const char *path, uint8_t key[32], wasmrt_error *err) {
    FILE *f = fopen(path, "re");
    if (!f) {
        rt_err(err, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    char line[256];
    bool ok = fgets(line, sizeof line, f) != NULL;
    char extra;
    ok = ok && fread(&extra, 1, 1, f) == 0;   /* exactly one line */
    fclose(f);
    size_t pl = strlen(WASMC_PUBLIC_KEY_PREFIX);
    ok = ok && !strncmp(line, WASMC_PUBLIC_KEY_PREFIX, pl) && strlen(line) == pl + 65 && line[pl + 64] == '\n';
    for (int i = 0; ok && i < 32; i++) {
        int hi = hexval(line[pl + 2 * i]), lo = hexval(line[pl + 2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        if (ok) key[i] = (uint8_t)(hi << 4 | lo);
    }
    if (!ok) rt_err(err, "%s: not a wasmc public key (expected \"%s\" and 64 hex digits)", path,
                    WASMC_PUBLIC_KEY_PREFIX);
    return ok;
}

wasmrt_trust *wasmrt_trust_load_dir(const char *dir, wasmrt_error *err) {
    DIR *d = opendir(dir);
    if (!d) {
        rt_err(err, "%s: cannot open trusted-keys directory: %s", dir, strerror(errno));
        return NULL;
    }
    wasmrt_trust *t = wasmrt_trust_new();
    bool ok = t != NULL;
    if (!ok) rt_err(err, "out of memory");
    for (struct dirent *e; ok && (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".pub") != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        uint8_t key[32];
        ok = read_public_key(path, key, err) && wasmrt_trust_add_key(t, key, e->d_name, err);
    }
    closedir(d);
    if (ok && t->n == 0) {
        rt_err(err, "%s: no public keys (*.pub) in the trusted-keys directory", dir);
        ok = false;
    }
    if (!ok) {
        wasmrt_trust_free(t);
        return NULL;
    }
    return t;
}

bool rt_signature_split(const char *path, const uint8_t *p, uint64_t size, uint64_t *body,
                        const wasmc_signature **sig, wasmrt_error *err) {
    *body = size;
    *sig = NULL;
    const size_t bs = sizeof(wasmc_signature), ts = sizeof(wasmc_trailer);
    if (size >= 8 && !memcmp(p + size - 8, WASMC_SIGNATURE_MAGIC, 8)) {
        if (size < bs + ts) {
            rt_err(err, "%s: not a wasmc artifact (a signature block and nothing it signs)", path);
            return false;
        }
        const wasmc_signature *s = (const wasmc_signature *)(p + size - bs);
        uint32_t alg, bsize;
        memcpy(&alg, &s->algorithm, 4);
        memcpy(&bsize, &s->block_size, 4);
        if (bsize != bs) {
            rt_err(err, "%s: artifact signature block is %u bytes, expected %zu", path, bsize, bs);
            return false;
        }
        if (alg != WASMC_SIG_ED25519) {
            rt_err(err, "%s: artifact signed with unknown algorithm %u", path, alg);
            return false;
        }
        *sig = s;
        *body = size - bs;
        return true;
    }
    /* A signed artifact cut inside its signature block still has its whole
     * trailer a little before the end. */
    if (size >= ts && memcmp(p + size - ts, WASMC_TRAILER_MAGIC, 8) != 0)
        for (uint64_t k = 1; k < bs && k + ts <= size; k++)
            if (!memcmp(p + size - k - ts, WASMC_TRAILER_MAGIC, 8)) {
                rt_err(err, "%s: artifact truncated (incomplete signature block)", path);
                return false;
            }
    return true;
}

#ifdef WASMRT_HAVE_SIGNATURES
static bool ed25519_verify(const uint8_t key[32], const uint8_t sig[64], const uint8_t *msg, size_t len) {
    EVP_PKEY *pk = cr.EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key, 32);
    EVP_MD_CTX *ctx = cr.EVP_MD_CTX_new();
    bool ok = pk && ctx && cr.EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
              cr.EVP_DigestVerify(ctx, sig, 64, msg, len) == 1;
    cr.EVP_MD_CTX_free(ctx);
    cr.EVP_PKEY_free(pk);
    return ok;
}
#endif

bool rt_signature_verify(const char *path, const uint8_t *p, uint64_t body, const wasmc_signature *sig,
                         const wasmrt_trust *trust, wasmrt_error *err) {
    if (!trust) return true;
    if (!sig) {
        rt_err(err, "%s: artifact is not signed (only artifacts signed by a trusted key may load)", path);
        return false;
    }
    uint32_t k = 0;
    while (k < trust->n && memcmp(trust->keys[k].key, sig->public_key, 32) != 0) k++;
    if (k == trust->n) {
        char hex[65];
        rt_hex(sig->public_key, 32, hex);
        rt_err(err, "%s: artifact signed by an untrusted key (%.16s...)", path, hex);
        return false;
    }
#ifdef WASMRT_HAVE_SIGNATURES
    pthread_once(&crypto_once, crypto_init);
    if (!crypto_ok) {
        rt_err(err, "%s: cannot verify the artifact's signature: %s", path, crypto_why);
        return false;
    }
    if (!ed25519_verify(sig->public_key, sig->signature, p, body + offsetof(wasmc_signature, signature))) {
        rt_err(err, "%s: artifact signature does not verify (modified after signing, or forged)", path);
        return false;
    }
    return true;
#else
    rt_err(err, "%s: this runtime was built without signature support (no libcrypto)", path);
    return false;
#endif
}
