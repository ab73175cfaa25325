/* imap_prep.c — `hostmix prepare imap`: deterministic users and maildirs.
 *
 * DATA/users.tsv has one "USER<TAB>PASSWORD<TAB>MESSAGES" line per user
 * (MESSAGES: the INBOX count).  DATA/mail/USER/Maildir is the INBOX; each
 * of --folders folders (Sent, Drafts, Trash, Archive, then FolderN) is a
 * Maildir++ subfolder .NAME with --folder-messages messages.  Messages are
 * plain-text RFC 5322 mail with CRLF line ends, sizes lognormal (median
 * 4 KiB, mean about 20 KiB, at most 1 MiB; docs/imap.md), dated over the
 * 180 days before 2026-01-01, stored in cur/ with flags in their names:
 * in INBOX 60 % \Seen, of those 15 % also \Answered, 5 % \Flagged.  Each
 * user draws from its own random stream (seed, set, user), so the bytes
 * depend only on the options. */
#include "roles/imap_prep.h"
#include "core/fs.h"
#include "proto/imap.h"
#include "roles/role.h"
#include "core/exitcode.h"
#include "core/buf.h"
#include "core/rng.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IMAP_PREP_EPOCH 1767225600LL        /* 2026-01-01 00:00:00 UTC */
#define IMAP_PREP_SPAN  (180LL * 86400)
#define IMAP_PREP_MIN   512
#define IMAP_PREP_MAX   (1 << 20)

struct imap_prep_opts {
    struct role_prep p;
    int64_t users, messages, folders, folder_messages;
};

