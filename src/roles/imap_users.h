/* imap_users.h — the imap data set's users.tsv, read in one place: the
 * imap server checks logins against it and the load driver logs in with
 * it.  One line per user, "USER<TAB>PASSWORD<TAB>MESSAGES" (written by
 * `hostmix prepare imap`); names and passwords hold no spaces, quotes or
 * backslashes, so both sides can send them as IMAP atoms. */
#ifndef HOSTMIX_IMAP_USERS_H
#define HOSTMIX_IMAP_USERS_H

#include <stddef.h>
#include <stdint.h>

struct imap_user {
    char *name, *pass;          /* point into the list's own storage */
    int64_t messages;           /* in the INBOX when prepared */
};

struct imap_users {
    struct imap_user *u;
    size_t n;
    char *pool;                 /* the strings */
};

/* Reads DATA/users.tsv into users (emptied first).  Returns 0, or -1 with
 * "PATH:LINE: why" (or "PATH: why") appended to err; the caller frees
 * users with imap_users_free either way. */
struct buf;
int imap_users_read(const char *data, struct imap_users *users, struct buf *err);
void imap_users_free(struct imap_users *users);

#endif
