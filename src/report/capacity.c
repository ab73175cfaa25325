/* capacity.c — the result of `hostmix capacity` (capacity.h): steps from
 * their runs' report models, the capacity they show, capacity.json both
 * ways and the text table (the curve of CPU per set as the host fills). */
#include "report/capacity.h"
#include "report/model.h"
#include "core/buf.h"
#include "core/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *cap_strdup(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d) abort();
    return d;
}

struct report_capacity *report_capacity_new(void)
{
    struct report_capacity *c = calloc(1, sizeof *c);
    if (!c) abort();
    return c;
}

static void cap_step_free(struct report_cap_step *s)
{
    free(s->dir);
    free(s->failed_role);
    free(s->why);
}

void report_capacity_free(struct report_capacity *c)
{
    if (!c) return;
    for (int i = 0; i < c->nsteps; i++) cap_step_free(&c->steps[i]);
    free(c->steps);
    free(c->name);
    free(c->job_file);
    free(c->platform);
    free(c->hostmix_version);
    free(c);
}

void report_capacity_set_info(struct report_capacity *c, const char *name, const char *job_file,
                              const char *platform)
{
    free(c->name);
    free(c->job_file);
    free(c->platform);
    c->name = cap_strdup(name);
    c->job_file = cap_strdup(job_file);
    c->platform = cap_strdup(platform);
}

/* Whether every driven role of m achieved its target rate (within
 * CAPACITY_RATE_SHORT_PCT); else the first that fell short, in why. */
static int cap_rate_ok(const struct report_model *m, struct buf *why, int *role_out)
{
    for (int role = 0; role < ROLE_COUNT; role++) {
        const struct report_role *rr = &m->role[role];
        if (!rr->driven || !(rr->target_rate > 0)) continue;
        if (rr->achieved_rate >= rr->target_rate * (1 - CAPACITY_RATE_SHORT_PCT / 100)) continue;
        buf_printf(why, "%s achieved %.2f/s of %.2f/s", role_names[role], rr->achieved_rate,
                   rr->target_rate);
        *role_out = role;
        return 0;
    }
    return 1;
}

/* The step's verdict and the first thing that failed. */
static void cap_verdict(struct report_cap_step *s, const struct report_model *m)
{
    struct buf rate_why = BUF_INIT;
    int rate_role = -1, role = -1;
    s->rate_ok = cap_rate_ok(m, &rate_why, &rate_role);
    s->pass = s->valid && s->qos_pass && s->rate_ok;
    if (s->pass) {
        buf_free(&rate_why);
        return;
    }
    for (int r = 0; r < ROLE_COUNT && role < 0; r++)
        if (m->role[r].driven && !m->role[r].qos_pass) role = r;
    if (!s->valid)
        s->why = strfmt("invalid: %s", m->invalid_reason ? m->invalid_reason : "?");
    else if (role >= 0)
        s->why = strfmt("%s QoS: %s", role_names[role],
                        m->role[role].qos_failed ? m->role[role].qos_failed : "failed");
    else if (!s->rate_ok)
        s->why = buf_detach(&rate_why), role = rate_role;
    else
        s->why = strfmt("QoS failed");
    s->failed_role = role >= 0 ? cap_strdup(role_names[role]) : NULL;
    buf_free(&rate_why);
}

/* Capacity: the largest passing set count below the smallest failing one. */
static void cap_recount(struct report_capacity *c)
{
    const struct report_cap_step *f = report_capacity_first_failure(c);
    c->bounded = f != NULL;
    c->capacity = 0;
    for (int i = 0; i < c->nsteps; i++)
        if (c->steps[i].pass && (!f || c->steps[i].sets < f->sets)) c->capacity = c->steps[i].sets;
}

