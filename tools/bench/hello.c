/* Cold-start probe: the smallest useful WASI command.  The harness times a
 * process running this natively against `wasmrt hello.so`, so the difference
 * is the runtime's load + instantiate + teardown cost. */
#include <stdio.h>

int main(void)
{
    fputs("hello\n", stdout);
    return 0;
}
