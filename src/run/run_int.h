/* run_int.h — functions the modules of src/run/ share (not for others). */
#ifndef HOSTMIX_RUN_INT_H
#define HOSTMIX_RUN_INT_H

#include "run/run.h"

/* model.c: shows the run's progress line on stderr (final: ends it). */
void run_progress(const struct run *r, int final);

/* run.c: opens the platform of r->job (its [platform] options live in
 * r->job). */
void run_open_platform(struct run *r);

/* sample.c */
int run_sample_take(struct run *r);
void run_samples_free(struct run *r);

/* prep.c: fills r->plan.data with every data set the job needs and
 * prepares each (or finds it in the cache).  Returns 0, or -1 with r->invalid saying why. */
int run_prepare_data(struct run *r);

/* work.c: sweeps copies of dead runs, then copies the data sets whose
 * servers change them (role table: mutates) into
 * DATA_DIR/.hostmix-work-PID and points their servers at them (the
 * plan's data sets), timing it in
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
/* The same, ticking pg (core/progress.h) meanwhile when not NULL. */
struct progress;
int run_child_watch(struct run *r, char *const argv[], const char *log, struct progress *pg);

/* run.c: one run made several times in one process (repeat.c,
 * capacity.c).  run_derive returns a new run of t's job (a copy, with its
 * job text, formats and progress tag) writing into outdir, its platform
 * opened; the caller frees it with run_free.  run_once probes, checks and
 * makes the run (the caller holds the signals: run_signals_init); it
 * returns 0 when the run was made (r->valid, r->qos_pass say how it went)
 * or the exit status when nothing was started.  run_read_job_text copies
 * the job file into r->job_text. */
struct run *run_derive(const struct run *t, const char *outdir);
int run_once(struct run *r);
void run_free(struct run *r);
void run_read_job_text(struct run *r, const char *path);

/* ctl.c: a SIGINT or SIGTERM that arrived while no run waited (between
 * runs): returns its number (and consumes it), or 0. */
int run_signal_pending(void);

/* repeat.c: `--repeat N` checked into *n (1..100); -1 after saying why. */
int run_repeat_arg(const char *text, int *n);
/* repeat.c: makes t's job t->job.repeat times, each run in
 * OUTPUT/repeat-K, then writes OUTPUT/result.json and report.txt: the
 * last run with every run's figures and their spread.  Returns the exit
 * status. */
int run_repeat(struct run *t);
/* repeat.c: writes r's report files (result.json, and report.txt and
 * report.html as r asked) into r->outdir, printing nothing on stdout.
 * Returns 0, or -1 after logging what could not be written. */
int run_write_files(struct run *r);
/* run.c: the REPORT_FILE_* set r's formats ask for. */
unsigned run_report_files(const struct run *r);

#endif
