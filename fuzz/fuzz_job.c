/* fuzz_job.c — the job-file reader (INI syntax, option table, value and
 * QoS parsers, validation) on arbitrary bytes.  A file that loads is also
 * printed the way `hostmix check` prints it. */
#include "job/job.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *null;
    static struct job j;
    if (!null && !(null = fopen("/dev/null", "w"))) abort();
    if (job_load_text(&j, "fuzz.ini", (const char *)data, size, null) == 0)
        job_print(&j, null);
    return 0;
}
