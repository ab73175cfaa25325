/* capacity.c — `hostmix capacity JOB.ini [--max-sets N] [--step N]
 * [--output DIR]`: how many sets this host carries within QoS, the
 * question SPECvirt's and VMmark's scores answer.
 *
 * The job is run with 1, 1 + step, 1 + 2 step, ... sets on its platform,
 * each step a whole run (run_once) with its own result in OUTPUT/sets-K,
 * until a step fails (invalid, QoS failed, or a driven role short of its
 * target rate) or max-sets is reached; with step > 1 a bisection between
 * the last pass and the first failure follows.  Data sets are cached per
 * set (prep.c), so a step prepares only the sets no earlier step had.
 * OUTPUT/capacity.json is rewritten after every step, so an interrupted
 * search keeps what it found; SIGINT or SIGTERM ends the current step
 * cleanly (it is not counted) and stops the search. */
#include "run/run_int.h"
#include "report/capacity.h"
#include "report/report.h"
#include "report/html.h"
#include "report/model.h"
#include "core/exitcode.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct cap_args {
    const char *job, *output;
    int max_sets, step;
};

/* The search's state. */
struct cap_search {
    struct run *t;                  /* the template: job, output, formats */
    struct report_capacity *c;
    int order, planned;             /* steps made; an upper bound on steps */
    int sig;                        /* the signal that stopped it, or 0 */
    int status;                     /* exit status when a step could not start */
};

static void cap_usage(FILE *f)
{
    fprintf(f, "usage: hostmix capacity JOB.ini [--max-sets N] [--step N] [--output DIR]\n"
               "Runs the job with 1, 1+N, 1+2N, ... sets until a step fails QoS, cannot hold its\n"
               "target rate or is invalid (then bisects between the last pass and the failure),\n"
               "each step a whole run with its result in DIR/sets-K; writes DIR/capacity.json,\n"
               "capacity.txt and capacity.html (the curve).  Ctrl-C ends the current step and\n"
               "keeps the finished ones.\n"
               "  --max-sets N   largest set count tried (1..%d, default %d)\n"
               "  --step N       sets added per step before the bisection (default 1)\n"
               "  --output DIR   results directory (default: the job's output option)\n"
               "Exit: 0 the search ended with at least one passing step; 1 no step passed, or\n"
               "interrupted, or a step could not start; 2 usage or job-file error.\n",
            RUN_MAX_SETS, RUN_MAX_SETS);
}

/* A whole number in [lo, hi] from text into *v; -1 after saying why. */
static int cap_int(const char *opt, const char *text, int lo, int hi, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(text, &end, 10);
    if (errno || end == text || *end || x < lo || x > hi) {
        fprintf(stderr, "hostmix capacity: %s '%s': expected a whole number from %d to %d\n", opt,
                text, lo, hi);
        return -1;
    }
    *v = (int)x;
    return 0;
}

/* Returns 0, 1 for help, -1 on bad usage (said). */
static int cap_parse(int argc, char **argv, struct cap_args *a)
{
    memset(a, 0, sizeof *a);
    a->max_sets = RUN_MAX_SETS;
    a->step = 1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) return 1;
        if (!strcmp(s, "--max-sets") && i + 1 < argc) {
            if (cap_int(s, argv[++i], 1, RUN_MAX_SETS, &a->max_sets)) return -1;
        } else if (!strcmp(s, "--step") && i + 1 < argc) {
            if (cap_int(s, argv[++i], 1, RUN_MAX_SETS, &a->step)) return -1;
        } else if (!strcmp(s, "--output") && i + 1 < argc) {
            a->output = argv[++i];
        } else if (s[0] == '-' || a->job) {
            fprintf(stderr, "hostmix capacity: unexpected argument '%s'\n", s);
            return -1;
        } else {
            a->job = s;
        }
    }
    if (!a->job) fprintf(stderr, "hostmix capacity: no job file given\n");
    return a->job ? 0 : -1;
}

static void cap_text(const void *c, FILE *f)
{
    report_capacity_text(c, f);
}

/* Writes capacity.json and, when final, capacity.txt, capacity.html (each
 * atomically) and the table on stdout. */
static int cap_write(const struct cap_search *s, int final)
{
    struct buf b = BUF_INIT;
    char *path = strfmt("%s/capacity.json", s->t->outdir);
    report_capacity_json(s->c, &b);
    int rc = fs_write_out(path, buf_head(&b), buf_used(&b));
    if (rc) log_error("cannot write %s: %s", path, strerror(errno));
    free(path);
    buf_reset(&b);
    if (final) {
        report_capacity_text(s->c, stdout);
        path = strfmt("%s/capacity.txt", s->t->outdir);
        rc |= report_write_text(path, cap_text, s->c);
        free(path);
        path = strfmt("%s/capacity.html", s->t->outdir);
        if (report_capacity_html_write(s->c, path, &b)) {
            log_error("%s", buf_cstr(&b));
            rc = -1;
        }
        free(path);
        printf("capacity: %s/capacity.json\n", s->t->outdir);
    }
    buf_free(&b);
    return rc;
}

