/* result_json.c — result.json: one run, versioned (docs/results.md).
 *
 * Written to a temporary file next to the target, fsync'ed and renamed
 * over it, then the directory is fsync'ed: a reader sees either the old
 * file or the whole new one, never a torn write. */
#include "report/report.h"
#include "report/summary.h"
#include "core/json.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void rj_kv_num(struct json_w *w, const char *k, double v)
{
    json_w_key(w, k);
    json_w_double(w, v);
}

static void rj_kv_str(struct json_w *w, const char *k, const char *v)
{
    json_w_key(w, k);
    if (v) json_w_str(w, v);
    else json_w_null(w);
}

/* Every option of one job section, resolved (defaults filled in). */
static void rj_job_section(struct json_w *w, unsigned section, const void *base)
{
    json_w_obj(w);
    for (const struct opt_def *o = job_table; o->name; o++) {
        if (!(o->sections & section)) continue;
        char v[256];
        opt_fmt_value(v, sizeof v, o, base);
        rj_kv_str(w, o->name, v);
    }
    json_w_obj_end(w);
}

static void rj_job(struct json_w *w, const struct run *r)
{
    json_w_key(w, "job");
    json_w_obj(w);
    rj_kv_str(w, "file", r->job.path);
    rj_kv_str(w, "text", r->job_text);
    json_w_key(w, "global");
    rj_job_section(w, JOB_SEC_GLOBAL, &r->job);
    json_w_key(w, "roles");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++) {
        json_w_key(w, role_names[role]);
        rj_job_section(w, JOB_SEC_ROLE(role), &r->job.role[role]);
    }
    json_w_obj_end(w);
    json_w_obj_end(w);
}

/* The CPU figures of an interval (used by the summary and the series). */
static void rj_cpu(struct json_w *w, const struct run_cpu *c)
{
    const struct meas_breakdown *h = &c->host;
    rj_kv_num(w, "seconds", c->seconds);
    json_w_key(w, "host_pct");
    json_w_obj(w);
    rj_kv_num(w, "total", meas_pct(h, h->busy));
    for (int i = 0; i < MEAS_NFIELDS; i++) rj_kv_num(w, meas_field_names[i], meas_pct(h, h->ticks[i]));
    json_w_obj_end(w);
    json_w_key(w, "host_cores");
    json_w_obj(w);
    rj_kv_num(w, "total", meas_cores(h, h->busy));
    for (int i = 0; i < MEAS_NFIELDS; i++) rj_kv_num(w, meas_field_names[i], meas_cores(h, h->ticks[i]));
    json_w_obj_end(w);
    json_w_key(w, "overhead");
    if (meas_overhead(h) >= 0) json_w_double(w, meas_overhead(h));
    else json_w_null(w);
    rj_kv_num(w, "ctxt_per_s", c->ctxt_s);
    rj_kv_num(w, "intr_per_s", c->intr_s);
    rj_kv_num(w, "procs_running", (double)h->procs_running);
    rj_kv_num(w, "host_busy_cores", c->host_busy_cores);
    rj_kv_num(w, "driver_cores", c->driver_cores);
    rj_kv_num(w, "controller_cores", c->ctl_cores);
    rj_kv_num(w, "sut_cores", c->sut_cores);
    rj_kv_num(w, "servers_cores", c->servers_cores);
    json_w_key(w, "role_cores");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++) rj_kv_num(w, role_names[role], c->role_cores[role]);
    json_w_obj_end(w);
}

