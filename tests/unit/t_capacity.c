/* t_capacity.c — the capacity result (report/capacity.c): a step's
 * verdict from its run's model (QoS, rate held, validity), the capacity
 * the steps show whatever order they were made in, the search's steps and
 * its answer for every shape of search (all pass up to max, the first step
 * fails, a failure found by bisection, flaky steps), and capacity.json
 * written and read back. */
#include "test.h"
#include "core/buf.h"
#include "core/json.h"
#include "report/capacity.h"
#include "report/model.h"

#include <math.h>
#include <string.h>

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
    struct buf why = BUF_INIT;
    struct report_capacity *c2 = report_capacity_from_json(json_root(d), &why);
    T_ASSERT(c2 != NULL);
    T_EQ_INT(c2->capacity, 2);
    T_EQ_INT(c2->nsteps, 3);
    T_EQ_INT(c2->steps[2].order, 2);
    T_NEAR(c2->steps[1].sut_cores, 0.2, 1e-15);
    T_ASSERT(isnan(c2->steps[1].role_cores[ROLE_WEB]));
    struct buf b2 = BUF_INIT;
    report_capacity_json(c2, &b2);
    T_ASSERT(buf_used(&b) == buf_used(&b2) && memcmp(buf_head(&b), buf_head(&b2), buf_used(&b)) == 0);
    T_ASSERT(report_capacity_from_json(json_get(json_root(d), "steps"), &why) == NULL);
    T_ASSERT(strstr(buf_cstr(&why), "not a hostmix capacity result") != NULL);
    buf_free(&why);
    buf_free(&b);
    buf_free(&b2);
    json_doc_free(d);
    report_capacity_free(c);
    report_capacity_free(c2);
}

/* A search of at most max sets, step sets apart, as run/capacity.c makes
 * it (report_capacity_next, then report_capacity_add of the step's run):
 * the step of K sets passes when outcome[K - 1] is 'p' and fails
 * otherwise.
 * The set counts tried, in the order made, go to seq (n of them); the
 * result is returned (free it). */
static struct report_capacity *cap_search(int max, int step, const char *outcome, int *seq,
                                          int *n)
{
    struct report_capacity *c = report_capacity_new();
    int sets;
    *n = 0;
    while ((sets = report_capacity_next(c, max, step)) > 0 && *n < 64) {
        seq[(*n)++] = sets;
        int pass = sets <= (int)strlen(outcome) && outcome[sets - 1] == 'p';
        cap_add(c, sets, *n, pass ? 10.0 * sets : 0, pass, 1);
    }
    return c;
}

/* The sets tried, "1 5 9", for comparing with the order worked out by hand. */
static const char *cap_seq(const int *seq, int n)
{
    static char text[256];
    size_t at = 0;
    text[0] = '\0';
    for (int i = 0; i < n && at < sizeof text; i++)
        at += (size_t)snprintf(text + at, sizeof text - at, "%s%d", i ? " " : "", seq[i]);
    return text;
}

TEST(capacity_search_order)
{
    int seq[64], n;
    struct report_capacity *c;
    c = cap_search(8, 1, "pppfffff", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 2 3 4");
    report_capacity_free(c);
    c = cap_search(8, 2, "ppffffff", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 3 2");
    report_capacity_free(c);
    c = cap_search(20, 4, "pppppppppppfffffffff", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 5 9 13 11 12");
    report_capacity_free(c);
}

/* Every step passes: the search climbs by step, tries max itself last,
 * and the capacity is max, unbounded ("at least max"). */
TEST(capacity_answer_passes_to_max)
{
    int seq[64], n;
    struct report_capacity *c = cap_search(6, 4, "pppppp", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 5 6");
    T_EQ_INT(c->capacity, 6);
    T_EQ_INT(c->bounded, 0);
    T_ASSERT(report_capacity_first_failure(c) == NULL);
    report_capacity_free(c);
    c = cap_search(3, 1, "ppp", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 2 3");
    T_EQ_INT(c->capacity, 3);
    T_EQ_INT(c->bounded, 0);
    report_capacity_free(c);
}

/* The first step (1 set) fails: nothing else is tried, capacity 0. */
TEST(capacity_answer_fails_at_one)
{
    int seq[64], n;
    struct report_capacity *c = cap_search(6, 2, "ffffff", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1");
    T_EQ_INT(c->capacity, 0);
    T_EQ_INT(c->bounded, 1);
    T_EQ_INT(report_capacity_first_failure(c)->sets, 1);
    report_capacity_free(c);
}

/* 11 sets pass, 12 fail, step 4 up to 20: 1, 5, 9 pass, 13 fails; the
 * bisection tries 9 + (13 - 9) / 2 = 11 (pass), then 11 + (13 - 11) / 2 =
 * 12 (fail), and stops with the failure right above: capacity 11. */
TEST(capacity_answer_after_bisection)
{
    int seq[64], n;
    struct report_capacity *c = cap_search(20, 4, "pppppppppppfffffffff", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 5 9 13 11 12");
    T_EQ_INT(c->capacity, 11);
    T_EQ_INT(c->bounded, 1);
    T_EQ_INT(report_capacity_first_failure(c)->sets, 12);
    report_capacity_free(c);
    /* the bisection's every step fails: 1 passes, 5 fails, 3 fails, 2 fails */
    c = cap_search(20, 4, "pfffffffffffffffffff", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 5 3 2");
    T_EQ_INT(c->capacity, 1);
    T_EQ_INT(report_capacity_first_failure(c)->sets, 2);
    report_capacity_free(c);
}

/* Flaky steps, whose verdicts do not fall with the set count.  The
 * capacity is the largest pass below the smallest failure, whatever order
 * the steps were made in. */
TEST(capacity_answer_flaky)
{
    int seq[64], n;
    /* 13 fails, 11 fails, 10 passes (12 would have passed, never tried):
     * 1 5 9 pass; 13 fails; 9 + 2 = 11 fails; 9 + 1 = 10 passes; 10. */
    struct report_capacity *c = cap_search(20, 4, "ppppppppppfpffffffff", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 5 9 13 11 10");
    T_EQ_INT(c->capacity, 10);
    T_EQ_INT(report_capacity_first_failure(c)->sets, 11);
    report_capacity_free(c);
    /* 9 fails, then 7 fails though 5 passed, then 6 passes: 1 5 pass; 9
     * fails; 5 + 2 = 7 fails; 5 + 1 = 6 passes; 6 (8 passes, not tried). */
    c = cap_search(12, 4, "ppppppfpffff", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 5 9 7 6");
    T_EQ_INT(c->capacity, 6);
    T_EQ_INT(c->bounded, 1);
    report_capacity_free(c);
    /* 2 and 3 fail though 4 and up would pass: 1 passes, 3 fails, 2
     * fails; capacity 1 */
    c = cap_search(8, 2, "pffppppp", seq, &n);
    T_EQ_STR(cap_seq(seq, n), "1 3 2");
    T_EQ_INT(c->capacity, 1);
    report_capacity_free(c);
    /* a pass above the smallest failure does not count, whatever the
     * order the steps came in: 10 passes, 13 and 11 fail, 12 passes */
    c = report_capacity_new();
    cap_add(c, 10, 1, 100, 1, 1);
    cap_add(c, 13, 2, 0, 0, 1);
    cap_add(c, 11, 3, 0, 0, 1);
    cap_add(c, 12, 4, 120, 1, 1);
    T_EQ_INT(c->capacity, 10);
    T_EQ_INT(report_capacity_first_failure(c)->sets, 11);
    report_capacity_free(c);
}
