/* run.c — `hostmix run JOB.ini`: the whole experiment.
 *
 * Phases: prepare data (cached), copy the data sets db and imap change
 * into a per-run working copy (work.c; removed at teardown), start every
 * set's servers (backends first: nfs and db, then web, app, imap, idle),
 * wait until each answers, then the load driver's ramp-up, measurement
 * interval and ramp-down, and teardown.  Host and server CPU are sampled
 * every sample_interval and exactly at the measurement interval's edges.
 *
 * Teardown (the other way round: backends last) always runs: on success, on error, on SIGINT/SIGTERM and when a
 * server dies.  SIGINT, SIGTERM and SIGCHLD are blocked in every thread
 * and read from a signalfd by the controller, which is the only thread
 * that waits for children; servers get an empty signal mask before exec.
 * A server that exits on its own makes the run invalid with its name and
 * status; results written after an interruption are marked incomplete. */
#include "run/run_int.h"
#include "report/report.h"
#include "cli/cli.h"
#include "core/clock.h"
#include "core/log.h"
#include "roles/role.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_READY_TIMEOUT (30 * CLOCK_NS_PER_S)

static int run_sigfd = -1;
static sigset_t run_oldmask;

static void run_signals_init(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGINT);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGCHLD);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, &run_oldmask);
    sigdelset(&s, SIGPIPE);
    run_sigfd = signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void run_signals_done(void)
{
    if (run_sigfd >= 0) close(run_sigfd);
    run_sigfd = -1;
    pthread_sigmask(SIG_SETMASK, &run_oldmask, NULL);
}

/* Marks the run invalid (the first reason wins). */
static void run_invalidate(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void run_invalidate(struct run *r, const char *fmt, ...)
{
    r->valid = 0;
    if (r->invalid[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->invalid, sizeof r->invalid, fmt, ap);
    va_end(ap);
}

/* Reaps servers that exited; one that was not asked to stop invalidates
 * the run. */
static void run_check_servers(struct run *r)
{
    for (int i = 0; i < r->nsrv; i++) {
        struct plat_server *s = &r->srv[i];
        if (!s->pid || s->exited || !r->plat.ops->reap(&r->plat, s) || s->stopping) continue;
        char how[96];
        plat_status_text(s->status, how, sizeof how);
        log_error("server %s (pid %d) %s during %s", s->name, (int)s->pid, how,
                  run_phase_names[r->phase]);
        run_invalidate(r, "server %s (pid %d) %s during %s (log: %s)", s->name, (int)s->pid,
                       how, run_phase_names[r->phase], s->log);
    }
}

/* Waits until the monotonic deadline, handling signals meanwhile.
 * Returns 1 as soon as the run must stop (a signal or a dead server),
 * else 0 at the deadline. */
static int run_wait_until(struct run *r, int64_t deadline)
{
    for (;;) {
        if (r->stop_signal || (!r->valid && r->phase > RUN_PH_PREPARE)) return 1;
        int64_t left = deadline - clock_mono_ns();
        if (left <= 0) return 0;
        struct pollfd pfd = { run_sigfd, POLLIN, 0 };
        int ms = (int)((left + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS);
        if (poll(&pfd, 1, ms) <= 0) continue;
        struct signalfd_siginfo si;
        while (read(run_sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
            if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM) {
                r->stop_signal = (int)si.ssi_signo;
                run_invalidate(r, "interrupted by %s during %s",
                               si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM",
                               run_phase_names[r->phase]);
            }
        }
        run_check_servers(r);
    }
}

int run_child(struct run *r, char *const argv[], const char *log)
{
    sigset_t empty;
    sigemptyset(&empty);
    pid_t pid = fork();
    if (pid < 0) {
        run_invalidate(r, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &empty, NULL);
        int in = open("/dev/null", O_RDONLY);
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0) _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        syscall(SYS_close_range, 3U, ~0U, 0U);
        execv(r->plat.self_exe, argv);
        _exit(127);
    }
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) return status;
        if (run_wait_until(r, clock_mono_ns() + 20 * CLOCK_NS_PER_MS) && r->stop_signal) {
            kill(pid, SIGTERM);
            waitpid(pid, &status, 0);
            return -1;
        }
    }
}

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
        if (run_role_prepared(&r->job, role) && (!o || !o->prepare)) {
            fprintf(stderr, "hostmix run: role %s: hostmix prepare %s is not built yet\n",
                    role_names[role], role_names[role]);
            missing++;
        }
    }
    return missing;
}

