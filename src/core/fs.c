/* fs.c — mkdir -p, rm -r, write-all, atomic replace and the output-file
 * rule; see fs.h. */
#include "core/fs.h"
#include "core/buf.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int fs_mkdirs(const char *dir)
{
    if (!dir[0]) {
        errno = ENOENT;
        return -1;
    }
    char *tmp = strdup(dir);
    if (!tmp) abort();
    int rc = 0;
    for (char *p = tmp + 1; *p && rc == 0; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) && errno != EEXIST) rc = -1;
        *p = '/';
    }
    if (rc == 0 && mkdir(tmp, 0755) && errno != EEXIST) rc = -1;
    free(tmp);
    return rc;
}

int fs_open_own(const char *path, int flags, char *why, size_t n)
{
    struct stat st;
    int fd = open(path, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
        close(fd);
        fd = -1;
        errno = EPERM;
    }
    if (fd < 0) snprintf(why, n, "%s: %s (it must be a regular file of this user's)", path,
                         strerror(errno));
    return fd;
}

int fs_mkdir_private(const char *path, char *why, size_t n)
{
    struct stat st;
    if (mkdir(path, 0700) != 0) {
        snprintf(why, n, "cannot create %s: %s%s", path, strerror(errno),
                 errno == EEXIST ? " (a run's own directory must be new: remove it if no run "
                                   "is using it)" : "");
        return -1;
    }
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
        snprintf(why, n, "%s changed under hostmix after it was created", path);
        return -1;
    }
    return 0;
}

/* One component of a path: owner root or this user; a directory that
 * others may write must be sticky (last: nobody else may write at all). */
static int fs_component_ok(const char *p, int last, char *why, size_t n)
{
    struct stat st;
    if (lstat(p, &st) != 0) {
        snprintf(why, n, "%s: %s", p, strerror(errno));
        return -1;
    }
    int other_w = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0, link = S_ISLNK(st.st_mode);
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(why, n, "%s is owned by uid %u, not by root or this user: another user could "
                 "steer what hostmix writes there (use a directory of root's)", p,
                 (unsigned)st.st_uid);
        return -1;
    }
    if (!link && other_w && (last || !(st.st_mode & S_ISVTX))) {
        snprintf(why, n, "%s is writable by group or others (mode %04o): another user could "
                 "replace what hostmix keeps there (chmod go-w %s)", p,
                 (unsigned)(st.st_mode & 07777), p);
        return -1;
    }
    if (last && !link && !S_ISDIR(st.st_mode)) {
        snprintf(why, n, "%s is not a directory", p);
        return -1;
    }
    return 0;
}

/* Checks every prefix of the absolute path abs. */
static int fs_chain_ok(const char *abs, char *why, size_t n)
{
    char *p = strdup(abs);
    if (!p) abort();
    int rc = fs_component_ok("/", 0, why, n);
    for (char *c = p + 1; rc == 0 && *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        rc = fs_component_ok(p, 0, why, n);
        *c = '/';
    }
    size_t len = strlen(p);
    while (len > 1 && p[len - 1] == '/') p[--len] = '\0';
    if (rc == 0 && len > 1) rc = fs_component_ok(p, 1, why, n);
    free(p);
    return rc;
}

/* path made absolute against the working directory, as a string the
 * caller frees; NULL with errno set when there is no working directory. */
static char *fs_absolute(const char *path)
{
    if (path[0] == '/') return strfmt("%s", path);
    char *cwd = getcwd(NULL, 0);
    if (!cwd) return NULL;
    char *abs = strfmt("%s/%s", cwd, path);
    free(cwd);
    return abs;
}

int fs_check_private(const char *path, char *why, size_t n)
{
    char *abs = fs_absolute(path);
    if (!abs) return snprintf(why, n, "getcwd: %s", strerror(errno)), -1;
    char *real = NULL;
    int rc = fs_chain_ok(abs, why, n);
    if (!rc && !(real = realpath(abs, NULL))) {
        snprintf(why, n, "%s: %s", abs, strerror(errno));
        rc = -1;
    }
    if (!rc) rc = strcmp(real, abs) ? fs_chain_ok(real, why, n) : 0;
    free(real);
    free(abs);
    return rc;
}

