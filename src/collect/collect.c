/* collect.c — the collector table and the calls the run makes around
 * the measurement interval (collect.h); the "switches" collector (the
 * servers' threads' context switch counters from /proc). */
#include "collect/collect_int.h"
#include "core/fs.h"
#include "core/log.h"
#include "measure/measure.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct collector_ops *const collect_table[] = {
    &collect_perf_ops, &collect_switch_ops, &collect_vcpu_ops, NULL,
};

/* Loads the user's cause table (first) and the built-in one. */
static int collect_causes(struct collect *c, char *why, size_t n)
{
    if (c->opt.causes[0]) {
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        int bad = mem ? cause_table_load(&c->table, c->opt.causes, mem) : -1;
        if (mem) fclose(mem);
        if (bad) snprintf(why, n, "[profile] causes: %s", text && text[0] ? text : "unreadable");
        free(text);
        if (bad) return -1;
    }
    if (cause_table_parse(&c->table, "built-in cause table", cause_table_builtin, stderr)) {
        snprintf(why, n, "the built-in cause table has bad lines");
        return -1;
    }
    return 0;
}

struct collect *collect_open(const struct job_profile *opt, const char *proc_root,
                             const char *outdir, char *why, size_t n)
{
    why[0] = '\0';
    if (!opt->enabled) return NULL;
    struct collect *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->opt = *opt;
    c->root = proc_root;
    buf_printf(&c->dir, "%s/profile", outdir);
    int ok = collect_causes(c, why, n) == 0;
    for (int i = 0; ok && collect_table[i]; i++) {
        const struct collector_ops *o = collect_table[i];
        if (o->wanted && !o->wanted(opt)) continue;
        c->priv[i] = calloc(1, o->priv_size ? o->priv_size : 1);
        if (!c->priv[i]) abort();
        char w[400];
        if (o->probe && o->probe(c, c->priv[i], w, sizeof w)) {
            snprintf(why, n, "profile: %s: %s", o->name, w);
            ok = 0;
        }
    }
    if (ok && fs_mkdirs(buf_cstr(&c->dir))) {
        snprintf(why, n, "profile: cannot create %s: %s", buf_cstr(&c->dir), strerror(errno));
        ok = 0;
    }
    if (ok) return c;
    collect_close(c);
    return NULL;
}

int collect_arm(struct collect *c, const struct collect_target *t, int n, int tcg,
                char *why, size_t whyn)
{
    c->t = calloc((size_t)(n > 0 ? n : 1), sizeof *c->t);
    if (!c->t) abort();
    for (int i = 0; i < n; i++) {
        c->t[i] = t[i];
        c->t[i].name = strdup(t[i].name ? t[i].name : "?");
        c->t[i].cgroup = t[i].cgroup && t[i].cgroup[0] ? strdup(t[i].cgroup) : NULL;
    }
    c->nt = n;
    c->tcg = tcg;
    for (int i = 0; collect_table[i]; i++) {
        char w[400];
        if (!c->priv[i] || !collect_table[i]->arm) continue;
        if (collect_table[i]->arm(c, c->priv[i], w, sizeof w) == 0) continue;
        snprintf(why, whyn, "profile: %s: %s", collect_table[i]->name, w);
        return -1;
    }
    return 0;
}

void collect_begin(struct collect *c)
{
    for (int i = 0; c && collect_table[i]; i++)
        if (c->priv[i] && collect_table[i]->begin) collect_table[i]->begin(c, c->priv[i]);
}

void collect_end(struct collect *c)
{
    for (int i = 0; c && collect_table[i]; i++)
        if (c->priv[i] && collect_table[i]->end) collect_table[i]->end(c, c->priv[i]);
}

void collect_finish(struct collect *c, int64_t t0, int64_t t1, double sut_cores,
                    double coll_cores)
{
    if (!c) return;
    if (!c->sum) c->sum = calloc(1, sizeof *c->sum);
    if (!c->sum) abort();
    for (int i = 0; collect_table[i]; i++)
        if (c->priv[i] && collect_table[i]->finish) collect_table[i]->finish(c, c->priv[i], t0, t1);
    c->sum->present = 1;            /* even without samples: its error says why */
    c->sum->seconds = t1 > t0 ? (double)(t1 - t0) / 1e9 : 0;
    c->sum->collector_cores = coll_cores;
    prof_scale(c->sum, sut_cores);
}

