/* thread.c — per-thread counters from /proc/PID/task and the QEMU thread
 * classifier; see thread.h.  All reads go through meas_read so tests use
 * the fixture trees under tests/fixtures/threads. */
#include "measure/thread.h"
#include "measure/measure.h"
#include "core/buf.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Moves p past `count` blank-separated fields; NULL if the text ends. */
static const char *th_skip(const char *p, int count)
{
    for (int i = 0; i < count; i++) {
        while (*p == ' ') p++;
        if (!*p || *p == '\n') return NULL;
        while (*p && *p != ' ' && *p != '\n') p++;
    }
    while (*p == ' ') p++;
    return *p && *p != '\n' ? p : NULL;
}

/* Reads the unsigned decimal at p into *v; -1 if p holds none. */
static int th_num(const char *p, uint64_t *v)
{
    if (!p || *p < '0' || *p > '9') return -1;
    char *end;
    errno = 0;
    *v = strtoull(p, &end, 10);
    return errno ? -1 : 0;
}

int meas_thread_parse(const char *text, struct meas_thread *t)
{
    const char *open = strchr(text, '(');
    const char *close = strrchr(text, ')');
    if (!open || !close || close < open) return -1;
    char *end;
    long tid = strtol(text, &end, 10);
    if (end == text || tid <= 0) return -1;
    size_t len = (size_t)(close - open - 1);
    if (len >= MEAS_COMM_LEN) len = MEAS_COMM_LEN - 1;
    memcpy(t->comm, open + 1, len);
    t->comm[len] = '\0';
    t->tid = (pid_t)tid;
    /* close+1 starts field 3 (state); utime is field 14, stime 15 */
    const char *p = th_skip(close + 1, 11);
    if (th_num(p, &t->utime) || th_num(th_skip(p, 1), &t->stime)) return -1;
    t->guest_time = 0;
    th_num(th_skip(p, 29), &t->guest_time);     /* field 43 */
    return 0;
}

/* Reads one thread; 0, or -1 when it is gone or malformed. */
static int th_read_one(const char *root, pid_t pid, pid_t tid, struct meas_thread *t)
{
    struct buf text = BUF_INIT;
    int rc = meas_read_buf(root, numstr_fmt("/proc/%d/task/%d/stat", (int)pid, (int)tid).s,
                           &text) < 0 || meas_thread_parse(buf_cstr(&text), t) ? -1 : 0;
    buf_free(&text);
    if (rc) return -1;
    t->has_run_ns = meas_task_runtime(root, pid, tid, &t->run_ns) == 0;
    if (!t->has_run_ns) t->run_ns = 0;
    return 0;
}

/* Orders threads by tid (readdir order is arbitrary). */
static int th_cmp(const void *a, const void *b)
{
    pid_t x = ((const struct meas_thread *)a)->tid, y = ((const struct meas_thread *)b)->tid;
    return (x > y) - (x < y);
}

int meas_threads_read(const char *root, pid_t pid, struct meas_thread **out)
{
    char *dir = strfmt("%s/proc/%d/task", root ? root : "", (int)pid);
    DIR *d = opendir(dir);
    free(dir);
    if (!d) return -1;
    struct meas_thread *v = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            v = realloc(v, cap * sizeof *v);
            if (!v) abort();
        }
        if (th_read_one(root, pid, (pid_t)atoi(e->d_name), &v[n]) == 0) n++;
    }
    closedir(d);
    if (n) qsort(v, n, sizeof *v, th_cmp);
    *out = v;
    return (int)n;
}

int meas_cg_threads(const char *root, const char *dir, pid_t *tids, int max)
{
    char *path = strfmt("%s/cgroup.threads", dir);
    struct buf text = BUF_INIT;
    ssize_t len = meas_read_buf(root, path, &text);
    free(path);
    if (len < 0) return -1;
    int k = 0;
    for (char *p = text.data; *p && k < max;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p) break;
        if (v > 0) tids[k++] = (pid_t)v;
        p = end;
        while (*p == '\n' || *p == ' ') p++;
    }
    buf_free(&text);
    return k;
}

/* 1 if tid is among own[0..nown). */
static int th_is_own(const struct meas_thread *own, int nown, pid_t tid)
{
    for (int i = 0; i < nown; i++)
        if (own[i].tid == tid) return 1;
    return 0;
}

int meas_cg_foreign_threads(const char *root, const char *dir, const struct meas_thread *own,
                            int nown, struct meas_thread **out)
{
    enum { MAX = 4096 };
    pid_t *tids = malloc(MAX * sizeof *tids);   /* freed below */
    if (!tids) abort();
    int k = meas_cg_threads(root, dir, tids, MAX), n = 0;
    *out = NULL;
    if (k < 0) {
        free(tids);
        return -1;
    }
    for (int i = 0; i < k; i++) {
        if (th_is_own(own, nown, tids[i])) continue;
        *out = realloc(*out, (size_t)(n + 1) * sizeof **out);
        if (!*out) abort();
        /* a kernel thread is its own thread group: /proc/TID/task/TID */
        if (th_read_one(root, tids[i], tids[i], &(*out)[n]) == 0) n++;
    }
    free(tids);
    if (!n) {
        free(*out);
        *out = NULL;
    }
    return n;
}

/* 1 if comm reads "CPU <digits>/<anything>" (QEMU's vCPU thread names). */
static int th_is_cpu_name(const char *comm)
{
    if (strncmp(comm, "CPU ", 4) != 0) return 0;
    const char *p = comm + 4;
    if (*p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    return *p == '/';
}

enum meas_tclass meas_thread_class(const char *comm, pid_t pid, pid_t tid, int is_vcpu)
{
    if (is_vcpu || th_is_cpu_name(comm)) return MEAS_TC_VCPU;
    if (tid == pid) return MEAS_TC_MAIN;
    if (strncmp(comm, "IO ", 3) == 0) return MEAS_TC_IOTHREAD;
    if (strcmp(comm, "worker") == 0) return MEAS_TC_POOL;
    if (strncmp(comm, "vhost-", 6) == 0) return MEAS_TC_VHOST;
    if (strcmp(comm, "call_rcu") == 0) return MEAS_TC_RCU;
    return MEAS_TC_OTHER;
}

const char *meas_tclass_name(enum meas_tclass c)
{
    static const char *const names[MEAS_TC_N] = {
        "vcpu", "main", "iothread", "pool", "vhost", "rcu", "other",
    };
    return (unsigned)c < MEAS_TC_N ? names[c] : "other";
}

uint64_t meas_thread_ns(const struct meas_thread *t, long hz)
{
    if (t->has_run_ns) return t->run_ns;
    if (hz <= 0) hz = 100;
    return (t->utime + t->stime) * (1000000000ull / (uint64_t)hz);
}
