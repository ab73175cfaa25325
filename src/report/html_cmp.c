/* html_cmp.c — the HTML page of a comparison: the first run is the base;
 * for every other run the headline sentence ("B needs X% more CPU than A
 * for the same work", or why it is not the same work, judged as `hostmix
 * compare` judges it), then side by side: the host breakdown, CPU by
 * consumer, per-role cores, the per-cause difference when profiles exist,
 * and latency per role.  Reads only the report models. */
#include "report/html.h"
#include "core/buf.h"
#include "core/hist.h"
#include "core/opt.h"
#include "core/strvec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HCMP_MAX REPORT_MAX_LABELS
/* A chart row names its run "A: name" with at most this many bytes of the
 * name, so long names do not squeeze the bars. */
#define HCMP_ROW_NAME_MAX 60

static const char *const hcmp_cpu_names[HTML_NCPU] = {
    "user", "nice", "system", "irq", "softirq", "steal", "guest",
};

/* The labels A, B, ... and "A: name" row names of the runs. */
struct hcmp {
    int n;
    const struct report_model *const *m;
    const char *const *lab;         /* report_run_label */
    struct strvec row;              /* "A: name" */
    const char *const *rows;        /* row.v */
};

static void hcmp_runs(struct buf *b, const struct hcmp *c, const char *const *files)
{
    static const char *const head[] = { "run", "name", "file", "platform", "valid", "QoS",
                                        "achieved/s", "system under test (cores)",
                                        "host busy before the load (cores)" };
    buf_puts(b, "<table><thead><tr>");
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) buf_printf(b, "<th>%s</th>", head[i]);
    buf_puts(b, "</tr></thead><tbody>\n");
    for (int i = 0; i < c->n; i++) {
        const struct report_model *m = c->m[i];
        buf_printf(b, "<tr><td>%s%s</td><td>", c->lab[i], i ? "" : " (base)");
        html_esc(b, m->name);
        buf_puts(b, "</td><td>");
        html_esc(b, files ? files[i] : NULL);
        buf_puts(b, "</td><td>");
        html_esc(b, m->acct.platform);
        buf_printf(b, "</td><td>%s</td><td>%s</td><td>", m->valid ? "yes" : "NO",
                   m->qos_pass ? "pass" : "FAIL");
        html_num(b, "%.2f", m->achieved_total);
        buf_puts(b, "</td><td>");
        html_num(b, "%.3f", m->cpu.sut_cores);
        buf_puts(b, "</td><td>");
        html_num(b, "%.3f", m->have_baseline ? m->baseline.host_busy_cores : NAN);
        if (m->have_baseline && m->baseline.host_busy_cores > 0.05 * (m->baseline.ncpu ? m->baseline.ncpu : 1))
            buf_puts(b, " (busy: other work counts in system under test)");
        buf_puts(b, "</td></tr>\n");
    }
    buf_puts(b, "</tbody></table>\n");
}

/* The sentence for run i against the base: `hostmix compare`'s own. */
static void hcmp_sentence(struct buf *b, const struct hcmp *c, int i)
{
    struct buf line = BUF_INIT;
    enum report_verdict v = report_compare_verdict(c->m[0], c->lab[0], c->m[i], c->lab[i], 0,
                                                   &line);
    buf_puts(b, "<p class=\"headline\">");
    if (v == REPORT_VERDICT_REPEATS || v == REPORT_VERDICT_SUT || v == REPORT_VERDICT_SERVERS)
        buf_puts(b, "<b>");
    html_esc(b, buf_cstr(&line));
    buf_free(&line);
    if (v == REPORT_VERDICT_REPEATS || v == REPORT_VERDICT_SUT || v == REPORT_VERDICT_SERVERS)
        buf_puts(b, "</b>");
    buf_puts(b, "</p>\n");
}

static void hcmp_breakdown(struct buf *b, const struct hcmp *c)
{
    double v[HCMP_MAX * HTML_NCPU];
    const char *grp[] = { "" };
    for (int i = 0; i < c->n; i++)
        for (int k = 0; k < HTML_NCPU; k++) v[i * HTML_NCPU + k] = html_cpu_cores(&c->m[i]->cpu, k);
    struct html_bars bars = { .id = "cmp-breakdown", .title = "Host CPU over the measurement "
                              "interval by kind", .xlabel = "host CPU (cores)", .fmt = "%.3f",
                              .nrow = c->n, .ngroup = 1, .nseg = HTML_NCPU, .rows = c->rows,
                              .groups = grp, .segs = hcmp_cpu_names, .v = v };
    html_section(b, "breakdown", "Host CPU breakdown");
    html_chart_bars(b, &bars);
    buf_puts(b, "</section>\n");
}

static void hcmp_consumers(struct buf *b, const struct hcmp *c)
{
    static const char *const rows[] = { "system under test", "host busy", "all servers",
                                        "load driver", "controller + sampler" };
    double v[5 * HCMP_MAX];
    for (int i = 0; i < c->n; i++) {
        const struct report_cpu *u = &c->m[i]->cpu;
        const double x[] = { u->sut_cores, u->host_busy_cores, u->servers_cores, u->driver_cores,
                             u->ctl_cores };
        for (int r = 0; r < 5; r++) v[r * c->n + i] = x[r];
    }
    struct html_bars bars = { .id = "cmp-consumers", .title = "CPU by consumer", .xlabel =
                              "CPU (cores)", .fmt = "%.3f", .nrow = 5, .ngroup = c->n, .nseg = 1,
                              .rows = rows, .groups = c->lab, .v = v };
    html_section(b, "consumers", "CPU by consumer");
    html_chart_bars(b, &bars);
    buf_puts(b, "</section>\n");
}

