/* model.c — the report model of a run: the run fills report/'s model
 * through the model's own API (report/model.h), so that report/ never
 * reads struct run.
 *
 * Everything a report shows is computed here, once: per role load, latency
 * and CPU, the CPU of the measurement interval, the baseline and every
 * series interval, the servers, the live progress line.  The renderers
 * then read only the model. */
#include "run/run_int.h"
#include "collect/collect.h"
#include "core/hist.h"
#include "report/explain.h"
#include "report/model.h"
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How server CPU was accounted: the platform's own words.  The one place
 * that reads the platform's accounting state. */
static void mr_accounting(const struct run *r, struct report_model *m)
{
    const struct plat *p = &r->plat;
    struct plat_acct a;
    memset(&a, 0, sizeof a);
    if (p->ops && p->ops->describe) p->ops->describe(p, &a);
    else snprintf(a.text, sizeof a.text, "not measured (no platform)");
    m->acct.platform = report_model_str(m, p->ops ? p->ops->name : platform_names[r->job.platform]);
    m->acct.servers = report_model_str(m, a.method[0] ? a.method : "none");
    m->acct.cgroup_base = a.base[0] ? report_model_str(m, a.base) : NULL;
    m->acct.why_proc = a.why[0] ? report_model_str(m, a.why) : NULL;
    m->acct.text = report_model_str(m, a.text);
    m->acct.facts = a.facts[0] ? report_model_str(m, a.facts) : NULL;
    m->acct.accel = a.accel[0] ? report_model_str(m, a.accel) : NULL;
    m->acct.user_hz = (double)meas_hz();
}

/* Whether host busy was measured: both samples timed and the kernel's
 * idle time itself measured (NO_HZ idle), or tick-sampled. */
static void mr_host_busy(const struct run *r, struct report_model *m)
{
    int measured = m->have_interval && m->cpu.busy_measured == 1 && r->facts.idle != MEAS_IDLE_TICK;
    m->acct.host_busy = report_model_str(m, measured ? "measured" : "tick-sampled");
    m->acct.host_busy_note = report_model_str(m, r->facts.idle_why);
    if (m->have_interval) m->consistency = report_consistency(m, &m->cpu);
}

/* The figures of a run_cpu as result.json and the text report show them. */
static void mr_cpu(const struct run_cpu *c, struct report_cpu *o)
{
    const struct meas_breakdown *h = &c->host;
    double ncpu = h->ncpu ? h->ncpu : 1, tick = h->seconds > 0 ? 1.0 / meas_hz() / h->seconds : 0;
    memset(o, 0, sizeof *o);
    o->seconds = c->seconds;
    o->ncpu = h->ncpu;
    o->cores_total = h->busy_cores;
    o->pct_total = 100 * h->busy_cores / ncpu;
    for (int i = 0; i < MEAS_NFIELDS; i++) {
        o->cores[i] = h->cores[i];
        o->pct[i] = 100 * h->cores[i] / ncpu;
        o->tick_cores[i] = h->ticks[i] * tick;
    }
    o->busy_measured = h->measured;
    o->resolution_cores = h->resolution_cores;
    o->tick_busy_cores = h->tick_busy_cores;
    o->overhead = meas_overhead(h) >= 0 ? meas_overhead(h) : NAN;
    o->ctxt_s = c->ctxt_s;
    o->intr_s = c->intr_s;
    o->procs_running = (double)h->procs_running;
    o->host_busy_cores = c->host_busy_cores;
    o->driver_cores = c->driver_cores;
    o->ctl_cores = c->ctl_cores;
    o->sut_cores = c->sut_cores;
    o->servers_cores = c->servers_cores;
    memcpy(o->role_cores, c->role_cores, sizeof o->role_cores);
}

