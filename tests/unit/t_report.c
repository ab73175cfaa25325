/* t_report.c — the report model: a run's model written as result.json and
 * read back renders the same text and the same JSON; the stored result of
 * a real quick run (tests/fixtures/results/full) reprints its report.txt
 * line for line; role latencies are rebuilt from the stored buckets;
 * schema 1 is read for compare only; bad documents give clear errors; the
 * drive section and the per-target tables match `hostmix drive`'s. */
#include "test.h"
#include "core/json.h"
#include "report/model.h"
#include "run/run.h"

#include <math.h>
#include <stdlib.h>

#define FX "tests/fixtures/results/"

/* The whole of a file or memory stream as a NUL-terminated malloc'ed string. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *s = malloc(1 << 20);
    *len = fread(s, 1, (1 << 20) - 1, f);
    s[*len] = '\0';
    fclose(f);
    return s;
}

static char *text_of(const struct report_model *m)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    report_render_text(m, f);
    fclose(f);
    return s;
}

/* Records n latencies from lo ns in steps of step ns into both histograms. */
static void fill_op(struct drive_op_result *o, const char *name, int n, int64_t lo, int64_t step)
{
    o->name = name;
    for (int i = 0; i < n; i++) {
        hist_record(&o->corrected, lo + i * step);
        hist_record(&o->uncorrected, (lo + i * step) / 2);
    }
    o->count = (uint64_t)n;
    o->bytes = (uint64_t)n * 100;
}

static void fill_target(struct drive_target_result *t, const char *name, int n, int64_t lo)
{
    t->cfg.role = ROLE_WEB;
    snprintf(t->cfg.name, sizeof t->cfg.name, "%s", name);
    snprintf(t->cfg.addr, sizeof t->cfg.addr, "127.1.1.1:8080");
    t->cfg.rate = 30;
    t->cfg.connections = 4;
    char err[128];
    opt_parse_qos("p99<=1ms,errors<=5%", &t->cfg.qos, err, sizeof err);
    fill_op(&t->op[0], "get", n, lo, 1000);
    fill_op(&t->op[1], "head", 0, 0, 0);
    t->op[1].timeouts = 2;
    t->nops = 2;
    t->all = t->op[0];
    t->all.name = "all";
    t->all.timeouts = 2;
    t->achieved_rate = n / 5.0;
    t->qos_pass = 1;
}

/* A run with everything a report shows: guest time, a busy baseline, a
 * kept working copy, cgroup accounting, an exited server, two web
 * targets (one failing QoS), an invalid verdict. */
