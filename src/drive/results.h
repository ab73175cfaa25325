/* results.h — per-thread statistics of the load driver and what becomes of
 * them: merging into drive_target_result, QoS, JSON and text (results.c).
 * Internal to src/drive/. */
#ifndef HOSTMIX_DRIVE_RESULTS_H
#define HOSTMIX_DRIVE_RESULTS_H

#include "drive/drive.h"

/* One thread's statistics for one target (only completions inside the
 * measurement interval are recorded). */
struct tstats {
    uint64_t connects, conn_errors, late;
    int nops;
    struct drive_op_result op[];    /* nops entries */
};

/* A zeroed tstats for nops operations; the caller frees it with free(). */
struct tstats *tstats_new(int nops);
/* Records one request: verdict DP_OK, DP_ERR, DP_FATAL or -1 (timeout). */
void tstats_record(struct tstats *s, int op, int verdict, int64_t intended,
                   int64_t sent, int64_t done, uint64_t bytes);
/* r->op[i] += s->op[i]; counters too. */
void tstats_merge(struct drive_target_result *r, const struct tstats *s);
/* Names the operations, sums them into r->all, computes the achieved rate
 * over measure_ns and evaluates r->cfg.qos. */
void results_finish(struct drive_target_result *r, const char *const *ops, int64_t measure_ns);

#endif
