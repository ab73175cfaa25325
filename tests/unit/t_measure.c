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
    T_NEAR(d.busy, 970, 0);
    T_NEAR(meas_pct(&d, d.ticks[MEAS_USER]), 100.0 * 300 / 1570, 1e-9);
    T_NEAR(meas_cores(&d, d.busy), 970.0 / 1570 * 2, 1e-9);
    T_NEAR(meas_overhead(&d), 550.0 / 420, 1e-9);
    T_NEAR(d.ctxt, 2500, 0);
    T_NEAR(d.intr, 3000, 0);
    /* backwards in time: every counter clamps to 0, nothing negative */
    meas_host_delta(&b, &a, &d);
    T_NEAR(d.ticks[MEAS_USER], 0, 0);
    T_NEAR(d.ticks[MEAS_IOWAIT], 10, 0);
    T_NEAR(d.total, 10, 0);
    T_NEAR(meas_overhead(&d), -1, 0);
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
