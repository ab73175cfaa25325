/* compare.c — `hostmix compare A.json B.json [...] [--force]`.
 *
 * Puts runs side by side (load, host CPU breakdown, system-under-test
 * CPU) and states, for every run after the first, how much more (or less)
 * CPU it needed than the first for the same work:
 *
 *     B needs 26.6% more CPU than A for the same work
 *
 * from the system-under-test CPU (host busy minus hostmix's own process).
 * It is only the same work when both runs are valid, both passed QoS and
 * every role's achieved throughput is within COMPARE_MAX_RATE_DIFF of the
 * first run's; otherwise compare says why and refuses (exit 1) unless
 * --force.
 *
 * Runs are read into the report model (model_json.c), schema 1 and 2;
 * figures a run lacks show as "-".  A run made several times (repeat = N)
 * shows its last repeat's figures and, below them, the mean and 95%
 * interval of its CPU over the repeats, which the verdict then tests. */
#include "core/exitcode.h"
#include "report/model.h"
#include "report/repeats.h"
#include "report/explain.h"
#include "core/buf.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPARE_MAX_RUNS REPORT_MAX_LABELS
#define COMPARE_MAX_RATE_DIFF 2.0     /* percent */

struct compare_run {
    const char *file;
    const char *label;              /* A, B, ... (report_run_label) */
    struct report_model *m;
};

/* A figure of one run; k selects which (see the getters below). */
typedef double cmp_get(const struct report_model *m, int k);

/* Achieved rate of role k (NAN if it was not driven), or the total for
 * k == ROLE_COUNT. */
static double cmp_achieved(const struct report_model *m, int k)
{
    if (k == ROLE_COUNT) return m->achieved_total;
    return m->role[k].present && m->role[k].driven ? m->role[k].achieved_rate : NAN;
}

static double cmp_role_cores(const struct report_model *m, int k)
{
    return m->role[k].present ? m->role[k].cores : NAN;
}

/* Host share in percent of field k, or the busy total for k < 0. */
static double cmp_pct(const struct report_model *m, int k)
{
    return k < 0 ? m->cpu.pct_total : m->cpu.pct[k];
}

/* The double at byte offset k of the interval's (or baseline's) figures. */
static double cmp_cpu(const struct report_model *m, int k)
{
    return *(const double *)(const void *)((const char *)&m->cpu + k);
}

static double cmp_base(const struct report_model *m, int k)
{
    return *(const double *)(const void *)((const char *)&m->baseline + k);
}

#define CMP_CPU(field) cmp_cpu, (int)offsetof(struct report_cpu, field)

/* Over a repeated run's repeats (NAN without): k 0, 1 the mean and 95%
 * half-width of system-under-test CPU; 2, 3 those of the servers' own. */
static double cmp_rep(const struct report_model *m, int k)
{
    if (!m->repeats) return NAN;
    const struct stats_summary *s = k < 2 ? &m->repeats->sut : &m->repeats->servers;
    return s->n ? (k % 2 ? s->half : s->mean) : NAN;
}

/* A stored string of a run, escaped for the terminal (report_tstr). */
static const char *cmp_str(const char *s)
{
    return report_tstr(s, "-");
}

/* Reads one result file; returns -1 after saying why. */
static int cmp_load(struct compare_run *c)
{
    struct buf err = BUF_INIT;
    c->m = report_model_load(c->file, 0, &err);
    if (!c->m) fprintf(stderr, "hostmix compare: %s\n", buf_cstr(&err));
    buf_free(&err);
    return c->m ? 0 : -1;
}

/* v formatted by fmt, a one-number format of the table's ("%.2f"). */
static struct numstr cmp_cell(const char *fmt, double v)
{
    return numstr_fmt(fmt, v);
}