static int fs_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)flag; (void)f;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int fs_rmtree(const char *dir)
{
    if (access(dir, F_OK) != 0 && errno == ENOENT) return 0;
    return nftw(dir, fs_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The pid in name PREFIX<digits>, or 0 if name is not of that form. */
static pid_t fs_name_pid(const char *name, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(name, prefix, pl) != 0 || !name[pl]) return 0;
    long pid = 0;
    for (const char *c = name + pl; *c; c++) {
        if (*c < '0' || *c > '9' || pid > 99999999) return 0;
        pid = pid * 10 + (*c - '0');
    }
    return (pid_t)pid;
}

/* 1 if name in the directory dfd is a directory (not a symlink to one)
 * owned by this process's user, else 0. */
static int fs_own_dir(int dfd, const char *name)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
    return S_ISDIR(st.st_mode) && st.st_uid == geteuid();
}

int fs_sweep_dead(const char *dir, const char *prefix, void (*fn)(const char *name, void *arg),
                  void *arg)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t pid = fs_name_pid(e->d_name, prefix);
        if (pid <= 0 || kill(pid, 0) == 0 || errno != ESRCH) continue;
        if (!fs_own_dir(dirfd(d), e->d_name)) {
            log_warn("leaving %s/%s: not a directory of this user's, so no run's", dir,
                     e->d_name);
            continue;
        }
        fn(e->d_name, arg);
        found++;
    }
    closedir(d);
    return found;
}

struct fs_lru {
    char *name;                     /* owned */
    struct timespec mtime;
};

static int fs_lru_newer_first(const void *a, const void *b)
{
    const struct fs_lru *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec) return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec) return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int fs_lru_match(const char *name, const char *prefix, const char *suffix)
{
    size_t n = strlen(name), p = strlen(prefix), s = strlen(suffix);
    return n > p + s && !strncmp(name, prefix, p) && !strcmp(name + n - s, suffix);
}

int fs_prune_lru(const char *dir, const char *prefix, const char *suffix, int keep,
                 int64_t idle_s)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct fs_lru *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        if (!fs_lru_match(e->d_name, prefix, suffix) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
            continue;
        if (n == cap && !(v = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *v))) abort();
        v[n].name = strfmt("%s", e->d_name);
        v[n++].mtime = st.st_mtim;
    }
    qsort(v, n, sizeof *v, fs_lru_newer_first);
    time_t cut = time(NULL) - (time_t)idle_s;
    int removed = 0;
    for (size_t i = keep > 0 ? (size_t)keep : 0; i < n; i++)
        if (v[i].mtime.tv_sec < cut && unlinkat(dirfd(d), v[i].name, 0) == 0) {
            char *mf = strfmt("%s.manifest", v[i].name);    /* its manifest goes with it */
            unlinkat(dirfd(d), mf, 0);
            free(mf);
            removed++;
        }
    closedir(d);
    for (size_t i = 0; i < n; i++) free(v[i].name);
    free(v);
    return removed;
}

int fs_which(const char *name, char *dst, size_t n)
{
    if (strchr(name, '/')) {
        snprintf(dst, n, "%s", name);
        return access(dst, X_OK) == 0 ? 0 : -1;
    }
    const char *path = getenv("PATH");
    char *dirs = strdup(path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    if (!dirs) abort();
    int rc = -1;
    for (char *save, *d = strtok_r(dirs, ":", &save); d && rc; d = strtok_r(NULL, ":", &save))
        if ((size_t)snprintf(dst, n, "%s/%s", d, name) < n) rc = access(dst, X_OK) == 0 ? 0 : -1;
    free(dirs);
    return rc;
}

int fs_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync of the directory holding path, so a rename survives a crash. */
static void fs_sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy) abort();
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

int fs_write_atomic(const char *path, const void *p, size_t n)
{
    return fs_replace(path, p, n, 1);
}

int fs_replace(const char *path, const void *p, size_t n, int sync)
{
    char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp-%d", path, (int)getpid()) < 0) abort();
    unlink(tmp);                /* a leftover, or a name planted in a shared dir */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644), err = 0;
    if (fd < 0 || fs_write_all(fd, p, n) || (sync && fsync(fd))) err = errno;
    if (fd >= 0 && close(fd) && !err) err = errno;
    if (!err && rename(tmp, path)) err = errno;
    if (err) unlink(tmp);
    else if (sync) fs_sync_dir(path);
    free(tmp);
    errno = err;
    return err ? -1 : 0;
}

