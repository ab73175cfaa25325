/* results.c — the load driver's statistics: recording, merging, QoS,
 * JSON and text output.  See results.h and drive.h. */
#include "drive/results.h"
#include "drive/proto.h"
#include "core/buf.h"
#include "job/job.h"

#include <stdlib.h>
#include <string.h>

struct tstats *tstats_new(int nops)
{
    struct tstats *s = calloc(1, sizeof *s + (size_t)nops * sizeof s->op[0]);
    if (!s) abort();
    s->nops = nops;
    return s;
}

void tstats_record(struct tstats *s, int op, int verdict, int64_t intended,
                   int64_t sent, int64_t done, uint64_t bytes)
{
    if (op < 0 || op >= s->nops) op = 0;
    struct drive_op_result *o = &s->op[op];
    if (verdict < 0) {
        o->timeouts++;
        return;
    }
    o->count++;
    o->bytes += bytes;
    if (verdict != DP_OK) o->errors++;
    hist_record(&o->corrected, done - intended);
    hist_record(&o->uncorrected, done - sent);
}

static void op_merge(struct drive_op_result *d, const struct drive_op_result *s)
{
    d->count += s->count;
    d->errors += s->errors;
    d->timeouts += s->timeouts;
    d->bytes += s->bytes;
    hist_merge(&d->corrected, &s->corrected);
    hist_merge(&d->uncorrected, &s->uncorrected);
}

void tstats_merge(struct drive_target_result *r, const struct tstats *s)
{
    r->connects += s->connects;
    r->conn_errors += s->conn_errors;
    r->late += s->late;
    for (int i = 0; i < s->nops && i < DRIVE_MAX_OPS; i++) op_merge(&r->op[i], &s->op[i]);
}

void results_finish(struct drive_target_result *r, const char *const *ops, int64_t measure_ns)
{
    memset(&r->all, 0, sizeof r->all);
    r->all.name = "all";
    for (int i = 0; i < r->nops; i++) {
        r->op[i].name = ops[i];
        op_merge(&r->all, &r->op[i]);
    }
    r->achieved_rate = measure_ns > 0 ? (double)r->all.count * 1e9 / (double)measure_ns : 0;
    struct buf why = BUF_INIT;
    r->qos_pass = drive_qos_eval(&r->cfg.qos, r, &why);
    free(r->qos_failed);
    r->qos_failed = r->qos_pass ? NULL : buf_detach(&why);
    buf_free(&why);
}

/* ---- QoS ---------------------------------------------------------------- */

static struct numstr fmt_ns(int64_t ns)
{
    if (ns >= 1000000000LL) return numstr_fmt("%.3gs", ns / 1e9);
    if (ns >= 1000000LL) return numstr_fmt("%.3gms", ns / 1e6);
    return numstr_fmt("%.3gus", ns / 1e3);
}

int drive_qos_eval(const struct qos *q, const struct drive_target_result *r, struct buf *why)
{
    const struct hist *h = &r->all.corrected;
    uint64_t bad = r->all.errors + r->all.timeouts + r->conn_errors;
    uint64_t total = r->all.count + r->all.timeouts + r->conn_errors;
    for (int i = 0; i < q->n; i++) {
        const struct qos_clause *c = &q->c[i];
        struct numstr val;
        int ok;
        if (c->kind == QOS_ERRORS) {
            double pct = total ? 100.0 * (double)bad / (double)total : 0;
            ok = c->strict ? pct < c->limit_pct : pct <= c->limit_pct;
            val = numstr_fmt("errors = %.3g%%", pct);
        } else {
            int64_t v = c->kind == QOS_PCTL ? hist_percentile(h, c->pct)
                      : c->kind == QOS_MEAN ? (int64_t)hist_mean(h) : h->max;
            /* no response at all cannot meet a latency requirement */
            ok = h->count && (c->strict ? v < c->limit_ns : v <= c->limit_ns);
            const struct numstr m = c->kind == QOS_PCTL ? numstr_fmt("p%g", c->pct)
                                  : numstr_fmt("%s", c->kind == QOS_MEAN ? "mean" : "max");
            if (h->count) val = numstr_fmt("%s = %s", m.s, fmt_ns(v).s);
            else val = numstr_fmt("no responses");
        }
        if (!ok) {
            struct qos one = { 1, { *c } };
            opt_put_qos(why, &one);         /* the clause as written, then its value */
            buf_printf(why, " (%s)", val.s);
            return 0;
        }
    }
    return 1;
}

/* ---- JSON --------------------------------------------------------------- */

