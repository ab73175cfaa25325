/* html_run.c — the HTML page of one run: the verdict and headline, the
 * host breakdown per second with the phases, CPU by consumer, latency per
 * role (percentiles with the QoS limits, and the distribution), context
 * switches and interrupts, the guests, a repeated run's every run and
 * spread, the profile's causes, the job as run and the host's facts.
 * Reads only the report model. */
#include "report/html.h"
#include "report/repeats.h"
#include "core/buf.h"
#include "core/hist.h"
#include "core/opt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const hr_cpu_names[HTML_NCPU] = {
    "user", "nice", "system", "irq", "softirq", "steal", "guest",
};

static void hr_verdict(struct buf *b, const struct report_model *m)
{
    int pass = m->valid && m->qos_pass;
    struct buf verdict = BUF_INIT;
    report_verdict_text(m, &verdict);
    buf_printf(b, "<p class=\"verdict %s\">verdict: ", pass ? "pass" : "fail");
    html_esc(b, buf_cstr(&verdict));
    buf_free(&verdict);
    buf_puts(b, "</p>\n");
    if (!m->valid) {
        buf_printf(b, "<p>Invalid%s: ", m->complete ? "" : " and incomplete");
        html_esc(b, m->invalid_reason);
        buf_puts(b, "</p>\n");
    }
}

/* How busy the host was before the load began (other work on a shared
 * host counts in system-under-test CPU), as the text report says it. */
static void hr_baseline(struct buf *b, const struct report_model *m)
{
    const struct report_cpu *c = &m->baseline;
    double ncpu = c->ncpu ? c->ncpu : 1;
    if (!m->have_baseline) return;
    buf_printf(b, "<p>Before the load (servers up, idle, %.1f s): host busy ", c->seconds);
    html_num(b, "%.3f", c->host_busy_cores);
    buf_puts(b, " cores.");
    if (c->host_busy_cores > 0.05 * ncpu)
        buf_puts(b, " <b>Warning: the host was busy before the load began</b>: other work on the "
                    "host counts in system-under-test CPU; compare the servers' own CPU.");
    buf_puts(b, "</p>\n");
}

/* How host busy was taken, and the consistency check's finding, as the
 * text report says them. */
static void hr_busy_how(struct buf *b, const struct report_model *m)
{
    const struct report_cpu *c = &m->cpu;
    if (m->acct.host_busy && strcmp(m->acct.host_busy, "measured") == 0) {
        buf_printf(b, "<p>Host busy measured (elapsed &times; CPUs &minus; idle &minus; iowait "
                      "&minus; steal, &plusmn;%.3f cores); the kind split is the tick fields' "
                      "shares (they alone saw ", c->resolution_cores);
        html_num(b, "%.3f", c->tick_busy_cores);
        buf_puts(b, " cores).</p>\n");
    } else {
        buf_puts(b, "<p>Host busy tick-sampled: short bursts between ticks are missed.</p>\n");
    }
    if (m->consistency) {
        buf_puts(b, "<p><b>Warning:</b> ");
        html_esc(b, m->consistency);
        buf_puts(b, ".</p>\n");
    }
    if (m->overlapped) {
        buf_puts(b, "<p><b>Warning: overlapped:</b> ");
        html_esc(b, m->overlapped);
        buf_puts(b, ": each run's host figures hold the other's CPU.</p>\n");
    }
}

/* "The system under test used X cores for Y requests/s (Z ms per request)." */
static void hr_headline(struct buf *b, const struct report_model *m)
{
    const struct report_cpu *c = &m->cpu;
    if (!m->have_interval) {
        buf_puts(b, "<p class=\"headline\">No CPU figures: the run stopped before the "
                    "measurement interval began.</p>\n");
        return;
    }
    buf_puts(b, "<p class=\"headline\">The system under test used <b>");
    html_num(b, "%.3f", c->sut_cores);
    buf_puts(b, " cores</b> for ");
    html_num(b, "%.2f", m->achieved_total);
    buf_puts(b, " requests/s");
    if (m->achieved_total > 0 && !isnan(c->sut_cores))
        buf_printf(b, " (%.3f ms of CPU per request)", c->sut_cores * 1e3 / m->achieved_total);
    buf_printf(b, " over a %.1f s measurement interval", c->seconds);
    if (c->ncpu > 0) buf_printf(b, " on %d CPUs", c->ncpu);
    buf_puts(b, "; host busy ");
    html_num(b, "%.3f", c->host_busy_cores);
    buf_puts(b, " cores.</p>\n");
    hr_busy_how(b, m);
    hr_baseline(b, m);
}

