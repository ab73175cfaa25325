/* drive.h — the open-loop load driver as a library.
 *
 * Used by `hostmix drive ROLE ...` (one target) and by `hostmix run` (one
 * target per driven server of every set).  The engine paces requests as
 * wrk2 does: every connection has a fixed schedule of intended send times
 * (rate / connections per connection; constant spacing or Poisson
 * arrivals).  A request is sent at its intended time if its connection is
 * idle; if the connection is still busy with the previous request, the
 * request waits, and that wait counts in the corrected latency.  Two
 * latencies are kept per request:
 *   corrected   = response complete - intended send time (coordinated
 *                 omission corrected: a stalled server shows here);
 *   uncorrected = response complete - actual send time.
 *
 * Threads: drive_start starts cfg.threads threads in the calling process,
 * one event loop (core/ae.h) each; targets' connections are spread over
 * them round-robin.  Because the threads live in the calling process, the
 * driver's own CPU is the process's CPU (/proc/self/stat, getrusage), and
 * `hostmix run` accounts it there, apart from the system under test.
 *
 * Phases, counted from drive_start: ramp-up, measure, ramp-down; then the
 * engine stops sending, and drive_wait returns once every thread ended.
 * Results cover responses that completed inside the measurement interval
 * only (by completion time, so achieved rate = count / measure).
 *
 * Hot path: no allocation per request; each connection owns reusable
 * input/output buffers; histograms are per thread and merged at the end.
 * A server that closes a connection (or a protocol error that leaves the
 * stream unusable) counts an error and the connection reconnects.
 *
 * Ownership: struct drive owns its threads, connections and results; the
 * drive_results pointer stays valid until drive_destroy. */
#ifndef HOSTMIX_DRIVE_H
#define HOSTMIX_DRIVE_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "core/hist.h"
#include "core/json.h"
#include "core/opt.h"

#define DRIVE_MAX_OPS     12     /* operation types per protocol */
#define DRIVE_MAX_TARGETS 256
#define DRIVE_MAX_THREADS 64

/* One server to drive. */
struct drive_target_cfg {
    int role;                   /* enum role_id of a driven role (drive_proto_for) */
    char name[48];              /* label in results, e.g. "web" or "set1.web" */
    char addr[64];              /* "IP:PORT" */
    double rate;                /* operations (requests / IMAP commands) per second */
    int64_t connections;        /* >= 1; each gets rate / connections */
    int arrival;                /* enum arrival_id: ARRIVAL_CONSTANT or ARRIVAL_POISSON */
    struct qos qos;             /* n == 0: no requirement (always passes) */
    char data[512];             /* role data dir: web manifest.tsv, imap users.tsv */
    int64_t customers, items;   /* app: ids 1..customers, 1..items */
    uint64_t seed;              /* request-mix stream; same seed, same sequence */
    int64_t timeout;            /* ns a response may take; 0: DRIVE_DEFAULT_TIMEOUT */
    double keepalive;           /* web: percent of connections kept alive for 5..15
                                   requests (the rest carry one); 100: all, always */
};
#define DRIVE_DEFAULT_TIMEOUT (10 * 1000000000LL)

struct drive_cfg {
    int threads;                /* event-loop threads, >= 1 */
    int64_t ramp_up, measure, ramp_down;   /* ns; measure > 0 */
};

/* Fills a target with defaults: rate 10/s, 1 connection, constant
 * arrival, no QoS, seed 1, default timeout, keepalive 70 (SPECweb2005). */
void drive_target_defaults(struct drive_target_cfg *t);

/* Results of one operation type (or of all of them, in drive_target_result.all). */
struct drive_op_result {
    const char *name;           /* "get", "login", "fetch_body", ... (static) */
    uint64_t count;             /* responses completed in the interval, incl. errors */
    uint64_t errors;            /* bad responses (status, length, NO/BAD, JSON shape) */
    uint64_t timeouts;          /* no complete response within the timeout */
    uint64_t bytes;             /* response bytes received */
    struct hist corrected;      /* from the intended send time */
    struct hist uncorrected;    /* from the actual send time */
};

