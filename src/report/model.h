/* model.h — the report model: every figure and fact a report shows.
 *
 * Built once, either from a finished run (run/model.c, through this
 * API: report/ never reads struct run) or from a stored result.json
 * (model_json.c).  The renderers — the text report (text.c), result.json
 * (json_out.c) and compare (compare.c) — read only this struct, so a
 * report printed from a stored result.json is the report the run printed,
 * line for line (sysstat's way: collect once, render later in any form).
 *
 * The model holds exactly what result.json holds: numbers that are
 * written as JSON doubles are kept as doubles here, and the text renderer
 * derives its figures from them, never from anything result.json lacks.
 * A number absent from a stored result (an older schema, null) is NAN. */
#ifndef HOSTMIX_REPORT_MODEL_H
#define HOSTMIX_REPORT_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "job/job.h"
#include "measure/measure.h"

/* result.json's layout (docs/results.md): bumped when a member changes
 * meaning or disappears, not for new members.  The members the text
 * report needs beyond what the first results held (accounting.text, the
 * CPU figures' ncpu) are checked one by one instead. */
#define REPORT_SCHEMA_VERSION 2        /* 2: host busy measured, not tick-sampled */
#define REPORT_NPCT 5
extern const double report_pcts[REPORT_NPCT];       /* 50 90 95 99 99.9 */

struct report_bucket {
    int64_t lo, hi;
    uint64_t n;
};

/* One latency histogram as the reports show it (nanoseconds). */
struct report_lat {
    uint64_t count;
    int64_t min, max;               /* 0 when count is 0 */
    double mean;
    int64_t p[REPORT_NPCT];         /* at report_pcts */
    int nbuckets;                   /* the non-empty buckets, or 0 */
    struct report_bucket *b;
};

/* The CPU figures of one interval (the summary, the baseline or one
 * series entry); a missing interval has every number NAN. */
struct report_cpu {
    double seconds;
    int ncpu;
    double pct_total, pct[MEAS_NFIELDS];    /* % of the host; guest time out of user, nice */
    double cores_total, cores[MEAS_NFIELDS];
    double overhead;                        /* non-guest busy / guest; NAN: no guest time */
    double ctxt_s, intr_s, procs_running;
    double host_busy_cores, driver_cores, ctl_cores, sut_cores, servers_cores;
    double role_cores[ROLE_COUNT];
    double busy_measured;           /* 1: from measured idle; 0: tick-sampled (schema 1) */
    double resolution_cores;        /* differences within it are equal; NAN unknown */
    double tick_busy_cores;         /* /proc/stat's busy fields as sampled at the tick */
    double tick_cores[MEAS_NFIELDS];
};

/* One role over the measurement interval, all sets. */
struct report_role {
    int present;                    /* deployed in this run */
    int driven;                     /* the load driver sent it requests */
    double cores, target_rate, achieved_rate, cpu_ms_per_op;
    uint64_t requests, errors;      /* errors include timeouts and connection errors */
    struct report_lat lat;          /* corrected latency merged over targets (no buckets) */
    double lat_mean_ms;             /* as result.json holds it */
    int qos_pass;
    char *qos_failed;               /* first failing target and clause, or NULL */
};

struct report_op {
    char *name;
    uint64_t count, errors, timeouts, bytes;
    double rate;
    struct report_lat corrected, uncorrected;
};

/* One load-driver target: its configuration and results. */
struct report_target {
    char *name, *role, *address, *arrival, *qos, *qos_failed;
    int64_t connections;
    double target_rate, achieved_rate;
    uint64_t count, errors, timeouts, conn_errors, connects, late;
    int qos_pass;
    struct report_op all;
    int nops;
    struct report_op *op;
};

struct report_point {               /* one series entry: samples i-1 .. i */
    double t, unix_s;               /* since the first sample; wall clock (NAN if unknown) */
    char *phase;
    double completed_per_s;
    uint64_t errors;
    struct report_cpu cpu;
};

/* Where a guest's host CPU went, by QEMU thread class, and what the guest
 * itself reports (guests.c). */
#define REPORT_NTCLASS 6
extern const char *const report_tclass_names[];   /* REPORT_NTCLASS: vcpu main io pool vhost other */

struct report_guest {
    int present;                    /* the server ran in a VM guest */
    double thread_cores[REPORT_NTCLASS];
    double guest_cores;             /* vCPU time in guest mode (KVM; 0 under TCG) */
    double busy_cores;              /* busy time the guest reports (its /proc/stat); NAN unknown */
    double steal_cores;             /* the guest's vCPUs waiting for the host; NAN unknown */
    double delay_cores;             /* its vCPU threads runnable but not running, as the
                                     * host's scheduler counts it (libvirt); NAN unknown */
    double overhead;                /* host cores for the guest / busy_cores; NAN unknown */
    int agent_samples, agent_missed;    /* samples of the measurement interval (its edges
                                         * included), and those the guest agent did not
                                         * answer (the channel is connected again at the
                                         * next; busy_cores needs only the edges) */
};

