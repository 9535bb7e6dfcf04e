/* gen_large_module OUT.wasm [NFUNCS]: a module shaped like a big real one
 * (ruby.wasm: ~18,000 functions, a few parser-sized giants), for the
 * large-module compile test (run_large_module.sh).
 *
 * Functions 0..NFUNCS-4 are small: f_i(x) = ((x + i) * 3) ^ i, some also
 * calling f_{i-1} through a local so calls cross parts.  The last three
 * are giants (about 40, 70 and 110 KB): 64 i32 locals updated
 * pseudo-randomly in straight-line code broken by `if`s, so many values
 * are live at once, which is what makes register allocation superlinear.
 * Exports: "small" (f_10) and "giant" (the largest), both (i32) -> i32.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/wasm_bytes.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

#define GIANT_LOCALS 64

static void giant_body(Buf *body, size_t target) {
    byte(body, 1); uleb(body, GIANT_LOCALS); byte(body, 0x7f);   /* 64 x i32 */
    for (uint32_t l = 1; l <= GIANT_LOCALS; l++) {               /* local_l = x * l */
        byte(body, 0x20); byte(body, 0);
        byte(body, 0x41); sleb(body, (int32_t)(l * 2654435761u));
        byte(body, 0x6c);
        byte(body, 0x21); uleb(body, l);
    }
    int open_ifs = 0;
    while (body->n < target) {
        uint32_t a = 1 + next() % GIANT_LOCALS, b = 1 + next() % GIANT_LOCALS, d = 1 + next() % GIANT_LOCALS;
        byte(body, 0x20); uleb(body, a);
        byte(body, 0x20); uleb(body, b);
        static const uint8_t ops[] = {0x6a, 0x6b, 0x6c, 0x73, 0x72, 0x71, 0x77};
        byte(body, ops[next() % sizeof ops]);
        byte(body, 0x41); sleb(body, (int32_t)(next() & 0xffff));
        byte(body, 0x6a);
        byte(body, 0x21); uleb(body, d);
        uint32_t r = next() % 16;
        if (r == 0 && open_ifs < 8) {                            /* if (local_a & 1) */
            byte(body, 0x20); uleb(body, a);
            byte(body, 0x41); byte(body, 1);
            byte(body, 0x71);
            byte(body, 0x04); byte(body, 0x40);
            open_ifs++;
        } else if (r == 1 && open_ifs > 0) {
            byte(body, 0x0b);
            open_ifs--;
        }
    }
    while (open_ifs-- > 0) byte(body, 0x0b);
    byte(body, 0x20); byte(body, 1);                             /* sum of all locals */
    for (uint32_t l = 2; l <= GIANT_LOCALS; l++) {
        byte(body, 0x20); uleb(body, l);
        byte(body, 0x6a);
    }
    byte(body, 0x0b);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: gen_large_module OUT.wasm [NFUNCS]\n");
        return 2;
    }
    uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 20000;
    if (n < 20) n = 20;
    Buf out = {0}, s = {0}, body = {0};
    put(&out, "\0asm\1\0\0\0", 8);
    byte(&s, 1); byte(&s, 0x60); byte(&s, 1); byte(&s, 0x7f); byte(&s, 1); byte(&s, 0x7f);
    section(&out, 1, &s);
    uleb(&s, n);
    for (uint32_t i = 0; i < n; i++) byte(&s, 0);
    section(&out, 3, &s);
    byte(&s, 2);
    byte(&s, 5); put(&s, "small", 5); byte(&s, 0); uleb(&s, 10);
    byte(&s, 5); put(&s, "giant", 5); byte(&s, 0); uleb(&s, n - 1);
    section(&out, 7, &s);
    uleb(&s, n);
    static const size_t giants[3] = {40000, 70000, 110000};
    for (uint32_t i = 0; i < n; i++) {
        body.n = 0;
        if (i >= n - 3) {
            giant_body(&body, giants[i - (n - 3)]);
        } else {
            byte(&body, 0);
            byte(&body, 0x20); byte(&body, 0);
            byte(&body, 0x41); sleb(&body, (int32_t)i); byte(&body, 0x6a);   /* x + i */
            byte(&body, 0x41); byte(&body, 3); byte(&body, 0x6c);            /* * 3 */
            byte(&body, 0x41); sleb(&body, (int32_t)i); byte(&body, 0x73);   /* ^ i */
            if (i > 20 && i % 7 == 0) {                                      /* + f_{i-1}(i) */
                byte(&body, 0x41); sleb(&body, (int32_t)i);
                byte(&body, 0x10); uleb(&body, i - 1);
                byte(&body, 0x6a);
            }
            byte(&body, 0x0b);
        }
        uleb(&s, body.n);
        put(&s, body.p, body.n);
    }
    section(&out, 10, &s);
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(out.p, 1, out.n, f) != out.n || fclose(f) != 0) {
        perror(argv[1]);
        return 1;
    }
    free(out.p);
    free(s.p);
    free(body.p);
    return 0;
}
