/* t_ae.c — the event loop: timer order, periodic re-arming, deletion from
 * callbacks, file events on a pipe, many timers. */
#include "test.h"
#include "core/ae.h"
#include "core/clock.h"
#include "core/rng.h"

#include <stdlib.h>
#include <unistd.h>

#define MS CLOCK_NS_PER_MS

struct order { int64_t *deadline; int *fired; int n; int64_t late; };

/* Records which timer fired; the timer's data is its index in o->deadline. */
static struct order *g_order;
static int64_t order_fn(ae_loop *l, int64_t id, void *data)
{
    struct order *o = g_order;
    int idx = (int)(intptr_t)data;
    o->fired[o->n++] = idx;
    if (ae_now(l) < o->deadline[idx]) o->late = -1;        /* fired early */
    return AE_NOMORE;
}

TEST(ae_timers_fire_in_deadline_order)
{
    enum { N = 200 };
    int64_t deadline[N];
    int fired[N];
    struct order o = { deadline, fired, 0, 0 };
    struct rng r;
    ae_loop *l = ae_create(16);
    T_ASSERT(l);
    g_order = &o;
    rng_seed(&r, 21, 0, 0);
    int64_t now = clock_mono_ns();
    for (int i = 0; i < N; i++) {
        deadline[i] = now + (int64_t)rng_below(&r, 20 * MS);
        T_ASSERT(ae_add_timer_at(l, deadline[i], order_fn, (void *)(intptr_t)i) > 0);
    }
    int64_t end = now + 2000 * MS;
    while (o.n < N && clock_mono_ns() < end) ae_process(l, 10 * MS);
    ae_destroy(l);
    T_EQ_INT(o.n, N);
    T_EQ_INT(o.late, 0);
    for (int i = 1; i < N; i++)
        if (deadline[fired[i]] < deadline[fired[i - 1]]) {
            t_fail(__FILE__, __LINE__, "timer %d (deadline %lld) fired after %d (%lld)",
                   fired[i], (long long)deadline[fired[i]], fired[i - 1],
                   (long long)deadline[fired[i - 1]]);
            return;
        }
}

/* Periodic timers.  The n-th run of a timer first due at D0 with period P
 * is due at D0 + n*P (the next deadline counts from the previous one, not
 * from when the callback ran), so it never runs early, and a timer behind
 * schedule catches up by running on consecutive passes.  Both are checked
 * without timing thresholds, so a loaded machine cannot fail the test. */
struct periodic { int runs, want, early; int64_t d0, period; };
static int64_t periodic_fn(ae_loop *l, int64_t id, void *data)
{
    struct periodic *p = data;
    if (clock_mono_ns() < p->d0 + p->runs * p->period) p->early = 1;
    return ++p->runs < p->want ? p->period : AE_NOMORE;
}

TEST(ae_periodic_timer_no_drift)
{
    ae_loop *l = ae_create(16);
    T_ASSERT(l);
    /* never early: 10 runs, 2 ms apart */
    struct periodic p = { 0, 10, 0, clock_mono_ns() + 1 * MS, 2 * MS };
    ae_add_timer_at(l, p.d0, periodic_fn, &p);
    int64_t end = clock_mono_ns() + 2000 * MS;
    while (p.runs < p.want && clock_mono_ns() < end) ae_process(l, 10 * MS);
    T_EQ_INT(p.runs, p.want);
    T_EQ_INT(p.early, 0);
    /* catching up: first due 500 ms ago with a 50 ms period, the timer is
     * due again at once after each run (counting from now it would not be
     * due for 50 ms) */
    struct periodic q = { 0, 1000, 0, clock_mono_ns() - 500 * MS, 50 * MS };
    ae_add_timer_at(l, q.d0, periodic_fn, &q);
    for (int i = 0; i < 5; i++) ae_process(l, 0);
    T_EQ_INT(q.runs, 5);
    T_EQ_INT(q.early, 0);
    /* more than a second behind: resynchronised to now, no burst */
    struct periodic r = { 0, 1000, 0, clock_mono_ns() - 5000 * MS, 1000 * MS };
    int64_t rid = ae_add_timer_at(l, r.d0, periodic_fn, &r);
    ae_process(l, 0);
    ae_process(l, 0);
    T_EQ_INT(r.runs, 1);
    ae_del_timer(l, rid);
    ae_destroy(l);
}

