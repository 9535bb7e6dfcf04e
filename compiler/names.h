/* The "name" custom section (spec appendix 7.4): module and function
 * names, parsed leniently after the rest of the module is decoded. */
#ifndef WASMC_NAMES_H
#define WASMC_NAMES_H

#include "module.h"

/* Parse the name section contents at [offset, offset+size) into
 * m->module_name and m->funcs[i].name.  Never fails: custom sections are
 * not validated, so a malformed subsection just stops the parse and keeps
 * what was read before it. */
void names_parse(Module *m, size_t offset, size_t size);

#endif
