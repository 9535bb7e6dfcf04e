/* UTF-8 well-formedness check for names (spec 5.2.4: names are UTF-8
 * encoded code points, so overlong forms, surrogates and values past
 * U+10FFFF are malformed). */
#ifndef WASMC_UTF8_H
#define WASMC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool utf8_valid(const uint8_t *s, size_t n);

#endif
