/* run.c — `hostmix run JOB.ini`: the whole experiment.
 *
 * Phases: prepare data (cached), copy the data sets db and imap change
 * into a per-run working copy (work.c; removed at teardown), start every
 * set's servers (backends first: nfs and db, then web, app, imap, idle),
 * wait until each answers, then the load driver's ramp-up, measurement
 * interval and ramp-down, and teardown.  Host and server CPU are sampled
 * every sample_interval and exactly at the measurement interval's edges.
 *
 * Collectors ([profile], src/collect/) are armed after the baseline,
 * begin right before the sample that opens the measurement interval and
 * end right after the one that closes it; they post-process after
 * teardown, when the servers no longer compete for the CPU.
 *
 * Teardown (the other way round: backends last) always runs: on success,
 * on error, on SIGINT/SIGTERM and when a server dies (ctl.c watches
 * signals and children).  The servers come from the plan (plan.c): one
 * spec per server, handed to the platform; results written after an
 * interruption are marked incomplete. */
#include "run/run_int.h"
#include "report/report.h"
#include "report/model.h"
#include "core/exitcode.h"
#include "collect/collect.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"
#include "run/hostlock.h"
#include "roles/role.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- preflight ----------------------------------------------------- */

/* Says which enabled roles this build cannot start; returns their count. */
static int run_preflight(const struct run *r)
{
    int missing = 0;
    for (int role = 0; role < ROLE_COUNT; role++) {
        const struct role_ops *o = role_ops_find(role_names[role]);
        if (job_has_role(&r->job, role) && (!o || !o->serve)) {
            fprintf(stderr, "hostmix run: role %s: hostmix serve %s is not built yet\n",
                    role_names[role], role_names[role]);
            missing++;
        }
        if (role_prepared(r->job.role_mask, role) && (!o || !o->prepare)) {
            fprintf(stderr, "hostmix run: role %s: hostmix prepare %s is not built yet\n",
                    role_names[role], role_names[role]);
            missing++;
        }
    }
    return missing;
}

/* ---- servers ------------------------------------------------------- */

/* Builds the plan and a plat_server per spec, then lets the platform
 * place each server's data.  Returns 0, or -1 (r->invalid says why). */
static int run_plan(struct run *r)
{
    char logdir[600], why[768];
    snprintf(logdir, sizeof logdir, "%s/logs", r->outdir);
    plan_build(&r->plan, &r->job, &r->plat, logdir);
    r->srv = calloc((size_t)(r->plan.n ? r->plan.n : 1), sizeof *r->srv);
    if (!r->srv) abort();
    for (int i = 0; i < r->plan.n; i++) plat_server_init(&r->plat, &r->srv[i], &r->plan.spec[i]);
    r->nsrv = r->plan.n;
    r->nbackend = r->plan.nfirst;
    for (int i = 0; i < r->nsrv && r->plat.ops->place; i++)
        if (r->plat.ops->place(&r->plat, &r->srv[i], why, sizeof why)) {
            run_invalidate(r, "cannot place %s: %s", r->plan.spec[i].name, why);
            return -1;
        }
    return 0;
}

/* Starts the servers [from, r->nsrv) and waits until each accepts
 * connections.  Returns 0, or -1 (r->invalid says why). */
static int run_start_wave(struct run *r, int from, int to)
{
    char why[768];
    for (int i = from; i < to; i++) {
        r->srv[i].started_ns = clock_mono_ns();
        if (r->plat.ops->start(&r->plat, &r->srv[i], why, sizeof why)) {
            run_invalidate(r, "cannot start %s: %s", r->srv[i].spec->name, why);
            return -1;
        }
        log_debug("started %s (pid %d)", r->srv[i].spec->name, (int)r->srv[i].pid);
    }
    int64_t timeout = r->plat.ready_timeout_ns ? r->plat.ready_timeout_ns
                                               : r->plat.ops->ready_timeout_ns;
    int64_t deadline = clock_mono_ns() + timeout;
    for (int i = from; i < to; i++) {
        for (;;) {
            int rc = r->plat.ops->ready(&r->plat, &r->srv[i], why, sizeof why);
            if (rc > 0) {
                r->srv[i].ready_ns = clock_mono_ns();
                break;
            }
            if (rc < 0) {
                r->srv[i].stopping = 1;     /* reported here, not as a crash */
                run_invalidate(r, "server %s", why);
                return -1;
            }
            if (clock_mono_ns() > deadline) {
                const struct server_spec *sp = r->srv[i].spec;
                run_invalidate(r, "server %s does not answer on %s:%d after %llds (log: %s)",
                               sp->name, sp->ip, sp->port, (long long)(timeout / CLOCK_NS_PER_S),
                               sp->log);
                return -1;
            }
            if (run_wait_until(r, clock_mono_ns() + 20 * CLOCK_NS_PER_MS)) return -1;
        }
    }
    return 0;
}

