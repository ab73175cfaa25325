/* run.h — the state of one `hostmix run`, shared by the controller
 * (src/run/) and the renderers (src/report/).
 *
 * The controller fills it phase by phase: the servers it started, the
 * samples it took, the driver's results and whether the run is valid.
 * The renderers only read it. */
#ifndef HOSTMIX_RUN_H
#define HOSTMIX_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "drive/drive.h"
#include "job/job.h"
#include "measure/measure.h"
#include "platform/platform.h"
#include "run/plan.h"

#define RUN_SCHEMA_VERSION 1
#define RUN_MAX_SETS 64
/* Servers up, no load yet: how busy the host is without the experiment. */
#define RUN_BASELINE_NS 1000000000LL

/* Phases of a run, in order. */
enum run_phase { RUN_PH_PREPARE, RUN_PH_START, RUN_PH_BASELINE, RUN_PH_RAMP_UP, RUN_PH_MEASURE,
                 RUN_PH_RAMP_DOWN, RUN_PH_TEARDOWN, RUN_PH_DONE };
extern const char *const run_phase_names[];

/* One sample: cumulative counters at time t (monotonic ns). */
struct run_sample {
    int64_t t_ns;
    int64_t wall_ns;                /* wall clock (CLOCK_REALTIME) at t_ns */
    int phase;                      /* enum run_phase when taken */
    struct meas_host host;
    uint64_t self_ns;               /* the run process (controller + drivers) */
    uint64_t ctl_ns;                /* the controller thread alone */
    uint64_t coll_ns;               /* the collectors (perf) around the interval */
    uint64_t completed, errors;     /* driver counters so far */
    uint64_t *srv_ns;               /* per server (run.nsrv entries): CPU total */
    struct plat_cpu *srv_cpu;       /* per server: CPU in named parts */
};

/* CPU over an interval between two samples, in cores. */
struct run_cpu {
    double seconds;
    struct meas_breakdown host;
    double host_busy_cores;
    double driver_cores;            /* run process minus the controller */
    double ctl_cores;               /* controller and sampler */
    double coll_cores;              /* the collectors' own CPU (perf record) */
    double sut_cores;               /* host busy - run process - collectors */
    double role_cores[ROLE_COUNT];  /* servers of each role, all sets */
    double servers_cores;           /* every server (the sum of role_cores) */
    double ctxt_s, intr_s;
};

/* Host facts copied into results. */
struct run_host_facts {
    char kernel[128];
    char cpu_model[128];
    int cores;
    uint64_t mem_bytes;
    char hostname[128];
    enum meas_idle_kind idle;       /* how the kernel keeps idle time */
    char idle_why[160];
};

struct collect;

struct run {
    struct job job;
    char job_text[65536];           /* the job file as read (copied into result.json) */
    char outdir[256];
    int want_text, want_json, want_html;
    int tty;                        /* progress as a live line */
    char progress_tag[64];          /* before the progress line: "step 3/8: 3 sets", or "" */
    struct run_host_facts facts;

    struct plat plat;
    struct plan plan;               /* the data sets and one spec per server (plan.c) */
    struct plat_server *srv;        /* srv[i] runs plan.spec[i] */
    int nsrv;
    int nbackend;                   /* srv[0, nbackend): the first wave (nfs, db) */
    int stop_signal;                /* SIGINT/SIGTERM received, or 0 */
    /* the working copy of the data sets servers change (work.c) */
    char work_dir[512];             /* DATA_DIR/.hostmix-work-PID, "" if none */
    int keep_work;                  /* --keep-work: keep it, renamed, at teardown */
    int work_kept;                  /* it was kept, as work_dir */
    int64_t work_ns;                /* time spent copying (before any server started) */
    int64_t work_bytes;
    long work_files;
    unsigned work_methods;          /* 1 << RUN_COPY_* for each method used */

    struct drive *drv;
    struct collect *coll;           /* the [profile] collectors, or NULL */
    const struct drive_results *res;

    struct run_sample *samples;
    int nsamples, cap_samples;
    int s_measure_a, s_measure_b;   /* samples at the measurement edges, or -1 */
    int s_base_a, s_base_b;         /* the baseline before load (servers up, idle), or -1 */

    int phase;                      /* enum run_phase reached */
    int valid;                      /* no server died, nothing interrupted */
    int complete;                   /* every phase ran to its end */
    int qos_pass;
    char invalid[1024];             /* why the run is invalid */
    int wait_host;                  /* --wait: wait for another run to end */
    char overlapped[512];           /* the runs that shared the host with this one, or "" */
    int64_t wall_start_ns, wall_end_ns;
};

/* How the working copy's files were copied (overlay: not copied, an
 * overlayfs mount over the cached data set with an upper layer per run). */
enum { RUN_COPY_REFLINK, RUN_COPY_RANGE, RUN_COPY_RW, RUN_COPY_OVERLAY, RUN_COPY_METHODS };
extern const char *const run_copy_method_names[];
/* The methods in a bit set, '+'-joined ("reflink", "copy_file_range+read/write"). */
void run_copy_methods_text(unsigned methods, char *dst, size_t n);

/* CPU between samples a and b (indices into r->samples). */
void run_cpu_between(const struct run *r, int a, int b, struct run_cpu *c);
/* Reads kernel, CPU model, cores and memory through the reader layer. */
void run_host_facts(const char *root, struct run_host_facts *f);

struct report_model;
struct report_live;
/* model.c: the report model of a finished (or stopped) run.  Never fails
 * (allocation failure aborts); the caller frees it with report_model_free. */
struct report_model *report_model_from_run(const struct run *r);
/* model.c: the figures of the progress line from the run's last two
 * samples. */
void report_live_from_run(const struct run *r, struct report_live *l);

#endif
