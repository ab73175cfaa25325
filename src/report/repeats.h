/* repeats.h — a run made N times (`repeat = N`): every run's figures and
 * their spread, held by the report model (model.h, m->repeats), written
 * to result.json as "repeats", read back, shown in the text report, and
 * tested by compare (Welch's t-test, compare_stats.c). */
#ifndef HOSTMIX_REPORT_REPEATS_H
#define HOSTMIX_REPORT_REPEATS_H

#include <stdio.h>

#include "core/stats.h"
#include "job/job.h"

struct report_model;
struct json_w;
struct json_val;

/* One run of the repeats: where it wrote its result and its figures. */
struct report_repeat_run {
    char *dir;                      /* OUTPUT/repeat-K */
    int valid, qos_pass;
    char *invalid_reason;           /* NULL when valid */
    double achieved_rate, sut_cores, servers_cores;
    double role_cores[ROLE_COUNT];  /* NAN for roles not deployed */
};

struct report_repeats {
    int n;
    struct report_repeat_run *run;
    double max_stddev;              /* percent of the mean; 0: no bound */
    /* over the runs with figures, at 95%: */
    struct stats_summary sut, servers, role[ROLE_COUNT];
    /* The figure whose spread is judged: system-under-test CPU, or the
     * servers' own CPU when the former's mean is 0 (host busy time, counted
     * in 1/USER_HZ ticks, was all hostmix's own: a small load on a quiet
     * host).  Points into this struct; spread_of names it (static). */
    const struct stats_summary *spread;
    const char *spread_of;
    double spread_pct;              /* spread->sd / spread->mean, percent; NAN under 2 runs */
    int spread_ok;                  /* max_stddev is 0 or not exceeded (nor unjudgeable) */
};

#define REPORT_REPEAT_LEVEL 0.95

/* Whether m's repeats judge the servers' own CPU rather than system-under-
 * test CPU (see struct report_repeats' spread); 0 without repeats. */
int report_repeats_use_servers(const struct report_model *m);

/* One run's figures from its model into *o (strings owned by m, the model
 * that will hold the repeats). */
void report_repeat_run_from(struct report_model *m, const struct report_model *run,
                            const char *dir, struct report_repeat_run *o);
/* Gives m the repeats runs[0..n) (copied into memory m owns) and their
 * spread.  A repeat that is invalid or failed QoS, or a spread above
 * max_stddev, makes m invalid or failed, naming the repeat or the
 * spread. */
void report_repeats_attach(struct report_model *m, const struct report_repeat_run *runs, int n,
                           double max_stddev);
/* result.json's "repeats" member (nothing when m has no repeats). */
void report_repeats_json(struct json_w *w, const struct report_model *m);
/* Reads "repeats" back into m (absent or null: m->repeats stays NULL). */
void report_repeats_from_json(const struct json_val *o, struct report_model *m);
/* The text report's repeats section (nothing without repeats). */
void report_repeats_text(const struct report_model *m, FILE *f);

/* compare_stats.c: b's CPU against a's from their repeats when both have
 * at least 2 runs with figures, as one sentence into out: "B needs 26.6% ±
 * 1.9% more CPU than A for the same work (95% CI; Welch's t-test p =
 * 0.003)", or "no significant difference" when the interval holds 0;
 * forced ends it (the reason the work differs) unless "".  Returns 1 if it
 * appended the verdict, 0 when a side has no repeats (out untouched). */
struct buf;
int report_compare_repeats(const struct report_model *a, const struct report_model *b,
                           const char *la, const char *lb, const char *forced, struct buf *out);
/* The line saying on how many runs a comparison without repeats rests. */
void report_compare_runs_note(const struct report_model *a, const struct report_model *b,
                              const char *la, const char *lb);

#endif