static const struct opt_def imap_prep_table[] = {
    ROLE_PREP_OPTS(struct imap_prep_opts, p),
    { "users", OPT_INT, offsetof(struct imap_prep_opts, users), 0, "100", 1, 1e6, NULL, 0,
      "mail users" },
    { "messages", OPT_INT, offsetof(struct imap_prep_opts, messages), 0, "50", 0, 1e5, NULL, 0,
      "messages in each user's INBOX" },
    { "folders", OPT_INT, offsetof(struct imap_prep_opts, folders), 0, "3", 0, 64, NULL, 0,
      "folders besides INBOX per user (Sent, Drafts, Trash, Archive, Folder5...)" },
    { "folder-messages", OPT_INT, offsetof(struct imap_prep_opts, folder_messages), 0, "5", 0,
      1e5, NULL, 0, "messages in each folder" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

static const char *const imap_words[] = {
    "quarterly", "report", "meeting", "budget", "review", "server", "capacity", "plan",
    "update", "schedule", "project", "status", "invoice", "customer", "order", "shipment",
    "team", "lunch", "release", "notes", "draft", "proposal", "contract", "deadline",
    "network", "storage", "backup", "migration", "policy", "training", "travel", "expense",
    "the", "a", "and", "of", "to", "in", "for", "on", "with", "at", "by", "from", "this",
    "that", "we", "please", "will", "can", "should", "next", "week", "today", "thanks",
    "attached", "see", "below", "regarding", "our", "new", "final", "version", "question",
};
#define IMAP_NWORDS (sizeof imap_words / sizeof imap_words[0])
static const char *const imap_first[] = { "Alice", "Bob", "Carol", "Dave", "Erin", "Frank",
                                          "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Oscar" };
static const char *const imap_last[] = { "Smith", "Jones", "Brown", "Miller", "Davis",
                                         "Garcia", "Wilson", "Moore", "Taylor", "Clark" };
static const char *const imap_folder_names[] = { "Sent", "Drafts", "Trash", "Archive" };

uint64_t imap_prep_size(double u1, double u2)
{
    /* median e^mu = 4096; mean e^(mu + sigma^2/2) = 20480 -> sigma^2 = 2 ln 5 */
    const double mu = log(4096.0), sigma = sqrt(2.0 * log(5.0));
    double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
    double v = exp(mu + sigma * z);
    if (v < IMAP_PREP_MIN) v = IMAP_PREP_MIN;
    if (v > IMAP_PREP_MAX) v = IMAP_PREP_MAX;
    return (uint64_t)(v + 0.5);
}

/* Appends n random words separated by spaces. */
static void imap_prep_words(struct buf *b, struct rng *r, int n)
{
    for (int i = 0; i < n; i++)
        buf_printf(b, "%s%s", i ? " " : "", imap_words[rng_below(r, IMAP_NWORDS)]);
}

/* Builds one message of exactly size bytes (or its header's size if that
 * is larger) into b. */
static void imap_prep_message(struct buf *b, struct rng *r, const char *user, time_t when,
                              uint64_t size, const char *msgid)
{
    char date[64];
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    const char *fn = imap_first[rng_below(r, sizeof imap_first / sizeof *imap_first)];
    const char *ln = imap_last[rng_below(r, sizeof imap_last / sizeof *imap_last)];
    buf_reset(b);
    buf_printf(b, "Return-Path: <%s.%s@example.com>\r\nMessage-ID: <%s@hostmix.test>\r\n"
               "Date: %s\r\nFrom: \"%s %s\" <%s.%s@example.com>\r\nTo: %s@hostmix.test\r\n"
               "Subject: ", fn, ln, msgid, date, fn, ln, fn, ln, user);
    imap_prep_words(b, r, 3 + (int)rng_below(r, 6));
    buf_puts(b, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
    while (buf_used(b) < size) {
        size_t line = 0;
        while (line < 72) {
            const char *word = imap_words[rng_below(r, IMAP_NWORDS)];
            size_t k = strlen(word) + (line ? 1 : 0);
            if (line + k > 76) break;
            buf_printf(b, "%s%s", line ? " " : "", word);
            line += k;
        }
        buf_puts(b, "\r\n");
    }
    if (buf_used(b) > size && size >= 2) {   /* trim to size, still ending in CRLF */
        size_t hdr = (size_t)(strstr(buf_cstr(b), "\r\n\r\n") - buf_head(b)) + 4;
        size_t want = size > hdr ? (size_t)size : hdr;
        b->len = b->off + want;
        if (want > hdr + 1) {
            memcpy(b->data + b->len - 2, "\r\n", 2);
            if (want > hdr + 2 && b->data[b->len - 3] == '\r') b->data[b->len - 3] = ' ';
        }
    }
}

/* Creates DIR/{cur,new,tmp}.  Returns 0 or -1 after printing why. */
static int imap_prep_maildir(const char *dir)
{
    static const char *const subs[] = { "", "/cur", "/new", "/tmp" };
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++) {
        char *p = strfmt("%s%s", dir, subs[i]);
        if (mkdir(p, 0700) < 0 && errno != EEXIST) {
            fprintf(stderr, "hostmix prepare imap: mkdir %s: %s\n", p, strerror(errno));
            rc = -1;
        }
        free(p);
    }
    return rc;
}

/* Writes the message in b to path with when as its times.  Returns 0
 * or -1 after printing why. */
static int imap_prep_write(const char *path, const struct buf *b, time_t when)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, buf_head(b), buf_used(b)) != (ssize_t)buf_used(b)) {
        fprintf(stderr, "hostmix prepare imap: write %s: %s\n", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    struct timespec ts[2] = { { when, 0 }, { when, 0 } };
    futimens(fd, ts);
    close(fd);
    return 0;
}

/* Writes n messages of user into the maildir dir. */
static int imap_prep_box(const char *dir, const char *user, int folder, int64_t n,
                         struct rng *r, struct buf *b, int64_t uidx)
{
    if (imap_prep_maildir(dir) < 0) return -1;
    if (folder) {
        char *p = strfmt("%s/maildirfolder", dir);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) close(fd);
        free(p);
    }
    for (int64_t i = 0; i < n; i++) {
        time_t when = (time_t)(IMAP_PREP_EPOCH - IMAP_PREP_SPAN +
                               (IMAP_PREP_SPAN * (i + 1)) / (n + 1) + (int64_t)rng_below(r, 3600));
        uint64_t size = imap_prep_size(1.0 - rng_unit(r), rng_unit(r));
        imap_prep_message(b, r, user, when, size,
                          numstr_fmt("u%lld.f%d.m%lld", (long long)uidx, folder, (long long)i).s);
        unsigned flags = 0;
        double u = rng_unit(r);
        if (folder == 1 || u < 0.6) flags |= IMAP_F_SEEN;
        if (folder == 0 && u < 0.6 * 0.15) flags |= IMAP_F_ANSWERED;
        if (folder == 0 && rng_unit(r) < 0.05) flags |= IMAP_F_FLAGGED;
        char *path = strfmt("%s/cur/%lld.M%06lldP0.hostmix,S=%zu:2,%s", dir, (long long)when,
                            (long long)i, buf_used(b), imap_flags_maildir(flags).s);
        int rc = imap_prep_write(path, b, when);
        free(path);
        if (rc) return -1;
    }
    return 0;
}

