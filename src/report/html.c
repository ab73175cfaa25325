/* html.c — the HTML report's page frame and shared pieces: the inline
 * style sheet, the palette and its hatch patterns, escaping, number cells,
 * tables, and the per-role latency histograms merged from the load
 * driver's targets.  The page is one file: no script is needed, nothing
 * is fetched, so it reads offline and as an e-mail attachment. */
#include "report/html.h"
#include "report/report.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/hist.h"
#include "core/opt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const int html_cpu_fields[HTML_NCPU] = {
    MEAS_USER, MEAS_NICE, MEAS_SYSTEM, MEAS_IRQ, MEAS_SOFTIRQ, MEAS_STEAL, MEAS_GUEST,
};
const char *const html_cpu_colors[HTML_NCPU] = {
    "#0072B2", "#56B4E9", "#E69F00", "#D55E00", "#F0E442", "#CC79A7", "#009E73",
};
const char *const html_cpu_fill[HTML_NCPU] = {
    "#0072B2", "url(#hx-nice)", "#E69F00", "#D55E00", "#F0E442", "url(#hx-steal)", "#009E73",
};
const char *const html_series_colors[HTML_NSERIES] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9",
};
const char *const html_series_fill[HTML_NSERIES] = {
    "#0072B2", "#E69F00", "url(#hx-s2)", "#CC79A7", "url(#hx-s4)", "#56B4E9",
};

static const char html_css[] =
    "body{font:14px/1.45 system-ui,sans-serif;color:#111;background:#fff;margin:0 auto;"
    "max-width:1000px;padding:0 16px 40px}\n"
    "h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:28px 0 6px;"
    "border-bottom:1px solid #999}h3{font-size:15px;margin:16px 0 4px}\n"
    ".verdict{font-size:18px;font-weight:600;padding:6px 10px;border:2px solid #111;"
    "display:inline-block;margin:6px 0}.pass{background:#e8f3ec}.fail{background:#fbe9e2}\n"
    ".headline{font-size:16px;margin:6px 0}\n"
    "table{border-collapse:collapse;margin:4px 0 10px;font-variant-numeric:tabular-nums}\n"
    "th,td{border:1px solid #bbb;padding:2px 7px;text-align:right}"
    "th:first-child,td:first-child{text-align:left}th{background:#eee}\n"
    "details{margin:2px 0 12px}summary{cursor:pointer;color:#333}\n"
    "pre{background:#f4f4f4;border:1px solid #ccc;padding:8px;overflow-x:auto;font-size:12px}\n"
    "svg.chart{display:block;max-width:100%;height:auto;margin:6px 0}\n"
    "svg.chart text{font:12px system-ui,sans-serif;fill:#111}\n"
    "svg.chart .grid{stroke:#ddd;stroke-width:1}svg.chart .axis{stroke:#111;stroke-width:1}\n"
    "svg.chart .mark:hover{opacity:.75}\n"
    "@media print{details{display:block}svg.chart{break-inside:avoid}}\n";

/* The hatch patterns the palette names; referenced from every chart. */
static void html_defs(struct buf *b)
{
    static const struct { const char *id, *bg, *fg; int angle; } pat[] = {
        { "hx-nice", "#56B4E9", "#ffffff", 45 }, { "hx-steal", "#CC79A7", "#111111", 45 },
        { "hx-s2", "#009E73", "#ffffff", 45 }, { "hx-s4", "#D55E00", "#111111", -45 },
    };
    buf_puts(b, "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\">"
                "<defs>\n");
    for (size_t i = 0; i < sizeof pat / sizeof pat[0]; i++)
        buf_printf(b, "<pattern id=\"%s\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
                      "patternTransform=\"rotate(%d)\"><rect width=\"6\" height=\"6\" fill=\"%s\"/>"
                      "<rect width=\"2\" height=\"6\" fill=\"%s\"/></pattern>\n",
                   pat[i].id, pat[i].angle, pat[i].bg, pat[i].fg);
    buf_puts(b, "</defs></svg>\n");
}

void html_esc(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&#39;"); break;
        default: buf_append(b, s, 1);
        }
    }
}

