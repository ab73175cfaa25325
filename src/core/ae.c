/* ae.c — see ae.h.
 *
 * Timers live in a pool of slots; a timer's id packs its slot index in the
 * low 24 bits and a generation above, so a stale id never matches a reused
 * slot.  A deleted timer leaves the heap at once (swap with the last
 * element and re-sift), so the heap never holds dead entries. */
#include "core/ae.h"
#include "core/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#define AE_SLOT_BITS 24
#define AE_SLOT_MASK ((1LL << AE_SLOT_BITS) - 1)

struct ae_file {
    int mask;
    ae_file_fn *fn;
    void *data;
};

struct ae_timer {
    int64_t id;          /* 0 when the slot is free */
    int64_t deadline;
    ae_timer_fn *fn;
    void *data;
    int heap_pos;
    int next_free;
};

/* A timer due in the current pass (see ae_run_timers). */
struct ae_due {
    int64_t deadline, id;
};

struct ae_loop {
    int epfd;
    int setsize;
    struct ae_file *files;
    struct epoll_event *fired;
    int nfired_max;
    struct ae_timer *timers;
    int ntimers_cap, free_slot;
    int *heap;            /* slot indices, min-heap on deadline */
    int heap_len;
    struct ae_due *due;   /* scratch for ae_run_timers, ntimers_cap long */
    int64_t gen;
    int64_t now;
    int stop;
    int have_pwait2;
    ae_before_fn *before;
    void *before_data;
};

ae_loop *ae_create(int setsize)
{
    ae_loop *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->setsize = setsize > 16 ? setsize : 16;
    l->files = calloc((size_t)l->setsize, sizeof *l->files);
    l->nfired_max = 256;
    l->fired = calloc((size_t)l->nfired_max, sizeof *l->fired);
    l->free_slot = -1;
    l->have_pwait2 = 1;
    l->now = clock_mono_ns();
    if (l->epfd < 0 || !l->files || !l->fired) {
        ae_destroy(l);
        return NULL;
    }
    return l;
}

void ae_destroy(ae_loop *l)
{
    if (!l) return;
    if (l->epfd >= 0) close(l->epfd);
    free(l->files);
    free(l->fired);
    free(l->timers);
    free(l->heap);
    free(l->due);
    free(l);
}

static int ae_grow_files(ae_loop *l, int fd)
{
    int n = l->setsize;
    while (n <= fd) n *= 2;
    struct ae_file *f = realloc(l->files, (size_t)n * sizeof *f);
    if (!f) return -1;
    memset(f + l->setsize, 0, (size_t)(n - l->setsize) * sizeof *f);
    l->files = f;
    l->setsize = n;
    return 0;
}

static uint32_t ae_epoll_events(int mask)
{
    return (mask & AE_READABLE ? EPOLLIN : 0) | (mask & AE_WRITABLE ? EPOLLOUT : 0);
}

int ae_add_file(ae_loop *l, int fd, int mask, ae_file_fn *fn, void *data)
{
    if (fd < 0) { errno = EBADF; return -1; }
    if (fd >= l->setsize && ae_grow_files(l, fd) < 0) return -1;
    struct ae_file *f = &l->files[fd];
    if ((f->mask | mask) == AE_NONE) return 0;  /* nothing to watch: never added */
    struct epoll_event ev = { .events = ae_epoll_events(f->mask | mask), .data.fd = fd };
    int op = f->mask == AE_NONE ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(l->epfd, op, fd, &ev) < 0) return -1;
    f->mask |= mask;
    f->fn = fn;
    f->data = data;
    return 0;
}

void ae_del_file(ae_loop *l, int fd, int mask)
{
    if (fd < 0 || fd >= l->setsize) return;
    struct ae_file *f = &l->files[fd];
    if (f->mask == AE_NONE) return;
    f->mask &= ~mask;
    struct epoll_event ev = { .events = ae_epoll_events(f->mask), .data.fd = fd };
    epoll_ctl(l->epfd, f->mask == AE_NONE ? EPOLL_CTL_DEL : EPOLL_CTL_MOD, fd, &ev);
    if (f->mask == AE_NONE) f->fn = NULL, f->data = NULL;
}

int ae_file_mask(ae_loop *l, int fd)
{
    return fd >= 0 && fd < l->setsize ? l->files[fd].mask : AE_NONE;
}

/* ---- timer heap ---------------------------------------------------- */