const struct report_cap_step *report_capacity_add(struct report_capacity *c, int sets,
                                                  int order, const char *dir, double seconds,
                                                  const struct report_model *m)
{
    c->steps = realloc(c->steps, (size_t)(c->nsteps + 1) * sizeof *c->steps);
    if (!c->steps) abort();
    int at = c->nsteps;
    while (at > 0 && c->steps[at - 1].sets > sets) at--;
    memmove(&c->steps[at + 1], &c->steps[at], (size_t)(c->nsteps - at) * sizeof *c->steps);
    c->nsteps++;
    struct report_cap_step *s = &c->steps[at];
    memset(s, 0, sizeof *s);
    s->sets = sets;
    s->order = order;
    s->dir = cap_strdup(dir);
    s->seconds = seconds;
    s->valid = m->valid;
    s->complete = m->complete;
    s->qos_pass = m->qos_pass;
    s->achieved_rate = m->achieved_total;
    s->target_rate = m->target_total;
    s->sut_cores = m->have_interval ? m->cpu.sut_cores : NAN;
    s->servers_cores = m->have_interval ? m->cpu.servers_cores : NAN;
    for (int role = 0; role < ROLE_COUNT; role++)
        s->role_cores[role] = m->role[role].present && m->have_interval
                              ? m->cpu.role_cores[role] : NAN;
    cap_verdict(s, m);
    cap_recount(c);
    return s;
}

const struct report_cap_step *report_capacity_step(const struct report_capacity *c, int sets)
{
    for (int i = 0; i < c->nsteps; i++)
        if (c->steps[i].sets == sets) return &c->steps[i];
    return NULL;
}

const struct report_cap_step *report_capacity_first_failure(const struct report_capacity *c)
{
    for (int i = 0; i < c->nsteps; i++)
        if (!c->steps[i].pass) return &c->steps[i];
    return NULL;
}

int report_capacity_next(const struct report_capacity *c, int max, int step)
{
    if (!c->nsteps) return 1;
    const struct report_cap_step *f = report_capacity_first_failure(c);
    if (f) return f->sets - c->capacity > 1 ? c->capacity + (f->sets - c->capacity) / 2 : 0;
    int top = c->steps[c->nsteps - 1].sets;
    if (top >= max) return 0;
    return top + step < max ? top + step : max;
}

/* ---- capacity.json ------------------------------------------------------- */

static void cj_step(struct json_w *w, const struct report_cap_step *s)
{
    json_w_obj(w);
    json_w_kint(w, "sets", s->sets);
    json_w_kint(w, "order", s->order);
    json_w_kstr(w, "dir", s->dir);
    json_w_kbool(w, "pass", s->pass);
    json_w_kbool(w, "valid", s->valid);
    json_w_kbool(w, "complete", s->complete);
    json_w_kbool(w, "qos_pass", s->qos_pass);
    json_w_kbool(w, "rate_ok", s->rate_ok);
    json_w_kstr(w, "failed_role", s->failed_role);
    json_w_kstr(w, "why", s->why);
    json_w_knum(w, "seconds", s->seconds);
    json_w_knum(w, "achieved_rate", s->achieved_rate);
    json_w_knum(w, "target_rate", s->target_rate);
    json_w_knum(w, "sut_cores", s->sut_cores);
    json_w_knum(w, "servers_cores", s->servers_cores);
    json_w_knum(w, "sut_cores_per_set", s->sut_cores / s->sets);
    json_w_knum(w, "cpu_ms_per_request", s->achieved_rate > 0 ? s->sut_cores * 1e3 / s->achieved_rate
                                                         : NAN);
    json_w_key(w, "role_cores");
    json_w_obj(w);
    for (int role = 0; role < ROLE_COUNT; role++)
        if (!isnan(s->role_cores[role])) json_w_knum(w, role_names[role], s->role_cores[role]);
    json_w_obj_end(w);
    json_w_obj_end(w);
}

static void cj_failure(struct json_w *w, const struct report_capacity *c)
{
    const struct report_cap_step *f = report_capacity_first_failure(c);
    json_w_key(w, "first_failure");
    if (!f) {
        json_w_null(w);
        return;
    }
    json_w_obj(w);
    json_w_kint(w, "sets", f->sets);
    json_w_kstr(w, "role", f->failed_role);
    json_w_kstr(w, "why", f->why);
    json_w_obj_end(w);
}