/* Load, latency, QoS and CPU per role, all sets merged. */
static void mr_roles(const struct run *r, struct report_model *m, struct hist *lat)
{
    const struct drive_results *res = r->res;
    for (int role = 0; role < ROLE_COUNT; role++) {
        struct report_role *rr = &m->role[role];
        hist_init(lat);
        rr->present = job_has_role(&r->job, role);
        rr->driven = rr->present && role_is_driven(role);
        rr->qos_pass = 1;
        if (rr->driven) rr->target_rate = r->job.role[role].rate * (double)r->job.sets;
        rr->cores = m->have_interval ? m->cpu.role_cores[role] : 0;
        for (int i = 0; res && i < res->ntargets; i++) {
            const struct drive_target_result *t = &res->t[i];
            if (t->cfg.role != role) continue;
            rr->achieved_rate += t->achieved_rate;
            rr->requests += t->all.count;
            rr->errors += t->all.errors + t->all.timeouts + t->conn_errors;
            hist_merge(lat, &t->all.corrected);
            if (!t->qos_pass && rr->qos_pass) {
                rr->qos_pass = 0;
                rr->qos_failed = report_model_strf(m, "%s: %s", t->cfg.name, t->qos_failed);
            }
        }
        if (!res && rr->driven) {
            rr->qos_pass = 0;
            rr->qos_failed = report_model_str(m, "no load results");
        }
        report_lat_from_hist(m, lat, 0, &rr->lat);
        rr->lat_mean_ms = rr->lat.mean / 1e6;
        if (rr->requests && m->have_interval && m->cpu.seconds > 0)
            rr->cpu_ms_per_op = rr->cores * m->cpu.seconds * 1e3 / (double)rr->requests;
        m->achieved_total += rr->achieved_rate;
        m->target_total += rr->target_rate;
    }
}

struct mr_sec {
    struct report_model *m;
    struct report_section *s;
    const void *base;
};

static void mr_count(const struct opt_def *o, void *ctx)
{
    (void)o;
    ((struct mr_sec *)ctx)->s->n++;
}

static void mr_value(const struct opt_def *o, void *ctx)
{
    struct mr_sec *c = ctx;
    char v[256];
    opt_fmt_value(v, sizeof v, o, c->base);
    c->s->kv[c->s->n].key = report_model_str(c->m, o->name);
    c->s->kv[c->s->n++].value = report_model_str(c->m, v);
}

/* The options of one job section, resolved (defaults filled in). */
static void mr_section(struct report_model *m, struct report_section *s, const char *name,
                       unsigned section, const void *base)
{
    struct mr_sec c = { m, s, base };
    s->name = report_model_str(m, name);
    s->n = 0;
    job_section_each(section, mr_count, &c);
    s->kv = report_model_alloc(m, (size_t)s->n * sizeof *s->kv);
    s->n = 0;
    job_section_each(section, mr_value, &c);
}

static void mr_job(const struct run *r, struct report_model *m)
{
    m->job.file = report_model_str(m, r->job.path);
    m->job.text = report_model_str(m, r->job_text);
    m->job.nsections = 1 + ROLE_COUNT;
    m->job.sec = report_model_alloc(m, (size_t)m->job.nsections * sizeof *m->job.sec);
    mr_section(m, &m->job.sec[0], "global", JOB_SEC_GLOBAL, &r->job);
    for (int role = 0; role < ROLE_COUNT; role++)
        mr_section(m, &m->job.sec[1 + role], role_names[role], JOB_SEC_ROLE(role),
                   &r->job.role[role]);
}

/* One entry per interval between consecutive samples. */
static void mr_series(const struct run *r, struct report_model *m)
{
    m->npoints = r->nsamples > 1 ? r->nsamples - 1 : 0;
    m->series = report_model_alloc(m, (size_t)m->npoints * sizeof *m->series);
    for (int i = 1; i < r->nsamples; i++) {
        const struct run_sample *a = &r->samples[i - 1], *b = &r->samples[i];
        struct report_point *p = &m->series[i - 1];
        struct run_cpu c;
        run_cpu_between(r, i - 1, i, &c);
        p->t = (double)(b->t_ns - r->samples[0].t_ns) / 1e9;
        p->unix_s = b->wall_ns ? (double)b->wall_ns / 1e9 : NAN;
        p->phase = report_model_str(m, run_phase_names[b->phase]);
        p->completed_per_s = c.seconds > 0 ? (double)(b->completed - a->completed) / c.seconds : 0;
        p->errors = b->errors - a->errors;
        mr_cpu(&c, &p->cpu);
    }
}

/* The delta of part k between two readings, in cores over secs. */
static double mr_part(const struct plat_cpu *a, const struct plat_cpu *b, int k, double secs)
{
    uint64_t x = a->part_ns[k], y = b->part_ns[k];
    return (double)(y > x ? y - x : 0) / 1e9 / secs;
}

/* A guest's figures over the measurement interval: host CPU by thread
 * class, guest time, and the busy time the guest itself reported. */
