/* html_chart.c — the HTML report's charts, drawn as inline SVG (as
 * sysstat's `sadf -g` does): time series over the run with the phases
 * shaded, horizontal bars, latency percentiles with the QoS limits, and
 * latency distributions.  Each chart carries axis labels with units and a
 * legend; each data mark has class "mark" and a <title> (the hover text);
 * and each chart is followed by a table of the numbers it draws. */
#include "report/html.h"
#include "core/buf.h"
#include "core/hist.h"
#include "core/opt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HC_W 900.0

/* One chart being drawn: its size, margins and data ranges. */
struct hc {
    struct buf *b;
    double w, h, ml, mr, mt, mb;
    double x0, x1, y0, y1;
    int xlog, ylog;
    double mx0, mx1;            /* the measurement interval (px), NAN if none */
};

static double hc_frac(double v, double a, double z, int lg)
{
    if (lg) {
        v = log10(v > a ? v : a);
        a = log10(a);
        z = log10(z);
    }
    double f = z > a ? (v - a) / (z - a) : 0.5;
    return f >= 0 ? (f <= 1 ? f : 1) : 0;      /* NAN and stray values stay in the frame */
}

static double hc_x(const struct hc *c, double v)
{
    return c->ml + hc_frac(v, c->x0, c->x1, c->xlog) * (c->w - c->ml - c->mr);
}

static double hc_y(const struct hc *c, double v)
{
    return c->h - c->mb - hc_frac(v, c->y0, c->y1, c->ylog) * (c->h - c->mt - c->mb);
}

/* A round tick step giving about n ticks over range. */
static double hc_step(double range, int n)
{
    double raw = range / n, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return mag * (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10);
}

/* 0 .. a round number above max (1 when max is not positive). */
static void hc_lin(double max, double *lo, double *hi, double *step)
{
    if (!(max > 0) || !isfinite(max)) max = 1;
    if (max < 1e-9) max = 1e-9;
    *step = hc_step(max, 5);
    *lo = 0;
    *hi = ceil(max / *step - 1e-9) * *step;
}

/* Decades around [min, max] (both positive). */
static void hc_decades(double min, double max, double *lo, double *hi)
{
    if (!(max > 0) || !isfinite(max)) max = 1;
    if (!(min > 0) || !isfinite(min)) min = max / 10;
    if (min < 1e-6) min = 1e-6;                 /* 1 ns, in ms */
    if (max > 1e9) max = 1e9;
    if (!(max > min)) max = min * 10;
    *lo = pow(10, floor(log10(min)));
    *hi = pow(10, ceil(log10(max * 1.5)));
    if (*hi <= *lo) *hi = *lo * 10;
}

/* The tick values from lo to hi: every step, or every decade when lg;
 * at most HC_MAXTICK of them.  Returns their count. */
#define HC_MAXTICK 24
static int hc_ticks(double lo, double hi, double step, int lg, double *v)
{
    int n = 0;
    for (int i = 0; n < HC_MAXTICK; i++) {
        double x = lg ? lo * pow(10, i) : lo + i * step;
        if (!(step > 0 || lg) || !isfinite(x) || x > hi + (lg ? hi * 1e-4 : step * 1e-6)) break;
        v[n++] = !lg && fabs(x) < step * 1e-6 ? 0 : x;
    }
    return n;
}

static void hc_open(struct hc *c, const char *id, const char *title)
{
    buf_printf(c->b, "<svg class=\"chart\" data-chart=\"%s\" role=\"img\" "
                     "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                     "width=\"%.0f\" height=\"%.0f\"><title>", id, c->w, c->h, c->w, c->h);
    html_esc(c->b, title);
    buf_puts(c->b, "</title>\n<text x=\"4\" y=\"16\" style=\"font-weight:600\">");
    html_esc(c->b, title);
    buf_puts(c->b, "</text>\n");
}

/* A tick label: "%g" of v, or with the chart's unit format. */
static void hc_label(struct buf *b, double v)
{
    if (fabs(v) >= 1e6) buf_printf(b, "%.3gM", v / 1e6);
    else if (fabs(v) >= 1e4) buf_printf(b, "%.3gk", v / 1e3);
    else buf_printf(b, "%g", v);
}

