/* compare_stats.c — whether a CPU difference between two runs is real:
 * with repeats on both sides, Welch's t-test on their system-under-test
 * CPU (core/stats.c) and the 95% confidence interval of the difference,
 * stated relative to the first run's mean:
 *
 *     B needs 26.6% ± 1.9% more CPU than A for the same work (95% CI;
 *     Welch's t-test p = 0.003)
 *
 * and "no significant difference" when the interval holds 0.  The
 * interval is that of mean(B) - mean(A) divided by mean(A); the spread of
 * mean(A) in the denominator is not propagated (it moves the bounds by
 * the ratio's second-order term only). */
#include "report/repeats.h"
#include "report/model.h"
#include "core/buf.h"

#include <math.h>
#include <stdlib.h>

/* The system-under-test CPU (or with servers, the servers' own CPU) of
 * m's repeats that have it, in a malloc'ed array (*n values); NULL when m
 * has no repeats. */
static double *cs_values(const struct report_model *m, int servers, int *n)
{
    *n = 0;
    if (!m->repeats) return NULL;
    double *x = calloc((size_t)m->repeats->n + 1, sizeof *x);
    if (!x) abort();
    for (int i = 0; i < m->repeats->n; i++) {
        double v = servers ? m->repeats->run[i].servers_cores : m->repeats->run[i].sut_cores;
        if (!isnan(v)) x[(*n)++] = v;
    }
    return x;
}

static struct numstr cs_p(double p)
{
    if (p < 0.001) return numstr_fmt("p < 0.001");
    return numstr_fmt("p = %.3f", p);
}

int report_compare_repeats(const struct report_model *a, const struct report_model *b,
                           const char *la, const char *lb, const char *forced, struct buf *out)
{
    int na, nb, servers = report_repeats_use_servers(a) || report_repeats_use_servers(b);
    double *xa = cs_values(a, servers, &na), *xb = cs_values(b, servers, &nb);
    struct stats_welch w;
    int ok = na >= 2 && nb >= 2 &&
             stats_welch(xa, na, xb, nb, REPORT_REPEAT_LEVEL, &w) == 0 && stats_mean(xa, na) > 0;
    double ma = ok ? stats_mean(xa, na) : 0, mb = ok ? stats_mean(xb, nb) : 0;
    free(xa);
    free(xb);
    if (!ok) return 0;
    double pct = 100 * w.diff / ma, half = 100 * w.half / ma;
    const struct numstr p = cs_p(w.p);
    const char *tail = forced && forced[0] ? "; forced: " : "";
    const char *what = servers ? "cores of the servers' own, no system-under-test figure" : "cores";
    if (w.lo <= 0 && w.hi >= 0)
        buf_printf(out, "%s vs %s: no significant difference in CPU for the same work: %s needs "
                 "%.1f%% ± %.1f%% %s than %s (%.0f%% CI holds 0; Welch's t-test %s; %.3f vs %.3f "
                 "%s, %d and %d runs)%s%s", lb, la, lb, fabs(pct), half, pct >= 0 ? "more" : "less",
               la, 100 * REPORT_REPEAT_LEVEL, p.s, mb, ma, what, nb, na, tail, forced ? forced : "");
    else
        buf_printf(out, "%s needs %.1f%% ± %.1f%% %s CPU than %s for the same work (%.0f%% CI; "
                 "Welch's t-test %s; %.3f vs %.3f %s, %d and %d runs)%s%s", lb, fabs(pct), half,
               pct >= 0 ? "more" : "less", la, 100 * REPORT_REPEAT_LEVEL, p.s, mb, ma, what, nb, na,
               tail, forced ? forced : "");
    return 1;
}

void report_compare_runs_note(const struct report_model *a, const struct report_model *b,
                              const char *la, const char *lb)
{
    int na = a->repeats ? a->repeats->n : 1, nb = b->repeats ? b->repeats->n : 1;
    if (na < 2 && nb < 2)
        printf("  (this rests on one run each: no spread is known; repeat = N in both jobs gives "
               "a confidence interval and a significance test)\n");
    else
        printf("  (%s has %d run%s, %s %d: a significance test needs repeats on both sides; the "
               "figures are each side's last run)\n", la, na, na == 1 ? "" : "s", lb, nb);
}
