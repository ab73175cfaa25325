/* t_measure.c — CPU accounting against stored /proc and /sys trees in
 * tests/fixtures/measure (t0 -> t1 has known deltas, guest time, and an
 * iowait counter that goes backwards). */
#include "test.h"
#include "measure/measure.h"

#include <stdio.h>

/* tests/fixtures/measure/NAME, relative to the repository root (where
 * `make test` runs the unit tests). */
static const char *fx(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "tests/fixtures/measure/%s", name);
    return path;
}

TEST(measure_host_breakdown)
{
    struct meas_host a, b;
    T_EQ_INT(meas_host_read(fx("t0"), &a), 0);
    T_EQ_INT(meas_host_read(fx("t1"), &b), 0);
    T_EQ_INT(b.ncpu, 2);
    T_EQ_INT(b.procs_running, 3);
    T_ASSERT(b.t_ns >= a.t_ns && a.t_ns > 0);   /* stamped when read */
    a.t_ns = b.t_ns = 0;                         /* untimed: the tick figures alone */
    struct meas_breakdown d;
    meas_host_delta(&a, &b, &d);
    T_NEAR(d.ticks[MEAS_USER], 300, 0);        /* 700 - guest 400 */
    T_NEAR(d.ticks[MEAS_NICE], 40, 0);         /* 60 - guest_nice 20 */
    T_NEAR(d.ticks[MEAS_SYSTEM], 150, 0);
    T_NEAR(d.ticks[MEAS_IDLE], 600, 0);
    T_NEAR(d.ticks[MEAS_IOWAIT], 0, 0);        /* 50 -> 40: clamped */
    T_NEAR(d.ticks[MEAS_IRQ], 20, 0);
    T_NEAR(d.ticks[MEAS_SOFTIRQ], 30, 0);
    T_NEAR(d.ticks[MEAS_STEAL], 10, 0);
    T_NEAR(d.ticks[MEAS_GUEST], 400, 0);
    T_NEAR(d.ticks[MEAS_GUEST_NICE], 20, 0);
    T_NEAR(d.total, 1570, 0);
    T_NEAR(d.tick_busy, 960, 0);               /* steal is not busy */
    T_EQ_INT(d.measured, 0);
    T_NEAR(d.seconds, 1570.0 / 100 / 2, 1e-9); /* the ticks' own span (USER_HZ 100) */
    T_NEAR(d.busy_cores, 960.0 / 1570 * 2, 1e-9);
    T_NEAR(d.cores[MEAS_USER], 300.0 / 1570 * 2, 1e-9);
    T_NEAR(d.cores[MEAS_STEAL], 10.0 / 1570 * 2, 1e-9);
    T_NEAR(meas_overhead(&d), 540.0 / 420, 1e-9);
    T_NEAR(d.ctxt, 2500, 0);
    T_NEAR(d.intr, 3000, 0);
    /* backwards in time: every counter clamps to 0, nothing negative */
    meas_host_delta(&b, &a, &d);
    T_NEAR(d.ticks[MEAS_USER], 0, 0);
    T_NEAR(d.ticks[MEAS_IOWAIT], 10, 0);
    T_NEAR(d.total, 10, 0);
    T_NEAR(meas_overhead(&d), -1, 0);
}

/* busy0 -> busy1: 2 s apart; cpu0 off (idle + iowait + steal) +130 ticks
 * so 70 busy of 200, ticks saw 70; cpu1 off +150 so 50 busy, ticks saw
 * only 10 (bursts between ticks); cpu2 went offline and cpu3's idle went
 * backwards (hotplug): both left out. */
TEST(measure_host_busy_measured)
{
    struct meas_host a, b;
    T_EQ_INT(meas_host_read(fx("busy0"), &a), 0);
    T_EQ_INT(meas_host_read(fx("busy1"), &b), 0);
    T_EQ_INT(a.ncpu, 4);
    T_EQ_INT(b.ncpu, 3);
    a.t_ns = 100000000000LL;
    b.t_ns = 102000000000LL;
    int cpus;
    T_NEAR(meas_busy_between(&a, &b, &cpus), 1.2, 1e-9);
    T_EQ_INT(cpus, 2);
    struct meas_breakdown d;
    meas_host_delta(&a, &b, &d);
    T_EQ_INT(d.measured, 1);
    T_NEAR(d.seconds, 2, 1e-12);
    T_NEAR(d.busy_cores, 0.6, 1e-9);           /* 1.2 CPU-s over 2 s */
    T_NEAR(d.tick_busy_cores, 0.4, 1e-9);      /* user 60 + system 20 ticks */
    T_NEAR(d.cores[MEAS_USER], 0.6 * 60 / 80, 1e-9);
    T_NEAR(d.cores[MEAS_SYSTEM], 0.6 * 20 / 80, 1e-9);
    T_NEAR(d.cores[MEAS_IDLE], 2.7 / 2, 1e-9);
    T_NEAR(d.cores[MEAS_STEAL], 0.05 / 2, 1e-9);
    T_NEAR(d.resolution_cores, 2.0 / 100 / 2, 1e-12);
    T_NEAR(d.ctxt, 600, 0);
    /* a CPU idle for longer than the interval (clock skew) is 0, not negative */
    b.t_ns = a.t_ns + 1000000000LL;            /* 1 s: cpu1's 1.5 s off exceeds it */
    T_NEAR(meas_busy_between(&a, &b, &cpus), 0.0, 1e-9);
    /* no time stamps: not measured */
    a.t_ns = 0;
    T_NEAR(meas_busy_between(&a, &b, &cpus), -1, 0);
}

