/* measure.h — the one reader layer for /proc and /sys, and the CPU
 * accounting built on it (in the manner of sysstat: readers below,
 * renderers above).
 *
 * Every file is read through meas_read(root, path): root is "" for the
 * live system or a fixture directory (tests/fixtures/...) holding a fake
 * proc/ and sys/ tree, so accounting is tested against stored files.
 *
 * Rules (as sysstat's mpstat, plus measured busy time):
 *   - busy time is elapsed - idle - iowait - steal per CPU (idle and
 *     iowait are measured on NO_HZ kernels), the kind split scaled to it;
 *   - /proc/stat user and nice already include guest and guest_nice:
 *     they are subtracted, so user + nice + system + ... + guest +
 *     guest_nice adds up to the busy time with nothing counted twice;
 *   - a counter that goes backwards (CPU hotplug, wrap) counts as 0. */
#ifndef HOSTMIX_MEASURE_H
#define HOSTMIX_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads root+path (path starts with '/') into buf, NUL-terminated (at
 * most n - 1 bytes).  Returns the byte count, or -1 with errno set. */
ssize_t meas_read(const char *root, const char *path, char *buf, size_t n);
/* Appends the whole of root+path to out (NUL-terminated, buf_cstr).
 * Returns the bytes read, or -1 with errno set and out as it was. */
struct buf;
ssize_t meas_read_buf(const char *root, const char *path, struct buf *out);

/* ---- host: /proc/stat ---------------------------------------------- */

enum meas_cpu_field {
    MEAS_USER, MEAS_NICE, MEAS_SYSTEM, MEAS_IDLE, MEAS_IOWAIT, MEAS_IRQ,
    MEAS_SOFTIRQ, MEAS_STEAL, MEAS_GUEST, MEAS_GUEST_NICE, MEAS_NFIELDS
};
extern const char *const meas_field_names[];     /* MEAS_NFIELDS names */

/* CPUs whose "cpuN" lines are kept one by one (ids at or above it count in
 * the "cpu" line's kind split only). */
#define MEAS_MAX_CPUS 1024

struct meas_host {
    uint64_t cpu[MEAS_NFIELDS];     /* the "cpu" line, in USER_HZ ticks */
    uint64_t ctxt, intr;            /* totals since boot */
    uint64_t procs_running, procs_blocked;
    int ncpu;                       /* "cpuN" lines (the online CPUs) */
    int64_t t_ns;                   /* CLOCK_MONOTONIC when read; 0: not known */
    uint64_t online[MEAS_MAX_CPUS / 64];    /* bit N: a "cpuN" line was there */
    uint64_t off[MEAS_MAX_CPUS];    /* cpuN's idle + iowait + steal, ticks */
};

/* Parses the text of /proc/stat (t_ns is left 0).  Returns 0, or -1 if
 * the "cpu" line is missing or malformed (absent optional fields read as
 * 0; a malformed "cpuN" line is left out). */
int meas_host_parse(const char *text, struct meas_host *h);
/* Reads root/proc/stat and stamps it with the monotonic clock. */
int meas_host_read(const char *root, struct meas_host *h);

/* Busy time measured rather than sampled.  On NO_HZ kernels /proc/stat's
 * idle and iowait are measured (the kernel's idle clock, the same
 * CLOCK_MONOTONIC the sampler stamps with) while its busy fields are
 * whole ticks charged to whatever runs when the tick fires, so short
 * bursts between ticks are missed.  Busy is therefore taken per CPU as
 * elapsed - Δ(idle + iowait + steal), clamped to [0, elapsed], over the
 * CPUs online in both samples.  Returns busy CPU-seconds and sets *cpus to
 * that CPU count; -1 when either sample has no time stamp. */
double meas_busy_between(const struct meas_host *a, const struct meas_host *b, int *cpus);
/* The same as a cumulative counter, for one sample: the sum over online
 * CPUs of (t_ns - off), in ns (0 without a time stamp).  Differences of
 * two such counters are the measured busy time while the set of CPUs
 * stays the same (a guest's vCPUs do). */
uint64_t meas_busy_counter_ns(const struct meas_host *h);

