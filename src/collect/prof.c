/* prof.c — from `perf script` text to a profile summary (prof.h).
 *
 * Each distinct (symbol, module) pair gets its rules looked up once
 * (the cache below): a profile has a few thousand symbols and millions
 * of frames.  A sample's process decides first (the driver and the
 * profiler are theirs whatever they ran), then the cause table on its
 * call chain, then the process again: user code of a server is its own
 * work, unsymbolized user code of a QEMU guest under TCG is the guest's
 * translated code. */
#include "collect/prof.h"
#include "collect/pscript.h"

#include <stdlib.h>
#include <string.h>

const char *const prof_wait_keys[PW_N] = {
    "preempted", "socket", "futex", "disk", "timer", "child", "kthread", "idle", "other",
};
const char *const prof_wait_labels[PW_N] = {
    "preempted while runnable", "slept on sockets (epoll, poll, recv)",
    "slept on a futex (lock or condition)", "waited for disk or file I/O", "slept for a time",
    "waited on a pipe or a child", "kernel thread waiting for work",
    "the idle task making way", "other",
};
const char *const prof_waker_keys[PK_N] = {
    "same", "server", "driver", "irq", "timer", "kthread", "other",
};
const char *const prof_waker_labels[PK_N] = {
    "its own threads", "another server", "the driver", "an interrupt", "a timer",
    "a kernel thread", "other",
};

enum { OWN_OTHER = -1, OWN_DRIVER = -2, OWN_PROF = -3 };
#define PA_TIDS 8192                /* a power of two */
#define PA_CPUS 1024
#define PROF_MAX_FRAMES 128

/* ---- the symbol cache ------------------------------------------------ */

struct sym_ent {
    char *key;                      /* "sym\tdso" */
    int rules[3];
    int kernel;
    uint64_t leaf;                  /* samples with this as the leaf */
    uint32_t leaf_cause[PC_N];      /* of those, per cause */
    uint32_t by_cause[PC_N];        /* samples of the cause with this frame in the chain
                                     * under a rule of that cause (inclusive) */
    uint64_t mark;                  /* the last sample that counted it */
    uint32_t *by_owner;             /* leaf samples per server (nowner), or NULL */
};

struct sym_cache {
    struct sym_ent **e;             /* open addressing; NULL: a free slot */
    size_t n, cap;
};

static uint64_t sc_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void sc_grow(struct sym_cache *c);

/* The entry of frame f, created (rules looked up) on first sight.
 * Entries are allocated one by one, so a pointer to one stays valid
 * while the table grows (a sample holds its frames' entries). */
static struct sym_ent *sc_get(struct sym_cache *c, const struct cause_table *t,
                              const struct ps_frame *f)
{
    char key[PS_SYM_MAX + PS_DSO_MAX + 2];
    snprintf(key, sizeof key, "%s\t%s", f->sym, f->dso);
    if ((c->n + 1) * 2 > c->cap) sc_grow(c);
    size_t i = sc_hash(key) & (c->cap - 1);
    while (c->e[i] && strcmp(c->e[i]->key, key) != 0) i = (i + 1) & (c->cap - 1);
    if (c->e[i]) return c->e[i];
    struct sym_ent *e = calloc(1, sizeof *e);
    if (!e || !(e->key = strdup(key))) abort();
    struct cause_frame cf = { f->sym, f->dso, f->kernel };
    cause_rules_of(t, &cf, e->rules);
    e->kernel = f->kernel;
    c->e[i] = e;
    c->n++;
    return e;
}

static void sc_grow(struct sym_cache *c)
{
    struct sym_cache d = { NULL, 0, c->cap ? c->cap * 2 : 4096 };
    d.e = calloc(d.cap, sizeof *d.e);
    if (!d.e) abort();
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->e[i]) continue;
        size_t j = sc_hash(c->e[i]->key) & (d.cap - 1);
        while (d.e[j]) j = (j + 1) & (d.cap - 1);
        d.e[j] = c->e[i];
        d.n++;
    }
    free(c->e);
    *c = d;
}

static void sc_free(struct sym_cache *c)
{
    for (size_t i = 0; i < c->cap; i++) {
        if (!c->e[i]) continue;
        free(c->e[i]->key);
        free(c->e[i]->by_owner);
        free(c->e[i]);
    }
    free(c->e);
}

/* ---- one pass ---------------------------------------------------------- */

