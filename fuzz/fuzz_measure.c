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
    static struct meas_host h2;
    struct meas_breakdown d;
    if (meas_host_parse(text, &h) == 0) {   /* the same text as a later, timed sample */
        h2 = h;
        h.t_ns = 1;
        h2.t_ns = 1000000001;
        meas_host_delta(&h, &h2, &d);
        meas_busy_counter_ns(&h2);
    }
    meas_stat_parse(text, &u, &s);
    meas_cg_parse(text, &c);
    struct meas_thread t;
    if (meas_thread_parse(text, &t) == 0 && strlen(t.comm) >= MEAS_COMM_LEN) abort();
    free(text);
    return 0;
}
