/* A WASI reactor with exports for `wasmrt --invoke`. */
#include <stdint.h>

static int initialized;

__attribute__((export_name("add"))) int32_t add(int32_t a, int32_t b) { return a + b + (initialized ? 0 : 1000); }
__attribute__((export_name("mul64"))) int64_t mul64(int64_t a, int64_t b) { return a * b; }
__attribute__((export_name("half"))) double half(double x) { return x / 2; }

/* reactors get _initialize from crt1-reactor; run our own setup via a constructor */
__attribute__((constructor)) static void init(void) { initialized = 1; }