/* ---- servers ------------------------------------------------------- */

/* Adds one server of role to r->srv with its `hostmix serve` arguments. */
static void run_add_server(struct run *r, int set, int role)
{
    struct plat_server *s = &r->srv[r->nsrv];
    char (*a)[600] = r->srv_args[r->nsrv];
    const struct job *j = &r->job;
    memset(s, 0, sizeof *s);
    s->set = set;
    s->role = role;
    snprintf(s->name, sizeof s->name, "set%d-%s", set, role_names[role]);
    job_server_ip(set, role, s->ip, sizeof s->ip);
    s->port = (int)j->role[role].port;
    char log[sizeof s->log];
    snprintf(log, sizeof log, "%.200s/logs/%s.log", r->outdir, s->name);
    memcpy(s->log, log, sizeof log);
    int n = 0;
    snprintf(log, sizeof log, "%s:%d", s->ip, s->port);
    memcpy(a[n++], log, sizeof log);
    const char *data = "";
    if (role == ROLE_NFS) {
        const char *web = r->data[set - 1][ROLE_WEB];
        snprintf(a[n], 600, "%.500s/nfs", web);
        data = a[n++];
    } else if (run_role_prepared(j, role)) {
        data = r->data[set - 1][role];
    }
    char **v = s->argv;
    int k = 0;
    v[k++] = "hostmix";
    v[k++] = "serve";
    v[k++] = (char *)role_names[role];
    v[k++] = "--listen";
    v[k++] = a[0];
    if (data[0]) { v[k++] = "--data"; v[k++] = (char *)data; }
    if (role == ROLE_WEB) {
        if (job_has_role(j, ROLE_NFS)) {
            char ip[24];
            job_server_ip(set, ROLE_NFS, ip, sizeof ip);
            snprintf(a[n], 600, "%s:%lld", ip, (long long)j->role[ROLE_NFS].port);
            v[k++] = "--nfs";
            v[k++] = a[n++];
        }
        snprintf(a[n], 600, "%lld", (long long)j->role[ROLE_WEB].nfs_cache);
        v[k++] = "--nfs-cache";
        v[k++] = a[n++];
    } else if (role == ROLE_DB || role == ROLE_IMAP) {
        /* a bool option takes its value after '=' (it may stand alone) */
        v[k++] = j->role[role].sync ? "--sync=yes" : "--sync=no";
    } else if (role == ROLE_APP) {
        char ip[24];
        job_server_ip(set, ROLE_DB, ip, sizeof ip);
        snprintf(a[n], 600, "host=%s port=%lld dbname=orders user=hostmix", ip,
                 (long long)j->role[ROLE_DB].port);
        v[k++] = "--db";
        v[k++] = a[n++];
        snprintf(a[n], 600, "%lld", (long long)j->role[ROLE_APP].pool);
        v[k++] = "--pool";
        v[k++] = a[n++];
    }
    v[k] = NULL;
    r->nsrv++;
}

/* Starts the servers [from, r->nsrv) and waits until each accepts
 * connections.  Returns 0, or -1 (r->invalid says why). */