struct drive_target_result {
    struct drive_target_cfg cfg;
    double achieved_rate;       /* all.count / measure */
    uint64_t connects;          /* connections opened (whole run) */
    uint64_t conn_errors;       /* failed connects + unexpected closes (in interval) */
    uint64_t late;              /* requests sent after their intended time, >1 ms late */
    struct drive_op_result all; /* every operation of the target */
    int nops;
    struct drive_op_result op[DRIVE_MAX_OPS];
    int qos_pass;               /* 1: every clause held (or no clause) */
    char *qos_failed;           /* the first clause that failed and the value, e.g.
                                   "p99<=10ms (p99 = 1.02s)" (owned by the results);
                                   NULL if passed */
};

struct drive_results {
    int ntargets;
    struct drive_target_result *t;  /* ntargets entries, owned by struct drive */
    int64_t measure_ns;             /* the measurement interval's length */
    int64_t start_mono_ns;          /* drive_start's clock_mono_ns() */
    int qos_pass;                   /* every target passed */
};

/* Live counters for a progress line (sums over threads, whole run so far). */
struct drive_live {
    int phase;                  /* enum drive_phase */
    int64_t elapsed_ns;         /* since drive_start */
    uint64_t sent, completed, errors, timeouts;
    double rate_now;            /* completions per second since the previous call */
};
enum drive_phase { DRIVE_PH_IDLE, DRIVE_PH_RAMP_UP, DRIVE_PH_MEASURE,
                   DRIVE_PH_RAMP_DOWN, DRIVE_PH_DONE };
extern const char *const drive_phase_names[];

struct drive;

/* Creates an engine.  Returns NULL with a message in err on bad cfg. */
struct drive *drive_create(const struct drive_cfg *cfg, char *err, size_t errlen);
/* Adds a target before drive_start: checks it and loads its role data
 * (manifest.tsv, users.tsv).  Returns the target's index, or -1 with a
 * message in err naming the cause. */
int drive_add_target(struct drive *d, const struct drive_target_cfg *t,
                     char *err, size_t errlen);
/* Starts the threads; the phases run from now.  Returns 0, or -1 with a
 * message in err. */
int drive_start(struct drive *d, char *err, size_t errlen);
/* Live counters; callable from the thread that called drive_start while the
 * engine runs (reads relaxed atomics). */
void drive_live(struct drive *d, struct drive_live *out);
/* Asks every thread to stop now (e.g. on SIGINT); drive_wait still needed.
 * A stop inside the measurement interval shortens it to end at the stop. */
void drive_stop(struct drive *d);
/* Waits for the threads (the end of ramp-down, or drive_stop), merges the
 * per-thread histograms and evaluates QoS.  Returns the results (owned by
 * d) or NULL if the engine was never started. */
const struct drive_results *drive_wait(struct drive *d);
/* The measurement interval on the monotonic clock (valid after drive_start). */
void drive_window(const struct drive *d, int64_t *measure_start_ns, int64_t *measure_end_ns);
void drive_destroy(struct drive *d);

/* Evaluates q against r->all (corrected latency; errors share = (errors +
 * timeouts + conn_errors) / (count + timeouts + conn_errors)).  Returns 1 if
 * every clause holds; otherwise 0 with the first failing clause and the
 * measured value appended to why. */
struct buf;
int drive_qos_eval(const struct qos *q, const struct drive_target_result *r, struct buf *why);

/* Writes the results as one JSON object ({"measure_s":..,"qos_pass":..,
 * "targets":[{...,"ops":[...]}]}); with_buckets adds each histogram's
 * non-empty buckets as [[lo_ns, hi_ns, count], ...]. */
void drive_results_json(const struct drive_results *r, struct json_w *w, int with_buckets);

#endif