/* The y grid with labels and the y axis title (rotated). */
static void hc_yaxis(struct hc *c, const char *label, double step)
{
    double t[HC_MAXTICK];
    int n = hc_ticks(c->y0, c->y1, step, c->ylog, t);
    for (int i = 0; i < n; i++) {
        double y = hc_y(c, t[i]);
        buf_printf(c->b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", c->ml, c->w - c->mr,
                   y, y, c->ml - 5, y + 4);
        hc_label(c->b, t[i]);
        buf_puts(c->b, "</text>\n");
    }
    double mid = (c->mt + c->h - c->mb) / 2;
    buf_printf(c->b, "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">", mid);
    html_esc(c->b, label);
    buf_puts(c->b, "</text>\n");
}

/* The x axis line, ticks at linear step (or decades) and the x title. */
static void hc_xaxis(struct hc *c, const char *label, double step)
{
    double yb = c->h - c->mb;
    buf_printf(c->b, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                     "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>\n",
               c->ml, c->w - c->mr, yb, yb, c->ml, c->ml, c->mt, yb);
    double t[HC_MAXTICK];
    int n = hc_ticks(c->x0, c->x1, step, c->xlog, t);
    for (int i = 0; i < n; i++) {
        double v = t[i], x = hc_x(c, v);
        buf_printf(c->b, "<line class=\"axis\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>"
                         "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x, x, yb, yb + 4,
                   x, yb + 17);
        hc_label(c->b, v);
        buf_puts(c->b, "</text>\n");
    }
    buf_printf(c->b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
               (c->ml + c->w - c->mr) / 2, c->h - 6);
    html_esc(c->b, label);
    buf_puts(c->b, "</text>\n");
}

/* The legend along the top: a swatch (box, or line with dash) per name. */
static void hc_legend(struct hc *c, int n, const char *const *names, const char *const *fills,
                      const char *const *colors, int lines)
{
    double x = c->ml;
    for (int i = 0; i < n; i++) {
        if (lines)
            buf_printf(c->b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"30\" y2=\"30\" stroke=\"%s\" "
                             "stroke-width=\"2.5\"%s/>", x, x + 18, colors[i],
                       i % 2 ? " stroke-dasharray=\"5 3\"" : "");
        else
            buf_printf(c->b, "<rect x=\"%.1f\" y=\"24\" width=\"14\" height=\"12\" fill=\"%s\" "
                             "stroke=\"#111\" stroke-width=\".5\"/>", x, fills[i]);
        buf_printf(c->b, "<text x=\"%.1f\" y=\"35\">", x + 22);
        html_esc(c->b, names[i]);
        buf_puts(c->b, "</text>\n");
        x += 34 + 7.2 * (double)strlen(names[i]);
    }
}

/* ---- time series -------------------------------------------------------------- */

static const char *hc_phase_shade(const char *ph)
{
    if (!ph) return "#f4f4f4";
    if (!strcmp(ph, "measure")) return NULL;
    if (!strcmp(ph, "baseline")) return "#ececec";
    return "#f4f4f4";
}

/* The start of point i's interval (the previous point's time). */
static double hc_t_start(const struct report_model *m, int i)
{
    if (i > 0) return m->series[i - 1].t;
    double s = m->series[0].cpu.seconds;
    return m->series[0].t - (isnan(s) ? 0 : s);
}

/* Shades every run of points of one phase, names it, and marks the
 * measurement interval with dashed lines. */
static void hc_phases(struct hc *c, const struct report_model *m)
{
    c->mx0 = c->mx1 = NAN;
    for (int i = 0, j; i < m->npoints; i = j) {
        const char *ph = m->series[i].phase;
        for (j = i + 1; j < m->npoints; j++) {
            const char *q = m->series[j].phase;
            if (!(ph && q && !strcmp(ph, q)) && !(!ph && !q)) break;
        }
        double x0 = hc_x(c, hc_t_start(m, i)), x1 = hc_x(c, m->series[j - 1].t);
        const char *shade = hc_phase_shade(ph);
        int measure = ph && !strcmp(ph, "measure");
        if (shade)
            buf_printf(c->b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
                       x0, c->mt, x1 - x0, c->h - c->mt - c->mb, shade);
        if (measure) c->mx0 = x0, c->mx1 = x1;
        if (x1 - x0 < (measure ? 130 : 7.0 * (ph ? (double)strlen(ph) : 1) + 4)) continue;
        buf_printf(c->b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%s",
                   (x0 + x1) / 2, c->mt + 12, measure ? "measurement interval" : "");
        if (!measure) html_esc(c->b, ph ? ph : "?");
        buf_puts(c->b, "</text>\n");
    }
}

/* The measurement interval's dashed bounds, over the marks. */
static void hc_measure_lines(struct hc *c)
{
    if (isnan(c->mx0)) return;
    buf_printf(c->b, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fV%.1f\" stroke=\"#111\" "
                     "stroke-width=\"1.5\" stroke-dasharray=\"6 4\" fill=\"none\"/>\n",
               c->mx0, c->mt, c->h - c->mb, c->mx1, c->mt, c->h - c->mb);
}

/* The stacked top of series 0..k at point i (NAN counts as 0). */
static double hc_stack(const struct html_time *t, const struct report_point *p, int k)
{
    double s = 0;
    for (int i = 0; i <= k; i++) {
        double v = t->get(p, i);
        if (!isnan(v)) s += v;
    }
    return s;
}

static void hc_time_area(struct hc *c, const struct report_model *m, const struct html_time *t)
{
    for (int k = 0; k < t->nser; k++) {
        buf_printf(c->b, "<polygon class=\"mark\" fill=\"%s\" stroke=\"#fff\" stroke-width=\".6\" "
                         "points=\"", t->fills[k]);
        for (int i = 0; i < m->npoints; i++)
            buf_printf(c->b, "%.1f,%.1f ", hc_x(c, m->series[i].t),
                       hc_y(c, hc_stack(t, &m->series[i], k)));
        for (int i = m->npoints - 1; i >= 0; i--)
            buf_printf(c->b, "%.1f,%.1f ", hc_x(c, m->series[i].t),
                       hc_y(c, k ? hc_stack(t, &m->series[i], k - 1) : 0));
        buf_puts(c->b, "\"><title>");
        html_esc(c->b, t->names[k]);
        buf_puts(c->b, "</title></polygon>\n");
    }
}

static void hc_time_lines(struct hc *c, const struct report_model *m, const struct html_time *t)
{
    for (int k = 0; k < t->nser; k++) {
        buf_printf(c->b, "<polyline class=\"mark\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
                         "points=\"", t->colors[k], k % 2 ? " stroke-dasharray=\"5 3\"" : "");
        for (int i = 0; i < m->npoints; i++) {
            double v = t->get(&m->series[i], k);
            if (!isnan(v)) buf_printf(c->b, "%.1f,%.1f ", hc_x(c, m->series[i].t), hc_y(c, v));
        }
        buf_puts(c->b, "\"><title>");
        html_esc(c->b, t->names[k]);
        buf_puts(c->b, "</title></polyline>\n");
    }
}

/* "t 12 s (measure): user 0.150, ..." */
static void hc_point_text(struct buf *b, const struct html_time *t, const struct report_point *p)
{
    buf_printf(b, "t %.0f s (", p->t);
    html_esc(b, p->phase ? p->phase : "?");
    buf_puts(b, ")");
    for (int k = 0; k < t->nser; k++) {
        buf_puts(b, k ? ", " : ": ");
        html_esc(b, t->names[k]);
        buf_puts(b, " ");
        html_num(b, t->fmt, t->get(p, k));
    }
}

/* A transparent column per point whose title gives its values. */
static void hc_time_hover(struct hc *c, const struct report_model *m, const struct html_time *t)
{
    for (int i = 0; i < m->npoints; i++) {
        double x0 = hc_x(c, hc_t_start(m, i)), x1 = hc_x(c, m->series[i].t);
        buf_printf(c->b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fff\" "
                         "fill-opacity=\"0\"><title>", x0, c->mt, x1 > x0 ? x1 - x0 : 1,
                   c->h - c->mt - c->mb);
        hc_point_text(c->b, t, &m->series[i]);
        buf_puts(c->b, "</title></rect>\n");
    }
}

static void hc_time_table(struct buf *b, const struct report_model *m, const struct html_time *t)
{
    const char *head[16] = { "t (s)", "phase" };
    int n = 2;
    for (int k = 0; k < t->nser && n < 16; k++) head[n++] = t->names[k];
    html_table(b, "numbers per second", head, n);
    for (int i = 0; i < m->npoints; i++) {
        buf_printf(b, "<tr><td>%.1f</td><td>", m->series[i].t);
        html_esc(b, m->series[i].phase);
        buf_puts(b, "</td>");
        for (int k = 0; k < t->nser && k < 14; k++) {
            buf_puts(b, "<td>");
            html_num(b, t->fmt, t->get(&m->series[i], k));
            buf_puts(b, "</td>");
        }
        buf_puts(b, "</tr>\n");
    }
    html_table_end(b);
}

void html_chart_time(struct buf *b, const struct report_model *m, const struct html_time *t)
{
    if (m->npoints < 1) {
        buf_puts(b, "<p>No per-second series: the run stopped before its second sample.</p>\n");
        return;
    }
    struct hc c = { .b = b, .w = HC_W, .h = 320, .ml = 70, .mr = 16, .mt = 44, .mb = 44 };
    double max = 0, ystep, xstep;
    for (int i = 0; i < m->npoints; i++)
        for (int k = 0; k < t->nser; k++) {
            double v = t->stacked ? hc_stack(t, &m->series[i], k) : t->get(&m->series[i], k);
            if (v > max) max = v;
        }
    hc_lin(max, &c.y0, &c.y1, &ystep);
    c.x0 = hc_t_start(m, 0);
    c.x1 = m->series[m->npoints - 1].t;
    if (!isfinite(c.x0) || fabs(c.x0) > 1e12) c.x0 = 0;
    if (!isfinite(c.x1) || c.x1 <= c.x0 || c.x1 - c.x0 > 1e12) c.x1 = c.x0 + 1;
    xstep = hc_step(c.x1 - c.x0, 10);
    c.x0 = floor(c.x0 / xstep) * xstep;
    hc_open(&c, t->id, t->title);
    hc_phases(&c, m);
    hc_yaxis(&c, t->ylabel, ystep);
    if (t->stacked) hc_time_area(&c, m, t);
    else hc_time_lines(&c, m, t);
    hc_measure_lines(&c);
    hc_xaxis(&c, "time since the first sample (s)", xstep);
    hc_legend(&c, t->nser, t->names, t->fills, t->colors, !t->stacked);
    hc_time_hover(&c, m, t);
    buf_puts(b, "</svg>\n");
    hc_time_table(b, m, t);
}

/* ---- horizontal bars ---------------------------------------------------------- */

static double hb_v(const struct html_bars *c, int r, int g, int s)
{
    return c->v[((size_t)r * (size_t)c->ngroup + (size_t)g) * (size_t)c->nseg + (size_t)s];
}

static double hb_total(const struct html_bars *c, int r, int g)
{
    double t = 0;
    int any = 0;
    for (int s = 0; s < c->nseg; s++) {
        double v = hb_v(c, r, g, s);
        if (!isnan(v)) t += v, any = 1;
    }
    return any ? t : NAN;
}

/* The fill of segment s of group g: by segment when stacked, else by group. */
static const char *hb_fill(const struct html_bars *c, int g, int s)
{
    if (c->nseg > 1) return s < HTML_NCPU && c->nseg == HTML_NCPU ? html_cpu_fill[s]
                                                                  : html_series_fill[s % HTML_NSERIES];
    return c->ngroup > 1 ? html_series_fill[g % HTML_NSERIES] : html_series_fill[0];
}

/* One bar (row r, group g) at height y: its segments and its total. */
static void hb_bar(struct hc *h, const struct html_bars *c, int r, int g, double y)
{
    double total = hb_total(c, r, g), x = 0;
    if (c->ngroup > 1) {
        buf_printf(h->b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">",
                   h->ml - 4, y + 12);
        html_esc(h->b, c->groups[g]);
        buf_puts(h->b, "</text>");
    }
    if (isnan(total)) return;
    for (int s = 0; s < c->nseg; s++) {
        double v = hb_v(c, r, g, s);
        if (isnan(v) || (v <= 0 && c->nseg > 1)) continue;
        double x0 = hc_x(h, x), x1 = hc_x(h, x + v);
        buf_printf(h->b, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"15\" "
                         "fill=\"%s\" stroke=\"#111\" stroke-width=\".5\"><title>", x0, y,
                   x1 - x0 < 1 ? 1 : x1 - x0, hb_fill(c, g, s));
        html_esc(h->b, c->rows[r]);
        if (c->ngroup > 1) buf_puts(h->b, ", "), html_esc(h->b, c->groups[g]);
        if (c->nseg > 1) buf_puts(h->b, ", "), html_esc(h->b, c->segs[s]);
        buf_puts(h->b, ": ");
        html_num(h->b, c->fmt, v);
        buf_puts(h->b, "</title></rect>");
        x += v;
    }
    buf_printf(h->b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", hc_x(h, total) + 5, y + 12);
    html_num(h->b, c->fmt, total);
    buf_puts(h->b, "</text>\n");
}

static void hb_table(struct buf *b, const struct html_bars *c)
{
    const char *head[20] = { "" };
    int n = 1;
    if (c->ngroup > 1) head[n++] = "run";
    for (int s = 0; s < c->nseg && n < 19; s++) head[n++] = c->nseg > 1 ? c->segs[s] : c->xlabel;
    if (c->nseg > 1) head[n++] = "total";
    html_table(b, NULL, head, n);
    for (int r = 0; r < c->nrow; r++)
        for (int g = 0; g < c->ngroup; g++) {
            buf_puts(b, "<tr><td>");
            html_esc(b, c->rows[r]);
            buf_puts(b, "</td>");
            if (c->ngroup > 1) buf_puts(b, "<td>"), html_esc(b, c->groups[g]), buf_puts(b, "</td>");
            for (int s = 0; s < c->nseg && s < 17; s++)
                buf_puts(b, "<td>"), html_num(b, c->fmt, hb_v(c, r, g, s)), buf_puts(b, "</td>");
            if (c->nseg > 1)
                buf_puts(b, "<td>"), html_num(b, c->fmt, hb_total(c, r, g)), buf_puts(b, "</td>");
            buf_puts(b, "</tr>\n");
        }
    html_table_end(b);
}

/* Whether any bar has a figure. */
static int hb_any(const struct html_bars *c)
{
    for (int r = 0; r < c->nrow; r++)
        for (int g = 0; g < c->ngroup; g++)
            if (!isnan(hb_total(c, r, g))) return 1;
    return 0;
}

/* The left margin: room for the longest row name (about 7 px a
 * character at the charts' 12 px font) before its group labels. */
static double hb_margin(const struct html_bars *c)
{
    size_t longest = 0;
    for (int r = 0; r < c->nrow; r++)
        if (c->rows[r] && strlen(c->rows[r]) > longest) longest = strlen(c->rows[r]);
    double ml = 7.0 * (double)longest + (c->ngroup > 1 ? 24 : 6) + 12;
    return ml < 190 ? 190 : ml > 420 ? 420 : ml;
}

void html_chart_bars(struct buf *b, const struct html_bars *c)
{
    double rowh = c->ngroup * 19.0 + 12, max = 0, step;
    int legend = c->nseg > 1 || c->ngroup > 1;
    struct hc h = { .b = b, .w = HC_W, .ml = hb_margin(c), .mr = 80, .mt = legend ? 44 : 26,
                    .mb = 44 };
    h.h = h.mt + h.mb + rowh * c->nrow;
    for (int r = 0; r < c->nrow; r++)
        for (int g = 0; g < c->ngroup; g++) {
            double t = hb_total(c, r, g);
            if (t > max) max = t;
        }
    if (!hb_any(c)) {
        buf_puts(b, "<p>No figures stored for: ");
        html_esc(b, c->title);
        buf_puts(b, ".</p>\n");
        return;
    }
    hc_lin(max, &h.x0, &h.x1, &step);
    hc_open(&h, c->id, c->title);
    double t[HC_MAXTICK];
    for (int i = 0, n = hc_ticks(h.x0, h.x1, step, 0, t); i < n; i++)
        buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\"/>",
                   hc_x(&h, t[i]), hc_x(&h, t[i]), h.mt, h.h - h.mb);
    for (int r = 0; r < c->nrow; r++) {
        double y = h.mt + r * rowh + 6;
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", c->ngroup > 1 ? h.ml - 24
                                                                                      : h.ml - 6,
                   y + rowh / 2 - 2);
        html_esc(b, c->rows[r]);
        buf_puts(b, "</text>\n");
        for (int g = 0; g < c->ngroup; g++) hb_bar(&h, c, r, g, y + g * 19.0);
    }
    hc_xaxis(&h, c->xlabel, step);
    if (c->nseg > 1) {
        const char *fills[20];
        for (int s = 0; s < c->nseg && s < 20; s++) fills[s] = hb_fill(c, 0, s);
        hc_legend(&h, c->nseg, c->segs, fills, fills, 0);
    } else if (c->ngroup > 1) {
        hc_legend(&h, c->ngroup < HTML_NSERIES ? c->ngroup : HTML_NSERIES, c->groups,
                  html_series_fill, html_series_colors, 0);
    }
    buf_puts(b, "</svg>\n");
    hb_table(b, c);
}