struct pa {
    const struct prof_input *in;
    struct prof_summary *s;
    struct sym_cache cache;
    struct ps_head h;
    char trace[512];                /* the header's tracepoint text (h.trace points here) */
    struct ps_frame f[PROF_MAX_FRAMES];
    struct sym_ent *fe[PROF_MAX_FRAMES];
    int nf, in_sample;
    uint64_t nsample;               /* samples seen (marks) */
    struct { pid_t tid; int64_t t; int reason; int owner, cpu; } kvm[256];  /* open exits */
    struct { char comm[32]; uint64_t n; } fc[64];                       /* foreign processes */
    int nfc;
    struct pa_tid {                 /* threads seen, by owner (hash) */
        pid_t tid;
        int owner;
        char comm[16];
        uint64_t total, preempt, woken;
    } tids[PA_TIDS];
    pid_t last_next[PA_CPUS];       /* per CPU: next_pid + 1 of its last switch, 0 none */
    int nkvm;
};

/* The slot of tid in the table of threads seen. */
static int pa_tid_slot(const struct pa *a, pid_t tid)
{
    unsigned i = ((unsigned)tid * 2654435761u) & (PA_TIDS - 1);
    for (int k = 0; k < PA_TIDS; k++, i = (i + 1) & (PA_TIDS - 1))
        if (a->tids[i].tid == tid || a->tids[i].tid == 0) return (int)i;
    return -1;
}

/* Remembers that thread tid belongs to owner (a sample header showed
 * its process), so a wakeup that names only the thread finds it. */
static void pa_tid_learn(struct pa *a, pid_t tid, int owner)
{
    if (tid <= 0 || owner == OWN_OTHER) return;
    int i = pa_tid_slot(a, tid);
    if (i < 0) return;
    a->tids[i].tid = tid;
    a->tids[i].owner = owner;
    if (!a->tids[i].comm[0]) snprintf(a->tids[i].comm, sizeof a->tids[i].comm, "%.15s", a->h.comm);
}

/* The counters of a server's thread, or NULL. */
static struct pa_tid *pa_thread(struct pa *a, pid_t tid, int owner)
{
    if (owner < 0 || tid <= 0) return NULL;
    int i = pa_tid_slot(a, tid);
    if (i < 0) return NULL;
    if (a->tids[i].tid != tid) {
        a->tids[i].tid = tid;
        a->tids[i].owner = owner;
    }
    return &a->tids[i];
}

/* The owner of a task: a server's index, or OWN_*. */
static int pa_owner(const struct pa *a, pid_t pid, pid_t tid, const char *comm)
{
    const struct prof_input *in = a->in;
    if (pid <= 0 && tid > 0) {
        int i = pa_tid_slot(a, tid);
        if (i >= 0 && a->tids[i].tid == tid) return a->tids[i].owner;
    }
    if (pid > 0 && pid == in->driver_pid) return OWN_DRIVER;
    if (pid > 0 && (pid == in->profiler_pid || pid == in->exit_recorder_pid)) return OWN_PROF;
    for (int i = 0; i < a->s->nservers; i++) {
        const struct prof_owner *o = &in->owner[i];
        if (pid > 0 && o->pid == pid) return i;
        for (int k = 0; k < o->ntids; k++)
            if (tid > 0 && o->tids[k] == tid) return i;
    }
    if (comm && !strncmp(comm, "vhost-", 6)) {      /* vhost-net's worker of a QEMU */
        pid_t q = (pid_t)atoi(comm + 6);
        for (int i = 0; i < a->s->nservers; i++)
            if (q > 0 && in->owner[i].pid == q) return i;
    }
    return OWN_OTHER;
}

/* Whether code lives in no file: TCG's translated code under QEMU.
 * perf names anonymous executable memory after the JIT map it would read
 * (/tmp/perf-PID.map), or "//anon", or not at all. */
static int pa_anon(const char *dso)
{
    const char *base = strrchr(dso, '/') ? strrchr(dso, '/') + 1 : dso;
    return !strcmp(dso, "[unknown]") || !strncmp(dso, "//anon", 6) || !strncmp(dso, "[anon", 5) ||
           cause_glob("perf-*.map", base);
}

/* The cause of the current cpu-clock sample of owner ow; *depth
 * receives the frame that gave it (0 when the process did). */
