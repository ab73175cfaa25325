/* model_json.c — the report model of a stored result.json.
 *
 * The inverse of json_out.c: every member it writes is read back into the
 * same model field, so the text report of a stored result is the one the
 * run printed.  Role latencies are not stored in nanoseconds: they are
 * rebuilt from the raw histogram buckets of the load driver's targets
 * (drive.targets[].all.corrected.buckets), merged per role as the run
 * merged them.
 *
 * `hostmix report` needs a complete document (checked member by member
 * before anything is read); compare also reads the results of older
 * hostmix versions, whose absent figures stay NAN. */
#include "report/model.h"
#include "report/repeats.h"
#include "report/explain.h"
#include "core/buf.h"
#include "core/hist.h"
#include "core/json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- scalars ------------------------------------------------------------ */

static double mj_num(const struct json_val *o, const char *k)
{
    return json_num(json_get(o, k), NAN);
}

/* A count: negative, NAN and absent read as 0, huge values saturate. */
static uint64_t mj_uint(const struct json_val *o, const char *k)
{
    double d = json_num(json_get(o, k), 0);
    if (!(d >= 0)) return 0;
    return d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
}

static int64_t mj_int(const struct json_val *o, const char *k)
{
    double d = json_num(json_get(o, k), 0);
    if (!(d > -9.2e18)) return d < 0 ? INT64_MIN : 0;
    return d >= 9.2e18 ? INT64_MAX : (int64_t)d;
}

static int mj_bool(const struct json_val *o, const char *k)
{
    return json_bool(json_get(o, k), 0);
}

/* A string member copied into m, NULL when absent or null. */
static char *mj_str(struct report_model *m, const struct json_val *o, const char *k)
{
    return report_model_str(m, json_str(json_get(o, k), NULL));
}

/* ---- the checks of `hostmix report` -------------------------------------- */

enum { T_OBJ = 1, T_ARR = 2, T_STR = 4, T_NUM = 8, T_BOOL = 16, T_NULL = 32,
       T_ABSENT_OK = 64 };      /* may be absent when its parent is null */
#define MJ_ADDED 3              /* mj_needs[0 .. MJ_ADDED) came with `hostmix report` */

/* The members `hostmix report` reads, with their types.  The first ones
 * were added for it: a result without them comes from an older hostmix. */
static const struct mj_need {
    const char *path;
    unsigned types;
} mj_needs[] = {
    { "accounting.text", T_STR }, { "summary.cpu.ncpu", T_NUM | T_ABSENT_OK },
    { "summary.baseline.ncpu", T_NUM | T_ABSENT_OK }, { "name", T_STR }, { "valid", T_BOOL }, { "complete", T_BOOL }, { "qos_pass", T_BOOL },
    { "host", T_OBJ }, { "host.kernel", T_STR }, { "host.cores", T_NUM },
    { "accounting", T_OBJ }, { "accounting.text", T_STR },
    { "working_copy", T_OBJ | T_NULL }, { "job", T_OBJ }, { "job.global", T_OBJ },
    { "job.roles", T_OBJ }, { "summary", T_OBJ }, { "summary.cpu", T_OBJ | T_NULL },
    { "summary.baseline", T_OBJ | T_NULL }, { "summary.roles", T_OBJ }, { "series", T_ARR },
    { "servers", T_ARR }, { "drive", T_OBJ | T_NULL }, { NULL, 0 },
};

static unsigned mj_type_bit(const struct json_val *v)
{
    static const unsigned bit[] = { [JSON_NULL] = T_NULL, [JSON_BOOL] = T_BOOL,
                                    [JSON_NUMBER] = T_NUM, [JSON_STRING] = T_STR,
                                    [JSON_ARRAY] = T_ARR, [JSON_OBJECT] = T_OBJ };
    return v ? bit[json_type(v)] : 0;
}

/* The parent of path ("a.b" of "a.b.c") is null. */
static int mj_parent_null(const struct json_val *root, const char *path)
{
    char *parent = strndup(path, (size_t)(strrchr(path, '.') - path));
    if (!parent) abort();
    const struct json_val *v = json_path(root, parent);
    free(parent);
    return v && json_type(v) == JSON_NULL;
}

