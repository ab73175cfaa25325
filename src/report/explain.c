/* explain.c — answers "what is the reason for this overhead?" from the
 * profile of the measurement interval (explain.h): the system-under-test
 * CPU split by cause, largest first, each with its evidence (top
 * functions, switches per second, exits per second) in one sentence;
 * the seed's top functions table; each server's CPU by cause and its
 * context switches; the host's switches against /proc/stat ctxt; VM
 * exits; and compare's split of a difference by cause. */
#include "report/explain.h"
#include "core/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void report_explain_set(struct report_model *m, const struct prof_summary *s)
{
    m->profile = NULL;
    if (!s || !s->present) return;
    m->profile = report_model_alloc(m, sizeof *m->profile);
    *m->profile = *s;
}

/* A module as the seed's table names it: "vmlinux", "tun.ko", "libc.so.6",
 * appended to out; returns its text. */
static const char *xt_module(const char *dso, struct buf *out)
{
    size_t len = strlen(dso);
    if (!strcmp(dso, "[kernel.kallsyms]")) buf_puts(out, "vmlinux");
    else if (len > 2 && dso[0] == '[' && dso[len - 1] == ']' && strcmp(dso, "[unknown]"))
        buf_printf(out, "%.*s.ko", (int)(len - 2), dso + 1);
    else buf_puts(out, strrchr(dso, '/') ? strrchr(dso, '/') + 1 : dso);
    return buf_cstr(out);
}

static double xt_share(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 0;
}

/* The index of the largest of v[0, n) (first wins ties). */
static int xt_argmax(const uint64_t *v, int n, int skip)
{
    int best = -1;
    for (int i = 0; i < n; i++)
        if (i != skip && (best < 0 || v[i] > v[best])) best = i;
    return best;
}

/* Switches of every server summed. */
static void xt_server_switches(const struct prof_summary *s, struct prof_switches *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 0; i < s->nservers; i++) {
        const struct prof_switches *x = &s->srv[i].sw;
        o->total += x->total;
        o->woken += x->woken;
        for (int k = 0; k < PW_N; k++) o->wait[k] += x->wait[k];
        for (int k = 0; k < PK_N; k++) o->waker[k] += x->waker[k];
    }
}

static const char *const xt_sleep_phrase[PW_N] = {
    "preempted", "servers sleeping on sockets", "servers sleeping on futexes",
    "servers waiting for disk", "servers sleeping for a time", "servers waiting on pipes",
    "kernel threads waiting for work", "the idle task", "servers sleeping for other reasons",
};

static void xt_sched_evidence(const struct report_model *m, FILE *f)
{
    const struct prof_summary *s = m->profile;
    if (!s->have_sched || s->seconds <= 0) {
        fprintf(f, " — %.0f switches/s (/proc/stat)", m->cpu.ctxt_s);
        return;
    }
    struct prof_switches sv;
    xt_server_switches(s, &sv);
    double tasks = (double)(s->host.total - s->host.wait[PW_IDLE]);
    double vol = 100.0 - xt_share((double)s->host.wait[PW_PREEMPT], tasks);
    fprintf(f, " — %.0f switches/s, %.0f%% voluntary", (double)s->host.total / s->seconds, vol);
    sv.wait[PW_IDLE] = sv.wait[PW_OTHER] = 0;
    int why = xt_argmax(sv.wait, PW_N, PW_PREEMPT);
    if (why >= 0 && sv.wait[why]) fprintf(f, " (%s)", xt_sleep_phrase[why]);
    int who = xt_argmax(sv.waker, PK_N, -1);
    if (who >= 0 && sv.waker[who])
        fprintf(f, ", servers woken mostly by %s (%.0f%%)",
                who == PK_SAME ? "their own threads" : prof_waker_labels[who],
                xt_share((double)sv.waker[who], (double)sv.woken));
}