static int pa_cause(struct pa *a, int ow, int *depth)
{
    *depth = 0;
    if (ow == OWN_DRIVER) return PC_DRIVER;
    if (ow == OWN_PROF) return PC_PROFILER;
    for (int i = 0; ow == OWN_OTHER && i < a->nf; i++)
        if (!a->f[i].kernel) return PC_FOREIGN;        /* a user process, not hostmix's */
    if (ow >= 0 && a->in->owner[ow].guest && a->nf > 0 && !strncmp(a->f[0].dso, "[guest", 6)) {
        a->s->guest_mode_samples++;                 /* perf resolved it in a guest machine */
        return PC_GUEST;
    }
    int m[PROF_MAX_FRAMES][3];
    for (int i = 0; i < a->nf; i++) memcpy(m[i], a->fe[i]->rules, sizeof m[i]);
    int c = cause_pick((const int (*)[3])m, a->nf, depth);
    if (c >= 0) return c;
    *depth = 0;
    if (a->nf == 0 || a->f[0].kernel || ow < 0) return PC_OTHER;
    const struct prof_owner *o = &a->in->owner[ow];
    if (o->guest) return a->in->tcg && pa_anon(a->f[0].dso) ? PC_GUEST : PC_EMUL;
    return o->role >= 0 && o->role < ROLE_COUNT ? PC_OWN + o->role : PC_OTHER;
}

/* Counts a sample of a process that is not hostmix's by its name. */
static void pa_foreign(struct pa *a)
{
    int i = 0;
    while (i < a->nfc && strncmp(a->fc[i].comm, a->h.comm, sizeof a->fc[i].comm - 1)) i++;
    if (i == a->nfc) {
        if (a->nfc == (int)(sizeof a->fc / sizeof a->fc[0])) return;
        snprintf(a->fc[a->nfc++].comm, sizeof a->fc[0].comm, "%.31s", a->h.comm);
    }
    a->fc[i].n++;
}

/* The foreign processes with most samples into the summary. */
static void pa_foreign_top(struct pa *a)
{
    struct prof_summary *s = a->s;
    for (int k = 0; k < PROF_CAUSE_TOP; k++) {
        int best = -1;
        for (int i = 0; i < a->nfc; i++)
            if (a->fc[i].n && (best < 0 || a->fc[i].n > a->fc[best].n)) best = i;
        if (best < 0) break;
        snprintf(s->foreign[k].comm, sizeof s->foreign[k].comm, "%s", a->fc[best].comm);
        s->foreign[k].samples = a->fc[best].n;
        a->fc[best].n = 0;
        s->nforeign = k + 1;
    }
}

/* Credits the functions that explain a sample's cause c: every frame
 * from the deciding one to the root whose own rules give c (each symbol
 * once), or the leaf when the process gave the cause.  The evidence is
 * inclusive: "tcp_sendmsg 60%" means 60% of the cause's samples ran under
 * tcp_sendmsg. */
static void pa_credit(struct pa *a, int c, int depth)
{
    uint64_t id = ++a->nsample;
    int any = 0;
    for (int i = depth; i < a->nf; i++) {
        struct sym_ent *e = a->fe[i];
        if (e->mark == id || ((i || e->rules[0] != c) && e->rules[1] != c && e->rules[2] != c))
            continue;
        e->mark = id;
        e->by_cause[c]++;
        any = 1;
    }
    if (!any) a->fe[depth]->by_cause[c]++;
}

static void pa_cpu_sample(struct pa *a)
{
    struct prof_summary *s = a->s;
    int ow = pa_owner(a, a->h.pid, a->h.tid, a->h.comm), depth;
    int c = pa_cause(a, ow, &depth);
    double ns = (double)a->h.period;
    s->samples++;
    s->cause[c].samples++;
    s->cause[c].ns += ns;
    if (a->nf > 0) {
        a->fe[0]->leaf++;
        a->fe[0]->leaf_cause[c]++;
        pa_credit(a, c, depth);
        if (!strcmp(a->f[0].sym, "[unknown]")) s->unknown_samples++;
    }
    if (c == PC_FOREIGN) pa_foreign(a);
    if (c == PC_IDLE) return;
    s->busy_samples++;
    s->busy_ns += ns;
    if (prof_cause_is_sut(c)) {
        s->sut_samples++;
        s->sut_ns += ns;
    }
    if (ow >= 0 && a->nf > 0 && ow < PROF_MAX_SERVERS) {
        struct sym_ent *e = a->fe[0];
        if (!e->by_owner) e->by_owner = calloc((size_t)a->in->nowner, sizeof *e->by_owner);
        if (!e->by_owner) abort();
        e->by_owner[ow]++;
    }
    if (ow >= 0) {
        s->srv[ow].samples++;
        s->srv[ow].ns += ns;
        s->srv[ow].cause_ns[c] += ns;
    }
}

