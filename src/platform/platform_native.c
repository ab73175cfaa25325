/* platform_native.c — servers as processes on the host.
 *
 * Each server is `hostmix serve ROLE ...`, started by fork+exec of this
 * very binary (/proc/self/exe), on its own loopback address 127.S.R.1.
 * Where a writable cgroup v2 hierarchy exists (pure v2 at /sys/fs/cgroup,
 * or the unified/ mount of a hybrid host, where cpu.stat works in child
 * groups even with no controllers enabled), every server runs in its own
 * group below one group per run:
 *
 *     BASE/hostmix-PID/set1-web, BASE/hostmix-PID/set1-imap, ...
 *
 * and its CPU is that group's cpu.stat (children and exited threads
 * included).  Otherwise the server's CPU is read from /proc/PID/stat and
 * the report says why.
 *
 * A server dies with the controller (PR_SET_PDEATHSIG) and lives in its
 * own process group, so a terminal's ^C reaches only the controller,
 * which then stops the servers in order. */
#include "platform/platform.h"
#include "core/clock.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int native_probe(struct plat *p, char *why, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", p->self_exe, sizeof p->self_exe - 1);
    if (len <= 0) {
        snprintf(why, n, "cannot read /proc/self/exe: %s", strerror(errno));
        return -1;
    }
    p->self_exe[len] = '\0';
    p->acct = PLAT_ACCT_PROC;
    if (meas_cg_detect(p->proc_root, p->cg_base, sizeof p->cg_base, p->acct_why,
                       sizeof p->acct_why) == 0)
        p->acct = PLAT_ACCT_CGROUP;
    return 0;
}

/* Full path of a cgroup directory (below proc_root, as everything). */
static void native_path(const struct plat *p, const char *dir, const char *file,
                        char *dst, size_t n)
{
    snprintf(dst, n, "%s%s%s%s", p->proc_root, dir, file ? "/" : "", file ? file : "");
}

static void native_rmdir(const struct plat *p, const char *dir);
static void native_rmtree(const struct plat *p, const char *dir);

/* Groups left by a run that was killed outright (SIGKILL gives no chance
 * to clean up): hostmix-PID below the base whose PID is gone.  Emptied by
 * then (PR_SET_PDEATHSIG stopped their servers), so rmdir succeeds. */
static void native_remove_stale(const struct plat *p)
{
    char full[1024], dir[1200];
    native_path(p, p->cg_base, NULL, full, sizeof full);
    DIR *d = opendir(full);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        int pid;
        char tail;
        if (sscanf(e->d_name, "hostmix-%d%c", &pid, &tail) != 1 || pid <= 0) continue;
        if (kill(pid, 0) == 0 || errno != ESRCH) continue;
        snprintf(dir, sizeof dir, "%s/%s", p->cg_base, e->d_name);
        log_info("removing stale cgroup %s of a run that no longer exists", dir);
        native_rmtree(p, dir);
    }
    closedir(d);
}

static int native_prepare(struct plat *p, char *why, size_t n)
{
    if (p->acct != PLAT_ACCT_CGROUP) return 0;
    native_remove_stale(p);
    char full[1024];
    snprintf(p->cg_run, sizeof p->cg_run, "%s/hostmix-%d", p->cg_base, (int)getpid());
    native_path(p, p->cg_run, NULL, full, sizeof full);
    if (mkdir(full, 0755) != 0 && errno != EEXIST) {
        snprintf(p->acct_why, sizeof p->acct_why, "cannot create cgroup %s: %s", p->cg_run,
                 strerror(errno));
        p->acct = PLAT_ACCT_PROC;
        p->cg_run[0] = '\0';
    }
    return 0;
}

/* Removes a cgroup directory; a group whose last process has just been
 * reaped can stay busy for a moment, so EBUSY is retried briefly. */
static void native_rmdir(const struct plat *p, const char *dir)
{
    char full[1024];
    native_path(p, dir, NULL, full, sizeof full);
    for (int i = 0; i < 200; i++) {
        if (rmdir(full) == 0 || errno == ENOENT) return;
        if (errno != EBUSY) break;
        clock_sleep_ns(5 * CLOCK_NS_PER_MS);
    }
    log_warn("cannot remove cgroup %s: %s", dir, strerror(errno));
}

