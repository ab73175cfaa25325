/* exitcode.h — the process exit statuses every command returns, in a
 * leaf header so that any layer can return them without depending on the
 * command-line module:
 *   0 success; 1 run invalid, QoS failed or the command failed;
 *   2 usage or job-file error. */
#ifndef HOSTMIX_EXITCODE_H
#define HOSTMIX_EXITCODE_H

#define CLI_OK     0
#define CLI_FAILED 1
#define CLI_USAGE  2

#endif
