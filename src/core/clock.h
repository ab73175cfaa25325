/* clock.h — monotonic and wall clock helpers, in nanoseconds. */
#ifndef HOSTMIX_CLOCK_H
#define HOSTMIX_CLOCK_H

#include <stdint.h>

#define CLOCK_NS_PER_US 1000LL
#define CLOCK_NS_PER_MS 1000000LL
#define CLOCK_NS_PER_S  1000000000LL

int64_t clock_mono_ns(void);    /* CLOCK_MONOTONIC */
int64_t clock_wall_ns(void);    /* CLOCK_REALTIME */
/* Sleeps until the monotonic time reaches deadline_ns (restarts on EINTR). */
void clock_sleep_until(int64_t deadline_ns);
void clock_sleep_ns(int64_t ns);

#endif