/* Per role: cores of its servers and achieved rate, per run. */
static void hcmp_roles(struct buf *b, const struct hcmp *c)
{
    const char *rows[ROLE_COUNT];
    double v[ROLE_COUNT * HCMP_MAX];
    int n = 0;
    for (int role = 0; role < ROLE_COUNT; role++) {
        int any = 0;
        for (int i = 0; i < c->n; i++) any |= c->m[i]->role[role].present;
        if (!any) continue;
        rows[n] = role_names[role];
        for (int i = 0; i < c->n; i++)
            v[n * c->n + i] = c->m[i]->role[role].present ? c->m[i]->role[role].cores : NAN;
        n++;
    }
    html_section(b, "roles", "Cores per role");
    if (!n) {
        buf_puts(b, "<p>No role figures.</p>\n</section>\n");
        return;
    }
    struct html_bars bars = { .id = "cmp-roles", .title = "Servers' own CPU per role",
                              .xlabel = "CPU (cores)", .fmt = "%.3f", .nrow = n, .ngroup = c->n,
                              .nseg = 1, .rows = rows, .groups = c->lab, .v = v };
    html_chart_bars(b, &bars);
    buf_puts(b, "</section>\n");
}

/* One role's corrected percentiles and distribution, one series per run. */
static void hcmp_role_latency(struct buf *b, const struct hcmp *c, int role, struct hist *h)
{
    int64_t p[HTML_NSERIES][REPORT_NPCT];
    const struct hist *hp[HTML_NSERIES];
    int n = c->n < HTML_NSERIES ? c->n : HTML_NSERIES;
    struct qos q;
    for (int i = 0; i < n; i++) {
        const struct report_role *rr = &c->m[i]->role[role];
        for (int k = 0; k < REPORT_NPCT; k++) p[i][k] = rr->driven && rr->lat.count ? rr->lat.p[k] : -1;
        html_role_hist(c->m[i], role, 0, &h[i]);
        hp[i] = &h[i];
    }
    html_role_qos(c->m[0], role, &q);
    buf_printf(b, "<h3>%s</h3>\n", role_names[role]);
    char *id = strfmt("cmp-latency-%s", role_names[role]);
    char *title = strfmt("%s: corrected latency percentiles (QoS of %s)", role_names[role],
                         c->lab[0]);
    struct html_pctl pc = { .id = id, .title = title, .nser = n, .names = c->lab,
                            .p = (const int64_t (*)[REPORT_NPCT])p, .q = &q };
    html_chart_pctl(b, &pc);
    free(id);
    free(title);
    id = strfmt("cmp-distribution-%s", role_names[role]);
    title = strfmt("%s: corrected latency distribution", role_names[role]);
    html_chart_hist(b, id, title, n, c->lab, hp);
    free(id);
    free(title);
}

static void hcmp_latency(struct buf *b, const struct hcmp *c)
{
    struct hist *h = malloc(HTML_NSERIES * sizeof *h);
    if (!h) abort();
    html_section(b, "latency", "Latency per role");
    for (int role = 0; role < ROLE_COUNT; role++) {
        int any = 0;
        for (int i = 0; i < c->n; i++) any |= c->m[i]->role[role].driven;
        if (any) hcmp_role_latency(b, c, role, h);
    }
    buf_puts(b, "</section>\n");
    free(h);
}

void html_cmp_page(struct buf *b, const struct report_model *const *m,
                   const char *const *files, int n)
{
    struct hcmp c = { .n = n < HCMP_MAX ? n : HCMP_MAX, .m = m, .lab = report_run_label,
                      .row = STRVEC_INIT };
    for (int i = 0; i < c.n; i++)
        strvec_pushf(&c.row, "%s: %.*s", c.lab[i], HCMP_ROW_NAME_MAX,
                     m[i]->name ? m[i]->name : "?");
    c.rows = (const char *const *)c.row.v;
    buf_puts(b, "<p>The first run (A) is the base; the CPU compared is the system under test's "
                "(host busy minus hostmix's own process).</p>\n");
    for (int i = 1; i < c.n; i++) hcmp_sentence(b, &c, i);
    hcmp_runs(b, &c, files);
    buf_puts(b, "<nav><p>Sections: <a href=\"#breakdown\">host CPU</a> &#183; <a href=\"#consumers\">"
                "CPU by consumer</a> &#183; <a href=\"#roles\">cores per role</a> &#183; "
                "<a href=\"#latency\">latency</a></p></nav>\n");
    hcmp_breakdown(b, &c);
    hcmp_consumers(b, &c);
    hcmp_roles(b, &c);
    html_explain_cmp(b, m, c.n);
    hcmp_latency(b, &c);
    strvec_clear(&c.row);
}