TEST(measure_busy_counter)
{
    struct meas_host h;
    T_EQ_INT(meas_host_read(fx("busy1"), &h), 0);
    h.t_ns = 102000000000LL;
    /* off: cpu0 1140 ticks, cpu1 1155, cpu3 935 (idle + iowait): 3 x 102 s - 32.3 s */
    T_EQ_INT(meas_busy_counter_ns(&h), 306000000000LL - 32300000000LL);
    h.t_ns = 0;
    T_EQ_INT(meas_busy_counter_ns(&h), 0);
}

TEST(measure_idle_kind)
{
    char why[160];
    T_EQ_INT(meas_idle_kind(fx("nohz"), why, sizeof why), MEAS_IDLE_MEASURED);
    T_ASSERT(strstr(why, "timer_list"));
    T_EQ_INT(meas_idle_kind(fx("tick"), why, sizeof why), MEAS_IDLE_TICK);
    T_EQ_INT(meas_idle_kind(fx("nohzoff"), why, sizeof why), MEAS_IDLE_TICK);
    T_ASSERT(strstr(why, "nohz=off"));
    T_EQ_INT(meas_idle_kind(fx("cfg"), why, sizeof why), MEAS_IDLE_MEASURED);
    T_ASSERT(strstr(why, "configuration"));
    T_EQ_INT(meas_idle_kind(fx("none"), why, sizeof why), MEAS_IDLE_UNKNOWN);
}

TEST(measure_host_parse_errors)
{
    struct meas_host h;
    T_EQ_INT(meas_host_parse("", &h), -1);
    T_EQ_INT(meas_host_parse("cpu  1 2\n", &h), -1);
    T_EQ_INT(meas_host_parse("intr 5\ncpu  1 2 3 4\n", &h), -1);
    T_EQ_INT(meas_host_parse("cpu  1 2 3 4\n", &h), 0);   /* old kernels: 4 fields */
    T_EQ_INT(h.cpu[MEAS_IDLE], 4);
    T_EQ_INT(h.cpu[MEAS_GUEST], 0);
    T_EQ_INT(h.ncpu, 1);
    T_EQ_INT(meas_host_read(fx("nonexistent"), &h), -1);
}

TEST(measure_process_cpu)
{
    uint64_t u, s;
    T_EQ_INT(meas_pid_cpu(fx("t1"), 4242, &u, &s), 0);
    T_EQ_INT(u, 120);
    T_EQ_INT(s, 30);
    T_EQ_INT(meas_task_cpu(fx("t1"), 4242, 4250, &u, &s), 0);
    T_EQ_INT(u, 40);
    T_EQ_INT(s, 15);
    T_EQ_INT(meas_tasks_cpu(fx("t1"), 4242, &u, &s), 0);
    T_EQ_INT(u, 110);
    T_EQ_INT(s, 25);
    T_EQ_INT(meas_task_runtime(fx("t1"), 4242, 4242, &u), 0);
    T_EQ_INT(u, 812345678);
    T_EQ_INT(meas_task_runtime(fx("t1"), 4242, 4250, &u), -1);
    T_EQ_INT(meas_pid_cpu(fx("t1"), 1, &u, &s), -1);
    T_EQ_INT(meas_stat_parse("1 (x) S 1 2", &u, &s), -1);
    T_EQ_INT(meas_stat_parse("no paren", &u, &s), -1);
}

TEST(measure_cgroup)
{
    struct meas_cg c;
    T_EQ_INT(meas_cg_read(fx("t1"), "/sys/fs/cgroup/unified/hostmix-1/set1-web", &c), 0);
    T_EQ_INT(c.usage_usec, 1500000);
    T_EQ_INT(c.user_usec, 1000000);
    T_EQ_INT(c.system_usec, 500000);
    T_EQ_INT(meas_cg_parse("user_usec 5\n", &c), -1);
    char dir[256], why[256];
    T_EQ_INT(meas_cg_detect(fx("t1"), dir, sizeof dir, why, sizeof why), 0);
    T_EQ_STR(dir, "/sys/fs/cgroup/unified");          /* hybrid host */
    T_EQ_INT(meas_cg_detect(fx("v2"), dir, sizeof dir, why, sizeof why), 0);
    T_EQ_STR(dir, "/sys/fs/cgroup/user.slice/s.scope");
    T_EQ_INT(meas_cg_detect(fx("v1"), dir, sizeof dir, why, sizeof why), -1);
    T_EQ_STR(why, "no cgroup2 file system mounted");
}
