/* stub: the wasmc CLI, to be written */
#include <stdio.h>
int main(void) { fputs("wasmc: not yet implemented\n", stderr); return 1; }
