/* Hand-encoding component plans (component_plan.h) in tests: a growable
 * byte buffer with the plan's primitives (byte, u32 LEB128, name). */
#ifndef TEST_PLAN_BUILDER_H
#define TEST_PLAN_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wasmc/component_plan.h"

typedef struct pb {
    uint8_t *b;
    size_t n, cap;
} pb;

static inline void pb_byte(pb *p, uint8_t x) {
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 256;
        p->b = realloc(p->b, p->cap);
    }
    p->b[p->n++] = x;
}

static inline void pb_u32(pb *p, uint32_t v) {
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        pb_byte(p, v ? b | 0x80 : b);
    } while (v);
}

static inline void pb_name(pb *p, const char *s) {
    size_t n = strlen(s);
    pb_u32(p, (uint32_t)n);
    for (size_t i = 0; i < n; i++) pb_byte(p, (uint8_t)s[i]);
}

static inline void pb_header(pb *p) {
    for (int i = 0; i < 4; i++) pb_byte(p, (uint8_t)WASMC_PLAN_MAGIC[i]);
    pb_u32(p, WASMC_PLAN_VERSION);
}

/* valtypes */
static inline void pb_prim(pb *p, wasmc_cval_kind k) { pb_byte(p, (uint8_t)k); }
static inline void pb_list(pb *p, uint32_t elem) { pb_byte(p, WASMC_CVAL_LIST); pb_u32(p, elem); }
static inline void pb_option(pb *p, uint32_t t) { pb_byte(p, WASMC_CVAL_OPTION); pb_u32(p, t); }
static inline void pb_own(pb *p, uint32_t res) { pb_byte(p, WASMC_CVAL_OWN); pb_u32(p, res); }
static inline void pb_borrow(pb *p, uint32_t res) { pb_byte(p, WASMC_CVAL_BORROW); pb_u32(p, res); }
/* result: ok / err may be -1 for none */
static inline void pb_result(pb *p, int64_t ok, int64_t er) {
    pb_byte(p, WASMC_CVAL_RESULT);
    if (ok < 0) pb_byte(p, 0); else { pb_byte(p, 1); pb_u32(p, (uint32_t)ok); }
    if (er < 0) pb_byte(p, 0); else { pb_byte(p, 1); pb_u32(p, (uint32_t)er); }
}
static inline void pb_tuple(pb *p, uint32_t n, const uint32_t *ts) {
    pb_byte(p, WASMC_CVAL_TUPLE);
    pb_u32(p, n);
    for (uint32_t i = 0; i < n; i++) pb_u32(p, ts[i]);
}
static inline void pb_record(pb *p, uint32_t n, const char *const *names, const uint32_t *ts) {
    pb_byte(p, WASMC_CVAL_RECORD);
    pb_u32(p, n);
    for (uint32_t i = 0; i < n; i++) { pb_name(p, names[i]); pb_u32(p, ts[i]); }
}
/* variant: ts[i] < 0 for no payload */
static inline void pb_variant(pb *p, uint32_t n, const char *const *names, const int64_t *ts) {
    pb_byte(p, WASMC_CVAL_VARIANT);
    pb_u32(p, n);
    for (uint32_t i = 0; i < n; i++) {
        pb_name(p, names[i]);
        if (ts[i] < 0) pb_byte(p, 0); else { pb_byte(p, 1); pb_u32(p, (uint32_t)ts[i]); }
    }
}
static inline void pb_names(pb *p, wasmc_cval_kind k, uint32_t n, const char *const *names) {
    pb_byte(p, (uint8_t)k);
    pb_u32(p, n);
    for (uint32_t i = 0; i < n; i++) pb_name(p, names[i]);
}

/* coredefs and opts */
static inline void pb_core_export(pb *p, uint32_t inst, uint32_t exp) { pb_byte(p, 0); pb_u32(p, inst); pb_u32(p, exp); }
static inline void pb_lowered(pb *p, uint32_t i) { pb_byte(p, 1); pb_u32(p, i); }
/* memory / realloc: (instance, export) or inst < 0 for none */
static inline void pb_opts(pb *p, uint32_t cinst, wasmc_string_encoding enc, int64_t mem_inst, uint32_t mem_exp,
                           int64_t re_inst, uint32_t re_exp) {
    pb_u32(p, cinst);
    pb_byte(p, (uint8_t)enc);
    if (mem_inst < 0) pb_byte(p, 0); else { pb_byte(p, 1); pb_core_export(p, (uint32_t)mem_inst, mem_exp); }
    if (re_inst < 0) pb_byte(p, 0); else { pb_byte(p, 1); pb_core_export(p, (uint32_t)re_inst, re_exp); }
}

#endif
