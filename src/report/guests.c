/* guests.c — the figures of servers that ran in VM guests: host CPU by
 * QEMU thread class, the busy time each guest reports about itself, and
 * the hypervisor-neutral overhead (host CPU spent for a guest per
 * CPU-second the guest reports busy), per guest, per role and in all; in
 * the model, result.json and the text report.
 *
 * The neutral overhead needs no guest column in the host's /proc/stat
 * (which TCG and Xen's dom0 lack): it divides what the host's cgroup of
 * the guest measured by what the guest's own /proc/stat says it used, so
 * it means the same on KVM, TCG and Xen.  1.0 would be a hypervisor that
 * costs nothing; under TCG the figure includes the emulation itself. */
#include "report/model.h"
#include "core/buf.h"
#include "core/json.h"

#include <math.h>
#include <string.h>

const char *const report_tclass_names[] = {
    "vcpu", "main", "io", "pool", "vhost", "other",
};
_Static_assert(sizeof report_tclass_names / sizeof report_tclass_names[0] == REPORT_NTCLASS,
               "report_tclass_names: one name per value");

static double g_ratio(double a, double b)
{
    return b > 0 && !isnan(a) && !isnan(b) ? a / b : NAN;
}

void report_guests_total(struct report_model *m)
{
    struct report_guests *t = &m->guests;
    memset(t, 0, sizeof *t);
    t->steal_cores = NAN;
    for (int i = 0; i < m->nservers; i++) {
        const struct report_server *s = &m->server[i];
        if (s->guest.present && !isnan(s->guest.steal_cores))
            t->steal_cores = (isnan(t->steal_cores) ? 0 : t->steal_cores) + s->guest.steal_cores;
        t->present |= s->guest.present;
        t->nguests += s->guest.present;
        t->nmissing += s->guest.present && isnan(s->guest.busy_cores);
        t->agent_samples += s->guest.present ? s->guest.agent_samples : 0;
        t->agent_missed += s->guest.present ? s->guest.agent_missed : 0;
        if (!s->guest.present || isnan(s->measure_cores) || isnan(s->guest.busy_cores)) continue;
        int role = role_find(s->role);
        t->host_cores += s->measure_cores;
        t->busy_cores += s->guest.busy_cores;
        if (role < 0) continue;
        t->role_host[role] += s->measure_cores;
        t->role_busy[role] += s->guest.busy_cores;
    }
    t->overhead = g_ratio(t->host_cores, t->busy_cores);
    for (int r = 0; r < ROLE_COUNT; r++) t->role_overhead[r] = g_ratio(t->role_host[r], t->role_busy[r]);
}

/* ---- result.json ------------------------------------------------------- */

/* The guests' vCPU run delay, where the platform measures it (libvirt). */
static void g_delay(const struct report_model *m, FILE *f)
{
    int first = 1;
    for (int i = 0; i < m->nservers; i++) {
        const struct report_server *s = &m->server[i];
        if (!s->guest.present || isnan(s->guest.delay_cores)) continue;
        if (first) fprintf(f, "  vCPU run delay (runnable vCPU threads kept waiting by the host's "
                              "scheduler; cores):");
        fprintf(f, "%s %s %.3f", first ? "" : ",", report_tstr(s->name, "?"), s->guest.delay_cores);
        first = 0;
    }
    if (!first) fputc('\n', f);
}

void report_guest_json_server(struct json_w *w, const struct report_server *s)
{
    if (!isnan(s->ready_s)) json_w_knum(w, "ready_s", s->ready_s);
    if (!s->guest.present) return;
    json_w_key(w, "guest");
    json_w_obj(w);
    json_w_key(w, "threads_cores");
    json_w_obj(w);
    for (int k = 0; k < REPORT_NTCLASS; k++) json_w_knum(w, report_tclass_names[k], s->guest.thread_cores[k]);
    json_w_obj_end(w);
    json_w_knum(w, "guest_cores", s->guest.guest_cores);
    json_w_knum(w, "busy_cores", s->guest.busy_cores);
    json_w_knum(w, "steal_cores", s->guest.steal_cores);
    if (!isnan(s->guest.delay_cores)) json_w_knum(w, "delay_cores", s->guest.delay_cores);
    json_w_knum(w, "overhead", s->guest.overhead);
    json_w_kint(w, "agent_samples", s->guest.agent_samples);
    json_w_kint(w, "agent_missed", s->guest.agent_missed);
    json_w_obj_end(w);
}

void report_guest_json_total(struct json_w *w, const struct report_model *m)
{
    const struct report_guests *t = &m->guests;
    if (!t->present) return;
    json_w_key(w, "guests");
    json_w_obj(w);
    json_w_knum(w, "host_cores", t->host_cores);
    json_w_knum(w, "busy_cores", t->busy_cores);
    json_w_knum(w, "overhead", t->overhead);
    json_w_knum(w, "steal_cores", t->steal_cores);
    json_w_kint(w, "agent_samples", t->agent_samples);
    json_w_kint(w, "agent_missed", t->agent_missed);
    json_w_key(w, "roles");
    json_w_obj(w);
    for (int r = 0; r < ROLE_COUNT; r++) {
        if (t->role_busy[r] <= 0 && t->role_host[r] <= 0) continue;
        json_w_key(w, role_names[r]);
        json_w_obj(w);
        json_w_knum(w, "host_cores", t->role_host[r]);
        json_w_knum(w, "busy_cores", t->role_busy[r]);
        json_w_knum(w, "overhead", t->role_overhead[r]);
        json_w_obj_end(w);
    }
    json_w_obj_end(w);
    json_w_obj_end(w);
}