void html_num(struct buf *b, const char *fmt, double v)
{
    if (isnan(v)) buf_puts(b, "\xe2\x80\x93");
    else buf_printf(b, fmt, v);
}

void html_td_num(struct buf *b, const char *fmt, double v)
{
    buf_puts(b, "<td>");
    html_num(b, fmt, v);
    buf_puts(b, "</td>");
}

void html_td_text(struct buf *b, const char *s)
{
    buf_puts(b, "<td style=\"text-align:left\">");
    html_esc(b, s);
    buf_puts(b, "</td>");
}

void html_ms(struct buf *b, int64_t ns)
{
    if (ns < 0) buf_puts(b, "\xe2\x80\x93");
    else buf_printf(b, "%.3f", (double)ns / 1e6);
}

/* html_table, its details open when shown. */
static void html_table_at(struct buf *b, const char *summary, const char *const *head, int n,
                          int shown)
{
    buf_puts(b, shown ? "<details open=\"open\"><summary>" : "<details><summary>");
    html_esc(b, summary ? summary : "numbers");
    buf_puts(b, "</summary>");
    buf_puts(b, "<table><thead><tr>");
    for (int i = 0; i < n; i++) {
        buf_puts(b, "<th>");
        html_esc(b, head[i]);
        buf_puts(b, "</th>");
    }
    buf_puts(b, "</tr></thead><tbody>\n");
}

void html_table(struct buf *b, const char *summary, const char *const *head, int n)
{
    html_table_at(b, summary, head, n, 0);
}

void html_table_shown(struct buf *b, const char *summary, const char *const *head, int n)
{
    html_table_at(b, summary, head, n, 1);
}

void html_table_end(struct buf *b)
{
    buf_puts(b, "</tbody></table>");
    buf_puts(b, "</details>\n");
}

void html_section(struct buf *b, const char *id, const char *heading)
{
    buf_printf(b, "<section id=\"%s\"><h2>", id);
    html_esc(b, heading);
    buf_puts(b, "</h2>\n");
}

double html_cpu_cores(const struct report_cpu *c, int k)
{
    int f = html_cpu_fields[k];
    return c->cores[f] + (f == MEAS_GUEST ? c->cores[MEAS_GUEST_NICE] : 0);
}

uint64_t html_role_hist(const struct report_model *m, int role, int uncorrected, struct hist *h)
{
    hist_init(h);
    for (int i = 0; i < m->drive.ntargets; i++) {
        const struct report_target *t = &m->drive.t[i];
        const struct report_lat *l = uncorrected ? &t->all.uncorrected : &t->all.corrected;
        if (!t->role || strcmp(t->role, role_names[role]) != 0) continue;
        for (int k = 0; k < l->nbuckets; k++) hist_record_n(h, l->b[k].lo, l->b[k].n);
    }
    return h->count;
}

void html_role_qos(const struct report_model *m, int role, struct qos *q)
{
    memset(q, 0, sizeof *q);
    for (int i = 0; i < m->drive.ntargets; i++) {
        const struct report_target *t = &m->drive.t[i];
        if (!t->role || strcmp(t->role, role_names[role]) != 0 || !t->qos) continue;
        /* a stored QoS that no longer parses draws no limits */
        if (opt_parse_qos(t->qos, q, NULL, 0)) memset(q, 0, sizeof *q);
        return;
    }
}

void html_page_begin(struct buf *out, const char *title)
{
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>\n"
                  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"/>\n"
                  "<meta name=\"generator\" content=\"hostmix " HOSTMIX_VERSION "\"/>\n<title>");
    html_esc(out, title);
    buf_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", html_css);
    html_defs(out);
    buf_puts(out, "<h1>");
    html_esc(out, title);
    buf_puts(out, "</h1>\n");
}

void html_page_end(struct buf *out, const char *from)
{
    buf_puts(out, "<footer><p>Written by hostmix " HOSTMIX_VERSION " from ");
    html_esc(out, from);
    buf_puts(out, "; every chart has its numbers in the table below it.</p></footer>\n"
                  "</body></html>\n");
}

