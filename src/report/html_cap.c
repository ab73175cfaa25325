/* html_cap.c — the HTML page of a capacity search (`hostmix capacity`,
 * capacity.h): the verdict (how many sets and servers the host carries at
 * QoS, and the first failure), the curve of system-under-test and server
 * cores against sets with each step marked pass or fail, the cores per
 * set (does a set cost more as the host fills?), and the table of every
 * step.  Rendered only from struct report_capacity, so the page the
 * search wrote (capacity.html) and `hostmix report capacity.json
 * --format html` are the same page. */
#include "report/html.h"
#include "report/capacity.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/strvec.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const hcap_state[2] = { "fail", "pass" };

/* The verdict line and the first failure (the text report's headline). */
static void hcap_verdict(struct buf *b, const struct report_capacity *c)
{
    const struct report_cap_step *f = report_capacity_first_failure(c);
    if (!c->nsteps) {
        buf_printf(b, "<p class=\"verdict fail\">capacity: no step finished%s</p>\n",
                   c->interrupted ? " (interrupted)" : "");
        return;
    }
    buf_printf(b, "<p class=\"verdict %s\">capacity: %s%d set%s = %d servers at QoS</p>\n",
               c->capacity > 0 ? "pass" : "fail", c->bounded ? "" : "at least ", c->capacity,
               c->capacity == 1 ? "" : "s", c->capacity * c->servers_per_set);
    buf_puts(b, "<p class=\"headline\">");
    if (f) {
        buf_printf(b, "first failure at %d set%s: ", f->sets, f->sets == 1 ? "" : "s");
        html_esc(b, f->why ? f->why : "?");
    } else {
        buf_printf(b, "no step failed up to %d sets", c->max_sets);
    }
    buf_puts(b, "</p>\n");
    if (c->interrupted)
        buf_puts(b, "<p class=\"headline\">the search was interrupted: steps after it were not "
                    "made</p>\n");
}

/* Where the search ran and how it stepped. */
static void hcap_facts(struct buf *b, const struct report_capacity *c, const char *file)
{
    buf_puts(b, "<p>Platform ");
    html_esc(b, c->platform ? c->platform : "?");
    buf_puts(b, ", job ");
    html_esc(b, c->job_file ? c->job_file : "?");
    buf_printf(b, ", %d server%s per set. Sets tried from 1 up to %d, %d added per step, then "
                  "bisected between the last pass and the first failure; %d step%s",
               c->servers_per_set, c->servers_per_set == 1 ? "" : "s", c->max_sets, c->step,
               c->nsteps, c->nsteps == 1 ? "" : "s");
    double total = c->ended_unix - c->started_unix;
    if (total > 0) buf_printf(b, " in %.1f s", total);
    buf_puts(b, ".");
    if (file) {
        buf_puts(b, " Read from <code>");
        html_esc(b, file);
        buf_puts(b, "</code>.");
    }
    buf_puts(b, "</p>\n");
}

/* The steps' x (sets), pass marks and two series (per set when per_set). */
static void hcap_points(const struct report_capacity *c, int per_set, double *x, int *pass,
                        double *v)
{
    for (int i = 0; i < c->nsteps; i++) {
        const struct report_cap_step *s = &c->steps[i];
        double d = per_set && s->sets > 0 ? s->sets : 1;
        x[i] = s->sets;
        pass[i] = s->pass;
        v[i] = s->sut_cores / d;
        v[c->nsteps + i] = s->servers_cores / d;
    }
}

/* One of the two curves: cores (per_set 0) or cores per set against sets. */
static void hcap_chart(struct buf *b, const struct report_capacity *c, int per_set,
                       const char *cap_label)
{
    static const char *const names[2][2] = {
        { "system under test", "servers' own" },
        { "system under test per set", "servers' own per set" },
    };
    size_t n = (size_t)c->nsteps + 1;
    double *x = calloc(n, sizeof *x), *v = calloc(2 * n, sizeof *v);
    int *pass = calloc(n, sizeof *pass);
    if (!x || !v || !pass) abort();
    hcap_points(c, per_set, x, pass, v);
    struct html_xy xy = {
        .id = per_set ? "capacity-per-set" : "capacity-cores",
        .title = per_set ? "CPU per set against sets (does a set cost more as the host fills?)"
                         : "CPU against sets",
        .xlabel = "sets", .ylabel = per_set ? "cores per set" : "cores", .fmt = "%.3f",
        .nser = 2, .npt = c->nsteps, .names = names[per_set], .x = x, .v = v,
        .state = pass, .state_names = hcap_state,
        .xline = c->capacity, .xline_label = c->capacity > 0 ? cap_label : NULL,
    };
    html_chart_xy(b, &xy);
    free(x);
    free(v);
    free(pass);
}

