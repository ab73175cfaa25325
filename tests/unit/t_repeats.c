/* t_repeats.c — the spread of repeated runs (report/repeats.c): judged on
 * system-under-test CPU; on the servers' own CPU when the host's busy
 * ticks showed none of a small load; a bound that cannot be judged makes
 * the run invalid rather than silently passing it. */
#include "test.h"
#include "report/model.h"
#include "report/repeats.h"

#include <math.h>
#include <string.h>

/* n runs with the given figures; every role absent. */
static struct report_model *rp_model(const double *sut, const double *servers, int n,
                                     double max_stddev)
{
    struct report_model *m = report_model_new();
    struct report_repeat_run runs[4];
    m->valid = m->qos_pass = 1;
    memset(runs, 0, sizeof runs);
    for (int i = 0; i < n; i++) {
        runs[i].dir = "d";
        runs[i].valid = runs[i].qos_pass = 1;
        runs[i].sut_cores = sut[i];
        runs[i].servers_cores = servers[i];
        for (int r = 0; r < ROLE_COUNT; r++) runs[i].role_cores[r] = NAN;
    }
    report_repeats_attach(m, runs, n, max_stddev);
    return m;
}

TEST(repeats_spread_on_sut)
{
    const double sut[] = { 1.0, 1.2 }, srv[] = { 0.5, 0.5 };
    struct report_model *m = rp_model(sut, srv, 2, 5);
    T_ASSERT(!report_repeats_use_servers(m));
    T_NEAR(m->repeats->spread_pct, 100 * sqrt(0.02) / 1.1, 1e-9);
    T_ASSERT(!m->repeats->spread_ok && !m->valid);
    T_ASSERT(strstr(m->invalid_reason, "system-under-test CPU over 2 repeats") != NULL);
    report_model_free(m);
    m = rp_model(sut, srv, 2, 20);
    T_ASSERT(m->repeats->spread_ok && m->valid);
    report_model_free(m);
}

TEST(repeats_spread_falls_back_to_servers)
{
    const double sut[] = { 0, 0 }, srv[] = { 0.010, 0.012 };
    struct report_model *m = rp_model(sut, srv, 2, 0.0001);
    T_ASSERT(report_repeats_use_servers(m));
    T_ASSERT(!m->repeats->spread_ok && !m->valid);
    T_ASSERT(strstr(m->invalid_reason, "the servers' own CPU over 2 repeats") != NULL);
    report_model_free(m);
}

TEST(repeats_spread_unjudgeable_is_invalid)
{
    const double zero[] = { 0, 0 };
    struct report_model *m = rp_model(zero, zero, 2, 1);
    T_ASSERT(!m->repeats->spread_ok && !m->valid);
    T_ASSERT(strstr(m->invalid_reason, "cannot be judged") != NULL);
    report_model_free(m);
    m = rp_model(zero, zero, 2, 0);                 /* no bound: nothing to judge */
    T_ASSERT(m->repeats->spread_ok && m->valid);
    report_model_free(m);
}
