/* imap_store.c — maildir storage and the shared index; see imap_store.h. */
#include "roles/imap_store.h"
#include "core/buf.h"
#include "core/fs.h"
#include "proto/imap.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define IMAP_UIDLIST "hostmix-uidlist"
#define IMAP_HEADER_MAX (64 * 1024)     /* header bytes kept per message */

struct imap_store *imap_store_create(const char *data_dir, int sync)
{
    struct imap_store *st = calloc(1, sizeof *st);
    if (!st || asprintf(&st->root, "%s/mail", data_dir) < 0) abort();
    st->sync = sync;
    return st;
}

static void imap_mbox_free(struct imap_mbox *mb)
{
    for (int i = 0; i < mb->n; i++) {
        free(mb->m[i].base);
        free(mb->m[i].header);
    }
    free(mb->m);
    free(mb->path);
    free(mb);
}

void imap_store_destroy(struct imap_store *st)
{
    if (!st) return;
    while (st->boxes) {
        struct imap_mbox *next = st->boxes->next;
        imap_mbox_free(st->boxes);
        st->boxes = next;
    }
    free(st->root);
    free(st);
}

int imap_store_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 200 || name[0] == '.' || strstr(name, "..")) return -1;
    for (size_t i = 0; i < len; i++)
        if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '/' || name[i] == '\\' ||
            name[i] == '*' || name[i] == '%')
            return -1;
    return 0;
}

char *imap_store_path(const struct imap_store *st, const char *user, const char *name)
{
    if (imap_store_name_ok(name) < 0) return NULL;
    if (strcasecmp(name, "INBOX") == 0) return strfmt("%s/%s/Maildir", st->root, user);
    return strfmt("%s/%s/Maildir/.%s", st->root, user, name);
}

/* ---- loading ---------------------------------------------------------- */

struct imap_known { char *base; uint32_t uid; };

static int imap_known_cmp(const void *a, const void *b)
{
    return strcmp(((const struct imap_known *)a)->base, ((const struct imap_known *)b)->base);
}

static int imap_msg_uid_cmp(const void *a, const void *b)
{
    const struct imap_msg *x = a, *y = b;
    if (x->uid != y->uid) return x->uid < y->uid ? -1 : 1;
    return strcmp(x->base, y->base);
}

/* Reads DIR/hostmix-uidlist into a base-sorted array (owned by the
 * caller).  Returns the count, or -1 if there is no usable list. */
/* A uid list line "UID BASE": the uid, and the base as a string the
 * caller frees; NULL when the line is not of that form. */
static char *imap_uidlist_line(const char *line, unsigned *uid)
{
    char *end;
    unsigned long v = strtoul(line, &end, 10);
    if (end == line || v > UINT32_MAX) return NULL;
    end += strspn(end, " \t\n\r\f\v");
    size_t len = strcspn(end, " \t\n\r\f\v");
    if (!len) return NULL;
    *uid = (unsigned)v;
    char *base = strndup(end, len);
    if (!base) abort();
    return base;
}

static int imap_uidlist_read(struct imap_mbox *mb, struct imap_known **out)
{
    char *path = strfmt("%s/" IMAP_UIDLIST, mb->path);
    FILE *f = fopen(path, "r");
    *out = NULL;
    unsigned v, next;
    int n = 0, cap = 0;
    if (f && (fscanf(f, "hostmix-uidlist 1 %u %u\n", &v, &next) != 2 || v == 0 || next == 0)) {
        fclose(f);
        f = NULL;
        log_warn("imap: %s: unreadable uid list; new UIDVALIDITY", path);
    }
    free(path);
    if (!f) return -1;
    char *line = NULL, *base;
    size_t lcap = 0;
    unsigned uid;
    while (getline(&line, &lcap, f) > 0) {
        if (!(base = imap_uidlist_line(line, &uid))) continue;
        if (uid == 0 || uid == UINT32_MAX) {
            free(base);
            continue;
        }
        if (uid >= next) next = uid + 1;        /* appended after the header */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = realloc(*out, (size_t)cap * sizeof **out);
            if (!*out) abort();
        }
        (*out)[n].base = base;
        (*out)[n++].uid = uid;
    }
    free(line);
    fclose(f);
    qsort(*out, (size_t)n, sizeof **out, imap_known_cmp);
    mb->list_lines = n;
    mb->uidvalidity = v;
    mb->uidnext = next;
    return n;
}

