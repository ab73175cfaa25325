/* check.c — `hostmix check JOB.ini`: validate and print the experiment,
 * and what the platform finds on this host (its preflight). */
#include "cli/cli.h"
#include "job/job.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The platform's address plan, for job_print. */
static void check_addr(const void *ctx, int set, int role, char *ip, size_t n)
{
    const struct plat *p = ctx;
    p->ops->addr(p, set, role, ip, n);
}

int cli_cmd_check(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        printf("usage: hostmix check JOB.ini\n\nValidates a job file, printing every problem as "
               "FILE:LINE: message (exit 2),\nor the resolved experiment (exit 0).\n");
        return CLI_OK;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: hostmix check JOB.ini\n");
        return CLI_USAGE;
    }
    struct job *j = malloc(sizeof *j);
    if (!j) abort();
    int errors = job_load(j, argv[1], stderr);
    if (errors) {
        fprintf(stderr, "%s: %d error%s\n", argv[1], errors, errors == 1 ? "" : "s");
        free(j);
        return CLI_USAGE;
    }
    struct plat p;
    plat_open(&p, plat_find(j->platform), "", j->plat_opt);
    job_print(j, stdout, check_addr, &p);
    if (p.ops && p.ops->preflight) {
        struct buf out = BUF_INIT;
        p.ops->preflight(&p, &out);
        printf("\n%s preflight (what this host has; nothing was started):\n%s",
               p.ops->name, buf_cstr(&out));
        buf_free(&out);
    }
    plat_close(&p);
    job_free(j);
    free(j);
    return CLI_OK;
}
