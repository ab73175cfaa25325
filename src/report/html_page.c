/* html_page.c — the HTML report's entry: one self-contained page, the run
 * page (html_run.c) for one model, the comparison (html_cmp.c) for more.
 * The pages call the charts and helpers (html_chart.c, html.c); nothing
 * calls back up here. */
#include "report/html.h"
#include "report/report.h"

/* The page's title: the run's name, or "A vs B". */
static void html_title(struct buf *b, const struct report_model *const *m, int n)
{
    buf_puts(b, "hostmix ");
    buf_puts(b, n > 1 ? "comparison: " : "run: ");
    for (int i = 0; i < n; i++) {
        if (i) buf_puts(b, " vs ");
        buf_puts(b, m[i]->name ? m[i]->name : "?");
    }
}

void report_render_html(const struct report_model *const *m, const char *const *files, int n,
                        struct buf *out)
{
    struct buf title = BUF_INIT;
    html_title(&title, m, n);
    html_page_begin(out, buf_cstr(&title));
    buf_free(&title);
    if (n == 1) html_run_page(out, m[0], files ? files[0] : NULL);
    else html_cmp_page(out, m, files, n);
    html_page_end(out, "the report model");
}