static void hr_qos_row(struct buf *b, const struct report_model *m, int role)
{
    const struct report_role *rr = &m->role[role];
    struct qos qos;
    html_role_qos(m, role, &qos);
    buf_printf(b, "<tr><td>%s</td><td>%.2f</td><td>%.2f</td><td>%llu</td><td>%llu</td><td>",
               role_names[role], rr->target_rate, rr->achieved_rate,
               (unsigned long long)rr->requests, (unsigned long long)rr->errors);
    html_ms(b, rr->lat.count ? rr->lat.p[2] : -1);
    buf_puts(b, "</td><td>");
    html_ms(b, rr->lat.count ? rr->lat.p[3] : -1);
    buf_puts(b, "</td><td>");
    struct buf q = BUF_INIT;
    if (qos.n) opt_put_qos(&q, &qos);
    html_esc(b, qos.n ? buf_cstr(&q) : "none");
    buf_free(&q);
    buf_printf(b, "</td><td>%s", rr->qos_pass ? "pass" : "<b>FAIL</b> ");
    if (!rr->qos_pass) html_esc(b, rr->qos_failed);
    buf_puts(b, "</td></tr>\n");
}

/* Per role: load, latency and QoS over the measurement interval. */
static void hr_qos(struct buf *b, const struct report_model *m)
{
    static const char *const head[] = { "role", "target/s", "achieved/s", "requests", "errors",
                                        "p95 (ms)", "p99 (ms)", "QoS", "result" };
    if (!m->have_drive) {
        buf_puts(b, "<p>No load results: the run stopped before the load driver started.</p>\n");
        return;
    }
    buf_puts(b, "<h3>QoS per role (latency from the intended send time)</h3>\n<table><thead><tr>");
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) buf_printf(b, "<th>%s</th>", head[i]);
    buf_puts(b, "</tr></thead><tbody>\n");
    for (int role = 0; role < ROLE_COUNT; role++)
        if (m->role[role].driven) hr_qos_row(b, m, role);
    buf_puts(b, "</tbody></table>\n");
}

static double hr_cpu_get(const struct report_point *p, int k)
{
    return html_cpu_cores(&p->cpu, k);
}

static double hr_rate_get(const struct report_point *p, int k)
{
    return k ? p->cpu.intr_s : p->cpu.ctxt_s;
}

static void hr_breakdown(struct buf *b, const struct report_model *m)
{
    struct html_time t = {
        .id = "host-breakdown", .title = "Host CPU per second by kind (stacked)",
        .ylabel = "host CPU (cores)", .nser = HTML_NCPU, .stacked = 1, .names = hr_cpu_names,
        .colors = html_cpu_colors, .fills = html_cpu_fill, .get = hr_cpu_get, .fmt = "%.3f",
    };
    html_section(b, "breakdown", "Host CPU over the run");
    buf_puts(b, "<p>Guest time is taken out of user and nice; the shaded bands are the phases "
                "before and after the measurement interval (dashed lines).</p>\n");
    html_chart_time(b, m, &t);
    if (m->have_interval) {
        double v[HTML_NCPU];
        const char *row[] = { "measurement interval" }, *grp[] = { "" };
        for (int k = 0; k < HTML_NCPU; k++) v[k] = html_cpu_cores(&m->cpu, k);
        struct html_bars bars = { .id = "host-interval", .title = "Host CPU over the measurement "
                                  "interval by kind", .xlabel = "host CPU (cores)", .fmt = "%.3f",
                                  .nrow = 1, .ngroup = 1, .nseg = HTML_NCPU, .rows = row,
                                  .groups = grp, .segs = hr_cpu_names, .v = v };
        html_chart_bars(b, &bars);
    }
    buf_puts(b, "</section>\n");
}