static void xt_top_syms(const struct prof_cause_fig *c, FILE *f)
{
    for (int i = 0; i < c->ntop; i++)
        fprintf(f, "%s%.48s %.0f%%", i ? ", " : " — ", report_tstr(c->top[i].sym, "?"),
                xt_share((double)c->top[i].samples, (double)c->samples));
}

/* The evidence after one cause's figures. */
static void xt_evidence(const struct report_model *m, int cause, FILE *f)
{
    const struct prof_summary *s = m->profile;
    const struct prof_cause_fig *c = &s->cause[cause];
    if (cause == PC_SCHED) xt_sched_evidence(m, f);
    else if (cause == PC_VMEXIT && s->kvm && s->seconds > 0)
        fprintf(f, " — %.0f VM exits/s", (double)s->exits_total / s->seconds);
    else if (cause == PC_IRQ && !isnan(m->cpu.intr_s))
        fprintf(f, " — %.0f interrupts/s", m->cpu.intr_s);
    else if (cause == PC_GUEST && s->tcg) fprintf(f, " — the guests ran under TCG emulation");
    if (cause == PC_GUEST && s->guest_threads) {
        char note[400];
        prof_guest_note(s, note, sizeof note);
        fprintf(f, " — %s", note);
        return;
    }
    if (cause == PC_OTHER) {
        fprintf(f, " — %llu samples matched no rule of the cause table, %llu had no symbol "
                   "(docs/profile.md: extending the table)", (unsigned long long)c->samples,
                (unsigned long long)s->unknown_samples);
        return;
    }
    if (cause == PC_FOREIGN) {
        for (int i = 0; i < s->nforeign; i++)
            fprintf(f, "%s%s %.0f%%", i ? ", " : " — ", report_tstr(s->foreign[i].comm, "?"),
                    xt_share((double)s->foreign[i].samples, (double)c->samples));
        fprintf(f, " (other work on the host counts in the system under test)");
        return;
    }
    if (cause == PC_SCHED || cause == PC_VMEXIT) return;
    if (cause == PC_GUEST && s->tcg) return;        /* translated code has no names */
    if (cause == PC_IRQ) {
        for (int i = 0; i < c->ntop; i++)
            fprintf(f, "%s%s", i ? ", " : "; ", report_tstr(c->top[i].sym, "?"));
        return;
    }
    xt_top_syms(c, f);
}

static int xt_cmp_cores(const void *x, const void *y, void *ctx)
{
    const struct prof_summary *s = ctx;
    double a = s->cause[*(const int *)x].cores, b = s->cause[*(const int *)y].cores;
    return a < b ? 1 : a > b ? -1 : 0;
}

/* The system-under-test causes, largest first, into order; returns the count. */
static int xt_order(const struct prof_summary *s, int *order)
{
    int n = 0;
    for (int c = 0; c < PC_N; c++)
        if (prof_cause_is_sut(c) &&
            (s->cause[c].samples || c == PC_OTHER || (c == PC_GUEST && s->guest_threads)))
            order[n++] = c;
    qsort_r(order, (size_t)n, sizeof *order, xt_cmp_cores, (void *)s);
    return n;
}

/* One sentence: the three largest causes and the servers' own share. */
static void xt_headline(const struct prof_summary *s, const int *order, int n, FILE *f)
{
    double own = 0;
    for (int r = 0; r < ROLE_COUNT; r++) own += s->cause[PC_OWN + r].pct_busy;
    fprintf(f, "  In short: of %.3f system-under-test cores,", s->sut_cores);
    for (int i = 0; i < n && i < 3; i++)
        fprintf(f, "%s %s took %.1f%%", i == 0 ? "" : i == n - 1 || i == 2 ? " and" : ",",
                prof_cause_label(order[i]), s->cause[order[i]].pct_busy);
    int guests = s->nservers > 0 && s->srv[0].guest;
    if (guests) fprintf(f, "; the servers' own code ran in the guests.\n");
    else fprintf(f, "; the servers' own code %.1f%%.\n", own);
}

