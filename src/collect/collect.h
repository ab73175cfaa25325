/* collect.h — collectors that run exactly over the measurement interval.
 *
 * A small table of collectors (collect.c), each a row of ops in the
 * manner of the platforms: probe (can it run here?), arm (get ready
 * before the interval: start perf with its events disabled), begin (at
 * the interval's first edge), end (at its last edge), finish (after the
 * servers stopped: stop and post-process), cpu (its own CPU so far, kept
 * out of the system-under-test figure like the driver's).  The run
 * controller calls begin right before the sample that opens the
 * measurement interval and end right after the one that closes it, so
 * the collectors see the interval the CPU figures come from; the perf
 * samples are also filtered to exactly those two sample times.
 *
 * Collectors today: "perf" (perf record -a -g over cpu-clock, plus the
 * sched and kvm tracepoints; analysis in prof.c) and "switches" (the
 * voluntary and involuntary context switches of every server's threads
 * from /proc/PID/task/TID/status) and "vcpu" (under KVM, the guests'
 * own time from their vCPU threads: guest.c).  Their findings are one struct
 * prof_summary (prof.h) that the report model copies. */
#ifndef HOSTMIX_COLLECT_H
#define HOSTMIX_COLLECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collect/prof.h"
#include "job/job.h"

/* A server as the collectors see it. */
struct collect_target {
    const char *name;
    int role;
    pid_t pid;                  /* its process (a VM's QEMU) */
    const char *cgroup;         /* its cgroup directory, or NULL */
    int guest;                  /* runs in a QEMU guest */
};

struct collect;

/* The collectors the job's [profile] section asks for, ready to arm;
 * results go to OUTDIR/profile/.  Returns NULL when none is enabled (why
 * "") or when an enabled one cannot run here (why says which and why).
 * The caller frees a returned set with collect_close. */
struct collect *collect_open(const struct job_profile *opt, const char *proc_root,
                             const char *outdir, char *why, size_t n);
/* Gets every collector ready before the interval (perf starts with its
 * events off).  t: the servers; tcg: guests run under emulation.
 * Returns 0, or -1 with why (nothing is left running then). */
int collect_arm(struct collect *c, const struct collect_target *t, int n, int tcg,
                char *why, size_t whyn);
/* At the interval's first edge (just before its sample). */
void collect_begin(struct collect *c);
/* At its last edge (just after its sample). */
void collect_end(struct collect *c);
/* Stops what still runs and post-processes: samples in [t0, t1)
 * (monotonic ns: the edge samples' times) count; causes are scaled to
 * sut_cores; coll_cores is the collectors' own CPU over the interval (the
 * run's samples hold it).  Errors are kept in the summary's error
 * member. */
void collect_finish(struct collect *c, int64_t t0, int64_t t1, double sut_cores,
                    double coll_cores);
/* The collectors' own CPU so far (cumulative ns; 0 for NULL). */
uint64_t collect_cpu_ns(const struct collect *c);
/* The findings (NULL for NULL or before collect_finish); owned by c. */
const struct prof_summary *collect_summary(const struct collect *c);
/* Kills whatever still runs (by pid), removes temporary files, frees c. */
void collect_close(struct collect *c);

/* Parses the text of /proc/PID/task/TID/status: the voluntary and
 * involuntary context switch counters.  Returns 0, or -1 when absent. */
int collect_status_parse(const char *text, uint64_t *vol, uint64_t *invol);

#endif