/* ---- output files: the one rule (fs.h, fs_write_out) ---------------------- */

/* How an output path is written. */
enum fs_out_kind {
    FS_OUT_STD,                 /* "-" (stdout), or a symlink to stdout or stderr */
    FS_OUT_FILE,                /* a regular file to replace (or create) */
    FS_OUT_THROUGH,             /* a device, FIFO, ...: written as it is */
};

/* Standard output or error (1, 2) when st is the file it is open on, else 0. */
static int fs_std_fd(const struct stat *st)
{
    struct stat o;
    for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
        if (fstat(fd, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino) return fd;
    return 0;
}

/* The kind of the symlink path (lst: its lstat): followed only when root
 * or this user owns it (EPERM: another user's link), never replaced; a
 * dangling one fails (ENOENT).  *file, *fd as for fs_out_kind_of. */
static int fs_out_link(const char *path, const struct stat *lst, char **file, int *fd)
{
    struct stat st;
    if (lst->st_uid != 0 && lst->st_uid != geteuid()) {
        errno = EPERM;
        return -1;
    }
    if (stat(path, &st)) return -1;
    if ((*fd = fs_std_fd(&st))) return FS_OUT_STD;
    if (!S_ISREG(st.st_mode)) return FS_OUT_THROUGH;
    *file = realpath(path, NULL);
    return *file ? FS_OUT_FILE : -1;
}

/* The kind of output path; for FS_OUT_FILE *file is the regular file to
 * write (path itself or where its symlink leads; malloc'd, the caller
 * frees it), for FS_OUT_STD *fd the descriptor (1 or 2).  Returns -1
 * (errno set) when path cannot be written. */
static int fs_out_kind_of(const char *path, char **file, int *fd)
{
    struct stat st;
    *file = NULL;
    *fd = STDOUT_FILENO;
    if (!strcmp(path, "-")) return FS_OUT_STD;
    int missing = lstat(path, &st) != 0;
    if (missing && errno != ENOENT) return -1;
    if (missing || S_ISREG(st.st_mode)) {
        *file = strdup(path);
        if (!*file) abort();
        return FS_OUT_FILE;
    }
    return S_ISLNK(st.st_mode) ? fs_out_link(path, &st, file, fd) : FS_OUT_THROUGH;
}

/* Opens path for writing as it is, never creating, truncating or
 * replacing it: a character device, a FIFO.  A path that is a regular
 * file once open (swapped since it was looked at) is refused (EBUSY).
 * Returns the descriptor (the caller's) or -1. */
static int fs_open_through(const char *path)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC), err = 0;
    struct stat st;
    if (fd < 0) return -1;
    if (fstat(fd, &st)) err = errno;
    else if (S_ISREG(st.st_mode)) err = EBUSY;
    if (!err) return fd;
    close(fd);
    errno = err;
    return -1;
}

static int fs_write_through(const char *path, const void *p, size_t n)
{
    int fd = fs_open_through(path), err = 0;
    if (fd < 0) return -1;
    if (fs_write_all(fd, p, n)) err = errno;
    if (close(fd) && !err) err = errno;
    errno = err;
    return err ? -1 : 0;
}

/* Standard output or error (fd), flushed first so nothing buffered comes
 * after p. */
static int fs_write_std(int fd, const void *p, size_t n)
{
    fflush(fd == STDOUT_FILENO ? stdout : stderr);
    return fs_write_all(fd, p, n);
}

int fs_write_out(const char *path, const void *p, size_t n)
{
    char *file;
    int fd, kind = fs_out_kind_of(path, &file, &fd), rc = -1;
    if (kind == FS_OUT_STD) rc = fs_write_std(fd, p, n);
    else if (kind == FS_OUT_FILE) rc = fs_write_atomic(file, p, n);
    else if (kind == FS_OUT_THROUGH) rc = fs_write_through(path, p, n);
    int err = errno;
    free(file);
    errno = err;
    return rc;
}

int fs_open_out(const char *path)
{
    char *file;
    int std, kind = fs_out_kind_of(path, &file, &std), fd = -1;
    if (kind == FS_OUT_STD) fd = fcntl(std, F_DUPFD_CLOEXEC, 3);
    else if (kind == FS_OUT_FILE)
        fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    else if (kind == FS_OUT_THROUGH) fd = fs_open_through(path);
    int err = errno;
    free(file);
    errno = err;
    return fd;
}
