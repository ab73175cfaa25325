/* acct_burn.c — accounting accuracy check for bench/overhead.sh and
 * bench/busy.sh.
 *
 * Two modes:
 *
 *   acct_burn DUTY SECONDS
 *       one burner busy DUTY of every 10 ms slot, in a cgroup v2 group of
 *       its own: its cgroup cpu.stat and /proc/PID/stat against its own
 *       getrusage (the server accounting methods).
 *   acct_burn bursts N BURST_US PERIOD_MS SECONDS
 *       N burners, each woken by a timer every PERIOD_MS to spin BURST_US
 *       (as servers answer requests), for SECONDS: host busy as hostmix
 *       measures it (elapsed - idle - iowait - steal per CPU) and as the
 *       tick fields of /proc/stat sample it, each net of an idle baseline
 *       of the same length taken first, against the burners' own CPU time
 *       (CLOCK_PROCESS_CPUTIME_ID, the kernel's exact run time).  Each
 *       wake-up also costs the host CPU the burners' clocks do not see
 *       (the timer interrupt, leaving and entering idle, the switch): the
 *       difference is printed per wake-up.
 *
 * Prints one line per method: cores, and its ratio (or error) against the
 * truth.  Built against build/libhostmix.a by the bench scripts. */
#include "measure/measure.h"
#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Host busy between two samples: measured, and as the ticks saw it. */
static void host_busy(const struct meas_host *a, const struct meas_host *b, double *meas,
                      double *ticks)
{
    struct meas_breakdown d;
    meas_host_delta(a, b, &d);
    *meas = d.busy_cores;
    *ticks = d.tick_busy_cores;
}

