/* Runs forever; wasmrt --timeout 1 must stop it with trap "interrupted"
 * (status 3). */
#include <stdio.h>

int main(void) {
    printf("spinning\n");
    fflush(stdout);
    volatile unsigned x = 0;
    for (;;) x++;
}