static void cap_say(const struct cap_search *s, const struct report_cap_step *st)
{
    fprintf(stderr, "step %d/%d: %d set%s: %s, system under test %.3f cores (%.3f per set)%s%s\n",
            st->order, s->planned, st->sets, st->sets == 1 ? "" : "s", st->pass ? "pass" : "FAIL", st->sut_cores,
            st->sut_cores / st->sets, st->pass ? "" : ": ", st->pass ? "" : st->why);
}

/* Makes the step of `sets` sets.  Returns 1 pass, 0 fail, -1 when the
 * search must stop (interrupted, or the step could not start). */
static int cap_step(struct cap_search *s, int sets)
{
    if (s->order > 0 && (s->sig = run_signal_pending())) return -1;
    s->order++;
    char *dir = strfmt("%s/sets-%d", s->t->outdir, sets);
    snprintf(s->t->progress_tag, sizeof s->t->progress_tag, "step %d/%d: %d set%s", s->order,
             s->planned, sets, sets == 1 ? "" : "s");
    struct run *r = run_derive(s->t, dir);
    r->job.sets = sets;
    int64_t t0 = clock_mono_ns();
    s->status = run_once(r);
    int rc = -1;
    if (s->status == 0) {
        run_write_files(r);
        s->sig = r->stop_signal;
        if (!s->sig) {
            struct report_model *m = report_model_from_run(r);
            const struct report_cap_step *st = report_capacity_add(
                s->c, sets, s->order, dir, (double)(clock_mono_ns() - t0) / 1e9, m);
            cap_say(s, st);
            rc = st->pass;
            report_model_free(m);
        }
    }
    run_free(r);
    free(dir);
    s->c->interrupted = s->sig != 0;
    cap_write(s, 0);
    return rc;
}

/* Steps until the search is over (report_capacity_next) or must stop. */
static void cap_search_run(struct cap_search *s, int max, int step)
{
    for (int sets; (sets = report_capacity_next(s->c, max, step)) > 0;)
        if (cap_step(s, sets) < 0) return;
}

/* An upper bound on the steps of the search (for "step 3/8"). */
static int cap_planned(int max, int step)
{
    int n = (max - 1) / step + 1 + ((max - 1) % step != 0), b = 0;
    while ((1 << b) < step) b++;
    return n + b;
}

/* Loads the job into a template run; returns CLI_OK or the exit status. */
static int cap_template(const struct cap_args *a, struct run **out)
{
    struct run *t = calloc(1, sizeof *t);
    if (!t) abort();
    if (job_load(&t->job, a->job, stderr)) {
        free(t);
        return CLI_USAGE;
    }
    if (t->job.repeat > 1)
        fprintf(stderr, "hostmix capacity: each step is one run; repeat = %lld is not used\n",
                (long long)t->job.repeat);
    t->job.repeat = 1;
    run_read_job_text(t, a->job);
    snprintf(t->outdir, sizeof t->outdir, "%s", a->output ? a->output : t->job.output);
    t->want_text = t->want_json = t->want_html = 1;
    if (fs_mkdirs(t->outdir)) {
        fprintf(stderr, "hostmix capacity: cannot create %s: %s\n", t->outdir, strerror(errno));
        job_free(&t->job);
        free(t);
        return CLI_FAILED;
    }
    *out = run_derive(t, t->outdir);    /* with its platform opened */
    job_free(&t->job);
    free(t);
    return CLI_OK;
}

int capacity_cmd(int argc, char **argv)
{
    struct cap_args a;
    int rc = cap_parse(argc, argv, &a);
    if (rc) {
        cap_usage(rc > 0 ? stdout : stderr);
        return rc > 0 ? CLI_OK : CLI_USAGE;
    }
    struct cap_search s = { 0 };
    if ((rc = cap_template(&a, &s.t)) != CLI_OK) return rc;
    s.c = report_capacity_new();
    report_capacity_set_info(s.c, s.t->job.name, a.job, platform_names[s.t->job.platform]);
    s.c->max_sets = a.max_sets;
    s.c->step = a.step;
    s.c->servers_per_set = __builtin_popcount(s.t->job.role_mask);
    s.c->started_unix = (double)clock_wall_ns() / 1e9;
    s.planned = cap_planned(a.max_sets, a.step);
    run_signals_init();
    cap_search_run(&s, a.max_sets, a.step);
    run_signals_done();
    s.c->ended_unix = (double)clock_wall_ns() / 1e9;
    int out = cap_write(&s, 1);
    rc = s.status ? s.status
         : s.sig || out || s.c->capacity == 0 ? CLI_FAILED : CLI_OK;
    report_capacity_free(s.c);
    run_free(s.t);
    return rc;
}
