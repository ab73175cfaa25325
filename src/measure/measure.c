/* measure.c — see measure.h. */
#include "measure/measure.h"
#include "core/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const meas_field_names[] = {
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
};
_Static_assert(sizeof meas_field_names / sizeof meas_field_names[0] == MEAS_NFIELDS,
               "meas_field_names: one name per value");

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

/* One "cpuN" line (p after "cpu"): marks N online with its idle +
 * iowait + steal.  Lines with too few numbers or N out of range are left
 * out of the per-CPU figures. */
static void meas_cpu_line(const char *p, struct meas_host *h)
{
    char *end;
    unsigned long id = strtoul(p, &end, 10);
    uint64_t v[MEAS_NFIELDS] = { 0 };
    if (end == p || id >= MEAS_MAX_CPUS || meas_numbers(end, v, MEAS_NFIELDS) < 4) return;
    h->online[id / 64] |= 1ull << (id % 64);
    h->off[id] = v[MEAS_IDLE] + v[MEAS_IOWAIT] + v[MEAS_STEAL];
}

int meas_host_parse(const char *text, struct meas_host *h)
{
    memset(h, 0, sizeof *h);
    if (strncmp(text, "cpu ", 4) != 0) return -1;
    if (meas_numbers(text + 4, h->cpu, MEAS_NFIELDS) < 4) return -1;
    for (const char *p = strchr(text, '\n'); p; p = strchr(p + 1, '\n')) {
        if (strncmp(p + 1, "cpu", 3) != 0 || p[4] < '0' || p[4] > '9') continue;
        h->ncpu++;
        meas_cpu_line(p + 4, h);
    }
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
    int64_t t0 = clock_mono_ns();
    if (meas_read(root, "/proc/stat", text, sizeof text) < 0) return -1;
    int64_t t1 = clock_mono_ns();
    if (meas_host_parse(text, h)) return -1;
    h->t_ns = t0 + (t1 - t0) / 2;
    return 0;
}

/* b - a, or 0 when the counter went backwards. */
static double meas_sub(uint64_t a, uint64_t b)
{
    return b >= a ? (double)(b - a) : 0.0;
}

/* Whether CPU c has a line in h. */
static int meas_online(const struct meas_host *h, int c)
{
    return (h->online[c / 64] >> (c % 64)) & 1;
}

double meas_busy_between(const struct meas_host *a, const struct meas_host *b, int *cpus)
{
    *cpus = 0;
    if (a->t_ns <= 0 || b->t_ns <= a->t_ns) return -1;
    double el = (double)(b->t_ns - a->t_ns) / 1e9, tick = 1.0 / (double)meas_hz(), busy = 0;
    for (int c = 0; c < MEAS_MAX_CPUS; c++) {
        /* a CPU that came or went, or whose idle went backwards (hotplug),
         * has no known share of this interval: it is left out */
        if (!meas_online(a, c) || !meas_online(b, c) || b->off[c] < a->off[c]) continue;
        double off = (double)(b->off[c] - a->off[c]) * tick;
        busy += off >= el ? 0 : el - off;
        (*cpus)++;
    }
    return busy;
}

uint64_t meas_busy_counter_ns(const struct meas_host *h)
{
    uint64_t sum = 0, tick = (uint64_t)(1000000000LL / meas_hz());
    if (h->t_ns <= 0) return 0;
    for (int c = 0; c < MEAS_MAX_CPUS; c++) {
        uint64_t off = h->off[c] * tick;
        if (meas_online(h, c) && off < (uint64_t)h->t_ns) sum += (uint64_t)h->t_ns - off;
    }
    return sum;
}

/* The raw tick deltas, guest time taken out of user and nice. */
static void meas_tick_deltas(const struct meas_host *a, const struct meas_host *b,
                             struct meas_breakdown *d)
{
    for (int i = 0; i < MEAS_NFIELDS; i++) d->ticks[i] = meas_sub(a->cpu[i], b->cpu[i]);
    /* user and nice include guest and guest_nice (mpstat's rule) */
    d->ticks[MEAS_USER] = d->ticks[MEAS_USER] > d->ticks[MEAS_GUEST]
                              ? d->ticks[MEAS_USER] - d->ticks[MEAS_GUEST] : 0;
    d->ticks[MEAS_NICE] = d->ticks[MEAS_NICE] > d->ticks[MEAS_GUEST_NICE]
                              ? d->ticks[MEAS_NICE] - d->ticks[MEAS_GUEST_NICE] : 0;
    for (int i = 0; i < MEAS_NFIELDS; i++) d->total += d->ticks[i];
    d->tick_busy = d->total - d->ticks[MEAS_IDLE] - d->ticks[MEAS_IOWAIT] - d->ticks[MEAS_STEAL];
}

/* Whether field i is a kind of busy time (not idle, iowait or steal). */
static int meas_is_busy_kind(int i)
{
    return i != MEAS_IDLE && i != MEAS_IOWAIT && i != MEAS_STEAL;
}

