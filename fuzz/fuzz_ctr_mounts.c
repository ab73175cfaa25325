/* fuzz_ctr_mounts.c — the container platform's reader of /proc/self/mounts
 * (which cgroup hierarchies are mounted where) on arbitrary text: every
 * field it keeps is NUL-terminated and the counts stay in bounds. */
#include "platform/container/bundle.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct ctr_cgmounts m;
    int n = ctr_cg_mounts(text, &m);
    if (n < 0 || m.nv1 < 0 || m.nv1 > CTR_CG_V1_MAX || m.cpuacct >= m.nv1) abort();
    if (strlen(m.v2) >= sizeof m.v2) abort();
    for (int i = 0; i < m.nv1; i++)
        if (strlen(m.v1[i]) >= sizeof m.v1[i]) abort();
    free(text);
    return 0;
}