/* Timer deletion from inside callbacks. */
struct del { ae_loop *l; int64_t self, other; int self_runs, other_runs; int del_rc; };
static int64_t del_self_fn(ae_loop *l, int64_t id, void *data)
{
    struct del *d = data;
    d->self_runs++;
    d->del_rc = ae_del_timer(l, id);            /* delete itself ... */
    if (d->other) ae_del_timer(l, d->other);    /* ... and the other one */
    return 1 * MS;                              /* ignored: it is gone */
}
static int64_t del_other_fn(ae_loop *l, int64_t id, void *data)
{
    ((struct del *)data)->other_runs++;
    return AE_NOMORE;
}
static int64_t count_fn(ae_loop *l, int64_t id, void *data)
{
    ++*(int *)data;
    return AE_NOMORE;
}

TEST(ae_timer_deletes_itself_and_another)
{
    struct del d = { 0 };
    ae_loop *l = ae_create(16);
    T_ASSERT(l);
    int64_t now = clock_mono_ns();
    d.self = ae_add_timer_at(l, now + 1 * MS, del_self_fn, &d);
    d.other = ae_add_timer_at(l, now + 1 * MS, del_other_fn, &d);   /* due together */
    int later_runs = 0;
    int64_t later = ae_add_timer_at(l, now + 5 * MS, count_fn, &later_runs);
    T_ASSERT(d.self > 0 && d.other > 0 && later > 0 && d.self != d.other);
    int64_t end = now + 2000 * MS;
    while (!later_runs && clock_mono_ns() < end) ae_process(l, 5 * MS);
    ae_process(l, 0);
    T_EQ_INT(d.self_runs, 1);
    T_EQ_INT(d.del_rc, 0);
    T_EQ_INT(d.other_runs, 0);                  /* deleted before it could run */
    T_EQ_INT(later_runs, 1);
    T_EQ_INT(ae_del_timer(l, d.self), -1);      /* stale ids are refused */
    T_EQ_INT(ae_del_timer(l, later), -1);
    T_EQ_INT(ae_del_timer(l, 0), -1);
    T_EQ_INT(ae_del_timer(l, 12345), -1);
    ae_destroy(l);
}

/* A timer asking to run again at once runs once per ae_process: the loop
 * still returns and gives descriptors their turn. */
static int64_t again_fn(ae_loop *l, int64_t id, void *data)
{
    return ++*(int *)data < 1000 ? 0 : AE_NOMORE;
}

TEST(ae_timer_rearm_zero_yields)
{
    int runs = 0;
    ae_loop *l = ae_create(16);
    T_ASSERT(l);
    ae_add_timer(l, 0, again_fn, &runs);
    T_EQ_INT(ae_process(l, 0), 1);
    T_EQ_INT(runs, 1);
    T_EQ_INT(ae_process(l, 0), 1);
    T_EQ_INT(runs, 2);
    for (int i = 0; i < 2000 && runs < 1000; i++) ae_process(l, 0);
    T_EQ_INT(runs, 1000);
    ae_destroy(l);
}

struct pipe_ev { int reads, writes, last_mask; char got; };
static void pipe_fn(ae_loop *l, int fd, void *data, int mask)
{
    struct pipe_ev *p = data;
    p->last_mask = mask;
    if (mask & AE_READABLE) {
        p->reads++;
        if (read(fd, &p->got, 1) != 1) p->got = 0;
    }
    if (mask & AE_WRITABLE) p->writes++;
}

