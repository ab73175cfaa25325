/* main.c — hostmix's command dispatcher.
 *
 * `hostmix COMMAND [options]`: each command is one row of cmd_table with
 * its entry point and one-line help.  Commands parse their own options
 * (getopt_long, or the option table in core/opt.h) and return the process
 * exit status: 0 success, 1 run failed or QoS failed, 2 usage error. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
