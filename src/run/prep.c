/* prep.c — the data sets of a run, prepared once and cached.
 *
 * Each data set lives in DATA_DIR/KEY, where KEY names the role, seed, set
 * and every size option that shapes its bytes, e.g.
 *     web-seed1-set1-docroot16777216-nfs30
 * `hostmix prepare` writes .hostmix-prepared last, so a directory without
 * it is a partial data set (an interrupted prepare): it is removed and
 * prepared again.  Same key, same bytes: the cache never goes stale. */
#include "run/run_int.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int run_role_prepared(const struct job *j, int role)
{
    if (role == ROLE_WEB) return job_has_role(j, ROLE_WEB) || job_has_role(j, ROLE_NFS);
    if (role == ROLE_IMAP || role == ROLE_DB) return job_has_role(j, role);
    return 0;
}

/* The cache key and the role's size options as argv words. */
static void prep_key(const struct job *j, int set, int role, char *key, size_t n,
                     char (*args)[64], int *nargs)
{
    const struct job_role *jr = &j->role[role];
    *nargs = 0;
    switch (role) {
    case ROLE_WEB:
        snprintf(key, n, "web-seed%llu-set%d-docroot%lld-nfs%g", (unsigned long long)j->seed, set,
                 (long long)jr->docroot_size, jr->nfs_share);
        snprintf(args[0], 64, "--docroot-size");
        snprintf(args[1], 64, "%lld", (long long)jr->docroot_size);
        snprintf(args[2], 64, "--nfs-share");
        snprintf(args[3], 64, "%g", jr->nfs_share);
        *nargs = 4;
        break;
    case ROLE_IMAP:
        snprintf(key, n, "imap-seed%llu-set%d-users%lld-msgs%lld", (unsigned long long)j->seed, set,
                 (long long)jr->users, (long long)jr->messages);
        snprintf(args[0], 64, "--users");
        snprintf(args[1], 64, "%lld", (long long)jr->users);
        snprintf(args[2], 64, "--messages");
        snprintf(args[3], 64, "%lld", (long long)jr->messages);
        *nargs = 4;
        break;
    case ROLE_DB:
        snprintf(key, n, "db-seed%llu-set%d-cust%lld-items%lld", (unsigned long long)j->seed, set,
                 (long long)jr->customers, (long long)jr->items);
        snprintf(args[0], 64, "--customers");
        snprintf(args[1], 64, "%lld", (long long)jr->customers);
        snprintf(args[2], 64, "--items");
        snprintf(args[3], 64, "%lld", (long long)jr->items);
        *nargs = 4;
        break;
    }
}

/* mkdir -p */
static int prep_mkdirs(const char *dir)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static int prep_one(struct run *r, int set, int role)
{
    const struct job *j = &r->job;
    char key[256], args[8][64], *dst = r->data[set - 1][role], marker[700];
    int nargs;
    prep_key(j, set, role, key, sizeof key, args, &nargs);
    snprintf(dst, 512, "%s/%s", j->data_dir, key);
    snprintf(marker, sizeof marker, "%s/.hostmix-prepared", dst);
    if (access(marker, F_OK) == 0) {
        log_info("set %d %s: data set cached in %s", set, role_names[role], dst);
        return 0;
    }
    if (access(dst, F_OK) == 0) {
        log_info("set %d %s: removing incomplete data set %s", set, role_names[role], dst);
        if (run_rmtree(dst)) {
            snprintf(r->invalid, sizeof r->invalid, "cannot remove incomplete data set %s: %s",
                     dst, strerror(errno));
            return -1;
        }
    }
    if (prep_mkdirs(j->data_dir)) {
        snprintf(r->invalid, sizeof r->invalid, "cannot create data_dir %s: %s", j->data_dir,
                 strerror(errno));
        return -1;
    }
    char setw[16], seedw[32], log[700];
    snprintf(setw, sizeof setw, "%d", set);
    snprintf(seedw, sizeof seedw, "%llu", (unsigned long long)j->seed);
    char *argv[24] = { "hostmix", "prepare", (char *)role_names[role], "--data", dst,
                       "--set", setw, "--seed", seedw };
    int argc = 9;
    for (int i = 0; i < nargs; i++) argv[argc++] = args[i];
    argv[argc] = NULL;
    snprintf(log, sizeof log, "%s/logs/prepare-set%d-%s.log", r->outdir, set, role_names[role]);
    log_info("set %d %s: preparing data set in %s", set, role_names[role], dst);
    int st = run_child(r, argv, log);
    if (st < 0) return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || access(marker, F_OK) != 0) {
        char how[96];
        plat_status_text(st, how, sizeof how);
        snprintf(r->invalid, sizeof r->invalid,
                 "hostmix prepare %s for set %d %s without writing %.400s (see %.400s)",
                 role_names[role], set, how, marker, log);
        return -1;
    }
    return 0;
}

int run_prepare_data(struct run *r)
{
    for (int set = 1; set <= r->job.sets; set++)
        for (int role = 0; role < ROLE_COUNT; role++)
            if (run_role_prepared(&r->job, role) && prep_one(r, set, role)) return -1;
    return 0;
}
