/* served.c — a run never reports work its own servers did not do.
 *
 * The driver counts the responses that complete inside the measurement
 * interval; each server counts the requests it answers, in memory it
 * shares with the run (core/served.h), read first thing in every sample.
 * After the load, the served count of each driven server over the
 * interval (between the samples at its edges) is compared with the
 * driver's count for that target.  They differ by what was in flight at
 * the edges, never by much: a driver that reached some other server
 * (another run's on the same addresses, a stale process) leaves the
 * measured one idle and the run is invalid, naming the server. */
#include "run/run_int.h"
#include "core/log.h"
#include "roles/role.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t run_served_tolerance(int64_t connections, double rate, int64_t skew_ns, uint64_t unsure)
{
    double late = rate > 0 && skew_ns > 0 ? ceil(rate * (double)skew_ns / 1e9) : 0;
    return 2 * (uint64_t)(connections > 0 ? connections : 0) + (uint64_t)late + unsure + 2;
}

/* Compares server i with its target's results t over [a, b].  Returns 0,
 * or -1 with the run invalidated. */
static int run_served_one(struct run *r, int i, const struct drive_target_result *t, int64_t ms,
                          int64_t me)
{
    const struct run_sample *a = &r->samples[r->s_measure_a], *b = &r->samples[r->s_measure_b];
    const char *name = r->srv[i].spec->name;
    if (a->srv_served[i] < 0 || b->srv_served[i] < 0) {
        log_info("%s: shares no request counters on this platform: its served count is not "
                 "checked", name);
        return 0;
    }
    uint64_t served = (uint64_t)(b->srv_served[i] - a->srv_served[i]), done = t->all.count;
    int64_t skew = llabs(a->t_ns - ms) + llabs(b->t_ns - me);
    double rate = t->achieved_rate > t->cfg.rate ? t->achieved_rate : t->cfg.rate;
    uint64_t tol = run_served_tolerance(t->cfg.connections, rate, skew,
                                        t->all.errors + t->all.timeouts + t->conn_errors);
    uint64_t diff = served > done ? served - done : done - served;
    log_info("%s: served %llu requests in the measurement interval, the driver completed %llu "
             "(tolerance %llu)", name, (unsigned long long)served, (unsigned long long)done,
             (unsigned long long)tol);
    if (diff <= tol) return 0;
    run_invalidate(r, "%s served %llu requests in the measurement interval by its own count, "
                   "but the driver completed %llu (more apart than the %llu in flight at the "
                   "edges): the driver did not measure this server",
                   name, (unsigned long long)served, (unsigned long long)done,
                   (unsigned long long)tol);
    return -1;
}

void run_served_check(struct run *r)
{
    if (!r->res || !r->complete || r->s_measure_a < 0 || r->s_measure_b <= r->s_measure_a)
        return;
    int64_t ms, me;
    drive_window(r->drv, &ms, &me);
    int k = 0;      /* targets were added in server order (run_start_drive) */
    for (int i = 0; i < r->nsrv && k < r->res->ntargets; i++)
        if (role_is_driven(r->srv[i].spec->role) &&
            run_served_one(r, i, &r->res->t[k++], ms, me))
            return;
}

void run_test_drive_to(const struct server_spec *sp, char *addr, size_t n)
{
    const char *e = getenv("HOSTMIX_TEST_DRIVE_TO");
    if (e && *e && role_def(sp->role)->idle) snprintf(addr, n, "%s", e);
}