static const double json_pcts[] = { 50, 90, 95, 99, 99.9 };

static void json_hist(struct json_w *w, const char *key, const struct hist *h, int with_buckets)
{
    json_w_key(w, key);
    json_w_obj(w);
    json_w_key(w, "count"); json_w_uint(w, h->count);
    json_w_key(w, "min_ns"); json_w_int(w, h->count ? h->min : 0);
    json_w_key(w, "mean_ns"); json_w_double(w, hist_mean(h));
    json_w_key(w, "max_ns"); json_w_int(w, h->count ? h->max : 0);
    for (size_t i = 0; i < sizeof json_pcts / sizeof json_pcts[0]; i++) {
        json_w_key(w, numstr_fmt("p%g_ns", json_pcts[i]).s);
        json_w_int(w, hist_percentile(h, json_pcts[i]));
    }
    if (with_buckets) {
        json_w_key(w, "buckets");
        json_w_arr(w);
        int i = -1;
        int64_t lo, hi;
        uint64_t n;
        while (hist_next(h, &i, &lo, &hi, &n)) {
            json_w_arr(w);
            json_w_int(w, lo);
            json_w_int(w, hi);
            json_w_uint(w, n);
            json_w_arr_end(w);
        }
        json_w_arr_end(w);
    }
    json_w_obj_end(w);
}

static void json_op(struct json_w *w, const struct drive_op_result *o, double measure_s, int with_buckets)
{
    json_w_obj(w);
    json_w_key(w, "name"); json_w_str(w, o->name ? o->name : "?");
    json_w_key(w, "count"); json_w_uint(w, o->count);
    json_w_key(w, "rate"); json_w_double(w, measure_s > 0 ? (double)o->count / measure_s : 0);
    json_w_key(w, "errors"); json_w_uint(w, o->errors);
    json_w_key(w, "timeouts"); json_w_uint(w, o->timeouts);
    json_w_key(w, "bytes"); json_w_uint(w, o->bytes);
    json_hist(w, "corrected", &o->corrected, with_buckets);
    json_hist(w, "uncorrected", &o->uncorrected, with_buckets);
    json_w_obj_end(w);
}

void drive_results_json(const struct drive_results *r, struct json_w *w, int with_buckets)
{
    double ms = (double)r->measure_ns / 1e9;
    json_w_obj(w);
    json_w_key(w, "measure_s"); json_w_double(w, ms);
    json_w_key(w, "qos_pass"); json_w_bool(w, r->qos_pass);
    json_w_key(w, "targets");
    json_w_arr(w);
    for (int t = 0; t < r->ntargets; t++) {
        const struct drive_target_result *x = &r->t[t];
        struct buf q = BUF_INIT;
        opt_put_qos(&q, &x->cfg.qos);
        json_w_obj(w);
        json_w_key(w, "name"); json_w_str(w, x->cfg.name);
        json_w_key(w, "role"); json_w_str(w, x->cfg.role >= 0 && x->cfg.role < ROLE_COUNT
                                             ? role_names[x->cfg.role] : "?");
        json_w_key(w, "address"); json_w_str(w, x->cfg.addr);
        json_w_key(w, "arrival"); json_w_str(w, arrival_names[x->cfg.arrival]);
        json_w_key(w, "connections"); json_w_int(w, x->cfg.connections);
        json_w_key(w, "target_rate"); json_w_double(w, x->cfg.rate);
        json_w_key(w, "achieved_rate"); json_w_double(w, x->achieved_rate);
        json_w_key(w, "count"); json_w_uint(w, x->all.count);
        json_w_key(w, "errors"); json_w_uint(w, x->all.errors);
        json_w_key(w, "timeouts"); json_w_uint(w, x->all.timeouts);
        json_w_key(w, "conn_errors"); json_w_uint(w, x->conn_errors);
        json_w_key(w, "connects"); json_w_uint(w, x->connects);
        json_w_key(w, "late"); json_w_uint(w, x->late);
        json_w_key(w, "qos"); json_w_str(w, buf_cstr(&q));
        buf_free(&q);
        json_w_key(w, "qos_pass"); json_w_bool(w, x->qos_pass);
        json_w_key(w, "qos_failed");
        if (x->qos_pass) json_w_null(w); else json_w_str(w, x->qos_failed);
        json_w_key(w, "all");
        json_op(w, &x->all, ms, with_buckets);
        json_w_key(w, "ops");
        json_w_arr(w);
        for (int i = 0; i < x->nops; i++) json_op(w, &x->op[i], ms, with_buckets);
        json_w_arr_end(w);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
    json_w_obj_end(w);
}