static struct run *rich_run(void)
{
    struct run *r = calloc(1, sizeof *r);
    job_defaults(&r->job);
    snprintf(r->job.path, sizeof r->job.path, "jobs/rich.ini");
    snprintf(r->job_text, sizeof r->job_text, "[global]\nname = rich\n");
    snprintf(r->facts.kernel, sizeof r->facts.kernel, "Linux 6.1.0");
    snprintf(r->facts.cpu_model, sizeof r->facts.cpu_model, "Fixture \"CPU\"");
    r->facts.cores = 2;
    r->facts.mem_bytes = 3ULL << 30;
    char why[256];
    plat_open(&r->plat, &plat_native_ops, "tests/fixtures/measure/t1", NULL);
    r->plat.ops->probe(&r->plat, why, sizeof why);     /* cgroup v2 at .../unified */
    snprintf(r->work_dir, sizeof r->work_dir, "/data/.hostmix-work-1");
    r->work_kept = 1;
    r->work_ns = 1234567890;
    r->work_bytes = 5 << 20;
    r->work_files = 42;
    r->work_methods = 1u << RUN_COPY_REFLINK;
    r->nsrv = 2;
    static struct server_spec spec[2];
    static struct plat_server srv[2];
    r->srv = srv;
    for (int i = 0; i < 2; i++) {
        spec[i].role = i ? ROLE_IDLE : ROLE_WEB;
        spec[i].set = 1;
        snprintf(spec[i].name, sizeof spec[i].name, "set1-%s", role_names[spec[i].role]);
        snprintf(spec[i].ip, sizeof spec[i].ip, "127.1.%d.1", i + 1);
        spec[i].port = 8080;
        r->srv[i].spec = &spec[i];
        r->srv[i].pid = 100 + i;
    }
    r->srv[0].exited = 1;
    r->srv[0].status = 9;                   /* killed by SIGKILL */
    r->samples = calloc(2, sizeof *r->samples);
    r->nsamples = r->cap_samples = 2;
    static uint64_t srv0[2] = { 1000000000ULL, 100 }, srv1[2] = { 1785000000ULL, 5000100 };
    r->samples[0].srv_ns = srv0;
    r->samples[1].srv_ns = srv1;
    r->samples[0].t_ns = 10000000000LL;
    r->samples[1].t_ns = 15000000000LL;
    r->samples[0].wall_ns = 1700000000123456789LL;
    r->samples[1].wall_ns = 1700000005123456789LL;
    r->samples[1].self_ns = 500000000ULL;
    r->samples[1].ctl_ns = 50000000ULL;
    r->samples[1].phase = RUN_PH_MEASURE;
    r->samples[1].completed = 300;
    meas_host_read("tests/fixtures/measure/t0", &r->samples[0].host);
    meas_host_read("tests/fixtures/measure/t1", &r->samples[1].host);
    r->samples[0].host.t_ns = r->samples[0].t_ns;     /* as if read at the samples' times */
    r->samples[1].host.t_ns = r->samples[1].t_ns;
    r->s_measure_a = r->s_base_a = 0;
    r->s_measure_b = r->s_base_b = 1;
    struct drive_results *res = calloc(1, sizeof *res);
    res->ntargets = 2;
    res->t = calloc(2, sizeof *res->t);
    res->measure_ns = 5000000000LL;
    fill_target(&res->t[0], "set1.web", 100, 200000);
    fill_target(&res->t[1], "set2.web", 50, 3000000);
    res->t[1].qos_pass = 0;
    res->t[1].qos_failed = strfmt("p99<=1ms (p99 = 3.05ms)");
    r->res = res;
    r->valid = 0;
    r->complete = 1;
    snprintf(r->invalid, sizeof r->invalid, "server set1-web exited");
    return r;
}

static void rich_free(struct run *r)
{
    for (int i = 0; i < r->res->ntargets; i++) free(r->res->t[i].qos_failed);
    free(r->res->t);
    free((void *)r->res);
    free(r->samples);
    plat_close(&r->plat);
    free(r);
}

