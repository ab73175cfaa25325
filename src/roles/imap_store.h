/* imap_store.h — maildir storage with a shared in-memory index.
 *
 * One imap_store serves every user of the server.  A mailbox is a maildir
 * (cur/, new/, tmp/): INBOX is MAIL/USER/Maildir, a folder NAME is
 * MAIL/USER/Maildir/.NAME (Maildir++).  Flags live in file names
 * ("BASE:2,FS"), so a STORE is a rename.  UIDs are kept stable in
 * DIR/hostmix-uidlist: "hostmix-uidlist 1 UIDVALIDITY UIDNEXT" then one
 * "UID BASE" line per message.  As dovecot's uidlist, it is a log: an
 * APPEND adds its line at the end (UIDs past the header's UIDNEXT raise
 * it), an EXPUNGE writes nothing (a line whose file is gone is ignored
 * when loading), and the file is rewritten whole (tmp file + rename) only
 * when its lines pass twice the messages, so each change costs amortised
 * constant time whatever the mailbox size.
 *
 * The first session to open a mailbox loads it (readdir + uidlist); the
 * index then stays in memory for the server's life and every session on
 * that mailbox shares it, which is how they see each other's APPENDs,
 * EXPUNGEs and flag changes.  The server is the maildir's only writer
 * while it runs; changes made by other programs meanwhile are not seen. */
#ifndef HOSTMIX_IMAP_STORE_H
#define HOSTMIX_IMAP_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"

struct imap_msg {
    uint32_t uid;
    unsigned flags;         /* IMAP_F_* */
    int in_new;             /* the file is in new/ (no info part yet) */
    char *base;             /* unique name without ":2,..."; owned */
    uint64_t size;
    time_t internal;        /* INTERNALDATE: the file's mtime */
    char *header;           /* header block incl. blank line, loaded lazily; owned */
    size_t hlen;
};

struct imap_mbox {
    char *path;             /* the maildir directory; owned */
    uint32_t uidvalidity, uidnext;
    struct imap_msg *m;     /* sorted by uid */
    int n, cap;
    uint64_t gen;           /* bumped on every append and expunge */
    int list_lines;         /* "UID BASE" lines in the uid list file */
    int sync;               /* the store's fsync setting */
    struct imap_mbox *next;
};

struct imap_store {
    char *root;             /* DATA/mail; owned */
    int sync;               /* fsync appended messages */
    struct imap_mbox *boxes;
    uint64_t seq;           /* for unique names */
};

/* Creates a store over DATA/mail. */
struct imap_store *imap_store_create(const char *data_dir, int sync);
void imap_store_destroy(struct imap_store *st);

/* Checks a mailbox name ("INBOX", case-insensitive, or a folder name of
 * printable ASCII without '/', leading '.', or "..").  Returns 0 or -1. */
int imap_store_name_ok(const char *name);

/* The maildir path of user's mailbox name, as a string the caller frees;
 * NULL if the name is not acceptable. */
char *imap_store_path(const struct imap_store *st, const char *user, const char *name);

/* Opens (loading on first use) the mailbox at a maildir path.  Returns the
 * shared index (owned by the store), or NULL with errno set (ENOENT: no
 * such mailbox). */
struct imap_mbox *imap_store_open(struct imap_store *st, const char *path);

/* Lists user's mailboxes: calls fn with each name ("INBOX" first, then
 * folders in name order). */
void imap_store_list(const struct imap_store *st, const char *user,
                     void (*fn)(const char *name, void *arg), void *arg);

/* Index of the message with uid, or -1. */
int imap_mbox_find(const struct imap_mbox *mb, uint32_t uid);
/* Full path of message i, as a string the caller frees. */
char *imap_mbox_msg_path(const struct imap_mbox *mb, int i);
/* Reads message i (whole, or its header block) into out (appended).
 * Returns 0 or -1 with errno set. */
int imap_mbox_read(struct imap_mbox *mb, int i, struct buf *out);
/* The cached header block of message i (NULL with *len 0 on error). */
const char *imap_mbox_header(struct imap_mbox *mb, int i, size_t *len);

/* Delivers data as a new message: written to tmp/, fsynced (when the
 * store syncs), renamed into new/ (into cur/ with an info part when flags
 * are given).  Returns the new UID, or 0 with errno set. */
uint32_t imap_mbox_append(struct imap_store *st, struct imap_mbox *mb, const char *data,
                          size_t len, unsigned flags, time_t internal);
/* Sets message i's flags (renaming its file).  Returns 0 or -1. */
int imap_mbox_set_flags(struct imap_mbox *mb, int i, unsigned flags);
/* Removes every message flagged \Deleted (unlinking its file) and
 * rewrites the uidlist.  Returns the count removed. */
int imap_mbox_expunge(struct imap_mbox *mb);

#endif