static int pa_chain_has(const struct pa *a, const char *const *pats)
{
    for (int i = 0; i < a->nf; i++)
        for (int k = 0; pats[k]; k++)
            if (cause_glob(pats[k], a->f[i].sym)) return 1;
    return 0;
}

/* Why the task switched out slept: the first frame (from the leaf) that
 * says what it waited on. */
static int pa_wait_reason(const struct pa *a, const char *state)
{
    static const struct { int why; const char *pat; } w[] = {
        { PW_SOCKET, "ep_poll" }, { PW_SOCKET, "do_epoll_wait" }, { PW_SOCKET, "sk_wait_data" },
        { PW_SOCKET, "sk_stream_wait_*" }, { PW_SOCKET, "inet_csk_accept" },
        { PW_SOCKET, "unix_stream_read_generic" }, { PW_SOCKET, "do_sys_poll" },
        { PW_SOCKET, "do_select" }, { PW_SOCKET, "tcp_recvmsg*" },
        { PW_FUTEX, "futex_*" }, { PW_FUTEX, "__futex_*" },
        { PW_DISK, "io_schedule*" }, { PW_DISK, "folio_wait*" }, { PW_DISK, "__folio_lock*" },
        { PW_DISK, "jbd2_*" }, { PW_DISK, "blk_*" }, { PW_DISK, "bit_wait_io" },
        { PW_DISK, "ext4_*" }, { PW_DISK, "file_write_and_wait*" },
        { PW_TIMER, "do_nanosleep" }, { PW_TIMER, "hrtimer_nanosleep" },
        { PW_TIMER, "common_nsleep" },
        { PW_CHILD, "pipe_read" }, { PW_CHILD, "pipe_write" }, { PW_CHILD, "do_wait" },
        { PW_CHILD, "kernel_wait4" },
        { PW_KTHREAD, "worker_thread" }, { PW_KTHREAD, "smpboot_thread_fn" },
        { PW_KTHREAD, "rcu_gp_kthread" }, { PW_KTHREAD, "kthreadd" },
        { PW_KTHREAD, "rescuer_thread" },
        { PW_KTHREAD, "rcu_*_kthread" }, { PW_KTHREAD, "kthread" },
    };
    if (a->h.pid == 0) return PW_IDLE;
    if (state[0] == 'R') return PW_PREEMPT;
    for (int i = 0; i < a->nf; i++)
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
            if (cause_glob(w[k].pat, a->f[i].sym)) return w[k].why;
    return state[0] == 'D' ? PW_DISK : PW_OTHER;
}

/* Counts one recorded switch away from the CPU of thread tid (owner ow)
 * as the w switches it stands for (w: one in w was recorded). */
static void pa_count_switch(struct pa *a, pid_t tid, int ow, int why, int implied, uint64_t w)
{
    struct prof_summary *s = a->s;
    struct pa_tid *t = pa_thread(a, tid, ow);
    uint64_t im = implied ? w : 0;
    if (t) {
        t->total += w;
        t->preempt += why == PW_PREEMPT ? w : 0;
    }
    s->have_sched = 1;
    s->host.total += w;
    s->host.wait[why] += w;
    s->host.implied += im;
    if (ow == OWN_DRIVER) s->driver_switches += w;
    if (ow == OWN_PROF) s->profiler_switches += w;
    if (ow < 0) return;
    s->srv[ow].sw.total += w;
    s->srv[ow].sw.wait[why] += w;
    s->srv[ow].sw.implied += im;
}

/* How many events the recorded sched event stands for: its period (perf
 * script prints the event's fixed period when samples carry none: -c N
 * records one in N); noted in the summary. */
static uint64_t pa_weight(struct pa *a)
{
    uint64_t w = a->h.period ? a->h.period : 1;
    a->s->sched_period = w;
    return w;
}

/* A sched_switch event (in the interval or not: every CPU's last next
 * task is tracked).  When every event is recorded, a switch whose
 * previous task is not the one the CPU's last recorded switch put on it
 * implies a switch the tracepoint did not report (on some kernels, out of
 * the idle task): it is counted too, as the idle task making way or as
 * other.  When one in N is recorded, the order says nothing. */