/* One table row: a label and one formatted number per run. */
static void cmp_row(struct compare_run *r, int n, const char *label, cmp_get *get, int k,
                    const char *fmt)
{
    int any = 0;
    for (int i = 0; i < n; i++) any |= !isnan(get(r[i].m, k));
    if (!any) return;
    printf("  %-26s", label);
    for (int i = 0; i < n; i++) {
        double v = get(r[i].m, k);
        if (isnan(v)) printf(" %14s", "-");
        else printf(" %14s", cmp_cell(fmt, v).s);
    }
    putchar('\n');
}

static void cmp_head(struct compare_run *r, int n)
{
    printf("  %-26s", "");
    for (int i = 0; i < n; i++) printf(" %14s", r[i].label);
    printf("\n  %-26s", "name");
    for (int i = 0; i < n; i++) printf(" %14.14s", cmp_str(r[i].m->name));
    printf("\n  %-26s", "valid / QoS");
    for (int i = 0; i < n; i++)
        printf(" %14s", numstr_fmt("%s / %s", r[i].m->valid ? "yes" : "NO",
                                   r[i].m->qos_pass ? "pass" : "FAIL").s);
    putchar('\n');
}

static void cmp_table(struct compare_run *r, int n)
{
    static const int cpu_cols[] = { MEAS_USER, MEAS_NICE, MEAS_SYSTEM, MEAS_IRQ, MEAS_SOFTIRQ,
                                    MEAS_STEAL, MEAS_GUEST };
    cmp_head(r, n);
    cmp_row(r, n, "achieved req/s", cmp_achieved, ROLE_COUNT, "%.2f");
    for (int role = 0; role < ROLE_COUNT; role++) {
        if (!role_is_driven(role)) continue;
        cmp_row(r, n, numstr_fmt("  %s req/s", role_names[role]).s, cmp_achieved, role, "%.2f");
    }
    cmp_row(r, n, "host busy %", cmp_pct, -1, "%.2f");
    for (size_t k = 0; k < sizeof cpu_cols / sizeof cpu_cols[0]; k++) {
        cmp_row(r, n, numstr_fmt("  %s %%", meas_field_names[cpu_cols[k]]).s, cmp_pct,
                cpu_cols[k], "%.2f");
    }
    cmp_row(r, n, "overhead (non-guest/guest)", CMP_CPU(overhead), "%.3f");
    cmp_row(r, n, "context switches/s", CMP_CPU(ctxt_s), "%.0f");
    cmp_row(r, n, "interrupts/s", CMP_CPU(intr_s), "%.0f");
    cmp_row(r, n, "host busy cores", CMP_CPU(host_busy_cores), "%.3f");
    cmp_row(r, n, "  before the load", cmp_base, (int)offsetof(struct report_cpu, host_busy_cores),
            "%.3f");
    cmp_row(r, n, "load driver cores", CMP_CPU(driver_cores), "%.3f");
    cmp_row(r, n, "system under test cores", CMP_CPU(sut_cores), "%.3f");
    cmp_row(r, n, "servers' own cores", CMP_CPU(servers_cores), "%.3f");
    for (int role = 0; role < ROLE_COUNT; role++) {
        cmp_row(r, n, numstr_fmt("  %s cores", role_names[role]).s, cmp_role_cores, role, "%.3f");
    }
    int rep = 0;
    for (int i = 0; i < n; i++) rep |= r[i].m->repeats != NULL;
    if (rep) printf("  (the rows above are each run's last repeat)\n");
    cmp_row(r, n, "repeats: SUT cores, mean", cmp_rep, 0, "%.3f");
    cmp_row(r, n, "  95% CI half-width", cmp_rep, 1, "%.3f");
    cmp_row(r, n, "  servers' own, mean", cmp_rep, 2, "%.3f");
    cmp_row(r, n, "  95% CI half-width", cmp_rep, 3, "%.3f");
}

