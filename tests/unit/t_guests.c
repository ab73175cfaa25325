/* t_guests.c — the hypervisor-neutral overhead arithmetic: a run's two
 * samples with per-part CPU of two guests give each guest's host cores by
 * QEMU thread class, its guest-reported busy cores and host/busy, and the
 * per-role and total figures; result.json carries them back unchanged. */
#include "test.h"
#include "report/model.h"
#include "run/run.h"
#include "core/json.h"

#include <math.h>
#include <stdlib.h>

/* part ns for one guest at one sample */
static void g_set(struct plat_cpu *c, double vcpu, double main_, double busy)
{
    c->part_ns[PLAT_CPU_VCPU] = (uint64_t)(vcpu * 1e9);
    c->part_ns[PLAT_CPU_MAIN] = (uint64_t)(main_ * 1e9);
    c->part_ns[PLAT_CPU_GUEST_BUSY] = (uint64_t)(busy * 1e9);
    c->total_ns = (uint64_t)((vcpu + main_) * 1e9);
    c->have = 1u << PLAT_CPU_VCPU | 1u << PLAT_CPU_MAIN | 1u << PLAT_CPU_GUEST_BUSY;
}

TEST(guests_neutral_overhead)
{
    struct run *r = calloc(1, sizeof *r);
    job_defaults(&r->job);
    static struct server_spec spec[2];
    static struct plat_server srv[2];
    spec[0].role = ROLE_WEB;
    spec[1].role = ROLE_DB;
    for (int i = 0; i < 2; i++) srv[i].spec = &spec[i];
    r->srv = srv;
    r->nsrv = 2;
    struct run_sample smp[2] = { { 0 } };
    static struct plat_cpu cpu0[2], cpu1[2];
    static uint64_t ns0[2], ns1[2];
    /* 4 s apart: web used 2.0 s vCPU + 0.4 s main, reported 1.2 s busy;
     * db 0.8 s + 0.2 s, reported 0.25 s busy */
    g_set(&cpu0[0], 10, 1, 5);
    g_set(&cpu1[0], 12, 1.4, 6.2);
    g_set(&cpu0[1], 3, 1, 2);
    g_set(&cpu1[1], 3.8, 1.2, 2.25);
    for (int i = 0; i < 2; i++) {
        ns0[i] = cpu0[i].total_ns;
        ns1[i] = cpu1[i].total_ns;
    }
    smp[0].t_ns = 1000000000LL;
    smp[1].t_ns = 5000000000LL;
    smp[0].srv_cpu = cpu0;
    smp[1].srv_cpu = cpu1;
    smp[0].srv_ns = ns0;
    smp[1].srv_ns = ns1;
    r->samples = smp;
    r->nsamples = 2;
    r->s_measure_a = 0;
    r->s_measure_b = 1;
    r->s_base_a = r->s_base_b = -1;
    struct report_model *m = report_model_from_run(r);
    const struct report_server *w = &m->server[0], *d = &m->server[1];
    T_ASSERT(w->guest.present && d->guest.present);
    T_NEAR(w->measure_cores, 0.6, 1e-9);                /* 2.4 s / 4 s */
    T_NEAR(w->guest.thread_cores[0], 0.5, 1e-9);        /* vcpu */
    T_NEAR(w->guest.thread_cores[1], 0.1, 1e-9);        /* main */
    T_NEAR(w->guest.busy_cores, 0.3, 1e-9);
    T_NEAR(w->guest.overhead, 2.0, 1e-9);
    T_NEAR(d->guest.busy_cores, 0.0625, 1e-9);
    T_NEAR(d->guest.overhead, 0.25 / 0.0625, 1e-9);
    T_ASSERT(m->guests.present);
    T_NEAR(m->guests.host_cores, 0.85, 1e-9);
    T_NEAR(m->guests.busy_cores, 0.3625, 1e-9);
    T_NEAR(m->guests.overhead, 0.85 / 0.3625, 1e-9);
    T_NEAR(m->guests.role_overhead[ROLE_WEB], 2.0, 1e-9);
    T_NEAR(m->guests.role_overhead[ROLE_DB], 4.0, 1e-9);
    T_ASSERT(isnan(m->guests.role_overhead[ROLE_IMAP]));
    /* through result.json and back */
    struct buf j = BUF_INIT;
    report_render_json(m, &j);
    char err[256];
    struct json_doc *doc = json_parse(buf_head(&j), buf_used(&j), err, sizeof err);
    T_ASSERT(doc);
    struct report_model *m2 = report_model_from_json(json_root(doc), 0, err, sizeof err);
    T_ASSERT(m2);
    if (m2) {
        T_NEAR(m2->server[0].guest.overhead, 2.0, 1e-9);
        T_NEAR(m2->guests.overhead, 0.85 / 0.3625, 1e-9);
        T_NEAR(m2->guests.role_overhead[ROLE_DB], 4.0, 1e-9);
    }
    report_model_free(m2);
    json_doc_free(doc);
    buf_free(&j);
    report_model_free(m);
    free(r);
}