/* Rewrites the uid list atomically.  Returns 0 or -1. */
static int imap_uidlist_write(struct imap_mbox *mb)
{
    struct buf b = BUF_INIT;
    char *path = strfmt("%s/" IMAP_UIDLIST, mb->path);
    buf_printf(&b, "hostmix-uidlist 1 %u %u\n", mb->uidvalidity, mb->uidnext);
    for (int i = 0; i < mb->n; i++) buf_printf(&b, "%u %s\n", mb->m[i].uid, mb->m[i].base);
    int rc = fs_replace(path, buf_head(&b), buf_used(&b), mb->sync);
    buf_free(&b);
    if (rc) log_warn("imap: cannot write %s: %s", path, strerror(errno));
    free(path);
    if (rc) return -1;
    mb->list_lines = mb->n;
    return 0;
}

/* The uid list file may hold this many lines before it is compacted. */
static int imap_uidlist_room(const struct imap_mbox *mb)
{
    return 2 * (mb->n > 512 ? mb->n : 512);
}

/* Records message i at the end of the uid list (rewriting the list
 * instead when it is due for compaction or the append fails).  Returns 0
 * or -1. */
static int imap_uidlist_add(struct imap_mbox *mb, int i)
{
    if (mb->list_lines + 1 > imap_uidlist_room(mb)) return imap_uidlist_write(mb);
    char *path = strfmt("%s/" IMAP_UIDLIST, mb->path);
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    free(path);
    if (fd < 0) return imap_uidlist_write(mb);
    char *line = strfmt("%u %s\n", mb->m[i].uid, mb->m[i].base);
    ssize_t n = (ssize_t)strlen(line);
    int ok = write(fd, line, (size_t)n) == n && (!mb->sync || fdatasync(fd) == 0);
    free(line);
    close(fd);
    if (!ok) return imap_uidlist_write(mb);
    mb->list_lines++;
    return 0;
}

static struct imap_msg *imap_mbox_push(struct imap_mbox *mb)
{
    if (mb->n == mb->cap) {
        mb->cap = mb->cap ? mb->cap * 2 : 64;
        mb->m = realloc(mb->m, (size_t)mb->cap * sizeof *mb->m);
        if (!mb->m) abort();
    }
    struct imap_msg *m = &mb->m[mb->n++];
    memset(m, 0, sizeof *m);
    return m;
}

/* The size a maildir name announces (",S=1234"), or -1. */
static int64_t imap_name_size(const char *base)
{
    const char *s = strstr(base, ",S=");
    if (!s) return -1;
    char *end;
    long long v = strtoll(s + 3, &end, 10);
    return (end == s + 3 || (*end && *end != ',')) ? -1 : v;
}

/* Adds every message file of DIR/sub to mb with uid 0. */
static void imap_scan_dir(struct imap_mbox *mb, const char *sub)
{
    char *dpath = strfmt("%s/%s", mb->path, sub);
    DIR *d = opendir(dpath);
    free(dpath);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        struct stat sb;
        if (fstatat(dirfd(d), e->d_name, &sb, 0) < 0 || !S_ISREG(sb.st_mode)) continue;
        struct imap_msg *m = imap_mbox_push(mb);
        char *colon = strstr(e->d_name, ":2,");
        m->base = strndup(e->d_name, colon ? (size_t)(colon - e->d_name) : strlen(e->d_name));
        if (!m->base) abort();
        m->flags = colon ? imap_flags_from_maildir(colon + 3) : 0;
        m->in_new = sub[0] == 'n';
        int64_t sz = imap_name_size(m->base);
        m->size = sz >= 0 ? (uint64_t)sz : (uint64_t)sb.st_size;
        m->internal = sb.st_mtime;
    }
    closedir(d);
}

static int imap_msg_base_cmp(const void *a, const void *b)
{
    return strcmp(((const struct imap_msg *)a)->base, ((const struct imap_msg *)b)->base);
}

/* Loads a maildir: its files, their UIDs from the uid list, new UIDs (in
 * name order) for files the list does not know. */
