/* json_out.c — result.json from the report model (docs/results.md).
 *
 * The document holds every field of the model, so model_json.c rebuilds
 * the same model from it and `hostmix report` reprints the run's report.
 * Written to a temporary file next to the target, fsync'ed and renamed
 * over it, then the directory is fsync'ed: a reader sees either the old
 * file or the whole new one, never a torn write. */
#include "report/report.h"
#include "report/model.h"
#include "report/repeats.h"
#include "core/buf.h"
#include "core/fs.h"
#include "report/explain.h"
#include "core/json.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void rj_section(struct json_w *w, const struct report_section *x)
{
    json_w_obj(w);
    for (int i = 0; x && i < x->n; i++) json_w_kstr(w, x->kv[i].key, x->kv[i].value);
    json_w_obj_end(w);
}

/* The job file and every option resolved, by section. */
static void rj_job(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "job");
    json_w_obj(w);
    json_w_kstr(w, "file", m->job.file);
    json_w_kstr(w, "text", m->job.text);
    json_w_key(w, "global");
    rj_section(w, m->job.nsections ? &m->job.sec[0] : NULL);
    json_w_key(w, "roles");
    json_w_obj(w);
    for (int s = 1; s < m->job.nsections; s++) {
        json_w_key(w, m->job.sec[s].name);
        rj_section(w, &m->job.sec[s]);
    }
    json_w_obj_end(w);
    json_w_obj_end(w);
}

/* The members of an interval's CPU figures (the summary, the baseline and
 * every series entry). */
static void rj_cpu(struct json_w *w, const struct report_cpu *c)
{
    json_w_knum(w, "seconds", c->seconds);
    json_w_kint(w, "ncpu", c->ncpu);
    json_w_key(w, "host_pct");
    json_w_obj(w);
    json_w_knum(w, "total", c->pct_total);
    for (int i = 0; i < MEAS_NFIELDS; i++) json_w_knum(w, meas_field_names[i], c->pct[i]);
    json_w_obj_end(w);
    json_w_key(w, "host_cores");
    json_w_obj(w);
    json_w_knum(w, "total", c->cores_total);
    for (int i = 0; i < MEAS_NFIELDS; i++) json_w_knum(w, meas_field_names[i], c->cores[i]);
    json_w_obj_end(w);
    json_w_knum(w, "overhead", c->overhead);
    json_w_knum(w, "ctxt_per_s", c->ctxt_s);
    json_w_knum(w, "intr_per_s", c->intr_s);
    json_w_knum(w, "procs_running", c->procs_running);
    json_w_knum(w, "host_busy_cores", c->host_busy_cores);
    json_w_knum(w, "driver_cores", c->driver_cores);
    json_w_knum(w, "controller_cores", c->ctl_cores);
    json_w_knum(w, "sut_cores", c->sut_cores);
    json_w_knum(w, "servers_cores", c->servers_cores);
    json_w_key(w, "role_cores");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++) json_w_knum(w, role_names[role], c->role_cores[role]);
    json_w_obj_end(w);
    json_w_kbool(w, "busy_measured", c->busy_measured == 1);
    json_w_knum(w, "resolution_cores", c->resolution_cores);
    json_w_key(w, "host_ticks");
    json_w_obj(w);
    json_w_knum(w, "busy_cores", c->tick_busy_cores);
    for (int i = 0; i < MEAS_NFIELDS; i++) json_w_knum(w, meas_field_names[i], c->tick_cores[i]);
    json_w_obj_end(w);
}

static void rj_cpu_obj(struct json_w *w, const char *k, int have, const struct report_cpu *c)
{
    json_w_key(w, k);
    if (!have) {
        json_w_null(w);
        return;
    }
    json_w_obj(w);
    rj_cpu(w, c);
    json_w_obj_end(w);
}

static void rj_role(struct json_w *w, const struct report_role *rr)
{
    static const char *const pn[REPORT_NPCT] = { "p50", "p90", "p95", "p99", "p99.9" };
    json_w_obj(w);
    json_w_knum(w, "cores", rr->cores);
    if (rr->driven) {
        json_w_knum(w, "target_rate", rr->target_rate);
        json_w_knum(w, "achieved_rate", rr->achieved_rate);
        json_w_kuint(w, "requests", rr->requests);
        json_w_kuint(w, "errors", rr->errors);
        json_w_knum(w, "cpu_ms_per_op", rr->cpu_ms_per_op);
        json_w_key(w, "latency_ms");
        json_w_obj(w);
        for (int i = 0; i < REPORT_NPCT; i++) json_w_knum(w, pn[i], (double)rr->lat.p[i] / 1e6);
        json_w_knum(w, "mean", rr->lat_mean_ms);
        json_w_knum(w, "max", (double)rr->lat.max / 1e6);
        json_w_obj_end(w);
        json_w_kbool(w, "qos_pass", rr->qos_pass);
        json_w_kstr(w, "qos_failed", rr->qos_pass ? NULL : rr->qos_failed);
    }
    json_w_obj_end(w);
}