void report_capacity_json(const struct report_capacity *c, struct buf *out)
{
    struct json_w w;
    json_w_init(&w, out, 1);
    json_w_obj(&w);
    json_w_kstr(&w, "schema", "hostmix-capacity");
    json_w_kint(&w, "schema_version", CAPACITY_SCHEMA_VERSION);
    json_w_kstr(&w, "hostmix_version", c->hostmix_version ? c->hostmix_version : HOSTMIX_VERSION);
    json_w_kstr(&w, "name", c->name);
    json_w_kstr(&w, "job", c->job_file);
    json_w_kstr(&w, "platform", c->platform);
    json_w_knum(&w, "started_unix", c->started_unix);
    json_w_knum(&w, "ended_unix", c->ended_unix);
    json_w_kint(&w, "max_sets", c->max_sets);
    json_w_kint(&w, "step", c->step);
    json_w_kint(&w, "servers_per_set", c->servers_per_set);
    json_w_kint(&w, "capacity_sets", c->capacity);
    json_w_kint(&w, "capacity_servers", (int64_t)c->capacity * c->servers_per_set);
    json_w_kbool(&w, "bounded", c->bounded);
    json_w_kbool(&w, "interrupted", c->interrupted);
    cj_failure(&w, c);
    json_w_key(&w, "steps");
    json_w_arr(&w);
    for (int i = 0; i < c->nsteps; i++) cj_step(&w, &c->steps[i]);
    json_w_arr_end(&w);
    json_w_obj_end(&w);
    buf_puts(out, "\n");
}

/* An integer member within [lo, hi], else lo. */
static int cj_get_int(const struct json_val *o, const char *k, int lo, int hi)
{
    double d = json_num(json_get(o, k), lo);
    return d >= lo && d <= hi ? (int)d : lo;
}

static void cj_step_from(const struct json_val *o, struct report_cap_step *s)
{
    const struct json_val *roles = json_get(o, "role_cores");
    s->sets = cj_get_int(o, "sets", 0, 1 << 20);
    s->order = cj_get_int(o, "order", 0, 1 << 20);
    s->dir = cap_strdup(json_str(json_get(o, "dir"), NULL));
    s->pass = json_bool(json_get(o, "pass"), 0);
    s->valid = json_bool(json_get(o, "valid"), 0);
    s->complete = json_bool(json_get(o, "complete"), 0);
    s->qos_pass = json_bool(json_get(o, "qos_pass"), 0);
    s->rate_ok = json_bool(json_get(o, "rate_ok"), 0);
    s->failed_role = cap_strdup(json_str(json_get(o, "failed_role"), NULL));
    s->why = cap_strdup(json_str(json_get(o, "why"), NULL));
    s->seconds = json_num(json_get(o, "seconds"), NAN);
    s->achieved_rate = json_num(json_get(o, "achieved_rate"), NAN);
    s->target_rate = json_num(json_get(o, "target_rate"), NAN);
    s->sut_cores = json_num(json_get(o, "sut_cores"), NAN);
    s->servers_cores = json_num(json_get(o, "servers_cores"), NAN);
    for (int role = 0; role < ROLE_COUNT; role++)
        s->role_cores[role] = json_num(json_get(roles, role_names[role]), NAN);
}

