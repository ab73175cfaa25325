/* compare.c — `hostmix compare` (not built yet). */
#include "cli/cli.h"

#include <stdio.h>

int compare_cmd(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "hostmix: 'compare' is not implemented yet\n");
    return CLI_USAGE;
}
