/* job.h — the experiment a job file describes.
 *
 * A job file has a [global] section and one section per role (web, imap,
 * app, db, nfs, idle); every set runs one server of each role with the
 * same per-role settings.  job_table (job.c) is the single description of
 * every option: parsing, defaults, validation, `hostmix help job` and
 * docs/job-file.md all come from it. */
#ifndef HOSTMIX_JOB_H
#define HOSTMIX_JOB_H

#include <stdint.h>
#include <stdio.h>

#include "core/opt.h"
#include "roles/role.h"

enum arrival_id { ARRIVAL_CONSTANT, ARRIVAL_POISSON };
extern const char *const arrival_names[];

/* Section bits of opt_def.sections. */
#define JOB_SEC_GLOBAL   1u
#define JOB_SEC_ROLE(r)  (2u << (r))
#define JOB_SEC_ROLES    (((2u << ROLE_COUNT) - 1) & ~1u)
#define JOB_SEC_PLATFORM (2u << ROLE_COUNT)
#define JOB_SEC_PROFILE  (4u << ROLE_COUNT)
#define JOB_NSEC         (ROLE_COUNT + 3)   /* global, the roles, platform, profile */
/* In job_table: the sections of the roles the role table marks driven. */
#define JOB_SEC_DRIVEN   (1u << 29)
/* Most rows job_table, or one role's own options, may have. */
#define JOB_ROWS_MAX     64
/* Most lines a [platform] section may have. */
#define JOB_PLAT_LINES_MAX 32

/* The [profile] section: collectors that run over the measurement
 * interval (src/collect/, docs/profile.md).  Off unless enabled. */
struct job_profile {
    int enabled;                /* perf profile, context switches, VM exits */
    int64_t frequency;          /* samples per second per CPU */
    char event[32];             /* the sampling event ("cpu-clock") */
    int sched;                  /* record sched_switch and sched_waking */
    int64_t sched_period;       /* record one in this many of them */
    int kvm;                    /* record kvm_exit and kvm_entry where KVM runs */
    int64_t top;                /* rows of the top functions table */
    char causes[256];           /* a cause table read before the built-in one, or "" */
    char perf[256];             /* the perf program */
};


struct job {
    char path[512];             /* the file it came from */
    char name[64];
    int64_t sets;
    int platform;               /* index into platform_names (the registry's order) */
    int64_t ramp_up, measure, ramp_down;   /* ns */
    int64_t sample_interval;    /* ns */
    uint64_t seed;
    char output[256];           /* results directory */
    char data_dir[256];         /* where prepared data sets are cached */
    int64_t driver_threads;
    int64_t repeat;             /* runs of the job (run/repeat.c) */
    double max_stddev;          /* percent; 0: no bound on the repeats' spread */
    int allow_overlap;          /* run while another run holds the host (run/hostlock.h) */
    char roles[64];             /* roles deployed in every set, as written */
    int software;               /* enum role_software of every role whose section says none */
    unsigned role_mask;         /* the same as bits (1u << role); derived */
    struct role_opts role[ROLE_COUNT];
    struct job_profile profile;
    /* the [platform] section: the chosen platform's own options struct
     * (platform_ops.opts, opt_size bytes), owned: job_free releases it;
     * NULL until job_load or for a platform without options */
    void *plat_opt;
};

extern const struct opt_def job_table[];

/* Calls fn(o, ctx) for every option section accepts, in the order help
 * and results list them: job_table's rows, then in a role's section
 * (JOB_SEC_ROLE(r)) the role's own rows from the role table. */
void job_section_each(unsigned section, void (*fn)(const struct opt_def *o, void *ctx), void *ctx);

/* Fills every option with its default (per role where defaults differ). */
void job_defaults(struct job *j);
/* Reads and validates a job file.  Every problem is printed to errs as
 * "FILE:LINE: message"; returns the number of problems (0: j is usable). */
int job_load(struct job *j, const char *path, FILE *errs);
/* Same, from text in memory; name is used in messages. */
int job_load_text(struct job *j, const char *name, const char *text, size_t len, FILE *errs);

/* Releases what job_load allocated (the platform's options); j may then
 * be loaded again.  A job that job_defaults alone filled owns nothing. */
void job_free(struct job *j);
/* dst = src with its own copy of the platform's options (dst's previous
 * contents are overwritten, not freed). */
void job_copy(struct job *dst, const struct job *src);

/* Whether every set deploys role r (job "roles" option). */
int job_has_role(const struct job *j, int r);

/* Where server (set, role) listens, as the chosen platform's address
 * plan says (ctx is the caller's). */
typedef void (*job_addr_fn)(const void *ctx, int set, int role, char *ip, size_t n);
/* Prints the resolved experiment (what `hostmix check` shows). */
void job_print(const struct job *j, FILE *f, job_addr_fn addr, const void *ctx);
/* Prints every job-file option grouped by section (hostmix help job):
 * as text, as the tables of docs/job-file.md, or as the roff of the
 * OPTIONS of hostmix-job(5). */
enum job_help_fmt { JOB_HELP_TEXT, JOB_HELP_MARKDOWN, JOB_HELP_MAN };
void job_print_help(FILE *f, enum job_help_fmt fmt);

#endif
