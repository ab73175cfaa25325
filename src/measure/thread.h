/* thread.h — per-thread CPU counters of one process and a classifier for
 * the threads of a QEMU process (vCPU, main loop, I/O threads, thread
 * pool, vhost), so a run can say where a VM's host CPU went.
 *
 * Reads go through meas_read (measure.h), so a fixture root holding
 * proc/PID/task/TID/{stat,schedstat} stands in for /proc in tests. */
#ifndef HOSTMIX_MEAS_THREAD_H
#define HOSTMIX_MEAS_THREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel's TASK_COMM_LEN: a thread name is at most 15 bytes. */
#define MEAS_COMM_LEN 16

struct meas_thread {
    pid_t tid;
    char comm[MEAS_COMM_LEN];       /* name; may hold spaces and ')' */
    uint64_t utime, stime;          /* USER_HZ ticks; utime includes guest */
    uint64_t guest_time;            /* field 43: ticks spent running a guest */
    uint64_t run_ns;                /* schedstat: ns on CPU (0 if absent) */
    int has_run_ns;                 /* 1 when schedstat was readable */
};

/* Parses the text of /proc/PID/task/TID/stat into t (tid, comm, utime,
 * stime, guest_time; run_ns untouched).  The name is taken between the
 * first '(' and the LAST ')' since it may contain both.  Returns 0, or
 * -1 when the text is malformed (guest_time absent on old kernels reads
 * as 0). */
int meas_thread_parse(const char *text, struct meas_thread *t);

/* Reads every live thread of pid under root (""  for the live system):
 * stat, and schedstat when present.  Returns the count and a malloc'd
 * array in *out (the caller frees it), or -1 with errno set when the
 * process is gone.  Threads that exit while being read are skipped. */
int meas_threads_read(const char *root, pid_t pid, struct meas_thread **out);

/* Reads DIR/cgroup.threads (dir below root) into tids (at most max).
 * Returns the count, or -1.  Older kernels put vhost workers in QEMU's
 * cgroup but not in its task list: this finds them. */
int meas_cg_threads(const char *root, const char *dir, pid_t *tids, int max);

/* Reads the threads listed in DIR/cgroup.threads (dir below root) that
 * are not among own[0..nown) (the process's own threads): kernel threads
 * attached to the cgroup, such as vhost workers and KVM's NX huge page
 * recovery thread on kernels before 6.4.  Returns the count and a
 * malloc'd array in *out (the caller frees it; NULL when 0), or -1 when
 * cgroup.threads cannot be read.  Threads gone meanwhile are skipped. */
int meas_cg_foreign_threads(const char *root, const char *dir, const struct meas_thread *own,
                            int nown, struct meas_thread **out);

enum meas_tclass {
    MEAS_TC_VCPU,       /* runs a virtual CPU ("CPU 0/KVM", "CPU 1/TCG") */
    MEAS_TC_MAIN,       /* the main loop: tid == pid */
    MEAS_TC_IOTHREAD,   /* "IO <id>": -object iothread and the monitor's */
    MEAS_TC_POOL,       /* "worker": QEMU's thread pool (aio=threads I/O) */
    MEAS_TC_VHOST,      /* "vhost-<pid>": vhost-net's kernel worker */
    MEAS_TC_RCU,        /* "call_rcu" */
    MEAS_TC_OTHER,
    MEAS_TC_N
};

/* Classifies a thread of a QEMU process with pid `pid`.  is_vcpu says
 * the tid was reported as a vCPU by QMP query-cpus-fast (the reliable
 * source); without it, names of the form "CPU N/..." (-name
 * x,debug-threads=on) also count as vCPUs. */
enum meas_tclass meas_thread_class(const char *comm, pid_t pid, pid_t tid, int is_vcpu);

/* "vcpu", "main", "iothread", "pool", "vhost", "rcu", "other". */
const char *meas_tclass_name(enum meas_tclass c);

/* CPU time of a thread in ns for classifying where time went: schedstat
 * when present, else (utime + stime) ticks converted with hz.  Under TCG
 * the per-thread utime of vCPU threads often reads 0 while the process
 * totals are right, hence schedstat first. */
uint64_t meas_thread_ns(const struct meas_thread *t, long hz);

#endif
