/* plan.c — the server plan (see plan.h): names, listen addresses from the
 * platform's address plan, peers from the role table (web uses its set's
 * nfs, app its set's db), data sets, and the role's serve options. */
#include "run/plan.h"
#include "roles/role.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The spec's data: the role's own data set, or the part of another role's
 * it serves (nfs: web's nfs/). */
static void plan_data(struct server_spec *sp, const struct role_def *rd, plan_data_fn data,
                      const void *ctx)
{
    if (rd->data_of < 0) return;
    const char *dir = data(ctx, sp->set, rd->data_of, 0);
    const char *cached = data(ctx, sp->set, rd->data_of, 1);
    if (!dir || !dir[0]) return;
    const char *sub = rd->data_sub;
    if (asprintf(&sp->data, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "") < 0 ||
        asprintf(&sp->data_cached, "%s%s%s", cached, sub ? "/" : "", sub ? sub : "") < 0)
        abort();
    const char *base = strrchr(cached, '/');
    if (asprintf(&sp->data_key, "%s%s%s", base ? base + 1 : cached, sub ? "-" : "",
                 sub ? sub : "") < 0)
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
                     int role, plan_data_fn data, const void *ctx, const char *logdir)
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
    plan_data(sp, rd, data, ctx);
    if (rd->serve_opts)
        rd->serve_opts(&j->role[role], sp->peer_role >= 0 ? sp->peer_ip : NULL, sp->peer_port,
                       &sp->opts);
    plan_test_slow(sp);
    sp->vcpus = j->role[role].vcpus;
    sp->memory = j->role[role].memory;
    if (asprintf(&sp->log, "%s/%s.log", logdir, sp->name) < 0) abort();
}

int plan_build(struct plan *pl, const struct job *j, const struct plat *p, plan_data_fn data,
               const void *ctx, const char *logdir)
{
    memset(pl, 0, sizeof *pl);
    pl->spec = calloc((size_t)(j->sets * ROLE_COUNT), sizeof *pl->spec);
    if (!pl->spec) abort();
    for (int wave = 0; wave < 2; wave++) {
        for (int set = 1; set <= j->sets; set++)
            for (int rank = 0; rank < ROLE_COUNT; rank++)
                for (int role = 0; role < ROLE_COUNT; role++) {
                    const struct role_def *rd = role_def(role);
                    if (rd->backend == !wave && rd->start_rank == rank && job_has_role(j, role))
                        plan_add(pl, j, p, set, role, data, ctx, logdir);
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
    memset(pl, 0, sizeof *pl);
}