static void pa_switch(struct pa *a, int in_window)
{
    char state[8];
    int cpu = a->h.cpu >= 0 && a->h.cpu < PA_CPUS ? a->h.cpu : 0;
    pid_t prev = a->h.tid, last = a->last_next[cpu] - 1;
    a->last_next[cpu] = (pid_t)ps_trace_num(a->h.trace, "next_pid", -1) + 1;
    if (!in_window) return;
    uint64_t w = pa_weight(a);
    if (w == 1 && last >= 0 && last != prev)
        pa_count_switch(a, last, pa_owner(a, -1, last, NULL), last == 0 ? PW_IDLE : PW_OTHER, 1,
                        1);
    ps_trace_field(a->h.trace, "prev_state", state, sizeof state);
    pa_count_switch(a, prev, pa_owner(a, a->h.pid, a->h.tid, a->h.comm), pa_wait_reason(a, state),
                    0, w);
}

/* Who woke the task: the context the waking ran in. */
static int pa_waker(const struct pa *a, int wakee)
{
    static const char *const timer[] = { "hrtimer_wakeup", "__hrtimer_run_queues",
                                         "call_timer_fn", "run_timer_softirq", "process_timeout",
                                         NULL };
    static const char *const irq[] = { "asm_common_interrupt", "common_interrupt",
                                       "asm_sysvec_*", "sysvec_*", "handle_irq*", NULL };
    if (pa_chain_has(a, timer)) return PK_TIMER;
    if (a->h.pid == 0 || pa_chain_has(a, irq) || !strncmp(a->h.comm, "ksoftirqd", 9))
        return PK_IRQ;
    int ow = pa_owner(a, a->h.pid, a->h.tid, a->h.comm);
    if (ow >= 0) return ow == wakee ? PK_SAME : PK_SERVER;
    if (ow == OWN_DRIVER) return PK_DRIVER;
    if (!strncmp(a->h.comm, "kworker", 7) || !strncmp(a->h.comm, "rcu", 3)) return PK_KTHREAD;
    return PK_OTHER;
}

static void pa_waking(struct pa *a)
{
    char comm[PS_COMM_MAX];
    struct prof_summary *s = a->s;
    pid_t pid = (pid_t)ps_trace_num(a->h.trace, "pid", -1);
    ps_trace_field(a->h.trace, "comm", comm, sizeof comm);
    int wakee = pa_owner(a, -1, pid, comm);
    /* a wakee is found by thread id: its process id is not in the event */
    for (int i = 0; wakee == OWN_OTHER && i < a->s->nservers; i++)
        if (a->in->owner[i].pid == pid) wakee = i;
    int k = pa_waker(a, wakee);
    uint64_t w = pa_weight(a);
    s->have_sched = 1;
    s->host.woken += w;
    s->host.waker[k] += w;
    if (wakee < 0) return;
    struct pa_tid *th = pa_thread(a, pid, wakee);
    if (th) th->woken += w;
    if (th && !th->comm[0]) snprintf(th->comm, sizeof th->comm, "%.15s", comm);
    s->srv[wakee].sw.woken += w;
    s->srv[wakee].sw.waker[k] += w;
}

/* ---- VM exits ------------------------------------------------------------ */

/* The exit reason in a kvm_exit event's text ("reason HLT rip ..."). */
static void pa_exit_reason(const char *trace, char *dst, size_t n)
{
    const char *p = strstr(trace, "reason ");
    dst[0] = '\0';
    if (!p) {
        snprintf(dst, n, "?");
        return;
    }
    p += 7;
    size_t len = strcspn(p, " \t");
    snprintf(dst, n, "%.*s", (int)len, p);
}

static int pa_exit_index(struct prof_summary *s, const char *reason)
{
    for (int i = 0; i < s->nexits; i++)
        if (!strcmp(s->exit[i].reason, reason)) return i;
    if (s->nexits == PROF_MAX_EXITS) return PROF_MAX_EXITS - 1;     /* the last takes the rest */
    snprintf(s->exit[s->nexits].reason, sizeof s->exit[0].reason, "%s", reason);
    return s->nexits++;
}