/* ---- latency percentiles -------------------------------------------------------- */

/* A marker of series s at (x, y): circle, square, diamond, triangle... */
static void hp_marker(struct buf *b, int s, double x, double y, const char *color)
{
    switch (s % 3) {
    case 0: buf_printf(b, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\">",
                       x, y, color); break;
    case 1: buf_printf(b, "<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" "
                          "fill=\"%s\">", x - 4.5, y - 4.5, color); break;
    default: buf_printf(b, "<path class=\"mark\" d=\"M%.1f %.1fl5.5 5.5l-5.5 5.5l-5.5 -5.5z\" "
                           "fill=\"%s\">", x, y - 5.5, color); break;
    }
}

static const char *hp_marker_end(int s)
{
    return s % 3 == 0 ? "</circle>" : s % 3 == 1 ? "</rect>" : "</path>";
}

/* The column of percentile pct, or -1 when it has none. */
static int hp_col(double pct)
{
    for (int k = 0; k < REPORT_NPCT; k++)
        if (fabs(report_pcts[k] - pct) < 1e-9) return k;
    return -1;
}

static void hp_range(const struct html_pctl *c, double *lo, double *hi)
{
    double mn = INFINITY, mx = 0;
    for (int s = 0; s < c->nser; s++)
        for (int k = 0; k < REPORT_NPCT; k++) {
            double v = (double)c->p[s][k] / 1e6;
            if (c->p[s][k] <= 0) continue;
            if (v < mn) mn = v;
            if (v > mx) mx = v;
        }
    for (int i = 0; c->q && i < c->q->n; i++) {
        if (c->q->c[i].kind == QOS_ERRORS) continue;
        double v = (double)c->q->c[i].limit_ns / 1e6;
        if (v > mx) mx = v;
        if (v < mn) mn = v;
    }
    hc_decades(isinf(mn) ? 0 : mn, mx, lo, hi);
}