void report_compare_why(const struct report_model *a, const char *la,
                        const struct report_model *b, const char *lb, struct buf *why)
{
    const struct report_model *runs[2] = { a, b };
    const char *label[2] = { la, lb };
    for (int i = 0; i < 2; i++) {
        if (!runs[i]->valid) {
            buf_printf(why, "%s is an invalid run (%s)", label[i], cmp_str(runs[i]->invalid_reason));
            return;
        }
        if (!runs[i]->qos_pass) {
            buf_printf(why, "%s failed QoS", label[i]);
            return;
        }
        if (runs[i]->overlapped) {
            buf_printf(why, "%s shared the host with another run (%s)", label[i],
                     runs[i]->overlapped);
            return;
        }
    }
    for (int role = 0; role <= ROLE_COUNT; role++) {
        const char *what = role < ROLE_COUNT ? role_names[role] : "total";
        double x = cmp_achieved(a, role), y = cmp_achieved(b, role);
        if (isnan(x) && isnan(y)) continue;
        if (isnan(x) || isnan(y)) {
            buf_printf(why, "role %s ran in only one of %s and %s", what, la, lb);
            return;
        }
        double diff = x > 0 ? 100.0 * fabs(y - x) / x : (y > 0 ? 100.0 : 0.0);
        if (diff > COMPARE_MAX_RATE_DIFF) {
            buf_printf(why, "%s throughput differs: %s achieved %.2f/s, %s %.2f/s (%.1f%% apart; "
                             "the limit is %.0f%%)", what, la, x, lb, y, diff,
                     COMPARE_MAX_RATE_DIFF);
            return;
        }
    }
}

/* The larger of two figures' resolutions (0 where a result states none). */
static double cmp_resolution(const struct report_cpu *a, const struct report_cpu *b)
{
    double x = isnan(a->resolution_cores) ? 0 : a->resolution_cores;
    double y = isnan(b->resolution_cores) ? 0 : b->resolution_cores;
    return x > y ? x : y;
}

/* "B needs X% more CPU than A ..." with the absolute difference beside
 * the percentage, or "the same CPU" when the difference is within the
 * figures' resolution; says when only one side's busy time was measured. */
static void cmp_sut_sentence(const struct report_model *a, const char *la,
                             const struct report_model *b, const char *lb, struct buf *out)
{
    double x = a->cpu.sut_cores, y = b->cpu.sut_cores, res = cmp_resolution(&a->cpu, &b->cpu);
    double pct = 100.0 * (y - x) / x;
    if (res > 0 && fabs(y - x) <= res)
        buf_printf(out, "%s needs the same CPU as %s for the same work, within the figures' "
                 "resolution (%.3f vs %.3f cores, +-%.3f)", lb, la, y, x, res);
    else
        buf_printf(out, "%s needs %.1f%% %s CPU than %s for the same work (%+.3f cores: %.3f vs "
                 "%.3f)", lb, fabs(pct), pct >= 0 ? "more" : "less", la, y - x, y, x);
    if (a->cpu.busy_measured != b->cpu.busy_measured)
        buf_printf(out, "; only %s's host busy time was measured, "
                 "the other's sampled at the tick (an older result)",
                 a->cpu.busy_measured == 1 ? la : lb);
}

static enum report_verdict cmp_verdict_why(const struct report_model *a, const char *la,
                                           const struct report_model *b, const char *lb,
                                           int force, const char *why, struct buf *out);

enum report_verdict report_compare_verdict(const struct report_model *a, const char *la,
                                           const struct report_model *b, const char *lb,
                                           int force, struct buf *out)
{
    struct buf whyb = BUF_INIT;
    report_compare_why(a, la, b, lb, &whyb);
    enum report_verdict v = cmp_verdict_why(a, la, b, lb, force, buf_cstr(&whyb), out);
    buf_free(&whyb);
    return v;
}

/* report_compare_verdict with why, the reason the work differs ("" if
 * it does not). */