/* Every member the text report needs is there with the right type. */
static int mj_check_full(const struct json_val *root, struct buf *err)
{
    for (const struct mj_need *x = mj_needs; x->path; x++) {
        if (mj_type_bit(json_path(root, x->path)) & x->types) continue;
        if ((x->types & T_ABSENT_OK) && mj_parent_null(root, x->path)) continue;
        if (x - mj_needs < MJ_ADDED) {
            buf_printf(err, "no \"%s\": written by an older hostmix, the result lacks what the "
                             "text report shows (compare still reads it)", x->path);
            return -1;
        }
        buf_printf(err, "member \"%s\" is missing or not %s", x->path,
                 x->types & T_OBJ ? (x->types & T_NULL ? "an object or null" : "an object")
                 : x->types & T_ARR ? "an array" : x->types & T_STR ? "a string"
                 : x->types & T_NUM ? "a number" : "true or false");
        return -1;
    }
    return 0;
}

/* The schema and its version; need_full asks for the current version. */
static int mj_check_version(const struct json_val *root, int need_full, struct buf *err)
{
    if (json_type(root) != JSON_OBJECT ||
        strcmp(json_str(json_get(root, "schema"), ""), "hostmix-result") != 0) {
        buf_printf(err, "not a hostmix result (no \"schema\": \"hostmix-result\")");
        return -1;
    }
    double v = mj_num(root, "schema_version");
    if (isnan(v) || v < 1) {
        buf_printf(err, "no valid \"schema_version\"");
        return -1;
    }
    if (v > REPORT_SCHEMA_VERSION) {
        buf_printf(err, "schema_version %g is newer than this hostmix reads (%d)", v,
                 REPORT_SCHEMA_VERSION);
        return -1;
    }
    return need_full ? mj_check_full(root, err) : 0;
}

/* ---- the parts ------------------------------------------------------------ */

/* How an interval's busy time was taken.  Schema 1 results sampled it
 * at the tick, and their busy fields are the tick figures. */
static void mj_cpu_busy(const struct json_val *o, struct report_cpu *c)
{
    const struct json_val *t = json_get(o, "host_ticks");
    c->busy_measured = json_bool(json_get(o, "busy_measured"), 0);
    c->resolution_cores = mj_num(o, "resolution_cores");
    if (json_type(t) != JSON_OBJECT) {
        c->tick_busy_cores = c->host_busy_cores;
        memcpy(c->tick_cores, c->cores, sizeof c->tick_cores);
        return;
    }
    c->tick_busy_cores = mj_num(t, "busy_cores");
    for (int i = 0; i < MEAS_NFIELDS; i++) c->tick_cores[i] = mj_num(t, meas_field_names[i]);
}

/* The members of an interval's CPU figures; o NULL leaves c all NAN. */
static void mj_cpu(const struct json_val *o, struct report_cpu *c)
{
    report_cpu_none(c);
    if (json_type(o) != JSON_OBJECT) return;
    const struct json_val *pct = json_get(o, "host_pct"), *cores = json_get(o, "host_cores"),
                          *roles = json_get(o, "role_cores");
    c->seconds = mj_num(o, "seconds");
    c->ncpu = (int)mj_int(o, "ncpu");
    c->pct_total = mj_num(pct, "total");
    c->cores_total = mj_num(cores, "total");
    for (int i = 0; i < MEAS_NFIELDS; i++) {
        c->pct[i] = mj_num(pct, meas_field_names[i]);
        c->cores[i] = mj_num(cores, meas_field_names[i]);
    }
    c->overhead = mj_num(o, "overhead");
    c->ctxt_s = mj_num(o, "ctxt_per_s");
    c->intr_s = mj_num(o, "intr_per_s");
    c->procs_running = mj_num(o, "procs_running");
    c->host_busy_cores = mj_num(o, "host_busy_cores");
    c->driver_cores = mj_num(o, "driver_cores");
    c->ctl_cores = mj_num(o, "controller_cores");
    c->sut_cores = mj_num(o, "sut_cores");
    c->servers_cores = mj_num(o, "servers_cores");
    for (int role = 0; role < ROLE_COUNT; role++) c->role_cores[role] = mj_num(roles, role_names[role]);
    mj_cpu_busy(o, c);
}

