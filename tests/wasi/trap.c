/* A guest trap: wasmrt prints "wasmrt: trap: unreachable (in ...)" and
 * exits with status 3; output before the trap is kept. */
#include <stdio.h>

__attribute__((noinline)) static void explode(void) { __builtin_trap(); }

int main(void) {
    printf("before trap\n");
    fflush(stdout);
    explode();
    printf("FAIL trap: still running\n");
    return 0;
}