static void rj_summary(struct json_w *w, const struct report_summary *s)
{
    json_w_key(w, "summary");
    json_w_obj(w);
    rj_kv_num(w, "achieved_rate", s->achieved_total);
    rj_kv_num(w, "target_rate", s->target_total);
    json_w_key(w, "cpu");
    if (s->have_interval) {
        json_w_obj(w);
        rj_cpu(w, &s->cpu);
        json_w_obj_end(w);
    } else {
        json_w_null(w);
    }
    json_w_key(w, "baseline");
    if (s->have_baseline) {
        json_w_obj(w);
        rj_cpu(w, &s->baseline);
        json_w_obj_end(w);
    } else {
        json_w_null(w);
    }
    json_w_key(w, "roles");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++) {
        const struct report_role *rr = &s->role[role];
        if (!rr->present) continue;
        json_w_key(w, role_names[role]);
        json_w_obj(w);
        rj_kv_num(w, "cores", rr->cores);
        if (rr->driven) {
            rj_kv_num(w, "target_rate", rr->target_rate);
            rj_kv_num(w, "achieved_rate", rr->achieved_rate);
            json_w_key(w, "requests");
            json_w_uint(w, rr->requests);
            json_w_key(w, "errors");
            json_w_uint(w, rr->errors);
            rj_kv_num(w, "cpu_ms_per_op", rr->cpu_ms_per_op);
            json_w_key(w, "latency_ms");
            json_w_obj(w);
            static const double p[] = { 50, 90, 95, 99, 99.9 };
            static const char *const pn[] = { "p50", "p90", "p95", "p99", "p99.9" };
            for (int i = 0; i < 5; i++) rj_kv_num(w, pn[i], (double)hist_percentile(&rr->lat, p[i]) / 1e6);
            rj_kv_num(w, "mean", hist_mean(&rr->lat) / 1e6);
            rj_kv_num(w, "max", rr->lat.count ? (double)rr->lat.max / 1e6 : 0);
            json_w_obj_end(w);
            json_w_key(w, "qos_pass");
            json_w_bool(w, rr->qos_pass);
            rj_kv_str(w, "qos_failed", rr->qos_pass ? NULL : rr->qos_failed);
        }
        json_w_obj_end(w);
    }
    json_w_obj_end(w);
    json_w_obj_end(w);
}

