/* sample.c — taking samples and turning two of them into CPU figures.
 *
 * A sample holds cumulative counters only (host /proc/stat, the run
 * process, its controller thread, every server); all rates come from
 * differences between two samples, so a missed or late sample never
 * loses time, it only coarsens the series. */
#include "run/run.h"
#include "run/run_int.h"
#include "core/served.h"
#include "collect/collect.h"
#include "core/clock.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

const char *const run_phase_names[] = {
    "prepare", "start", "baseline", "ramp-up", "measure", "ramp-down", "teardown", "done",
};
_Static_assert(sizeof run_phase_names / sizeof run_phase_names[0] == RUN_PH_DONE + 1,
               "run_phase_names: one name per value");

/* This process's CPU time, every thread's (exited ones included), exact
 * to the nanosecond: the kernel's run time, not the 1/100 s of /proc. */
static uint64_t run_self_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)) return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Takes one sample now and appends it; returns its index. */
int run_sample_take(struct run *r)
{
    if (r->nsamples == r->cap_samples) {
        r->cap_samples = r->cap_samples ? r->cap_samples * 2 : 256;
        r->samples = realloc(r->samples, (size_t)r->cap_samples * sizeof *r->samples);
        if (!r->samples) abort();
    }
    struct run_sample *s = &r->samples[r->nsamples];
    memset(s, 0, sizeof *s);
    s->srv_ns = calloc((size_t)(r->nsrv ? r->nsrv : 1), sizeof *s->srv_ns);
    s->srv_cpu = calloc((size_t)(r->nsrv ? r->nsrv : 1), sizeof *s->srv_cpu);
    s->srv_served = calloc((size_t)(r->nsrv ? r->nsrv : 1), sizeof *s->srv_served);
    if (!s->srv_ns || !s->srv_cpu || !s->srv_served) abort();
    s->t_ns = clock_mono_ns();
    for (int i = 0; i < r->nsrv; i++) s->srv_served[i] = served_requests(r->srv[i].served);
    s->wall_ns = clock_wall_ns();
    s->phase = r->phase;
    if (meas_host_read(r->plat.proc_root, &s->host) && r->nsamples > 0)
        s->host = r->samples[r->nsamples - 1].host;
    s->self_ns = run_self_ns();
    uint64_t tick = (uint64_t)(1000000000LL / meas_hz()), u = 0, st = 0;
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (meas_task_runtime(r->plat.proc_root, getpid(), tid, &s->ctl_ns) != 0 &&
        meas_task_cpu(r->plat.proc_root, getpid(), tid, &u, &st) == 0)
        s->ctl_ns = (u + st) * tick;
    s->coll_ns = collect_cpu_ns(r->coll);
    for (int i = 0; i < r->nsrv; i++) {
        if (r->srv[i].pid) r->plat.ops->cpu(&r->plat, &r->srv[i]);
        s->srv_ns[i] = r->srv[i].cpu.total_ns;
        s->srv_cpu[i] = r->srv[i].cpu;
    }
    if (r->drv) {
        struct drive_live l;
        drive_live(r->drv, &l);
        s->completed = l.completed;
        s->errors = l.errors + l.timeouts;
    }
    return r->nsamples++;
}

void run_samples_free(struct run *r)
{
    for (int i = 0; i < r->nsamples; i++) {
        free(r->samples[i].srv_ns);
        free(r->samples[i].srv_cpu);
        free(r->samples[i].srv_served);
    }
    free(r->samples);
    r->samples = NULL;
    r->nsamples = r->cap_samples = 0;
}

static double run_ns_delta(uint64_t a, uint64_t b)
{
    return b >= a ? (double)(b - a) : 0.0;
}

void run_cpu_between(const struct run *r, int a, int b, struct run_cpu *c)
{
    memset(c, 0, sizeof *c);
    if (a < 0 || b < 0 || a >= r->nsamples || b >= r->nsamples || b <= a) return;
    const struct run_sample *sa = &r->samples[a], *sb = &r->samples[b];
    c->seconds = (double)(sb->t_ns - sa->t_ns) / 1e9;
    if (c->seconds <= 0) return;
    meas_host_delta(&sa->host, &sb->host, &c->host);
    c->host_busy_cores = c->host.busy_cores;
    double self = run_ns_delta(sa->self_ns, sb->self_ns) / 1e9 / c->seconds;
    c->ctl_cores = run_ns_delta(sa->ctl_ns, sb->ctl_ns) / 1e9 / c->seconds;
    c->driver_cores = self > c->ctl_cores ? self - c->ctl_cores : 0;
    c->coll_cores = run_ns_delta(sa->coll_ns, sb->coll_ns) / 1e9 / c->seconds;
    c->sut_cores = c->host_busy_cores > self + c->coll_cores
                   ? c->host_busy_cores - self - c->coll_cores : 0;
    for (int i = 0; i < r->nsrv; i++)
        c->role_cores[r->srv[i].spec->role] += run_ns_delta(sa->srv_ns[i], sb->srv_ns[i]) / 1e9 / c->seconds;
    for (int role = 0; role < ROLE_COUNT; role++) c->servers_cores += c->role_cores[role];
    c->ctxt_s = c->host.ctxt / c->seconds;
    c->intr_s = c->host.intr / c->seconds;
}

/* The value of "key<blanks>: value" on a line of text (cpuinfo style). */
static void run_colon_field(const char *text, const char *key, char *dst, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) != 0) continue;
        const char *c = strchr(p, ':');
        const char *nl = strchr(p, '\n');
        if (!c || (nl && c > nl)) continue;
        c++;
        while (*c == ' ' || *c == '\t') c++;
        size_t len = nl ? (size_t)(nl - c) : strlen(c);
        snprintf(dst, n, "%.*s", (int)len, c);
        return;
    }
}

void run_host_facts(const char *root, struct run_host_facts *f)
{
    static char text[1 << 16];
    memset(f, 0, sizeof *f);
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(f->kernel, sizeof f->kernel, "%.20s %.100s", u.sysname, u.release);
        snprintf(f->hostname, sizeof f->hostname, "%s", u.nodename);
    }
    if (meas_read(root, "/proc/sys/kernel/osrelease", text, sizeof text) > 0) {
        text[strcspn(text, "\n")] = '\0';
        snprintf(f->kernel, sizeof f->kernel, "Linux %.100s", text);
    }
    snprintf(f->cpu_model, sizeof f->cpu_model, "unknown");
    if (meas_read(root, "/proc/cpuinfo", text, sizeof text) > 0)
        run_colon_field(text, "model name", f->cpu_model, sizeof f->cpu_model);
    static struct meas_host h;
    f->cores = meas_host_read(root, &h) == 0 ? h.ncpu : 0;
    f->idle = meas_idle_kind(root, f->idle_why, sizeof f->idle_why);
    if (meas_read(root, "/proc/meminfo", text, sizeof text) > 0) {
        char v[64] = "";
        run_colon_field(text, "MemTotal", v, sizeof v);
        f->mem_bytes = strtoull(v, NULL, 10) * 1024;
    }
}