struct report_server {
    char *name, *role, *address, *cgroup, *exit, *log;   /* cgroup, exit: NULL if none */
    char *note;                     /* what of its figures is missing and why, or NULL */
    int set;
    int64_t pid;
    double cpu_s, measure_cores;    /* measure_cores NAN when unknown */
    double ready_s;                 /* start to first answer; NAN unknown */
    struct report_guest guest;
};

/* Host CPU per CPU-second the guests report busy, in all and per role:
 * the hypervisor-neutral overhead (guests.c). */
struct report_guests {
    int present;
    int nguests, nmissing;          /* guests; those whose own busy time is missing */
    int agent_samples, agent_missed;    /* over every guest (report_guest's) */
    double host_cores, busy_cores, overhead;
    double steal_cores;             /* the guests' vCPUs waiting for the host, all guests
                                     * that report it; NAN if none does */
    double role_host[ROLE_COUNT], role_busy[ROLE_COUNT], role_overhead[ROLE_COUNT];
};

struct report_kv {
    char *key, *value;
};

/* A job-file section with every option resolved: "global" or a role. */
struct report_section {
    char *name;
    int n;
    struct report_kv *kv;
};

struct prof_summary;

struct report_model {
    int schema_version;
    char *hostmix_version, *name;
    int valid, complete, qos_pass;
    char *invalid_reason;           /* NULL when valid */
    double started_unix, ended_unix;
    struct {
        char *hostname, *kernel, *cpu_model;
        int cores;
        uint64_t memory_bytes;
    } host;
    struct {
        char *platform, *servers;   /* servers: "cgroup" or "proc" */
        char *cgroup_base, *why_proc;
        char *text;                 /* the text report's "server CPU:" line */
        char *facts;                /* the platform's own facts (accelerator, ...), or NULL */
        char *accel;                /* "kvm", "tcg" for VM guests, else NULL */
        double user_hz;
        char *host_busy;            /* "measured" or "tick-sampled" */
        char *host_busy_note;       /* how the kernel keeps idle time, or NULL */
    } acct;
    /* host busy below its exactly measured parts by more than the
     * resolution plus 2%: the figures named; NULL when consistent */
    char *consistency;
    /* other runs shared the host with this one (allow_overlap): who; NULL if none */
    char *overlapped;
    struct {
        int present;
        char *dir, *method;
        double seconds;
        uint64_t files, bytes;
        int kept;
    } work;
    struct {
        char *file, *text;
        int nsections;
        struct report_section *sec; /* sec[0] is "global", then the roles */
    } job;
    double achieved_total, target_total;
    int have_interval, have_baseline;
    struct report_cpu cpu, baseline;
    struct report_role role[ROLE_COUNT];
    int npoints;
    struct report_point *series;
    int nservers;
    struct report_server *server;
    struct report_guests guests;
    struct prof_summary *profile;   /* the [profile] collectors' findings (explain.c), or NULL */
    int have_drive;                 /* the load driver's results exist */
    struct {
        double measure_s;
        int qos_pass;
        int ntargets;
        struct report_target *t;
    } drive;
    struct report_repeats *repeats; /* repeat = N: every run's figures (repeats.h), or NULL */
    /* every allocation above, freed by report_model_free */
    void **owned;
    size_t nowned, capowned;
};

/* ---- building (model.c, model_drive.c, model_json.c; a run's model is
 * built by run/model.c through this API) ---------------------------------- */

struct drive_results;
/* Adds the load driver's results to m (res NULL: m has none). */
void report_model_add_drive(struct report_model *m, const struct drive_results *res);
/* A model holding only the load driver's results (`hostmix drive`).
 * Never fails; the caller frees it with report_model_free. */
struct report_model *report_model_from_drive(const struct drive_results *res);

struct json_val;
struct json_doc;
/* The model of a parsed result.json.  need_full: the document must hold
 * everything the text report needs (for `hostmix report`); else absent
 * figures read as NAN (compare reads results of older hostmix versions).
 * Returns NULL with the reason appended to err; the caller frees a
 * returned model with report_model_free. */
struct buf;
struct report_model *report_model_from_json(const struct json_val *root, int need_full,
                                            struct buf *err);
/* Reads and parses the JSON file at path (a result.json, capacity.json...).
 * Returns the document (the caller frees it with json_doc_free), or NULL
 * with "PATH: reason" appended to err. */
struct json_doc *report_json_read(const char *path, struct buf *err);
/* Reads and parses the file at path and builds its model as above.
 * Returns NULL with "PATH: reason" appended to err. */
struct report_model *report_model_load(const char *path, int need_full, struct buf *err);
/* Frees m and everything it owns (NULL is fine). */
void report_model_free(struct report_model *m);

/* Helpers for the builders: an empty model, memory it owns, a copy of s
 * it owns (NULL stays NULL), a NAN-filled interval. */
