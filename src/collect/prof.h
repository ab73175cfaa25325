/* prof.h — what a profile of the measurement interval says, and the
 * analysis that turns `perf script` text into it.
 *
 * One pass over the samples (pscript.h) gives: CPU time per cause (the
 * cause table, cause.h, plus the process: servers, driver, profiler), per
 * server and cause, the top functions as in the seed's table, context
 * switches with their reasons (sched:sched_switch: preempted or asleep,
 * and on what; sched:sched_waking: woken by whom) and VM exits by reason
 * (kvm:kvm_exit and kvm:kvm_entry).  Only samples whose time lies in the
 * interval [t0, t1) count.
 *
 * struct prof_summary is plain data (fixed arrays, no pointers), so the
 * report model copies it and result.json holds all of it. */
#ifndef HOSTMIX_COLLECT_PROF_H
#define HOSTMIX_COLLECT_PROF_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "collect/cause.h"

#define PROF_TOP 25                 /* top functions kept */
#define PROF_CAUSE_TOP 5            /* evidence: top functions per cause */
#define PROF_MAX_SERVERS 384          /* 64 sets of 6 */
#define PROF_MAX_EXITS 24
#define PROF_SERVER_TOP 8           /* top functions per server */
#define PROF_MAX_THREADS 64         /* servers' threads with most switches */

/* Why a task left the CPU (sched_switch prev_state and call chain). */
enum prof_wait { PW_PREEMPT,        /* preempted while runnable (involuntary) */
                 PW_SOCKET,         /* asleep in epoll/poll/select or a socket call */
                 PW_FUTEX,          /* asleep on a futex (a lock or condition) */
                 PW_DISK,           /* waiting for block or file I/O */
                 PW_TIMER,          /* sleeping for a time (nanosleep) */
                 PW_CHILD,          /* waiting on a pipe or a child */
                 PW_KTHREAD,        /* a kernel thread waiting for work */
                 PW_IDLE,           /* the idle task making way (a CPU woke up) */
                 PW_OTHER, PW_N };
/* Who woke a task (sched_waking's context). */
enum prof_waker { PK_SAME,          /* a thread of the same server */
                  PK_SERVER,        /* another server */
                  PK_DRIVER,        /* the load driver (hostmix run) */
                  PK_IRQ,           /* an interrupt or softirq */
                  PK_TIMER,         /* a timer */
                  PK_KTHREAD,       /* a kernel thread (ksoftirqd, kworker) */
                  PK_OTHER, PK_N };
extern const char *const prof_wait_keys[PW_N];
extern const char *const prof_wait_labels[PW_N];
extern const char *const prof_waker_keys[PK_N];
extern const char *const prof_waker_labels[PK_N];

struct prof_sym {
    char sym[96], dso[64];
    uint64_t samples;
    int cause;                      /* the cause most of its samples got */
};

struct prof_cause_fig {
    uint64_t samples;
    double ns;                      /* sampled CPU time */
    double cores;                   /* scaled to the measured CPU (prof_scale) */
    double pct_busy;                /* share of the system under test's sampled busy time */
    int ntop;
    struct prof_sym top[PROF_CAUSE_TOP];
};

struct prof_switches {
    uint64_t total, wait[PW_N];     /* switches away from the CPU, by reason */
    uint64_t implied;               /* of total: not reported by the tracepoint but implied
                                     * by the sequence on a CPU (reason PW_IDLE or PW_OTHER;
                                     * only when every event is recorded) */
    uint64_t woken, waker[PK_N];    /* wakeups, by waker */
    uint64_t vol, invol;            /* /proc .../status counters over the interval */
    int have_status;                /* vol and invol were read */
};

struct prof_server {
    char name[32];
    int role;                       /* enum role_id */
    int guest;                      /* a VM guest (QEMU process) */
    uint64_t samples;
    double ns, cause_ns[PC_N];
    struct prof_switches sw;
    int ntop;                       /* its top functions (leaf samples) */
    struct prof_sym top[PROF_SERVER_TOP];
    double guest_thread_ns;         /* its vCPU threads' guest time (guest_threads) */
    uint64_t exits;                 /* VM exits of its vCPUs */
    double exit_ns;
};

/* One thread of a server: its switches over the interval. */
struct prof_thread {
    char comm[16];
    int tid, server;                /* server: index into srv */
    uint64_t total, preempt, woken; /* from the tracepoints (total includes implied) */
    uint64_t vol, invol;            /* from /proc/PID/task/TID/status */
    int have_status;
};

struct prof_exit {
    char reason[32];
    uint64_t count;
    uint64_t timed;                 /* of count: paired with their entry (ns is theirs) */
    double ns;                      /* exit to the next entry, summed */
};