uint64_t collect_cpu_ns(const struct collect *c)
{
    uint64_t ns = 0;
    for (int i = 0; c && collect_table[i]; i++)
        if (c->priv[i] && collect_table[i]->cpu_ns) ns += collect_table[i]->cpu_ns(c, c->priv[i]);
    return ns;
}

const struct prof_summary *collect_summary(const struct collect *c)
{
    return c ? c->sum : NULL;
}

void collect_close(struct collect *c)
{
    if (!c) return;
    for (int i = 0; collect_table[i]; i++) {
        if (c->priv[i] && collect_table[i]->close) collect_table[i]->close(c, c->priv[i]);
        free(c->priv[i]);
    }
    for (int i = 0; i < c->nt; i++) {
        free((char *)c->t[i].name);
        free((char *)c->t[i].cgroup);
    }
    free(c->t);
    free(c->sum);
    cause_table_free(&c->table);
    buf_free(&c->dir);
    free(c);
}

/* ---- the "switches" collector: /proc/PID/task/TID/status ------------ */

int collect_status_parse(const char *text, uint64_t *vol, uint64_t *invol)
{
    const char *v = strstr(text, "\nvoluntary_ctxt_switches:");
    const char *i = strstr(text, "\nnonvoluntary_ctxt_switches:");
    if (!v || !i) return -1;
    *vol = strtoull(v + 25, NULL, 10);
    *invol = strtoull(i + 28, NULL, 10);
    return 0;
}

/* One thread's counters at the interval's first edge, then its changes. */
struct sw_thread {
    int target;
    pid_t tid;
    char comm[16];
    uint64_t vol, invol;
    int seen;                       /* read again at the last edge */
};

struct sw_state {
    uint64_t *vol0, *invol0;        /* per target: at begin, then the changes */
    int *have;
    struct sw_thread *th;
    int nth, capth;
};

/* The thread of target k with id tid in s, or NULL. */
static struct sw_thread *sw_find(struct sw_state *s, int k, pid_t tid)
{
    for (int i = 0; i < s->nth; i++)
        if (s->th[i].target == k && s->th[i].tid == tid) return &s->th[i];
    return NULL;
}

/* Records (begin) or turns into changes (end) one thread's counters. */
static void sw_thread(struct sw_state *s, int k, pid_t tid, const char *text, uint64_t v,
                      uint64_t iv, int end)
{
    struct sw_thread *t = sw_find(s, k, tid);
    if (end) {
        if (!t) return;
        t->vol = v >= t->vol ? v - t->vol : 0;
        t->invol = iv >= t->invol ? iv - t->invol : 0;
        t->seen = 1;
        return;
    }
    if (s->nth == s->capth) {
        s->capth = s->capth ? s->capth * 2 : 64;
        s->th = realloc(s->th, (size_t)s->capth * sizeof *s->th);
        if (!s->th) abort();
    }
    t = &s->th[s->nth++];
    memset(t, 0, sizeof *t);
    t->target = k;
    t->tid = tid;
    t->vol = v;
    t->invol = iv;
    const char *name = strncmp(text, "Name:", 5) == 0 ? text + 5 : "";
    name += strspn(name, " \t");
    snprintf(t->comm, sizeof t->comm, "%.*s", (int)strcspn(name, "\n"), name);
}

/* The sums over the live threads of target k's process (each thread
 * recorded at begin, or its changes at end). */
