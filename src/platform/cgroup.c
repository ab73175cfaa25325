/* cgroup.c — create, remove and sweep the cgroup v2 groups of a run; see
 * cgroup.h.  CPU is read from them with meas_cg_read (measure/). */
#include "platform/cgroup.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CG_PREFIX "hostmix-"

/* ROOT+DIR into dst (reset first): the path of a group on this host. */
static const char *cg_full(const char *root, const char *dir, struct buf *dst)
{
    buf_reset(dst);
    buf_printf(dst, "%s%s", root ? root : "", dir);
    return buf_cstr(dst);
}

void cg_procs_path(const char *root, const char *dir, char *dst, size_t n)
{
    snprintf(dst, n, "%s%s/cgroup.procs", root ? root : "", dir);
}

/* rmdir, retrying EBUSY briefly (a group whose last process has just been
 * reaped can stay busy for a moment). */
static void cg_rmdir(const char *root, const char *dir)
{
    struct buf full = BUF_INIT;
    cg_full(root, dir, &full);
    int i = 0;
    while (rmdir(buf_cstr(&full)) != 0 && errno != ENOENT) {
        if (errno != EBUSY || ++i == 200) {
            log_warn("cannot remove cgroup %s: %s", dir, strerror(errno));
            break;
        }
        clock_sleep_ns(5 * CLOCK_NS_PER_MS);
    }
    buf_free(&full);
}

void cg_remove_tree(const char *root, const char *dir)
{
    struct buf full = BUF_INIT, sub = BUF_INIT;
    DIR *d = opendir(cg_full(root, dir, &full));
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
            buf_reset(&sub);
            buf_printf(&sub, "%s/%s", dir, e->d_name);
            cg_remove_tree(root, buf_cstr(&sub));
        }
        closedir(d);
    }
    buf_free(&full);
    buf_free(&sub);
    cg_rmdir(root, dir);
}

void cg_kill(const char *root, const char *dir)
{
    struct buf path = BUF_INIT;
    buf_printf(&path, "%s%s/cgroup.kill", root ? root : "", dir);
    int fd = open(buf_cstr(&path), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, "1", 1) != 1) log_debug("%s: %s", buf_cstr(&path), strerror(errno));
        close(fd);
    }
    buf_free(&path);
}

struct cg_sweep { const char *root, *base; };

/* Removes BASE/NAME, the group of a run that no longer exists, killing
 * what still runs in it (a server that outlived its run). */
static void cg_sweep_one(const char *name, void *arg)
{
    const struct cg_sweep *w = arg;
    struct buf dir = BUF_INIT;
    buf_printf(&dir, "%s/%s", w->base, name);
    log_info("removing stale cgroup %s of a run that no longer exists", buf_cstr(&dir));
    cg_kill(w->root, buf_cstr(&dir));
    cg_remove_tree(w->root, buf_cstr(&dir));
    buf_free(&dir);
}

int cg_sweep_stale(const char *root, const char *base)
{
    struct buf full = BUF_INIT;
    struct cg_sweep w = { root, base };
    int n = fs_sweep_dead(cg_full(root, base, &full), CG_PREFIX, cg_sweep_one, &w);
    buf_free(&full);
    return n;
}

int cg_child_create(const char *root, const char *dir, const char *name, char *out, size_t n,
                    char *why, size_t whyn)
{
    struct buf rel = BUF_INIT, full = BUF_INIT;
    buf_printf(&rel, "%s/%s", dir, name);
    int rc = 0;
    if (buf_used(&rel) >= n) {
        snprintf(why, whyn, "cgroup path %s is longer than %zu bytes", buf_cstr(&rel), n - 1);
        rc = -1;
    } else if (mkdir(cg_full(root, buf_cstr(&rel), &full), 0755) != 0 && errno != EEXIST) {
        snprintf(why, whyn, "cannot create cgroup %s: %s", buf_cstr(&rel), strerror(errno));
        rc = -1;
    }
    snprintf(out, n, "%s", rc ? "" : buf_cstr(&rel));
    buf_free(&rel);
    buf_free(&full);
    return rc;
}

int cg_run_create(const char *root, const char *base, char *run, size_t n, char *why,
                  size_t whyn)
{
    struct buf name = BUF_INIT;
    cg_sweep_stale(root, base);
    buf_printf(&name, CG_PREFIX "%d", (int)getpid());
    int rc = cg_child_create(root, base, buf_cstr(&name), run, n, why, whyn);
    buf_free(&name);
    return rc;
}