/* The QoS limits: a thick dashed line over the percentile's column (or
 * across the chart for max, mean or a percentile without a column). */
static void hp_qos(struct hc *h, const struct qos *q)
{
    static const char *const kind[] = { "p", "mean", "max", "errors" };
    for (int i = 0; q && i < q->n; i++) {
        const struct qos_clause *cl = &q->c[i];
        if (cl->kind == QOS_ERRORS) continue;
        int col = cl->kind == QOS_PCTL ? hp_col(cl->pct) : -1;
        double y = hc_y(h, (double)cl->limit_ns / 1e6);
        double x0 = col < 0 ? h->ml : hc_x(h, col - 0.42), x1 = col < 0 ? h->w - h->mr : hc_x(h, col + 0.42);
        const struct numstr lim = opt_duration_str(cl->limit_ns);
        const struct numstr what = cl->kind == QOS_PCTL ? numstr_fmt("p%g", cl->pct)
                                 : numstr_fmt("%s", kind[cl->kind]);
        buf_printf(h->b, "<line class=\"mark qos\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                         "stroke=\"#111\" stroke-width=\"3\" stroke-dasharray=\"7 3\"><title>QoS %s "
                         "%s %s</title></line><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">QoS %s %s "
                         "%s</text>\n", x0, x1, y, y, what.s, cl->strict ? "&lt;" : "&lt;=", lim.s,
                   x0 + 2, y - 5, what.s, cl->strict ? "&lt;" : "&#8804;", lim.s);
    }
}