/* The change between two host samples, in cores (CPU-seconds per second
 * of the interval).  The total is measured when both samples carry time
 * stamps; the kind split (user, nice, system, irq, softirq, guest,
 * guest_nice) keeps the tick fields' shares scaled to it; idle, iowait
 * and steal are their own deltas.  ticks[] are the raw deltas with guest
 * time taken out of user and nice (mpstat's rule), kept for comparison
 * with the sampled figures. */
struct meas_breakdown {
    double ticks[MEAS_NFIELDS];
    double total;                   /* all ticks of the interval */
    double tick_busy;               /* total - idle - iowait - steal, ticks */
    double seconds;                 /* between the samples' time stamps (0: none) */
    int ncpu;                       /* CPUs online at the later sample */
    int cpus;                       /* CPUs the measured busy time covers */
    int measured;                   /* 1: busy from measured idle; 0: from ticks */
    double cores[MEAS_NFIELDS];     /* each field in cores, as described above */
    double busy_cores;              /* every busy kind (steal excluded) */
    double tick_busy_cores;         /* the tick fields' own figure, for comparison */
    double guest_cores;             /* guest + guest_nice, scaled */
    double resolution_cores;        /* one USER_HZ tick per CPU over the interval */
    double ctxt, intr;              /* deltas */
    uint64_t procs_running;         /* at the later sample */
};
void meas_host_delta(const struct meas_host *a, const struct meas_host *b,
                     struct meas_breakdown *d);
/* Overhead ratio: non-guest busy / guest; -1 when there is no guest time. */
double meas_overhead(const struct meas_breakdown *d);

/* How /proc/stat's idle time is kept on this kernel. */
enum meas_idle_kind { MEAS_IDLE_UNKNOWN, MEAS_IDLE_MEASURED, MEAS_IDLE_TICK };
/* Decides from root/proc/timer_list (".nohz" or ".nohz_mode" per CPU),
 * root/proc/cmdline (nohz=off) and root/boot/config-RELEASE (NO_HZ_IDLE,
 * NO_HZ_FULL); says where the answer came from in why (NULL with n 0:
 * not said). */
enum meas_idle_kind meas_idle_kind(const char *root, char *why, size_t n);

/* ---- processes: /proc/PID/stat, /proc/PID/task/TID/stat ------------ */

/* CPU time of a process (all its threads, dead ones included) or of one
 * thread, in USER_HZ ticks.  Returns 0 or -1 (gone or unreadable). */
int meas_stat_parse(const char *text, uint64_t *utime, uint64_t *stime);
int meas_pid_cpu(const char *root, pid_t pid, uint64_t *utime, uint64_t *stime);
int meas_task_cpu(const char *root, pid_t pid, pid_t tid, uint64_t *utime, uint64_t *stime);
/* Sum over /proc/PID/task/ * /stat (the live threads only). */
int meas_tasks_cpu(const char *root, pid_t pid, uint64_t *utime, uint64_t *stime);
/* A thread's time on CPU in nanoseconds from /proc/PID/task/TID/schedstat
 * (first field; finer than the tick counts of stat).  Returns 0 or -1. */
int meas_task_runtime(const char *root, pid_t pid, pid_t tid, uint64_t *ns);
/* USER_HZ (sysconf(_SC_CLK_TCK)). */
long meas_hz(void);

/* ---- cgroup v2 ----------------------------------------------------- */

struct meas_cg {
    uint64_t usage_usec, user_usec, system_usec;
};
int meas_cg_parse(const char *text, struct meas_cg *c);
/* Reads DIR/cpu.stat (dir is a path below root). */
int meas_cg_read(const char *root, const char *dir, struct meas_cg *c);

/* Finds the cgroup v2 directory this process lives in, if hostmix may
 * create groups below it: the cgroup2 mount from /proc/self/mounts
 * (/sys/fs/cgroup on pure v2 hosts, /sys/fs/cgroup/unified on hybrid
 * ones) joined with the "0::PATH" line of /proc/self/cgroup.  Returns 0
 * with the directory (below root) in dir, or -1 with the reason in why. */
int meas_cg_detect(const char *root, char *dir, size_t n, char *why, size_t whyn);

#endif
