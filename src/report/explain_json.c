/* explain_json.c — the profile in result.json, written and read back
 * (explain.h).  Every member written is read into the same field, so a
 * report printed from a stored result shows the profile the run printed;
 * docs/results.md lists the members. */
#include "report/explain.h"
#include "core/json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void xj_sym(struct json_w *w, const struct prof_sym *y)
{
    json_w_obj(w);
    json_w_kuint(w, "samples", y->samples);
    json_w_kstr(w, "symbol", y->sym);
    json_w_kstr(w, "module", y->dso);
    json_w_kstr(w, "cause", prof_cause_key(y->cause));
    json_w_obj_end(w);
}

static void xj_causes(struct json_w *w, const struct prof_summary *s)
{
    json_w_key(w, "causes");
    json_w_obj(w);
    for (int c = 0; c < PC_N; c++) {
        const struct prof_cause_fig *f = &s->cause[c];
        if (!f->samples && !f->cores && c != PC_OTHER) continue;   /* guest: cores, no samples */
        json_w_key(w, prof_cause_key(c));
        json_w_obj(w);
        json_w_kuint(w, "samples", f->samples);
        json_w_knum(w, "ns", f->ns);
        json_w_knum(w, "cores", f->cores);
        json_w_knum(w, "pct_busy", f->pct_busy);
        json_w_key(w, "top");
        json_w_arr(w);
        for (int i = 0; i < f->ntop; i++) xj_sym(w, &f->top[i]);
        json_w_arr_end(w);
        json_w_obj_end(w);
    }
    json_w_obj_end(w);
}

static void xj_counts(struct json_w *w, const char *k, const uint64_t *v, int n,
                      const char *const *keys)
{
    json_w_key(w, k);
    json_w_obj(w);
    for (int i = 0; i < n; i++) json_w_kuint(w, keys[i], v[i]);
    json_w_obj_end(w);
}

static void xj_switches(struct json_w *w, const char *k, const struct prof_switches *x)
{
    json_w_key(w, k);
    json_w_obj(w);
    json_w_kuint(w, "total", x->total);
    json_w_kuint(w, "implied", x->implied);
    xj_counts(w, "wait", x->wait, PW_N, prof_wait_keys);
    json_w_kuint(w, "woken", x->woken);
    xj_counts(w, "waker", x->waker, PK_N, prof_waker_keys);
    json_w_kbool(w, "status", x->have_status);
    json_w_kuint(w, "voluntary", x->vol);
    json_w_kuint(w, "involuntary", x->invol);
    json_w_obj_end(w);
}

static void xj_server(struct json_w *w, const struct prof_server *v)
{
    json_w_obj(w);
    json_w_kstr(w, "name", v->name);
    json_w_kstr(w, "role", v->role >= 0 && v->role < ROLE_COUNT ? role_names[v->role] : "?");
    json_w_kbool(w, "guest", v->guest);
    json_w_kuint(w, "samples", v->samples);
    json_w_knum(w, "ns", v->ns);
    json_w_knum(w, "guest_thread_ns", v->guest_thread_ns);
    json_w_key(w, "causes_ns");
    json_w_obj(w);
    for (int c = 0; c < PC_N; c++)
        if (v->cause_ns[c] > 0) json_w_knum(w, prof_cause_key(c), v->cause_ns[c]);
    json_w_obj_end(w);
    xj_switches(w, "switches", &v->sw);
    json_w_key(w, "top");
    json_w_arr(w);
    for (int i = 0; i < v->ntop; i++) xj_sym(w, &v->top[i]);
    json_w_arr_end(w);
    json_w_kuint(w, "vm_exits", v->exits);
    json_w_knum(w, "vm_exit_ns", v->exit_ns);
    json_w_obj_end(w);
}

