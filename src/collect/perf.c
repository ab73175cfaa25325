/* perf.c — the "perf" collector: `perf record` over the whole host
 * during the measurement interval, then `perf script` read by prof.c.
 *
 * perf starts before the interval with its events disabled (-D -1) and a
 * control FIFO (--control fifo:CTL,ACK): begin enables the events and
 * waits for perf's ack, end disables them, so sampling covers the
 * interval and not the ramps.  Samples carry CLOCK_MONOTONIC times (-k),
 * the clock of the run's samples, and the analysis keeps only those
 * between the two edge samples.  perf runs as a child of the run in its
 * own process group; it is stopped by its pid (SIGINT: it writes its
 * file and exits), killed if it does not exit within PERF_STOP_NS.
 *
 * Where KVM exits are recorded, a second perf record writes them alone
 * to OUTDIR/profile/kvm.data: every kvm:kvm_exit and kvm:kvm_entry
 * (-c 1: an exit is paired with the vCPU's next entry), no call chains
 * (call-graph=no: a chain costs ~2.8 us an event, docs/profile.md) and
 * a 4 MiB buffer per CPU (-m 1024, as perf kvm stat record), while the
 * main recording keeps its call chains and records one in sched_period
 * scheduler events (-c applies to every tracepoint of one perf record,
 * and a tracepoint takes no period term, so the two cannot share one).
 * perf script shows the events the kernel could not write
 * (--show-lost-events: PERF_RECORD_LOST lines); prof.c counts them.
 *
 * The recordings stay as OUTDIR/profile/perf.data (and kvm.data) for
 * `perf report`; the text of perf script is read from temporary files
 * and removed. */
#include "collect/collect_int.h"
#include "core/fs.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/spawn.h"
#include "core/strvec.h"
#include "measure/measure.h"
#include "measure/thread.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PERF_ACK_NS (5 * 1000000000LL)       /* perf answers a control command */
#define PERF_STOP_NS (10 * 1000000000LL)     /* perf record writes out and exits */
#define PERF_SCRIPT_NS (600 * 1000000000LL)  /* perf script finishes */

/* One perf record: the main recording (0) or the KVM exits' (1). */
struct perf_rec {
    pid_t pid;                      /* 0 when not running */
    int ctl, ack;                   /* the control FIFOs, -1 when closed */
    char command[1024];             /* its argv joined, for the result */
    uint64_t cpu_ns;                /* its CPU at its last reading */
};

static const char *const perf_rec_names[2] = { "perf", "kvm" };   /* file name stems */

struct perf_state {
    char exe[512];
    struct perf_rec r[2];
    int nrec;                       /* 1, or 2 with the exits' recording */
    int enabled;                    /* the events were enabled at begin */
    int kvm;                        /* kvm tracepoints recorded */
    char kvm_note[160];
    char error[256];
};

static int perf_wanted(const struct job_profile *o)
{
    return o->enabled;
}

static int perf_probe(struct collect *c, void *priv, char *why, size_t n)
{
    struct perf_state *s = priv;
    for (int i = 0; i < 2; i++) {
        s->r[i].pid = 0;
        s->r[i].ctl = s->r[i].ack = -1;
    }
    if (fs_which(c->opt.perf, s->exe, sizeof s->exe)) {
        snprintf(why, n, "no perf program '%s' (Debian: apt-get install linux-perf)", c->opt.perf);
        return -1;
    }
    char v[16] = "";
    const char *paranoid = "/proc/sys/kernel/perf_event_paranoid";
    if (geteuid() != 0 && meas_read(c->root, paranoid, v, sizeof v) > 0 && atoi(v) > 0) {
        snprintf(why, n, "a system-wide profile needs root or kernel.perf_event_paranoid <= 0 "
                         "(it is %d)", atoi(v));
        return -1;
    }
    return 0;
}

