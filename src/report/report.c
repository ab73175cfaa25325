/* report.c — the text report and the progress line.
 *
 * The host CPU table has the form of the post that started hostmix:
 *     total  user  nice  system  irq  softirq  steal  guest
 * in percent of the host and in cores, over the measurement interval,
 * with guest time already taken out of user and nice (measure.h). */
#include "report/report.h"
#include "report/summary.h"
#include "core/clock.h"

#include <stdlib.h>
#include <string.h>

/* "1.23ms", "850us", "2.10s" */
static char *report_ns(char *dst, size_t n, int64_t ns)
{
    if (ns < 1000000) snprintf(dst, n, "%.0fus", (double)ns / 1e3);
    else if (ns < 1000000000) snprintf(dst, n, "%.2fms", (double)ns / 1e6);
    else snprintf(dst, n, "%.2fs", (double)ns / 1e9);
    return dst;
}

/* Where db and imap data came from: a working copy made before any server
 * started (its time never falls into the baseline or the load). */
static void report_work_copy(const struct run *r, FILE *f)
{
    if (!r->work_dir[0]) {
        fprintf(f, "data: served from the cache in place (no deployed role changes its data)\n");
        return;
    }
    char how[64];
    run_copy_methods_text(r->work_methods, how, sizeof how);
    fprintf(f, "data: working copy of %ld files, %.1f MiB made in %.3f s (%s) before the servers "
               "started; %s %s\n", r->work_files, (double)r->work_bytes / (1 << 20),
            (double)r->work_ns / 1e9, how[0] ? how : "empty", r->work_kept ? "kept in" : "removed:",
            r->work_dir);
}

static void report_header(const struct run *r, FILE *f)
{
    const struct job *j = &r->job;
    fprintf(f, "hostmix run \"%s\" (%s): platform %s, %lld set%s, roles %s\n", j->name, j->path,
            platform_names[j->platform], (long long)j->sets, j->sets == 1 ? "" : "s", j->roles);
    fprintf(f, "host: %s, %s, %d cores, %.1f GiB\n", r->facts.kernel, r->facts.cpu_model,
            r->facts.cores, (double)r->facts.mem_bytes / (1 << 30));
    struct plat_acct a;
    r->plat.ops->describe(&r->plat, &a);
    fprintf(f, "%s\n", a.text);
    if (a.facts[0]) fprintf(f, "%s\n", a.facts);
    report_work_copy(r, f);
    if (r->valid)
        fprintf(f, "run: valid, complete\n");
    else
        fprintf(f, "run: INVALID%s: %s\n", r->complete ? "" : " and incomplete", r->invalid);
}

static void report_load(const struct report_summary *s, double secs, FILE *f)
{
    char a[16], b[16], c[16], d[16];
    fprintf(f, "\nLoad and QoS over the measurement interval (%.1f s; latency from the intended "
               "send time)\n", secs);
    fprintf(f, "  %-6s %10s %10s %9s %7s %9s %9s %9s %9s  %s\n", "role", "target/s", "achieved/s",
            "requests", "errors", "p50", "p95", "p99", "max", "QoS");
    for (int role = 0; role < ROLE_COUNT; role++) {
        const struct report_role *rr = &s->role[role];
        if (!rr->driven) continue;
        fprintf(f, "  %-6s %10.2f %10.2f %9llu %7llu %9s %9s %9s %9s  %s%s\n", role_names[role],
                rr->target_rate, rr->achieved_rate, (unsigned long long)rr->requests,
                (unsigned long long)rr->errors,
                report_ns(a, sizeof a, hist_percentile(&rr->lat, 50)),
                report_ns(b, sizeof b, hist_percentile(&rr->lat, 95)),
                report_ns(c, sizeof c, hist_percentile(&rr->lat, 99)),
                report_ns(d, sizeof d, rr->lat.count ? rr->lat.max : 0),
                rr->qos_pass ? "pass" : "FAIL ", rr->qos_pass ? "" : rr->qos_failed);
    }
}

static void report_host_cpu(const struct run_cpu *c, FILE *f)
{
    static const int cols[] = { MEAS_USER, MEAS_NICE, MEAS_SYSTEM, MEAS_IRQ, MEAS_SOFTIRQ,
                                MEAS_STEAL, MEAS_GUEST };
    const struct meas_breakdown *h = &c->host;
    fprintf(f, "\nHost CPU over the measurement interval (%d CPUs)\n", h->ncpu);
    fprintf(f, "  %-6s %8s", "", "total");
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        fprintf(f, " %8s", meas_field_names[cols[i]]);
    fprintf(f, "\n  %-6s %8.2f", "%", meas_pct(h, h->busy));
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        fprintf(f, " %8.2f", meas_pct(h, h->ticks[cols[i]] +
                                          (cols[i] == MEAS_GUEST ? h->ticks[MEAS_GUEST_NICE] : 0)));
    fprintf(f, "\n  %-6s %8.3f", "cores", meas_cores(h, h->busy));
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        fprintf(f, " %8.3f", meas_cores(h, h->ticks[cols[i]] +
                                            (cols[i] == MEAS_GUEST ? h->ticks[MEAS_GUEST_NICE] : 0)));
    double ov = meas_overhead(h);
    if (ov >= 0) fprintf(f, "\n  overhead (non-guest busy / guest): %.3f\n", ov);
    else fprintf(f, "\n  overhead (non-guest busy / guest): n/a, no guest time\n");
    fprintf(f, "  context switches/s %.0f, interrupts/s %.0f, running processes %llu\n",
            c->ctxt_s, c->intr_s, (unsigned long long)h->procs_running);
}

