/* t_capacity.c — the capacity result (report/capacity.c): a step's
 * verdict from its run's model (QoS, rate held, validity), the capacity
 * the steps show whatever order they were made in, and capacity.json
 * written and read back. */
#include "test.h"
#include "core/buf.h"
#include "core/json.h"
#include "report/capacity.h"
#include "report/model.h"

#include <math.h>

/* A model of an idle-only run of `sets` sets at 10/s per set. */
static struct report_model *cap_model(int sets, double achieved, int qos, int valid)
{
    struct report_model *m = report_model_new();
    m->valid = valid;
    m->invalid_reason = valid ? NULL : report_model_str(m, "server set1-idle died");
    m->qos_pass = qos;
    m->have_interval = 1;
    m->cpu.sut_cores = 0.1 * sets;
    m->cpu.servers_cores = 0.05 * sets;
    struct report_role *rr = &m->role[ROLE_IDLE];
    rr->present = rr->driven = 1;
    rr->target_rate = 10.0 * sets;
    rr->achieved_rate = achieved;
    rr->qos_pass = qos;
    rr->qos_failed = qos ? NULL : report_model_str(m, "set3.idle: p99<=100ms (p99 = 1s)");
    m->achieved_total = achieved;
    m->target_total = rr->target_rate;
    return m;
}

static void cap_add(struct report_capacity *c, int sets, int order, double achieved, int qos,
                    int valid)
{
    struct report_model *m = cap_model(sets, achieved, qos, valid);
    report_capacity_add(c, sets, order, "dir", 1.0, m);
    report_model_free(m);
}

TEST(capacity_steps_and_verdicts)
{
    struct report_capacity *c = report_capacity_new();
    cap_add(c, 1, 1, 10, 1, 1);
    cap_add(c, 5, 2, 50, 0, 1);                 /* QoS failed */
    T_EQ_INT(c->capacity, 1);
    T_ASSERT(c->bounded);
    cap_add(c, 3, 3, 29.0, 1, 1);               /* 3.3% short of 30/s: fails */
    cap_add(c, 2, 4, 19.7, 1, 1);               /* 1.5% short: holds */
    T_EQ_INT(c->capacity, 2);
    T_EQ_INT(c->steps[0].sets, 1);              /* sorted by sets */
    T_EQ_INT(c->steps[3].sets, 5);
    const struct report_cap_step *f = report_capacity_first_failure(c);
    T_EQ_INT(f->sets, 3);
    T_EQ_STR(f->failed_role, "idle");
    T_EQ_STR(f->why, "idle achieved 29.00/s of 30.00/s");
    T_EQ_STR(report_capacity_step(c, 5)->why, "idle QoS: set3.idle: p99<=100ms (p99 = 1s)");
    cap_add(c, 4, 5, 40, 1, 0);
    T_EQ_STR(report_capacity_step(c, 4)->why, "invalid: server set1-idle died");
    T_ASSERT(report_capacity_step(c, 4)->failed_role == NULL);
    report_capacity_free(c);
}

TEST(capacity_json_round_trip)
{
    struct report_capacity *c = report_capacity_new();
    report_capacity_set_info(c, "cap", "cap.ini", "native");
    c->servers_per_set = 6;
    c->max_sets = 8;
    c->step = 2;
    cap_add(c, 1, 1, 10, 1, 1);
    cap_add(c, 3, 2, 30, 0, 1);
    cap_add(c, 2, 3, 20, 1, 1);
    struct buf b = BUF_INIT;
    report_capacity_json(c, &b);
    char err[256];
    struct json_doc *d = json_parse(buf_head(&b), buf_used(&b), err, sizeof err);
    T_ASSERT(d != NULL);
    T_NEAR(json_num(json_path(json_root(d), "capacity_servers"), 0), 12, 0);
    struct report_capacity *c2 = report_capacity_from_json(json_root(d), err, sizeof err);
    T_ASSERT(c2 != NULL);
    T_EQ_INT(c2->capacity, 2);
    T_EQ_INT(c2->nsteps, 3);
    T_EQ_INT(c2->steps[2].order, 2);
    T_NEAR(c2->steps[1].sut_cores, 0.2, 1e-15);
    T_ASSERT(isnan(c2->steps[1].role_cores[ROLE_WEB]));
    struct buf b2 = BUF_INIT;
    report_capacity_json(c2, &b2);
    T_ASSERT(buf_used(&b) == buf_used(&b2) && memcmp(buf_head(&b), buf_head(&b2), buf_used(&b)) == 0);
    T_ASSERT(report_capacity_from_json(json_get(json_root(d), "steps"), err, sizeof err) == NULL);
    T_ASSERT(strstr(err, "not a hostmix capacity result") != NULL);
    buf_free(&b);
    buf_free(&b2);
    json_doc_free(d);
    report_capacity_free(c);
    report_capacity_free(c2);
}

/* The order of a search whose steps pass below fail_at (0: never fail). */
static void cap_search(int max, int step, int fail_at, int *seq, int *n)
{
    struct report_capacity *c = report_capacity_new();
    int sets;
    *n = 0;
    while ((sets = report_capacity_next(c, max, step)) > 0 && *n < 64) {
        seq[(*n)++] = sets;
        int pass = !fail_at || sets < fail_at;
        cap_add(c, sets, *n, pass ? 10.0 * sets : 0, pass, 1);
    }
    report_capacity_free(c);
}

TEST(capacity_search_order)
{
    int seq[64], n;
    cap_search(8, 1, 4, seq, &n);               /* 1 2 3 4(fail) */
    T_EQ_INT(n, 4);
    T_EQ_INT(seq[3], 4);
    cap_search(8, 2, 3, seq, &n);               /* 1 3(fail) 2 */
    T_EQ_INT(n, 3);
    T_EQ_INT(seq[1], 3);
    T_EQ_INT(seq[2], 2);
    cap_search(20, 4, 12, seq, &n);             /* 1 5 9 13(fail) 11 12(fail) */
    T_EQ_INT(n, 6);
    T_EQ_INT(seq[3], 13);
    T_EQ_INT(seq[4], 11);
    T_EQ_INT(seq[5], 12);
    cap_search(6, 4, 0, seq, &n);               /* 1 5 6: max itself last */
    T_EQ_INT(n, 3);
    T_EQ_INT(seq[2], 6);
    cap_search(6, 1, 1, seq, &n);               /* 1(fail): capacity 0 */
    T_EQ_INT(n, 1);
}
