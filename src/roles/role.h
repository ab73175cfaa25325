/* role.h — the one role table: every fact the rest of hostmix needs about
 * a built-in role, one row per role (role.c), looked up by id or name.
 * Nothing outside roles/ switches on a role or names one: job parsing,
 * the plan, the drivers and the profile's causes read these rows.
 *
 * A row holds the role's identity, whether load drivers send it requests,
 * its job-section defaults and its own job options (rows of an opt_def
 * table over struct role_opts), which peer it needs and when,
 * whose prepared data set it serves (nfs serves the nfs/ part of web's),
 * whether it changes its data (then every run serves a working copy),
 * its start order (backends first), the server it uses, its `hostmix
 * prepare`/`hostmix serve` entry points (struct role_ops, defined in the
 * role's own file), the size options that shape its data set, and how job
 * options become `hostmix serve` options.
 *
 * Entry points take argv after the role word (argv[0] = role name) and
 * return an exit status (0 ok, 1 failure, 2 usage). */
#ifndef HOSTMIX_ROLE_H
#define HOSTMIX_ROLE_H

#include <stdint.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/opt.h"
#include "core/strvec.h"

enum role_id { ROLE_WEB, ROLE_IMAP, ROLE_APP, ROLE_DB, ROLE_NFS, ROLE_IDLE, ROLE_COUNT };

/* "web", "imap", ...; role_find returns -1 for an unknown name. */
extern const char *const role_names[];           /* ROLE_COUNT names */
#define ROLE_NAME_MAX 15                         /* longest a role name may be */
int role_find(const char *name);
/* "web, imap, app, db, nfs, idle": the names for messages (static). */
const char *role_list(void);
/* "db, imap": the roles with a real server (the rows' .real), static. */
const char *role_real_list(void);
/* Roles that load drivers send requests to (the rows' .driven). */
int role_is_driven(int role);

/* A role section's options in a job ([web], [imap], ...): the ones every
 * role has, then each role's own (whose rows are in the role's row). */
struct role_opts {
    /* load (driven roles) */
    double rate;                /* requests (or sessions) per second, per set */
    int64_t connections;        /* driver connections per set */
    int arrival;                /* enum arrival_id (job.h) */
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
    int software;               /* enum role_software: hostmix's server or the real one */
};

/* What serves a role: hostmix's own server, or the real software
 * (docs/real-servers.md). */
enum role_software { ROLE_SW_BUILTIN, ROLE_SW_REAL };
extern const char *const role_software_names[];  /* "builtin", "real", NULL */

/* One real server as its role's real ops see it (the platform fills it
 * from the plan's spec; every string is the caller's). */
struct real_server {
    const char *name;           /* "set1-db" */
    const char *ip;             /* where it listens */
    int port;
    const char *data;           /* its data set (for db and imap the run's working copy) */
    const char *rundir;         /* a directory of its own, made by the caller, for its
                                 * configuration and state (below data) */
    const char *conf;           /* the configuration file to write (in rundir) */
    const struct role_opts *o;  /* its role's job options */
};

/* The real software of a role (the row's .real): what the platform runs
 * instead of `hostmix serve ROLE`, and the data set it serves. */
struct role_real {
    const char *what;           /* "PostgreSQL 15", for messages and reports */
    const char *user;           /* the user it runs as (it refuses root), or NULL: root */
    const char *data_owner;     /* the user its working copy is given to before it starts
                                 * (its mail processes run as that user), or NULL */
    /* Its own data set's word in the cache key beside the role's name
     * ("pg15": db-pg15-seed1-...), prepared by prepare (`hostmix prepare
     * ROLE --software=real ...`); NULL: it serves the builtin data set. */
    const char *data_label;
    int (*prepare)(int argc, char **argv);
    /* Whether this host can run it (its programs installed).  0, or -1
     * with why. */
    int (*probe)(char *why, size_t n);
    /* Its configuration as text into conf (the caller writes it to
     * s->conf and keeps a copy with the logs), its argv (argv[0] the
     * program) into v, and any other file it needs into s->rundir.
     * Returns 0 or -1 (why). */
    int (*config)(const struct real_server *s, struct buf *conf, struct strvec *v,
                  char *why, size_t n);
    /* Whether it answers on ip:port as its clients need (NULL: it
     * accepts TCP connections).  1 yes, 0 not yet. */
    int (*ready)(const char *ip, int port);
    int stop_signal;            /* asks it to stop cleanly (then SIGKILL) */
};

