/* nfsd_export.c — the exported directory, its handle table and safe path
 * walks; see nfsd_export.h. */
#include "roles/nfsd_export.h"
#include "core/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NFSD_SCAN_MAX 1000000       /* objects one scan may learn */
#define NFSD_SCAN_DEPTH 128

struct nfsd_ent {
    uint64_t dev, ino;
    char *path;                     /* NULL: empty slot */
};

struct nfsd_export {
    int rootfd;
    struct stat root;
    uint8_t verf[8];
    struct nfsd_ent *tab;           /* open addressing, power-of-two size */
    size_t cap, used;
    int64_t last_scan;
};

/* ---- the (dev, ino) -> path table ---------------------------------- */

static uint64_t nfsd_mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static struct nfsd_ent *nfsd_slot(struct nfsd_ent *tab, size_t cap, uint64_t dev, uint64_t ino)
{
    size_t i = nfsd_mix(ino ^ nfsd_mix(dev)) & (cap - 1);
    while (tab[i].path && (tab[i].dev != dev || tab[i].ino != ino)) i = (i + 1) & (cap - 1);
    return &tab[i];
}

static void nfsd_grow(struct nfsd_export *ex)
{
    size_t ncap = ex->cap ? ex->cap * 2 : 1024;
    struct nfsd_ent *nt = calloc(ncap, sizeof *nt);
    if (!nt) abort();
    for (size_t i = 0; i < ex->cap; i++)
        if (ex->tab[i].path) *nfsd_slot(nt, ncap, ex->tab[i].dev, ex->tab[i].ino) = ex->tab[i];
    free(ex->tab);
    ex->tab = nt;
    ex->cap = ncap;
}

/* Remembers that (st_dev, st_ino) is reached at path. */
static void nfsd_learn(struct nfsd_export *ex, const struct stat *st, const char *path)
{
    if (2 * (ex->used + 1) > ex->cap) nfsd_grow(ex);
    struct nfsd_ent *e = nfsd_slot(ex->tab, ex->cap, (uint64_t)st->st_dev, (uint64_t)st->st_ino);
    if (e->path && strcmp(e->path, path) == 0) return;
    char *copy = strdup(path);
    if (!copy) abort();
    if (!e->path) ex->used++;
    free(e->path);
    e->dev = (uint64_t)st->st_dev;
    e->ino = (uint64_t)st->st_ino;
    e->path = copy;
}

static const char *nfsd_known(struct nfsd_export *ex, uint64_t dev, uint64_t ino)
{
    return ex->cap ? nfsd_slot(ex->tab, ex->cap, dev, ino)->path : NULL;
}

/* ---- walks ----------------------------------------------------------- */

static int nfsd_errno_status(int e)
{
    switch (e) {
    case ENOENT: return NFSD_ERR_NOENT;
    case ENOTDIR: case ELOOP: return NFSD_ERR_NOTDIR;
    case EACCES: case EPERM: return NFSD_ERR_ACCES;
    case ENAMETOOLONG: return NFSD_ERR_NAMETOOLONG;
    default: return NFSD_ERR_IO;
    }
}

/* Opens the object named name in directory dfd as want asks, after
 * fstatat told st; checks the opened object is the one stat saw. */
static int nfsd_open_final(int dfd, const char *name, enum nfsd_want want, struct nfsd_obj *o)
{
    int flags = -1;
    if (want == NFSD_WANT_DIR) {
        if (!S_ISDIR(o->st.st_mode)) return NFSD_ERR_NOTDIR;
        flags = O_PATH | O_DIRECTORY;
    } else if (want == NFSD_WANT_READ && S_ISDIR(o->st.st_mode)) {
        flags = O_RDONLY | O_DIRECTORY;
    } else if (want == NFSD_WANT_READ && S_ISREG(o->st.st_mode)) {
        flags = O_RDONLY | O_NONBLOCK;
    } else if (want == NFSD_WANT_READ && S_ISLNK(o->st.st_mode)) {
        flags = O_PATH;             /* for readlinkat(fd, "") */
    }
    if (flags < 0) return 0;
    o->fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC);
    if (o->fd < 0) return nfsd_errno_status(errno);
    struct stat st;
    if (fstat(o->fd, &st) < 0 || st.st_dev != o->st.st_dev || st.st_ino != o->st.st_ino) {
        nfsd_obj_release(o);
        return NFSD_ERR_STALE;
    }
    o->st = st;
    return 0;
}

/* Walks path (relative, components separated by single '/') from the
 * root without following any symlink, and fills o as want asks. */
