/* repeats.c — the figures of a run made N times (repeats.h): each run's
 * system-under-test, servers' and per-role CPU, their mean, sample
 * standard deviation and 95% confidence interval (core/stats.c), the
 * max_stddev bound (pbench's --max-stddev), result.json's "repeats"
 * member both ways, and the text report's section. */
#include "report/repeats.h"
#include "report/model.h"
#include "core/buf.h"
#include "core/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void report_repeat_run_from(struct report_model *m, const struct report_model *run,
                            const char *dir, struct report_repeat_run *o)
{
    memset(o, 0, sizeof *o);
    o->dir = report_model_str(m, dir);
    o->valid = run->valid;
    o->qos_pass = run->qos_pass;
    o->invalid_reason = run->valid ? NULL : report_model_str(m, run->invalid_reason);
    o->achieved_rate = run->achieved_total;
    o->sut_cores = run->have_interval ? run->cpu.sut_cores : NAN;
    o->servers_cores = run->have_interval ? run->cpu.servers_cores : NAN;
    for (int role = 0; role < ROLE_COUNT; role++)
        o->role_cores[role] = run->role[role].present && run->have_interval
                              ? run->cpu.role_cores[role] : NAN;
}

/* The summary of one figure over the runs that have it; off is the
 * figure's byte offset in struct report_repeat_run. */
static void rp_summary(const struct report_repeats *rp, size_t off, struct stats_summary *s)
{
    double *x = calloc((size_t)rp->n + 1, sizeof *x);
    if (!x) abort();
    int k = 0;
    for (int i = 0; i < rp->n; i++) {
        double v = *(const double *)(const void *)((const char *)&rp->run[i] + off);
        if (!isnan(v)) x[k++] = v;
    }
    stats_summarize(x, k, REPORT_REPEAT_LEVEL, s);
    free(x);
}

/* Every summary of rp from its runs. */
static void rp_compute(struct report_repeats *rp)
{
    rp_summary(rp, offsetof(struct report_repeat_run, sut_cores), &rp->sut);
    rp_summary(rp, offsetof(struct report_repeat_run, servers_cores), &rp->servers);
    for (int role = 0; role < ROLE_COUNT; role++)
        rp_summary(rp, offsetof(struct report_repeat_run, role_cores) + (size_t)role * sizeof(double),
                   &rp->role[role]);
    int servers = !(rp->sut.mean > 0) && rp->servers.mean > 0;
    rp->spread = servers ? &rp->servers : &rp->sut;
    rp->spread_of = servers ? "the servers' own CPU" : "system-under-test CPU";
    rp->spread_pct = rp->spread->mean > 0 ? 100 * rp->spread->sd / rp->spread->mean : NAN;
    int judged = rp->spread->n < 2 || !isnan(rp->spread_pct);
    rp->spread_ok = !(rp->max_stddev > 0) || (judged && !(rp->spread_pct > rp->max_stddev));
}

int report_repeats_use_servers(const struct report_model *m)
{
    return m->repeats && m->repeats->spread == &m->repeats->servers;
}

/* The first repeat that is invalid or failed QoS decides m's verdict
 * (its reason names the repeat); then the spread. */
static void rp_verdict(struct report_model *m, const struct report_repeats *rp)
{
    int bad = -1;
    for (int i = 0; i < rp->n; i++) {
        if (!rp->run[i].qos_pass) m->qos_pass = 0;
        if (!rp->run[i].valid && bad < 0) bad = i;
    }
    if (bad >= 0) {
        const char *r = rp->run[bad].invalid_reason;
        m->valid = 0;
        m->invalid_reason = report_model_strf(m, "repeat %d is invalid: %s", bad + 1, r ? r : "?");
    } else if (m->valid && !rp->spread_ok && isnan(rp->spread_pct)) {
        m->valid = 0;
        m->invalid_reason = report_model_strf(m, "the spread over %d repeats cannot be judged "
                                              "against max_stddev %g%%: neither system-under-test "
                                              "nor the servers' own CPU was above 0", rp->n,
                                              rp->max_stddev);
    } else if (m->valid && !rp->spread_ok) {
        m->valid = 0;
        m->invalid_reason = report_model_strf(m, "the standard deviation of %s over %d repeats is "
                                              "%.1f%% of its mean, more than max_stddev %g%%",
                                              rp->spread_of, rp->n, rp->spread_pct,
                                              rp->max_stddev);
    }
}

void report_repeats_attach(struct report_model *m, const struct report_repeat_run *runs, int n,
                           double max_stddev)
{
    struct report_repeats *rp = report_model_alloc(m, sizeof *rp);
    rp->n = n;
    rp->max_stddev = max_stddev;
    rp->run = report_model_alloc(m, (size_t)n * sizeof *rp->run);
    for (int i = 0; i < n; i++) {
        rp->run[i] = runs[i];
        rp->run[i].dir = report_model_str(m, runs[i].dir);
        rp->run[i].invalid_reason = report_model_str(m, runs[i].invalid_reason);
    }
    rp_compute(rp);
    m->repeats = rp;
    rp_verdict(m, rp);
}

/* ---- result.json ------------------------------------------------------- */

static void rp_stats_json(struct json_w *w, const char *k, const struct stats_summary *s)
{
    json_w_key(w, k);
    json_w_obj(w);
    json_w_kint(w, "n", s->n);
    json_w_knum(w, "mean", s->mean);
    json_w_knum(w, "stddev", s->sd);
    json_w_knum(w, "stddev_pct", s->mean > 0 ? 100 * s->sd / s->mean : NAN);
    json_w_knum(w, "ci_low", s->lo);
    json_w_knum(w, "ci_high", s->hi);
    json_w_knum(w, "ci_half", s->half);
    json_w_obj_end(w);
}