/* One entry per interval between consecutive samples. */
static void rj_series(struct json_w *w, const struct run *r)
{
    json_w_key(w, "series");
    json_w_arr(w);
    for (int i = 1; i < r->nsamples; i++) {
        const struct run_sample *a = &r->samples[i - 1], *b = &r->samples[i];
        struct run_cpu c;
        run_cpu_between(r, i - 1, i, &c);
        json_w_obj(w);
        rj_kv_num(w, "t", (double)(b->t_ns - r->samples[0].t_ns) / 1e9);
        rj_kv_str(w, "phase", run_phase_names[b->phase]);
        rj_kv_num(w, "completed_per_s",
                  c.seconds > 0 ? (double)(b->completed - a->completed) / c.seconds : 0);
        json_w_key(w, "errors");
        json_w_uint(w, b->errors - a->errors);
        rj_cpu(w, &c);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
}

static void rj_servers(struct json_w *w, const struct run *r)
{
    json_w_key(w, "servers");
    json_w_arr(w);
    for (int i = 0; i < r->nsrv; i++) {
        const struct plat_server *s = &r->srv[i];
        const struct server_spec *sp = s->spec;
        char addr[80], st[96];
        snprintf(addr, sizeof addr, "%s:%d", sp->ip, sp->port);
        json_w_obj(w);
        rj_kv_str(w, "name", sp->name);
        rj_kv_str(w, "role", role_names[sp->role]);
        rj_kv_num(w, "set", sp->set);
        rj_kv_str(w, "address", addr);
        rj_kv_num(w, "pid", s->pid);
        rj_kv_str(w, "cgroup", s->cgroup[0] ? s->cgroup : NULL);
        rj_kv_num(w, "cpu_s", (double)s->cpu.total_ns / 1e9);
        json_w_key(w, "measure_cores");
        int a = r->s_measure_a, b = r->s_measure_b;
        if (a >= 0 && b > a && r->samples[b].t_ns > r->samples[a].t_ns) {
            uint64_t x = r->samples[a].srv_ns[i], y = r->samples[b].srv_ns[i];
            json_w_double(w, (double)(y > x ? y - x : 0) /
                             (double)(r->samples[b].t_ns - r->samples[a].t_ns));
        } else {
            json_w_null(w);
        }
        plat_status_text(s->status, st, sizeof st);
        rj_kv_str(w, "exit", s->exited ? st : NULL);
        rj_kv_str(w, "log", sp->log);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
}

/* The working copy of the data sets servers change, or null (work.c). */
static void rj_work_copy(struct json_w *w, const struct run *r)
{
    json_w_key(w, "working_copy");
    if (!r->work_dir[0]) {
        json_w_null(w);
        return;
    }
    char how[64];
    run_copy_methods_text(r->work_methods, how, sizeof how);
    json_w_obj(w);
    rj_kv_str(w, "dir", r->work_dir);
    rj_kv_num(w, "seconds", (double)r->work_ns / 1e9);
    json_w_key(w, "files");
    json_w_uint(w, (uint64_t)r->work_files);
    json_w_key(w, "bytes");
    json_w_uint(w, (uint64_t)r->work_bytes);
    rj_kv_str(w, "method", how);
    json_w_key(w, "kept");
    json_w_bool(w, r->work_kept);
    json_w_obj_end(w);
}

static void rj_document(struct json_w *w, const struct run *r, const struct report_summary *s)
{
    json_w_obj(w);
    rj_kv_str(w, "schema", "hostmix-result");
    rj_kv_num(w, "schema_version", RUN_SCHEMA_VERSION);
    rj_kv_str(w, "hostmix_version", HOSTMIX_VERSION);
    rj_kv_str(w, "name", r->job.name);
    json_w_key(w, "valid");
    json_w_bool(w, r->valid);
    json_w_key(w, "complete");
    json_w_bool(w, r->complete);
    json_w_key(w, "qos_pass");
    json_w_bool(w, r->qos_pass);
    rj_kv_str(w, "invalid_reason", r->valid ? NULL : r->invalid);
    rj_kv_num(w, "started_unix", (double)r->wall_start_ns / 1e9);
    rj_kv_num(w, "ended_unix", (double)r->wall_end_ns / 1e9);
    json_w_key(w, "host");
    json_w_obj(w);
    rj_kv_str(w, "hostname", r->facts.hostname);
    rj_kv_str(w, "kernel", r->facts.kernel);
    rj_kv_str(w, "cpu_model", r->facts.cpu_model);
    rj_kv_num(w, "cores", r->facts.cores);
    json_w_key(w, "memory_bytes");
    json_w_uint(w, r->facts.mem_bytes);
    json_w_obj_end(w);
    json_w_key(w, "accounting");
    json_w_obj(w);
    rj_kv_str(w, "platform", r->plat.ops->name);
    struct plat_acct a;
    r->plat.ops->describe(&r->plat, &a);
    rj_kv_str(w, "servers", a.method);
    rj_kv_str(w, "cgroup_base", a.base[0] ? a.base : NULL);
    rj_kv_str(w, "why_proc", a.why[0] ? a.why : NULL);
    rj_kv_num(w, "user_hz", (double)meas_hz());
    json_w_obj_end(w);
    rj_work_copy(w, r);
    rj_job(w, r);
    rj_summary(w, s);
    rj_series(w, r);
    rj_servers(w, r);
    json_w_key(w, "drive");
    if (r->res) drive_results_json(r->res, w, 1);
    else json_w_null(w);
    json_w_obj_end(w);
}

/* Writes all of b to path atomically. */
static int rj_write_atomic(const char *path, const struct buf *b, char *err, size_t n)
{
    char tmp[1024], dir[1024];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, n, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    const char *p = buf_head(b);
    size_t left = buf_used(b);
    while (left) {
        ssize_t wr = write(fd, p, left);
        if (wr < 0 && errno == EINTR) continue;
        if (wr <= 0) break;
        p += wr;
        left -= (size_t)wr;
    }
    if (left || fsync(fd) || close(fd)) {
        snprintf(err, n, "cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0) close(fd);
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path)) {
        snprintf(err, n, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

int report_json_write(const struct run *r, const char *path, char *err, size_t n)
{
    struct report_summary *s = malloc(sizeof *s);
    if (!s) abort();
    report_summarize(r, s);
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 1);
    rj_document(&w, r, s);
    buf_puts(&b, "\n");
    int rc = rj_write_atomic(path, &b, err, n);
    buf_free(&b);
    free(s);
    return rc;
}
