/* model.c — the report model's memory and lookups (model.h).
 *
 * A model owns every string and array it points to through one list of
 * allocations, so builders never track ownership and report_model_free
 * releases everything at once. */
#include "report/model.h"
#include "core/buf.h"
#include "core/hist.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const double report_pcts[REPORT_NPCT] = { 50, 90, 95, 99, 99.9 };

const char *const report_run_label[REPORT_MAX_LABELS] = {
    "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P",
};

struct report_model *report_model_new(void)
{
    struct report_model *m = calloc(1, sizeof *m);
    if (!m) abort();
    m->schema_version = REPORT_SCHEMA_VERSION;
    report_cpu_none(&m->cpu);
    report_cpu_none(&m->baseline);
    return m;
}

/* Hands p (malloc'ed) to m, which frees it with the model; returns p. */
static void *rm_own(struct report_model *m, void *p)
{
    if (m->nowned == m->capowned) {
        m->capowned = m->capowned ? m->capowned * 2 : 64;
        m->owned = realloc(m->owned, m->capowned * sizeof *m->owned);
        if (!m->owned) abort();
    }
    m->owned[m->nowned++] = p;
    return p;
}

/* Zeroed memory of n bytes that m owns (n may be 0). */
void *report_model_alloc(struct report_model *m, size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) abort();
    return rm_own(m, p);
}

char *report_model_strf(struct report_model *m, const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return rm_own(m, buf_detach(&b));
}

char *report_model_str(struct report_model *m, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s);
    char *d = report_model_alloc(m, n + 1);
    memcpy(d, s, n);
    return d;
}

void report_model_free(struct report_model *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nowned; i++) free(m->owned[i]);
    free(m->owned);
    free(m);
}

void report_cpu_none(struct report_cpu *c)
{
    memset(c, 0, sizeof *c);
    double *num[] = { &c->seconds, &c->pct_total, &c->cores_total, &c->overhead, &c->ctxt_s,
                      &c->intr_s, &c->procs_running, &c->host_busy_cores, &c->driver_cores,
                      &c->ctl_cores, &c->sut_cores, &c->servers_cores, &c->busy_measured,
                      &c->resolution_cores, &c->tick_busy_cores };
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++) *num[i] = NAN;
    for (int i = 0; i < MEAS_NFIELDS; i++) c->pct[i] = c->cores[i] = c->tick_cores[i] = NAN;
    for (int i = 0; i < ROLE_COUNT; i++) c->role_cores[i] = NAN;
}

char *report_consistency(struct report_model *m, const struct report_cpu *c)
{
    double parts = c->servers_cores + c->driver_cores + c->ctl_cores;
    double res = isnan(c->resolution_cores) ? 0 : c->resolution_cores;
    if (!(c->host_busy_cores < parts - res - 0.02 * parts)) return NULL;
    return report_model_strf(m, "host busy %.3f cores is below its exactly measured parts, %.3f cores "
             "(servers %.3f, load driver %.3f, controller %.4f), by more than its resolution "
             "%.3f cores plus 2%%", c->host_busy_cores, parts, c->servers_cores,
             c->driver_cores, c->ctl_cores, res);
}

const char *report_model_opt(const struct report_model *m, const char *sec, const char *key)
{
    for (int s = 0; s < m->job.nsections; s++) {
        const struct report_section *x = &m->job.sec[s];
        if (strcmp(x->name, sec) != 0) continue;
        for (int i = 0; i < x->n; i++)
            if (!strcmp(x->kv[i].key, key)) return x->kv[i].value;
    }
    return NULL;
}

void report_lat_from_hist(struct report_model *m, const struct hist *h, int with_buckets,
                          struct report_lat *o)
{
    memset(o, 0, sizeof *o);
    o->count = h->count;
    o->min = h->count ? h->min : 0;
    o->max = h->count ? h->max : 0;
    o->mean = hist_mean(h);
    for (int i = 0; i < REPORT_NPCT; i++) o->p[i] = hist_percentile(h, report_pcts[i]);
    if (!with_buckets) return;
    int i = -1, n = 0;
    int64_t lo, hi;
    uint64_t c;
    while (hist_next(h, &i, &lo, &hi, &c)) n++;
    o->b = report_model_alloc(m, (size_t)n * sizeof *o->b);
    for (i = -1, n = 0; hist_next(h, &i, &lo, &hi, &c); n++)
        o->b[n] = (struct report_bucket){ lo, hi, c };
    o->nbuckets = n;
}