static void hr_consumers(struct buf *b, const struct report_model *m)
{
    const char *rows[ROLE_COUNT + 5], *grp[] = { "" };
    double v[ROLE_COUNT + 5];
    int n = 0;
    const struct report_cpu *c = &m->cpu;
    for (int role = 0; role < ROLE_COUNT; role++) {
        if (!m->role[role].present) continue;
        rows[n] = role_names[role];
        v[n++] = m->role[role].cores;
    }
    static const char *const what[] = { "all servers", "load driver", "controller + sampler",
                                        "system under test", "host busy" };
    const double cores[] = { c->servers_cores, c->driver_cores, c->ctl_cores, c->sut_cores,
                             c->host_busy_cores };
    for (int i = 0; i < 5; i++) rows[n] = what[i], v[n++] = cores[i];
    struct html_bars bars = { .id = "consumers", .title = "CPU by consumer over the measurement "
                              "interval", .xlabel = "CPU (cores)", .fmt = "%.3f", .nrow = n,
                              .ngroup = 1, .nseg = 1, .rows = rows, .groups = grp, .v = v };
    html_section(b, "consumers", "CPU by consumer");
    buf_puts(b, "<p>System under test = host busy &#8722; hostmix's own process (load driver and "
                "controller).</p>\n");
    html_chart_bars(b, &bars);
    buf_puts(b, "</section>\n");
}

/* One role's percentiles (corrected, uncorrected) and distribution. */
static void hr_role_latency(struct buf *b, const struct report_model *m, int role,
                            struct hist *hc, struct hist *hu)
{
    static const char *const names[] = { "corrected (from intended send)",
                                         "uncorrected (from actual send)" };
    int64_t p[2][REPORT_NPCT];
    struct qos q;
    html_role_hist(m, role, 0, hc);
    html_role_hist(m, role, 1, hu);
    for (int k = 0; k < REPORT_NPCT; k++) {
        p[0][k] = m->role[role].lat.count ? m->role[role].lat.p[k] : -1;
        p[1][k] = hu->count ? hist_percentile(hu, report_pcts[k]) : -1;
    }
    html_role_qos(m, role, &q);
    buf_printf(b, "<h3>%s</h3>\n", role_names[role]);
    char *id = strfmt("latency-%s", role_names[role]);
    char *title = strfmt("%s: latency percentiles and QoS limits", role_names[role]);
    struct html_pctl pc = { .id = id, .title = title, .nser = 2, .names = names,
                            .p = (const int64_t (*)[REPORT_NPCT])p, .q = &q };
    html_chart_pctl(b, &pc);
    free(id);
    free(title);
    const struct hist *h[2] = { hc, hu };
    id = strfmt("distribution-%s", role_names[role]);
    title = strfmt("%s: latency distribution", role_names[role]);
    html_chart_hist(b, id, title, 2, names, h);
    free(id);
    free(title);
}

static void hr_latency(struct buf *b, const struct report_model *m)
{
    if (!m->have_drive) return;
    struct hist *h = malloc(2 * sizeof *h);
    if (!h) abort();
    html_section(b, "latency", "Latency per role");
    buf_puts(b, "<p>Corrected latency counts from the time a request was due (open loop, "
                "coordinated omission corrected); uncorrected from the time it was sent.</p>\n");
    for (int role = 0; role < ROLE_COUNT; role++)
        if (m->role[role].driven) hr_role_latency(b, m, role, &h[0], &h[1]);
    buf_puts(b, "</section>\n");
    free(h);
}

static void hr_rates(struct buf *b, const struct report_model *m)
{
    static const char *const names[] = { "context switches/s", "interrupts/s" };
    struct html_time t = {
        .id = "ctxt-intr", .title = "Context switches and interrupts per second",
        .ylabel = "events per second", .nser = 2, .names = names,
        .colors = html_series_colors, .fills = html_series_fill, .get = hr_rate_get, .fmt = "%.0f",
    };
    html_section(b, "rates", "Context switches and interrupts");
    html_chart_time(b, m, &t);
    buf_puts(b, "</section>\n");
}

/* ---- guests ---------------------------------------------------------------------- */