static int ae_before(const ae_loop *l, int a, int b)
{
    const struct ae_timer *x = &l->timers[l->heap[a]], *y = &l->timers[l->heap[b]];
    return x->deadline < y->deadline || (x->deadline == y->deadline && x->id < y->id);
}

static void ae_heap_swap(ae_loop *l, int a, int b)
{
    int t = l->heap[a];
    l->heap[a] = l->heap[b];
    l->heap[b] = t;
    l->timers[l->heap[a]].heap_pos = a;
    l->timers[l->heap[b]].heap_pos = b;
}

static void ae_heap_up(ae_loop *l, int i)
{
    while (i > 0 && ae_before(l, i, (i - 1) / 2)) {
        ae_heap_swap(l, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void ae_heap_down(ae_loop *l, int i)
{
    for (;;) {
        int m = i, c1 = 2 * i + 1, c2 = 2 * i + 2;
        if (c1 < l->heap_len && ae_before(l, c1, m)) m = c1;
        if (c2 < l->heap_len && ae_before(l, c2, m)) m = c2;
        if (m == i) return;
        ae_heap_swap(l, i, m);
        i = m;
    }
}

static void ae_heap_remove(ae_loop *l, int pos)
{
    int last = --l->heap_len;
    if (pos != last) {
        ae_heap_swap(l, pos, last);
        ae_heap_down(l, pos);
        ae_heap_up(l, pos);
    }
}

static int ae_alloc_slot(ae_loop *l)
{
    if (l->free_slot < 0) {
        int n = l->ntimers_cap ? l->ntimers_cap * 2 : 64;
        if (n > AE_SLOT_MASK) return -1;
        struct ae_timer *t = realloc(l->timers, (size_t)n * sizeof *t);
        if (!t) abort();
        l->timers = t;
        int *h = realloc(l->heap, (size_t)n * sizeof *h);
        if (!h) abort();
        l->heap = h;
        struct ae_due *d = realloc(l->due, (size_t)n * sizeof *d);
        if (!d) abort();
        l->due = d;
        for (int i = n - 1; i >= l->ntimers_cap; i--) {
            t[i].id = 0;
            t[i].next_free = l->free_slot;
            l->free_slot = i;
        }
        l->ntimers_cap = n;
    }
    int s = l->free_slot;
    l->free_slot = l->timers[s].next_free;
    return s;
}

int64_t ae_add_timer_at(ae_loop *l, int64_t deadline, ae_timer_fn *fn, void *data)
{
    int s = ae_alloc_slot(l);
    if (s < 0) return -1;
    struct ae_timer *t = &l->timers[s];
    t->id = (++l->gen << AE_SLOT_BITS) | s;
    t->deadline = deadline;
    t->fn = fn;
    t->data = data;
    t->heap_pos = l->heap_len;
    l->heap[l->heap_len++] = s;
    ae_heap_up(l, t->heap_pos);
    return t->id;
}

int64_t ae_add_timer(ae_loop *l, int64_t delay_ns, ae_timer_fn *fn, void *data)
{
    return ae_add_timer_at(l, clock_mono_ns() + delay_ns, fn, data);
}

static struct ae_timer *ae_find_timer(ae_loop *l, int64_t id)
{
    int64_t s = id & AE_SLOT_MASK;
    if (id <= 0 || s >= l->ntimers_cap || l->timers[s].id != id) return NULL;
    return &l->timers[s];
}

static void ae_free_timer(ae_loop *l, struct ae_timer *t)
{
    int s = (int)(t->id & AE_SLOT_MASK);
    t->id = 0;
    t->next_free = l->free_slot;
    l->free_slot = s;
}

int ae_del_timer(ae_loop *l, int64_t id)
{
    struct ae_timer *t = ae_find_timer(l, id);
    if (!t) return -1;
    ae_heap_remove(l, t->heap_pos);
    ae_free_timer(l, t);
    return 0;
}

static int ae_due_cmp(const void *a, const void *b)
{
    const struct ae_due *x = a, *y = b;
    if (x->deadline != y->deadline) return x->deadline < y->deadline ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Runs every timer due by now, in deadline order, each at most once per
 * pass: the due timers are gathered from the heap first (a walk of the
 * subtree whose deadlines are <= now), then run.  A timer re-armed with a
 * deadline still in the past (a zero delay, or a periodic timer behind
 * schedule) therefore runs again on the next pass, after descriptors had
 * their turn, instead of looping here.  A callback may add or delete
 * timers, including its own; each gathered timer is looked up by id before
 * it runs, so a deleted one is skipped. */
static int ae_run_timers(ae_loop *l)
{
    int ran = 0, ndue = 0;
    int64_t now = l->now;
    if (l->heap_len == 0 || l->timers[l->heap[0]].deadline > now) return 0;
    /* breadth-first over heap positions; due[] doubles as the queue */
    l->due[ndue++].id = 0;
    for (int q = 0; q < ndue; q++) {
        int pos = (int)l->due[q].id;
        for (int c = 2 * pos + 1; c <= 2 * pos + 2 && c < l->heap_len; c++)
            if (l->timers[l->heap[c]].deadline <= now) l->due[ndue++].id = c;
    }
    for (int q = 0; q < ndue; q++) {
        const struct ae_timer *t = &l->timers[l->heap[l->due[q].id]];
        l->due[q] = (struct ae_due){ t->deadline, t->id };
    }
    qsort(l->due, (size_t)ndue, sizeof *l->due, ae_due_cmp);
    for (int q = 0; q < ndue; q++) {
        /* copied out: a callback adding timers may move l->due */
        int64_t id = l->due[q].id;
        struct ae_timer *t = ae_find_timer(l, id);
        if (!t) continue;                         /* deleted meanwhile */
        int64_t prev = t->deadline;
        int64_t again = t->fn(l, id, t->data);
        ran++;
        t = ae_find_timer(l, id);     /* the pool may have moved */
        if (!t) continue;             /* deleted by its own callback */
        if (again == AE_NOMORE) {
            ae_heap_remove(l, t->heap_pos);
            ae_free_timer(l, t);
        } else {
            t->deadline = prev + (again > 0 ? again : 0);
            if (t->deadline < now - CLOCK_NS_PER_S)     /* far behind: resync, */
                t->deadline = now + (again > 0 ? again : 0);   /* no burst */
            ae_heap_down(l, t->heap_pos);
            ae_heap_up(l, t->heap_pos);
        }
    }
    return ran;
}

void ae_set_before(ae_loop *l, ae_before_fn *fn, void *data)
{
    l->before = fn;
    l->before_data = data;
}

static int ae_wait(ae_loop *l, int64_t timeout_ns)
{
#ifdef SYS_epoll_pwait2
    if (l->have_pwait2) {
        struct timespec ts, *tp = NULL;
        if (timeout_ns >= 0) {
            ts.tv_sec = (time_t)(timeout_ns / CLOCK_NS_PER_S);
            ts.tv_nsec = (long)(timeout_ns % CLOCK_NS_PER_S);
            tp = &ts;
        }
        long n = syscall(SYS_epoll_pwait2, l->epfd, l->fired, l->nfired_max, tp, NULL, 0);
        if (n >= 0 || errno != ENOSYS) return (int)n;
        l->have_pwait2 = 0;
    }
#endif
    int64_t ms64 = timeout_ns < 0 ? -1 : (timeout_ns + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS;
    int ms = ms64 > INT32_MAX ? INT32_MAX : (int)ms64;
    return epoll_wait(l->epfd, l->fired, l->nfired_max, ms);
}

int ae_process(ae_loop *l, int64_t max_wait)
{
    if (l->before) l->before(l, l->before_data);
    int64_t timeout = max_wait;
    if (l->heap_len > 0) {
        int64_t until = l->timers[l->heap[0]].deadline - clock_mono_ns();
        if (until < 0) until = 0;
        if (timeout < 0 || until < timeout) timeout = until;
    }
    int n = ae_wait(l, timeout);
    l->now = clock_mono_ns();
    int ran = 0;
    for (int i = 0; i < n; i++) {
        int fd = l->fired[i].data.fd;
        uint32_t ev = l->fired[i].events;
        struct ae_file *f = fd < l->setsize ? &l->files[fd] : NULL;
        if (!f || !f->fn) continue;
        int mask = 0;
        if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) mask |= AE_READABLE;
        if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) mask |= AE_WRITABLE;
        mask &= f->mask;
        if (!mask) continue;
        f->fn(l, fd, f->data, mask);
        ran++;
    }
    return ran + ae_run_timers(l);
}

void ae_run(ae_loop *l)
{
    l->stop = 0;
    while (!l->stop) ae_process(l, -1);
}

void ae_stop(ae_loop *l) { l->stop = 1; }

int64_t ae_now(ae_loop *l) { return l->now; }
