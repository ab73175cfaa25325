/* measure.c — see measure.h. */
#include "measure/measure.h"
#include "core/buf.h"
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

/* Opens root+path for reading; the fd, or -1 with errno set. */
static int meas_open(const char *root, const char *path)
{
    char *full = strfmt("%s%s", root ? root : "", path);
    int fd = open(full, O_RDONLY | O_CLOEXEC);
    int e = errno;
    free(full);
    errno = e;
    return fd;
}

ssize_t meas_read_buf(const char *root, const char *path, struct buf *out)
{
    int fd = meas_open(root, path);
    if (fd < 0) return -1;
    size_t before = buf_used(out);     /* buf_reserve may compact: count from off */
    for (;;) {
        if (out->cap - out->len < 2) buf_reserve(out, 4096);
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            out->len = out->off + before;
            errno = e;
            return -1;
        }
        if (r == 0) break;
        out->len += (size_t)r;
    }
    close(fd);
    buf_cstr(out);
    return (ssize_t)(buf_used(out) - before);
}

ssize_t meas_read(const char *root, const char *path, char *buf, size_t n)
{
    int fd = meas_open(root, path);
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
    struct buf text = BUF_INIT;     /* /proc/stat grows with the CPU count */
    int64_t t0 = clock_mono_ns();
    int rc = meas_read_buf(root, "/proc/stat", &text) < 0 ? -1 : 0;
    int64_t t1 = clock_mono_ns();
    if (!rc) rc = meas_host_parse(buf_cstr(&text), h);
    buf_free(&text);
    if (rc) return -1;
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

/* From the text of a kernel build configuration. */
static enum meas_idle_kind meas_idle_config_text(const char *text)
{
    if (strstr(text, "\nCONFIG_NO_HZ_IDLE=y") || strstr(text, "\nCONFIG_NO_HZ_FULL=y"))
        return MEAS_IDLE_MEASURED;
    return strstr(text, "\nCONFIG_HZ_PERIODIC=y") ? MEAS_IDLE_TICK : MEAS_IDLE_UNKNOWN;
}

/* From the kernel's build configuration, /boot/config-RELEASE (read into
 * text). */
static enum meas_idle_kind meas_idle_config(const char *root, struct buf *text)
{
    struct buf rel = BUF_INIT;
    enum meas_idle_kind k = MEAS_IDLE_UNKNOWN;
    if (meas_read_buf(root, "/proc/sys/kernel/osrelease", &rel) > 0) {
        char *r = rel.data + rel.off;
        r[strcspn(r, "\n")] = '\0';
        char *path = strfmt("/boot/config-%s", r);
        buf_reset(text);
        if (!strchr(r, '/') && meas_read_buf(root, path, text) >= 0)
            k = meas_idle_config_text(buf_cstr(text));
        free(path);
    }
    buf_free(&rel);
    return k;
}

/* meas_idle_kind with its buffer text (the caller's). */
static enum meas_idle_kind meas_idle_from(const char *root, struct buf *text, char *why,
                                          size_t n)
{
    enum meas_idle_kind k = MEAS_IDLE_UNKNOWN;
    if (meas_read_buf(root, "/proc/timer_list", text) > 0 &&
        (k = meas_idle_timer_list(buf_cstr(text))) != MEAS_IDLE_UNKNOWN) {
        snprintf(why, n, "/proc/timer_list: the tick %s", k == MEAS_IDLE_TICK
                 ? "never stops on some CPU (no NO_HZ idle)" : "stops in idle (NO_HZ)");
        return k;
    }
    buf_reset(text);
    if (meas_read_buf(root, "/proc/cmdline", text) > 0 && strstr(buf_cstr(text), "nohz=off")) {
        snprintf(why, n, "/proc/cmdline: nohz=off");
        return MEAS_IDLE_TICK;
    }
    k = meas_idle_config(root, text);
    snprintf(why, n, "%s", k == MEAS_IDLE_MEASURED ? "kernel configuration: NO_HZ idle"
             : k == MEAS_IDLE_TICK ? "kernel configuration: periodic tick"
             : "neither /proc/timer_list nor the kernel configuration says");
    return k;
}

enum meas_idle_kind meas_idle_kind(const char *root, char *why, size_t n)
{
    struct buf text = BUF_INIT;         /* /proc/timer_list grows with the CPUs */
    enum meas_idle_kind k = meas_idle_from(root, &text, why, n);
    buf_free(&text);
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
    struct buf text = BUF_INIT;
    int rc = meas_read_buf(root, numstr_fmt("/proc/%d/stat", (int)pid).s, &text) < 0 ? -1
           : meas_stat_parse(buf_cstr(&text), utime, stime);
    buf_free(&text);
    return rc;
}

int meas_task_cpu(const char *root, pid_t pid, pid_t tid, uint64_t *utime, uint64_t *stime)
{
    struct buf text = BUF_INIT;
    int rc = meas_read_buf(root, numstr_fmt("/proc/%d/task/%d/stat", (int)pid, (int)tid).s,
                           &text) < 0 ? -1 : meas_stat_parse(buf_cstr(&text), utime, stime);
    buf_free(&text);
    return rc;
}

int meas_tasks_cpu(const char *root, pid_t pid, uint64_t *utime, uint64_t *stime)
{
    char *dir = strfmt("%s/proc/%d/task", root ? root : "", (int)pid);
    DIR *d = opendir(dir);
    free(dir);
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
    struct buf text = BUF_INIT;
    int rc = meas_read_buf(root, numstr_fmt("/proc/%d/task/%d/schedstat", (int)pid, (int)tid).s,
                           &text) < 0 || meas_numbers(buf_cstr(&text), ns, 1) != 1 ? -1 : 0;
    buf_free(&text);
    return rc;
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
    char *path = strfmt("%s/cpu.stat", dir);
    struct buf text = BUF_INIT;
    int rc = meas_read_buf(root, path, &text) < 0 ? -1 : meas_cg_parse(buf_cstr(&text), c);
    buf_free(&text);
    free(path);
    return rc;
}

/* The mount point of the cgroup2 file system from /proc/self/mounts, as
 * a string the caller frees; NULL if none. */
static char *meas_cg_mount(const char *root)
{
    struct buf text = BUF_INIT;
    char *mnt = NULL;
    if (meas_read_buf(root, "/proc/self/mounts", &text) < 0) return NULL;
    char *save = NULL;
    for (char *line = strtok_r(text.data, "\n", &save); line && !mnt;
         line = strtok_r(NULL, "\n", &save)) {
        char *f = NULL, *dev = strtok_r(line, " \t", &f), *dir = strtok_r(NULL, " \t", &f);
        char *type = strtok_r(NULL, " \t", &f);
        if (dev && dir && type && strcmp(type, "cgroup2") == 0) mnt = strfmt("%s", dir);
    }
    buf_free(&text);
    return mnt;
}

/* The "0::PATH" entry of /proc/self/cgroup joined to mnt, as a string the
 * caller frees; NULL with the reason in why. */
static char *meas_cg_own(const char *root, const char *mnt, char *why, size_t whyn)
{
    struct buf text = BUF_INIT;
    if (meas_read_buf(root, "/proc/self/cgroup", &text) < 0) {
        snprintf(why, whyn, "cannot read /proc/self/cgroup");
        return NULL;
    }
    const char *own = NULL;
    for (const char *p = buf_cstr(&text); p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, "0::", 3) == 0) { own = p + 3; break; }
    char *path = NULL;
    if (!own) {
        snprintf(why, whyn, "no cgroup v2 entry in /proc/self/cgroup");
    } else {
        size_t ol = strcspn(own, "\n");
        if (ol == 1 && own[0] == '/') ol = 0;
        path = strfmt("%s%.*s", mnt, (int)ol, own);
    }
    buf_free(&text);
    return path;
}

/* Whether root+path+suffix may be written; errno says why not. */
static int meas_writable(const char *root, const char *path, const char *suffix)
{
    char *full = strfmt("%s%s%s", root ? root : "", path, suffix);
    int ok = access(full, W_OK) == 0, e = errno;
    free(full);
    errno = e;
    return ok;
}

int meas_cg_detect(const char *root, char *dir, size_t n, char *why, size_t whyn)
{
    char *mnt = meas_cg_mount(root);
    if (!mnt) {
        snprintf(why, whyn, "no cgroup2 file system mounted");
        return -1;
    }
    char *path = meas_cg_own(root, mnt, why, whyn);
    free(mnt);
    if (!path) return -1;
    int rc = -1;
    if (!meas_writable(root, path, ""))
        snprintf(why, whyn, "cgroup %s is not writable (%s)", path, strerror(errno));
    else if (!meas_writable(root, path, "/cgroup.procs"))
        snprintf(why, whyn, "%s/cgroup.procs is not writable", path);
    else if (strlen(path) >= n)
        snprintf(why, whyn, "cgroup %s is longer than the %zu bytes kept for it", path, n - 1);
    else
        rc = 0, memcpy(dir, path, strlen(path) + 1);
    free(path);
    return rc;
}
