/* text.c — the text report and the progress line, from the report model.
 *
 * The host CPU table has the form of the post that started hostmix:
 *     total  user  nice  system  irq  softirq  steal  guest
 * in percent of the host and in cores, over the measurement interval,
 * with guest time already taken out of user and nice (measure.h).
 *
 * Every figure comes from the model (model.h), so `hostmix report
 * result.json` prints the lines the run printed.  Every string read from a
 * stored result goes through report_tstr here, so a crafted result.json
 * cannot send control sequences to a terminal. */
#include "report/report.h"
#include "report/model.h"
#include "report/repeats.h"
#include "report/explain.h"
#include "core/buf.h"
#include "core/clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* "1.23ms", "850us", "2.10s" */
static struct numstr rt_ns(int64_t ns)
{
    if (ns < 1000000) return numstr_fmt("%.0fus", (double)ns / 1e3);
    if (ns < 1000000000) return numstr_fmt("%.2fms", (double)ns / 1e6);
    return numstr_fmt("%.2fs", (double)ns / 1e9);
}

static const char *rt_str(const char *s)
{
    return report_tstr(s, "");
}

/* Where db and imap data came from: a working copy made before any server
 * started (its time never falls into the baseline or the load). */
static void rt_work_copy(const struct report_model *m, FILE *f)
{
    if (!m->work.present) {
        fprintf(f, "data: served from the cache in place (no deployed role changes its data)\n");
        return;
    }
    const char *how = rt_str(m->work.method);
    fprintf(f, "data: working copy of %llu files, %.1f MiB made in %.3f s (%s) before the servers "
               "started; %s %s\n", (unsigned long long)m->work.files,
            (double)m->work.bytes / (1 << 20), m->work.seconds, how[0] ? how : "empty",
            m->work.kept ? "kept in" : "removed:", rt_str(m->work.dir));
}

static void rt_header(const struct report_model *m, FILE *f)
{
    const char *sets = rt_str(report_model_opt(m, "global", "sets"));
    fprintf(f, "hostmix run \"%s\" (%s): platform %s, %s set%s, roles %s\n", rt_str(m->name),
            rt_str(m->job.file), rt_str(report_model_opt(m, "global", "platform")), sets,
            strcmp(sets, "1") == 0 ? "" : "s", rt_str(report_model_opt(m, "global", "roles")));
    fprintf(f, "host: %s, %s, %d cores, %.1f GiB\n", rt_str(m->host.kernel),
            rt_str(m->host.cpu_model), m->host.cores, (double)m->host.memory_bytes / (1 << 30));
    fprintf(f, "server CPU: %s\n", rt_str(m->acct.text));
    if (m->acct.facts) fprintf(f, "%s\n", report_tstr_lines(m->acct.facts));
    rt_work_copy(m, f);
    if (m->valid)
        fprintf(f, "run: valid, complete\n");
    else
        fprintf(f, "run: INVALID%s: %s\n", m->complete ? "" : " and incomplete",
                rt_str(m->invalid_reason));
}

static void rt_load(const struct report_model *m, FILE *f)
{
    fprintf(f, "\nLoad and QoS over the measurement interval (%.1f s; latency from the intended "
               "send time)\n", m->have_interval ? m->cpu.seconds : 0);
    fprintf(f, "  %-6s %10s %10s %9s %7s %9s %9s %9s %9s  %s\n", "role", "target/s", "achieved/s",
            "requests", "errors", "p50", "p95", "p99", "max", "QoS");
    for (int role = 0; role < ROLE_COUNT; role++) {
        const struct report_role *rr = &m->role[role];
        if (!rr->driven) continue;
        fprintf(f, "  %-6s %10.2f %10.2f %9llu %7llu %9s %9s %9s %9s  %s%s\n", role_names[role],
                rr->target_rate, rr->achieved_rate, (unsigned long long)rr->requests,
                (unsigned long long)rr->errors, rt_ns(rr->lat.p[0]).s,
                rt_ns(rr->lat.p[2]).s, rt_ns(rr->lat.p[3]).s, rt_ns(rr->lat.max).s, rr->qos_pass ? "pass" : "FAIL ",
                rr->qos_pass ? "" : rt_str(rr->qos_failed));
    }
}

/* One row of the host table: total and the columns, guest with guest_nice. */
static void rt_host_row(FILE *f, const char *label, const char *fmt, double total, const double *v)
{
    static const int cols[] = { MEAS_USER, MEAS_NICE, MEAS_SYSTEM, MEAS_IRQ, MEAS_SOFTIRQ,
                                MEAS_STEAL, MEAS_GUEST };
    fprintf(f, "\n  %-6s ", label);
    fprintf(f, fmt, total);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        fputc(' ', f);
        fprintf(f, fmt, v[cols[i]] + (cols[i] == MEAS_GUEST ? v[MEAS_GUEST_NICE] : 0));
    }
}

