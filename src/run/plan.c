/* plan.c — the server plan (see plan.h): names, listen addresses from the
 * platform's address plan, peers from the role table (web uses its set's
 * nfs, app its set's db), data sets, and the role's serve options. */
#include "run/plan.h"
#include "roles/role.h"
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The data set word of role's real server when the job runs it and it
 * has a data set of its own ("pg15"), else NULL. */
static const char *plan_real_label(const struct job *j, int role)
{
    const struct role_real *real = role_def(role)->real;
    return real && j->role[role].software == ROLE_SW_REAL ? real->data_label : NULL;
}

void plan_data_build(struct plan *pl, const struct job *j)
{
    pl->data = calloc((size_t)(j->sets * ROLE_COUNT), sizeof *pl->data);
    if (!pl->data) abort();
    for (int set = 1; set <= j->sets; set++)
        for (int role = 0; role < ROLE_COUNT; role++) {
            if (!role_prepared(j->role_mask, role)) continue;
            struct plan_data *d = &pl->data[pl->ndata++];
            struct role_size_opt o[ROLE_MAX_SIZE_OPTS];
            struct buf key = BUF_INIT;
            int k = role_def(role)->size_opts(&j->role[role], o);
            d->set = set;
            d->role = role;
            d->mutates = role_def(role)->mutates;
            const char *real = plan_real_label(j, role);
            buf_printf(&key, "%s%s%s-seed%llu-set%d", role_names[role], real ? "-" : "",
                       real ? real : "", (unsigned long long)j->seed, set);
            if (real) strvec_push(&d->size, "--software=real");
            for (int i = 0; i < k; i++) {
                strvec_push(&d->size, o[i].flag);
                strvec_push(&d->size, o[i].value);
                buf_printf(&key, "-%s%s", o[i].label, o[i].value);
            }
            d->key = strdup(buf_cstr(&key));
            buf_free(&key);
            if (!d->key || asprintf(&d->cached, "%s/%s", j->data_dir, d->key) < 0) abort();
            if (!(d->dir = strdup(d->cached))) abort();
        }
}

void plan_data_serve(struct plan_data *d, const char *dir)
{
    free(d->dir);
    if (!(d->dir = strdup(dir))) abort();
}

/* The spec's data: the role's own data set, or the part of another role's
 * it serves (nfs: web's nfs/). */
static void plan_spec_data(const struct plan *pl, struct server_spec *sp,
                           const struct role_def *rd)
{
    const struct plan_data *d = NULL;
    for (int i = 0; i < pl->ndata && !d; i++)
        if (pl->data[i].set == sp->set && pl->data[i].role == rd->data_of) d = &pl->data[i];
    if (!d) return;
    const char *sub = rd->data_sub;
    if (asprintf(&sp->data, "%s%s%s", d->dir, sub ? "/" : "", sub ? sub : "") < 0 ||
        asprintf(&sp->data_cached, "%s%s%s", d->cached, sub ? "/" : "", sub ? sub : "") < 0 ||
        asprintf(&sp->data_key, "%s%s%s", d->key, sub ? "-" : "", sub ? sub : "") < 0)
        abort();
    sp->data_rw = rd->mutates;
}

/* Test hook (docs/run.md, "Test hooks"): HOSTMIX_TEST_SLOW_FROM_SET=N
 * makes the idle servers of sets N and above answer each heartbeat
 * 200 ms late, so that a capacity search fails QoS at a known set count
 * whatever the host.  Not for measurements. */
static void plan_test_slow(struct server_spec *sp)
{
    const char *e = getenv("HOSTMIX_TEST_SLOW_FROM_SET");
    int from = e ? atoi(e) : 0;
    if (from >= 1 && role_def(sp->role)->idle && sp->set >= from)
        strvec_push(&sp->opts, "--answer-delay=200ms");
}

static void plan_add(struct plan *pl, const struct job *j, const struct plat *p, int set,
                     int role, const char *logdir)
{
    const struct role_def *rd = role_def(role);
    struct server_spec *sp = &pl->spec[pl->n++];
    memset(sp, 0, sizeof *sp);
    sp->set = set;
    sp->role = role;
    snprintf(sp->name, sizeof sp->name, "set%d-%s", set, role_names[role]);
    p->ops->addr(p, set, role, sp->ip, sizeof sp->ip);
    sp->port = (int)j->role[role].port;
    sp->peer_role = -1;
    if (rd->peer >= 0 && job_has_role(j, rd->peer)) {
        sp->peer_role = rd->peer;
        p->ops->addr(p, set, rd->peer, sp->peer_ip, sizeof sp->peer_ip);
        sp->peer_port = (int)j->role[rd->peer].port;
    }
    plan_spec_data(pl, sp, rd);
    if (rd->serve_opts)
        rd->serve_opts(&j->role[role], sp->peer_role >= 0 ? sp->peer_ip : NULL, sp->peer_port,
                       &sp->opts);
    plan_test_slow(sp);
    sp->real = rd->real && j->role[role].software == ROLE_SW_REAL;
    sp->ro = &j->role[role];
    sp->vcpus = j->role[role].vcpus;
    sp->memory = j->role[role].memory;
    if (asprintf(&sp->log, "%s/%s.log", logdir, sp->name) < 0) abort();
}

int plan_build(struct plan *pl, const struct job *j, const struct plat *p, const char *logdir)
{
    pl->spec = calloc((size_t)(j->sets * ROLE_COUNT), sizeof *pl->spec);
    if (!pl->spec) abort();
    for (int wave = 0; wave < 2; wave++) {
        for (int set = 1; set <= j->sets; set++)
            for (int rank = 0; rank < ROLE_COUNT; rank++)
                for (int role = 0; role < ROLE_COUNT; role++) {
                    const struct role_def *rd = role_def(role);
                    if (rd->backend == !wave && rd->start_rank == rank && job_has_role(j, role))
                        plan_add(pl, j, p, set, role, logdir);
                }
        if (wave == 0) pl->nfirst = pl->n;
    }
    return 0;
}

void plan_free(struct plan *pl)
{
    for (int i = 0; i < pl->n; i++) {
        struct server_spec *sp = &pl->spec[i];
        free(sp->data);
        free(sp->data_cached);
        free(sp->data_key);
        free(sp->log);
        strvec_clear(&sp->opts);
    }
    free(pl->spec);
    for (int i = 0; i < pl->ndata; i++) {
        free(pl->data[i].key);
        free(pl->data[i].cached);
        free(pl->data[i].dir);
        strvec_clear(&pl->data[i].size);
    }
    free(pl->data);
    memset(pl, 0, sizeof *pl);
}