/* What a user can do about the causes that say something about the
 * measurement itself rather than the system under test. */
static void xt_hints(const struct prof_summary *s, FILE *f)
{
    if (s->cause[PC_FOREIGN].pct_busy >= 5)
        fprintf(f, "  Other processes took %.1f%% of it: that is not the experiment's; compare "
                   "runs made on an idle host (the baseline shows how busy it was).\n",
                s->cause[PC_FOREIGN].pct_busy);
    if (s->tcg && s->cause[PC_GUEST].samples)
        fprintf(f, "  The guests ran under TCG: their code was translated, so guest execution and "
                   "device emulation cost far more than on a host with KVM.\n");
    if (s->cause[PC_OTHER].pct_busy >= 5)
        fprintf(f, "  %.1f%% matched no rule of the cause table: name it with a [profile] causes "
                   "file (docs/profile.md).\n", s->cause[PC_OTHER].pct_busy);
}

static void xt_explain(const struct report_model *m, FILE *f)
{
    const struct prof_summary *s = m->profile;
    int order[PC_N], n = xt_order(s, order);
    double busy = m->cpu.host_busy_cores;
    fprintf(f, "\nExplain: where the system under test's CPU went (perf %s at %d Hz per CPU over "
               "%.2f s; %llu samples, %llu busy, %llu of the system under test)\n",
            s->event, s->freq, s->seconds, (unsigned long long)s->samples,
            (unsigned long long)s->busy_samples, (unsigned long long)s->sut_samples);
    xt_headline(s, order, n, f);
    xt_hints(s, f);
    for (int i = 0; i < n; i++) {
        int c = order[i];
        fprintf(f, "  %s: %.3f cores (%.1f%% of host busy)", prof_cause_label(c),
                s->cause[c].cores, xt_share(s->cause[c].cores, busy));
        xt_evidence(m, c, f);
        fputc('\n', f);
    }
    fprintf(f, "  = %.3f cores of system under test (host busy %.3f - hostmix run %.3f - "
               "profiler %.3f)\n", s->sut_cores, busy, m->cpu.driver_cores + m->cpu.ctl_cores,
            s->collector_cores);
    fprintf(f, "  not the system under test: the load driver %.3f cores and the profiler %.3f "
               "cores at the same scale; perf record's own CPU %.3f cores is kept out of the "
               "figures\n",
            s->cause[PC_DRIVER].cores, s->cause[PC_PROFILER].cores, s->collector_cores);
    if (s->error[0]) fprintf(f, "  profile incomplete: %s\n", report_tstr(s->error, ""));
    if (s->lost_records)
        fprintf(f, "  perf lost %llu events in %llu records (the first %.2f s into the "
                   "interval): the counts above miss them\n", (unsigned long long)s->lost_events,
                (unsigned long long)s->lost_records, s->lost_first_s);
}

static void xt_top(const struct prof_summary *s, FILE *f)
{
    struct buf mod = BUF_INIT;
    fprintf(f, "\nTop functions over the interval (all CPUs; %% of busy samples)\n");
    fprintf(f, "  %9s %7s  %-36s %-22s %s\n", "samples", "%", "name", "app", "cause");
    for (int i = 0; i < s->ntop; i++) {
        const struct prof_sym *y = &s->top[i];
        buf_reset(&mod);
        fprintf(f, "  %9llu %7.4f  %-36.36s %-22.22s %s\n", (unsigned long long)y->samples,
                xt_share((double)y->samples, (double)s->busy_samples), report_tstr(y->sym, "?"),
                report_tstr(xt_module(y->dso, &mod), ""), prof_cause_key(y->cause));
    }
    buf_free(&mod);
}

/* Requests of the load driver's target for a server ("set1-web" is
 * target "set1.web"), or 0. */