/* How busy the host was before the load began; other work on a shared
 * host is in system-under-test CPU too. */
static void report_baseline(const struct report_summary *s, FILE *f)
{
    if (!s->have_baseline) return;
    const struct run_cpu *b = &s->baseline;
    double ncpu = b->host.ncpu ? b->host.ncpu : 1;
    fprintf(f, "  before the load (servers up, idle, %.1f s): host busy %.3f cores (%.2f%%)\n",
            b->seconds, b->host_busy_cores, 100 * b->host_busy_cores / ncpu);
    if (b->host_busy_cores > 0.05 * ncpu)
        fprintf(f, "  WARNING: the host was busy before the load began: other work on the host "
                   "counts in system-under-test CPU; compare the servers' own CPU\n");
}

static void report_consumers(const struct report_summary *s, FILE *f)
{
    const struct run_cpu *c = &s->cpu;
    double ncpu = c->host.ncpu ? c->host.ncpu : 1;
    fprintf(f, "\nCPU by consumer (cores; %% of host; CPU per operation)\n");
    for (int role = 0; role < ROLE_COUNT; role++) {
        const struct report_role *rr = &s->role[role];
        if (!rr->present) continue;
        fprintf(f, "  %-28s %8.3f %7.2f%%", role_names[role], rr->cores, 100 * rr->cores / ncpu);
        if (rr->requests) fprintf(f, "   %.3f ms/op", rr->cpu_ms_per_op);
        fputc('\n', f);
    }
    fprintf(f, "  %-28s %8.3f %7.2f%%\n", "all servers", c->servers_cores,
            100 * c->servers_cores / ncpu);
    fprintf(f, "  %-28s %8.3f %7.2f%%\n", "load driver", c->driver_cores, 100 * c->driver_cores / ncpu);
    fprintf(f, "  %-28s %8.3f %7.2f%%\n", "controller + sampler", c->ctl_cores, 100 * c->ctl_cores / ncpu);
    fprintf(f, "  %-28s %8.3f %7.2f%%\n", "host busy", c->host_busy_cores,
            100 * c->host_busy_cores / ncpu);
    fprintf(f, "  %-28s %8.3f %7.2f%%", "system under test", c->sut_cores, 100 * c->sut_cores / ncpu);
    if (s->achieved_total > 0)
        fprintf(f, "   %.3f ms/op", c->sut_cores * 1e3 / s->achieved_total);
    fprintf(f, "\n  (system under test = host busy - hostmix's own process: drivers and controller)\n");
}

void report_text(const struct run *r, FILE *f)
{
    struct report_summary *s = malloc(sizeof *s);
    if (!s) abort();
    report_summarize(r, s);
    report_header(r, f);
    if (r->res) report_load(s, s->cpu.seconds, f);
    else fprintf(f, "\nNo load results: the run stopped before the load driver started.\n");
    if (s->have_interval) {
        report_host_cpu(&s->cpu, f);
        report_baseline(s, f);
        report_consumers(s, f);
    } else {
        fprintf(f, "\nNo CPU figures: the run stopped before the measurement interval began.\n");
    }
    if (r->res && r->res->ntargets) {
        fprintf(f, "\nPer target and operation\n");
        drive_results_text(r->res, f);
    }
    int pass = r->valid && r->qos_pass;
    fprintf(f, "\nverdict: %s\n", pass ? "PASS (valid run, QoS met)"
                                       : !r->valid ? "INVALID" : "QoS FAILED");
    free(s);
}

void report_progress(const struct run *r, FILE *f, int final)
{
    static int64_t last_plain;
    if (final) {
        if (r->tty) fputs("\r\033[K", f);
        return;
    }
    if (r->nsamples < 2 || !r->drv) return;
    const struct run_sample *a = &r->samples[r->nsamples - 2], *b = &r->samples[r->nsamples - 1];
    int64_t now = b->t_ns;
    if (!r->tty && now - last_plain < 5 * CLOCK_NS_PER_S) return;
    last_plain = now;
    struct run_cpu c;
    run_cpu_between(r, r->nsamples - 2, r->nsamples - 1, &c);
    const struct job *j = &r->job;
    double elapsed = (double)(b->t_ns - r->samples[0].t_ns) / 1e9;
    double total = (double)(j->ramp_up + j->measure + j->ramp_down) / 1e9;
    double secs = (double)(b->t_ns - a->t_ns) / 1e9;
    double rate = secs > 0 ? (double)(b->completed - a->completed) / secs : 0;
    double left = total > elapsed ? total - elapsed : 0;
    fprintf(f, "%s%-9s %4.0fs elapsed %4.0fs left  %8.1f req/s  errors %llu  host busy %.2f cores  "
               "system under test %.2f  driver %.2f%s",
            r->tty ? "\r\033[K" : "", run_phase_names[r->phase], elapsed, left, rate,
            (unsigned long long)b->errors, c.host_busy_cores, c.sut_cores, c.driver_cores,
            r->tty ? "" : "\n");
    fflush(f);
}
