/* Globals: a typed, possibly mutable 16-byte cell.  Defined globals' cells
 * live inside their instance's vmctx (compiled code reaches them at a fixed
 * offset); imported ones are pointers to the exporter's cell, so a mutable
 * global is shared, not copied. */
#include <string.h>

#include "internal.h"

uint8_t wasmrt_global_type(wasmrt_global *g) { return g->type; }
bool wasmrt_global_mutable(wasmrt_global *g) { return g->mutable_; }

static void from_slot(uint8_t type, const wasmc_slot *c, wasmrt_val *out) {
    memset(out, 0, sizeof *out);
    out->kind = type;
    switch (type) {
    case RT_TYPE_I32: out->of.i32 = (int32_t)c->i32; break;
    case RT_TYPE_I64: out->of.i64 = (int64_t)c->i64; break;
    case RT_TYPE_F32: out->of.f32 = c->f32; break;
    case RT_TYPE_F64: out->of.f64 = c->f64; break;
    case RT_TYPE_V128: memcpy(out->of.v128, c->v128, 16); break;
    default: out->of.ref = c->ref; break;
    }
}

void wasmrt_global_get(wasmrt_global *g, wasmrt_val *out) { from_slot(g->type, g->cell, out); }

bool wasmrt_global_set(wasmrt_global *g, const wasmrt_val *v) {
    if (!g->mutable_ || v->kind != g->type) return false;
    wasmc_slot s;
    memset(&s, 0, sizeof s);
    switch (v->kind) {
    case RT_TYPE_I32: s.i32 = (uint32_t)v->of.i32; break;
    case RT_TYPE_I64: s.i64 = (uint64_t)v->of.i64; break;
    case RT_TYPE_F32: s.f32 = v->of.f32; break;
    case RT_TYPE_F64: s.f64 = v->of.f64; break;
    case RT_TYPE_V128: memcpy(s.v128, v->of.v128, 16); break;
    default: s.ref = v->of.ref; break;
    }
    *g->cell = s;
    return true;
}
