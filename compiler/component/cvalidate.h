/* Name rules of the Component Model: kebab-case labels, annotated and
 * interface names, strong uniqueness (cvalidate.c). */
#ifndef WASMC_COMPONENT_CVALIDATE_H
#define WASMC_COMPONENT_CVALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum CvNameKind { CV_PLAIN, CV_CONSTRUCTOR, CV_METHOD, CV_STATIC, CV_INTERFACE, CV_DEP } CvNameKind;

typedef struct CvName {
    CvNameKind kind;
    const char *resource;   /* [constructor]/[method]/[static]: the resource label */
    size_t resource_len;
} CvName;

bool cv_is_label(const char *s);
/* Parse an import/export name; false if it is not a valid one. */
bool cv_parse_name(const char *s, CvName *out);

/* The names of one scope's imports, or of its exports. */
typedef struct CvNames {
    char **canon;
    uint32_t n, cap;
} CvNames;
/* Add a name; false if it is not strongly-unique (or out of memory). */
bool cv_names_add(CvNames *ns, const char *name);
void cv_names_free(CvNames *ns);

#endif
