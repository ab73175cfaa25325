/* acct_burn.c — accounting accuracy check for bench/overhead.sh.
 *
 * Burns a calibrated share of one core (busy DUTY of every 10 ms slot, by
 * the monotonic clock) for SECONDS in a child placed in its own cgroup v2
 * group, and compares what hostmix's reader layer reports with the truth:
 *
 *   truth     the burner's own getrusage (utime + stime, microseconds)
 *   cgroup    the group's cpu.stat usage_usec delta (how servers are counted)
 *   proc      /proc/PID/stat utime + stime (the fallback accounting)
 *   host      /proc/stat busy delta minus an idle baseline of equal length
 *             (what the host table shows; other work on the host is noise)
 *
 * Prints one line per method: cores, and the error against the truth in
 * percentage points of one core.  Built by bench/overhead.sh against
 * build/libhostmix.a. */
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
#include <unistd.h>

static double host_busy_cores(const struct meas_host *a, const struct meas_host *b)
{
    struct meas_breakdown d;
    meas_host_delta(a, b, &d);
    return meas_cores(&d, d.busy);
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

int main(int argc, char **argv)
{
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
    double baseline = host_busy_cores(&h0, &h1);

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

    double t = truth / elapsed;
    double vc = (double)(c1.usage_usec - c0.usage_usec) / 1e6 / elapsed;
    double vp = (double)(u + s) / (double)meas_hz() / elapsed;
    double vh = host_busy_cores(&h1, &h2) - baseline;
    printf("calibrated burner: %.0f%% duty of one core for %.1f s\n", duty * 100, elapsed);
    printf("  %-34s %.4f cores\n", "truth (burner's getrusage)", t);
    printf("  %-34s %.4f cores  error %+.3f points\n", "cgroup cpu.stat (server accounting)", vc,
           100 * (vc - t));
    printf("  %-34s %.4f cores  error %+.3f points\n", "/proc/PID/stat (fallback)", vp,
           100 * (vp - t));
    printf("  %-34s %.4f cores  error %+.3f points (baseline %.4f subtracted)\n",
           "/proc/stat host busy", vh, 100 * (vh - t), baseline);
    int ok = fabs(vc - t) < 0.01 && fabs(vp - t) < 0.01;
    printf("accounting within 1 percentage point: %s\n", ok ? "yes" : "NO");
    return ok ? 0 : 1;
}