static void mj_top(struct report_model *m, const struct json_val *root)
{
    const struct json_val *h = json_get(root, "host"), *a = json_get(root, "accounting");
    m->schema_version = (int)mj_int(root, "schema_version");
    m->hostmix_version = mj_str(m, root, "hostmix_version");
    m->name = mj_str(m, root, "name");
    m->valid = mj_bool(root, "valid");
    m->complete = mj_bool(root, "complete");
    m->qos_pass = mj_bool(root, "qos_pass");
    m->invalid_reason = mj_str(m, root, "invalid_reason");
    m->started_unix = mj_num(root, "started_unix");
    m->ended_unix = mj_num(root, "ended_unix");
    m->host.hostname = mj_str(m, h, "hostname");
    m->host.kernel = mj_str(m, h, "kernel");
    m->host.cpu_model = mj_str(m, h, "cpu_model");
    m->host.cores = (int)mj_int(h, "cores");
    m->host.memory_bytes = mj_uint(h, "memory_bytes");
    m->acct.platform = mj_str(m, a, "platform");
    m->acct.servers = mj_str(m, a, "servers");
    m->acct.cgroup_base = mj_str(m, a, "cgroup_base");
    m->acct.why_proc = mj_str(m, a, "why_proc");
    m->acct.text = mj_str(m, a, "text");
    m->acct.facts = mj_str(m, a, "facts");
    m->acct.accel = mj_str(m, a, "accelerator");
    m->acct.user_hz = mj_num(a, "user_hz");
    m->acct.host_busy = mj_str(m, a, "host_busy");
    if (!m->acct.host_busy) m->acct.host_busy = report_model_str(m, "tick-sampled");
    m->acct.host_busy_note = mj_str(m, a, "host_busy_note");
    m->consistency = mj_str(m, root, "consistency");
    m->overlapped = mj_str(m, root, "overlapped");
}

static void mj_work(struct report_model *m, const struct json_val *w)
{
    m->work.present = json_type(w) == JSON_OBJECT;
    if (!m->work.present) return;
    m->work.dir = mj_str(m, w, "dir");
    m->work.seconds = mj_num(w, "seconds");
    m->work.files = mj_uint(w, "files");
    m->work.bytes = mj_uint(w, "bytes");
    m->work.method = mj_str(m, w, "method");
    m->work.kept = mj_bool(w, "kept");
}

static void mj_section(struct report_model *m, struct report_section *s, const char *name,
                       const struct json_val *o)
{
    s->name = report_model_str(m, name);
    s->kv = report_model_alloc(m, json_len(o) * sizeof *s->kv);
    for (size_t i = 0; i < json_len(o); i++) {
        s->kv[s->n].key = report_model_str(m, json_key_at(o, i));
        s->kv[s->n++].value = report_model_str(m, json_str(json_at(o, i), ""));
    }
}

static void mj_job(struct report_model *m, const struct json_val *j)
{
    const struct json_val *roles = json_get(j, "roles");
    m->job.file = mj_str(m, j, "file");
    m->job.text = mj_str(m, j, "text");
    m->job.nsections = 1 + (int)json_len(roles);
    m->job.sec = report_model_alloc(m, (size_t)m->job.nsections * sizeof *m->job.sec);
    mj_section(m, &m->job.sec[0], "global", json_get(j, "global"));
    for (size_t i = 0; i < json_len(roles); i++)
        mj_section(m, &m->job.sec[1 + i], json_key_at(roles, i), json_at(roles, i));
}

/* A histogram of the drive section: the stored figures and buckets. */
static void mj_lat(struct report_model *m, const struct json_val *o, struct report_lat *l)
{
    const struct json_val *b = json_get(o, "buckets");
    memset(l, 0, sizeof *l);
    l->count = mj_uint(o, "count");
    l->min = mj_int(o, "min_ns");
    l->max = mj_int(o, "max_ns");
    l->mean = json_num(json_get(o, "mean_ns"), 0);
    for (int i = 0; i < REPORT_NPCT; i++) {
        l->p[i] = mj_int(o, numstr_fmt("p%g_ns", report_pcts[i]).s);
    }
    l->b = report_model_alloc(m, json_len(b) * sizeof *l->b);
    for (size_t i = 0; i < json_len(b); i++) {
        const struct json_val *x = json_at(b, i);
        double lo = json_num(json_at(x, 0), 0), hi = json_num(json_at(x, 1), 0);
        double n = json_num(json_at(x, 2), 0);
        l->b[i].lo = lo > 0 && lo < 9.2e18 ? (int64_t)lo : 0;
        l->b[i].hi = hi > 0 && hi < 9.2e18 ? (int64_t)hi : 0;
        l->b[i].n = n > 0 && n < 1.8e19 ? (uint64_t)n : 0;
    }
    l->nbuckets = (int)json_len(b);
}

