/* measure.c — see measure.h. */
#include "measure/measure.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const meas_field_names[MEAS_NFIELDS] = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
};

ssize_t meas_read(const char *root, const char *path, char *buf, size_t n)
{
    char full[1024];
    if (snprintf(full, sizeof full, "%s%s", root ? root : "", path) >= (int)sizeof full) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t len = 0;
    while (len + 1 < n) {
        ssize_t r = read(fd, buf + len, n - 1 - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { int e = errno; close(fd); errno = e; return -1; }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Parses up to max unsigned decimal numbers separated by blanks from s,
 * stopping at the end of the line.  Returns how many were read. */
static int meas_numbers(const char *s, uint64_t *v, int max)
{
    int k = 0;
    while (k < max) {
        while (*s == ' ' || *s == '\t') s++;
        if (*s < '0' || *s > '9') break;
        char *end;
        errno = 0;
        unsigned long long x = strtoull(s, &end, 10);
        if (errno) x = UINT64_MAX;
        v[k++] = x;
        s = end;
    }
    return k;
}

/* The value after "key " on some line of text, or -1 if absent. */
static int meas_keyed(const char *text, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && (p[kl] == ' ' || p[kl] == '\t'))
            return meas_numbers(p + kl, out, 1) == 1 ? 0 : -1;
    }
    return -1;
}

int meas_host_parse(const char *text, struct meas_host *h)
{
    memset(h, 0, sizeof *h);
    if (strncmp(text, "cpu ", 4) != 0) return -1;
    if (meas_numbers(text + 4, h->cpu, MEAS_NFIELDS) < 4) return -1;
    for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n'))
        if (strncmp(p + 1, "cpu", 3) == 0 && p[4] >= '0' && p[4] <= '9') h->ncpu++;
    if (h->ncpu == 0) h->ncpu = 1;
    meas_keyed(text, "ctxt", &h->ctxt);
    meas_keyed(text, "intr", &h->intr);
    meas_keyed(text, "procs_running", &h->procs_running);
    meas_keyed(text, "procs_blocked", &h->procs_blocked);
    return 0;
}

int meas_host_read(const char *root, struct meas_host *h)
{
    /* /proc/stat grows with the CPU count (and the intr line): 64 KiB
     * holds hundreds of CPUs; more would only cut interrupt columns. */
    static __thread char text[65536];
    if (meas_read(root, "/proc/stat", text, sizeof text) < 0) return -1;
    return meas_host_parse(text, h);
}

/* b - a, or 0 when the counter went backwards. */
static double meas_sub(uint64_t a, uint64_t b)
{
    return b >= a ? (double)(b - a) : 0.0;
}

void meas_host_delta(const struct meas_host *a, const struct meas_host *b,
                     struct meas_breakdown *d)
{
    memset(d, 0, sizeof *d);
    for (int i = 0; i < MEAS_NFIELDS; i++) d->ticks[i] = meas_sub(a->cpu[i], b->cpu[i]);
    /* user and nice include guest and guest_nice (mpstat's rule) */
    d->ticks[MEAS_USER] = d->ticks[MEAS_USER] > d->ticks[MEAS_GUEST]
                              ? d->ticks[MEAS_USER] - d->ticks[MEAS_GUEST] : 0;
    d->ticks[MEAS_NICE] = d->ticks[MEAS_NICE] > d->ticks[MEAS_GUEST_NICE]
                              ? d->ticks[MEAS_NICE] - d->ticks[MEAS_GUEST_NICE] : 0;
    for (int i = 0; i < MEAS_NFIELDS; i++) d->total += d->ticks[i];
    d->busy = d->total - d->ticks[MEAS_IDLE] - d->ticks[MEAS_IOWAIT];
    d->guest_all = d->ticks[MEAS_GUEST] + d->ticks[MEAS_GUEST_NICE];
    d->ctxt = meas_sub(a->ctxt, b->ctxt);
    d->intr = meas_sub(a->intr, b->intr);
    d->procs_running = b->procs_running;
    d->ncpu = b->ncpu;
}

double meas_pct(const struct meas_breakdown *d, double ticks)
{
    return d->total > 0 ? 100.0 * ticks / d->total : 0.0;
}

double meas_cores(const struct meas_breakdown *d, double ticks)
{
    return d->total > 0 ? ticks / d->total * d->ncpu : 0.0;
}

double meas_overhead(const struct meas_breakdown *d)
{
    return d->guest_all > 0 ? (d->busy - d->guest_all) / d->guest_all : -1.0;
}

void meas_breakdown_add(struct meas_breakdown *sum, const struct meas_breakdown *d)
{
    for (int i = 0; i < MEAS_NFIELDS; i++) sum->ticks[i] += d->ticks[i];
    sum->total += d->total;
    sum->busy += d->busy;
    sum->guest_all += d->guest_all;
    sum->ctxt += d->ctxt;
    sum->intr += d->intr;
    sum->procs_running = d->procs_running;
    sum->ncpu = d->ncpu;
}

/* ---- processes ----------------------------------------------------- */

/* Fields after "(comm)": state is field 3, utime 14, stime 15.  comm may
 * hold spaces and parentheses, so parsing starts after the last ')'. */
int meas_stat_parse(const char *text, uint64_t *utime, uint64_t *stime)
{
    const char *p = strrchr(text, ')');
    if (!p) return -1;
    p++;
    for (int field = 3; field < 14; field++) {
        while (*p == ' ') p++;
        while (*p && *p != ' ') p++;
        if (!*p) return -1;
    }
    uint64_t v[2];
    if (meas_numbers(p, v, 2) != 2) return -1;
    *utime = v[0];
    *stime = v[1];
    return 0;
}

int meas_pid_cpu(const char *root, pid_t pid, uint64_t *utime, uint64_t *stime)
{
    char path[64], text[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (meas_read(root, path, text, sizeof text) < 0) return -1;
    return meas_stat_parse(text, utime, stime);
}

int meas_task_cpu(const char *root, pid_t pid, pid_t tid, uint64_t *utime, uint64_t *stime)
{
    char path[96], text[1024];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    if (meas_read(root, path, text, sizeof text) < 0) return -1;
    return meas_stat_parse(text, utime, stime);
}

int meas_tasks_cpu(const char *root, pid_t pid, uint64_t *utime, uint64_t *stime)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/proc/%d/task", root ? root : "", (int)pid);
    DIR *d = opendir(dir);
    if (!d) return -1;
    *utime = *stime = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        uint64_t u, s;
        if (meas_task_cpu(root, pid, (pid_t)atoi(e->d_name), &u, &s) == 0) {
            *utime += u;
            *stime += s;
        }
    }
    closedir(d);
    return 0;
}

