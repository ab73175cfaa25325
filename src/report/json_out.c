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
#include "core/fs.h"
#include "report/explain.h"
#include "core/json.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void rj_num(struct json_w *w, const char *k, double v)
{
    json_w_key(w, k);
    json_w_double(w, v);            /* NAN is written as null */
}

static void rj_str(struct json_w *w, const char *k, const char *v)
{
    json_w_key(w, k);
    json_w_str(w, v);               /* NULL is written as null */
}

static void rj_uint(struct json_w *w, const char *k, uint64_t v)
{
    json_w_key(w, k);
    json_w_uint(w, v);
}

static void rj_bool(struct json_w *w, const char *k, int v)
{
    json_w_key(w, k);
    json_w_bool(w, v);
}

static void rj_section(struct json_w *w, const struct report_section *x)
{
    json_w_obj(w);
    for (int i = 0; x && i < x->n; i++) rj_str(w, x->kv[i].key, x->kv[i].value);
    json_w_obj_end(w);
}

/* The job file and every option resolved, by section. */
static void rj_job(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "job");
    json_w_obj(w);
    rj_str(w, "file", m->job.file);
    rj_str(w, "text", m->job.text);
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
    rj_num(w, "seconds", c->seconds);
    json_w_key(w, "ncpu");
    json_w_int(w, c->ncpu);
    json_w_key(w, "host_pct");
    json_w_obj(w);
    rj_num(w, "total", c->pct_total);
    for (int i = 0; i < MEAS_NFIELDS; i++) rj_num(w, meas_field_names[i], c->pct[i]);
    json_w_obj_end(w);
    json_w_key(w, "host_cores");
    json_w_obj(w);
    rj_num(w, "total", c->cores_total);
    for (int i = 0; i < MEAS_NFIELDS; i++) rj_num(w, meas_field_names[i], c->cores[i]);
    json_w_obj_end(w);
    rj_num(w, "overhead", c->overhead);
    rj_num(w, "ctxt_per_s", c->ctxt_s);
    rj_num(w, "intr_per_s", c->intr_s);
    rj_num(w, "procs_running", c->procs_running);
    rj_num(w, "host_busy_cores", c->host_busy_cores);
    rj_num(w, "driver_cores", c->driver_cores);
    rj_num(w, "controller_cores", c->ctl_cores);
    rj_num(w, "sut_cores", c->sut_cores);
    rj_num(w, "servers_cores", c->servers_cores);
    json_w_key(w, "role_cores");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++) rj_num(w, role_names[role], c->role_cores[role]);
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
    rj_num(w, "cores", rr->cores);
    if (rr->driven) {
        rj_num(w, "target_rate", rr->target_rate);
        rj_num(w, "achieved_rate", rr->achieved_rate);
        rj_uint(w, "requests", rr->requests);
        rj_uint(w, "errors", rr->errors);
        rj_num(w, "cpu_ms_per_op", rr->cpu_ms_per_op);
        json_w_key(w, "latency_ms");
        json_w_obj(w);
        for (int i = 0; i < REPORT_NPCT; i++) rj_num(w, pn[i], (double)rr->lat.p[i] / 1e6);
        rj_num(w, "mean", rr->lat_mean_ms);
        rj_num(w, "max", (double)rr->lat.max / 1e6);
        json_w_obj_end(w);
        rj_bool(w, "qos_pass", rr->qos_pass);
        rj_str(w, "qos_failed", rr->qos_pass ? NULL : rr->qos_failed);
    }
    json_w_obj_end(w);
}

static void rj_summary(struct json_w *w, const struct report_model *m)
{
    json_w_key(w, "summary");
    json_w_obj(w);
    rj_num(w, "achieved_rate", m->achieved_total);
    rj_num(w, "target_rate", m->target_total);
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
        rj_num(w, "t", p->t);
        rj_num(w, "unix", p->unix_s);
        rj_str(w, "phase", p->phase);
        rj_num(w, "completed_per_s", p->completed_per_s);
        rj_uint(w, "errors", p->errors);
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
        rj_str(w, "name", s->name);
        rj_str(w, "role", s->role);
        json_w_key(w, "set");
        json_w_int(w, s->set);
        rj_str(w, "address", s->address);
        json_w_key(w, "pid");
        json_w_int(w, s->pid);
        rj_str(w, "cgroup", s->cgroup);
        rj_num(w, "cpu_s", s->cpu_s);
        rj_num(w, "measure_cores", s->measure_cores);
        rj_str(w, "exit", s->exit);
        rj_str(w, "log", s->log);
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
    rj_str(w, "dir", m->work.dir);
    rj_num(w, "seconds", m->work.seconds);
    rj_uint(w, "files", m->work.files);
    rj_uint(w, "bytes", m->work.bytes);
    rj_str(w, "method", m->work.method);
    rj_bool(w, "kept", m->work.kept);
    json_w_obj_end(w);
}

