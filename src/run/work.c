/* work.c — per-run working copies of the data sets servers change.
 *
 * The cache (prep.c) promises "same key, same bytes", but two roles change
 * their data while they serve: db writes orders.db (and -wal, -shm) as
 * orders are placed and cancelled, imap APPENDs, EXPUNGEs and renames
 * maildir files and writes hostmix-uidlist.  (web and nfs open their files
 * read-only; nfs answers every write with NFS3ERR_ROFS.)  So every run
 * serves db and imap from a copy made at its start:
 *
 *     DATA_DIR/.hostmix-work-PID/KEY      (KEY as in the cache)
 *
 * next to the cache, on the same file system.  Where hostmix may mount
 * overlayfs (root, a kernel with it), the copy is an overlay: the cached
 * data set is the read-only lower layer and the run's changes go to an
 * upper layer in DATA_DIR/.hostmix-work-PID/.overlay/KEY/, so nothing is
 * copied up front (a file is copied up when a server first writes it).
 * Otherwise each file is copied: a reflink (FICLONE) where the file system
 * shares extents, else an in-kernel copy_file_range, else read/write.
 * Files keep their mode bits (less the umask), their owner (when root
 * copies them) and their access and modification times (imap's INTERNALDATE is the file's mtime);
 * directories keep their times too.
 *
 * The copy is made before any server starts, so it never falls into the
 * baseline or the load, and it is removed at teardown, which every path
 * reaches (success, error, SIGINT/SIGTERM, a dead server); overlays are
 * unmounted first.  A run killed outright (SIGKILL) leaves its copy (and
 * its overlay mounts): the next run on that data_dir unmounts and removes
 * every .hostmix-work-PID whose PID no longer exists.
 * `hostmix run --keep-work` renames the copy to DATA_DIR/hostmix-kept-PID
 * instead (an overlay's merged view is copied there first); kept copies
 * are never swept: remove them by hand. */
#include "run/run_int.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"
#include "roles/role.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define WORK_PREFIX ".hostmix-work-"
#define WORK_KEPT_PREFIX "hostmix-kept-"
#define WORK_OVL ".overlay"             /* WORK_DIR/.overlay/KEY/{upper,work} */
/* mount(2) takes its data (the overlay options) in one page */
#define WORK_MOUNT_OPTS_MAX 4096

const char *const run_copy_method_names[] = { "reflink", "copy_file_range", "read/write",
                                              "overlay" };


/* ---- copying -------------------------------------------------------- */

/* Copies the bytes of sfd into the empty file dfd: a reflink if the file
 * system can, else copy_file_range, else (or to finish what it could not)
 * read/write from where the file offsets stand.  Notes the method in
 * r->work_methods.  Returns 0 or -1 (errno set). */
static int work_copy_bytes(struct run *r, int sfd, int dfd, off_t size)
{
    if (ioctl(dfd, FICLONE, sfd) == 0) {
        r->work_methods |= 1u << RUN_COPY_REFLINK;
        return 0;
    }
    off_t done = 0;
    ssize_t n = 1;
    while (done < size && (n = copy_file_range(sfd, NULL, dfd, NULL, (size_t)(size - done), 0)) > 0)
        done += n;
    if (done >= size || n == 0) {
        r->work_methods |= 1u << RUN_COPY_RANGE;
        return 0;
    }
    r->work_methods |= 1u << RUN_COPY_RW;
    char buf[65536];
    for (;;) {
        ssize_t got = read(sfd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return (int)got;
        if (fs_write_all(dfd, buf, (size_t)got)) return -1;
    }
}

/* Gives the copy fd the owner of the original st (a real server's data
 * set is its user's: PostgreSQL's data directory).  Only root can, and
 * only a copy made by root needs it.  Returns 0 or -1 (errno set). */
static int work_owner(int fd, const struct stat *st)
{
    if (geteuid() != 0 || (st->st_uid == 0 && st->st_gid == 0)) return 0;
    return fchown(fd, st->st_uid, st->st_gid);
}

/* Copies the regular file sdir/name to ddir/name (created, must not exist)
 * with its times.  Returns 0 or -1 (errno set). */
static int work_copy_file(struct run *r, int sdir, int ddir, const char *name,
                          const struct stat *st)
{
    int sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int dfd = sfd < 0 ? -1 : openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                                      st->st_mode & 07777);
    int rc = dfd < 0 ? -1 : work_copy_bytes(r, sfd, dfd, st->st_size);
    const struct timespec ts[2] = { st->st_atim, st->st_mtim };
    if (rc == 0) rc = work_owner(dfd, st);
    if (rc == 0) rc = futimens(dfd, ts);
    int e = errno;
    if (sfd >= 0) close(sfd);
    if (dfd >= 0) close(dfd);
    errno = e;
    if (rc == 0) {
        r->work_files++;
        r->work_bytes += st->st_size;
    }
    return rc;
}