static void rj_summary(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "summary");
    json_w_obj(w);
    json_w_knum(w, "achieved_rate", m->achieved_total);
    json_w_knum(w, "target_rate", m->target_total);
    rj_cpu_obj(w, "cpu", m->have_interval, &m->cpu);
    rj_cpu_obj(w, "baseline", m->have_baseline, &m->baseline);
    json_w_key(w, "roles");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++) {
        if (!m->role[role].present) continue;
        json_w_key(w, role_names[role]);
        rj_role(w, &m->role[role]);
    }
    json_w_obj_end(w);
    json_w_obj_end(w);
}

/* One entry per interval between consecutive samples. */
static void rj_series(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "series");
    json_w_arr(w);
    for (int i = 0; i < m->npoints; i++) {
        const struct report_point *p = &m->series[i];
        json_w_obj(w);
        json_w_knum(w, "t", p->t);
        json_w_knum(w, "unix", p->unix_s);
        json_w_kstr(w, "phase", p->phase);
        json_w_knum(w, "completed_per_s", p->completed_per_s);
        json_w_kuint(w, "errors", p->errors);
        rj_cpu(w, &p->cpu);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
}

static void rj_servers(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "servers");
    json_w_arr(w);
    for (int i = 0; i < m->nservers; i++) {
        const struct report_server *s = &m->server[i];
        json_w_obj(w);
        json_w_kstr(w, "name", s->name);
        json_w_kstr(w, "role", s->role);
        json_w_kint(w, "set", s->set);
        json_w_kstr(w, "address", s->address);
        json_w_kint(w, "pid", s->pid);
        json_w_kstr(w, "cgroup", s->cgroup);
        json_w_knum(w, "cpu_s", s->cpu_s);
        json_w_knum(w, "measure_cores", s->measure_cores);
        json_w_kstr(w, "exit", s->exit);
        json_w_kstr(w, "log", s->log);
        if (s->note) json_w_kstr(w, "note", s->note);     /* only when there is one */
        report_guest_json_server(w, s);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
}

/* The working copy of the data sets servers change, or null. */
static void rj_work_copy(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "working_copy");
    if (!m->work.present) {
        json_w_null(w);
        return;
    }
    json_w_obj(w);
    json_w_kstr(w, "dir", m->work.dir);
    json_w_knum(w, "seconds", m->work.seconds);
    json_w_kuint(w, "files", m->work.files);
    json_w_kuint(w, "bytes", m->work.bytes);
    json_w_kstr(w, "method", m->work.method);
    json_w_kbool(w, "kept", m->work.kept);
    json_w_obj_end(w);
}

/* A histogram as `hostmix drive --json` writes it (drive/results.c). */
static void rj_hist(struct json_w *w, const char *key, const struct report_lat *l)
{
    json_w_key(w, key);
    json_w_obj(w);
    json_w_kuint(w, "count", l->count);
    json_w_key(w, "min_ns"); json_w_int(w, l->min);
    json_w_knum(w, "mean_ns", l->mean);
    json_w_key(w, "max_ns"); json_w_int(w, l->max);
    for (int i = 0; i < REPORT_NPCT; i++) {
        json_w_kint(w, numstr_fmt("p%g_ns", report_pcts[i]).s, l->p[i]);
    }
    json_w_key(w, "buckets");
    json_w_arr(w);
    for (int i = 0; i < l->nbuckets; i++) {
        json_w_arr(w);
        json_w_int(w, l->b[i].lo);
        json_w_int(w, l->b[i].hi);
        json_w_uint(w, l->b[i].n);
        json_w_arr_end(w);
    }
    json_w_arr_end(w);
    json_w_obj_end(w);
}

static void rj_op(struct json_w *w, const struct report_op *o)
{
    json_w_obj(w);
    json_w_kstr(w, "name", o->name);
    json_w_kuint(w, "count", o->count);
    json_w_knum(w, "rate", o->rate);
    json_w_kuint(w, "errors", o->errors);
    json_w_kuint(w, "timeouts", o->timeouts);
    json_w_kuint(w, "bytes", o->bytes);
    rj_hist(w, "corrected", &o->corrected);
    rj_hist(w, "uncorrected", &o->uncorrected);
    json_w_obj_end(w);
}

