/* cmd.c — `hostmix run JOB.ini`: the command line, then one run (run.c)
 * or N repeats of it (repeat.c), then the report on stdout and the report
 * files. */
#include "run/run_int.h"
#include "core/exitcode.h"
#include "report/model.h"
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints the text report (when asked for) and writes the report files;
 * returns -1 if one failed. */
static int run_write_outputs(struct run *r)
{
    struct report_model *m = report_model_from_run(r);
    if (r->want_text) report_render_text(m, stdout);
    int rc = report_write_files(m, r->outdir, run_report_files(r));
    if (rc == 0 && r->want_json) printf("result: %s/result.json\n", r->outdir);
    report_model_free(m);
    return rc;
}

static void run_usage(FILE *f)
{
    fprintf(f, "usage: hostmix run JOB.ini [--output DIR] [--format text,json,html] [--keep-work] "
               "[--repeat N] [--wait]\n"
               "  --output DIR     results directory (default: the job's output option)\n"
               "  --format LIST    text, json, html (report.html), any of them (default all)\n"
               "  --keep-work      keep the working copy of db/imap data as "
               "DATA_DIR/hostmix-kept-PID\n"
               "  --repeat N       make the run N times (the job's repeat option): mean, spread\n"
               "                   and 95%% confidence interval of the CPU figures\n"
               "  --wait           wait while another hostmix run holds the host (by default\n"
               "                   the run refuses, naming it; see allow_overlap)\n"
               "Exit status: 0 valid run and QoS passed; 1 QoS failed or run invalid; "
               "2 usage or job-file error.\n");
}

/* Parses the command line into r; returns -1 on bad usage, 1 for help. */
static int run_args(struct run *r, int argc, char **argv, const char **jobpath,
                    const char **outdir, int *repeat)
{
    const char *fmt = "text,json,html";
    *jobpath = *outdir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
        if (!strcmp(argv[i], "--output") && i + 1 < argc) *outdir = argv[++i];
        else if (!strcmp(argv[i], "--keep-work")) r->keep_work = 1;
        else if (!strcmp(argv[i], "--wait")) r->wait_host = 1;
        else if (!strcmp(argv[i], "--format") && i + 1 < argc) fmt = argv[++i];
        else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            if (run_repeat_arg(argv[++i], repeat)) return -1;
        }
        else if (argv[i][0] == '-' || *jobpath) {
            fprintf(stderr, "hostmix run: unexpected argument '%s'\n", argv[i]);
            return -1;
        } else *jobpath = argv[i];
    }
    if (!*jobpath) {
        fprintf(stderr, "hostmix run: no job file given\n");
        return -1;
    }
    char copy[64];
    snprintf(copy, sizeof copy, "%s", fmt);
    for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!strcmp(t, "text")) r->want_text = 1;
        else if (!strcmp(t, "json")) r->want_json = 1;
        else if (!strcmp(t, "html")) r->want_html = 1;
        else {
            fprintf(stderr, "hostmix run: unknown format '%s' (text, json, html)\n", t);
            return -1;
        }
    }
    return 0;
}

int run_cmd(int argc, char **argv)
{
    struct run *r = calloc(1, sizeof *r);
    if (!r) abort();
    const char *jobpath, *outdir;
    int repeat = 0;
    int rc = run_args(r, argc, argv, &jobpath, &outdir, &repeat);
    if (rc) {
        run_usage(rc > 0 ? stdout : stderr);
        free(r);
        return rc > 0 ? CLI_OK : CLI_USAGE;
    }
    if (job_load(&r->job, jobpath, stderr)) {
        free(r);
        return CLI_USAGE;
    }
    if (repeat) r->job.repeat = repeat;
    run_read_job_text(r, jobpath);
    snprintf(r->outdir, sizeof r->outdir, "%s", outdir ? outdir : r->job.output);
    run_open_platform(r);
    if (r->job.repeat > 1) {
        rc = run_repeat(r);         /* repeat.c: N runs, their spread */
        run_free(r);
        return rc;
    }
    run_signals_init();
    rc = run_once(r);
    run_signals_done();
    if (rc == 0) {
        int out = run_write_outputs(r);
        rc = r->valid && r->qos_pass && out == 0 ? CLI_OK : CLI_FAILED;
        if (!r->valid) fprintf(stderr, "hostmix run: run invalid: %s\n", r->invalid);
    }
    run_free(r);
    return rc;
}