TEST(report_model_round_trip)
{
    struct run *r = rich_run();
    struct report_model *m1 = report_model_from_run(r);
    struct buf j1 = BUF_INIT, j2 = BUF_INIT;
    report_render_json(m1, &j1);
    char err[512];
    struct json_doc *d = json_parse(buf_head(&j1), buf_used(&j1), err, sizeof err);
    T_ASSERT(d);
    struct buf why = BUF_INIT;
    struct report_model *m2 = report_model_from_json(json_root(d), 1, &why);
    if (!m2) t_fail(__FILE__, __LINE__, "%s", buf_cstr(&why));
    buf_free(&why);
    char *t1 = text_of(m1), *t2 = m2 ? text_of(m2) : NULL;
    if (m2) report_render_json(m2, &j2);
    /* role latency rebuilt from the buckets equals the run's merged histogram */
    struct hist *h = calloc(1, sizeof *h);
    hist_merge(h, &r->res->t[0].all.corrected);
    hist_merge(h, &r->res->t[1].all.corrected);
    int ok = m2 && t2 && !strcmp(t1, t2) && !strcmp(buf_cstr(&j1), buf_cstr(&j2));
    if (getenv("T_REPORT_SHOW")) fputs(t1, stderr);
    if (m2 && !ok) t_fail(__FILE__, __LINE__, "differs:\n%s\n----\n%s", t1, t2);
    if (ok) {
        T_EQ_INT(m2->role[ROLE_WEB].lat.p[0], hist_percentile(h, 50));
        T_EQ_INT(m2->role[ROLE_WEB].lat.p[3], hist_percentile(h, 99));
        T_EQ_INT(m2->role[ROLE_WEB].lat.max, h->max);
        T_EQ_INT(m2->role[ROLE_WEB].requests, 150);
        T_EQ_INT(m2->role[ROLE_WEB].errors, 4);                  /* timeouts count */
        T_EQ_STR(m2->role[ROLE_WEB].qos_failed, "set2.web: p99<=1ms (p99 = 3.05ms)");
        T_NEAR(m2->series[0].unix_s, 1700000005.123456789, 1e-6);
        T_ASSERT(!isnan(m2->cpu.overhead));                      /* the fixture has guest time */
        T_EQ_STR(m2->server[0].exit, "killed by signal 9 (Killed)");
        T_ASSERT(strstr(t2, "server CPU: cgroup v2 cpu.stat, one group per server below "
                            "/sys/fs/cgroup/unified\n"));
        T_ASSERT(strstr(t2, "data: working copy of 42 files, 5.0 MiB made in 1.235 s (reflink)"));
        T_ASSERT(strstr(t2, "run: INVALID: server set1-web exited\n"));
        T_ASSERT(strstr(t2, "WARNING: the host was busy before the load began"));
        T_ASSERT(strstr(t2, "  QoS p99<=1ms,errors<=5%: FAIL, failed p99<=1ms (p99 = 3.05ms)\n"));
        T_ASSERT(strstr(t2, "  head                   0       0.00       0       2         -"));
    }
    /* the drive section is what `hostmix drive --json` writes (with buckets) */
    struct buf dj = BUF_INIT, mj = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &dj, 0);
    drive_results_json(r->res, &w, 1);
    json_w_init(&w, &mj, 0);
    json_w_value(&w, json_get(json_root(d), "drive"));
    if (strcmp(buf_cstr(&dj), buf_cstr(&mj)))
        t_fail(__FILE__, __LINE__, "drive section differs:\n%s\n%s", buf_cstr(&dj), buf_cstr(&mj));
    buf_free(&dj);
    buf_free(&mj);
    /* `hostmix drive` prints the same per-target tables from its results alone */
    char *dt = NULL;
    size_t dn = 0;
    FILE *f = open_memstream(&dt, &dn);
    struct report_model *md = report_model_from_drive(r->res);
    report_render_targets(md, f);
    fclose(f);
    report_model_free(md);
    if (!strstr(t1, dt)) t_fail(__FILE__, __LINE__, "per-target tables differ from drive's:\n%s", dt);
    T_ASSERT(strstr(dt, "set2.web ") && strstr(dt, "FAIL, failed p99<=1ms (p99 = 3.05ms)"));
    free(dt);
    free(h);
    free(t1);
    free(t2);
    buf_free(&j1);
    buf_free(&j2);
    json_doc_free(d);
    report_model_free(m1);
    report_model_free(m2);
    rich_free(r);
}

/* The consistency check: host busy below its exactly measured parts by
 * more than the resolution plus 2% is named; within it, nothing. */
TEST(report_consistency_check)
{
    struct report_model *m = report_model_new();
    struct report_cpu c;
    report_cpu_none(&c);
    c.servers_cores = 0.013;
    c.driver_cores = 0.011;
    c.ctl_cores = 0.0004;
    c.resolution_cores = 0.001;
    c.host_busy_cores = 0.004;                  /* the tick-sampled figure of old */
    const char *s = report_consistency(m, &c);
    T_ASSERT(s && strstr(s, "host busy 0.004 cores is below its exactly measured parts, 0.024"));
    T_ASSERT(strstr(s, "servers 0.013, load driver 0.011"));
    c.host_busy_cores = 0.0230;                 /* 0.0244 - 0.001 - 2% = 0.02291: just inside */
    T_ASSERT(report_consistency(m, &c) == NULL);
    c.host_busy_cores = 0.0228;
    T_ASSERT(report_consistency(m, &c) != NULL);
    report_model_free(m);
}

