/* capacity.h — the result of `hostmix capacity`: how many sets the host
 * carries within QoS (SPECvirt's and VMmark's question), every step of the
 * search with its CPU per set and per request, and the first failure.
 *
 * Built by the search (run/capacity.c) from each step's report model,
 * written as capacity.json, read back from it (for renderers such as the
 * HTML report), and printed as a table. */
#ifndef HOSTMIX_REPORT_CAPACITY_H
#define HOSTMIX_REPORT_CAPACITY_H

#include <stddef.h>
#include <stdio.h>

#include "job/job.h"

struct report_model;
struct json_val;
struct buf;

#define CAPACITY_SCHEMA_VERSION 1
/* A step holds its target rate when every driven role achieved at least
 * this share of it (compare's same-work bound). */
#define CAPACITY_RATE_SHORT_PCT 2.0

/* One step: the job with `sets` sets, a whole run. */
struct report_cap_step {
    int sets;
    int order;                      /* 1 for the first step made */
    char *dir;                      /* where its result.json is */
    int valid, complete, qos_pass;
    int rate_ok;                    /* every driven role held its target rate */
    int pass;                       /* valid, QoS met, rate held */
    char *failed_role;              /* the first role that failed QoS or rate, or NULL */
    char *why;                      /* why it did not pass, or NULL */
    double seconds;                 /* the step's wall time, preparing data included */
    double achieved_rate, target_rate, sut_cores, servers_cores;
    double role_cores[ROLE_COUNT];  /* NAN for roles not deployed */
};

struct report_capacity {
    char *name, *job_file, *platform, *hostmix_version;
    double started_unix, ended_unix;
    int max_sets, step;             /* the search's bounds */
    int servers_per_set;
    int capacity;                   /* the largest passing set count (0: none passed) */
    int bounded;                    /* a step above capacity failed (else capacity >= it) */
    int interrupted;                /* SIGINT/SIGTERM ended the search */
    int nsteps;
    struct report_cap_step *steps;  /* sorted by sets */
};

/* A new empty result (zeroed); free with report_capacity_free. */
struct report_capacity *report_capacity_new(void);
void report_capacity_free(struct report_capacity *c);
/* Adds the step of `sets` sets from its run's model m (made order-th,
 * taking seconds, written in dir); keeps steps sorted and recomputes
 * capacity and bounded.  Returns the step (owned by c). */
const struct report_cap_step *report_capacity_add(struct report_capacity *c, int sets,
                                                  int order, const char *dir, double seconds,
                                                  const struct report_model *m);
/* Sets c's strings (copied). */
void report_capacity_set_info(struct report_capacity *c, const char *name, const char *job_file,
                              const char *platform);
/* The step of `sets` sets, or NULL. */
const struct report_cap_step *report_capacity_step(const struct report_capacity *c, int sets);
/* The first failing step (the smallest set count that failed), or NULL. */
const struct report_cap_step *report_capacity_first_failure(const struct report_capacity *c);

/* The search's next set count from the steps so far: 1 first, then the
 * largest tried + step (max itself last) while nothing failed, then the
 * middle between the capacity and the first failure; 0 when the search
 * is over (a failure right above the capacity, or max passed). */
int report_capacity_next(const struct report_capacity *c, int max, int step);

/* capacity.json of c appended to out. */
void report_capacity_json(const struct report_capacity *c, struct buf *out);
/* The result of a parsed capacity.json, or NULL with the reason appended
 * to err. */
struct report_capacity *report_capacity_from_json(const struct json_val *root, struct buf *err);
/* The text form: the verdict line and the table of steps. */
void report_capacity_text(const struct report_capacity *c, FILE *f);

#endif