static enum report_verdict cmp_verdict_why(const struct report_model *a, const char *la,
                                           const struct report_model *b, const char *lb,
                                           int force, const char *why, struct buf *out)
{
    if (why[0] && !force) {
        buf_printf(out, "%s vs %s: not the same work, no CPU comparison: %s", lb, la, why);
        return REPORT_VERDICT_REFUSED;
    }
    if (report_compare_repeats(a, b, la, lb, why, out)) return REPORT_VERDICT_REPEATS;
    double x = a->cpu.sut_cores, y = b->cpu.sut_cores;
    const char *forced = why[0] ? "; forced: " : "";
    if (!isnan(x) && !isnan(y) && x > 0) {
        cmp_sut_sentence(a, la, b, lb, out);
        buf_printf(out, "%s%s", forced, why);
        return REPORT_VERDICT_SUT;
    }
    /* without a system-under-test figure for a (its host busy time, counted
     * in 1/USER_HZ ticks, was all hostmix's own: a small load on a quiet
     * host), the servers' own CPU still compares */
    x = a->cpu.servers_cores;
    y = b->cpu.servers_cores;
    if (isnan(x) || isnan(y) || x <= 0) {
        buf_printf(out, "%s vs %s: no system-under-test CPU figure to compare", lb, la);
        return REPORT_VERDICT_NONE;
    }
    double pct = 100.0 * (y - x) / x;
    buf_printf(out, "%s's servers need %.1f%% %s CPU than %s's for the same work (%.3f vs %.3f "
             "cores of the servers' own; %s has no system-under-test figure: its host busy time "
             "was hostmix's own)%s%s", lb, fabs(pct), pct >= 0 ? "more" : "less", la, y, x, la,
             forced, why);
    return REPORT_VERDICT_SERVERS;
}

/* Prints the verdict of b against a; returns 1 if it was refused or had
 * no figure to compare. */
static int cmp_verdict(struct compare_run *a, struct compare_run *b, int force)
{
    struct buf line = BUF_INIT;
    enum report_verdict v = report_compare_verdict(a->m, a->label, b->m, b->label, force, &line);
    printf("%s%s\n", buf_cstr(&line), v == REPORT_VERDICT_REFUSED ? " (--force compares anyway)" : "");
    buf_free(&line);
    if (v == REPORT_VERDICT_SUT) {
        report_compare_runs_note(a->m, b->m, a->label, b->label);
        report_explain_compare(a->m, b->m, a->label, b->label, stdout);
    }
    return v == REPORT_VERDICT_REFUSED || v == REPORT_VERDICT_NONE;
}

int compare_cmd(int argc, char **argv)
{
    struct compare_run r[COMPARE_MAX_RUNS];
    int n = 0, force = 0;
    memset(r, 0, sizeof r);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: hostmix compare A.json B.json [...] [--force]\n"
                   "Compares runs with the first: side by side, and how much more CPU each\n"
                   "needed for the same work (system-under-test CPU).  Refuses when achieved\n"
                   "throughputs differ by more than 2%% or a run is invalid or failed QoS,\n"
                   "unless --force.  Exit: 0 compared, 1 refused, 2 usage or unreadable file.\n");
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--force")) { force = 1; continue; }
        if (argv[i][0] == '-' || n == COMPARE_MAX_RUNS) {
            fprintf(stderr, "hostmix compare: %s '%s'\n",
                    argv[i][0] == '-' ? "unknown option" : "too many runs at", argv[i]);
            return CLI_USAGE;
        }
        r[n].file = argv[i];
        r[n].label = report_run_label[n];
        n++;
    }
    if (n < 2) {
        fprintf(stderr, "usage: hostmix compare A.json B.json [...] [--force]\n");
        return CLI_USAGE;
    }
    int rc = CLI_OK;
    for (int i = 0; i < n && rc == CLI_OK; i++)
        if (cmp_load(&r[i])) rc = CLI_USAGE;
    if (rc == CLI_OK) {
        for (int i = 0; i < n; i++) printf("%s = %s\n", r[i].label, r[i].file);
        putchar('\n');
        cmp_table(r, n);
        putchar('\n');
        for (int i = 1; i < n; i++)
            if (cmp_verdict(&r[0], &r[i], force)) rc = CLI_FAILED;
    }
    for (int i = 0; i < n; i++) report_model_free(r[i].m);
    return rc;
}
