/* Building the plan of component_plan.h: flatten.c adds entries in the
 * order they are defined, plan_write.c encodes them.  Value and function
 * types are interned (one entry per distinct type), every other entry is
 * appended.  Each adder returns the entry's index; out of memory or past
 * WASMC_PLAN_MAX_ITEMS sets `failed` (checked once, by plan_finish). */
#ifndef WASMC_COMPONENT_PLAN_BUILD_H
#define WASMC_COMPONENT_PLAN_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "component.h"
#include "ctypes.h"

typedef struct PlanBuf {
    uint8_t *p;
    size_t n, cap;
} PlanBuf;

typedef struct PlanVec {
    PlanBuf b;
    uint32_t count;
} PlanVec;

typedef struct PlanIntern {
    uint32_t *slots;      /* index + 1, 0 = empty */
    uint32_t cap;
    PlanBuf spans;        /* per entry: offset (u64) and length (u64) into the vector's bytes */
} PlanIntern;

typedef struct PCoreDef {
    uint8_t kind;         /* 0: core instance export; 1: lowered func */
    uint32_t a, b;        /* instance + export index, or lowered index */
} PCoreDef;

typedef struct POpts {
    uint32_t cinstance;
    uint8_t encoding;
    bool has_memory, has_realloc;
    PCoreDef memory, realloc;
} POpts;

typedef struct PlanBuilder {
    PlanVec valtypes, functypes, cinstances, resources, imports, steps, exports;
    PlanIntern vt_intern, ft_intern;
    uint32_t num_core_instances, num_lowered, num_lifted;
    bool failed;          /* out of memory, or a limit */
    bool too_deep;        /* a value type nested deeper than WASMC_PLAN_MAX_TYPE_DEPTH */
} PlanBuilder;

void plan_init(PlanBuilder *pb);
void plan_free(PlanBuilder *pb);

uint32_t plan_valtype(PlanBuilder *pb, const CType *t);
uint32_t plan_functype(PlanBuilder *pb, const CType *func);
uint32_t plan_cinstance(PlanBuilder *pb, uint32_t parent_plus1);
uint32_t plan_resource_imported(PlanBuilder *pb, uint32_t import);
uint32_t plan_resource_defined(PlanBuilder *pb, uint32_t cinstance, const PCoreDef *dtor);
uint32_t plan_import(PlanBuilder *pb, const char *iface, const char *item, uint8_t kind, uint32_t functype);
uint32_t plan_instantiate(PlanBuilder *pb, uint32_t module, uint32_t n, const PCoreDef *args);
uint32_t plan_lower(PlanBuilder *pb, bool callee_lifted, uint32_t callee, const POpts *o, uint32_t functype);
uint32_t plan_resource_op(PlanBuilder *pb, uint8_t op, uint32_t resource, uint32_t cinstance);
uint32_t plan_lift(PlanBuilder *pb, const PCoreDef *func, const POpts *o, uint32_t functype,
                   const PCoreDef *post_return);
void plan_export(PlanBuilder *pb, const char *iface, const char *item, uint8_t kind, uint32_t index);

/* Encode; false (err set) if the builder failed. *out's bytes are malloc'd. */
bool plan_finish(PlanBuilder *pb, CPlan *out, WasmError *err);

#endif
