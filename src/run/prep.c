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

/* Appends one size option: "--flag VALUE" to args and "-LABELVALUE" to
 * the cache key. */
static void prep_opt(char (*args)[64], int *nargs, char *key, size_t n, const char *flag,
                     const char *label, const char *val)
{
    snprintf(args[(*nargs)++], 64, "%s", flag);
    snprintf(args[(*nargs)++], 64, "%s", val);
    size_t len = strlen(key);
    snprintf(key + len, n - len, "-%s%s", label, val);
}

/* The cache key and the role's size options as argv words. */
static void prep_key(const struct job *j, int set, int role, char *key, size_t n,
                     char (*args)[64], int *nargs)
{
    const struct job_role *jr = &j->role[role];
    char v[2][32];
    *nargs = 0;
    snprintf(key, n, "%s-seed%llu-set%d", role_names[role], (unsigned long long)j->seed, set);
    switch (role) {
    case ROLE_WEB:
        snprintf(v[0], sizeof v[0], "%lld", (long long)jr->docroot_size);
        snprintf(v[1], sizeof v[1], "%g", jr->nfs_share);
        prep_opt(args, nargs, key, n, "--docroot-size", "docroot", v[0]);
        prep_opt(args, nargs, key, n, "--nfs-share", "nfs", v[1]);
        break;
    case ROLE_IMAP:
        snprintf(v[0], sizeof v[0], "%lld", (long long)jr->users);
        snprintf(v[1], sizeof v[1], "%lld", (long long)jr->messages);
        prep_opt(args, nargs, key, n, "--users", "users", v[0]);
        prep_opt(args, nargs, key, n, "--messages", "msgs", v[1]);
        break;
    case ROLE_DB:
        snprintf(v[0], sizeof v[0], "%lld", (long long)jr->customers);
        snprintf(v[1], sizeof v[1], "%lld", (long long)jr->items);
        prep_opt(args, nargs, key, n, "--customers", "cust", v[0]);
        prep_opt(args, nargs, key, n, "--items", "items", v[1]);
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
