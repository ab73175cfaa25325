/* t_html.c — the HTML report's pieces: escaping, number cells, the page
 * of an empty model (a run that stopped before any figure) and the QoS
 * limits of a role drawn over their percentile. */
#include "test.h"
#include "core/buf.h"
#include "report/html.h"

#include <math.h>
#include <string.h>

TEST(html_escapes_markup)
{
    struct buf b = BUF_INIT;
    html_esc(&b, "<a href=\"x\">R&D's</a>");
    T_EQ_STR(buf_cstr(&b), "&lt;a href=&quot;x&quot;&gt;R&amp;D&#39;s&lt;/a&gt;");
    buf_reset(&b);
    html_esc(&b, NULL);
    html_num(&b, "%.2f", NAN);
    html_num(&b, "%.2f", 1.234);
    html_ms(&b, -1);
    html_ms(&b, 1500000);
    T_EQ_STR(buf_cstr(&b), "\xe2\x80\x93" "1.23" "\xe2\x80\x93" "1.500");
    buf_free(&b);
}

TEST(html_empty_model_page)
{
    struct report_model *m = report_model_new();
    const struct report_model *one[1] = { m };
    struct buf b = BUF_INIT;
    report_render_html(one, NULL, 1, &b);
    const char *p = buf_cstr(&b);
    T_ASSERT(strncmp(p, "<!DOCTYPE html>", 15) == 0);
    T_ASSERT(strstr(p, "verdict: INVALID") != NULL);
    T_ASSERT(strstr(p, "No load results") != NULL);
    T_ASSERT(strstr(p, "No per-second series") != NULL);
    T_ASSERT(strstr(p, "<script") == NULL);
    T_ASSERT(buf_used(&b) > 8 && strcmp(p + buf_used(&b) - 8, "</html>\n") == 0);
    buf_free(&b);
    report_model_free(m);
}

TEST(html_pctl_draws_qos_over_its_percentile)
{
    struct qos q = { .n = 2 };
    q.c[0] = (struct qos_clause){ .kind = QOS_PCTL, .pct = 95, .limit_ns = 500000000 };
    q.c[1] = (struct qos_clause){ .kind = QOS_ERRORS, .limit_pct = 1 };
    const int64_t p[1][REPORT_NPCT] = { { 1000000, 2000000, 3000000, 4000000, -1 } };
    const char *names[1] = { "corrected" };
    struct html_pctl c = { .id = "t", .title = "t", .nser = 1, .names = names, .p = p, .q = &q };
    struct buf b = BUF_INIT;
    html_chart_pctl(&b, &c);
    const char *s = buf_cstr(&b);
    T_ASSERT(strstr(s, "QoS p95 &lt;= 500ms") != NULL);       /* the limit's hover text */
    const char *x = strstr(s, "class=\"mark qos\" x1=\"");
    T_ASSERT(x && !strstr(x + 1, "class=\"mark qos\""));      /* errors is not drawn */
    T_ASSERT(strstr(s, "corrected p99: 4.000 ms") != NULL);
    T_ASSERT(!strstr(s, "p99.9:"));                             /* no figure, no marker */
    buf_free(&b);
}
