/* Blocks in poll_oneoff (an hour-long sleep): wasmrt --timeout 1 cannot
 * interrupt a host call, so after a grace period it ends the process with
 * the same trap status (3) and message. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("sleeping\n");
    fflush(stdout);
    sleep(3600);
    printf("FAIL sleep_forever: woke up\n");
    return 0;
}
