/* summary.c — see summary.h. */
#include "report/summary.h"

#include <stdio.h>
#include <string.h>

void report_summarize(const struct run *r, struct report_summary *s)
{
    memset(s, 0, sizeof *s);
    s->have_interval = r->s_measure_a >= 0 && r->s_measure_b > r->s_measure_a;
    if (s->have_interval) run_cpu_between(r, r->s_measure_a, r->s_measure_b, &s->cpu);
    s->have_baseline = r->s_base_a >= 0 && r->s_base_b > r->s_base_a;
    if (s->have_baseline) run_cpu_between(r, r->s_base_a, r->s_base_b, &s->baseline);
    for (int role = 0; role < ROLE_COUNT; role++) {
        struct report_role *rr = &s->role[role];
        hist_init(&rr->lat);
        rr->present = job_has_role(&r->job, role);
        rr->driven = rr->present && role_is_driven(role);
        rr->qos_pass = 1;
        if (rr->driven) rr->target_rate = r->job.role[role].rate * (double)r->job.sets;
        rr->cores = s->cpu.role_cores[role];
    }
    if (r->res) {
        for (int i = 0; i < r->res->ntargets; i++) {
            const struct drive_target_result *t = &r->res->t[i];
            struct report_role *rr = &s->role[t->cfg.role];
            rr->achieved_rate += t->achieved_rate;
            rr->requests += t->all.count;
            rr->errors += t->all.errors + t->all.timeouts + t->conn_errors;
            hist_merge(&rr->lat, &t->all.corrected);
            if (!t->qos_pass && rr->qos_pass) {
                rr->qos_pass = 0;
                snprintf(rr->qos_failed, sizeof rr->qos_failed, "%s: %s", t->cfg.name,
                         t->qos_failed);
            }
        }
    } else {
        for (int role = 0; role < ROLE_COUNT; role++)
            if (s->role[role].driven) {
                s->role[role].qos_pass = 0;
                snprintf(s->role[role].qos_failed, sizeof s->role[role].qos_failed,
                         "no load results");
            }
    }
    for (int role = 0; role < ROLE_COUNT; role++) {
        struct report_role *rr = &s->role[role];
        if (rr->requests && s->cpu.seconds > 0)
            rr->cpu_ms_per_op = rr->cores * s->cpu.seconds * 1e3 / (double)rr->requests;
        s->achieved_total += rr->achieved_rate;
        s->target_total += rr->target_rate;
    }
}