/* The roles any step measured (a bit per role). */
static unsigned hcap_roles(const struct report_capacity *c)
{
    unsigned mask = 0;
    for (int i = 0; i < c->nsteps; i++)
        for (int r = 0; r < ROLE_COUNT; r++)
            if (!isnan(c->steps[i].role_cores[r])) mask |= 1u << r;
    return mask;
}

/* The step's result directory, linked to its report.html: a step's
 * directory is OUTPUT/NAME and capacity.html is in OUTPUT, so the link is
 * NAME/report.html, relative to the page. */
static void hcap_dir_cell(struct buf *b, const char *dir)
{
    const char *name = dir ? strrchr(dir, '/') : NULL;
    name = name ? name + 1 : dir;
    if (!name || !name[0]) {
        html_td_text(b, dir);
        return;
    }
    buf_puts(b, "<td style=\"text-align:left\"><a href=\"");
    html_esc(b, name);
    buf_puts(b, "/report.html\">");
    html_esc(b, dir);
    buf_puts(b, "</a></td>");
}

static void hcap_row(struct buf *b, const struct report_cap_step *s, unsigned roles)
{
    buf_printf(b, "<tr class=\"step\" data-sets=\"%d\"><td>%d</td><td>%d</td><td>%s</td>",
               s->sets, s->sets, s->order, s->pass ? "pass" : "FAIL");
    html_td_num(b, "%.2f", s->achieved_rate);
    html_td_num(b, "%.2f", s->target_rate);
    html_td_num(b, "%.3f", s->sut_cores);
    html_td_num(b, "%.3f", s->servers_cores);
    html_td_num(b, "%.3f", s->sets > 0 ? s->sut_cores / s->sets : NAN);
    for (int r = 0; r < ROLE_COUNT; r++)
        if (roles & 1u << r) html_td_num(b, "%.3f", s->role_cores[r]);
    html_td_num(b, "%.1f", s->seconds);
    html_td_text(b, s->pass ? "" : s->why);
    hcap_dir_cell(b, s->dir);
    buf_puts(b, "</tr>\n");
}

/* The table of every step, one column per measured role. */
static void hcap_table(struct buf *b, const struct report_capacity *c)
{
    static const char *const lead[] = { "sets", "order", "result", "achieved/s", "target/s",
                                        "SUT cores", "servers' cores", "SUT cores per set" };
    struct strvec role_head = STRVEC_INIT;      /* "web cores", ... */
    const char *head[8 + ROLE_COUNT + 3];
    int n = 0;
    unsigned roles = hcap_roles(c);
    for (; n < 8; n++) head[n] = lead[n];
    for (int r = 0; r < ROLE_COUNT; r++)
        if (roles & 1u << r) strvec_pushf(&role_head, "%s cores", role_names[r]);
    for (size_t r = 0; r < role_head.n; r++) head[n++] = role_head.v[r];
    head[n++] = "seconds";
    head[n++] = "why it failed";
    head[n++] = "result directory";
    html_table_shown(b, "every step, by sets (order: when it was made)", head, n);
    for (int i = 0; i < c->nsteps; i++) hcap_row(b, &c->steps[i], roles);
    html_table_end(b);
    strvec_clear(&role_head);
}

void report_render_capacity_html(const struct report_capacity *c, const char *file,
                                 struct buf *out)
{
    struct buf title = BUF_INIT, cap = BUF_INIT;
    buf_printf(&title, "hostmix capacity: %s", c->name ? c->name : "?");
    buf_printf(&cap, "capacity: %d set%s", c->capacity, c->capacity == 1 ? "" : "s");
    html_page_begin(out, buf_cstr(&title));
    hcap_verdict(out, c);
    hcap_facts(out, c, file);
    html_section(out, "curve", "CPU as the host fills");
    buf_puts(out, "<p>Each step is a whole run with that many sets; a filled circle marks a "
                  "step that held QoS and its target rate, a cross one that did not.</p>\n");
    hcap_chart(out, c, 0, buf_cstr(&cap));
    hcap_chart(out, c, 1, buf_cstr(&cap));
    buf_puts(out, "</section>\n");
    html_section(out, "steps", "Steps");
    hcap_table(out, c);
    buf_puts(out, "</section>\n");
    html_page_end(out, "the capacity result");
    buf_free(&title);
    buf_free(&cap);
}

int report_capacity_html_write(const struct report_capacity *c, const char *path,
                               struct buf *err)
{
    struct buf b = BUF_INIT, json = BUF_INIT;
    const char *slash = strrchr(path, '/');
    if (slash) buf_append(&json, path, (size_t)(slash - path + 1));
    buf_puts(&json, "capacity.json");           /* written beside this page */
    report_render_capacity_html(c, buf_cstr(&json), &b);
    int rc = fs_write_out(path, buf_head(&b), buf_used(&b));
    if (rc) buf_printf(err, "cannot write %s: %s", path, strerror(errno));
    buf_free(&b);
    buf_free(&json);
    return rc;
}
