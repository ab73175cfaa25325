/* html_explain.c — the place of the profile ("explain") section in the
 * HTML report: the causes of one run's CPU, and their difference between
 * the runs of a comparison.
 *
 * The report model holds no profile yet, so both functions write nothing;
 * the explain work fills them from its model fields (a causes chart per
 * run through html_chart_bars, rows = causes, and for a comparison one
 * group per run) without touching the rest of the page, which already
 * calls them in the right place. */
#include "report/html.h"

void html_explain_run(struct buf *b, const struct report_model *m)
{
    (void)b;
    (void)m;
}

void html_explain_cmp(struct buf *b, const struct report_model *const *m, int n)
{
    (void)b;
    (void)m;
    (void)n;
}