static double xt_requests(const struct report_model *m, const char *server)
{
    char *name = strfmt("%s", server);
    char *dash = strchr(name, '-');
    if (dash) *dash = '.';
    int i = 0;
    while (i < m->drive.ntargets && !(m->drive.t[i].name && !strcmp(m->drive.t[i].name, name)))
        i++;
    free(name);
    return i < m->drive.ntargets ? (double)m->drive.t[i].count : 0;
}

/* The three largest causes of one server, as "own 45%, net 30%, ...",
 * appended to out. */
static void xt_server_causes(const struct prof_server *v, struct buf *out)
{
    int used[PC_N] = { 0 };
    for (int k = 0; k < 3; k++) {
        int best = -1;
        for (int c = 0; c < PC_N; c++)
            if (!used[c] && v->cause_ns[c] > 0 && (best < 0 || v->cause_ns[c] > v->cause_ns[best]))
                best = c;
        if (best < 0) break;
        used[best] = 1;
        buf_printf(out, "%s%s %.0f%%", k ? ", " : "",
                   best >= PC_OWN && best < PC_DRIVER ? "own" : prof_cause_key(best),
                   xt_share(v->cause_ns[best], v->ns));
    }
}

static void xt_servers(const struct report_model *m, FILE *f)
{
    const struct prof_summary *s = m->profile;
    if (!s->nservers || s->seconds <= 0) return;
    fprintf(f, "\nEach server's CPU by cause (sampled) and its context switches over the "
               "interval\n");
    fprintf(f, "  %-12s %6s  %-30s %8s %8s %8s %7s  %s\n", "server", "cores", "largest causes",
            "switch/s", "vol/s", "invol/s", "per req", "woken mostly by");
    for (int i = 0; i < s->nservers; i++) {
        const struct prof_server *v = &s->srv[i];
        struct buf causes = BUF_INIT;
        struct numstr per = numstr_fmt("-"), woke = numstr_fmt("-");
        xt_server_causes(v, &causes);
        uint64_t sw = s->have_sched ? v->sw.total : v->sw.vol + v->sw.invol;
        double req = xt_requests(m, v->name);
        if (req > 0) per = numstr_fmt("%.2f", (double)sw / req);
        int who = xt_argmax(v->sw.waker, PK_N, -1);
        if (who >= 0 && v->sw.waker[who])
            woke = numstr_fmt("%s (%.0f%%)", prof_waker_labels[who],
                              xt_share((double)v->sw.waker[who], (double)v->sw.woken));
        double cores = prof_server_cores(s, i);
        fprintf(f, "  %-12s %6.3f  %-30s %8.0f %8.0f %8.0f %7s  %s\n", report_tstr(v->name, "?"),
                cores, buf_cstr(&causes),
                (double)sw / s->seconds,
                (double)v->sw.vol / s->seconds, (double)v->sw.invol / s->seconds, per.s, woke.s);
        buf_free(&causes);
        for (int k = 0; k < v->ntop && k < 5; k++)
            fprintf(f, "%s%.48s %.0f%%%s", k ? ", " : "      top functions: ",
                    report_tstr(v->top[k].sym, "?"),
                    xt_share((double)v->top[k].samples, (double)v->samples),
                    k == 4 || k == v->ntop - 1 ? "\n" : "");
    }
}

static void xt_counts(const char *title, const uint64_t *v, int n, const char *const *labels,
                      uint64_t total, FILE *f)
{
    fprintf(f, "  %s:", title);
    for (int k = 0, first = 1; k < n; k++) {
        if (!v[k]) continue;
        fprintf(f, "%s %s %.1f%%", first ? "" : ",", labels[k],
                xt_share((double)v[k], (double)total));
        first = 0;
    }
    fputc('\n', f);
}