static double g_get(const struct json_val *o, const char *k)
{
    const struct json_val *v = json_get(o, k);
    return json_type(v) == JSON_NUMBER ? json_num(v, NAN) : NAN;
}

void report_guest_from_json(const struct json_val *server, struct report_server *s)
{
    const struct json_val *g = json_get(server, "guest"), *th = json_get(g, "threads_cores");
    s->ready_s = g_get(server, "ready_s");
    memset(&s->guest, 0, sizeof s->guest);
    s->guest.present = json_type(g) == JSON_OBJECT;
    if (!s->guest.present) return;
    for (int k = 0; k < REPORT_NTCLASS; k++) s->guest.thread_cores[k] = g_get(th, report_tclass_names[k]);
    s->guest.guest_cores = g_get(g, "guest_cores");
    s->guest.busy_cores = g_get(g, "busy_cores");
    s->guest.steal_cores = g_get(g, "steal_cores");
    s->guest.delay_cores = g_get(g, "delay_cores");
    s->guest.overhead = g_get(g, "overhead");
    double n = g_get(g, "agent_samples"), miss = g_get(g, "agent_missed");
    s->guest.agent_samples = isnan(n) ? 0 : (int)n;     /* absent in older results */
    s->guest.agent_missed = isnan(miss) ? 0 : (int)miss;
}

void report_guests_from_json(const struct json_val *guests, struct report_model *m)
{
    (void)guests;       /* derived from the servers, as when the run wrote it */
    report_guests_total(m);
}

/* ---- the text report ------------------------------------------------------ */

void report_verdict_text(const struct report_model *m, struct buf *out)
{
    int pass = m->valid && m->qos_pass;
    buf_puts(out, pass ? "PASS (valid run, QoS met)" : !m->valid ? "INVALID" : "QoS FAILED");
    if (m->guests.nmissing)
        buf_printf(out, "; the busy time %d of %d guests report about themselves is missing, "
                   "and so is their overhead", m->guests.nmissing, m->guests.nguests);
    if (m->guests.agent_missed)
        buf_printf(out, "; the guest agents missed %d of %d samples", m->guests.agent_missed,
                   m->guests.agent_samples);
}

/* The guests whose own busy time is missing or whose figures carry a
 * note, with the note (why). */
static void g_notes(const struct report_model *m, FILE *f)
{
    for (int i = 0; i < m->nservers; i++) {
        const struct report_server *s = &m->server[i];
        int missing = isnan(s->guest.busy_cores);
        if (!s->guest.present || (!missing && !s->note && !s->guest.agent_missed)) continue;
        fprintf(f, "  %s: %s%s", s->name ? s->name : "?",
                missing ? "guest-reported busy time missing: " : "",
                s->note ? s->note : "no reason recorded");
        if (s->guest.agent_missed)
            fprintf(f, " (agent missed %d of %d samples)", s->guest.agent_missed,
                    s->guest.agent_samples);
        fputc('\n', f);
    }
}

static void g_cell(FILE *f, const char *fmt, double v)
{
    if (isnan(v)) fprintf(f, " %*s", 6, "-");
    else fprintf(f, fmt, v);
}

void report_guest_text(const struct report_model *m, FILE *f)
{
    const struct report_guests *t = &m->guests;
    if (!t->present) return;
    fprintf(f, "\nGuests over the measurement interval (host cores by QEMU thread class; "
               "accelerator %s)\n", m->acct.accel ? m->acct.accel : "unknown");
    fprintf(f, "  %-12s %6s", "guest", "host");
    for (int k = 0; k < REPORT_NTCLASS; k++) fprintf(f, " %6s", report_tclass_names[k]);
    fprintf(f, " %6s %6s %6s %9s %7s\n", "guest", "busy", "steal", "host/busy", "ready");
    for (int i = 0; i < m->nservers; i++) {
        const struct report_server *s = &m->server[i];
        if (!s->guest.present) continue;
        fprintf(f, "  %-12s", report_tstr(s->name, "?"));
        g_cell(f, " %6.3f", s->measure_cores);
        for (int k = 0; k < REPORT_NTCLASS; k++) g_cell(f, " %6.3f", s->guest.thread_cores[k]);
        g_cell(f, " %6.3f", s->guest.guest_cores);
        g_cell(f, " %6.3f", s->guest.busy_cores);
        g_cell(f, " %6.3f", s->guest.steal_cores);
        g_cell(f, " %9.2f", s->guest.overhead);
        g_cell(f, " %6.2fs", s->ready_s);
        fputc('\n', f);
    }
    fprintf(f, "  host CPU per guest-busy CPU (hypervisor-neutral overhead): %.2f "
               "(%.3f host cores for %.3f guest-busy cores)", t->overhead, t->host_cores,
            t->busy_cores);
    for (int r = 0, first = 1; r < ROLE_COUNT; r++) {
        if (isnan(t->role_overhead[r])) continue;
        fprintf(f, "%s%s %.2f", first ? "; " : ", ", role_names[r], t->role_overhead[r]);
        first = 0;
    }
    fputc('\n', f);
    if (!isnan(t->steal_cores))
        fprintf(f, "  steal (the guests' vCPUs waiting for the host, not in their busy time): "
                   "%.3f cores in all\n", t->steal_cores);
    g_delay(m, f);
    g_notes(m, f);
    if (m->acct.accel && strcmp(m->acct.accel, "tcg") == 0)
        fprintf(f, "  (TCG: the guests' CPU is emulated; the overhead includes the emulation, "
                   "so it is no hardware hypervisor's)\n");
}