/* Backends first (nfs, db), then the servers that use them. */
static int run_start_servers(struct run *r)
{
    if (run_start_wave(r, 0, r->nbackend)) return -1;
    return run_start_wave(r, r->nbackend, r->nsrv);
}

/* ---- load and sampling --------------------------------------------- */

static int run_start_drive(struct run *r)
{
    const struct job *j = &r->job;
    struct drive_cfg cfg = { (int)j->driver_threads, j->ramp_up, j->measure, j->ramp_down };
    char err[512];
    r->drv = drive_create(&cfg, err, sizeof err);
    if (!r->drv) {
        run_invalidate(r, "load driver: %s", err);
        return -1;
    }
    for (int i = 0; i < r->nsrv; i++) {
        const struct server_spec *s = r->srv[i].spec;
        if (!role_is_driven(s->role)) continue;
        const struct role_opts *jr = &j->role[s->role];
        struct drive_target_cfg t;
        drive_target_defaults(&t);
        t.role = s->role;
        snprintf(t.name, sizeof t.name, "set%d.%s", s->set, role_names[s->role]);
        snprintf(t.addr, sizeof t.addr, "%s:%d", s->ip, s->port);
        t.rate = jr->rate;
        t.connections = jr->connections;
        t.arrival = jr->arrival;
        t.qos = jr->qos;
        if (s->data) snprintf(t.data, sizeof t.data, "%s", s->data);
        const int peer = role_def(s->role)->peer;
        if (peer >= 0) {                /* the data its peer serves (app: db's) */
            t.customers = j->role[peer].customers;
            t.items = j->role[peer].items;
        }
        t.seed = j->seed * 1000003u + (uint64_t)s->set * 16 + (uint64_t)s->role;
        if (drive_add_target(r->drv, &t, err, sizeof err) < 0) {
            run_invalidate(r, "role %s: load driver: %s", role_names[s->role], err);
            return -1;
        }
    }
    if (drive_start(r->drv, err, sizeof err)) {
        run_invalidate(r, "load driver: %s", err);
        return -1;
    }
    return 0;
}

/* Samples every sample_interval and at the measurement edges until the
 * end of ramp-down, or until the run must stop. */
static void run_sample_loop(struct run *r)
{
    int64_t ms, me;
    drive_window(r->drv, &ms, &me);
    int64_t end = me + r->job.ramp_down, next = clock_mono_ns();
    r->phase = RUN_PH_RAMP_UP;
    run_sample_take(r);
    for (;;) {
        next += r->job.sample_interval;
        int edge = 0;
        if (r->s_measure_a < 0 && next >= ms) { next = ms; edge = 1; }
        else if (r->s_measure_b < 0 && r->s_measure_a >= 0 && next >= me) { next = me; edge = 2; }
        if (next > end) next = end;
        if (run_wait_until(r, next)) break;
        if (edge == 1) {
            r->phase = RUN_PH_MEASURE;
            collect_begin(r->coll);
        }
        if (edge == 2) r->phase = RUN_PH_RAMP_DOWN;
        int k = run_sample_take(r);
        if (edge == 1) r->s_measure_a = k;
        if (edge == 2) {
            r->s_measure_b = k;
            collect_end(r->coll);
        }
        run_progress(r, 0);
        if (next >= end) {
            r->complete = 1;
            break;
        }
    }
}

/* Samples the host for RUN_BASELINE_NS with every server up and no load:
 * what the host does without the experiment (other work on a shared host
 * counts in system-under-test CPU, and the report says how much). */