static void hr_guests(struct buf *b, const struct report_model *m)
{
    const struct report_guests *t = &m->guests;
    if (!t->present) return;
    int n = 0;
    for (int i = 0; i < m->nservers; i++) n += m->server[i].guest.present;
    const char **rows = calloc((size_t)n + 1, sizeof *rows), *grp[] = { "" };
    double *v = calloc((size_t)(n + 1) * REPORT_NTCLASS, sizeof *v);
    if (!rows || !v) abort();
    for (int i = 0, r = 0; i < m->nservers; i++) {
        const struct report_server *s = &m->server[i];
        if (!s->guest.present) continue;
        rows[r] = s->name ? s->name : "?";
        for (int k = 0; k < REPORT_NTCLASS; k++) v[r * REPORT_NTCLASS + k] = s->guest.thread_cores[k];
        r++;
    }
    html_section(b, "guests", "Guests");
    buf_puts(b, "<p>Host CPU per CPU-second the guests report busy (the hypervisor-neutral "
                "overhead): <b>");
    html_num(b, "%.2f", t->overhead);
    buf_puts(b, "</b> (");
    html_num(b, "%.3f", t->host_cores);
    buf_puts(b, " host cores for ");
    html_num(b, "%.3f", t->busy_cores);
    buf_puts(b, " guest-busy cores; ");
    if (!isnan(t->steal_cores)) {
        html_num(b, "%.3f", t->steal_cores);
        buf_puts(b, " cores of steal, the guests' vCPUs waiting for the host; ");
    }
    buf_puts(b, "accelerator ");
    html_esc(b, m->acct.accel ? m->acct.accel : "unknown");
    buf_puts(b, ").</p>\n");
    if (m->acct.accel && !strcmp(m->acct.accel, "tcg"))
        buf_puts(b, "<p>TCG: the guests' CPU is emulated; the overhead includes the emulation, so "
                    "it is no hardware hypervisor's.</p>\n");
    struct html_bars bars = { .id = "guest-threads", .title = "Host CPU of each guest by QEMU "
                              "thread class", .xlabel = "host CPU (cores)", .fmt = "%.3f",
                              .nrow = n, .ngroup = 1, .nseg = REPORT_NTCLASS, .rows = rows,
                              .groups = grp, .segs = report_tclass_names, .v = v };
    html_chart_bars(b, &bars);
    buf_puts(b, "<table><thead><tr><th>role</th><th>host cores</th><th>guest-busy cores</th>"
                "<th>host / busy</th></tr></thead><tbody>\n");
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (isnan(t->role_overhead[r])) continue;
        buf_printf(b, "<tr><td>%s</td><td>%.3f</td><td>%.3f</td><td>%.2f</td></tr>\n",
                   role_names[r], t->role_host[r], t->role_busy[r], t->role_overhead[r]);
    }
    buf_puts(b, "</tbody></table>\n</section>\n");
    free(rows);
    free(v);
}

/* ---- the job and the host -------------------------------------------------------- */

static void hr_kv(struct buf *b, const char *k, const char *v)
{
    buf_printf(b, "<tr><td>%s</td><td style=\"text-align:left\">", k);
    html_esc(b, v ? v : "\xe2\x80\x93");
    buf_puts(b, "</td></tr>\n");
}

static void hr_job(struct buf *b, const struct report_model *m)
{
    html_section(b, "job", "The job as run");
    buf_puts(b, "<p>Job file ");
    html_esc(b, m->job.file);
    buf_puts(b, ":</p>\n<pre>");
    html_esc(b, m->job.text);
    buf_puts(b, "</pre>\n<details><summary>every option, resolved</summary><table><tbody>\n");
    for (int i = 0; i < m->job.nsections; i++) {
        const struct report_section *s = &m->job.sec[i];
        for (int k = 0; k < s->n; k++) {
            buf_puts(b, "<tr><td>");
            html_esc(b, s->name);
            buf_puts(b, "</td><td>");
            html_esc(b, s->kv[k].key);
            buf_puts(b, "</td><td style=\"text-align:left\">");
            html_esc(b, s->kv[k].value);
            buf_puts(b, "</td></tr>\n");
        }
    }
    buf_puts(b, "</tbody></table></details>\n</section>\n");
}

static void hr_host(struct buf *b, const struct report_model *m, const char *file)
{
    html_section(b, "host", "Host and run facts");
    buf_puts(b, "<table><tbody>\n");
    hr_kv(b, "result file", file);
    hr_kv(b, "hostname", m->host.hostname);
    hr_kv(b, "kernel", m->host.kernel);
    hr_kv(b, "CPU model", m->host.cpu_model);
    hr_kv(b, "cores", numstr_fmt("%d", m->host.cores).s);
    hr_kv(b, "memory", numstr_fmt("%.1f GiB", (double)m->host.memory_bytes / (1 << 30)).s);
    hr_kv(b, "platform", m->acct.platform);
    hr_kv(b, "server CPU", m->acct.text);
    if (m->acct.facts) hr_kv(b, "platform facts", m->acct.facts);
    hr_kv(b, "started .. ended (Unix time)",
          numstr_fmt("%.0f .. %.0f (%.1f s)", m->started_unix, m->ended_unix,
                     m->ended_unix - m->started_unix).s);
    hr_kv(b, "hostmix", m->hostmix_version);
    buf_printf(b, "<tr><td>servers</td><td style=\"text-align:left\">%d</td></tr>\n", m->nservers);
    buf_puts(b, "</tbody></table>\n</section>\n");
}