TEST(report_model_stored_run)
{
    size_t jl, tl;
    struct buf err = BUF_INIT;
    char *json = slurp(FX "full/quick.json", &jl), *want = slurp(FX "full/quick.txt", &tl);
    T_ASSERT(json && want);
    struct report_model *m = report_model_load(FX "full/quick.json", 1, &err);
    if (!m) t_fail(__FILE__, __LINE__, "%s", buf_cstr(&err));
    buf_free(&err);
    char *got = m ? text_of(m) : NULL;
    struct buf b = BUF_INIT;
    if (m) report_render_json(m, &b);
    if (got && strcmp(got, want)) t_fail(__FILE__, __LINE__, "text differs:\n%s", got);
    if (m) {
        /* a schema 1 result: its busy figures were sampled at the tick, and
         * rewritten it says so */
        T_EQ_INT(m->schema_version, 1);
        T_EQ_STR(m->acct.host_busy, "tick-sampled");
        T_NEAR(m->cpu.busy_measured, 0, 0);
        T_NEAR(m->cpu.tick_busy_cores, m->cpu.host_busy_cores, 0);
        T_ASSERT(strstr(got, "\n  busy tick-sampled: short bursts between ticks are missed\n"));
        T_ASSERT(strstr(buf_cstr(&b), "\"host_busy\": \"tick-sampled\""));
        T_ASSERT(strstr(buf_cstr(&b), "\"busy_measured\": false"));
        T_ASSERT(!strstr(buf_cstr(&b), "\"busy_measured\": true"));
        T_EQ_INT(m->npoints > 10, 1);
        T_ASSERT(m->series[0].unix_s > 1.7e9);
        T_ASSERT(m->role[ROLE_IDLE].driven && m->role[ROLE_IDLE].lat.count == 120);
    }
    buf_free(&b);
    free(got);
    free(json);
    free(want);
    report_model_free(m);
}

TEST(report_model_schema1)
{
    struct buf err = BUF_INIT;
    struct report_model *m = report_model_load(FX "native.json", 0, &err);
    T_ASSERT(m);
    T_NEAR(m->cpu.sut_cores, 0.5, 0);
    T_NEAR(m->role[ROLE_WEB].achieved_rate, 60, 0);
    T_ASSERT(m->role[ROLE_WEB].driven && !m->role[ROLE_DB].present);
    T_ASSERT(isnan(m->cpu.cores_total));                /* schema 1 fixture lacks it */
    T_ASSERT(!m->have_baseline && isnan(m->baseline.host_busy_cores));
    report_model_free(m);
    T_ASSERT(!report_model_load(FX "native.json", 1, &err));
    T_ASSERT(strstr(buf_cstr(&err), "native.json: no \"accounting.text\": written by an older hostmix"));
    buf_reset(&err);
    T_ASSERT(!report_model_load(FX "nonexistent.json", 0, &err));
    T_ASSERT(strstr(buf_cstr(&err), "nonexistent.json: No such file"));
    buf_free(&err);
}

/* from_json on text; returns the error ("" if it built a model). */
static const char *bad(const char *text, int need_full)
{
    static struct buf err;
    char perr[256];
    buf_reset(&err);
    struct json_doc *d = json_parse(text, strlen(text), perr, sizeof perr);
    if (!d) return "unparsable";
    struct report_model *m = report_model_from_json(json_root(d), need_full, &err);
    report_model_free(m);
    json_doc_free(d);
    return buf_cstr(&err);
}

TEST(report_model_errors)
{
    T_EQ_STR(bad("[]", 0), "not a hostmix result (no \"schema\": \"hostmix-result\")");
    T_EQ_STR(bad("{\"schema\":\"other\"}", 0), "not a hostmix result (no \"schema\": \"hostmix-result\")");
    T_EQ_STR(bad("{\"schema\":\"hostmix-result\"}", 0), "no valid \"schema_version\"");
    T_EQ_STR(bad("{\"schema\":\"hostmix-result\",\"schema_version\":3}", 0),
             "schema_version 3 is newer than this hostmix reads (2)");
    T_EQ_STR(bad("{\"schema\":\"hostmix-result\",\"schema_version\":1,\"name\":\"x\"}", 1),
             "no \"accounting.text\": written by an older hostmix, the result lacks what the "
             "text report shows (compare still reads it)");
    T_EQ_STR(bad("{\"schema\":\"hostmix-result\",\"schema_version\":1}", 0), "");
    /* a full document with one member of the wrong type */
    size_t n;
    char *json = slurp(FX "full/quick.json", &n);
    T_ASSERT(json);
    char *p = strstr(json, "\"valid\": true");
    T_ASSERT(p);
    memcpy(p, "\"valid\": 1   ", 13);
    T_EQ_STR(bad(json, 1), "member \"valid\" is missing or not true or false");
    memcpy(p, "\"valid\": true", 13);
    T_EQ_STR(bad(json, 1), "");
    free(json);
}

