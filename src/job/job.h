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

#include "job/opt.h"

enum role_id { ROLE_WEB, ROLE_IMAP, ROLE_APP, ROLE_DB, ROLE_NFS, ROLE_IDLE, ROLE_COUNT };

/* "web", "imap", ...; role_find returns -1 for an unknown name. */
extern const char *const role_names[];           /* ROLE_COUNT names */
int role_find(const char *name);
/* Roles that load drivers send requests to (web, imap, app, idle); a
 * lookup in the role table (roles/role.c). */
int role_is_driven(int role);

/* The registered platforms' names in the registry's order, NULL-ended:
 * the job's platform option indexes it (the list itself is the registry,
 * platform/registry.c, which fills this from its ops tables). */
extern const char *platform_names[];
enum arrival_id { ARRIVAL_CONSTANT, ARRIVAL_POISSON };
extern const char *const arrival_names[];

/* Section bits of opt_def.sections. */
#define JOB_SEC_GLOBAL   1u
#define JOB_SEC_ROLE(r)  (2u << (r))
#define JOB_SEC_ROLES    (((2u << ROLE_COUNT) - 1) & ~1u)
#define JOB_SEC_PLATFORM (2u << ROLE_COUNT)
#define JOB_SEC_PROFILE  (4u << ROLE_COUNT)
#define JOB_NSEC         (ROLE_COUNT + 3)   /* global, the roles, platform, profile */
/* Room for the chosen platform's [platform] options (its own struct). */
#define JOB_PLAT_OPT_MAX 2048

struct job_role {
    /* load (driven roles) */
    double rate;                /* requests (or sessions) per second, per set */
    int64_t connections;        /* driver connections per set */
    int arrival;                /* enum arrival_id */
    struct qos qos;
    /* sizing of the server (VM and container platforms) */
    int64_t vcpus;
    int64_t memory;             /* bytes */
    int64_t port;
    /* data set knobs */
    int64_t docroot_size;       /* web: bytes of docroot per set */
    double nfs_share;           /* web: percent of docroot served from nfs */
    int64_t nfs_cache;          /* web: bytes of nfs-backed file cache */
    int64_t users;              /* imap: users per set */
    int64_t messages;           /* imap: messages per user's INBOX */
    int64_t customers;          /* db: customers per set */
    int64_t items;              /* db: catalogue items per set */
    int sync;                   /* db: fsync on commit; imap: fsync on append */
    int64_t pool;               /* app: db connections per app server */
};

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

/* The data cache by default: root's, out of world-writable /var/tmp
 * (where caches of older versions live, no longer used). */
#define JOB_DATA_DIR "/var/cache/hostmix"
#define JOB_DATA_DIR_OLD "/var/tmp/hostmix-data"

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
    unsigned role_mask;         /* the same as bits (1u << role); derived */
    struct job_role role[ROLE_COUNT];
    struct job_profile profile;
    /* the [platform] section: options of the chosen platform's own table
     * (platform_ops.opts), stored in its own struct laid out here */
    _Alignas(16) unsigned char plat_opt[JOB_PLAT_OPT_MAX];
};

/* The [platform] option table of platform id and the size of the struct it
 * fills (provided by the platform registry, platform/registry.c); NULL if
 * the platform has no options. */
const struct opt_def *job_platform_opts(int platform, size_t *size);

extern const struct opt_def job_table[];

/* Fills every option with its default (per role where defaults differ). */
void job_defaults(struct job *j);
/* Reads and validates a job file.  Every problem is printed to errs as
 * "FILE:LINE: message"; returns the number of problems (0: j is usable). */
int job_load(struct job *j, const char *path, FILE *errs);
/* Same, from text in memory; name is used in messages. */
int job_load_text(struct job *j, const char *name, const char *text, size_t len, FILE *errs);

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