/* One row of the repeats' summary: a figure's mean, spread and interval. */
static void hr_rep_row(struct buf *b, const char *what, const struct stats_summary *s)
{
    if (!s->n) return;
    buf_puts(b, "<tr>");
    html_td_text(b, what);
    html_td_num(b, "%.3f", s->mean);
    html_td_num(b, "%.3f", s->sd);
    html_td_num(b, "%.1f%%", s->mean > 0 ? 100 * s->sd / s->mean : NAN);
    html_td_num(b, "%.3f", s->lo);
    html_td_num(b, "%.3f", s->hi);
    buf_puts(b, "</tr>\n");
}

/* A run made N times: every run's figures, their spread, and the bound. */
static void hr_repeats(struct buf *b, const struct report_model *m)
{
    static const char *const runs_head[] = { "repeat", "valid", "QoS", "achieved/s",
                                             "SUT cores", "servers' cores", "result" };
    static const char *const sum_head[] = { "cores", "mean", "stddev", "of mean", "95% CI low",
                                            "95% CI high" };
    const struct report_repeats *rp = m->repeats;
    if (!rp) return;
    html_section(b, "repeats", "Repeats");
    buf_printf(b, "<p>%d runs (servers restarted, data reset each time); the figures above are "
                  "the last run's.", rp->n);
    if (rp->max_stddev > 0) {
        buf_printf(b, " Spread of %s: ", rp->spread_of);
        html_num(b, "%.1f%%", rp->spread_pct);
        buf_printf(b, ", %s max_stddev %g%%.", rp->spread_ok ? "within" : "ABOVE", rp->max_stddev);
    }
    buf_puts(b, "</p>\n");
    html_table_shown(b, "every run", runs_head, 7);
    for (int i = 0; i < rp->n; i++) {
        const struct report_repeat_run *x = &rp->run[i];
        buf_printf(b, "<tr><td>%d</td><td>%s</td><td>%s</td>", i + 1, x->valid ? "yes" : "NO",
                   x->qos_pass ? "pass" : "FAIL");
        html_td_num(b, "%.2f", x->achieved_rate);
        html_td_num(b, "%.3f", x->sut_cores);
        html_td_num(b, "%.3f", x->servers_cores);
        html_td_text(b, x->dir);
        buf_puts(b, "</tr>\n");
    }
    html_table_end(b);
    html_table_shown(b, "mean, standard deviation and 95% confidence interval", sum_head, 6);
    hr_rep_row(b, "system under test", &rp->sut);
    hr_rep_row(b, "all servers", &rp->servers);
    for (int role = 0; role < ROLE_COUNT; role++) hr_rep_row(b, role_names[role], &rp->role[role]);
    html_table_end(b);
    buf_puts(b, "</section>\n");
}

static void hr_toc(struct buf *b, const struct report_model *m)
{
    buf_puts(b, "<nav><p>Sections: <a href=\"#breakdown\">host CPU</a> &#183; "
                "<a href=\"#consumers\">CPU by consumer</a> &#183; ");
    if (m->have_drive) buf_puts(b, "<a href=\"#latency\">latency</a> &#183; ");
    buf_puts(b, "<a href=\"#rates\">context switches and interrupts</a> &#183; ");
    if (m->guests.present) buf_puts(b, "<a href=\"#guests\">guests</a> &#183; ");
    if (m->repeats) buf_puts(b, "<a href=\"#repeats\">repeats</a> &#183; ");
    buf_puts(b, "<a href=\"#job\">job</a> &#183; <a href=\"#host\">host</a></p></nav>\n");
}

void html_run_page(struct buf *b, const struct report_model *m, const char *file)
{
    hr_verdict(b, m);
    hr_headline(b, m);
    hr_qos(b, m);
    hr_toc(b, m);
    hr_breakdown(b, m);
    if (m->have_interval) hr_consumers(b, m);
    hr_latency(b, m);
    hr_rates(b, m);
    hr_guests(b, m);
    hr_repeats(b, m);
    html_explain_run(b, m);
    hr_job(b, m);
    hr_host(b, m, file);
}