static void mj_op(struct report_model *m, const struct json_val *o, struct report_op *d)
{
    d->name = mj_str(m, o, "name");
    d->count = mj_uint(o, "count");
    d->rate = mj_num(o, "rate");
    d->errors = mj_uint(o, "errors");
    d->timeouts = mj_uint(o, "timeouts");
    d->bytes = mj_uint(o, "bytes");
    mj_lat(m, json_get(o, "corrected"), &d->corrected);
    mj_lat(m, json_get(o, "uncorrected"), &d->uncorrected);
}

static void mj_target(struct report_model *m, const struct json_val *o, struct report_target *t)
{
    const struct json_val *ops = json_get(o, "ops");
    t->name = mj_str(m, o, "name");
    t->role = mj_str(m, o, "role");
    t->address = mj_str(m, o, "address");
    t->arrival = mj_str(m, o, "arrival");
    t->connections = mj_int(o, "connections");
    t->target_rate = mj_num(o, "target_rate");
    t->achieved_rate = mj_num(o, "achieved_rate");
    t->count = mj_uint(o, "count");
    t->errors = mj_uint(o, "errors");
    t->timeouts = mj_uint(o, "timeouts");
    t->conn_errors = mj_uint(o, "conn_errors");
    t->connects = mj_uint(o, "connects");
    t->late = mj_uint(o, "late");
    t->qos = mj_str(m, o, "qos");
    t->qos_pass = mj_bool(o, "qos_pass");
    t->qos_failed = mj_str(m, o, "qos_failed");
    mj_op(m, json_get(o, "all"), &t->all);
    t->nops = (int)json_len(ops);
    t->op = report_model_alloc(m, (size_t)t->nops * sizeof *t->op);
    for (int i = 0; i < t->nops; i++) mj_op(m, json_at(ops, (size_t)i), &t->op[i]);
}

static void mj_drive(struct report_model *m, const struct json_val *d)
{
    const struct json_val *ts = json_get(d, "targets");
    m->have_drive = json_type(d) == JSON_OBJECT;
    if (!m->have_drive) return;
    m->drive.measure_s = mj_num(d, "measure_s");
    m->drive.qos_pass = mj_bool(d, "qos_pass");
    m->drive.ntargets = (int)json_len(ts);
    m->drive.t = report_model_alloc(m, (size_t)m->drive.ntargets * sizeof *m->drive.t);
    for (int i = 0; i < m->drive.ntargets; i++) mj_target(m, json_at(ts, (size_t)i), &m->drive.t[i]);
}

/* The corrected latency of a role: its targets' buckets merged, with the
 * exact min and max the run kept. */
static void mj_role_lat(struct report_model *m, int role, struct hist *h, struct report_lat *l)
{
    int64_t min = 0, max = 0;
    hist_init(h);
    for (int i = 0; i < m->drive.ntargets; i++) {
        const struct report_target *t = &m->drive.t[i];
        const struct report_lat *c = &t->all.corrected;
        if (!t->role || strcmp(t->role, role_names[role]) != 0 || !c->count) continue;
        if (!h->count || c->min < min) min = c->min;
        if (!h->count || c->max > max) max = c->max;
        for (int k = 0; k < c->nbuckets; k++) hist_record_n(h, c->b[k].lo, c->b[k].n);
    }
    if (h->count) {
        h->min = min;
        h->max = max;
    }
    report_lat_from_hist(m, h, 0, l);
}

static void mj_roles(struct report_model *m, const struct json_val *s, struct hist *h)
{
    const struct json_val *roles = json_get(s, "roles");
    for (int role = 0; role < ROLE_COUNT; role++) {
        const struct json_val *o = json_get(roles, role_names[role]);
        struct report_role *rr = &m->role[role];
        rr->present = json_type(o) == JSON_OBJECT;
        rr->driven = json_get(o, "target_rate") != NULL;
        rr->cores = mj_num(o, "cores");
        rr->target_rate = mj_num(o, "target_rate");
        rr->achieved_rate = mj_num(o, "achieved_rate");
        rr->requests = mj_uint(o, "requests");
        rr->errors = mj_uint(o, "errors");
        rr->cpu_ms_per_op = mj_num(o, "cpu_ms_per_op");
        rr->lat_mean_ms = json_num(json_path(o, "latency_ms.mean"), NAN);
        rr->qos_pass = mj_bool(o, "qos_pass");
        rr->qos_failed = mj_str(m, o, "qos_failed");
        mj_role_lat(m, role, h, &rr->lat);
    }
}

