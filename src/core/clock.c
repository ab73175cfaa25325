/* clock.c — see clock.h. */
#include "core/clock.h"

#include <errno.h>
#include <time.h>

static int64_t ts_ns(const struct timespec *ts)
{
    return (int64_t)ts->tv_sec * CLOCK_NS_PER_S + ts->tv_nsec;
}

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(&ts);
}

int64_t clock_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts_ns(&ts);
}

void clock_sleep_until(int64_t deadline_ns)
{
    struct timespec ts = { (time_t)(deadline_ns / CLOCK_NS_PER_S),
                           (long)(deadline_ns % CLOCK_NS_PER_S) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

void clock_sleep_ns(int64_t ns)
{
    clock_sleep_until(clock_mono_ns() + ns);
}
