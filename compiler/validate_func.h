/* Function-body validation (spec appendix "Validation Algorithm"), used by
 * module_validate once the module-level context is known to be sound. */
#ifndef WASMC_VALIDATE_FUNC_H
#define WASMC_VALIDATE_FUNC_H

#include "module.h"

/* Operand and control stacks reused across functions, so validating many
 * small functions does not allocate per function. */
typedef struct ValidateScratch {
    uint8_t *vals;
    uint32_t nvals, cap_vals;
    struct ValCtrl *ctrls;
    uint32_t nctrls, cap_ctrls;
    uint8_t *locals;
    size_t cap_locals;
    uint32_t *targets;
    size_t cap_targets;
} ValidateScratch;

bool validate_func(const Module *m, uint32_t func_index, ValidateScratch *s, WasmError *err);
void validate_scratch_free(ValidateScratch *s);

#endif