static void pa_kvm_exit(struct pa *a)
{
    char reason[32];
    pa_exit_reason(a->h.trace, reason, sizeof reason);
    struct prof_summary *s = a->s;
    int k = pa_exit_index(s, reason);
    int ow = pa_owner(a, a->h.pid, a->h.tid, a->h.comm);
    s->kvm = 1;
    s->exit[k].count++;
    s->exits_total++;
    if (ow >= 0) s->srv[ow].exits++;
    int slot = 0;
    while (slot < a->nkvm && a->kvm[slot].tid != a->h.tid) slot++;
    if (slot == a->nkvm) {
        if (a->nkvm == (int)(sizeof a->kvm / sizeof a->kvm[0])) return;
        a->nkvm++;
    }
    a->kvm[slot].tid = a->h.tid;
    a->kvm[slot].t = a->h.t_ns;
    a->kvm[slot].reason = k;
    a->kvm[slot].owner = ow;
    a->kvm[slot].cpu = a->h.cpu;
}

/* A PERF_RECORD_LOST: events of its CPU were not written since that
 * CPU's previous record, perhaps the entry that ends an open exit there,
 * so those exits are left out of the times (counted as unpaired). */
static void pa_lost(struct pa *a, const struct ps_head *h, uint64_t lost)
{
    struct prof_summary *s = a->s;
    if (!s->lost_records)
        s->lost_first_s = h->t_ns > a->in->t0 ? (double)(h->t_ns - a->in->t0) / 1e9 : 0;
    s->lost_records++;
    s->lost_events += lost;
    for (int i = 0; i < a->nkvm; i++) {
        if (a->kvm[i].t < 0 || a->kvm[i].cpu != h->cpu) continue;
        a->kvm[i].t = -1;
        s->exits_unpaired++;
    }
}

double prof_exit_mean_us(const struct prof_exit *x)
{
    uint64_t n = x->timed ? x->timed : x->count;
    return n ? x->ns / 1e3 / (double)n : 0;
}

int prof_exit_is_halt(const char *reason)
{
    return !strcmp(reason, "HLT") || !strcmp(reason, "hlt");
}

void prof_exit_split(const struct prof_summary *s, struct prof_exit *other,
                     struct prof_exit *halt)
{
    memset(other, 0, sizeof *other);
    memset(halt, 0, sizeof *halt);
    snprintf(other->reason, sizeof other->reason, "other");
    snprintf(halt->reason, sizeof halt->reason, "halt");
    for (int i = 0; i < s->nexits; i++) {
        struct prof_exit *to = prof_exit_is_halt(s->exit[i].reason) ? halt : other;
        to->count += s->exit[i].count;
        to->timed += s->exit[i].timed;
        to->ns += s->exit[i].ns;
    }
}

static void pa_kvm_entry(struct pa *a)
{
    for (int i = 0; i < a->nkvm; i++) {
        if (a->kvm[i].tid != a->h.tid || a->kvm[i].t < 0) continue;
        double ns = (double)(a->h.t_ns - a->kvm[i].t);
        if (ns >= 0) {
            a->s->exit[a->kvm[i].reason].ns += ns;
            a->s->exit[a->kvm[i].reason].timed++;
            if (a->kvm[i].owner >= 0) a->s->srv[a->kvm[i].owner].exit_ns += ns;
        }
        a->kvm[i].t = -1;
    }
}

/* ---- driving the pass ---------------------------------------------------- */

static void pa_end_sample(struct pa *a)
{
    const char *ev = a->h.event;
    a->in_sample = 0;
    int in = a->h.t_ns >= a->in->t0 && a->h.t_ns < a->in->t1;
    if (!strcmp(ev, "sched:sched_switch")) pa_switch(a, in);
    if (!in) {
        a->s->outside++;
        return;
    }
    if (!strcmp(ev, "sched:sched_switch")) return;
    else if (!strcmp(ev, "sched:sched_waking") || !strcmp(ev, "sched:sched_wakeup")) pa_waking(a);
    else if (!strcmp(ev, "kvm:kvm_exit")) pa_kvm_exit(a);
    else if (!strcmp(ev, "kvm:kvm_entry")) pa_kvm_entry(a);
    else if (!strchr(ev, ':') || !strcmp(ev, a->in->event)) pa_cpu_sample(a);
}

