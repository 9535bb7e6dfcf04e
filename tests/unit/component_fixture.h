/* component_fixture.h: reading the committed component fixtures
 * (tests/unit/components/, made from their .wat by gen.sh) and running
 * the front end over them. */
#ifndef COMPONENT_FIXTURE_H
#define COMPONENT_FIXTURE_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "component/component.h"
#include "plan_reader.h"

static inline uint8_t *fixture_read(const char *name, size_t *size) {
    const char *src = getenv("WASMC_SOURCE_DIR");
    cr_assert(src && *src, "WASMC_SOURCE_DIR must name the source tree");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/unit/components/%s", src, name);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    cr_assert(buf && fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* Decode, flatten and read back the plan of a fixture that must be valid. */
static inline void fixture_plan(const char *name, PrPlan *out, uint32_t *num_modules) {
    size_t n;
    uint8_t *bytes = fixture_read(name, &n);
    CFile f;
    WasmError err;
    wasm_error_clear(&err);
    cr_assert(component_decode(bytes, n, &f, &err), "%s: 0x%zx: %s", name, err.offset, err.message);
    CPlan plan;
    cr_assert(component_flatten(&f, &plan, &err), "%s: 0x%zx: %s", name, err.offset, err.message);
    cr_assert(pr_read(plan.bytes, plan.size, out), "%s: the plan does not decode", name);
    if (num_modules) *num_modules = f.num_modules;
    free(plan.bytes);
    component_free(&f);
    free(bytes);
}

#endif