static void mr_guest(const struct run *r, int i, struct report_server *o)
{
    if (!r->samples[r->s_measure_a].srv_cpu || !r->samples[r->s_measure_b].srv_cpu) return;
    const struct plat_cpu *a = &r->samples[r->s_measure_a].srv_cpu[i];
    const struct plat_cpu *b = &r->samples[r->s_measure_b].srv_cpu[i];
    static const int part[REPORT_NTCLASS] = { PLAT_CPU_VCPU, PLAT_CPU_MAIN, PLAT_CPU_IO,
                                              PLAT_CPU_POOL, PLAT_CPU_VHOST, PLAT_CPU_OTHER };
    double secs = (double)(r->samples[r->s_measure_b].t_ns - r->samples[r->s_measure_a].t_ns) / 1e9;
    struct report_guest *g = &o->guest;
    g->present = (b->have >> PLAT_CPU_VCPU) & 1u;
    if (!g->present) return;
    for (int k = 0; k < REPORT_NTCLASS; k++) g->thread_cores[k] = mr_part(a, b, part[k], secs);
    g->guest_cores = mr_part(a, b, PLAT_CPU_GUEST, secs);
    /* the guest's busy and steal are counted on its own clock: over the
     * guest's elapsed time, so that a guest clock running at another rate
     * than the host's (TCG's emulated timers) does not scale them */
    int gclock = (a->have & b->have) >> PLAT_CPU_GUEST_CLOCK & 1u;
    double gsecs = gclock ? mr_part(a, b, PLAT_CPU_GUEST_CLOCK, 1.0) : secs;
    if (!(gsecs > 0)) gsecs = secs;
    int busy = (a->have & b->have) >> PLAT_CPU_GUEST_BUSY & 1u;
    g->busy_cores = busy ? mr_part(a, b, PLAT_CPU_GUEST_BUSY, gsecs) : NAN;
    double vcpus = (double)r->srv[i].spec->vcpus;
    if (vcpus > 0 && g->busy_cores > vcpus) g->busy_cores = vcpus;    /* a guest's own word */
    int steal = (a->have & b->have) >> PLAT_CPU_GUEST_STEAL & 1u;
    g->steal_cores = steal ? mr_part(a, b, PLAT_CPU_GUEST_STEAL, gsecs) : NAN;
    int delay = (a->have & b->have) >> PLAT_CPU_VCPU_DELAY & 1u;
    g->delay_cores = delay ? mr_part(a, b, PLAT_CPU_VCPU_DELAY, secs) : NAN;
    g->overhead = busy && g->busy_cores > 0 ? o->measure_cores / g->busy_cores : NAN;
    for (int k = r->s_measure_a; k <= r->s_measure_b; k++) {
        const struct plat_cpu *c = r->samples[k].srv_cpu ? &r->samples[k].srv_cpu[i] : NULL;
        g->agent_samples++;
        g->agent_missed += !c || !(c->have >> PLAT_CPU_GUEST_BUSY & 1u);
    }
}

static void mr_servers(const struct run *r, struct report_model *m)
{
    int a = r->s_measure_a, b = r->s_measure_b;
    int interval = a >= 0 && b > a && r->samples[b].t_ns > r->samples[a].t_ns;
    m->nservers = r->nsrv;
    m->server = report_model_alloc(m, (size_t)r->nsrv * sizeof *m->server);
    for (int i = 0; i < r->nsrv; i++) {
        const struct plat_server *s = &r->srv[i];
        const struct server_spec *sp = s->spec;
        struct report_server *o = &m->server[i];
        char st[96];
        plat_status_text(s->status, st, sizeof st);
        o->name = report_model_str(m, sp->name);
        o->role = report_model_str(m, role_names[sp->role]);
        o->set = sp->set;
        o->address = report_model_strf(m, "%s:%d", sp->ip, sp->port);
        o->pid = s->pid;
        o->cgroup = s->cgroup[0] ? report_model_str(m, s->cgroup) : NULL;
        o->cpu_s = (double)s->cpu.total_ns / 1e9;
        o->measure_cores = NAN;
        if (interval) {
            uint64_t x = r->samples[a].srv_ns[i], y = r->samples[b].srv_ns[i];
            o->measure_cores = (double)(y > x ? y - x : 0) /
                               (double)(r->samples[b].t_ns - r->samples[a].t_ns);
        }
        o->exit = s->exited ? report_model_str(m, st) : NULL;
        o->log = report_model_str(m, sp->log);
        o->note = s->note[0] ? report_model_str(m, s->note) : NULL;
        o->ready_s = s->ready_ns > s->started_ns ? (double)(s->ready_ns - s->started_ns) / 1e9 : NAN;
        if (interval) mr_guest(r, i, o);
    }
}