static void rt_host_cpu(const struct report_cpu *c, FILE *f)
{
    static const int cols[] = { MEAS_USER, MEAS_NICE, MEAS_SYSTEM, MEAS_IRQ, MEAS_SOFTIRQ,
                                MEAS_STEAL, MEAS_GUEST };
    fprintf(f, "\nHost CPU over the measurement interval (%d CPUs)\n", c->ncpu);
    fprintf(f, "  %-6s %8s", "", "total");
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        fprintf(f, " %8s", meas_field_names[cols[i]]);
    rt_host_row(f, "%", "%8.2f", c->pct_total, c->pct);
    rt_host_row(f, "cores", "%8.3f", c->cores_total, c->cores);
    if (!isnan(c->overhead)) fprintf(f, "\n  overhead (non-guest busy / guest): %.3f\n", c->overhead);
    else fprintf(f, "\n  overhead (non-guest busy / guest): n/a, no guest time\n");
    fprintf(f, "  context switches/s %.0f, interrupts/s %.0f, running processes %.0f\n",
            c->ctxt_s, c->intr_s, c->procs_running);
}

/* How the busy total was taken, and the consistency check's finding. */
static void rt_busy_how(const struct report_model *m, FILE *f)
{
    const struct report_cpu *c = &m->cpu;
    if (m->acct.host_busy && strcmp(m->acct.host_busy, "measured") == 0)
        fprintf(f, "  busy measured (elapsed x CPUs - idle - iowait - steal, +-%.3f cores); the kind "
                   "split is the tick fields' shares (they alone saw %.3f cores)\n",
                c->resolution_cores, c->tick_busy_cores);
    else
        fprintf(f, "  busy tick-sampled: short bursts between ticks are missed%s%s%s\n",
                m->acct.host_busy_note ? " (" : "", rt_str(m->acct.host_busy_note),
                m->acct.host_busy_note ? ")" : "");
    if (m->consistency) fprintf(f, "  WARNING: %s\n", m->consistency);
    if (m->overlapped) fprintf(f, "  WARNING: overlapped: %s: each run's host figures hold the "
                                  "other's CPU\n", m->overlapped);
}

/* How busy the host was before the load began; other work on a shared
 * host is in system-under-test CPU too. */
static void rt_baseline(const struct report_model *m, FILE *f)
{
    if (!m->have_baseline) return;
    const struct report_cpu *b = &m->baseline;
    double ncpu = b->ncpu ? b->ncpu : 1;
    fprintf(f, "  before the load (servers up, idle, %.1f s): host busy %.3f cores (%.2f%%)\n",
            b->seconds, b->host_busy_cores, 100 * b->host_busy_cores / ncpu);
    if (b->host_busy_cores > 0.05 * ncpu)
        fprintf(f, "  WARNING: the host was busy before the load began: other work on the host "
                   "counts in system-under-test CPU; compare the servers' own CPU\n");
}

static void rt_consumer(FILE *f, const char *what, double cores, double ncpu)
{
    fprintf(f, "  %-28s %8.3f %7.2f%%", what, cores, 100 * cores / ncpu);
}

static void rt_consumers(const struct report_model *m, FILE *f)
{
    const struct report_cpu *c = &m->cpu;
    double ncpu = c->ncpu ? c->ncpu : 1;
    fprintf(f, "\nCPU by consumer (cores; %% of host; CPU per operation)\n");
    for (int role = 0; role < ROLE_COUNT; role++) {
        const struct report_role *rr = &m->role[role];
        if (!rr->present) continue;
        rt_consumer(f, role_names[role], rr->cores, ncpu);
        if (rr->requests) fprintf(f, "   %.3f ms/op", rr->cpu_ms_per_op);
        fputc('\n', f);
    }
    static const char *const what[] = { "all servers", "load driver", "controller + sampler",
                                        "host busy" };
    const double cores[] = { c->servers_cores, c->driver_cores, c->ctl_cores, c->host_busy_cores };
    for (int i = 0; i < 4; i++) {
        rt_consumer(f, what[i], cores[i], ncpu);
        fputc('\n', f);
    }
    rt_consumer(f, "system under test", c->sut_cores, ncpu);
    if (m->achieved_total > 0) fprintf(f, "   %.3f ms/op", c->sut_cores * 1e3 / m->achieved_total);
    fprintf(f, "\n  (system under test = host busy - hostmix's own process: drivers and controller)\n");
}

/* ---- per target and operation (the form of `hostmix drive`) ------------ */

static struct numstr rt_fmt_ns(int64_t ns)
{
    if (ns >= 1000000000LL) return numstr_fmt("%.3gs", ns / 1e9);
    if (ns >= 1000000LL) return numstr_fmt("%.3gms", ns / 1e6);
    return numstr_fmt("%.3gus", ns / 1e3);
}

