/* cli.c — `hostmix COMMAND [options]`: the command table and help. */
#include "cli/cli.h"
#include "core/log.h"
#include "core/paths.h"
#include "job/job.h"
#include "platform/platform.h"
#include "guest/init.h"
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cli_cmd_help(int argc, char **argv);

static const struct cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *args, *help;
} cli_cmds[] = {
    { "run",     run_cmd,          "JOB.ini [--output DIR] [--format text,json,html]",
      "run the experiment a job file describes and report host CPU" },
    { "capacity", capacity_cmd,    "JOB.ini [--max-sets N] [--step N] [--output DIR]",
      "add sets until QoS fails: how many sets the host carries" },
    { "check",   cli_cmd_check,    "JOB.ini",
      "validate a job file and print the resolved experiment" },
    { "prepare", role_cmd_prepare, "ROLE --data DIR [--set N] [--seed S] [options]",
      "generate a role's data set (deterministic from seed and size)" },
    { "serve",   role_cmd_serve,   "ROLE --listen ADDR:PORT --data DIR [options]",
      "run one built-in server in the foreground until SIGTERM" },
    { "drive",   drive_cmd,        "ROLE --target ADDR:PORT --rate R --duration D [options]",
      "send open-loop load to one server and check its QoS" },
    { "compare", compare_cmd,      "A.json B.json [...] [--force]",
      "compare runs: how much more CPU for the same work" },
    { "report",  report_cmd,       "RESULT.json [MORE.json ...] [--format text|json|html] [-o FILE]",
      "print a stored run's report (or a comparison page) again from result.json" },
    /* Hidden (no help line): PID 1 inside a hostmix VM guest. */
    { "guest-init", guest_init_cmd, "", NULL },
    { "help",    cli_cmd_help,     "[COMMAND | job [--format text|markdown|man] | --list WHAT]",
      "this text; 'help job' lists every job-file option" },
    { NULL, NULL, NULL, NULL },
};

/* Says where the example jobs are: DATA/examples beside the binary (see
 * core/paths.h), or that there are none. */
static void cli_print_examples(FILE *f)
{
    char *data = paths_data_dir();
    if (data) fprintf(f, "Example jobs: %s/examples\n", data);
    else fprintf(f, "Example jobs: none found (no ../share/hostmix beside the binary)\n");
    free(data);
}

static void cli_usage(FILE *f)
{
    fprintf(f, "hostmix %s — server-consolidation benchmark and virtualization-overhead "
               "analyser\n\nusage: hostmix COMMAND [options]\n\ncommands:\n", HOSTMIX_VERSION);
    for (const struct cli_cmd *c = cli_cmds; c->name; c++)
        if (c->help) fprintf(f, "  %-8s %s\n", c->name, c->help);
    fprintf(f, "\n'hostmix COMMAND --help' describes a command's options.\n"
               "Global options: --version, --log-level debug|info|warn|error.\n");
    cli_print_examples(f);
}

/* hostmix help job [--format text|markdown|man]: the job-file options
 * from the option table (man: the OPTIONS of hostmix-job(5)). */
static int cli_help_job(int argc, char **argv)
{
    static const char *const fmts[] = { "text", "markdown", "man" };
    enum job_help_fmt fmt = JOB_HELP_TEXT;
    if (argc == 4 && strcmp(argv[2], "--format") == 0) {
        int i = 0;
        while (i < 3 && strcmp(argv[3], fmts[i])) i++;
        if (i == 3) {
            fprintf(stderr, "hostmix: help job: unknown format '%s' (text, markdown, man)\n",
                    argv[3]);
            return CLI_USAGE;
        }
        fmt = (enum job_help_fmt)i;
    } else if (argc != 2) {
        fprintf(stderr, "usage: hostmix help job [--format text|markdown|man]\n");
        return CLI_USAGE;
    }
    if (fmt == JOB_HELP_TEXT)
        printf("Job-file options by section (name = default  meaning (range)):\n");
    job_print_help(stdout, fmt);
    return CLI_OK;
}

/* hostmix help --list commands|roles|platforms: the names, one a line,
 * for shell completion. */
static int cli_help_list(const char *what)
{
    if (what && strcmp(what, "commands") == 0) {
        for (const struct cli_cmd *c = cli_cmds; c->name; c++)
            if (c->help) puts(c->name);
    } else if (what && strcmp(what, "roles") == 0) {
        for (int r = 0; r < ROLE_COUNT; r++) puts(role_names[r]);
    } else if (what && strcmp(what, "platforms") == 0) {
        for (int p = 0; platform_names[p]; p++) puts(platform_names[p]);
    } else {
        fprintf(stderr, "usage: hostmix help --list commands|roles|platforms\n");
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int cli_cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        cli_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "job") == 0) return cli_help_job(argc, argv);
    if (strcmp(argv[1], "job-markdown") == 0) {
        job_print_help(stdout, JOB_HELP_MARKDOWN);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--list") == 0) return cli_help_list(argc == 3 ? argv[2] : NULL);
    for (const struct cli_cmd *c = cli_cmds; c->name; c++)
        if (strcmp(c->name, argv[1]) == 0) {
            char *av[] = { argv[1], "--help", NULL };
            return c->fn(2, av) == CLI_USAGE ? CLI_USAGE : CLI_OK;
        }
    fprintf(stderr, "hostmix: no help for '%s'\n", argv[1]);
    return CLI_USAGE;
}

int cli_main(int argc, char **argv)
{
    /* In a guest's initramfs hostmix is /init, started by the kernel. */
    if (getpid() == 1 && strcmp(argv[0], "/init") == 0) return guest_init_cmd(argc, argv);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
            printf("hostmix %s\n", HOSTMIX_VERSION);
            return CLI_OK;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_usage(stdout);
            return CLI_OK;
        } else if (strcmp(argv[i], "--log-level") == 0 && i + 1 < argc &&
                   log_parse_level(argv[i + 1]) >= 0) {
            log_set_level((enum log_level)log_parse_level(argv[++i]));
        } else {
            fprintf(stderr, "hostmix: unknown option '%s'\n", argv[i]);
            cli_usage(stderr);
            return CLI_USAGE;
        }
    }
    const char *env = getenv("HOSTMIX_LOG");
    if (env && log_parse_level(env) >= 0) log_set_level((enum log_level)log_parse_level(env));
    if (i >= argc) {
        cli_usage(stderr);
        return CLI_USAGE;
    }
    for (const struct cli_cmd *c = cli_cmds; c->name; c++)
        if (strcmp(c->name, argv[i]) == 0) return c->fn(argc - i, argv + i);
    fprintf(stderr, "hostmix: unknown command '%s' (try 'hostmix help')\n", argv[i]);
    return CLI_USAGE;
}