struct report_model *report_model_new(void);
void *report_model_alloc(struct report_model *m, size_t n);
char *report_model_str(struct report_model *m, const char *s);
/* The labels of compared runs, "A" to "P" (`hostmix compare` and its HTML
 * page compare at most this many runs). */
#define REPORT_MAX_LABELS 16
extern const char *const report_run_label[REPORT_MAX_LABELS];
/* A formatted string m owns (any length). */
char *report_model_strf(struct report_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void report_cpu_none(struct report_cpu *c);
/* The consistency check of an interval: when host busy is below the
 * exactly measured parts (servers, load driver, controller) by more than
 * its resolution plus 2%, a sentence naming the figures (owned by m);
 * NULL when the figures agree. */
char *report_consistency(struct report_model *m, const struct report_cpu *c);
struct hist;
/* The figures of h (percentiles at report_pcts), and its non-empty
 * buckets (owned by m) if with_buckets. */
void report_lat_from_hist(struct report_model *m, const struct hist *h, int with_buckets,
                          struct report_lat *o);
/* The value of option key in job section sec ("global", "web", ...), or
 * NULL. */
const char *report_model_opt(const struct report_model *m, const char *sec, const char *key);

/* Sums the servers' guest figures into m->guests (guests.c). */
void report_guests_total(struct report_model *m);
struct json_w;
struct json_val;
/* The guest figures of one server and of the run, in result.json: writes
 * the members "ready_s" and "guest" of a server object, and the top-level
 * "guests" member; reads them back (absent: NAN, not present). */
void report_guest_json_server(struct json_w *w, const struct report_server *s);
void report_guest_json_total(struct json_w *w, const struct report_model *m);
void report_guest_from_json(const struct json_val *server, struct report_server *s);
void report_guests_from_json(const struct json_val *guests, struct report_model *m);
/* The text report's guest section (nothing when no server ran in a guest). */
void report_guest_text(const struct report_model *m, FILE *f);
/* The verdict in words: "PASS (valid run, QoS met)", "INVALID" or "QoS
 * FAILED", and what of the guests' figures is missing, appended to out. */
struct buf;
void report_verdict_text(const struct report_model *m, struct buf *out);

/* ---- rendering ---------------------------------------------------------- */

/* The text report (the post's tables) of m on f. */
void report_render_text(const struct report_model *m, FILE *f);
/* A string read from a stored result, fit for a terminal: s itself when
 * it holds no control character, else a copy with every C0 control (but
 * newline), DEL, C1 control (U+0080..U+009F) and byte of no valid UTF-8
 * sequence written as \xHH or \u00HH.  none when s is NULL.  The copy
 * belongs to the text renderer and stays valid for the next
 * REPORT_TSTR_LIVE calls (every string of one printf); one thread renders.
 * report_tstr_lines keeps newlines: for a multi-line field printed as
 * lines. */
#define REPORT_TSTR_LIVE 15
const char *report_tstr(const char *s, const char *none);
const char *report_tstr_lines(const char *s);
/* The per-target and per-operation tables of m's load driver results. */
void report_render_targets(const struct report_model *m, FILE *f);
/* result.json of m (pretty-printed, ending in a newline) appended to out. */
struct buf;
void report_render_json(const struct report_model *m, struct buf *out);
/* Writes result.json of m to path atomically (temp file, fsync, rename).
 * Returns 0, or -1 with a message appended to err. */
int report_json_write_model(const struct report_model *m, const char *path, struct buf *err);

/* Why run b (labelled lb) is not the same work as run a (la), as
 * `hostmix compare` judges it (compare.c): nothing appended to why when it
 * is, else the first reason (invalid, failed QoS, a role's throughput
 * apart). */
void report_compare_why(const struct report_model *a, const char *la,
                        const struct report_model *b, const char *lb, struct buf *why);

/* The verdict of b (label lb) against a in one sentence appended to out, as
 * `hostmix compare` and the HTML comparison state it (compare.c): refused
 * when not the same work (unless force); from the repeats (Welch's t-test)
 * when both sides have them; from system-under-test CPU; else from the
 * servers' own CPU; else no figure. */
enum report_verdict { REPORT_VERDICT_REFUSED, REPORT_VERDICT_NONE, REPORT_VERDICT_REPEATS,
                      REPORT_VERDICT_SUT, REPORT_VERDICT_SERVERS };
enum report_verdict report_compare_verdict(const struct report_model *a, const char *la,
                                           const struct report_model *b, const char *lb,
                                           int force, struct buf *out);

/* ---- the live progress line --------------------------------------------- */

struct report_live {
    int ok;                         /* two samples and a driver exist */
    int tty;
    const char *tag;                /* "step 3/8: 3 sets", "repeat 2/5" or "" */
    int64_t t_ns;                   /* the latest sample's time (monotonic) */
    const char *phase;
    double elapsed, left, rate;
    uint64_t errors;
    double host_busy_cores, sut_cores, driver_cores;
};

#endif