static void mj_summary(struct report_model *m, const struct json_val *s, struct hist *h)
{
    m->achieved_total = mj_num(s, "achieved_rate");
    m->target_total = mj_num(s, "target_rate");
    m->have_interval = json_type(json_get(s, "cpu")) == JSON_OBJECT;
    m->have_baseline = json_type(json_get(s, "baseline")) == JSON_OBJECT;
    mj_cpu(json_get(s, "cpu"), &m->cpu);
    mj_cpu(json_get(s, "baseline"), &m->baseline);
    mj_roles(m, s, h);
}

static void mj_series(struct report_model *m, const struct json_val *a)
{
    m->npoints = (int)json_len(a);
    m->series = report_model_alloc(m, (size_t)m->npoints * sizeof *m->series);
    for (int i = 0; i < m->npoints; i++) {
        const struct json_val *o = json_at(a, (size_t)i);
        struct report_point *p = &m->series[i];
        p->t = mj_num(o, "t");
        p->unix_s = mj_num(o, "unix");
        p->phase = mj_str(m, o, "phase");
        p->completed_per_s = mj_num(o, "completed_per_s");
        p->errors = mj_uint(o, "errors");
        mj_cpu(o, &p->cpu);
    }
}

static void mj_servers(struct report_model *m, const struct json_val *a)
{
    m->nservers = (int)json_len(a);
    m->server = report_model_alloc(m, (size_t)m->nservers * sizeof *m->server);
    for (int i = 0; i < m->nservers; i++) {
        const struct json_val *o = json_at(a, (size_t)i);
        struct report_server *s = &m->server[i];
        s->name = mj_str(m, o, "name");
        s->role = mj_str(m, o, "role");
        s->set = (int)mj_int(o, "set");
        s->address = mj_str(m, o, "address");
        s->pid = mj_int(o, "pid");
        s->cgroup = mj_str(m, o, "cgroup");
        s->cpu_s = mj_num(o, "cpu_s");
        s->measure_cores = mj_num(o, "measure_cores");
        s->exit = mj_str(m, o, "exit");
        s->log = mj_str(m, o, "log");
        s->note = mj_str(m, o, "note");
        report_guest_from_json(o, s);
    }
}

struct report_model *report_model_from_json(const struct json_val *root, int need_full,
                                            struct buf *err)
{
    if (mj_check_version(root, need_full, err)) return NULL;
    struct report_model *m = report_model_new();
    struct hist *h = malloc(sizeof *h);
    if (!h) abort();
    mj_top(m, root);
    mj_work(m, json_get(root, "working_copy"));
    mj_job(m, json_get(root, "job"));
    mj_drive(m, json_get(root, "drive"));      /* before the roles: their latency */
    mj_summary(m, json_get(root, "summary"), h);
    mj_series(m, json_get(root, "series"));
    mj_servers(m, json_get(root, "servers"));
    report_guests_from_json(json_get(root, "guests"), m);
    report_repeats_from_json(json_get(root, "repeats"), m);
    report_explain_from_json(json_get(root, "profile"), m);
    free(h);
    return m;
}

/* The whole file at path in a malloc'ed buffer (*len bytes); NULL with
 * the reason in err. */
static char *mj_read_file(const char *path, size_t *len, struct buf *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        buf_puts(err, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, got;
    char *text = malloc(cap);
    if (!text) abort();
    *len = 0;
    while ((got = fread(text + *len, 1, cap - *len, f)) > 0) {
        *len += got;
        if (*len < cap) continue;
        if (cap > JSON_MAX_SIZE) break;
        cap *= 2;
        if (!(text = realloc(text, cap))) abort();
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        buf_puts(err, "read error");
        free(text);
        return NULL;
    }
    return text;
}

struct json_doc *report_json_read(const char *path, struct buf *err)
{
    size_t len, at = buf_used(err);     /* the caller's part; restored on success */
    buf_printf(err, "%s: ", path);
    char *text = mj_read_file(path, &len, err);
    if (!text) return NULL;
    buf_puts(err, "not JSON: ");
    struct json_doc *d = json_parse_buf(text, len, err);
    free(text);
    if (d) err->len = err->off + at;    /* no error: take the path back off */
    return d;
}

struct report_model *report_model_load(const char *path, int need_full, struct buf *err)
{
    struct json_doc *d = report_json_read(path, err);
    if (!d) return NULL;
    size_t at = buf_used(err);
    buf_printf(err, "%s: ", path);
    struct report_model *m = report_model_from_json(json_root(d), need_full, err);
    json_doc_free(d);
    if (m) err->len = err->off + at;
    return m;
}
