/* t_run_cpu.c — CPU figures of an interval from two stored samples: the
 * host breakdown of tests/fixtures/measure t0 -> t1 (5 s apart: each CPU's
 * idle + iowait + steal grows by 300 ticks, so 2 of its 5 s are busy, 0.8
 * cores in all, where the tick fields say 960 / 1570 x 2) plus known process and
 * server counters give exact driver, controller, system-under-test and
 * per-role cores; the report model of a run without load results. */
#include "test.h"
#include "run/run.h"
#include "report/model.h"

#include <math.h>
#include <stdlib.h>

static struct run *fixture_run(void)
{
    struct run *r = calloc(1, sizeof *r);
    job_defaults(&r->job);
    static struct server_spec spec[2];
    static struct plat_server srv[2];
    spec[0].role = ROLE_WEB;
    spec[1].role = ROLE_IDLE;
    srv[0].spec = &spec[0];
    srv[1].spec = &spec[1];
    r->srv = srv;
    r->nsrv = 2;
    r->samples = calloc(2, sizeof *r->samples);
    r->nsamples = r->cap_samples = 2;
    static uint64_t srv0[2] = { 1000000000ULL, 100 }, srv1[2] = { 1785000000ULL, 5000100 };
    r->samples[0].srv_ns = srv0;
    r->samples[1].srv_ns = srv1;
    /* 5 s apart; run process +0.5 s of CPU, controller +0.05 s */
    r->samples[0].t_ns = 10000000000LL;
    r->samples[1].t_ns = 15000000000LL;
    r->samples[0].self_ns = 2000000000ULL;
    r->samples[1].self_ns = 2500000000ULL;
    r->samples[0].ctl_ns = 100000000ULL;
    r->samples[1].ctl_ns = 150000000ULL;
    meas_host_read("tests/fixtures/measure/t0", &r->samples[0].host);
    meas_host_read("tests/fixtures/measure/t1", &r->samples[1].host);
    r->samples[0].host.t_ns = r->samples[0].t_ns;     /* as if read at the samples' times */
    r->samples[1].host.t_ns = r->samples[1].t_ns;
    return r;
}

TEST(run_cpu_between_exact)
{
    struct run *r = fixture_run();
    struct run_cpu c;
    run_cpu_between(r, 0, 1, &c);
    T_NEAR(c.seconds, 5, 1e-12);
    T_NEAR(c.host_busy_cores, 0.8, 1e-12);
    T_NEAR(c.host.tick_busy_cores, 960.0 / 100 / 5, 1e-12);
    T_NEAR(c.host.resolution_cores, 2.0 / 100 / 5, 1e-12);
    T_NEAR(c.ctl_cores, 0.01, 1e-12);
    T_NEAR(c.driver_cores, 0.09, 1e-12);                     /* 0.1 - 0.01 */
    T_NEAR(c.sut_cores, 0.8 - 0.1, 1e-12);                  /* host busy - run process */
    T_NEAR(c.role_cores[ROLE_WEB], 0.157, 1e-12);
    T_NEAR(c.role_cores[ROLE_IDLE], 0.001, 1e-12);
    T_NEAR(c.servers_cores, 0.158, 1e-12);
    T_NEAR(c.ctxt_s, 500, 1e-9);
    T_NEAR(c.intr_s, 600, 1e-9);
    /* reversed or out-of-range samples give nothing, not garbage */
    run_cpu_between(r, 1, 0, &c);
    T_NEAR(c.seconds, 0, 0);
    run_cpu_between(r, 0, 7, &c);
    T_NEAR(c.seconds, 0, 0);
    free(r->samples);
    free(r);
}

TEST(run_model_without_results)
{
    struct run *r = fixture_run();
    r->s_measure_a = 0;
    r->s_measure_b = 1;
    r->s_base_a = r->s_base_b = -1;
    struct report_model *m = report_model_from_run(r);
    T_ASSERT(m->have_interval);
    T_ASSERT(!m->have_baseline);
    T_NEAR(m->cpu.seconds, 5, 1e-12);
    T_NEAR(m->cpu.role_cores[ROLE_WEB], 0.157, 1e-12);
    T_EQ_INT(m->cpu.ncpu, 2);
    /* no driver results: every driven role fails QoS, saying so */
    T_ASSERT(!m->have_drive);
    T_EQ_INT(m->role[ROLE_WEB].qos_pass, 0);
    T_EQ_STR(m->role[ROLE_WEB].qos_failed, "no load results");
    T_EQ_INT(m->role[ROLE_DB].driven, 0);
    T_NEAR(m->target_total, 60 + 20 + 20 + 1, 1e-9);      /* job defaults, one set */
    /* the series: one interval, no wall clock recorded in the fixture */
    T_EQ_INT(m->npoints, 1);
    T_ASSERT(isnan(m->series[0].unix_s));
    T_NEAR(m->series[0].cpu.sut_cores, 0.8 - 0.1, 1e-12);
    T_EQ_STR(m->acct.host_busy, r->facts.idle == MEAS_IDLE_TICK ? "tick-sampled" : "measured");
    T_ASSERT(m->consistency == NULL);                        /* 0.8 >= 0.158 + 0.1 */
    T_EQ_INT(m->nservers, 2);
    T_NEAR(m->server[0].measure_cores, 0.157, 1e-12);      /* (1.785 s - 1 s) / 5 s */
    T_NEAR(m->server[1].measure_cores, 0.001, 1e-12);
    report_model_free(m);
    free(r->samples);
    free(r);
}