/* The servers' threads with most switches (up to 12 rows). */
static void xt_threads(const struct prof_summary *s, FILE *f)
{
    if (!s->nthreads || s->seconds <= 0) return;
    fprintf(f, "  threads with most switches (per second: traced, preempted, woken%s; /proc "
               "voluntary, involuntary):\n", s->sched_period > 1 ? ", from the sample" : "");
    for (int i = 0; i < s->nthreads && i < 12; i++) {
        const struct prof_thread *t = &s->thread[i];
        const char *srv = t->server >= 0 && t->server < s->nservers ? s->srv[t->server].name : "?";
        fprintf(f, "    %-12s %-16s %7d %8.0f %8.0f %8.0f", report_tstr(srv, "?"),
                report_tstr(t->comm, "?"), t->tid,
                (double)t->total / s->seconds, (double)t->preempt / s->seconds,
                (double)t->woken / s->seconds);
        if (t->have_status)
            fprintf(f, " %8.0f %8.0f", (double)t->vol / s->seconds, (double)t->invol / s->seconds);
        fputc('\n', f);
    }
}

static void xt_switches(const struct report_model *m, FILE *f)
{
    const struct prof_summary *s = m->profile;
    if (!s->have_sched || s->seconds <= 0) {
        fprintf(f, "\nContext switches: no sched tracepoints recorded ([profile] sched = no or "
                   "not readable); /proc/stat ctxt %.0f/s\n", m->cpu.ctxt_s);
        return;
    }
    double rec = (double)s->host.total / s->seconds, proc = m->cpu.ctxt_s;
    if (s->sched_period > 1)
        fprintf(f, "\nContext switches: %.0f/s by /proc/stat ctxt; the reasons below are from one "
                   "in %llu sched:sched_switch and sched_waking events (%.0f/s recorded, standing "
                   "for %.0f/s, %.1f%% apart from ctxt: docs/profile.md)\n", proc,
                (unsigned long long)s->sched_period, rec / (double)s->sched_period, rec,
                proc > 0 ? 100.0 * fabs(rec - proc) / proc : 0);
    else
        fprintf(f, "\nContext switches: %.0f/s from sched:sched_switch (%.0f/s of them implied by "
                   "the order of switches on a CPU, not reported by the tracepoint), %.0f/s by "
                   "/proc/stat ctxt (%.1f%% apart)\n", rec, (double)s->host.implied / s->seconds,
                proc, proc > 0 ? 100.0 * fabs(rec - proc) / proc : 0);
    xt_counts("why tasks left the CPU", s->host.wait, PW_N, prof_wait_labels, s->host.total, f);
    xt_counts("who woke tasks", s->host.waker, PK_N, prof_waker_labels, s->host.woken, f);
    fprintf(f, "  the load driver switched %.0f/s, the profiler %.0f/s\n",
            (double)s->driver_switches / s->seconds, (double)s->profiler_switches / s->seconds);
    xt_threads(s, f);
}

/* What an exit reason means, for the ones users ask about. */
static const char *xt_exit_note(const char *reason)
{
    if (strstr(reason, "INTERRUPT_WINDOW") || !strcmp(reason, "vintr") ||
        !strcmp(reason, "PENDING_INTERRUPT"))
        return " (interrupt window)";
    return "";
}

/* The rows of the exit table that are (halt 1) or are not (halt 0) halts. */
static void xt_exit_rows(const struct prof_summary *s, int halt, FILE *f)
{
    for (int i = 0; i < s->nexits; i++) {
        const struct prof_exit *x = &s->exit[i];
        if (prof_exit_is_halt(x->reason) != halt) continue;
        fprintf(f, "  %-28s %10llu %9.0f %12.2f%s\n", report_tstr(x->reason, "?"),
                (unsigned long long)x->count,
                (double)x->count / s->seconds, prof_exit_mean_us(x),
                xt_exit_note(x->reason));
    }
}

/* Exits by reason, halts apart: the time from a halt to the vCPU's next
 * entry is the guest idle (halt polling, then sleep), not exit handling,
 * and would swamp the mean of the others. */
