/* real.h — what the real servers of the roles share (software = real,
 * docs/real-servers.md): the system user a real server runs as, and
 * starting a program as that user. */
#ifndef HOSTMIX_REAL_H
#define HOSTMIX_REAL_H

#include <stddef.h>
#include <sys/types.h>

struct real_user {
    uid_t uid;
    gid_t gid;
    char name[32];
};

/* Looks the system user name up into u.  Returns 0, or -1 with why
 * naming the package that makes it. */
int real_user_find(const char *name, struct real_user *u, char *why, size_t n);

/* A spawn child_fn (core/spawn.h): becomes user *arg (no supplementary
 * groups) and asks again for SIGTERM when hostmix dies (a change of user
 * clears it).  Async-signal-safe.  Returns 0, or -1: the child exits. */
int real_user_become(void *arg);

/* Whether user u can reach path: every directory above it searchable by
 * u.  Returns 0, or -1 with why naming the first directory that is not
 * (the fix: make it searchable, e.g. chmod o+x). */
int real_path_reachable(const char *path, const struct real_user *u, char *why, size_t n);

/* Changes the owner of dir and everything below it to u (not following
 * symlinks).  Returns 0 or -1 (errno set). */
int real_chown_tree(const char *dir, const struct real_user *u);

#endif
