/* drive.c — the `hostmix drive ROLE --target ADDR:PORT --rate R --duration D ...`:
 * one target driven by the engine of drive.h, results as text on stdout and
 * optionally as JSON.  Exit status: 0 QoS passed, 1 QoS failed (or the run
 * could not be done or was cut short by SIGINT/SIGTERM), 2 usage. */
#include "drive/drive.h"
#include "cli/cli.h"
#include "report/model.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"
#include "job/job.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct drive_opts {
    char target[64];
    double rate;
    int64_t duration, ramp_up, ramp_down, connections, threads, timeout;
    int arrival, progress;
    char qos[256], data[512], json[512];
    int64_t customers, items;
    double keepalive;
    uint64_t seed;
    int buckets;
};

#define O(f) offsetof(struct drive_opts, f)
static const struct opt_def drive_table[] = {
    { "target", OPT_STR, O(target), 64, "", OPT_NO_RANGE, NULL, 0, "server address, IP:PORT" },
    { "rate", OPT_RATE, O(rate), 0, NULL, OPT_NO_RANGE, NULL, 0,
      "operations per second, open loop (default: the role's job-file default)" },
    { "duration", OPT_DURATION, O(duration), 0, "10s", 0.001e9, 86400e9, NULL, 0,
      "the measurement interval" },
    { "ramp-up", OPT_DURATION, O(ramp_up), 0, "0s", 0, 3600e9, NULL, 0,
      "load before measuring (excluded from results)" },
    { "ramp-down", OPT_DURATION, O(ramp_down), 0, "0s", 0, 3600e9, NULL, 0,
      "load after measuring (excluded from results)" },
    { "connections", OPT_INT, O(connections), 0, NULL, OPT_NO_RANGE, NULL, 0,
      "connections; each sends rate/connections per second (default: the role's)" },
    { "threads", OPT_INT, O(threads), 0, "1", 1, DRIVE_MAX_THREADS, NULL, 0,
      "driver threads, one event loop each" },
    { "arrival", OPT_ENUM, O(arrival), 0, "constant", OPT_NO_RANGE, arrival_names, 0,
      "constant spacing or Poisson arrivals" },
    { "qos", OPT_STR, O(qos), 256, "", OPT_NO_RANGE, NULL, 0,
      "response-time requirement, e.g. p99<=10ms,errors<=0% (default: the role's; 'none')" },
    { "timeout", OPT_DURATION, O(timeout), 0, "10s", 0.001e9, 3600e9, NULL, 0,
      "a response later than this counts as a timeout" },
    { "data", OPT_STR, O(data), 512, "", OPT_NO_RANGE, NULL, 0,
      "the role's prepared data dir (web: manifest.tsv; imap: users.tsv)" },
    { "customers", OPT_INT, O(customers), 0, "7500", 1, 1e9, NULL, 0, "app: customer ids 1..N" },
    { "items", OPT_INT, O(items), 0, "1000", 1, 1e9, NULL, 0, "app: item ids 1..N" },
    { "keepalive", OPT_PERCENT, O(keepalive), 0, "70", 0, 100, NULL, 0,
      "web: connections kept alive for 5-15 requests, the rest carry one (100: all stay open)" },
    { "seed", OPT_U64, O(seed), 0, "1", OPT_NO_RANGE, NULL, 0, "request-mix seed" },
    { "json", OPT_STR, O(json), 512, "", OPT_NO_RANGE, NULL, 0, "also write results as JSON here" },
    { "buckets", OPT_BOOL, O(buckets), 0, "no", OPT_NO_RANGE, NULL, 0,
      "JSON: include histogram buckets" },
    { "progress", OPT_BOOL, O(progress), 0, "no", OPT_NO_RANGE, NULL, 0,
      "print a progress line on stderr every second" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

#define DRIVE_USAGE "hostmix drive ROLE --target IP:PORT --rate R --duration D " \
                    "[--connections C] [--qos EXPR] [--arrival poisson] [--data DIR] [--json FILE]"

/* Fills t from the options, with the role's job-file defaults where an
 * option was not given.  Returns 0 or prints why and returns -1. */
static int drive_opts_target(const struct drive_opts *o, int role, struct drive_target_cfg *t)
{
    struct job j;
    char err[256];
    job_defaults(&j);
    drive_target_defaults(t);
    t->role = role;
    snprintf(t->name, sizeof t->name, "%s", role_names[role]);
    snprintf(t->addr, sizeof t->addr, "%s", o->target);
    t->rate = o->rate > 0 ? o->rate : j.role[role].rate;
    t->connections = o->connections ? o->connections : j.role[role].connections;
    t->arrival = o->arrival;
    t->qos = j.role[role].qos;
    if (o->qos[0] && opt_parse_qos(o->qos, &t->qos, err, sizeof err)) {
        fprintf(stderr, "hostmix drive: --qos: %s\n", err);
        return -1;
    }
    snprintf(t->data, sizeof t->data, "%s", o->data);
    t->customers = o->customers;
    t->items = o->items;
    t->seed = o->seed;
    t->timeout = o->timeout;
    t->keepalive = o->keepalive;
    return 0;
}

static void drive_progress(struct drive *d)
{
    struct drive_live l;
    drive_live(d, &l);
    fprintf(stderr, "\r%-9s %6.1fs  sent %llu  done %llu  %.1f/s  errors %llu  timeouts %llu   ",
            drive_phase_names[l.phase], l.elapsed_ns / 1e9, (unsigned long long)l.sent,
            (unsigned long long)l.completed, l.rate_now, (unsigned long long)l.errors,
            (unsigned long long)l.timeouts);
}

/* Waits for the end of the run, stopping early on SIGINT/SIGTERM (blocked
 * in every thread, taken here with sigtimedwait). */
static int drive_supervise(struct drive *d, const sigset_t *sigs, int64_t total, int progress)
{
    int stopped = 0;
    int64_t end = clock_mono_ns() + total;
    for (;;) {
        int64_t left = end - clock_mono_ns();
        if (left <= 0) break;
        if (left > CLOCK_NS_PER_S) left = CLOCK_NS_PER_S;
        struct timespec ts = { (time_t)(left / CLOCK_NS_PER_S), (long)(left % CLOCK_NS_PER_S) };
        int s = sigtimedwait(sigs, NULL, &ts);
        if (s > 0) {
            log_warn("signal %d: stopping early; results cover the interval until now", s);
            drive_stop(d);
            stopped = 1;
            break;
        }
        if (progress) drive_progress(d);
    }
    if (progress) fputc('\n', stderr);
    return stopped;
}

static int drive_write_json(const struct drive_results *r, const char *path, int buckets)
{
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 1);
    drive_results_json(r, &w, buckets);
    buf_puts(&b, "\n");
    int rc = fs_write_out(path, buf_head(&b), buf_used(&b));
    if (rc) fprintf(stderr, "hostmix drive: cannot write %s: %s\n", path, strerror(errno));
    buf_free(&b);
    return rc;
}

/* The process's CPU time so far (user + system), in seconds. */
static double drive_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int drive_cmd(int argc, char **argv)
{
    if (argc < 2 || argv[1][0] == '-') {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            printf("usage: %s\n  ROLE: web, imap, app, idle\n\noptions:\n", DRIVE_USAGE);
            opt_print_help(stdout, drive_table, 0);
            return CLI_OK;
        }
        fprintf(stderr, "usage: %s\n", DRIVE_USAGE);
        return CLI_USAGE;
    }
    int role = role_find(argv[1]);
    if (role < 0 || !role_is_driven(role)) {
        fprintf(stderr, "hostmix drive: '%s' is not a driven role (web, imap, app, idle)\n", argv[1]);
        return CLI_USAGE;
    }
    struct drive_opts o;
    memset(&o, 0, sizeof o);            /* rate and connections: 0 = the role's default */
    int optind_ = 0;
    int rc = opt_parse_argv(drive_table, &o, argc - 1, argv + 1, DRIVE_USAGE, &optind_);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    if (optind_ < argc - 1) {
        fprintf(stderr, "hostmix drive: unexpected argument '%s'\nusage: %s\n", argv[optind_ + 1], DRIVE_USAGE);
        return CLI_USAGE;
    }
    if (!o.target[0]) {
        fprintf(stderr, "hostmix drive: --target IP:PORT is required\n");
        return CLI_USAGE;
    }
    struct drive_target_cfg t;
    if (drive_opts_target(&o, role, &t)) return CLI_USAGE;
    struct drive_cfg cfg = { .threads = (int)o.threads, .ramp_up = o.ramp_up,
                             .measure = o.duration, .ramp_down = o.ramp_down };
    char err[512];
    struct drive *d = drive_create(&cfg, err, sizeof err);
    if (!d || drive_add_target(d, &t, err, sizeof err) < 0) {
        fprintf(stderr, "hostmix drive: %s\n", err);
        drive_destroy(d);
        return CLI_USAGE;
    }
    sigset_t sigs, old;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, &old);
    double cpu0 = drive_cpu_s();
    if (drive_start(d, err, sizeof err)) {
        fprintf(stderr, "hostmix drive: %s\n", err);
        drive_destroy(d);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return CLI_FAILED;
    }
    int stopped = drive_supervise(d, &sigs, o.ramp_up + o.duration + o.ramp_down, o.progress);
    const struct drive_results *r = drive_wait(d);
    struct report_model *m = report_model_from_drive(r);
    report_render_targets(m, stdout);
    report_model_free(m);
    double cpu = drive_cpu_s() - cpu0;
    printf("driver CPU %.2f s (whole run, every thread)\n", cpu);
    if (stopped) printf("stopped early by a signal: the run is incomplete\n");
    fflush(stdout);
    rc = r->qos_pass && !stopped ? CLI_OK : CLI_FAILED;
    if (o.json[0] && drive_write_json(r, o.json, o.buckets)) rc = CLI_FAILED;
    drive_destroy(d);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
