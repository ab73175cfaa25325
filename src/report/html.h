/* html.h — the HTML report: one self-contained page (inline CSS, inline
 * SVG charts drawn here, no script needed, no network fetch) for one run
 * or for a comparison of runs, rendered only from the report model
 * (model.h), so a stored result.json gives the page the run wrote.
 *
 * html.c writes the page frame and the shared pieces (escaping, tables,
 * the palette); html_chart.c draws the charts; html_run.c and html_cmp.c
 * write the sections of one run and of a comparison; html_explain.c holds
 * the profile ("explain") section's place; html_cap.c writes the page of
 * a capacity search (capacity.h) from its capacity.json.  docs/report.md
 * describes the pages and their palette. */
#ifndef HOSTMIX_REPORT_HTML_H
#define HOSTMIX_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "report/model.h"

struct buf;
struct hist;
struct qos;
struct report_capacity;

/* ---- the page (html.c) ---------------------------------------------------- */

/* The page of one run (n == 1) or of a comparison of n runs whose first
 * is the base, appended to out.  files[i] names run i (shown on the page;
 * NULL is fine).  Never fails. */
void report_render_html(const struct report_model *const *m, const char *const *files, int n,
                        struct buf *out);

/* The page of the capacity search c (html_cap.c): its headline, the
 * curve of cores against sets with each step marked pass or fail, the
 * cores per set, and the table of steps; file names the capacity.json it
 * was read from (NULL is fine).  Appended to out; never fails. */
void report_render_capacity_html(const struct report_capacity *c, const char *file,
                                 struct buf *out);
/* Writes c's page to path atomically (capacity.html beside capacity.json).
 * Returns 0, or -1 with a message appended to err. */
int report_capacity_html_write(const struct report_capacity *c, const char *path,
                               struct buf *err);

/* The page's head with title (escaped), the style sheet, the hatch
 * patterns and the <h1>; html_page_end writes the footer, naming what the
 * page was written from, and closes the page. */
void html_page_begin(struct buf *out, const char *title);
void html_page_end(struct buf *out, const char *from);
/* Text with &, <, >, " and ' escaped (NULL writes nothing). */
void html_esc(struct buf *b, const char *s);
/* A number with fmt, or "–" when it is NAN. */
void html_num(struct buf *b, const char *fmt, double v);
/* A table cell holding a number with fmt ("–" when NAN), or text
 * (escaped, left-aligned; NULL: empty). */
void html_td_num(struct buf *b, const char *fmt, double v);
void html_td_text(struct buf *b, const char *s);
/* A latency in nanoseconds as milliseconds ("0.173"), "–" for < 0. */
void html_ms(struct buf *b, int64_t ns);
/* Opens <details> with a summary ("numbers" if NULL) and a <table> whose header cells are
 * the n strings of head; html_table_end closes both. */
void html_table(struct buf *b, const char *summary, const char *const *head, int n);
void html_table_end(struct buf *b);
/* As html_table, with the details open (the table is the section's content). */
void html_table_shown(struct buf *b, const char *summary, const char *const *head, int n);
/* Opens a section with an id and a heading. */
void html_section(struct buf *b, const char *id, const char *heading);

/* The fixed palette (docs/report.md): colours chosen from Okabe and Ito's
 * colour-blind-safe set, ordered so neighbours differ in lightness; the
 * host breakdown's small layers are hatched as well so they survive
 * greyscale printing. */
#define HTML_NCPU 7
extern const int html_cpu_fields[HTML_NCPU];        /* user nice system irq softirq steal guest */
extern const char *const html_cpu_colors[HTML_NCPU];
extern const char *const html_cpu_fill[HTML_NCPU];  /* colour or url(#pattern) */
#define HTML_NSERIES 6
extern const char *const html_series_colors[HTML_NSERIES];  /* runs, series */
extern const char *const html_series_fill[HTML_NSERIES];
/* The host breakdown field k in cores of c (guest with guest_nice). */
double html_cpu_cores(const struct report_cpu *c, int k);
/* The buckets of role's targets merged (corrected or uncorrected
 * latency) into h; returns the count. */
uint64_t html_role_hist(const struct report_model *m, int role, int uncorrected, struct hist *h);
/* The QoS of role (its first target's), parsed; q->n == 0 when none. */
void html_role_qos(const struct report_model *m, int role, struct qos *q);

/* ---- charts (html_chart.c) ------------------------------------------------- */

/* Every chart is an <svg class="chart" data-chart=ID> whose data marks
 * carry class "mark" and a <title> with their values (the hover text). */

/* A time chart over m's series: stacked (areas) or lines.  get(p, k)
 * gives series k of point p; the phases are shaded and the measurement
 * interval marked. */
typedef double html_point_get(const struct report_point *p, int k);
struct html_time {
    const char *id, *title, *ylabel;
    int nser, stacked;
    const char *const *names, *const *colors, *const *fills;
    html_point_get *get;
    const char *fmt;                /* value format in hover text */
};
void html_chart_time(struct buf *b, const struct report_model *m, const struct html_time *t);

/* Horizontal bars: nrow rows, each with ngroup bars of nseg stacked
 * segments; v[(row * ngroup + g) * nseg + s]; NAN draws no bar. */
struct html_bars {
    const char *id, *title, *xlabel, *fmt;
    int nrow, ngroup, nseg;
    const char *const *rows, *const *groups, *const *segs;
    const double *v;
};
void html_chart_bars(struct buf *b, const struct html_bars *c);

/* Latency at the percentiles of report_pcts (log scale), one line per
 * series, with the QoS limits of q drawn (q may be NULL). */
struct html_pctl {
    const char *id, *title;
    int nser;
    const char *const *names;
    const int64_t (*p)[REPORT_NPCT];    /* p[s][k] in ns; < 0: none */
    const struct qos *q;
};
void html_chart_pctl(struct buf *b, const struct html_pctl *c);

/* The latency distribution of nser histograms (share of requests per
 * log-spaced bin, one step line per histogram). */
void html_chart_hist(struct buf *b, const char *id, const char *title, int nser,
                     const char *const *names, const struct hist *const *h);

/* Lines over a numeric x axis (x ascending, whole numbers such as set
 * counts): nser series over the same npt points, v[s * npt + i] (NAN
 * leaves the point out).  With state, each point is marked by its shape,
 * so the mark survives greyscale: a filled circle when state[i] is
 * nonzero, a cross when it is 0, with data-state="state_names[1]" or
 * "state_names[0]"; the legend names both.  xline_label (NULL: none)
 * draws a dashed vertical line at xline.  Followed by its numbers. */
struct html_xy {
    const char *id, *title, *xlabel, *ylabel, *fmt;
    int nser, npt;
    const char *const *names;
    const double *x, *v;
    const int *state;
    const char *const *state_names;     /* { for 0, for nonzero } */
    double xline;
    const char *xline_label;
};
void html_chart_xy(struct buf *b, const struct html_xy *c);

/* ---- sections ----------------------------------------------------------------- */

/* The sections of one run's page (html_run.c). */
void html_run_page(struct buf *b, const struct report_model *m, const char *file);
/* The sections of a comparison's page (html_cmp.c). */
void html_cmp_page(struct buf *b, const struct report_model *const *m,
                   const char *const *files, int n);
/* The causes the profile found (one run) and their difference between
 * runs (a comparison): html_explain.c, empty until the model holds a
 * profile; writes nothing when there is none. */
void html_explain_run(struct buf *b, const struct report_model *m);
void html_explain_cmp(struct buf *b, const struct report_model *const *m, int n);

#endif