static double cpu_seconds_self(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void burn(double duty, double secs, int out)
{
    int64_t slot = 10 * CLOCK_NS_PER_MS, t0 = clock_mono_ns(), end = t0 + (int64_t)(secs * 1e9);
    volatile uint64_t x = 0;
    for (int64_t s = t0; s < end; s += slot) {
        while (clock_mono_ns() < s + (int64_t)(duty * (double)slot)) x++;
        clock_sleep_until(s + slot);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double used = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                  (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    if (write(out, &used, sizeof used) != sizeof used) _exit(1);
    _exit(0);
}

/* One timer-driven burner: spin burst_ns at every period until end. */
static void burst(int64_t burst_ns, int64_t period_ns, int64_t start, int64_t end, int out)
{
    volatile uint64_t x = 0;
    for (int64_t s = start; s < end; s += period_ns) {
        clock_sleep_until(s);
        while (clock_mono_ns() < s + burst_ns) x++;
    }
    double used = cpu_seconds_self();
    if (write(out, &used, sizeof used) != sizeof used) _exit(1);
    _exit(0);
}

static int bursts(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: acct_burn bursts N BURST_US PERIOD_MS SECONDS\n");
        return 2;
    }
    int n = atoi(argv[2]);
    int64_t b = (int64_t)(atof(argv[3]) * 1e3), p = (int64_t)(atof(argv[4]) * 1e6);
    double secs = atof(argv[5]);
    if (n < 1 || n > 1000 || b <= 0 || p <= b || secs <= 0) return 2;
    struct meas_host h0, h1, h2, h3;
    meas_host_read("", &h0);                     /* idle baseline */
    clock_sleep_ns((int64_t)(secs * 1e9));
    meas_host_read("", &h1);
    int fd[2];
    if (pipe(fd)) return 2;
    int64_t start = clock_mono_ns() + 50 * CLOCK_NS_PER_MS, end = start + (int64_t)(secs * 1e9);
    for (int i = 0; i < n; i++)
        if (fork() == 0) burst(b, p, start + i * p / n, end, fd[1]);
    clock_sleep_until(start);
    meas_host_read("", &h2);
    double truth = 0, one;
    for (int i = 0; i < n; i++) {
        if (read(fd[0], &one, sizeof one) != sizeof one) return 2;
        truth += one;
    }
    meas_host_read("", &h3);
    while (wait(NULL) > 0) {}
    double el = (double)(h3.t_ns - h2.t_ns) / 1e9, base_m, base_t, m, t;
    host_busy(&h0, &h1, &base_m, &base_t);
    host_busy(&h2, &h3, &m, &t);
    m -= base_m;
    t -= base_t;
    double tc = truth / el;
    printf("%d burners, %.0f us every %.1f ms, %.1f s\n", n, b / 1e3, p / 1e6, el);
    printf("  %-36s %.4f cores\n", "truth (burners' own CPU time)", tc);
    printf("  %-36s %.4f cores  ratio %.3f (baseline %.4f subtracted)\n",
           "hostmix host busy (measured idle)", m, m / tc, base_m);
    printf("  %-36s %.4f cores  ratio %.3f (baseline %.4f subtracted)\n",
           "/proc/stat tick fields", t, t / tc, base_t);
    double wakes = (double)n * el / ((double)p / 1e9);
    printf("  %-36s %.2f us per wake-up (%.0f wake-ups/s: timer interrupt, idle exit and\n"
           "  %-36s entry, switch: host CPU the burners' own clocks do not see)\n",
           "measured minus truth", (m - tc) * el / wakes * 1e6, wakes / el, "");
    int ok = fabs(m / tc - 1) <= 0.03;
    printf("measured busy within 3%% of the burners' CPU: %s\n", ok ? "yes" : "NO");
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "bursts") == 0) return bursts(argc, argv);
    double duty = argc > 1 ? atof(argv[1]) : 0.5, secs = argc > 2 ? atof(argv[2]) : 10;
    char base[512], why[512], cg[700], procs[800];
    if (meas_cg_detect("", base, sizeof base, why, sizeof why)) {
        fprintf(stderr, "acct_burn: no writable cgroup v2: %s\n", why);
        return 2;
    }
    snprintf(cg, sizeof cg, "%s/hostmix-bench-%d", base, (int)getpid());
    if (mkdir(cg, 0755)) { perror(cg); return 2; }
    snprintf(procs, sizeof procs, "%s/cgroup.procs", cg);

    struct meas_host h0, h1, h2;
    meas_host_read("", &h0);                     /* idle baseline */
    clock_sleep_ns((int64_t)(secs * 1e9));
    meas_host_read("", &h1);
    double baseline, baseline_t;
    host_busy(&h0, &h1, &baseline, &baseline_t);

    int p[2];
    if (pipe(p)) return 2;
    struct meas_cg c0, c1;
    meas_cg_read("", cg, &c0);
    int64_t t0 = clock_mono_ns();
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(procs, O_WRONLY);
        if (fd < 0 || write(fd, "0", 1) != 1) _exit(1);
        close(fd);
        burn(duty, secs, p[1]);
    }
    uint64_t u = 0, s = 0, u1, s1;
    while (waitpid(pid, NULL, WNOHANG) == 0) {    /* last /proc reading before exit */
        if (meas_pid_cpu("", pid, &u1, &s1) == 0) { u = u1; s = s1; }
        clock_sleep_ns(5 * CLOCK_NS_PER_MS);
    }
    double elapsed = (double)(clock_mono_ns() - t0) / 1e9;
    meas_host_read("", &h2);
    meas_cg_read("", cg, &c1);
    double truth = 0;
    if (read(p[0], &truth, sizeof truth) != sizeof truth) return 2;
    rmdir(cg);

    double t = truth / elapsed, vh, vt;
    double vc = (double)(c1.usage_usec - c0.usage_usec) / 1e6 / elapsed;
    double vp = (double)(u + s) / (double)meas_hz() / elapsed;
    host_busy(&h1, &h2, &vh, &vt);
    vh -= baseline;
    printf("calibrated burner: %.0f%% duty of one core for %.1f s\n", duty * 100, elapsed);
    printf("  %-34s %.4f cores\n", "truth (burner's getrusage)", t);
    printf("  %-34s %.4f cores  error %+.3f points\n", "cgroup cpu.stat (server accounting)", vc,
           100 * (vc - t));
    printf("  %-34s %.4f cores  error %+.3f points\n", "/proc/PID/stat (fallback)", vp,
           100 * (vp - t));
    printf("  %-34s %.4f cores  error %+.3f points (baseline %.4f subtracted)\n",
           "/proc/stat host busy (measured)", vh, 100 * (vh - t), baseline);
    int ok = fabs(vc - t) < 0.01 && fabs(vp - t) < 0.01;
    printf("accounting within 1 percentage point: %s\n", ok ? "yes" : "NO");
    return ok ? 0 : 1;
}