TEST(ae_file_events_on_pipe)
{
    int fds[2];
    struct pipe_ev rd = { 0 }, wr = { 0 };
    T_ASSERT(pipe(fds) == 0);
    ae_loop *l = ae_create(4);
    T_ASSERT(l);
    /* the write end is writable at once */
    T_EQ_INT(ae_add_file(l, fds[1], AE_WRITABLE, pipe_fn, &wr), 0);
    T_EQ_INT(ae_file_mask(l, fds[1]), AE_WRITABLE);
    T_EQ_INT(ae_process(l, 100 * MS), 1);
    T_EQ_INT(wr.writes, 1);
    T_EQ_INT(wr.last_mask, AE_WRITABLE);
    ae_del_file(l, fds[1], AE_WRITABLE);
    T_EQ_INT(ae_file_mask(l, fds[1]), AE_NONE);
    /* the read end: nothing until a byte arrives (an empty mask first) */
    T_EQ_INT(ae_add_file(l, fds[0], AE_NONE, pipe_fn, &rd), 0);
    T_EQ_INT(ae_add_file(l, fds[0], AE_READABLE, pipe_fn, &rd), 0);
    T_EQ_INT(ae_process(l, 5 * MS), 0);
    T_EQ_INT(rd.reads, 0);
    T_EQ_INT(write(fds[1], "x", 1), 1);
    T_EQ_INT(ae_process(l, 100 * MS), 1);
    T_EQ_INT(rd.reads, 1);
    T_EQ_INT(rd.got, 'x');
    T_EQ_INT(wr.writes, 1);                     /* the write end is no longer watched */
    /* ae_del_file stops events */
    ae_del_file(l, fds[0], AE_READABLE);
    T_EQ_INT(write(fds[1], "y", 1), 1);
    T_EQ_INT(ae_process(l, 5 * MS), 0);
    T_EQ_INT(rd.reads, 1);
    /* a descriptor above the initial set size, and mask merging */
    int big = dup2(fds[0], 200);
    T_ASSERT(big == 200);
    T_EQ_INT(ae_add_file(l, big, AE_READABLE, pipe_fn, &rd), 0);
    T_EQ_INT(ae_add_file(l, big, AE_WRITABLE, pipe_fn, &rd), 0);
    T_EQ_INT(ae_file_mask(l, big), AE_READABLE | AE_WRITABLE);
    T_EQ_INT(ae_process(l, 100 * MS), 1);       /* the pending 'y' */
    T_EQ_INT(rd.got, 'y');
    ae_del_file(l, big, AE_READABLE | AE_WRITABLE);
    ae_del_file(l, big, AE_READABLE);           /* twice is harmless */
    ae_del_file(l, 100000, AE_READABLE);        /* never seen */
    T_EQ_INT(ae_add_file(l, -1, AE_READABLE, pipe_fn, &rd), -1);
    close(big);
    /* the writer closing shows as readable (EOF) */
    T_EQ_INT(ae_add_file(l, fds[0], AE_READABLE, pipe_fn, &rd), 0);
    close(fds[1]);
    T_EQ_INT(ae_process(l, 100 * MS), 1);
    T_EQ_INT(rd.reads, 3);                      /* 'x', 'y' through fd 200, EOF */
    ae_del_file(l, fds[0], AE_READABLE);
    close(fds[0]);
    ae_destroy(l);
}

/* 10k timers: all fire, in deadline order; half are deleted before their
 * time.  A timer's data points at its deadline. */
struct many { int64_t last; int fired, disorder, early; };
static struct many g_many;
static int64_t many_fn(ae_loop *l, int64_t id, void *data)
{
    struct many *m = &g_many;
    int64_t deadline = *(const int64_t *)data;
    m->fired++;
    if (deadline < m->last) m->disorder++;
    if (ae_now(l) < deadline) m->early++;
    m->last = deadline;
    return AE_NOMORE;
}

TEST(ae_many_timers)
{
    enum { N = 10000 };
    static int64_t ids[N], deadline[N + 1];
    struct many *m = &g_many;
    struct rng r;
    ae_loop *l = ae_create(16);
    T_ASSERT(l);
    rng_seed(&r, 22, 0, 0);
    int64_t now = clock_mono_ns();
    for (int i = 0; i < N; i++) {
        deadline[i] = now + 2 * MS + (int64_t)rng_below(&r, 30 * MS);
        ids[i] = ae_add_timer_at(l, deadline[i], many_fn, &deadline[i]);
        T_ASSERT(ids[i] > 0);
    }
    for (int i = 0; i < N; i += 2) T_EQ_INT(ae_del_timer(l, ids[i]), 0);
    int64_t end = now + 3000 * MS;
    while (m->fired < N / 2 && clock_mono_ns() < end) ae_process(l, 10 * MS);
    T_EQ_INT(m->fired, N / 2);
    T_EQ_INT(m->disorder, 0);
    T_EQ_INT(m->early, 0);
    for (int i = 0; i < N; i++) T_EQ_INT(ae_del_timer(l, ids[i]), -1);   /* all gone */
    /* slots are reused with fresh ids */
    deadline[N] = clock_mono_ns() + 1 * MS;
    int64_t again = ae_add_timer_at(l, deadline[N], many_fn, &deadline[N]);
    for (int i = 0; i < N; i++) T_ASSERT(ids[i] != again);
    ae_destroy(l);
}

static int64_t stop_fn(ae_loop *l, int64_t id, void *data)
{
    ++*(int *)data;
    ae_stop(l);
    return AE_NOMORE;
}
static void before_fn(ae_loop *l, void *data) { ++*(int *)data; }

TEST(ae_run_stop_and_before)
{
    int stopped = 0, before = 0;
    int64_t t0 = clock_mono_ns();       /* before the loop's cached time */
    ae_loop *l = ae_create(16);
    T_ASSERT(l);
    ae_set_before(l, before_fn, &before);
    ae_add_timer(l, 2 * MS, stop_fn, &stopped);
    ae_run(l);
    T_EQ_INT(stopped, 1);
    T_ASSERT(before >= 1);
    T_ASSERT(clock_mono_ns() - t0 >= 2 * MS);
    T_ASSERT(ae_now(l) >= t0 + 2 * MS);
    ae_destroy(l);
}
