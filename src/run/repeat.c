/* repeat.c — a run made N times (`repeat = N` in [global], or `hostmix
 * run --repeat N`), pbench's way of knowing the noise.
 *
 * Each repeat is a whole run (run_once): data reset from the prepared
 * copy, servers started, baseline, load, teardown; it writes its own
 * report.txt and result.json into OUTPUT/repeat-K.  Then OUTPUT/result.json
 * and report.txt are the last repeat's, with every repeat's CPU figures
 * and their mean, standard deviation and 95% confidence interval
 * (report/repeats.c).  A repeat that is invalid or failed QoS, or a
 * spread above max_stddev, makes the whole result invalid or failed.
 * SIGINT or SIGTERM ends the current repeat cleanly and keeps the
 * finished ones (the result says it was interrupted). */
#include "run/run_int.h"
#include "report/model.h"
#include "report/repeats.h"
#include "report/report.h"
#include "core/exitcode.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

int run_repeat_arg(const char *text, int *n)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > 100) {
        fprintf(stderr, "hostmix run: --repeat '%s': expected a whole number from 1 to 100\n", text);
        return -1;
    }
    *n = (int)v;
    return 0;
}

int run_write_files(struct run *r)
{
    struct report_model *m = report_model_from_run(r);
    int rc = report_write_files(m, r->outdir, run_report_files(r) | REPORT_FILE_JSON);
    report_model_free(m);
    return rc;
}

/* Prints m's report and writes OUTPUT's report files. */
static int rr_write_top(const struct run *t, const struct report_model *m)
{
    if (t->want_text) report_render_text(m, stdout);
    int rc = report_write_files(m, t->outdir, run_report_files(t));
    if (rc == 0 && t->want_json) printf("result: %s/result.json\n", t->outdir);
    return rc;
}

/* One line per finished repeat on stderr. */
static void rr_say(int k, int n, const struct report_repeat_run *x)
{
    fprintf(stderr, "repeat %d/%d: %s, QoS %s, system under test %.3f cores, %.2f req/s (%s)\n",
            k, n, x->valid ? "valid" : "INVALID", x->qos_pass ? "pass" : "FAILED", x->sut_cores,
            x->achieved_rate, x->dir);
}

/* Makes repeat k of t's job into OUTPUT/repeat-K.  Returns its model
 * (the caller frees it) with its figures in *x (strings owned by hold),
 * or NULL with *status set when nothing was started; *sig is the signal
 * that stopped it, or 0. */
static struct report_model *rr_one(struct run *t, int k, struct report_model *hold,
                                   struct report_repeat_run *x, int *status, int *sig)
{
    char *dir = strfmt("%s/repeat-%d", t->outdir, k);
    snprintf(t->progress_tag, sizeof t->progress_tag, "repeat %d/%lld", k,
             (long long)t->job.repeat);
    struct run *r = run_derive(t, dir);
    *status = run_once(r);
    struct report_model *m = NULL;
    if (*status == 0) {
        run_write_files(r);
        m = report_model_from_run(r);
        report_repeat_run_from(hold, m, dir, x);
        rr_say(k, (int)t->job.repeat, x);
    }
    *sig = r->stop_signal;
    run_free(r);
    free(dir);
    return m;
}

/* The repeats on m; an interruption between or during repeats makes it
 * invalid and incomplete. */
static void rr_finish(const struct run *t, struct report_model *m,
                      const struct report_repeat_run *runs, int made, int sig)
{
    report_repeats_attach(m, runs, made, t->job.max_stddev);
    if (made < t->job.repeat || sig) {
        m->complete = 0;
        if (m->valid) {
            m->valid = 0;
            m->invalid_reason = report_model_strf(m, "interrupted by %s after %d of %lld repeats",
                                                  sig == SIGTERM ? "SIGTERM" : "SIGINT", made,
                                                  (long long)t->job.repeat);
        }
    }
}

int run_repeat(struct run *t)
{
    int n = (int)t->job.repeat, made = 0, status = 0, sig = 0;
    struct report_repeat_run *runs = calloc((size_t)n, sizeof *runs);
    struct report_model *hold = report_model_new(), *last = NULL;
    if (!runs) abort();
    run_signals_init();
    for (int k = 1; k <= n && !sig; k++) {
        if (k > 1 && (sig = run_signal_pending())) break;
        struct report_model *m = rr_one(t, k, hold, &runs[made], &status, &sig);
        if (!m) break;
        made++;
        report_model_free(last);
        last = m;
    }
    run_signals_done();
    int rc = status ? status : CLI_FAILED;
    if (last) {
        rr_finish(t, last, runs, made, sig);
        int out = rr_write_top(t, last);
        rc = last->valid && last->qos_pass && out == 0 ? CLI_OK : CLI_FAILED;
        if (!last->valid) fprintf(stderr, "hostmix run: run invalid: %s\n", last->invalid_reason);
    }
    report_model_free(last);
    report_model_free(hold);
    free(runs);
    return rc;
}