static int nfsd_walk(struct nfsd_export *ex, const char *path, enum nfsd_want want,
                     struct nfsd_obj *o)
{
    o->fd = -1;
    memset(&o->st, 0, sizeof o->st);
    size_t plen = strlen(path);
    if (plen >= sizeof o->path) return NFSD_ERR_NAMETOOLONG;
    memmove(o->path, path, plen + 1);
    if (!plen) {
        if (fstat(ex->rootfd, &o->st) < 0) return NFSD_ERR_IO;
        return nfsd_open_final(ex->rootfd, ".", want, o);
    }
    int cur = ex->rootfd, rc = 0;
    const char *p = o->path;
    char name[NFSD_NAME_MAX + 1];
    for (const char *slash; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
        size_t n = (size_t)(slash - p);
        if (n == 0 || n > NFSD_NAME_MAX) { rc = NFSD_ERR_NOENT; break; }
        memcpy(name, p, n);
        name[n] = '\0';
        int next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        if (cur != ex->rootfd) close(cur);
        cur = next;
        if (next < 0) return nfsd_errno_status(err);
    }
    if (!rc && strlen(p) > NFSD_NAME_MAX) rc = NFSD_ERR_NAMETOOLONG;
    if (!rc && fstatat(cur, p, &o->st, AT_SYMLINK_NOFOLLOW) < 0) rc = nfsd_errno_status(errno);
    if (!rc) rc = nfsd_open_final(cur, p, want, o);
    if (cur != ex->rootfd) close(cur);
    return rc;
}

/* Learns the path of every object under dir (path rel, open fd dfd),
 * depth first, within *budget objects; closes dfd. */
static void nfsd_scan_dir(struct nfsd_export *ex, int dfd, char *rel, size_t rlen,
                          int depth, long *budget)
{
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return; }
    struct dirent *de;
    while (*budget > 0 && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        size_t n = strlen(de->d_name);
        if (rlen + n + 2 >= NFSD_PATH_MAX) continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        size_t nlen = rlen ? rlen + 1 + n : n;
        if (rlen) rel[rlen] = '/';
        memcpy(rel + (rlen ? rlen + 1 : 0), de->d_name, n + 1);
        nfsd_learn(ex, &st, rel);
        (*budget)--;
        if (S_ISDIR(st.st_mode) && depth < NFSD_SCAN_DEPTH) {
            int sub = openat(dirfd(d), de->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) nfsd_scan_dir(ex, sub, rel, nlen, depth + 1, budget);
        }
        rel[rlen] = '\0';
    }
    closedir(d);
}

/* Relearns every path of the export, at most once a second (a forged
 * handle must not make each call cost a scan). */
static void nfsd_scan(struct nfsd_export *ex)
{
    int64_t now = clock_mono_ns();
    if (ex->last_scan && now - ex->last_scan < CLOCK_NS_PER_S) return;
    ex->last_scan = now;
    int dfd = openat(ex->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return;
    char rel[NFSD_PATH_MAX] = "";
    long budget = NFSD_SCAN_MAX;
    nfsd_scan_dir(ex, dfd, rel, 0, 0, &budget);
}

/* ---- the interface ----------------------------------------------------- */

struct nfsd_export *nfsd_export_open(const char *dir, char *err, size_t errlen)
{
    if (!dir || !*dir) {
        snprintf(err, errlen, "no export directory given (--data DIR)");
        return NULL;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open export directory '%s': %s", dir, strerror(errno));
        return NULL;
    }
    struct nfsd_export *ex = calloc(1, sizeof *ex);
    if (!ex) abort();
    ex->rootfd = fd;
    fstat(fd, &ex->root);
    uint64_t v = nfsd_mix((uint64_t)ex->root.st_ino ^ nfsd_mix((uint64_t)ex->root.st_dev + 0x484d58));
    for (int i = 0; i < 8; i++) ex->verf[i] = (uint8_t)(v >> (8 * i));
    nfsd_learn(ex, &ex->root, "");
    return ex;
}

void nfsd_export_close(struct nfsd_export *ex)
{
    if (!ex) return;
    for (size_t i = 0; i < ex->cap; i++) free(ex->tab[i].path);
    free(ex->tab);
    close(ex->rootfd);
    free(ex);
}

uint64_t nfsd_export_fsid(const struct nfsd_export *ex) { return (uint64_t)ex->root.st_dev; }
int nfsd_export_rootfd(const struct nfsd_export *ex) { return ex->rootfd; }

static void nfsd_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t nfsd_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | p[i];
    return v;
}

void nfsd_export_fh(const struct nfsd_export *ex, const struct stat *st, uint8_t *fh)
{
    memcpy(fh, "HMX1", 4);
    memcpy(fh + 4, ex->verf, 8);
    nfsd_put64(fh + 12, (uint64_t)st->st_dev);
    nfsd_put64(fh + 20, (uint64_t)st->st_ino);
}