static int run_start_wave(struct run *r, int from)
{
    char why[768];
    for (int i = from; i < r->nsrv; i++) {
        if (r->plat.ops->start(&r->plat, &r->srv[i], why, sizeof why)) {
            run_invalidate(r, "cannot start %s: %s", r->srv[i].name, why);
            return -1;
        }
        log_debug("started %s (pid %d)", r->srv[i].name, (int)r->srv[i].pid);
    }
    int64_t deadline = clock_mono_ns() + RUN_READY_TIMEOUT;
    for (int i = from; i < r->nsrv; i++) {
        for (;;) {
            int rc = r->plat.ops->ready(&r->plat, &r->srv[i], why, sizeof why);
            if (rc > 0) break;
            if (rc < 0) {
                r->srv[i].stopping = 1;     /* reported here, not as a crash */
                run_invalidate(r, "server %s", why);
                return -1;
            }
            if (clock_mono_ns() > deadline) {
                run_invalidate(r, "server %s does not answer on %s:%d after %llds (log: %s)",
                               r->srv[i].name, r->srv[i].ip, r->srv[i].port,
                               (long long)(RUN_READY_TIMEOUT / CLOCK_NS_PER_S), r->srv[i].log);
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
    static const int wave1[] = { ROLE_NFS, ROLE_DB };
    static const int wave2[] = { ROLE_WEB, ROLE_APP, ROLE_IMAP, ROLE_IDLE };
    for (int set = 1; set <= r->job.sets; set++)
        for (size_t i = 0; i < 2; i++)
            if (job_has_role(&r->job, wave1[i])) run_add_server(r, set, wave1[i]);
    int second = r->nbackend = r->nsrv;
    if (run_start_wave(r, 0)) return -1;
    for (int set = 1; set <= r->job.sets; set++)
        for (size_t i = 0; i < 4; i++)
            if (job_has_role(&r->job, wave2[i])) run_add_server(r, set, wave2[i]);
    return run_start_wave(r, second);
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
        const struct plat_server *s = &r->srv[i];
        if (!role_is_driven(s->role)) continue;
        const struct job_role *jr = &j->role[s->role];
        struct drive_target_cfg t;
        drive_target_defaults(&t);
        t.role = s->role;
        snprintf(t.name, sizeof t.name, "set%d.%s", s->set, role_names[s->role]);
        snprintf(t.addr, sizeof t.addr, "%s:%d", s->ip, s->port);
        t.rate = jr->rate;
        t.connections = jr->connections;
        t.arrival = jr->arrival;
        t.qos = jr->qos;
        if (run_role_prepared(j, s->role))
            snprintf(t.data, sizeof t.data, "%s", r->data[s->set - 1][s->role]);
        t.customers = j->role[ROLE_DB].customers;
        t.items = j->role[ROLE_DB].items;
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
        if (edge == 1) r->phase = RUN_PH_MEASURE;
        if (edge == 2) r->phase = RUN_PH_RAMP_DOWN;
        int k = run_sample_take(r);
        if (edge == 1) r->s_measure_a = k;
        if (edge == 2) r->s_measure_b = k;
        report_progress(r, stderr, 0);
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

/* ---- the run ------------------------------------------------------- */

/* Everything between preflight and the reports; teardown included. */
static void run_exec(struct run *r)
{
    char why[800];
    r->valid = 1;
    r->s_measure_a = r->s_measure_b = r->s_base_a = r->s_base_b = -1;
    r->phase = RUN_PH_PREPARE;
    if (run_prepare_data(r) == 0 && run_work_create(r) == 0 && (r->phase = RUN_PH_START) &&
        r->plat.ops->prepare(&r->plat, why, sizeof why) == 0) {
        if (run_start_servers(r) == 0 && run_baseline(r) == 0 && run_start_drive(r) == 0)
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
    report_progress(r, stderr, 1);
    r->phase = RUN_PH_TEARDOWN;
    /* The servers that use the backends first, then the backends: so web
     * and app never see nfs or db go away under them while they stop. */
    plat_stop_all(&r->plat, r->srv + r->nbackend, r->nsrv - r->nbackend);
    plat_stop_all(&r->plat, r->srv, r->nbackend);
    if (r->plat.ops->cleanup) r->plat.ops->cleanup(&r->plat);
    run_work_remove(r);             /* the servers that used it are gone */
    r->qos_pass = r->res ? r->res->qos_pass : 0;
    r->phase = RUN_PH_DONE;
    r->wall_end_ns = clock_wall_ns();
}

static int run_mkdirs(const char *dir)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

/* Writes the reports the run asked for; returns -1 if one failed. */
static int run_write_outputs(struct run *r)
{
    char path[700], err[512];
    int rc = 0;
    if (r->want_text) {
        report_text(r, stdout);
        snprintf(path, sizeof path, "%s/report.txt", r->outdir);
        FILE *f = fopen(path, "w");
        if (f) { report_text(r, f); fclose(f); }
        else { log_error("cannot write %s: %s", path, strerror(errno)); rc = -1; }
    }
    if (r->want_json) {
        snprintf(path, sizeof path, "%s/result.json", r->outdir);
        if (report_json_write(r, path, err, sizeof err)) {
            log_error("%s", err);
            rc = -1;
        } else {
            printf("result: %s\n", path);
        }
    }
    return rc;
}

static void run_usage(FILE *f)
{
    fprintf(f, "usage: hostmix run JOB.ini [--output DIR] [--format text,json] [--keep-work]\n"
               "  --output DIR     results directory (default: the job's output option)\n"
               "  --format LIST    text, json or both (default text,json)\n"
               "  --keep-work      keep the working copy of db/imap data as "
               "DATA_DIR/hostmix-kept-PID\n"
               "Exit status: 0 valid run and QoS passed; 1 QoS failed or run invalid; "
               "2 usage or job-file error.\n");
}

/* Parses the command line into r; returns -1 on bad usage, 1 for help. */
static int run_args(struct run *r, int argc, char **argv, const char **jobpath,
                    const char **outdir)
{
    const char *fmt = "text,json";
    *jobpath = *outdir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
        if (!strcmp(argv[i], "--output") && i + 1 < argc) *outdir = argv[++i];
        else if (!strcmp(argv[i], "--keep-work")) r->keep_work = 1;
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) fmt = argv[++i];
        else if (argv[i][0] == '-' || *jobpath) {
            fprintf(stderr, "hostmix run: unexpected argument '%s'\n", argv[i]);
            return -1;
        } else *jobpath = argv[i];
    }
    if (!*jobpath) {
        fprintf(stderr, "hostmix run: no job file given\n");
        return -1;
    }
    char copy[64];
    snprintf(copy, sizeof copy, "%s", fmt);
    for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "text")) r->want_text = 1;
        else if (!strcmp(t, "json")) r->want_json = 1;
        else {
            fprintf(stderr, "hostmix run: unknown format '%s' (text, json)\n", t);
            return -1;
        }
    }
    return 0;
}

