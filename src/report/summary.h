/* summary.h — the figures of a finished run that every renderer shows:
 * per role load, latency and CPU; host CPU over the measurement interval.
 * Computed once from struct run (report_summarize), so the text report and
 * result.json cannot disagree. */
#ifndef HOSTMIX_SUMMARY_H
#define HOSTMIX_SUMMARY_H

#include "core/hist.h"
#include "run/run.h"

struct report_role {
    int present;                    /* deployed in this run */
    int driven;
    double target_rate, achieved_rate;   /* all sets */
    uint64_t requests, errors;      /* errors include timeouts and connection errors */
    struct hist lat;                /* corrected latency, merged over sets */
    int qos_pass;
    char qos_failed[160];           /* first failing target and clause */
    double cores;                   /* servers of the role, all sets */
    double cpu_ms_per_op;           /* cores * seconds / requests, in ms; 0 if no requests */
};

struct report_summary {
    int have_interval;              /* two samples bound the interval */
    struct run_cpu cpu;             /* the measurement interval */
    int have_baseline;
    struct run_cpu baseline;        /* servers up, no load (RUN_BASELINE_NS) */
    struct report_role role[ROLE_COUNT];
    double achieved_total, target_total;
};

/* Fills s from r.  The struct holds histograms: allocate it (it is large). */
void report_summarize(const struct run *r, struct report_summary *s);

#endif
