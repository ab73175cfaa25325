/* real.c — the system user of a real server and starting programs as it;
 * see real.h. */
#include "roles/real.h"
#include "core/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

int real_user_find(const char *name, struct real_user *u, char *why, size_t n)
{
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        snprintf(why, n, "no system user '%s' (the %s package makes it: scripts/deps.sh test)",
                 name, strcmp(name, "postgres") == 0 ? "postgresql" : "dovecot-core");
        return -1;
    }
    u->uid = pw->pw_uid;
    u->gid = pw->pw_gid;
    snprintf(u->name, sizeof u->name, "%s", name);
    return 0;
}

int real_user_become(void *arg)
{
    const struct real_user *u = arg;
    if (setgroups(0, NULL) || setgid(u->gid) || setuid(u->uid)) return -1;
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    return 0;
}

/* Whether u may search the directory st describes. */
static int real_searchable(const struct stat *st, const struct real_user *u)
{
    if (st->st_uid == u->uid) return (st->st_mode & S_IXUSR) != 0;
    if (st->st_gid == u->gid) return (st->st_mode & S_IXGRP) != 0;
    return (st->st_mode & S_IXOTH) != 0;
}

int real_path_reachable(const char *path, const struct real_user *u, char *why, size_t n)
{
    char *dir = strfmt("%s", path);
    struct stat st;
    int rc = 0;
    for (char *slash = dir + 1; (slash = strchr(slash, '/')); slash++) {
        *slash = '\0';
        if (stat(dir, &st) == 0 && !real_searchable(&st, u)) {
            snprintf(why, n, "user %s cannot reach %s: %s is not searchable by it (make it so, "
                     "e.g. chmod o+x %s)", u->name, path, dir, dir);
            rc = -1;
            break;
        }
        *slash = '/';
    }
    free(dir);
    return rc;
}

static const struct real_user *real_chown_to;     /* nftw has no user argument */

static int real_chown_fn(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)st; (void)type; (void)f;
    return lchown(path, real_chown_to->uid, real_chown_to->gid);
}

int real_chown_tree(const char *dir, const struct real_user *u)
{
    real_chown_to = u;
    return nftw(dir, real_chown_fn, 16, FTW_PHYS);
}