/* A histogram as `hostmix drive --json` writes it (drive/results.c). */
static void rj_hist(struct json_w *w, const char *key, const struct report_lat *l)
{
    json_w_key(w, key);
    json_w_obj(w);
    rj_uint(w, "count", l->count);
    json_w_key(w, "min_ns"); json_w_int(w, l->min);
    rj_num(w, "mean_ns", l->mean);
    json_w_key(w, "max_ns"); json_w_int(w, l->max);
    for (int i = 0; i < REPORT_NPCT; i++) {
        char k[32];
        snprintf(k, sizeof k, "p%g_ns", report_pcts[i]);
        json_w_key(w, k);
        json_w_int(w, l->p[i]);
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
    rj_str(w, "name", o->name);
    rj_uint(w, "count", o->count);
    rj_num(w, "rate", o->rate);
    rj_uint(w, "errors", o->errors);
    rj_uint(w, "timeouts", o->timeouts);
    rj_uint(w, "bytes", o->bytes);
    rj_hist(w, "corrected", &o->corrected);
    rj_hist(w, "uncorrected", &o->uncorrected);
    json_w_obj_end(w);
}

static void rj_target(struct json_w *w, const struct report_target *x)
{
    json_w_obj(w);
    rj_str(w, "name", x->name);
    rj_str(w, "role", x->role);
    rj_str(w, "address", x->address);
    rj_str(w, "arrival", x->arrival);
    json_w_key(w, "connections"); json_w_int(w, x->connections);
    rj_num(w, "target_rate", x->target_rate);
    rj_num(w, "achieved_rate", x->achieved_rate);
    rj_uint(w, "count", x->count);
    rj_uint(w, "errors", x->errors);
    rj_uint(w, "timeouts", x->timeouts);
    rj_uint(w, "conn_errors", x->conn_errors);
    rj_uint(w, "connects", x->connects);
    rj_uint(w, "late", x->late);
    rj_str(w, "qos", x->qos);
    rj_bool(w, "qos_pass", x->qos_pass);
    rj_str(w, "qos_failed", x->qos_pass ? NULL : x->qos_failed);
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
    rj_num(w, "measure_s", m->drive.measure_s);
    rj_bool(w, "qos_pass", m->drive.qos_pass);
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
    rj_str(w, "hostname", m->host.hostname);
    rj_str(w, "kernel", m->host.kernel);
    rj_str(w, "cpu_model", m->host.cpu_model);
    json_w_key(w, "cores"); json_w_int(w, m->host.cores);
    rj_uint(w, "memory_bytes", m->host.memory_bytes);
    json_w_obj_end(w);
    json_w_key(w, "accounting");
    json_w_obj(w);
    rj_str(w, "platform", m->acct.platform);
    rj_str(w, "servers", m->acct.servers);
    rj_str(w, "cgroup_base", m->acct.cgroup_base);
    rj_str(w, "why_proc", m->acct.why_proc);
    rj_str(w, "text", m->acct.text);
    if (m->acct.facts) rj_str(w, "facts", m->acct.facts);
    if (m->acct.accel) rj_str(w, "accelerator", m->acct.accel);
    rj_num(w, "user_hz", m->acct.user_hz);
    json_w_obj_end(w);
}

void report_render_json(const struct report_model *m, struct buf *out)
{
    struct json_w w;
    json_w_init(&w, out, 1);
    json_w_obj(&w);
    rj_str(&w, "schema", "hostmix-result");
    json_w_key(&w, "schema_version"); json_w_int(&w, REPORT_SCHEMA_VERSION);
    rj_str(&w, "hostmix_version", m->hostmix_version);
    rj_str(&w, "name", m->name);
    rj_bool(&w, "valid", m->valid);
    rj_bool(&w, "complete", m->complete);
    rj_bool(&w, "qos_pass", m->qos_pass);
    rj_str(&w, "invalid_reason", m->valid ? NULL : m->invalid_reason);
    rj_num(&w, "started_unix", m->started_unix);
    rj_num(&w, "ended_unix", m->ended_unix);
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

int report_json_write_model(const struct report_model *m, const char *path, char *err, size_t n)
{
    struct buf b = BUF_INIT;
    report_render_json(m, &b);
    int rc = fs_write_atomic(path, buf_head(&b), buf_used(&b));
    if (rc) snprintf(err, n, "cannot write %s: %s", path, strerror(errno));
    buf_free(&b);
    return rc;
}

int report_json_write(const struct run *r, const char *path, char *err, size_t n)
{
    struct report_model *m = report_model_from_run(r);
    int rc = report_json_write_model(m, path, err, n);
    report_model_free(m);
    return rc;
}
