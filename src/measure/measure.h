/* measure.h — the one reader layer for /proc and /sys, and the CPU
 * accounting built on it (in the manner of sysstat: readers below,
 * renderers above).
 *
 * Every file is read through meas_read(root, path): root is "" for the
 * live system or a fixture directory (tests/fixtures/...) holding a fake
 * proc/ and sys/ tree, so accounting is tested against stored files.
 *
 * Rules (as sysstat's mpstat):
 *   - /proc/stat user and nice already include guest and guest_nice:
 *     they are subtracted, so user + nice + system + ... + guest +
 *     guest_nice adds up to the busy time with nothing counted twice;
 *   - a counter that goes backwards (CPU hotplug, wrap) counts as 0. */
#ifndef HOSTMIX_MEASURE_H
#define HOSTMIX_MEASURE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads root+path (path starts with '/') into buf, NUL-terminated.
 * Returns the byte count, or -1 with errno set. */
ssize_t meas_read(const char *root, const char *path, char *buf, size_t n);

/* ---- host: /proc/stat ---------------------------------------------- */

enum meas_cpu_field {
    MEAS_USER, MEAS_NICE, MEAS_SYSTEM, MEAS_IDLE, MEAS_IOWAIT, MEAS_IRQ,
    MEAS_SOFTIRQ, MEAS_STEAL, MEAS_GUEST, MEAS_GUEST_NICE, MEAS_NFIELDS
};
extern const char *const meas_field_names[MEAS_NFIELDS];

struct meas_host {
    uint64_t cpu[MEAS_NFIELDS];     /* the "cpu" line, in USER_HZ ticks */
    uint64_t ctxt, intr;            /* totals since boot */
    uint64_t procs_running, procs_blocked;
    int ncpu;                       /* "cpuN" lines */
};

/* Parses the text of /proc/stat.  Returns 0, or -1 if the "cpu" line is
 * missing or malformed (absent optional fields read as 0). */
int meas_host_parse(const char *text, struct meas_host *h);
int meas_host_read(const char *root, struct meas_host *h);

/* The change between two host samples.  ticks[] are deltas with the
 * guest time taken out of user and nice; total counts every tick once
 * (idle and iowait included).  Percentages are of the whole host. */
struct meas_breakdown {
    double ticks[MEAS_NFIELDS];
    double total;                   /* all ticks of the interval */
    double busy;                    /* total - idle - iowait */
    double guest_all;               /* guest + guest_nice */
    double ctxt, intr;              /* deltas */
    uint64_t procs_running;         /* at the later sample */
    int ncpu;
};
void meas_host_delta(const struct meas_host *a, const struct meas_host *b,
                     struct meas_breakdown *d);
/* Share of the host in percent (0 when the interval is empty). */
double meas_pct(const struct meas_breakdown *d, double ticks);
/* The same share expressed in cores (100% of a 4-CPU host = 4 cores). */
double meas_cores(const struct meas_breakdown *d, double ticks);
/* Overhead ratio: non-guest busy / guest; -1 when there is no guest time. */
double meas_overhead(const struct meas_breakdown *d);
/* Adds d into sum (for totals over many intervals). */
void meas_breakdown_add(struct meas_breakdown *sum, const struct meas_breakdown *d);

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