static void run_read_job_text(struct run *r, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return;
    size_t n = fread(r->job_text, 1, sizeof r->job_text - 1, f);
    r->job_text[n] = '\0';
    fclose(f);
}

int run_cmd(int argc, char **argv)
{
    struct run *r = calloc(1, sizeof *r);
    if (!r) abort();
    const char *jobpath, *outdir;
    int rc = run_args(r, argc, argv, &jobpath, &outdir);
    if (rc) {
        run_usage(rc > 0 ? stdout : stderr);
        free(r);
        return rc > 0 ? CLI_OK : CLI_USAGE;
    }
    if (job_load(&r->job, jobpath, stderr)) {
        free(r);
        return CLI_USAGE;
    }
    run_read_job_text(r, jobpath);
    snprintf(r->outdir, sizeof r->outdir, "%s", outdir ? outdir : r->job.output);
    r->plat.proc_root = "";
    r->plat.ops = plat_find(r->job.platform);
    char why[800], logs[600];
    if (r->plat.ops->probe(&r->plat, why, sizeof why)) {
        fprintf(stderr, "hostmix run: %s\n", why);
        free(r);
        return CLI_FAILED;
    }
    if (run_preflight(r)) {
        fprintf(stderr, "hostmix run: nothing was started; no result written\n");
        free(r);
        return CLI_FAILED;
    }
    snprintf(logs, sizeof logs, "%s/logs", r->outdir);
    if (run_mkdirs(logs)) {
        fprintf(stderr, "hostmix run: cannot create %s: %s\n", logs, strerror(errno));
        free(r);
        return CLI_FAILED;
    }
    r->tty = isatty(STDERR_FILENO);
    run_host_facts("", &r->facts);
    r->wall_start_ns = clock_wall_ns();
    if (r->plat.acct == PLAT_ACCT_PROC)
        log_warn("server CPU from /proc/PID/stat: %s", r->plat.acct_why);
    run_signals_init();
    run_exec(r);
    run_signals_done();
    int out = run_write_outputs(r);
    rc = r->valid && r->qos_pass && out == 0 ? CLI_OK : CLI_FAILED;
    if (!r->valid) fprintf(stderr, "hostmix run: run invalid: %s\n", r->invalid);
    if (r->drv) drive_destroy(r->drv);
    run_samples_free(r);
    free(r);
    return rc;
}