static void rp_run_json(struct json_w *w, const struct report_repeat_run *x)
{
    json_w_obj(w);
    json_w_kstr(w, "dir", x->dir);
    json_w_kbool(w, "valid", x->valid);
    json_w_kbool(w, "qos_pass", x->qos_pass);
    json_w_kstr(w, "invalid_reason", x->invalid_reason);
    json_w_knum(w, "achieved_rate", x->achieved_rate);
    json_w_knum(w, "sut_cores", x->sut_cores);
    json_w_knum(w, "servers_cores", x->servers_cores);
    json_w_key(w, "role_cores");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++)
        if (!isnan(x->role_cores[role])) json_w_knum(w, role_names[role], x->role_cores[role]);
    json_w_obj_end(w);
    json_w_obj_end(w);
}

void report_repeats_json(struct json_w *w, const struct report_model *m)
{
    const struct report_repeats *rp = m->repeats;
    if (!rp) return;
    json_w_key(w, "repeats");
    json_w_obj(w);
    json_w_kint(w, "n", rp->n);
    json_w_knum(w, "level", REPORT_REPEAT_LEVEL);
    json_w_knum(w, "max_stddev_pct", rp->max_stddev);
    json_w_kbool(w, "spread_ok", rp->spread_ok);
    json_w_kstr(w, "spread_of", rp->spread == &rp->servers ? "servers_cores" : "sut_cores");
    rp_stats_json(w, "sut_cores", &rp->sut);
    rp_stats_json(w, "servers_cores", &rp->servers);
    json_w_key(w, "role_cores");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++)
        if (rp->role[role].n) rp_stats_json(w, role_names[role], &rp->role[role]);
    json_w_obj_end(w);
    json_w_key(w, "runs");
    json_w_arr(w);
    for (int i = 0; i < rp->n; i++) rp_run_json(w, &rp->run[i]);
    json_w_arr_end(w);
    json_w_obj_end(w);
}

static void rp_run_from_json(struct report_model *m, const struct json_val *o,
                             struct report_repeat_run *x)
{
    const struct json_val *roles = json_get(o, "role_cores");
    x->dir = report_model_str(m, json_str(json_get(o, "dir"), NULL));
    x->valid = json_bool(json_get(o, "valid"), 0);
    x->qos_pass = json_bool(json_get(o, "qos_pass"), 0);
    x->invalid_reason = report_model_str(m, json_str(json_get(o, "invalid_reason"), NULL));
    x->achieved_rate = json_num(json_get(o, "achieved_rate"), NAN);
    x->sut_cores = json_num(json_get(o, "sut_cores"), NAN);
    x->servers_cores = json_num(json_get(o, "servers_cores"), NAN);
    for (int role = 0; role < ROLE_COUNT; role++)
        x->role_cores[role] = json_num(json_get(roles, role_names[role]), NAN);
}

void report_repeats_from_json(const struct json_val *o, struct report_model *m)
{
    const struct json_val *runs = json_get(o, "runs");
    if (json_type(o) != JSON_OBJECT || json_type(runs) != JSON_ARRAY) return;
    struct report_repeats *rp = report_model_alloc(m, sizeof *rp);
    rp->n = (int)json_len(runs);
    double ms = json_num(json_get(o, "max_stddev_pct"), 0);
    rp->max_stddev = ms >= 0 && ms <= 100 ? ms : 0;
    rp->run = report_model_alloc(m, (size_t)rp->n * sizeof *rp->run);
    for (int i = 0; i < rp->n; i++) rp_run_from_json(m, json_at(runs, (size_t)i), &rp->run[i]);
    rp_compute(rp);                 /* the summaries come from the runs, as when written */
    m->repeats = rp;
}

/* ---- text ---------------------------------------------------------------- */

static void rp_text_row(FILE *f, const char *what, const struct stats_summary *s)
{
    if (!s->n) return;
    struct numstr rel = numstr_fmt("-");
    if (s->mean > 0 && !isnan(s->sd)) rel = numstr_fmt("%.1f%%", 100 * s->sd / s->mean);
    fprintf(f, "  %-22s %8.3f %8.3f %8s  [%.3f, %.3f]\n", what, s->mean, s->sd, rel.s, s->lo,
            s->hi);
}

void report_repeats_text(const struct report_model *m, FILE *f)
{
    const struct report_repeats *rp = m->repeats;
    if (!rp) return;
    fprintf(f, "\nRepeats: %d runs (servers restarted, data reset each time); the figures above are "
               "the last run's\n", rp->n);
    fprintf(f, "  %-6s %8s %11s %9s %9s  %s\n", "repeat", "valid", "achieved/s", "SUT cores",
            "servers", "QoS");
    for (int i = 0; i < rp->n; i++) {
        const struct report_repeat_run *x = &rp->run[i];
        fprintf(f, "  %-6d %8s %11.2f %9.3f %9.3f  %s\n", i + 1, x->valid ? "yes" : "NO",
                x->achieved_rate, x->sut_cores, x->servers_cores, x->qos_pass ? "pass" : "FAIL");
    }
    fprintf(f, "  %-22s %8s %8s %8s  %s\n", "cores", "mean", "stddev", "of mean", "95% CI");
    rp_text_row(f, "system under test", &rp->sut);
    rp_text_row(f, "all servers", &rp->servers);
    for (int role = 0; role < ROLE_COUNT; role++) rp_text_row(f, role_names[role], &rp->role[role]);
    if (rp->max_stddev > 0)
        fprintf(f, "  spread of %s %.1f%%: %s max_stddev %g%%\n", rp->spread_of, rp->spread_pct,
                rp->spread_ok ? "within" : "ABOVE", rp->max_stddev);
}