static int imap_prep_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) < 0 ? -1 : 0;
}

/* 1 if the marker file at p holds exactly line (its first line, with
 * its newline), else 0. */
static int imap_prep_marker_is(const char *p, const char *line)
{
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    char *old = NULL;
    size_t cap = 0;
    int same = getline(&old, &cap, f) > 0 && strcmp(old, line) == 0;
    free(old);
    fclose(f);
    return same;
}

/* 0 if data holds nothing but an imap data set's files, else -1 after
 * printing why. */
static int imap_prep_ours(const char *data)
{
    DIR *d = opendir(data);
    if (!d) return -1;
    struct dirent *e;
    int foreign = 0;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "mail") &&
            strcmp(e->d_name, "users.tsv") && strcmp(e->d_name, ".hostmix-prepared"))
            foreign = 1;
    closedir(d);
    if (foreign) {
        fprintf(stderr, "hostmix prepare imap: %s holds files that are not an imap data set; "
                        "use an empty directory\n", data);
        return -1;
    }
    return 0;
}

/* Makes DATA ready: creates it, or clears an earlier (possibly partial)
 * hostmix imap data set.  Returns 1 if it already holds exactly this data
 * set, 0 when ready to write, -1 after printing why not. */
static int imap_prep_dir(const char *data, const char *line)
{
    if (fs_mkdirs(data) < 0) {
        fprintf(stderr, "hostmix prepare imap: mkdir %s: %s\n", data, strerror(errno));
        return -1;
    }
    char *p = strfmt("%s/.hostmix-prepared", data);
    int same = imap_prep_marker_is(p, line);
    if (!same && imap_prep_ours(data) == 0) unlink(p);
    else if (!same) same = -1;
    free(p);
    if (same) return same;
    p = strfmt("%s/mail", data);
    int rc = 0;
    if (access(p, F_OK) == 0 && nftw(p, imap_prep_rm, 16, FTW_DEPTH | FTW_PHYS) < 0) {
        fprintf(stderr, "hostmix prepare imap: cannot clear %s: %s\n", p, strerror(errno));
        rc = -1;
    }
    free(p);
    return rc;
}

/* Writes the marker DATA/.hostmix-prepared holding line.  Returns
 * CLI_OK or CLI_FAILED after printing why. */
static int imap_prep_mark(const char *data, const char *line)
{
    char *p = strfmt("%s/.hostmix-prepared", data);
    FILE *f = fopen(p, "w");
    int rc = CLI_OK;
    if (!f || fputs(line, f) < 0) rc = CLI_FAILED;
    if (f && fclose(f) != 0) rc = CLI_FAILED;
    if (rc) fprintf(stderr, "hostmix prepare imap: cannot write %s\n", p);
    free(p);
    return rc;
}

/* The maildir of user's folder k (0: INBOX, else 1-based) under data;
 * the caller frees it. */
static char *imap_prep_box_dir(const char *data, const char *user, int k)
{
    if (k == 0) return strfmt("%s/mail/%s/Maildir", data, user);
    if (k <= 4) return strfmt("%s/mail/%s/Maildir/.%s", data, user, imap_folder_names[k - 1]);
    return strfmt("%s/mail/%s/Maildir/.Folder%d", data, user, k);
}

