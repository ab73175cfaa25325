/* html_explain.c — the profile ("explain") section of the HTML report:
 * the system under test's CPU of one run split by cause (from the
 * [profile] collectors' findings in the model), and for a comparison the
 * same causes side by side, so the difference between the runs can be
 * read cause by cause.  Runs without a profile get one line saying so. */
#include "report/html.h"
#include "core/buf.h"
#include "collect/cause.h"
#include "collect/prof.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HX_MAX_RUNS 8

/* Whether cause k belongs in the split of the system under test. */
static int hx_shown(int k)
{
    return k != PC_IDLE && k != PC_DRIVER && k != PC_PROFILER;
}

/* The causes any of the profiles has CPU in, largest first in the first
 * profile; returns how many went into rows/keys. */
static int hx_rows(const struct prof_summary *const *p, int n, int *keys)
{
    int nk = 0;
    for (int k = 0; k < PC_N; k++) {
        int any = 0;
        for (int i = 0; i < n; i++) any |= p[i] && p[i]->cause[k].cores > 0;
        if (hx_shown(k) && any) keys[nk++] = k;
    }
    for (int i = 1; i < nk; i++)            /* insertion sort, largest first */
        for (int j = i; j > 0; j--) {
            const struct prof_summary *f = p[0] ? p[0] : p[n - 1];
            if (!f || f->cause[keys[j]].cores <= f->cause[keys[j - 1]].cores) break;
            int t = keys[j]; keys[j] = keys[j - 1]; keys[j - 1] = t;
        }
    return nk;
}

static void hx_note(struct buf *b, const struct prof_summary *p)
{
    buf_puts(b, "<p>perf ");
    html_esc(b, p->event);
    buf_printf(b, " at %d Hz per CPU over %.2f s: %llu samples, %llu of the system "
                  "under test; the causes are scaled to the measured %.3f cores.",
               p->freq, p->seconds, (unsigned long long)p->samples,
               (unsigned long long)p->sut_samples, p->sut_cores);
    if (p->tcg)
        buf_puts(b, " The guests ran under TCG: their time is emulation, counted as guest "
                    "execution.");
    if (p->lost_records)
        buf_printf(b, " perf lost %llu events in %llu records (the first %.2f s into the "
                      "interval)%s.", (unsigned long long)p->lost_events,
                   (unsigned long long)p->lost_records, p->lost_first_s,
                   p->kvm ? ": pairing VM exits with entries is unreliable from then" : "");
    if (p->guest_threads) {
        char note[400];
        prof_guest_note(p, note, sizeof note);
        buf_puts(b, " Guest execution: ");
        html_esc(b, note);
        buf_puts(b, ".");
    }
    buf_puts(b, "</p>\n");
}

void html_explain_run(struct buf *b, const struct report_model *m)
{
    const struct prof_summary *p = m->profile;
    if (!p || !p->present) return;
    int keys[PC_N];
    const struct prof_summary *one[1] = { p };
    int n = hx_rows(one, 1, keys);
    const char *rows[PC_N], *grp[] = { "" };
    double v[PC_N];
    for (int i = 0; i < n; i++) {
        rows[i] = prof_cause_label(keys[i]);
        v[i] = p->cause[keys[i]].cores;
    }
    html_section(b, "explain", "Where the system under test's CPU went (profile)");
    hx_note(b, p);
    struct html_bars bars = { .id = "explain-causes", .title = "System-under-test CPU by cause "
                              "over the measurement interval", .xlabel = "CPU (cores)",
                              .fmt = "%.4f", .nrow = n, .ngroup = 1, .nseg = 1, .rows = rows,
                              .groups = grp, .v = v };
    if (n) html_chart_bars(b, &bars);
    else buf_puts(b, "<p>No samples of the system under test.</p>\n");
    buf_puts(b, "</section>\n");
}

void html_explain_cmp(struct buf *b, const struct report_model *const *m, int n)
{
    static const char *const lab[HX_MAX_RUNS] = { "A", "B", "C", "D", "E", "F", "G", "H" };
    const struct prof_summary *p[HX_MAX_RUNS];
    int have = 0;
    if (n > HX_MAX_RUNS) n = HX_MAX_RUNS;
    for (int i = 0; i < n; i++) {
        p[i] = m[i]->profile && m[i]->profile->present ? m[i]->profile : NULL;
        have += p[i] != NULL;
    }
    if (!have) return;
    html_section(b, "explain", "CPU by cause (profiles)");
    if (have < n)
        buf_puts(b, "<p>Not every run was profiled: a run without a profile draws no bars.</p>\n");
    int keys[PC_N];
    int nk = hx_rows(p, n, keys);
    const char *rows[PC_N];
    double v[PC_N * HX_MAX_RUNS];
    for (int r = 0; r < nk; r++) {
        rows[r] = prof_cause_label(keys[r]);
        for (int i = 0; i < n; i++) v[r * n + i] = p[i] ? p[i]->cause[keys[r]].cores : NAN;
    }
    struct html_bars bars = { .id = "cmp-explain", .title = "System-under-test CPU by cause, "
                              "per run", .xlabel = "CPU (cores)", .fmt = "%.4f", .nrow = nk,
                              .ngroup = n, .nseg = 1, .rows = rows, .groups = lab, .v = v };
    if (nk) html_chart_bars(b, &bars);
    buf_puts(b, "</section>\n");
}
