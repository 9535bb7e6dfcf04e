/* SHA-256 against the FIPS 180-4 / NIST example vectors, the padding
 * boundaries (55/56/63/64/65/119/120 bytes, where the length field does or
 * does not fit the last block), and incremental hashing split at every
 * position, which must agree with the one-shot digest. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "wasmc/sha256.h"

static void hex(const uint8_t d[32], char out[65]) {
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void check(const void *data, size_t n, const char *want) {
    uint8_t d[32];
    char got[65];
    wasmc_sha256(data, n, d);
    hex(d, got);
    cr_expect_str_eq(got, want, "length %zu", n);
}

Test(sha256, nist_vectors) {
    check("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check(m448, strlen(m448), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check(m896, strlen(m896), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

Test(sha256, million_a) {
    static char buf[1000000];
    memset(buf, 'a', sizeof buf);
    check(buf, sizeof buf, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(sha256, padding_boundaries) {
    static const struct { size_t n; const char *want; } v[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    char a[128];
    memset(a, 'a', sizeof a);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) check(a, v[i].n, v[i].want);
}

Test(sha256, incremental_matches_one_shot) {
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 131u + 7u);
    uint8_t want[32];
    wasmc_sha256(data, sizeof data, want);
    for (size_t split = 0; split <= sizeof data; split++) {
        wasmc_sha256_ctx c;
        uint8_t got[32];
        wasmc_sha256_init(&c);
        wasmc_sha256_update(&c, data, split);
        /* Feed the rest in odd-sized pieces to cross block edges. */
        for (size_t off = split; off < sizeof data; off += 7) {
            size_t n = sizeof data - off < 7 ? sizeof data - off : 7;
            wasmc_sha256_update(&c, data + off, n);
        }
        wasmc_sha256_final(&c, got);
        cr_assert(memcmp(got, want, 32) == 0, "split at %zu", split);
    }
}