/* The child between fork and exec: only async-signal-safe calls. */
static void native_child(const struct plat *p, struct plat_server *s, const char *procs,
                         const sigset_t *empty)
{
    sigprocmask(SIG_SETMASK, empty, NULL);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (procs[0]) {
        int fd = open(procs, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0", 1) != 1) _exit(126);
        close(fd);
    }
    int in = open("/dev/null", O_RDONLY);
    int out = open(s->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (in < 0 || out < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    syscall(SYS_close_range, 3U, ~0U, 0U);
    execv(p->self_exe, s->argv);
    _exit(127);
}

/* Says (in why) that ip:port is taken, before a server is started to fail
 * on it: the usual cause is another hostmix run, or another server bound
 * to the wildcard address.  Returns -1 if taken, else 0. */
static int native_port_taken(const char *ip, int port, char *why, size_t n)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) return 0;   /* the server will say */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, rc = 0;
    if (fd < 0) return 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);   /* as the servers do */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == EADDRINUSE) {
        snprintf(why, n, "%s:%d is already in use (another hostmix run on this host, or a "
                 "server listening on it or on 0.0.0.0:%d)", ip, port, port);
        rc = -1;
    }
    close(fd);
    return rc;
}

static int native_start(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    char procs[1100] = "";
    if (native_port_taken(s->ip, s->port, why, n)) return -1;
    s->cg[0] = '\0';
    if (p->acct == PLAT_ACCT_CGROUP) {
        char full[1024];
        snprintf(s->cg, sizeof s->cg, "%s/%s", p->cg_run, s->name);
        native_path(p, s->cg, NULL, full, sizeof full);
        if (mkdir(full, 0755) != 0 && errno != EEXIST) {
            snprintf(why, n, "cannot create cgroup %s: %s", s->cg, strerror(errno));
            s->cg[0] = '\0';
            return -1;
        }
        native_path(p, s->cg, "cgroup.procs", procs, sizeof procs);
    }
    sigset_t empty;
    sigemptyset(&empty);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) native_child(p, s, procs, &empty);
    setpgid(pid, pid);      /* also from the parent: no race with a quick kill */
    s->pid = pid;
    s->exited = s->stopping = 0;
    s->cpu_last_ns = s->cpu_user_ns = s->cpu_sys_ns = 0;
    return 0;
}

static int native_reap(struct plat *p, struct plat_server *s)
{
    (void)p;
    if (!s->pid || s->exited) return 1;
    int status;
    pid_t r = waitpid(s->pid, &status, WNOHANG);
    if (r == s->pid || (r < 0 && errno == ECHILD)) {
        s->exited = 1;
        s->status = r == s->pid ? status : 0;
        return 1;
    }
    return 0;
}

static int native_ready(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    if (native_reap(p, s)) {
        char st[96];
        plat_status_text(s->status, st, sizeof st);
        snprintf(why, n, "%s %s before it answered (see %s)", s->name, st, s->log);
        return -1;
    }
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)s->port) };
    if (inet_pton(AF_INET, s->ip, &a.sin_addr) != 1) {
        snprintf(why, n, "bad address %s", s->ip);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static int native_cpu(struct plat *p, struct plat_server *s)
{
    if (s->cg[0]) {
        struct meas_cg c;
        if (meas_cg_read(p->proc_root, s->cg, &c)) return -1;
        s->cpu_last_ns = c.usage_usec * 1000;
        s->cpu_user_ns = c.user_usec * 1000;
        s->cpu_sys_ns = c.system_usec * 1000;
        return 0;
    }
    if (!s->pid || s->exited) return 0;     /* keep the last reading */
    uint64_t u, st;
    if (meas_pid_cpu(p->proc_root, s->pid, &u, &st)) return -1;
    uint64_t tick = (uint64_t)(1000000000LL / meas_hz());
    s->cpu_user_ns = u * tick;
    s->cpu_sys_ns = st * tick;
    s->cpu_last_ns = (u + st) * tick;
    return 0;
}

static void native_stop(struct plat *p, struct plat_server *s, int force)
{
    (void)p;
    if (s->pid && !s->exited) kill(s->pid, force ? SIGKILL : SIGTERM);
}

/* Removes a group and the groups directly below it (servers' groups). */
static void native_rmtree(const struct plat *p, const char *dir)
{
    char full[1024];
    native_path(p, dir, NULL, full, sizeof full);
    DIR *d = opendir(full);
    if (d) {
        struct dirent *e;
        char sub[1200];
        while ((e = readdir(d))) {
            if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
            snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
            native_rmdir(p, sub);
        }
        closedir(d);
    }
    native_rmdir(p, dir);
}

/* Removes the run's groups.  The servers must have been reaped
 * (plat_stop_all). */
static void native_cleanup(struct plat *p)
{
    if (!p->cg_run[0]) return;
    native_rmtree(p, p->cg_run);
    p->cg_run[0] = '\0';
}

const struct platform_ops plat_native_ops = {
    "native", native_probe, native_prepare, native_start, native_ready, native_cpu,
    native_reap, native_stop, native_cleanup,
};
