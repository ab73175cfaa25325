/* cmd.c — `hostmix report RESULT.json [--format text|json]`: the report a
 * run printed, reprinted from its stored result.json through the report
 * model (text: the lines of report.txt; json: the model as result.json). */
#include "report/report.h"
#include "report/model.h"
#include "cli/cli.h"
#include "core/buf.h"

#include <stdio.h>
#include <string.h>

static void report_usage(FILE *f)
{
    fprintf(f, "usage: hostmix report RESULT.json [--format text|json]\n"
               "Prints the report of a stored run: text (default) gives the lines the run\n"
               "wrote to report.txt; json gives the result again, in the current schema.\n"
               "Exit: 0 printed; 2 usage, or a file that is unreadable, not a result, of a\n"
               "newer schema or from an older hostmix that did not store it all.\n");
}

int report_cmd(int argc, char **argv)
{
    const char *file = NULL, *format = "text";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            report_usage(stdout);
            return CLI_OK;
        }
        if (!strcmp(argv[i], "--format") && i + 1 < argc) format = argv[++i];
        else if (!strncmp(argv[i], "--format=", 9)) format = argv[i] + 9;
        else if (argv[i][0] != '-' && !file) file = argv[i];
        else {
            fprintf(stderr, "hostmix report: unexpected argument '%s'\n", argv[i]);
            report_usage(stderr);
            return CLI_USAGE;
        }
    }
    if (!file || (strcmp(format, "text") && strcmp(format, "json"))) {
        if (file) fprintf(stderr, "hostmix report: unknown format '%s' (text, json)\n", format);
        else report_usage(stderr);
        return CLI_USAGE;
    }
    char err[1024];
    struct report_model *m = report_model_load(file, 1, err, sizeof err);
    if (!m) {
        fprintf(stderr, "hostmix report: %s\n", err);
        return CLI_USAGE;
    }
    if (!strcmp(format, "text")) {
        report_render_text(m, stdout);
    } else {
        struct buf b = BUF_INIT;
        report_render_json(m, &b);
        fwrite(buf_head(&b), 1, buf_used(&b), stdout);
        buf_free(&b);
    }
    report_model_free(m);
    return fflush(stdout) ? CLI_FAILED : CLI_OK;
}