void meas_host_delta(const struct meas_host *a, const struct meas_host *b,
                     struct meas_breakdown *d)
{
    memset(d, 0, sizeof *d);
    meas_tick_deltas(a, b, d);
    d->ncpu = b->ncpu;
    d->ctxt = meas_sub(a->ctxt, b->ctxt);
    d->intr = meas_sub(a->intr, b->intr);
    d->procs_running = b->procs_running;
    double hz = (double)meas_hz(), busy = meas_busy_between(a, b, &d->cpus);
    d->measured = busy >= 0 && d->cpus > 0;
    if (d->measured) d->seconds = (double)(b->t_ns - a->t_ns) / 1e9;
    else if (d->total > 0) d->seconds = d->total / hz / d->ncpu;
    if (d->seconds <= 0) return;
    if (!d->measured) d->cpus = d->ncpu;
    d->tick_busy_cores = d->tick_busy / hz / d->seconds;
    d->busy_cores = d->measured ? busy / d->seconds : d->tick_busy_cores;
    d->resolution_cores = d->cpus / hz / d->seconds;
    for (int i = 0; i < MEAS_NFIELDS; i++) {
        if (!meas_is_busy_kind(i)) d->cores[i] = d->ticks[i] / hz / d->seconds;
        else if (d->tick_busy > 0) d->cores[i] = d->busy_cores * d->ticks[i] / d->tick_busy;
    }
    d->guest_cores = d->cores[MEAS_GUEST] + d->cores[MEAS_GUEST_NICE];
}

double meas_overhead(const struct meas_breakdown *d)
{
    return d->guest_cores > 0 ? (d->busy_cores - d->guest_cores) / d->guest_cores : -1.0;
}

/* From /proc/timer_list: each CPU's ".nohz" (6.x) or ".nohz_mode" (older;
 * 0 is inactive).  Any CPU whose tick never stops keeps idle by ticks. */
static enum meas_idle_kind meas_idle_timer_list(const char *text)
{
    enum meas_idle_kind k = MEAS_IDLE_UNKNOWN;
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        while (*p == ' ' || *p == '\t') p++;
        if (strncmp(p, ".nohz", 5) != 0 || (p[5] != ' ' && strncmp(p + 5, "_mode", 5) != 0))
            continue;
        const char *c = strchr(p, ':'), *nl = strchr(p, '\n');
        if (!c || (nl && c > nl)) continue;
        if (atoi(c + 1) == 0) return MEAS_IDLE_TICK;
        k = MEAS_IDLE_MEASURED;
    }
    return k;
}

/* From the kernel's build configuration, /boot/config-RELEASE. */
static enum meas_idle_kind meas_idle_config(const char *root, char *text, size_t n)
{
    char rel[256], path[300];
    if (meas_read(root, "/proc/sys/kernel/osrelease", rel, sizeof rel) <= 0) return MEAS_IDLE_UNKNOWN;
    rel[strcspn(rel, "\n")] = '\0';
    snprintf(path, sizeof path, "/boot/config-%s", rel);
    if (strchr(rel, '/') || meas_read(root, path, text, n) < 0) return MEAS_IDLE_UNKNOWN;
    if (strstr(text, "\nCONFIG_NO_HZ_IDLE=y") || strstr(text, "\nCONFIG_NO_HZ_FULL=y"))
        return MEAS_IDLE_MEASURED;
    return strstr(text, "\nCONFIG_HZ_PERIODIC=y") ? MEAS_IDLE_TICK : MEAS_IDLE_UNKNOWN;
}

/* meas_idle_kind with its buffer text of size tn (the caller's). */
static enum meas_idle_kind meas_idle_from(const char *root, char *text, size_t tn, char *why,
                                          size_t n)
{
    enum meas_idle_kind k = MEAS_IDLE_UNKNOWN;
    if (meas_read(root, "/proc/timer_list", text, tn) > 0 &&
        (k = meas_idle_timer_list(text)) != MEAS_IDLE_UNKNOWN) {
        snprintf(why, n, "/proc/timer_list: the tick %s", k == MEAS_IDLE_TICK
                 ? "never stops on some CPU (no NO_HZ idle)" : "stops in idle (NO_HZ)");
        return k;
    }
    if (meas_read(root, "/proc/cmdline", text, tn) > 0 && strstr(text, "nohz=off")) {
        snprintf(why, n, "/proc/cmdline: nohz=off");
        return MEAS_IDLE_TICK;
    }
    k = meas_idle_config(root, text, tn);
    snprintf(why, n, "%s", k == MEAS_IDLE_MEASURED ? "kernel configuration: NO_HZ idle"
             : k == MEAS_IDLE_TICK ? "kernel configuration: periodic tick"
             : "neither /proc/timer_list nor the kernel configuration says");
    return k;
}

enum meas_idle_kind meas_idle_kind(const char *root, char *why, size_t n)
{
    enum { TEXT_MAX = 1 << 18 };        /* /proc/timer_list of many CPUs */
    char *text = malloc(TEXT_MAX);      /* read once per run: not worth a buffer per thread */
    if (!text) abort();
    enum meas_idle_kind k = meas_idle_from(root, text, TEXT_MAX, why, n);
    free(text);
    return k;
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
