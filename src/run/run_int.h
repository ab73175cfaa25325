/* run_int.h — functions the modules of src/run/ share (not for others). */
#ifndef HOSTMIX_RUN_INT_H
#define HOSTMIX_RUN_INT_H

#include "run/run.h"

/* sample.c */
int run_sample_take(struct run *r);
void run_samples_free(struct run *r);

/* prep.c: prepares (or finds in the cache) every data set the job needs,
 * filling r->data.  Returns 0, or -1 with r->invalid saying why. */
int run_prepare_data(struct run *r);

/* work.c: sweeps copies of dead runs, then copies the data sets of the
 * roles that change their data (role table: mutates) into
 * DATA_DIR/.hostmix-work-PID and points r->data at them, timing it in
 * r->work_ns.  Returns 0, or -1 with r->invalid saying why. */
int run_work_create(struct run *r);
/* Removes the working copy (or with r->keep_work renames it); teardown. */
void run_work_remove(struct run *r);

/* ctl.c: run control. */
/* Blocks SIGINT, SIGTERM, SIGCHLD (and SIGPIPE) and opens the signalfd;
 * run_signals_done restores the mask. */
void run_signals_init(void);
void run_signals_done(void);
/* Marks the run invalid; the first reason wins. */
void run_invalidate(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reaps servers that exited; one that was not asked to stop invalidates
 * the run. */
void run_check_servers(struct run *r);
/* Waits until the monotonic deadline, handling signals meanwhile.
 * Returns 1 as soon as the run must stop (a signal or a dead server),
 * else 0 at the deadline. */
int run_wait_until(struct run *r, int64_t deadline);
/* Runs argv (a hostmix command) to completion with its output in log,
 * watching for SIGINT/SIGTERM meanwhile.  Returns the wait status, or -1
 * when interrupted (the child is then killed and reaped). */
int run_child(struct run *r, char *const argv[], const char *log);

#endif