static void hp_series(struct hc *h, const struct html_pctl *c, int s)
{
    const char *col = html_series_colors[s % HTML_NSERIES];
    buf_printf(h->b, "<polyline class=\"mark\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
                     "points=\"", col, s % 2 ? " stroke-dasharray=\"5 3\"" : "");
    for (int k = 0; k < REPORT_NPCT; k++)
        if (c->p[s][k] > 0) buf_printf(h->b, "%.1f,%.1f ", hc_x(h, k), hc_y(h, c->p[s][k] / 1e6));
    buf_puts(h->b, "\"/>\n");
    for (int k = 0; k < REPORT_NPCT; k++) {
        if (c->p[s][k] <= 0) continue;
        hp_marker(h->b, s, hc_x(h, k), hc_y(h, c->p[s][k] / 1e6), col);
        buf_puts(h->b, "<title>");
        html_esc(h->b, c->names[s]);
        buf_printf(h->b, " p%g: %.3f ms</title>%s\n", report_pcts[k], c->p[s][k] / 1e6,
                   hp_marker_end(s));
    }
}

static void hp_table(struct buf *b, const struct html_pctl *c)
{
    static const char *const head[] = { "latency (ms)", "p50", "p90", "p95", "p99", "p99.9" };
    html_table(b, NULL, head, 6);
    for (int s = 0; s < c->nser; s++) {
        buf_puts(b, "<tr><td>");
        html_esc(b, c->names[s]);
        buf_puts(b, "</td>");
        for (int k = 0; k < REPORT_NPCT; k++)
            buf_puts(b, "<td>"), html_ms(b, c->p[s][k] > 0 ? c->p[s][k] : -1), buf_puts(b, "</td>");
        buf_puts(b, "</tr>\n");
    }
    if (c->q && c->q->n) {
        struct buf q = BUF_INIT;
        opt_put_qos(&q, c->q);
        buf_puts(b, "<tr><td>QoS</td><td colspan=\"5\" style=\"text-align:left\">");
        html_esc(b, buf_cstr(&q));
        buf_free(&q);
        buf_puts(b, "</td></tr>\n");
    }
    html_table_end(b);
}