struct prof_summary {
    int present;
    char event[32];                 /* "cpu-clock" */
    int freq;                       /* Hz per CPU */
    double seconds;                 /* the interval profiled */
    uint64_t samples, busy_samples, sut_samples, unknown_samples, outside;
    double busy_ns, sut_ns;         /* sampled busy, and of that the system under test */
    double sut_cores;               /* what the run measured: causes are scaled to it */
    int tcg;                        /* guests ran under emulation */
    struct prof_cause_fig cause[PC_N];
    int nforeign;                   /* the processes of PC_FOREIGN, most samples first */
    struct { char comm[32]; uint64_t samples; } foreign[PROF_CAUSE_TOP];
    int ntop;
    struct prof_sym top[PROF_TOP];
    int nservers;
    struct prof_server srv[PROF_MAX_SERVERS];
    int have_sched;                 /* the sched tracepoints were recorded */
    uint64_t sched_period;          /* one in this many was (1: every one); the switch and
                                     * wakeup counts below are the recorded ones times it */
    struct prof_switches host;
    uint64_t driver_switches, profiler_switches;
    int nthreads;                   /* the servers' threads, most switches first */
    struct prof_thread thread[PROF_MAX_THREADS];
    int kvm;                        /* 1: kvm exits recorded; 0: no KVM here */
    char kvm_note[160];             /* why not, in one line */
    int nexits;
    struct prof_exit exit[PROF_MAX_EXITS];
    uint64_t exits_total;
    uint64_t exits_unpaired;        /* exits left out of the times: events were lost on their
                                     * CPU before their entry (pairing unreliable) */
    uint64_t lost_events, lost_records; /* events perf could not write (PERF_RECORD_LOST) */
    double lost_first_s;            /* the first such record, seconds into the interval */
    int guest_threads;              /* 1: guest execution from the vCPU threads (KVM), not samples */
    double guest_thread_ns;         /* their run time times their guest fraction, over the interval */
    uint64_t guest_ticks, vcpu_ticks;   /* the tick-sampled guest_time and utime + stime behind it */
    int vcpu_threads;
    uint64_t guest_mode_samples;    /* samples perf marked as guest mode (only with guest symbols) */
    char guest_record[96];          /* how the sampling event treats guest mode ("" default) */
    double collector_cores;         /* the profiler's own CPU, kept out of the system under test */
    double post_s;                  /* time to post-process the recording */
    char data_file[256];            /* the recording, for perf report */
    char command[1024];             /* the perf record command line, as run */
    char exit_command[512];         /* the KVM exits' perf record, or "" */
    char error[256];                /* why the profile is missing or partial, or "" */
};

/* One process the analysis attributes samples to. */
struct prof_owner {
    pid_t pid;                      /* the process (tgid) */
    const pid_t *tids;              /* more threads of it (from its cgroup), or NULL */
    int ntids;
    const char *name;
    int role;
    int guest;                      /* a QEMU process: unsymbolized user code is guest code */
};

struct prof_input {
    const struct cause_table *table;
    int64_t t0, t1;                 /* the interval (perf's clock, CLOCK_MONOTONIC ns) */
    const struct prof_owner *owner;
    int nowner;
    pid_t driver_pid;               /* hostmix run itself */
    pid_t profiler_pid;             /* perf record */
    pid_t exit_recorder_pid;        /* the KVM exits' perf record, or 0 */
    int tcg;
    const char *event;              /* the sampling event's name ("cpu-clock") */
    int top;                        /* top functions wanted (<= PROF_TOP) */
};

/* Reads perf script text from in and fills out (zeroed first; the
 * caller sets event, freq, seconds and the rest afterwards).  Returns
 * the number of lines that were neither headers, frames nor blank. */
long prof_analyze(FILE *in, const struct prof_input *pi, struct prof_summary *out);

/* The vCPU threads' guest time of one QEMU process between two readings
 * of its threads (measure/thread.h): per vCPU thread, its exact run time
 * (schedstat) times its guest_time over utime + stime (tick-sampled).
 * The counts behind it are added to *g.  Returns ns. */
struct meas_thread;
struct prof_vcpu_guest { uint64_t guest_ticks, ticks; int nvcpu; };
double prof_vcpu_guest_ns(const struct meas_thread *t0, int n0, const struct meas_thread *t1,
                          int n1, pid_t pid, struct prof_vcpu_guest *g);

/* Scales the causes' sampled time to sut_cores (the run's measured
 * system-under-test CPU), so the system under test's causes add up to it
 * exactly (the driver's and the profiler's at the same scale), and sets
 * each cause's share of the sampled system-under-test time.  When the
 * guests' time came from their vCPU threads (guest_threads), the guest
 * cause is that time (at most sut_cores) and only the other samples are
 * scaled, to the remainder; guest samples (vmx_vcpu_run leaves, guest
 * mode) are left out of them, as their time is in the threads' figure. */
void prof_scale(struct prof_summary *s, double sut_cores);

/* One sentence (no final period) on how the guest cause was taken when it
 * came from the vCPU threads: their figures, that the fraction is
 * tick-sampled, how the sampling event treated guest mode, and what the
 * samples of guest mode became.  Writes at most n bytes into dst. */
void prof_guest_note(const struct prof_summary *s, char *dst, size_t n);

/* Server i's cores: its share of the sampled system under test scaled
 * to sut_cores, or, when the guests' time came from their vCPU threads,
 * its guest time plus its other samples' share of the rest. */
double prof_server_cores(const struct prof_summary *s, int i);

/* Whether a cause is part of the system under test (not idle, not the
 * driver, not the profiler). */
int prof_cause_is_sut(int cause);

/* Whether an exit reason is a halt: HLT (Intel VMX) or hlt (AMD SVM).
 * After a halt the vCPU sleeps (or halt-polls) until the guest has work:
 * its time to the next entry is the guest idling, not exit handling. */
int prof_exit_is_halt(const char *reason);

/* The mean exit-to-entry time of x in us: over its timed exits (over
 * all, in results from before they were counted), 0 without any. */
double prof_exit_mean_us(const struct prof_exit *x);

/* The exits of s summed in two: halt exits into *halt, all others into
 * *other (reason "halt" and "other"; count and exit-to-entry ns). */
void prof_exit_split(const struct prof_summary *s, struct prof_exit *other,
                     struct prof_exit *halt);

#endif
