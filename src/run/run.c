/* run.c — `hostmix run` (not built yet). */
#include "cli/cli.h"

#include <stdio.h>

int run_cmd(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "hostmix: 'run' is not implemented yet\n");
    return CLI_USAGE;
}
