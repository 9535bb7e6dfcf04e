/* LEB128 readers for the binary format.
 *
 * One routine reads every width the format uses (u32, s32, s33 block types,
 * s64, u64) and reports *why* it failed as a code rather than a message, so
 * the decoder and the instruction reader phrase errors for their context.
 * The spec caps an N-bit integer at ceil(N/7) bytes and requires the unused
 * high bits of the final byte to be zero (unsigned) or copies of the sign
 * bit (signed); those are the two distinct failures the spec suite checks:
 * a continuation bit in the last allowed byte is "integer representation
 * too long", stray high bits are "integer too large".
 */
#ifndef WASMC_LEB128_H
#define WASMC_LEB128_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum LebStatus { LEB_OK, LEB_EOF, LEB_TOO_LONG, LEB_TOO_LARGE } LebStatus;

static inline LebStatus leb_read(const uint8_t *b, size_t *pos, size_t end, unsigned bits,
                                 bool is_signed, uint64_t *out) {
    unsigned max_bytes = (bits + 6) / 7;
    uint64_t result = 0;
    unsigned shift = 0;
    size_t p = *pos;
    uint8_t byte = 0;
    for (unsigned i = 0;; i++) {
        if (p >= end) return LEB_EOF;
        byte = b[p++];
        if (i == max_bytes - 1) {
            if (byte & 0x80) return LEB_TOO_LONG;
            unsigned used = bits - 7 * i; /* value bits in this byte, 1..7 */
            if (!is_signed) {
                if (byte >> used) return LEB_TOO_LARGE;
            } else {
                uint8_t mask = (uint8_t)((0x7Fu >> (used - 1)) << (used - 1)) & 0x7F;
                uint8_t top = byte & mask;
                if (top != 0 && top != mask) return LEB_TOO_LARGE;
            }
            result |= (uint64_t)(byte & 0x7F) << shift;
            shift += 7;
            break;
        }
        result |= (uint64_t)(byte & 0x7F) << shift;
        shift += 7;
        if (!(byte & 0x80)) break;
    }
    if (is_signed && shift < 64 && (byte & 0x40)) result |= ~(uint64_t)0 << shift;
    *pos = p;
    *out = result;
    return LEB_OK;
}

static inline const char *leb_status_text(LebStatus s) {
    switch (s) {
    case LEB_TOO_LONG: return "integer representation too long";
    case LEB_TOO_LARGE: return "integer too large";
    default: return "unexpected end";
    }
}

#endif
