/* model_drive.c — the load driver's part of the report model: per
 * target and per operation counts, rates, errors and latency, from the
 * driver's results (of a run, or of `hostmix drive`). */
#include "report/model.h"
#include "drive/drive.h"
#include "job/job.h"

#include <string.h>

static void mr_op(struct report_model *m, const struct drive_op_result *o, double ms,
                  struct report_op *d)
{
    d->name = report_model_str(m, o->name ? o->name : "?");
    d->count = o->count;
    d->rate = ms > 0 ? (double)o->count / ms : 0;
    d->errors = o->errors;
    d->timeouts = o->timeouts;
    d->bytes = o->bytes;
    report_lat_from_hist(m, &o->corrected, 1, &d->corrected);
    report_lat_from_hist(m, &o->uncorrected, 1, &d->uncorrected);
}

static void mr_target(struct report_model *m, const struct drive_target_result *x, double ms,
                      struct report_target *t)
{
    struct buf q = BUF_INIT;
    t->name = report_model_str(m, x->cfg.name);
    t->role = report_model_str(m, x->cfg.role >= 0 && x->cfg.role < ROLE_COUNT
                                  ? role_names[x->cfg.role] : "?");
    t->address = report_model_str(m, x->cfg.addr);
    t->arrival = report_model_str(m, arrival_names[x->cfg.arrival]);
    t->connections = x->cfg.connections;
    t->target_rate = x->cfg.rate;
    t->achieved_rate = x->achieved_rate;
    t->count = x->all.count;
    t->errors = x->all.errors;
    t->timeouts = x->all.timeouts;
    t->conn_errors = x->conn_errors;
    t->connects = x->connects;
    t->late = x->late;
    opt_put_qos(&q, &x->cfg.qos);
    t->qos = report_model_str(m, buf_cstr(&q));
    buf_free(&q);
    t->qos_pass = x->qos_pass;
    t->qos_failed = x->qos_pass ? NULL : report_model_str(m, x->qos_failed);
    mr_op(m, &x->all, ms, &t->all);
    t->nops = x->nops;
    t->op = report_model_alloc(m, (size_t)x->nops * sizeof *t->op);
    for (int i = 0; i < x->nops; i++) mr_op(m, &x->op[i], ms, &t->op[i]);
}

void report_model_add_drive(struct report_model *m, const struct drive_results *res)
{
    m->have_drive = res != NULL;
    if (!res) return;
    m->drive.measure_s = (double)res->measure_ns / 1e9;
    m->drive.qos_pass = res->qos_pass;
    m->drive.ntargets = res->ntargets;
    m->drive.t = report_model_alloc(m, (size_t)res->ntargets * sizeof *m->drive.t);
    for (int i = 0; i < res->ntargets; i++)
        mr_target(m, &res->t[i], m->drive.measure_s, &m->drive.t[i]);
}

struct report_model *report_model_from_drive(const struct drive_results *res)
{
    struct report_model *m = report_model_new();
    report_model_add_drive(m, res);
    return m;
}

