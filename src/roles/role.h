/* role.h — the one role table: every fact the rest of hostmix needs about
 * a built-in role, one row per role (role.c), looked up by id or name.
 *
 * A row holds the role's identity, whether load drivers send it requests,
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

#include "core/strvec.h"
#include "job/job.h"
#include "core/opt.h"

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

struct role_def {
    int id;                         /* enum role_id */
    const struct role_ops *ops;     /* prepare and serve entry points */
    int driven;                     /* load drivers send it requests */
    int data_of;                    /* role whose prepared data set it serves, or -1 */
    const char *data_sub;           /* the part of that data set it serves, or NULL: all */
    int mutates;                    /* it changes its data (served from a working copy) */
    int backend;                    /* started in the first wave, before the servers using it */
    int start_rank;                 /* start order within its wave (lower first) */
    int peer;                       /* role of the server it uses, or -1 */
    /* Fills out[] with the size options of its data set; returns how many. */
    int (*size_opts)(const struct job_role *jr, struct role_size_opt out[ROLE_MAX_SIZE_OPTS]);
    /* Appends its `hostmix serve` options beyond --listen and --data, for a
     * server whose peer (if any) listens on peer_ip:peer_port. */
    void (*serve_opts)(const struct job *j, const char *peer_ip, int peer_port,
                       struct strvec *v);
};

/* The row of role id (0 <= id < ROLE_COUNT). */
const struct role_def *role_def(int id);
/* Looks a role's entry points up by name; NULL if unknown. */
const struct role_ops *role_ops_find(const char *name);
/* Whether the job prepares a data set for role (it or a role serving
 * part of it is deployed, and it has a prepare entry point). */
int role_prepared(const struct job *j, int role);

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