void html_chart_pctl(struct buf *b, const struct html_pctl *c)
{
    struct hc h = { .b = b, .w = HC_W, .h = 300, .ml = 70, .mr = 20, .mt = 44, .mb = 44,
                    .x0 = -0.5, .x1 = REPORT_NPCT - 0.5, .ylog = 1 };
    int any = 0;
    for (int s = 0; s < c->nser; s++)
        for (int k = 0; k < REPORT_NPCT; k++) any |= c->p[s][k] > 0;
    if (!any) {
        buf_puts(b, "<p>No latency percentiles stored.</p>\n");
        return;
    }
    hp_range(c, &h.y0, &h.y1);
    hc_open(&h, c->id, c->title);
    hc_yaxis(&h, "latency (ms, log scale)", 0);
    hc_xaxis(&h, "percentile", 0);
    for (int k = 0; k < REPORT_NPCT; k++)
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">p%g</text>", hc_x(&h, k),
                   h.h - h.mb + 17, report_pcts[k]);
    hp_qos(&h, c->q);
    for (int s = 0; s < c->nser; s++) hp_series(&h, c, s);
    const char *names[HTML_NSERIES + 1];
    int n = 0;
    for (; n < c->nser && n < HTML_NSERIES; n++) names[n] = c->names[n];
    hc_legend(&h, n, names, html_series_fill, html_series_colors, 1);
    buf_puts(b, "</svg>\n");
    hp_table(b, c);
}

/* ---- latency distributions ------------------------------------------------------ */

#define HH_PER_DECADE 10
#define HH_MAXBIN 140            /* 1 ns .. 1e14 ns */

/* The share (%) of h's requests in each log bin; returns the first and
 * last non-empty bins through lo and hi. */
static void hh_bins(const struct hist *h, double *share, int *lo, int *hi)
{
    int i = -1;
    int64_t blo, bhi;
    uint64_t n;
    memset(share, 0, HH_MAXBIN * sizeof *share);
    while (h->count && hist_next(h, &i, &blo, &bhi, &n)) {
        double mid = ((double)blo + (double)bhi) / 2;
        int k = mid >= 1 ? (int)floor(log10(mid) * HH_PER_DECADE) : 0;
        if (k >= HH_MAXBIN) k = HH_MAXBIN - 1;
        share[k] += 100.0 * (double)n / (double)h->count;
        if (k < *lo) *lo = k;
        if (k > *hi) *hi = k;
    }
}

static double hh_edge_ms(int k)
{
    return pow(10, (double)k / HH_PER_DECADE) / 1e6;
}

