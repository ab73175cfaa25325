/* t_caphtml.c — the capacity page (report/html_cap.c) rendered from a
 * stored capacity.json of a real `hostmix capacity` run
 * (tests/fixtures/results/capacity.json: 1 and 2 sets pass, 3 fail on
 * idle's QoS): the headline, one pass or fail mark per step and series,
 * the numbers of every step in the table; the "at least" headline of a
 * search with no failure, an empty search, and the line chart's gaps. */
#include "test.h"
#include "core/buf.h"
#include "core/json.h"
#include "report/capacity.h"
#include "report/html.h"
#include "report/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FX "tests/fixtures/results/"

static struct report_capacity *ch_load(void)
{
    struct buf err = BUF_INIT;
    struct json_doc *d = report_json_read(FX "capacity.json", &err);
    if (!d) return NULL;
    struct report_capacity *c = report_capacity_from_json(json_root(d), &err);
    buf_free(&err);
    json_doc_free(d);
    return c;
}

static int ch_count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

/* The row of step s as the table writes it, up to the per-role cells. */
static void ch_row(struct buf *b, const struct report_cap_step *s)
{
    buf_printf(b, "<tr class=\"step\" data-sets=\"%d\"><td>%d</td><td>%d</td><td>%s</td>"
                  "<td>%.2f</td><td>%.2f</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
                  "<td>%.3f</td><td>%.3f</td><td>%.1f</td>", s->sets, s->sets, s->order,
               s->pass ? "pass" : "FAIL", s->achieved_rate, s->target_rate, s->sut_cores,
               s->servers_cores, s->sut_cores / s->sets, s->role_cores[ROLE_WEB],
               s->role_cores[ROLE_IDLE], s->seconds);
}

TEST(caphtml_fixture_page)
{
    struct report_capacity *c = ch_load();
    T_ASSERT(c != NULL);
    T_EQ_INT(c->nsteps, 3);
    T_EQ_INT(c->capacity, 2);
    T_ASSERT(c->bounded);
    struct buf b = BUF_INIT, want = BUF_INIT;
    report_render_capacity_html(c, "capacity.json", &b);
    const char *p = buf_cstr(&b);
    T_ASSERT(strncmp(p, "<!DOCTYPE html>", 15) == 0);
    T_ASSERT(strcmp(p + buf_used(&b) - 8, "</html>\n") == 0);
    T_ASSERT(strstr(p, "<script") == NULL);
    buf_printf(&want, "<p class=\"verdict pass\">capacity: 2 sets = %d servers at QoS</p>",
               2 * c->servers_per_set);
    T_ASSERT(strstr(p, buf_cstr(&want)) != NULL);
    T_ASSERT(strstr(p, "first failure at 3 sets: idle QoS: set3.idle: p99&lt;=100ms") != NULL);
    T_ASSERT(strstr(p, "data-chart=\"capacity-cores\"") != NULL);
    T_ASSERT(strstr(p, "data-chart=\"capacity-per-set\"") != NULL);
    /* two charts of two series: a mark per step in each, by its verdict */
    T_EQ_INT(ch_count(p, "data-state=\"pass\""), 2 * 2 * 2);
    T_EQ_INT(ch_count(p, "data-state=\"fail\""), 2 * 2 * 1);
    T_EQ_INT(ch_count(p, "<tr class=\"step\""), 3);
    for (int i = 0; i < c->nsteps; i++) {
        buf_reset(&want);
        ch_row(&want, &c->steps[i]);
        T_ASSERT(strstr(p, buf_cstr(&want)) != NULL);
    }
    T_ASSERT(strstr(p, "<th>web cores</th><th>idle cores</th>") != NULL);
    T_ASSERT(strstr(p, "<th>app cores</th>") == NULL);      /* not deployed */
    buf_free(&b);
    buf_free(&want);
    report_capacity_free(c);
}

TEST(caphtml_unbounded_and_empty)
{
    struct report_capacity *c = ch_load();
    T_ASSERT(c != NULL);
    /* without its failing step: no failure up to max_sets, "at least" */
    c->nsteps = 2;
    c->bounded = 0;
    struct buf b = BUF_INIT;
    report_render_capacity_html(c, NULL, &b);
    const char *p = buf_cstr(&b);
    T_ASSERT(strstr(p, "capacity: at least 2 sets") != NULL);
    T_ASSERT(strstr(p, "no step failed up to 8 sets") != NULL);
    T_EQ_INT(ch_count(p, "data-state=\"fail\""), 0);
    T_EQ_INT(ch_count(p, "data-state=\"pass\""), 2 * 2 * 2);
    c->nsteps = 3;
    report_capacity_free(c);

    struct report_capacity *e = report_capacity_new();
    e->interrupted = 1;
    buf_reset(&b);
    report_render_capacity_html(e, NULL, &b);
    p = buf_cstr(&b);
    T_ASSERT(strstr(p, "capacity: no step finished (interrupted)") != NULL);
    T_EQ_INT(ch_count(p, "No points to draw."), 2);
    T_ASSERT(strcmp(p + buf_used(&b) - 8, "</html>\n") == 0);
    report_capacity_free(e);
    buf_free(&b);
}

TEST(caphtml_xy_skips_missing_points)
{
    const double x[3] = { 1, 2, 4 }, v[6] = { 0.5, NAN, 1.5, 1, 2, INFINITY };
    const int ok[3] = { 1, 0, 1 };
    const char *names[2] = { "a", "b" }, *states[2] = { "no", "yes" };
    struct html_xy xy = { .id = "t", .title = "t", .xlabel = "sets", .ylabel = "cores",
                          .fmt = "%.2f", .nser = 2, .npt = 3, .names = names, .x = x, .v = v,
                          .state = ok, .state_names = states, .xline = 2, .xline_label = "cap" };
    struct buf b = BUF_INIT;
    html_chart_xy(&b, &xy);
    const char *p = buf_cstr(&b);
    T_EQ_INT(ch_count(p, "data-state=\"yes\""), 3);    /* a at 1 and 4, b at 1 (4 is inf) */
    T_EQ_INT(ch_count(p, "data-state=\"no\""), 1);     /* b at 2 */
    T_ASSERT(strstr(p, "<title>b at 2: 2.00 (no)</title>") != NULL);
    T_ASSERT(!strstr(p, "nan") && !strstr(p, "inf"));
    T_ASSERT(strstr(p, ">cap</text>") != NULL);
    T_ASSERT(strstr(p, "<tr><td>2</td><td>\xe2\x80\x93</td><td>2.00</td><td>no</td></tr>"));
    buf_free(&b);
}