static int run_baseline(struct run *r)
{
    r->phase = RUN_PH_BASELINE;
    r->s_base_a = run_sample_take(r);
    if (run_wait_until(r, clock_mono_ns() + RUN_BASELINE_NS)) return -1;
    r->s_base_b = run_sample_take(r);
    return 0;
}

/* Gets the collectors ready (perf starts with its events off) with the
 * servers as they run now.  Returns 0, or -1 (r->invalid says why). */
static int run_arm_collectors(struct run *r)
{
    if (!r->coll) return 0;
    struct plat_acct a;
    memset(&a, 0, sizeof a);
    if (r->plat.ops->describe) r->plat.ops->describe(&r->plat, &a);
    struct collect_target *t = calloc((size_t)r->nsrv + 1, sizeof *t);
    if (!t) abort();
    for (int i = 0; i < r->nsrv; i++)
        t[i] = (struct collect_target){ r->srv[i].spec->name, r->srv[i].spec->role, r->srv[i].pid,
                                        r->srv[i].cgroup,
                                        (r->plat.ops->caps & PLAT_CAP_GUEST_TIME) != 0 };
    char why[600];
    int rc = collect_arm(r->coll, t, r->nsrv, strcmp(a.accel, "tcg") == 0, why, sizeof why);
    free(t);
    if (rc) run_invalidate(r, "%s", why);
    return rc;
}

/* Post-processes what the collectors recorded over the interval. */
static void run_finish_collectors(struct run *r)
{
    if (!r->coll || r->s_measure_a < 0 || r->s_measure_b <= r->s_measure_a) return;
    struct run_cpu c;
    run_cpu_between(r, r->s_measure_a, r->s_measure_b, &c);
    collect_finish(r->coll, r->samples[r->s_measure_a].t_ns, r->samples[r->s_measure_b].t_ns,
                   c.sut_cores, c.coll_cores);
}

/* ---- the run ------------------------------------------------------- */

/* Everything between preflight and the reports; teardown included. */
static void run_exec(struct run *r)
{
    char why[800];
    r->valid = 1;
    r->s_measure_a = r->s_measure_b = r->s_base_a = r->s_base_b = -1;
    r->phase = RUN_PH_PREPARE;
    int own_copy = (r->plat.ops->caps & PLAT_CAP_OWN_COPY) != 0;
    if (run_prepare_data(r) == 0 && (own_copy || run_work_create(r) == 0) &&
        (r->phase = RUN_PH_START) && (plat_sweep_dead(r->plat.proc_root), 1) &&
        r->plat.ops->prepare(&r->plat, why, sizeof why) == 0) {
        if (run_plan(r) == 0 && run_start_servers(r) == 0 && run_baseline(r) == 0 &&
            run_arm_collectors(r) == 0 && run_start_drive(r) == 0)
            run_sample_loop(r);
    } else if (!r->invalid[0]) {
        run_invalidate(r, "platform %s: %s", r->plat.ops->name, why);
    }
    if (!r->invalid[0] && !r->complete) run_invalidate(r, "the run stopped early");
    r->valid = r->invalid[0] == 0;
    if (r->drv) {
        if (!r->complete) drive_stop(r->drv);
        r->res = drive_wait(r->drv);
    }
    /* a last sample so that partial runs still have an interval */
    if (r->nsrv || r->nsamples) {
        int k = run_sample_take(r);
        if (r->s_measure_a >= 0 && r->s_measure_b < 0) r->s_measure_b = k;
    }
    run_progress(r, 1);
    r->phase = RUN_PH_TEARDOWN;
    /* The servers that use the backends first, then the backends: so web
     * and app never see nfs or db go away under them while they stop. */
    plat_stop_all(&r->plat, r->srv + r->nbackend, r->nsrv - r->nbackend);
    plat_stop_all(&r->plat, r->srv, r->nbackend);
    if (r->plat.ops->cleanup) r->plat.ops->cleanup(&r->plat);
    run_work_remove(r);             /* the servers that used it are gone */
    run_finish_collectors(r);
    r->qos_pass = r->res ? r->res->qos_pass : 0;
    r->phase = RUN_PH_DONE;
    r->wall_end_ns = clock_wall_ns();
}