static int sw_read(const char *root, struct sw_state *s, int k, pid_t pid, int end,
                   uint64_t *vol, uint64_t *invol)
{
    char path[96], text[4096];
    *vol = *invol = 0;
    snprintf(path, sizeof path, "%s/proc/%d/task", root, (int)pid);
    DIR *d = opendir(path);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        uint64_t v, iv;
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/status", (int)pid, e->d_name);
        if (meas_read(root, path, text, sizeof text) <= 0 || collect_status_parse(text, &v, &iv))
            continue;
        sw_thread(s, k, (pid_t)atoi(e->d_name), text, v, iv, end);
        *vol += v;
        *invol += iv;
    }
    closedir(d);
    return 0;
}

static int sw_arm(struct collect *c, void *priv, char *why, size_t n)
{
    struct sw_state *s = priv;
    s->vol0 = calloc((size_t)c->nt + 1, sizeof *s->vol0);
    s->invol0 = calloc((size_t)c->nt + 1, sizeof *s->invol0);
    s->have = calloc((size_t)c->nt + 1, sizeof *s->have);
    if (!s->vol0 || !s->invol0 || !s->have) abort();
    return 0;
}

static void sw_begin(struct collect *c, void *priv)
{
    struct sw_state *s = priv;
    for (int i = 0; i < c->nt; i++)
        s->have[i] = c->t[i].pid > 0 &&
                     sw_read(c->root, s, i, c->t[i].pid, 0, &s->vol0[i], &s->invol0[i]) == 0;
}

static void sw_end(struct collect *c, void *priv)
{
    struct sw_state *s = priv;
    for (int i = 0; i < c->nt && i < PROF_MAX_SERVERS; i++) {
        uint64_t v, iv;
        if (!s->have[i] || sw_read(c->root, s, i, c->t[i].pid, 1, &v, &iv)) {
            s->have[i] = 0;
            continue;
        }
        s->vol0[i] = v >= s->vol0[i] ? v - s->vol0[i] : 0;
        s->invol0[i] = iv >= s->invol0[i] ? iv - s->invol0[i] : 0;
    }
}

/* Puts one thread's /proc counts beside its tracepoint counts. */
static void sw_merge_thread(struct prof_summary *p, const struct sw_thread *t)
{
    struct prof_thread *x = NULL;
    for (int i = 0; i < p->nthreads && !x; i++)
        if (p->thread[i].tid == t->tid) x = &p->thread[i];
    if (!x && p->nthreads == PROF_MAX_THREADS) return;
    if (!x) {
        x = &p->thread[p->nthreads++];
        memset(x, 0, sizeof *x);
        x->tid = t->tid;
        x->server = t->target;
        snprintf(x->comm, sizeof x->comm, "%s", t->comm);
    }
    x->vol = t->vol;
    x->invol = t->invol;
    x->have_status = 1;
}

/* Copies the interval's counts into the summary (after perf filled it). */
static void sw_finish(struct collect *c, void *priv, int64_t t0, int64_t t1)
{
    struct sw_state *s = priv;
    struct prof_summary *p = c->sum;
    if (p->nservers < c->nt) {
        p->nservers = c->nt < PROF_MAX_SERVERS ? c->nt : PROF_MAX_SERVERS;
        for (int i = 0; i < p->nservers; i++) {
            snprintf(p->srv[i].name, sizeof p->srv[i].name, "%s", c->t[i].name);
            p->srv[i].role = c->t[i].role;
            p->srv[i].guest = c->t[i].guest;
        }
    }
    for (int i = 0; i < p->nservers; i++) {
        p->srv[i].sw.have_status = s->have[i];
        p->srv[i].sw.vol = s->have[i] ? s->vol0[i] : 0;
        p->srv[i].sw.invol = s->have[i] ? s->invol0[i] : 0;
    }
    for (int i = 0; i < s->nth; i++)
        if (s->th[i].seen && s->th[i].target < p->nservers) sw_merge_thread(p, &s->th[i]);
}

static void sw_close(struct collect *c, void *priv)
{
    struct sw_state *s = priv;
    free(s->vol0);
    free(s->invol0);
    free(s->have);
    free(s->th);
}

const struct collector_ops collect_switch_ops = {
    .name = "switches", .priv_size = sizeof(struct sw_state),
    .arm = sw_arm, .begin = sw_begin, .end = sw_end, .finish = sw_finish, .close = sw_close,
};