/* The working copy of the data sets servers change (run/work.c). */
static void mr_work(const struct run *r, struct report_model *m)
{
    m->work.present = r->work_dir[0] != '\0';
    if (!m->work.present) return;
    char how[64];
    run_copy_methods_text(r->work_methods, how, sizeof how);
    m->work.dir = report_model_str(m, r->work_dir);
    m->work.seconds = (double)r->work_ns / 1e9;
    m->work.files = (uint64_t)r->work_files;
    m->work.bytes = (uint64_t)r->work_bytes;
    m->work.method = report_model_str(m, how);
    m->work.kept = r->work_kept;
}

static void mr_top(const struct run *r, struct report_model *m)
{
    m->hostmix_version = report_model_str(m, HOSTMIX_VERSION);
    m->name = report_model_str(m, r->job.name);
    m->valid = r->valid;
    m->complete = r->complete;
    m->qos_pass = r->qos_pass;
    m->invalid_reason = r->valid ? NULL : report_model_str(m, r->invalid);
    m->overlapped = r->overlapped[0] ? report_model_str(m, r->overlapped) : NULL;
    m->started_unix = (double)r->wall_start_ns / 1e9;
    m->ended_unix = (double)r->wall_end_ns / 1e9;
    m->host.hostname = report_model_str(m, r->facts.hostname);
    m->host.kernel = report_model_str(m, r->facts.kernel);
    m->host.cpu_model = report_model_str(m, r->facts.cpu_model);
    m->host.cores = r->facts.cores;
    m->host.memory_bytes = r->facts.mem_bytes;
}

/* The CPU of the measurement interval and of the baseline before it. */
static void mr_intervals(const struct run *r, struct report_model *m)
{
    struct run_cpu c;
    m->have_interval = r->s_measure_a >= 0 && r->s_measure_b > r->s_measure_a;
    if (m->have_interval) {
        run_cpu_between(r, r->s_measure_a, r->s_measure_b, &c);
        mr_cpu(&c, &m->cpu);
    }
    m->have_baseline = r->s_base_a >= 0 && r->s_base_b > r->s_base_a;
    if (m->have_baseline) {
        run_cpu_between(r, r->s_base_a, r->s_base_b, &c);
        mr_cpu(&c, &m->baseline);
    }
    mr_host_busy(r, m);
}

struct report_model *report_model_from_run(const struct run *r)
{
    struct report_model *m = report_model_new();
    struct hist *lat = malloc(sizeof *lat);
    if (!lat) abort();
    mr_top(r, m);
    mr_accounting(r, m);
    mr_work(r, m);
    mr_job(r, m);
    mr_intervals(r, m);
    mr_roles(r, m, lat);
    mr_series(r, m);
    mr_servers(r, m);
    report_guests_total(m);
    report_model_add_drive(m, r->res);
    report_explain_set(m, collect_summary(r->coll));
    free(lat);
    return m;
}

void report_live_from_run(const struct run *r, struct report_live *l)
{
    memset(l, 0, sizeof *l);
    l->tty = r->tty;
    l->tag = r->progress_tag;
    if (r->nsamples < 2 || !r->drv) return;
    const struct run_sample *a = &r->samples[r->nsamples - 2], *b = &r->samples[r->nsamples - 1];
    const struct job *j = &r->job;
    struct run_cpu c;
    run_cpu_between(r, r->nsamples - 2, r->nsamples - 1, &c);
    double total = (double)(j->ramp_up + j->measure + j->ramp_down) / 1e9;
    double secs = (double)(b->t_ns - a->t_ns) / 1e9;
    l->ok = 1;
    l->t_ns = b->t_ns;
    l->phase = run_phase_names[r->phase];
    l->elapsed = (double)(b->t_ns - r->samples[0].t_ns) / 1e9;
    l->left = total > l->elapsed ? total - l->elapsed : 0;
    l->rate = secs > 0 ? (double)(b->completed - a->completed) / secs : 0;
    l->errors = b->errors;
    l->host_busy_cores = c.host_busy_cores;
    l->sut_cores = c.sut_cores;
    l->driver_cores = c.driver_cores;
}

void run_progress(const struct run *r, int final)
{
    struct report_live l;
    report_live_from_run(r, &l);
    report_progress(&l, stderr, final);
}