unsigned run_report_files(const struct run *r)
{
    return (r->want_json ? REPORT_FILE_JSON : 0u) | (r->want_text ? REPORT_FILE_TEXT : 0u) |
           (r->want_html ? REPORT_FILE_HTML : 0u);
}

void run_read_job_text(struct run *r, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return;
    size_t n = fread(r->job_text, 1, sizeof r->job_text - 1, f);
    r->job_text[n] = '\0';
    fclose(f);
}

/* Probe, preflight and the output directory.  Returns 0, or the exit
 * status after saying why nothing was started. */
static int run_setup(struct run *r)
{
    char why[800], logs[600];
    if (r->plat.ops->probe(&r->plat, why, sizeof why)) {
        fprintf(stderr, "hostmix run: %s\n", why);
        return CLI_FAILED;
    }
    if (run_preflight(r)) {
        fprintf(stderr, "hostmix run: nothing was started; no result written\n");
        return CLI_FAILED;
    }
    snprintf(logs, sizeof logs, "%s/logs", r->outdir);
    if (fs_mkdirs(logs)) {
        fprintf(stderr, "hostmix run: cannot create %s: %s\n", logs, strerror(errno));
        return CLI_FAILED;
    }
    r->coll = collect_open(&r->job.profile, r->plat.proc_root, r->outdir, why, sizeof why);
    if (!r->coll && why[0]) {
        fprintf(stderr, "hostmix run: %s; nothing was started\n", why);
        return CLI_FAILED;
    }
    return 0;
}

void run_free(struct run *r)
{
    if (r->drv) drive_destroy(r->drv);
    collect_close(r->coll);
    run_samples_free(r);
    for (int i = 0; i < r->nsrv; i++) plat_server_free(&r->plat, &r->srv[i]);
    free(r->srv);
    plan_free(&r->plan);
    plat_close(&r->plat);
    job_free(&r->job);
    free(r);
}

void run_open_platform(struct run *r)
{
    plat_open(&r->plat, plat_find(r->job.platform), "", r->job.plat_opt);
    r->plat.cache_dir = r->job.data_dir;
}

struct run *run_derive(const struct run *t, const char *outdir)
{
    struct run *r = calloc(1, sizeof *r);
    if (!r) abort();
    job_copy(&r->job, &t->job);
    memcpy(r->job_text, t->job_text, sizeof r->job_text);
    snprintf(r->outdir, sizeof r->outdir, "%s", outdir);
    r->want_text = t->want_text;
    r->want_json = t->want_json;
    r->want_html = t->want_html;
    r->keep_work = t->keep_work;
    r->wait_host = t->wait_host;
    snprintf(r->progress_tag, sizeof r->progress_tag, "%s", t->progress_tag);
    run_open_platform(r);
    return r;
}

/* Takes the host for this run (run/hostlock.h).  Returns 0, or the exit
 * status after saying why nothing was started. */
static int run_take_host(struct run *r, struct hostlock *l)
{
    char why[400];
    if (r->wait_host) log_info("waiting for the host if another run holds it");
    int rc = hostlock_take(l, r->job.name, r->wait_host, r->job.allow_overlap,
                           run_signal_pending, why, sizeof why);
    if (rc < 0) {
        fprintf(stderr, "hostmix run: %s; nothing was started (--wait waits for it; "
                        "allow_overlap = yes runs anyway, measuring both)\n", why);
        return CLI_FAILED;
    }
    if (rc == 1) {
        log_warn("%s: allow_overlap = yes, running anyway; the result is marked overlapped", why);
        snprintf(r->overlapped, sizeof r->overlapped, "%s", why);
    }
    return 0;
}

int run_once(struct run *r)
{
    struct hostlock l = { -1, 0 };
    char who[400];
    int rc = run_setup(r);
    if (rc || (rc = run_take_host(r, &l))) return rc;
    r->tty = isatty(STDERR_FILENO);
    run_host_facts("", &r->facts);
    r->wall_start_ns = clock_wall_ns();
    run_exec(r);
    if (hostlock_release(&l, who, sizeof who))
        snprintf(r->overlapped, sizeof r->overlapped, "runs with allow_overlap = yes shared "
                 "the host (pid and job: %s)", who);
    return 0;
}

