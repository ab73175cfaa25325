/* drive.c — `hostmix drive` (not built yet). */
#include "cli/cli.h"

#include <stdio.h>

int drive_cmd(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "hostmix: 'drive' is not implemented yet\n");
    return CLI_USAGE;
}