/* Feeds one line; returns 1 when it was not understood. */
static int pa_line(struct pa *a, const char *line)
{
    if (!line[0]) {
        if (a->in_sample) pa_end_sample(a);
        return 0;
    }
    if (line[0] == ' ' || line[0] == '\t') {
        if (!a->in_sample) return 1;
        if (a->nf == PROF_MAX_FRAMES) return 0;
        if (ps_parse_frame(line, &a->f[a->nf])) return 1;
        a->fe[a->nf] = sc_get(&a->cache, a->in->table, &a->f[a->nf]);
        a->nf++;
        return 0;
    }
    if (a->in_sample) pa_end_sample(a);
    uint64_t lost;
    struct ps_head lh;
    if (strstr(line, "PERF_RECORD_LOST") && ps_parse_lost(line, &lh, &lost) == 0) {
        pa_lost(a, &lh, lost);
        return 0;
    }
    if (ps_parse_head(line, &a->h))
        return line[0] != '\'';     /* perf's own notices ("'trace' not valid ...") are fine */
    pa_tid_learn(a, a->h.tid, pa_owner(a, a->h.pid, a->h.tid, a->h.comm));
    snprintf(a->trace, sizeof a->trace, "%s", a->h.trace);
    a->h.trace = a->trace;
    a->nf = 0;
    a->in_sample = 1;
    return 0;
}

static int sym_cmp(const void *x, const void *y)
{
    const struct prof_sym *a = x, *b = y;
    return a->samples < b->samples ? 1 : a->samples > b->samples ? -1 : strcmp(a->sym, b->sym);
}

/* Keeps sym in the n-entry array top (sorted, largest first) if it is
 * among the largest cap. */
static void top_offer(struct prof_sym *top, int *n, int cap, const struct prof_sym *sym)
{
    if (*n < cap) top[(*n)++] = *sym;
    else if (sym->samples > top[cap - 1].samples) top[cap - 1] = *sym;
    else return;
    qsort(top, (size_t)*n, sizeof *top, sym_cmp);
}

/* The top functions overall and per cause, from the cache. */
static void pa_tops(struct pa *a)
{
    struct prof_summary *s = a->s;
    int cap = a->in->top > 0 && a->in->top <= PROF_TOP ? a->in->top : PROF_TOP;
    for (size_t i = 0; i < a->cache.cap; i++) {
        const struct sym_ent *e = a->cache.e[i];
        if (!e) continue;
        struct prof_sym y;
        memset(&y, 0, sizeof y);
        const char *tab = strchr(e->key, '\t');
        snprintf(y.sym, sizeof y.sym, "%.*s", (int)(tab - e->key), e->key);
        snprintf(y.dso, sizeof y.dso, "%s", tab + 1);
        for (int c = 0; c < PC_N; c++) {
            if (e->leaf_cause[c] > e->leaf_cause[y.cause]) y.cause = c;
            if (!e->by_cause[c]) continue;
            struct prof_sym z = y;
            z.samples = e->by_cause[c];
            z.cause = c;
            top_offer(s->cause[c].top, &s->cause[c].ntop, PROF_CAUSE_TOP, &z);
        }
        y.samples = e->leaf;
        if (e->leaf && y.cause != PC_IDLE) top_offer(s->top, &s->ntop, cap, &y);
        for (int o = 0; e->by_owner && o < s->nservers; o++) {
            if (!e->by_owner[o]) continue;
            y.samples = e->by_owner[o];
            top_offer(s->srv[o].top, &s->srv[o].ntop, PROF_SERVER_TOP, &y);
        }
    }
}

static int thread_cmp(const void *x, const void *y)
{
    const struct prof_thread *a = x, *b = y;
    return a->total < b->total ? 1 : a->total > b->total ? -1 : a->tid - b->tid;
}

/* The servers' threads with most switches into the summary. */
static void pa_threads(struct pa *a)
{
    struct prof_summary *s = a->s;
    for (int i = 0; i < PA_TIDS; i++) {
        const struct pa_tid *t = &a->tids[i];
        if (t->tid <= 0 || t->owner < 0 || (!t->total && !t->woken)) continue;
        struct prof_thread x = { .tid = t->tid, .server = t->owner, .total = t->total,
                                 .preempt = t->preempt, .woken = t->woken };
        snprintf(x.comm, sizeof x.comm, "%s", t->comm);
        if (s->nthreads < PROF_MAX_THREADS) s->thread[s->nthreads++] = x;
        else if (x.total > s->thread[PROF_MAX_THREADS - 1].total)
            s->thread[PROF_MAX_THREADS - 1] = x;
        else continue;
        qsort(s->thread, (size_t)s->nthreads, sizeof *s->thread, thread_cmp);
    }
}