static void hh_series(struct hc *c, const double *share, int lo, int hi, int s, const char *name)
{
    const char *col = html_series_colors[s % HTML_NSERIES];
    buf_printf(c->b, "<polyline class=\"mark\" fill=\"%s\" fill-opacity=\"%s\" stroke=\"%s\" "
                     "stroke-width=\"2\"%s points=\"%.1f,%.1f ", s ? "none" : col,
               s ? "0" : "0.25", col, s % 2 ? " stroke-dasharray=\"5 3\"" : "",
               hc_x(c, hh_edge_ms(lo)), hc_y(c, 0));
    for (int k = lo; k <= hi; k++)
        buf_printf(c->b, "%.1f,%.1f %.1f,%.1f ", hc_x(c, hh_edge_ms(k)), hc_y(c, share[k]),
                   hc_x(c, hh_edge_ms(k + 1)), hc_y(c, share[k]));
    buf_printf(c->b, "%.1f,%.1f\"><title>", hc_x(c, hh_edge_ms(hi + 1)), hc_y(c, 0));
    html_esc(c->b, name);
    buf_puts(c->b, "</title></polyline>\n");
}

static void hh_table(struct buf *b, int nser, const char *const *names, double (*share)[HH_MAXBIN],
                     int lo, int hi)
{
    const char *head[HTML_NSERIES + 2] = { "latency bin (ms)" };
    for (int s = 0; s < nser; s++) head[s + 1] = names[s];
    html_table(b, "numbers (% of requests per bin)", head, nser + 1);
    for (int k = lo; k <= hi; k++) {
        buf_printf(b, "<tr><td>%.4g &#8211; %.4g</td>", hh_edge_ms(k), hh_edge_ms(k + 1));
        for (int s = 0; s < nser; s++) buf_printf(b, "<td>%.2f</td>", share[s][k]);
        buf_puts(b, "</tr>\n");
    }
    html_table_end(b);
}

void html_chart_hist(struct buf *b, const char *id, const char *title, int nser,
                     const char *const *names, const struct hist *const *h)
{
    double (*share)[HH_MAXBIN] = calloc((size_t)HTML_NSERIES, sizeof *share);
    int lo = HH_MAXBIN, hi = -1;
    double max = 0, step;
    if (!share) abort();
    if (nser > HTML_NSERIES) nser = HTML_NSERIES;
    for (int s = 0; s < nser; s++) hh_bins(h[s], share[s], &lo, &hi);
    if (hi < 0) {
        buf_puts(b, "<p>No latency samples.</p>\n");
        free(share);
        return;
    }
    for (int s = 0; s < nser; s++)
        for (int k = lo; k <= hi; k++) max = share[s][k] > max ? share[s][k] : max;
    struct hc c = { .b = b, .w = HC_W, .h = 280, .ml = 70, .mr = 20, .mt = 44, .mb = 44,
                    .xlog = 1 };
    hc_decades(hh_edge_ms(lo), hh_edge_ms(hi + 1), &c.x0, &c.x1);
    hc_lin(max, &c.y0, &c.y1, &step);
    hc_open(&c, id, title);
    hc_yaxis(&c, "requests (% per bin)", step);
    for (int s = 0; s < nser; s++) hh_series(&c, share[s], lo, hi, s, names[s]);
    hc_xaxis(&c, "latency (ms, log scale; 10 bins per decade)", 1);
    hc_legend(&c, nser, names, html_series_fill, html_series_colors, 1);
    buf_puts(b, "</svg>\n");
    hh_table(b, nser, names, share, lo, hi);
    free(share);
}

/* ---- lines over a numeric x (the capacity curve) --------------------------------- */

/* Series s at point i, NAN when it is not a finite number. */
static double hx_v(const struct html_xy *c, int s, int i)
{
    double v = c->v[(size_t)s * (size_t)c->npt + (size_t)i];
    return isfinite(v) ? v : NAN;
}

/* A point's mark: a filled circle (state nonzero, or no state) or a cross. */
static void hx_mark(struct hc *h, const struct html_xy *c, int s, int i)
{
    const char *col = html_series_colors[s % HTML_NSERIES];
    double x = hc_x(h, c->x[i]), y = hc_y(h, hx_v(c, s, i));
    int on = !c->state || c->state[i];
    if (on)
        buf_printf(h->b, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" "
                         "stroke=\"#111\" stroke-width=\".8\"", x, y, col);
    else
        buf_printf(h->b, "<path class=\"mark\" d=\"M%.1f %.1fl12 12M%.1f %.1fl-12 12\" "
                         "fill=\"none\" stroke=\"%s\" stroke-width=\"3\"", x - 6, y - 6, x + 6,
                   y - 6, col);
    if (c->state) buf_printf(h->b, " data-state=\"%s\"", c->state_names[on]);
    buf_puts(h->b, "><title>");
    html_esc(h->b, c->names[s]);
    buf_printf(h->b, " at %g: ", c->x[i]);
    html_num(h->b, c->fmt, hx_v(c, s, i));
    if (c->state) buf_printf(h->b, " (%s)", c->state_names[on]);
    buf_puts(h->b, on ? "</title></circle>\n" : "</title></path>\n");
}

