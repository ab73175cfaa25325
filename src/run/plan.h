/* plan.h — the run's plan, the one place that walks sets and roles:
 * from the job and the role table, the data sets the run serves (each
 * with its cache key, its directory in the cache and the directory its
 * servers serve: the cached set or the run's working copy), then with the
 * platform's address plan one server_spec per server.  Prepare and the
 * working copy walk plan.data; platforms receive the specs (platform.h);
 * the controller starts them in plan order: the first wave (backends:
 * nfs, db) in spec[0, nfirst), the rest after. */
#ifndef HOSTMIX_PLAN_H
#define HOSTMIX_PLAN_H

#include "job/job.h"
#include "platform/platform.h"

/* One data set of the run: role's prepared data for one set. */
struct plan_data {
    int set, role;
    char *key;                      /* cache key: role, seed, set, size options */
    char *cached;                   /* DATA_DIR/KEY */
    char *dir;                      /* what its servers serve: cached, or the working copy */
    struct strvec size;             /* its size options as `hostmix prepare` words (and
                                     * --software=real: the real server's own data set) */
    int mutates;                    /* its servers change it: served from a working copy */
};

struct plan {
    struct plan_data *data;         /* owned, like everything below; plan_free releases it */
    int ndata;
    struct server_spec *spec;
    int n, nfirst;
};

/* Fills pl->data: one data set per set and role whose data is prepared
 * (role_prepared), in the cache j->data_dir.  Specs come later. */
void plan_data_build(struct plan *pl, const struct job *j);
/* Points data set d's servers at dir (its working copy); copies dir. */
void plan_data_serve(struct plan_data *d, const char *dir);
/* Adds the specs: one per set and deployed role, their data from
 * pl->data (so after the working copies).  Logs go to LOGDIR/NAME.log.
 * Returns 0 (the plan is always buildable from a valid job). */
int plan_build(struct plan *pl, const struct job *j, const struct plat *p, const char *logdir);
/* Releases the data sets, every spec and their strings. */
void plan_free(struct plan *pl);

#endif