long prof_analyze(FILE *in, const struct prof_input *pi, struct prof_summary *out)
{
    struct pa *a = calloc(1, sizeof *a);
    if (!a) abort();
    memset(out, 0, sizeof *out);
    a->in = pi;
    a->s = out;
    out->sched_period = 1;
    out->nservers = pi->nowner < PROF_MAX_SERVERS ? pi->nowner : PROF_MAX_SERVERS;
    for (int i = 0; i < out->nservers; i++) {
        snprintf(out->srv[i].name, sizeof out->srv[i].name, "%s", pi->owner[i].name);
        out->srv[i].role = pi->owner[i].role;
        out->srv[i].guest = pi->owner[i].guest;
    }
    char *line = NULL;
    size_t cap = 0;
    long bad = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
        bad += pa_line(a, line);
    }
    if (a->in_sample) pa_end_sample(a);
    free(line);
    pa_tops(a);
    pa_foreign_top(a);
    pa_threads(a);
    out->present = 1;
    out->tcg = pi->tcg;
    sc_free(&a->cache);
    free(a);
    return bad;
}

int prof_cause_is_sut(int cause)
{
    return cause >= 0 && cause < PC_N && cause != PC_IDLE && cause != PC_DRIVER &&
           cause != PC_PROFILER;
}

/* prof_scale with the guest cause from the vCPU threads: the guest's
 * cores are theirs, the other samples share what is left. */
static void prof_scale_threads(struct prof_summary *s, double sut_cores)
{
    double g = s->seconds > 0 ? s->guest_thread_ns / (s->seconds * 1e9) : 0;
    if (g > sut_cores) g = sut_cores;
    double rest_ns = s->sut_ns - s->cause[PC_GUEST].ns, rest = sut_cores - g;
    for (int c = 0; c < PC_N; c++) {
        struct prof_cause_fig *f = &s->cause[c];
        if (c == PC_GUEST) f->cores = g;
        else f->cores = rest_ns > 0 ? rest * f->ns / rest_ns : 0;
        f->pct_busy = prof_cause_is_sut(c) && sut_cores > 0 ? 100.0 * f->cores / sut_cores : 0;
    }
}

void prof_scale(struct prof_summary *s, double sut_cores)
{
    s->sut_cores = sut_cores;
    if (s->guest_threads) {
        prof_scale_threads(s, sut_cores);
        return;
    }
    for (int c = 0; c < PC_N; c++) {
        struct prof_cause_fig *f = &s->cause[c];
        int sut = prof_cause_is_sut(c);
        /* in the same units as the system under test's samples, so any
         * sampling event (cpu-clock's nanoseconds, cycles) scales alike */
        f->pct_busy = sut && s->sut_ns > 0 ? 100.0 * f->ns / s->sut_ns : 0;
        f->cores = s->sut_ns > 0 ? sut_cores * f->ns / s->sut_ns : 0;
    }
}

double prof_server_cores(const struct prof_summary *s, int i)
{
    const struct prof_server *v = &s->srv[i];
    if (!s->guest_threads) return s->sut_ns > 0 ? s->sut_cores * v->ns / s->sut_ns : 0;
    double rest_ns = s->sut_ns - s->cause[PC_GUEST].ns;
    double rest = s->sut_cores - s->cause[PC_GUEST].cores;
    double own = rest_ns > 0 ? rest * (v->ns - v->cause_ns[PC_GUEST]) / rest_ns : 0;
    return (s->seconds > 0 ? v->guest_thread_ns / (s->seconds * 1e9) : 0) + own;
}

void prof_guest_note(const struct prof_summary *s, char *dst, size_t n)
{
    double frac = s->vcpu_ticks ? (double)s->guest_ticks / (double)s->vcpu_ticks : 0;
    snprintf(dst, n, "from %d vCPU threads' run time (schedstat) times their guest share "
             "%.1f%% (guest_time %llu of %llu utime+stime ticks: tick-sampled), not from "
             "samples; sampled %s; %llu guest-mode samples resolved by perf and the %llu "
             "vmx/svm_vcpu_run samples are in that figure, the other samples share the rest",
             s->vcpu_threads, 100 * frac, (unsigned long long)s->guest_ticks,
             (unsigned long long)s->vcpu_ticks,
             s->guest_record[0] ? s->guest_record : "with perf's defaults",
             (unsigned long long)s->guest_mode_samples,
             (unsigned long long)(s->cause[PC_GUEST].samples - s->guest_mode_samples));
}
