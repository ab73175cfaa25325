/* guest.c — the "vcpu" collector: the guests' own execution time under
 * KVM, from their vCPU threads, for the profile's guest cause.
 *
 * A host sample taken while a vCPU runs guest code carries the guest's
 * instruction pointer and no call chain, and `perf script` without guest
 * symbols leaves it out without a word (tools/perf util/event.c
 * thread__find_map marks it filtered), so samples cannot say how long
 * the guests ran.  The vCPU threads can: schedstat's run time is exact
 * (ns), and /proc/PID/task/TID/stat field 43 (guest_time) over
 * utime + stime says which part of it was guest mode.  That fraction is
 * tick-sampled (the tick charges the mode it interrupts), so it is as
 * good as the number of ticks behind it; the summary keeps that number.
 * Under TCG guest_time stays 0 (no vCPU runs in guest mode): the
 * collector does nothing there and the samples decide. */
#include "collect/collect_int.h"
#include "measure/thread.h"

#include <stdlib.h>
#include <string.h>

struct vg_state {
    struct meas_thread **t0;        /* per target: its threads at begin, or NULL */
    int *n0;
    double *tns;                    /* per target: its guest time over the interval */
    double ns;                      /* guest time over the interval */
    uint64_t guest_ticks, ticks;
    int nvcpu, read;                /* vCPU threads seen at both edges; both edges read */
};

static const struct meas_thread *vg_find(const struct meas_thread *t, int n, pid_t tid)
{
    for (int i = 0; i < n; i++)
        if (t[i].tid == tid) return &t[i];
    return NULL;
}

double prof_vcpu_guest_ns(const struct meas_thread *t0, int n0, const struct meas_thread *t1,
                          int n1, pid_t pid, struct prof_vcpu_guest *g)
{
    double ns = 0;
    for (int i = 0; i < n1; i++) {
        const struct meas_thread *b = &t1[i], *a = vg_find(t0, n0, b->tid);
        if (!a || meas_thread_class(b->comm, pid, b->tid, 0) != MEAS_TC_VCPU) continue;
        uint64_t ticks = b->utime + b->stime - (a->utime + a->stime);
        uint64_t guest = b->guest_time - a->guest_time;
        g->nvcpu++;
        g->ticks += ticks;
        g->guest_ticks += guest;
        if (!ticks || !b->has_run_ns || !a->has_run_ns || b->run_ns < a->run_ns) continue;
        double frac = guest > ticks ? 1.0 : (double)guest / (double)ticks;
        ns += (double)(b->run_ns - a->run_ns) * frac;
    }
    return ns;
}

static int vg_wanted(const struct job_profile *o)
{
    return o->enabled;
}

static int vg_arm(struct collect *c, void *priv, char *why, size_t n)
{
    struct vg_state *s = priv;
    s->t0 = calloc((size_t)c->nt + 1, sizeof *s->t0);
    s->n0 = calloc((size_t)c->nt + 1, sizeof *s->n0);
    s->tns = calloc((size_t)c->nt + 1, sizeof *s->tns);
    if (!s->t0 || !s->n0 || !s->tns) abort();
    return 0;
}

static void vg_begin(struct collect *c, void *priv)
{
    struct vg_state *s = priv;
    for (int i = 0; !c->tcg && i < c->nt; i++) {
        if (!c->t[i].guest || c->t[i].pid <= 0) continue;
        int k = meas_threads_read(c->root, c->t[i].pid, &s->t0[i]);
        s->n0[i] = k > 0 ? k : 0;
    }
}

static void vg_end(struct collect *c, void *priv)
{
    struct vg_state *s = priv;
    struct prof_vcpu_guest g = { 0, 0, 0 };
    for (int i = 0; !c->tcg && i < c->nt; i++) {
        struct meas_thread *t1;
        if (!s->t0[i]) continue;
        int k = meas_threads_read(c->root, c->t[i].pid, &t1);
        if (k <= 0) continue;
        s->tns[i] = prof_vcpu_guest_ns(s->t0[i], s->n0[i], t1, k, c->t[i].pid, &g);
        s->ns += s->tns[i];
        s->read = 1;
        free(t1);
    }
    s->guest_ticks = g.guest_ticks;
    s->ticks = g.ticks;
    s->nvcpu = g.nvcpu;
}

/* Into the summary perf filled: under KVM the guest cause comes from here. */
static void vg_finish(struct collect *c, void *priv, int64_t t0, int64_t t1)
{
    struct vg_state *s = priv;
    struct prof_summary *p = c->sum;
    if (c->tcg || !s->read || !s->nvcpu) return;
    p->guest_threads = 1;
    p->guest_thread_ns = s->ns;
    p->guest_ticks = s->guest_ticks;
    p->vcpu_ticks = s->ticks;
    p->vcpu_threads = s->nvcpu;
    for (int i = 0; i < p->nservers && i < c->nt; i++) p->srv[i].guest_thread_ns = s->tns[i];
}

static void vg_close(struct collect *c, void *priv)
{
    struct vg_state *s = priv;
    for (int i = 0; s->t0 && i < c->nt; i++) free(s->t0[i]);
    free(s->t0);
    free(s->n0);
    free(s->tns);
}

const struct collector_ops collect_vcpu_ops = {
    .name = "vcpu", .priv_size = sizeof(struct vg_state), .wanted = vg_wanted, .arm = vg_arm,
    .begin = vg_begin, .end = vg_end, .finish = vg_finish, .close = vg_close,
};