extern const struct role_real role_db_real, role_imap_real;

struct role_ops {
    const char *name;
    int (*prepare)(int argc, char **argv);   /* NULL: the role has no data */
    int (*serve)(int argc, char **argv);
};

extern const struct role_ops role_web_ops, role_imap_ops, role_app_ops,
                             role_db_ops, role_nfs_ops, role_idle_ops;

/* One size option of a data set: `hostmix prepare` takes "--flag value";
 * the cache key gets "-LABELvalue". */
struct role_size_opt {
    const char *flag, *label;
    char value[32];
};
#define ROLE_MAX_SIZE_OPTS 4

/* A job-section default that differs from the option table's. */
struct role_default {
    const char *opt, *val;
};
#define ROLE_MAX_DEFAULTS 8

struct role_def {
    int id;                         /* enum role_id */
    const struct role_ops *ops;     /* prepare and serve entry points */
    const struct role_real *real;   /* its real software (software = real), or NULL: not
                                     * built yet */
    int driven;                     /* load drivers send it requests */
    int idle;                       /* it only exists: consolidation's idle server */
    int data_of;                    /* role whose prepared data set it serves, or -1 */
    const char *data_sub;           /* the part of that data set it serves, or NULL: all */
    int mutates;                    /* it changes its data (served from a working copy) */
    int backend;                    /* started in the first wave, before the servers using it */
    int start_rank;                 /* start order within its wave (lower first) */
    int peer;                       /* role of the server it uses, or -1 */
    /* Whether a set deploying it needs its peer (NULL: whenever there is
     * a peer), and the rule as the job's error states it. */
    int (*needs_peer)(const struct role_opts *o);
    const char *peer_rule;
    struct role_default defaults[ROLE_MAX_DEFAULTS];   /* ends at .opt == NULL */
    const struct opt_def *opts;     /* its own job options (section OPT_SEC_ANY), or NULL */
    const char *cause_label;        /* the profile's label for its own work */
    /* Fills out[] with the size options of its data set; returns how many. */
    int (*size_opts)(const struct role_opts *o, struct role_size_opt out[ROLE_MAX_SIZE_OPTS]);
    /* What its data set will hold, for prepare's progress line: sets
     * *files and/or *bytes (left as they are where unknown). */
    void (*expect)(const struct role_opts *o, int64_t *files, int64_t *bytes);
    /* Appends its data set's size, as `hostmix check` states it, to b. */
    void (*describe)(const struct role_opts *o, struct buf *b);
    /* Appends its `hostmix serve` options beyond --listen and --data, for a
     * server whose peer (if any) listens on peer_ip:peer_port. */
    void (*serve_opts)(const struct role_opts *o, const char *peer_ip, int peer_port,
                       struct strvec *v);
};

/* The row of role id (0 <= id < ROLE_COUNT). */
const struct role_def *role_def(int id);
/* Looks a role's entry points up by name; NULL if unknown. */
const struct role_ops *role_ops_find(const char *name);
/* Whether a data set is prepared for role when the roles in mask (bits
 * 1u << role) are deployed: it or a role serving part of it is, and it
 * has a data set. */
int role_prepared(unsigned mask, int role);

/* Options every `hostmix prepare ROLE` takes; a role's prepare options
 * struct starts with a struct role_prep member. */
struct role_prep {
    char data[512];
    int64_t set;
    uint64_t seed;
};
#define ROLE_PREP_OPTS(T, m) \
    { "data", OPT_STR, offsetof(T, m.data), 512, "", OPT_NO_RANGE, NULL, 0, \
      "directory to create the data set in (created; must be empty or hostmix's)" }, \
    { "set", OPT_INT, offsetof(T, m.set), 0, "1", 1, 64, NULL, 0, \
      "set number; part of the data's seed" }, \
    { "seed", OPT_U64, offsetof(T, m.seed), 0, "1", OPT_NO_RANGE, NULL, 0, \
      "seed; same seed, set and size give the same bytes" }

/* prep_watch.c: runs a role's prepare fn(argc, argv) with a progress
 * line on stderr (files and bytes under --data, rate, time left).
 * Returns what fn returns. */
int role_prepare_watched(const char *role, int (*fn)(int, char **), int argc, char **argv);

#endif
