/* plan.h — the server plan: from the job, the role table and the
 * platform's address plan, one server_spec per server, built once before
 * anything starts.  Platforms receive these specs (platform.h); the
 * controller starts them in plan order: the first wave (backends: nfs,
 * db) in spec[0, nfirst), the rest after. */
#ifndef HOSTMIX_PLAN_H
#define HOSTMIX_PLAN_H

#include "job/job.h"
#include "platform/platform.h"

struct plan {
    struct server_spec *spec;       /* owned; plan_free releases it */
    int n, nfirst;
};

/* Where the data set of (set, role) is on the host: cached 0 gives the
 * directory the server serves (the cached set or the run's working copy
 * of it), cached 1 the cached set; NULL or "" if the role has none. */
typedef const char *(*plan_data_fn)(const void *ctx, int set, int role, int cached);

/* Builds the plan for every set and deployed role.  Logs go to
 * LOGDIR/NAME.log.  Returns 0 (the plan is always buildable from a valid
 * job). */
int plan_build(struct plan *pl, const struct job *j, const struct plat *p, plan_data_fn data,
               const void *ctx, const char *logdir);
/* Releases every spec and its strings. */
void plan_free(struct plan *pl);

#endif
