/* collect_int.h — the collector ops table and the state the collectors
 * share (for src/collect/ only). */
#ifndef HOSTMIX_COLLECT_INT_H
#define HOSTMIX_COLLECT_INT_H

#include "collect/collect.h"
#include "core/buf.h"

#define COLLECT_MAX 4

struct collect {
    struct job_profile opt;
    const char *root;               /* /proc root ("" live) */
    struct buf dir;                 /* OUTDIR/profile */
    struct cause_table table;
    struct collect_target *t;       /* copies; names and cgroups owned */
    int nt, tcg;
    struct prof_summary *sum;       /* after finish */
    void *priv[COLLECT_MAX];        /* each collector's state, NULL when not used */
};

struct collector_ops {
    const char *name;
    size_t priv_size;
    /* whether the options ask for it */
    int (*wanted)(const struct job_profile *o);
    int (*probe)(struct collect *c, void *priv, char *why, size_t n);
    int (*arm)(struct collect *c, void *priv, char *why, size_t n);
    void (*begin)(struct collect *c, void *priv);
    void (*end)(struct collect *c, void *priv);
    /* stops and post-processes into c->sum (perf first: it fills it) */
    void (*finish)(struct collect *c, void *priv, int64_t t0, int64_t t1);
    uint64_t (*cpu_ns)(const struct collect *c, const void *priv);
    void (*close)(struct collect *c, void *priv);
};

/* perf record's argv for the job's [profile] options o: the main
 * recording (exits 0: call chains, the sampling event, one in
 * sched_period scheduler events; kvm: the guests run under KVM), or
 * the KVM exits' (exits 1: every kvm_exit and kvm_entry, no call
 * chains, -m 1024), with FIFOs and data file under dir.  Appends to v
 * (the caller clears it). */
struct strvec;
void collect_perf_argv(const struct job_profile *o, const char *exe, const char *dir, int kvm,
                       int exits, struct strvec *v);

extern const struct collector_ops collect_perf_ops, collect_switch_ops, collect_vcpu_ops;

#endif
