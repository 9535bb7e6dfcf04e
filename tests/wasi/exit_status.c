/* proc_exit: the process exits with the guest's status (the driver expects
 * 42) and output written before it is not lost. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    printf("PASS exit_status (before exit)\n");
    fflush(stdout);
    exit(42);
}
