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
 * --force. */
#include "cli/cli.h"
#include "core/json.h"
#include "job/job.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPARE_MAX_RUNS 16
#define COMPARE_MAX_RATE_DIFF 2.0     /* percent */

struct compare_run {
    const char *file;
    char label[4];                  /* A, B, ... */
    struct json_doc *doc;
    const struct json_val *root;
};

static double cmp_num(const struct compare_run *c, const char *path)
{
    return json_num(json_path(c->root, path), NAN);
}

static const char *cmp_str(const struct compare_run *c, const char *path)
{
    return json_str(json_path(c->root, path), "-");
}

static int cmp_bool(const struct compare_run *c, const char *path)
{
    return json_bool(json_path(c->root, path), 0);
}

/* Reads and parses one result file; returns -1 after saying why. */
static int cmp_load(struct compare_run *c)
{
    FILE *f = fopen(c->file, "rb");
    if (!f) {
        fprintf(stderr, "hostmix compare: %s: %s\n", c->file, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0, n;
    char *text = malloc(cap);
    if (!text) abort();
    while ((n = fread(text + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            if (cap >= JSON_MAX_SIZE) break;
            cap *= 2;
            text = realloc(text, cap);
            if (!text) abort();
        }
    }
    fclose(f);
    char err[256];
    c->doc = json_parse(text, len, err, sizeof err);
    free(text);
    if (!c->doc) {
        fprintf(stderr, "hostmix compare: %s: not JSON: %s\n", c->file, err);
        return -1;
    }
    c->root = json_root(c->doc);
    if (strcmp(json_str(json_path(c->root, "schema"), ""), "hostmix-result") != 0) {
        fprintf(stderr, "hostmix compare: %s: not a hostmix result (no \"schema\": "
                        "\"hostmix-result\")\n", c->file);
        return -1;
    }
    if (json_num(json_path(c->root, "schema_version"), 0) > 1) {
        fprintf(stderr, "hostmix compare: %s: schema_version %g is newer than this hostmix "
                        "reads (1)\n", c->file, json_num(json_path(c->root, "schema_version"), 0));
        return -1;
    }
    return 0;
}

/* One table row: a label and one formatted number per run. */
static void cmp_row(struct compare_run *r, int n, const char *label, const char *path,
                    const char *fmt)
{
    int any = 0;
    for (int i = 0; i < n; i++) any |= !isnan(cmp_num(&r[i], path));
    if (!any) return;
    printf("  %-26s", label);
    for (int i = 0; i < n; i++) {
        double v = cmp_num(&r[i], path);
        char cell[32];
        if (isnan(v)) snprintf(cell, sizeof cell, "-");
        else snprintf(cell, sizeof cell, fmt, v);
        printf(" %14s", cell);
    }
    putchar('\n');
}

static void cmp_table(struct compare_run *r, int n)
{
    static const char *const cpu_cols[] = { "user", "nice", "system", "irq", "softirq", "steal",
                                            "guest" };
    printf("  %-26s", "");
    for (int i = 0; i < n; i++) printf(" %14s", r[i].label);
    printf("\n  %-26s", "name");
    for (int i = 0; i < n; i++) printf(" %14.14s", cmp_str(&r[i], "name"));
    printf("\n  %-26s", "valid / QoS");
    for (int i = 0; i < n; i++) {
        char cell[32];
        snprintf(cell, sizeof cell, "%s / %s", cmp_bool(&r[i], "valid") ? "yes" : "NO",
                 cmp_bool(&r[i], "qos_pass") ? "pass" : "FAIL");
        printf(" %14s", cell);
    }
    putchar('\n');
    cmp_row(r, n, "achieved req/s", "summary.achieved_rate", "%.2f");
    for (int role = 0; role < ROLE_COUNT; role++) {
        char path[96], label[48];
        if (!role_is_driven(role)) continue;
        snprintf(path, sizeof path, "summary.roles.%s.achieved_rate", role_names[role]);
        snprintf(label, sizeof label, "  %s req/s", role_names[role]);
        cmp_row(r, n, label, path, "%.2f");
    }
    cmp_row(r, n, "host busy %", "summary.cpu.host_pct.total", "%.2f");
    for (size_t k = 0; k < sizeof cpu_cols / sizeof cpu_cols[0]; k++) {
        char path[96], label[48];
        snprintf(path, sizeof path, "summary.cpu.host_pct.%s", cpu_cols[k]);
        snprintf(label, sizeof label, "  %s %%", cpu_cols[k]);
        cmp_row(r, n, label, path, "%.2f");
    }
    cmp_row(r, n, "overhead (non-guest/guest)", "summary.cpu.overhead", "%.3f");
    cmp_row(r, n, "context switches/s", "summary.cpu.ctxt_per_s", "%.0f");
    cmp_row(r, n, "interrupts/s", "summary.cpu.intr_per_s", "%.0f");
    cmp_row(r, n, "host busy cores", "summary.cpu.host_busy_cores", "%.3f");
    cmp_row(r, n, "  before the load", "summary.baseline.host_busy_cores", "%.3f");
    cmp_row(r, n, "load driver cores", "summary.cpu.driver_cores", "%.3f");
    cmp_row(r, n, "system under test cores", "summary.cpu.sut_cores", "%.3f");
    cmp_row(r, n, "servers' own cores", "summary.cpu.servers_cores", "%.3f");
    for (int role = 0; role < ROLE_COUNT; role++) {
        char path[96], label[48];
        snprintf(path, sizeof path, "summary.roles.%s.cores", role_names[role]);
        snprintf(label, sizeof label, "  %s cores", role_names[role]);
        cmp_row(r, n, label, path, "%.3f");
    }
}

/* Why b is not the same work as a, or "" if it is. */
static void cmp_same_work(struct compare_run *a, struct compare_run *b, char *why, size_t n)
{
    why[0] = '\0';
    struct compare_run *runs[2] = { a, b };
    for (int i = 0; i < 2; i++) {
        if (!cmp_bool(runs[i], "valid")) {
            snprintf(why, n, "%s is an invalid run (%s)", runs[i]->label,
                     cmp_str(runs[i], "invalid_reason"));
            return;
        }
        if (!cmp_bool(runs[i], "qos_pass")) {
            snprintf(why, n, "%s failed QoS", runs[i]->label);
            return;
        }
    }
    for (int role = 0; role <= ROLE_COUNT; role++) {
        char path[96];
        const char *what = role < ROLE_COUNT ? role_names[role] : "total";
        if (role < ROLE_COUNT)
            snprintf(path, sizeof path, "summary.roles.%s.achieved_rate", role_names[role]);
        else
            snprintf(path, sizeof path, "summary.achieved_rate");
        double x = cmp_num(a, path), y = cmp_num(b, path);
        if (isnan(x) && isnan(y)) continue;
        if (isnan(x) || isnan(y)) {
            snprintf(why, n, "role %s ran in only one of %s and %s", what, a->label, b->label);
            return;
        }
        double diff = x > 0 ? 100.0 * fabs(y - x) / x : (y > 0 ? 100.0 : 0.0);
        if (diff > COMPARE_MAX_RATE_DIFF) {
            snprintf(why, n, "%s throughput differs: %s achieved %.2f/s, %s %.2f/s (%.1f%% apart; "
                             "the limit is %.0f%%)", what, a->label, x, b->label, y, diff,
                     COMPARE_MAX_RATE_DIFF);
            return;
        }
    }
}

/* Prints the verdict of b against a; returns 1 if it was refused. */
static int cmp_verdict(struct compare_run *a, struct compare_run *b, int force)
{
    char why[512];
    cmp_same_work(a, b, why, sizeof why);
    if (why[0] && !force) {
        printf("%s vs %s: not the same work, no CPU comparison: %s (--force compares anyway)\n",
               b->label, a->label, why);
        return 1;
    }
    double x = cmp_num(a, "summary.cpu.sut_cores"), y = cmp_num(b, "summary.cpu.sut_cores");
    if (isnan(x) || isnan(y) || x <= 0) {
        printf("%s vs %s: no system-under-test CPU figure to compare\n", b->label, a->label);
        return 1;
    }
    double pct = 100.0 * (y - x) / x;
    printf("%s needs %.1f%% %s CPU than %s for the same work (%.3f vs %.3f cores)%s%s\n",
           b->label, fabs(pct), pct >= 0 ? "more" : "less", a->label, y, x,
           why[0] ? "; forced: " : "", why);
    return 0;
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
        snprintf(r[n].label, sizeof r[n].label, "%c", 'A' + n);
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
    for (int i = 0; i < n; i++) json_doc_free(r[i].doc);
    return rc;
}
