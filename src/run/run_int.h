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
/* Which roles need a data set prepared: web (also for nfs), imap, db. */
int run_role_prepared(const struct job *j, int role);

/* work.c: roles whose server changes its data set (db, imap). */
int run_role_mutates(int role);
/* Sweeps copies of dead runs, then copies the data sets of those roles into
 * DATA_DIR/.hostmix-work-PID and points r->data at them, timing it in
 * r->work_ns.  Returns 0, or -1 with r->invalid saying why. */
int run_work_create(struct run *r);
/* Removes the working copy (or with r->keep_work renames it); teardown. */
void run_work_remove(struct run *r);
/* rm -r dir (no error if it does not exist).  Returns 0 or -1 (errno). */
int run_rmtree(const char *dir);

/* run.c: runs argv (a hostmix command) to completion with its output in
 * log, watching for SIGINT/SIGTERM meanwhile.  Returns the wait status,
 * or -1 when interrupted (the child is then killed and reaped). */
int run_child(struct run *r, char *const argv[], const char *log);

#endif
