/* The component descriptor object (cobject.c). */
#ifndef WASMC_COMPONENT_COBJECT_H
#define WASMC_COMPONENT_COBJECT_H

#include "../codegen.h"

/* An object defining WASMC_COMPONENT_SYMBOL over the modules' descriptors
 * (by symbol), the plan bytes and the component's name (NULL: none). */
bool cobject_emit(const CompileConfig *cc, uint32_t num_modules, const char *const *descriptor_symbols,
                  const uint8_t *plan, size_t plan_size, const char *name, CodegenObject *out, WasmError *err);

#endif