static struct imap_mbox *imap_mbox_load(const char *path, int sync)
{
    struct stat sb;
    char *cur = strfmt("%s/cur", path);
    int is_dir = stat(cur, &sb) == 0 && S_ISDIR(sb.st_mode);
    free(cur);
    if (!is_dir) {
        errno = ENOENT;
        return NULL;
    }
    struct imap_mbox *mb = calloc(1, sizeof *mb);
    if (!mb || !(mb->path = strdup(path))) abort();
    mb->sync = sync;
    struct imap_known *known;
    int nk = imap_uidlist_read(mb, &known);
    int dirty = nk < 0;
    if (nk < 0) {
        mb->uidvalidity = (uint32_t)time(NULL);
        mb->uidnext = 1;
        nk = 0;
    }
    imap_scan_dir(mb, "cur");
    imap_scan_dir(mb, "new");
    if (mb->n) qsort(mb->m, (size_t)mb->n, sizeof *mb->m, imap_msg_base_cmp);
    for (int i = 0; i < mb->n; i++) {
        struct imap_known key = { mb->m[i].base, 0 };
        struct imap_known *k = nk ? bsearch(&key, known, (size_t)nk, sizeof *known,
                                            imap_known_cmp) : NULL;
        if (k) mb->m[i].uid = k->uid;
    }
    for (int i = 0; i < mb->n; i++)     /* unknown files, in name order */
        if (!mb->m[i].uid) {
            mb->m[i].uid = mb->uidnext++;
            dirty = 1;
        }
    if (nk != mb->n) dirty = 1;
    for (int i = 0; i < nk; i++) free(known[i].base);
    free(known);
    if (mb->n) qsort(mb->m, (size_t)mb->n, sizeof *mb->m, imap_msg_uid_cmp);
    for (int i = 1; i < mb->n; i++)     /* a damaged list gave two files one uid */
        if (mb->m[i].uid <= mb->m[i - 1].uid) {
            mb->m[i].uid = mb->uidnext++;
            dirty = 1;
        }
    if (mb->n) qsort(mb->m, (size_t)mb->n, sizeof *mb->m, imap_msg_uid_cmp);
    if (dirty) imap_uidlist_write(mb);
    return mb;
}

struct imap_mbox *imap_store_open(struct imap_store *st, const char *path)
{
    for (struct imap_mbox *mb = st->boxes; mb; mb = mb->next)
        if (strcmp(mb->path, path) == 0) return mb;
    struct imap_mbox *mb = imap_mbox_load(path, st->sync);
    if (!mb) return NULL;
    mb->next = st->boxes;
    st->boxes = mb;
    return mb;
}

static int imap_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void imap_store_list(const struct imap_store *st, const char *user,
                     void (*fn)(const char *name, void *arg), void *arg)
{
    fn("INBOX", arg);
    char *path = strfmt("%s/%s/Maildir", st->root, user);
    DIR *d = opendir(path);
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        struct stat sb;
        if (e->d_name[0] != '.' || imap_store_name_ok(e->d_name + 1) < 0) continue;
        char *cur = strfmt("%s/%s/cur", path, e->d_name);
        int is_dir = stat(cur, &sb) == 0 && S_ISDIR(sb.st_mode);
        free(cur);
        if (!is_dir) continue;
        names = realloc(names, (n + 1) * sizeof *names);
        if (!names || !(names[n++] = strdup(e->d_name + 1))) abort();
    }
    free(path);
    if (!d) return;
    closedir(d);
    qsort(names, n, sizeof *names, imap_str_cmp);
    for (size_t i = 0; i < n; i++) {
        fn(names[i], arg);
        free(names[i]);
    }
    free(names);
}

/* ---- messages ---------------------------------------------------------- */

