/* fuzz_measure.c — the /proc/stat, /proc/PID/stat, per-thread stat and
 * cpu.stat parsers. */
#include "measure/measure.h"
#include "measure/thread.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct meas_host h;
    struct meas_cg c;
    uint64_t u, s;
    meas_host_parse(text, &h);
    meas_stat_parse(text, &u, &s);
    meas_cg_parse(text, &c);
    struct meas_thread t;
    if (meas_thread_parse(text, &t) == 0 && strlen(t.comm) >= MEAS_COMM_LEN) abort();
    free(text);
    return 0;
}
