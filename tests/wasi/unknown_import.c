/* Imports a function no host defines: wasmrt refuses to link it, unless
 * --trap-unknown-imports, when the program runs until it calls it. */
#include <stdio.h>

__attribute__((import_module("env"), import_name("not_provided"))) int not_provided(int);

int main(void) {
    printf("PASS before the call\n");
    fflush(stdout);
    return not_provided(1);
}