static void xj_threads(struct json_w *w, const struct prof_summary *s)
{
    json_w_key(w, "threads");
    json_w_arr(w);
    for (int i = 0; i < s->nthreads; i++) {
        const struct prof_thread *t = &s->thread[i];
        json_w_obj(w);
        int ok = t->server >= 0 && t->server < s->nservers;
        json_w_kstr(w, "server", ok ? s->srv[t->server].name : "?");
        json_w_kuint(w, "tid", (uint64_t)t->tid);
        json_w_kstr(w, "comm", t->comm);
        json_w_kuint(w, "total", t->total);
        json_w_kuint(w, "preempted", t->preempt);
        json_w_kuint(w, "woken", t->woken);
        json_w_kbool(w, "status", t->have_status);
        json_w_kuint(w, "voluntary", t->vol);
        json_w_kuint(w, "involuntary", t->invol);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
}

static void xj_exits(struct json_w *w, const struct prof_summary *s)
{
    json_w_key(w, "vm_exits");
    json_w_obj(w);
    json_w_kbool(w, "recorded", s->kvm);
    json_w_kstr(w, "note", s->kvm_note);
    json_w_kuint(w, "total", s->exits_total);
    json_w_kuint(w, "unpaired", s->exits_unpaired);
    json_w_key(w, "reasons");
    json_w_arr(w);
    for (int i = 0; i < s->nexits; i++) {
        json_w_obj(w);
        json_w_kstr(w, "reason", s->exit[i].reason);
        json_w_kuint(w, "count", s->exit[i].count);
        json_w_kuint(w, "timed", s->exit[i].timed);
        json_w_knum(w, "ns", s->exit[i].ns);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
    json_w_obj_end(w);
}

static void xj_head(struct json_w *w, const struct prof_summary *s)
{
    json_w_kstr(w, "event", s->event);
    json_w_kuint(w, "frequency", (uint64_t)s->freq);
    json_w_knum(w, "seconds", s->seconds);
    json_w_kuint(w, "samples", s->samples);
    json_w_kuint(w, "busy_samples", s->busy_samples);
    json_w_kuint(w, "sut_samples", s->sut_samples);
    json_w_kuint(w, "unknown_samples", s->unknown_samples);
    json_w_kuint(w, "outside_samples", s->outside);
    json_w_knum(w, "busy_ns", s->busy_ns);
    json_w_knum(w, "sut_ns", s->sut_ns);
    json_w_knum(w, "sut_cores", s->sut_cores);
    json_w_kbool(w, "tcg", s->tcg);
    json_w_knum(w, "collector_cores", s->collector_cores);
    json_w_knum(w, "post_s", s->post_s);
    json_w_kstr(w, "data_file", s->data_file);
    json_w_kstr(w, "command", s->command);
    json_w_kstr(w, "exit_command", s->exit_command);
    json_w_kuint(w, "lost_events", s->lost_events);
    json_w_kuint(w, "lost_records", s->lost_records);
    json_w_knum(w, "lost_first_s", s->lost_first_s);
    json_w_kstr(w, "error", s->error);
    json_w_key(w, "guest");
    json_w_obj(w);
    json_w_kstr(w, "method", s->guest_threads ? "vcpu-threads" : "samples");
    json_w_knum(w, "thread_ns", s->guest_thread_ns);
    json_w_kuint(w, "guest_ticks", s->guest_ticks);
    json_w_kuint(w, "vcpu_ticks", s->vcpu_ticks);
    json_w_kuint(w, "vcpu_threads", (uint64_t)s->vcpu_threads);
    json_w_kuint(w, "guest_mode_samples", s->guest_mode_samples);
    json_w_kstr(w, "record", s->guest_record);
    json_w_obj_end(w);
}

void report_explain_json(struct json_w *w, const struct report_model *m)
{
    const struct prof_summary *s = m->profile;
    if (!s) return;
    json_w_key(w, "profile");
    json_w_obj(w);
    xj_head(w, s);
    xj_causes(w, s);
    json_w_key(w, "foreign");
    json_w_arr(w);
    for (int i = 0; i < s->nforeign; i++) {
        json_w_obj(w);
        json_w_kstr(w, "process", s->foreign[i].comm);
        json_w_kuint(w, "samples", s->foreign[i].samples);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
    json_w_key(w, "top");
    json_w_arr(w);
    for (int i = 0; i < s->ntop; i++) xj_sym(w, &s->top[i]);
    json_w_arr_end(w);
    json_w_key(w, "servers");
    json_w_arr(w);
    for (int i = 0; i < s->nservers; i++) xj_server(w, &s->srv[i]);
    json_w_arr_end(w);
    json_w_key(w, "switches");
    json_w_obj(w);
    json_w_kbool(w, "recorded", s->have_sched);
    json_w_kuint(w, "period", s->sched_period);
    xj_switches(w, "host", &s->host);
    json_w_kuint(w, "driver", s->driver_switches);
    json_w_kuint(w, "profiler", s->profiler_switches);
    xj_threads(w, s);
    json_w_obj_end(w);
    xj_exits(w, s);
    json_w_obj_end(w);
}

/* ---- reading back ---------------------------------------------------------- */

static double xr_num(const struct json_val *o, const char *k)
{
    return json_num(json_get(o, k), NAN);
}

static uint64_t xr_uint(const struct json_val *o, const char *k)
{
    double d = json_num(json_get(o, k), 0);
    return d >= 0 && d < 1.8e19 ? (uint64_t)d : 0;
}

static void xr_str(const struct json_val *o, const char *k, char *dst, size_t n)
{
    snprintf(dst, n, "%s", json_str(json_get(o, k), ""));
}

static void xr_sym(const struct json_val *o, struct prof_sym *y)
{
    y->samples = xr_uint(o, "samples");
    xr_str(o, "symbol", y->sym, sizeof y->sym);
    xr_str(o, "module", y->dso, sizeof y->dso);
    int c = prof_cause_find(json_str(json_get(o, "cause"), ""));
    y->cause = c >= 0 ? c : PC_OTHER;
}

static void xr_causes(const struct json_val *o, struct prof_summary *s)
{
    for (int c = 0; c < PC_N; c++) {
        const struct json_val *v = json_get(o, prof_cause_key(c));
        struct prof_cause_fig *f = &s->cause[c];
        if (json_type(v) != JSON_OBJECT) continue;
        f->samples = xr_uint(v, "samples");
        f->ns = xr_num(v, "ns");
        f->cores = xr_num(v, "cores");
        f->pct_busy = xr_num(v, "pct_busy");
        const struct json_val *top = json_get(v, "top");
        for (size_t i = 0; i < json_len(top) && f->ntop < PROF_CAUSE_TOP; i++)
            xr_sym(json_at(top, i), &f->top[f->ntop++]);
    }
}

static void xr_counts(const struct json_val *o, uint64_t *v, int n, const char *const *keys)
{
    for (int i = 0; i < n; i++) v[i] = xr_uint(o, keys[i]);
}

static void xr_switches(const struct json_val *o, struct prof_switches *x)
{
    x->total = xr_uint(o, "total");
    x->implied = xr_uint(o, "implied");
    xr_counts(json_get(o, "wait"), x->wait, PW_N, prof_wait_keys);
    x->woken = xr_uint(o, "woken");
    xr_counts(json_get(o, "waker"), x->waker, PK_N, prof_waker_keys);
    x->have_status = json_bool(json_get(o, "status"), 0);
    x->vol = xr_uint(o, "voluntary");
    x->invol = xr_uint(o, "involuntary");
}

static void xr_server(const struct json_val *o, struct prof_server *v)
{
    xr_str(o, "name", v->name, sizeof v->name);
    v->role = role_find(json_str(json_get(o, "role"), ""));
    v->guest = json_bool(json_get(o, "guest"), 0);
    v->samples = xr_uint(o, "samples");
    v->ns = xr_num(o, "ns");
    double g = xr_num(o, "guest_thread_ns");
    v->guest_thread_ns = isnan(g) ? 0 : g;
    const struct json_val *cn = json_get(o, "causes_ns");
    for (int c = 0; c < PC_N; c++) {
        double d = xr_num(cn, prof_cause_key(c));
        v->cause_ns[c] = isnan(d) ? 0 : d;
    }
    xr_switches(json_get(o, "switches"), &v->sw);
    const struct json_val *top = json_get(o, "top");
    for (size_t i = 0; i < json_len(top) && v->ntop < PROF_SERVER_TOP; i++)
        xr_sym(json_at(top, i), &v->top[v->ntop++]);
    v->exits = xr_uint(o, "vm_exits");
    v->exit_ns = xr_num(o, "vm_exit_ns");
}

static void xr_threads(const struct json_val *a, struct prof_summary *s)
{
    for (size_t i = 0; i < json_len(a) && s->nthreads < PROF_MAX_THREADS; i++) {
        const struct json_val *o = json_at(a, i);
        struct prof_thread *t = &s->thread[s->nthreads++];
        const char *srv = json_str(json_get(o, "server"), "");
        t->server = -1;
        for (int k = 0; k < s->nservers; k++)
            if (!strcmp(s->srv[k].name, srv)) t->server = k;
        t->tid = (int)xr_uint(o, "tid");
        xr_str(o, "comm", t->comm, sizeof t->comm);
        t->total = xr_uint(o, "total");
        t->preempt = xr_uint(o, "preempted");
        t->woken = xr_uint(o, "woken");
        t->have_status = json_bool(json_get(o, "status"), 0);
        t->vol = xr_uint(o, "voluntary");
        t->invol = xr_uint(o, "involuntary");
    }
}

static void xr_exits(const struct json_val *o, struct prof_summary *s)
{
    s->kvm = json_bool(json_get(o, "recorded"), 0);
    xr_str(o, "note", s->kvm_note, sizeof s->kvm_note);
    s->exits_total = xr_uint(o, "total");
    s->exits_unpaired = xr_uint(o, "unpaired");
    const struct json_val *a = json_get(o, "reasons");
    for (size_t i = 0; i < json_len(a) && s->nexits < PROF_MAX_EXITS; i++) {
        const struct json_val *e = json_at(a, i);
        struct prof_exit *x = &s->exit[s->nexits++];
        xr_str(e, "reason", x->reason, sizeof x->reason);
        x->count = xr_uint(e, "count");
        x->timed = xr_uint(e, "timed");
        x->ns = xr_num(e, "ns");
    }
}

static void xr_head(const struct json_val *v, struct prof_summary *s)
{
    xr_str(v, "event", s->event, sizeof s->event);
    s->freq = (int)xr_uint(v, "frequency");
    s->seconds = xr_num(v, "seconds");
    s->samples = xr_uint(v, "samples");
    s->busy_samples = xr_uint(v, "busy_samples");
    s->sut_samples = xr_uint(v, "sut_samples");
    s->unknown_samples = xr_uint(v, "unknown_samples");
    s->outside = xr_uint(v, "outside_samples");
    s->busy_ns = xr_num(v, "busy_ns");
    s->sut_ns = xr_num(v, "sut_ns");
    s->sut_cores = xr_num(v, "sut_cores");
    s->tcg = json_bool(json_get(v, "tcg"), 0);
    s->collector_cores = xr_num(v, "collector_cores");
    s->post_s = xr_num(v, "post_s");
    xr_str(v, "data_file", s->data_file, sizeof s->data_file);
    xr_str(v, "command", s->command, sizeof s->command);
    xr_str(v, "exit_command", s->exit_command, sizeof s->exit_command);
    s->lost_events = xr_uint(v, "lost_events");
    s->lost_records = xr_uint(v, "lost_records");
    s->lost_first_s = s->lost_records ? xr_num(v, "lost_first_s") : 0;
    xr_str(v, "error", s->error, sizeof s->error);
    const struct json_val *g = json_get(v, "guest");
    const char *method = json_str(json_get(g, "method"), NULL);
    s->guest_threads = method && !strcmp(method, "vcpu-threads");
    s->guest_thread_ns = s->guest_threads ? xr_num(g, "thread_ns") : 0;
    s->guest_ticks = xr_uint(g, "guest_ticks");
    s->vcpu_ticks = xr_uint(g, "vcpu_ticks");
    s->vcpu_threads = (int)xr_uint(g, "vcpu_threads");
    s->guest_mode_samples = xr_uint(g, "guest_mode_samples");
    xr_str(g, "record", s->guest_record, sizeof s->guest_record);
}

void report_explain_from_json(const struct json_val *v, struct report_model *m)
{
    m->profile = NULL;
    if (json_type(v) != JSON_OBJECT) return;
    struct prof_summary *s = report_model_alloc(m, sizeof *s);
    s->present = 1;
    xr_head(v, s);
    xr_causes(json_get(v, "causes"), s);
    const struct json_val *fo = json_get(v, "foreign");
    for (size_t i = 0; i < json_len(fo) && s->nforeign < PROF_CAUSE_TOP; i++) {
        xr_str(json_at(fo, i), "process", s->foreign[i].comm, sizeof s->foreign[i].comm);
        s->foreign[s->nforeign++].samples = xr_uint(json_at(fo, i), "samples");
    }
    const struct json_val *top = json_get(v, "top");
    for (size_t i = 0; i < json_len(top) && s->ntop < PROF_TOP; i++)
        xr_sym(json_at(top, i), &s->top[s->ntop++]);
    const struct json_val *sv = json_get(v, "servers");
    for (size_t i = 0; i < json_len(sv) && s->nservers < PROF_MAX_SERVERS; i++)
        xr_server(json_at(sv, i), &s->srv[s->nservers++]);
    const struct json_val *sw = json_get(v, "switches");
    s->have_sched = json_bool(json_get(sw, "recorded"), 0);
    s->sched_period = xr_uint(sw, "period");
    if (!s->sched_period) s->sched_period = 1;      /* results from before sampling */
    xr_switches(json_get(sw, "host"), &s->host);
    s->driver_switches = xr_uint(sw, "driver");
    s->profiler_switches = xr_uint(sw, "profiler");
    xr_threads(json_get(sw, "threads"), s);
    xr_exits(json_get(v, "vm_exits"), s);
    m->profile = s;
}