static void xt_exits(const struct prof_summary *s, FILE *f)
{
    if (!s->kvm || s->seconds <= 0) {
        fprintf(f, "\nVM exits: %s\n", s->kvm_note[0] ? report_tstr(s->kvm_note, "") : "not recorded");
        return;
    }
    struct prof_exit other, halt;
    prof_exit_split(s, &other, &halt);
    fprintf(f, "\nVM exits: %.0f/s (kvm:kvm_exit), %.0f/s of them halts\n"
               "  %-28s %10s %9s %12s\n", (double)s->exits_total / s->seconds,
            (double)halt.count / s->seconds, "reason", "count", "per s", "us to entry");
    if (s->lost_records)
        fprintf(f, "  pairing unreliable from %.2f s into the interval: perf lost %llu events "
                   "(%llu PERF_RECORD_LOST); %llu exits whose entry may be among them are left "
                   "out of the times\n", s->lost_first_s, (unsigned long long)s->lost_events,
                (unsigned long long)s->lost_records, (unsigned long long)s->exits_unpaired);
    xt_exit_rows(s, 0, f);
    fprintf(f, "  exits other than halt: %.0f/s, %.2f us from exit to the vCPU's next entry on "
               "average (KVM's handling, and QEMU's for I/O and MMIO exits)\n",
            (double)other.count / s->seconds, prof_exit_mean_us(&other));
    xt_exit_rows(s, 1, f);
    if (halt.count)
        fprintf(f, "  halts: %.0f/s, %.2f us to the vCPU's next entry on average: the guest "
                   "idle (halt polling, then sleep), not exit handling\n",
                (double)halt.count / s->seconds, prof_exit_mean_us(&halt));
    for (int i = 0; i < s->nservers; i++)
        if (s->srv[i].exits)
            fprintf(f, "  %s: %.0f exits/s\n", report_tstr(s->srv[i].name, "?"),
                    (double)s->srv[i].exits / s->seconds);
}

void report_explain_text(const struct report_model *m, FILE *f)
{
    const struct prof_summary *s = m->profile;
    if (!s) return;
    xt_explain(m, f);
    xt_top(s, f);
    xt_servers(m, f);
    xt_switches(m, f);
    xt_exits(s, f);
    fprintf(f, "  profile: perf record's CPU %.3f cores over the interval, post-processing %.2f s; "
               "recording %s\n", s->collector_cores, s->post_s,
            s->data_file[0] ? s->data_file : "-");
}

/* ---- compare ---------------------------------------------------------------- */

static int xc_cmp(const void *x, const void *y, void *ctx)
{
    const double *d = ctx;
    double a = fabs(d[*(const int *)x]), b = fabs(d[*(const int *)y]);
    return a < b ? 1 : a > b ? -1 : 0;
}

void report_explain_compare(const struct report_model *a, const struct report_model *b,
                            const char *la, const char *lb, FILE *f)
{
    if (!a->profile || !b->profile) return;
    double d[PC_N], sum = 0;
    int order[PC_N], n = 0;
    for (int c = 0; c < PC_N; c++) {
        d[c] = prof_cause_is_sut(c) ? b->profile->cause[c].cores - a->profile->cause[c].cores : 0;
        if (!prof_cause_is_sut(c)) continue;
        sum += d[c];
        if (c != PC_OTHER && fabs(d[c]) >= 0.0005) order[n++] = c;
    }
    qsort_r(order, (size_t)n, sizeof *order, xc_cmp, d);
    double diff = b->profile->sut_cores - a->profile->sut_cores;
    fprintf(f, "%s vs %s by cause (system-under-test cores): %+.3f cores in all =", lb, la, diff);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s %+.3f %s", i ? "," : "", d[order[i]], prof_cause_label(order[i]));
    fprintf(f, "%s %+.3f other (the causes add up to %+.3f)\n", n ? "," : "", d[PC_OTHER], sum);
}