static void rj_target(struct json_w *w, const struct report_target *x)
{
    json_w_obj(w);
    json_w_kstr(w, "name", x->name);
    json_w_kstr(w, "role", x->role);
    json_w_kstr(w, "address", x->address);
    json_w_kstr(w, "arrival", x->arrival);
    json_w_key(w, "connections"); json_w_int(w, x->connections);
    json_w_knum(w, "target_rate", x->target_rate);
    json_w_knum(w, "achieved_rate", x->achieved_rate);
    json_w_kuint(w, "count", x->count);
    json_w_kuint(w, "errors", x->errors);
    json_w_kuint(w, "timeouts", x->timeouts);
    json_w_kuint(w, "conn_errors", x->conn_errors);
    json_w_kuint(w, "connects", x->connects);
    json_w_kuint(w, "late", x->late);
    json_w_kstr(w, "qos", x->qos);
    json_w_kbool(w, "qos_pass", x->qos_pass);
    json_w_kstr(w, "qos_failed", x->qos_pass ? NULL : x->qos_failed);
    json_w_key(w, "all");
    rj_op(w, &x->all);
    json_w_key(w, "ops");
    json_w_arr(w);
    for (int i = 0; i < x->nops; i++) rj_op(w, &x->op[i]);
    json_w_arr_end(w);
    json_w_obj_end(w);
}

static void rj_drive(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "drive");
    if (!m->have_drive) {
        json_w_null(w);
        return;
    }
    json_w_obj(w);
    json_w_knum(w, "measure_s", m->drive.measure_s);
    json_w_kbool(w, "qos_pass", m->drive.qos_pass);
    json_w_key(w, "targets");
    json_w_arr(w);
    for (int i = 0; i < m->drive.ntargets; i++) rj_target(w, &m->drive.t[i]);
    json_w_arr_end(w);
    json_w_obj_end(w);
}

static void rj_host_acct(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "host");
    json_w_obj(w);
    json_w_kstr(w, "hostname", m->host.hostname);
    json_w_kstr(w, "kernel", m->host.kernel);
    json_w_kstr(w, "cpu_model", m->host.cpu_model);
    json_w_key(w, "cores"); json_w_int(w, m->host.cores);
    json_w_kuint(w, "memory_bytes", m->host.memory_bytes);
    json_w_obj_end(w);
    json_w_key(w, "accounting");
    json_w_obj(w);
    json_w_kstr(w, "platform", m->acct.platform);
    json_w_kstr(w, "servers", m->acct.servers);
    json_w_kstr(w, "cgroup_base", m->acct.cgroup_base);
    json_w_kstr(w, "why_proc", m->acct.why_proc);
    json_w_kstr(w, "text", m->acct.text);
    if (m->acct.facts) json_w_kstr(w, "facts", m->acct.facts);
    if (m->acct.accel) json_w_kstr(w, "accelerator", m->acct.accel);
    json_w_knum(w, "user_hz", m->acct.user_hz);
    json_w_kstr(w, "host_busy", m->acct.host_busy);
    json_w_kstr(w, "host_busy_note", m->acct.host_busy_note);
    json_w_obj_end(w);
    json_w_kstr(w, "consistency", m->consistency);
    json_w_kstr(w, "overlapped", m->overlapped);
}

void report_render_json(const struct report_model *m, struct buf *out)
{
    struct json_w w;
    json_w_init(&w, out, 1);
    json_w_obj(&w);
    json_w_kstr(&w, "schema", "hostmix-result");
    json_w_key(&w, "schema_version"); json_w_int(&w, REPORT_SCHEMA_VERSION);
    json_w_kstr(&w, "hostmix_version", m->hostmix_version);
    json_w_kstr(&w, "name", m->name);
    json_w_kbool(&w, "valid", m->valid);
    json_w_kbool(&w, "complete", m->complete);
    json_w_kbool(&w, "qos_pass", m->qos_pass);
    json_w_kstr(&w, "invalid_reason", m->valid ? NULL : m->invalid_reason);
    json_w_knum(&w, "started_unix", m->started_unix);
    json_w_knum(&w, "ended_unix", m->ended_unix);
    rj_host_acct(&w, m);
    rj_work_copy(&w, m);
    rj_job(&w, m);
    rj_summary(&w, m);
    rj_series(&w, m);
    rj_servers(&w, m);
    report_guest_json_total(&w, m);
    report_explain_json(&w, m);
    rj_drive(&w, m);
    report_repeats_json(&w, m);
    json_w_obj_end(&w);
    buf_puts(out, "\n");
}

int report_json_write_model(const struct report_model *m, const char *path, struct buf *err)
{
    struct buf b = BUF_INIT;
    report_render_json(m, &b);
    int rc = fs_write_out(path, buf_head(&b), buf_used(&b));
    if (rc) buf_printf(err, "cannot write %s: %s", path, strerror(errno));
    buf_free(&b);
    return rc;
}