static int work_copy_tree(struct run *r, int sdir, int ddir, const char *path);

/* Creates the directory ddir/dname like sdir/sname (described by st),
 * copies its entries and then its times (its entries changed them).
 * path names it in errors.  Returns 0 or -1 (errno set, or r->invalid). */
static int work_copy_dir(struct run *r, int sdir, const char *sname, int ddir, const char *dname,
                         const struct stat *st, const char *path)
{
    if (mkdirat(ddir, dname, st->st_mode & 07777)) return -1;
    int s = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int d = s < 0 ? -1 : openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int rc = d < 0 ? -1 : work_copy_tree(r, s, d, path);
    const struct timespec ts[2] = { st->st_atim, st->st_mtim };
    if (rc == 0) rc = work_owner(d, st);
    if (rc == 0) rc = futimens(d, ts);
    int e = errno;
    if (s >= 0) close(s);
    if (d >= 0) close(d);
    errno = e;
    return rc;
}

/* Copies one entry of the directory path (sdir) into ddir: a directory
 * recursively, a regular file with its bytes; anything else is refused
 * (prepared data sets hold neither links nor devices).  Returns 0, or -1
 * with r->invalid naming the entry. */
static int work_copy_entry(struct run *r, int sdir, int ddir, const char *path, const char *name)
{
    struct stat st;
    char *sub = strfmt("%s/%s", path, name);
    int rc = fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW);
    if (rc == 0 && S_ISREG(st.st_mode)) {
        rc = work_copy_file(r, sdir, ddir, name, &st);
    } else if (rc == 0 && S_ISDIR(st.st_mode)) {
        rc = work_copy_dir(r, sdir, name, ddir, name, &st, sub);
    } else if (rc == 0) {
        run_invalidate(r, "working copy: %.900s is neither a file nor a directory", sub);
        rc = -1;
    }
    if (rc && !r->invalid[0])
        run_invalidate(r, "working copy: cannot copy %.900s: %s", sub, strerror(errno));
    free(sub);
    return rc;
}

/* Copies every entry of the directory path (open as sdir) into ddir.
 * Returns 0, or -1 with r->invalid saying why. */
