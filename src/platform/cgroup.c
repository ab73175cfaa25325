/* cgroup.c — create, remove and sweep the cgroup v2 groups of a run; see
 * cgroup.h.  CPU is read from them with meas_cg_read (measure/). */
#include "platform/cgroup.h"
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

static void cg_full(const char *root, const char *dir, char *dst, size_t n)
{
    snprintf(dst, n, "%s%s", root ? root : "", dir);
}

void cg_procs_path(const char *root, const char *dir, char *dst, size_t n)
{
    snprintf(dst, n, "%s%s/cgroup.procs", root ? root : "", dir);
}

/* rmdir, retrying EBUSY briefly (a group whose last process has just been
 * reaped can stay busy for a moment). */
static void cg_rmdir(const char *root, const char *dir)
{
    char full[1200];
    cg_full(root, dir, full, sizeof full);
    for (int i = 0; i < 200; i++) {
        if (rmdir(full) == 0 || errno == ENOENT) return;
        if (errno != EBUSY) break;
        clock_sleep_ns(5 * CLOCK_NS_PER_MS);
    }
    log_warn("cannot remove cgroup %s: %s", dir, strerror(errno));
}

void cg_remove_tree(const char *root, const char *dir)
{
    char full[1200];
    cg_full(root, dir, full, sizeof full);
    DIR *d = opendir(full);
    if (d) {
        struct dirent *e;
        char sub[1400];
        while ((e = readdir(d))) {
            if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
            snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
            cg_remove_tree(root, sub);
        }
        closedir(d);
    }
    cg_rmdir(root, dir);
}

void cg_kill(const char *root, const char *dir)
{
    char path[1400];
    snprintf(path, sizeof path, "%s%s/cgroup.kill", root ? root : "", dir);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    if (write(fd, "1", 1) != 1) log_debug("%s: %s", path, strerror(errno));
    close(fd);
}

struct cg_sweep { const char *root, *base; };

/* Removes BASE/NAME, the group of a run that no longer exists, killing
 * what still runs in it (a server that outlived its run). */
static void cg_sweep_one(const char *name, void *arg)
{
    const struct cg_sweep *w = arg;
    char dir[1400];
    snprintf(dir, sizeof dir, "%s/%s", w->base, name);
    log_info("removing stale cgroup %s of a run that no longer exists", dir);
    cg_kill(w->root, dir);
    cg_remove_tree(w->root, dir);
}

int cg_sweep_stale(const char *root, const char *base)
{
    char full[1200];
    struct cg_sweep w = { root, base };
    cg_full(root, base, full, sizeof full);
    return fs_sweep_dead(full, CG_PREFIX, cg_sweep_one, &w);
}

int cg_child_create(const char *root, const char *dir, const char *name, char *out, size_t n,
                    char *why, size_t whyn)
{
    char full[1400];
    snprintf(out, n, "%s/%s", dir, name);
    cg_full(root, out, full, sizeof full);
    if (mkdir(full, 0755) != 0 && errno != EEXIST) {
        snprintf(why, whyn, "cannot create cgroup %s: %s", out, strerror(errno));
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int cg_run_create(const char *root, const char *base, char *run, size_t n, char *why,
                  size_t whyn)
{
    char name[32];
    cg_sweep_stale(root, base);
    snprintf(name, sizeof name, CG_PREFIX "%d", (int)getpid());
    return cg_child_create(root, base, name, run, n, why, whyn);
}