struct report_capacity *report_capacity_from_json(const struct json_val *root, struct buf *err)
{
    if (json_type(root) != JSON_OBJECT ||
        strcmp(json_str(json_get(root, "schema"), ""), "hostmix-capacity") != 0) {
        buf_printf(err, "not a hostmix capacity result (no \"schema\": \"hostmix-capacity\")");
        return NULL;
    }
    double v = json_num(json_get(root, "schema_version"), NAN);
    if (!(v >= 1 && v <= CAPACITY_SCHEMA_VERSION)) {
        buf_printf(err, "capacity schema_version %g is not one this hostmix reads (%d)", v,
                 CAPACITY_SCHEMA_VERSION);
        return NULL;
    }
    const struct json_val *steps = json_get(root, "steps");
    struct report_capacity *c = report_capacity_new();
    c->hostmix_version = cap_strdup(json_str(json_get(root, "hostmix_version"), NULL));
    report_capacity_set_info(c, json_str(json_get(root, "name"), NULL),
                             json_str(json_get(root, "job"), NULL),
                             json_str(json_get(root, "platform"), NULL));
    c->started_unix = json_num(json_get(root, "started_unix"), NAN);
    c->ended_unix = json_num(json_get(root, "ended_unix"), NAN);
    c->max_sets = cj_get_int(root, "max_sets", 0, 1 << 20);
    c->step = cj_get_int(root, "step", 0, 1 << 20);
    c->servers_per_set = cj_get_int(root, "servers_per_set", 0, 64);
    c->interrupted = json_bool(json_get(root, "interrupted"), 0);
    c->nsteps = (int)json_len(steps);
    c->steps = calloc((size_t)c->nsteps + 1, sizeof *c->steps);
    if (!c->steps) abort();
    for (int i = 0; i < c->nsteps; i++) cj_step_from(json_at(steps, (size_t)i), &c->steps[i]);
    cap_recount(c);                 /* from the steps, as when written */
    return c;
}

/* ---- text ------------------------------------------------------------------ */

static void ct_headline(const struct report_capacity *c, FILE *f)
{
    const struct report_cap_step *fail = report_capacity_first_failure(c);
    int servers = c->capacity * c->servers_per_set;
    if (!c->nsteps) {
        fprintf(f, "capacity \"%s\" on %s: no step finished%s\n", report_tstr(c->name, ""),
                report_tstr(c->platform, "?"), c->interrupted ? " (interrupted)" : "");
        return;
    }
    fprintf(f, "capacity \"%s\" on %s: %s%d set%s = %d servers at QoS", report_tstr(c->name, ""),
            report_tstr(c->platform, "?"), c->bounded ? "" : "at least ", c->capacity,
            c->capacity == 1 ? "" : "s", servers);
    if (fail)
        fprintf(f, "; first failure at %d sets: %s\n", fail->sets, report_tstr(fail->why, "?"));
    else
        fprintf(f, "; no step failed up to %d sets%s\n", c->max_sets,
                c->interrupted ? " (interrupted)" : "");
    if (c->interrupted) fprintf(f, "the search was interrupted: steps after it were not made\n");
}

static void ct_step(const struct report_cap_step *s, FILE *f)
{
    struct numstr ms = numstr_fmt("-");
    if (s->achieved_rate > 0 && !isnan(s->sut_cores))
        ms = numstr_fmt("%.3f", s->sut_cores * 1e3 / s->achieved_rate);
    fprintf(f, "  %4d %5d  %-6s %10.2f %10.2f %9.3f %9.3f %10s %11.3f %8.1f  %s\n", s->sets,
            s->order, s->pass ? "pass" : "FAIL", s->target_rate, s->achieved_rate, s->sut_cores,
            s->sut_cores / s->sets, ms.s, s->servers_cores / s->sets, s->seconds,
            s->pass ? "" : report_tstr(s->why, ""));
}

void report_capacity_text(const struct report_capacity *c, FILE *f)
{
    ct_headline(c, f);
    fprintf(f, "\n  %4s %5s  %-6s %10s %10s %9s %9s %10s %11s %8s  %s\n", "sets", "order",
            "result", "target/s", "achieved/s", "SUT cores", "per set", "ms CPU/req", "servers/set",
            "seconds", "first failure");
    for (int i = 0; i < c->nsteps; i++) ct_step(&c->steps[i], f);
    double total = c->ended_unix - c->started_unix;
    if (total > 0) fprintf(f, "\n  the search took %.1f s (%d steps)\n", total, c->nsteps);
}