/* Where KVM exits can be recorded; else why not in s->kvm_note. */
static void perf_kvm_probe(struct collect *c, struct perf_state *s)
{
    struct stat st;
    s->kvm = 0;
    if (!c->opt.kvm) snprintf(s->kvm_note, sizeof s->kvm_note, "not recorded ([profile] kvm = no)");
    else if (stat("/sys/module/kvm", &st) != 0)
        snprintf(s->kvm_note, sizeof s->kvm_note,
                 "this host does not run KVM: no VM exits to count");
    else {
        int guests = 0;
        for (int i = 0; i < c->nt; i++) guests |= c->t[i].guest;
        if (!guests || c->tcg)
            snprintf(s->kvm_note, sizeof s->kvm_note, "%s: no VM exits to count",
                     guests ? "the guests ran under TCG, not KVM" : "no server ran in a KVM guest");
        else s->kvm = 1;
    }
}

/* The CPU time one sample stands for, in ns: the sampling event's period
 * when it counts time (cpu-clock, task-clock), else 1/frequency. */
static int64_t perf_sample_ns(const struct job_profile *o)
{
    return 1000000000LL / (o->frequency > 0 ? o->frequency : 1);
}

static int perf_event_counts_ns(const char *event)
{
    return !strcmp(event, "cpu-clock") || !strcmp(event, "task-clock");
}

/* The main recording's events: the sampling event at its rate as a term
 * (-F or -c would apply to the tracepoints too), under KVM in host and
 * guest mode (HG: exclude_guest off, as perf kvm --host --guest record,
 * so a hardware event samples guest code too), and one in sched_period
 * scheduler events (-c: a tracepoint takes no period term).  Samples
 * carry no period (--no-period): with it, the kernel writes every
 * tracepoint event whatever the period. */
static void perf_main_events(const struct job_profile *o, int kvm, struct strvec *v)
{
    const char *hg = kvm ? "HG" : "";
    if (perf_event_counts_ns(o->event))
        strvec_pushf(v, "-e%s/period=%lld/%s", o->event, (long long)perf_sample_ns(o), hg);
    else strvec_pushf(v, "-e%s/freq=%lld/%s", o->event, (long long)o->frequency, hg);
    if (!o->sched) return;
    strvec_pushf(v, "-c%lld", (long long)o->sched_period);
    strvec_pushv(v, (const char *const[]){ "-esched:sched_switch", "-esched:sched_waking", NULL });
}

void collect_perf_argv(const struct job_profile *o, const char *exe, const char *dir, int kvm,
                       int exits, struct strvec *v)
{
    const char *stem = perf_rec_names[exits ? 1 : 0];
    strvec_push(v, exe);
    strvec_push(v, "record");
    strvec_pushv(v, (const char *const[]){ "-a", "-k", "CLOCK_MONOTONIC", "-D", "-1", "--quiet",
                                           "--no-period", NULL });
    if (exits)
        strvec_pushv(v, (const char *const[]){ "-c1", "-m1024", "-ekvm:kvm_exit/call-graph=no/",
                                               "-ekvm:kvm_entry/call-graph=no/", NULL });
    else {
        strvec_push(v, "-g");
        perf_main_events(o, kvm, v);
    }
    strvec_pushf(v, "--control=fifo:%s/%s-ctl.fifo,%s/%s-ack.fifo", dir, stem, dir, stem);
    strvec_pushf(v, "-o%s/%s.data", dir, stem);
}