static void hx_series(struct hc *h, const struct html_xy *c, int s)
{
    buf_printf(h->b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
               html_series_colors[s % HTML_NSERIES], s % 2 ? " stroke-dasharray=\"5 3\"" : "");
    for (int i = 0; i < c->npt; i++)
        if (!isnan(hx_v(c, s, i)) && isfinite(c->x[i]))
            buf_printf(h->b, "%.1f,%.1f ", hc_x(h, c->x[i]), hc_y(h, hx_v(c, s, i)));
    buf_puts(h->b, "\"/>\n");
    for (int i = 0; i < c->npt; i++)
        if (!isnan(hx_v(c, s, i)) && isfinite(c->x[i])) hx_mark(h, c, s, i);
}

/* The two state marks' key, at the top right. */
static void hx_state_key(struct hc *h, const struct html_xy *c)
{
    double x = h->w - h->mr - 150;
    buf_printf(h->b, "<circle cx=\"%.1f\" cy=\"30\" r=\"5\" fill=\"#777\" stroke=\"#111\" "
                     "stroke-width=\".8\"/><text x=\"%.1f\" y=\"35\">", x, x + 10);
    html_esc(h->b, c->state_names[1]);
    buf_printf(h->b, "</text><path d=\"M%.1f 24l12 12M%.1f 24l-12 12\" stroke=\"#111\" "
                     "stroke-width=\"3\"/><text x=\"%.1f\" y=\"35\">", x + 64, x + 76, x + 82);
    html_esc(h->b, c->state_names[0]);
    buf_puts(h->b, "</text>\n");
}

static void hx_xline(struct hc *h, const struct html_xy *c)
{
    if (!c->xline_label || !isfinite(c->xline)) return;
    double x = hc_x(h, c->xline);
    buf_printf(h->b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#111\" "
                     "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"%.1f\" y=\"%.1f\" "
                     "font-size=\"11\">", x, x, h->mt, h->h - h->mb, x + 4, h->h - h->mb - 6);
    html_esc(h->b, c->xline_label);
    buf_puts(h->b, "</text>\n");
}

static void hx_table(struct buf *b, const struct html_xy *c)
{
    const char *head[HTML_NSERIES + 2] = { c->xlabel };
    int nser = c->nser < HTML_NSERIES ? c->nser : HTML_NSERIES;
    for (int s = 0; s < nser; s++) head[s + 1] = c->names[s];
    if (c->state) head[nser + 1] = "mark";
    html_table(b, NULL, head, nser + 1 + (c->state != NULL));
    for (int i = 0; i < c->npt; i++) {
        buf_printf(b, "<tr><td>%g</td>", c->x[i]);
        for (int s = 0; s < nser; s++)
            buf_puts(b, "<td>"), html_num(b, c->fmt, hx_v(c, s, i)), buf_puts(b, "</td>");
        if (c->state) {
            buf_puts(b, "<td>");
            html_esc(b, c->state_names[c->state[i] != 0]);
            buf_puts(b, "</td>");
        }
        buf_puts(b, "</tr>\n");
    }
    html_table_end(b);
}

/* The x range: 0 .. a whole round number at or above the largest x, and
 * a little room; returns the tick step. */
static double hx_xrange(const struct html_xy *c, struct hc *h)
{
    double max = 1, step;
    for (int i = 0; i < c->npt; i++)
        if (isfinite(c->x[i]) && c->x[i] > max) max = c->x[i];
    hc_lin(max, &h->x0, &h->x1, &step);
    if (step < 1) step = 1, h->x1 = ceil(max);
    h->x1 += step / 4;                          /* the last mark clear of the edge */
    return step;
}

void html_chart_xy(struct buf *b, const struct html_xy *c)
{
    struct hc h = { .b = b, .w = HC_W, .h = 300, .ml = 70, .mr = 20, .mt = 44, .mb = 44 };
    int nser = c->nser < HTML_NSERIES ? c->nser : HTML_NSERIES;
    double max = 0, ystep;
    for (int s = 0; s < nser; s++)
        for (int i = 0; i < c->npt; i++)
            if (hx_v(c, s, i) > max) max = hx_v(c, s, i);
    if (!c->npt) {
        buf_puts(b, "<p>No points to draw.</p>\n");
        return;
    }
    double xstep = hx_xrange(c, &h);
    hc_lin(max, &h.y0, &h.y1, &ystep);
    hc_open(&h, c->id, c->title);
    hc_yaxis(&h, c->ylabel, ystep);
    hc_xaxis(&h, c->xlabel, xstep);
    hx_xline(&h, c);
    for (int s = 0; s < nser; s++) hx_series(&h, c, s);
    hc_legend(&h, nser, c->names, html_series_fill, html_series_colors, 1);
    if (c->state) hx_state_key(&h, c);
    buf_puts(b, "</svg>\n");
    hx_table(b, c);
}
