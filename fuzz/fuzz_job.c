/* fuzz_job.c — the job-file reader (INI syntax, option table, value and
 * QoS parsers, validation) on arbitrary bytes.  A file that loads is also
 * printed the way `hostmix check` prints it. */
#include "job/job.h"
#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The chosen platform's address plan, as `hostmix check` uses it. */
static void fuzz_addr(const void *ctx, int set, int role, char *ip, size_t n)
{
    const struct plat *p = ctx;
    p->ops->addr(p, set, role, ip, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    static struct job j;
    if (!null && !(null = fopen("/dev/null", "w"))) abort();
    if (job_load_text(&j, "fuzz.ini", (const char *)data, size, null) == 0) {
        struct plat p;
        plat_open(&p, plat_find(j.platform), "", j.plat_opt);
        job_print(&j, null, fuzz_addr, &p);
        plat_close(&p);
        job_free(&j);
    }
    return 0;
}