TEST(report_model_round_trip_stopped_early)
{
    /* stopped before the driver and the measurement interval: no drive
     * section, no CPU figures, every driven role failing "no load results" */
    struct run *r = rich_run();
    const struct drive_results *res = r->res;
    r->res = NULL;
    r->s_measure_a = r->s_measure_b = r->s_base_a = r->s_base_b = -1;
    r->complete = 0;
    r->work_dir[0] = '\0';
    struct report_model *m1 = report_model_from_run(r);
    struct buf j = BUF_INIT;
    report_render_json(m1, &j);
    char err[512];
    struct json_doc *d = json_parse(buf_head(&j), buf_used(&j), err, sizeof err);
    T_ASSERT(d);
    struct buf why = BUF_INIT;
    struct report_model *m2 = report_model_from_json(json_root(d), 1, &why);
    char *t1 = text_of(m1), *t2 = m2 ? text_of(m2) : NULL;
    if (!m2) t_fail(__FILE__, __LINE__, "%s", buf_cstr(&why));
    else if (strcmp(t1, t2)) t_fail(__FILE__, __LINE__, "differs:\n%s\n----\n%s", t1, t2);
    else {
        T_ASSERT(strstr(t2, "\nNo load results: the run stopped before the load driver started.\n"));
        T_ASSERT(strstr(t2, "\nNo CPU figures: the run stopped before the measurement interval"));
        T_ASSERT(strstr(t2, "run: INVALID and incomplete: server set1-web exited\n"));
        T_ASSERT(strstr(t2, "data: served from the cache in place"));
        T_EQ_STR(m2->role[ROLE_WEB].qos_failed, "no load results");
        T_ASSERT(json_type(json_path(json_root(d), "summary.cpu")) == JSON_NULL);
        T_ASSERT(json_type(json_get(json_root(d), "drive")) == JSON_NULL);
    }
    free(t1);
    free(t2);
    json_doc_free(d);
    buf_free(&j);
    report_model_free(m1);
    report_model_free(m2);
    buf_free(&why);
    r->res = res;
    rich_free(r);
}

/* report_tstr: a clean string is returned as it is; C0 (newline too),
 * DEL, C1 in UTF-8 and a byte of no UTF-8 sequence are escaped; other
 * UTF-8 stays; report_tstr_lines keeps newlines. */
TEST(report_tstr_escapes_controls)
{
    const char *clean = "set1.web caf\xc3\xa9 \xe2\x82\xac";
    T_ASSERT(report_tstr(clean, "-") == clean);
    T_EQ_STR(report_tstr(NULL, "-"), "-");
    T_EQ_STR(report_tstr("a\x1b[31mb\x07\x7f", ""), "a\\x1b[31mb\\x07\\x7f");
    T_EQ_STR(report_tstr("x\xc2\x9b" "2J\x9b\xff", ""), "x\\u009b2J\\x9b\\xff");
    T_EQ_STR(report_tstr("one\ntwo\t", ""), "one\\x0atwo\\x09");
    T_EQ_STR(report_tstr_lines("one\ntwo\r"), "one\ntwo\\x0d");
    const char *a = report_tstr("\x1b" "a", ""), *b = report_tstr("\x1b" "b", "");
    T_EQ_STR(a, "\\x1ba");                  /* still valid after a second copy */
    T_EQ_STR(b, "\\x1bb");
}