int nfsd_export_resolve(struct nfsd_export *ex, const uint8_t *fh, size_t len,
                        enum nfsd_want want, struct nfsd_obj *o)
{
    o->fd = -1;
    if (len != NFSD_FH_LEN || memcmp(fh, "HMX1", 4) != 0) return NFSD_ERR_BADHANDLE;
    if (memcmp(fh + 4, ex->verf, 8) != 0) return NFSD_ERR_STALE;
    uint64_t dev = nfsd_get64(fh + 12), ino = nfsd_get64(fh + 20);
    const char *path = nfsd_known(ex, dev, ino);
    if (!path) {
        nfsd_scan(ex);
        path = nfsd_known(ex, dev, ino);
    }
    if (!path) return NFSD_ERR_STALE;
    int rc = nfsd_walk(ex, path, want, o);
    if (rc == NFSD_ERR_NOTDIR && (uint64_t)o->st.st_dev == dev && (uint64_t)o->st.st_ino == ino)
        return rc;                  /* the object is there, just not a directory */
    if (rc == 0 && ((uint64_t)o->st.st_dev != dev || (uint64_t)o->st.st_ino != ino)) {
        nfsd_obj_release(o);
        rc = NFSD_ERR_STALE;
    }
    return rc == 0 ? 0 : NFSD_ERR_STALE;
}

int nfsd_export_lookup(struct nfsd_export *ex, const struct nfsd_obj *dir,
                       const char *name, size_t nlen, struct nfsd_obj *child)
{
    child->fd = -1;
    if (!S_ISDIR(dir->st.st_mode) || dir->fd < 0) return NFSD_ERR_NOTDIR;
    if (nlen == 0) return NFSD_ERR_NOENT;
    if (nlen > NFSD_NAME_MAX) return NFSD_ERR_NAMETOOLONG;
    if (memchr(name, '/', nlen) || memchr(name, '\0', nlen)) return NFSD_ERR_ACCES;
    if ((nlen == 1 && name[0] == '.') || (nlen == 2 && !memcmp(name, "..", 2))) {
        char parent[NFSD_PATH_MAX];
        memcpy(parent, dir->path, sizeof parent);
        if (nlen == 2) {
            char *slash = strrchr(parent, '/');
            if (slash) *slash = '\0'; else parent[0] = '\0';
        }
        int rc = nfsd_walk(ex, parent, NFSD_WANT_STAT, child);
        return rc ? NFSD_ERR_STALE : 0;
    }
    size_t dlen = strlen(dir->path);
    if (dlen + 1 + nlen >= sizeof child->path) return NFSD_ERR_NAMETOOLONG;
    char cname[NFSD_NAME_MAX + 1];
    memcpy(cname, name, nlen);
    cname[nlen] = '\0';
    if (fstatat(dir->fd, cname, &child->st, AT_SYMLINK_NOFOLLOW) < 0)
        return nfsd_errno_status(errno);
    memcpy(child->path, dir->path, dlen);
    if (dlen) child->path[dlen++] = '/';
    memcpy(child->path + dlen, cname, nlen + 1);
    nfsd_learn(ex, &child->st, child->path);
    return 0;
}

int nfsd_export_mount(struct nfsd_export *ex, const char *path, struct nfsd_obj *o)
{
    o->fd = -1;
    char rel[NFSD_PATH_MAX];
    size_t n = 0;
    /* Normalise "/a//b/" to "a/b"; "." and ".." components are refused. */
    for (const char *p = path; *p;) {
        while (*p == '/') p++;
        const char *e = p;
        while (*e && *e != '/') e++;
        size_t clen = (size_t)(e - p);
        if (!clen) break;
        if ((clen == 1 && p[0] == '.') || (clen == 2 && p[0] == '.' && p[1] == '.'))
            return NFSD_ERR_ACCES;
        if (n + clen + 2 >= sizeof rel) return NFSD_ERR_NAMETOOLONG;
        if (n) rel[n++] = '/';
        memcpy(rel + n, p, clen);
        n += clen;
        p = e;
    }
    rel[n] = '\0';
    int rc = nfsd_walk(ex, rel, NFSD_WANT_DIR, o);
    if (rc == 0) nfsd_learn(ex, &o->st, o->path);
    return rc;
}

int nfsd_export_link_inside(const char *link_path, const char *target, size_t tlen)
{
    if (tlen == 0 || target[0] == '/') return 0;
    long depth = 0;                 /* components of the link's directory */
    for (const char *p = link_path; *p; p++) depth += *p == '/';
    for (size_t i = 0; i < tlen;) {
        size_t j = i;
        while (j < tlen && target[j] != '/') j++;
        size_t clen = j - i;
        if (clen == 2 && target[i] == '.' && target[i + 1] == '.') {
            if (--depth < 0) return 0;
        } else if (clen && !(clen == 1 && target[i] == '.')) {
            depth++;
        }
        i = j + 1;
    }
    return 1;
}

void nfsd_obj_release(struct nfsd_obj *o)
{
    if (o->fd >= 0) close(o->fd);
    o->fd = -1;
}