static int work_copy_tree(struct run *r, int sdir, int ddir, const char *path)
{
    int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd < 0 ? NULL : fdopendir(fd);
    if (!dir) {
        if (fd >= 0) close(fd);
        run_invalidate(r, "working copy: cannot read %.900s: %s", path,
                 strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            rc = work_copy_entry(r, sdir, ddir, path, e->d_name);
    closedir(dir);
    return rc;
}

/* ---- overlays --------------------------------------------------------- */

/* Unmounts every mount at or below dir (absolute or not), deepest first
 * (mountinfo lists parents before children).  Returns how many. */
static int work_umount_below(const char *dir)
{
    char *real = realpath(dir, NULL), *line = NULL;
    FILE *f = real ? fopen("/proc/self/mountinfo", "re") : NULL;
    struct strvec pts = STRVEC_INIT;
    size_t cap = 0, rl = real ? strlen(real) : 0;
    while (f && getline(&line, &cap, f) > 0) {
        char *save = NULL, *mp = strtok_r(line, " ", &save);
        for (int k = 0; mp && k < 4; k++) mp = strtok_r(NULL, " ", &save);   /* field 5 */
        if (mp && strncmp(mp, real, rl) == 0 && (mp[rl] == '/' || mp[rl] == '\0') &&
            !strchr(mp, '\\'))                /* an escaped name is none of ours */
            strvec_push(&pts, mp);
    }
    if (f) fclose(f);
    free(line);
    free(real);
    int done = 0;
    for (size_t n = pts.n; n-- > 0;) {
        if (umount2(pts.v[n], 0) != 0 && umount2(pts.v[n], MNT_DETACH) != 0)
            log_warn("cannot unmount %s: %s", pts.v[n], strerror(errno));
        else done++;
    }
    strvec_clear(&pts);
    return done;
}

static long work_count_nfiles;          /* nftw has no user argument */
static int64_t work_count_nbytes;

static int work_count_fn(const char *path, const struct stat *st, int type, struct FTW *f)
{
    (void)path; (void)f;
    if (type == FTW_F && S_ISREG(st->st_mode)) {
        work_count_nfiles++;
        work_count_nbytes += st->st_size;
    }
    return 0;
}

/* Mounts an overlay of the cached data set src at dst with its upper and
 * work directories below WORK_DIR/.overlay/KEY; counts the files it shows.
 * Returns 0, or -1 (errno set; nothing is left) where overlays cannot be
 * mounted here: the caller copies instead. */
static int work_overlay_set(struct run *r, const char *src, const char *dst, const char *key)
{
    char *base = strfmt("%s/" WORK_OVL "/%s", r->work_dir, key);
    char *upper = strfmt("%s/upper", base), *wk = strfmt("%s/work", base);
    char *opts = strfmt("lowerdir=%s,upperdir=%s,workdir=%s", src, upper, wk);
    int rc = -1;
    if (strpbrk(src, ",:\\") || strpbrk(base, ",:\\") || strlen(opts) >= WORK_MOUNT_OPTS_MAX)
        errno = EINVAL;                 /* the option syntax cannot say these paths */
    else if (!(fs_mkdirs(upper) || fs_mkdirs(wk) || mkdir(dst, 0755)))
        rc = mount("overlay", dst, "overlay", 0, opts);
    if (rc) {
        int e = errno;
        rmdir(dst);
        fs_rmtree(base);
        errno = e;
    }
    free(base);
    free(upper);
    free(wk);
    free(opts);
    if (rc) return -1;
    work_count_nfiles = 0;
    work_count_nbytes = 0;
    nftw(src, work_count_fn, 16, FTW_PHYS);
    r->work_files += work_count_nfiles;
    r->work_bytes += work_count_nbytes;
    r->work_methods |= 1u << RUN_COPY_OVERLAY;
    return 0;
}

/* --keep-work of an overlaid copy: the merged views copied into kept (a
 * plain directory tree), without counting in the copy's figures. */
static int work_keep_overlays(struct run *r, const char *kept)
{
    long files = r->work_files;
    int64_t bytes = r->work_bytes;
    unsigned methods = r->work_methods;
    struct stat st;
    int rc = stat(r->work_dir, &st) ? -1 : mkdir(kept, 0755);
    int d = rc ? -1 : open(r->work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int k = d < 0 ? -1 : open(kept, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = k < 0 ? NULL : fdopendir(dup(d));
    struct dirent *e;
    rc = dir ? 0 : -1;
    while (dir && rc == 0 && (e = readdir(dir)))
        if (e->d_name[0] != '.' && fstatat(d, e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode))
            rc = work_copy_dir(r, d, e->d_name, k, e->d_name, &st, e->d_name);
    if (dir) closedir(dir);
    if (d >= 0) close(d);
    if (k >= 0) close(k);
    r->work_files = files;
    r->work_bytes = bytes;
    r->work_methods = methods;
    return rc;
}

/* ---- the run's working copy ----------------------------------------- */

/* Removes DATA_DIR/NAME, the working copy of a run killed outright (a
 * real directory of this user's: fs_sweep_dead leaves anything else, and
 * run_prepare_data checked that no other user can write DATA_DIR). */
static void work_remove_one(const char *name, void *arg)
{
    char *path = strfmt("%s/%s", (const char *)arg, name);
    log_info("removing working copy %s of a run that no longer exists", path);
    work_umount_below(path);
    if (fs_rmtree(path)) log_warn("cannot remove %s: %s", path, strerror(errno));
    free(path);
}

/* Makes the run's working copy of data set d — an overlay while *overlay
 * is set (cleared at the first that cannot be mounted), else a copy — and
 * points d's servers at it.  Returns 0, or -1 (r->invalid). */
static int work_copy_set(struct run *r, struct plan_data *d, int *overlay)
{
    const char *src = d->cached;
    struct buf dst = BUF_INIT;
    buf_printf(&dst, "%s/%s", r->work_dir, d->key);
    int rc = *overlay ? work_overlay_set(r, src, buf_cstr(&dst), d->key) : -1;
    if (rc && *overlay) log_info("working copy: no overlay (%s); copying the files", strerror(errno));
    if (rc) {
        struct stat st;
        *overlay = 0;
        rc = stat(src, &st) ? -1 : work_copy_dir(r, AT_FDCWD, src, AT_FDCWD, buf_cstr(&dst), &st, src);
        if (rc && !r->invalid[0])
            run_invalidate(r, "working copy: cannot copy %.450s to %.450s: %s",
                           src, buf_cstr(&dst), strerror(errno));
    }
    if (rc == 0) plan_data_serve(d, buf_cstr(&dst));
    buf_free(&dst);
    return rc;
}

/* The methods used, e.g. "reflink" or "copy_file_range+read/write". */
void run_copy_methods_text(unsigned methods, char *dst, size_t n)
{
    dst[0] = '\0';
    for (int i = 0; i < RUN_COPY_METHODS; i++)
        if (methods & (1u << i))
            snprintf(dst + strlen(dst), n - strlen(dst), "%s%s", dst[0] ? "+" : "",
                     run_copy_method_names[i]);
}

int run_work_create(struct run *r)
{
    const struct job *j = &r->job;
    r->work_dir[0] = '\0';
    fs_sweep_dead(j->data_dir, WORK_PREFIX, work_remove_one, (void *)j->data_dir);
    int64_t t0 = clock_mono_ns();
    int overlay = 1;
    for (int i = 0; i < r->plan.ndata; i++) {
        struct plan_data *d = &r->plan.data[i];
        if (!d->mutates) continue;
        if (!r->work_dir[0]) {
            snprintf(r->work_dir, sizeof r->work_dir, "%.400s/" WORK_PREFIX "%d", j->data_dir,
                     (int)getpid());
            if (mkdir(r->work_dir, 0755)) {
                run_invalidate(r, "cannot create %.450s: %s", r->work_dir, strerror(errno));
                r->work_dir[0] = '\0';
                return -1;
            }
        }
        if (work_copy_set(r, d, &overlay)) return -1;
    }
    r->work_ns = clock_mono_ns() - t0;
    if (r->work_dir[0]) {
        char how[64];
        run_copy_methods_text(r->work_methods, how, sizeof how);
        log_info("working copy: %ld files, %lld bytes in %.3f s (%s) in %s", r->work_files,
                 (long long)r->work_bytes, (double)r->work_ns / 1e9, how, r->work_dir);
    }
    return 0;
}

void run_work_remove(struct run *r)
{
    if (!r->work_dir[0]) return;
    int overlaid = (r->work_methods & (1u << RUN_COPY_OVERLAY)) != 0;
    if (r->keep_work) {
        char kept[sizeof r->work_dir];
        snprintf(kept, sizeof kept, "%.400s/" WORK_KEPT_PREFIX "%d", r->job.data_dir, (int)getpid());
        if (overlaid && work_keep_overlays(r, kept) == 0) {
            work_umount_below(r->work_dir);
            if (fs_rmtree(r->work_dir))
                log_warn("cannot remove the working copy %s: %s", r->work_dir, strerror(errno));
            log_info("working copy kept in %s", kept);
            snprintf(r->work_dir, sizeof r->work_dir, "%s", kept);
            r->work_kept = 1;
            return;
        }
        if (!overlaid && rename(r->work_dir, kept) == 0) {
            log_info("working copy kept in %s", kept);
            snprintf(r->work_dir, sizeof r->work_dir, "%s", kept);
            r->work_kept = 1;
            return;
        }
        log_warn("cannot keep the working copy as %s: %s; removing it", kept, strerror(errno));
    }
    if (overlaid) work_umount_below(r->work_dir);
    if (fs_rmtree(r->work_dir))
        log_warn("cannot remove the working copy %s: %s", r->work_dir, strerror(errno));
}