/* User u (0-based): its line in users (name, 12-character password from
 * its own random stream, messages), its INBOX and its folders.  Returns 0
 * or -1. */
static int imap_prep_user(const struct imap_prep_opts *o, int64_t u, FILE *users, struct buf *b)
{
    struct rng r;
    rng_seed(&r, o->p.seed, (uint64_t)o->p.set, (2ULL << 32) | (uint64_t)u);
    struct numstr user = numstr_fmt("user%04lld", (long long)u + 1);
    fprintf(users, "%s\t", user.s);
    for (int k = 0; k < 12; k++) fputc("abcdefghijkmnpqrstuvwxyz23456789"[rng_below(&r, 32)], users);
    fprintf(users, "\t%lld\n", (long long)o->messages);
    char *dir = strfmt("%s/mail/%s", o->p.data, user.s);
    int rc = mkdir(dir, 0700) < 0 ? -1 : 0;
    free(dir);
    for (int k = 0; k <= o->folders && rc == 0; k++) {
        dir = imap_prep_box_dir(o->p.data, user.s, k);
        rc = imap_prep_box(dir, user.s, k, k ? o->folder_messages : o->messages, &r, b, u);
        free(dir);
    }
    return rc;
}

/* The users, their table (DATA/users.tsv) and their mail (DATA/mail).
 * Returns CLI_OK or CLI_FAILED after printing why. */
static int imap_prep_users(const struct imap_prep_opts *o)
{
    char *p = strfmt("%s/mail", o->p.data);
    FILE *users = NULL;
    if (mkdir(p, 0755) < 0)
        fprintf(stderr, "hostmix prepare imap: mkdir %s: %s\n", p, strerror(errno));
    else {
        free(p);
        p = strfmt("%s/users.tsv", o->p.data);
        if (!(users = fopen(p, "w"))) fprintf(stderr, "hostmix prepare imap: %s: %s\n", p, strerror(errno));
    }
    free(p);
    if (!users) return CLI_FAILED;
    struct buf b = BUF_INIT;
    int rc = CLI_OK;
    for (int64_t u = 0; u < o->users && rc == CLI_OK; u++)
        if (imap_prep_user(o, u, users, &b) < 0) rc = CLI_FAILED;
    buf_free(&b);
    if (fclose(users) != 0) rc = CLI_FAILED;
    return rc;
}

int imap_prepare(int argc, char **argv)
{
    struct imap_prep_opts o;
    int next;
    int rc = opt_parse_argv(imap_prep_table, &o, argc, argv,
                            "hostmix prepare imap --data DIR [--users N] [--messages M]", &next);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    if (next < argc) {
        fprintf(stderr, "hostmix prepare imap: unexpected argument '%s'\n", argv[next]);
        return CLI_USAGE;
    }
    if (!o.p.data[0]) {
        fprintf(stderr, "hostmix prepare imap: --data DIR is required\n");
        return CLI_USAGE;
    }
    char *line = strfmt("imap users=%lld messages=%lld folders=%lld folder-messages=%lld "
                        "set=%lld seed=%llu\n", (long long)o.users, (long long)o.messages,
                        (long long)o.folders, (long long)o.folder_messages, (long long)o.p.set,
                        (unsigned long long)o.p.seed);
    int st = imap_prep_dir(o.p.data, line);
    if (st == 1) printf("hostmix prepare imap: %s is already prepared\n", o.p.data);
    rc = st < 0 ? CLI_FAILED : st == 1 ? CLI_OK : imap_prep_users(&o);
    if (st == 0 && rc == CLI_OK) rc = imap_prep_mark(o.p.data, line);
    free(line);
    if (st == 0 && rc == CLI_OK)
        printf("hostmix prepare imap: %lld users, %lld INBOX + %lld x %lld folder messages each, "
               "in %s\n", (long long)o.users, (long long)o.messages, (long long)o.folders,
               (long long)o.folder_messages, o.p.data);
    return rc;
}