int meas_task_runtime(const char *root, pid_t pid, pid_t tid, uint64_t *ns)
{
    char path[96], text[256];
    snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
    if (meas_read(root, path, text, sizeof text) < 0) return -1;
    return meas_numbers(text, ns, 1) == 1 ? 0 : -1;
}

long meas_hz(void)
{
    long hz = sysconf(_SC_CLK_TCK);
    return hz > 0 ? hz : 100;
}

/* ---- cgroup v2 ----------------------------------------------------- */

int meas_cg_parse(const char *text, struct meas_cg *c)
{
    memset(c, 0, sizeof *c);
    if (meas_keyed(text, "usage_usec", &c->usage_usec)) return -1;
    meas_keyed(text, "user_usec", &c->user_usec);
    meas_keyed(text, "system_usec", &c->system_usec);
    return 0;
}

int meas_cg_read(const char *root, const char *dir, struct meas_cg *c)
{
    char path[1024], text[4096];
    if (snprintf(path, sizeof path, "%s/cpu.stat", dir) >= (int)sizeof path) return -1;
    if (meas_read(root, path, text, sizeof text) < 0) return -1;
    return meas_cg_parse(text, c);
}

/* The mount point of the cgroup2 file system from /proc/self/mounts. */
static int meas_cg_mount(const char *root, char *dst, size_t n)
{
    static __thread char text[65536];
    if (meas_read(root, "/proc/self/mounts", text, sizeof text) < 0) return -1;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char dev[256], mnt[512], type[64];
        if (sscanf(line, "%255s %511s %63s", dev, mnt, type) == 3 &&
            strcmp(type, "cgroup2") == 0) {
            snprintf(dst, n, "%s", mnt);
            return 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    return -1;
}

int meas_cg_detect(const char *root, char *dir, size_t n, char *why, size_t whyn)
{
    char mnt[512], text[4096], path[1024];
    if (meas_cg_mount(root, mnt, sizeof mnt)) {
        snprintf(why, whyn, "no cgroup2 file system mounted");
        return -1;
    }
    if (meas_read(root, "/proc/self/cgroup", text, sizeof text) < 0) {
        snprintf(why, whyn, "cannot read /proc/self/cgroup");
        return -1;
    }
    const char *own = NULL;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, "0::", 3) == 0) { own = p + 3; break; }
    if (!own) {
        snprintf(why, whyn, "no cgroup v2 entry in /proc/self/cgroup");
        return -1;
    }
    size_t ol = strcspn(own, "\n");
    if (ol == 1 && own[0] == '/') ol = 0;
    snprintf(path, sizeof path, "%s%.*s", mnt, (int)ol, own);
    char full[1200];
    snprintf(full, sizeof full, "%s%s", root ? root : "", path);
    if (access(full, W_OK) != 0) {
        snprintf(why, whyn, "cgroup %s is not writable (%s)", path, strerror(errno));
        return -1;
    }
    snprintf(full, sizeof full, "%s%s/cgroup.procs", root ? root : "", path);
    if (access(full, W_OK) != 0) {
        snprintf(why, whyn, "%s/cgroup.procs is not writable", path);
        return -1;
    }
    snprintf(dir, n, "%s", path);
    return 0;
}
