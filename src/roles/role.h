/* role.h — the built-in roles as an ops table: one row per role with its
 * `hostmix prepare ROLE` and `hostmix serve ROLE` entry points.
 *
 * Both entry points take argv after the role word (argv[0] = role name)
 * and return an exit status (0 ok, 1 failure, 2 usage). */
#ifndef HOSTMIX_ROLE_H
#define HOSTMIX_ROLE_H

#include <stdint.h>
#include <stddef.h>

#include "job/opt.h"

struct role_ops {
    const char *name;
    int (*prepare)(int argc, char **argv);   /* NULL: the role has no data */
    int (*serve)(int argc, char **argv);
};

extern const struct role_ops role_web_ops, role_imap_ops, role_app_ops,
                             role_db_ops, role_nfs_ops, role_idle_ops;

/* Looks a role up by name; NULL if unknown. */
const struct role_ops *role_ops_find(const char *name);

/* Creates dir and any missing parents (mode 0755), as mkdir -p.  Returns
 * 0, or -1 with errno set. */
int role_mkdirs(const char *dir);

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

#endif
