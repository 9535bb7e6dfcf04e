/* Libraries loaded when a feature first needs them (dynlib.c). */
#ifndef WASMRT_DYNLIB_H
#define WASMRT_DYNLIB_H
#include <stdbool.h>
#include <stddef.h>

/* dlopen(soname), RTLD_NOW | RTLD_LOCAL; NULL with why set on failure. */
void *rt_dynlib_open(const char *soname, char *why, size_t cap);
/* *slot = the address of name in h; false with why set when absent. */
bool rt_dynlib_sym(void *h, const char *soname, const char *name, void **slot, char *why, size_t cap);

/* RT_DYNLIB_DEFINE(cu, FNS, "libfoo.so.1") declares `static cu_fns cu`, a
 * struct of pointers to every function of the X-macro table FNS(X), X(name),
 * each typed by the library's own header (__typeof__), and
 * `static bool cu_load(char *why, size_t cap)`, which dlopens the library
 * and resolves them all (false, why set, when the library or one of them is
 * missing).  Callers write cu.name(...). */
#define RT_DYNLIB_FIELD(name) __typeof__(&name) name;
#define RT_DYNLIB_RESOLVE_ONE(name) &&rt_dynlib_sym(h, so, #name, (void **)&tab->name, why, cap)
/* The two halves, for a table several files share: the type in a header
 * (with `extern var##_fns var;`), the loader in one file. */
#define RT_DYNLIB_TYPE(var, FNS) typedef struct { FNS(RT_DYNLIB_FIELD) } var##_fns;
#define RT_DYNLIB_LOADER(var, FNS, soname)                   \
    bool var##_load(char *why, size_t cap) {                 \
        static const char so[] = soname;                     \
        var##_fns *tab = &var;                               \
        void *h = rt_dynlib_open(so, why, cap);              \
        return h != NULL FNS(RT_DYNLIB_RESOLVE_ONE);         \
    }
#define RT_DYNLIB_DEFINE(var, FNS, soname)                   \
    RT_DYNLIB_TYPE(var, FNS)                                 \
    static var##_fns var;                                    \
    static RT_DYNLIB_LOADER(var, FNS, soname)
#endif