/* Sends a control command and waits for perf's "ack".  Returns 0 or -1. */
static int perf_command(struct perf_rec *s, const char *cmd)
{
    char line[64];
    int len = snprintf(line, sizeof line, "%s\n", cmd);
    if (s->ctl < 0 || write(s->ctl, line, (size_t)len) != len) return -1;
    int64_t deadline = clock_mono_ns() + PERF_ACK_NS;
    size_t got = 0;
    while (got < 4) {
        int64_t left = deadline - clock_mono_ns();
        struct pollfd p = { s->ack, POLLIN, 0 };
        if (left <= 0 || poll(&p, 1, (int)(left / 1000000 + 1)) <= 0) return -1;
        ssize_t r = read(s->ack, line + got, sizeof line - 1 - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return strncmp(line, "ack", 3) == 0 ? 0 : -1;
}

/* Makes recording k's two FIFOs and opens them read-write (so opening
 * never blocks). */
static int perf_fifos(const struct collect *c, struct perf_rec *s, int k, char *why, size_t n)
{
    char ctl[600], ack[600];
    const char *dir = c->dir.data + c->dir.off;
    snprintf(ctl, sizeof ctl, "%s/%s-ctl.fifo", dir, perf_rec_names[k]);
    snprintf(ack, sizeof ack, "%s/%s-ack.fifo", dir, perf_rec_names[k]);
    unlink(ctl);
    unlink(ack);
    if (mkfifo(ctl, 0600) || mkfifo(ack, 0600)) {
        snprintf(why, n, "cannot create %s: %s", ctl, strerror(errno));
        return -1;
    }
    s->ctl = open(ctl, O_RDWR | O_CLOEXEC);
    s->ack = open(ack, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (s->ctl < 0 || s->ack < 0) {
        snprintf(why, n, "cannot open %s: %s", ctl, strerror(errno));
        return -1;
    }
    return 0;
}

static void perf_kill(struct perf_rec *s, int sig)
{
    if (s->pid <= 0) return;
    kill(s->pid, sig);
    int64_t deadline = clock_mono_ns() + PERF_STOP_NS;
    int status;
    while (waitpid(s->pid, &status, WNOHANG) == 0) {
        if (clock_mono_ns() > deadline) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &status, 0);
            break;
        }
        clock_sleep_ns(10 * 1000000LL);
    }
    s->pid = 0;
}

/* Starts recording k with its events off and waits for it to answer. */
static int perf_start(struct collect *c, struct perf_state *s, int k, char *why, size_t n)
{
    struct perf_rec *r = &s->r[k];
    char log[600];
    const char *dir = c->dir.data + c->dir.off;
    if (perf_fifos(c, r, k, why, n)) return -1;
    struct strvec v = STRVEC_INIT;
    collect_perf_argv(&c->opt, s->exe, dir, s->kvm, k, &v);
    char *cmd = strvec_join(&v, " ");
    snprintf(r->command, sizeof r->command, "%s", cmd);
    free(cmd);
    snprintf(log, sizeof log, "%s/%s-record.log", dir, perf_rec_names[k]);
    struct spawn sp = { .exe = s->exe, .argv = strvec_argv(&v), .out = log, .own_pgrp = 1,
                        .pdeathsig = SIGTERM };
    r->pid = spawn_start(&sp, why, n);
    strvec_clear(&v);
    if (r->pid < 0) {
        r->pid = 0;
        return -1;
    }
    if (perf_command(r, "ping")) {
        snprintf(why, n, "perf record did not answer on its control FIFO (see %s)", log);
        perf_kill(r, SIGKILL);
        return -1;
    }
    return 0;
}

static int perf_arm(struct collect *c, void *priv, char *why, size_t n)
{
    struct perf_state *s = priv;
    perf_kvm_probe(c, s);
    s->nrec = s->kvm ? 2 : 1;
    for (int k = 0; k < s->nrec; k++)
        if (perf_start(c, s, k, why, n)) return -1;
    return 0;
}

static void perf_begin(struct collect *c, void *priv)
{
    struct perf_state *s = priv;
    s->enabled = 1;
    for (int k = 0; k < s->nrec; k++) s->enabled &= perf_command(&s->r[k], "enable") == 0;
    if (!s->enabled) snprintf(s->error, sizeof s->error, "perf record did not enable its events");
}

static void perf_end(struct collect *c, void *priv)
{
    struct perf_state *s = priv;
    for (int k = 0; k < s->nrec; k++)
        if (s->enabled && perf_command(&s->r[k], "disable"))
            log_warn("perf record did not acknowledge disable "
                     "(samples after the interval are dropped)");
}

/* perf record's CPU so far: its threads' time on CPU. */
static uint64_t perf_rec_cpu_ns(const struct collect *c, struct perf_rec *s)
{
    struct meas_thread *t;
    if (s->pid <= 0) return s->cpu_ns;
    int k = meas_threads_read(c->root, s->pid, &t);
    if (k < 0) return s->cpu_ns;
    uint64_t ns = 0;
    for (int i = 0; i < k; i++) ns += meas_thread_ns(&t[i], meas_hz());
    free(t);
    if (ns > s->cpu_ns) s->cpu_ns = ns;
    return s->cpu_ns;
}

/* The recordings' CPU: their threads' time on CPU. */
static uint64_t perf_cpu_ns(const struct collect *c, const void *priv)
{
    struct perf_state *s = (struct perf_state *)priv;
    uint64_t ns = 0;
    for (int k = 0; k < s->nrec; k++) ns += perf_rec_cpu_ns(c, &s->r[k]);
    return ns;
}

/* Runs perf script on recording k into path; returns 0 or -1 with
 * s->error set. */
static int perf_script(struct collect *c, struct perf_state *s, int k, const char *path)
{
    const char *dir = c->dir.data + c->dir.off;
    struct strvec v = STRVEC_INIT;
    char why[256];
    strvec_pushv(&v, (const char *const[]){ s->exe, "script", "--ns", "--no-demangle",
                 "--show-lost-events",
                 "-F", "comm,pid,tid,cpu,time,period,event,trace,ip,sym,dso", NULL });
    strvec_pushf(&v, "-i%s/%s.data", dir, perf_rec_names[k]);
    struct spawn sp = { .exe = s->exe, .argv = strvec_argv(&v), .out = path, .own_pgrp = 1,
                        .pdeathsig = SIGTERM };
    pid_t pid = spawn_start(&sp, why, sizeof why);
    strvec_clear(&v);
    if (pid < 0) {
        snprintf(s->error, sizeof s->error, "perf script: %.200s", why);
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    snprintf(s->error, sizeof s->error, "perf script failed (status %d)", status);
    return -1;
}

/* The servers as the analysis sees them, with their cgroups' threads. */
static struct prof_owner *perf_owners(const struct collect *c, pid_t **tids)
{
    struct prof_owner *o = calloc((size_t)c->nt + 1, sizeof *o);
    *tids = calloc((size_t)c->nt * 256 + 1, sizeof **tids);
    if (!o || !*tids) abort();
    for (int i = 0; i < c->nt; i++) {
        o[i].pid = c->t[i].pid;
        o[i].name = c->t[i].name;
        o[i].role = c->t[i].role;
        o[i].guest = c->t[i].guest;
        o[i].tids = *tids + (size_t)i * 256;
        pid_t *mine = *tids + (size_t)i * 256;
        int k = c->t[i].cgroup ? meas_cg_threads(c->root, c->t[i].cgroup, mine, 256) : 0;
        o[i].ntids = k > 0 ? k : 0;
    }
    return o;
}

static void perf_analyze(struct collect *c, struct perf_state *s, const char *path,
                         int64_t t0, int64_t t1)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(s->error, sizeof s->error, "cannot read %.160s: %.60s", path, strerror(errno));
        return;
    }
    pid_t *tids;
    struct prof_owner *o = perf_owners(c, &tids);
    struct prof_input in = { .table = &c->table, .t0 = t0, .t1 = t1, .owner = o,
                             .nowner = c->nt, .driver_pid = getpid(), .profiler_pid = 0,
                             .tcg = c->tcg, .event = c->opt.event, .top = (int)c->opt.top };
    in.profiler_pid = s->r[0].pid;
    in.exit_recorder_pid = s->r[1].pid;
    long bad = prof_analyze(f, &in, c->sum);
    fclose(f);
    if (bad) log_warn("profile: %ld lines of perf script output not understood", bad);
    free(o);
    free(tids);
}

