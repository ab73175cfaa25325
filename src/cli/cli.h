/* cli.h — command entry points.
 *
 * Every command takes (argc, argv) with argv[0] the command word and
 * returns the process exit status: 0 success; 1 run invalid or QoS failed;
 * 2 usage or job-file error. */
#ifndef HOSTMIX_CLI_H
#define HOSTMIX_CLI_H

#include "core/exitcode.h"

int cli_main(int argc, char **argv);

int cli_cmd_check(int argc, char **argv);     /* cli/check.c */
int role_cmd_prepare(int argc, char **argv);  /* roles/role.c */
int role_cmd_serve(int argc, char **argv);    /* roles/role.c */
int drive_cmd(int argc, char **argv);         /* cli/drive.c */
int run_cmd(int argc, char **argv);           /* run/ */
int capacity_cmd(int argc, char **argv);      /* run/capacity.c */
int compare_cmd(int argc, char **argv);       /* report/ */

#endif