/* p50 (i 0), p99 (i 3) or max (i -1) of l, or "-" when empty. */
static struct numstr rt_lat(const struct report_lat *l, int i)
{
    if (!l->count) return numstr_fmt("-");
    return rt_fmt_ns(i < 0 ? l->max : l->p[i]);
}

static void rt_op(FILE *f, const struct report_op *o, double ms)
{
    fprintf(f, "  %-14s %9llu %10.2f %7llu %7llu  %8s %8s %8s  %8s %8s %8s\n", rt_str(o->name),
            (unsigned long long)o->count, ms > 0 ? (double)o->count / ms : 0,
            (unsigned long long)o->errors, (unsigned long long)o->timeouts,
            rt_lat(&o->corrected, 0).s, rt_lat(&o->corrected, 3).s, rt_lat(&o->corrected, -1).s,
            rt_lat(&o->uncorrected, 0).s, rt_lat(&o->uncorrected, 3).s,
            rt_lat(&o->uncorrected, -1).s);
}

static void rt_target(const struct report_target *x, double ms, FILE *f)
{
    fprintf(f, "%s %s (%s): target %.6g/s, achieved %.6g/s (%+.2f%%) over %.3gs, "
               "%lld connections, %s arrivals\n", rt_str(x->name), rt_str(x->address),
            rt_str(x->role), x->target_rate, x->achieved_rate,
            x->target_rate > 0 ? 100.0 * (x->achieved_rate - x->target_rate) / x->target_rate : 0,
            ms, (long long)x->connections, rt_str(x->arrival));
    fprintf(f, "  %-14s %9s %10s %7s %7s  %26s  %26s\n", "", "", "", "", "",
            "corrected (from intended)", "uncorrected (from send)");
    fprintf(f, "  %-14s %9s %10s %7s %7s  %8s %8s %8s  %8s %8s %8s\n", "operation", "count",
            "rate/s", "errors", "timeout", "p50", "p99", "max", "p50", "p99", "max");
    for (int i = 0; i < x->nops; i++)
        if (x->op[i].count || x->op[i].timeouts) rt_op(f, &x->op[i], ms);
    rt_op(f, &x->all, ms);
    fprintf(f, "  connects %llu, connection errors %llu, sent late (>1ms) %llu\n",
            (unsigned long long)x->connects, (unsigned long long)x->conn_errors,
            (unsigned long long)x->late);
    fprintf(f, "  QoS %s: %s%s%s\n", rt_str(x->qos), x->qos_pass ? "PASS" : "FAIL",
            x->qos_pass ? "" : ", failed ", x->qos_pass ? "" : rt_str(x->qos_failed));
}

void report_render_targets(const struct report_model *m, FILE *f)
{
    for (int i = 0; i < m->drive.ntargets; i++) rt_target(&m->drive.t[i], m->drive.measure_s, f);
}

void report_render_text(const struct report_model *m, FILE *f)
{
    rt_header(m, f);
    if (m->have_drive) rt_load(m, f);
    else fprintf(f, "\nNo load results: the run stopped before the load driver started.\n");
    if (m->have_interval) {
        rt_host_cpu(&m->cpu, f);
        rt_busy_how(m, f);
        rt_baseline(m, f);
        rt_consumers(m, f);
        report_guest_text(m, f);
        report_explain_text(m, f);
    } else {
        fprintf(f, "\nNo CPU figures: the run stopped before the measurement interval began.\n");
    }
    if (m->have_drive && m->drive.ntargets) {
        fprintf(f, "\nPer target and operation\n");
        report_render_targets(m, f);
    }
    report_repeats_text(m, f);
    struct buf verdict = BUF_INIT;
    report_verdict_text(m, &verdict);
    fprintf(f, "\nverdict: %s\n", buf_cstr(&verdict));
    buf_free(&verdict);
}

void report_progress(const struct report_live *lp, FILE *f, int final)
{
    static int64_t last_plain;
    const struct report_live l = *lp;
    if (final) {
        if (l.tty) fputs("\r\033[K", f);
        return;
    }
    if (!l.ok) return;
    if (!l.tty && l.t_ns - last_plain < 5 * CLOCK_NS_PER_S) return;
    last_plain = l.t_ns;
    fprintf(f, "%s%s%s%-9s %4.0fs elapsed %4.0fs left  %8.1f req/s  errors %llu  "
               "host busy %.2f cores  system under test %.2f  driver %.2f%s",
            l.tty ? "\r\033[K" : "", l.tag ? l.tag : "", l.tag && l.tag[0] ? "  " : "",
            l.phase, l.elapsed, l.left, l.rate,
            (unsigned long long)l.errors, l.host_busy_cores, l.sut_cores, l.driver_cores,
            l.tty ? "" : "\n");
    fflush(f);
}