/* Appends the file at src to the one at dst; returns 0 or -1. */
static int perf_append(const char *dst, const char *src)
{
    FILE *in = fopen(src, "r"), *out = in ? fopen(dst, "a") : NULL;
    char b[65536];
    size_t k;
    int rc = in && out ? 0 : -1;
    while (!rc && (k = fread(b, 1, sizeof b, in)) > 0) rc = fwrite(b, 1, k, out) == k ? 0 : -1;
    if (in) fclose(in);
    if (out && fclose(out)) rc = -1;
    return rc;
}

/* perf script of every recording into path (the exits' appended: the
 * analysis pairs each vCPU's exits and entries, whatever else is
 * between them).  Returns 0 or -1 with s->error set. */
static int perf_scripts(struct collect *c, struct perf_state *s, const char *path)
{
    char kpath[600];
    snprintf(kpath, sizeof kpath, "%s/kvm-script.txt", c->dir.data + c->dir.off);
    int rc = perf_script(c, s, 0, path);
    if (!rc && s->nrec > 1 && perf_script(c, s, 1, kpath) == 0 && perf_append(path, kpath)) {
        snprintf(s->error, sizeof s->error, "cannot append %.200s", kpath);
        rc = -1;
    }
    unlink(kpath);
    return rc;
}