int imap_mbox_find(const struct imap_mbox *mb, uint32_t uid)
{
    int lo = 0, hi = mb->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (mb->m[mid].uid == uid) return mid;
        if (mb->m[mid].uid < uid) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

char *imap_mbox_msg_path(const struct imap_mbox *mb, int i)
{
    const struct imap_msg *m = &mb->m[i];
    if (m->in_new) return strfmt("%s/new/%s", mb->path, m->base);
    return strfmt("%s/cur/%s:2,%s", mb->path, m->base, imap_flags_maildir(m->flags).s);
}

int imap_mbox_read(struct imap_mbox *mb, int i, struct buf *out)
{
    char *path = imap_mbox_msg_path(mb, i);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    if (fd < 0) return -1;
    size_t want = mb->m[i].size, got = 0;
    char *p = buf_reserve(out, want);
    while (got < want) {
        ssize_t k = read(fd, p + got, want - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    out->len += got;
    if (got < want) {       /* shorter than its name says: pad to keep framing */
        memset(buf_reserve(out, want - got), ' ', want - got);
        out->len += want - got;
    }
    return 0;
}

/* Length of the header block (blank line included) of p[0..n). */
static size_t imap_header_len(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\n') continue;
        if (i + 1 < n && p[i + 1] == '\n') return i + 2;
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') return i + 3;
    }
    return n;
}

const char *imap_mbox_header(struct imap_mbox *mb, int i, size_t *len)
{
    struct imap_msg *m = &mb->m[i];
    if (!m->header) {
        char *path = imap_mbox_msg_path(mb, i);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        free(path);
        if (fd < 0) { *len = 0; return NULL; }
        size_t cap = m->size < IMAP_HEADER_MAX ? m->size : IMAP_HEADER_MAX;
        char *h = malloc(cap + 1);
        if (!h) abort();
        ssize_t k = pread(fd, h, cap, 0);
        close(fd);
        if (k < 0) k = 0;
        m->hlen = imap_header_len(h, (size_t)k);
        h[m->hlen] = '\0';
        m->header = h;
    }
    *len = m->hlen;
    return m->header;
}

/* Writes len bytes of data to tmp (mtime internal, fsync'ed if sync) and
 * renames it to dst.  Returns 0, or -1 with errno set and tmp removed. */
static int imap_file_put(const char *tmp, const char *dst, const char *data, size_t len,
                         time_t internal, int sync)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    struct timespec ts[2] = { { internal, 0 }, { internal, 0 } };
    if (fs_write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0) || futimens(fd, ts) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    close(fd);
    if (rename(tmp, dst) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

uint32_t imap_mbox_append(struct imap_store *st, struct imap_mbox *mb, const char *data,
                          size_t len, unsigned flags, time_t internal)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    char *base = strfmt("%lld.M%06ldP%dQ%llu.hostmix,S=%zu", (long long)tv.tv_sec,
                        (long)tv.tv_usec, (int)getpid(), (unsigned long long)++st->seq, len);
    char *tmp = strfmt("%s/tmp/%s", mb->path, base);
    char *dst = flags ? strfmt("%s/cur/%s:2,%s", mb->path, base, imap_flags_maildir(flags).s)
                      : strfmt("%s/new/%s", mb->path, base);
    int rc = imap_file_put(tmp, dst, data, len, internal, st->sync);
    free(tmp);
    free(dst);
    if (rc) {
        free(base);
        return 0;
    }
    struct imap_msg *m = imap_mbox_push(mb);
    m->base = base;
    m->uid = mb->uidnext++;
    m->flags = flags;
    m->in_new = flags == 0;
    m->size = len;
    m->internal = internal;
    mb->gen++;
    imap_uidlist_add(mb, mb->n - 1);
    return m->uid;
}

int imap_mbox_set_flags(struct imap_mbox *mb, int i, unsigned flags)
{
    struct imap_msg *m = &mb->m[i];
    if (m->flags == flags && !m->in_new) return 0;
    char *from = imap_mbox_msg_path(mb, i);
    unsigned old_flags = m->flags;
    int old_new = m->in_new;
    m->flags = flags;
    m->in_new = 0;
    char *to = imap_mbox_msg_path(mb, i);
    int rc = rename(from, to);
    free(from);
    free(to);
    if (rc < 0) {
        m->flags = old_flags;
        m->in_new = old_new;
        return -1;
    }
    return 0;
}

int imap_mbox_expunge(struct imap_mbox *mb)
{
    int w = 0, removed = 0;
    for (int i = 0; i < mb->n; i++) {
        struct imap_msg *m = &mb->m[i];
        if (m->flags & IMAP_F_DELETED) {
            char *path = imap_mbox_msg_path(mb, i);
            int gone = unlink(path) == 0 || errno == ENOENT;
            if (!gone) log_warn("imap: cannot expunge %s: %s", path, strerror(errno));
            free(path);
            if (gone) {
                free(m->base);
                free(m->header);
                removed++;
                continue;
            }
        }
        mb->m[w++] = *m;
    }
    mb->n = w;
    if (removed) {
        mb->gen++;          /* the list keeps their lines until compacted */
        if (mb->list_lines > imap_uidlist_room(mb)) imap_uidlist_write(mb);
    }
    return removed;
}