static void perf_finish(struct collect *c, void *priv, int64_t t0, int64_t t1)
{
    struct perf_state *s = priv;
    char path[600];
    const char *dir = c->dir.data + c->dir.off;
    pid_t rec[2] = { s->r[0].pid, s->r[1].pid };
    perf_cpu_ns(c, s);
    for (int k = 0; k < s->nrec; k++) perf_kill(&s->r[k], SIGINT);
    int64_t start = clock_mono_ns();
    snprintf(path, sizeof path, "%s/perf-script.txt", dir);
    if (!s->error[0] && perf_scripts(c, s, path) == 0) {
        s->r[0].pid = rec[0];           /* their samples are the profiler's */
        s->r[1].pid = rec[1];
        perf_analyze(c, s, path, t0, t1);
        s->r[0].pid = s->r[1].pid = 0;
    }
    unlink(path);
    struct prof_summary *p = c->sum;
    p->post_s = (double)(clock_mono_ns() - start) / 1e9;
    snprintf(p->event, sizeof p->event, "%s", c->opt.event);
    p->freq = (int)c->opt.frequency;
    p->kvm = s->kvm;
    snprintf(p->kvm_note, sizeof p->kvm_note, "%s", s->kvm_note);
    if (s->kvm)
        snprintf(p->guest_record, sizeof p->guest_record,
                 "in host and guest mode (:HG); perf script drops guest-mode samples");
    snprintf(p->data_file, sizeof p->data_file, "%s/perf.data", dir);
    snprintf(p->command, sizeof p->command, "%s", s->r[0].command);
    snprintf(p->exit_command, sizeof p->exit_command, "%.500s", s->nrec > 1 ? s->r[1].command : "");
    snprintf(p->error, sizeof p->error, "%s", s->error);
}

static void perf_close(struct collect *c, void *priv)
{
    struct perf_state *s = priv;
    char path[600];
    const char *dir = c->dir.data ? c->dir.data + c->dir.off : NULL;
    for (int k = 0; k < 2; k++) {
        struct perf_rec *r = &s->r[k];
        perf_kill(r, SIGKILL);
        if (r->ctl >= 0) close(r->ctl);
        if (r->ack >= 0) close(r->ack);
        r->ctl = r->ack = -1;
        if (!dir) continue;
        snprintf(path, sizeof path, "%s/%s-ctl.fifo", dir, perf_rec_names[k]);
        unlink(path);
        snprintf(path, sizeof path, "%s/%s-ack.fifo", dir, perf_rec_names[k]);
        unlink(path);
    }
}

const struct collector_ops collect_perf_ops = {
    .name = "perf", .priv_size = sizeof(struct perf_state), .wanted = perf_wanted,
    .probe = perf_probe, .arm = perf_arm, .begin = perf_begin, .end = perf_end,
    .finish = perf_finish, .cpu_ns = perf_cpu_ns, .close = perf_close,
};
